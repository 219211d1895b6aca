"""The reproduction job end to end on fixture repositories made into local git repos.

Three runs share the module (kept short: a few workers, short timeouts): ordinary repos
(--no-install), hostile repos (short timeout, low memory and process caps) and one with
requirements that cannot install (offline). Every repo must end in the right stage and
category, and the machine must be left as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from mltrends import db
from mltrends import reproduce as job
from mltrends.cli import main as cli
from mltrends.reproduce import sandbox
from mltrends.reproduce.pipeline import Job

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "reproduce"
FAKE_TOKEN = f"ghp_{uuid.uuid4().hex}"  # made at run time: no token-like string is committed
ESCAPES = ("/tmp/mltrends-fixture-escape", "/var/tmp/mltrends-fixture-escape")

pytestmark = pytest.mark.skipif(sandbox.available_mode() == "none",
                                reason="no sandbox can be made on this machine (not root, no user namespaces)")


def _knobs(settings, **reproduce):
    return settings.with_overrides(reproduce=reproduce)


def make_remote(remotes: Path, name: str) -> str:
    """Copy a fixture folder to <remotes>/fixtures/<name> as a one-commit git repo."""
    dest = remotes / "fixtures" / name
    shutil.copytree(FIXTURES / name, dest)
    for broken in dest.rglob("*.py.txt"):  # kept as .txt so that linters leave them alone
        broken.rename(broken.with_suffix(""))
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "fixture (synthetic)"]):
        subprocess.run(["git", *args], cwd=dest, check=True, env=env, capture_output=True)
    return dest.as_uri()


@pytest.fixture(scope="module")
def remotes(tmp_path_factory):
    root = tmp_path_factory.mktemp("remotes")
    return {name: make_remote(root, name) for name in sorted(os.listdir(FIXTURES))
            if (FIXTURES / name).is_dir()}


@pytest.fixture(scope="module")
def env_module(tmp_path_factory):
    from mltrends.config import load_settings
    base = tmp_path_factory.mktemp("repro")
    settings = load_settings(env={}, db=str(base / "db.duckdb"), reports_dir=str(base / "reports"))
    con = db.connect(":memory:")
    yield con, settings
    con.close()


def _stage(rec, name):
    return next(s for s in rec["stages"] if s["stage"] == name)


def _by_repo(con, run_id):
    rows = con.execute("select repo, record from reproductions where run_id = ?", [run_id]).fetchall()
    return {r[0]: json.loads(r[1]) for r in rows}


@pytest.fixture(scope="module")
def ordinary(remotes, env_module):
    con, settings = env_module
    jobs = [
        Job("fixtures/torch_cpu", remotes["torch_cpu"], claimed_framework="pytorch",
            command="python train.py --steps 5"),
        Job("fixtures/tf_label_torch", remotes["tf_label_torch"], claimed_framework="tensorflow"),
        Job("fixtures/syntax_error", remotes["syntax_error"], claimed_framework="pytorch"),
        Job("fixtures/numpy_only", remotes["numpy_only"], claimed_framework="jax"),
    ]
    job.run(con, _knobs(settings, no_install=True, workers=2, timeout=120), jobs=jobs, run_id="ordinary")
    return _by_repo(con, "ordinary")


@pytest.fixture(scope="module")
def hostile(remotes, env_module, tmp_path_factory):
    con, settings = env_module
    # writable by anyone and reachable (not under pytest's private folder): only the
    # read-only mounts keep the sandbox out
    target = Path(tempfile.mkdtemp(prefix="mltrends-open-to-all-"))
    target.chmod(0o777)
    for path in ESCAPES:
        Path(path).unlink(missing_ok=True)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    saved = {k: os.environ.get(k) for k in ("GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY")}
    os.environ["GITHUB_TOKEN"] = FAKE_TOKEN
    os.environ["AWS_SECRET_ACCESS_KEY"] = FAKE_TOKEN
    jobs = [
        Job("fixtures/hangs", remotes["hangs"]),
        Job("fixtures/net_escape", remotes["net_escape"], command=["python", "main.py", str(port)]),
        Job("fixtures/token_thief", remotes["token_thief"]),
        Job("fixtures/write_outside", remotes["write_outside"],
            command=["python", "main.py", str(target / "escaped.txt")]),
        Job("fixtures/fork_bomb", remotes["fork_bomb"]),
        Job("fixtures/memory_hog", remotes["memory_hog"]),
    ]
    try:
        job.run(con, _knobs(settings, no_install=True, workers=3, timeout=4, memory_mb=400, nproc=48),
                jobs=jobs, run_id="hostile")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    try:
        accepted = listener.accept()
        accepted[0].close()
        reached_host = True
    except BlockingIOError:
        reached_host = False
    listener.close()
    yield {"records": _by_repo(con, "hostile"), "target": target, "reached_host": reached_host}
    shutil.rmtree(target, ignore_errors=True)


def test_pytorch_cpu_repo_confirmed_at_runtime(ordinary):
    rec = ordinary["fixtures/torch_cpu"]
    assert (rec["stage_reached"], rec["failure_category"]) == (3, None)
    assert rec["runtime_frameworks"] == ["pytorch"] and rec["static_primary"] == "pytorch"
    assert rec["gpu_touched"] is None and rec["gpu_present"] is False  # no GPU: null, not false
    assert len(rec["commit"]) == 40
    assert "trained on cpu" in rec["stages"][3]["detail"]
    assert [s["stage"] for s in rec["stages"]] == ["clone", "env", "imports", "entrypoint",
                                                  "framework", "model", "step", "gpu"]
    # the tracer saw the model (Linear(4, 1): 5 parameters) and the training step, on the CPU
    assert rec["furthest_stage"] == "step" and rec["command_source"] == "given"
    assert rec["model"]["class"] == "torch.nn.modules.linear.Linear"
    assert (rec["model"]["params"], rec["model"]["device"]) == (5, "cpu")
    assert rec["step_kinds"] == ["backward", "forward", "optimizer_step"]
    assert rec["commands"][0]["step_counts"]["pytorch:optimizer_step"] == 5
    assert len(rec["commands"]) == 1  # the top stage without a GPU: nothing else was tried
    assert rec["environment"]["manifest"] == "requirements.txt"
    assert any(line.startswith("torch==2.13.0") for line in rec["environment"]["freeze"])


def test_tensorflow_label_that_imports_pytorch(ordinary):
    rec = ordinary["fixtures/tf_label_torch"]
    assert rec["claimed_framework"] == "tensorflow"
    assert rec["runtime_primary"] == "pytorch" and rec["stage_reached"] == 3
    # run without --help first; it started, so the --help run was not needed
    assert rec["entrypoint"]["how"] == "entrypoint" and rec["entrypoint"]["argv"][-1] == "main.py"
    assert [c["source"] for c in rec["commands"]] == ["entrypoint"]
    assert rec["furthest_stage"] == "framework" and rec["model_built"] is False


def test_syntax_error_fails_imports(ordinary):
    rec = ordinary["fixtures/syntax_error"]
    assert (rec["stage_reached"], rec["failure_category"]) == (0, "import")
    assert "main.py:3" in rec["stages"][-1]["detail"]


def test_numpy_only_runs_without_a_framework(ordinary):
    rec = ordinary["fixtures/numpy_only"]
    assert (rec["stage_reached"], rec["failure_category"]) == (2, None)
    assert rec["runtime_frameworks"] == [] and rec["runtime_primary"] == "none"
    assert rec["furthest_stage"] == "entrypoint" and rec["model_built"] is None


def test_requirements_that_cannot_install(remotes, env_module):
    con, settings = env_module
    jobs = [Job("fixtures/bad_requirements", remotes["bad_requirements"])]
    job.run(con, _knobs(settings, no_install=False, install_timeout=60), jobs=jobs, run_id="install")
    rec = _by_repo(con, "install")["fixtures/bad_requirements"]
    assert (rec["stage_reached"], rec["failure_category"]) == (0, "env")
    assert rec["environment"]["source"] == "requirements.txt"
    assert "mltrends-fixture-no-such-package" in rec["stages"][-1]["detail"]


def test_hanging_entrypoint_times_out(hostile):
    rec = hostile["records"]["fixtures/hangs"]
    assert (rec["stage_reached"], rec["failure_category"]) == (1, "timeout")
    assert rec["stages"][-1]["seconds"] < 10
    assert sum(c["seconds"] for c in rec["commands"]) < 4 + 2  # one budget for all commands


def test_network_is_cut(hostile):
    rec = hostile["records"]["fixtures/net_escape"]
    # the script started, then stopped on the network: categorised as such
    assert (rec["stage_reached"], rec["failure_category"]) == (2, "network")
    detail = _stage(rec, "entrypoint")["detail"]
    assert "192.0.2.1: [Errno 101] Network is unreachable" in detail
    assert "127.0.0.1: [Errno 111] Connection refused" in detail  # the sandbox's own loopback
    assert "no network" in detail and not hostile["reached_host"]
    assert _stage(rec, "entrypoint")["seconds"] < 4


def test_credentials_are_not_visible(hostile):
    rec = hostile["records"]["fixtures/token_thief"]
    assert (rec["stage_reached"], rec["failure_category"]) == (2, "entrypoint")
    assert "nothing to steal" in _stage(rec, "entrypoint")["detail"]
    assert FAKE_TOKEN not in json.dumps(rec)


def test_writes_outside_the_workspace_fail(hostile):
    rec = hostile["records"]["fixtures/write_outside"]
    # under bubblewrap the folder does not exist at all (read as missing data)
    assert rec["stage_reached"] == 2 and rec["failure_category"] in ("entrypoint", "missing_data")
    detail = _stage(rec, "entrypoint")["detail"]
    # bubblewrap shows nothing of the host's /tmp; the fallback launcher mounts it read-only
    assert "No such file or directory" in detail or "Read-only file system" in detail
    assert not (hostile["target"] / "escaped.txt").exists()
    assert not any(Path(p).exists() for p in ESCAPES)


def test_fork_bomb_is_contained(hostile):
    rec = hostile["records"]["fixtures/fork_bomb"]
    # 48 forked interpreters sit right at the 400 MiB cap: stopped by the clock or the memory
    # watchdog, whichever comes first; either way nothing may be left running
    assert rec["stage_reached"] == 1 and rec["failure_category"] in ("timeout", "killed")
    left = [p for uid in range(sandbox.UID_BASE, sandbox.UID_BASE + 8)
            for p in sandbox.uid_processes(uid)]
    assert left == []


def test_memory_hog_is_killed(hostile):
    rec = hostile["records"]["fixtures/memory_hog"]
    assert (rec["stage_reached"], rec["failure_category"]) == (1, "killed")
    assert "memory" in rec["stages"][-1]["detail"]
    assert 400 < rec["peak_rss_mb"] < 4000


def test_records_table_and_json_files(ordinary, hostile, env_module):
    con, settings = env_module
    n, distinct = con.execute("select count(*), count(distinct (run_id, repo)) from reproductions "
                              "where run_id in ('ordinary', 'hostile')").fetchall()[0]
    assert n == distinct == 10
    files = sorted((Path(settings.reports_dir) / "reproductions" / "hostile").glob("*.json"))
    names = ["fork_bomb", "hangs", "memory_hog", "net_escape", "token_thief", "write_outside"]
    assert sorted(f.name for f in files) == sorted(f"fixtures__{n}-" + hashlib.sha256(
        f"fixtures/{n}".encode()).hexdigest()[:12] + ".json" for n in names)
    row = con.execute("select runtime_frameworks, gpu_touched, stage_reached from reproductions "
                      "where run_id = 'ordinary' and repo = 'fixtures/tf_label_torch'").fetchall()
    assert row == [(["pytorch"], None, 3)]


def test_cli_repos_file_json_and_summary(remotes, tmp_path):
    listing = tmp_path / "repos.jsonl"
    listing.write_text(
        json.dumps({"url": remotes["tf_label_torch"], "claimed_framework": "tf"}) + "\n"
        + json.dumps({"url": remotes["numpy_only"], "command": "python run.py"}) + "\n"
        + "not json\n")
    dbfile = tmp_path / "cli.duckdb"
    runner = CliRunner(env={"MLTRENDS_REPORTS_DIR": str(tmp_path / "reports")})
    result = runner.invoke(cli, ["--db", str(dbfile), "-q", "reproduce", "--repos", str(listing),
                                 "--no-install", "--workers", "2", "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert len(lines) == 2
    for line in lines:
        assert {"url", "commit", "claimed_framework", "static_primary", "runtime_frameworks",
                "stage_reached", "failure_category", "gpu_touched"} <= set(line)
    by_url = {line["url"]: line for line in lines}
    assert by_url[remotes["tf_label_torch"]]["claimed_framework"] == "tensorflow"
    assert by_url[remotes["tf_label_torch"]]["runtime_frameworks"] == ["pytorch"]
    assert by_url[remotes["numpy_only"]]["stage_reached"] == 2
    assert len(list((tmp_path / "reports" / "reproductions").glob("*/*.json"))) == 2
    summary = runner.invoke(cli, ["--db", str(dbfile), "reproduce", "--summary"])
    assert summary.exit_code == 0
    s2 = next(line for line in summary.output.splitlines() if "S2 entry point starts" in line)
    assert s2.split()[4:6] == ["2/2", "100.0%"]
    assert "claimed label (PwC) vs runtime framework (1 repos" in summary.output
    assert "accuracy 0/1" in summary.output and "tensorflow" in summary.output
    isolation = next(line for line in summary.output.splitlines() if line.startswith("Isolation: "))
    expected = "bubblewrap" if sandbox.available_mode() == "bwrap" else "fallback launcher"
    assert isolation.startswith(f"Isolation: {expected}") and isolation.endswith(": 2 repos")
    con = db.connect(str(dbfile))
    try:
        rejected = con.execute("select reason from rejected_records "
                               "where source = 'reproduce:repos-file'").fetchall()
        status = con.execute("select status, rows from runs where command = 'reproduce'").fetchall()
    finally:
        con.close()
    assert len(rejected) == 1 and "repos.jsonl:3" in rejected[0][0]
    assert status[0][0] == "succeeded" and json.loads(status[0][1]) == {"reproductions": 2}


def test_ray_executor_on_local_ray(remotes, env_module):
    pytest.importorskip("ray")
    con, settings = env_module
    jobs = [Job("fixtures/numpy_only", remotes["numpy_only"]),
            Job("fixtures/syntax_error", remotes["syntax_error"])]
    job.run(con, _knobs(settings, no_install=True, executor="ray", workers=2), jobs=jobs, run_id="ray")
    recs = _by_repo(con, "ray")
    assert {k: (v["stage_reached"], v["failure_category"], v["executor"]) for k, v in recs.items()} == {
        "fixtures/numpy_only": (2, None, "ray"), "fixtures/syntax_error": (0, "import", "ray")}
