"""Hugging Face Papers -> `hf_papers`: daily papers day by day, paper pages when needed.

`GET {hf_api_url}/daily_papers?date=YYYY-MM-DD&limit=100&p=N` lists the papers of one
day (the paper under `paper`, the submitting organisation beside it or inside it), one
page of at most 100 at a time: pages p=0,1,... are asked for until one comes back short
or empty. When an item names a GitHub repo but not its stars,
`GET {hf_api_url}/papers/{arxiv_id}` fills them in. Each day is one transaction, written
only after its last page arrived, with its cursor in `load_state`; a rerun skips days
already loaded, except the last SETTLE_DAYS days, which Hugging Face still adds to.
`resume_day` is where a refresh continues: the first day not yet complete since the
Papers-with-Code archive's end (series break `pwc_archive`), however long ago.

The paging is ours rather than `huggingface_hub.HfApi.list_daily_papers`: that call
fetches a single page and bypasses the shared session (retries, rate limits, the
replay recordings of the tests and the demo).
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
    from mltrends.refresh import RefreshOptions

SOURCE = "hf-papers"
STATE_RESOURCE = "daily_papers"
SETTLE_DAYS = 2
PAGE_SIZE = 100   # the API's largest `limit`

SCHEMA = pa.schema([
    ("arxiv_id", pa.string()), ("title", pa.string()), ("summary", pa.string()),
    ("published", pa.date32()), ("daily_date", pa.date32()), ("github_repo_url", pa.string()),
    ("github_stars", pa.int64()), ("organization", pa.string()), ("upvotes", pa.int64()),
    ("ai_keywords", pa.list_(pa.string())), ("_pos", pa.int64()),
])


def fetch_day(session: requests.Session, settings: Settings, day: date) -> list[dict[str, Any]]:
    """Every daily-papers item of one day, page after page until a short or empty page."""
    url = settings.hf_api_url.rstrip("/") + "/daily_papers"
    items: list[dict[str, Any]] = []
    page = 0
    while True:
        params = {"date": day.isoformat(), "limit": PAGE_SIZE, "p": page}
        data = http.get_json(session, url, params=params)
        if not isinstance(data, list):
            raise http.SourceError(f"{url}?date={day}&limit={PAGE_SIZE}&p={page}: expected a JSON list "
                                   f"of items, got {type(data).__name__}")
        items.extend(data)
        if len(data) < PAGE_SIZE:
            return items
        page += 1


def resume_day(con: duckdb.DuckDBPyConnection, first: date | None = None) -> date:
    """The first day from `first` (default: the archive's end) whose daily papers are not all loaded."""
    state = db.get_state(con, "hf", STATE_RESOURCE) or {"done": []}
    done = set(state["done"])
    day = first or db.series_break(con, "pwc_archive")
    while day.isoformat() in done:
        day += timedelta(days=1)
    return day


def fetch_paper(session: requests.Session, settings: Settings, arxiv_id: str) -> dict[str, Any] | None:
    """One paper page (`papers/{arxiv_id}`), or None when Hugging Face does not know it."""
    url = f"{settings.hf_api_url.rstrip('/')}/papers/{arxiv_id}"
    try:
        data = http.get_json(session, url)
    except http.NotFound:
        return None
    return data if isinstance(data, dict) else None


def _org_name(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("name") or value.get("fullname")
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def record(item: dict[str, Any], day: date | None) -> tuple[dict[str, Any] | None, str | None]:
    """One daily item (or a bare paper object) -> (row for hf_papers, reason it was refused)."""
    paper = item.get("paper") if isinstance(item.get("paper"), dict) else item
    raw_id = paper.get("id")
    if not isinstance(raw_id, str) or not raw_id.strip():
        return None, "no paper id (or an id that is not a string)"
    arxiv = normalize.arxiv_id(raw_id) or raw_id.strip()
    published = paper.get("publishedAt")
    keywords = paper.get("ai_keywords")
    return {
        "arxiv_id": arxiv, "title": paper.get("title"), "summary": paper.get("summary"),
        "published": date.fromisoformat(published[:10]) if isinstance(published, str) and published else None,
        "daily_date": day, "github_repo_url": paper.get("githubRepo") or None,
        "github_stars": _int(paper.get("githubStars")),
        "organization": _org_name(item.get("organization")) or _org_name(paper.get("organization")),
        "upvotes": _int(paper.get("upvotes")),
        "ai_keywords": [str(k) for k in keywords] if isinstance(keywords, list) else None,
    }, None


def load_records(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> int:
    """Upsert hf_papers rows (later rows win); the repo URL becomes the canonical key in SQL."""
    if not rows:
        return 0
    table = pa.Table.from_pylist([{**r, "_pos": i} for i, r in enumerate(rows)], schema=SCHEMA)
    con.register("_hf_rows", table)
    try:
        return db.upsert_select(con, "hf_papers", f"""
            select arxiv_id, title, summary, published, year(published) as year,
                   quarter_of(published) as quarter, daily_date,
                   canonical_repo(github_repo_url) as github_repo, github_repo_url,
                   github_stars::integer as github_stars, organization, upvotes::integer as upvotes,
                   ai_keywords, '{SOURCE}' as _source, $now::timestamp as _fetched_at, _pos
            from _hf_rows""", ["arxiv_id"], params={"now": db.now_utc()}, order_by="_pos")
    finally:
        con.unregister("_hf_rows")


def days(since: date, until: date) -> Iterator[date]:
    day = since
    while day <= until:
        yield day
        day += timedelta(days=1)


def ingest(con: duckdb.DuckDBPyConnection, settings: Settings, since: date, until: date | None = None,
           run_id: str | None = None, today: date | None = None) -> dict[str, int]:
    """Daily papers from since to until (default today), one transaction per day."""
    today = today or date.today()
    until = min(until or today, today)
    session = http.make_session(settings, cache_name="hf-papers")
    state = db.get_state(con, "hf", STATE_RESOURCE) or {"done": []}
    done = set(state["done"])
    counts = {"hf_papers": 0, "rejected_records": 0, "days": 0}
    todo = [d for d in days(since, until) if d.isoformat() not in done]
    for day in console.track(todo, total=len(todo), label="hf daily papers"):
        rows, rejects = [], []
        items = fetch_day(session, settings, day)
        for item in items:
            row, reason = record(item, day) if isinstance(item, dict) else (None, "not an object")
            if row is None:
                rejects.append((item, reason or "unusable"))
                continue
            if row["github_repo_url"] and row["github_stars"] is None:
                page = fetch_paper(session, settings, row["arxiv_id"])
                if page:
                    row["github_stars"] = _int(page.get("githubStars"))
                    row["organization"] = row["organization"] or _org_name(page.get("organization"))
            rows.append(row)
        with db.transaction(con):
            for item, reason in rejects:
                db.reject(con, "hf:daily", item, reason, run_id)
            counts["hf_papers"] += load_records(con, rows)
            # a day with refused items is fetched again by the next run
            if day <= today - timedelta(days=SETTLE_DAYS) and not rejects:
                done.add(day.isoformat())
                db.set_state(con, "hf", STATE_RESOURCE, {"done": sorted(done)})
        counts["rejected_records"] += len(rejects)
        counts["days"] += 1
    console.info(f"hf papers: {counts['hf_papers']} papers from {counts['days']} days")
    return counts


def ingest_papers(con: duckdb.DuckDBPyConnection, settings: Settings, arxiv_ids: list[str]) -> dict[str, int]:
    """Fetch named paper pages (`papers/{arxiv_id}`) into hf_papers."""
    session = http.make_session(settings, cache_name="hf-papers")
    rows = []
    for arxiv in arxiv_ids:
        page = fetch_paper(session, settings, arxiv)
        row = record(page, None)[0] if page else None
        if row:
            rows.append(row)
    with db.transaction(con):
        return {"hf_papers": load_records(con, rows)}


def refresh_step(con: duckdb.DuckDBPyConnection, settings: Settings, opts: RefreshOptions,
                 run_id: str | None) -> dict[str, int]:
    """The daily papers from --since, else from the day after the last one loaded."""
    since = opts.since or resume_day(con)
    return ingest(con, settings, since=since, until=opts.today, run_id=run_id)
