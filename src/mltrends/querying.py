"""`mltrends query`: where the SQL comes from, and how a result is printed.

Formats: `table` (a box table for people: numbers right-aligned and rounded for display,
headers never cut, long text wrapped inside its cell, columns that do not fit the terminal
continued in a further block that repeats the first column), `csv`, `json` (one object per
line) and `markdown`. The values themselves are never rounded outside `table` and `markdown`.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from mltrends.errors import QueryError

FORMATS = ("table", "csv", "json", "markdown")
MAX_CELL = 40           # text wider than this wraps inside its cell
_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)


@dataclass
class Result:
    names: list[str]
    rows: list[tuple[Any, ...]]


def read_sql(sql: str | None, file: str | None, stdin: IO[str] | None = None) -> tuple[str, str]:
    """The SQL text and a name for where it came from ('-' and no input read stdin)."""
    stdin = stdin if stdin is not None else sys.stdin
    if sql is not None and file is not None:
        raise QueryError("query", "give the SQL as an argument or with --file, not both")
    if file == "-" or sql == "-" or (sql is None and file is None and not stdin.isatty()):
        text, where = stdin.read(), "stdin"
    elif file is not None:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise QueryError(file, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
        where = file
    elif sql is not None:
        text, where = sql, "SQL argument"
    else:
        raise QueryError("query", "no SQL given: pass it as an argument, with --file PATH, or on stdin (-)")
    if not _COMMENT.sub("", text).strip(" \t\r\n;"):
        raise QueryError(where, "the query is empty (nothing but comments and whitespace)")
    return text, where


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _decimals(values: Sequence[Any]) -> int | None:
    """Display decimals for a column of non-integers: fewer as the numbers grow."""
    floats = [abs(float(v)) for v in values if isinstance(v, float | Decimal) and math.isfinite(float(v))]
    if not floats:
        return None
    if all(float(v).is_integer() for v in floats):
        return 0 if max(floats) >= 1e6 else 1
    top = max(floats)
    return 3 if top < 10 else 2 if top < 1000 else 1 if top < 1e6 else 0


def display(value: Any, decimals: int | None = None) -> str:
    """One value as text for people (NULL shows as NULL)."""
    if value is None:
        return "NULL"
    if isinstance(value, float | Decimal) and not isinstance(value, bool):
        number = float(value)
        if not math.isfinite(number):
            return str(number)
        return f"{number:,.{3 if decimals is None else decimals}f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, default=str)
    return str(value)


def _cells(result: Result) -> tuple[list[list[str]], list[bool]]:
    columns = list(zip(*result.rows, strict=True)) if result.rows else [() for _ in result.names]
    numeric = [bool(col) and all(v is None or is_number(v) for v in col) and any(v is not None for v in col)
               for col in columns]
    places = [_decimals(col) for col in columns]
    cells = [[display(v, places[i]) for i, v in enumerate(row)] for row in result.rows]
    return cells, numeric


def _widths(names: Sequence[str], cells: list[list[str]]) -> list[int]:
    widths = []
    for i, name in enumerate(names):
        longest = max((max(len(part) for part in row[i].split("\n")) for row in cells), default=0)
        widths.append(max(len(name), min(longest, max(MAX_CELL, len(name)))))
    return widths


def _blocks(widths: list[int], width: int) -> list[list[int]]:
    """Split the columns into blocks that fit `width`; each later block repeats column 0."""
    blocks: list[list[int]] = []
    current: list[int] = []
    used = 1
    for i, w in enumerate(widths):
        if current and used + w + 3 > width:
            blocks.append(current)
            current, used = [0], 1 + widths[0] + 3
        current.append(i)
        used += w + 3
    blocks.append(current)
    return blocks


def _box(names: list[str], cells: list[list[str]], numeric: list[bool], widths: list[int],
         cols: list[int]) -> list[str]:
    def rule(left: str, mid: str, right: str) -> str:
        return left + mid.join("─" * (widths[i] + 2) for i in cols) + right

    def line(values: list[str], align_numbers: bool) -> list[str]:
        wrapped = [textwrap.wrap(values[i], widths[i]) or [""] if len(values[i]) > widths[i]
                   else [values[i]] for i in cols]
        height = max(len(w) for w in wrapped)
        out = []
        for k in range(height):
            parts = []
            for j, i in enumerate(cols):
                text = wrapped[j][k] if k < len(wrapped[j]) else ""
                parts.append(text.rjust(widths[i]) if align_numbers and numeric[i] else text.ljust(widths[i]))
            out.append("│ " + " │ ".join(parts) + " │")
        return out

    lines = [rule("┌", "┬", "┐"), *line(names, True), rule("├", "┼", "┤")]
    for row in cells:
        lines += line(row, True)
    lines.append(rule("└", "┴", "┘"))
    return lines


def render_table(result: Result, width: int = 100, max_rows: int | None = None) -> str:
    """A box table that fits `width` columns without cutting a header."""
    shown = Result(result.names, result.rows[:max_rows] if max_rows else result.rows)
    cells, numeric = _cells(shown)
    widths = _widths(shown.names, cells)
    blocks = _blocks(widths, width)
    out: list[str] = []
    for n, cols in enumerate(blocks):
        if len(blocks) > 1:
            out.append(f"columns {n + 1}/{len(blocks)}: " + ", ".join(shown.names[i] for i in cols))
        out += _box(shown.names, cells, numeric, widths, cols)
    more = len(result.rows) - len(shown.rows)
    tail = f"{len(result.rows):,} row{'s' if len(result.rows) != 1 else ''}"
    if more > 0:
        tail += f" ({more:,} not shown; --max-rows or --format csv for all)"
    out.append(tail)
    return "\n".join(out) + "\n"


def render_markdown(result: Result) -> str:
    cells, numeric = _cells(result)

    def esc(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    head = "| " + " | ".join(esc(n) for n in result.names) + " |"
    sep = "|" + "|".join("---:" if numeric[i] else "---" for i in range(len(result.names))) + "|"
    body = ["| " + " | ".join(esc(c) for c in row) + " |" for row in cells]
    return "\n".join([head, sep, *body]) + "\n"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def render_json(result: Result) -> str:
    return "".join(json.dumps({k: _plain(v) for k, v in zip(result.names, row, strict=True)}, default=str) + "\n"
                   for row in result.rows)


def render_csv(result: Result) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(result.names)
    writer.writerows([["" if v is None else _plain(v) for v in row] for row in result.rows])
    return buf.getvalue()


def render(result: Result, fmt: str, width: int = 100, max_rows: int | None = None) -> str:
    if fmt == "table":
        return render_table(result, width, max_rows)
    if fmt == "markdown":
        return render_markdown(result)
    if fmt == "json":
        return render_json(result)
    return render_csv(result)
