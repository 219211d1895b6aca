"""Reproduction job: per-repo overhead of the job itself, and 2-worker throughput.

reproduce_overhead_seconds: median seconds per repo that the whole job adds on top of
the bare minimum (a plain `git clone --depth 1` plus `python main.py`, no sandbox), on
repos whose entrypoint does nothing (clone, static pass, sandbox start for S1 and S2,
tracer), with the bubblewrap sandbox; the baseline is the same figure for the fallback
launcher, measured in the same run. Goal: under 1 s.

reproduce_two_worker_speedup: wall time of 1 worker / 2 workers on repos that each
sleep ~1.5 s. Goal: at least 1.7.

    python benchmarks/bench_reproduce.py [--scale small|full]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import write_result
from mltrends.reproduce import executors, sandbox, workspace
from mltrends.reproduce.pipeline import Config, Job, reproduce_one

GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.invalid",
           "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.invalid"}


def make_repo(root: Path, name: str, body: str) -> str:
    dest = root / name
    dest.mkdir(parents=True)
    (dest / "main.py").write_text(body)
    (dest / "README.md").write_text("synthetic benchmark repository\n")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "synthetic"]):
        subprocess.run(["git", *args], cwd=dest, check=True, env=GIT_ENV, capture_output=True)
    return dest.as_uri()


def bare(url: str, scratch: Path) -> float:
    start = time.perf_counter()
    dest = scratch / f"bare-{time.perf_counter_ns()}"
    subprocess.run(["git", "clone", "-q", "--depth", "1", url, str(dest)], check=True,
                   capture_output=True)
    subprocess.run([sys.executable, "main.py"], cwd=dest, check=True, capture_output=True)
    elapsed = time.perf_counter() - start
    shutil.rmtree(dest)
    return elapsed


def main(scale: str = "full") -> list[dict]:
    n_overhead, n_sleep = (20, 8) if scale == "full" else (5, 4)
    mode = sandbox.choose_mode(False)
    tmp = Path(tempfile.mkdtemp(prefix="bench-reproduce-"))
    root = workspace.make_root(None)
    out = []
    try:
        trivial = [make_repo(tmp / "remotes", f"trivial{i}",
                             f"import argparse\nargparse.ArgumentParser().parse_args()\nprint({i})\n")
                   for i in range(n_overhead)]
        cfg = Config(run_id="bench", work_root=str(root), mode=mode, timeout=60)
        modes = {mode: cfg}
        launcher = sandbox.available_mode("launcher")
        if launcher != "none":
            modes[launcher] = Config(run_id="bench", work_root=str(root), mode=launcher, timeout=60)
        per_mode, stages = {}, {}
        for name, mode_cfg in modes.items():
            reproduce_one(Job("warm/up", trivial[0]), mode_cfg)  # first-run costs (imports, caches)
            per_mode[name] = []
            for i, url in enumerate(trivial):
                rec = reproduce_one(Job(f"bench/trivial{i}", url), mode_cfg)
                assert rec["stage_reached"] == 2, rec["stages"]
                per_mode[name].append(rec["seconds"])
                if name == mode:
                    for s in rec["stages"]:
                        stages.setdefault(s["stage"], []).append(s["seconds"])
        bare_median = statistics.median(bare(url, tmp) for url in trivial)
        value = statistics.median(per_mode[mode]) - bare_median
        base = (statistics.median(per_mode[launcher]) - bare_median) if launcher in per_mode else None
        out.append(write_result(
            "reproduce_overhead_seconds", value, "s",
            f"the fallback launcher ({launcher}) in the same run, same repos (median on top of "
            "the bare clone + run)", base, "median < 1 s per repo on top of the bare clone + run",
            value < 1.0, repos=n_overhead, sandbox=mode,
            isolation=sandbox.isolation(mode, sandbox.UID_BASE if os.geteuid() == 0 else None,
                                        sandbox.subordinate_for(mode, None))["label"],
            bare_clone_and_run_seconds=round(bare_median, 4),
            job_median_seconds={k: round(statistics.median(v), 4) for k, v in per_mode.items()},
            stage_medians={k: round(statistics.median(v), 4) for k, v in stages.items()}))

        sleepers = [Job(f"bench/sleep{i}", make_repo(tmp / "remotes", f"sleep{i}",
                                                     "import time\ntime.sleep(1.5)\n"))
                    for i in range(n_sleep)]
        timings = {}
        for workers in (2, 1):  # 2 first: any warm-up cost counts against the speedup
            start = time.perf_counter()
            recs = list(executors.run_local(sleepers, cfg, workers=workers, gpus=[]))
            timings[workers] = time.perf_counter() - start
            assert all(r["stage_reached"] == 2 for r in recs)
        speedup = timings[1] / timings[2]
        out.append(write_result(
            "reproduce_two_worker_speedup", speedup, "x", "1 worker (wall seconds)", timings[1],
            ">= 1.7x with 2 workers", speedup >= 1.7, repos=n_sleep,
            one_worker_seconds=round(timings[1], 3), two_worker_seconds=round(timings[2], 3)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "full"], default="full")
    main(parser.parse_args().scale)
