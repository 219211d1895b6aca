"""The trend report on a SYNTHETIC mart-shaped database: files, sections, labels, colours, latest."""

from __future__ import annotations

import importlib.util
import json
import os
import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from mltrends import db
from mltrends.cli import main
from mltrends.config import load_settings
from mltrends.report import (
    SECTION_ORDER,
    ReportError,
    detect_synthetic,
    mark_synthetic,
    write_report,
)
from mltrends.report.browser import browser_missing
from mltrends.report.charts import FRAMEWORK_COLORS
from mltrends.report.model import SYNTHETIC_LABEL
from mltrends.vocab import FRAMEWORKS

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "report" / "report_fixture.py"
DAY = date(2026, 11, 25)


def _fixture_module():
    spec = importlib.util.spec_from_file_location("report_fixture", FIXTURE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


report_fixture = _fixture_module()


def page_specs(page: str) -> dict[str, dict]:
    m = re.search(r'<script type="application/json" id="mltrends-specs">(.*?)</script>', page, re.S)
    return json.loads(m.group(1))


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """One full report on the synthetic fixture, shared by the read-only tests below."""
    root = tmp_path_factory.mktemp("report")
    con = db.connect(":memory:")
    report_fixture.build(con)
    settings = load_settings(env={}, reports_dir=str(root / "reports"), db=str(root / "x.duckdb"))
    folder = write_report(con, settings, day=DAY)
    expected = con.execute(
        "select framework, share, quarter from framework_share_quarterly "
        "where not is_partial_quarter order by quarter_start desc, share desc limit 1").fetchall()[0]
    con.close()
    page = (folder / "index.html").read_text(encoding="utf-8")
    return {"folder": folder, "page": page, "specs": page_specs(page),
            "manifest": json.loads((folder / "manifest.json").read_text()),
            "md": (folder / "report.md").read_text(encoding="utf-8"), "expected": expected,
            "root": root}


def test_every_chart_has_png_svg_and_csv(written):
    folder, manifest = written["folder"], written["manifest"]
    names = [c for s in manifest["sections"] for c in s["charts"]]
    assert len(names) >= 12 and sorted(names) == sorted(written["specs"])
    for name in names:
        assert (folder / "charts" / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert "<svg" in (folder / "charts" / f"{name}.svg").read_text()[:500]
        lines = (folder / "data" / f"{name}.csv").read_text().splitlines()
        assert len(lines) >= 2, name
    assert folder == written["root"] / "reports" / "2026-11-25"


def test_page_is_self_contained_and_small(written):
    page = written["page"]
    refs = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']*)', page, re.I)
    assert refs, "the page links its CSVs and images"
    outside = [r for r in refs if re.match(r"(?i)(https?:)?//", r)]
    assert outside == []
    assert not re.search(r"<(link|img|iframe)[^>]+(https?:)?//", page, re.I)
    assert "@import" not in page and "url(http" not in page  # no web fonts or remote CSS
    # the libraries are embedded exactly once, whatever the number of charts
    assert page.count("window.vegaEmbed=") == 1
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", page, re.S)
    assert sum(len(s) > 500_000 for s in scripts) == 1
    # outside the library bundle, no http(s) URL at all (specs carry no $schema)
    rest = page.replace(max(scripts, key=len), "")
    assert re.findall(r"https?://", rest) == []
    assert len(page.encode()) < 5 * 1024 * 1024


def test_sections_in_order_with_toc_and_summary(written):
    page, md = written["page"], written["md"]
    ids = re.findall(r'<section id="([a-z]+)" class="report-section">', page)
    assert ids == list(SECTION_ORDER)
    toc = re.findall(r'<nav class="toc".*?</nav>', page, re.S)[0]
    assert re.findall(r'href="#([a-z]+)"', toc) == list(SECTION_ORDER)
    assert page.index('id="summary"') < page.index('<nav class="toc"') < page.index('id="headline"')
    headings = re.findall(r"^## \d\. (.+)$", md, re.M)
    assert headings == ["Headline findings", "Research adoption", "Industry adoption",
                        "Models on the Hugging Face Hub", "Reproduction results",
                        "Data coverage and freshness", "Method and caveats"]


def test_reproduction_section_says_which_isolation_each_run_had(written):
    section = written["md"].split("Reproduction results", 2)[-1].split("## 5.")[0]
    assert "Isolation the reproduced code ran under" in section
    assert "bubblewrap, a dedicated uid, seccomp, memory watchdog (synthetic)" in section
    assert "fallback launcher (root), a dedicated uid, memory watchdog (synthetic)" in section


def test_titles_state_findings_from_the_data(written):
    framework, share, quarter = written["expected"]
    title = f"PyTorch implements {share * 100:.0f}% of papers with code in {quarter}"
    assert framework == "pytorch"
    assert written["specs"]["research_share_quarterly"]["title"]["text"] == title
    assert title in written["md"]
    downloads = json.dumps(written["specs"]["industry_downloads_monthly"])
    assert "2026-08-24" in downloads and "PyPI counting changed (2026-08-24)" in downloads
    assert "PwC archive ends (July 2025)" in json.dumps(written["specs"]["research_share_quarterly"])


def test_headline_scorecard_lists_every_claim(written):
    md = written["md"]
    assert "| Verdict | Claim | Number | Interval | Unit; interval method | Window | n | Evidence |" in md
    for claim in report_fixture.CLAIMS:
        assert claim[1][:40] in md
    assert "| supported | PyTorch dominates in academia and cutting-edge research | 71.0% | 70–72% | share; 95% Wilson |" in md
    assert "| +3.4 pts/year | +2.1 pts/year to +4.7 pts/year | points per year;" in md
    assert "87–89% (range, not a confidence interval)" in md
    assert "3 of 6 claims are supported by the data, 1 contradicted" in written["page"]


def test_synthetic_label_on_title_and_every_chart(written):
    page, specs = written["page"], written["specs"]
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    assert SYNTHETIC_LABEL in title
    assert written["md"].startswith("# ") and SYNTHETIC_LABEL in written["md"].splitlines()[0]
    for name, spec in specs.items():
        assert SYNTHETIC_LABEL in spec["title"]["subtitle"], name
    assert SYNTHETIC_LABEL in (written["folder"] / "charts" / "research_share_quarterly.svg").read_text()


def _colour_scales(node, found):
    if isinstance(node, dict):
        for channel in ("color", "fill"):
            enc = node.get(channel)
            if isinstance(enc, dict) and enc.get("field") == "framework":
                found.append(enc.get("scale"))
        for value in node.values():
            _colour_scales(value, found)
    elif isinstance(node, list):
        for value in node:
            _colour_scales(value, found)
    return found


def test_one_colour_per_framework_across_every_chart(written):
    expected = {"domain": list(FRAMEWORKS), "range": [FRAMEWORK_COLORS[f] for f in FRAMEWORKS]}
    charts_with_frameworks = 0
    for spec in written["specs"].values():
        scales = _colour_scales(spec, [])
        charts_with_frameworks += bool(scales)
        assert all(s == expected for s in scales), scales
    assert charts_with_frameworks >= 9
    assert len(set(FRAMEWORK_COLORS.values())) == len(FRAMEWORKS)


def test_latest_points_at_the_newest_report(written, tmp_path):
    reports = written["root"] / "reports"
    latest = reports / "latest"
    assert latest.is_symlink() and os.readlink(latest) == "2026-11-25"
    assert (latest / "index.html").exists()


def test_latest_moves_and_out_elsewhere_leaves_it(settings, con):
    report_fixture.build(con, reproductions=False)
    first = write_report(con, settings, day=date(2026, 1, 1), images=False)
    second = write_report(con, settings, day=date(2026, 1, 2), images=False)
    latest = Path(settings.reports_dir) / "latest"
    assert latest.resolve() == second.resolve() and first.exists()
    again = write_report(con, settings, day=date(2026, 1, 2), images=False)  # same day: replaced in place
    assert again == second and (latest / "report.md").exists()
    elsewhere = write_report(con, settings, out_dir=Path(settings.reports_dir).parent / "other",
                             images=False)
    assert (elsewhere / "index.html").exists() and latest.resolve() == second.resolve()
    leftovers = [p.name for p in Path(settings.reports_dir).iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_latest_falls_back_to_a_copy_without_symlinks(settings, con, monkeypatch):
    report_fixture.build(con, reproductions=False)
    write_report(con, settings, day=date(2026, 1, 1), images=False)

    def no_links(*args, **kwargs):
        raise OSError("symbolic links are not supported here")

    monkeypatch.setattr(os, "symlink", no_links)
    write_report(con, settings, day=date(2026, 1, 2), images=False)
    latest = Path(settings.reports_dir) / "latest"
    assert latest.is_dir() and not latest.is_symlink()
    assert json.loads((latest / "manifest.json").read_text())["date"] == "2026-01-02"
    write_report(con, settings, day=date(2026, 1, 3), images=False)  # a copy is replaced by the next copy
    assert json.loads((latest / "manifest.json").read_text())["date"] == "2026-01-03"


def test_empty_database_says_so_in_every_data_section(settings, con):
    folder = write_report(con, settings, day=DAY)
    manifest = json.loads((folder / "manifest.json").read_text())
    by_id = {s["id"]: s for s in manifest["sections"]}
    for sid in ("headline", "research", "industry", "hub", "reproduction"):
        assert by_id[sid]["empty"] and by_id[sid]["charts"] == [] and by_id[sid]["missing"], sid
    page = (folder / "index.html").read_text()
    assert page.count("No data for this section yet.") == 5
    assert "No reproduction runs in this database yet" in page
    assert "Marts not built: paper_implementations" in page
    # only the coverage chart: the schema seeds series_breaks, so one table holds rows
    assert set(page_specs(page)) == {"coverage_table_rows"} and "SYNTHETIC" not in page
    md = (folder / "report.md").read_text()
    assert md.count("> **No data for this section yet.**") == 5


def test_missing_reproductions_only_empty_that_section(settings, con):
    report_fixture.build(con, reproductions=False)
    folder = write_report(con, settings, day=DAY, images=False)
    sections = {s["id"]: s for s in json.loads((folder / "manifest.json").read_text())["sections"]}
    assert sections["reproduction"]["empty"] and not sections["research"]["empty"]
    assert "No reproduction runs" in (folder / "report.md").read_text()


def test_synthetic_detection(con):
    report_fixture.build(con, synthetic=False)
    assert detect_synthetic(con) is False
    mark_synthetic(con, "demo inputs")
    assert detect_synthetic(con) is True


def test_unlabelled_data_is_not_called_synthetic(settings, con):
    report_fixture.build(con, synthetic=False)
    folder = write_report(con, settings, day=DAY, images=False)
    page = (folder / "index.html").read_text()
    assert SYNTHETIC_LABEL not in page
    forced = write_report(con, settings, out_dir=Path(settings.reports_dir) / "forced", demo=True,
                          images=False)
    assert SYNTHETIC_LABEL in (forced / "index.html").read_text()


def test_refuses_a_folder_holding_other_files(settings, con, tmp_path):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "thesis.tex").write_text("keep me")
    with pytest.raises(ReportError, match="thesis.tex"):
        write_report(con, settings, out_dir=target)
    assert (target / "thesis.tex").read_text() == "keep me"


def test_cli_report(tmp_path):
    path = tmp_path / "cli.duckdb"
    con = db.connect(path)
    report_fixture.build(con, reproductions=False)
    con.close()
    before = path.read_bytes()
    runner = CliRunner()
    env = {"MLTRENDS_REPORTS_DIR": str(tmp_path / "reports")}
    result = runner.invoke(main, ["--db", str(path), "report", "--out", str(tmp_path / "out")], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("index.html") and (tmp_path / "out" / "report.md").exists()
    # the report only reads the published file
    assert path.read_bytes() == before
    missing = runner.invoke(main, ["--db", str(tmp_path / "nope.duckdb"), "report"], env=env)
    assert missing.exit_code == 2 and "does not exist" in missing.output
    assert runner.invoke(main, ["report", "--help"]).exit_code == 0


def test_missing_browser_is_explained():
    assert browser_missing("/nonexistent/chromium") == (
        "no Chromium at /nonexistent/chromium (install Debian's `chromium` package)")


def test_yearly_shares_fold_quarters_and_recompute_intervals():
    import pandas as pd

    from mltrends.report.research import yearly_shares

    q = pd.DataFrame([
        # quarter, start, framework, papers, total, partial
        ("2024Q1", "2024-01-01", "pytorch", 3, 4, False), ("2024Q1", "2024-01-01", "tensorflow", 1, 4, False),
        ("2024Q2", "2024-04-01", "pytorch", 5, 6, False), ("2024Q2", "2024-04-01", "jax", 1, 6, False),
        ("2025Q1", "2025-01-01", "pytorch", 2, 2, True),
    ], columns=["quarter", "quarter_start", "framework", "papers", "total_papers", "is_partial_quarter"])
    years = yearly_shares(q).set_index(["quarter", "framework"])
    assert years.loc[("2024", "pytorch"), "papers"] == 8
    assert years.loc[("2024", "pytorch"), "total_papers"] == 10
    assert years.loc[("2024", "pytorch"), "share"] == pytest.approx(0.8)
    # Wilson 95% for 8/10
    assert years.loc[("2024", "pytorch"), "ci_low"] == pytest.approx(0.4902, abs=1e-3)
    assert years.loc[("2024", "pytorch"), "ci_high"] == pytest.approx(0.9433, abs=1e-3)
    assert not years.loc[("2024", "jax"), "is_partial_quarter"]
    assert years.loc[("2025", "pytorch"), "is_partial_quarter"]
