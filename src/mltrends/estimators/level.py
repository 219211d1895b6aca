"""The level test behind "dominates": a share above a bar, and above the runner-up, in
every period of a window.

Requiring each period's 95% interval to clear the bar is an intersection-union test: the
claim as a whole keeps a 5% error rate without a multiplicity correction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mltrends.stats import wilson


@dataclass(frozen=True)
class PeriodLevel:
    period: str
    share: float | None
    low: float | None
    high: float | None
    runner_up: str | None
    lead: float | None
    n: int


@dataclass(frozen=True)
class LevelResult:
    verdict: str          # supported | contradicted | inconclusive | not measurable
    why: str
    binding: PeriodLevel | None  # the period with the lowest share (it decides)
    periods: list[PeriodLevel]


def period_level(period: str, counts: Mapping[str, int], leader: str) -> PeriodLevel:
    n = int(sum(counts.values()))
    k = int(counts.get(leader, 0))
    others = sorted(((v, f) for f, v in counts.items() if f != leader), reverse=True)
    low, high = wilson(k, n)
    runner = others[0][1] if others else None
    lead = (k - others[0][0]) / n if others and n else (k / n if n else None)
    return PeriodLevel(period, k / n if n else None, low, high, runner, lead, n)


def level_test(periods: Sequence[tuple[str, Mapping[str, int]]], leader: str,
               bar: float = 0.5) -> LevelResult:
    """Supported when every period's interval lies above `bar` (then the leader also beats
    every other framework, whose share is below 1 - bar); contradicted when some period's
    interval lies below `bar`; inconclusive otherwise."""
    rows = [period_level(p, c, leader) for p, c in periods]
    if not rows or any(r.n == 0 for r in rows):
        empty = [r.period for r in rows if r.n == 0]
        return LevelResult("not measurable", f"no papers in {', '.join(empty) or 'the window'}",
                           None, rows)
    binding = min(rows, key=lambda r: (r.share, r.period))
    below = [r for r in rows if r.high is not None and r.high < bar]
    if below:
        return LevelResult("contradicted", f"in {below[0].period} the whole interval "
                           f"[{below[0].low:.3f}, {below[0].high:.3f}] lies below {bar:g}", binding, rows)
    if all(r.low is not None and r.low > bar for r in rows):
        return LevelResult("supported", f"in each of {len(rows)} quarters the interval lies above "
                           f"{bar:g} (lowest: {binding.period}, [{binding.low:.3f}, {binding.high:.3f}])",
                           binding, rows)
    unsure = [r.period for r in rows if not (r.low is not None and r.low > bar)]
    return LevelResult("inconclusive", f"the interval contains {bar:g} in {len(unsure)} of "
                       f"{len(rows)} quarters ({', '.join(unsure)})", binding, rows)
