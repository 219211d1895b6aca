"""Time `mltrends build` (models.build) on the full-scale synthetic database.

    python benchmarks/bench_build.py [--scale 1.0]

Baseline, measured in the same run on the same copy: `create table as select *` of every
raw table the models read (the I/O floor of rewriting the inputs once). Goal: under 30 s.
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
from mltrends import db, models

RAW_TABLES = ("pwc_papers", "pwc_paper_repos", "hf_papers", "github_repos", "github_owners",
              "repo_frameworks", "owner_sectors", "repo_purposes", "github_org_repos",
              "pypi_downloads", "pypi_packages", "series_breaks", "reproductions")
GOAL_SECONDS = 30.0


def main(scale: float = 1.0) -> dict:
    source = fullscale_db(scale)
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        copy = Path(tmp) / "bench.duckdb"
        shutil.copy(source, copy)
        con = db.connect(copy)
        start = time.perf_counter()
        for table in RAW_TABLES:
            con.execute(f"create table _floor_{table} as select * from {table}")
        baseline = time.perf_counter() - start
        for table in RAW_TABLES:
            con.execute(f"drop table _floor_{table}")
        timings: dict[str, float] = {}
        start = time.perf_counter()
        rows = models.build(con, timings)
        total = time.perf_counter() - start
        con.close()
    slowest = max((k for k in timings if k != "data_tests"), key=timings.__getitem__)
    return write_result(
        "build_full_scale_seconds", total, "s",
        "create table as select * of the raw tables (I/O floor), same run", baseline,
        f"< {GOAL_SECONDS:g} s", total < GOAL_SECONDS, scale=scale,
        slowest_model=slowest, slowest_model_seconds=round(timings[slowest], 3),
        data_tests_seconds=round(timings["data_tests"], 3),
        model_seconds={k: round(v, 3) for k, v in sorted(timings.items(), key=lambda kv: -kv[1])},
        rows=rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    main(parser.parse_args().scale)
