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

    def connect(self, read_only: bool = True) -> duckdb.DuckDBPyConnection:
        """A read-only connection to the published database (it must exist).

        Commands that write use `writing()` or `recorded()` instead: they never open the
        published file for writing.
        """
        if not read_only:
            raise ValueError("write through App.writing(): the published file is only replaced")
        return db.connect(self.settings.db, read_only=True)

    @contextlib.contextmanager
    def writing(self, command: str) -> Iterator[duckdb.DuckDBPyConnection]:
        """The write path: refresh lock, the working file of --db, atomic publish on success."""
        from mltrends import publish

        with publish.writing(self.settings, command) as con:
            yield con

    @contextlib.contextmanager
    def recorded(self, command: str, args: Mapping[str, Any] | None = None,
                 source: str | None = None) -> Iterator[tuple[duckdb.DuckDBPyConnection, db.RunLog]]:
        """Write through `writing()` and record the command in `runs`."""
        with self.writing(command) as con, db.recorded_run(con, command, args, source=source) as run:
            yield con, run


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
