"""The BigQuery history: the query text, the month bounds, loading monthly rows."""

from __future__ import annotations

from datetime import date

import pytest

from mltrends.config import ConfigError
from mltrends.sources.pypi import bigquery as bq


def test_monthly_query_text():
    sql = bq.monthly_downloads_query(["torch", "JAX", "torch"], date(2024, 1, 15), date(2024, 3, 2))
    assert sql == (
        "SELECT\n"
        "  file.project AS package,\n"
        "  DATE_TRUNC(DATE(timestamp), MONTH) AS month,\n"
        "  COUNT(*) AS downloads\n"
        "FROM `bigquery-public-data.pypi.file_downloads`\n"
        "WHERE timestamp >= TIMESTAMP('2024-01-01')\n"
        "  AND timestamp < TIMESTAMP('2024-04-01')\n"
        "  AND file.project IN ('jax', 'torch')\n"
        "  AND details.installer.name IS NOT NULL\n"
        "  AND details.installer.name NOT IN ('bandersnatch', 'z3c.pypimirror', 'Artifactory', 'devpi')\n"
        "GROUP BY package, month\n"
        "ORDER BY package, month"
    )


def test_query_refuses_what_cannot_be_inlined():
    with pytest.raises(ConfigError):
        bq.monthly_downloads_query(["torch') OR TRUE --"], date(2024, 1, 1), date(2024, 1, 31))
    with pytest.raises(ValueError, match="no packages"):
        bq.monthly_downloads_query([], date(2024, 1, 1), date(2024, 1, 31))
    with pytest.raises(ValueError, match="before start"):
        bq.month_bounds(date(2024, 2, 1), date(2024, 1, 1))


def test_month_bounds_cover_whole_months_and_leap_years():
    assert bq.month_bounds(date(2024, 2, 10), date(2024, 2, 10)) == (date(2024, 2, 1), date(2024, 3, 1))
    assert bq.month_bounds(date(2023, 11, 30), date(2023, 12, 1)) == (date(2023, 11, 1), date(2024, 1, 1))


def test_load_monthly_rows_exactly_and_idempotently(con):
    rows = [{"package": "torch", "month": date(2024, 1, 1), "downloads": 1_000},
            {"package": "torch", "month": date(2024, 2, 1), "downloads": 1_200},
            {"package": "jax", "month": date(2024, 1, 1), "downloads": -3}]
    assert bq.load_monthly(con, rows) == 2
    assert bq.load_monthly(con, rows) == 2
    assert con.execute("select package, date::varchar, category, downloads, _source "
                       "from pypi_downloads order by all").fetchall() == [
        ("torch", "2024-01-01", "bigquery:monthly", 1000, "bigquery"),
        ("torch", "2024-02-01", "bigquery:monthly", 1200, "bigquery")]
    assert con.execute("select count(*) from rejected_records where source = 'pypi:bigquery'").fetchall() == [(1,)]


def _has_bigquery() -> bool:
    try:
        import google.cloud.bigquery  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(_has_bigquery(), reason="the bigquery extra is installed here")
def test_missing_extra_is_a_clear_error(con, settings):
    with pytest.raises(bq.BigQueryMissing, match=r"mltrends\[bigquery\]"):
        bq.ingest_bigquery(con, settings, ["torch"], date(2024, 1, 1), date(2024, 1, 31), dry_run=True)


def test_spliced_months_agree_where_both_sources_overlap(con):
    # synthetic: pypistats daily counts (without mirrors) for all of 2024-03 and half of
    # 2024-04; BigQuery monthly rows for 2024-02..2024-04. Only 2024-03 is covered in full by
    # both: 31 days x 100 = 3100 against 3120 (0.6% apart, within 2%) agrees; with 3500
    # (11.4% apart) it is reported. 2024-04 (15 days) is not compared.
    con.execute("insert into pypi_downloads (package, date, category, downloads, _source, _fetched_at) "
                "select 'torch', date '2024-03-01' + i::integer, 'without_mirrors', 100, 'pypistats', now() "
                "from range(46) t(i)")
    bq.load_monthly(con, [{"package": "torch", "month": date(2024, m, 1), "downloads": d}
                          for m, d in ((2, 5000), (3, 3120), (4, 3000))])
    assert bq.splice_disagreements(con) == []
    bq.load_monthly(con, [{"package": "torch", "month": date(2024, 3, 1), "downloads": 3500}])
    assert bq.splice_disagreements(con) == [
        ("torch", date(2024, 3, 1), 3100, 3500, pytest.approx(400 / 3500))]
