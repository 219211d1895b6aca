"""Chart conventions applied to every spec: integer ticks and discrete legends for counts,
ticks on month (quarter, year) starts for period series, partial months out of the line."""

from __future__ import annotations

import altair as alt
import pandas as pd

from mltrends.report import charts, conventions
from mltrends.report.__init__ import chart_spec
from mltrends.report.model import ChartItem


def _spec(chart: alt.TopLevelMixin) -> dict:
    return chart_spec(ChartItem("x", "t", chart, pd.DataFrame()))


def _encodings(spec: dict) -> list[dict]:
    return [node["encoding"] for node in conventions._nodes(spec) if isinstance(node.get("encoding"), dict)]


def test_counts_get_integer_ticks_and_shares_do_not():
    df = pd.DataFrame({"outcome": ["clone", "run", "import"], "repos": [1, 2, 3], "gpu_use": ["a", "b", "a"]})
    spec = _spec(charts.count_bars(df, "t", [], "outcome", "Outcome", "repos", "Repos", "gpu_use"))
    [enc] = _encodings(spec)
    assert enc["x"]["axis"]["tickMinStep"] == 1
    shares = pd.DataFrame({"framework": ["pytorch"], "share": [0.5], "ci_low": [0.4], "ci_high": [0.6],
                           "group": ["x"]})
    spec = _spec(charts.points_with_intervals(shares, "t", [], "group", "G", "Share (%)"))
    assert all("tickMinStep" not in (e.get("x", {}).get("axis") or {}) for e in _encodings(spec))


def test_a_colour_over_few_counts_has_one_legend_entry_per_count():
    df = pd.DataFrame({"claimed": ["a", "a", "b"], "observed": ["a", "b", "b"], "repos": [4, 2, 16],
                       "max_repos": [16, 16, 16]})
    spec = _spec(charts.heatmap(df, "t", [], "observed", "O", "claimed", "C"))
    color = next(e["color"] for e in _encodings(spec) if isinstance(e.get("color"), dict) and "field" in e["color"])
    assert color["type"] == "ordinal" and color["scale"]["scheme"] == "blues"
    many = pd.DataFrame({"k": [str(i) for i in range(30)], "n": list(range(30))})
    spec = conventions.apply(alt.Chart(many).mark_rect().encode(x="k:N", color="n:Q").to_dict())
    assert spec["encoding"]["color"]["scale"]["type"] == "quantize"
    assert spec["encoding"]["color"]["legend"]["format"] == ",d"


def test_monthly_series_tick_on_month_starts_and_years_on_year_starts():
    months = pd.date_range("2025-06-01", periods=5, freq="MS")
    df = pd.DataFrame({"month": months, "v": [1.5, 2.5, 3.5, 4.5, 5.5]})
    spec = conventions.apply(alt.Chart(df).mark_line().encode(x="month:T", y="v:Q").to_dict())
    axis = spec["encoding"]["x"]["axis"]
    assert axis["tickCount"] == {"interval": "month", "step": 1} and axis["format"] == "%b %Y"
    long = pd.DataFrame({"month": pd.date_range("2020-01-01", periods=60, freq="MS"), "v": 1.5})
    spec = conventions.apply(alt.Chart(long).mark_line().encode(x="month:T", y="v:Q").to_dict())
    assert spec["encoding"]["x"]["axis"]["tickCount"] == {"interval": "month", "step": 12}
    years = pd.DataFrame({"quarter_start": pd.to_datetime(["2019-01-01", "2020-01-01", "2021-01-01"]),
                          "v": 0.5})
    spec = conventions.apply(alt.Chart(years).mark_line().encode(x="quarter_start:T", y="v:Q").to_dict())
    assert spec["encoding"]["x"]["axis"]["tickCount"] == {"interval": "year", "step": 1}
    days = pd.DataFrame({"d": pd.to_datetime(["2025-06-03", "2025-06-09"]), "v": 0.5})
    spec = conventions.apply(alt.Chart(days).mark_line().encode(x="d:T", y="v:Q").to_dict())
    assert "axis" not in spec["encoding"]["x"]  # not period starts: left alone
