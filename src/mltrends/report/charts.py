"""Altair chart builders: one colour per framework everywhere, titles that state the finding.

Every builder takes tidy, already aggregated frames (the SQL did the work) and returns a
chart whose title is the finding and whose subtitle carries the data label (synthetic
data says so on every chart).
"""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd

from mltrends import vocab
from mltrends.vocab import FRAMEWORKS

# Fixed domain and range: the same framework has the same colour in every chart.
FRAMEWORK_COLORS: dict[str, str] = {
    "pytorch": "#e8590c",
    "tensorflow": "#1971c2",
    "jax": "#2f9e44",
    "keras": "#c2255c",
    "mxnet": "#7048e8",
    "paddle": "#0c8599",
    "mindspore": "#8d6e63",
    "other": "#868e96",
    "none": "#ced4da",
}
FRAMEWORK_LABELS: dict[str, str] = vocab.FRAMEWORK_LABELS
VERDICT_COLORS: dict[str, str] = {
    "supported": "#2b8a3e", "contradicted": "#c92a2a", "inconclusive": "#e67700",
    "not measurable": "#868e96",
}
WIDTH = 640
HEIGHT = 300
SHARE_AXIS = alt.Axis(format="%")


def _is_text(column: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(column) or column.dtype == object


def label(framework: str) -> str:
    return FRAMEWORK_LABELS.get(framework, framework)


def framework_color(df: pd.DataFrame | None = None, legend: bool = True,
                    title: str = "Framework") -> alt.Color:
    """The one colour encoding for `framework`: fixed domain and range in every chart.

    The legend lists only the frameworks present in df; the colours never move.
    """
    scale = alt.Scale(domain=list(FRAMEWORKS), range=[FRAMEWORK_COLORS[f] for f in FRAMEWORKS])
    present = set(df["framework"]) if df is not None and "framework" in df else set(FRAMEWORKS)
    values = [f for f in FRAMEWORKS if f in present]
    return alt.Color("framework:N", title=title, scale=scale,
                     legend=alt.Legend(orient="right", values=values, symbolOpacity=1)
                     if legend else None)


def _title(text: str, subtitle: list[str]) -> alt.Title:
    return alt.Title(text=text, subtitle=subtitle or [""], anchor="start", fontSize=15,
                     subtitleColor="#495057", subtitleFontSize=12, offset=10)


def _pct(x: float | None) -> str:
    return "n/a" if x is None or pd.isna(x) else f"{x:.0%}"


def _with_rule(chart: alt.LayerChart, marker: tuple[date, str] | None,
               y_px: int = 10) -> alt.LayerChart:
    """The chart plus a dashed vertical rule with its label to the left (none without a marker)."""
    if marker is None:
        return chart
    when, text = marker
    marker_df = pd.DataFrame({"date": [pd.Timestamp(when)], "label": [text]})
    base = alt.Chart(marker_df)
    rule = base.mark_rule(color="#343a40", strokeDash=[5, 4], strokeWidth=1.5).encode(
        x="date:T", tooltip=[alt.Tooltip("label:N", title="Marker"),
                             alt.Tooltip("date:T", title="Date", format="%Y-%m-%d")])
    words = base.mark_text(align="right", dx=-5, fontSize=11, color="#343a40").encode(
        x="date:T", y=alt.value(y_px), text="label:N")
    return chart + rule + words


def share_over_time(df: pd.DataFrame, title: str, subtitle: list[str],
                    archive_end: tuple[date, str] | None, period: str = "Quarter") -> alt.LayerChart:
    """Framework share per quarter (or year): line per framework, 95% band, archive end marked."""
    x = alt.X("quarter_start:T", title=f"{period} of publication", axis=alt.Axis(format="%Y"))
    y = alt.Y("share:Q", title="Share of papers with code (%)", axis=SHARE_AXIS)
    tips = [alt.Tooltip("quarter:N", title=period), alt.Tooltip("framework:N", title="Framework"),
            alt.Tooltip("share:Q", title="Share", format=".1%"),
            alt.Tooltip("ci_low:Q", title="95% CI low", format=".1%"),
            alt.Tooltip("ci_high:Q", title="95% CI high", format=".1%"),
            alt.Tooltip("papers:Q", title="Papers", format=","),
            alt.Tooltip("total_papers:Q", title="All papers", format=","),
            alt.Tooltip("is_partial_quarter:N", title=f"{period} not over")]
    base = alt.Chart(df)
    band = base.mark_area(opacity=0.18).encode(
        x=x, y=alt.Y("ci_low:Q", title="Share of papers with code (%)", axis=SHARE_AXIS),
        y2="ci_high:Q", color=framework_color(df))
    line = base.mark_line(strokeWidth=2.2).encode(x=x, y=y, color=framework_color(df))
    points = base.mark_point(filled=True, size=28).encode(
        x=x, y=y, color=framework_color(df), tooltip=tips,
        fill=alt.condition("datum.is_partial_quarter", alt.value("white"),
                           framework_color(df, legend=False)))
    chart = _with_rule(line + band + points, archive_end)
    return chart.properties(title=_title(title, subtitle), width=WIDTH, height=HEIGHT)


def venue_vs_published(df: pd.DataFrame, title: str, subtitle: list[str]) -> alt.LayerChart:
    """Measured share (with interval) next to the published figure, per venue edition."""
    x = alt.X("edition:N", title="Venue and year", sort=alt.SortField("order"),
              axis=alt.Axis(labelAngle=-40))
    offset = alt.XOffset("series:N", sort=alt.SortField("series"))
    y = alt.Y("share:Q", title="Share of the venue's papers (%)", axis=SHARE_AXIS)
    tips = [alt.Tooltip("edition:N", title="Venue"), alt.Tooltip("framework:N", title="Framework"),
            alt.Tooltip("source:N", title="Figure"), alt.Tooltip("share:Q", title="Share", format=".1%"),
            alt.Tooltip("ci_low:Q", title="95% CI low", format=".1%"),
            alt.Tooltip("ci_high:Q", title="95% CI high", format=".1%"),
            alt.Tooltip("citation:N", title="Published by")]
    base = alt.Chart(df)
    bars = base.mark_rule(strokeWidth=2).encode(
        x=x, xOffset=offset, y=alt.Y("ci_low:Q", title="Share of the venue's papers (%)", axis=SHARE_AXIS),
        y2="ci_high:Q", color=framework_color(df))
    points = base.mark_point(size=80, filled=True, opacity=0.95).encode(
        x=x, xOffset=offset, y=y, color=framework_color(df), tooltip=tips,
        shape=alt.Shape("source:N", title="Figure",
                        scale=alt.Scale(domain=["measured", "published"], range=["circle", "diamond"])))
    return (bars + points).properties(title=_title(title, subtitle), width=WIDTH, height=HEIGHT)


def points_with_intervals(df: pd.DataFrame, title: str, subtitle: list[str], y_field: str,
                          y_title: str, x_title: str, shape_field: str | None = None,
                          color_field: str = "framework", points_axis: bool = False) -> alt.LayerChart:
    """A share per row with its 95% interval as an error bar (claims, sectors, adoption).

    points_axis: the values are differences of shares, drawn on a -100..+100 points axis
    with zero marked."""
    y = alt.Y(f"{y_field}:N", title=y_title, sort=None, axis=alt.Axis(labelLimit=260))
    offset = alt.YOffset(f"{shape_field}:N") if shape_field else alt.YOffset("framework:N")
    if color_field == "framework":
        color = legend_color = framework_color(df)
    else:
        scale = alt.Scale(domain=list(VERDICT_COLORS), range=list(VERDICT_COLORS.values()))
        color = legend_color = alt.Color(f"{color_field}:N", scale=scale, title=color_field.capitalize())
        offset = None
    labels = [alt.Tooltip(f"{c}:N") for c in df.columns if _is_text(df[c])][:6]
    tips = [*labels,
            alt.Tooltip("share:Q", title="Value", format=".1%"),
            alt.Tooltip("ci_low:Q", title="95% CI low", format=".1%"),
            alt.Tooltip("ci_high:Q", title="95% CI high", format=".1%")]
    enc = {"y": y}
    if offset is not None:
        enc["yOffset"] = offset
    base = alt.Chart(df)
    axis = alt.Axis(labelExpr="format(datum.value * 100, '+.0f')") if points_axis else SHARE_AXIS
    scale = alt.Scale(domain=[-1, 1] if points_axis else [0, 1])
    errors = base.mark_rule(strokeWidth=2.5, opacity=0.7, clip=True).encode(
        x=alt.X("ci_low:Q", title=x_title, axis=axis, scale=scale),
        x2="ci_high:Q", color=color, **enc)
    mark = base.mark_point(size=70, filled=True, opacity=1, clip=True)
    point_enc = dict(enc, x=alt.X("share:Q", title=x_title, axis=axis, scale=scale), color=legend_color,
                     tooltip=tips)
    if shape_field:
        point_enc["shape"] = alt.Shape(f"{shape_field}:N", title=shape_field.capitalize())
    points = mark.encode(**point_enc)
    rows = max(1, df[y_field].nunique())
    per_row = 16 * (df[shape_field].nunique() if shape_field else 1) if offset is not None else 22
    height = min(700, max(120, rows * max(22, per_row)))
    layers = errors + points
    if points_axis:
        zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="#343a40", strokeDash=[3, 3]).encode(
            x=alt.X("zero:Q", scale=scale, axis=axis, title=x_title))
        layers = zero + errors + points
    return layers.properties(title=_title(title, subtitle), width=WIDTH - 140, height=height)


def downloads_over_time(df: pd.DataFrame, title: str, subtitle: list[str],
                        series_break: tuple[date, str] | None) -> alt.LayerChart:
    """Monthly downloads per framework (log scale) with the series break marked."""
    x = alt.X("month:T", title="Month", axis=alt.Axis(format="%b %Y"))
    y = alt.Y("downloads:Q", title="Downloads per month (log scale)",
              scale=alt.Scale(type="log"), axis=alt.Axis(format="~s"))
    tips = [alt.Tooltip("month:T", title="Month", format="%b %Y"),
            alt.Tooltip("framework:N", title="Framework"),
            alt.Tooltip("downloads:Q", title="Downloads", format=","),
            alt.Tooltip("packages:Q", title="Packages"),
            alt.Tooltip("after_series_break:N", title="New counting rules")]
    base = alt.Chart(df)
    line = base.mark_line(strokeWidth=2.2).encode(x=x, y=y, color=framework_color(df))
    points = base.mark_point(filled=True, size=24).encode(
        x=x, y=y, color=framework_color(df), tooltip=tips)
    chart = _with_rule(line + points, series_break)
    return chart.properties(title=_title(title, subtitle), width=WIDTH, height=HEIGHT)


def stacked_share_bars(df: pd.DataFrame, title: str, subtitle: list[str], group: str,
                       group_title: str, value: str, value_title: str) -> alt.Chart:
    """Horizontal 100% bars: the framework mix inside each group."""
    tips = [alt.Tooltip(f"{group}:N", title=group_title),
            alt.Tooltip("framework:N", title="Framework"),
            alt.Tooltip(f"{value}:Q", title=value_title, format=","),
            alt.Tooltip("share:Q", title="Share", format=".1%")]
    chart = alt.Chart(df).mark_bar().encode(
        y=alt.Y(f"{group}:N", title=group_title, sort=None),
        x=alt.X(f"{value}:Q", stack="normalize", title=f"Share of {value_title.lower()} (%)",
                axis=SHARE_AXIS),
        color=framework_color(df), order=alt.Order("framework_order:Q"), tooltip=tips)
    height = max(90, 28 * df[group].nunique())
    return chart.properties(title=_title(title, subtitle), width=WIDTH - 80, height=height)


def ranked_bars(df: pd.DataFrame, title: str, subtitle: list[str], item: str, item_title: str,
                value: str, value_title: str) -> alt.Chart:
    """Horizontal bars, largest first, coloured by framework (e.g. dependents per package)."""
    tips = [alt.Tooltip(f"{item}:N", title=item_title), alt.Tooltip("framework:N", title="Framework"),
            alt.Tooltip(f"{value}:Q", title=value_title, format=",")]
    tips += [alt.Tooltip(f"{c}:Q", format=",") for c in ("direct", "indirect") if c in df.columns]
    chart = alt.Chart(df).mark_bar().encode(
        y=alt.Y(f"{item}:N", title=item_title, sort="-x"),
        x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format="~s")),
        color=framework_color(df), tooltip=tips)
    height = max(90, 20 * df[item].nunique())
    return chart.properties(title=_title(title, subtitle), width=WIDTH - 120, height=height)


def company_mix(df: pd.DataFrame, title: str, subtitle: list[str]) -> alt.FacetChart:
    """Framework mix of each company's public ML repos per creation year (small multiples)."""
    tips = [alt.Tooltip("company:N", title="Company"), alt.Tooltip("year:O", title="Year"),
            alt.Tooltip("framework:N", title="Framework"),
            alt.Tooltip("repos:Q", title="Repos"), alt.Tooltip("total_repos:Q", title="All repos"),
            alt.Tooltip("share:Q", title="Share", format=".0%")]
    chart = alt.Chart(df).mark_bar().encode(
        x=alt.X("year:O", title="Year the repo was created"),
        y=alt.Y("repos:Q", stack="normalize", title="Share of repos (%)", axis=SHARE_AXIS),
        color=framework_color(df), order=alt.Order("framework_order:Q"), tooltip=tips,
    ).properties(width=150, height=110)
    return chart.facet(facet=alt.Facet("company:N", title=None, header=alt.Header(labelFontSize=12)),
                       columns=4).properties(title=_title(title, subtitle))


def heatmap(df: pd.DataFrame, title: str, subtitle: list[str], x: str, x_title: str, y: str,
            y_title: str) -> alt.LayerChart:
    """Counts in a grid (claimed vs observed framework), with the numbers printed."""
    base = alt.Chart(df).encode(x=alt.X(f"{x}:N", title=x_title, axis=alt.Axis(labelAngle=0)),
                                y=alt.Y(f"{y}:N", title=y_title))
    cells = base.mark_rect().encode(
        color=alt.Color("repos:Q", title="Repos", scale=alt.Scale(scheme="blues")),
        tooltip=[alt.Tooltip(f"{y}:N", title=y_title), alt.Tooltip(f"{x}:N", title=x_title),
                 alt.Tooltip("repos:Q", title="Repos")])
    text = base.mark_text(fontSize=12).encode(
        text="repos:Q",
        color=alt.condition("datum.repos > datum.max_repos / 2", alt.value("white"), alt.value("#212529")))
    return (cells + text).properties(title=_title(title, subtitle), width=WIDTH - 200,
                                     height=max(120, 34 * df[y].nunique()))


def count_bars(df: pd.DataFrame, title: str, subtitle: list[str], item: str, item_title: str,
               value: str, value_title: str, color_field: str, log: bool = False) -> alt.Chart:
    """Plain horizontal bars with a categorical colour that is not a framework."""
    scale = alt.Scale(type="symlog") if log else alt.Scale()
    chart = alt.Chart(df).mark_bar().encode(
        y=alt.Y(f"{item}:N", title=item_title, sort=None),
        x=alt.X(f"{value}:Q", title=value_title, scale=scale, axis=alt.Axis(format="~s")),
        color=alt.Color(f"{color_field}:N", title=color_field.replace("_", " ").capitalize(),
                        scale=alt.Scale(scheme="tableau10")),
        tooltip=[alt.Tooltip(f"{c}:N") for c in df.columns if _is_text(df[c])]
        + [alt.Tooltip(f"{value}:Q", title=value_title, format=",")])
    height = max(80, 19 * df[item].nunique())
    return chart.properties(title=_title(title, subtitle), width=WIDTH - 160, height=height)
