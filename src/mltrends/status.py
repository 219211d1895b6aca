"""`mltrends status`: freshness per source and the recent runs, from the published database.

`check(report, limits)` turns the status into the problems a monitor alerts on: no
database, a last refresh that failed, a source staler than its limit (`[status]
max_age_days` in mltrends.toml, per source; 0 turns a source's check off).
"""

from __future__ import annotations

import contextlib
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
from rich.console import Console
from rich.table import Table

from mltrends import db, publish
from mltrends.config import Settings, StatusSettings
from mltrends.sources.registry import SOURCES

DEFAULT_MAX_AGE_DAYS: float = StatusSettings.model_fields["max_age_days"].default


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int | None:
    try:
        return con.execute(f"select count(*) from {table}").fetchall()[0][0]
    except duckdb.Error:
        return None


def collect(settings: Settings, n_runs: int = 10, now: datetime | None = None) -> dict[str, Any]:
    """Gather the status of the published database (and whether a refresh runs now)."""
    now = now or db.now_utc()
    lock = publish.read_lock(publish.lock_path_for(publish.work_db_for(settings)))
    running = None
    if lock and lock.get("pid"):
        try:
            os.kill(int(lock["pid"]), 0)
            running = lock
        except (ProcessLookupError, ValueError):
            running = None
    result: dict[str, Any] = {"database": settings.db, "refresh_running": running, "sources": {},
                              "runs": []}
    if not Path(settings.db).exists():
        result["error"] = f"{settings.db} does not exist yet: run `mltrends refresh` or `make demo`"
        return result
    con = db.connect(settings.db, read_only=True)
    try:
        for src in SOURCES:
            source = src.name
            last = con.execute(
                "select max(finished_at) from runs where status = 'succeeded' and source = ?", [source],
            ).fetchall()[0][0]
            failed = con.execute(
                "select max(finished_at) from runs where status <> 'succeeded' and status <> 'running' "
                "and source = ?", [source],
            ).fetchall()[0][0]
            result["sources"][source] = {
                "last_success": last,
                "last_failure": failed,
                "staleness_days": None if last is None else round((now - last).total_seconds() / 86400, 2),
                "rows": {t: _count(con, t) for t in src.tables},
            }
        cur = con.execute(
            "select run_id, command, status, started_at, finished_at, rows, error from runs "
            "order by started_at desc limit ?", [n_runs])
        names = [d[0] for d in cur.description]
        result["runs"] = [_plain_run(dict(zip(names, r, strict=True))) for r in cur.fetchall()]
        last = con.execute(
            "select run_id, status, started_at, finished_at, notes, error from runs "
            "where command = 'refresh' order by started_at desc limit 1").fetchall()
        result["last_refresh"] = None
        if last:
            run_id, run_status, started, finished, notes, error = last[0]
            failed = [r[0].removeprefix("refresh:") for r in con.execute(
                "select command from runs where command like 'refresh:%' and status = 'failed' "
                "and started_at >= ? and started_at <= ? order by started_at",
                [started, finished or now]).fetchall()]
            ok = run_status == "succeeded" and not failed
            result["last_refresh"] = {"run_id": run_id, "status": "succeeded" if ok else "failed",
                                      "started_at": started, "finished_at": finished,
                                      "failed_steps": failed, "error": error, "notes": notes or None}
    finally:
        con.close()
    return result


def _plain_run(run: dict[str, Any]) -> dict[str, Any]:
    """A run row with its JSON column as a value, not a string holding JSON."""
    if isinstance(run.get("rows"), str):
        with contextlib.suppress(ValueError):
            run["rows"] = json.loads(run["rows"])
    return run


def max_age_days(settings: Settings) -> dict[str, float]:
    """The staleness limit per source ([status] max_age_days: one number, or one per source)."""
    value = settings.status.max_age_days
    if isinstance(value, dict):
        return {s.name: float(value.get(s.name, DEFAULT_MAX_AGE_DAYS)) for s in SOURCES}
    return {s.name: float(value) for s in SOURCES}


def check(report: dict[str, Any], limits: dict[str, float]) -> list[str]:
    """What a monitor should alert on, one sentence each; empty when all is well."""
    if report.get("error"):
        return [report["error"]]
    problems = []
    last = report.get("last_refresh")
    if last and last["status"] != "succeeded":
        steps = ", ".join(last["failed_steps"]) or "the refresh itself"
        problems.append(f"the last refresh ({last['started_at']:%Y-%m-%d %H:%M} UTC) failed: {steps}")
    for source, info in report["sources"].items():
        limit = limits.get(source, DEFAULT_MAX_AGE_DAYS)
        if limit <= 0:
            continue
        age = info["staleness_days"]
        if age is None:
            problems.append(f"source {source} has never been refreshed successfully")
        elif age > limit:
            problems.append(f"source {source} is {age:g} days old (limit {limit:g})")
    return problems


def days(value: float | None) -> str:
    """Staleness for people: 0 is 0, unknown is 'never'."""
    return "never" if value is None else f"{value:g}"


def print_status(report: dict[str, Any]) -> None:
    out = Console()
    if report.get("refresh_running"):
        r = report["refresh_running"]
        out.print(f"[yellow]a refresh is running now: pid {r.get('pid')} since {r.get('started_at')}[/]")
    if report.get("error"):
        out.print(report["error"])
        return
    table = Table(title=f"sources in {report['database']}")
    for col in ("source", "last success", "stale (days)", "rows", "last failure"):
        table.add_column(col)
    for source, info in report["sources"].items():
        rows = ", ".join(f"{t} {n:,}" if n is not None else f"{t} -" for t, n in info["rows"].items())
        table.add_row(source, str(info["last_success"] or "never"), days(info["staleness_days"]),
                      rows, str(info["last_failure"] or ""))
    out.print(table)
    runs = Table(title="recent runs")
    for col in ("started", "command", "status", "error"):
        runs.add_column(col)
    for r in report["runs"]:
        runs.add_row(str(r["started_at"])[:19], r["command"], r["status"], (r["error"] or "")[:100])
    out.print(runs)
