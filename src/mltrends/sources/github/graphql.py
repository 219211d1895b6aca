"""GitHub GraphQL: up to 100 repositories per query by alias, manifests included.

Every document here is valid under GitHub's published schema (tests/test_github_schema.py):

    query Batch {
      r0: repository(owner: "facebookresearch", name: "detr") { ...Repo }
      ...
      rateLimit { cost remaining resetAt limit }
    }
    fragment Repo on Repository { ... m0: object(expression: "HEAD:requirements.txt") ... }

Failure handling per batch: a NOT_FOUND alias is a `not_found` repo; a renamed repo
(GitHub follows the rename) is `moved`; a timeout / resource-limit answer splits the batch
in halves and retries them, and later batches use the smaller size.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from mltrends import db, http
from mltrends.sources.github.client import BudgetStop, GitHubClient, parse_reset
from mltrends.sources.github.records import (
    MANIFEST_PATHS,
    SHAPE_ERRORS,
    Fetched,
    manifest_text,
    parse_time,
    split_repo,
)

# Organization.email is `String` and User.email `String!`: under one response name they
# break the spec's field-merging rule and GitHub refuses the whole document, hence aliases.
OWNER_FIELDS = (
    "owner { login __typename\n"
    "    ... on Organization { name description websiteUrl orgEmail: email location isVerified }\n"
    "    ... on User { name company websiteUrl userEmail: email location bio } }"
)
FRAGMENT = (
    "fragment Repo on Repository {\n"
    "  nameWithOwner description homepageUrl stargazerCount forkCount createdAt pushedAt\n"
    "  isFork isArchived primaryLanguage { name } licenseInfo { spdxId }\n"
    "  repositoryTopics(first: 20) { nodes { topic { name } } }\n"
    "  releases { totalCount }\n"
    f"  {OWNER_FIELDS}\n"
    + "".join(f'  m{i}: object(expression: "HEAD:{path}") {{ ... on Blob {{ text }} }}\n'
              for i, path in enumerate(MANIFEST_PATHS))
    + "}\n"
)
RATE_LIMIT = "  rateLimit { cost remaining resetAt limit }\n"
SHRINK_TYPES = {"RESOURCE_LIMITS_EXCEEDED", "MAX_NODE_LIMIT_EXCEEDED", "TIMEOUT"}
MISSING_TYPES = {"NOT_FOUND", "FORBIDDEN"}


def estimated_cost(n_repos: int) -> int:
    """GitHub's points for one batch: two connections per repo (topics, releases) / 100."""
    return max(1, math.ceil(2 * n_repos / 100))


def batch_query(repos: Sequence[str]) -> str:
    lines = []
    for i, repo in enumerate(repos):
        owner, name = split_repo(repo)
        lines.append(f"  r{i}: repository(owner: {json.dumps(owner)}, name: {json.dumps(name)}) {{ ...Repo }}\n")
    return "query Batch {\n" + "".join(lines) + RATE_LIMIT + "}\n" + FRAGMENT


def org_query(org: str, after: str | None, page_size: int = 100) -> str:
    cursor = json.dumps(after) if after else "null"
    return (
        "query OrgRepos {\n"
        f"  org: organization(login: {json.dumps(org)}) {{ login\n"
        f"    repositories(first: {page_size}, after: {cursor}, privacy: PUBLIC, "
        "orderBy: {field: CREATED_AT, direction: ASC}) {\n"
        "      totalCount pageInfo { hasNextPage endCursor }\n"
        "      nodes { nameWithOwner createdAt isFork } } }\n"
        + RATE_LIMIT + "}\n"
    )


class ShrinkBatch(Exception):
    """GitHub could not answer a query this large: split it."""


def _errors_by_alias(body: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    per_alias: dict[str, dict[str, Any]] = {}
    general: list[dict[str, Any]] = []
    for err in body.get("errors") or []:
        path = err.get("path") or []
        if path and isinstance(path[0], str) and path[0] != "rateLimit":
            per_alias.setdefault(path[0], err)
        else:
            general.append(err)
    return per_alias, general


def _is_shrinkable(err: dict[str, Any]) -> bool:
    message = str(err.get("message", "")).lower()
    return (err.get("type") in SHRINK_TYPES or "something went wrong" in message
            or "timeout" in message or "timed out" in message)


def owner_record(node: dict[str, Any], source: str, fetched_at: Any) -> dict[str, Any]:
    login = node.get("login") or ""
    return {
        "login": login.lower(), "display_login": login, "type": node.get("__typename"),
        "name": node.get("name"), "company": node.get("company"), "blog": node.get("websiteUrl"),
        "email": node.get("orgEmail") or node.get("userEmail") or None, "location": node.get("location"),
        "description": node.get("description") if node.get("__typename") == "Organization" else node.get("bio"),
        "is_verified": node.get("isVerified"), "_source": source, "_fetched_at": fetched_at,
    }


def repo_record(repo: str, node: dict[str, Any], source: str, fetched_at: Any) -> dict[str, Any]:
    now_name = node.get("nameWithOwner") or repo
    moved_to = now_name.lower() if now_name.lower() != repo else None
    topics = [n["topic"]["name"] for n in ((node.get("repositoryTopics") or {}).get("nodes") or [])
              if n and n.get("topic")]
    owner = (node.get("owner") or {}).get("login") or now_name.split("/")[0]
    releases = (node.get("releases") or {}).get("totalCount")
    return {
        "repo": repo, "owner": owner.lower(), "name_with_owner": now_name,
        "status": "moved" if moved_to else "ok", "moved_to": moved_to,
        "description": node.get("description"), "stars": node.get("stargazerCount"),
        "forks": node.get("forkCount"), "created_at": parse_time(node.get("createdAt")),
        "pushed_at": parse_time(node.get("pushedAt")), "is_fork": node.get("isFork"),
        "is_archived": node.get("isArchived"),
        "primary_language": (node.get("primaryLanguage") or {}).get("name"),
        "license": (node.get("licenseInfo") or {}).get("spdxId"), "topics": topics,
        "has_releases": None if releases is None else releases > 0,
        "homepage": node.get("homepageUrl") or None, "_source": source, "_fetched_at": fetched_at,
    }


def missing_record(repo: str, source: str, fetched_at: Any) -> dict[str, Any]:
    return {"repo": repo, "owner": repo.split("/")[0], "status": "not_found", "_source": source,
            "_fetched_at": fetched_at}


def parse_batch(repos: Sequence[str], body: dict[str, Any]) -> Fetched:
    """Turn one batch answer into records; raise ShrinkBatch when GitHub gave up on it."""
    source, fetched_at = "github-graphql", db.now_utc()
    data = body.get("data") or {}
    per_alias, general = _errors_by_alias(body)
    if any(_is_shrinkable(e) for e in general) or any(_is_shrinkable(e) for e in per_alias.values()):
        raise ShrinkBatch("; ".join(str(e.get("message")) for e in general + list(per_alias.values()))[:300])
    if not data and general:
        raise http.SourceError("GitHub GraphQL error: " + "; ".join(str(e.get("message")) for e in general)[:300])
    out = Fetched()
    for i, repo in enumerate(repos):
        alias = f"r{i}"
        node = data.get(alias)
        if node is None:
            err = per_alias.get(alias)
            if err is not None and err.get("type") not in MISSING_TYPES:
                # not a verdict on the repo: keep the reason, leave the repo stale for the next run
                out.rejected.append((repo, f"GitHub GraphQL error: {err.get('type')}: {err.get('message')}"))
                continue
            out.repos.append(missing_record(repo, source, fetched_at))
            continue
        try:
            record = repo_record(repo, node, source, fetched_at)
            owner = owner_record(node["owner"], source, fetched_at) if node.get("owner") else None
            manifests = [
                {"repo": repo, "path": path, "content": manifest_text(blob.get("text")),
                 "_source": source, "_fetched_at": fetched_at}
                for i_m, path in enumerate(MANIFEST_PATHS)
                if (blob := node.get(f"m{i_m}")) and blob.get("text") is not None
            ]
        except SHAPE_ERRORS as exc:
            out.rejected.append((repo, f"unexpected response shape: {type(exc).__name__}: {exc}"))
            continue
        out.repos.append(record)
        if owner is not None:
            out.owners.append(owner)
        out.manifests[repo] = manifests
    return out


MAX_FAILED_IN_A_ROW = 3


def exc_status(exc: BaseException) -> int | None:
    cause = exc.__cause__
    return getattr(cause, "status", None)


@dataclass
class BatchRunner:
    """Sends the batches; remembers the batch size that GitHub accepts."""

    client: GitHubClient
    batch_size: int = 100
    failed: list[tuple[str, str]] = field(default_factory=list)

    def _query(self, chunk: list[str]) -> dict[str, Any]:
        for _ in range(4):
            try:
                body = self.client.graphql(batch_query(chunk), cost=estimated_cost(len(chunk)))
            except http.SourceError as exc:
                # 502/504 is how GitHub says a query took too long: a smaller batch may pass.
                # Anything else (503 after the retries included) is an outage: stop.
                if exc.status not in (502, 504):
                    raise
                raise ShrinkBatch(str(exc)) from exc
            limited = [e for e in body.get("errors") or [] if e.get("type") == "RATE_LIMITED"]
            if not limited:
                return body
            rate = (body.get("data") or {}).get("rateLimit") or {}
            self.client.spent("graphql", parse_reset(rate.get("resetAt")))
        raise BudgetStop("GitHub GraphQL keeps answering RATE_LIMITED after the reset; rerun later")

    def fetch(self, repos: Sequence[str]) -> Iterator[tuple[list[str], Fetched]]:
        """Yield (repos, records) per answered batch, shrinking on resource limits."""
        pending = list(repos)
        failed_in_a_row = 0
        while pending:
            chunk, pending = pending[: self.batch_size], pending[self.batch_size:]
            queue = [chunk]
            while queue:
                part = queue.pop(0)
                try:
                    answer = self._query(part)
                    failed_in_a_row = 0
                    yield part, parse_batch(part, answer)
                except ShrinkBatch as exc:
                    if len(part) == 1:
                        self.failed.append((part[0], str(exc)))
                        failed_in_a_row += 1
                        if failed_in_a_row >= MAX_FAILED_IN_A_ROW:
                            raise http.SourceError(
                                f"GitHub GraphQL failed for {failed_in_a_row} single repositories in a row "
                                f"({exc}); the service looks down: rerun later", status=exc_status(exc)) from exc
                        continue
                    half = math.ceil(len(part) / 2)
                    self.batch_size = max(1, min(self.batch_size, half))
                    queue[:0] = [part[:half], part[half:]]


def list_org(client: GitHubClient, org: str) -> Iterator[list[dict[str, Any]]]:
    """Pages of an organisation's public repos: [{repo, created_at, is_fork}]; raises NotFound."""
    after: str | None = None
    while True:
        body = client.graphql(org_query(org, after))
        node = (body.get("data") or {}).get("org")
        if node is None:
            messages = "; ".join(str(e.get("message")) for e in body.get("errors") or [])
            raise http.NotFound(f"GitHub organisation {org!r}: {messages or 'not found'}", status=404)
        conn = node.get("repositories") or {}
        yield [{"repo": n["nameWithOwner"].lower(), "created_at": parse_time(n.get("createdAt")),
                "is_fork": n.get("isFork")} for n in conn.get("nodes") or [] if n]
        info = conn.get("pageInfo") or {}
        if not info.get("hasNextPage"):
            return
        after = info.get("endCursor")
