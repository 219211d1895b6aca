"""A fake GitHub (GraphQL + REST) over a dataset, for the demo, the tests and the benchmark.

`FakeGitHub(dataset)` is a handler for `mltrends.localserver.LocalServer`. It answers
- GraphQL (`POST {graphql_path}`): any document valid under GitHub's published schema
  (`mltrends.demo.graphql_standin`; an invalid one gets GitHub's HTTP 200 with `errors`),
  executed over the dataset, with `rateLimit{cost remaining resetAt}` and NOT_FOUND errors;
- REST under `rest_prefix`: `/repos/{o}/{r}` (301 for renamed repos), `/repositories/{id}`,
  `/repos/{o}/{r}/contents/[path]`, `/users/{login}`, `/orgs/{login}`,
  `/orgs/{org}/repos` (Link paging), `/repos/{o}/{r}/stargazers` (400-page cap, star+json),
  `/rate_limit`; ETags with 304 answers that cost nothing; `x-ratelimit-*` headers with a
  budget per resource; injected faults (status, headers, body; used up after `times`).

Datasets (see `mltrends.demo.github_data`): {"owners": {login: {...}}, "repos": {name: {...}},
"moved": {old: new}, "as_of": "YYYY-MM-DD"}. Everything in the demo dataset is synthetic.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mltrends.demo import graphql_standin
from mltrends.demo.github_data import demo_dataset
from mltrends.demo.graphql_standin import GitHubError
from mltrends.localserver import Request, Response

DEMO_REST_PREFIX = "/github-api"
DEMO_GRAPHQL_PATH = "/github-graphql/graphql"
STARGAZER_PAGE_CAP = 400

__all__ = ["DEMO_GRAPHQL_PATH", "DEMO_REST_PREFIX", "FakeGitHub", "demo_dataset", "demo_handler"]


class FakeGitHub:
    """GitHub's GraphQL and REST APIs over a dataset; counts what it was asked."""

    def __init__(self, dataset: dict[str, Any], latency: float = 0.0, token: str | None = None,
                 rest_prefix: str = "", graphql_path: str = "/graphql", core_limit: int = 5000,
                 graphql_limit: int = 5000, reset_in: float = 3600.0,
                 faults: list[dict[str, Any]] | None = None, max_batch: int | None = None,
                 alias_latency: float = 0.0) -> None:
        self.owners = dataset.get("owners", {})
        self.repos = dataset.get("repos", {})
        self.moved = dataset.get("moved", {})
        self.as_of = datetime.fromisoformat(dataset.get("as_of", "2026-11-01"))
        self.latency = latency
        self.alias_latency = alias_latency  # extra seconds per repo of a GraphQL batch
        self.token = token
        self.rest_prefix = rest_prefix.rstrip("/")
        self.graphql_path = graphql_path
        self.reset_in = reset_in
        self.limits = {"core": [core_limit, core_limit, 0.0], "graphql": [graphql_limit, graphql_limit, 0.0]}
        self.faults = [dict(f) for f in faults or []]
        self.max_batch = max_batch
        self.counts: Counter[str] = Counter()
        self.by_id = {str(r["id"]): name for name, r in self.repos.items()}
        self.org_repos: dict[str, list[str]] = {}
        for name, _ in sorted(self.repos.items(), key=lambda kv: (kv[1].get("created_at", ""), kv[0])):
            self.org_repos.setdefault(name.split("/")[0], []).append(name)
        self._lock = threading.Lock()

    def handles(self, path: str) -> bool:
        """Whether a request path belongs to this fake (for a server with several sources)."""
        if path == self.graphql_path:
            return True
        return bool(self.rest_prefix) and (path == self.rest_prefix or path.startswith(self.rest_prefix + "/"))

    # -- plumbing ----------------------------------------------------------------------------
    def _limit_headers(self, resource: str) -> dict[str, str]:
        limit, remaining, reset = self.limits[resource]
        return {"x-ratelimit-limit": str(limit), "x-ratelimit-remaining": str(remaining),
                "x-ratelimit-reset": str(int(math.ceil(reset))), "x-ratelimit-used": str(limit - remaining),
                "x-ratelimit-resource": resource}

    def _spend(self, resource: str, cost: int) -> bool:
        """Take cost from the budget; False when it is spent (the answer is a rate-limit error)."""
        with self._lock:
            entry = self.limits[resource]
            now = time.time()
            if now >= entry[2]:
                entry[1], entry[2] = entry[0], now + self.reset_in
            if entry[1] < cost:
                self.counts["rate_limited"] += 1
                return False
            entry[1] -= cost
            self.counts[f"{resource}_points"] += cost
            return True

    def _fault(self, req: Request, kind: str) -> Response | None:
        with self._lock:
            for fault in self.faults:
                match = fault.get("match", "")
                if match not in (kind, "any") and match not in req.path:
                    continue
                if fault.get("times", 1) <= 0:
                    continue
                fault["times"] = fault.get("times", 1) - 1
                self.counts["faults"] += 1
                body = fault.get("json", {"message": fault.get("message", "injected fault")})
                return Response.of_json(body, int(fault.get("status", 502)), dict(fault.get("headers") or {}))
        return None

    def _authorised(self, req: Request, required: bool) -> bool:
        header = req.headers.get("authorization", "")
        if not header:
            return not required
        return self.token is None or header.split(" ", 1)[-1] == self.token

    def __call__(self, req: Request) -> Response:
        response = self._dispatch(req)
        response.delay += self.latency
        return response

    def _dispatch(self, req: Request) -> Response:
        if req.path == self.graphql_path and req.method == "POST":
            self.counts["graphql"] += 1
            return self._fault(req, "graphql") or self._graphql(req)
        path = req.path
        if self.rest_prefix:
            if not self.handles(path):
                return Response.of_json({"message": "Not Found"}, 404)
            path = path[len(self.rest_prefix):] or "/"
        self.counts["rest"] += 1
        return self._fault(req, "rest") or self._rest(req, path)

    # -- GraphQL -----------------------------------------------------------------------------
    def _graphql(self, req: Request) -> Response:
        if not self._authorised(req, required=True):
            return Response.of_json({"message": "This endpoint requires you to be authenticated."}, 401)
        payload = req.json() or {}
        document, invalid = graphql_standin.check(str(payload.get("query", "")))
        if document is None:
            self.counts["graphql_invalid"] += 1
            return Response.of_json({"errors": invalid}, 200, self._limit_headers("graphql"))
        n_repos = graphql_standin.top_level_fields(document, "repository")
        if self.max_batch is not None and n_repos > self.max_batch:
            self.counts["graphql_resource_limited"] += 1
            return Response.of_json({"data": None, "errors": [
                {"type": "RESOURCE_LIMITS_EXCEEDED", "message": "Resource limits for this query exceeded."}]})
        cost = max(1, math.ceil(2 * n_repos / 100)) if n_repos else 1
        if not self._spend("graphql", cost):
            return Response.of_json({"errors": [{"type": "RATE_LIMITED",
                                                 "message": "API rate limit exceeded for user ID 1."}]},
                                    200, self._limit_headers("graphql"))
        _, remaining, reset = self.limits["graphql"]
        rate = {"cost": cost, "remaining": remaining, "limit": self.limits["graphql"][0],
                "resetAt": datetime.fromtimestamp(reset, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
        root = {"repository": self._repository, "organization": self._organization,
                "rateLimit": lambda _info, **_: rate}
        body = graphql_standin.run(document, root, payload.get("variables"))
        response = Response.of_json(body, 200, self._limit_headers("graphql"))
        response.delay = self.alias_latency * n_repos
        return response

    def _resolve(self, name: str) -> str | None:
        name = self.moved.get(name, name)
        return name if name in self.repos else None

    def _repository(self, _info: Any, owner: str, name: str, **_: Any) -> dict[str, Any]:
        found = self._resolve(f"{owner}/{name}".lower())
        if found is None:
            raise GitHubError("NOT_FOUND", f"Could not resolve to a Repository with the name '{owner}/{name}'.")
        return self._repo_node(found)

    def _owner_node(self, login: str) -> dict[str, Any]:
        owner = self.owners.get(login.lower(), {"login": login, "type": "User"})
        node = {"login": owner["login"], "name": owner.get("name"), "websiteUrl": owner.get("blog"),
                "location": owner.get("location")}
        if owner.get("type") == "Organization":
            return {**node, "__typename": "Organization", "description": owner.get("description"),
                    "email": owner.get("email"), "isVerified": owner.get("is_verified", False),
                    "repositories": lambda _info, **args: self._org_repositories(login.lower(), **args)}
        # User.email is non-null in GitHub's schema: a user without a public email has ""
        return {**node, "__typename": "User", "company": owner.get("company"),
                "email": owner.get("email") or "", "bio": owner.get("description")}

    def _repo_node(self, name: str) -> dict[str, Any]:
        r = self.repos[name]
        manifests = r.get("manifests", {})

        def blob(_info: Any, expression: str | None = None, **_: Any) -> dict[str, Any] | None:
            path = (expression or "").removeprefix("HEAD:")
            return {"__typename": "Blob", "oid": "0" * 40, "text": manifests[path]} if path in manifests else None

        return {
            "nameWithOwner": r["full_name"], "description": r.get("description"),
            "homepageUrl": r.get("homepage"), "stargazerCount": r["stars"], "forkCount": r["forks"],
            "createdAt": r["created_at"], "pushedAt": r.get("pushed_at"), "isFork": r.get("fork", False),
            "isArchived": r.get("archived", False),
            "primaryLanguage": {"name": r["language"]} if r.get("language") else None,
            "licenseInfo": {"spdxId": r["license"]} if r.get("license") else None,
            "repositoryTopics": lambda _info, first=None, **_: {
                "nodes": [{"topic": {"name": t}} for t in r.get("topics", [])[:first]],
                "totalCount": len(r.get("topics", []))},
            "releases": {"totalCount": r.get("releases", 0)},
            "owner": self._owner_node(r["full_name"].split("/")[0]), "object": blob,
        }

    def _organization(self, _info: Any, login: str) -> dict[str, Any]:
        owner = self.owners.get(login.lower())
        if owner is None or owner.get("type") != "Organization":
            raise GitHubError("NOT_FOUND", f"Could not resolve to an Organization with the login of '{login}'.")
        return self._owner_node(login)

    def _org_repositories(self, org: str, first: int | None = None, after: str | None = None,
                          **_: Any) -> dict[str, Any]:
        names = self.org_repos.get(org, [])
        start = int(after.split(":")[1]) if after else 0
        page = names[start:start + (first or 100)]
        end = start + len(page)
        return {"totalCount": len(names),
                "pageInfo": {"hasNextPage": end < len(names), "endCursor": f"cursor:{end}"},
                "nodes": [self._repo_node(n) for n in page]}

    # -- REST --------------------------------------------------------------------------------
    def _rest(self, req: Request, path: str) -> Response:
        if not self._authorised(req, required=False):
            return Response.of_json({"message": "Bad credentials"}, 401)
        if path == "/rate_limit":
            return Response.of_json({"resources": {k: {"limit": v[0], "remaining": v[1], "reset": int(v[2])}
                                                   for k, v in self.limits.items()}})
        parts = [p for p in path.split("/") if p]
        base = f"http://{req.headers.get('host', '127.0.0.1')}{self.rest_prefix}"
        found = self._route(req, parts, base)
        if isinstance(found, Response):
            return found
        if found is None:
            return self._answer(req, 404, {"message": "Not Found",
                                           "documentation_url": "https://docs.github.com/rest"})
        return found if isinstance(found, Response) else self._answer(req, 200, found)

    def _route(self, req: Request, parts: list[str], base: str) -> Any:
        if len(parts) >= 3 and parts[0] == "repos":
            requested = f"{parts[1]}/{parts[2]}".lower()
            name = self._resolve(requested)
            if name is None:
                return None
            if name != requested:
                location = f"{base}/repositories/{self.repos[name]['id']}" + "".join(f"/{p}" for p in parts[3:])
                return self._answer(req, 301, {"message": "Moved Permanently", "url": location},
                                    headers={"Location": location})
            return self._repo_route(req, name, parts[3:], base)
        if len(parts) >= 2 and parts[0] == "repositories":
            name = self.by_id.get(parts[1])
            return None if name is None else self._repo_route(req, name, parts[2:], base)
        if len(parts) == 2 and parts[0] in ("users", "orgs"):
            owner = self.owners.get(parts[1].lower())
            if owner is None or (parts[0] == "orgs" and owner.get("type") != "Organization"):
                return None
            return self._owner_json(owner)
        if len(parts) == 3 and parts[0] == "orgs" and parts[2] == "repos":
            owner = self.owners.get(parts[1].lower())
            if owner is None or owner.get("type") != "Organization":
                return None
            names = self.org_repos.get(parts[1].lower(), [])
            return self._paged(req, [self._repo_json(n) for n in names], f"{base}/orgs/{parts[1]}/repos")
        return None

    def _repo_route(self, req: Request, name: str, rest: list[str], base: str) -> Any:
        r = self.repos[name]
        if not rest:
            return self._repo_json(name)
        if rest[0] == "contents":
            manifests = r.get("manifests", {})
            if len(rest) == 1:
                if r.get("empty"):
                    return None
                files = [*manifests, "README.md", "LICENSE"]
                return [{"name": f, "path": f, "type": "file", "size": len(manifests.get(f, "x"))} for f in files]
            path = "/".join(rest[1:])
            text = manifests.get(path, f"(synthetic) {path}\n" if path in ("README.md", "LICENSE") else None)
            if text is None:
                return None
            if "raw" in req.headers.get("accept", ""):
                return self._answer(req, 200, text.encode(), content_type="text/plain; charset=utf-8")
            return {"name": path, "path": path, "type": "file", "encoding": "base64",
                    "content": base64.b64encode(text.encode()).decode()}
        if rest[0] == "stargazers":
            return self._stargazers(req, name)
        return None

    def _stargazers(self, req: Request, name: str) -> Any:
        per_page = min(100, int(req.query.get("per_page", 30)))
        page = int(req.query.get("page", 1))
        if page > STARGAZER_PAGE_CAP:
            return self._answer(req, 422, {"message": "In order to keep the API fast for everyone, "
                                                      "pagination is limited for this resource."})
        r = self.repos[name]
        stars = r["stars"]
        created = datetime.fromisoformat(r["created_at"].rstrip("Z"))
        span = (self.as_of - created).total_seconds()
        star_json = "star+json" in req.headers.get("accept", "")
        items = []
        for pos in range((page - 1) * per_page + 1, min(stars, page * per_page) + 1):
            when = created + timedelta(seconds=span * (pos / stars) ** 0.6)
            user = {"login": f"stargazer-{pos}", "type": "User"}
            items.append({"starred_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "user": user} if star_json else user)
        return items

    def _paged(self, req: Request, items: list[Any], url: str) -> Response:
        per_page = min(100, int(req.query.get("per_page", 30)))
        page = max(1, int(req.query.get("page", 1)))
        last = max(1, math.ceil(len(items) / per_page))
        links = []
        if page < last:
            links.append(f'<{url}?per_page={per_page}&page={page + 1}>; rel="next"')
            links.append(f'<{url}?per_page={per_page}&page={last}>; rel="last"')
        if page > 1:
            links.append(f'<{url}?per_page={per_page}&page=1>; rel="first"')
        headers = {"Link": ", ".join(links)} if links else {}
        return self._answer(req, 200, items[(page - 1) * per_page: page * per_page], headers=headers)

    def _answer(self, req: Request, status: int, payload: Any, headers: dict[str, str] | None = None,
                content_type: str = "application/json; charset=utf-8") -> Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        out = {"Content-Type": content_type, **(headers or {})}
        if status == 200:
            etag = '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
            out["ETag"] = etag
            if req.headers.get("if-none-match") == etag:
                self.counts["not_modified"] += 1
                return Response(304, {**out, **self._limit_headers("core")}, b"")
        if not self._spend("core", 1):
            return Response.of_json(
                {"message": "API rate limit exceeded for 127.0.0.1. (But here's the good news: "
                            "Authenticated requests get a higher rate limit.)",
                 "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"},
                403, self._limit_headers("core"))
        self.counts["rest_counted"] += 1
        return Response(status, {**out, **self._limit_headers("core")}, body)

    def _repo_json(self, name: str) -> dict[str, Any]:
        r = self.repos[name]
        owner = self.owners.get(name.split("/")[0], {})
        login = r["full_name"].split("/")[0]
        return {
            "id": r["id"], "name": r["full_name"].split("/")[1], "full_name": r["full_name"], "private": False,
            "owner": {"login": owner.get("login", login), "type": owner.get("type", "User"),
                      "site_admin": False},
            "description": r.get("description"), "fork": r.get("fork", False),
            "homepage": r.get("homepage"), "language": r.get("language"),
            "stargazers_count": r["stars"], "watchers_count": r["stars"], "forks_count": r["forks"],
            "archived": r.get("archived", False), "topics": r.get("topics", []),
            "license": {"spdx_id": r["license"], "key": r["license"].lower()} if r.get("license") else None,
            "created_at": r["created_at"], "pushed_at": r.get("pushed_at"), "default_branch": "main",
        }

    @staticmethod
    def _owner_json(owner: dict[str, Any]) -> dict[str, Any]:
        item = {"login": owner["login"], "type": owner.get("type", "User"), "name": owner.get("name"),
                "company": owner.get("company"), "blog": owner.get("blog") or "",
                "email": owner.get("email"), "location": owner.get("location")}
        if owner.get("type") == "Organization":
            item.update(description=owner.get("description"), is_verified=owner.get("is_verified", False))
        else:
            item["bio"] = owner.get("description")
        return item


def demo_handler(demo_dir: str | Path = "data/demo", latency: float = 0.0) -> FakeGitHub:
    """The demo's fake GitHub: serves data/demo/github/ under /github-api and /github-graphql."""
    return FakeGitHub(demo_dataset(demo_dir), latency=latency, rest_prefix=DEMO_REST_PREFIX,
                      graphql_path=DEMO_GRAPHQL_PATH)
