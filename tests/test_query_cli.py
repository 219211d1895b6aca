"""`mltrends query`: SQL from an argument, a file or stdin; printed for people or programs."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mltrends import claims, db, models, querying
from mltrends.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((db.sql_dir() / "examples").glob("*.sql"))
RAW = Path(__file__).resolve().parent / "fixtures" / "models" / "raw.sql"
MLTRENDS = [sys.executable, "-m", "mltrends.cli"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> str:
    """A database file built from the model fixture (synthetic rows)."""
    path = tmp_path_factory.mktemp("query") / "built.duckdb"
    con = db.connect(path)
    con.execute(RAW.read_text())
    models.build(con)
    claims.evaluate(con)
    con.close()
    return str(path)


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_runs_from_a_file_and_from_stdin(built, path):
    runner = CliRunner()
    by_file = runner.invoke(main, ["query", "--db", built, "--file", str(path)])
    assert by_file.exit_code == 0, by_file.output
    by_stdin = runner.invoke(main, ["--db", built, "query", "-"], input=path.read_text())
    assert by_stdin.exit_code == 0, by_stdin.output
    rows = _csv(by_file.stdout)  # not a terminal: CSV
    assert len(rows[0]) >= 2 and rows == _csv(by_stdin.stdout)
    expected = db.connect(built, read_only=True)
    try:
        want = expected.execute(path.read_text()).fetchall()
    finally:
        expected.close()
    assert len(rows) - 1 == len(want)


def test_an_example_passed_as_the_argument_despite_its_leading_comment(built):
    """`mltrends query "$(cat example.sql)"`: the text starts with `--`, as every example does."""
    sql = (db.sql_dir() / "examples" / "jax_share_by_year.sql").read_text()
    assert sql.startswith("-- ")
    proc = subprocess.run([*MLTRENDS, "query", sql, "--db", built, "--format", "json"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["year"] for r in rows] == sorted(r["year"] for r in rows) and rows
    assert set(rows[0]) == {"year", "jax_papers", "papers", "share", "ci_low", "ci_high"}


def test_formats_agree_and_values_are_not_rounded_outside_the_table(built):
    sql = "select 'a|b' as name, 2 as n, 1.0/3 as third, null as nothing"
    runner = CliRunner()
    out = {fmt: runner.invoke(main, ["query", "--db", built, sql, "--format", fmt]).stdout
           for fmt in querying.FORMATS}
    assert _csv(out["csv"]) == [["name", "n", "third", "nothing"], ["a|b", "2", str(1 / 3), ""]]
    assert json.loads(out["json"]) == {"name": "a|b", "n": 2, "third": 1 / 3, "nothing": None}
    md = out["markdown"].splitlines()
    assert md[0] == "| name | n | third | nothing |" and md[1] == "|---|---:|---:|---|"
    assert md[2] == "| a\\|b | 2 | 0.333 | NULL |"
    assert "0.333 │" in out["table"] and "0.3333" not in out["table"]


def test_table_right_aligns_numbers_rounds_and_never_cuts_a_header():
    names = ["claim_identifier_that_is_long", "verdict", "metric", "n",
             "reason_for_the_verdict_in_words"]
    rows = [("research-pytorch-dominates", "not measurable", 0.65217391, 23,
             "too little data: n = 23, the rule needs at least 30 papers in the window"),
            ("x", "supported", 0.1, 7, None)]
    text = querying.render_table(querying.Result(names, rows), width=80)
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines), max(len(line) for line in lines)
    assert "…" not in text
    for name in names:
        assert name in text  # every header whole, even where the columns continue in a 2nd block
    assert any(line.startswith("columns 2/") for line in lines)
    # numbers: rounded to 3 places, right-aligned under a right-aligned header
    metric = next(line for line in lines if "research-pytorch-dominates" in line and "0.652" in line)
    assert "0.65217" not in text and "│  0.652 │" in metric
    assert "│    7 │" in text or "│  7 │" in text
    assert lines[-1] == "2 rows"


def test_table_counts_what_it_leaves_out(built):
    result = CliRunner().invoke(main, ["--db", built, "query", "select * from range(300)",
                                       "--format", "table", "--max-rows", "5"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "300 rows (295 not shown; --max-rows or --format csv for all)"


def test_read_sql_names_where_the_sql_came_from(tmp_path):
    empty = tmp_path / "empty.sql"
    empty.write_text("-- only a question\n/* and a note */\n;\n")
    with pytest.raises(querying.QueryError, match=r"empty\.sql: the query is empty"):
        querying.read_sql(None, str(empty))
    with pytest.raises(querying.QueryError, match="not both"):
        querying.read_sql("select 1", str(empty))
    text, where = querying.read_sql(None, "-", stdin=io.StringIO("select 42"))
    assert (text, where) == ("select 42", "stdin")
