"""Hugging Face Hub models -> `hub_models`, `hub_model_snapshots`, `hub_owners`.

A sweep walks `GET /api/models?sort=createdAt` newest first and stops at the first model
created before its stop point: the watermark (the newest `createdAt` of the last complete
sweep) or, on the first run, `since`. Each page is one transaction that also stores the
cursor URL of the next page, so a run stopped by the request budget, a rate limit or a
kill resumes where it stopped; a resumed sweep that completes is followed, budget
permitting, by a fresh sweep from the top down to the new watermark. Models with the same
`createdAt` as the watermark are fetched again (the upsert makes that harmless) so that
none is skipped. A record refused mid-sweep holds the watermark back to where it was, so
the next sweep fetches it again; refused again at the same point, it no longer holds it.
Downloads and likes also go to a dated snapshot table.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import duckdb

from mltrends import console, db
from mltrends.http import RateLimited, SourceError
from mltrends.sources.hub_models.client import BudgetSpent, HubClient
from mltrends.sources.hub_models.records import SOURCE, load_records, record, utc_time
from mltrends.sources.registry import Incomplete

if TYPE_CHECKING:
    from mltrends.config import Settings
    from mltrends.refresh import RefreshOptions

STATE_RESOURCE = "models-by-created"
TABLES = ("hub_models", "hub_model_snapshots", "hub_owners", "rejected_records")
DEFAULT_SINCE_DAYS = 365


class IngestResult(dict):
    """Rows written per table, plus how the run went (requests, why it stopped)."""

    def __init__(self) -> None:
        super().__init__(dict.fromkeys(TABLES, 0))
        self.requests = 0
        self.pages = 0
        self.stopped: str | None = None


def tracked_owners(settings: Settings) -> dict[str, str]:
    """Hub namespace -> company: `[hub] tracked_owners`, else the bundled tracked_orgs.toml."""
    from mltrends.sources.github import bundled_orgs

    owners = settings.hub.tracked_owners
    return dict(bundled_orgs()["hub_owners"] if owners is None else owners)


def _iso(value: datetime) -> str:
    return value.isoformat()


def _load_owners(con: duckdb.DuckDBPyConnection, settings: Settings, now: datetime) -> int:
    rows = [{"owner": o.lower(), "company": c, "kind": "organization", "_source": "hub-settings", "_fetched_at": now}
            for o, c in tracked_owners(settings).items()]
    with db.transaction(con):
        return db.upsert_rows(con, "hub_owners", rows, ["owner"])


def _hold(state: dict[str, Any], created: datetime | None) -> None:
    """Remember where the sweep refused a record: the next sweep walks down to it again."""
    point = _iso(created) if created else state.get("last_seen") or "all"
    held = state.get("redo")
    if held != "all" and (point == "all" or held is None or point < held):
        state["redo"] = point


def _finish(state: dict[str, Any]) -> None:
    """A complete sweep: the newest model seen becomes the watermark, unless a refused record
    holds it back (once: a record refused again at the same point no longer holds it)."""
    top = state.get("top") or state.get("watermark")
    redo = state.get("redo")
    if redo is not None and redo != state.get("held_for"):
        watermark = state.get("watermark") if redo == "all" else min(top, redo) if top else redo
        held_for = redo
    else:
        watermark, held_for = top, None
    state.update(watermark=watermark, cursor=None, top=None, redo=None, last_seen=None,
                 held_for=held_for, stop_at=watermark or state["stop_at"])


def _sweep(con: duckdb.DuckDBPyConnection, client: HubClient, state: dict[str, Any], size: int,
           result: IngestResult, run_id: str | None, now: datetime) -> None:
    """Walk pages from state['cursor'] (or the top) down to state['stop_at']; commit page by page."""
    stop_at = datetime.fromisoformat(state["stop_at"])
    for page in client.pages(state.get("cursor"), size):
        result.pages += 1
        if not page.items and page.next_url is not None:
            # nothing to commit: the stored cursor still points at this page for the rerun
            raise SourceError(f"{page.url}: an empty page in the middle of the model list "
                              "(it links to a next page); rerun to continue from it")
        rows, rejects, reached = [], [], False
        for item in page.items:
            row, reason = record(item)
            if row is None:
                rejects.append((item, reason or "unusable"))
                _hold(state, utc_time(item.get("createdAt")) if isinstance(item, dict) else None)
                continue
            if row["created_at"] < stop_at:
                reached = True
                break
            if state.get("top") is None or row["created_at"] > datetime.fromisoformat(state["top"]):
                state["top"] = _iso(row["created_at"])
            state["last_seen"] = _iso(row["created_at"])
            rows.append(row)
        done = reached or page.next_url is None
        if done:
            _finish(state)
        else:
            state["cursor"] = page.next_url
        with db.transaction(con):
            for item, reason in rejects:
                db.reject(con, f"{SOURCE}:models", item, reason, run_id)
            for table, n in load_records(con, rows, now).items():
                result[table] += n
            db.set_state(con, SOURCE, STATE_RESOURCE, state)
        result["rejected_records"] += len(rejects)
        if done:
            return


def ingest(con: duckdb.DuckDBPyConnection, settings: Settings, since: date | None = None,
           max_requests: int | None = None, run_id: str | None = None,
           today: date | None = None) -> IngestResult:
    """Every model created since the watermark (first run: since `since`), newest first.

    Stops early, keeping what it fetched and the cursor, at `max_requests` requests
    (`IngestResult.stopped` says so); a rate limit longer than the settings allow to wait
    raises registry.Incomplete with the rows it kept.
    """
    now = db.now_utc()
    today = today or date.today()
    result = IngestResult()
    result["hub_owners"] = _load_owners(con, settings, now)
    state = db.get_state(con, SOURCE, STATE_RESOURCE) or {}
    if not state.get("stop_at"):
        floor = since or settings.hub.since or today - timedelta(days=DEFAULT_SINCE_DAYS)
        state = {"watermark": None, "cursor": None, "top": None,
                 "stop_at": datetime.combine(floor, datetime.min.time(), tzinfo=UTC).replace(tzinfo=None).isoformat()}
    elif since is not None and state.get("watermark") is None and not state.get("cursor"):
        state["stop_at"] = datetime.combine(since, datetime.min.time()).isoformat()
    client = HubClient(settings, max_requests=max_requests)
    size = settings.hub.page_size
    try:
        while True:
            resumed = bool(state.get("cursor"))
            _sweep(con, client, state, size, result, run_id, now)
            if not resumed:
                break
    except BudgetSpent:
        result.stopped = f"request budget of {max_requests} spent; the next run continues from the cursor"
    except RateLimited as exc:
        raise Incomplete(f"hub models: {exc}; the next run continues from the cursor", result) from None
    finally:
        result.requests = client.requests
    console.info(f"hub models: {result['hub_models']} models from {result.pages} pages "
                 f"({result.requests} requests){'; ' + result.stopped if result.stopped else ''}")
    return result


def refresh_step(con: duckdb.DuckDBPyConnection, settings: Settings, opts: RefreshOptions,
                 run_id: str | None) -> dict[str, int]:
    """New and changed models since the cursor, within the request budget. --since is about
    papers: the Hub's first sweep starts at [hub] since (default: a year ago)."""
    budget = opts.budgets.get("hub") or settings.hub.max_requests
    result = ingest(con, settings, max_requests=budget, run_id=run_id, today=opts.today)
    if result.stopped:
        console.info("hub: stopped at the request budget; the next refresh continues from the cursor")
    return dict(result)
