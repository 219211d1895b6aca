"""Paper-weighted trend of a share over time: weighted least squares, t interval.

Each period's share is weighted by its number of papers, so a quarter of 5 papers does not
pull the line as hard as one of 500 (the unweighted slope treats them alike).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps


@dataclass(frozen=True)
class Trend:
    slope: float | None
    low: float | None
    high: float | None
    se: float | None
    periods: int


def weighted_trend(x: Sequence[float], y: Sequence[float], w: Sequence[float],
                   level: float = 0.95) -> Trend:
    """WLS slope of y on x with weights w; Student t interval on (periods - 2) df.

    The residual variance is estimated from the weighted residuals (weights are relative),
    so overdispersion between periods widens the interval rather than being assumed away.
    """
    xa, ya, wa = (np.asarray(v, dtype=float) for v in (x, y, w))
    keep = wa > 0
    xa, ya, wa = xa[keep], ya[keep], wa[keep]
    k = int(xa.size)
    if k < 3:
        return Trend(None, None, None, None, k)
    xbar = float((wa * xa).sum() / wa.sum())
    ybar = float((wa * ya).sum() / wa.sum())
    sxx = float((wa * (xa - xbar) ** 2).sum())
    if sxx <= 0:
        return Trend(None, None, None, None, k)
    slope = float((wa * (xa - xbar) * (ya - ybar)).sum() / sxx)
    resid = ya - (ybar + slope * (xa - xbar))
    s2 = float((wa * resid ** 2).sum() / (k - 2))
    se = (s2 / sxx) ** 0.5
    half = float(sps.t.ppf(1 - (1 - level) / 2, k - 2)) * se
    return Trend(slope, slope - half, slope + half, se, k)
