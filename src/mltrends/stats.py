"""Interval arithmetic shared by the report and the reproduction summary (the SQL models use
the `wilson_low`/`wilson_high` macros of sql/macros/stats.sql)."""

from __future__ import annotations

import math


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float | None, float | None]:
    """The Wilson score interval of k successes out of n (95% by default); (None, None) for n = 0."""
    if n <= 0:
        return None, None
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)
