"""Paging through `GET {endpoint}/api/models` with huggingface_hub's own HTTP layer.

The first request is the one `HfApi.list_models(sort="created_at", expand=EXPAND,
limit=page_size)` sends (`sort=createdAt`, repeated `expand=`, `limit=`; the Hub sorts
newest first, huggingface_hub 1.6 removed `direction`); later pages follow the cursor URL
of the `Link: <...>; rel="next"` header. We page ourselves instead of iterating
`list_models` because a sweep commits page by page, resumes from the stored cursor URL and
stops at a request budget, and because `ModelInfo(**item)` raises on a record without an id
or with a malformed date, which would end the sweep instead of rejecting one record.

Retries of 5xx and connection errors are huggingface_hub's `http_backoff`, with the
project's retry settings; a 429 is waited out here (the Hub's `RateLimit` header, else
`Retry-After`) when the wait fits `http_max_sleep`, else it raises `RateLimited`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx2
from huggingface_hub import constants
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.utils import (
    build_hf_headers,
    hf_raise_for_status,
    http_backoff,
    parse_ratelimit_headers,
)

from mltrends import __version__
from mltrends.http import RateLimited, SourceError

if TYPE_CHECKING:
    from mltrends.config import Settings

EXPAND = ("author", "createdAt", "lastModified", "library_name", "pipeline_tag", "tags",
          "downloads", "likes")
DEFAULT_PAGE_SIZE = 1000
RETRY_STATUSES = (408, 500, 502, 503, 504)


class BudgetSpent(Exception):
    """The request budget of this run is used up; the cursor is kept for the next run."""


def endpoint(settings: Settings) -> str:
    """The Hub: the `hub_url` setting, else `HF_ENDPOINT` (read by huggingface_hub), else huggingface.co."""
    return (settings.hub_url or constants.ENDPOINT).rstrip("/")


def first_params(page_size: int) -> list[tuple[str, Any]]:
    """The query of the first page, as list_models builds it."""
    return [("sort", "createdAt"), *(("expand", e) for e in EXPAND), ("limit", page_size)]


@dataclass
class Page:
    url: str
    items: list[Any]
    next_url: str | None


@dataclass
class HubClient:
    settings: Settings
    max_requests: int | None = None
    sleep: Callable[[float], None] = time.sleep
    requests: int = 0
    waits: list[float] = field(default_factory=list)

    def _get(self, url: str, params: list[tuple[str, Any]] | None) -> httpx2.Response:
        s = self.settings
        headers = build_hf_headers(library_name="mltrends", library_version=__version__)
        limit_waits = 0
        while True:
            if self.max_requests is not None and self.requests >= self.max_requests:
                raise BudgetSpent(f"request budget of {self.max_requests} spent")
            self.requests += 1
            try:
                response = http_backoff("GET", url, params=params, headers=headers, timeout=s.http_timeout,
                                        max_retries=s.http_retries, base_wait_time=s.http_backoff,
                                        max_wait_time=s.http_backoff_max,
                                        retry_on_status_codes=RETRY_STATUSES)
            except (httpx2.HTTPError, OSError) as exc:
                raise SourceError(f"GET {url}: {type(exc).__name__}: {exc}", url) from exc
            if response.status_code != 429:
                break
            wait = _limit_wait(response)
            if wait > s.http_max_sleep or limit_waits >= 3:
                raise RateLimited(f"{url}: Hugging Face Hub rate limit reached; resets in {wait:.0f} s "
                                  f"(more than the {s.http_max_sleep:.0f} s we may wait); rerun later "
                                  "to continue", url=url, reset_at=time.time() + wait)
            limit_waits += 1
            self.waits.append(wait)
            self.sleep(wait)
        try:
            hf_raise_for_status(response)
        except HfHubHTTPError as exc:
            raise SourceError(f"GET {url}: HTTP {response.status_code}: {response.text[:300]}", url,
                              status=response.status_code) from exc
        return response

    def pages(self, start_url: str | None, page_size: int = DEFAULT_PAGE_SIZE) -> Iterator[Page]:
        """Pages newest first, from the top (start_url None) or from a stored cursor URL."""
        if start_url is None:
            url: str | None = f"{endpoint(self.settings)}/api/models"
            params: list[tuple[str, Any]] | None = first_params(page_size)
        else:
            url, params = start_url, None
        while url is not None:
            response = self._get(url, params)
            try:
                items = response.json()
            except ValueError as exc:
                raise SourceError(f"{url}: the response is not valid JSON ({exc}); first bytes: "
                                  f"{response.text[:80]!r}", url) from exc
            if not isinstance(items, list):
                raise SourceError(f"{url}: expected a JSON list of models, got {type(items).__name__}", url)
            next_url = response.links.get("next", {}).get("url")
            yield Page(str(response.request.url), items, next_url)
            url, params = next_url, None


def _limit_wait(response: httpx2.Response) -> float:
    info = parse_ratelimit_headers(response.headers)
    if info is not None and info.remaining == 0:
        return float(info.reset_in_seconds) + 1.0
    value = response.headers.get("retry-after", "").strip()
    return float(value) if value.isdigit() else 60.0
