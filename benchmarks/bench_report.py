"""Time `mltrends report` on the full-scale synthetic database (after `build` and `claims`).

    python benchmarks/bench_report.py [--scale 1.0]

Baseline, measured in the same run on the same database: only querying the marts (every
read the report makes, through ReportData), without charts, images or files. The value is
the whole write_report: queries, chart specs, the JavaScript bundle, PNG/SVG rendering,
HTML, Markdown and CSVs. Goal: under 20 s, and index.html under 5 MB.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DATA, write_result
from gen_fullscale_db import fullscale_db
from mltrends import claims, db, models
from mltrends.config import load_settings
from mltrends.report import write_report
from mltrends.report.data import ReportData

GOAL_SECONDS = 20.0
GOAL_HTML_BYTES = 5 * 1024 * 1024
QUERIES = ("claims", "adoption", "share_quarterly", "venue_vs_published", "venue_count",
           "series_break", "downloads_monthly", "family_share_latest", "dependents", "company_mix",
           "sector_share", "repro_matrix", "repro_runnable", "repro_failures", "corrected_share",
           "table_rows", "refreshes", "rejected", "partial_quarters")


def query_marts(con) -> int:
    data = ReportData(con)
    return sum(1 for name in QUERIES if getattr(data, name)() is not None)


def main(scale: float = 1.0) -> dict:
    source = fullscale_db(scale)
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        copy = Path(tmp) / "bench.duckdb"
        shutil.copy(source, copy)
        con = db.connect(copy)
        start = time.perf_counter()
        models.build(con)
        claims.evaluate(con)
        print(f"build + claims in {time.perf_counter() - start:.1f}s (not timed)", flush=True)
        start = time.perf_counter()
        query_marts(con)
        baseline = time.perf_counter() - start
        settings = load_settings(env={}, db=str(copy), reports_dir=str(Path(tmp) / "reports"))
        start = time.perf_counter()
        folder = write_report(con, settings)
        total = time.perf_counter() - start
        con.close()
        html_bytes = (folder / "index.html").stat().st_size
        charts = len(list((folder / "charts").glob("*.svg")))
    return write_result(
        "report_full_scale_seconds", total, "s",
        baseline="querying the marts only (every ReportData read, no charts or files)",
        baseline_value=baseline, goal="under 20 s, index.html under 5 MB",
        met=total < GOAL_SECONDS and html_bytes < GOAL_HTML_BYTES,
        scale=scale, html_bytes=html_bytes, charts=charts)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    main(parser.parse_args().scale)
