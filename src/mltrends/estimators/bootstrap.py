"""Cluster bootstrap: resample whole clusters (organisations), not the units inside them.

Repos of one organisation share its habits, so they are not independent draws; resampling
organisations with replacement keeps that dependence in the interval. Percentile interval,
seeded: the same data and seed give the same interval.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

DEFAULT_REPS = 2000
DEFAULT_SEED = 20250701


@dataclass(frozen=True)
class BootstrapInterval:
    estimate: float | None
    low: float | None
    high: float | None
    se: float | None
    clusters: int
    reps: int


def cluster_bootstrap(totals: np.ndarray, statistic: Callable[[np.ndarray], np.ndarray], *,
                      reps: int = DEFAULT_REPS, seed: int = DEFAULT_SEED,
                      level: float = 0.95) -> BootstrapInterval:
    """Percentile interval of `statistic` over clusters resampled with replacement.

    totals: one row per cluster, one column per count (e.g. [tensorflow, pytorch, all]).
    statistic: maps summed counts (shape (..., columns)) to the metric, vectorised; it may
    return nan where undefined (e.g. a resample with no unit), such draws are dropped.
    """
    totals = np.asarray(totals, dtype=float)
    m = totals.shape[0]
    if m == 0:
        return BootstrapInterval(None, None, None, None, 0, 0)
    estimate = float(statistic(totals.sum(axis=0)))
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, m, size=(reps, m))
    draws = np.asarray(statistic(totals[picks].sum(axis=1)), dtype=float)
    draws = draws[np.isfinite(draws)]
    if draws.size == 0 or not np.isfinite(estimate):
        return BootstrapInterval(None if not np.isfinite(estimate) else estimate, None, None,
                                 None, m, 0)
    alpha = (1 - level) / 2
    low, high = np.quantile(draws, [alpha, 1 - alpha], method="inverted_cdf")
    return BootstrapInterval(estimate, float(low), float(high), float(draws.std(ddof=1)),
                             m, int(draws.size))


def share_of(column: int, total: int = -1) -> Callable[[np.ndarray], np.ndarray]:
    """statistic: counts[column] / counts[total]."""
    def stat(s: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return s[..., column] / s[..., total]
    return stat


def difference_of_shares(first: int, second: int, total: int = -1) -> Callable[[np.ndarray], np.ndarray]:
    """statistic: (counts[first] - counts[second]) / counts[total]."""
    def stat(s: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return (s[..., first] - s[..., second]) / s[..., total]
    return stat
