"""One repository, start to end: clone, static pass, environment, S1-S4, one record.

The same function runs under every executor (a local worker thread or a Ray task).
Stages stop at the first failure; the record says how far the repo got
(`stage_reached` 0..4) and why it stopped (`failure_category`).
"""

from __future__ import annotations

import json
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mltrends.reproduce import environment, sandbox, workspace
from mltrends.reproduce.gpu import NvmlSampler

FRAMEWORK_OF = {"torch": "pytorch", "tensorflow": "tensorflow", "jax": "jax", "flax": "jax",
                "keras": "keras", "tf_keras": "keras", "mxnet": "mxnet", "paddle": "paddle",
                "mindspore": "mindspore"}  # the tracer's own copy lives in tracer/sitecustomize.py
KNOWN_FRAMEWORKS = frozenset(FRAMEWORK_OF.values())
STAGE_NUMBER = {"imports": 1, "entrypoint": 2, "framework": 3, "gpu": 4}


@dataclass(frozen=True)
class Job:
    repo: str                              # canonical key
    url: str | None = None                 # any git URL (file:// included)
    path: str | None = None                # or a local directory (bundled demo repos)
    claimed_framework: str | None = None
    command: str | tuple[str, ...] | None = None
    commit: str | None = None              # pin; default the branch head
    paper_id: str | None = None


@dataclass(frozen=True)
class Config:
    run_id: str
    work_root: str
    python: str = sys.executable
    no_install: bool = True
    allow_network_install: bool = False
    mode: str = "root"
    timeout: float = 60.0
    import_timeout: float = 60.0
    install_timeout: float = 600.0
    clone_timeout: float = 120.0
    memory_mb: int = 4096
    disk_mb: int = 8192
    nproc: int = 256
    find_links: tuple[str, ...] = ()
    keep_workspaces: bool = False
    executor: str = "local"
    extra_expose: tuple[str, ...] = field(default_factory=tuple)

    def limits(self, wall: float) -> sandbox.Limits:
        return sandbox.Limits(wall_seconds=wall, memory_mb=self.memory_mb, nproc=self.nproc,
                              disk_mb=self.disk_mb)

    def expose(self) -> tuple[str, ...]:
        """Paths the sandbox uid must reach: the interpreter and the base environment."""
        paths = {str(Path(sys.base_prefix).resolve()), str(Path(sys.prefix).resolve()),
                 str(Path(self.python).resolve().parent.parent), sys.prefix,
                 str(Path(self.python).absolute().parent.parent)}
        return tuple(sorted(paths | set(self.extra_expose)))


class _Stop(Exception):
    pass


class _Recorder:
    def __init__(self, job: Job, cfg: Config, gpus: list[str]) -> None:
        self.rec: dict[str, Any] = {
            "run_id": cfg.run_id, "repo": job.repo, "url": job.url or job.path, "commit": None,
            "paper_id": job.paper_id, "claimed_framework": job.claimed_framework,
            "static_primary": None, "static_frameworks": [], "static_source": None,
            "runtime_frameworks": [], "runtime_primary": None, "stage_reached": 0,
            "failure_category": None, "gpu_present": bool(gpus), "gpu_touched": None,
            "gpu_ids": gpus, "stages": [], "environment": None, "entrypoint": None,
            "devices": {}, "sandbox": cfg.mode, "executor": cfg.executor,
            "isolation": sandbox.isolation(cfg.mode, None)["label"],
        }

    def stage(self, name: str, ok: bool | None, seconds: float, detail: str = "",
              category: str | None = None) -> None:
        self.rec["stages"].append({"stage": name, "ok": ok, "seconds": round(seconds, 3),
                                   "detail": detail[-2000:]})
        if ok and name in STAGE_NUMBER and self.rec["stage_reached"] == STAGE_NUMBER[name] - 1:
            self.rec["stage_reached"] = STAGE_NUMBER[name]
        if ok is False and category is not None:
            self.rec["failure_category"] = category
            raise _Stop


def _category(run: sandbox.RunResult, default: str) -> str:
    if run.setup_failed:
        return "sandbox"
    if run.timed_out:
        return "timeout"
    if run.killed:
        return "killed"
    return default


def _describe(run: sandbox.RunResult) -> str:
    why = (f"timed out after {run.seconds:.1f} s" if run.timed_out
           else f"killed ({run.killed}, peak RSS {run.peak_rss_mb:.0f} MiB)" if run.killed
           else f"exit code {run.returncode}")
    return f"{why}\n{run.output}"


def read_traces(data: bytes) -> dict[str, Any]:
    """Merge the tracer's pipe: frameworks in first-import order, device evidence per pid.

    The bytes come from the repository's process, so each line is checked: only known
    module and framework names count, and a line that is not a well-formed record is
    skipped.
    """
    order: list[str] = []
    devices: dict[str, Any] = {}
    imports: set[str] = set()
    for line in data.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if not isinstance(item, dict):
            continue
        if item.get("kind") == "import":
            fw = FRAMEWORK_OF.get(item.get("module")) if isinstance(item.get("module"), str) else None
            if fw and fw not in order:
                order.append(fw)
            continue
        if item.get("kind") != "exit":
            continue
        for fw in item.get("frameworks") or []:
            if fw in KNOWN_FRAMEWORKS and fw not in order:
                order.append(fw)
        if isinstance(item.get("imports"), list):
            imports.update(m for m in item["imports"] if isinstance(m, str))
        if isinstance(item.get("devices"), dict) and item["devices"]:
            key = str(item.get("pid")) if isinstance(item.get("pid"), int) else "?"
            if len(json.dumps(item["devices"])) <= 20000:
                devices[key] = item["devices"]
    return {"frameworks": order, "devices": devices, "n_imports": len(imports)}


def gpu_touched(devices: dict[str, Any], nvml: dict[str, Any] | None) -> bool:
    for per_pid in devices.values():
        torch = per_pid.get("torch", {})
        if torch.get("cuda_initialized") or torch.get("max_memory_allocated", 0) > 0:
            return True
        if set(per_pid.get("jax", {}).get("platforms", [])) & {"gpu", "cuda", "rocm"}:
            return True
        if per_pid.get("tensorflow", {}).get("gpus"):
            return True
    return bool(nvml and nvml.get("nvml_process_seen"))


def _stages(job: Job, cfg: Config, r: _Recorder, ws: workspace.Workspace, uid: int | None,
            gpus: list[str]) -> None:
    t = time.monotonic()
    try:
        if job.path:
            commit = workspace.copy_local(Path(job.path), ws.repo)
        else:
            commit = workspace.clone(job.url or "", ws.repo, job.commit, cfg.clone_timeout,
                                     max_mb=cfg.disk_mb)
    except (workspace.CloneError, OSError) as exc:
        r.stage("clone", False, time.monotonic() - t, str(exc), "clone")
    r.rec["commit"] = commit
    static = workspace.static_detection(ws.repo)
    r.rec.update(static_primary=static["primary"], static_frameworks=static["frameworks"],
                 static_source=static["source"])
    r.stage("clone", True, time.monotonic() - t, f"commit {commit}; static {static['primary']}")

    t = time.monotonic()
    if cfg.no_install:
        env = environment.shared(cfg.python)
    else:
        env = environment.install(ws, cfg.python, mode=cfg.mode, uid=uid,
                                  limits=cfg.limits(cfg.install_timeout),
                                  network=cfg.allow_network_install, find_links=cfg.find_links,
                                  expose=cfg.expose())
    r.rec["environment"] = {"source": env.source, "python": env.python, "freeze": env.freeze}
    r.stage("env", env.ok, env.seconds or time.monotonic() - t, env.detail, env.category)
    workspace.hand_over(ws, uid)
    view = ws.view(cfg.mode)
    base_env = sandbox.scrubbed_env({}, [str(Path(env.python).parent)], view["home"], view["tmp"])
    if gpus:
        base_env["CUDA_VISIBLE_DEVICES"] = ",".join(gpus)
    run_args = {"cwd": str(ws.repo), "writable": view["writable"], "mode": cfg.mode, "uid": uid,
                "expose": cfg.expose(), "readonly": view["readonly"], "gpus": bool(gpus),
                "disk_watch": None if ws.size_limited else str(ws.root)}

    run = sandbox.run_sandboxed([env.python, str(ws.tools / "_check_imports.py"), str(ws.repo)],
                                env=base_env, limits=cfg.limits(cfg.import_timeout), **run_args)
    found = re.search(r"^MLTRENDS_IMPORTS (.*)$", run.output, re.MULTILINE)
    summary = json.loads(found.group(1)) if found else {}
    ok = run.returncode == 0 and bool(summary.get("ok"))
    detail = (json.dumps({k: summary.get(k) for k in ("missing", "syntax_errors", "external")})
              if summary else _describe(run))
    r.stage("imports", ok, run.seconds, detail, None if ok else _category(run, "import"))

    argv, how = workspace.entrypoint(ws.repo, env.python, job.command)
    r.rec["entrypoint"] = {"argv": argv, "how": how}
    if argv is None:
        r.stage("entrypoint", False, 0.0, how, "entrypoint")
    trace_env = {**base_env, "PYTHONPATH": str(ws.tools)}
    nvml = NvmlSampler() if gpus else None
    try:
        run = sandbox.run_sandboxed(argv, env=trace_env, limits=cfg.limits(cfg.timeout),
                                    on_poll=nvml, evidence=True, **run_args)
    finally:
        if nvml is not None:
            nvml.close()
    traces = read_traces(run.evidence)
    r.rec["runtime_frameworks"] = traces["frameworks"]
    r.rec["runtime_primary"] = traces["frameworks"][0] if traces["frameworks"] else "none"
    r.rec["devices"] = traces["devices"]
    r.rec["output_truncated_bytes"] = run.truncated_bytes
    r.rec["peak_rss_mb"] = round(run.peak_rss_mb, 1)
    nvml_evidence = nvml.evidence() if nvml is not None else None
    if nvml_evidence:
        r.rec["devices"]["nvml"] = nvml_evidence
    ok = run.returncode == 0
    r.stage("entrypoint", ok, run.seconds, _describe(run), None if ok else _category(run, "entrypoint"))

    fw = traces["frameworks"]
    r.stage("framework", bool(fw), 0.0, ", ".join(fw) or "no deep-learning framework imported")
    if not fw:
        return
    if not gpus:
        r.stage("gpu", None, 0.0, "no GPU present")
        return
    touched = gpu_touched(traces["devices"], nvml_evidence)
    r.rec["gpu_touched"] = touched
    r.stage("gpu", touched, 0.0, json.dumps(traces["devices"])[:2000])


def reproduce_one(job: Job, cfg: Config, gpus: list[str] | None = None) -> dict[str, Any]:
    """Run one repository through every stage; never raises for the repo's own faults."""
    gpus = list(gpus or [])
    started = time.monotonic()
    r = _Recorder(job, cfg, gpus)
    slug = workspace.slug(job.repo)
    with sandbox.sandbox_uid(cfg.mode) as uid:
        r.rec["isolation"] = sandbox.isolation(cfg.mode, uid)["label"]
        r.rec["sandbox_uid"] = uid
        ws = workspace.create(Path(cfg.work_root), slug, cfg.disk_mb if uid is not None else None)
        try:
            _stages(job, cfg, r, ws, uid, gpus)
        except _Stop:
            pass
        finally:
            if not cfg.keep_workspaces:
                workspace.remove(ws)
            else:
                r.rec["workspace"] = str(ws.root)
    r.rec["seconds"] = round(time.monotonic() - started, 3)
    r.rec["job"] = asdict(job)
    return r.rec
