"""`mltrends reproduce --summary`: runnable rate per stage and label confusion matrices.

Per stage: the share of repos that reached it, with a 95% Wilson interval. Confusion
matrices: the claimed (PwC) label and the static detector's primary framework, each
against the framework observed at runtime, over repos whose run imported a framework,
with each source's accuracy and its interval.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import duckdb

from mltrends.stats import wilson

STAGES = ((1, "S1 imports resolve"), (2, "S2 entrypoint runs"), (3, "S3 framework confirmed"),
          (4, "S4 GPU touched"))



def latest_run_id(con: duckdb.DuckDBPyConnection) -> str | None:
    rows = con.execute("select run_id from reproductions group by run_id "
                       "order by max(finished_at) desc, run_id desc limit 1").fetchall()
    return rows[0][0] if rows else None


def summarize(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> dict[str, Any]:
    """The summary of one run (default: the latest) as plain data."""
    run_id = run_id or latest_run_id(con)
    rows = con.execute(
        "select repo, claimed_framework, static_primary, runtime_frameworks, stage_reached, "
        "failure_category, gpu_present, gpu_touched, coalesce(isolation, sandbox, 'unknown') "
        "from reproductions where run_id = ? order by repo",
        [run_id]).fetchall()
    n = len(rows)
    stages = []
    for number, label in STAGES:
        if number == 4:
            eligible = [r for r in rows if r[6]]
            k = sum(1 for r in eligible if r[7])
            m = len(eligible)
        else:
            k, m = sum(1 for r in rows if (r[4] or 0) >= number), n
        low, high = wilson(k, m)
        stages.append({"stage": label, "reached": k, "n": m,
                       "rate": k / m if m else None, "ci_low": low, "ci_high": high})
    failures = Counter(r[5] or "none" for r in rows)
    isolation = Counter(r[8] for r in rows)
    observed = [r for r in rows if r[3]]
    matrices = {}
    for source, index in (("claimed", 1), ("static", 2)):
        cells = Counter((r[index] or "unknown", r[3][0]) for r in observed)
        correct = sum(v for (label, runtime), v in cells.items() if label == runtime)
        low, high = wilson(correct, len(observed))
        matrices[source] = {
            "cells": [{"label": a, "runtime": b, "repos": v} for (a, b), v in sorted(cells.items())],
            "correct": correct, "n": len(observed),
            "accuracy": correct / len(observed) if observed else None,
            "ci_low": low, "ci_high": high,
        }
    return {"run_id": run_id, "repos": n, "stages": stages, "failures": dict(failures),
            "isolation": dict(isolation),
            "gpu_present": any(r[6] for r in rows), "confusion": matrices}


def _pct(x: float | None) -> str:
    return "  n/a" if x is None else f"{100 * x:5.1f}%"


def _matrix(cells: list[dict[str, Any]]) -> list[str]:
    labels = sorted({c["label"] for c in cells})
    runtimes = sorted({c["runtime"] for c in cells})
    width = max([10, *(len(x) + 2 for x in labels + runtimes)])
    table = {(c["label"], c["runtime"]): c["repos"] for c in cells}
    lines = ["label \\ runtime".ljust(width + 6) + "".join(r.rjust(width) for r in runtimes)]
    for label in labels:
        lines.append(label.ljust(width + 6)
                     + "".join(str(table.get((label, r), 0)).rjust(width) for r in runtimes))
    return lines


def format_summary(summary: dict[str, Any]) -> str:
    if not summary["run_id"]:
        return "No reproduction run recorded yet (run `mltrends reproduce`)."
    if not summary["repos"]:
        return f"No reproduction recorded for run {summary['run_id']}."
    out = [f"Reproduction run {summary['run_id']}: {summary['repos']} repositories", "",
           "Runnable rate per stage (95% Wilson interval):"]
    for s in summary["stages"]:
        if s["stage"].startswith("S4") and not summary["gpu_present"]:
            out.append(f"  {s['stage']:<24} n/a (no GPU present: S4 not measured)")
            continue
        out.append(f"  {s['stage']:<24} {s['reached']:>4}/{s['n']:<4} {_pct(s['rate'])}"
                   f"  [{_pct(s['ci_low'])}, {_pct(s['ci_high'])}]")
    out += ["", "Failures: " + ", ".join(f"{k} {v}" for k, v in sorted(summary["failures"].items()))]
    out += ["Isolation: " + "; ".join(f"{k}: {v} repos" for k, v in sorted(summary["isolation"].items()))]
    for source, title in (("claimed", "claimed label (PwC)"), ("static", "static detection")):
        m = summary["confusion"][source]
        out += ["", f"Confusion matrix, {title} vs runtime framework "
                    f"({m['n']} repos that imported a framework):"]
        if not m["n"]:
            out.append("  (no run observed a framework)")
            continue
        out += ["  " + line for line in _matrix(m["cells"])]
        out.append(f"  accuracy {m['correct']}/{m['n']} {_pct(m['accuracy'])} "
                   f"[{_pct(m['ci_low'])}, {_pct(m['ci_high'])}]")
    return "\n".join(out)
