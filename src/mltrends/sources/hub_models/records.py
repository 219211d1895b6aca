"""One Hub model object (the API's field names) -> a row of hub_models, or the reason it is refused."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from mltrends import db, normalize

SOURCE = "hub"          # load_state and rejected_records (the registry's name)
CHANNEL = "hub-api"     # _source of the rows the API served

SCHEMA = pa.schema([
    ("model_id", pa.string()), ("owner", pa.string()), ("created_at", pa.timestamp("us")),
    ("last_modified", pa.timestamp("us")), ("library_name", pa.string()), ("pipeline_tag", pa.string()),
    ("tags", pa.list_(pa.string())), ("arxiv_ids", pa.list_(pa.string())), ("downloads", pa.int64()),
    ("likes", pa.int64()), ("_pos", pa.int64()),
])


def utc_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    offset = parsed.utcoffset()
    return parsed.replace(tzinfo=None) - offset if offset is not None else parsed


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def record(item: Any) -> tuple[dict[str, Any] | None, str | None]:
    """(row, None) for a usable model, (None, reason) for one to refuse."""
    if not isinstance(item, dict):
        return None, "not a JSON object"
    model_id = item.get("id") or item.get("modelId")
    if not isinstance(model_id, str) or not model_id.strip():
        return None, "no model id (or an id that is not a string)"
    created = utc_time(item.get("createdAt"))
    if created is None:
        return None, f"createdAt missing or not an ISO time: {item.get('createdAt')!r}"
    tags = item.get("tags")
    if tags is not None and not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        return None, "tags is not a list of strings"
    tags = tags or []
    author = item.get("author")
    owner = author if isinstance(author, str) and author else (model_id.split("/")[0] if "/" in model_id else None)
    if owner is None:
        return None, "no author and no owner in the id"
    arxiv = sorted({a for t in tags if t.startswith("arxiv:") and (a := normalize.arxiv_id(t[6:]))})
    library = item.get("library_name")
    pipeline = item.get("pipeline_tag")
    return {
        "model_id": model_id.strip(), "owner": owner, "created_at": created,
        "last_modified": utc_time(item.get("lastModified")),
        "library_name": library if isinstance(library, str) and library else None,
        "pipeline_tag": pipeline if isinstance(pipeline, str) and pipeline else None,
        "tags": tags, "arxiv_ids": arxiv,
        "downloads": _count(item.get("downloads")), "likes": _count(item.get("likes")),
    }, None


def load_records(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]], now: datetime) -> dict[str, int]:
    """Upsert hub_models and today's hub_model_snapshots (later rows of the batch win)."""
    if not rows:
        return {"hub_models": 0, "hub_model_snapshots": 0}
    table = pa.Table.from_pylist([{**r, "_pos": i} for i, r in enumerate(rows)], schema=SCHEMA)
    con.register("_hub_rows", table)
    try:
        params = {"now": now}
        models = db.upsert_select(con, "hub_models", f"""
            select model_id, owner, created_at, last_modified, library_name, pipeline_tag, tags,
                   arxiv_ids, downloads, likes, '{CHANNEL}' as _source, $now::timestamp as _fetched_at, _pos
            from _hub_rows""", ["model_id"], params=params, order_by="_pos")
        snaps = db.upsert_select(con, "hub_model_snapshots", f"""
            select model_id, $now::date as snapshot_date, downloads, likes, '{CHANNEL}' as _source,
                   $now::timestamp as _fetched_at, _pos
            from _hub_rows""", ["model_id", "snapshot_date"], params=params, order_by="_pos")
    finally:
        con.unregister("_hub_rows")
    return {"hub_models": models, "hub_model_snapshots": snaps}
