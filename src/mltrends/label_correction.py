"""The label correction the report publishes (table corrected_framework_share).

Population corrected: the headline research population (papers with an official
implementation, framework detected by mltrends) of the last WINDOW_QUARTERS complete
calendar quarters. Validation: the reproduction runs of those papers' official repos
(`mltrends reproduce --sample` draws them from this population, stratified by detected
framework). The runtime truth of a run is the detected framework when the run imported it
(a repo importing several frameworks is not a mislabel), else the first framework imported,
else 'none' when the entrypoint ran and imported no framework; runs that stopped before
their imports could be observed validate nothing. The inversion and its bootstrap are in
mltrends.estimators.correction.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import duckdb

from mltrends import db
from mltrends.estimators import correction, windows
from mltrends.stats import wilson

WINDOW_QUARTERS = 8
MIN_VALIDATED = 10     # validated repos a framework needs before a corrected share is published
RARE_SHARE = 0.05      # strata this small may go unvalidated (taken as correctly detected)
NOT_ENOUGH = "not enough validated repositories"

POPULATION_SQL = """
    select official_repo, official_framework from research_papers
    where has_official and quarter in (select unnest(?::varchar[]))
"""
VALIDATED_SQL = """
    with runs as (
        select repo, runtime_frameworks, stage_reached
        from reproductions
        qualify row_number() over (partition by repo order by finished_at desc, run_id desc) = 1
    )
    select repo, list_transform(runtime_frameworks, lambda f: canonical_framework(f)), stage_reached
    from runs where runtime_frameworks is not null
"""


def runtime_truth(observed: str, runtime: list[str] | None, stage_reached: int | None) -> str | None:
    """The framework the run actually imported, judged against the observed one."""
    if runtime:
        return observed if observed in runtime else runtime[0]
    if runtime is not None and (stage_reached or 0) >= 2:
        return "none"
    return None


def inputs(con: duckdb.DuckDBPyConnection, quarters: list[str]
           ) -> tuple[Counter[str], list[tuple[str, str]]]:
    rows = con.execute(POPULATION_SQL, [quarters]).fetchall()
    population = Counter(fw for _, fw in rows)
    by_repo = dict(rows)
    validated = []
    for repo, runtime, stage in con.execute(VALIDATED_SQL).fetchall():
        if repo in by_repo:
            truth = runtime_truth(by_repo[repo], list(runtime or []), stage)
            if truth is not None:
                validated.append((by_repo[repo], truth))
    return population, validated


def compute(con: duckdb.DuckDBPyConnection, as_of: date | None = None) -> list[dict[str, Any]]:
    """Observed and corrected shares per framework; rewrites corrected_framework_share."""
    quarters = windows.complete_quarters(as_of or date.today(), WINDOW_QUARTERS)
    population, validated = inputs(con, quarters)
    n_validated = Counter(o for o, _ in validated)
    known = sum(v for f, v in population.items() if f != "none")
    total = sum(population.values())
    short = [f for f, v in population.items()
             if n_validated[f] < MIN_VALIDATED and total and v / total >= RARE_SHARE]
    result = None
    if known and not short:
        result = correction.correct_shares(population, validated, without="none")
    frameworks = sorted(f for f in set(population) | {t for _, t in validated} if f != "none")
    now = db.now_utc()
    rows = []
    for f in frameworks:
        low, high = wilson(population[f], known) if known else (None, None)
        row = {"framework": f, "observed_share": population[f] / known if known else None,
               "observed_low": low, "observed_high": high, "corrected_share": None,
               "corrected_low": None, "corrected_high": None, "n_population": population[f],
               "n_validated": n_validated[f], "window_first": quarters[0],
               "window_last": quarters[-1], "evaluated_at": now}
        if result is not None and n_validated[f] >= MIN_VALIDATED:
            k = result.categories.index(f)
            row.update(corrected_share=float(result.corrected[k]), corrected_low=float(result.low[k]),
                       corrected_high=float(result.high[k]), status="corrected")
        elif result is not None:
            row["status"] = (f"{NOT_ENOUGH} ({n_validated[f]} of {MIN_VALIDATED}); its share enters "
                             "the inversion as detected")
        else:
            missing = ", ".join(f"{s} {n_validated[s]}" for s in sorted(short))
            row["status"] = (f"{NOT_ENOUGH} ({f} {n_validated[f]} of {MIN_VALIDATED}; the inversion "
                             f"needs {MIN_VALIDATED} in every stratum holding {RARE_SHARE:.0%} of the "
                             f"papers, short: {missing or 'no population'})")
        rows.append(row)
    with db.transaction(con):
        con.execute("delete from corrected_framework_share")
        if rows:
            db.upsert_rows(con, "corrected_framework_share", rows, ["framework"])
    return rows
