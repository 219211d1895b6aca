"""The refresh lock and atomic publication (issue: scheduled refresh and direct querying)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb
import pytest

from mltrends import db, publish
from mltrends.config import load_settings
from mltrends.sources.registry import Incomplete

MLTRENDS = [sys.executable, "-m", "mltrends.cli"]


def _make_db(path, value):
    con = db.connect(path)
    con.execute("create table if not exists t (v integer)")
    con.execute("delete from t")
    con.execute("insert into t values (?)", [value])
    return con


def test_publish_is_atomic_and_open_readers_keep_working(tmp_path):
    work, pub = str(tmp_path / "work.duckdb"), str(tmp_path / "pub.duckdb")
    publish.publish(_make_db(work, 1), work, pub)
    reader = duckdb.connect(pub, read_only=True)
    assert reader.execute("select v from t").fetchall() == [(1,)]
    publish.publish(_make_db(work, 2), work, pub)
    # the open reader still reads the file it opened; a new reader (another process) sees the new one
    assert reader.execute("select v from t").fetchall() == [(1,)]
    code = "import duckdb, sys; print(duckdb.connect(sys.argv[1], read_only=True).sql('select v from t').fetchall())"
    fresh = subprocess.run([sys.executable, "-c", code, pub], capture_output=True, text=True, timeout=60)
    assert fresh.stdout.strip() == "[(2,)]"
    assert not list(tmp_path.glob(".pub.duckdb.tmp-*"))
    assert not (tmp_path / "pub.duckdb.wal").exists()


def test_prepare_work_db_seeds_from_published_and_clears_leftovers(tmp_path):
    work, pub = str(tmp_path / "work.duckdb"), str(tmp_path / "pub.duckdb")
    publish.publish(_make_db(work, 7), work, pub)
    os.remove(work)
    (tmp_path / ".pub.duckdb.tmp-999").write_bytes(b"half a copy")
    publish.prepare_work_db(work, pub)
    assert duckdb.connect(work, read_only=True).execute("select v from t").fetchall() == [(7,)]
    assert not (tmp_path / ".pub.duckdb.tmp-999").exists()


def test_second_refresh_exits_at_once_naming_the_running_one(tmp_path):
    work, pub = str(tmp_path / "work.duckdb"), str(tmp_path / "pub.duckdb")
    env = {**os.environ, "MLTRENDS_WORK_DB": work, "MLTRENDS_DB": pub}
    with publish.refresh_lock(work, "refresh"):
        proc = subprocess.run([*MLTRENDS, "refresh", "--no-report"], env=env, capture_output=True,
                              text=True, timeout=60)
    assert proc.returncode == 2
    assert "another refresh is running" in proc.stderr and f"pid {os.getpid()}" in proc.stderr


def test_stale_lock_of_a_killed_process_is_detected_and_cleared(tmp_path):
    work = str(tmp_path / "work.duckdb")
    code = ("import os, sys; from mltrends import publish\n"
            "with publish.refresh_lock(sys.argv[1]):\n    os.kill(os.getpid(), 9)\n")
    proc = subprocess.run([sys.executable, "-c", code, work], timeout=60)
    assert proc.returncode == -9
    dead = json.loads(publish.lock_path_for(work).read_text())
    with publish.refresh_lock(work) as info:
        assert info["stale_cleared"]["pid"] == dead["pid"] != os.getpid()
    assert publish.lock_path_for(work).read_text() == ""


def test_wait_queues_behind_a_running_refresh(tmp_path):
    work = str(tmp_path / "work.duckdb")
    code = ("import sys, time; from mltrends import publish\n"
            "with publish.refresh_lock(sys.argv[1]):\n    print('held', flush=True); time.sleep(1.5)\n"
            "print('released', flush=True); time.sleep(1)\n")
    holder = subprocess.Popen([sys.executable, "-c", code, work], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(publish.RefreshRunning):
        with publish.refresh_lock(work):
            pass
    with publish.refresh_lock(work, wait=True, poll=0.05):
        assert holder.stdout.readline().strip() == "released"
    assert holder.wait(10) == 0


def test_query_reads_the_published_file_in_every_format(tmp_path):
    work, pub = str(tmp_path / "work.duckdb"), str(tmp_path / "pub.duckdb")
    publish.publish(_make_db(work, 42), work, pub)
    base = [*MLTRENDS, "--db", pub, "query", "select v, 'x' as w from t"]
    out = subprocess.run([*base, "--format", "json"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and json.loads(out.stdout) == {"v": 42, "w": "x"}
    out = subprocess.run([*base, "--format", "csv"], capture_output=True, text=True, timeout=60)
    assert out.stdout.splitlines() == ["v,w", "42,x"]
    out = subprocess.run([*base], capture_output=True, text=True, timeout=60)
    assert "42" in out.stdout
    bad = subprocess.run([*MLTRENDS, "--db", pub, "query", "insert into t values (1)"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0 and "read-only" in (bad.stderr + bad.stdout).lower()


def test_published_file_opens_in_a_duckdb_1x_cli(tmp_path):
    import shutil as sh

    cli = sh.which("duckdb") or str(__import__("pathlib").Path(sys.executable).with_name("duckdb"))
    if not os.path.exists(cli):
        pytest.skip("the DuckDB CLI (test extra duckdb-cli) is not installed")
    work, pub = str(tmp_path / "work.duckdb"), str(tmp_path / "pub.duckdb")
    con = _make_db(work, 5)
    con.execute("create view v as select v * 2 as w from t")
    publish.publish(con, work, pub)
    out = subprocess.run([cli, "-readonly", "-csv", pub, "-c",
                          "select w from v; select canonical_repo('https://github.com/A/B.git') as k"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["w", "10", "k", "a/b"]


@pytest.mark.parametrize(("error", "published"), [
    (lambda: Incomplete("pypi stopped at a rate limit", {"pypi_downloads": 1}), True),
    (lambda: Incomplete("nothing kept", {}), False),
    (lambda: type("Duck", (RuntimeError,), {"rows": {"pypi_downloads": 1}})("not a source's"), False),
])
def test_only_a_source_that_kept_rows_is_published_after_a_failure(tmp_path, error, published):
    settings = load_settings(env={}, db=str(tmp_path / "pub.duckdb"))
    with pytest.raises(Exception), publish.writing(settings, "ingest pypi") as con:  # noqa: B017
        con.execute("create table kept as select 42 as v")
        raise error()
    if published:
        with duckdb.connect(str(tmp_path / "pub.duckdb"), read_only=True) as reader:
            assert reader.execute("select v from kept").fetchall() == [(42,)]
    else:
        assert not (tmp_path / "pub.duckdb").exists()
