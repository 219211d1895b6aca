"""The DuckDB store: connect, migrate, upsert, run log, load state, rejected records."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import traceback
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from mltrends import __version__


class SchemaError(Exception):
    """The database file was written by a newer mltrends, or a migration failed."""


def sql_dir() -> Path:
    """The folder holding schema/, macros/, staging/, marts/, claims/, examples/."""
    override = os.environ.get("MLTRENDS_SQL_DIR")
    if override:
        return Path(override)
    packaged = Path(__file__).resolve().parent / "sql"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "sql"


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def connect(path: str | os.PathLike[str] = ":memory:", read_only: bool = False,
            migrate: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the database; a writable connection is brought to the current schema."""
    path = str(path)
    if path != ":memory:":
        if read_only and not Path(path).exists():
            raise FileNotFoundError(f"database {path} does not exist (run `mltrends refresh` or `make demo`)")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(path, read_only=read_only)
    if migrate and not read_only:
        apply_migrations(con)
        apply_macros(con)
    return con


def migration_files() -> list[Path]:
    return sorted((sql_dir() / "schema").glob("[0-9][0-9][0-9]_*.sql"))


def apply_migrations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply each sql/schema/NNN_*.sql once, recording it in _migrations.

    A database that records a migration this code does not know came from a newer
    mltrends: refuse it rather than write into a schema we do not understand. A migration
    whose text changed after this database applied it is refused too: the database would
    keep the old schema while a new one gets the new.
    """
    con.execute(
        "create table if not exists _migrations ("
        " name varchar primary key, checksum varchar not null,"
        " applied_at timestamp not null, mltrends_version varchar)"
    )
    files = migration_files()
    known = {f.name for f in files}
    applied = dict(con.execute("select name, checksum from _migrations").fetchall())
    unknown = sorted(set(applied) - known)
    if unknown:
        raise SchemaError(
            f"this database was written by a newer mltrends (unknown migrations: {', '.join(unknown)}); "
            f"upgrade mltrends (this is {__version__}) or use another --db"
        )
    done = []
    for f in files:
        text = f.read_text(encoding="utf-8")
        checksum = hashlib.sha256(text.encode()).hexdigest()[:16]
        if f.name in applied:
            if applied[f.name] != checksum:
                raise SchemaError(
                    f"migration {f.name} was edited after this database applied it (checksum "
                    f"{applied[f.name]} applied, {checksum} now): restore {f.name} and put the change "
                    "in a new sql/schema/NNN_*.sql (macros belong in sql/macros/, re-applied on "
                    "every build)")
            continue
        con.execute("begin transaction")
        try:
            con.execute(text)
            con.execute(
                "insert into _migrations values (?, ?, ?, ?)",
                [f.name, checksum, now_utc(), __version__],
            )
            con.execute("commit")
        except Exception as exc:
            con.execute("rollback")
            raise SchemaError(f"migration {f.name} failed: {exc}") from exc
        done.append(f.name)
    return done


def apply_macros(con: duckdb.DuckDBPyConnection, root: Path | None = None) -> list[str]:
    """(Re)create the macros of sql/macros/*.sql: the current text always wins.

    Macros are code, not schema: they are not migrations, so editing one takes effect on
    every existing database at its next writable connection or build.
    """
    files = sorted(((root or sql_dir()) / "macros").glob("*.sql"))
    for f in files:
        con.execute(f.read_text(encoding="utf-8"))
    return [f.name for f in files]


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction: everything inside commits together or not at all."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    else:
        con.execute("commit")


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_name = ? "
        "and table_schema = current_schema() order by ordinal_position",
        [table],
    ).fetchall()
    if not rows:
        raise SchemaError(f"no table {table!r} in the database")
    return [r[0] for r in rows]


def upsert_select(con: duckdb.DuckDBPyConnection, table: str, select_sql: str,
                  key: Sequence[str], params: Sequence[Any] | None = None,
                  order_by: str | None = None) -> int:
    """Upsert the rows of a SELECT into table, deduplicated on key (last wins by order_by).

    Columns are matched by name; table columns the SELECT lacks keep their defaults on
    insert and their old values on update. Runs inside the caller's transaction if any.
    Returns the number of distinct keys written.
    """
    cols = table_columns(con, table)
    cur = con.execute(f"select * from ({select_sql}) limit 0", params or [])
    src_cols = [d[0] for d in cur.description]
    cur.fetchall()
    use = [c for c in cols if c in src_cols]
    missing_keys = [k for k in key if k not in use]
    if missing_keys:
        raise ValueError(f"upsert into {table}: the rows lack key column(s) {missing_keys}")
    keylist = ", ".join(f'"{k}"' for k in key)
    collist = ", ".join(f'"{c}"' for c in use)
    order = order_by or "1"
    dedup = (
        f"select {collist} from ({select_sql}) as _src "
        f"qualify row_number() over (partition by {keylist} order by {order} desc) = 1"
    )
    updates = [c for c in use if c not in key]
    if updates:
        conflict = "do update set " + ", ".join(f'"{c}" = excluded."{c}"' for c in updates)
    else:
        conflict = "do nothing"
    written = con.execute(
        f"insert into {table} ({collist}) {dedup} on conflict ({keylist}) {conflict}",
        params or [],
    ).fetchall()[0][0]
    if updates:  # inserted + updated rows: one per distinct key of the batch
        return written
    # DO NOTHING counts only new rows; count the batch's keys instead
    return con.execute(f"select count(*) from (select distinct {keylist} from ({select_sql}))",
                       params or []).fetchall()[0][0]


def upsert_rows(con: duckdb.DuckDBPyConnection, table: str,
                rows: Iterable[Mapping[str, Any]] | pd.DataFrame, key: Sequence[str]) -> int:
    """Upsert Python records (dicts or a DataFrame) into table. Later duplicates win."""
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    if frame.empty:
        return 0
    frame = frame.reset_index(drop=True)
    frame["_batch_pos"] = range(len(frame))
    name = f"_upsert_{table}_{id(frame)}"
    con.register(name, frame)
    try:
        return upsert_select(con, table, f"select * from {name}", key, order_by="_batch_pos")
    finally:
        # inside an aborted transaction unregister fails too; let the real error through
        with contextlib.suppress(duckdb.Error):
            con.unregister(name)


def record_hash(record: Any) -> str:
    text = record if isinstance(record, str) else json.dumps(record, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:32]


def reject(con: duckdb.DuckDBPyConnection, source: str, record: Any, reason: str,
           run_id: str | None = None) -> None:
    """Keep an input record a load refused, with the reason."""
    raw = record if isinstance(record, str) else json.dumps(record, default=str)
    con.execute(
        "insert into rejected_records (source, record_hash, raw_record, reason, run_id, rejected_at) "
        "values (?, ?, ?, ?, ?, ?) on conflict (source, record_hash) do update set "
        "reason = excluded.reason, run_id = excluded.run_id, rejected_at = excluded.rejected_at",
        [source, record_hash(raw), raw[:100_000], reason, run_id, now_utc()],
    )


def get_state(con: duckdb.DuckDBPyConnection, source: str, resource: str) -> dict[str, Any] | None:
    row = con.execute(
        "select value from load_state where source = ? and resource = ?", [source, resource]
    ).fetchall()
    return json.loads(row[0][0]) if row else None


def set_state(con: duckdb.DuckDBPyConnection, source: str, resource: str,
              value: Mapping[str, Any]) -> None:
    con.execute(
        "insert into load_state (source, resource, value, updated_at) values (?, ?, ?, ?) "
        "on conflict (source, resource) do update set value = excluded.value, updated_at = excluded.updated_at",
        [source, resource, json.dumps(value, default=str), now_utc()],
    )


def series_break(con: duckdb.DuckDBPyConnection, series: str) -> Any:
    """The latest break date of a series, from the series_breaks table (migration 011 seeds it)."""
    rows = con.execute("select max(break_date) from series_breaks where series = ?", [series]).fetchall()
    if not rows or rows[0][0] is None:
        raise SchemaError(f"series_breaks has no row for {series!r}")
    return rows[0][0]


def new_run_id(command: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"{stamp}-{command.replace(' ', '-')}-{os.getpid()}"


class RunLog:
    """Rows per table gathered during a command, written to `runs` at the end."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self.rows: dict[str, int] = {}
        self.notes: list[str] = []

    def add(self, table: str, count: int) -> None:
        self.rows[table] = self.rows.get(table, 0) + int(count)

    def add_all(self, counts: Mapping[str, int]) -> None:
        for table, count in counts.items():
            self.add(table, count)


@contextlib.contextmanager
def recorded_run(con: duckdb.DuckDBPyConnection, command: str, args: Mapping[str, Any] | None = None,
                 source: str | None = None) -> Iterator[RunLog]:
    """Record a command in `runs`: started, finished, status, rows per table, error."""
    run = RunLog(new_run_id(command))
    con.execute(
        "insert into runs (run_id, command, source, args, started_at, status) values (?, ?, ?, ?, ?, 'running')",
        [run.run_id, command, source, json.dumps(dict(args or {}), default=str), now_utc()],
    )
    try:
        yield run
    except BaseException as exc:
        status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        con.execute(
            "update runs set finished_at = ?, status = ?, rows = ?, error = ?, notes = ? where run_id = ?",
            [now_utc(), status, json.dumps(run.rows), detail[:4000], "\n".join(run.notes), run.run_id],
        )
        raise
    else:
        con.execute(
            "update runs set finished_at = ?, status = 'succeeded', rows = ?, notes = ? where run_id = ?",
            [now_utc(), json.dumps(run.rows), "\n".join(run.notes), run.run_id],
        )
