"""PyPI loader: recorded pypistats and deps.dev responses served from 127.0.0.1."""

from __future__ import annotations

import time
from datetime import date, datetime

import duckdb
import pytest

from mltrends.sources import pypi
from mltrends.sources.pypi.families import TrackedPackage
from mltrends.sources.registry import Incomplete
from mltrends_demo.localserver import replay_server

FIX = "tests/fixtures/pypi"
DAY = date(2026, 11, 25)


def _aimed(settings, server):
    return settings.with_overrides(pypistats_url=server.url + "/pypistats/api",
                                   depsdev_url=server.url + "/depsdev")


def _rows(con, sql):
    return con.execute(sql).fetchall()


def test_normal_run_fills_the_three_tables_exactly(con, settings):
    with replay_server(f"{FIX}/normal.jsonl") as srv:
        counts = pypi.ingest(con, _aimed(settings, srv), ["torch", "flax"], today=DAY, min_interval=0)
    assert counts == {"pypi_downloads": 7, "pypi_versions": 4, "pypi_dependents": 2, "pypi_packages": 2,
                      "rejected_records": 0}
    assert _rows(con, "select package, date::varchar, category, downloads, _source from pypi_downloads "
                      "order by all") == [
        ("flax", "2026-11-01", "without_mirrors", 70, "pypistats"),
        ("torch", "2026-11-01", "os:Linux", 900, "pypistats"),
        ("torch", "2026-11-01", "os:unknown", 100, "pypistats"),
        ("torch", "2026-11-01", "python:3.11", 600, "pypistats"),
        ("torch", "2026-11-01", "python:3.12", 400, "pypistats"),
        ("torch", "2026-11-01", "without_mirrors", 1000, "pypistats"),  # with_mirrors is left out
        ("torch", "2026-11-02", "without_mirrors", 1100, "pypistats"),
    ]
    assert _rows(con, "select package, version, published_at, is_default from pypi_versions order by all") == [
        ("flax", "0.12.0", datetime(2026, 9, 30, 8, 0), True),
        ("torch", "2.10.0rc1", None, False),
        ("torch", "2.8.0", datetime(2026, 8, 6, 17, 0), False),
        ("torch", "2.9.0", datetime(2026, 10, 15, 16, 30), True),
    ]
    # torch: int64 counts come as strings; flax: the v3alpha endpoint is missing -> nulls
    assert _rows(con, "select package, snapshot_date, version, dependents, direct, indirect "
                      "from pypi_dependents order by package") == [
        ("flax", DAY, "0.12.0", None, None, None),
        ("torch", DAY, "2.9.0", 1500, 400, 1100),
    ]
    assert _rows(con, "select package, family, framework, status from pypi_packages order by 1") == [
        ("flax", "high_level", "jax", "ok"), ("torch", "core", "pytorch", "ok")]


def test_only_core_family_gets_the_breakdowns(con, settings):
    with replay_server(f"{FIX}/normal.jsonl") as srv:
        pypi.ingest(con, _aimed(settings, srv), ["flax"], today=DAY, min_interval=0)
        paths = [r.path for r in srv.requests]
    assert not any(p.endswith(("/system", "/python_minor")) for p in paths)
    assert "/pypistats/api/packages/flax/overall" in paths


def test_429_with_retry_after_is_waited_out(con, settings):
    with replay_server(f"{FIX}/errors.jsonl") as srv:
        start = time.monotonic()
        pypi.ingest(con, _aimed(settings, srv), ["jax"], today=DAY, min_interval=0)
        elapsed = time.monotonic() - start
        overall = [r for r in srv.requests if r.path.endswith("/jax/overall")]
    assert len(overall) == 2 and elapsed >= 1.0
    assert _rows(con, "select package, downloads from pypi_downloads") == [("jax", 300)]


def test_unknown_package_is_recorded_not_a_crash(con, settings):
    with replay_server(f"{FIX}/errors.jsonl") as srv:
        counts = pypi.ingest(con, _aimed(settings, srv), ["no-such-pkg"], today=DAY, min_interval=0)
        paths = [r.path for r in srv.requests]
    assert counts["pypi_downloads"] == 0 and counts["pypi_packages"] == 1
    assert _rows(con, "select package, family, framework, status from pypi_packages") == [
        ("no-such-pkg", "untracked", "other", "unknown")]
    assert paths == ["/pypistats/api/packages/no-such-pkg/overall"]  # nothing more is asked
    assert _rows(con, "select count(*) from pypi_dependents") == [(0,)]


def test_empty_series_is_zero_rows_and_dependents_field_variants(con, settings):
    with replay_server(f"{FIX}/errors.jsonl") as srv:
        pypi.ingest(con, _aimed(settings, srv), ["mindspore"], today=DAY, min_interval=0)
    assert _rows(con, "select count(*) from pypi_downloads") == [(0,)]
    assert _rows(con, "select status from pypi_packages") == [("empty",)]
    assert _rows(con, "select version, dependents, direct, indirect from pypi_dependents") == [
        ("2.7.0", 12, 5, 7)]


def test_bad_records_are_rejected_with_the_url(con, settings):
    with replay_server(f"{FIX}/errors.jsonl") as srv:
        pypi.ingest(con, _aimed(settings, srv), ["keras"], today=DAY, min_interval=0)
    assert _rows(con, "select date::varchar, downloads from pypi_downloads") == [("2026-11-01", 50)]
    reasons = sorted(r[0] for r in _rows(con, "select reason from rejected_records"))
    assert len(reasons) == 2
    assert "packages/keras/overall: date 'yesterday' is not an ISO date" in reasons[0]
    assert "downloads 'many' is not a non-negative integer" in reasons[1]


def test_a_failed_package_keeps_the_others_and_a_rerun_does_only_it(con, settings):
    with replay_server(f"{FIX}/errors.jsonl") as srv:
        aimed = _aimed(settings, srv)
        with pytest.raises(Incomplete, match="mxnet.*HTTP 400") as info:
            pypi.ingest(con, aimed, ["jax", "mxnet"], today=DAY, min_interval=0)
        assert info.value.rows["pypi_downloads"] == 1
        assert _rows(con, "select package from pypi_packages") == [("jax",)]
        before = len(srv.requests)
        with pytest.raises(Incomplete):
            pypi.ingest(con, aimed, ["jax", "mxnet"], today=DAY, min_interval=0)
        again = {r.path for r in srv.requests[before:]}
    assert again == {"/pypistats/api/packages/mxnet/overall"}


def test_twice_changes_nothing(con, settings):
    key = "package, date, category"
    with replay_server(f"{FIX}/normal.jsonl") as srv:
        aimed = _aimed(settings, srv)
        pypi.ingest(con, aimed, ["torch", "flax"], today=DAY, min_interval=0)
        first = _rows(con, "select package, date, category, downloads from pypi_downloads order by all")
        n = len(srv.requests)
        assert pypi.ingest(con, aimed, ["torch", "flax"], today=DAY, min_interval=0)["pypi_downloads"] == 0
        assert len(srv.requests) == n  # done today: no request at all
        pypi.ingest(con, aimed, ["torch", "flax"], today=DAY, min_interval=0, force=True)
    assert _rows(con, "select package, date, category, downloads from pypi_downloads order by all") == first
    for table, k in (("pypi_downloads", key), ("pypi_versions", "package, version"),
                     ("pypi_dependents", "package, snapshot_date"), ("pypi_packages", "package"),
                     ("series_breaks", "series, break_date")):
        total, distinct = _rows(con, f"select count(*), count(distinct ({k})) from {table}")[0]
        assert total == distinct > 0


def test_history_beyond_the_window_survives_later_runs(con, settings):
    with replay_server(f"{FIX}/window_a.jsonl", f"{FIX}/window_b.jsonl") as srv:
        aimed = _aimed(settings, srv)
        pypi.ingest(con, aimed, ["torch"], today=date(2026, 5, 3), min_interval=0)
        pypi.ingest(con, aimed, ["torch"], today=date(2026, 5, 5), min_interval=0)
    assert _rows(con, "select date::varchar, downloads from pypi_downloads order by date") == [
        ("2026-05-01", 10), ("2026-05-02", 20), ("2026-05-03", 33), ("2026-05-04", 40),
        ("2026-05-05", 50)]


def test_throttle_spaces_requests(con, settings):
    with replay_server(f"{FIX}/normal.jsonl") as srv:
        start = time.monotonic()
        pypi.ingest(con, _aimed(settings, srv), ["torch"], today=DAY, min_interval=0.2)
        elapsed = time.monotonic() - start
    assert elapsed >= 0.4  # three pypistats requests, two gaps


def test_default_min_interval(settings):
    assert pypi.default_min_interval(settings.with_overrides(pypistats_url="http://127.0.0.1:5/api")) == 0
    assert pypi.default_min_interval(settings.with_overrides(pypistats_url="https://pypistats.org/api")) == 1.0
    configured = settings.with_overrides(pypi={"min_interval": 2.5})
    assert pypi.default_min_interval(configured) == 2.5


def test_series_breaks_are_seeded_once_by_the_schema(con):
    from mltrends import db
    db.apply_migrations(con)
    assert _rows(con, "select series, break_date from series_breaks order by series") == [
        ("pwc_archive", date(2025, 7, 1)), ("pypi_downloads", date(2026, 8, 24))]
    assert db.series_break(con, "pypi_downloads") == date(2026, 8, 24)


def test_load_package_is_one_transaction(con):
    bad = pypi.Fetched(downloads=[{"package": "torch", "category": "without_mirrors",
                                   "date": "2026-11-01", "downloads": 5, "_url": "u", "_raw": {}}],
                       versions=[{"package": "torch", "version": "1.0", "published_at": "2026-01-01",
                                  "is_default": True, "_url": "u", "_raw": {}}])
    bad.dependents = {"package": "torch", "version": "1.0", "dependents": "not a number"}
    # db.upsert_rows' cleanup currently masks the ConversionError behind "transaction aborted"
    with pytest.raises(duckdb.Error):
        pypi.load_package(con, TrackedPackage("torch", "core", "pytorch"), bad, DAY)
    for table in ("pypi_downloads", "pypi_versions", "pypi_packages", "load_state"):
        assert _rows(con, f"select count(*) from {table}") == [(0,)]
