"""The demo's own files, and the checks that keep it away from real data.

The demo always writes `data/demo.duckdb`, its working file and `reports/demo/`, whatever
`--db`, `MLTRENDS_DB` or the config say, and it only ever replaces a file that is itself
a demo database (or holds nothing).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import duckdb

from mltrends import synthetic
from mltrends.config import Settings

DEMO_DB = "data/demo.duckdb"
DEMO_REPORTS_DIR = "reports/demo"
DEMO_MODELS_DIR = "data/demo-models"
DEMO_CACHE_DIR = "data/cache/demo"


class DemoRefused(Exception):
    """The demo would replace a file that is not a demo database."""

    user_facing = True


def demo_paths(settings: Settings) -> Settings:
    """The settings with the demo's own database, working file, reports, models and cache."""
    return settings.with_overrides(db=DEMO_DB, work_db="", reports_dir=DEMO_REPORTS_DIR,
                                   models_dir=DEMO_MODELS_DIR, cache_dir=DEMO_CACHE_DIR)


def holds_only_demo_data(path: str | Path) -> bool:
    """True for a missing file, an empty database, or one marked synthetic."""
    path = Path(path)
    if not path.exists():
        return True
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return False  # not a database we can read: certainly not ours to delete
    try:
        if synthetic.is_marked(con):
            return True
        try:
            return con.execute("select count(*) from runs").fetchall()[0][0] == 0
        except duckdb.Error:
            tables = con.execute("select count(*) from information_schema.tables "
                                 "where table_name <> '_migrations'").fetchall()[0][0]
            return tables == 0
    finally:
        con.close()


def check_demo_files(db_path: str, work_db: str) -> None:
    for path in (db_path, work_db):
        if not holds_only_demo_data(path):
            raise DemoRefused(f"{path} exists and is not a demo database: the demo will not replace it "
                              "(move it away, or run the demo from another folder)")


def start_fresh(db_path: str, work_db: str) -> None:
    """Delete the previous demo files; call with the refresh lock of work_db held."""
    check_demo_files(db_path, work_db)
    for path in (db_path, work_db):
        for suffix in ("", ".wal"):
            with contextlib.suppress(FileNotFoundError):
                Path(path + suffix).unlink()
