"""The reproduction job's parts: sampling, repo lists, environment manifests, summary,
GPU evidence, the sandbox's modes (userns, refusal, not root) and the bundled demo repos."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from mltrends import reproduce as job
from mltrends.reproduce import environment, results, sampling, sandbox, summary, workspace
from mltrends.reproduce.pipeline import Config, Job, gpu_touched, reproduce_one
from mltrends_demo import DEMO_DIR

ROOT = Path(__file__).resolve().parents[1]
needs_sandbox = pytest.mark.skipif(sandbox.available_mode() == "none",
                                   reason="no sandbox can be made on this machine")


def _pwc(con, rows):
    """rows: (paper_id, repo, official, label, year)."""
    now = datetime(2025, 1, 1)
    for paper_id, repo, official, label, year in rows:
        con.execute("insert into pwc_papers (paper_id, year, _source, _fetched_at) values (?, ?, 't', ?) "
                    "on conflict do nothing", [paper_id, year, now])
        con.execute("insert into pwc_paper_repos (paper_id, repo, is_official, pwc_framework, _source, "
                    "_fetched_at) values (?, ?, ?, ?, 't', ?)", [paper_id, repo, official, label, now])


def _universe(con):
    rows = []
    for i in range(40):
        label = ["pytorch", "pytorch", "pytorch", "tensorflow"][i % 4]
        rows.append((f"p{i}", f"o/r{i:02d}", i % 3 == 0, label, 2019 + i % 2))
    _pwc(con, rows)


def test_allocate_is_proportional_and_exact():
    assert sampling.allocate({"a": 30, "b": 10}, 8) == {"a": 6, "b": 2}
    assert sampling.allocate({"a": 1, "b": 1, "c": 1}, 2) == {"a": 1, "b": 1, "c": 0}
    assert sampling.allocate({"a": 3}, 10) == {"a": 3}


def test_sample_stratified_reproducible_official_first(con):
    _universe(con)
    a = sampling.sample(con, 8, seed=7, git_base_url="file:///srv/git")
    b = sampling.sample(con, 8, seed=7, git_base_url="file:///srv/git")
    c = sampling.sample(con, 8, seed=8, git_base_url="file:///srv/git")
    assert [j.repo for j in a] == [j.repo for j in b]
    assert [j.repo for j in a] != [j.repo for j in c]
    strata = {}
    for j in a:
        year = con.execute("select year from pwc_papers where paper_id = ?", [j.paper_id]).fetchall()[0][0]
        strata[(j.claimed_framework, year)] = strata.get((j.claimed_framework, year), 0) + 1
    # 40 repos: pytorch 2019 (i % 4 in 0, 2) 20, pytorch 2020 10, tensorflow 2020 10 -> 4/2/2
    assert strata == {("pytorch", 2019): 4, ("pytorch", 2020): 2, ("tensorflow", 2020): 2}
    official = {r[0] for r in con.execute("select repo from pwc_paper_repos where is_official").fetchall()}
    assert all(j.repo in official for j in a)  # every stratum has >= its share of official repos
    assert a[0].url == f"file:///srv/git/{a[0].repo}"


def test_sample_reads_this_runs_staging_views_not_last_runs_mart(con):
    _universe(con)
    con.execute("create table paper_implementations as select 'q1' as paper_id, 'm/only' as repo, "
                "true as is_official, 'jax' as pwc_framework, 'jax' as framework, 2021 as year")
    jobs = sampling.sample(con, 5, seed=1, git_base_url="https://github.com")
    assert len(jobs) == 5 and "m/only" not in {j.repo for j in jobs}
    assert {j.claimed_framework for j in jobs} <= {"pytorch", "tensorflow"}
    assert all(j.url == f"https://github.com/{j.repo}" and j.repo.startswith("o/r") for j in jobs)


def test_repos_file_rejects_bad_lines(con, tmp_path):
    path = tmp_path / "list.jsonl"
    path.write_text('{"url": "https://github.com/A/B.git", "claimed_framework": "tf", '
                    '"command": ["python", "x.py"]}\n[1, 2]\n\n{"url": ""}\n')
    jobs = sampling.from_file(con, path, run_id="r")
    assert jobs == [Job(repo="a/b", url="https://github.com/A/B.git", claimed_framework="tensorflow",
                        command=("python", "x.py"))]
    reasons = [r[0] for r in con.execute("select reason from rejected_records order by reason").fetchall()]
    assert len(reasons) == 2 and reasons[0].startswith(f"{path}:2:") and f"{path}:4:" in reasons[1]
    with pytest.raises(FileNotFoundError, match="nope.jsonl"):
        sampling.from_file(con, tmp_path / "nope.jsonl")
    (tmp_path / "bad.jsonl").write_text("oops\n")
    with pytest.raises(sampling.RepoListError, match="no usable repository line"):
        sampling.from_file(con, tmp_path / "bad.jsonl")


def test_manifest_precedence_and_environment_yml(tmp_path):
    (tmp_path / "setup.py").write_text("")
    assert environment.find_manifest(tmp_path).name == "setup.py"
    (tmp_path / "requirements.txt").write_text("")
    assert environment.find_manifest(tmp_path).name == "requirements.txt"
    (tmp_path / "environment.yml").write_text("")
    assert environment.find_manifest(tmp_path).name == "environment.yml"
    (tmp_path / "binder").mkdir()
    (tmp_path / "binder" / "requirements.txt").write_text("")
    assert environment.find_manifest(tmp_path) == tmp_path / "binder" / "requirements.txt"
    text = ("name: x\nchannels:\n  - pytorch\ndependencies:\n  - python=3.9\n  - pytorch::pytorch=1.13\n"
            "  - numpy>=1.20\n  - pip\n  - pip:\n    - einops==0.6.0  # comment\n    - timm\n"
            "  - scipy\n")
    assert environment.environment_yml_requirements(text) == [
        "torch==1.13.*", "numpy>=1.20", "einops==0.6.0", "timm", "scipy"]


def test_entrypoint_discovery(tmp_path):
    py = "/x/python"
    assert workspace.entrypoint(tmp_path, py, None) == (None, "no main.py, train.py or run.py found")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "run.py").write_text("")
    assert workspace.entrypoint(tmp_path, py, None)[0] == [py, "src/run.py", "--help"]
    (tmp_path / "train.py").write_text("")
    assert workspace.entrypoint(tmp_path, py, None) == ([py, "train.py", "--help"], "discovered train.py")
    assert workspace.entrypoint(tmp_path, py, "python3 -m pkg --x 'a b'")[0] == [py, "-m", "pkg", "--x", "a b"]


def test_gpu_evidence_rules():
    assert gpu_touched({"2": {"torch": {"cuda_initialized": False}}}, None) is False
    assert gpu_touched({"2": {"torch": {"cuda_initialized": True, "max_memory_allocated": 0}}}, None)
    assert gpu_touched({"3": {"jax": {"initialized": True, "platforms": ["cuda"]}}}, None)
    assert not gpu_touched({"3": {"jax": {"initialized": True, "platforms": ["cpu"]}}}, None)
    assert gpu_touched({"4": {"tensorflow": {"initialized": True, "gpus": ["/GPU:0"]}}}, None)
    assert gpu_touched({}, {"nvml_process_seen": True, "nvml_peak_bytes": 1 << 20})


def _record(repo, claimed, static, runtime, stage, category=None, gpu_present=False, touched=None):
    return {"run_id": "s1", "repo": repo, "claimed_framework": claimed, "static_primary": static,
            "runtime_frameworks": runtime, "stage_reached": stage, "failure_category": category,
            "gpu_present": gpu_present, "gpu_touched": touched, "stages": []}


def test_summary_rates_and_confusion(con):
    records = [
        _record("a", "pytorch", "pytorch", ["pytorch"], 3),
        _record("b", "tensorflow", "pytorch", ["pytorch", "numpy"], 3),
        _record("c", "tensorflow", "tensorflow", ["tensorflow"], 3),
        _record("d", "pytorch", "none", [], 2),
        _record("e", "jax", "jax", [], 0, "import"),
    ]
    assert results.save(con, records) == 5
    assert results.save(con, records) == 5
    assert con.execute("select count(*), count(distinct (run_id, repo)) from reproductions").fetchall() == [(5, 5)]
    s = summary.summarize(con)
    # rows from before the stage ladder (no furthest_stage) count for S0-S3 only
    assert [(x["reached"], x["n"]) for x in s["stages"]] == [
        (5, 5), (4, 5), (4, 5), (3, 5), (0, 0), (0, 0), (0, 0), (0, 0)]
    assert s["confusion"]["claimed"]["correct"] == 2 and s["confusion"]["claimed"]["n"] == 3
    assert s["confusion"]["static"]["correct"] == 3
    low, high = summary.wilson(2, 3)
    assert (round(low, 4), round(high, 4)) == (0.2077, 0.9385)
    text = summary.format_summary(s)
    assert "S6 GPU used                        n/a (no GPU present" in text
    assert "accuracy 2/3  66.7% [ 20.8%,  93.9%]" in text
    assert summary.format_summary(summary.summarize(con, "no-such-run")).startswith("No reproduction")


@needs_sandbox
def test_gpu_present_but_untouched_is_false_not_null(tmp_path):
    repo = tmp_path / "r"
    repo.mkdir()
    (repo / "main.py").write_text("import torch\nprint(torch.ones(1))\n")
    root = workspace.make_root(None)
    try:
        cfg = Config(run_id="g", work_root=str(root), mode=sandbox.available_mode(), timeout=120)
        rec = reproduce_one(Job("t/gpu", path=str(repo)), cfg, gpus=["0"])
    finally:
        shutil.rmtree(root)
    assert rec["gpu_present"] is True and rec["gpu_touched"] is False
    assert rec["stages"][-1] == {"stage": "gpu", "ok": False, "seconds": 0.0,
                                 "detail": rec["stages"][-1]["detail"]}
    assert rec["stage_reached"] == 3 and rec["devices"]


@needs_sandbox
def test_userns_mode_cuts_network_and_writes(tmp_path):
    if not sandbox._can_userns():
        pytest.skip("unprivileged user namespaces are disabled here")
    ws = Path(workspace.make_root(None))
    try:
        code = ("import socket, sys\n"
                "try:\n    open('/etc/mltrends-escape', 'w')\nexcept OSError as e:\n    print('write', e.errno)\n"
                "s = socket.socket()\n"
                "try:\n    s.connect(('192.0.2.1', 80))\nexcept OSError as e:\n    print('net', e.errno)\n"
                "open('inside.txt', 'w').write('ok')\n")
        run = sandbox.run_sandboxed([sys.executable, "-c", code], cwd=str(ws), writable=[str(ws)],
                                    env={"PATH": "/usr/bin:/bin"}, mode="userns", uid=None,
                                    limits=sandbox.Limits(wall_seconds=30))
        assert run.returncode == 0, run.output
        assert "write 30" in run.output and "net 101" in run.output  # EROFS, ENETUNREACH
        assert (ws / "inside.txt").read_text() == "ok"
    finally:
        shutil.rmtree(ws)


def test_refuses_without_a_sandbox(monkeypatch, con, settings):
    monkeypatch.setattr(sandbox, "available_mode", lambda preference="auto": "none")
    with pytest.raises(sandbox.SandboxUnavailable, match="--allow-unsandboxed"):
        job.run(con, settings, jobs=[Job("a/b", url="file:///nowhere")])
    assert sandbox.choose_mode(True) == "none"


def test_not_root_path():
    """As an unprivileged user: the job picks bwrap or `userns` or refuses; never runs unsandboxed."""
    if os.geteuid() != 0:
        assert sandbox.available_mode() in ("bwrap", "userns", "none")
        return
    exe = Path(sys.executable).resolve()
    for parent in exe.parents:
        if parent != Path("/") and not parent.stat().st_mode & 0o001:
            pytest.skip(f"the interpreter lies under {parent}, which other users cannot enter: "
                        "the unprivileged run cannot start Python here")
    code = ("from mltrends.reproduce import sandbox\n"
            "print(sandbox.available_mode())\n"
            "try:\n    sandbox.choose_mode(False)\nexcept sandbox.SandboxUnavailable:\n    print('refused')\n")
    done = subprocess.run(["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
                           sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "src")})
    assert done.stdout.split()[0] in ("bwrap", "userns", "none")
    assert ("refused" in done.stdout) == (done.stdout.split()[0] == "none")


@needs_sandbox
def test_demo_repos(con, settings):
    """Every bundled example ends at the stage (and with the category) mltrends_demo/inputs/repos/expected.json says."""
    _pwc(con, [("p1", "vision-lab-uni/vit-lib-771", True, "tensorflow", 2019),
               ("p2", "vision-lab-uni/captioning-pytorch-446", True, "pytorch", 2018)])
    demo = DEMO_DIR / "repos"
    expected = {k: v for k, v in json.loads((demo / "expected.json").read_text()).items()
                if not k.startswith("_")}
    rows = job.run(con, settings.with_overrides(reproduce={"no_install": True, "workers": 2, "timeout": 120}),
                   local_repos_dir=str(demo), run_id="demo")
    assert rows == {"reproductions": len(expected)} and len(expected) == 7
    got = {r[0]: {"furthest_stage": r[1], "failure_category": r[2], "command_source": r[3]}
           for r in con.execute("select repo, furthest_stage, failure_category, command_source "
                                "from reproductions where run_id = 'demo'").fetchall()}
    assert got == expected
    claims = dict(con.execute("select repo, claimed_framework from reproductions "
                              "where run_id = 'demo' and claimed_framework is not null").fetchall())
    assert claims == {"vision-lab-uni/vit-lib-771": "tensorflow",
                      "vision-lab-uni/captioning-pytorch-446": "pytorch"}
    model = con.execute("select model_class, model_params, model_device, step_kinds from reproductions "
                        "where repo = 'ml-tsinghai/recsys-pytorch-357'").fetchall()
    # MatrixFactorisation: 100 x 8 + 200 x 8 embedding weights, seen when the data was missing
    assert model == [("__main__.MatrixFactorisation", 2400, "cpu", [])]
    parser_first = con.execute("select runtime_primary, stage_reached from reproductions "
                               "where repo = 'nlp-group-tech/graph-net-lib-436'").fetchall()
    assert parser_first == [("pytorch", 3)]
    files = list((Path(settings.reports_dir) / "reproductions" / "demo").glob("*.json"))
    assert len(files) == len(expected)
    assert json.loads(files[0].read_text())["commit"].startswith("local-")


def test_unsandboxed_only_when_allowed(monkeypatch, con, settings, tmp_path):
    monkeypatch.setattr(sandbox, "available_mode", lambda preference="auto": "none")
    repo = tmp_path / "plain"
    repo.mkdir()
    (repo / "run.py").write_text("import os, time\nprint('home', os.environ['HOME'])\n")
    (tmp_path / "slow").mkdir()
    (tmp_path / "slow" / "main.py").write_text("import time\ntime.sleep(30)\n")
    knobs = {"no_install": True, "allow_unsandboxed": True, "timeout": 2}
    job.run(con, settings.with_overrides(reproduce=knobs),
            jobs=[Job("t/plain", path=str(repo)), Job("t/slow", path=str(tmp_path / "slow"))], run_id="none")
    got = {r[0]: r[1:] for r in con.execute(
        "select repo, sandbox, stage_reached, failure_category from reproductions").fetchall()}
    assert got == {"t/plain": ("none", 2, None), "t/slow": ("none", 1, "timeout")}
