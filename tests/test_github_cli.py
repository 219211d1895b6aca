"""`mltrends ingest github`: help, exit codes, repo files, a recorded run, kill and resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import duckdb
from click.testing import CliRunner

from mltrends.cli import main
from mltrends_demo.github import FakeGitHub
from mltrends_demo.github_data import scale_dataset
from mltrends_demo.localserver import LocalServer, replay_server

GH = Path(__file__).resolve().parent / "fixtures" / "github"
TOKEN = f"ghp_{uuid.uuid4().hex}"  # made at run time: no token-like string is committed


def env_for(url: str, token: str | None = TOKEN) -> dict[str, str | None]:
    return {"MLTRENDS_GITHUB_API_URL": url, "MLTRENDS_GITHUB_GRAPHQL_URL": url + "/graphql",
            "GITHUB_TOKEN": token, "MLTRENDS_HTTP_BACKOFF": "0.01", "MLTRENDS_HTTP_MAX_SLEEP": "2",
            "MLTRENDS_CONFIG": None}


def test_help():
    result = CliRunner().invoke(main, ["ingest", "github", "--help"])
    assert result.exit_code == 0
    for flag in ("--repos", "--from-papers", "--orgs", "--max-requests", "--stale-days", "--star-history"):
        assert flag in result.output


def test_usage_errors_exit_2(tmp_path):
    runner = CliRunner()
    db = str(tmp_path / "x.duckdb")
    both = runner.invoke(main, ["--db", db, "ingest", "github", "--repos", "f.txt", "--from-papers"])
    assert both.exit_code == 2 and "not both" in both.output
    missing = runner.invoke(main, ["--db", db, "ingest", "github", "--repos", str(tmp_path / "nope.txt")])
    assert missing.exit_code == 2 and "nope.txt does not exist" in missing.output
    bad = tmp_path / "bad.txt"
    bad.write_text("# a comment\nnot a repo\n")
    only_bad = runner.invoke(main, ["--db", db, "ingest", "github", "--repos", str(bad)])
    assert only_bad.exit_code == 2 and "bad.txt: no GitHub repository" in only_bad.output
    assert "line 2" in only_bad.output


def test_run_from_file_is_recorded_and_bad_lines_rejected(tmp_path):
    data = scale_dataset(6)
    listing = tmp_path / "repos.txt"
    listing.write_text("\n".join(["https://github.com/" + r for r in data["repos"]] + ["https://gitlab.com/x/y"]))
    db = str(tmp_path / "x.duckdb")
    fake = FakeGitHub(data, token=TOKEN)
    with LocalServer(fake) as srv:
        result = CliRunner().invoke(main, ["--db", db, "ingest", "github", "--repos", str(listing)],
                                    env=env_for(srv.url))
    assert result.exit_code == 0, result.output
    assert "github: 6 repos" in result.output and TOKEN not in result.output
    con = duckdb.connect(db, read_only=True)
    assert con.execute("select command, status, rows->>'github_repos' from runs").fetchall() == [
        ("ingest github", "succeeded", "6")]
    assert con.execute("select source, reason from rejected_records").fetchall() == [
        ("github:repo-list", "not owner/repo or a GitHub URL")]
    assert TOKEN not in repr(con.execute("select * from runs").fetchall())
    con.close()


def test_rate_limited_run_exits_3(tmp_path):
    listing = tmp_path / "repos.txt"
    listing.write_text("a/b\n")
    with replay_server(GH / "graphql_rate_limited.jsonl") as srv:
        result = CliRunner().invoke(main, ["--db", str(tmp_path / "x.duckdb"), "ingest", "github",
                                           "--repos", str(listing)], env=env_for(srv.url))
    assert result.exit_code == 3
    assert "rate limit spent" in result.output and "1 repos left" in result.output


def test_killed_run_resumes_with_the_rest(tmp_path):
    """SIGKILL a real process mid-run; the rerun loads only the batches that were not committed."""
    data = scale_dataset(60)
    listing = tmp_path / "repos.txt"
    listing.write_text("\n".join(data["repos"]))
    (tmp_path / "mltrends.toml").write_text("[github]\nbatch_size = 10\n")
    db = str(tmp_path / "x.duckdb")
    fake = FakeGitHub(data, token=TOKEN, latency=0.3)
    cmd = [sys.executable, "-m", "mltrends.cli", "--db", db, "--config", str(tmp_path / "mltrends.toml"),
           "-q", "ingest", "github", "--repos", str(listing)]
    with LocalServer(fake) as srv:
        env = {**os.environ, **{k: v for k, v in env_for(srv.url).items() if v is not None}}
        proc = subprocess.Popen(cmd, env=env)
        deadline = time.time() + 60
        while fake.counts["graphql"] < 3 and time.time() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        first_queries = fake.counts["graphql"]
        assert 3 <= first_queries < 6
        # a killed command published nothing; its committed batches wait in the working file
        assert not os.path.exists(db)
        con = duckdb.connect(str(tmp_path / "x.work.duckdb"), read_only=True)
        done = con.execute("select count(*) from github_repos").fetchall()[0][0]
        con.close()
        assert done >= 20 and done % 10 == 0  # whole batches only
        fake.latency = 0.0
        rerun = subprocess.run(cmd, env=env, timeout=60)
        assert rerun.returncode == 0
        assert fake.counts["graphql"] - first_queries == (60 - done) // 10
    con = duckdb.connect(db, read_only=True)
    assert con.execute("select count(*), count(distinct repo) from github_repos").fetchall() == [(60, 60)]
    con.close()


def test_max_requests_stop_exits_0_and_says_what_is_left(tmp_path):
    data = scale_dataset(150)
    listing = tmp_path / "repos.txt"
    listing.write_text("\n".join(data["repos"]))
    with LocalServer(FakeGitHub(data, token=TOKEN)) as srv:
        result = CliRunner().invoke(main, ["--db", str(tmp_path / "x.duckdb"), "ingest", "github",
                                           "--repos", str(listing), "--max-requests", "1"],
                                    env=env_for(srv.url))
    assert result.exit_code == 0, result.output
    assert "github: 100 repos" in result.output and "50 repos left for the next run" in result.output
