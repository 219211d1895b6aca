"""The demo's fake GitHub: dataset consistency and a prefixed GraphQL + REST run over it."""

from __future__ import annotations

import json

from mltrends.sources import github
from mltrends_demo import DEMO_DIR
from mltrends_demo.github import DEMO_GRAPHQL_PATH, DEMO_REST_PREFIX, demo_handler
from mltrends_demo.github_data import build_demo_dataset, demo_dataset
from mltrends_demo.localserver import LocalServer

DEMO = DEMO_DIR
PKG = {"pytorch": "torch", "tensorflow": "tensorflow", "jax": "jax", "keras": "keras", "mxnet": "mxnet",
       "paddle": "paddlepaddle", "mindspore": "mindspore"}


def test_bundled_dataset_is_current_small_and_labelled():
    data = demo_dataset(DEMO)
    assert json.loads(json.dumps(build_demo_dataset(DEMO))) == data  # files match the generator
    assert sum(f.stat().st_size for f in (DEMO / "github").glob("*.json")) < 1_500_000
    assert data["synthetic"] is True
    assert all("(synthetic" in r["description"] for r in data["repos"].values())
    assert all("synthetic" in (o["description"] or "") for o in data["owners"].values())
    for repo in data["repos"].values():  # manifests agree with the framework column
        text = "\n".join(repo["manifests"].values())
        if repo["framework"] in PKG and text:
            assert PKG[repo["framework"]] in text, repo["full_name"]
    openai = [r for n, r in data["repos"].items() if n.startswith("openai/") and r["framework"] != "none"]
    assert {r["framework"] for r in openai if r["created_at"] < "2019"} == {"tensorflow"}
    assert "pytorch" in {r["framework"] for r in openai if r["created_at"] >= "2019"}


def test_demo_server_prefixed_graphql_and_rest(con, settings):
    handler = demo_handler(DEMO)
    universe = [line.split(",")[0] for line in (DEMO / "universe" / "repos.csv").read_text().splitlines()[1:]]
    with LocalServer(handler) as srv:
        s = settings.with_overrides(github_api_url=srv.url + DEMO_REST_PREFIX,
                                    github_graphql_url=srv.url + DEMO_GRAPHQL_PATH, github_token="demo")
        result = github.ingest(con, s, repos=universe, orgs="openai")
        rest = settings.with_overrides(github_api_url=srv.url + DEMO_REST_PREFIX)
        rest_result = github.ingest(con, rest, repos=universe[:5], stale_days=0)
    assert handler.handles(DEMO_GRAPHQL_PATH) and not handler.handles("/hf/api/x")
    statuses = dict(con.execute("select status, count(*) from github_repos group by all").fetchall())
    assert statuses == {"ok": len(universe) - 3 + 40, "not_found": 2, "moved": 1}
    assert result.requests == 3 and rest_result.stopped is None and rest_result.requests > 5
    years = con.execute("select min(created_year), max(created_year), count(*) from github_org_repos").fetchall()
    assert years == [(2016, 2025, 40)]
