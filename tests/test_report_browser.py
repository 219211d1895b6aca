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


@pytest.mark.skipif(MISSING is not None, reason=f"browser test skipped: {MISSING}")
def test_report_reads_at_desktop_and_phone_widths_and_without_scripts(settings, tmp_path):
    """1400 px and 390 px with scripts on, 390 px with scripts off: every chart shows, no
    sideways scroll; the screenshots are kept under the test's tmp folder for a person to look at."""
    con = db.connect(":memory:")
    _build_fixture(con)
    folder = write_report(con, settings, day=date(2026, 11, 25), images=False)
    con.close()
    url = (folder / "index.html").resolve().as_uri()
    n_charts = sum(len(s["charts"]) for s in json.loads((folder / "manifest.json").read_text())["sections"])
    shots = tmp_path / "screenshots"
    views = {"desktop-1400": {"width": 1400}, "phone-390": {"width": 390},
             "phone-390-no-javascript": {"width": 390, "javascript": False},
             "desktop-1400-no-javascript": {"width": 1400, "javascript": False}}
    for name, view in views.items():
        [page] = check_pages([url], screenshot=shots / f"{name}.png", **view)
        assert page.blocked_requests == [] and page.console_errors == [], name
        assert page.charts == n_charts >= 12, name
        assert page.rendered == page.charts, (name, page.not_rendered)
        assert page.scroll_width <= page.viewport_width == view["width"], (name, page.scroll_width)
        assert (shots / f"{name}.png").stat().st_size > 20_000
    # without scripts the build-time SVGs are what shows; with scripts they give way to the live charts
    assert page.static == n_charts
