"""Response contracts: the key paths and value types of a JSON body, not its values.

A contract maps each path to the set of JSON types seen there, e.g.
`{"$": ["object"], "$.results": ["array"], "$.results[]": ["object"],
"$.results[].title": ["string"]}`. Contracts derived from real response samples (outside
the project, in ../shared/reference/samples) are committed under tests/contracts/ with
their origin; tests check mltrends' own recordings and stand-ins against them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = Path(__file__).resolve().parent / "contracts"
# The reference material sits beside a checkout of the project (../shared/reference); a
# user's clone does not have it, so tests that compare with it skip.
REFERENCE = Path(os.environ.get("MLTRENDS_REFERENCE_DIR", ROOT.parent / "shared" / "reference"))


def reference_file(relative: str) -> Path:
    """A file of the reference material, or skip the test saying why."""
    path = REFERENCE / relative
    if not path.is_file():
        pytest.skip(f"reference material absent ({REFERENCE / relative} not found: "
                    "../shared/reference is not part of a clone)")
    return path


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def shape(value: Any, path: str = "$", out: dict[str, set[str]] | None = None) -> dict[str, set[str]]:
    """Every key path of value with the JSON types seen there (array items under `[]`)."""
    out = {} if out is None else out
    out.setdefault(path, set()).add(json_type(value))
    if isinstance(value, dict):
        for key, item in value.items():
            shape(item, f"{path}.{key}", out)
    elif isinstance(value, list):
        for item in value:
            shape(item, f"{path}[]", out)
    return out


def load_contract(name: str) -> dict[str, Any]:
    return json.loads((CONTRACTS / name).read_text(encoding="utf-8"))


def differences(contract: dict[str, Any], body: Any) -> list[str]:
    """How body differs from a contract: paths the real response does not have, and types it
    does not have there. A sample shows one value per field, so null is taken as "absent"
    (any field may be null) and a field the samples only show as null takes any type."""
    paths: dict[str, list[str]] = contract["paths"]
    seen = shape(body)
    problems = []
    for path, types in sorted(seen.items()):
        allowed = paths.get(path)
        if allowed is None:
            problems.append(f"{path}: not in the real response (here {sorted(types)})")
        elif (wrong := types - {"null"} - set(allowed)) and set(allowed) != {"null"}:
            problems.append(f"{path}: {sorted(wrong)} here, the real response has {sorted(allowed)}")
    return problems


# ---------------------------------------------------------------- the contracts and their samples

# Each contract: the endpoint, and the parts of real samples (file, key inside the file or
# None, the path the part sits at in the response) whose shapes make it up. `documented`
# adds paths the samples do not show but the service's documentation names (reason given).
SPECS: dict[str, dict[str, Any]] = {
    "hf_daily_papers": {
        "endpoint": "GET {hf}/api/daily_papers?date=&limit=&p=",
        "parts": [("hf_daily_papers_item.json", None, "$")],
        "origin": "hf_daily_papers_item.json: one real list item (submitted 2026-03-06) quoted in a public doc",
        "documented": {"$[].paper.githubStars": ["number"],
                       "$[].paper.githubRepo": ["string"]},
        "why": "API_NOTES: daily items carry githubRepo and githubStars when the paper names code",
    },
    "hf_paper": {
        "endpoint": "GET {hf}/api/papers/{arxiv_id}",
        "parts": [("hf_paper_object_2509.04664.json", None, "$")],
        "origin": "hf_paper_object_2509.04664.json: the paper object of a daily item (submitted 2025-09-08)",
        "documented": {"$.githubStars": ["number"], "$.githubRepo": ["string"],
                       "$.organization": ["object"], "$.organization.name": ["string"]},
        "why": "API_NOTES: paper pages carry the daily item's paper fields (githubRepo, githubStars, "
               "organization)",
    },
    "pwc_catalogue_papers": {
        "endpoint": "GET {pwc_api}/papers/?start_date=&end_date=&page=&page_size=&include_resources=&order_by=",
        "parts": [("pwc2026_papers_list_applied_filters.json", None, "$"),
                  ("pwc2026_papers_search.json", None, "$"),
                  ("pwc2026_paper_info_with_resources.json", None, "$.results[]"),
                  ("pwc2026_paper_info_organizations.json", None, "$.results[]")],
        "origin": "huggingface/pwc-cli test stubs (papers list with applied_filters, search, paper info "
                  "with resources and organizations); list items carry the paper fields",
        "documented": {"$.applied_filters.start_date": ["string"], "$.applied_filters.end_date": ["string"],
                       "$.results[].conference": ["string"], "$.results[].hf_spaces": ["array"],
                       "$.results[].repositories[].url": ["string"],
                       "$.results[].repositories[].is_official": ["boolean"]},
        "why": "API_NOTES: filters start_date/end_date (echoed like the others), conference, hf_spaces; "
               "repositories[{url,is_official}]",
    },
    "pwc_dump_links": {
        "endpoint": "links-between-papers-and-code records (json.gz array / Parquet rows)",
        "parts": [("pwc_dump_links_records_a.json", None, "$"), ("pwc_dump_links_records_b.json", None, "$")],
        "origin": "records quoted from the 2025-07-28 archived dump (rs-graph, grimrepor) and a public sample",
    },
    "pwc_dump_papers": {
        "endpoint": "papers-with-abstracts records (json.gz array / Parquet rows)",
        "parts": [("pwc_dump_papers_with_abstracts_a.json", None, "$"),
                  ("pwc_dump_papers_with_abstracts_b.json", None, "$")],
        "origin": "records of the older and the later dump format (de-zoomcamp-project, a public sample)",
    },
    "pwc_v1_papers": {
        "endpoint": "GET {pwc_v1}/papers/",
        "parts": [("pwc_v1_paper_list.json", None, "$")],
        "origin": "codingpot/paperswithcode-go dummy/paper_list_response.json (2021)",
    },
    "github_graphql_errors": {
        "endpoint": "POST {github_graphql}: the errors list of an HTTP 200 answer",
        "parts": [("github_graphql_error_not_found.json", "body.errors", "$")],
        "origin": "PyGithub GraphQl.testNode recording (2024-09-17)",
    },
    "github_rest_repo": {
        "endpoint": "GET {github_api}/repos/{owner}/{repo}",
        "parts": [("github_rest_repo_get.json", None, "$"), ("github_rest_repo_get_pygithub_2024.json", None, "$")],
        "origin": "octokit/fixtures get-repository (2022-07-19), PyGithub recording (2024-09-17)",
    },
    "github_rest_owner": {
        "endpoint": "GET {github_api}/users/{login} and /orgs/{login}",
        "parts": [("github_rest_user_get.json", None, "$"), ("github_rest_org_get.json", None, "$")],
        "origin": "PyGithub NamedUser recording (2025-01-03), octokit/fixtures get-organization (2022-07-19)",
    },
    "github_rest_stargazers": {
        "endpoint": "GET {github_api}/repos/{owner}/{repo}/stargazers (star+json)",
        "parts": [("github_rest_stargazers_star_json.json", None, "$")],
        "origin": "PyGithub Repository.testGetStargazersWithDates recording (2015-10-14)",
    },
    "github_rest_rate_limit": {
        "endpoint": "GET {github_api}/rate_limit",
        "parts": [("github_rest_rate_limit_get.json", None, "$")],
        "origin": "PyGithub RateLimiting.testGetRateLimit recording",
    },
    "pypistats_breakdown": {
        "endpoint": "GET {pypistats}/packages/{pkg}/overall|system|python_minor",
        "parts": [("pypistats_overall.json", None, "$"), ("pypistats_unknown_package_python_major.json", None, "$")],
        "origin": "hugovk/pypistats tests (overall; python_major of an unknown package)",
    },
    "depsdev_package": {
        "endpoint": "GET {depsdev}/v3/systems/pypi/packages/{pkg}",
        "parts": [("depsdev_v3_get_package_npm_colors.json", None, "$")],
        "origin": "ossf/scorecard depsdev_test.go GetPackage body",
    },
}
# mltrends' own marker in demo recordings (the body says what the header X-Synthetic says)
SYNTHETIC_MARKER = "$.note"


def _pick(data: Any, key: str | None) -> Any:
    for part in (key.split(".") if key else []):
        data = data[part]
    return data


def derive(name: str) -> dict[str, Any]:
    """The contract of one endpoint, derived from the reference samples (skips when absent)."""
    spec = SPECS[name]
    paths: dict[str, set[str]] = {}
    for sample, key, root in spec["parts"]:
        body = _pick(json.loads(reference_file(f"samples/{sample}").read_text(encoding="utf-8")), key)
        for path, types in shape(body, root).items():
            paths.setdefault(path, set()).update(types)
    if paths.get("$.results[]") and "$.results" in paths:
        paths["$.results"].add("array")
    return {"endpoint": spec["endpoint"], "origin": spec["origin"],
            "samples": [p[0] for p in spec["parts"]],
            "paths": {p: sorted(t) for p, t in sorted(paths.items())},
            "documented": spec.get("documented", {}), "documented_why": spec.get("why", "")}


def contract(name: str) -> dict[str, Any]:
    """The committed contract, with its documented paths folded in."""
    data = load_contract(f"{name}.json")
    paths = {p: list(t) for p, t in data["paths"].items()}
    for p, t in data.get("documented", {}).items():
        paths[p] = sorted(set(paths.get(p, [])) | set(t))
    return {**data, "paths": paths}


def contract_text(data: dict[str, Any]) -> str:
    """A contract as committed: one line per path."""
    head = ",\n".join(f" {json.dumps(k)}: {json.dumps(v)}" for k, v in data.items()
                      if k not in ("paths", "documented"))
    def block(d: dict[str, Any]) -> str:
        return "{\n" + ",\n".join(f"  {json.dumps(p)}: {json.dumps(t)}" for p, t in d.items()) + "\n }"
    return (f"{{\n{head},\n \"paths\": {block(data['paths'])},\n"
            f" \"documented\": {block(data['documented']) if data['documented'] else '{}'}\n}}\n")


if __name__ == "__main__":  # python tests/shapes.py: rewrite tests/contracts/*.json from the samples
    for contract_name in SPECS:
        (CONTRACTS / f"{contract_name}.json").write_text(contract_text(derive(contract_name)),
                                                        encoding="utf-8")
        print("wrote", CONTRACTS / f"{contract_name}.json")
