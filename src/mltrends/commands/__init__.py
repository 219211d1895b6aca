"""CLI command modules. Each module exports COMMANDS (top-level) and/or INGEST_COMMANDS."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import click
import duckdb

from mltrends import db
from mltrends.config import Settings


@dataclass
class App:
    settings: Settings
    quiet: bool = False
    verbose: bool = False

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        return db.connect(self.settings.db, read_only=read_only)

    @contextlib.contextmanager
    def recorded(self, command: str, args: Mapping[str, Any] | None = None,
                 source: str | None = None) -> Iterator[tuple[duckdb.DuckDBPyConnection, db.RunLog]]:
        """Open the database and record the command in `runs`; closes the connection after."""
        con = self.connect()
        try:
            with db.recorded_run(con, command, args, source=source) as run:
                yield con, run
        finally:
            con.close()


pass_app = click.make_pass_decorator(App)
