"""Progress on long work (downloads, loads, sweeps) and --quiet keeping library warnings
off the screen (they go to the log file)."""

from __future__ import annotations

import gzip
import json
import logging
import os
import subprocess
import sys

import duckdb

from mltrends import console
from mltrends.sources.pwc import archive as pwc_archive
from mltrends_demo.localserver import LocalServer, Response

MLTRENDS = [sys.executable, "-m", "mltrends.cli"]


def test_progress_line_by_hand():
    # 250 MB of 1 GB in 10 s: 25 MB/s, 750 MB left at that rate = 30 s
    assert console.progress_line("download links.json.gz", 250e6, 1e9, 10.0, "bytes") == (
        "download links.json.gz: 250.0 MB of 1.0 GB (25%), 25.0 MB/s, about 30 s left, 10 s so far")
    assert console.progress_line("GitHub repos (GraphQL)", 300, 1200, 60.0, "repos") == (
        "GitHub repos (GraphQL): 300 of 1,200 (25%) repos, 5.0/s, about 3 min 00 s left, 1 min 00 s so far")
    assert console.progress_line("load", 100, 100, 5.0, "%") == "load: 100%, done in 5 s"


def test_a_download_reports_bytes_rate_and_what_is_left(tmp_path, settings, caplog, monkeypatch):
    body = gzip.compress(json.dumps([{"paper_url": f"https://x/{i}"} for i in range(20000)]).encode())

    def handler(request):
        return Response(200, {"Content-Type": "application/gzip"}, body)

    monkeypatch.setattr(console, "LOG_EVERY", 0.0)
    monkeypatch.setitem(console._state, "quiet", False)
    caplog.set_level(logging.INFO, logger="mltrends")
    with LocalServer(handler) as srv:
        path = pwc_archive._download_url(srv.url + "/links.json.gz", settings)
    assert path.read_bytes() == body
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("download links.json.gz")]
    assert lines, caplog.text
    assert lines[-1].startswith(f"download links.json.gz: {console.human_bytes(len(body))} of ")
    assert "(100%)" in lines[-1] and "/s" in lines[-1] and "done in" in lines[-1]


def test_a_long_statement_reports_its_progress(caplog, monkeypatch):
    monkeypatch.setattr(console, "LOG_EVERY", 0.0)
    monkeypatch.setitem(console._state, "quiet", False)
    caplog.set_level(logging.INFO, logger="mltrends")
    con = duckdb.connect()
    with console.watch_query(con, "load test"):
        con.execute("select count(distinct (i * 7919) % 1000003) from range(20000000) t(i)").fetchall()
    con.close()
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("load test")]
    assert lines and lines[-1].startswith("load test: 100%, done in")


def test_track_logs_counts_with_the_total_when_not_on_a_terminal(caplog, monkeypatch):
    monkeypatch.setattr(console, "LOG_EVERY", 0.0)
    monkeypatch.setitem(console._state, "quiet", False)
    caplog.set_level(logging.INFO, logger="mltrends")
    assert list(console.track(range(3), total=3, label="hf daily papers")) == [0, 1, 2]
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("hf daily papers")]
    assert lines[-1].startswith("hf daily papers: 3 of 3 (100%)")
    monkeypatch.setitem(console._state, "quiet", True)
    caplog.clear()
    assert list(console.track(range(3), total=3, label="quiet")) == [0, 1, 2]
    assert not [r for r in caplog.records if r.getMessage().startswith("quiet")]


def test_quiet_sends_urllib3_retry_warnings_to_the_log_file(tmp_path):
    env = {**os.environ, "MLTRENDS_DB": str(tmp_path / "pub.duckdb"),
           "MLTRENDS_WORK_DB": str(tmp_path / "data" / "work.duckdb"),
           "MLTRENDS_HF_API_URL": "http://127.0.0.1:9/nothing-listens", "MLTRENDS_HTTP_RETRIES": "2",
           "MLTRENDS_HTTP_BACKOFF": "0.01", "MLTRENDS_HTTP_BACKOFF_MAX": "0.02"}
    args = ["ingest", "hf-papers", "--since", "2026-11-01", "--until", "2026-11-01"]
    loud = subprocess.run([*MLTRENDS, *args], env=env, capture_output=True, text=True, timeout=120)
    assert "Retrying" in loud.stderr  # the warning this test is about exists
    log_file = tmp_path / "data" / "mltrends.log"
    assert not log_file.exists()
    quiet = subprocess.run([*MLTRENDS, "--quiet", *args], env=env, capture_output=True, text=True, timeout=120)
    assert quiet.returncode == loud.returncode != 0
    assert "Retrying" not in quiet.stderr and "urllib3" not in quiet.stderr
    assert quiet.stderr.strip().startswith("Error: ")
    assert "Retrying" in log_file.read_text()
