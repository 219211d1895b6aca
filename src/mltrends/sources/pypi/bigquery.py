"""Full PyPI download history from the public BigQuery dataset (optional extra `bigquery`).

Monthly downloads per package go into pypi_downloads with date = the first of the month
and category 'bigquery:monthly', beside pypistats' daily rows (which never use that
category). Downloads are counted with pypistats' own definition of `without_mirrors`: a
download whose installer is one of the mirrors, or is not recorded at all, is left out
(pypistats filters `installer NOT IN (mirrors)`, which drops a missing installer too), so
the spliced monthly series is one definition; `splice_disagreements` checks the months
both sources cover.
The query filters on the partition column `timestamp` and reads three columns, so a
month of a few packages scans little; `--dry-run` prints the bytes before paying.
Credentials come from the environment (GOOGLE_APPLICATION_CREDENTIALS or gcloud's
application-default login); the project billed is `[pypi] bigquery_project` in
mltrends.toml, else GOOGLE_CLOUD_PROJECT or gcloud's default.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

import duckdb

from mltrends import console, db
from mltrends.sources.pypi.families import normalize_package

if TYPE_CHECKING:
    from mltrends.config import Settings

TABLE = "bigquery-public-data.pypi.file_downloads"
CATEGORY = "bigquery:monthly"
# the installers pypistats counts as mirrors (its `without_mirrors` leaves them out)
MIRROR_INSTALLERS = ("bandersnatch", "z3c.pypimirror", "Artifactory", "devpi")
_SAFE = re.compile(r"^[a-z0-9-]+$")


class BigQueryMissing(RuntimeError):
    """The optional google-cloud-bigquery package is not installed."""

    user_facing = True


def month_bounds(start: date, end: date) -> tuple[date, date]:
    """Whole months: the first day of start's month, the day after the end of end's month."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    first = start.replace(day=1)
    last = end.replace(day=calendar.monthrange(end.year, end.month)[1])
    after = date.fromordinal(last.toordinal() + 1)
    return first, after


def monthly_downloads_query(packages: Iterable[str], start: date, end: date) -> str:
    """The one query: monthly downloads per package for the whole months from start to end."""
    names = sorted({normalize_package(p) for p in packages})
    if not names:
        raise ValueError("no packages to query")
    for name in names:  # normalised names are [a-z0-9-]; inlined only after this check
        if not _SAFE.match(name):
            raise ValueError(f"package name {name!r} cannot be put in a query")
    first, after = month_bounds(start, end)
    in_list = ", ".join(f"'{n}'" for n in names)
    mirrors = ", ".join(f"'{m}'" for m in MIRROR_INSTALLERS)
    return (
        "SELECT\n"
        "  file.project AS package,\n"
        "  DATE_TRUNC(DATE(timestamp), MONTH) AS month,\n"
        "  COUNT(*) AS downloads\n"
        f"FROM `{TABLE}`\n"
        f"WHERE timestamp >= TIMESTAMP('{first.isoformat()}')\n"
        f"  AND timestamp < TIMESTAMP('{after.isoformat()}')\n"
        f"  AND file.project IN ({in_list})\n"
        "  AND details.installer.name IS NOT NULL\n"
        f"  AND details.installer.name NOT IN ({mirrors})\n"
        "GROUP BY package, month\n"
        "ORDER BY package, month"
    )


def _client(project: str | None = None) -> tuple[Any, Any]:
    try:
        from google.cloud import bigquery
    except ImportError as exc:
        raise BigQueryMissing(
            "the BigQuery history needs the optional extra: pip install 'mltrends[bigquery]'"
        ) from exc
    return bigquery, bigquery.Client(project=project)


def load_monthly(con: duckdb.DuckDBPyConnection, rows: Iterable[Mapping[str, Any]],
                 run_id: str | None = None) -> int:
    """Upsert monthly rows (package, month, downloads) as category 'bigquery:monthly'."""
    now = db.now_utc()
    clean = []
    with db.transaction(con):
        for row in rows:
            month, downloads = row.get("month"), row.get("downloads")
            if not isinstance(month, date) or not isinstance(downloads, int) or downloads < 0:
                db.reject(con, "pypi:bigquery", dict(row), "bigquery: month must be a date and "
                          "downloads a non-negative integer", run_id)
                continue
            clean.append({"package": str(row.get("package")), "date": month.replace(day=1),
                          "category": CATEGORY, "downloads": downloads,
                          "_source": "bigquery", "_fetched_at": now})
        return db.upsert_rows(con, "pypi_downloads", clean, ["package", "date", "category"])


def ingest_bigquery(con: duckdb.DuckDBPyConnection, settings: Settings, packages: Iterable[str],
                    start: date, end: date, dry_run: bool = False,
                    run_id: str | None = None) -> dict[str, int]:
    """Run the monthly query (or only price it with dry_run) and load the rows.

    Returns {'pypi_downloads': rows} or, for a dry run, {'bytes_processed': n}.
    """
    sql = monthly_downloads_query(packages, start, end)
    bigquery, client = _client(settings.pypi.bigquery_project)
    if dry_run:
        job = client.query(sql, job_config=bigquery.QueryJobConfig(dry_run=True,
                                                                   use_query_cache=False))
        return {"bytes_processed": int(job.total_bytes_processed or 0)}
    result = client.query(sql).result()
    rows = [{"package": r["package"], "month": r["month"], "downloads": int(r["downloads"])}
            for r in result]
    loaded = load_monthly(con, rows, run_id)
    for package, month, daily, monthly, rel in splice_disagreements(con):
        console.info(f"bigquery: {package} {month:%Y-%m}: pypistats {daily:,} vs BigQuery {monthly:,} "
                     f"({rel:.1%} apart): the spliced series may mix definitions")
    return {"pypi_downloads": loaded}


SPLICE_TOLERANCE = 0.02
SPLICE_SQL = """
    with daily as (
        select package, date_trunc('month', date)::date as month, sum(downloads)::bigint as downloads,
               count(distinct date) as days
        from pypi_downloads where category = 'without_mirrors' group by all
    ),
    monthly as (
        select package, date_trunc('month', date)::date as month, sum(downloads)::bigint as downloads
        from pypi_downloads where category = ? group by all
    )
    select d.package, d.month, d.downloads, m.downloads,
           abs(d.downloads - m.downloads) / greatest(m.downloads, 1) as relative
    from daily as d join monthly as m using (package, month)
    where d.days = day(last_day(d.month))
    order by d.package, d.month
"""


def splice_disagreements(con: duckdb.DuckDBPyConnection, tolerance: float = SPLICE_TOLERANCE,
                         ) -> list[tuple[str, date, int, int, float]]:
    """Months both sources cover in full whose counts differ by more than `tolerance`
    (relative): (package, month, pypistats, bigquery, relative difference)."""
    rows = con.execute(SPLICE_SQL, [CATEGORY]).fetchall()
    return [tuple(r) for r in rows if r[4] > tolerance]
