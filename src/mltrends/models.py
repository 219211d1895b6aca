"""Build the SQL models: staging views, marts in dependency order, data tests, comments.

Each model is one file: `sql/staging/<name>.sql` (a view) or `sql/marts/<name>.sql` (a
table). Its leading comment lines are its documentation and its tests:

    -- mart: framework_share_quarterly
    -- description: what a user reads in `mltrends schema`
    -- grain: one row per quarter and framework
    -- key: quarter, framework                (unique and not null)
    -- sums_to_one: share per quarter         (`per -` for the whole table)
    -- accepted: dimension: sector, purpose   (besides the built-in vocabularies)
    -- depends: other_model                   (optional; references are also parsed)
    -- column share: papers / total_papers    (every mart column must have one)
"""

from __future__ import annotations

import csv
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from mltrends import db
from mltrends.console import info, log
from mltrends.vocab import FRAMEWORKS, PURPOSES, SECTORS, UNKNOWN

ACCEPTED: dict[str, tuple[str, ...]] = {
    "framework": FRAMEWORKS,
    "pwc_framework": FRAMEWORKS,
    "detected_framework": FRAMEWORKS,
    "claimed_framework": FRAMEWORKS,
    "observed_framework": FRAMEWORKS,
    "sector": (*SECTORS, UNKNOWN),
    "purpose": (*PURPOSES, UNKNOWN),
    "framework_source": ("code", "manifest", "pwc_label", "none"),
    "detected_source": ("code", "manifest"),
    "paper_source": ("pwc", "catalogue", "hf"),
    "chosen_by": ("official", "earliest"),
    "trend_direction": ("rising", "falling", "flat"),
}
TOLERANCE = 1e-9


class BuildError(Exception):
    """A model failed to build or a data test failed; the previous marts are kept."""

    user_facing = True


@dataclass
class Model:
    name: str
    kind: str  # 'view' (staging) or 'table' (mart)
    path: Path
    sql: str
    description: str = ""
    grain: str = ""
    key: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    sums_to_one: list[tuple[str, list[str]]] = field(default_factory=list)
    accepted: dict[str, tuple[str, ...]] = field(default_factory=dict)
    depends: set[str] = field(default_factory=set)


def _header_lines(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("--"):
            break
        lines.append(stripped[2:].strip())
    return lines


def parse_model(path: Path, kind: str) -> Model:
    """Read one model file and its header."""
    text = path.read_text(encoding="utf-8")
    model = Model(name=path.stem, kind=kind, path=path, sql=text.strip().rstrip(";"))
    for line in _header_lines(text):
        label, _, value = line.partition(":")
        label, value = label.strip(), value.strip()
        if label == "description":
            model.description = value
        elif label == "grain":
            model.grain = value
        elif label == "key":
            model.key = [k.strip() for k in value.split(",") if k.strip()]
        elif label == "depends":
            model.depends |= {d.strip() for d in value.split(",") if d.strip()}
        elif label.startswith("column "):
            model.columns[label[len("column "):].strip()] = value
        elif label == "sums_to_one":
            col, _, per = value.partition(" per ")
            groups = [] if per.strip() in ("", "-") else [g.strip() for g in per.split(",")]
            model.sums_to_one.append((col.strip(), groups))
        elif label == "accepted":
            col, _, values = value.partition(":")
            model.accepted[col.strip()] = tuple(v.strip() for v in values.split(",") if v.strip())
    if not model.description:
        model.description = model.grain
    return model


def load_models(root: Path | None = None) -> list[Model]:
    """Every staging view and mart, in dependency order."""
    root = root or db.sql_dir()
    models = [parse_model(p, "view") for p in sorted((root / "staging").glob("*.sql"))]
    models += [parse_model(p, "table") for p in sorted((root / "marts").glob("*.sql"))]
    return order_models(models)


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def order_models(models: list[Model]) -> list[Model]:
    """Topological order on the models each one references (by name) or declares."""
    by_name = {m.name: m for m in models}
    if len(by_name) != len(models):
        raise BuildError("two model files share a name")
    for m in models:
        body = _strip_comments(m.sql).lower()
        m.depends |= {n for n in by_name if n != m.name and re.search(rf"\b{n}\b", body)}
        unknown = m.depends - set(by_name)
        if unknown:
            raise BuildError(f"{m.path}: depends on unknown model(s) {sorted(unknown)}")
    ordered: list[Model] = []
    state: dict[str, int] = {}

    def visit(m: Model, chain: list[str]) -> None:
        if state.get(m.name) == 2:
            return
        if state.get(m.name) == 1:
            raise BuildError(f"models depend on each other in a cycle: {' -> '.join([*chain, m.name])}")
        state[m.name] = 1
        for dep in sorted(m.depends):
            visit(by_name[dep], [*chain, m.name])
        state[m.name] = 2
        ordered.append(m)

    for m in models:
        visit(m, [])
    return ordered


def published_figures_path() -> Path:
    override = os.environ.get("MLTRENDS_PUBLISHED_FIGURES")
    return Path(override) if override else db.sql_dir().parent / "data" / "published_figures.csv"


def load_published_figures(con: duckdb.DuckDBPyConnection, path: Path | None = None) -> int:
    """Upsert the reference figures (with their citations) into published_figures."""
    path = path or published_figures_path()
    if not path.exists():
        log.warning("no published figures at %s; comparisons will be empty", path)
        return 0
    rows = []
    with path.open(newline="", encoding="utf-8") as fh:
        for lineno, rec in enumerate(csv.DictReader(fh), start=2):
            if not (rec.get("source") and rec.get("subject") and rec.get("measure")):
                continue
            try:
                value = float(rec["value"]) if rec.get("value") not in (None, "") else None
            except ValueError as exc:
                raise BuildError(f"{path}:{lineno}: value {rec['value']!r} is not a number") from exc
            rows.append({**{k: rec.get(k) or None for k in
                            ("source", "citation", "subject", "period", "measure", "unit", "notes")},
                         "value": value})
    return db.upsert_rows(con, "published_figures", rows, ["source", "subject", "period", "measure"])


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _columns(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    return db.table_columns(con, name)


def _comment(con: duckdb.DuckDBPyConnection, m: Model) -> None:
    what = "view" if m.kind == "view" else "table"
    text = m.description + (f" Grain: {m.grain}." if m.grain else "") + (
        f" Key: {', '.join(m.key)}." if m.key else "")
    con.execute(f"comment on {what} {m.name} is {_quote(text.strip())}")
    if m.kind == "table":
        for col in _columns(con, m.name):
            if col in m.columns:
                con.execute(f'comment on column {m.name}."{col}" is {_quote(m.columns[col])}')


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchall()[0][0])


def _sample(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    rows = con.execute(sql + " limit 3").fetchall()
    return "; ".join(", ".join(str(v) for v in r) for r in rows)


def run_data_tests(con: duckdb.DuckDBPyConnection, models: Iterable[Model]) -> list[str]:
    """Check every mart; returns one line per failing test (empty when all pass)."""
    failures: list[str] = []
    for m in models:
        if m.kind != "table":
            continue
        cols = _columns(con, m.name)
        t = m.name
        undocumented = [c for c in cols if not m.columns.get(c)]
        if undocumented:
            failures.append(f"{t}: columns without a description: {', '.join(undocumented)}")
        if m.key:
            keys = ", ".join(f'"{k}"' for k in m.key)
            nulls = " or ".join(f'"{k}" is null' for k in m.key)
            n = _count(con, f"select count(*) from {t} where {nulls}")
            if n:
                failures.append(f"{t}: not_null({', '.join(m.key)}): {n} rows with a null key")
            dup = f"select {keys}, count(*) from {t} group by all having count(*) > 1"
            n = _count(con, f"select count(*) from ({dup})")
            if n:
                failures.append(f"{t}: unique({', '.join(m.key)}): {n} duplicated keys, e.g. "
                                f"{_sample(con, dup)}")
        accepted = {c: v for c, v in ACCEPTED.items() if c in cols} | m.accepted
        for col, values in accepted.items():
            allowed = ", ".join(_quote(v) for v in values)
            bad = f'select distinct "{col}" from {t} where "{col}" is not null and "{col}" not in ({allowed})'
            n = _count(con, f"select count(*) from ({bad})")
            if n:
                failures.append(f"{t}: accepted_values({col}): unexpected {_sample(con, bad)}")
        for col, groups in m.sums_to_one:
            by = ", ".join(f'"{g}"' for g in groups)
            grouped = (f'select {by + ", " if by else ""}sum("{col}") as total from {t} '
                       f"{'group by ' + by if by else 'having count(*) > 0'}")
            bad = f"select * from ({grouped}) where abs(total - 1) > {TOLERANCE} or total is null"
            n = _count(con, f"select count(*) from ({bad})")
            if n:
                failures.append(f"{t}: sums_to_one({col} per {', '.join(groups) or 'table'}): "
                                f"{n} groups off, e.g. {_sample(con, bad)}")
        for col in cols:
            if col == "share" or col.endswith(("_share", "ci_low", "ci_high")) or col.startswith("share_") or col == "label_accuracy":
                if col.startswith("trend_"):
                    continue
                n = _count(con, f'select count(*) from {t} where "{col}" < -{TOLERANCE} '
                                f'or "{col}" > 1 + {TOLERANCE} or isnan("{col}")')
                if n:
                    failures.append(f"{t}: range_0_1({col}): {n} rows outside [0, 1]")
        for low in [c for c in cols if c.endswith("ci_low")]:
            prefix = low[: -len("ci_low")]
            high = prefix + "ci_high"
            point = next((p for p in (prefix + "share", prefix.rstrip("_") + "_share",
                                      "trend_slope_per_year" if prefix == "trend_" else "")
                          if p in cols), None)
            if high not in cols or point is None:
                continue
            n = _count(con, f'select count(*) from {t} where "{low}" > "{point}" + {TOLERANCE} '
                            f'or "{high}" < "{point}" - {TOLERANCE} '
                            f'or ("{low}" is null) <> ("{point}" is null)')
            if n:
                failures.append(f"{t}: interval({low} <= {point} <= {high}): {n} rows violate it")
    return failures


def create_views(con: duckdb.DuckDBPyConnection, root: Path | None = None) -> int:
    """(Re)create the macros and every staging view: what detection, classification and
    the reproduction sample read, before any mart is built."""
    root = root or db.sql_dir()
    db.apply_macros(con, root)
    views = [m for m in load_models(root) if m.kind == "view"]
    for m in views:
        try:
            con.execute(f"create or replace view {m.name} as\n{m.sql}")
        except duckdb.Error as exc:
            raise BuildError(f"model {m.name} ({m.path.name}) failed: {exc}") from exc
    return len(views)


def build(con: duckdb.DuckDBPyConnection, timings: dict[str, float] | None = None,
          root: Path | None = None) -> dict[str, int]:
    """Load reference figures, create staging views and marts, run the data tests.

    Everything happens in one transaction: a model that fails to build, or a failing
    data test, raises BuildError and leaves the previous marts as they were.
    Returns rows per mart; `timings` (if given) receives seconds per model.
    """
    root = root or db.sql_dir()
    models = load_models(root)
    timings = {} if timings is None else timings
    rows: dict[str, int] = {}
    with db.transaction(con):
        start = time.perf_counter()
        rows_figures = load_published_figures(con)
        timings["published_figures"] = time.perf_counter() - start
        db.apply_macros(con, root)
        for m in models:
            start = time.perf_counter()
            try:
                if m.kind == "view":
                    con.execute(f"create or replace view {m.name} as\n{m.sql}")
                else:
                    con.execute(f"create or replace table {m.name} as\n{m.sql}")
                    rows[m.name] = _count(con, f"select count(*) from {m.name}")
                _comment(con, m)
            except duckdb.Error as exc:
                raise BuildError(f"model {m.name} ({m.path.name}) failed: {exc}") from exc
            timings[m.name] = time.perf_counter() - start
            if m.kind == "table":
                info(f"built {m.name}: {rows[m.name]:,} rows in {timings[m.name]:.2f}s")
            else:
                log.debug("view %s in %.3fs", m.name, timings[m.name])
        start = time.perf_counter()
        failures = run_data_tests(con, models)
        timings["data_tests"] = time.perf_counter() - start
        if failures:
            raise BuildError(f"{len(failures)} data test(s) failed; the previous marts are kept:\n  "
                             + "\n  ".join(failures))
    log.debug("published figures: %d rows", rows_figures)
    return rows


def schema_docs(con: duckdb.DuckDBPyConnection, table: str | None = None) -> list[dict[str, str]]:
    """The documentation of the marts (and staging views): table, column, type, comment."""
    marts = [m.name for m in load_models() if m.kind == "table"]
    names = [table] if table else marts
    out: list[dict[str, str]] = []
    for name in names:
        found = con.execute(
            "select comment from duckdb_tables() where table_name = ? and schema_name = current_schema() "
            "union all select comment from duckdb_views() where view_name = ? "
            "and schema_name = current_schema()", [name, name]).fetchall()
        if not found:
            raise BuildError(f"no table or view {name!r} (run `mltrends build` first)")
        out.append({"table": name, "column": "", "type": "", "comment": found[0][0] or ""})
        for col, typ, comment in con.execute(
                "select column_name, data_type, comment from duckdb_columns() "
                "where table_name = ? and schema_name = current_schema() order by column_index",
                [name]).fetchall():
            out.append({"table": name, "column": col, "type": typ, "comment": comment or ""})
    return out
