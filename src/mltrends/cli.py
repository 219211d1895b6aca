"""The command line: one click group, verb commands. Thin: parse, call, print."""

from __future__ import annotations

import importlib
import sys

import click

from mltrends import __version__, console
from mltrends.commands import App
from mltrends.config import ConfigError, load_settings
from mltrends.db import SchemaError
from mltrends.http import SourceError
from mltrends.sources.registry import SOURCES

COMMAND_MODULES = ("detect", "classify", "build", "reproduce", "report", "refresh")


class UserError(click.ClickException):
    """An error the user can act on: printed without a traceback, exit code 2."""

    exit_code = 2


class Group(click.Group):
    """Turns the project's expected errors into a clear message and a non-zero exit."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (ConfigError, SchemaError, SourceError, FileNotFoundError) as exc:
            raise UserError(str(exc)) from exc
        except Exception as exc:
            if getattr(exc, "user_facing", False):
                raise UserError(str(exc)) from exc
            raise


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mltrends")
@click.option("--db", "db_path", metavar="PATH", default=None,
              help="Database file [env MLTRENDS_DB; default data/mltrends.duckdb].")
@click.option("--config", "config_file", metavar="FILE", default=None,
              help="Settings file [env MLTRENDS_CONFIG; default ./mltrends.toml].")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
@click.pass_context
def main(ctx: click.Context, db_path: str | None, config_file: str | None, quiet: bool,
         verbose: bool) -> None:
    """mltrends: which deep-learning frameworks research and industry use, measured.

    Gathers Papers with Code, Hugging Face Papers, GitHub and PyPI data into one DuckDB
    file, builds SQL models and classifiers, checks popular claims, and writes a report.
    """
    console.configure(quiet=quiet, verbose=verbose)
    try:
        settings = load_settings(config_file, db=db_path)
    except ConfigError as exc:
        raise UserError(str(exc)) from exc
    ctx.obj = App(settings=settings, quiet=quiet, verbose=verbose)


@main.group(cls=Group)
def ingest() -> None:
    """Fetch one source into the raw tables (incremental, idempotent)."""


for _name in COMMAND_MODULES:
    for _cmd in importlib.import_module(f"mltrends.commands.{_name}").COMMANDS:
        main.add_command(_cmd)
for _source in SOURCES:  # each source's `ingest` commands, in the registry's order
    for _cmd in importlib.import_module(f"mltrends.commands.{_source.commands}").INGEST_COMMANDS:
        ingest.add_command(_cmd)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
