"""The one synthetic-data marker: a load_state row that the demo's refresh writes (`mark`)
and that the report and the demo's guard read (`is_marked`). A database that carries it is
labelled SYNTHETIC on every page and chart, and only such a database may be replaced by
the demo."""

from __future__ import annotations

import json

import duckdb

from mltrends import db

STATE = ("mltrends", "synthetic")  # (load_state.source, load_state.resource)


def mark(con: duckdb.DuckDBPyConnection, note: str = "synthetic demo data") -> None:
    """Record in the database that its data is synthetic."""
    db.set_state(con, *STATE, {"synthetic": True, "note": note})


def is_marked(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the database carries the marker (False for one without load_state)."""
    try:
        rows = con.execute("select value from load_state where source = ? and resource = ?",
                           list(STATE)).fetchall()
    except duckdb.Error:
        return False
    if not rows:
        return False
    try:
        return bool(json.loads(rows[0][0]).get("synthetic"))
    except (TypeError, ValueError, AttributeError):
        return False
