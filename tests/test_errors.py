"""One error path: each class of problem is one line on stderr and its documented exit code,
whichever command meets it (the codes are listed in README.md, "Exit codes")."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from mltrends import db, errors
from mltrends.cli import main
from mltrends.sources.registry import SOURCES

ROOT = Path(__file__).resolve().parents[1]
MLTRENDS = [sys.executable, "-m", "mltrends.cli"]


def one_line_error(result) -> str:
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ") and "Traceback" not in result.output
    return lines[0]


def run(args: list[str], **kw):
    return CliRunner().invoke(main, args, **kw)


@pytest.fixture
def database(tmp_path) -> str:
    path = tmp_path / "pub.duckdb"
    con = db.connect(path)
    con.execute("create table t as select 1 as a")
    con.close()
    return str(path)


def test_the_readme_lists_every_exit_code():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    listed = {int(code) for code in re.findall(r"^\| (\d+) \|", section, re.M)}
    assert listed == set(errors.EXIT_CODES)


@pytest.mark.parametrize("command", [["query", "select 1"], ["schema"], ["report"],
                                     ["status", "--check"]])
def test_missing_database_is_a_usage_error_in_every_command(tmp_path, command):
    missing = str(tmp_path / "none.duckdb")
    result = run(["--db", missing, *command])
    assert result.exit_code == errors.USAGE
    assert "none.duckdb" in result.output and "does not exist" in result.output
    assert not Path(missing).exists()


@pytest.mark.parametrize("command", [["query", "select 1"], ["build"], ["status"], ["report"]])
def test_a_directory_as_database_is_a_database_error(tmp_path, command):
    folder = tmp_path / "adir"
    folder.mkdir()
    result = run([*command, "--db", str(folder)])
    line = one_line_error(result)
    assert result.exit_code == errors.DATABASE
    assert str(folder) in line and "is a directory" in line


@pytest.mark.parametrize("command", [["query", "select 1"], ["build"], ["claims"]])
def test_a_file_that_is_not_duckdb_is_a_database_error(tmp_path, command):
    bogus = tmp_path / "notes.duckdb"
    bogus.write_text("these are notes, not a database\n" * 200)
    before = bogus.read_bytes()
    result = run(["--db", str(bogus), *command])
    line = one_line_error(result)
    assert result.exit_code == errors.DATABASE
    assert "notes.duckdb is not a DuckDB database file" in line
    assert bogus.read_bytes() == before


def test_a_locked_database_names_the_holder_and_suggests_readonly(database):
    # Writers work in their own working file and publish by rename, so a lock on the
    # published file stops only the commands that read it.
    holder = duckdb.connect(database)  # this process holds the write lock
    try:
        for command in (["query", "select * from t"], ["status", "--json"]):
            proc = subprocess.run([*MLTRENDS, "--db", database, *command], capture_output=True,
                                  text=True, timeout=120)
            lines = proc.stderr.strip().splitlines()
            assert proc.returncode == errors.DATABASE, proc.stderr
            assert len(lines) == 1 and lines[0].startswith("Error: "), proc.stderr
            assert f"PID {os.getpid()}" in lines[0] and "-readonly" in lines[0]
            assert database in lines[0]
    finally:
        holder.close()


def test_a_newer_database_is_a_database_error(tmp_path):
    path = tmp_path / "newer.duckdb"
    con = db.connect(path)
    con.execute("insert into _migrations values ('999_from_the_future.sql', 'x', now(), '9.0')")
    con.close()
    result = run(["--db", str(path), "build"])
    assert result.exit_code == errors.DATABASE
    assert "newer mltrends" in one_line_error(result)


@pytest.mark.parametrize(("sql", "cause"), [
    ("selec 1", "Parser Error"),
    ("select * from no_such_table", "Catalog Error"),
    ("select 'x'::integer", "Conversion Error"),
    ("-- a comment and nothing else", "the query is empty"),
])
def test_sql_errors_are_one_line_naming_the_source(database, tmp_path, sql, cause):
    from_arg = run(["--db", database, "query", sql])
    assert from_arg.exit_code == errors.SQL
    assert cause in one_line_error(from_arg) and "SQL argument" in from_arg.stderr
    file = tmp_path / "question.sql"
    file.write_text(sql + "\n")
    from_file = run(["--db", database, "query", "--file", str(file)])
    assert from_file.exit_code == errors.SQL
    line = one_line_error(from_file)
    assert str(file) in line and cause in line
    from_stdin = run(["--db", database, "query", "-"], input=sql)
    assert from_stdin.exit_code == errors.SQL and "stdin: " in one_line_error(from_stdin)


def test_an_unreadable_input_file_is_a_usage_error(database, tmp_path):
    missing = run(["--db", database, "query", "--file", str(tmp_path / "nope.sql")])
    assert missing.exit_code == errors.USAGE
    assert "nope.sql: no such file or directory" in one_line_error(missing)
    folder = run(["--db", database, "query", "--file", str(tmp_path)])
    assert folder.exit_code == errors.USAGE and "is a directory" in one_line_error(folder)
    latin = tmp_path / "latin1.sql"
    latin.write_bytes("select 'café'".encode("latin-1"))
    bad = run(["--db", database, "query", "--file", str(latin)])
    assert bad.exit_code == errors.SQL and "not UTF-8" in one_line_error(bad)


def _runs_db(path: Path, ages: dict[str, float], refresh_failed: bool = False) -> None:
    con = db.connect(path)
    now = db.now_utc()
    start = now - timedelta(days=max(ages.values(), default=0) + 0.01)
    con.execute("insert into runs (run_id, command, started_at, finished_at, status, notes) "
                "values ('r0', 'refresh', ?, ?, 'succeeded', ?)",
                [start, now, "failed steps: pypi" if refresh_failed else ""])
    for source, age in ages.items():
        at = now - timedelta(days=age)
        con.execute("insert into runs (run_id, command, source, started_at, finished_at, status) "
                    "values (?, ?, ?, ?, ?, 'succeeded')", [f"r-{source}", f"refresh:{source}", source,
                                                          max(at, start), at])
    if refresh_failed:
        con.execute("insert into runs (run_id, command, source, started_at, finished_at, status, error) "
                    "values ('r-fail', 'refresh:pypi', 'pypi', ?, ?, 'failed', 'SourceError: down')",
                    [start, now])
    con.close()


def test_status_check_passes_when_everything_is_fresh(tmp_path):
    path = tmp_path / "fresh.duckdb"
    _runs_db(path, {src.name: 0 for src in SOURCES} | {"github": 0.5, "pypi": 1})
    result = run(["--db", str(path), "status", "--check"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: ")
    table = run(["--db", str(path), "status"])
    rows = {line.split("│")[1].strip(): line.split("│")[3].strip()
            for line in table.stdout.splitlines() if line.count("│") > 4}
    assert rows["pwc"] == "0" and rows["pypi"] == "1"  # refreshed today prints 0, not "-"


def test_status_check_names_each_stale_source_and_the_failed_refresh(tmp_path):
    path = tmp_path / "stale.duckdb"
    others = {src.name: 0 for src in SOURCES if src.name not in ("pwc", "hf", "github", "pypi")}
    _runs_db(path, {"pwc": 0, "hf": 5, "github": 0, **others}, refresh_failed=True)
    config = tmp_path / "mltrends.toml"
    config.write_text("[status.max_age_days]\nhf = 6\ngithub = 2\npypi = 2\n")
    result = run(["--db", str(path), "status", "--check"])
    assert result.exit_code == errors.FAILED
    problems = result.stdout.splitlines()
    assert any("hf is 5 days old (limit 2)" in p for p in problems)
    assert any("last refresh" in p and "failed: pypi" in p for p in problems)
    assert any("pypi has never been refreshed" in p for p in problems)
    assert not any("source pwc" in p or "source github" in p for p in problems)
    relaxed = run(["--config", str(config), "--db", str(path), "status", "--check"])
    assert not any("source hf" in p for p in relaxed.stdout.splitlines())
    as_json = run(["--db", str(path), "status", "--check", "--json"])
    assert as_json.exit_code == errors.FAILED
    report = json.loads(as_json.stdout)
    assert report["last_refresh"]["failed_steps"] == ["pypi"]
    assert isinstance(report["runs"][0]["rows"], dict | type(None))
    assert report["sources"]["pwc"]["staleness_days"] == 0
    assert len(report["problems"]) == 3
