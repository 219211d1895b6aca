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

from mltrends.reproduce import commands, environment, evidence, sandbox, workspace
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
            "furthest_stage": "none", "model_built": None, "step_ran": None, "model": None,
            "step_kinds": [], "gpu_nvml_confirmed": None, "commands": [], "command_source": None,
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
    events: list[dict[str, Any]] = []
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
        if item.get("kind") == "event" and isinstance(item.get("event_record"), dict):
            events.append(item["event_record"])
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
    return {"frameworks": order, "devices": devices, "n_imports": len(imports), "events": events}


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
    manifest = environment.find_manifest(ws.repo)
    r.rec["environment"] = {"source": env.source, "python": env.python, "freeze": env.freeze,
                            "manifest": str(manifest.relative_to(ws.repo)) if manifest else None,
                            "resolver_log": None if cfg.no_install else env.detail[-4000:]}
    r.stage("env", env.ok, env.seconds or time.monotonic() - t, env.detail, env.category)
    workspace.hand_over(ws, uid, sandbox.subordinate_for(cfg.mode, uid))
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

    plan = commands.plan(ws.repo, env.python, job.command)
    if not plan:
        r.rec["entrypoint"] = {"argv": None, "how": "no main.py, train.py or run.py found"}
        r.stage("entrypoint", False, 0.0, "no main.py, train.py or run.py found", "entrypoint")
    trace_env = {**base_env, "PYTHONPATH": str(ws.tools)}
    nvml = NvmlSampler() if gpus else None
    try:
        attempts = _attempts(plan, cfg, ws, trace_env, run_args, nvml, top="gpu" if gpus else "step")
    finally:
        if nvml is not None:
            nvml.close()
    _record_best(r, attempts, gpus, nvml.evidence() if nvml is not None else None)


def _attempts(plan: list[commands.Command], cfg: Config, ws: workspace.Workspace,
              env: dict[str, str], run_args: dict[str, Any], nvml: NvmlSampler | None,
              top: str) -> list[tuple[evidence.Attempt, dict[str, Any]]]:
    """Run the planned commands within the per-repository budget (cfg.timeout)."""
    deadline = time.monotonic() + cfg.timeout
    done: list[tuple[evidence.Attempt, dict[str, Any]]] = []
    for i, command in enumerate(plan):
        got = evidence.best([a for a, _ in done])
        reached = evidence.RANK[got.furthest()] if got else 0
        if reached >= evidence.RANK[top]:
            break
        if command.help_only and reached >= evidence.RANK["entrypoint"]:
            continue
        left = deadline - time.monotonic()
        if left < 1.0:
            break
        # leave a quarter of what is left for the commands after this one
        wall = left if i == len(plan) - 1 else max(1.0, left * 0.75)
        started_at = time.time()
        run = sandbox.run_sandboxed(list(command.argv), env=env, limits=cfg.limits(wall),
                                    on_poll=nvml, evidence=True, **run_args)
        traces = read_traces(run.evidence)
        events = traces["events"]
        category = None if run.returncode == 0 and not run.timed_out else _category(
            run, commands.categorize(run.output, run.returncode))
        attempt = evidence.attempt_from(
            events, argv=list(command.argv), source=command.source, returncode=run.returncode,
            seconds=run.seconds, category=category, frameworks=traces["frameworks"],
            started_at=started_at, detail=_describe(run))
        done.append((attempt, {"devices": traces["devices"], "truncated": run.truncated_bytes,
                               "peak_rss_mb": run.peak_rss_mb}))
    return done


def _record_best(r: _Recorder, done: list[tuple[evidence.Attempt, dict[str, Any]]],
                 gpus: list[str], nvml_evidence: dict[str, Any] | None) -> None:
    """The furthest-reaching attempt gives the record its stages; every attempt is kept."""
    r.rec["commands"] = [a.to_json() for a, _ in done]
    if not done:
        r.stage("entrypoint", False, 0.0, "no time left in the budget for any command", "timeout")
    attempt = evidence.best([a for a, _ in done])
    extra = next(x for a, x in done if a is attempt)
    seen = [fw for a, _ in done for fw in a.frameworks]
    fw = attempt.frameworks or list(dict.fromkeys(seen))
    r.rec["runtime_frameworks"] = fw
    r.rec["runtime_primary"] = fw[0] if fw else "none"
    r.rec["devices"] = extra["devices"]
    if nvml_evidence:
        r.rec["devices"]["nvml"] = nvml_evidence
    r.rec["output_truncated_bytes"] = extra["truncated"]
    r.rec["peak_rss_mb"] = round(extra["peak_rss_mb"], 1)
    r.rec["entrypoint"] = {"argv": attempt.argv, "how": attempt.source}
    r.rec["command_source"] = attempt.source
    r.rec["failure_category"] = attempt.category
    r.stage("entrypoint", attempt.started, attempt.seconds,
            f"{attempt.source}: {' '.join(attempt.argv[1:])}\n{attempt.detail}",
            None if attempt.started else attempt.category)
    r.stage("framework", bool(fw), 0.0, ", ".join(fw) or "no deep-learning framework imported")
    if not fw:
        return
    main = evidence.main_model(attempt)
    r.rec.update(model_built=attempt.model_built, step_ran=attempt.step_ran, model=main,
                 step_kinds=sorted({s["kind"] for s in attempt.steps}))
    built = json.dumps({"model": main, "created": [c["class"] for c in attempt.created]})
    r.stage("model", attempt.model_built, attempt.seconds_to("model") or 0.0,
            built if attempt.model_built else "no framework model object was created")
    r.stage("step", attempt.step_ran, attempt.seconds_to("step") or 0.0,
            json.dumps(attempt.steps) if attempt.step_ran else "no backward, optimizer step, "
            "jitted call or forward ran")
    if not gpus:
        r.stage("gpu", None, 0.0, "no GPU present")
        return
    framework_gpu = attempt.gpu_used or gpu_touched(extra["devices"], None)
    touched = framework_gpu or gpu_touched(extra["devices"], nvml_evidence)
    r.rec["gpu_touched"] = touched
    r.rec["gpu_nvml_confirmed"] = bool(nvml_evidence and nvml_evidence.get("nvml_process_seen")) \
        if nvml_evidence else None
    r.stage("gpu", touched, 0.0, json.dumps({"framework": framework_gpu, "devices": extra["devices"],
                                             "memory_bytes": attempt.gpu_memory_bytes})[:2000])


def furthest_stage(stages: list[dict[str, Any]]) -> str:
    """The last stage of the ladder reached without a gap ('none' when even the clone failed)."""
    ok = {s["stage"] for s in stages if s.get("ok")}
    reached = "none"
    for name in evidence.LADDER[1:]:
        if name not in ok:
            break
        reached = name
    return reached


def reproduce_one(job: Job, cfg: Config, gpus: list[str] | None = None) -> dict[str, Any]:
    """Run one repository through every stage; never raises for the repo's own faults."""
    gpus = list(gpus or [])
    started = time.monotonic()
    r = _Recorder(job, cfg, gpus)
    slug = workspace.slug(job.repo)
    with sandbox.sandbox_uid(cfg.mode) as uid:
        sub = sandbox.subordinate_for(cfg.mode, uid)
        isolation = sandbox.isolation(cfg.mode, uid, sub)
        r.rec["isolation"] = isolation["label"]
        r.rec["sandbox_uid"] = isolation.get("uid")
        r.rec["sandbox_uid_kind"] = isolation["uid_kind"]
        ws = workspace.create(Path(cfg.work_root), slug, cfg.disk_mb if uid is not None else None)
        try:
            _stages(job, cfg, r, ws, uid, gpus)
        except _Stop:
            pass
        finally:
            if not cfg.keep_workspaces:
                workspace.remove(ws)
            else:
                if sub is not None:  # the operator keeps what it can then read and remove
                    workspace.hand_over(ws, None, sub, back=True)
                r.rec["workspace"] = str(ws.root)
    r.rec["furthest_stage"] = furthest_stage(r.rec["stages"])
    r.rec["seconds"] = round(time.monotonic() - started, 3)
    r.rec["job"] = asdict(job)
    return r.rec
