"""CLI command modules. Each module exports COMMANDS; a source's module (named in the registry) INGEST_COMMANDS."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
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


def day_option(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    """click callback: a YYYY-MM-DD option as a date."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from exc


def print_counts(counts: Mapping[str, int]) -> None:
    for table, n in counts.items():
        click.echo(f"{table}: {n:,}")
