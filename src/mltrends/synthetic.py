"""The one synthetic-data marker: a load_state row that the demo's refresh writes (`mark`)
and that the report and the demo's guard read (`is_marked`). A database that carries it is
labelled SYNTHETIC on every page and chart, and only such a database may be replaced by
the demo."""

from __future__ import annotations

import duckdb

from mltrends import db

STATE = ("mltrends", "synthetic")  # (load_state.source, load_state.resource)


def mark(con: duckdb.DuckDBPyConnection, note: str = "synthetic demo data") -> None:
    """Record in the database that its data is synthetic."""
    db.set_state(con, *STATE, {"synthetic": True, "note": note})


def is_marked(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the database carries the marker (False for one without load_state)."""
    try:
        state = db.get_state(con, *STATE)
    except (duckdb.Error, ValueError):  # no load_state table, or a value that is not JSON
        return False
    return isinstance(state, dict) and bool(state.get("synthetic"))
