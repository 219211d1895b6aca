"""Sections 1 and 2: headline findings (the claims scorecard) and research adoption."""

from __future__ import annotations

from datetime import date

import pandas as pd

from mltrends.report import charts
from mltrends.report.model import (
    ChartItem,
    Context,
    Section,
    Table,
    count,
    fw,
    interval,
    is_share_metric,
    one_line,
    pct,
    unit_interval,
    unit_text,
)
from mltrends.stats import wilson
from mltrends.vocab import FRAMEWORKS

MEASURE_LABELS = {"research": "papers with code", "industry": "industry repos",
                  "download": "PyPI downloads"}


def headline(ctx: Context) -> Section:
    sec = Section("headline", "Headline findings",
                  intro="Each claim from the “TensorFlow vs PyTorch” guide, checked against the "
                        "data: the verdict, the number that decides it, its 95% interval and the "
                        "evidence in one line.")
    claims = ctx.data.claims()
    if claims.empty:
        sec.missing.append("No claims have been evaluated yet: the claims scorecard is empty "
                           "(run `mltrends claims` after `mltrends build`).")
    else:
        verdicts = claims["verdict"].value_counts()
        summary = (f"{verdicts.get('supported', 0)} of {len(claims)} claims are supported by the data, "
                   f"{verdicts.get('contradicted', 0)} contradicted, "
                   f"{verdicts.get('inconclusive', 0)} inconclusive and "
                   f"{verdicts.get('not measurable', 0)} not measurable")
        sec.key_finding = summary + "."
        sec.findings.append(summary + ".")
        rows = [{"Verdict": r.verdict, "Claim": one_line(r.quote, 90), "Number": unit_text(r.unit, r.metric, r.metric_name),
                 "Interval": unit_interval(r.unit, r.ci_low, r.ci_high, r.interval_method, r.metric_name, r.metric),
                 "Unit; interval method": one_line(f"{r.unit if isinstance(r.unit, str) else 'n/a'}; "
                                                   f"{r.interval_method if isinstance(r.interval_method, str) else 'n/a'}", 90),
                 "Window": f"{r.window_first}–{r.window_last}" if isinstance(r.window_first, str) else "all data",
                 "n": count(r.n), "Evidence": one_line(r.reason)}
                for r in claims.itertuples()]
        sec.tables.append(Table("Claims scorecard", pd.DataFrame(rows)))
        _claims_charts(ctx, sec, claims, summary)
    adoption = ctx.data.adoption()
    if adoption.empty:
        sec.missing.append("The research-versus-industry summary (mart adoption_summary) is empty.")
    else:
        sec.charts.append(_adoption_chart(ctx, adoption))
    return sec


def _claims_charts(ctx: Context, sec: Section, claims: pd.DataFrame, summary: str) -> None:
    """Shares on a share axis, differences on a points axis with zero marked; a range (not a
    confidence interval) and trends are left to the table."""
    measured = claims.dropna(subset=["metric", "ci_low", "ci_high"])
    is_range = measured["interval_method"].fillna("").astype(str).str.startswith("range")
    cols = ["claim_id", "verdict", "metric_name", "share", "ci_low", "ci_high", "n"]
    unknown = measured["unit"].isna() & pd.Series(
        [is_share_metric(n, v) for n, v in zip(measured.metric_name, measured.metric, strict=True)],
        index=measured.index, dtype=bool)
    shares = measured[((measured["unit"] == "share") | unknown) & ~is_range]
    if not shares.empty:
        frame = shares.rename(columns={"metric": "share"})[cols]
        sec.charts.append(ChartItem(
            "claims_scorecard", summary, charts.points_with_intervals(
                frame, summary, ctx.subtitle("Claims measured as a share: point and 95% interval "
                                             "(Wilson or organisation bootstrap, see the table)"),
                "claim_id", "Claim", "Measured share (%)", color_field="verdict"), frame))
    points = measured[(measured["unit"] == "points") & ~is_range]
    if not points.empty:
        frame = points.rename(columns={"metric": "share"})[cols]
        title = "Claims measured as a difference of shares (TensorFlow minus PyTorch, or after minus before)"
        sec.charts.append(ChartItem(
            "claims_differences", title, charts.points_with_intervals(
                frame, title, ctx.subtitle("Percentage points; the dashed line is zero (no difference); "
                                           "bars: 95% intervals"),
                "claim_id", "Claim", "Difference (percentage points)", color_field="verdict",
                points_axis=True), frame))


def _adoption_chart(ctx: Context, adoption: pd.DataFrame) -> ChartItem:
    parts = []
    for key, measure in MEASURE_LABELS.items():
        if f"{key}_share" not in adoption:
            continue
        part = pd.DataFrame({"framework": adoption["framework"], "measure": measure,
                             "share": adoption[f"{key}_share"],
                             "ci_low": adoption.get(f"{key}_ci_low", adoption[f"{key}_share"]),
                             "ci_high": adoption.get(f"{key}_ci_high", adoption[f"{key}_share"])})
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True).dropna(subset=["share"])
    keep = frame.groupby("framework")["share"].transform("max") >= 0.01
    frame = frame[keep].reset_index(drop=True)
    research = adoption.dropna(subset=["research_share"]).sort_values("research_share")
    industry = adoption.dropna(subset=["industry_share"]).sort_values("industry_share")
    if not research.empty and not industry.empty:
        r, i = research.iloc[-1], industry.iloc[-1]
        title = (f"{fw(r.framework)} leads research ({pct(r.research_share)} of papers with code); "
                 f"{fw(i.framework)} leads industry repos ({pct(i.industry_share)})")
    else:
        title = "Framework shares in research, industry and downloads"
    chart = charts.points_with_intervals(
        frame, title, ctx.subtitle("Points: measured share; bars: 95% interval"),
        "framework", "Framework", "Share (%)", shape_field="measure")
    return ChartItem("adoption_overview", title, chart, frame)


def research(ctx: Context) -> Section:
    sec = Section("research", "Research adoption",
                  intro="Which framework the implementations of papers with code use, per quarter: "
                        "the Papers with Code “Trends” view, continued past the July 2025 archive "
                        "with the catalogue and Hugging Face Papers.")
    _populations(ctx, sec)
    quarterly = ctx.data.share_quarterly()
    if quarterly.empty:
        sec.missing.append("No framework shares per quarter yet (mart framework_share_quarterly is "
                           "empty or not built: run `mltrends build`).")
    else:
        _quarterly(ctx, sec, quarterly)
    venues = ctx.data.venue_vs_published()
    if venues.empty:
        sec.missing.append("No venue edition matches a published figure, so there is nothing to set "
                           f"side by side (venues measured: {ctx.data.venue_count()}).")
    else:
        _venues(ctx, sec, venues)
    return sec


SMALL_QUARTER = 40  # below this many papers a quarter, the yearly view is the readable one


def yearly_shares(quarterly: pd.DataFrame) -> pd.DataFrame:
    """Quarterly shares folded into years (each paper is in exactly one quarter), Wilson bands."""
    frame = quarterly.assign(year=pd.to_datetime(quarterly["quarter_start"]).dt.year)
    totals = frame.groupby(["year", "quarter"])["total_papers"].first().groupby("year").sum()
    papers = frame.groupby(["year", "framework"])["papers"].sum().reset_index()
    papers["total_papers"] = papers["year"].map(totals)
    bands = [wilson(int(k), int(n)) for k, n in zip(papers["papers"], papers["total_papers"], strict=True)]
    partial = frame.groupby("year")["is_partial_quarter"].any()
    return papers.assign(
        share=papers["papers"] / papers["total_papers"],
        ci_low=[lo for lo, _ in bands], ci_high=[hi for _, hi in bands],
        quarter=papers["year"].astype(str),
        quarter_start=pd.to_datetime(papers["year"].astype(str) + "-01-01"),
        is_partial_quarter=papers["year"].map(partial).astype(bool))


def _archive_marker(ctx: Context) -> tuple[date, str] | None:
    archive_end = ctx.data.series_break("pwc_archive")
    return (archive_end, f"PwC archive ends ({archive_end:%B %Y})") if archive_end else None


def _yearly(ctx: Context, sec: Section, shown: pd.DataFrame) -> str:
    years = yearly_shares(shown)
    done = years[~years["is_partial_quarter"]]
    pool = done if not done.empty else years
    last = pool[pool["quarter"] == pool["quarter"].iloc[-1]].sort_values("share", ascending=False).iloc[0]
    title = f"{fw(last.framework)} implements {pct(last.share)} of papers with code in {last.quarter}"
    chart = charts.share_over_time(
        years, title, ctx.subtitle(f"Per year, because quarters hold fewer than {SMALL_QUARTER} papers "
                                   "here; bands: 95% Wilson interval; hollow points: year not over yet"),
        _archive_marker(ctx), period="Year")
    sec.charts.append(ChartItem("research_share_yearly", title, chart, years))
    return f"{title} (95% CI {interval(last.ci_low, last.ci_high)}, {count(last.total_papers)} papers)"


def _quarterly(ctx: Context, sec: Section, df: pd.DataFrame) -> None:
    complete = df[~df["is_partial_quarter"].astype(bool)]
    pool = complete if not complete.empty else df
    latest_q = pool["quarter"].iloc[-1]
    latest = pool[pool["quarter"] == latest_q].sort_values("share", ascending=False)
    top = latest.iloc[0]
    title = f"{fw(top.framework)} implements {pct(top.share)} of papers with code in {latest_q}"
    quarters = list(dict.fromkeys(pool["quarter"]))
    finding = f"{title} (95% CI {interval(top.ci_low, top.ci_high)}, {count(top.total_papers)} papers)"
    if len(quarters) > 4:
        before = pool[(pool["quarter"] == quarters[-5]) & (pool["framework"] == top.framework)]
        if not before.empty:
            finding += f", against {pct(before.iloc[0].share)} a year earlier ({quarters[-5]})"
    sec.key_finding = finding + "."
    sec.findings.append(finding + ".")
    others = latest[~latest["framework"].isin([top.framework, "none", "other"])]
    if not others.empty:
        second = others.iloc[0]
        sec.findings.append(f"Runner-up in {latest_q}: {fw(second.framework)} with {pct(second.share)} "
                            f"(95% CI {interval(second.ci_low, second.ci_high)}).")
    keep = df.groupby("framework")["share"].transform("max") >= 0.03
    shown = df[keep].reset_index(drop=True)
    thin = df.groupby("quarter")["total_papers"].first().median() < SMALL_QUARTER
    if thin:  # the yearly view leads: it is the one with enough papers per point to read
        yearly = _yearly(ctx, sec, shown)
        sec.key_finding = yearly + "."
        sec.findings.insert(0, yearly + ".")
    detail = (f"Quarters hold fewer than {SMALL_QUARTER} papers here: read the yearly chart above; "
              "this one shows the detail. " if thin else "")
    chart = charts.share_over_time(
        shown, title, ctx.subtitle(detail + "Bands: 95% Wilson interval; hollow points: quarter not "
                                   "over yet; frameworks under 3% throughout are left out"),
        _archive_marker(ctx))
    sec.charts.append(ChartItem("research_share_quarterly", title, chart, df))
    recent = pool[pool["quarter"].isin(quarters[-8:])]
    frameworks = [f for f in FRAMEWORKS if f in set(shown["framework"])]
    table = (recent[recent["framework"].isin(frameworks)]
             .assign(cell=lambda f: [f"{pct(s)} ({interval(lo, hi)})"
                                     for s, lo, hi in zip(f.share, f.ci_low, f.ci_high, strict=True)])
             .pivot(index="quarter", columns="framework", values="cell")
             .reindex(columns=frameworks).rename(columns=fw).reset_index()
             .rename(columns={"quarter": "Quarter"}))
    sec.tables.append(Table("Share of papers with code per framework, last 8 complete quarters "
                            "(95% interval)", table.fillna("–")))
    archive_end = ctx.data.series_break("pwc_archive")
    if archive_end:
        sec.notes.append(f"Papers published after {archive_end:%B %Y} come from the read-only "
                         "catalogue and Hugging Face Papers, not from the archive; the dashed line "
                         "marks the switch.")


POPULATIONS = {
    "official_detected": ("research_share_headline", "Headline population: papers with an official "
                          "implementation, framework detected by mltrends (the same definition before "
                          "and after the archive ends)"),
    "pwc_label": ("research_share_pwc_labels", "The archive's own view: Papers with Code framework "
                  "labels (archive papers only)"),
}


def _populations(ctx: Context, sec: Section) -> None:
    """The headline series (one population across the break) and the PwC-label series."""
    marker = _archive_marker(ctx)
    drawn = 0
    for population, (name, what) in POPULATIONS.items():
        df = ctx.data.population_quarterly(population)
        if df.empty:
            sec.missing.append(f"No quarterly shares for the {population} population "
                               "(mart research_share_quarterly).")
            continue
        keep = df.groupby("framework")["share"].transform("max") >= 0.03
        shown = df[keep].reset_index(drop=True)
        # quarters, not years: the break falls on a quarter boundary, so no point mixes both sides
        done = shown[~shown["is_partial_quarter"].astype(bool)]
        pool = done if not done.empty else shown
        last = pool[pool["quarter"] == pool["quarter"].iloc[-1]].sort_values("share", ascending=False).iloc[0]
        title = f"{fw(last.framework)}: {pct(last.share)} of papers in {last.quarter} ({what.split(':')[0].lower()})"
        chart = charts.share_over_time(
            shown, title, ctx.subtitle(what, "Per quarter; bands: 95% Wilson interval; hollow points: "
                                       "quarter not over yet; the dashed line is the series break "
                                       "(pwc_archive)"), marker)
        sec.charts.append(ChartItem(name, title, chart, shown))
        drawn += 1
    if drawn:
        sec.notes.append("The headline research series counts each paper with an official "
                         "implementation once, with the framework mltrends detects in that "
                         "implementation's code or manifests, before and after the archive ends; the "
                         "PwC-label series is the archive's own labelling and stops with it. The break "
                         "is a row of series_breaks (pwc_archive) and is drawn on each chart that "
                         "crosses it.")


def _venues(ctx: Context, sec: Section, df: pd.DataFrame) -> None:
    df = df.copy()
    if df["measure"].iloc[0].startswith("share of PyTorch + TensorFlow"):
        df = df[df["framework"] == "pytorch"]  # the TensorFlow share is its complement
    df["edition"] = df["venue"] + " " + df["year"].astype(str)
    df["order"] = df["year"] * 1000 + df["venue"].rank(method="dense")
    measured = pd.DataFrame({"edition": df.edition, "order": df.order, "framework": df.framework,
                             "source": "measured", "share": df.share, "ci_low": df.ci_low,
                             "ci_high": df.ci_high, "citation": "this report"})
    published = pd.DataFrame({"edition": df.edition, "order": df.order, "framework": df.framework,
                              "source": "published", "share": df.published_share, "ci_low": None,
                              "ci_high": None, "citation": df.published_source})
    long = pd.concat([measured, published], ignore_index=True)
    long["series"] = long["framework"] + " · " + long["source"]
    measure = df["measure"].iloc[0]
    diff = (df["share"] - df["published_share"]).abs()
    editions = df["edition"].nunique()
    title = (f"Measured shares differ from published figures by {diff.mean() * 100:.1f} points "
             f"on average across {editions} venue editions")
    sec.findings.append(title + f" (largest gap: {diff.max() * 100:.1f} points).")
    chart = charts.venue_vs_published(
        long, title, ctx.subtitle(f"Both as the {measure}. Circles: measured here (bar: 95% interval); "
                                  "diamonds: published figure"))
    sec.charts.append(ChartItem("research_venues_vs_published", title, chart, long))
    rows = [{"Venue": r.venue, "Year": r.year, "Framework": fw(r.framework),
             "Measured": f"{pct(r.share)} ({interval(r.ci_low, r.ci_high)})",
             "Published": pct(r.published_share),
             "Difference": f"{(r.share - r.published_share) * 100:+.1f} pts",
             "Published by": one_line(r.published_citation or r.published_source, 70)}
            for r in df.itertuples()]
    sec.tables.append(Table(f"Measured vs published {measure} per venue edition", pd.DataFrame(rows)))
    sec.notes.append("Published venue figures count papers whose text mentions a framework; this report "
                     "counts papers whose released code uses it. The two measure different things, so a "
                     "gap is expected.")
