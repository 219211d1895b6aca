"""The claims scorecard: every claim of the registry, measured, with an interval and a verdict.

The registry is data (`sql/claims/claims.toml`); each claim's metric is a query a user can
rerun (`sql/claims/<claim_id>.sql`). With `estimator = "sql"` (the default) it returns one
row: metric, ci_low, ci_high, n, detail; other estimators (mltrends.claim_estimators) read
the query's rows and compute the metric and its interval in Python. Every claim states its
unit (share, points, points per year) and interval method; bounds are clipped to the unit's
domain. The query can read the refresh date as `getvariable('as_of')`.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from mltrends import claim_estimators, db, vocab
from mltrends.estimators import clip
from mltrends.models import BuildError

VERDICTS = ("supported", "contradicted", "inconclusive", "not measurable")
UNITS = ("share", "points", "points per year")
REQUIRED_MARTS = ("adoption_summary", "first_implementation_framework", "repo_framework",
                  "company_framework_mix", "pypi_family_share", "framework_share_quarterly",
                  "hub_paper_first_model", "hub_formats_monthly", "hub_company_models")


@dataclass(frozen=True)
class Claim:
    claim_id: str
    quote: str
    metric_name: str
    interval: str
    threshold: float | None
    min_n: int
    measurable: bool
    reason: str
    sql_path: Path
    unit: str = "share"
    estimator: str = "sql"
    periods: int = 4
    target: str = "pytorch"
    versus: str = "tensorflow"
    seed: int = 20250701
    across_break: str = ""
    companies: tuple[str, ...] = ()

    @property
    def rule(self) -> str:
        if not self.measurable:
            return "not measurable from these sources"
        t = self.threshold
        if self.estimator == "level":
            return (f"supported when the {self.target} share's interval lies above {t:g} in each of "
                    f"the last {self.periods} complete quarters; contradicted when it lies below "
                    f"{t:g} in any; inconclusive otherwise; not measurable when a quarter's coverage "
                    f"is too low (unit: {self.unit}; interval: {self.interval})")
        return (f"supported when ci_low > {t:g}; contradicted when ci_high < {t:g}; "
                f"inconclusive otherwise; not measurable when n < {self.min_n} or no metric "
                f"(unit: {self.unit}; interval: {self.interval})")


def claims_dir() -> Path:
    return db.sql_dir() / "claims"


def load_registry(path: Path | None = None) -> list[Claim]:
    """Read the registry; every claim must have its query file."""
    path = path or claims_dir() / "claims.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BuildError(f"{path}: cannot read the claims registry ({exc})") from exc
    claims = []
    for claim_id, spec in data.items():
        sql_path = path.parent / f"{spec.get('query', claim_id)}.sql"
        if not sql_path.exists():
            raise BuildError(f"{path}: claim {claim_id!r} has no query {sql_path.name}")
        companies = spec.get("companies", [])
        if not isinstance(companies, list) or not all(isinstance(c, str) and c for c in companies):
            raise BuildError(f"{path}: claim {claim_id!r}: companies must be a list of company names")
        measurable = bool(spec.get("measurable", True))
        if measurable and "threshold" not in spec:
            raise BuildError(f"{path}: claim {claim_id!r} needs a threshold")
        unit = spec.get("unit", "share")
        estimator = spec.get("estimator", "sql")
        if unit not in UNITS:
            raise BuildError(f"{path}: claim {claim_id!r} has unit {unit!r}; use one of {', '.join(UNITS)}")
        if estimator != "sql" and estimator not in claim_estimators.ESTIMATORS:
            raise BuildError(f"{path}: claim {claim_id!r} names an unknown estimator {estimator!r}")
        claims.append(Claim(
            claim_id=claim_id, quote=spec["quote"], metric_name=spec.get("metric_name", ""),
            interval=spec.get("interval", ""), threshold=spec.get("threshold"),
            min_n=int(spec.get("min_n", 1)), measurable=measurable,
            reason=spec.get("reason", ""), sql_path=sql_path, unit=unit, estimator=estimator,
            periods=int(spec.get("periods", 4)), target=spec.get("target", "pytorch"),
            versus=spec.get("versus", "tensorflow"), seed=int(spec.get("seed", 20250701)),
            across_break=spec.get("across_break", ""), companies=tuple(companies)))
    return claims


def _number(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def verdict(claim: Claim, metric: float | None, ci_low: float | None, ci_high: float | None,
            n: int | None) -> tuple[str, str]:
    """Apply the claim's rule: (verdict, reason)."""
    if not claim.measurable:
        return "not measurable", claim.reason
    if n is None or n < claim.min_n:
        return "not measurable", f"too little data: n = {n or 0}, the rule needs at least {claim.min_n}"
    if metric is None or ci_low is None or ci_high is None:
        return "not measurable", "the metric could not be computed from the data"
    t = claim.threshold
    if ci_low > t:
        return "supported", f"the whole interval [{ci_low:.3f}, {ci_high:.3f}] lies above {t:g}"
    if ci_high < t:
        return "contradicted", f"the whole interval [{ci_low:.3f}, {ci_high:.3f}] lies below {t:g}"
    return "inconclusive", f"the interval [{ci_low:.3f}, {ci_high:.3f}] contains {t:g}"


def _check_built(con: duckdb.DuckDBPyConnection) -> None:
    have = {r[0] for r in con.execute(
        "select table_name from duckdb_tables() where schema_name = current_schema()").fetchall()}
    missing = [m for m in REQUIRED_MARTS if m not in have]
    if missing:
        raise BuildError(f"the marts are not built ({', '.join(missing)} missing): run `mltrends build` first")


def _sql_row(rows: list[dict[str, Any]]) -> claim_estimators.Measured:
    row = rows[0] if rows else {}
    n = None if row.get("n") is None else int(row["n"])
    return claim_estimators.Measured(
        *(_number(row.get(k)) for k in ("metric", "ci_low", "ci_high")), n, row.get("detail") or "",
        row.get("window_first"), row.get("window_last"))


def query_variables(claim: Claim, as_of: date) -> dict[str, Any]:
    """What a claim's query may read with getvariable(): the refresh date, the claim's
    framework and the companies its quote names (a query shared by several claims)."""
    return {"as_of": as_of, "target": claim.target,
            "target_label": vocab.FRAMEWORK_LABELS.get(claim.target, claim.target),
            "companies": list(claim.companies)}


def _literal(value: Any) -> str:
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]::VARCHAR[]"
    return "'" + str(value).replace("'", "''") + "'"


def rerunnable(sql: str, variables: dict[str, Any]) -> str:
    """The query as a user can rerun it: `set variable` for each variable it reads, then the query."""
    used = [k for k in variables if f"getvariable('{k}')" in sql]
    sets = "".join(f"set variable {k} = {_literal(variables[k])};\n" for k in used)
    return sets + sql.strip()


def measure(con: duckdb.DuckDBPyConnection, claim: Claim, as_of: date | None = None) -> dict[str, Any]:
    """Run one claim's query and its estimator, apply its rule; returns the scorecard row."""
    as_of = as_of or date.today()
    sql = claim.sql_path.read_text(encoding="utf-8")
    variables = query_variables(claim, as_of)
    try:
        for name, value in variables.items():
            con.execute(f"set variable {name} = ?", [value])
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    except duckdb.Error as exc:
        raise BuildError(f"claim {claim.claim_id} ({claim.sql_path.name}) failed: {exc}") from exc
    if claim.estimator == "sql" or not claim.measurable:
        m = _sql_row(rows)
    else:
        m = claim_estimators.ESTIMATORS[claim.estimator](claim, rows, con, as_of)
    low, high = clip(m.low, claim.unit), clip(m.high, claim.unit)
    if m.verdict and claim.measurable:
        result, why = m.verdict, m.why or ""
    else:
        result, why = verdict(claim, m.metric, low, high, m.n)
    window = f" [window {m.window_first}–{m.window_last}]" if m.window_first else ""
    return {
        "claim_id": claim.claim_id, "quote": claim.quote, "metric_name": claim.metric_name,
        "metric": m.metric, "ci_low": low, "ci_high": high, "n": m.n, "verdict": result,
        "rule": claim.rule, "reason": (f"{why}. {m.detail}" if m.detail else why) + window,
        "evidence_sql": rerunnable(sql, variables), "evaluated_at": db.now_utc(), "unit": claim.unit,
        "interval_method": claim.interval, "window_first": m.window_first,
        "window_last": m.window_last,
    }


def load_views(claim: Claim) -> list[tuple[str, str, int, Path]]:
    """Further views of a claim: (view, label, min_n, path) of each `<query>.<view>.sql`
    (`<query>` is the claim's id unless claims.toml names a shared query); a label may name
    the claim's framework as `{framework}`."""
    views = []
    stem = claim.sql_path.stem
    for path in sorted(claim.sql_path.parent.glob(f"{stem}.*.sql")):
        header = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("--"):
                break
            key, _, value = line[2:].strip().partition(":")
            header.setdefault(key.strip(), value.strip())
        if not header.get("view"):
            raise BuildError(f"{path.name}: a claim view needs a `-- view: what it measures` first line")
        label = header["view"].replace("{framework}", vocab.FRAMEWORK_LABELS.get(claim.target, claim.target))
        views.append((path.name[len(stem) + 1:-4], label,
                      int(header.get("min_n") or claim.min_n), path))
    return views


def measure_views(con: duckdb.DuckDBPyConnection, claim: Claim, as_of: date | None = None) -> list[dict[str, Any]]:
    """Each further view of the claim: one row of its own query, the claim's threshold, its own min_n."""
    rows = []
    for view, label, min_n, path in load_views(claim):
        variant = replace(claim, metric_name=label, min_n=min_n, sql_path=path, estimator="sql")
        row = measure(con, variant, as_of)
        rows.append({"claim_id": claim.claim_id, "view": view, "label": label,
                     **{k: row[k] for k in ("metric", "ci_low", "ci_high", "n", "verdict", "reason",
                                            "evidence_sql", "evaluated_at")}})
    return rows


def evaluate(con: duckdb.DuckDBPyConnection, as_of: date | None = None) -> list[dict[str, Any]]:
    """Measure every claim and upsert claims_scorecard; returns the rows in registry order.

    The label correction (corrected_framework_share) is estimated first, on the same date; the
    claims' further views (e.g. the Hugging Face Hub) go to claim_views."""
    from mltrends import label_correction
    _check_built(con)
    label_correction.compute(con, as_of)
    registry = load_registry()
    rows = [measure(con, claim, as_of) for claim in registry]
    views = [v for claim in registry for v in measure_views(con, claim, as_of)]
    with db.transaction(con):
        db.upsert_rows(con, "claims_scorecard", rows, ["claim_id"])
        con.execute("delete from claim_views")
        db.upsert_rows(con, "claim_views", views, ["claim_id", "view"])
    return rows
