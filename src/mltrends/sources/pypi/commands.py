"""`mltrends ingest pypi`: downloads, versions and dependents of the tracked packages."""

from __future__ import annotations

from datetime import date

import click
import duckdb

from mltrends import console
from mltrends.commands import App, day_option, pass_app
from mltrends.sources import pypi
from mltrends.sources.pypi import bigquery as pypi_bigquery
from mltrends.sources.pypi.families import load_families, select_packages
from mltrends.sources.registry import Incomplete


def _split(value: str | None) -> list[str] | None:
    items = [v.strip() for v in (value or "").split(",") if v.strip()]
    return items or None


@click.command("pypi")
@click.option("--packages", metavar="A,B", help="Only these packages (comma-separated).")
@click.option("--family", "families", metavar="F[,G]",
              help="Only these families: core, high_level, serving, mobile_edge, distributed, ecosystem.")
@click.option("--framework", "frameworks", metavar="F[,G]", help="Only these frameworks (e.g. jax).")
@click.option("--force", is_flag=True, help="Fetch packages already done today again.")
@click.option("--min-interval", type=float, default=None, metavar="SECONDS",
              help="Least time between pypistats requests [default: [pypi] min_interval, or 1 s].")
@click.option("--bigquery", "use_bigquery", is_flag=True,
              help="Monthly history from the public BigQuery dataset instead (extra: mltrends[bigquery]).")
@click.option("--start", callback=day_option, metavar="YYYY-MM-DD", help="BigQuery: first month.")
@click.option("--end", callback=day_option, metavar="YYYY-MM-DD", help="BigQuery: last month.")
@click.option("--dry-run", is_flag=True, help="BigQuery: print the bytes the query would scan; load nothing.")
@pass_app
def ingest_pypi(app: App, packages: str | None, families: str | None, frameworks: str | None,
                force: bool, min_interval: float | None, use_bigquery: bool, start: date | None,
                end: date | None, dry_run: bool) -> None:
    """PyPI downloads (pypistats, daily, the last 180 days), versions and dependents (deps.dev).

    Each run upserts the window it sees, so history accumulates from the first run on.
    A rerun on the same day continues with the packages not yet done (use --force to redo).
    With --bigquery --start --end, loads monthly downloads for whole months instead.
    """
    if (start or end or dry_run) and not use_bigquery:
        raise click.UsageError("--start, --end and --dry-run go with --bigquery")
    if use_bigquery and (start is None or end is None):
        raise click.UsageError("--bigquery needs --start and --end")
    if start and end and end < start:
        raise click.UsageError(f"--end {end} is before --start {start}")
    settings = app.settings
    chosen = select_packages(load_families(settings), _split(packages), _split(families),
                             _split(frameworks))
    if not chosen:
        raise click.UsageError("no package matches --packages/--family/--framework")
    args = {"packages": packages, "family": families, "framework": frameworks, "force": force,
            "bigquery": use_bigquery, "start": start, "end": end, "dry_run": dry_run}
    if use_bigquery and dry_run:
        assert start is not None and end is not None
        # pricing a query reads nothing from the database and writes nothing
        with duckdb.connect(":memory:") as scratch:
            result = pypi_bigquery.ingest_bigquery(scratch, settings, [t.package for t in chosen],
                                                   start, end, dry_run=True)
        click.echo(f"would scan {result['bytes_processed']:,} bytes "
                   f"({result['bytes_processed'] / 2**30:.2f} GiB) for {len(chosen)} package(s)")
        return
    with app.recorded("ingest pypi", args, source="pypi") as (con, run):
        if use_bigquery:
            assert start is not None and end is not None
            rows = pypi_bigquery.ingest_bigquery(con, settings, [t.package for t in chosen],
                                                 start, end, run_id=run.run_id)
        else:
            try:
                rows = pypi.ingest(con, settings, [t.package for t in chosen], force=force,
                                   min_interval=min_interval, run_id=run.run_id)
            except Incomplete as exc:
                for table, n in exc.rows.items():
                    run.add(table, n)
                raise
        for table, n in rows.items():
            run.add(table, n)
    console.info("pypi: " + ", ".join(f"{t} {n:,}" for t, n in rows.items()))


INGEST_COMMANDS: list[click.Command] = [ingest_pypi]
