"""mltrends' own recordings and stand-ins have the shapes of the real services.

For every endpoint mltrends calls, the bodies it replays (data/demo/http, tests/fixtures)
and the bodies its stand-ins serve (the fake GitHub, the catalogue and daily-papers test
servers, the dump generators) are checked against the contract committed in
tests/contracts/ (key paths and value types of real responses; origin in each file): a
path the real service does not have, or a value of another type, fails. Where the
reference samples are at hand (../shared/reference), each contract is re-derived from them
and must equal the committed one.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from mltrends.localserver import LocalServer, ReplayHandler, load_recordings
from shapes import (
    ROOT,
    SPECS,
    SYNTHETIC_MARKER,
    contract,
    derive,
    differences,
    load_contract,
    shape,
)

DEMO_HTTP = ROOT / "data" / "demo" / "http"
FIXTURES = ROOT / "tests" / "fixtures"


def check(name: str, bodies: list[tuple[str, Any]], required: tuple[str, ...] = ()) -> None:
    """Every body against the contract; `required` paths (those mltrends reads) must appear in some."""
    assert bodies, f"no bodies to check for {name}"
    c = contract(name)
    c["paths"].setdefault(SYNTHETIC_MARKER, ["string"])
    problems = [f"{label}: {p}" for label, body in bodies for p in differences(c, body)]
    assert problems == [], f"{name} ({c['endpoint']}) differs from the real shape:\n" + "\n".join(problems[:30])
    seen = {p for _, body in bodies for p in shape(body)}
    assert [p for p in required if p not in seen] == []


def recorded(folder: Path, path_pattern: str, skip: tuple[str, ...] = ()) -> list[tuple[str, Any]]:
    """The JSON bodies of the 200 answers recorded in folder for request paths matching the regex."""
    out = []
    files = [f for f in sorted(folder.rglob("*.jsonl")) if f.name not in skip]
    for rec in load_recordings(files):
        if re.search(path_pattern, rec["request"]["path"]) and rec["response"].get("status", 200) == 200 \
                and "json" in rec["response"]:
            out.append((f"{folder.name}:{rec['request']['path']}", rec["response"]["json"]))
    return out


# ---------------------------------------------------------------- the contracts themselves

@pytest.mark.parametrize("name", list(SPECS))
def test_committed_contract_is_the_one_the_real_samples_give(name):
    assert load_contract(f"{name}.json") == derive(name)


def test_the_check_catches_an_invented_field_and_a_wrong_type():
    body = [{"paper": {"id": 2602.23229, "title": "x (synthetic)", "inventedField": True}}]
    assert differences(contract("hf_daily_papers"), body) == [
        "$[].paper.id: ['number'] here, the real response has ['string']",
        "$[].paper.inventedField: not in the real response (here ['boolean'])"]


# ---------------------------------------------------------------- Hugging Face Papers

def test_hf_daily_papers_recordings_and_stand_ins():
    from test_hf_papers import _busy_day

    bodies = recorded(DEMO_HTTP / "hf", "/daily_papers") + [
        (label, body) for label, body in recorded(FIXTURES / "hf", "/daily_papers")
        # the fixture's deliberately broken item (an id that is not a string) is the point of its test
        if not any(not isinstance((i.get("paper") or {}).get("id"), str) for i in body)]
    from mltrends.localserver import Request
    busy = _busy_day(3)(Request("GET", "/api/daily_papers", {"date": "2026-03-05", "limit": "100", "p": "0"},
                                {}, b""))
    bodies.append(("test_hf_papers busy-day stand-in", json.loads(busy.body)))
    check("hf_daily_papers", bodies, required=("$[].paper.id", "$[].paper.title", "$[].paper.publishedAt"))


def test_hf_paper_page_recordings():
    check("hf_paper", recorded(FIXTURES / "hf", "/papers/"), required=("$.id", "$.githubStars"))


# ---------------------------------------------------------------- Papers with Code

def _served(handler, path: str, params: dict[str, str]) -> Any:
    import requests

    with LocalServer(handler) as server:
        return requests.get(server.url + path, params=params, timeout=10).json()


def test_pwc_catalogue_recordings_and_stand_in():
    from test_pwc_api import catalogue, make_papers

    params = {"start_date": "2025-07-01", "end_date": "2025-07-31", "page": "1", "page_size": "100",
              "include_resources": "true", "order_by": "published"}
    replay = ReplayHandler(load_recordings([DEMO_HTTP / "pwc-api"]))
    bodies = [("demo catalogue replay", _served(replay, "/pwc-api/api/v1/papers/", params))]
    handler, _ = catalogue(make_papers(5, __import__("datetime").date(2025, 7, 1)))
    bodies.append(("test_pwc_api catalogue stand-in", _served(handler, "/api/v1/papers/", params)))
    check("pwc_catalogue_papers", bodies,
          required=("$.count", "$.results[].arxiv_id", "$.results[].published", "$.applied_filters.start_date",
                    "$.results[].repositories[].url"))


def test_pwc_v1_stand_in():
    from test_pwc_api import v1_server

    with v1_server() as server:
        import requests

        body = requests.get(server.url + "/api/v1/papers/", params={"page": "1"}, timeout=10).json()
    check("pwc_v1_papers", [("test_pwc_api v1 stand-in", body)], required=("$.results[].id", "$.next"))


def _dump_records(path: Path) -> list[dict]:
    data = path.read_bytes()
    return json.loads(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)


def test_pwc_dump_records_of_demo_fixtures_and_benchmark_generator(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from gen_pwc_dumps import generate
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    links, papers = generate(tmp_path, scale=0.0002, abstract_chars=60)

    def well_formed(records):   # the broken records are there on purpose (rejects)
        return [r for r in records if r.get("paper_url") and (r.get("repo_url", "x"))]

    check("pwc_dump_papers", [
        ("demo papers.json.gz", well_formed(_dump_records(ROOT / "data" / "demo" / "pwc" / "papers.json.gz"))),
        ("fixture papers.json", well_formed(_dump_records(FIXTURES / "pwc" / "papers.json"))),
        ("benchmark generator papers", well_formed(_dump_records(papers)))],
        required=("$[].paper_url", "$[].arxiv_id", "$[].date", "$[].proceeding", "$[].methods[].name"))
    check("pwc_dump_links", [
        ("demo links.json.gz", well_formed(_dump_records(ROOT / "data" / "demo" / "pwc" / "links.json.gz"))),
        ("fixture links.json", well_formed(_dump_records(FIXTURES / "pwc" / "links.json"))),
        ("benchmark generator links", well_formed(_dump_records(links)))],
        required=("$[].paper_url", "$[].repo_url", "$[].framework", "$[].is_official"))


# ---------------------------------------------------------------- GitHub

def _fake_github():
    from mltrends.demo.github import FakeGitHub
    from mltrends.demo.github_data import demo_dataset

    return FakeGitHub(demo_dataset(ROOT / "data" / "demo"), token="t" * 12)


def test_github_graphql_error_entries_of_the_fake():
    import requests

    fake = _fake_github()
    query = 'query { r0: repository(owner: "no-such-owner", name: "nothing") { nameWithOwner } }'
    with LocalServer(fake) as server:
        body = requests.post(server.url + "/graphql", json={"query": query},
                             headers={"Authorization": "bearer " + "t" * 12}, timeout=10).json()
    check("github_graphql_errors", [("fake GitHub NOT_FOUND", body["errors"])],
          required=("$[].type", "$[].path", "$[].message", "$[].locations[].line"))


def test_github_rest_answers_of_the_fake_and_the_recordings():
    import requests

    fake = _fake_github()
    repo = next(iter(fake.repos))
    org = next(o["login"] for o in fake.owners.values() if o.get("type") == "Organization")
    user = next(o["login"] for o in fake.owners.values() if o.get("type") != "Organization")
    with LocalServer(fake) as server:
        def get(path, **headers):
            return requests.get(server.url + path, headers=headers, timeout=10).json()

        repo_body = get(f"/repos/{repo}")
        owners = [get(f"/users/{user}"), get(f"/orgs/{org}")]
        stars = get(f"/repos/{repo}/stargazers", Accept="application/vnd.github.star+json")
        rate = get("/rate_limit")
    check("github_rest_repo", [("fake GitHub repo", repo_body), *recorded(FIXTURES / "github", r"^/repos/[^/]+/[^/]+$")],
          required=("$.full_name", "$.stargazers_count", "$.created_at", "$.owner.login"))
    check("github_rest_owner", [("fake GitHub owner", o) for o in owners], required=("$.login", "$.type"))
    check("github_rest_stargazers", [("fake GitHub stargazers", stars)], required=("$[].starred_at",))
    check("github_rest_rate_limit", [("fake GitHub rate_limit", rate)],
          required=("$.resources.core.remaining", "$.resources.core.reset"))


# ---------------------------------------------------------------- PyPI signals

def test_pypistats_recordings():
    # errors.jsonl holds the deliberately malformed answers of the bad-input tests
    bodies = recorded(DEMO_HTTP / "pypistats", "/packages/") + \
        recorded(FIXTURES / "pypi", "/pypistats/", skip=("errors.jsonl",))
    check("pypistats_breakdown", bodies, required=("$.data[].category", "$.data[].date", "$.data[].downloads"))


def test_depsdev_package_recordings():
    check("depsdev_package", recorded(DEMO_HTTP / "depsdev", "/v3/systems/") + \
        recorded(FIXTURES / "pypi", "/depsdev/v3/systems/", skip=("errors.jsonl",)),
          required=("$.versions[].versionKey.version", "$.versions[].publishedAt"))
