"""Reliability: every source times every fault, against a fault-injecting 127.0.0.1 server.

For each cell the run either recovers by itself or ends with a clear error; the
database then holds only rows the clean run also holds (nothing half-written, no
duplicates), refused records are kept in rejected_records, no token leaks anywhere,
and a rerun without the fault completes the data.

`make test` runs a fast subset (every fault once, rotating over the sources);
`make test-faults` runs the whole matrix. Figures go to
benchmarks/results/reliability.json.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from mltrends import db, http
from mltrends.config import Settings, load_settings
from mltrends.sources import registry
from mltrends_demo.localserver import (
    LocalServer,
    ReplayHandler,
    Request,
    Response,
    load_recordings,
)
from mltrends_demo.server import DEMO_DIR
from support.faults import SCENARIOS, FaultInjector

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"
TOKEN = "tok-" + uuid.uuid4().hex  # made at run time: never committed anywhere
TODAY = date(2026, 11, 25)

# table -> key columns, per source (what "the rows it should hold" is compared on)
KEYS: dict[str, dict[str, tuple[str, ...]]] = {
    "pwc-api": {"pwc_papers": ("paper_id",), "pwc_paper_repos": ("paper_id", "repo")},
    "pwc-dump-url": {"pwc_papers": ("paper_id",), "pwc_paper_repos": ("paper_id", "repo")},
    "hf": {"hf_papers": ("arxiv_id",)},
    "github-graphql": {"github_repos": ("repo",), "github_owners": ("login",),
                       "github_manifests": ("repo", "path")},
    "github-rest": {"github_repos": ("repo",), "github_owners": ("login",),
                    "github_manifests": ("repo", "path")},
    "pypi": {"pypi_downloads": ("package", "date", "category"), "pypi_versions": ("package", "version"),
             "pypi_dependents": ("package", "snapshot_date")},
    "hub": {"hub_models": ("model_id",), "hub_model_snapshots": ("model_id", "snapshot_date")},
}
VOLATILE = {"_fetched_at", "_source", "detected_at", "predicted_at"}
PYPI_PACKAGES = ["torch", "tensorflow", "jax"]


def _replay(*folders: str) -> Callable[[Request], Response]:
    return ReplayHandler(load_recordings([DEMO_DIR / "http" / f for f in folders]))


def _dump_handler(req: Request) -> Response:
    name = req.path.rsplit("/", 1)[-1]
    path = DEMO_DIR / "pwc" / name
    if not path.is_file():
        return Response(404, {}, b"no such dump")
    return Response(200, {"Content-Type": "application/gzip"}, path.read_bytes())


def _github_repos() -> list[str]:
    import csv

    with open(DEMO_DIR / "universe" / "repos.csv", newline="") as fh:
        return [row["repo"] for row in csv.DictReader(fh)][:24]


def _run_pwc_api(con, settings):
    from mltrends.sources.pwc import api as pwc_api

    return pwc_api.ingest_api(con, settings, since=date(2025, 7, 1), until=date(2025, 9, 30), today=TODAY)


def _run_pwc_dump(con, settings):
    from mltrends.sources import pwc

    base = settings.pwc_api_url.rsplit("/", 1)[0]
    return pwc.ingest_dump(con, settings, links=f"{base}/links.json.gz", papers=f"{base}/papers.json.gz")


def _run_hf(con, settings):
    from mltrends.sources import hfpapers

    return hfpapers.ingest(con, settings, since=date(2025, 9, 1), until=date(2025, 9, 20))


def _run_github(con, settings):
    from mltrends.sources import github

    # a rate limit it may not wait for raises registry.Incomplete (a SourceError)
    return github.ingest(con, settings, repos=_github_repos(), from_papers=False, orgs=None,
                         stale_days=0)


def _run_pypi(con, settings):
    from mltrends.sources import pypi

    return pypi.ingest(con, settings, packages=PYPI_PACKAGES, today=TODAY, min_interval=0.0)


def _run_hub(con, settings):
    from mltrends.sources import hub_models

    return hub_models.ingest(con, settings, since=date(2019, 1, 1), today=TODAY)


def _hub_handler():
    from mltrends_demo.hub import HubStandIn, load_models

    return HubStandIn(load_models(DEMO_DIR / "hub" / "models.json"), strip_prefix="/hub")


def _github_handler():
    from mltrends_demo.github import demo_handler

    return demo_handler(DEMO_DIR)


SOURCES: dict[str, tuple[Callable[[], Any], Callable[..., Any], str]] = {
    # case: (handler factory, runner, the registry's source it exercises)
    "pwc-api": (lambda: _replay("pwc-api"), _run_pwc_api, "pwc"),
    "pwc-dump-url": (lambda: _dump_handler, _run_pwc_dump, "pwc"),
    "hf": (lambda: _replay("hf"), _run_hf, "hf"),
    "github-graphql": (_github_handler, _run_github, "github"),
    "github-rest": (_github_handler, _run_github, "github"),
    "pypi": (lambda: _replay("pypistats", "depsdev"), _run_pypi, "pypi"),
    "hub": (_hub_handler, _run_hub, "hub"),
}


def _primary_keys(tables: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    con = db.connect(":memory:")
    try:
        rows = con.execute("select table_name, constraint_column_names from duckdb_constraints() "
                           "where constraint_type = 'PRIMARY KEY'").fetchall()
    finally:
        con.close()
    keys = {table: tuple(columns) for table, columns in rows}
    return {t: keys[t] for t in tables if t in keys}


def _registered_case(source: registry.Source) -> tuple[Callable[[], Any], Callable[..., Any], str]:
    """A source without a hand-written case: its recordings, its refresh step, its tables' keys."""
    from mltrends.refresh import RefreshOptions

    folders = sorted({e.local.split("/")[0] for e in source.endpoints})
    KEYS[source.name] = _primary_keys(source.tables)

    def run(con, settings):
        return source.step(con, settings, RefreshOptions(sources=(source.name,), today=TODAY), None)

    def replay():
        return _replay(*folders)

    return (replay, run, source.name)


# every registered source is in the matrix: a new one through its refresh step and recordings
REGISTERED_CASES = [s.name for s in registry.SOURCES
                    if not any(case[2] == s.name for case in SOURCES.values())]
for _name in REGISTERED_CASES:
    SOURCES[_name] = _registered_case(registry.get(_name))


def _settings(url: str, source: str, tmp: Path) -> Settings:
    s = load_settings(env={}, cache_dir=str(tmp / "cache"), reports_dir=str(tmp / "reports"),
                      http_backoff=0.01, http_backoff_max=0.05, http_max_sleep=2.0, http_timeout=1.0,
                      http_retries=4, http_max_bytes=4 * 1024 * 1024)
    s = s.with_overrides(  # github-rest: no token (load_settings(env={}) has none)
        **{**registry.local_urls(url),
           **({"pwc_api_url": f"{url}/dumps/x"} if source == "pwc-dump-url" else {})},
        github_token=None if source == "github-rest" else TOKEN,
        pypi={"min_interval": 0.0},
        hub={"page_size": 200},
    )
    return s


def _snapshot(con, source: str) -> dict[str, dict[tuple, tuple]]:
    snap: dict[str, dict[tuple, tuple]] = {}
    for table, key in KEYS[source].items():
        cols = [c for c in db.table_columns(con, table) if c not in VOLATILE]
        rows = con.execute(f"select {', '.join(cols)} from {table}").fetchall()
        idx = [cols.index(k) for k in key]
        snap[table] = {tuple(r[i] for i in idx): tuple(map(str, r)) for r in rows}
        dupes = con.execute(f"select count(*) - count(distinct ({', '.join(key)})) from {table}").fetchall()[0][0]
        assert dupes == 0, f"{table} has {dupes} duplicate keys"
    return snap


def _all_text(con) -> str:
    parts = []
    tables = [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'main' "
        "and table_type = 'BASE TABLE'").fetchall()]
    for t in tables:
        parts.append(json.dumps(con.execute(f"select * from {t}").fetchall(), default=str))
    return "\n".join(parts)


def _run(source: str, fault_name: str | None, tmp: Path, con=None):
    handler_factory, runner, _ = SOURCES[source]
    fault = SCENARIOS[fault_name] if fault_name else None
    injector = FaultInjector(handler_factory(), fault)
    con = con or db.connect(":memory:")
    error: BaseException | None = None
    with LocalServer(injector, max_requests=5000, lifetime=120) as server:
        settings = _settings(server.url, source, tmp)
        try:
            runner(con, settings)
        except Exception as exc:
            error = exc
    return con, error, injector


_clean: dict[str, dict] = {}
_figures: dict[str, Any] = {"scenarios_run": 0, "recovered": 0, "failed_cleanly": 0, "failed_badly": 0,
                            "rows_lost": 0, "duplicates": 0, "token_leaks": 0, "cells": []}


def clean_snapshot(source: str, tmp: Path) -> dict:
    if source not in _clean:
        con, error, _ = _run(source, None, tmp)
        assert error is None, f"the clean run of {source} failed: {error}"
        _clean[source] = _snapshot(con, source)
        assert any(_clean[source].values()), f"the clean run of {source} loaded nothing"
    return _clean[source]


def _clear(error: BaseException) -> bool:
    """A clear error: one of ours (names what failed), not a bare KeyError or TypeError."""
    if isinstance(error, http.SourceError | FileNotFoundError) or getattr(error, "user_facing", False):
        return True
    return type(error).__module__.startswith("mltrends") and len(str(error)) > 10


def check_cell(source: str, fault_name: str, tmp: Path, caplog) -> str:
    expected = clean_snapshot(source, tmp)
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        con, error, injector = _run(source, fault_name, tmp)
    outcome = "recovered" if error is None else "failed_cleanly"
    if error is not None:
        assert _clear(error), f"{source} x {fault_name}: unclear error {type(error).__name__}: {error}"
    got = _snapshot(con, source)
    drifted = fault_name.startswith("drift_")
    rejected = con.execute("select count(*) from rejected_records").fetchall()[0][0]
    lost = 0
    for table, rows in got.items():
        extra = set(rows) - set(expected[table])
        assert not extra, f"{source} x {fault_name}: {table} holds rows the clean run has not: {sorted(extra)[:3]}"
        if not drifted:
            changed = [k for k, v in rows.items() if expected[table][k] != v]
            assert not changed, f"{source} x {fault_name}: {table} rows differ from the clean run: {changed[:3]}"
        missing = set(expected[table]) - set(rows)
        if error is None and missing and not (drifted and rejected):
            lost += len(missing)
    assert lost == 0, f"{source} x {fault_name}: finished without error but lost {lost} rows"
    # secrets: the token appears in no log line, no error message and no table
    leaks = sum(TOKEN in text for text in (caplog.text, str(error or ""), _all_text(con)))
    assert leaks == 0, f"{source} x {fault_name}: the token leaked"
    # a rerun without the fault completes the data
    con, error2, _ = _run(source, None, tmp, con=con)
    assert error2 is None, f"{source} x {fault_name}: the rerun failed: {error2}"
    final = _snapshot(con, source)
    for table, rows in final.items():
        assert set(rows) == set(expected[table]), (
            f"{source} x {fault_name}: after the rerun {table} has {len(rows)} rows, clean run {len(expected[table])}")
    _figures["scenarios_run"] += 1
    _figures[outcome] += 1
    _figures["cells"].append({"source": source, "fault": fault_name, "outcome": outcome,
                              "injected": injector.injected,
                              "error": None if error is None else str(error)[:160]})
    return outcome


# An empty answer is a legitimate answer where nothing is paginated (a package with no
# downloads, a day without papers): "an empty page in the middle of pagination" needs pages.
NOT_APPLICABLE = {("pypi", "empty_page"), ("hf", "empty_page"), ("pwc-dump-url", "empty_page")}
# a source without a hand-written case: the matrix does not know whether it pages
NOT_APPLICABLE |= {(name, "empty_page") for name in REGISTERED_CASES}
ALL_CELLS = [(s, f) for s in SOURCES for f in SCENARIOS if (s, f) not in NOT_APPLICABLE]
FAST_CELLS = []
for _i, _fault in enumerate(SCENARIOS):
    _candidates = [s for s in SOURCES if (s, _fault) in ALL_CELLS]
    FAST_CELLS.append((_candidates[_i % len(_candidates)], _fault))


@pytest.fixture(scope="module", autouse=True)
def write_figures():
    yield
    if _figures["scenarios_run"]:
        RESULTS.mkdir(parents=True, exist_ok=True)
        out = dict(_figures)
        out["date"] = date.today().isoformat()
        (RESULTS / "reliability.json").write_text(json.dumps(out, indent=2) + "\n")


@pytest.mark.parametrize("source, fault", FAST_CELLS, ids=[f"{s}-{f}" for s, f in FAST_CELLS])
def test_fault_cell_fast(source, fault, tmp_path, caplog):
    assert check_cell(source, fault, tmp_path, caplog) in {"recovered", "failed_cleanly"}


@pytest.mark.slow
@pytest.mark.parametrize("source, fault", [c for c in ALL_CELLS if c not in FAST_CELLS],
                         ids=[f"{s}-{f}" for s, f in ALL_CELLS if (s, f) not in FAST_CELLS])
def test_fault_cell_full(source, fault, tmp_path, caplog):
    assert check_cell(source, fault, tmp_path, caplog) in {"recovered", "failed_cleanly"}


def test_every_registered_source_has_fault_cases():
    assert {case[2] for case in SOURCES.values()} == set(registry.names())
    # a source without a hand-written case is compared on its tables' primary keys: for the
    # hand-written cases those agree with the keys written here
    for case, keys in KEYS.items():
        source = registry.get(SOURCES[case][2])
        derived = _primary_keys(source.tables)
        assert all(derived[table] == key for table, key in keys.items()), case
