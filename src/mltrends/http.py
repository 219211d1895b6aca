"""The one HTTP session: timeouts, retries with capped backoff, rate limits, ETags.

Retries on 429/5xx and connection errors use urllib3's `Retry` (which honours
`Retry-After`); GitHub's primary limit (403/429 with `x-ratelimit-remaining: 0`) is
handled here by sleeping until `x-ratelimit-reset`, or by raising `RateLimited` when
the wait is longer than the settings allow. An optional on-disk cache
(requests-cache) revalidates with ETags.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from mltrends import __version__

if TYPE_CHECKING:
    from mltrends.config import Settings

USER_AGENT = f"mltrends/{__version__} (+research-trend analytics; https://github.com/mltrends/mltrends)"
SECRET_HEADERS = ("authorization", "cookie", "set-cookie", "x-api-key")


class SourceError(Exception):
    """A response that cannot be used: the message names the URL and what is wrong."""

    def __init__(self, message: str, url: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class RateLimited(SourceError):
    """The rate limit is spent and the reset is further away than we may wait."""

    def __init__(self, message: str, url: str | None = None, reset_at: float | None = None) -> None:
        super().__init__(message, url=url, status=403)
        self.reset_at = reset_at


class NotFound(SourceError):
    """404: the thing asked for does not exist (a caller usually records it, not crashes)."""


def redact(text: str, secrets: list[str | None]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def make_session(settings: Settings, cache_name: str | None = None) -> requests.Session:
    """A session with retries, timeouts and the User-Agent; cached when settings say so."""
    session: requests.Session
    if settings.http_cache and cache_name:
        import requests_cache

        session = requests_cache.CachedSession(
            f"{settings.cache_dir}/{cache_name}",
            backend="sqlite",
            cache_control=True,
            expire_after=3600,
            always_revalidate=True,  # ETag / Last-Modified: a 304 costs no rate limit
            allowable_codes=(200,),
        )
    else:
        session = requests.Session()
    retry = Retry(
        total=settings.http_retries,
        connect=settings.http_retries,
        read=settings.http_retries,
        status=settings.http_retries,
        backoff_factor=settings.http_backoff,
        backoff_max=settings.http_backoff_max,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD", "POST"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=8)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    session.request_timeout = settings.http_timeout  # type: ignore[attr-defined]
    session.max_sleep = settings.http_max_sleep  # type: ignore[attr-defined]
    session.max_bytes = settings.http_max_bytes  # type: ignore[attr-defined]
    return session


def primary_limit_wait(response: requests.Response, now: float | None = None) -> float | None:
    """Seconds until GitHub's primary limit resets, or None when this is not that limit."""
    if response.status_code not in (403, 429):
        return None
    headers = response.headers
    if headers.get("x-ratelimit-remaining") != "0":
        return None
    reset = headers.get("x-ratelimit-reset")
    if not reset:
        return None
    try:
        return max(0.0, float(reset) - (now if now is not None else time.time())) + 1.0
    except ValueError:
        return None


def secondary_limit_wait(response: requests.Response) -> float | None:
    """Seconds a 403 secondary limit asks us to wait (`retry-after`), else None."""
    if response.status_code != 403:
        return None
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def request(
    session: requests.Session,
    method: str,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    json_body: Any = None,
    headers: Mapping[str, str] | None = None,
    expect: tuple[int, ...] = (200,),
    sleep: Callable[[float], None] = time.sleep,
    secrets: list[str | None] | None = None,
    max_limit_waits: int = 3,
) -> requests.Response:
    """Send one request through the shared session; wait out rate limits; check the status.

    Returns the response when its status is in `expect`. Raises NotFound on 404,
    RateLimited when a limit resets too late, SourceError for anything else.
    """
    timeout = getattr(session, "request_timeout", 30.0)
    max_sleep = getattr(session, "max_sleep", 3600.0)
    max_bytes = getattr(session, "max_bytes", 200 * 1024 * 1024)
    secrets = secrets or []
    waits = 0
    while True:
        try:
            response = session.request(method, url, params=params, json=json_body,
                                       headers=dict(headers or {}), timeout=timeout, stream=True)
            length = response.headers.get("content-length")
            if length and length.isdigit() and int(length) > max_bytes:
                response.close()
                raise SourceError(f"{url}: response of {length} bytes is over the {max_bytes}-byte cap", url)
            body = bytearray()
            for chunk in response.iter_content(65536):
                body.extend(chunk)
                if len(body) > max_bytes:
                    response.close()
                    raise SourceError(f"{url}: response is over the {max_bytes}-byte cap", url)
            response._content = bytes(body)
        except requests.RequestException as exc:
            raise SourceError(redact(f"{method} {url}: {type(exc).__name__}: {exc}", secrets), url) from exc
        wait = primary_limit_wait(response)
        kind = "rate limit"
        if wait is None:
            wait = secondary_limit_wait(response)
            kind = "secondary rate limit"
        if wait is not None:
            if wait > max_sleep or waits >= max_limit_waits:
                reset = time.time() + wait
                raise RateLimited(
                    f"{url}: GitHub {kind} reached; resets in {wait:.0f} s "
                    f"(more than the {max_sleep:.0f} s we may wait); rerun later to continue",
                    url=url, reset_at=reset,
                )
            waits += 1
            sleep(wait)
            continue
        break
    if response.status_code in expect:
        return response
    if response.status_code == 404:
        raise NotFound(f"{url}: 404 not found", url=url, status=404)
    snippet = redact(response.text[:300], secrets)
    raise SourceError(f"{method} {url}: HTTP {response.status_code}: {snippet}", url=url,
                      status=response.status_code)


def get_json(session: requests.Session, url: str, **kwargs: Any) -> Any:
    """GET a JSON document; a body that is not JSON is a SourceError naming the URL."""
    response = request(session, "GET", url, **kwargs)
    return decode_json(response, url)


def decode_json(response: requests.Response, url: str) -> Any:
    try:
        return response.json()
    except (ValueError, json.JSONDecodeError) as exc:
        raise SourceError(
            f"{url}: the response is not valid JSON ({exc}); first bytes: {response.text[:80]!r}",
            url=url, status=response.status_code,
        ) from exc
