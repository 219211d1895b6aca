"""The command line: one click group, verb commands. Thin: parse, call, print."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click
import duckdb

from mltrends import __version__, console, errors
from mltrends.commands import App
from mltrends.config import ConfigError, load_settings
from mltrends.db import SchemaError
from mltrends.http import SourceError
from mltrends.sources.registry import SOURCES

COMMAND_MODULES = ("detect", "classify", "build", "reproduce", "report", "refresh")


class UserError(click.ClickException):
    """An error the user can act on: one line without a traceback, exit code 2 unless told."""

    exit_code = errors.USAGE

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(errors.one_line(message, limit=1000))
        if exit_code is not None:
            self.exit_code = exit_code


def _database(ctx: click.Context) -> str | None:
    app = ctx.find_object(App)
    return str(app.settings.db) if app is not None else None


class Group(click.Group):
    """Turns the project's expected errors into one clear line and the documented exit code."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except click.ClickException as exc:
            if "\n" in exc.message:
                exc.message = errors.one_line(exc.message, limit=1000)
            raise
        except SchemaError as exc:
            raise UserError(str(exc), errors.DATABASE) from exc
        except errors.QueryError as exc:
            raise UserError(str(exc), errors.SQL) from exc
        except duckdb.Error as exc:
            raise UserError(*reversed(errors.describe_duckdb(exc, _database(ctx)))) from exc
        except (ConfigError, SourceError) as exc:
            raise UserError(str(exc), getattr(exc, "exit_code", None)) from exc
        except OSError as exc:
            raise UserError(*reversed(errors.describe_os(exc))) from exc
        except Exception as exc:
            if getattr(exc, "user_facing", False):
                raise UserError(str(exc), getattr(exc, "exit_code", None)) from exc
            raise


def _subcommand_db(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    """`--db` after the verb: the same as before it (the later one wins)."""
    app = ctx.find_object(App)
    if value is not None and app is not None:
        app.settings = app.settings.with_overrides(db=value)


def _with_db_option(command: click.Command) -> click.Command:
    if not any(p.name == "db_path" or "--db" in getattr(p, "opts", ()) for p in command.params):
        command.params.append(click.Option(
            ["--db", "db_path"], metavar="PATH", expose_value=False, callback=_subcommand_db,
            help="Database file (the same as `mltrends --db PATH`)."))
    return command


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mltrends")
@click.option("--db", "db_path", metavar="PATH", default=None,
              help="Database file [env MLTRENDS_DB; default data/mltrends.duckdb].")
@click.option("--config", "config_file", metavar="FILE", default=None,
              help="Settings file [env MLTRENDS_CONFIG; default ./mltrends.toml].")
@click.option("-q", "--quiet", is_flag=True,
              help="Only warnings and errors; library warnings (e.g. HTTP retries) go to mltrends.log "
                   "next to the working database instead.")
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
    console.set_log_file(Path(settings.work_db).parent / "mltrends.log")
    ctx.obj = App(settings=settings, quiet=quiet, verbose=verbose)


@main.group(cls=Group)
def ingest() -> None:
    """Fetch one source into the raw tables (incremental, idempotent)."""


for _name in COMMAND_MODULES:
    for _cmd in importlib.import_module(f"mltrends.commands.{_name}").COMMANDS:
        main.add_command(_with_db_option(_cmd))
for _source in SOURCES:  # each source's `ingest` commands, in the registry's order
    for _cmd in _source.ingest_commands:
        ingest.add_command(_with_db_option(_cmd))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
