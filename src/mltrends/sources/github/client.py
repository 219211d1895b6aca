"""The GitHub client: the shared HTTP session plus a request budget and rate-limit book-keeping.

Every GitHub request of this source goes through `GitHubClient`, which
- counts the requests it sends and refuses to send more than `max_requests`,
- remembers the last rate-limit state it saw (REST `x-ratelimit-*` headers, GraphQL
  `rateLimit{cost remaining resetAt}`) and never sends a request it knows will fail:
  it sleeps until the reset when the settings allow the wait, else stops cleanly,
- keeps the token out of every message (`http.redact`).

A clean stop is the `BudgetStop` exception: the caller commits what it has and returns.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import requests

from mltrends import console, http

if TYPE_CHECKING:
    from mltrends.config import Settings


class BudgetStop(Exception):
    """The request budget or the rate limit is spent: stop here, keep what was loaded.

    kind: 'max_requests' (the caller's budget) or 'rate_limit' (GitHub's, reset too far away).
    """

    def __init__(self, message: str, kind: str = "rate_limit") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class Limit:
    remaining: int | None = None
    reset: float | None = None  # epoch seconds


def parse_reset(value: Any) -> float | None:
    """An epoch number (REST header) or an ISO time (GraphQL resetAt) -> epoch seconds."""
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        pass
    try:
        stamp = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()


class GitHubClient:
    """REST and GraphQL calls with a request budget; one instance per ingest run."""

    def __init__(self, settings: Settings, session: requests.Session | None = None,
                 max_requests: int | None = None, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.token = settings.github_token
        self.session = session or http.make_session(settings)
        self.max_requests = max_requests
        self.sleep = sleep
        self.clock = clock
        self.requests = 0          # every request sent by this run
        self.not_modified = 0      # of which 304s (free on GitHub's primary limit)
        self.limits: dict[str, Limit] = {}

    # -- budget ---------------------------------------------------------------------------
    def check(self, resource: str, cost: int = 1) -> None:
        """Raise BudgetStop (or wait for the reset) unless a request of this cost may go out."""
        if self.max_requests is not None and self.requests >= self.max_requests:
            raise BudgetStop(f"stopped after {self.requests} requests (--max-requests {self.max_requests})",
                             kind="max_requests")
        limit = self.limits.get(resource)
        if limit is None or limit.remaining is None or limit.remaining >= cost:
            return
        now = self.clock()
        if limit.reset is None or limit.reset <= now:
            limit.remaining = None
            return
        wait = limit.reset - now + 1.0
        reset_text = datetime.fromtimestamp(limit.reset, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        if wait > self.settings.http_max_sleep:
            raise BudgetStop(
                f"GitHub {resource} rate limit spent ({limit.remaining} left, this request costs {cost}); "
                f"it resets at {reset_text}, more than the {self.settings.http_max_sleep:.0f} s we may wait; "
                "rerun then to continue"
            )
        console.info(f"GitHub {resource} rate limit spent: waiting {wait:.0f} s for the reset at {reset_text}")
        self.sleep(wait)
        limit.remaining = None

    def note_headers(self, resource: str, headers: Mapping[str, str]) -> None:
        remaining = headers.get("x-ratelimit-remaining")
        if remaining is None:
            return
        try:
            self.limits[resource] = Limit(int(remaining), parse_reset(headers.get("x-ratelimit-reset")))
        except ValueError:
            return

    def note_graphql(self, rate: Mapping[str, Any] | None) -> None:
        if rate and rate.get("remaining") is not None:
            self.limits["graphql"] = Limit(int(rate["remaining"]), parse_reset(rate.get("resetAt")))

    def spent(self, resource: str, reset: float | None) -> None:
        """Mark a resource as spent until `reset` (a RATE_LIMITED answer)."""
        if reset is None:
            known = self.limits.get(resource)
            reset = known.reset if known and known.reset else self.clock() + 60.0
        self.limits[resource] = Limit(0, reset)

    # -- requests -------------------------------------------------------------------------
    def _auth(self, headers: dict[str, str]) -> dict[str, str]:
        if self.token:
            headers["Authorization"] = f"bearer {self.token}"
        return headers

    def _send(self, resource: str, method: str, url: str, cost: int = 1,
              **kwargs: Any) -> requests.Response:
        self.check(resource, cost)
        self.requests += 1
        try:
            response = http.request(self.session, method, url, sleep=self.sleep,
                                    secrets=[self.token], **kwargs)
        except http.RateLimited as exc:
            self.spent(resource, exc.reset_at)
            raise BudgetStop(http.redact(str(exc), [self.token])) from exc
        except http.SourceError as exc:
            exc.args = (http.redact(str(exc), [self.token]),)
            raise
        if response.status_code == 304:
            self.not_modified += 1
        self.note_headers(resource, response.headers)
        return response

    def rest(self, url: str, *, params: Mapping[str, Any] | None = None, etag: str | None = None,
             accept: str = "application/vnd.github+json",
             expect: tuple[int, ...] = (200, 304)) -> requests.Response:
        """GET a REST URL; with `etag`, a conditional request (a 304 costs no rate limit)."""
        headers = self._auth({"Accept": accept, "X-GitHub-Api-Version": "2022-11-28"})
        if etag:
            headers["If-None-Match"] = etag
        return self._send("core", "GET", url, params=params, headers=headers, expect=expect)

    def graphql(self, query: str, cost: int = 1) -> dict[str, Any]:
        """POST one GraphQL query; returns the decoded body (data and errors)."""
        if not self.token:
            raise http.SourceError("GitHub GraphQL needs a token (set GITHUB_TOKEN)")
        url = self.settings.github_graphql_url
        response = self._send("graphql", "POST", url, cost=cost, json_body={"query": query},
                              headers=self._auth({"Accept": "application/json"}))
        body = http.decode_json(response, url)
        if not isinstance(body, dict):
            raise http.SourceError(f"{url}: GraphQL answer is not an object", url=url)
        self.note_graphql((body.get("data") or {}).get("rateLimit"))
        return body
