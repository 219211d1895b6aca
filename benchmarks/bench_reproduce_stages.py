"""reproduce_stage_rates: the bundled example repositories (mltrends_demo/inputs/repos, synthetic)
run through the whole job with --no-install, one at a time.

Every repository must end at the stage (and with the failure category and the command)
that mltrends_demo/inputs/repos/expected.json gives, and the median wall time per repository must
stay under 10 s. Baseline, measured in the same run: the command that got furthest, run
plainly (`python <script> ...` in a copy of the repository: no sandbox, no tracer, no
other command tried).

    python benchmarks/bench_reproduce_stages.py
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import write_result
from mltrends.reproduce import sandbox, workspace
from mltrends.reproduce.pipeline import Config, Job, reproduce_one
from mltrends.reproduce.summary import stage_rates
from mltrends_demo import DEMO_DIR

DEMO = DEMO_DIR / "repos"
GOAL_SECONDS = 10.0


def bare(path: Path, argv: list[str], scratch: Path) -> float:
    copy = scratch / f"bare-{path.name}"
    shutil.copytree(path, copy)
    try:
        start = time.perf_counter()
        subprocess.run([sys.executable, *argv[1:]], cwd=copy, capture_output=True, timeout=300)
        return time.perf_counter() - start
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def main() -> list[dict]:
    expected = {k: v for k, v in json.loads((DEMO / "expected.json").read_text()).items()
                if not k.startswith("_")}
    mode = sandbox.choose_mode(True)
    root = workspace.make_root(None)
    scratch = Path(tempfile.mkdtemp(prefix="bench-stages-"))
    try:
        cfg = Config(run_id="bench-stages", work_root=str(root), mode=mode, timeout=60)
        records, per_repo, plain, wrong = [], [], [], {}
        for repo, want in sorted(expected.items()):
            path = DEMO / repo.replace("/", "__", 1)
            rec = reproduce_one(Job(repo, path=str(path)), cfg, gpus=[])
            records.append(rec)
            per_repo.append(rec["seconds"])
            got = {"furthest_stage": rec["furthest_stage"], "failure_category": rec["failure_category"],
                   "command_source": rec["command_source"]}
            if got != want:
                wrong[repo] = got
            argv = rec["entrypoint"]["argv"]
            plain.append(bare(path, argv, scratch))
        value = statistics.median(per_repo)
        rates = {r["stage"]: f"{r['reached']}/{r['n']}" for r in stage_rates(
            [{"furthest_stage": r["furthest_stage"], "stage_reached": r["stage_reached"],
              "failure_category": r["failure_category"], "gpu_present": False,
              "gpu_touched": None, "command_source": r["command_source"]} for r in records])}
        return [write_result(
            "reproduce_stage_rates", value, "s",
            "the furthest command run plainly: no sandbox, no tracer (median)",
            statistics.median(plain), f"every example at its expected stage; median < {GOAL_SECONDS:.0f} s "
            "per repo (--no-install)", not wrong and value < GOAL_SECONDS,
            repos=len(expected), sandbox=mode, wrong=wrong, stage_rates=rates,
            per_repo_seconds={r["repo"]: r["seconds"] for r in records},
            reached={r["repo"]: r["furthest_stage"] for r in records})]
    finally:
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
