"""GitHub requests per 1,000 repos: batched GraphQL vs one REST call per repo (github-to-sqlite style).

A fake GitHub (mltrends_demo.github.FakeGitHub) on 127.0.0.1 with realistic latency serves
a synthetic dataset of --repos repositories. Measured in the same run, on the same server:

1. mltrends' GraphQL full refresh of every repo (repos, owners, manifests, snapshots);
2. the baseline: `GET /repos/{o}/{r}` per repo plus `GET /users/{login}` per owner, as
   github-to-sqlite does it (on a --rest-sample of the repos; the cost is linear per repo);
3. mltrends' REST fallback on the same sample, twice: the second (unchanged) refresh must
   cost 0 primary-limit requests (every answer is a 304).

Usage: python benchmarks/bench_github_requests.py [--repos 10000] [--latency-ms 30]
       [--alias-latency-ms 5] [--rest-sample 300]
"""

from __future__ import annotations

import argparse
import time

import requests

from common import write_result
from mltrends import db
from mltrends.config import load_settings
from mltrends.sources import github
from mltrends_demo.github import FakeGitHub
from mltrends_demo.github_data import scale_dataset
from mltrends_demo.localserver import LocalServer

TOKEN = "bench-token-not-a-secret"


def rest_baseline(base: str, repos: list[str]) -> int:
    """One GET per repo plus one per owner, sequential, like github-to-sqlite."""
    session = requests.Session()
    sent = 0
    owners: set[str] = set()
    for repo in repos:
        item = session.get(f"{base}/repos/{repo}", timeout=30).json()
        sent += 1
        login = item["owner"]["login"]
        if login not in owners:
            owners.add(login)
            session.get(f"{base}/users/{login}", timeout=30).raise_for_status()
            sent += 1
    return sent


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repos", type=int, default=10_000)
    ap.add_argument("--latency-ms", type=float, default=30.0)
    ap.add_argument("--alias-latency-ms", type=float, default=5.0,
                    help="extra GraphQL server time per repo of a batch (a 100-repo query takes longer)")
    ap.add_argument("--rest-sample", type=int, default=300)
    args = ap.parse_args(argv)

    data = scale_dataset(args.repos)
    names = list(data["repos"])
    sample = names[: min(args.rest_sample, len(names))]
    fake = FakeGitHub(data, latency=args.latency_ms / 1000, alias_latency=args.alias_latency_ms / 1000,
                      token=TOKEN, core_limit=10**9, graphql_limit=10**9)
    with LocalServer(fake, max_requests=10**7, lifetime=3600) as srv:
        base = {"github_api_url": srv.url, "github_graphql_url": srv.url + "/graphql",
                "http_max_sleep": 5.0}
        gql_settings = load_settings(env={"GITHUB_TOKEN": TOKEN}, **base)
        rest_settings = load_settings(env={}, **base)

        con = db.connect(":memory:")
        start = time.perf_counter()
        gql = github.ingest(con, gql_settings, repos=names, stale_days=0)
        gql_wall = time.perf_counter() - start
        loaded = con.execute("select count(*) from github_repos").fetchall()[0][0]
        assert loaded == len(names), f"GraphQL loaded {loaded} of {len(names)} repos"
        con.close()

        start = time.perf_counter()
        base_sent = rest_baseline(srv.url, sample)
        base_wall = time.perf_counter() - start

        con = db.connect(":memory:")
        start = time.perf_counter()
        rest_first = github.ingest(con, rest_settings, repos=sample, stale_days=0)
        rest_first_wall = time.perf_counter() - start
        points_before = fake.counts["core_points"]
        start = time.perf_counter()
        rest_again = github.ingest(con, rest_settings, repos=sample, stale_days=0)
        rest_again_wall = time.perf_counter() - start
        unchanged_cost = fake.counts["core_points"] - points_before
        con.close()

    per_1000 = gql.requests / len(names) * 1000
    base_per_1000 = base_sent / len(sample) * 1000
    met = per_1000 <= 12 and unchanged_cost == 0 and rest_again.not_modified == len(sample)
    return write_result(
        "github_requests_per_1000_repos", per_1000, "requests per 1000 repos (full refresh)",
        "github-to-sqlite style: GET /repos/{o}/{r} per repo + GET /users/{login} per owner",
        base_per_1000, "<= 12 requests per 1000 repos via GraphQL; 0 primary-limit cost for unchanged repos (REST ETags)",
        met,
        repos=len(names), latency_ms=args.latency_ms, alias_latency_ms=args.alias_latency_ms,
        graphql_requests=gql.requests, graphql_wall_s=round(gql_wall, 2),
        graphql_wall_s_per_1000=round(gql_wall / len(names) * 1000, 2),
        baseline_sample_repos=len(sample), baseline_requests=base_sent, baseline_wall_s=round(base_wall, 2),
        baseline_wall_s_per_1000=round(base_wall / len(sample) * 1000, 2),
        baseline_note="the baseline fetches no manifests; mltrends' GraphQL batch includes 7 manifest paths",
        rest_fallback_requests_per_1000=round(rest_first.requests / len(sample) * 1000, 1),
        rest_fallback_wall_s=round(rest_first_wall, 2),
        rest_unchanged_requests=rest_again.requests, rest_unchanged_304=rest_again.not_modified,
        rest_unchanged_primary_limit_cost=unchanged_cost, rest_unchanged_wall_s=round(rest_again_wall, 2),
    )


if __name__ == "__main__":
    main()
