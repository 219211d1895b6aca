"""The claims scorecard: every claim of the registry, measured, with an interval and a verdict.

The registry is data (`sql/claims/claims.toml`); each claim's metric is a query a user can
rerun (`sql/claims/<claim_id>.sql`) returning one row: metric, ci_low, ci_high, n, detail.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb

from mltrends import db
from mltrends.models import BuildError

VERDICTS = ("supported", "contradicted", "inconclusive", "not measurable")
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

    @property
    def rule(self) -> str:
        if not self.measurable:
            return "not measurable from these sources"
        t = self.threshold
        return (f"supported when ci_low > {t:g}; contradicted when ci_high < {t:g}; "
                f"inconclusive otherwise; not measurable when n < {self.min_n} or no metric "
                f"(interval: {self.interval})")


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
        sql_path = path.parent / f"{claim_id}.sql"
        if not sql_path.exists():
            raise BuildError(f"{path}: claim {claim_id!r} has no query {sql_path.name}")
        measurable = bool(spec.get("measurable", True))
        if measurable and "threshold" not in spec:
            raise BuildError(f"{path}: claim {claim_id!r} needs a threshold")
        claims.append(Claim(
            claim_id=claim_id, quote=spec["quote"], metric_name=spec.get("metric_name", ""),
            interval=spec.get("interval", ""), threshold=spec.get("threshold"),
            min_n=int(spec.get("min_n", 1)), measurable=measurable,
            reason=spec.get("reason", ""), sql_path=sql_path))
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


def measure(con: duckdb.DuckDBPyConnection, claim: Claim) -> dict[str, Any]:
    """Run one claim's query and apply its rule; returns the scorecard row."""
    sql = claim.sql_path.read_text(encoding="utf-8")
    try:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
    except duckdb.Error as exc:
        raise BuildError(f"claim {claim.claim_id} ({claim.sql_path.name}) failed: {exc}") from exc
    row = dict(zip(names, rows[0], strict=True)) if rows else {}
    metric, low, high = (_number(row.get(k)) for k in ("metric", "ci_low", "ci_high"))
    n = None if row.get("n") is None else int(row["n"])
    result, why = verdict(claim, metric, low, high, n)
    detail = row.get("detail")
    return {
        "claim_id": claim.claim_id, "quote": claim.quote, "metric_name": claim.metric_name,
        "metric": metric, "ci_low": low, "ci_high": high, "n": n, "verdict": result,
        "rule": claim.rule, "reason": f"{why}. {detail}" if detail else why,
        "evidence_sql": sql.strip(), "evaluated_at": db.now_utc(),
    }


def load_views(claim: Claim) -> list[tuple[str, str, int, Path]]:
    """Further views of a claim: (view, label, min_n, path) of each `<claim_id>.<view>.sql`."""
    views = []
    for path in sorted(claim.sql_path.parent.glob(f"{claim.claim_id}.*.sql")):
        header = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("--"):
                break
            key, _, value = line[2:].strip().partition(":")
            header.setdefault(key.strip(), value.strip())
        if not header.get("view"):
            raise BuildError(f"{path.name}: a claim view needs a `-- view: what it measures` first line")
        views.append((path.name[len(claim.claim_id) + 1:-4], header["view"],
                      int(header.get("min_n") or claim.min_n), path))
    return views


def measure_views(con: duckdb.DuckDBPyConnection, claim: Claim) -> list[dict[str, Any]]:
    """Each further view of the claim, measured with the claim's rule (its own min_n)."""
    rows = []
    for view, label, min_n, path in load_views(claim):
        variant = replace(claim, metric_name=label, min_n=min_n, sql_path=path)
        row = measure(con, variant)
        rows.append({"claim_id": claim.claim_id, "view": view, "label": label,
                     **{k: row[k] for k in ("metric", "ci_low", "ci_high", "n", "verdict", "reason",
                                            "evidence_sql", "evaluated_at")}})
    return rows


def evaluate(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Measure every claim and upsert claims_scorecard; returns the rows in registry order.

    The claims' further views go to claim_views.
    """
    _check_built(con)
    registry = load_registry()
    rows = [measure(con, claim) for claim in registry]
    views = [v for claim in registry for v in measure_views(con, claim)]
    with db.transaction(con):
        db.upsert_rows(con, "claims_scorecard", rows, ["claim_id"])
        con.execute("delete from claim_views")
        db.upsert_rows(con, "claim_views", views, ["claim_id", "view"])
    return rows
