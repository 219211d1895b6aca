"""PwC dump ingest vs a bare DuckDB scan of the same files vs the pandas way.

    python benchmarks/bench_pwc_ingest.py [--scale 1.0] [--pandas-fraction 0.1]

(a) `SELECT count(*) FROM read_json(...)` over both dumps: the floor.
(b) `mltrends.sources.pwc.ingest_dump` into a fresh database file, in a subprocess
    (its peak RSS is read from ru_maxrss); then the same dump again (the staged reload).
    The default load leaves the abstracts out; a second fresh load that keeps them
    (`--abstracts`) is recorded beside it (with_abstracts_seconds).
(c) the obvious pandas way: json.load, a DataFrame, normalise in pandas, keyed upsert with
    db.upsert_rows. At full size its Python objects do not fit comfortably in memory on
    a shared machine, so it runs on a replica of `--pandas-fraction` (0.25) of the size and is
    extrapolated linearly (stated in the result record).
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from common import DATA, timed, write_result
from gen_pwc_dumps import generate

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
from mltrends import db
from mltrends.config import load_settings
from mltrends.sources import pwc
path, links, papers, abstracts = sys.argv[1:5]
settings = load_settings(env={}, cache_dir=str(__import__('pathlib').Path(path).parent / 'cache'))
con = db.connect(path)
out = {}
for label in ("fresh", "reload") if abstracts == "no" else ("fresh",):
    start = time.perf_counter()
    counts = pwc.ingest_dump(con, settings, links=links, papers=papers, abstracts=abstracts == "yes",
                             force=True)
    out[label] = time.perf_counter() - start
    out[label + "_counts"] = counts
con.close()
print(json.dumps(out))
"""


def dumps(scale: float, name: str) -> tuple[Path, Path]:
    out = DATA / name
    marker = out / "scale.json"
    links, papers = out / "links-between-papers-and-code.json.gz", out / "papers-with-abstracts.json.gz"
    if not (marker.exists() and json.loads(marker.read_text()).get("scale") == scale and papers.exists()):
        print(f"generating synthetic dumps at scale {scale} in {out} ...", flush=True)
        generate(out, scale)
        marker.write_text(json.dumps({"scale": scale}))
    return links, papers


def scan(links: Path, papers: Path) -> float:
    con = duckdb.connect()
    seconds = 0.0
    for path in (papers, links):
        t, _ = timed(lambda p=path: con.execute(f"select count(*) from read_json('{p}', format='array')").fetchall())
        seconds += t
    con.close()
    return seconds


def ingest(links: Path, papers: Path, abstracts: bool = False) -> tuple[dict, float]:
    target = DATA / "bench_pwc.duckdb"
    for f in (target, Path(str(target) + ".wal")):
        f.unlink(missing_ok=True)
    proc = subprocess.run([sys.executable, "-c", CHILD, str(target), str(links), str(papers),
                           "yes" if abstracts else "no"],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    if proc.returncode:
        raise SystemExit(f"ingest failed:\n{proc.stderr[-3000:]}")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    target.unlink(missing_ok=True)
    return json.loads(proc.stdout.strip().splitlines()[-1]), peak_mb


def pandas_way(links: Path, papers: Path) -> float:
    import pandas as pd

    from mltrends import db

    con = db.connect(":memory:")
    start = time.perf_counter()
    with gzip.open(papers, "rt", encoding="utf-8") as fh:
        df = pd.DataFrame(json.load(fh))
    df = df[df["paper_url"].notna()].copy()
    df["paper_id"] = df["paper_url"].str.extract(r"/paper/([^/?#]+)", expand=False)
    df["published"] = pd.to_datetime(df["date"], errors="coerce").dt.date
    df["year"] = pd.to_datetime(df["date"], errors="coerce").dt.year
    parts = df["proceeding"].str.extract(r"^(\S+) ((?:19|20)\d\d)")
    df["venue"], df["venue_year"] = parts[0], pd.to_numeric(parts[1], errors="coerce")
    df["methods"] = df["methods"].map(lambda ms: [m["name"] for m in ms] if isinstance(ms, list) else None)
    df["_source"], df["_fetched_at"] = "pwc-dump", db.now_utc()
    keep = ["paper_id", "arxiv_id", "title", "published",  # no abstract, as the default load "year", "venue", "venue_year",
            "proceeding", "authors", "tasks", "methods", "url_abs", "_source", "_fetched_at"]
    with db.transaction(con):
        db.upsert_rows(con, "pwc_papers", df[keep], ["paper_id"])
    with gzip.open(links, "rt", encoding="utf-8") as fh:
        ldf = pd.DataFrame(json.load(fh))
    ldf = ldf[ldf["paper_url"].notna() & ldf["repo_url"].notna()].copy()
    ldf["paper_id"] = ldf["paper_url"].str.extract(r"/paper/([^/?#]+)", expand=False)
    ldf["repo"] = (ldf["repo_url"].str.lower().str.replace(r"^https?://(www\.)?github\.com/", "", regex=True)
                   .str.replace(r"\.git$", "", regex=True))
    ldf["pwc_framework"] = ldf["framework"].replace({"tf": "tensorflow"})
    ldf["_source"], ldf["_fetched_at"] = "pwc-dump", db.now_utc()
    with db.transaction(con):
        db.upsert_rows(con, "pwc_paper_repos", ldf[["paper_id", "repo", "repo_url", "is_official",
                                                   "pwc_framework", "_source", "_fetched_at"]],
                       ["paper_id", "repo"])
    seconds = time.perf_counter() - start
    con.close()
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--pandas-fraction", type=float, default=0.25,
                        help="size of the pandas run, as a fraction of --scale (extrapolated linearly)")
    args = parser.parse_args(argv)
    links, papers = dumps(args.scale, "pwc")
    size_mb = (links.stat().st_size + papers.stat().st_size) / 2**20
    scan_s = scan(links, papers)
    result, peak_mb = ingest(links, papers)
    ingest_s = result["fresh"]
    with_abstracts, peak_all_mb = ingest(links, papers, abstracts=True)
    frac = args.pandas_fraction
    p_links, p_papers = dumps(args.scale * frac, "pwc-pandas") if frac < 1 else (links, papers)
    pandas_s = pandas_way(p_links, p_papers) / frac
    common = {"scale": args.scale, "input_mb": round(size_mb, 1), "rows": result["fresh_counts"],
              "peak_rss_mb": round(peak_mb), "memory_goal": "peak RSS < 3072 MB",
              "memory_met": peak_mb < 3072, "reload_seconds": round(result["reload"], 2),
              "abstracts_stored": False,
              "with_abstracts_seconds": round(with_abstracts["fresh"], 2),
              "with_abstracts_peak_rss_mb": round(peak_all_mb),
              "note": "2-core machine shared with other jobs; timings taken under load"}
    write_result("pwc_ingest_vs_duckdb_scan", ingest_s, "s", "duckdb count(*) scan of both dumps",
                 scan_s, "ratio <= 1.5", ingest_s / scan_s <= 1.5, **common)
    write_result("pwc_ingest_vs_pandas", ingest_s, "s",
                 f"pandas json.load + DataFrame + keyed upsert (measured at {frac:g} of the size, "
                 f"extrapolated linearly)", pandas_s, "baseline/value >= 10", pandas_s / ingest_s >= 10,
                 pandas_fraction=frac, pandas_measured_seconds=round(pandas_s * frac, 2), **common)
    return 0


if __name__ == "__main__":
    sys.exit(main())
