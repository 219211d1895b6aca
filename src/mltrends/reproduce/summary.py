"""`mltrends reproduce --summary`: runnable rate per stage and label confusion matrices.

Per stage of the ladder (imports, entry point starts, framework, model built, step, GPU
used, and "completed"): the share of repos that reached it, with a 95% Wilson interval,
beside the published rates of large re-execution studies (reproduce/published.py). Per
claimed framework: label accuracy with its achieved interval half-width. Confusion
matrices: the claimed (PwC) label and the static detector's primary framework, each
against the framework observed at runtime, over repos whose run imported a framework,
with each source's accuracy and its interval.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from typing import Any

import duckdb

from mltrends.reproduce import published
from mltrends.reproduce.evidence import RANK
from mltrends.stats import wilson

LADDER_ROWS = (("env", "S0 environment built"), ("imports", "S1 imports resolve"), ("entrypoint", "S2 entry point starts"),
               ("framework", "S3 framework confirmed"), ("model", "S4 model built"),
               ("step", "S5 step runs"), ("gpu", "S6 GPU used"))
LEGACY = {1: "imports", 2: "entrypoint", 3: "framework", 4: "framework"}  # stage_reached
COMPLETED = "completed (best command exited 0)"
COLUMNS = ("repo", "claimed_framework", "static_primary", "runtime_frameworks", "stage_reached",
           "failure_category", "gpu_present", "gpu_touched", "furthest_stage", "command_source",
           "isolation", "sandbox")


def _rate(label: str, k: int, m: int) -> dict[str, Any]:
    low, high = wilson(k, m)
    return {"stage": label, "reached": k, "n": m, "rate": k / m if m else None,
            "ci_low": low, "ci_high": high}


def _furthest(row: dict[str, Any]) -> str:
    if row["furthest_stage"]:
        return row["furthest_stage"]
    if row["stage_reached"]:
        return LEGACY[row["stage_reached"]]
    return "none" if row["failure_category"] in ("clone", "env", "sandbox") else "env"


def stage_rates(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Share of repositories reaching each stage (95% Wilson interval).

    Rows recorded before the ladder existed (no furthest_stage) count for S1-S3 only; S6
    counts only repositories run where a GPU was present.
    """
    out = []
    for name, label in LADDER_ROWS:
        if name == "gpu":
            eligible = [r for r in rows if r["gpu_present"]]
            out.append(_rate(label, sum(1 for r in eligible if r["gpu_touched"]), len(eligible)))
            continue
        need = RANK[name]
        eligible = [r for r in rows if r["furthest_stage"] or need <= RANK["framework"]]
        k = sum(1 for r in eligible if RANK[_furthest(r)] >= need)
        out.append(_rate(label, k, len(eligible)))
    laddered = [r for r in rows if r["furthest_stage"]]
    done = sum(1 for r in laddered if r["failure_category"] is None
               and RANK[r["furthest_stage"]] >= RANK["entrypoint"]
               and r["command_source"] != "entrypoint --help")
    out.append(_rate(COMPLETED, done, len(laddered)))
    return out


def label_accuracy_by_claim(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per claimed framework: how often the runtime framework matched the claim, with the
    achieved half-width of its interval (what `reproduce --sample` aims to bring down)."""
    out = []
    for claim in sorted({r["claimed_framework"] for r in rows if r["claimed_framework"]}):
        observed = [r for r in rows if r["claimed_framework"] == claim and r["runtime_frameworks"]]
        k = sum(1 for r in observed if claim in r["runtime_frameworks"])
        rate = _rate(claim, k, len(observed))
        rate["half_width"] = ((rate["ci_high"] - rate["ci_low"]) / 2) if observed else None
        out.append(rate)
    return out


def stage_table(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """For the report: each stage's rate over every repository's latest run, with the
    published rates of the closest stage beside it."""
    found = con.execute(f"select {', '.join(COLUMNS)} from reproductions qualify row_number() "
                        "over (partition by repo order by finished_at desc, run_id desc) = 1").fetchall()
    rows = [dict(zip(COLUMNS, r, strict=True)) for r in found]
    if not rows:
        return []
    names = [name for name, _ in LADDER_ROWS] + ["completed"]
    studies = published.load()
    out = []
    for name, rate in zip(names, stage_rates(rows), strict=True):
        if not rate["n"]:
            continue
        beside = [f"{100 * p.rate:.1f}% {p.definition} ({p.short})" for p in studies
                  if p.comparable_stage == name]
        out.append({"Stage": rate["stage"], "Reached": f"{rate['reached']}/{rate['n']}",
                    "Rate (95% interval)": f"{_pct(rate['rate']).strip()} [{_pct(rate['ci_low']).strip()}, "
                                           f"{_pct(rate['ci_high']).strip()}]",
                    "Published": "; ".join(beside) or "-"})
    return out


def latest_run_id(con: duckdb.DuckDBPyConnection) -> str | None:
    rows = con.execute("select run_id from reproductions group by run_id "
                       "order by max(finished_at) desc, run_id desc limit 1").fetchall()
    return rows[0][0] if rows else None


def summarize(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> dict[str, Any]:
    """The summary of one run (default: the latest) as plain data."""
    run_id = run_id or latest_run_id(con)
    found = con.execute(f"select {', '.join(COLUMNS)} from reproductions where run_id = ? "
                        "order by repo", [run_id]).fetchall()
    rows = [dict(zip(COLUMNS, r, strict=True)) for r in found]
    n = len(rows)
    stages = stage_rates(rows)
    failures = Counter(r["failure_category"] or "none" for r in rows)
    isolation = Counter(r["isolation"] or r["sandbox"] or "unknown" for r in rows)
    observed = [r for r in rows if r["runtime_frameworks"]]
    matrices = {}
    for source in ("claimed_framework", "static_primary"):
        cells = Counter((r[source] or "unknown", r["runtime_frameworks"][0]) for r in observed)
        correct = sum(v for (label, runtime), v in cells.items() if label == runtime)
        low, high = wilson(correct, len(observed))
        matrices["claimed" if source == "claimed_framework" else "static"] = {
            "cells": [{"label": a, "runtime": b, "repos": v} for (a, b), v in sorted(cells.items())],
            "correct": correct, "n": len(observed),
            "accuracy": correct / len(observed) if observed else None,
            "ci_low": low, "ci_high": high,
        }
    return {"run_id": run_id, "repos": n, "stages": stages, "failures": dict(failures),
            "isolation": dict(isolation),
            "gpu_present": any(r["gpu_present"] for r in rows), "confusion": matrices,
            "label_accuracy": label_accuracy_by_claim(rows),
            "published": [asdict(p) for p in published.load()]}


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


def _published_lines(summary: dict[str, Any]) -> list[str]:
    if not summary["published"]:
        return []
    ours = {name: s for (name, _), s in zip(LADDER_ROWS, summary["stages"], strict=False)}
    ours["completed"] = summary["stages"][-1]
    out = ["", "Published re-execution rates, beside ours at the closest stage (other populations "
               "and definitions: read as context, not as a benchmark):"]
    for p in summary["published"]:
        counts = f" ({p['numerator']}/{p['denominator']})" if p["numerator"] is not None else ""
        mine = ours.get(p["comparable_stage"])
        here = (f"this sample {_pct(mine['rate'])} [{_pct(mine['ci_low'])}, {_pct(mine['ci_high'])}]"
                if mine and mine["n"] else "this sample n/a")
        out.append(f"  {_pct(p['rate'])}{counts}  {p['definition']}; {p['population']}")
        out.append(f"          vs {here} at '{p['comparable_stage']}' -- {p['citation']}")
    return out


def _accuracy_lines(summary: dict[str, Any], target: float | None) -> list[str]:
    rows = [r for r in summary["label_accuracy"] if r["n"]]
    if not rows:
        return []
    goal = f"; target half-width {100 * target:.1f} points" if target else ""
    out = ["", f"Label accuracy by claimed framework (95% Wilson interval, achieved half-width{goal}):"]
    for r in rows:
        met = "" if not target else ("  met" if r["half_width"] <= target else "  not met")
        out.append(f"  {r['stage']:<14} {r['reached']:>4}/{r['n']:<4} {_pct(r['rate'])}"
                   f"  [{_pct(r['ci_low'])}, {_pct(r['ci_high'])}]  +/-{100 * r['half_width']:.1f} points{met}")
    return out


def format_summary(summary: dict[str, Any], target_half_width: float | None = None) -> str:
    if not summary["run_id"]:
        return "No reproduction run recorded yet (run `mltrends reproduce`)."
    if not summary["repos"]:
        return f"No reproduction recorded for run {summary['run_id']}."
    out = [f"Reproduction run {summary['run_id']}: {summary['repos']} repositories", "",
           "Runnable rate per stage (95% Wilson interval):"]
    for s in summary["stages"]:
        if s["stage"].startswith("S6") and not summary["gpu_present"]:
            out.append(f"  {s['stage']:<34} n/a (no GPU present: S6 not measured)")
            continue
        out.append(f"  {s['stage']:<34} {s['reached']:>4}/{s['n']:<4} {_pct(s['rate'])}"
                   f"  [{_pct(s['ci_low'])}, {_pct(s['ci_high'])}]")
    out += _published_lines(summary)
    out += _accuracy_lines(summary, target_half_width)
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
