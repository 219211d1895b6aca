"""Estimators behind the claims and the label correction, each small and tested by hand.

- `bootstrap`: cluster (organisation-level) bootstrap, seeded.
- `trend`: paper-weighted least-squares trend of a share over time.
- `level`: the level test behind "dominates" (share above a bar in every quarter).
- `correction`: misclassification matrix and its inversion on the simplex.
- `windows`: claim windows fixed by the calendar, and their coverage.

The Wilson interval lives in `mltrends.stats` (one implementation).
"""

DOMAINS = {"share": (0.0, 1.0), "points": (-1.0, 1.0), "ratio": (0.0, float("inf")),
           "points per year": (-1.0, 1.0), "count": (0.0, float("inf"))}


def clip(value: float | None, unit: str) -> float | None:
    """A bound clipped to its metric's domain (a share stays in [0, 1], a difference in [-1, 1])."""
    if value is None:
        return None
    low, high = DOMAINS.get(unit, (float("-inf"), float("inf")))
    return min(high, max(low, value))
