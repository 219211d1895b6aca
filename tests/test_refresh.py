"""`mltrends refresh`, `status` and `demo` end to end against the local demo server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from demo_env import demo_env
from mltrends.sources import registry
from mltrends_demo.server import DEMO_DIR, demo_server

MLTRENDS = [sys.executable, "-m", "mltrends.cli"]


@pytest.fixture(scope="module")
def server():
    with demo_server(DEMO_DIR, lifetime=900) as srv:
        yield srv


def _env(url: str, folder: Path, **extra: str) -> dict[str, str]:
    return demo_env(url, folder, MLTRENDS_DB=str(folder / "pub.duckdb"), MLTRENDS_HTTP_RETRIES="2", **extra)


def test_a_failing_source_does_not_stop_the_others(server, tmp_path):
    env = _env(server.url, tmp_path, MLTRENDS_PYPISTATS_URL="http://127.0.0.1:9/nothing-listens-here")
    proc = subprocess.run([*MLTRENDS, "refresh", "--no-report", "--sources", "pwc,github,pypi",
                           "--since", "2025-07-01"], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "rerun: mltrends ingest pypi" in proc.stderr
    con = duckdb.connect(str(tmp_path / "pub.duckdb"), read_only=True)
    steps = dict(con.execute("select command, status from runs where command like 'refresh:%'").fetchall())
    assert steps["refresh:pypi"] == "failed"
    assert steps["refresh:github"] == steps["refresh:build"] == steps["refresh:claims"] == "succeeded"
    assert con.execute("select count(*) from pypi_downloads").fetchall()[0][0] == 0
    assert con.execute("select count(*) from github_repos").fetchall()[0][0] > 0
    # one name per source in the bookkeeping, and every refused record knows its run
    names = {r[0] for r in con.execute(
        "select split_part(source, ':', 1) from rejected_records union select source from load_state "
        "union select source from runs where source is not null").fetchall()}
    assert names - {"mltrends", "detect", "reproduce"} <= set(registry.names()), names
    assert con.execute("select count(*), count(run_id) from rejected_records").fetchall()[0] in (
        [(n, n) for n in range(1, 100_000)])
    con.close()
    status = subprocess.run([*MLTRENDS, "status", "--json"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert status.returncode == 0
    report = json.loads(status.stdout)
    assert report["sources"]["github"]["last_success"] is not None
    assert report["sources"]["github"]["rows"]["github_repos"] > 0
    assert report["sources"]["pypi"]["last_success"] is None
    assert report["sources"]["pypi"]["last_failure"] is not None
    assert any(r["status"] == "failed" and "pypi" in r["command"] for r in report["runs"])


def test_unknown_source_is_a_usage_error(tmp_path):
    proc = subprocess.run([*MLTRENDS, "refresh", "--sources", "pwc,nope"], capture_output=True, text=True,
                          env=_env("http://127.0.0.1:9", tmp_path), timeout=60)
    assert proc.returncode == 2 and "unknown source" in proc.stderr


@pytest.mark.parametrize("budget", ["nope=5", "github=0", "github", "hub=x"])
def test_a_budget_names_a_registered_source_and_a_positive_count(tmp_path, budget):
    proc = subprocess.run([*MLTRENDS, "refresh", "--budget", budget], capture_output=True, text=True,
                          env=_env("http://127.0.0.1:9", tmp_path), timeout=60)
    assert proc.returncode == 2 and "give SOURCE=N" in proc.stderr and "github" in proc.stderr
    assert not (tmp_path / "pub.duckdb").exists()


def test_a_budget_reaches_its_source(server, tmp_path):
    # one GitHub request: the step stops at its budget, keeps what it fetched, and succeeds
    env = _env(server.url, tmp_path)
    proc = subprocess.run([*MLTRENDS, "refresh", "--no-report", "--sources", "pwc,github",
                           "--since", "2025-07-01", "--budget", "github=1"], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "github: stopped at the request budget" in proc.stderr
    con = duckdb.connect(str(tmp_path / "pub.duckdb"), read_only=True)
    try:
        status = con.execute("select status from runs where command = 'refresh:github'").fetchall()
        rows = con.execute("select (select count(*) from github_repos) "
                           "+ (select count(*) from github_org_repos)").fetchall()[0][0]
    finally:
        con.close()
    assert status == [("succeeded",)]
    assert rows <= 100   # what one request can bring at the most (a page, or one GraphQL batch)


def test_status_without_a_database_says_what_to_do(tmp_path):
    proc = subprocess.run([*MLTRENDS, "--db", str(tmp_path / "none.duckdb"), "status"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0 and "does not exist yet" in " ".join(proc.stdout.split())


@pytest.mark.timeout(900)
def test_demo_runs_the_whole_pipeline_and_the_report_renders(tmp_path):
    """What `make demo` runs, by an analyst whose MLTRENDS_DB names real data: every step
    succeeds, the report opens in a real browser, and the real database is never touched."""
    from mltrends import db as db_mod

    real = tmp_path / "srv" / "prod.duckdb"
    real.parent.mkdir()
    con = db_mod.connect(real)
    with db_mod.recorded_run(con, "ingest pypi", source="pypi"):
        con.execute("insert into pypi_downloads values "
                    "('torch', date '2025-01-01', 'without_mirrors', 7, 'pypistats', now())")
    con.close()
    before = real.read_bytes()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLTRENDS_") and k != "GITHUB_TOKEN"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(Path(__file__).resolve().parents[1] / "src"),
                                                    env.get("PYTHONPATH")) if p)
    env["MLTRENDS_DB"] = str(real)
    env["MLTRENDS_REPORTS_DIR"] = str(tmp_path / "srv" / "reports")
    proc = subprocess.run([*MLTRENDS, "demo"], env=env, capture_output=True, text=True, timeout=900,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert real.read_bytes() == before and sorted(p.name for p in real.parent.iterdir()) == ["prod.duckdb"]
    con = duckdb.connect(str(tmp_path / "data" / "demo.duckdb"), read_only=True)
    steps = dict(con.execute("select command, status from runs where command like 'refresh:%'").fetchall())
    con.close()
    assert set(steps) >= {f"refresh:{s}" for s in ("pwc", "hf", "github", "pypi", "detect", "classify",
                                                   "reproduce", "build", "claims", "report")}
    assert set(steps.values()) == {"succeeded"}
    index = tmp_path / "reports" / "demo" / "latest" / "index.html"
    assert index.is_file()
    html = index.read_text()
    assert "SYNTHETIC" in html.split("</title>")[0].upper()
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("no /usr/bin/chromium: the demo report was written but not opened in a browser")
    from mltrends.report.browser import check_pages

    [page] = check_pages([index.resolve().as_uri()], screenshot=tmp_path / "demo.png")
    assert page.charts >= 8 and page.rendered == page.charts, page.not_rendered
    assert page.console_errors == [] and page.blocked_requests == []
