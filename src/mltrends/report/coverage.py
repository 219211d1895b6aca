"""Sections 5 and 6: data coverage and freshness, method and caveats."""

from __future__ import annotations

import pandas as pd

from mltrends.report import charts
from mltrends.report.model import ChartItem, Context, Section, Table, count, one_line
from mltrends.sources.registry import names as source_names


def coverage(ctx: Context) -> Section:
    sec = Section("coverage", "Data coverage and freshness",
                  intro="How much data each table holds, when each source was last refreshed "
                        "successfully, and what is missing.")
    rows = ctx.data.table_rows()
    filled = rows[rows["row_count"] > 0]
    title = (f"{len(filled)} of {len(rows)} tables hold data: "
             f"{count(rows['row_count'].sum())} rows in total")
    sec.findings.append(title + ".")
    shown = filled.sort_values(["layer", "row_count"], ascending=[False, False]).reset_index(drop=True)
    if not shown.empty:
        sec.charts.append(ChartItem("coverage_table_rows", title, charts.count_bars(
            shown, title, ctx.subtitle("Rows per raw table and per mart (symmetric log scale)"),
            "table_name", "Table", "row_count", "Rows", "layer", log=True), shown))
    table = rows.assign(Rows=rows["row_count"].map(count),
                        State=["built" if p else "not built" for p in rows["present"]])
    sec.tables.append(Table("Rows per table", table.rename(
        columns={"layer": "Layer", "table_name": "Table"})[["Layer", "Table", "Rows", "State"]]))

    refreshes = ctx.data.refreshes()
    if refreshes.empty:
        sec.missing.append("No command has been recorded in `runs`: nothing says when the data was "
                           "refreshed.")
    else:
        runs = [{"Source / command": r.source, "Runs": r.runs,
                 "Last success (UTC)": "never" if pd.isna(r.last_success) else f"{r.last_success:%Y-%m-%d %H:%M}",
                 "Last status": r.last_status,
                 "Last error": one_line(r.last_error, 90) if isinstance(r.last_error, str) else ""}
                for r in refreshes.itertuples()]
        current = ctx.data.current_refresh()
        if current is not None:
            started, failed = current
            runs = [r for r in runs if r["Source / command"] != "refresh"] + [{
                "Source / command": "refresh (this run)",
                "Runs": int(refreshes.loc[refreshes["source"] == "refresh", "runs"].sum()) + 1,
                "Last success (UTC)": (f"{started:%Y-%m-%d %H:%M} (this run)" if not failed else next(
                    (r["Last success (UTC)"] for r in runs if r["Source / command"] == "refresh"), "never")),
                "Last status": "failed: " + ", ".join(failed) if failed else "succeeded",
                "Last error": "" if not failed else "see the rows of the failed steps"}]
            sec.notes.insert(0, f"This report was written as the last step of the refresh started "
                                f"{started:%Y-%m-%d %H:%M} UTC; the table describes that run as it finished "
                                + ("with every step succeeded." if not failed
                                   else "with failed steps: " + ", ".join(failed) + "."))
        sec.tables.append(Table("Last successful refresh per source", pd.DataFrame(runs)))
    ok = set(refreshes.loc[refreshes["last_success"].notna(), "source"]) if not refreshes.empty else set()
    never = [s for s in source_names() if s not in ok]
    if never:
        sec.missing.append("Sources with no successful refresh recorded: " + ", ".join(never) + ".")
    empty = rows[(rows["row_count"] == 0) & rows["present"]]["table_name"].tolist()
    absent = rows[~rows["present"]]["table_name"].tolist()
    if empty:
        sec.missing.append("Empty tables: " + ", ".join(empty) + ".")
    if absent:
        sec.missing.append("Marts not built: " + ", ".join(absent) + " (run `mltrends build`).")
    partial = ctx.data.partial_quarters()
    if partial:
        sec.notes.append("Quarters not over yet (their shares will move): " + ", ".join(partial) + ".")
    archive_end = ctx.data.series_break("pwc_archive")
    if archive_end:
        sec.notes.append(f"The Papers with Code archive ends in {archive_end:%B %Y}; later papers come "
                         "from the catalogue and Hugging Face Papers, which list fewer papers per quarter.")
    rejected = ctx.data.rejected()
    if not rejected.empty:
        sec.tables.append(Table("Input records refused by the loaders (kept in rejected_records)",
                                rejected.rename(columns={"source": "Source", "records": "Records"})))
    return sec


def method(ctx: Context) -> Section:
    sec = Section("method", "Method and caveats")
    sec.notes += [
        "Research share: the final framework of each paper implementation, where code or manifest "
        "detection beats the Papers with Code label; a paper counts once per framework it is "
        "implemented in. Shares are fractions of papers with code, not of all papers.",
        "Intervals are 95% Wilson score intervals on the counts behind each share; an interval says "
        "how much the share could move by sampling alone, not how biased the source is.",
        "Industry: repositories are assigned to owner sectors and purposes by scikit-learn classifiers "
        "trained on hand labels; their errors flow into the sector shares. Company mixes count public "
        "repositories only.",
        "Downloads: pypistats counts without mirrors; CI and bots are included. The counting change "
        "of the series break makes levels before and after it incomparable.",
        "Claims: each claim has a metric with its unit (share, points, points per year), an interval "
        "method, a window fixed by the calendar from the refresh date and a verdict rule, all in the "
        "registry (sql/claims/claims.toml) and printed by `mltrends claims`; the evidence query is "
        "stored in the claims_scorecard table for anyone to rerun. A quarter of a window in which "
        "fewer than half of the papers have a known framework makes the claim not measurable.",
        "Multiplicity: 14 claims are each tested at 95%. Even if every number were unbiased, about "
        "0.7 verdicts would be wrong by chance (1 - 0.95^14 = 51% that at least one is); no "
        "correction is applied, so read a single supported or contradicted verdict near its "
        "threshold with that in mind. The dominance claim requires every quarter to clear the bar "
        "(an intersection-union test), which keeps its own error rate at 5%.",
        "Clustering: industry and company claims resample organisations, not repositories "
        "(repositories of one organisation are not independent), with a seeded percentile "
        "bootstrap; every bound is clipped to its metric's domain. The framework vendors' own "
        "organisations (tensorflow, pytorch, keras-team, jax-ml, ... : the vendor_org macro) are "
        "left out of industry adoption: a vendor using its own framework is not adoption.",
        "Research population: the headline series is papers with an official implementation, "
        "framework detected by mltrends, the same definition on both sides of the July 2025 end "
        "of the Papers with Code archive (series_breaks: pwc_archive); claims whose window crosses "
        "the break say so in their evidence.",
        "Reproduction: the sample is stratified, runs are sandboxed and time-limited; a repo that "
        "did not run still tells which framework it imports statically.",
    ]
    if ctx.demo:
        sec.notes.insert(0, "This report was built from SYNTHETIC demo data: the numbers show how "
                            "the report works and say nothing about the real world.")
    return sec
