"""What the report says and leads with: the yearly view when quarters are thin, partial
months left out of the monthly chart, the freshness of the run the report is written in,
and every chart on the page as an SVG that needs no script. (Synthetic fixture data.)"""

from __future__ import annotations

import importlib.util
import re
from datetime import timedelta
from pathlib import Path

import pytest

from mltrends import db
from mltrends.report import chart_spec, write_report
from mltrends.report.coverage import coverage
from mltrends.report.data import ReportData
from mltrends.report.industry import industry
from mltrends.report.model import Context
from mltrends.report.research import SMALL_QUARTER, research

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "report" / "report_fixture.py"


@pytest.fixture
def fixture_con():
    spec = importlib.util.spec_from_file_location("report_fixture", FIXTURE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    con = db.connect(":memory:")
    module.build(con)
    yield con
    con.close()


def _data_values(spec: dict) -> list[dict]:
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def test_the_yearly_view_leads_when_quarters_are_thin(fixture_con):
    thick = [c.name for c in research(Context(ReportData(fixture_con), demo=True)).charts]
    assert "research_share_quarterly" in thick and "research_share_yearly" not in thick
    fixture_con.execute(f"update framework_share_quarterly set total_papers = {SMALL_QUARTER // 4}, "
                        f"papers = round(share * {SMALL_QUARTER // 4})")
    thin = research(Context(ReportData(fixture_con), demo=True))
    names = [c.name for c in thin.charts]
    assert names.index("research_share_yearly") < names.index("research_share_quarterly")
    year = re.search(r"in (\d{4})\b", thin.key_finding)
    assert year and "Q" not in thin.key_finding.split(" (")[0]
    quarterly = next(c for c in thin.charts if c.name == "research_share_quarterly")
    assert any("read the yearly chart above" in line for line in chart_spec(quarterly)["title"]["subtitle"])


def test_partial_months_are_left_out_of_the_monthly_chart_and_named(fixture_con):
    sec = industry(Context(ReportData(fixture_con), demo=True))
    item = next(c for c in sec.charts if c.name == "industry_downloads_monthly")
    partial = item.data.loc[item.data["is_partial_month"].astype(bool), "month"]
    assert not partial.empty  # the fixture has a month still running
    charted = {str(row["month"])[:7] for row in _data_values(chart_spec(item)) if "downloads" in row}
    assert {f"{m:%Y-%m}" for m in partial}.isdisjoint(charted)
    assert charted  # the full months are drawn
    subtitle = " ".join(chart_spec(item)["title"]["subtitle"])
    assert all(f"{m:%b %Y}" in subtitle for m in partial)


def test_freshness_describes_the_refresh_the_report_is_written_in(fixture_con):
    now = db.now_utc()
    rows = [("r-all", "refresh", None, now - timedelta(minutes=30), None, "running"),
            ("r-hf", "refresh:hf", "hf", now - timedelta(minutes=29), now - timedelta(minutes=20), "succeeded"),
            ("r-report", "refresh:report", None, now - timedelta(minutes=1), None, "running")]
    for run_id, command, source, started, finished, status in rows:
        fixture_con.execute("insert into runs (run_id, command, source, started_at, finished_at, status) "
                            "values (?, ?, ?, ?, ?, ?)", [run_id, command, source, started, finished, status])
    sec = coverage(Context(ReportData(fixture_con), demo=True))
    table = next(t.frame for t in sec.tables if t.caption.startswith("Last successful refresh"))
    this_run = table[table["Source / command"] == "refresh (this run)"].iloc[0]
    assert this_run["Last status"] == "succeeded" and "(this run)" in this_run["Last success (UTC)"]
    assert "never" not in this_run["Last success (UTC)"]
    assert not (table["Last status"] == "running").any()
    assert sec.notes[0].startswith("This report was written as the last step of the refresh started")
    fixture_con.execute("insert into runs (run_id, command, source, started_at, finished_at, status) "
                        "values ('r-pypi', 'refresh:pypi', 'pypi', ?, ?, 'failed')",
                        [now - timedelta(minutes=19), now - timedelta(minutes=18)])
    failed = coverage(Context(ReportData(fixture_con), demo=True))
    table = next(t.frame for t in failed.tables if t.caption.startswith("Last successful refresh"))
    assert table.loc[table["Source / command"] == "refresh (this run)", "Last status"].iloc[0] == "failed: pypi"


def test_every_chart_is_on_the_page_as_svg_with_unique_ids(fixture_con, settings):
    folder = write_report(fixture_con, settings, images=False)
    page = (folder / "index.html").read_text()
    figures = re.findall(r'<div class="chart-static"[^>]*>(.*?)</div><div class="chart" id="chart-([a-z_]+)"',
                         page, re.S)
    assert len(figures) >= 12 and all(svg.startswith("<svg") for svg, _ in figures)
    ids = re.findall(r'<svg[^>]*>.*?</svg>', page, re.S)
    every_id = [i for svg in ids for i in re.findall(r'\bid="([^"]+)"', svg)]
    assert len(every_id) == len(set(every_id))  # clip paths of one chart never serve another
    assert "xmlns=" not in page.split("<main>", 1)[1]
    assert not list((folder / "charts").glob("*.svg"))  # images=False: no files, the page has them
