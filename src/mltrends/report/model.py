"""The report's content model (sections, charts, tables) and number formatting."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from mltrends.report.charts import label
from mltrends.report.data import ReportData

SYNTHETIC_LABEL = "SYNTHETIC DEMO DATA: not real measurements"


@dataclass
class ChartItem:
    name: str                  # file stem: charts/<name>.png|svg, data/<name>.csv
    title: str                 # the finding, also the chart title
    chart: Any                 # an Altair top-level chart
    data: pd.DataFrame         # the numbers behind the chart
    caption: str = ""


@dataclass
class Table:
    caption: str
    frame: pd.DataFrame        # display-ready: strings


@dataclass
class Section:
    id: str
    title: str
    intro: str = ""
    findings: list[str] = field(default_factory=list)
    charts: list[ChartItem] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)   # parts without data, said plainly
    notes: list[str] = field(default_factory=list)
    key_finding: str | None = None                      # goes into the summary at the top

    @property
    def empty(self) -> bool:
        return not self.charts and not self.tables and not self.notes


@dataclass
class Context:
    data: ReportData
    demo: bool

    def subtitle(self, *lines: str) -> list[str]:
        out = [line for line in lines if line]
        return [SYNTHETIC_LABEL, *out] if self.demo else out


def pct(x: Any, digits: int = 0) -> str:
    if x is None or pd.isna(x):
        return "n/a"
    return f"{float(x) * 100:.{digits}f}%"


def interval(lo: Any, hi: Any) -> str:
    if lo is None or hi is None or pd.isna(lo) or pd.isna(hi):
        return "n/a"
    return f"{float(lo) * 100:.0f}–{float(hi) * 100:.0f}%"


def count(x: Any) -> str:
    return "n/a" if x is None or pd.isna(x) else f"{int(x):,}"


def is_share_metric(name: Any, value: Any) -> bool:
    text = str(name or "").lower()
    if any(word in text for word in ("slope", "ratio", "count", "per_year")):
        return False
    return value is not None and not pd.isna(value) and 0 <= float(value) <= 1


def metric_text(name: Any, value: Any) -> str:
    if value is None or pd.isna(value):
        return "n/a"
    value = float(value)
    text = str(name or "").lower()
    if "slope" in text or "per_year" in text:
        return f"{value * 100:+.1f} pts/year" if abs(value) < 1 else f"{value:+.2f}/year"
    if is_share_metric(name, value):
        return pct(value, 1)
    if "ratio" in text:
        return f"{value:.2f}×"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def metric_interval(name: Any, lo: Any, hi: Any, value: Any) -> str:
    if lo is None or hi is None or pd.isna(lo) or pd.isna(hi):
        return "n/a"
    if is_share_metric(name, value):
        return interval(lo, hi)
    return f"{metric_text(name, lo)} to {metric_text(name, hi)}"


def unit_text(unit: Any, value: Any, name: Any = None) -> str:
    """A claim's number in its unit: a share in %, a difference in points, a trend in points a
    year (a scorecard without units falls back to the metric's name)."""
    if value is None or pd.isna(value):
        return "n/a"
    if not isinstance(unit, str):
        return metric_text(name, value)
    if unit == "points":
        return f"{float(value) * 100:+.1f} pts"
    if unit == "points per year":
        return f"{float(value) * 100:+.1f} pts/year"
    return pct(value, 1)


def unit_interval(unit: Any, lo: Any, hi: Any, method: Any, name: Any = None, value: Any = None) -> str:
    """The interval in the claim's unit, named as what it is (a range is not a confidence interval)."""
    if lo is None or hi is None or pd.isna(lo) or pd.isna(hi):
        return "n/a"
    if not isinstance(unit, str):
        return metric_interval(name, lo, hi, value)
    text = interval(lo, hi) if unit == "share" else f"{unit_text(unit, lo)} to {unit_text(unit, hi)}"
    return f"{text} (range, not a confidence interval)" if str(method or "").startswith("range") else text


def one_line(text: Any, limit: int = 170) -> str:
    words = " ".join(str(text or "").split())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"


def fw(framework: Any) -> str:
    return label(str(framework))
