"""Crash safety: SIGKILL a real `mltrends refresh` at many points; nothing is lost or doubled.

Each kill point: start a refresh against the local demo server, kill it after a chosen
delay, check that both databases open and hold no duplicate keys, that the published
file (if any) is a complete, built database, then run the refresh again and check the
result equals a refresh that was never interrupted. `make test` tries 2 points;
`make test-faults` tries 10.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from demo_env import demo_env
from mltrends_demo.server import DEMO_DIR, demo_server

RAW_KEYS = {
    "pwc_papers": ("paper_id",), "pwc_paper_repos": ("paper_id", "repo"), "hf_papers": ("arxiv_id",),
    "github_repos": ("repo",), "github_owners": ("login",), "github_manifests": ("repo", "path"),
    "github_org_repos": ("org", "repo"), "pypi_downloads": ("package", "date", "category"),
    "pypi_versions": ("package", "version"), "repo_frameworks": ("repo", "framework", "evidence"),
    "owner_sectors": ("login",), "repo_purposes": ("repo",),
}
MARTS = ("paper_implementations", "framework_share_quarterly", "adoption_summary")


@pytest.fixture(scope="module")
def server():
    with demo_server(DEMO_DIR, lifetime=1800) as srv:
        yield srv


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("models")


def _env(url: str, folder: Path, models_dir: Path) -> dict[str, str]:
    return demo_env(url, folder, MLTRENDS_MODELS_DIR=str(models_dir), MLTRENDS_HTTP_BACKOFF="0.05")


def _refresh(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "mltrends.cli", "--quiet", "refresh", "--no-report",
                             "--since", "2025-07-01"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _keys(path: Path) -> dict[str, set[tuple]]:
    con = duckdb.connect(str(path))  # read-write: replays the WAL a killed process left
    try:
        out = {}
        have = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
        for table, key in RAW_KEYS.items():
            if table not in have:  # killed before its migration ran: no rows yet
                out[table] = set()
                continue
            cols = ", ".join(key)
            total, distinct = con.execute(
                f"select count(*), count(distinct ({cols})) from {table}").fetchall()[0]
            assert total == distinct, f"{path.name}: {table} has {total - distinct} duplicate keys"
            out[table] = set(con.execute(f"select {cols} from {table}").fetchall())
        return out
    finally:
        con.close()


def _published_is_complete(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {m: con.execute(f"select count(*) from {m}").fetchall()[0][0] for m in MARTS}
    finally:
        con.close()


@pytest.fixture(scope="module")
def baseline(server, models_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("clean")
    start = time.perf_counter()
    proc = _refresh(_env(server.url, folder, models_dir))
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-2000:]
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "keys": _keys(folder / "mltrends.duckdb"),
            "marts": _published_is_complete(folder / "mltrends.duckdb")}


def kill_and_resume(server, models_dir, baseline, folder: Path, delay: float) -> dict:
    env = _env(server.url, folder, models_dir)
    proc = _refresh(env)
    time.sleep(delay)
    killed = proc.poll() is None
    if killed:
        proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    published = folder / "mltrends.duckdb"
    if published.exists():
        # readers only ever see a complete database
        assert _published_is_complete(published) == baseline["marts"]
    if (folder / "work.duckdb").exists():
        _keys(folder / "work.duckdb")
    again = _refresh(env)
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, f"the refresh after a kill at {delay:.1f}s failed: {err[-2000:]}"
    final = _keys(published)
    for table, keys in baseline["keys"].items():
        assert final[table] == keys, (f"kill at {delay:.1f}s: {table} has {len(final[table])} keys, "
                                      f"an uninterrupted refresh {len(keys)}")
    assert _published_is_complete(published) == baseline["marts"]
    return {"delay": delay, "killed": killed}


def _delays(baseline, n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    # the baseline run also trained the classifiers, which later runs reuse: they are shorter
    span = baseline["seconds"] * 0.6
    return [span * (i + rng.random()) / n for i in range(n)]


def test_refresh_survives_sigkill_at_random_points(server, models_dir, baseline, tmp_path):
    results = [kill_and_resume(server, models_dir, baseline, tmp_path / f"k{i}", d)
               for i, d in enumerate(_delays(baseline, 2, seed=7))]
    assert any(r["killed"] for r in results)


@pytest.mark.slow
def test_refresh_survives_sigkill_at_many_points(server, models_dir, baseline, tmp_path):
    results = [kill_and_resume(server, models_dir, baseline, tmp_path / f"k{i}", d)
               for i, d in enumerate(_delays(baseline, 10, seed=11))]
    killed = sum(r["killed"] for r in results)
    print(f"kill points tried: {len(results)}, killed mid-run: {killed}")
    assert killed >= 8
