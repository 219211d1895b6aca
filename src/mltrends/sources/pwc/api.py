"""The Papers-with-Code catalogue API (2026, read-only) and the historic v1 API.

Catalogue: `papers/` with `start_date`/`end_date` windows. One listing serves at most
100 pages of 100, so a window whose count is over that is split in halves until each
part fits (a single day over the cap is fetched up to the cap and noted). Windows are
calendar months to begin with; each loaded window is one transaction together with its
cursor in `load_state`, so a rerun skips the windows already loaded (windows that
ended less than SETTLE_DAYS ago are fetched again: the catalogue still adds to them).
Like the catalogue's own CLI, every `papers/` answer must echo the window in
`applied_filters` (`start_date`, `end_date`): a server that ignored the date filter would
page through its whole catalogue under the window's name, so such an answer is refused.
Pages are asked for in an explicit order (`order_by`) so they do not shift while paging.

v1 (`paperswithcode.com/api/v1`, historic): `{count, next, results}` pages;
`fetch_v1_papers` and `fetch_v1_repositories` yield its records, `ingest_v1` loads them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
import requests

from mltrends import console, db, http, normalize

if TYPE_CHECKING:
    from mltrends.config import Settings

SOURCE = "pwc-api"
V1_SOURCE = "pwc-v1"
STATE_RESOURCE = "api:papers:windows"  # under load_state source "pwc"
PAGE_SIZE = 100
MAX_PAGES = 100
SETTLE_DAYS = 7

_LIST = pa.list_(pa.string())
PAPER_SCHEMA = pa.schema([
    ("paper_id", pa.string()), ("arxiv_id", pa.string()), ("title", pa.string()),
    ("abstract", pa.string()), ("published", pa.date32()), ("proceeding", pa.string()),
    ("conference", pa.string()),
    ("authors", _LIST), ("tasks", _LIST), ("methods", _LIST), ("organizations", _LIST),
    ("url_abs", pa.string()), ("citation_count", pa.int64()), ("has_hf_artifacts", pa.bool_()),
    ("_pos", pa.int64()),
])
REPO_SCHEMA = pa.schema([
    ("paper_id", pa.string()), ("repo_url", pa.string()), ("is_official", pa.bool_()),
    ("framework", pa.string()), ("_pos", pa.int64()),
])


# ---------------------------------------------------------------- records

def _names(values: Any) -> list[str] | None:
    """['a', {'name': 'b'}] -> ['a', 'b'] (the catalogue gives either shape)."""
    if values is None:
        return None
    out = []
    for v in values if isinstance(values, list) else [values]:
        name = v.get("name") if isinstance(v, dict) else v
        if name:
            out.append(str(name))
    return out


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def paper_records(p: dict[str, Any], source: str = "pwc-api",
                  ) -> tuple[dict[str, Any] | None, list[dict[str, Any]], str | None]:
    """One catalogue (or v1) paper -> (paper row, repo rows, reason it was refused)."""
    arxiv = normalize.arxiv_id(p.get("arxiv_id") or p.get("url_abs") or "")
    # The arXiv id is the identity every endpoint agrees on (paper pages may lack the
    # catalogue's own id); the catalogue id keys papers that have no arXiv id.
    # The historic v1 API's id is the PwC slug, the same key as the archive dumps.
    catalogue_id = str(p.get("id") or "").strip()
    if source == "pwc-v1":
        pid = catalogue_id or (f"arxiv:{arxiv}" if arxiv else "")
    else:
        pid = f"arxiv:{arxiv}" if arxiv else (f"pwc:{catalogue_id}" if catalogue_id else "")
    if not pid:
        return None, [], "no id and no arxiv_id"
    conference = p.get("conference_name") or p.get("conference")
    if isinstance(conference, dict):
        conference = conference.get("name")
    hf_keys = [k for k in ("hf_models", "hf_datasets", "hf_spaces") if k in p]
    paper = {
        "paper_id": pid, "arxiv_id": arxiv, "title": p.get("title"), "abstract": p.get("abstract"),
        "published": _date(p.get("published") or p.get("date_published") or p.get("date")),
        "proceeding": p.get("proceeding") or conference,
        "conference": conference if isinstance(conference, str) else None,
        "authors": _names(p.get("authors")), "tasks": _names(p.get("tasks")),
        "methods": _names(p.get("methods")), "organizations": _names(p.get("organizations")),
        "url_abs": p.get("url_abs"),
        "citation_count": p.get("citation_count") if isinstance(p.get("citation_count"), int) else None,
        "has_hf_artifacts": any(p.get(k) for k in hf_keys) if hf_keys else None,
    }
    repos = []
    for r in p.get("repositories") or []:
        url = r.get("url") or (f"https://github.com/{r['owner']}/{r['name']}"
                               if r.get("owner") and r.get("name") else None)
        repos.append({"paper_id": pid, "repo_url": url, "is_official": r.get("is_official"),
                      "framework": r.get("framework")})
    return paper, repos, None


def load_papers(con: duckdb.DuckDBPyConnection, papers: list[dict[str, Any]], source: str,
                run_id: str | None = None) -> dict[str, int]:
    """Upsert raw catalogue/v1 paper objects (with their repositories) into the pwc tables."""
    rows, repos, rejected = [], [], 0
    for raw in papers:
        paper, links, reason = paper_records(raw, source)
        if paper is None:
            db.reject(con, f"pwc:{source[4:]}:papers", raw, reason or "unusable", run_id)
            rejected += 1
            continue
        rows.append({**paper, "_pos": len(rows)})
        for link in links:
            if normalize.canonical_repo(link["repo_url"]) is None:
                db.reject(con, f"pwc:{source[4:]}:repositories", link, "repository url names no repository", run_id)
                rejected += 1
            else:
                repos.append({**link, "_pos": len(repos)})
    counts = {"pwc_papers": 0, "pwc_paper_repos": 0, "rejected_records": rejected}
    now = db.now_utc()
    if rows:
        con.register("_pwc_api_papers", pa.Table.from_pylist(rows, schema=PAPER_SCHEMA))
        try:
            counts["pwc_papers"] = db.upsert_select(con, "pwc_papers", f"""
                select paper_id, arxiv_id, title, abstract, published, year(published) as year,
                       quarter_of(published) as quarter,
                       coalesce(pwc_venue(proceeding), pwc_venue(conference)) as venue,
                       coalesce(pwc_venue_year(proceeding), pwc_venue_year(conference)) as venue_year, proceeding, authors, tasks, methods,
                       organizations, url_abs, citation_count::integer as citation_count,
                       has_hf_artifacts, '{source}' as _source, $now::timestamp as _fetched_at, _pos
                from _pwc_api_papers""", ["paper_id"], params={"now": now}, order_by="_pos")
        finally:
            con.unregister("_pwc_api_papers")
    if repos:
        con.register("_pwc_api_repos", pa.Table.from_pylist(repos, schema=REPO_SCHEMA))
        try:
            counts["pwc_paper_repos"] = db.upsert_select(con, "pwc_paper_repos", f"""
                select paper_id, canonical_repo(repo_url) as repo, repo_url, is_official,
                       case when framework is not null then canonical_framework(framework) end
                           as pwc_framework,
                       framework as pwc_framework_raw, '{source}' as _source,
                       $now::timestamp as _fetched_at, _pos
                from _pwc_api_repos""", ["paper_id", "repo"], params={"now": now}, order_by="_pos")
        finally:
            con.unregister("_pwc_api_repos")
    return counts


# ---------------------------------------------------------------- catalogue windows

def _payload(data: Any, url: str) -> tuple[list[dict[str, Any]], int | None]:
    if not isinstance(data, dict):
        raise http.SourceError(f"{url}: expected a JSON object with results, got {type(data).__name__}")
    items = data.get("results", data.get("items"))
    if not isinstance(items, list):
        raise http.SourceError(f"{url}: the payload has neither 'results' nor 'items'")
    total = data.get("count", data.get("total"))
    return items, total if isinstance(total, int) else None


def check_window_applied(data: dict[str, Any], window: tuple[date, date], url: str, page: int) -> None:
    """Refuse an answer whose `applied_filters` does not echo the window asked for."""
    where = f"{url}?start_date={window[0]}&end_date={window[1]}&page={page}"
    echo = data.get("applied_filters")
    if not isinstance(echo, dict):
        raise http.SourceError(f"{where}: the answer has no applied_filters echo, so the date window "
                               "cannot be confirmed; refused (nothing of this window was stored)", url=url)
    got = tuple(str(echo.get(k) or "")[:10] or None for k in ("start_date", "end_date"))
    if got != (window[0].isoformat(), window[1].isoformat()):
        raise http.SourceError(f"{where}: the server did not apply the date window (applied_filters "
                               f"start_date={got[0]}, end_date={got[1]}); refused (nothing of this "
                               "window was stored)", url=url)


def month_windows(since: date, until: date) -> list[tuple[date, date]]:
    out = []
    start = since
    while start <= until:
        nxt = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
        out.append((start, min(until, nxt - timedelta(days=1))))
        start = nxt
    return out


def days_between(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def split(window: tuple[date, date]) -> list[tuple[date, date]]:
    start, end = window
    mid = start + timedelta(days=(end - start).days // 2)
    return [(start, mid), (mid + timedelta(days=1), end)]


class _TooMany(Exception):
    """A window holds more than MAX_PAGES x PAGE_SIZE papers."""


def fetch_window(session: requests.Session, settings: Settings, window: tuple[date, date],
                 allow_split: bool = True) -> Iterator[dict[str, Any]]:
    """The papers of one window, page by page; raises _TooMany when it must be split."""
    url = settings.pwc_api_url.rstrip("/") + "/papers/"
    order_by = settings.pwc.order_by
    for page in range(1, MAX_PAGES + 1):
        params = {"start_date": window[0].isoformat(), "end_date": window[1].isoformat(),
                  "page": page, "page_size": PAGE_SIZE, "include_resources": "true",
                  "order_by": order_by}
        data = http.get_json(session, url, params=params)
        items, total = _payload(data, url)
        check_window_applied(data, window, url, page)
        if page == 1 and total is not None and total > MAX_PAGES * PAGE_SIZE and allow_split:
            raise _TooMany(total)
        seen = (page - 1) * PAGE_SIZE + len(items)
        if not items and total is not None and seen < total:
            # an empty page in the middle of the listing: the window is not complete
            raise http.SourceError(f"{url}: page {page} of {window[0]}..{window[1]} came back empty "
                                   f"while the count is {total}; the window will be fetched again",
                                   url=url)
        yield from items
        if not items or len(items) < PAGE_SIZE or (total is not None and seen >= total):
            return
    if allow_split:
        raise _TooMany(None)


def _covered(window: tuple[date, date], done: list[list[str]]) -> bool:
    day = window[0]
    spans = sorted((date.fromisoformat(a), date.fromisoformat(b)) for a, b in done)
    for a, b in spans:
        if a <= day <= b:
            day = b + timedelta(days=1)
        if day > window[1]:
            return True
    return day > window[1]


def ingest_api(con: duckdb.DuckDBPyConnection, settings: Settings, since: date,
               until: date | None = None, run_id: str | None = None,
               today: date | None = None) -> dict[str, int]:
    """Fetch the catalogue's papers published in [since, until] into pwc_papers/pwc_paper_repos."""
    today = today or date.today()
    until = min(until or today, today)
    session = http.make_session(settings, cache_name="pwc-api")
    state = db.get_state(con, "pwc", STATE_RESOURCE) or {"done": []}
    counts = {"pwc_papers": 0, "pwc_paper_repos": 0, "rejected_records": 0, "windows": 0}
    todo = month_windows(since, until)
    todo.reverse()
    while todo:
        window = todo.pop()
        if _covered(window, state["done"]):
            continue
        single_day = window[0] == window[1]
        try:
            papers = list(fetch_window(session, settings, window, allow_split=not single_day))
        except _TooMany:
            todo.extend(reversed(split(window)))
            continue
        if single_day and len(papers) >= MAX_PAGES * PAGE_SIZE:
            console.info(f"pwc-api: {window[0]} has more papers than one listing serves; kept {len(papers)}")
        with db.transaction(con):
            part = load_papers(con, papers, SOURCE, run_id)
            if window[1] < today - timedelta(days=SETTLE_DAYS):
                state["done"].append([window[0].isoformat(), window[1].isoformat()])
                db.set_state(con, "pwc", STATE_RESOURCE, state)
        for k, v in part.items():
            counts[k] += v
        counts["windows"] += 1
        console.info(f"pwc-api: {window[0]}..{window[1]}: {len(papers)} papers")
    return counts


# ---------------------------------------------------------------- historic v1 API

def _v1_pages(session: requests.Session, url: str, params: dict[str, Any],
              max_pages: int | None) -> Iterator[dict[str, Any]]:
    page = 1
    while max_pages is None or page <= max_pages:
        data = http.get_json(session, url, params={**params, "page": page})
        items, _ = _payload(data, url)
        yield from items
        if not data.get("next") or not items:
            return
        page += 1


def fetch_v1_papers(session: requests.Session, settings: Settings, max_pages: int | None = None,
                    **params: Any) -> Iterator[dict[str, Any]]:
    """Papers of the historic v1 API (`papers/`, params q, arxiv_id, title, items_per_page)."""
    url = settings.pwc_v1_url.rstrip("/") + "/papers/"
    yield from _v1_pages(session, url, {k: v for k, v in params.items() if v is not None}, max_pages)


def fetch_v1_repositories(session: requests.Session, settings: Settings,
                          paper_id: str) -> Iterator[dict[str, Any]]:
    """Repositories of one v1 paper (`papers/{id}/repositories/`: url, owner, name, framework ...)."""
    url = f"{settings.pwc_v1_url.rstrip('/')}/papers/{paper_id}/repositories/"
    try:
        yield from _v1_pages(session, url, {}, None)
    except http.NotFound:
        return


def ingest_v1(con: duckdb.DuckDBPyConnection, settings: Settings, max_pages: int | None = None,
              with_repositories: bool = True, run_id: str | None = None,
              **params: Any) -> dict[str, int]:
    """Load v1 papers (and their repositories) with `_source = 'pwc-v1'`."""
    session = http.make_session(settings, cache_name="pwc-v1")
    papers = []
    for p in fetch_v1_papers(session, settings, max_pages=max_pages, **params):
        if with_repositories and p.get("id"):
            p = {**p, "repositories": list(fetch_v1_repositories(session, settings, str(p["id"])))}
        papers.append(p)
    with db.transaction(con):
        return load_papers(con, papers, V1_SOURCE, run_id)
