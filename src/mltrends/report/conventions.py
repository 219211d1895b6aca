"""Reading conventions applied to every chart's Vega-Lite spec, whoever built the chart.

- a quantitative axis whose values are all integers (counts) gets integer ticks;
- a colour (size, opacity) scale over integer counts gets a discrete legend: one entry per
  value when there are few, equal bins otherwise, never a continuous gradient;
- a time axis over month, quarter or year starts gets its ticks on those starts (a month
  axis for monthly series), labelled so that no two ticks read the same.

The spec's data stays as it is; only encodings change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

DISCRETE_MAX = 9          # at most this many distinct counts: one legend entry each
MAX_TICKS = 8
_PERIOD_START = re.compile(r"^(\d{4})-(\d{2})-01(?:[T ]00:00(?::00(?:\.0+)?)?)?$")


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def _values(spec: dict[str, Any], field: str) -> list[Any]:
    """Every value of `field` in the spec's inline data (named datasets and inline values)."""
    rows: list[Any] = []
    for dataset in (spec.get("datasets") or {}).values():
        rows += dataset
    for node in _nodes(spec):
        data = node.get("data")
        if isinstance(data, dict) and isinstance(data.get("values"), list):
            rows += data["values"]
    return [row[field] for row in rows if isinstance(row, dict) and row.get(field) is not None]


def _is_count(values: list[Any]) -> bool:
    return bool(values) and all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def _month_index(value: Any) -> int | None:
    match = _PERIOD_START.match(str(value))
    return int(match.group(1)) * 12 + int(match.group(2)) - 1 if match else None


def _integer_axis(enc: dict[str, Any]) -> None:
    if enc.get("axis", {}) is None or enc.get("stack") == "normalize" or enc.get("aggregate"):
        return
    axis = enc.setdefault("axis", {})
    axis.setdefault("tickMinStep", 1)
    if axis.get("format") in (None, "~s", "s"):
        axis["format"] = "~s" if axis.get("format") else ",d"


def _discrete_legend(enc: dict[str, Any], values: list[Any]) -> None:
    scale = enc.get("scale") or {}
    if scale.get("type") not in (None, "linear") or enc.get("aggregate"):
        return
    distinct = sorted(set(values))
    if len(distinct) <= DISCRETE_MAX:
        enc["type"] = "ordinal"
        enc["sort"] = "ascending"
        if "scheme" not in scale and "range" not in scale:
            scale["scheme"] = "blues"
        enc["scale"] = scale
    else:
        enc["scale"] = dict(scale, type="quantize", nice=True, zero=scale.get("zero", False))
        legend = enc.get("legend", {})
        if legend is not None:
            enc["legend"] = dict(legend, format=legend.get("format", ",d"))


def _period_axis(enc: dict[str, Any], values: list[Any]) -> None:
    months = sorted({m for m in map(_month_index, values) if m is not None})
    if len(months) < 2 or len(months) != len(set(values)) or enc.get("timeUnit"):
        return
    gap = min(b - a for a, b in zip(months, months[1:], strict=False))
    span = months[-1] - months[0]
    axis = enc.get("axis", {})
    if axis is None:
        return
    if gap % 12 == 0 or (gap % 3 == 0 and span > 24):
        years = span // 12 + 1
        step = next(s for s in (1, 2, 5, 10, 20, 50) if years / s <= MAX_TICKS)
        axis = dict(axis, tickCount={"interval": "year", "step": step}, format="%Y")
    elif gap in (1, 3):
        step = next(s for s in (gap, 2 * gap, 3, 6, 12, 24, 60) if s % gap == 0 and span / s < MAX_TICKS)
        axis = dict(axis, tickCount={"interval": "month", "step": step},
                    format="%b %Y" if axis.get("format") in (None, "%Y", "%b %Y") else axis["format"])
    else:
        return
    axis.setdefault("labelOverlap", True)
    enc["axis"] = axis


def apply(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with the conventions above applied to every layer's encodings (in place)."""
    cache: dict[str, list[Any]] = {}

    def values(field: str) -> list[Any]:
        if field not in cache:
            cache[field] = _values(spec, field)
        return cache[field]

    for node in list(_nodes(spec)):
        encoding = node.get("encoding")
        if not isinstance(encoding, dict):
            continue
        for channel, enc in encoding.items():
            if not isinstance(enc, dict) or not isinstance(enc.get("field"), str) or enc.get("timeUnit"):
                continue
            kind = enc.get("type")
            if kind == "quantitative" and channel in ("x", "y") and _is_count(values(enc["field"])):
                _integer_axis(enc)
            elif kind == "quantitative" and channel in ("color", "fill", "size", "opacity") \
                    and _is_count(values(enc["field"])):
                _discrete_legend(enc, values(enc["field"]))
            elif kind == "temporal" and channel == "x":
                _period_axis(enc, values(enc["field"]))
    return spec
