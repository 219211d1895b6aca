"""CLI command modules. Each module exports COMMANDS (top-level) and/or INGEST_COMMANDS."""

from __future__ import annotations

from dataclasses import dataclass

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


pass_app = click.make_pass_decorator(App)
