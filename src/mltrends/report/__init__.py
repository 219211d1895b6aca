"""The trend report: one self-contained HTML page, report.md, chart images and CSVs.

    write_report(con, settings, out_dir=None, demo=None) -> Path

writes `{reports_dir}/<YYYY-MM-DD>/` (or `out_dir`) and points `{reports_dir}/latest` at it.
Synthetic data is labelled on the page title and on every chart: pass `demo=True`, or let
`detect_synthetic` find the marker (`mark_synthetic(con)` sets it; "(synthetic)" in titles
or descriptions, or a `demo` run, also count).
"""

from __future__ import annotations

import json
import math
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import altair as alt
import duckdb
import vl_convert as vlc

from mltrends import __version__, console, synthetic
from mltrends.config import Settings
from mltrends.report import conventions, html, markdown
from mltrends.report.coverage import coverage, method
from mltrends.report.data import ReportData
from mltrends.report.hub import hub
from mltrends.report.industry import industry, reproduction
from mltrends.report.model import ChartItem, Context, Section
from mltrends.report.research import headline, research

__all__ = ["ReportError", "build_sections", "detect_synthetic", "mark_synthetic", "write_report"]

SECTION_ORDER = ("headline", "research", "industry", "hub", "reproduction", "coverage", "method")
OUTPUTS = {"index.html", "report.md", "manifest.json", "screenshot.png", "charts", "data"}


class ReportError(Exception):
    """The report cannot be written where it was asked to go."""

    user_facing = True


# the one synthetic marker (mltrends.synthetic): written by the demo's refresh, read here
mark_synthetic = synthetic.mark
detect_synthetic = synthetic.is_marked


def build_sections(con: duckdb.DuckDBPyConnection, demo: bool) -> list[Section]:
    """Every section, in the fixed order, from what the database holds."""
    ctx = Context(ReportData(con), demo)
    builders = {"headline": headline, "research": research, "industry": industry, "hub": hub,
                "reproduction": reproduction, "coverage": coverage, "method": method}
    return [builders[name](ctx) for name in SECTION_ORDER]


def chart_spec(item: ChartItem) -> dict[str, Any]:
    """The Vega-Lite spec with its data inlined and no reference to an outside host."""
    with alt.data_transformers.disable_max_rows():
        spec = item.chart.to_dict()
    spec.pop("$schema", None)
    return conventions.apply(_finite(spec))


def _finite(value: Any) -> Any:
    """NaN/inf are not JSON: a missing number becomes null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _images(name: str, spec: dict[str, Any], charts_dir: Path | None) -> str:
    """The chart drawn at build time: its SVG (inlined in the page), and the files when asked."""
    svg = vlc.vegalite_to_svg(spec, vl_version=html.VL_VERSION)
    if charts_dir is not None:
        (charts_dir / f"{name}.svg").write_text(svg, encoding="utf-8")
        (charts_dir / f"{name}.png").write_bytes(vlc.svg_to_png(svg, scale=2.0))
    return svg


def _prepare(target: Path) -> Path:
    """A fresh staging folder next to target; refuses a target that holds foreign files."""
    if target.exists():
        if not target.is_dir():
            raise ReportError(f"report folder {target} exists and is not a folder")
        foreign = sorted(p.name for p in target.iterdir() if p.name not in OUTPUTS)
        if foreign:
            raise ReportError(f"report folder {target} holds files that are not a report "
                              f"({', '.join(foreign[:5])}); choose an empty folder with --out")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "charts").mkdir(parents=True)
    (staging / "data").mkdir()
    return staging


def _swap_in(staging: Path, target: Path) -> None:
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def update_latest(reports_dir: Path, target: Path) -> Path:
    """Point reports_dir/latest at target: a relative symlink, else a copy; replaced atomically."""
    link = reports_dir / "latest"
    tmp = reports_dir / f".latest.tmp-{os.getpid()}"
    if tmp.is_symlink() or tmp.is_file():
        tmp.unlink()
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        os.symlink(os.path.relpath(target.resolve(), reports_dir.resolve()), tmp,
                   target_is_directory=True)
    except (OSError, NotImplementedError):
        shutil.copytree(target, tmp)
    if tmp.is_symlink() and (link.is_symlink() or not link.exists()):
        os.replace(tmp, link)  # atomic: readers see the old or the new report, never neither
        return link
    # a copy, or a link replacing a copy: move the old one aside first (rename, then delete)
    old = reports_dir / f".latest.old-{os.getpid()}"
    if link.is_symlink() or link.exists():
        os.replace(link, old)
    os.replace(tmp, link)
    if old.is_symlink():
        old.unlink()
    else:
        shutil.rmtree(old, ignore_errors=True)
    return link


def write_report(con: duckdb.DuckDBPyConnection, settings: Settings, out_dir: str | os.PathLike[str] | None = None,
                 demo: bool | None = None, *, update_latest_link: bool | None = None,
                 day: date | None = None, images: bool = True) -> Path:
    """Write the report; returns its folder. `latest` follows unless out_dir is elsewhere.

    images=False skips the files charts/*.png and *.svg (the page inlines its own SVGs).
    """
    day = day or date.today()
    reports_dir = Path(settings.reports_dir)
    target = Path(out_dir) if out_dir else reports_dir / day.isoformat()
    if update_latest_link is None:
        update_latest_link = out_dir is None or target.resolve().parent == reports_dir.resolve()
    demo = detect_synthetic(con) if demo is None else demo
    console.info(f"report: reading the marts{' (synthetic data)' if demo else ''}")
    sections = build_sections(con, demo)
    items = [item for sec in sections for item in sec.charts]
    specs = {item.name: chart_spec(item) for item in items}
    staging = _prepare(target)
    try:
        for item in items:
            item.data.to_csv(staging / "data" / f"{item.name}.csv", index=False)
        with ThreadPoolExecutor(max_workers=2) as pool:
            jobs = {name: pool.submit(_images, name, spec, staging / "charts" if images else None)
                    for name, spec in specs.items()}
            svgs = {name: job.result() for name, job in
                    console.track(jobs.items(), total=len(jobs), label="charts")}
        meta = {"date": day.isoformat(), "demo": demo, "version": __version__,
                "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
                "database": Path(settings.db).name}
        (staging / "index.html").write_text(html.render(sections, specs, meta, svgs), encoding="utf-8")
        (staging / "report.md").write_text(markdown.render(sections, meta), encoding="utf-8")
        manifest = dict(meta, sections=[{"id": s.id, "title": s.title, "empty": s.empty,
                                         "charts": [c.name for c in s.charts], "missing": s.missing}
                                        for s in sections])
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _swap_in(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if update_latest_link:
        reports_dir.mkdir(parents=True, exist_ok=True)
        update_latest(reports_dir, target)
    console.info(f"report: {target / 'index.html'} ({len(items)} charts)")
    return target
