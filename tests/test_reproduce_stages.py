"""The stage ladder: commands worth running, why a run stopped, what the tracer's probes
record in a real Python process, and the stage rates with their intervals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mltrends.reproduce import commands, evidence, power, published, results, summary
from mltrends.reproduce.pipeline import read_traces

TRACER = Path(__file__).resolve().parents[1] / "src" / "mltrends" / "reproduce" / "tracer"
PY = "/venv/bin/python"


def _repo(tmp_path: Path, readme: str, files: tuple[str, ...] = ("train.py", "eval.py")) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in files:
        (repo / name).write_text("print('hi')\n")
    (repo / "README.md").write_text(readme)
    (tmp_path / "outside.py").write_text("print('outside')\n")
    return repo


def test_readme_commands_run_own_scripts_and_never_a_shell(tmp_path):
    repo = _repo(tmp_path, "\n".join([
        "Install, then train:", "```bash", "pip install -r requirements.txt",
        "$ python train.py --epochs 1 \\", "    --lr 0.1",
        "python train.py | tee log.txt", "python train.py $(rm -rf ~)",
        "CUDA_VISIBLE_DEVICES=0 python3 eval.py --split 'test set'", "python missing.py",
        "python ../outside.py", "python -m pkg.cli", "```", "python eval.py --outside-a-block",
    ]))
    (repo / "pkg").mkdir()
    assert commands.readme_commands(repo, PY) == [
        (PY, "train.py", "--epochs", "1", "--lr", "0.1"),
        (PY, "eval.py", "--split", "test set"),
        (PY, "-m", "pkg.cli"),
    ]


def test_plan_order_and_help_last(tmp_path):
    repo = _repo(tmp_path, "```\npython eval.py\n```\n", files=("main.py", "eval.py"))
    (repo / "tests").mkdir()
    plan = commands.plan(repo, PY, "python main.py --quick")
    assert [(c.source, c.argv[1:], c.help_only) for c in plan] == [
        ("given", ("main.py", "--quick"), False),
        ("readme", ("eval.py",), False),
        ("tests", ("-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"), False),
        ("entrypoint", ("main.py",), False),
        ("entrypoint --help", ("main.py", "--help"), True),
    ]
    assert [c.argv[0] for c in plan] == [PY] * 5


@pytest.mark.parametrize(("output", "code", "category"), [
    ("Traceback...\nFileNotFoundError: [Errno 2] No such file or directory: 'data/train.csv'", 1,
     "missing_data"),
    ("FileNotFoundError: [Errno 2] No such file or directory: 'checkpoints/policy.pt'", 1,
     "missing_weights"),
    ("OSError: pretrained_models/resnet does not exist", 1, "missing_weights"),
    ("urllib.error.URLError: <urlopen error [Errno -3] Temporary failure in name resolution>", 1,
     "network"),
    ("AssertionError: Torch not compiled with CUDA enabled", 1, "needs_gpu"),
    ("ModuleNotFoundError: No module named 'apex'", 1, "import"),
    ("usage: main.py [-h] --config CONFIG\nmain.py: error: the following arguments are required", 2,
     "arguments"),
    ("ValueError: shapes do not match", 1, "entrypoint"),
])
def test_categorize(output, code, category):
    assert commands.categorize(output, code) == category


def _traced(tmp_path: Path, code: str) -> tuple[subprocess.CompletedProcess, list[dict]]:
    script = tmp_path / "script.py"
    script.write_text(code)
    read, write = os.pipe()  # the tracer's evidence comes through an inherited pipe
    env = {"PATH": os.environ.get("PATH", "/usr/bin"), "PYTHONPATH": str(TRACER),
           "MLTRENDS_TRACE_FD": str(write), "HOME": str(tmp_path)}
    try:
        proc = subprocess.Popen([sys.executable, str(script)], cwd=tmp_path, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                pass_fds=[write])
    finally:
        os.close(write)
    with os.fdopen(read, "rb") as fh:
        data = fh.read()
    out, err = proc.communicate(timeout=120)
    done = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    return done, read_traces(data)["events"]


def test_probes_record_model_steps_and_device_in_a_real_process(tmp_path):
    pytest.importorskip("torch")
    done, events = _traced(tmp_path, "\n".join([
        "import torch", "from torch import nn",
        "class Net(nn.Module):",
        "    def __init__(self):",
        "        super().__init__()",
        "        self.a = nn.Linear(3, 4)",
        "        self.b = nn.Linear(4, 2)",
        "    def forward(self, x):",
        "        return self.b(torch.relu(self.a(x)))",
        "net = Net()",
        "opt = torch.optim.SGD(net.parameters(), lr=0.1)",
        "for _ in range(3):",
        "    loss = net(torch.randn(5, 3)).sum()",
        "    opt.zero_grad()",
        "    loss.backward()",
        "    opt.step()",
        "open('data/train.csv')",
    ]))
    assert done.returncode == 1 and "FileNotFoundError" in done.stderr  # behaviour unchanged
    attempt = evidence.attempt_from(events, argv=["python"], source="given", returncode=1,
                                    seconds=1.0, category="missing_data", frameworks=["pytorch"])
    # Net: 3*4+4 + 4*2+2 = 26 parameters, the root model (its Linear parts are not roots)
    assert evidence.main_model(attempt) == {**evidence.main_model(attempt), "class": "__main__.Net",
                                            "params": 26, "device": "cpu"}
    assert {m["class"] for m in attempt.models} == {"__main__.Net"}
    assert [c["class"] for c in attempt.created][:2] == ["__main__.Net", "torch.nn.modules.linear.Linear"]
    assert [s["kind"] for s in attempt.steps] == ["forward", "backward", "optimizer_step"]
    assert attempt.step_counts == {"pytorch:forward": 1, "pytorch:backward": 3,
                                   "pytorch:optimizer_step": 3}
    assert attempt.furthest() == "step" and not attempt.gpu_used


def test_probes_keep_a_model_built_before_missing_data(tmp_path):
    pytest.importorskip("torch")
    done, events = _traced(tmp_path, "\n".join([
        "import torch",
        "def main():",
        "    model = torch.nn.Sequential(torch.nn.Linear(10, 10), torch.nn.ReLU())",
        "    open('weights/model.pt', 'rb')",
        "main()",
    ]))
    assert done.returncode == 1
    models = [e for e in events if e["event"] == "model"]
    assert [(m["class"], m["params"], m["reason"]) for m in models] == [
        ("torch.nn.modules.container.Sequential", 110, "exception")]
    assert not [e for e in events if e["event"] == "step"]
    assert commands.categorize(done.stderr, done.returncode) == "missing_weights"


def test_probes_see_nothing_without_a_framework_call(tmp_path):
    done, events = _traced(tmp_path, "import json\nprint(json.dumps([1]))\n")
    assert done.returncode == 0 and done.stdout == "[1]\n"
    assert [e["event"] for e in events] == ["start"]


def _row(repo, furthest, category=None, claimed=None, runtime=(), source="entrypoint",
         gpu_present=False, touched=None, stage=None):
    rank = evidence.RANK[furthest]
    legacy = stage if stage is not None else (
        0 if rank < evidence.RANK["imports"] else 1 if rank < evidence.RANK["entrypoint"]
        else 2 if rank < evidence.RANK["framework"] else 3)
    return {"run_id": "r", "repo": repo, "claimed_framework": claimed, "static_primary": None,
            "runtime_frameworks": list(runtime), "stage_reached": legacy,
            "failure_category": category, "gpu_present": gpu_present, "gpu_touched": touched,
            "stages": [], "furthest_stage": furthest, "command_source": source,
            "model": {"class": "m.Net", "params": 10, "device": "cpu"} if rank >= 6 else None,
            "model_built": rank >= 6 if runtime else None, "step_ran": rank >= 7 if runtime else None}


def test_stage_rates_by_hand(con):
    rows = [_row("a", "step", claimed="pytorch", runtime=["pytorch"]),
            _row("b", "model", "missing_data", claimed="pytorch", runtime=["pytorch"]),
            _row("c", "framework", "missing_weights", claimed="tensorflow", runtime=["pytorch"]),
            _row("d", "entrypoint"),
            _row("e", "env", "import"),
            _row("f", "entrypoint", source="entrypoint --help")]
    assert results.save(con, rows) == 6
    got = con.execute("select model_params, furthest_stage from reproductions where repo = 'a'").fetchall()
    assert got == [(10, "step")]
    s = summary.summarize(con, "r")
    rates = {x["stage"].split()[0]: (x["reached"], x["n"]) for x in s["stages"]}
    assert rates == {"S0": (6, 6), "S1": (5, 6), "S2": (5, 6), "S3": (3, 6), "S4": (2, 6),
                     "S5": (1, 6), "S6": (0, 0), "completed": (2, 6)}  # a and d; f was only --help
    # Wilson 95% for 2 of 6, by hand: centre (1/3 + 0.32)/1.64, half-width 0.2738
    s4 = s["stages"][4]
    assert (round(s4["ci_low"], 4), round(s4["ci_high"], 4)) == (0.0968, 0.7000)
    acc = {r["stage"]: r for r in s["label_accuracy"]}
    assert (acc["pytorch"]["reached"], acc["pytorch"]["n"]) == (2, 2)
    assert (acc["tensorflow"]["reached"], acc["tensorflow"]["n"]) == (0, 1)
    assert round(acc["pytorch"]["half_width"], 4) == round((1 - 0.3424) / 2, 4)
    text = summary.format_summary(s, target_half_width=0.1)
    assert "S4 model built" in text and "2/6" in text and "not met" in text
    assert "Trisovic" in text and "1203/15817" in text


def test_published_rates_carry_citations_and_definitions():
    rates = published.load()
    assert {r.study for r in rates} >= {"trisovic_2022", "samuel_mietchen_2023"}
    for r in rates:
        assert r.citation and r.definition and r.population and 0 < r.rate < 1
        assert r.comparable_stage in (*evidence.LADDER, "completed")
    ran = next(r for r in rates if r.measure == "ran_without_error")
    assert (ran.numerator, ran.denominator) == (1203, 15817) and abs(ran.rate - 0.0761) < 1e-3
    assert json.dumps([r.__dict__ for r in rates])  # plain data


def _implementations(con, rows):
    """A synthetic paper_implementations mart: (repo, paper_id, is_official, label, quarter)."""
    con.execute("create table paper_implementations (repo varchar, paper_id varchar, "
                "is_official boolean, pwc_framework varchar, quarter varchar)")
    con.executemany("insert into paper_implementations values (?, ?, ?, ?, ?)", rows)


def test_power_needed_by_hand():
    # 1.96^2 * 0.25 / 0.1^2 = 96.04 -> 97 validated repos; 0.05 -> 385
    assert power.needed(0.10) == 97 and power.needed(0.05) == 385
    assert power.needed(0.10, p=0.9) == 35  # 1.96^2 * 0.09 / 0.01 = 34.57
    assert round(power.reachable(97), 4) == 0.0995
    with pytest.raises(ValueError):
        power.needed(0)


def test_power_plan_per_claimed_framework_in_recent_quarters(con):
    rows = [(f"synthetic/pt{i}", f"p{i}", i < 5, "pytorch", ["2024Q1", "2024Q2", "2024Q3", "2024Q4"][i % 4])
            for i in range(300)]
    rows += [(f"synthetic/tf{i}", f"t{i}", False, "TensorFlow", "2024Q4") for i in range(30)]
    rows += [(f"synthetic/old{i}", f"o{i}", False, "jax", "2019Q1") for i in range(50)]
    _implementations(con, rows)
    plan = power.plan(con, 0.10, seed=3, git_base_url="file:///nowhere", quarters=4)
    assert plan.quarters == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]  # 2019Q1 is not recent
    assert (plan.yield_rate, plan.yield_source.startswith("assumed")) == (0.5, True)
    got = {s.framework: (s.candidates, s.validated_needed, s.to_sample) for s in plan.strata}
    assert got == {"pytorch": (300, 97, 194), "tensorflow": (30, 97, 30)}  # 97 / 0.5 = 194
    tf = next(s for s in plan.strata if s.framework == "tensorflow")
    assert round(tf.expected_half_width, 4) == 0.2530  # 15 validated: 1.96 * sqrt(0.25 / 15)
    assert len(plan.jobs) == 224 and len({j.repo for j in plan.jobs}) == 224
    pt = [j.repo for j in plan.jobs if j.claimed_framework == "pytorch"]
    assert set(pt[:5]) == {f"synthetic/pt{i}" for i in range(5)}  # official first
    assert plan.jobs[0].url.startswith("file:///nowhere/synthetic/")
    again = power.plan(con, 0.10, seed=3, git_base_url="file:///nowhere")
    assert [j.repo for j in again.jobs] == [j.repo for j in plan.jobs]  # same seed, same sample
    text = plan.format(per_run_seconds=60, workers=2)
    assert "+/-10.0 points" in text and "total 224 repositories" in text and "1.9 h" in text


def test_cli_sample_auto_prints_the_power_calculation_first(tmp_path):
    from click.testing import CliRunner

    from mltrends import db
    from mltrends.cli import main as cli
    dbfile = tmp_path / "p.duckdb"
    con = db.connect(str(dbfile))
    _implementations(con, [(f"synthetic/r{i}", f"p{i}", False, "pytorch", "2025Q1") for i in range(3)])
    con.close()
    runner = CliRunner(env={"MLTRENDS_REPORTS_DIR": str(tmp_path / "reports"),
                            "MLTRENDS_GIT_BASE_URL": (tmp_path / "no-remotes").as_uri()})
    result = runner.invoke(cli, ["--db", str(dbfile), "reproduce", "--sample", "auto",
                                 "--half-width", "0.45", "--no-install", "--allow-unsandboxed"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("Power calculation") < out.index("Reproduction run")
    # 1.96^2 * 0.25 / 0.45^2 = 4.74 -> 5 validated, / 0.5 yield = 10, but only 3 candidates
    line = next(x for x in out.splitlines() if x.strip().startswith("pytorch"))
    assert line.split() == ["pytorch", "3", "0.50", "5", "3", "98.0", "pts"]  # 1 validated: 1.96 * 0.5
    assert "Failures: clone 3" in out  # the synthetic repos do not exist: nothing was run
    bad = runner.invoke(cli, ["--db", str(dbfile), "reproduce", "--sample", "lots"])
    assert bad.exit_code == 2 and "neither a positive number nor 'auto'" in bad.output


SYNTHETIC_JAX = {
    "jax/__init__.py": "\n".join([
        '"""Synthetic stand-in for jax (test only): no real arrays, just what the probes read."""',
        "from jax import tree_util",
        "class _Device:", "    platform, id = 'cpu', 0",
        "class Array:", "    def __init__(self, n):", "        self.size = n",
        "    def devices(self):", "        return {_Device()}",
        "def jit(f, **options):", "    return f",
        "def grad(f):", "    return lambda *a, **k: f(*a, **k)",
        "value_and_grad = grad", ""]),
    "jax/tree_util.py": "\n".join([
        "def tree_leaves(tree):",
        "    if isinstance(tree, dict):", "        return [x for v in tree.values() for x in tree_leaves(v)]",
        "    if isinstance(tree, (list, tuple)):", "        return [x for v in tree for x in tree_leaves(v)]",
        "    return [tree]", ""]),
}


def test_jax_probes_on_a_synthetic_jax(tmp_path):
    """The import hook patches jax.jit/jax.grad when `jax` finishes importing (a synthetic
    module here: JAX is not installed in the test environment)."""
    for name, text in SYNTHETIC_JAX.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    done, events = _traced(tmp_path, "\n".join([
        "import jax",
        "params = {'w': jax.Array(6), 'b': jax.Array(2)}",
        "loss = jax.jit(lambda p: jax.Array(1), static_argnums=())",
        "g = jax.grad(lambda p: {'w': jax.Array(6), 'b': jax.Array(2)})",
        "loss(params); g(params); g(params)",
        "print(loss.__name__)",
    ]))
    assert done.returncode == 0 and done.stdout == "<lambda>\n"  # attributes still reach the function
    seen = [(e["event"], e.get("kind") or e.get("class"), e.get("device")) for e in events
            if e["event"] != "start"]
    assert seen == [("step", "jit_call", "cpu:0"), ("model_created", "jax.grad parameters", None),
                    ("model", "jax.grad parameters", "cpu:0"), ("step", "backward", "cpu:0"),
                    ("step_counts", None, None)]
    assert next(e for e in events if e["event"] == "model")["params"] == 8
    assert next(e for e in events if e["event"] == "step_counts")["counts"] == {
        "jax:jit_call": 1, "jax:backward": 2}
