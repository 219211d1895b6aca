"""Data access for the report: small, aggregated frames straight from SQL.

The marts are already aggregated; where the report needs more (latest snapshot, a
Wilson interval, counts per table) the aggregation happens in DuckDB, never in pandas
over raw rows. A table that does not exist yet reads as an empty frame, so a report on
a half-built database says what is missing instead of failing.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import duckdb
import pandas as pd

from mltrends import db
from mltrends.vocab import FRAMEWORKS

RAN_STAGE = 2  # reproductions.stage_reached: 1 imports resolve, 2 entrypoint smoke run passed
MARTS = (
    "paper_implementations", "framework_share_quarterly", "framework_share_by_venue",
    "first_implementation_framework", "sector_framework_share", "company_framework_mix",
    "pypi_downloads_monthly", "pypi_family_share", "adoption_summary",
    "corrected_framework_share",
)
FRAMEWORK_ORDER = "list_position(" + repr(list(FRAMEWORKS)).replace('"', "'") + ", framework)"


def wilson(k: str, n: str) -> tuple[str, str]:
    """The 95% Wilson interval of k successes out of n: the SQL macros of sql/macros/."""
    return f"wilson_low({k}, {n})", f"wilson_high({k}, {n})"


class ReportData:
    """Reads what the report shows; every method returns a small DataFrame."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        rows = con.execute(
            "select table_name from information_schema.tables where table_schema = current_schema()"
        ).fetchall()
        self.tables = {r[0] for r in rows}

    def has(self, table: str) -> bool:
        return table in self.tables

    def frame(self, sql: str, params: list | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()

    def scalar(self, sql: str, params: list | None = None) -> object:
        rows = self.con.execute(sql, params or []).fetchall()
        return rows[0][0] if rows else None

    def _need(self, *tables: str) -> bool:
        return all(self.has(t) for t in tables)

    def columns(self, table: str) -> set[str]:
        rows = self.con.execute(
            "select column_name from information_schema.columns where table_name = ? "
            "and table_schema = current_schema()", [table]).fetchall()
        return {r[0] for r in rows}

    # headline -----------------------------------------------------------------
    def claims(self) -> pd.DataFrame:
        if not self._need("claims_scorecard"):
            return pd.DataFrame()
        have = self.columns("claims_scorecard")
        extra = "".join(f", {c}" if c in have else f", null as {c}"
                        for c in ("unit", "interval_method", "window_first", "window_last"))
        return self.frame(
            f"select claim_id, quote, metric_name, metric, ci_low, ci_high, n, verdict, rule, reason{extra} "
            "from claims_scorecard order by case verdict when 'supported' then 1 "
            "when 'contradicted' then 2 when 'inconclusive' then 3 else 4 end, claim_id")

    def adoption(self) -> pd.DataFrame:
        if not self._need("adoption_summary"):
            return pd.DataFrame()
        return self.frame(f"select *, {FRAMEWORK_ORDER} as framework_order from adoption_summary "
                          "order by framework_order")

    # research -----------------------------------------------------------------
    def share_quarterly(self) -> pd.DataFrame:
        if not self._need("framework_share_quarterly"):
            return pd.DataFrame()
        return self.frame(
            "select quarter, quarter_start, framework, papers, total_papers, share, ci_low, ci_high, "
            "coalesce(is_partial_quarter, false) as is_partial_quarter "
            "from framework_share_quarterly where total_papers > 0 order by quarter_start, framework")

    def venue_vs_published(self) -> pd.DataFrame:
        if not self._need("framework_share_by_venue"):
            return pd.DataFrame()
        # The published figures are shares of PyTorch + TensorFlow papers; compare like with like
        # when the mart carries that measure (share_of_pytorch_tensorflow).
        if "comparison_papers" in self.columns("framework_share_by_venue"):
            # exclusive counts, Keras as TensorFlow: the mart's comparison columns
            low, high = wilson("comparison_papers", "comparison_total")
            return self.frame(
                "select venue, year, framework, comparison_papers as papers, comparison_total as total_papers, "
                f"share_of_pytorch_tensorflow as share, {low} as ci_low, {high} as ci_high, "
                "published_share, published_source, published_citation, "
                "'share of PyTorch + TensorFlow (incl. Keras) papers' as measure "
                "from framework_share_by_venue where published_share is not null "
                "and share_of_pytorch_tensorflow is not null order by venue, year, framework")
        if "share_of_pytorch_tensorflow" in self.columns("framework_share_by_venue"):
            low, high = wilson("papers", "compared_papers")
            return self.frame(
                "with v as (select *, sum(papers) filter (where framework in ('pytorch', 'tensorflow')) "
                "over (partition by venue, year) as compared_papers from framework_share_by_venue) "
                "select venue, year, framework, papers, compared_papers as total_papers, "
                f"share_of_pytorch_tensorflow as share, {low} as ci_low, {high} as ci_high, "
                "published_share, published_source, published_citation, "
                "'share of PyTorch + TensorFlow papers' as measure "
                "from v where published_share is not null and share_of_pytorch_tensorflow is not null "
                "order by venue, year, framework")
        return self.frame(
            "select venue, year, framework, papers, total_papers, share, ci_low, ci_high, "
            "published_share, published_source, published_citation, 'share of papers' as measure "
            "from framework_share_by_venue where published_share is not null "
            "order by venue, year, framework")

    def vendor_mix(self) -> pd.DataFrame:
        """Repos of the framework vendors' own organisations (vendor_org) per framework."""
        if not self._need("repo_framework"):
            return pd.DataFrame()
        try:
            return self.frame("select owner, framework, count(*) as repos from repo_framework "
                              "where vendor_org(owner) and framework <> 'none' and not is_fork "
                              "group by all order by owner, repos desc")
        except duckdb.Error:  # a database written before the vendor_org macro existed
            return pd.DataFrame()

    def venue_count(self) -> int:
        if not self._need("framework_share_by_venue"):
            return 0
        return int(self.scalar("select count(distinct (venue, year)) from framework_share_by_venue") or 0)

    # industry -----------------------------------------------------------------
    def population_quarterly(self, population: str) -> pd.DataFrame:
        """Quarterly shares of one research population (research_share_quarterly)."""
        if not self._need("research_share_quarterly", "framework_share_quarterly"):
            return pd.DataFrame()
        return self.frame(
            "select r.quarter, r.quarter_start, r.framework, r.papers, r.total_papers, r.coverage, "
            "r.share, r.ci_low, r.ci_high, coalesce(f.partial, false) as is_partial_quarter "
            "from research_share_quarterly as r left join (select quarter, bool_or(is_partial_quarter) "
            "as partial from framework_share_quarterly group by quarter) as f using (quarter) "
            "where r.population = ? order by r.quarter_start, r.framework", [population])

    def series_break(self, series: str) -> date | None:
        """The latest break of a series (series_breaks: 'pypi_downloads', 'pwc_archive')."""
        if not self._need("series_breaks"):
            return None
        rows = self.con.execute("select max(break_date) from series_breaks where series = ?",
                                [series]).fetchall()
        return rows[0][0] if rows else None

    def downloads_monthly(self) -> pd.DataFrame:
        if not self._need("pypi_downloads_monthly"):
            return pd.DataFrame()
        partial = ("is_partial_month" if "is_partial_month" in self.columns("pypi_downloads_monthly")
                   else "days_observed < 28")
        return self.frame(
            "select month, framework, sum(downloads) as downloads, count(distinct package) as packages, "
            "bool_or(after_series_break) as after_series_break, "
            f"bool_or({partial}) as is_partial_month "
            "from pypi_downloads_monthly where framework not in ('none') "
            "group by month, framework having sum(downloads) > 0 order by month, framework")

    def family_share_latest(self) -> pd.DataFrame:
        if not self._need("pypi_family_share"):
            return pd.DataFrame()
        return self.frame(
            f"select month, family, framework, downloads, share, {FRAMEWORK_ORDER} as framework_order "
            "from pypi_family_share where month = (select max(month) from pypi_family_share) "
            "and downloads > 0 order by family, framework_order")

    def dependents(self, top: int = 20) -> pd.DataFrame:
        if not self._need("pypi_dependents"):
            return pd.DataFrame()
        join = ("left join pypi_packages p using (package)" if self.has("pypi_packages")
                else "left join (select null::varchar as package, null::varchar as framework) p using (package)")
        return self.frame(
            "select d.package, coalesce(p.framework, 'other') as framework, d.dependents, d.direct, "
            f"d.indirect, d.snapshot_date from pypi_dependents d {join} "
            "where d.dependents is not null "
            "qualify row_number() over (partition by d.package order by d.snapshot_date desc) = 1 "
            f"order by d.dependents desc limit {int(top)}")

    def company_mix(self, top: int = 12, since: int = 2015) -> pd.DataFrame:
        if not self._need("company_framework_mix"):
            return pd.DataFrame()
        return self.frame(
            f"with top as (select company from company_framework_mix where year >= {int(since)} "
            f"group by company order by sum(repos) desc, company limit {int(top)}) "
            f"select m.company, m.year, m.framework, m.repos, m.total_repos, m.share, "
            f"{FRAMEWORK_ORDER} as framework_order from company_framework_mix m "
            f"join top using (company) where m.year >= {int(since)} and m.repos > 0 "
            "order by m.company, m.year, framework_order")

    def sector_share(self) -> pd.DataFrame:
        if not self._need("sector_framework_share"):
            return pd.DataFrame()
        return self.frame(
            f"select dimension, group_value, framework, repos, total_repos, share, ci_low, ci_high, "
            f"{FRAMEWORK_ORDER} as framework_order from sector_framework_share "
            "where total_repos > 0 order by dimension, group_value, framework_order")

    # reproduction -----------------------------------------------------------------
    _LATEST_REPRO = ("(select * from reproductions qualify row_number() over "
                     "(partition by repo order by finished_at desc) = 1)")

    def repro_matrix(self) -> pd.DataFrame:
        if not self._need("reproductions"):
            return pd.DataFrame()
        return self.frame(
            "select coalesce(claimed_framework, 'none') as claimed, "
            "case when runtime_primary is not null and runtime_primary <> 'none' then runtime_primary "
            "when len(runtime_frameworks) > 0 then runtime_frameworks[1] "
            "else 'not observed' end as observed, count(*) as repos "
            f"from {self._LATEST_REPRO} group by all order by claimed, observed")

    def repro_runnable(self) -> pd.DataFrame:
        if not self._need("reproductions"):
            return pd.DataFrame()
        low, high = wilson("ran", "n")
        return self.frame(
            f"select framework, n, ran, ran::double / n as share, {low} as ci_low, {high} as ci_high, "
            f"{FRAMEWORK_ORDER} as framework_order from ("
            "select coalesce(claimed_framework, 'none') as framework, count(*) as n, "
            f"count(*) filter (where stage_reached >= {RAN_STAGE}) as ran "
            f"from {self._LATEST_REPRO} group by 1) order by framework_order")

    def repro_failures(self) -> pd.DataFrame:
        if not self._need("reproductions"):
            return pd.DataFrame()
        return self.frame(
            "select coalesce(failure_category, 'no failure') as outcome, count(*) as repos, "
            "case when gpu_touched then 'touched the GPU' "
            "when gpu_present or gpu_touched is not null then 'GPU not touched' "
            "else 'no GPU present' end as gpu_use "
            f"from {self._LATEST_REPRO} group by all order by repos desc")

    def repro_isolation(self) -> pd.DataFrame:
        if not self._need("reproductions"):
            return pd.DataFrame()
        return self.frame(
            "select coalesce(isolation, sandbox, 'unknown') as isolation, count(*) as repos "
            f"from {self._LATEST_REPRO} group by all order by repos desc, isolation")

    def corrected_share(self) -> pd.DataFrame:
        if not self._need("corrected_framework_share"):
            return pd.DataFrame()
        return self.frame(f"select *, {FRAMEWORK_ORDER} as framework_order "
                          "from corrected_framework_share order by framework_order")

    # coverage -----------------------------------------------------------------
    def raw_tables(self) -> list[str]:
        names: list[str] = []
        for path in db.migration_files():
            names += re.findall(r"create table if not exists (\w+)", path.read_text(encoding="utf-8"))
        return names

    def table_rows(self) -> pd.DataFrame:
        raw = [t for t in self.raw_tables() if t not in MARTS]
        parts = []
        for layer, names in (("raw", raw), ("mart", list(MARTS))):
            for name in names:
                if self.has(name):
                    parts.append(f"select '{layer}' as layer, '{name}' as table_name, "
                                 f"count(*) as row_count, true as present from {name}")
                else:
                    parts.append(f"select '{layer}', '{name}', 0, false")
        return self.frame(" union all ".join(parts))

    def refreshes(self) -> pd.DataFrame:
        if not self._need("runs"):
            return pd.DataFrame()
        return self.frame(
            "select coalesce(source, command) as source, count(*) as runs, "
            "max(finished_at) filter (where status = 'succeeded') as last_success, "
            "arg_max(status, started_at) filter (where status <> 'running') as last_status, "
            "arg_max(error, started_at) filter (where status <> 'running') as last_error "
            "from runs where command <> 'report' "
            "and not (status = 'running' and command in ('refresh', 'refresh:report')) "
            "group by 1 order by 1")

    def current_refresh(self) -> tuple[Any, list[str]] | None:
        """The refresh this report is written inside: its start and the steps that failed.

        Its own `runs` row says 'running' until the report is done, so the report describes
        the run from its finished steps.
        """
        if not self._need("runs"):
            return None
        rows = self.con.execute(
            "select r.started_at from runs r where r.command = 'refresh' and r.status = 'running' "
            "and exists (select 1 from runs s where s.command = 'refresh:report' and s.status = 'running' "
            "and s.started_at >= r.started_at) order by r.started_at desc limit 1").fetchall()
        if not rows:
            return None
        failed = self.con.execute(
            "select command from runs where command like 'refresh:%' and status = 'failed' "
            "and started_at >= ? order by started_at", [rows[0][0]]).fetchall()
        return rows[0][0], [f[0].removeprefix("refresh:") for f in failed]

    def rejected(self) -> pd.DataFrame:
        if not self._need("rejected_records"):
            return pd.DataFrame()
        return self.frame("select source, count(*) as records from rejected_records "
                          "group by source order by records desc")

    def partial_quarters(self) -> list[str]:
        if not self._need("framework_share_quarterly"):
            return []
        rows = self.con.execute("select distinct quarter from framework_share_quarterly "
                                "where is_partial_quarter order by quarter").fetchall()
        return [r[0] for r in rows]
