"""`refresh`, `status`, `query`, `shell` and `demo`: the scheduled path and direct querying."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import click
import duckdb
from rich.table import Table

from mltrends import console, errors, querying
from mltrends import refresh as refresh_mod
from mltrends import status as status_mod
from mltrends.commands import App, pass_app

COMMANDS: list[click.Command] = []


def _print_result(result: refresh_mod.RefreshResult) -> None:
    table = Table(title="refresh", show_lines=False)
    for col in ("step", "status", "seconds", "rows", "error"):
        table.add_column(col)
    for s in result.steps:
        rows = ", ".join(f"{t} {n:,}" for t, n in s.rows.items())
        table.add_row(s.name, s.status, f"{s.seconds:.1f}", rows, (s.error or "")[:120])
    console.console.print(table)
    if result.published:
        console.console.print(f"published: {result.published}")
    if result.report:
        console.console.print(f"report: {result.report / 'index.html'}")


def _budgets(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> dict[str, int]:
    """SOURCE=N pairs: a registered source and a positive number of requests."""
    out: dict[str, int] = {}
    for value in values:
        name, sep, number = value.partition("=")
        if not sep or name not in refresh_mod.ALL_SOURCES or not number.isdigit() or int(number) < 1:
            raise click.BadParameter(f"{value!r}: give SOURCE=N, N >= 1, SOURCE one of "
                                     f"{', '.join(refresh_mod.ALL_SOURCES)}")
        out[name] = int(number)
    return out


@click.command()
@click.option("--sources", default=",".join(refresh_mod.ALL_SOURCES), show_default=True,
              help="Comma-separated sources to refresh.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Fetch papers published since this date (default: incremental cursors).")
@click.option("--budget", "budgets", multiple=True, metavar="SOURCE=N", callback=_budgets,
              help="At most N requests to SOURCE this refresh (repeatable), e.g. --budget github=2000 "
                   "--budget hub=100 [hub default: [hub] max_requests].")
@click.option("--budget-github", type=click.IntRange(min=1), default=None, hidden=True)  # = --budget github=N
@click.option("--budget-hub", type=click.IntRange(min=1), default=None, hidden=True)     # = --budget hub=N
@click.option("--no-report", is_flag=True, help="Skip the report.")
@click.option("--reload-dumps", is_flag=True, help="Load the PwC archive dumps again.")
@click.option("--reproduce", is_flag=True,
              help="Also run a stratified, seeded sample of paper implementations ([reproduce] refresh_sample, refresh_seed).")
@click.option("--wait", is_flag=True, help="Queue behind a running refresh instead of exiting.")
@pass_app
def refresh(app: App, sources: str, since: object, budgets: dict[str, int], budget_github: int | None,
            budget_hub: int | None, no_report: bool, reload_dumps: bool, reproduce: bool,
            wait: bool) -> None:
    """Refresh every source incrementally, rebuild, check claims, publish, report.

    Works in the working file of --db (<name>.work.duckdb) and publishes a consistent copy to
    --db atomically at the end; readers of the published file are never disturbed.
    Exit status 0 when every step succeeded, 1 when some failed (the log says what to
    rerun), 2 when the refresh could not start (e.g. another one is running).

    Example: mltrends refresh --sources pypi,github --budget github=500
    """
    older = {"github": budget_github, "hub": budget_hub}
    budgets = {**{k: v for k, v in older.items() if v is not None}, **budgets}
    opts = refresh_mod.RefreshOptions(
        sources=tuple(s.strip() for s in sources.split(",") if s.strip()),
        since=since.date() if since else None,  # type: ignore[attr-defined]
        budgets=budgets, no_report=no_report,
        dumps=True if reload_dumps else None, reproduce=reproduce, wait=wait,
    )
    try:
        result = refresh_mod.refresh(app.settings, opts)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    if not app.quiet:
        _print_result(result)
    sys.exit(0 if result.ok else 1)


@click.command()
@click.option("--out", default=None, help="Report folder (default reports/demo/<date>/ and reports/demo/latest).")
@click.option("--keep", is_flag=True, help="Keep the previous demo database instead of starting fresh.")
@click.option("--no-report", is_flag=True, help="Skip the report.")
@pass_app
def demo(app: App, out: str | None, keep: bool, no_report: bool) -> None:
    """Run the whole pipeline offline on the bundled SYNTHETIC inputs, ending in a report.

    Serves the bundled recordings from 127.0.0.1 and runs exactly the path a scheduled
    `mltrends refresh` takes. Always writes data/demo.duckdb, its working file and
    reports/demo/ under the current folder, whatever --db, MLTRENDS_DB or the config say,
    and refuses to replace a file there that is not a demo database.
    """
    from mltrends import demo_guard
    from mltrends_demo import DATA_SINCE
    from mltrends_demo.server import DEMO_DIR, demo_server, demo_settings

    settings = demo_guard.demo_paths(app.settings)
    if app.settings.db != settings.db and not app.quiet:
        console.info(f"demo: writes {settings.db}, never {app.settings.db}")
    # checked again under the lock before anything is deleted
    demo_guard.check_demo_files(settings.db, refresh_mod.publish.work_db_for(settings))
    with demo_server(DEMO_DIR) as server:
        demo_cfg = demo_settings(settings, server.url, DEMO_DIR)
        opts = refresh_mod.RefreshOptions(
            since=DATA_SINCE, no_report=no_report, dumps=True, reproduce=True,
            reproduce_repos_dir=str(DEMO_DIR / "repos"), report_out=out, demo=True, fresh=not keep,
        )
        result = refresh_mod.refresh(demo_cfg, opts)
    if not app.quiet:
        _print_result(result)
        console.console.print(f"query it: mltrends --db {settings.db} query \"select * from adoption_summary\"")
    sys.exit(0 if result.ok else 1)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (plain nested JSON).")
@click.option("--runs", "n_runs", default=10, show_default=True, help="How many recent runs to list.")
@click.option("--check", is_flag=True,
              help="A monitoring check: exit 1 when the last refresh failed or a source is staler "
                   "than its limit ([status] max_age_days), 2 when there is no database; one line "
                   "per problem.")
@pass_app
def status(app: App, as_json: bool, n_runs: int, check: bool) -> None:
    """Per source: last successful refresh, rows, staleness; the last runs and their errors.

    Example for cron: mltrends status --check || mail -s "mltrends needs a look" you@example.org
    """
    report = status_mod.collect(app.settings, n_runs=n_runs)
    problems = status_mod.check(report, status_mod.max_age_days(app.settings))
    report["problems"] = problems
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
    elif check:
        for problem in problems:
            click.echo(f"problem: {problem}")
        if not problems:
            last = report.get("last_refresh") or {}
            click.echo(f"ok: {report['database']}: last refresh {last.get('finished_at') or '?'} UTC "
                       f"succeeded, every source within its age limit")
    else:
        status_mod.print_status(report)
    if check and problems:
        sys.exit(errors.USAGE if report.get("error") else errors.FAILED)


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("sql", required=False)
@click.option("-f", "--file", "sql_file", metavar="PATH", default=None,
              help="Read the SQL from this file ('-' for stdin).")
@click.option("--format", "fmt", type=click.Choice(querying.FORMATS), default=None,
              help="Output format [default: table on a terminal, csv otherwise].")
@click.option("--max-rows", default=200, show_default=True, help="Rows shown in table format.")
@pass_app
def query(app: App, sql: str | None, sql_file: str | None, fmt: str | None, max_rows: int) -> None:
    """Run SQL on the published database (read-only) and print the result.

    The SQL comes from the argument, from --file PATH, or from stdin (`-`, or nothing
    given with stdin not a terminal). Leading `--` comments are fine.

    \b
    Examples:
      mltrends query "select * from adoption_summary"
      mltrends query --file sql/examples/jax_share_by_year.sql
      mltrends query - < sql/examples/sector_shares.sql --format markdown
    """
    from mltrends.readonly import connect_query

    text, where = querying.read_sql(sql, sql_file)
    con = connect_query(app.settings.db)
    try:
        try:
            cur = con.execute(text)
            names = [d[0] for d in cur.description] if cur.description else []
            rows = cur.fetchall() if names else []
        except duckdb.Error as exc:
            _code, line = errors.describe_duckdb(exc, app.settings.db, where=where)
            if _code == errors.SQL:
                raise errors.QueryError(where, line.split(": ", 1)[1]) from exc
            raise
    finally:
        con.close()
    if not names:
        return
    terminal = sys.stdout.isatty()
    fmt = fmt or ("table" if terminal else "csv")
    width = shutil.get_terminal_size((100, 40)).columns
    out = querying.render(querying.Result(names, rows), fmt, width=width, max_rows=max_rows)
    if terminal and fmt == "table" and out.count("\n") > shutil.get_terminal_size((100, 40)).lines:
        click.echo_via_pager(out)
    else:
        click.echo(out, nl=False)


@click.command()
@pass_app
def shell(app: App) -> None:
    """Open the DuckDB CLI on the published database, read-only (needs the `duckdb` CLI).

    External access, extension installs and the dot commands that touch files are off,
    as in `mltrends query`.
    """
    from mltrends.readonly import NothingToRead, missing_message, shell_argv

    path = app.settings.db
    if not Path(path).is_file():
        raise NothingToRead(missing_message(path))
    beside = Path(sys.executable).with_name("duckdb")  # the duckdb-cli package in this venv
    exe = shutil.which("duckdb") or (str(beside) if beside.exists() else None)
    if exe is None:
        raise click.ClickException(
            "the DuckDB CLI is not installed; install it (https://duckdb.org/docs/installation) "
            f"or query with: mltrends --db {path} query \"SQL\"")
    argv = shell_argv(exe, path)
    os.execv(argv[0], argv)


COMMANDS += [refresh, demo, status, query, shell]
