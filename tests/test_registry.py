"""Every list of sources derives from the registry: adding one there reaches them all."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from mltrends import db, refresh, status
from mltrends.cli import ingest
from mltrends.config import Settings
from mltrends.sources import registry

SQL = Path(db.sql_dir())


def test_refresh_steps_and_rerun_hints_follow_the_registry():
    assert [s.name for s in refresh.STEPS if s.source] == list(registry.names())
    assert registry.names() == refresh.ALL_SOURCES
    for source in registry.SOURCES:
        assert refresh.RERUN_HINT[source.name] == source.rerun


def test_ingest_commands_follow_the_registry():
    expected = [c.name for s in registry.SOURCES for c in s.ingest_commands]
    assert list(ingest.commands) == expected
    assert all(s.ingest_commands for s in registry.SOURCES)
    out = CliRunner().invoke(ingest, ["--help"]).output
    assert all(name in out for name in expected)


def test_status_lists_every_source_with_all_its_tables(settings):
    db.connect(settings.db).close()
    report = status.collect(settings)
    assert list(report["sources"]) == list(registry.names())
    for source in registry.SOURCES:
        assert list(report["sources"][source.name]["rows"]) == list(source.tables)
        assert all(n == 0 for n in report["sources"][source.name]["rows"].values())


def test_every_raw_table_belongs_to_exactly_one_source(con):
    raw = {r[0] for r in con.execute(  # a loader stamps every raw row with _fetched_at
        "select table_name from information_schema.columns where column_name = '_fetched_at'").fetchall()}
    owned = [t for s in registry.SOURCES for t in s.tables]
    assert len(owned) == len(set(owned)), "a table is claimed by two sources"
    assert set(owned) == raw


def test_each_source_has_a_staging_view_and_its_url_settings_exist():
    views = "\n".join(p.read_text() for p in (SQL / "staging").glob("stg_*.sql"))
    fields = set(Settings.model_fields)
    for source in registry.SOURCES:
        assert any(re.search(rf"\bfrom\s+{t}\b", views) for t in source.tables), source.name
        assert source.urls and set(source.urls) <= fields, source.name


def test_local_urls_point_every_source_at_one_server():
    urls = registry.local_urls("http://127.0.0.1:1")
    assert set(urls) == {k for s in registry.SOURCES for k in s.urls}
    assert all(u.startswith("http://127.0.0.1:1/") for u in urls.values())


def test_the_report_names_every_source_without_a_refresh(settings):
    from mltrends.report.coverage import coverage
    from mltrends.report.data import ReportData
    from mltrends.report.model import Context

    con = db.connect(settings.db)
    try:
        sec = coverage(Context(ReportData(con), demo=False))
    finally:
        con.close()
    assert any(all(n in line for n in registry.names()) and "no successful refresh" in line
               for line in sec.missing)



def test_enrichment_reads_staging_views_never_raw_tables():
    import inspect

    from mltrends import classify, models
    from mltrends.classify import purpose
    from mltrends.detect import ingested
    from mltrends.reproduce import sampling

    raw = [t for s in registry.SOURCES for t in s.tables]
    for module in (ingested, classify, purpose, sampling):
        read = set(re.findall(r"\b(?:from|join)\s+(\w+)", inspect.getsource(module)))
        assert not read & set(raw), (module.__name__, read & set(raw))
    # the stratified sample's candidates come from staging, not the previous run's marts
    read = set(re.findall(r"\b(?:from|join)\s+(\w+)", sampling.CANDIDATES))
    assert read and not read & {m.name for m in models.load_models() if m.kind == "table"}
