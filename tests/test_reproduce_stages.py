"""The stage ladder: commands worth running, why a run stopped, what the tracer's probes
record in a real Python process, and the stage rates with their intervals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mltrends.reproduce import commands, evidence, published, results, summary

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
    trace = tmp_path / "trace"
    trace.mkdir()
    script = tmp_path / "script.py"
    script.write_text(code)
    env = {"PATH": os.environ.get("PATH", "/usr/bin"), "PYTHONPATH": str(TRACER),
           "MLTRENDS_TRACE_DIR": str(trace), "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    return done, evidence.read_events(trace)


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
