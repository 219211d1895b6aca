"""Hub requests per 10,000 models: the watermarked sweep vs listing the whole Hub again.

A stand-in Hub (mltrends_demo.hub.HubStandIn) on 127.0.0.1 serves --models synthetic
models created over the last --days days, pages of 1,000 (the Hub's largest `limit`).
Measured in the same run, on the same server:

1. the first sweep of `mltrends.sources.hub_models.ingest` into a fresh DuckDB file;
2. a day later (--new models created since, fewer than a page): the incremental sweep;
3. the baseline: `HfApi.list_models(full=True)` iterated to the end, the usual way to
   list the Hub, which pays the whole listing again on every refresh.

Goal: first sweep within 1.1x of the page floor (models / page size); incremental sweep
under 5 requests.

Usage: python benchmarks/bench_hub_requests.py [--models 200000] [--new 600] [--days 120]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from huggingface_hub import HfApi

from common import write_result
from mltrends import db
from mltrends.config import Settings
from mltrends.sources import hub_models
from mltrends_demo.hub import MAX_LIMIT, HubStandIn
from mltrends_demo.localserver import LocalServer

LIBRARIES = [("transformers", ["pytorch", "safetensors"]), ("transformers", ["tf"]), ("keras", ["keras"]),
             ("diffusers", ["safetensors"]), ("gguf", ["gguf"]), (None, [])]


def synthetic_models(n: int, start: datetime, end: datetime, prefix: str) -> list[dict]:
    """n synthetic models spread evenly between start and end (the API's field names)."""
    step = (end - start) / max(1, n)
    out = []
    for i in range(n):
        t = (start + step * i).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        library, tags = LIBRARIES[i % len(LIBRARIES)]
        out.append({"id": f"{prefix}-owner{i % 997}/synthetic-{prefix}-{i}", "author": f"{prefix}-owner{i % 997}",
                    "createdAt": t, "lastModified": t, "library_name": library, "pipeline_tag": "fill-mask",
                    "tags": [*tags, "en"], "downloads": i % 1000, "likes": i % 7})
    return out


def main() -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=200_000)
    parser.add_argument("--new", type=int, default=600)
    parser.add_argument("--days", type=int, default=120)
    args = parser.parse_args()
    assert args.new < MAX_LIMIT, "the incremental case is fewer than a page of new models"
    today = date.today()
    end = datetime.combine(today, datetime.min.time()) - timedelta(days=1)
    start = end - timedelta(days=args.days)
    stand_in = HubStandIn(synthetic_models(args.models, start, end, "old"))
    floor = math.ceil(args.models / MAX_LIMIT)
    with LocalServer(stand_in, max_requests=10_000_000, lifetime=7200) as srv, \
            tempfile.TemporaryDirectory() as tmp:
        settings = Settings(hub_url=srv.url, hub={"page_size": MAX_LIMIT})
        con = db.connect(Path(tmp) / "bench.duckdb")
        t0 = time.perf_counter()
        first = hub_models.ingest(con, settings, since=start.date(), today=today)
        first_s = time.perf_counter() - t0
        loaded = con.execute("select count(*) from hub_models").fetchall()[0][0]
        assert loaded == args.models, f"first sweep loaded {loaded} of {args.models} models"

        stand_in.add(synthetic_models(args.new, end + timedelta(hours=1), end + timedelta(hours=23), "new"))
        before = len(stand_in.requests)
        t0 = time.perf_counter()
        later = hub_models.ingest(con, settings, today=today + timedelta(days=1))
        later_s = time.perf_counter() - t0
        later_requests = len(stand_in.requests) - before
        assert later.requests == later_requests, "the client's count and the server's disagree"
        total = con.execute("select count(*) from hub_models").fetchall()[0][0]
        assert total == args.models + args.new, f"after the incremental sweep: {total} models"
        con.close()

        before = len(stand_in.requests)
        t0 = time.perf_counter()
        listed = sum(1 for _ in HfApi(endpoint=srv.url).list_models(full=True))
        baseline_s = time.perf_counter() - t0
        baseline_requests = len(stand_in.requests) - before
    per_10k = 10_000 / args.models
    first_requests = first.requests
    met = first_requests <= 1.1 * floor and later_requests < 5
    return write_result(
        "hub_requests_per_10000_models", first_requests * per_10k, "requests per 10,000 models (first sweep)",
        "HfApi.list_models(full=True) listing the whole stand-in Hub, same server, same run",
        baseline_requests * 10_000 / listed,
        "first sweep <= 1.1x the page floor (models / 1,000); incremental sweep < 5 requests "
        "with fewer than a page of new models", met,
        models=args.models, page_size=MAX_LIMIT, page_floor=floor, first_sweep_requests=first_requests,
        first_sweep_seconds=round(first_s, 2), first_sweep_vs_floor=round(first_requests / floor, 3),
        incremental_new_models=args.new, incremental_requests=later_requests,
        incremental_seconds=round(later_s, 2), baseline_listed_models=listed,
        baseline_requests=baseline_requests, baseline_seconds=round(baseline_s, 2),
        baseline_requests_per_refresh_after_first=baseline_requests,
    )


if __name__ == "__main__":
    main()
