"""`reproduce --sample auto`: enough repositories per claimed framework to measure its
label accuracy to a stated interval half-width, in the quarters the headline shares cover.

Per claimed framework f (the PwC label) among papers of the recent quarters:

    validated needed  n_f = ceil(z^2 p (1 - p) / h^2)        (normal approximation)
    to sample         m_f = min(candidates_f, ceil(n_f / y))

with h the target half-width, p the planning accuracy (0.5, the most conservative,
unless an earlier run validated at least MIN_PRIOR repos of f) and y the expected yield:
the share of runs that observe a framework at runtime (only those measure accuracy),
taken from earlier runs when there are at least MIN_PRIOR of them, else ASSUMED_YIELD.
Where there are too few candidates, the plan says which half-width they can reach.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import duckdb

from mltrends.reproduce.pipeline import Job
from mltrends.reproduce.sampling import _has_table, repo_url

Z95 = 1.959964
ASSUMED_YIELD = 0.5
MIN_PRIOR = 20
RECENT = """
    select repo, paper_id, coalesce(is_official, false) as is_official, pwc_framework as claimed,
           quarter
    from paper_implementations
    where repo is not null and pwc_framework is not null and pwc_framework <> 'none'
      and quarter is not null
"""


def needed(half_width: float, p: float = 0.5, z: float = Z95) -> int:
    """Validated repos for a 95% interval of about +/- half_width around an accuracy p."""
    if not 0 < half_width < 1:
        raise ValueError(f"half-width must be between 0 and 1, got {half_width}")
    return max(1, math.ceil(z * z * p * (1 - p) / (half_width * half_width)))


def reachable(n: int, p: float = 0.5, z: float = Z95) -> float | None:
    """The half-width n validated repos give (normal approximation)."""
    return z * math.sqrt(p * (1 - p) / n) if n > 0 else None


@dataclass
class Stratum:
    framework: str
    candidates: int
    planning_accuracy: float
    validated_needed: int
    to_sample: int
    expected_half_width: float | None


@dataclass
class Plan:
    half_width: float
    quarters: list[str]
    yield_rate: float
    yield_source: str
    strata: list[Stratum] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)

    def format(self, per_run_seconds: float, workers: int) -> str:
        total = sum(s.to_sample for s in self.strata)
        hours = total * per_run_seconds / max(1, workers) / 3600
        out = [f"Power calculation: label accuracy per claimed framework to +/-{100 * self.half_width:.1f} "
               f"points (95%), papers of {', '.join(self.quarters) or 'no quarter'}",
               f"  expected yield (runs that observe a framework): {100 * self.yield_rate:.0f}% "
               f"({self.yield_source})",
               f"  {'framework':<12}{'candidates':>11}{'p plan':>8}{'validated':>10}{'sample':>8}"
               f"{'expected +/-':>14}"]
        for s in self.strata:
            hw = "n/a" if s.expected_half_width is None else f"{100 * s.expected_half_width:.1f} pts"
            out.append(f"  {s.framework:<12}{s.candidates:>11}{s.planning_accuracy:>8.2f}"
                       f"{s.validated_needed:>10}{s.to_sample:>8}{hw:>14}")
        out.append(f"  total {total} repositories; budget {per_run_seconds:.0f} s each, at most "
                   f"{hours:.1f} h with {workers} worker(s)")
        return "\n".join(out)


def recent_quarters(con: duckdb.DuckDBPyConnection, quarters: int) -> list[str]:
    """The last complete quarters behind the headline shares (framework_share_quarterly),
    else the latest quarters that have papers with a labelled implementation."""
    if _has_table(con, "framework_share_quarterly"):
        rows = con.execute("select distinct quarter, quarter_start from framework_share_quarterly "
                           "where not coalesce(is_partial_quarter, false) "
                           "order by quarter_start desc limit ?", [quarters]).fetchall()
        if rows:
            return sorted(r[0] for r in rows)
    if not _has_table(con, "paper_implementations"):
        return []
    rows = con.execute(f"select distinct quarter from ({RECENT}) order by quarter desc limit ?",
                       [quarters]).fetchall()
    return sorted(r[0] for r in rows)


def _prior(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, tuple[int, int]], int, int]:
    """Earlier reproductions: per claim (matched, validated), and (observed, run) overall."""
    if not _has_table(con, "reproductions"):
        return {}, 0, 0
    rows = con.execute("select claimed_framework, runtime_frameworks from reproductions").fetchall()
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    observed = 0
    for claim, runtime in rows:
        if runtime:
            observed += 1
            if claim:
                per[claim][1] += 1
                per[claim][0] += int(claim in runtime)
    return {k: (v[0], v[1]) for k, v in per.items()}, observed, len(rows)


def plan(con: duckdb.DuckDBPyConnection, half_width: float, seed: int, git_base_url: str,
         quarters: int = 4) -> Plan:
    """Which repositories to run so that each claimed framework's accuracy reaches half_width."""
    from mltrends.normalize import canonical_framework

    recent = recent_quarters(con, quarters)
    prior, observed, runs = _prior(con)
    if runs >= MIN_PRIOR and observed:
        yield_rate, source = observed / runs, f"{observed} of {runs} earlier runs"
    else:
        yield_rate, source = ASSUMED_YIELD, f"assumed: fewer than {MIN_PRIOR} earlier runs"
    result = Plan(half_width, recent, yield_rate, source)
    if not recent:
        return result
    rows = con.execute(
        f"select repo, paper_id, is_official, claimed from ({RECENT}) "
        "where quarter in (select unnest(?)) "
        "qualify row_number() over (partition by repo order by is_official desc, paper_id) = 1 "
        "order by repo", [recent]).fetchall()
    strata: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for repo, paper_id, official, claimed in rows:
        framework = canonical_framework(claimed)
        if framework and framework != "none":
            strata[framework].append((repo, paper_id, bool(official)))
    rng = random.Random(seed)
    base = git_base_url.rstrip("/")
    for framework in sorted(strata):
        found = strata[framework]
        matched, validated = prior.get(framework, (0, 0))
        p = min(0.95, max(0.05, matched / validated)) if validated >= MIN_PRIOR else 0.5
        n = needed(half_width, p)
        take = min(len(found), math.ceil(n / yield_rate))
        result.strata.append(Stratum(framework, len(found), p, n, take,
                                     reachable(math.floor(take * yield_rate), p)))
        rng.shuffle(found)
        found.sort(key=lambda r: not r[2])  # official implementations first, shuffled within
        result.jobs += [Job(repo=r[0], url=repo_url(base, r[0]), claimed_framework=framework,
                            paper_id=r[1]) for r in found[:take]]
    return result
