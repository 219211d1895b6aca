"""The user's data is never at risk, tried from the user's side: commands and files only.

Every writing command goes through the working file of its own --db and an atomic
publish; read-only commands create nothing; the demo cannot reach real data; `query`
and `shell` cannot write or read outside the published file; `make clean` keeps history.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from demo_env import demo_env
from mltrends import claims, db, models
from mltrends_demo.server import DEMO_DIR, demo_server

ROOT = Path(__file__).resolve().parents[1]
MLTRENDS = [sys.executable, "-m", "mltrends.cli"]
RAW = Path(__file__).resolve().parent / "fixtures" / "models" / "raw.sql"
EXAMPLES = sorted((db.sql_dir() / "examples").glob("*.sql"))
HOLD = ("import duckdb, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "print(con.execute('select count(*) from runs').fetchall()[0][0], flush=True)\n"
        "sys.stdin.readline()\n"
        "print(con.execute('select count(*) from runs').fetchall()[0][0], flush=True)\n")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLTRENDS_") and k != "GITHUB_TOKEN"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH")) if p)
    env.update(extra)
    return env


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None,
        timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MLTRENDS, *args], cwd=cwd, env=env or clean_env(), input=stdin,
                          capture_output=True, text=True, timeout=timeout)


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def count(path: Path, sql: str) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()[0][0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def built_file(tmp_path_factory) -> Path:
    """A published database with every mart (synthetic fixture rows), readable by the DuckDB CLI."""
    target = tmp_path_factory.mktemp("built") / "pub.duckdb"
    con = db.connect(":memory:")
    con.execute(RAW.read_text())
    models.build(con)
    claims.evaluate(con)
    con.execute(f"attach '{target}' as pub (storage_version 'v1.4.0')")
    con.execute("copy from database memory to pub")
    con.execute("detach pub")
    con.close()
    return target


@pytest.fixture
def published(built_file, tmp_path) -> Path:
    path = tmp_path / "pub.duckdb"
    shutil.copyfile(built_file, path)
    return path


class Reader:
    """Another process holding the published file open read-only (like `mltrends shell`)."""

    def __init__(self, path: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=clean_env())
        self.first = int(self.proc.stdout.readline())

    def finish(self) -> int:
        out, _ = self.proc.communicate("\n", timeout=60)
        assert self.proc.returncode == 0
        return int(out.strip())


# --- one write path ------------------------------------------------------------------------

def test_report_while_a_reader_holds_the_published_file(published, tmp_path):
    before = published.read_bytes()
    reader = Reader(published)
    proc = run(["--db", str(published), "report", "--out", str(tmp_path / "out")], tmp_path,
               clean_env(MLTRENDS_REPORTS_DIR=str(tmp_path / "reports")))
    assert reader.finish() == reader.first
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / "out" / "index.html").is_file()
    assert published.read_bytes() == before  # the report only reads


def test_manual_ingest_while_a_reader_holds_the_published_file(published, tmp_path):
    reader = Reader(published)
    proc = run(["--db", str(published), "ingest", "pwc-dump", "--links", str(DEMO_DIR / "pwc" / "links.json.gz")],
               tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    # the reader keeps the file it opened; a new reader sees the published result
    assert reader.finish() == reader.first
    assert count(published, "select count(*) from runs where command = 'ingest pwc-dump' "
                            "and status = 'succeeded'") == 1
    assert (tmp_path / "pub.work.duckdb").is_file()


def test_a_failing_manual_command_leaves_the_published_file_alone(published, tmp_path):
    before = published.read_bytes()
    proc = run(["--db", str(published), "ingest", "pwc-dump", "--links", str(tmp_path / "missing.json.gz")],
               tmp_path)
    assert proc.returncode == 2 and "missing.json.gz" in proc.stderr
    assert published.read_bytes() == before


@pytest.mark.parametrize("args", [["status"], ["status", "--json"], ["query", "select 1"], ["schema"],
                                  ["reproduce", "--summary"], ["report"], ["shell"]],
                         ids=lambda a: "-".join(a))
def test_read_only_commands_create_nothing(tmp_path, args):
    proc = run(args, tmp_path, clean_env(), stdin="")
    assert files_under(tmp_path) == []
    said = " ".join((proc.stdout + proc.stderr).split())
    assert "data/mltrends.duckdb does not exist" in said, said
    assert proc.returncode in (0, 2)


@pytest.fixture(scope="module")
def server():
    with demo_server(DEMO_DIR, lifetime=900) as srv:
        yield srv


def source_env(url: str, folder: Path, **extra: str) -> dict[str, str]:
    """The demo server's URLs, but the database, working file and reports from the command line."""
    env = demo_env(url, folder, MLTRENDS_HTTP_RETRIES="2", **extra)
    for key in ("MLTRENDS_DB", "MLTRENDS_WORK_DB"):
        env.pop(key)
    env["PYTHONPATH"] = clean_env()["PYTHONPATH"]
    (folder / "mltrends.toml").write_text("[pypi]\nmin_interval = 0\n")
    return env


def test_two_databases_refreshed_in_turn_and_a_manual_fix_survives(server, tmp_path):
    env = source_env(server.url, tmp_path)
    broken = {**env, "MLTRENDS_PYPISTATS_URL": "http://127.0.0.1:9/nothing-listens-here"}
    a, b = tmp_path / "data" / "a.duckdb", tmp_path / "data" / "b.duckdb"
    first = run(["--db", "data/a.duckdb", "refresh", "--sources", "pypi", "--no-report"], tmp_path, broken)
    assert first.returncode == 1 and "rerun: mltrends ingest pypi" in first.stderr, first.stderr[-2000:]
    assert count(a, "select count(*) from pypi_downloads") == 0
    # the hint the refresh printed, run as printed (with the source back)
    fix = run(["--db", "data/a.duckdb", "ingest", "pypi"], tmp_path, env)
    assert fix.returncode == 0, fix.stderr[-2000:]
    fixed = count(a, "select count(*) from pypi_downloads")
    assert fixed > 0
    again = run(["--db", "data/a.duckdb", "refresh", "--sources", "hf", "--no-report"], tmp_path, env)
    assert again.returncode == 0, again.stderr[-2000:]
    assert count(a, "select count(*) from pypi_downloads") == fixed  # the manual fix was not lost
    other = run(["--db", "data/b.duckdb", "refresh", "--sources", "hf", "--no-report"], tmp_path, env)
    assert other.returncode == 0, other.stderr[-2000:]
    assert count(b, "select count(*) from pypi_downloads") == 0
    assert count(b, "select count(*) from runs where command like '%pypi%'") == 0
    assert count(b, "select count(*) from runs where command = 'refresh:hf' and status = 'succeeded'") == 1


def test_a_working_file_shared_by_two_databases_is_refused(tmp_path):
    shared = str(tmp_path / "shared.work.duckdb")
    links = str(DEMO_DIR / "pwc" / "links.json.gz")
    env = clean_env(MLTRENDS_WORK_DB=shared)
    assert run(["--db", "a.duckdb", "ingest", "pwc-dump", "--links", links], tmp_path, env).returncode == 0
    second = run(["--db", "b.duckdb", "ingest", "pwc-dump", "--links", links], tmp_path, env)
    assert second.returncode == 2 and "belongs to" in second.stderr
    assert not (tmp_path / "b.duckdb").exists()


def test_scheduled_reproduce_samples_from_the_marts(server, tmp_path):
    env = source_env(server.url, tmp_path, MLTRENDS_GIT_BASE_URL=(DEMO_DIR / "repos").as_uri())
    (tmp_path / "mltrends.toml").write_text(
        "[pypi]\nmin_interval = 0\n[reproduce]\nrefresh_sample = 2\nrefresh_seed = 3\nno_install = true\n")
    proc = run(["--db", "data/x.duckdb", "refresh", "--sources", "pwc", "--reproduce", "--no-report"],
               tmp_path, env, timeout=600)
    db_path = tmp_path / "data" / "x.duckdb"
    assert count(db_path, "select count(*) from runs where command = 'refresh:reproduce' "
                          "and status = 'succeeded'") == 1, proc.stderr[-3000:]
    assert count(db_path, "select count(*) from reproductions") == 2


# --- the demo cannot reach real data (the exported-variable demo: tests/test_refresh.py) ----

@pytest.mark.parametrize("name", ["demo.duckdb", "demo.work.duckdb"])
def test_demo_refuses_to_replace_a_database_that_is_not_a_demo(tmp_path, name):
    real = tmp_path / "data" / name
    real.parent.mkdir()
    con = db.connect(real)
    with db.recorded_run(con, "ingest pypi", source="pypi"):
        pass
    con.close()
    before = real.read_bytes()
    proc = run(["demo"], tmp_path)
    assert proc.returncode == 2 and "not a demo database" in proc.stderr
    assert real.read_bytes() == before


def test_report_no_demo_is_refused_on_a_synthetic_database(published, tmp_path):
    con = duckdb.connect(str(published))
    con.execute("insert into load_state (source, resource, value, updated_at) values "
                "('mltrends', 'synthetic', '{\"synthetic\": true}', now())")
    con.close()
    proc = run(["--db", str(published), "report", "--no-demo", "--out", str(tmp_path / "out")], tmp_path)
    assert proc.returncode == 2 and "synthetic" in proc.stderr
    assert not (tmp_path / "out").exists()


# --- a query that only reads ----------------------------------------------------------------

SECRET = "not-for-your-eyes-4711"


@pytest.fixture
def escape_case(published, tmp_path):
    """The published file, its working file (the only copy of history), a private file."""
    work = tmp_path / "pub.work.duckdb"
    con = duckdb.connect(str(work))
    con.execute("create table history (v integer)")
    con.execute("insert into history values (1), (2)")
    con.close()
    private = tmp_path / "private.txt"
    private.write_text(SECRET)
    private.chmod(0o600)
    return {"db": published, "work": work, "private": private, "out": tmp_path / "out.csv", "dir": tmp_path}


def escapes(case: dict) -> dict[str, str]:
    return {
        "copy-to": f"copy (select 42 as x) to '{case['out']}'",
        "attach-work-and-drop": f"attach '{case['work']}' as w; drop table w.history",
        "read-text": f"select * from read_text('{case['private']}')",
        "read-blob-environ": "select * from read_blob('/proc/self/environ')",
        "install-httpfs": "install httpfs",
        "unlock": f"set enable_external_access = true; select * from read_text('{case['private']}')",
    }


ESCAPE_NAMES = list(escapes(dict.fromkeys(("out", "work", "private"), "")))


def assert_contained(case: dict, name: str, output: str) -> None:
    assert not case["out"].exists()
    assert count(case["work"], "select count(*) from history") == 2
    assert SECRET not in output
    words = output.lower()
    assert any(w in words for w in ("disabled", "locked", "permission")), (name, output[-800:])


@pytest.mark.parametrize("name", ESCAPE_NAMES)
def test_query_cannot_escape(escape_case, name):
    sql = escapes(escape_case)[name]
    env = clean_env(MLTRENDS_TEST_SECRET=SECRET)
    proc = run(["--db", str(escape_case["db"]), "query", "--format", "csv", "--", sql], escape_case["dir"], env)
    assert proc.returncode != 0
    assert_contained(escape_case, name, proc.stdout + proc.stderr)


def duckdb_cli() -> str | None:
    beside = Path(sys.executable).with_name("duckdb")
    return shutil.which("duckdb") or (str(beside) if beside.exists() else None)


needs_cli = pytest.mark.skipif(duckdb_cli() is None, reason="no DuckDB CLI here (pip install duckdb-cli)")


@needs_cli
def test_shell_cannot_escape(escape_case):
    """Every escape in one session (the CLI goes on after an error), then the dot commands."""
    folder = escape_case["dir"]
    env = clean_env(MLTRENDS_TEST_SECRET=SECRET)
    statements = "".join(sql + ";\n" for sql in escapes(escape_case).values())
    proc = run(["--db", str(escape_case["db"]), "shell"], folder, env, stdin=statements, timeout=120)
    assert_contained(escape_case, "shell", proc.stdout + proc.stderr)
    assert proc.stderr.lower().count("disabled") + proc.stderr.lower().count("locked") >= len(ESCAPE_NAMES)
    script = (f".shell touch {folder / 'ran'}\n.system touch {folder / 'ran'}\n"
              f".output {folder / 'o.txt'}\nselect 1;\n.open {folder / 'other.duckdb'}\n"
              f".once {folder / 'once.txt'}\nselect 2;\n.read {escape_case['private']}\n")
    proc = run(["--db", str(escape_case["db"]), "shell"], folder, stdin=script, timeout=120)
    for name in ("ran", "o.txt", "other.duckdb", "once.txt"):
        assert not (folder / name).exists(), (name, proc.stderr[-800:])
    assert SECRET not in proc.stdout + proc.stderr
    assert "safe" in proc.stderr.lower()


def test_query_and_shell_still_answer_the_examples(published, tmp_path):
    for path in EXAMPLES[:3]:
        proc = run(["--db", str(published), "query", "--format", "csv", "--", path.read_text()], tmp_path)
        assert proc.returncode == 0 and proc.stdout.strip(), (path.name, proc.stderr[-1000:])
    if duckdb_cli() is None:
        pytest.skip("no DuckDB CLI here (pip install duckdb-cli): examples checked through query only")
    every = "".join(path.read_text() + "\n" for path in EXAMPLES)
    proc = run(["--db", str(published), "shell"], tmp_path, stdin=every, timeout=120)
    assert proc.returncode == 0 and "Error" not in proc.stderr, proc.stderr[-1000:]
    assert proc.stdout.count("┌") >= len(EXAMPLES)


# --- make clean keeps history ---------------------------------------------------------------

REAL = ["data/mltrends.duckdb", "data/mltrends.work.duckdb", "data/mltrends.work.duckdb.lock",
        "reports/2026-11-01/index.html", "reports/reproductions/20261101T000000-x/r.json"]
DEMO = ["data/demo.duckdb", "data/demo.work.duckdb", "data/demo-models/sector.joblib",
        "data/cache/page.json", "reports/demo/2026-11-01/index.html"]


@pytest.mark.skipif(shutil.which("make") is None, reason="no `make` here")
def test_make_clean_keeps_real_data_and_wipe_all_data_needs_confirmation(tmp_path):
    shutil.copyfile(ROOT / "Makefile", tmp_path / "Makefile")
    for name in [*REAL, *DEMO, "reports/README.md"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)

    def make(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["make", "-f", "Makefile", *args], cwd=tmp_path, capture_output=True,
                              text=True, timeout=60)

    assert make("clean").returncode == 0
    assert [n for n in REAL if not (tmp_path / n).exists()] == []
    assert [n for n in DEMO if (tmp_path / n).exists()] == []
    refused = make("wipe-all-data")
    assert refused.returncode != 0 and "CONFIRM=yes" in refused.stdout
    assert [n for n in REAL if not (tmp_path / n).exists()] == []
    assert make("wipe-all-data", "CONFIRM=yes").returncode == 0
    assert [n for n in REAL if (tmp_path / n).exists()] == []
    assert (tmp_path / "reports" / "README.md").exists()


# --- scheduling that keeps history ----------------------------------------------------------

def test_retention_prunes_only_old_generated_folders(tmp_path):
    from datetime import date

    from mltrends import retention
    from mltrends.config import load_settings

    reports = tmp_path / "reports"
    for name in ("2026-01-01", "2026-06-01", "2026-11-20", "2026-11-29", "notes", "reproductions/"
                 "20260101T000000000000-reproduce-1", "reproductions/20261125T000000000000-reproduce-2",
                 "reproductions/manual"):
        (reports / name).mkdir(parents=True)
    (reports / "latest").symlink_to("2026-01-01")  # `latest` is kept even when old
    (reports / "model_card.md").write_text("card")
    keep_all = load_settings(env={}, reports_dir=str(reports))
    assert retention.prune(keep_all, date(2026, 11, 30)) == []
    settings = load_settings(env={}, reports_dir=str(reports))
    settings = settings.with_overrides(retention={"reports_days": 30, "reproduction_logs_days": 10})
    removed = retention.prune(settings, date(2026, 11, 30))
    assert len(removed) == 2
    left = sorted(p.name for p in reports.iterdir())
    assert left == ["2026-01-01", "2026-11-20", "2026-11-29", "latest", "model_card.md", "notes",
                    "reproductions"]
    assert sorted(p.name for p in (reports / "reproductions").iterdir()) == [
        "20261125T000000000000-reproduce-2", "manual"]


def test_schedules_keep_the_database_upload_the_report_and_alert():
    workflow = (ROOT / "deploy" / "github-actions" / "refresh.yml").read_text()
    assert "gh release upload" in workflow and "retention-days" in workflow
    upload = workflow[workflow.index("name: Upload the report"):]
    assert upload.split("uses:")[0].count("if: always()") == 1
    assert "secrets.MLTRENDS_GITHUB_TOKEN || github.token" in workflow
    cron = (ROOT / "deploy" / "cron.txt").read_text()
    assert "timeout " in cron and "status --check" in cron
    service = (ROOT / "deploy" / "systemd" / "mltrends-refresh.service").read_text()
    assert "TimeoutStartSec=" in service and "status --check" in service and "OnFailure=" in service
    assert (ROOT / "deploy" / "systemd" / "mltrends-alert.service").is_file()
