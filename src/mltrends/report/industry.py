"""Sections 3 and 4: industry adoption and the reproduction results."""

from __future__ import annotations

import pandas as pd

from mltrends.label_correction import MIN_VALIDATED
from mltrends.report import charts
from mltrends.report.model import (
    ChartItem,
    Context,
    Section,
    Table,
    count,
    fw,
    interval,
    one_line,
    pct,
)
from mltrends.vocab import FRAMEWORKS


def industry(ctx: Context) -> Section:
    sec = Section("industry", "Industry adoption",
                  intro="Three signals of use outside research: PyPI downloads per framework, the "
                        "packages that depend on each framework, and the framework mix of GitHub "
                        "repositories by owner sector and company.")
    _downloads(ctx, sec)
    _families(ctx, sec)
    _dependents(ctx, sec)
    _vendors(ctx, sec)
    _companies(ctx, sec)
    _sectors(ctx, sec)
    return sec


def _downloads(ctx: Context, sec: Section) -> None:
    df = ctx.data.downloads_monthly()
    if df.empty:
        sec.missing.append("No PyPI downloads yet (mart pypi_downloads_monthly is empty).")
        return
    break_date = ctx.data.series_break("pypi_downloads")
    full = df[~df["is_partial_month"].fillna(True).astype(bool)]
    pool = full if not full.empty else df
    month = pool["month"].max()
    latest = pool[pool["month"] == month].sort_values("downloads", ascending=False)
    top = latest.iloc[0]
    title = f"{fw(top.framework)} packages had the most downloads in {month:%B %Y}"
    if len(latest) > 1 and latest.iloc[1].downloads > 0:
        ratio = top.downloads / latest.iloc[1].downloads
        title = (f"{fw(top.framework)} packages were downloaded {ratio:.1f}× as often as "
                 f"{fw(latest.iloc[1].framework)}'s in {month:%B %Y}")
        if ratio < 1.1:
            title = (f"{fw(top.framework)} and {fw(latest.iloc[1].framework)} packages were downloaded "
                     f"about equally often in {month:%B %Y}")
    sec.key_finding = title + f" ({count(top.downloads)} downloads)."
    sec.findings.append(sec.key_finding)
    partial = sorted(set(df.loc[df["is_partial_month"].fillna(True).astype(bool), "month"]))
    left_out = ("; months not fully observed are left out (" + ", ".join(f"{m:%b %Y}" for m in partial)
                + ")") if partial and not full.empty else ""
    chart = charts.downloads_over_time(
        full if not full.empty else df, title,
        ctx.subtitle("Sum over each framework's packages; dashed line: series break" + left_out),
        (break_date, f"PyPI counting changed ({break_date:%Y-%m-%d})") if break_date else None)
    sec.charts.append(ChartItem("industry_downloads_monthly", title, chart, df))
    if break_date:
        sec.notes.append(f"PyPI download counts changed definition on {break_date:%Y-%m-%d} (only "
                         ".whl, .tar.gz and .zip requests count since then): compare months on the "
                         "same side of the marked break.")
    table = latest.assign(Framework=latest.framework.map(fw), Downloads=latest.downloads.map(count),
                          Packages=latest.packages)[["Framework", "Downloads", "Packages"]]
    sec.tables.append(Table(f"Downloads per framework, {month:%B %Y}", table))


def _families(ctx: Context, sec: Section) -> None:
    df = ctx.data.family_share_latest()
    if df.empty:
        sec.missing.append("No download shares per package family (mart pypi_family_share is empty).")
        return
    month = pd.Timestamp(df["month"].max())
    leaders = df.sort_values("share").groupby("family").tail(1).set_index("family")
    pick = "mobile_edge" if "mobile_edge" in leaders.index else leaders.index[0]
    lead = leaders.loc[pick]
    title = (f"{fw(lead.framework)} takes {pct(lead.share)} of {pick.replace('_', '/')} package "
             f"downloads in {month:%B %Y}")
    sec.findings.append(title + ".")
    chart = charts.stacked_share_bars(
        df, title, ctx.subtitle("Share of downloads inside each package family, latest month"),
        "family", "Package family", "downloads", "Downloads")
    sec.charts.append(ChartItem("industry_family_share", title, chart, df))


def _dependents(ctx: Context, sec: Section) -> None:
    df = ctx.data.dependents()
    if df.empty:
        sec.missing.append("No dependents counts yet (deps.dev snapshots in pypi_dependents).")
        return
    top = df.iloc[0]
    title = f"{top.package} has the most dependent packages: {count(top.dependents)}"
    sec.findings.append(title + f" (deps.dev, {pd.Timestamp(top.snapshot_date):%Y-%m-%d}).")
    chart = charts.ranked_bars(
        df, title, ctx.subtitle("Packages that depend on each package, direct and indirect (deps.dev)"),
        "package", "Package", "dependents", "Dependent packages")
    sec.charts.append(ChartItem("industry_dependents", title, chart, df))


def _vendors(ctx: Context, sec: Section) -> None:
    """The framework vendors' own organisations, reported apart from industry adoption."""
    df = ctx.data.vendor_mix()
    if df.empty:
        return
    rows = [{"Organisation": r.owner, "Framework": fw(r.framework), "Repos": count(r.repos)}
            for r in df.itertuples()]
    sec.tables.append(Table("Framework vendors' own organisations (left out of industry adoption: "
                            "a vendor using its own framework is not adoption)", pd.DataFrame(rows)))


def _companies(ctx: Context, sec: Section) -> None:
    df = ctx.data.company_mix()
    if df.empty:
        sec.missing.append("No company framework mix yet (mart company_framework_mix is empty).")
        return
    last = df[df["year"] == df.groupby("company")["year"].transform("max")]
    leaders = last.sort_values("repos").groupby("company").tail(1)
    counts = leaders["framework"].value_counts()
    title = (f"{fw(counts.index[0])} is the main framework of {counts.iloc[0]} of {len(leaders)} "
             "companies in their latest year")
    sec.findings.append(title + ".")
    chart = charts.company_mix(df, title, ctx.subtitle("Share of each company's public ML repos by "
                                                       "the year they were created"))
    sec.charts.append(ChartItem("industry_company_mix", title, chart, df))


def _sectors(ctx: Context, sec: Section) -> None:
    df = ctx.data.sector_share()
    if df.empty:
        sec.missing.append("No sector split yet (mart sector_framework_share is empty: run "
                           "`mltrends classify` and `mltrends build`).")
        return
    df = df.assign(group=df["dimension"] + ": " + df["group_value"].str.replace("_", " "))
    keep = df.groupby("framework")["share"].transform("max") >= 0.03
    shown = df[keep].reset_index(drop=True)
    sectors = df[df["dimension"] == "sector"]
    title = "Framework share by owner sector and repo purpose"
    pivot = sectors.pivot_table(index="group_value", columns="framework", values="share")
    if {"industry", "academic"} <= set(pivot.index):
        lead = pivot.loc["industry"].idxmax()
        title = (f"Industry-owned repos use {fw(lead)} {pct(pivot.loc['industry', lead])} of the time, "
                 f"academic ones {pct(pivot.loc['academic'].get(lead))}")
    sec.findings.append(title + ".")
    chart = charts.points_with_intervals(
        shown, title, ctx.subtitle("Sector from the owner classifier, purpose from the repo "
                                   "classifier; bars: 95% interval"),
        "group", "Owner sector / repo purpose", "Share of repos (%)")
    sec.charts.append(ChartItem("industry_sector_share", title, chart, shown))
    frameworks = [f for f in FRAMEWORKS if f in set(shown["framework"])]
    table = (shown.assign(cell=[f"{pct(s)} ({interval(lo, hi)})" for s, lo, hi
                                in zip(shown.share, shown.ci_low, shown.ci_high, strict=True)])
             .pivot(index="group", columns="framework", values="cell")
             .reindex(columns=frameworks).rename(columns=fw))
    totals = shown.groupby("group")["total_repos"].max().map(count)
    table = table.assign(Repos=totals).reset_index().rename(columns={"group": "Group"}).fillna("–")
    sec.tables.append(Table("Framework share by owner sector and repo purpose (95% interval)", table))


def reproduction(ctx: Context) -> Section:
    sec = Section("reproduction", "Reproduction results",
                  intro="A stratified sample of paper repositories, run in a sandbox: which framework "
                        "the code really imported, whether it ran, and whether it touched a GPU.")
    matrix = ctx.data.repro_matrix()
    if matrix.empty:
        sec.missing.append("No reproduction runs in this database yet. `mltrends reproduce` samples "
                           "paper repositories and runs them; this section then compares claimed and "
                           "observed frameworks and corrects the research shares.")
        return sec
    n = int(matrix["repos"].sum())
    agree = int(matrix.loc[matrix["claimed"] == matrix["observed"], "repos"].sum())
    observed = int(matrix.loc[matrix["observed"] != "not observed", "repos"].sum())
    title = f"The code imported its claimed framework in {agree} of {observed} repos where an import was seen"
    sec.key_finding = f"Reproduction: {title} ({n} repos run)."
    sec.findings.append(sec.key_finding)
    matrix = matrix.assign(max_repos=matrix["repos"].max())
    sec.charts.append(ChartItem("repro_claimed_vs_observed", title, charts.heatmap(
        matrix, title, ctx.subtitle("Claimed: the paper's label; observed: first framework imported at run time"),
        "observed", "Observed framework (imported)", "claimed", "Claimed framework"), matrix))
    runnable = ctx.data.repro_runnable()
    ran, total = int(runnable["ran"].sum()), int(runnable["n"].sum())
    title = (f"{pct(ran / total if total else None)} of sampled repos passed the entrypoint smoke run "
             f"({ran} of {total})")
    sec.findings.append(title + ".")
    sec.charts.append(ChartItem("repro_runnable_rate", title, charts.points_with_intervals(
        runnable, title, ctx.subtitle("Share whose entrypoint smoke run passed, by claimed framework; bars: 95% interval"),
        "framework", "Claimed framework", "Runnable rate (%)"), runnable))
    from mltrends.reproduce.summary import stage_table
    stages = stage_table(ctx.data.con)
    if stages:
        sec.tables.append(Table("How far the sampled repositories got, beside published re-execution "
                                "studies (other populations and definitions; see mltrends/data/reexecution_studies.csv)",
                                pd.DataFrame(stages)))
    outcomes = ctx.data.repro_failures()
    gpu = outcomes.groupby("gpu_use")["repos"].sum()
    on_gpu = int(gpu.sum() - gpu.get("no GPU present", 0))
    title = f"{int(gpu.get('touched the GPU', 0))} of {on_gpu} repos run on a GPU machine touched the GPU"
    sec.findings.append(title + ".")
    sec.charts.append(ChartItem("repro_outcomes", title, charts.count_bars(
        outcomes, title, ctx.subtitle("Where each run stopped, split by GPU use"),
        "outcome", "Outcome", "repos", "Repos", "gpu_use"), outcomes))
    isolation = ctx.data.repro_isolation()
    sec.tables.append(Table("Isolation the reproduced code ran under", pd.DataFrame(
        [{"Isolation": r.isolation, "Repos": count(r.repos)} for r in isolation.itertuples()])))
    corrected = ctx.data.corrected_share()
    if corrected.empty:
        sec.missing.append("No label correction yet (table corrected_framework_share is empty: "
                           "run `mltrends claims`).")
    else:
        first = corrected.iloc[0]
        rows = [{"Framework": fw(r.framework),
                 "Observed share (95% Wilson)": f"{pct(r.observed_share, 1)} ({interval(r.observed_low, r.observed_high)})",
                 "Corrected share (95% bootstrap)": (
                     f"{pct(r.corrected_share, 1)} ({interval(r.corrected_low, r.corrected_high)})"
                     if r.status == "corrected" else "–"),
                 "Papers": count(r.n_population), "Validated repos": count(r.n_validated),
                 "Status": one_line(r.status, 90)} for r in corrected.itertuples()]
        sec.tables.append(Table(
            f"Research shares, observed and corrected for detection errors "
            f"({first.window_first}–{first.window_last}, headline population)", pd.DataFrame(rows)))
        sec.notes.append(
            "Label correction: P(detected framework | framework imported at run time) is estimated "
            "from reproduced official implementations of the same recent quarters, stratified by "
            "detected framework and weighted by stratum size, then inverted by least squares on the "
            "simplex; intervals resample both the papers and the reproductions. A framework with "
            f"fewer than {MIN_VALIDATED} validated repositories gets no corrected number.")
    return sec
