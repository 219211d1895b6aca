"""`mltrends status`: freshness per source and the recent runs, from the published database."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
from rich.console import Console
from rich.table import Table

from mltrends import db, publish
from mltrends.config import Settings
from mltrends.sources.registry import SOURCES


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
            import os

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
        result["runs"] = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()
    return result


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
        table.add_row(source, str(info["last_success"] or "never"), str(info["staleness_days"] or "-"),
                      rows, str(info["last_failure"] or ""))
    out.print(table)
    runs = Table(title="recent runs")
    for col in ("started", "command", "status", "error"):
        runs.add_column(col)
    for r in report["runs"]:
        runs.add_row(str(r["started_at"])[:19], r["command"], r["status"], (r["error"] or "")[:100])
    out.print(runs)
