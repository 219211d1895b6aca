"""The report in a real headless Chromium with the network off: every chart draws, no errors.

Skipped (with the reason) where /usr/bin/chromium or playwright is missing; `.ci/run`
installs Debian's chromium so CI always runs it.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import threading
from datetime import date
from pathlib import Path

import pytest

from mltrends import db
from mltrends.report import write_report
from mltrends.report.browser import browser_missing, check_pages

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "report" / "report_fixture.py"
MISSING = browser_missing()


def _build_fixture(con):
    spec = importlib.util.spec_from_file_location("report_fixture", FIXTURE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(con)


@pytest.mark.skipif(MISSING is not None, reason=f"browser test skipped: {MISSING}")
def test_report_renders_offline_in_chromium(settings, tmp_path):
    con = db.connect(":memory:")
    _build_fixture(con)
    folder = write_report(con, settings, day=date(2026, 11, 25), images=False)
    con.close()
    charts = [c for s in json.loads((folder / "manifest.json").read_text())["sections"] for c in s["charts"]]
    shot = tmp_path / "screenshot.png"

    # 1. from disk, network off, every non-file request aborted and counted
    [page] = check_pages([(folder / "index.html").resolve().as_uri()], screenshot=shot)
    assert page.blocked_requests == []
    assert page.console_errors == []
    assert page.charts == len(charts) >= 12
    assert page.rendered == page.charts, page.not_rendered
    assert "SYNTHETIC" in page.title
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000

    # 2. from a plain static server on 127.0.0.1: still nothing requested from anywhere else
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.RequestHandlerClass.log_message = lambda *args: None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        [served] = check_pages([base + "index.html"], allowed=(base,), offline=False)
    finally:
        server.shutdown()
        server.server_close()
    assert served.blocked_requests == [] and served.console_errors == []
    assert served.rendered == served.charts == len(charts)


@pytest.mark.skipif(MISSING is not None, reason=f"browser test skipped: {MISSING}")
def test_browser_check_catches_a_broken_chart_and_an_outside_request(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text(
        "<!doctype html><html><head><title>broken</title>"
        '<link rel="stylesheet" href="https://fonts.example.com/x.css"></head><body>'
        '<div class="chart" id="chart-a"></div><script>console.error("boom");'
        "document.body.setAttribute('data-charts', 'done');</script></body></html>")
    [result] = check_pages([page.as_uri()], timeout_ms=15_000)
    assert result.charts == 1 and result.rendered == 0 and result.not_rendered == ["chart-a"]
    assert any("boom" in e for e in result.console_errors)
    assert result.blocked_requests == ["https://fonts.example.com/x.css"]
    assert not result.ok
