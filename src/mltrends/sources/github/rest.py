"""GitHub REST: the fallback without a token, org listings, and stargazers with dates.

Per repository: `GET /repos/{o}/{r}` (conditional, with the stored ETag: a 304 costs no
rate limit and ends the work for that repo), the owner once per run (`/orgs/{login}` or
`/users/{login}`, conditional too), the root listing `GET /repos/{o}/{r}/contents/`
(conditional) and then only the manifest files that exist, raw.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from mltrends import db, http
from mltrends.sources.github.client import GitHubClient
from mltrends.sources.github.records import (
    MANIFEST_RE,
    SHAPE_ERRORS,
    Fetched,
    manifest_text,
    parse_time,
)

SOURCE = "github-rest"
RAW = "application/vnd.github.raw+json"
STAR_JSON = "application/vnd.github.star+json"
STARGAZER_PAGE_CAP = 400  # GitHub refuses stargazer pages beyond this
BLOCKED = (403, 410, 451)  # access blocked, gone, unavailable for legal reasons (rate limits handled before)


def repo_from_rest(repo: str, item: dict[str, Any], fetched_at: Any) -> dict[str, Any]:
    full = item.get("full_name") or repo
    moved_to = full.lower() if full.lower() != repo else None
    lic = item.get("license") or {}
    return {
        "repo": repo, "owner": ((item.get("owner") or {}).get("login") or full.split("/")[0]).lower(),
        "name_with_owner": full, "status": "moved" if moved_to else "ok", "moved_to": moved_to,
        "description": item.get("description"), "stars": item.get("stargazers_count"),
        "forks": item.get("forks_count"), "created_at": parse_time(item.get("created_at")),
        "pushed_at": parse_time(item.get("pushed_at")), "is_fork": item.get("fork"),
        "is_archived": item.get("archived"), "primary_language": item.get("language"),
        "license": lic.get("spdx_id"), "topics": list(item.get("topics") or []),
        "has_releases": None, "homepage": item.get("homepage") or None,
        "_source": SOURCE, "_fetched_at": fetched_at,
    }


def owner_from_rest(item: dict[str, Any], fetched_at: Any, requested: str | None = None) -> dict[str, Any]:
    login = item.get("login")
    if not isinstance(login, str) or not login:
        login = requested or ""  # the login we asked for is the key, whatever the body says
    org = item.get("type") == "Organization"
    return {
        "login": login.lower(), "display_login": login, "type": item.get("type"),
        "name": item.get("name"), "company": item.get("company"), "blog": item.get("blog") or None,
        "email": item.get("email") or None, "location": item.get("location"),
        "description": item.get("description") if org else item.get("bio"),
        "is_verified": item.get("is_verified") if org else None,
        "_source": SOURCE, "_fetched_at": fetched_at,
    }


class RestFetcher:
    """Fetches repos one by one over REST, with ETags from `etag_of` (resource -> ETag)."""

    def __init__(self, client: GitHubClient, etag_of: Callable[[str], str | None],
                 owner_done: Callable[[str], bool]) -> None:
        self.client = client
        self.base = client.settings.github_api_url.rstrip("/")
        self.etag_of = etag_of
        self.owner_done = owner_done
        self.owners_seen: set[str] = set()

    def _get(self, out: Fetched, resource: str, path: str, **kwargs: Any) -> Any | None:
        """Conditional GET; returns the JSON, or None for a 304. Records the new ETag."""
        response = self.client.rest(self.base + path, etag=self.etag_of(resource), **kwargs)
        if response.status_code == 304:
            return None
        if response.headers.get("etag"):
            out.etags[resource] = response.headers["etag"]
        return http.decode_json(response, self.base + path)

    def fetch_repo(self, repo: str) -> Fetched:
        out = Fetched()
        now = db.now_utc()
        try:
            item = self._get(out, f"etag:repo:{repo}", f"/repos/{repo}")
        except http.SourceError as exc:
            if not isinstance(exc, http.NotFound) and exc.status not in BLOCKED:
                raise
            out.repos.append({"repo": repo, "owner": repo.split("/")[0], "status": "not_found",
                              "_source": SOURCE, "_fetched_at": now})
            return out
        if item is None:
            out.unchanged.append(repo)
            return out
        try:
            record = repo_from_rest(repo, item, now)
            owner = item.get("owner") or {}
            owner_login = owner.get("login")
        except SHAPE_ERRORS as exc:
            out.etags.pop(f"etag:repo:{repo}", None)
            out.rejected.append((repo, f"unexpected response shape: {type(exc).__name__}: {exc}"))
            return out
        out.repos.append(record)
        if isinstance(owner_login, str):
            self._fetch_owner(out, owner, now)
        self._fetch_manifests(out, repo, (record["moved_to"] or repo), now)
        return out

    def _fetch_owner(self, out: Fetched, owner: dict[str, Any], now: Any) -> None:
        login = (owner.get("login") or "").lower()
        if not login or login in self.owners_seen or self.owner_done(login):
            return
        self.owners_seen.add(login)
        kind = "orgs" if owner.get("type") == "Organization" else "users"
        try:
            item = self._get(out, f"etag:{kind}:{login}", f"/{kind}/{login}")
        except http.NotFound:
            return
        if item is not None:
            try:
                out.owners.append(owner_from_rest(item, now, requested=login))
            except SHAPE_ERRORS as exc:
                out.etags.pop(f"etag:{kind}:{login}", None)
                out.rejected.append((f"owner:{login}", f"unexpected response shape: {exc}"))

    def _fetch_manifests(self, out: Fetched, repo: str, current: str, now: Any) -> None:
        try:
            listing = self._get(out, f"etag:contents:{repo}", f"/repos/{current}/contents/")
        except http.NotFound:  # an empty repository has no contents
            out.manifests[repo] = []
            return
        if listing is None:
            return
        entries = listing if isinstance(listing, list) else None
        if entries is None or not all(isinstance(e, dict) and isinstance(e.get("name"), str)
                                      and isinstance(e.get("type"), str) for e in entries):
            # keep the stored manifests; forget the ETags so the next run asks again
            out.etags.pop(f"etag:contents:{repo}", None)
            out.etags.pop(f"etag:repo:{repo}", None)
            out.rejected.append((repo, "unexpected response shape: the contents listing is not "
                                       "a list of {name, type} entries"))
            return
        rows = []
        for entry in entries:
            name = entry["name"]
            if entry.get("type") != "file" or not MANIFEST_RE.match(name):
                continue
            try:
                response = self.client.rest(f"{self.base}/repos/{current}/contents/{name}",
                                            accept=RAW, expect=(200,))
            except http.NotFound:
                continue
            rows.append({"repo": repo, "path": name, "content": manifest_text(response.text),
                         "_source": SOURCE, "_fetched_at": now})
        out.manifests[repo] = rows


def list_org(client: GitHubClient, org: str) -> Iterator[list[dict[str, Any]]]:
    """Pages of an organisation's public repos over REST (Link-header pagination)."""
    url: str | None = f"{client.settings.github_api_url.rstrip('/')}/orgs/{org}/repos"
    params: dict[str, Any] | None = {"per_page": 100, "type": "public", "sort": "created",
                                     "direction": "asc"}
    while url:
        response = client.rest(url, params=params, expect=(200,))
        items = http.decode_json(response, url)
        yield [{"repo": (i.get("full_name") or "").lower(), "created_at": parse_time(i.get("created_at")),
                "is_fork": i.get("fork")} for i in items if i.get("full_name")]
        url = (response.links.get("next") or {}).get("url")
        params = None  # the next link carries them


def sample_pages(total_pages: int, max_pages: int) -> tuple[list[int], bool]:
    """Pages to fetch of a stargazer list: all when allowed, else spread evenly (sampled)."""
    reachable = min(total_pages, STARGAZER_PAGE_CAP)
    if total_pages <= max_pages and reachable == total_pages:
        return list(range(1, total_pages + 1)), False
    n = max(2, min(max_pages, reachable))
    pages = sorted({round(1 + k * (reachable - 1) / (n - 1)) for k in range(n)})
    return pages, True


def fetch_stargazers(client: GitHubClient, repo: str, stars: int, max_pages: int,
                     per_page: int = 100) -> Iterator[dict[str, Any]]:
    """Stargazers with `starred_at` for the sampled pages: rows of github_star_history."""
    total_pages = max(1, -(-stars // per_page))
    pages, sampled = sample_pages(total_pages, max_pages)
    base = client.settings.github_api_url.rstrip("/")
    for page in pages:
        url = f"{base}/repos/{repo}/stargazers"
        response = client.rest(url, params={"per_page": per_page, "page": page}, accept=STAR_JSON,
                               expect=(200,))
        now = db.now_utc()
        for i, item in enumerate(http.decode_json(response, url)):
            starred = parse_time(item.get("starred_at"))
            if starred is None:
                continue
            yield {"repo": repo, "page": page, "starred_at": starred,
                   "position": (page - 1) * per_page + i + 1, "sampled": sampled, "_fetched_at": now}
