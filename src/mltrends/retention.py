"""How long generated reports and reproduction logs are kept (`[retention]` in mltrends.toml).

    [retention]
    reports_days = 90            # dated report folders <reports_dir>/YYYY-MM-DD/
    reproduction_logs_days = 30  # <reports_dir>/reproductions/<run_id>/

Unset or 0 keeps everything (the default). The folder `latest` points at is never
removed, nor anything that is not named like a generated folder. The database is never
touched: its history is kept whatever these say.
"""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

from mltrends import console
from mltrends.config import Settings

DATED = re.compile(r"^\d{4}-\d{2}-\d{2}$")
RUN_STAMP = re.compile(r"^(\d{8})T\d{6}")  # db.new_run_id: YYYYmmddTHHMMSSffffff-...


def _days(settings: Settings, key: str) -> int:
    return int(getattr(settings.retention, key))


def _folder_day(name: str) -> date | None:
    try:
        if DATED.match(name):
            return date.fromisoformat(name)
        stamp = RUN_STAMP.match(name)
        return datetime.strptime(stamp.group(1), "%Y%m%d").date() if stamp else None
    except ValueError:
        return None


def prune(settings: Settings, today: date) -> list[str]:
    """Remove report folders and reproduction logs older than their retention; say what went."""
    reports = Path(settings.reports_dir)
    latest = (reports / "latest").resolve() if (reports / "latest").exists() else None
    removed: list[str] = []
    for folder, key in ((reports, "reports_days"), (reports / "reproductions", "reproduction_logs_days")):
        keep = _days(settings, key)
        if not keep or not folder.is_dir():
            continue
        cutoff = today - timedelta(days=keep)
        for child in sorted(folder.iterdir()):
            day = _folder_day(child.name)
            if (day is None or day >= cutoff or not child.is_dir() or child.is_symlink()
                    or (key == "reports_days" and not DATED.match(child.name))
                    or (latest is not None and child.resolve() == latest)):
                continue
            shutil.rmtree(child)
            removed.append(f"retention: removed {child} (older than {keep} days)")
    for line in removed:
        console.info(line)
    return removed
