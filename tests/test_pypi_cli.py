"""`mltrends ingest pypi`: help, exit codes, a recorded run against a local server."""

from __future__ import annotations

import json

import duckdb
from click.testing import CliRunner

from mltrends.cli import main
from mltrends_demo.localserver import replay_server

FIX = "tests/fixtures/pypi"


def _config(tmp_path, url: str) -> str:
    path = tmp_path / "mltrends.toml"
    path.write_text(f'db = "{tmp_path / "m.duckdb"}"\npypistats_url = "{url}/pypistats/api"\n'
                    f'depsdev_url = "{url}/depsdev"\nhttp_backoff = 0.01\n'
                    "[pypi]\nmin_interval = 0\n", encoding="utf-8")
    return str(path)


def test_help_lists_the_options():
    result = CliRunner().invoke(main, ["ingest", "pypi", "--help"])
    assert result.exit_code == 0
    for option in ("--packages", "--family", "--bigquery", "--start", "--end", "--dry-run", "--force"):
        assert option in result.output


def test_a_run_fills_the_tables_and_is_recorded(tmp_path):
    with replay_server(f"{FIX}/normal.jsonl") as srv:
        config = _config(tmp_path, srv.url)
        result = CliRunner().invoke(main, ["--config", config, "-q", "ingest", "pypi",
                                           "--packages", "torch,flax"])
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(tmp_path / "m.duckdb"), read_only=True)
    runs = con.execute("select command, source, status, rows from runs").fetchall()
    assert runs[0][:3] == ("ingest pypi", "pypi", "succeeded")
    assert json.loads(runs[0][3]) == {"pypi_downloads": 7, "pypi_versions": 4,
                                      "pypi_dependents": 2, "pypi_packages": 2,
                                      "rejected_records": 0}
    con.close()


def test_a_partial_failure_exits_3_and_records_the_rows(tmp_path):
    with replay_server(f"{FIX}/errors.jsonl") as srv:
        config = _config(tmp_path, srv.url)
        result = CliRunner().invoke(main, ["--config", config, "-q", "ingest", "pypi",
                                           "--packages", "jax,mxnet"])
    assert result.exit_code == 3   # stopped short: what it fetched is kept (registry.Incomplete)
    assert "mxnet" in result.output and "rerun" in result.output
    con = duckdb.connect(str(tmp_path / "m.duckdb"), read_only=True)
    status, rows = con.execute("select status, rows from runs").fetchall()[0]
    assert status == "failed" and json.loads(rows)["pypi_downloads"] == 1
    con.close()


def test_usage_errors_exit_2(tmp_path):
    config = _config(tmp_path, "http://127.0.0.1:9")
    runner = CliRunner()
    for args, message in (
        (["--start", "2024-01-01"], "go with --bigquery"),
        (["--bigquery", "--start", "2024-01-01"], "needs --start and --end"),
        (["--bigquery", "--start", "2024-02-01", "--end", "2024-01-01"], "before --start"),
        (["--bigquery", "--start", "January", "--end", "2024-01-01"], "is not a date"),
        (["--family", "nope"], "unknown family 'nope'"),
        (["--framework", "mxnet", "--family", "mobile_edge"], "no package matches"),
    ):
        result = runner.invoke(main, ["--config", config, "ingest", "pypi", *args])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)


def test_bigquery_dry_run_without_the_extra_says_how_to_install(tmp_path):
    try:
        import google.cloud.bigquery  # noqa: F401
        return  # the extra is installed: nothing to check offline
    except ImportError:
        pass
    config = _config(tmp_path, "http://127.0.0.1:9")
    result = CliRunner().invoke(main, ["--config", config, "ingest", "pypi", "--packages", "torch",
                                       "--bigquery", "--start", "2024-01-01", "--end", "2024-03-31",
                                       "--dry-run"])
    assert result.exit_code == 2 and "mltrends[bigquery]" in result.output
