"""PwC archive ingest from the real Parquet shard layout vs a bare DuckDB count vs the json.gz path.

    python benchmarks/bench_pwc_ingest_parquet.py [--scale 1.0]

The replica: gen_pwc_dumps' synthetic records (576,261 papers with abstracts and 300,161
links at scale 1, every title says "(synthetic)") written in the layout the Hub serves:
`links-between-paper-and-code/data/train-00000-of-00001.parquet` and
`papers-with-abstracts/data/train-0000{0..3}-of-00004.parquet`.
(a) the floor: DuckDB's bare `select count(*) from read_parquet([...])` over the same shards
    (a footer read: Parquet keeps row counts in its metadata). Beside it, a scan that reads
    every column the load reads (`scan_floor_seconds`), the floor of any real load.
(b) `mltrends ingest pwc-dump --links <shard> --papers <glob of 4 shards>` into a fresh
    database, in a subprocess (the command's time without interpreter start-up; peak RSS).
(c) today's json.gz path: the same command on the json.gz replica of the same records.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from common import DATA, timed, write_result
from gen_pwc_dumps import generate

ROOT = Path(__file__).resolve().parents[1]
LINKS_SHARD = "links-between-paper-and-code/data/train-00000-of-00001.parquet"
PAPER_SHARDS = [f"papers-with-abstracts/data/train-{i:05d}-of-00004.parquet" for i in range(4)]
# the columns the load reads (abstracts are left out by default, as in the product)
PAPER_COLUMNS = ["paper_url", "arxiv_id", "title", "url_abs", "proceeding", "conference", "authors",
                 "tasks", "date", "methods"]
LINK_COLUMNS = ["paper_url", "paper_title", "paper_arxiv_id", "repo_url", "is_official",
                "mentioned_in_paper", "mentioned_in_github", "framework"]

CHILD = r"""
import json, resource, sys, time
from mltrends.cli import main
start = time.perf_counter()
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    print(json.dumps({"seconds": time.perf_counter() - start,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}),
          file=sys.stderr)
"""


def replica(scale: float) -> tuple[Path, Path, Path]:
    """(json.gz folder, parquet folder, marker): generated once per scale."""
    out = DATA / "pwc"
    marker = out / "scale.json"
    links, papers = out / "links-between-papers-and-code.json.gz", out / "papers-with-abstracts.json.gz"
    if not (marker.exists() and json.loads(marker.read_text()).get("scale") == scale and papers.exists()):
        print(f"generating synthetic dumps at scale {scale} in {out} ...", flush=True)
        generate(out, scale)
        marker.write_text(json.dumps({"scale": scale}))
    shards = DATA / "pwc-parquet"
    pmarker = shards / "scale.json"
    if not (pmarker.exists() and json.loads(pmarker.read_text()).get("scale") == scale):
        print(f"writing the Parquet shard layout in {shards} ...", flush=True)
        for rel in [LINKS_SHARD, *PAPER_SHARDS]:
            (shards / rel).parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect()
        con.execute("set memory_limit = '4GB'; set preserve_insertion_order = true")
        con.execute(f"copy (select * from read_json('{links}', format='array')) to "
                    f"'{shards / LINKS_SHARD}' (format parquet)")
        con.execute(f"create temp table p as select * from read_json('{papers}', format='array')")
        n = con.execute("select count(*) from p").fetchall()[0][0]
        size = -(-n // 4)
        for i, rel in enumerate(PAPER_SHARDS):
            con.execute(f"copy (select * from p limit {size} offset {i * size}) to '{shards / rel}' "
                        "(format parquet)")
        con.close()
        pmarker.write_text(json.dumps({"scale": scale}))
    return out, shards, marker


def _list(paths: list[Path]) -> str:
    return "[" + ", ".join(f"'{p}'" for p in paths) + "]"


def floors(shards: Path) -> tuple[float, float]:
    links, papers = [shards / LINKS_SHARD], [shards / s for s in PAPER_SHARDS]
    con = duckdb.connect()
    bare, _ = timed(lambda: [con.execute(f"select count(*) from read_parquet({_list(f)})").fetchall()
                             for f in (papers, links)])

    def scan() -> None:
        for files, cols in ((papers, PAPER_COLUMNS), (links, LINK_COLUMNS)):
            counts = ", ".join(f'count("{c}")' for c in cols)
            con.execute(f"select {counts} from read_parquet({_list(files)})").fetchall()

    scanned, _ = timed(scan)
    con.close()
    return bare, scanned


def ingest(links: str, papers: str, tag: str) -> tuple[float, float, float, dict]:
    """(seconds inside the command, seconds with interpreter start-up, peak RSS MB, row counts)"""
    target = DATA / f"bench_pwc_{tag}.duckdb"
    for f in (target, Path(str(target) + ".wal")):
        f.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "MLTRENDS_CACHE_DIR": str(DATA / "cache")}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD, "--db", str(target), "ingest", "pwc-dump",
                           "--links", links, "--papers", papers, "--force"],
                          capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    wall = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"ingest ({tag}) failed:\n{proc.stderr[-3000:]}")
    inside = json.loads(proc.stderr.strip().splitlines()[-1])
    con = duckdb.connect(str(target), read_only=True)
    rows = {t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in ("pwc_papers", "pwc_paper_repos")}
    con.close()
    target.unlink(missing_ok=True)
    return inside["seconds"], wall, inside["peak_rss_mb"], rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args(argv)
    json_dir, shards, _ = replica(args.scale)
    bare_s, scan_s = floors(shards)
    parquet_s, parquet_wall, parquet_peak, parquet_rows = ingest(
        str(shards / LINKS_SHARD), str(shards / "papers-with-abstracts/data/train-*-of-00004.parquet"), "parquet")
    json_s, json_wall, json_peak, json_rows = ingest(str(json_dir / "links-between-papers-and-code.json.gz"),
                                          str(json_dir / "papers-with-abstracts.json.gz"), "json")
    if parquet_rows != json_rows:
        raise SystemExit(f"the two paths loaded different rows: {parquet_rows} vs {json_rows}")
    size_mb = sum((shards / r).stat().st_size for r in [LINKS_SHARD, *PAPER_SHARDS]) / 2**20
    met = parquet_s <= 1.2 * bare_s and json_s / parquet_s >= 3 and parquet_peak < 2048
    write_result(
        "pwc_ingest_parquet", parquet_s, "s",
        "DuckDB bare count(*) over the same 5 shards (answered from the Parquet footers)", bare_s,
        "<= 1.2x the bare count, >= 3x faster than the json.gz load, peak RSS < 2048 MB", met,
        scale=args.scale, input_mb=round(size_mb, 1), rows=parquet_rows,
        peak_rss_mb=round(parquet_peak), scan_floor_seconds=round(scan_s, 3),
        ratio_vs_scan_floor=round(parquet_s / scan_s, 2),
        json_gz_seconds=round(json_s, 2), json_gz_peak_rss_mb=round(json_peak),
        with_startup_seconds={"parquet": round(parquet_wall, 2), "json_gz": round(json_wall, 2)},
        speedup_vs_json_gz=round(json_s / parquet_s, 2),
        goals_met={"vs_bare_count": parquet_s <= 1.2 * bare_s, "vs_json_gz": json_s / parquet_s >= 3,
                   "memory": parquet_peak < 2048},
        note="value: the command from its start to its exit (settings, database, fingerprints, "
             "load), without the interpreter's start-up (with_startup_seconds has it); 2-core "
             "machine shared with other jobs; synthetic replica")
    return 0


if __name__ == "__main__":
    sys.exit(main())
