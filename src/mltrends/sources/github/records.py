"""Records shared by the GitHub GraphQL and REST paths: repo names, manifests, a fetched batch."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mltrends.normalize import canonical_repo

# Manifests fetched for every repo (GraphQL asks for exactly these; REST also finds
# other requirements*.txt files in the root listing).
MANIFEST_PATHS = ("requirements.txt", "requirements-dev.txt", "setup.py", "setup.cfg",
                  "pyproject.toml", "environment.yml", "Pipfile")
MANIFEST_RE = re.compile(
    r"^(requirements[\w.-]*\.txt|setup\.py|setup\.cfg|pyproject\.toml|environment\.ya?ml|Pipfile)$"
)
MAX_MANIFEST_CHARS = 100_000
_NAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38})/[a-z0-9._-]{1,100}$")


def valid_repo(repo: str) -> bool:
    """A canonical GitHub `owner/name` we can put into a query."""
    return bool(_NAME_RE.match(repo)) and repo.split("/")[1] not in {".", ".."}


def parse_repo_ref(text: str | None) -> str | None:
    """`owner/repo`, `https://github.com/Owner/Repo(.git)`, `git@github.com:o/r` -> `owner/repo`.

    Returns None for anything that is not a GitHub repository.
    """
    if not text:
        return None
    value = text.strip()
    if not value or value.startswith("#"):
        return None
    if "://" not in value and not value.startswith("git@") and not value.lower().startswith(
            ("github.com/", "www.github.com/")):
        parts = [p for p in value.split("/") if p]
        if len(parts) != 2:
            return None
        value = "https://github.com/" + "/".join(parts)
    elif not value.startswith("git@") and "://" not in value:
        value = "https://" + value
    repo = canonical_repo(value)
    if repo is None or repo.count("/") != 1 or not valid_repo(repo):
        return None
    return repo


def split_repo(repo: str) -> tuple[str, str]:
    owner, name = repo.split("/", 1)
    return owner, name


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 from GitHub ('2019-01-02T03:04:05Z') -> naive UTC datetime."""
    if not value:
        return None
    try:
        stamp = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(UTC).replace(tzinfo=None)
    return stamp


def manifest_text(text: str | None) -> str | None:
    if text is None:
        return None
    return text[:MAX_MANIFEST_CHARS]


@dataclass
class Fetched:
    """What one batch brought: rows for each table plus the ETags to store with them.

    `manifests[repo]` replaces that repo's manifests (an empty list removes them); a repo
    absent from `manifests` keeps its stored ones. `unchanged` lists repos GitHub answered
    304 for: their stored row is current, only their refresh time and snapshot move.
    """

    repos: list[dict[str, Any]] = field(default_factory=list)
    owners: list[dict[str, Any]] = field(default_factory=list)
    manifests: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    etags: dict[str, str] = field(default_factory=dict)
    rejected: list[tuple[str, str]] = field(default_factory=list)

    def extend(self, other: Fetched) -> None:
        self.repos += other.repos
        self.owners += other.owners
        self.manifests.update(other.manifests)
        self.unchanged += other.unchanged
        self.etags.update(other.etags)
        self.rejected += other.rejected

    @property
    def size(self) -> int:
        return len(self.repos) + len(self.unchanged) + len(self.rejected)


# -- screening: a record of an unexpected shape is refused, never half-loaded ----------------
_STR = ("repo", "owner", "name_with_owner", "status", "moved_to", "description", "primary_language",
        "license", "homepage")
_INT = ("stars", "forks")
_BOOL = ("is_fork", "is_archived", "has_releases")
_OWNER_STR = ("display_login", "type", "name", "company", "blog", "email", "location", "description")
SHAPE_ERRORS = (TypeError, AttributeError, KeyError, ValueError)


def _repo_problem(rec: dict[str, Any]) -> str | None:
    if not isinstance(rec.get("repo"), str) or not rec["repo"]:
        return "no repository name"
    for name in _STR:
        if rec.get(name) is not None and not isinstance(rec[name], str):
            return f"field {name!r} is {type(rec[name]).__name__}, not text"
    for name in _INT:
        value = rec.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            return f"field {name!r} is {type(value).__name__}, not a number"
    for name in _BOOL:
        if rec.get(name) is not None and not isinstance(rec[name], bool):
            return f"field {name!r} is {type(rec[name]).__name__}, not true/false"
    topics = rec.get("topics")
    if topics is not None and not (isinstance(topics, list) and all(isinstance(t, str) for t in topics)):
        return "field 'topics' is not a list of names"
    return None


def _owner_problem(rec: dict[str, Any]) -> str | None:
    if not isinstance(rec.get("login"), str) or not rec["login"]:
        return "an owner without a login"
    for name in _OWNER_STR:
        if rec.get(name) is not None and not isinstance(rec[name], str):
            return f"owner field {name!r} is {type(rec[name]).__name__}, not text"
    if rec.get("is_verified") is not None and not isinstance(rec["is_verified"], bool):
        return "owner field 'is_verified' is not true/false"
    return None


def screen(batch: Fetched) -> None:
    """Move records of an unexpected shape to `batch.rejected`, with the ETags that would hide
    them from the next run (so a rerun fetches them again once GitHub answers normally)."""
    kept = []
    for rec in batch.repos:
        problem = _repo_problem(rec)
        if problem is None:
            kept.append(rec)
            continue
        repo = str(rec.get("repo"))
        batch.rejected.append((repo, f"unexpected response shape: {problem}"))
        batch.manifests.pop(repo, None)
        for resource in (f"etag:repo:{repo}", f"etag:contents:{repo}"):
            batch.etags.pop(resource, None)
    batch.repos = kept
    owners = []
    for rec in batch.owners:
        problem = _owner_problem(rec)
        if problem is None:
            owners.append(rec)
            continue
        login = str(rec.get("login") or "?")
        batch.rejected.append((f"owner:{login}", f"unexpected response shape: {problem}"))
        for kind in ("users", "orgs"):
            batch.etags.pop(f"etag:{kind}:{login.lower()}", None)
    batch.owners = owners
