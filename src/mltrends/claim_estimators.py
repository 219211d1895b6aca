"""The estimators a claim can name in the registry (`estimator = ...`), besides plain SQL.

Each takes the rows of the claim's query and returns a Measured value. Quarterly research
estimators read rows (quarter, framework, papers) of one population, every quarter present,
and pick their window by the calendar; cluster estimators read one row per organisation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import numpy as np

from mltrends.estimators import bootstrap, level, trend, windows
from mltrends.stats import wilson

BREAK_SERIES = "pwc_archive"
FEW_CLUSTERS = 10  # below this many organisations a percentile bootstrap understates the spread


@dataclass(frozen=True)
class Measured:
    metric: float | None
    low: float | None
    high: float | None
    n: int | None
    detail: str
    window_first: str | None = None
    window_last: str | None = None
    verdict: str | None = None  # set when the estimator decides itself (level test, coverage)
    why: str | None = None


def _quarterly(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for r in rows:
        if r.get("quarter") is not None:
            out[r["quarter"]][r["framework"]] = int(r["papers"])
    return out


def _breaks_inside(con: duckdb.DuckDBPyConnection, first: str, last: str) -> list[date]:
    start = windows.quarter_start(first)
    end = windows.quarter_start(last)
    rows = con.execute("select break_date from series_breaks where series = ? and break_date > ? "
                       "and break_date <= ? order by break_date",
                       [BREAK_SERIES, start, end]).fetchall()
    return [r[0] for r in rows]


def _window(claim: Any, rows: list[dict[str, Any]], con: duckdb.DuckDBPyConnection, as_of: date,
            ) -> tuple[list[str], dict[str, dict[str, int]], Measured | None, str]:
    """The calendar window, its counts, a 'not measurable' result when coverage fails, and
    the note about a series break inside the window."""
    quarters = windows.complete_quarters(as_of, claim.periods)
    counts = _quarterly(rows)
    cover = [windows.Coverage(q, sum(v for f, v in counts.get(q, {}).items() if f != "none"),
                              sum(counts.get(q, {}).values())) for q in quarters]
    low = windows.uncovered(cover)
    note = ""
    crossed = _breaks_inside(con, quarters[0], quarters[-1])
    if crossed:
        note = (f"; the window crosses the Papers with Code archive break ({crossed[0]}): "
                f"{claim.across_break or 'one estimate spans both sides'}")
    if low:
        listed = ", ".join(f"{c.quarter} {c.known}/{c.population}" for c in low)
        bad = Measured(None, None, None, sum(c.known for c in cover), "",
                       quarters[0], quarters[-1], "not measurable",
                       f"coverage below {windows.COVERAGE_MIN:.0%} of papers with a known framework "
                       f"in {len(low)} of {len(quarters)} quarters of {quarters[0]}–{quarters[-1]} "
                       f"({listed})")
        return quarters, counts, bad, note
    return quarters, counts, None, note


def window_share(claim: Any, rows: list[dict[str, Any]], con: duckdb.DuckDBPyConnection,
                 as_of: date) -> Measured:
    """Pooled share of the target framework over the window; Wilson interval."""
    quarters, counts, bad, note = _window(claim, rows, con, as_of)
    if bad:
        return bad
    k = sum(counts.get(q, {}).get(claim.target, 0) for q in quarters)
    n = sum(v for q in quarters for f, v in counts.get(q, {}).items() if f != "none")
    low, high = wilson(k, n)
    return Measured(k / n if n else None, low, high, n,
                    f"{k} of {n} papers use {claim.target}, {quarters[0]}–{quarters[-1]}{note}",
                    quarters[0], quarters[-1])


def level_share(claim: Any, rows: list[dict[str, Any]], con: duckdb.DuckDBPyConnection,
                as_of: date) -> Measured:
    """The level test: the target's share above the threshold in every quarter of the window."""
    quarters, counts, bad, note = _window(claim, rows, con, as_of)
    if bad:
        return bad
    periods = [(q, {f: v for f, v in counts.get(q, {}).items() if f != "none"}) for q in quarters]
    result = level.level_test(periods, claim.target, claim.threshold)
    b = result.binding
    per = "; ".join(f"{p.period} {p.share:.0%} (lead over {p.runner_up or 'none'} "
                    f"{100 * (p.lead or 0):+.0f} pts, n={p.n})" for p in result.periods if p.share is not None)
    n = sum(p.n for p in result.periods)
    return Measured(b.share if b else None, b.low if b else None, b.high if b else None, n,
                    f"lowest quarter shown; per quarter: {per}{note}", quarters[0], quarters[-1],
                    result.verdict, result.why)


def weighted_trend(claim: Any, rows: list[dict[str, Any]], con: duckdb.DuckDBPyConnection,
                   as_of: date) -> Measured:
    """Paper-weighted least-squares slope of the target's quarterly share (per year)."""
    quarters, counts, bad, note = _window(claim, rows, con, as_of)
    if bad:
        return bad
    xs, ys, ws = [], [], []
    for i, q in enumerate(quarters):
        n = sum(v for f, v in counts.get(q, {}).items() if f != "none")
        xs.append(i / 4)
        ys.append(counts.get(q, {}).get(claim.target, 0) / n if n else 0.0)
        ws.append(n)
    t = trend.weighted_trend(xs, ys, ws)
    detail = (f"{claim.target} share {ys[0]:.0%} in {quarters[0]}, {ys[-1]:.0%} in {quarters[-1]}; "
              f"weighted slope {100 * (t.slope or 0):+.1f} points a year over {t.periods} quarters "
              f"({int(sum(ws))} papers){note}")
    return Measured(t.slope, t.low, t.high, t.periods, detail, quarters[0], quarters[-1])


def _cluster(claim: Any, rows: list[dict[str, Any]],
             statistic: Callable[[np.ndarray], np.ndarray], what: str) -> Measured:
    totals = np.array([[r["a"], r.get("b") or 0, r["n"]] for r in rows if r["n"]], dtype=float)
    if totals.size == 0:
        return Measured(None, None, None, 0, "no organisation has a repo with a known framework")
    res = bootstrap.cluster_bootstrap(totals, statistic, seed=claim.seed)
    a, b, n = (int(v) for v in totals.sum(axis=0))
    note = next((r["note"] for r in rows if r.get("note")), "")
    first = next((r.get("window_first") for r in rows if r.get("window_first")), None)
    last = next((r.get("window_last") for r in rows if r.get("window_last")), None)
    detail = (f"{what.format(a=a, b=b, n=n)} in {res.clusters} organisations "
              f"(organisation bootstrap, {res.reps} resamples, seed {claim.seed})"
              + (f"; with only {res.clusters} organisations the bootstrap interval is itself rough "
                 "(too narrow, if anything)" if res.clusters < FEW_CLUSTERS else "")
              + (f"; {note}" if note else ""))
    return Measured(res.estimate, res.low, res.high, n, detail, first, last)


def cluster_share(claim: Any, rows: list[dict[str, Any]], con: duckdb.DuckDBPyConnection,
                  as_of: date) -> Measured:
    """Share a/n pooled over organisations; organisations resampled."""
    return _cluster(claim, rows, bootstrap.share_of(0, 2),
                    "{a} of {n} repos use " + claim.target)


def cluster_difference(claim: Any, rows: list[dict[str, Any]], con: duckdb.DuckDBPyConnection,
                       as_of: date) -> Measured:
    """(a - b) / n pooled over organisations; organisations resampled."""
    return _cluster(claim, rows, bootstrap.difference_of_shares(0, 1, 2),
                    claim.target + " {a}, " + claim.versus + " {b} of {n} repos")


ESTIMATORS: dict[str, Callable[..., Measured]] = {
    "window_share": window_share, "level": level_share, "trend": weighted_trend,
    "cluster_share": cluster_share, "cluster_difference": cluster_difference,
}
