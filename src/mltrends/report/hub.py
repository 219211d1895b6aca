"""Section: models published on the Hugging Face Hub (framework per month, formats, companies)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from mltrends.report import charts
from mltrends.report.data import FRAMEWORK_ORDER
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
from mltrends.stats import wilson

FORMAT_LABELS = {"onnx": "ONNX", "tflite": "TensorFlow Lite", "executorch": "ExecuTorch", "gguf": "GGUF",
                 "coreml": "Core ML"}
MIN_PER_MONTH = 30
POPULATION_LABELS = {"all": "all new models", "organisation": "organisation-owned",
                     "tracked_company": "tracked companies"}


def hub(ctx: Context) -> Section:
    sec = Section("hub", "Models on the Hugging Face Hub",
                  intro="What labs and companies publish: the framework of the weights of every model "
                        "created on the Hugging Face Hub, the deployment formats they ship, and the "
                        "tracked companies' models. Weights in a framework-neutral format (safetensors, "
                        "GGUF, ONNX) count for the framework the model's library runs on.")
    _frameworks(ctx, sec)
    _formats(ctx, sec)
    _companies(ctx, sec)
    _claims(ctx, sec)
    if not sec.empty:
        sec.notes.append("Framework rule (view stg_hub_models): a framework's own weights tag decides "
                         "(pytorch, tf/tflite, jax/flax, keras, ...); a model with several counts for the "
                         "one its library runs on; safetensors/GGUF/ONNX-only weights count for the "
                         "library's framework (transformers, diffusers -> PyTorch); other libraries are "
                         "'other'. Organisation-owned means a tracked company or a GitHub organisation "
                         "of the same name: the Hub's model list does not say whether an owner is a user.")
    return sec


def _frameworks(ctx: Context, sec: Section) -> None:
    if not ctx.data.has("hub_framework_share_monthly"):
        sec.missing.append("No Hub models yet (run `mltrends ingest hub-models` and `mltrends build`).")
        return
    df = ctx.data.frame(
        f"select population, month, framework, models, total_models, share, ci_low, ci_high, "
        f"is_partial_month, {FRAMEWORK_ORDER} as framework_order from hub_framework_share_monthly "
        "order by population, month, framework_order")
    if df.empty:
        sec.missing.append("No Hub models yet (mart hub_framework_share_monthly is empty).")
        return
    monthly = df[df["population"] == "all"].reset_index(drop=True)
    full = monthly[~monthly["is_partial_month"].astype(bool)]
    month = (full if not full.empty else monthly)["month"].max()
    latest = monthly[monthly["month"] == month].sort_values("share", ascending=False)
    top = latest.iloc[0]
    title = (f"{pct(top.share)} of the models created on the Hub in {pd.Timestamp(month):%B %Y} hold "
             f"{fw(top.framework)} weights")
    sec.key_finding = title + f" ({count(top.models)} of {count(top.total_models)})."
    sec.findings.append(sec.key_finding)
    shown, period = _pooled(monthly)
    keep = shown.groupby("framework")["share"].transform("max") >= 0.03
    note = ("" if period == "month" else
            f"months pooled into quarters: fewer than {MIN_PER_MONTH} new models a month; ")
    chart = _share_lines(shown[keep].reset_index(drop=True), title,
                         ctx.subtitle(f"Share of the new models of each {period}; {note}band: 95% interval; "
                                      f"open points: {period} not over"))
    sec.charts.append(ChartItem("hub_framework_share_monthly", title, chart, monthly))
    recent = df[df["month"] >= pd.Timestamp(month) - pd.DateOffset(months=11)]
    recent = recent[~recent["is_partial_month"].astype(bool)]
    pooled = (recent.groupby(["population", "framework"], as_index=False)
              .agg(models=("models", "sum"), framework_order=("framework_order", "first")))
    pooled["share"] = pooled["models"] / pooled.groupby("population")["models"].transform("sum")
    pooled["population"] = pooled["population"].map(POPULATION_LABELS)
    if not pooled.empty:
        org = pooled[pooled["population"] == POPULATION_LABELS["organisation"]]
        lead = org.sort_values("share").iloc[-1] if not org.empty else pooled.sort_values("share").iloc[-1]
        title2 = (f"{fw(lead.framework)} leads among {lead.population} models too: {pct(lead.share)} "
                  "over the last 12 months")
        sec.findings.append(title2 + ".")
        chart2 = charts.stacked_share_bars(
            pooled, title2, ctx.subtitle("Framework mix of the models created in the last 12 complete "
                                         "months, per owner population"),
            "population", "Owners", "models", "Models")
        sec.charts.append(ChartItem("hub_framework_by_population", title2, chart2, pooled))


def _pooled(monthly: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Monthly shares, or quarterly ones when months hold too few models to read a share."""
    per_month = monthly.groupby("month")["total_models"].first()
    if per_month.median() >= MIN_PER_MONTH:
        return monthly, "month"
    q = monthly.assign(month=monthly["month"].dt.to_period("Q").dt.start_time)
    out = q.groupby(["month", "framework"], as_index=False).agg(
        models=("models", "sum"), is_partial_month=("is_partial_month", "max"))
    out["total_models"] = out.groupby("month")["models"].transform("sum")
    out["share"] = out["models"] / out["total_models"]
    bounds = [wilson(int(k), int(n)) for k, n in zip(out["models"], out["total_models"], strict=True)]
    out["ci_low"], out["ci_high"] = [b[0] for b in bounds], [b[1] for b in bounds]
    return out, "quarter"


def _share_lines(df: pd.DataFrame, title: str, subtitle: list[str]) -> alt.LayerChart:
    x = alt.X("month:T", title="When the model was created", axis=alt.Axis(format="%Y", tickCount="year"))
    y = alt.Y("share:Q", title="Share of new Hub models (%)", axis=charts.SHARE_AXIS)
    tips = [alt.Tooltip("month:T", title="Month", format="%b %Y"),
            alt.Tooltip("framework:N", title="Framework"),
            alt.Tooltip("share:Q", title="Share", format=".1%"),
            alt.Tooltip("ci_low:Q", title="95% CI low", format=".1%"),
            alt.Tooltip("ci_high:Q", title="95% CI high", format=".1%"),
            alt.Tooltip("models:Q", title="Models", format=","),
            alt.Tooltip("total_models:Q", title="All new models", format=","),
            alt.Tooltip("is_partial_month:N", title="Month not over")]
    base = alt.Chart(df)
    band = base.mark_area(opacity=0.15).encode(
        x=x, y=alt.Y("ci_low:Q", title="Share of new Hub models (%)", axis=charts.SHARE_AXIS),
        y2="ci_high:Q", color=charts.framework_color(df))
    line = base.mark_line(strokeWidth=2).encode(x=x, y=y, color=charts.framework_color(df))
    points = base.mark_point(filled=True, size=20).encode(
        x=x, y=y, color=charts.framework_color(df), tooltip=tips,
        fill=alt.condition("datum.is_partial_month", alt.value("white"),
                           charts.framework_color(df, legend=False)))
    return (line + band + points).properties(title=charts._title(title, subtitle), width=charts.WIDTH,
                                             height=charts.HEIGHT)


def _formats(ctx: Context, sec: Section) -> None:
    if not ctx.data.has("hub_formats_monthly"):
        return
    df = ctx.data.frame("select month, format, models, total_models, share, ci_low, ci_high, is_partial_month "
                        "from hub_formats_monthly order by month, format")
    if df.empty or df["models"].sum() == 0:
        sec.missing.append("No new Hub models ship a deployment format yet (mart hub_formats_monthly).")
        return
    df["format_label"] = df["format"].map(FORMAT_LABELS)
    last_year = df[(df["month"] > df["month"].max() - pd.DateOffset(months=12))
                   & ~df["is_partial_month"].astype(bool)]
    totals = last_year.groupby("format_label")["models"].sum().sort_values(ascending=False)
    title = (f"{totals.index[0]} is the most shipped deployment format of new Hub models over the last "
             f"12 months ({count(totals.iloc[0])} models)")
    sec.findings.append(title + ".")
    tips = [alt.Tooltip("month:T", title="Month", format="%b %Y"), alt.Tooltip("format_label:N", title="Format"),
            alt.Tooltip("models:Q", title="Models", format=","), alt.Tooltip("share:Q", title="Share", format=".1%"),
            alt.Tooltip("total_models:Q", title="All new models", format=",")]
    chart = alt.Chart(df).mark_line(point=True, strokeWidth=2).encode(
        x=alt.X("month:T", title="Month the model was created", axis=alt.Axis(format="%Y", tickCount="year")),
        y=alt.Y("models:Q", title="New models shipping the format"),
        color=alt.Color("format_label:N", title="Format", scale=alt.Scale(scheme="tableau10")),
        tooltip=tips,
    ).properties(title=charts._title(title, ctx.subtitle("ONNX, TensorFlow Lite, ExecuTorch, GGUF and "
                                                         "Core ML weights among the models created each "
                                                         "month (a model can ship several)")),
                 width=charts.WIDTH, height=charts.HEIGHT)
    sec.charts.append(ChartItem("hub_formats_monthly", title, chart, df))


def _companies(ctx: Context, sec: Section) -> None:
    if not ctx.data.has("hub_company_models"):
        return
    df = ctx.data.frame(f"select company, year, framework, models, total_models, share, "
                        f"{FRAMEWORK_ORDER} as framework_order from hub_company_models "
                        "where year >= 2019 order by company, year, framework_order")
    if df.empty:
        sec.missing.append("No models of the tracked companies on the Hub yet (mart hub_company_models).")
        return
    last = df[df["year"] == df.groupby("company")["year"].transform("max")]
    leaders = last.sort_values("models").groupby("company").tail(1)
    counts = leaders["framework"].value_counts()
    title = (f"{fw(counts.index[0])} is the main framework of {counts.iloc[0]} of {len(leaders)} companies' "
             "Hub models in their latest year")
    sec.findings.append(title + ".")
    tips = [alt.Tooltip("company:N", title="Company"), alt.Tooltip("year:O", title="Year"),
            alt.Tooltip("framework:N", title="Framework"), alt.Tooltip("models:Q", title="Models"),
            alt.Tooltip("total_models:Q", title="All models"), alt.Tooltip("share:Q", title="Share", format=".0%")]
    chart = alt.Chart(df).mark_bar().encode(
        x=alt.X("year:O", title="Year the model was created"),
        y=alt.Y("models:Q", stack="normalize", title="Share of models (%)", axis=charts.SHARE_AXIS),
        color=charts.framework_color(df), order=alt.Order("framework_order:Q"), tooltip=tips,
    ).properties(width=150, height=110).facet(
        facet=alt.Facet("company:N", title=None, header=alt.Header(labelFontSize=12)), columns=4,
    ).properties(title=charts._title(title, ctx.subtitle("Share of each company's Hub models by the year "
                                                         "they were created (its tracked namespaces)")))
    sec.charts.append(ChartItem("hub_company_models", title, chart, df))


def _claims(ctx: Context, sec: Section) -> None:
    if not ctx.data.has("claim_views"):
        return
    df = ctx.data.frame("select claim_id, label, metric, ci_low, ci_high, n, verdict, reason from claim_views "
                        "where view = 'hub' or claim_id = 'hf-pytorch' order by claim_id, view")
    if df.empty:
        return
    table = pd.DataFrame({
        "Claim": df["claim_id"], "Evidence": df["label"].map(one_line),
        "Value": df["metric"].map(pct), "95% interval": [interval(lo, hi) for lo, hi in zip(df.ci_low, df.ci_high,
                                                                                           strict=True)],
        "n": df["n"].map(count), "Verdict": df["verdict"], "Why": df["reason"].map(one_line)})
    sec.tables.append(Table("The claims' further evidence: the Hub beside downloads and GitHub repos "
                            "(the scorecard holds each claim's main metric)", table))
