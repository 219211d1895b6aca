"""Claim windows fixed by the calendar: the last N complete periods before the refresh date.

A window never slides back to where data happens to exist. A quarter inside it whose
coverage (papers with a known framework / papers of the population) is below the
threshold makes the claim "not measurable", naming the quarter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

COVERAGE_MIN = 0.5


def quarter_start(name: str) -> date:
    return date(int(name[:4]), (int(name[-1]) - 1) * 3 + 1, 1)


def complete_quarters(as_of: date, n: int) -> list[str]:
    """The last n calendar quarters that ended before as_of, oldest first."""
    year, q = as_of.year, (as_of.month - 1) // 3 + 1
    out = []
    for _ in range(n):
        q -= 1
        if q == 0:
            year, q = year - 1, 4
        out.append(f"{year}Q{q}")
    return out[::-1]


def complete_years(as_of: date, n: int) -> list[int]:
    """The last n calendar years that ended before as_of, oldest first."""
    return list(range(as_of.year - n, as_of.year))


def complete_months(as_of: date, n: int) -> list[date]:
    """First days of the last n calendar months that ended before as_of, oldest first."""
    year, month = as_of.year, as_of.month
    out = []
    for _ in range(n):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        out.append(date(year, month, 1))
    return out[::-1]


@dataclass(frozen=True)
class Coverage:
    quarter: str
    known: int
    population: int

    @property
    def share(self) -> float:
        return self.known / self.population if self.population else 0.0


def uncovered(coverage: list[Coverage], threshold: float = COVERAGE_MIN) -> list[Coverage]:
    """The quarters whose coverage is below the threshold (no papers at all counts as 0)."""
    return [c for c in coverage if c.share < threshold]
