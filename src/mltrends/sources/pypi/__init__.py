"""PyPI adoption signals: pypistats downloads, deps.dev versions and dependents.

pypistats keeps only the last 180 days, so each run upserts the window it sees and the
database keeps everything from the first run on. pypistats asks clients not to
bulk-download: requests to it are spaced by a minimum interval (1 s by default, none
for a server on the loopback address), and the by-OS and by-Python breakdowns are only
asked for the families in `[pypi] breakdown_families` (default: core).
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import duckdb
import requests

from mltrends import console, db, http
from mltrends.http import NotFound, RateLimited, SourceError
from mltrends.sources.pypi.families import TrackedPackage, load_families, select_packages
from mltrends.sources.registry import Incomplete

if TYPE_CHECKING:
    from mltrends.config import Settings
    from mltrends.refresh import RefreshOptions

SOURCE = "pypi"
BREAKDOWNS = (("overall", {"mirrors": "false"}, ""), ("system", {}, "os:"),
              ("python_minor", {}, "python:"))




class Throttle:
    """At least `min_interval` seconds between the starts of two requests."""

    def __init__(self, min_interval: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.min_interval = max(0.0, float(min_interval))
        self._clock, self._sleep, self._last = clock, sleep, None

    def wait(self) -> None:
        if self._last is not None and self.min_interval > 0:
            remaining = self._last + self.min_interval - self._clock()
            if remaining > 0:
                self._sleep(remaining)
        self._last = self._clock()


def default_min_interval(settings: Settings) -> float:
    """[pypi] min_interval from mltrends.toml; else 0 for a loopback server, 1 s otherwise."""
    configured = settings.pypi.min_interval
    if configured is not None:
        return float(configured)
    host = urlsplit(settings.pypistats_url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    return 0.0 if loopback else 1.0


@dataclass
class Fetched:
    """Everything one package's requests returned, ready to load in one transaction."""

    status: str = "ok"
    downloads: list[dict[str, Any]] = field(default_factory=list)
    versions: list[dict[str, Any]] = field(default_factory=list)
    dependents: dict[str, Any] | None = None


def _get(session: requests.Session, url: str, params: dict[str, str] | None = None,
         throttle: Throttle | None = None) -> Any:
    if throttle is not None:
        throttle.wait()
    response = http.request(session, "GET", url, params=params)
    return http.decode_json(response, url)


def _data_list(body: Any, url: str) -> list[Any]:
    if not isinstance(body, dict) or not isinstance(body.get("data", []), list):
        raise SourceError(f"{url}: expected an object with a 'data' list, got {str(body)[:80]!r}", url)
    return body.get("data") or []


def fetch_downloads(session: requests.Session, settings: Settings, package: str, *,
                    breakdown: bool, throttle: Throttle, out: Fetched) -> Iterator[dict[str, Any]]:
    """Yield raw download records (overall, and by OS / Python minor when `breakdown`).

    Raises NotFound when pypistats does not know the package.
    """
    base = settings.pypistats_url.rstrip("/") + f"/packages/{quote(package, safe='')}"
    for endpoint, params, prefix in BREAKDOWNS if breakdown else BREAKDOWNS[:1]:
        url = f"{base}/{endpoint}"
        try:
            body = _get(session, url, params or None, throttle)
        except NotFound:
            if endpoint == "overall":
                raise
            continue  # a breakdown pypistats lacks is zero rows, not a failure
        for item in _data_list(body, url):
            category = item.get("category") if isinstance(item, dict) else None
            if endpoint == "overall" and category == "with_mirrors":
                continue
            if not isinstance(item, dict) or "category" not in item or (
                    category is not None and not isinstance(category, str)) or (
                    endpoint == "overall" and category != "without_mirrors"):
                label = None  # a record of another shape: rejected, never stored under a guess
            else:
                # pypistats' own "null" category (OS or Python version it could not tell)
                label = "unknown" if category in (None, "null", "") else str(category)
            yield {"package": package, "category": (prefix + label if prefix else label) if label else None,
                   "date": item.get("date") if isinstance(item, dict) else None,
                   "downloads": item.get("downloads") if isinstance(item, dict) else None,
                   "_url": url, "_raw": item}


def fetch_versions(session: requests.Session, settings: Settings, package: str,
                   out: Fetched) -> Iterator[dict[str, Any]]:
    """Yield deps.dev versions (version, published_at, is_default). Raises NotFound."""
    url = settings.depsdev_url.rstrip("/") + f"/v3/systems/pypi/packages/{quote(package, safe='')}"
    body = _get(session, url)
    if not isinstance(body, dict) or not isinstance(body.get("versions", []), list):
        raise SourceError(f"{url}: expected an object with a 'versions' list", url)
    for item in body.get("versions") or []:
        entry = item if isinstance(item, dict) else {}
        key = entry.get("versionKey") if isinstance(entry.get("versionKey"), dict) else {}
        yield {"package": package, "version": key.get("version"),
               "published_at": entry.get("publishedAt") or None,
               "is_default": bool(entry.get("isDefault")), "_url": url, "_raw": item}


def _count(body: dict[str, Any], *names: str) -> int | None:
    for name in names:
        value = body.get(name)
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
            return int(value)  # proto3 JSON writes int64 as a string
    return None


def fetch_dependents(session: requests.Session, settings: Settings, package: str,
                     version: str) -> dict[str, Any]:
    """Dependents counts of one version from deps.dev's v3alpha endpoint; nulls when it has none."""
    url = (settings.depsdev_url.rstrip("/") + f"/v3alpha/systems/pypi/packages/"
           f"{quote(package, safe='')}/versions/{quote(version, safe='')}:dependents")
    row: dict[str, Any] = {"package": package, "version": version, "dependents": None,
                           "direct": None, "indirect": None}
    try:
        body = _get(session, url)
    except SourceError as exc:
        if exc.status in (400, 404, 405, 501):  # endpoint or version unknown: record nulls
            return row
        raise
    if isinstance(body, dict):
        body = body.get("dependents", body) if isinstance(body.get("dependents"), dict) else body
        row["dependents"] = _count(body, "dependentCount", "dependent_count", "totalCount", "count")
        row["direct"] = _count(body, "directDependentCount", "direct_dependent_count", "directCount")
        row["indirect"] = _count(body, "indirectDependentCount", "indirect_dependent_count",
                                 "indirectCount")
        if row["dependents"] is None and row["direct"] is not None and row["indirect"] is not None:
            row["dependents"] = row["direct"] + row["indirect"]
    return row


def _default_version(versions: list[dict[str, Any]]) -> str | None:
    flagged = [v["version"] for v in versions if v.get("is_default") and v.get("version")]
    if flagged:
        return flagged[-1]
    dated = [v for v in versions if v.get("published_at") and v.get("version")]
    return max(dated, key=lambda v: str(v["published_at"]))["version"] if dated else None


def fetch_package(session: requests.Session, settings: Settings, tracked: TrackedPackage, *,
                  breakdown: bool, throttle: Throttle) -> Fetched:
    """All requests for one package; nothing is written here."""
    out = Fetched()
    try:
        out.downloads = list(fetch_downloads(session, settings, tracked.package,
                                             breakdown=breakdown, throttle=throttle, out=out))
    except NotFound:
        out.status = "unknown"
        return out
    try:
        out.versions = list(fetch_versions(session, settings, tracked.package, out))
    except NotFound:
        out.versions = []
    version = _default_version(out.versions)
    if version is not None:
        out.dependents = fetch_dependents(session, settings, tracked.package, version)
    if not out.downloads:
        # pypistats answers an unknown name with an empty series: deps.dev decides
        out.status = "empty" if out.versions else "unknown"
    return out


def _clean_download(rec: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    if not rec["category"]:
        return None, f"{rec['_url']}: a record without a usable 'category'"
    try:
        day = date.fromisoformat(str(rec["date"]))
    except (TypeError, ValueError):
        return None, f"{rec['_url']}: date {rec['date']!r} is not an ISO date"
    value = rec["downloads"]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None, f"{rec['_url']}: downloads {value!r} is not a non-negative integer"
    return {"package": rec["package"], "date": day, "category": rec["category"],
            "downloads": value}, None


def _timestamp(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None)
    except ValueError:
        return None


def load_package(con: duckdb.DuckDBPyConnection, tracked: TrackedPackage, fetched: Fetched,
                 snapshot: date, run_id: str | None = None) -> dict[str, int]:
    """Write one package's rows, its status and its done-today mark in one transaction."""
    now = db.now_utc()
    counts = {"pypi_downloads": 0, "pypi_versions": 0, "pypi_dependents": 0, "pypi_packages": 0}
    with db.transaction(con):
        rows = []
        refused = 0
        for rec in fetched.downloads:
            row, reason = _clean_download(rec)
            if row is None:
                refused += 1
                db.reject(con, "pypi:pypistats", rec["_raw"], reason or "invalid", run_id)
            else:
                rows.append({**row, "_source": "pypistats", "_fetched_at": now})
        counts["pypi_downloads"] = db.upsert_rows(con, "pypi_downloads", rows,
                                                  ["package", "date", "category"])
        versions = []
        for rec in fetched.versions:
            if not rec.get("version"):
                refused += 1
                db.reject(con, "pypi:depsdev", rec["_raw"], f"{rec['_url']}: a version without a name", run_id)
                continue
            versions.append({"package": rec["package"], "version": str(rec["version"]),
                             "published_at": _timestamp(rec["published_at"]),
                             "is_default": rec["is_default"], "_source": "depsdev",
                             "_fetched_at": now})
        counts["pypi_versions"] = db.upsert_rows(con, "pypi_versions", versions, ["package", "version"])
        if fetched.dependents is not None:
            dep = {**fetched.dependents, "snapshot_date": snapshot,
                   "_source": "depsdev", "_fetched_at": now}
            counts["pypi_dependents"] = db.upsert_rows(con, "pypi_dependents", [dep],
                                                       ["package", "snapshot_date"])
        counts["pypi_packages"] = db.upsert_rows(con, "pypi_packages", [{
            "package": tracked.package, "family": tracked.family, "framework": tracked.framework,
            "status": fetched.status, "_fetched_at": now}], ["package"])
        if not refused:  # a package with refused records is fetched again by the next run
            db.set_state(con, SOURCE, f"done:{tracked.package}", {"date": snapshot.isoformat()})
    counts["rejected_records"] = refused
    return counts


def done_on(con: duckdb.DuckDBPyConnection, package: str, day: date) -> bool:
    state = db.get_state(con, SOURCE, f"done:{package}")
    return bool(state) and state.get("date") == day.isoformat()


def ingest(con: duckdb.DuckDBPyConnection, settings: Settings, packages: list[str] | None = None,
           *, families: list[str] | None = None, frameworks: list[str] | None = None,
           today: date | None = None, min_interval: float | None = None, force: bool = False,
           run_id: str | None = None) -> dict[str, int]:
    """Fetch and load every tracked package (or the named ones) not yet done `today`.

    Returns rows written per table. A package that fails is left for the next run; the
    others are kept, and registry.Incomplete (a SourceError) names the failures at the end.
    """
    today = today or datetime.now(UTC).date()
    tracked = select_packages(load_families(settings), packages, families, frameworks)
    breakdown_families = set(settings.pypi.breakdown_families)
    throttle = Throttle(default_min_interval(settings) if min_interval is None else min_interval)
    session = http.make_session(settings)
    todo = [t for t in tracked if force or not done_on(con, t.package, today)]
    if len(todo) < len(tracked):
        console.info(f"pypi: {len(tracked) - len(todo)} package(s) already done on {today}; "
                     f"{len(todo)} to go")
    totals = {"pypi_downloads": 0, "pypi_versions": 0, "pypi_dependents": 0, "pypi_packages": 0,
              "rejected_records": 0}
    failures: list[str] = []
    for t in console.track(todo, total=len(todo), label="pypi packages"):
        try:
            fetched = fetch_package(session, settings, t, throttle=throttle,
                                    breakdown=t.family in breakdown_families)
        except RateLimited:
            raise
        except SourceError as exc:
            if exc.status == 429:  # still limited after the retries: stop, a rerun continues
                raise
            failures.append(f"{t.package}: {exc}")
            continue
        for table, n in load_package(con, t, fetched, today, run_id).items():
            totals[table] += n
        if fetched.status != "ok":
            console.info(f"pypi: {t.package} is {fetched.status}")
    if failures:
        raise Incomplete(f"pypi: {len(failures)} of {len(todo)} package(s) failed; "
                               "rerun to retry them:\n  " + "\n  ".join(failures), totals)
    return totals


def refresh_step(con: duckdb.DuckDBPyConnection, settings: Settings, opts: RefreshOptions,
                 run_id: str | None) -> dict[str, int]:
    """Every tracked package's downloads, versions and dependents."""
    return ingest(con, settings, run_id=run_id)
