"""Correcting observed framework shares for detection/label errors.

M[j, i] = P(observed j | framework i actually imported at run time), estimated from
reproduced repositories sampled from the population being corrected, stratified by their
observed framework and weighted by stratum size (N_j / n_j). The observed distribution is
q = M p; p is recovered by least squares on the probability simplex (p >= 0, sum p = 1),
never by an unconstrained inverse that can leave [0, 1]. Intervals: bootstrap over both the
population (multinomial) and the reproductions (within strata).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

SUM_WEIGHT = 1e4  # weight of the sum-to-one row in the augmented non-negative least squares
DEFAULT_REPS = 500


def misclassification_matrix(pairs: Sequence[tuple[str, str]], weights: Mapping[str, float],
                             categories: Sequence[str]) -> np.ndarray:
    """M[j, i] = P(observed j | true i) from (observed, true) pairs, each weighted by its
    stratum's weight (strata = observed categories). A true category never seen gets the
    identity column only if nothing else is known (flagged by the caller's minimum rule)."""
    index = {c: k for k, c in enumerate(categories)}
    joint = np.zeros((len(categories), len(categories)))
    for observed, true in pairs:
        if observed in index and true in index:
            joint[index[observed], index[true]] += weights.get(observed, 0.0)
    col = joint.sum(axis=0)
    m = np.eye(len(categories))
    seen = col > 0
    m[:, seen] = joint[:, seen] / col[seen]
    return m


def invert_on_simplex(m: np.ndarray, q: np.ndarray) -> np.ndarray:
    """argmin ||M p - q||^2 subject to p >= 0 and sum(p) = 1."""
    m = np.asarray(m, dtype=float)
    q = np.asarray(q, dtype=float)
    a = np.vstack([m, SUM_WEIGHT * np.ones((1, m.shape[1]))])
    b = np.concatenate([q, [SUM_WEIGHT]])
    p, _ = nnls(a, b)
    total = p.sum()
    return p / total if total > 0 else p


@dataclass(frozen=True)
class Corrected:
    categories: list[str]
    observed: np.ndarray
    corrected: np.ndarray
    low: np.ndarray
    high: np.ndarray
    reps: int


def _renormalise(p: np.ndarray, drop: int | None) -> np.ndarray:
    if drop is None:
        return p
    rest = 1 - p[..., drop:drop + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(rest > 0, p / rest, np.nan)
    out[..., drop] = 0.0
    return out


def correct_shares(population: Mapping[str, int], validated: Sequence[tuple[str, str]],
                   *, reps: int = DEFAULT_REPS, seed: int = 20250701,
                   level: float = 0.95, without: str | None = None) -> Corrected:
    """Observed and corrected shares of each category, with bootstrap intervals.

    population: observed category -> papers in the population being corrected.
    validated: (observed category, runtime category) for each reproduced repo of that
    population (a stratified sample; weights N_j / n_j are derived here).
    without: a category (e.g. 'none') the reported shares leave out of the denominator,
    after the inversion (which needs it).
    """
    categories = sorted(set(population) | {t for _, t in validated} | {o for o, _ in validated})
    counts = np.array([population.get(c, 0) for c in categories], dtype=float)
    n_pop = counts.sum()
    q = counts / n_pop
    by_stratum: dict[str, list[tuple[str, str]]] = {}
    for pair in validated:
        by_stratum.setdefault(pair[0], []).append(pair)

    def estimate(q_vec: np.ndarray, strata: Mapping[str, list[tuple[str, str]]]) -> np.ndarray:
        weights = {c: q_vec[k] * n_pop / len(strata[c])
                   for k, c in enumerate(categories) if strata.get(c)}
        pairs = [p for rows in strata.values() for p in rows]
        return invert_on_simplex(misclassification_matrix(pairs, weights, categories), q_vec)

    drop = categories.index(without) if without in categories else None
    point = _renormalise(estimate(q, by_stratum), drop)
    rng = np.random.default_rng(seed)
    draws = np.empty((reps, len(categories)))
    for r in range(reps):
        q_star = rng.multinomial(int(n_pop), q) / n_pop
        strata_star = {c: [rows[i] for i in rng.integers(0, len(rows), len(rows))]
                       for c, rows in by_stratum.items()}
        draws[r] = _renormalise(estimate(q_star, strata_star), drop)
    draws = draws[np.isfinite(draws).all(axis=1)]
    alpha = (1 - level) / 2
    low = np.clip(np.quantile(draws, alpha, axis=0, method="inverted_cdf"), 0, 1)
    high = np.clip(np.quantile(draws, 1 - alpha, axis=0, method="inverted_cdf"), 0, 1)
    return Corrected(categories, _renormalise(q, drop), point, low, high, int(draws.shape[0]))
