"""Executors: a local pool of N workers, or Ray tasks; the same reproduce_one underneath.

Local: N worker threads (the work happens in sandboxed subprocesses), worker i owns
GPU i (CUDA_VISIBLE_DEVICES) when GPUs exist. Ray: one `ray.remote(num_gpus=1)` task per
repo when the cluster has GPUs (GPU ids from Ray), CPU tasks otherwise.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from mltrends.reproduce import sandbox
from mltrends.reproduce.gpu import detect_gpus
from mltrends.reproduce.pipeline import Config, Job, reproduce_one

Record = dict[str, Any]


def _failed(job: Job, cfg: Config, exc: BaseException) -> Record:
    """A record for a repo whose run broke inside mltrends itself (not the repo's fault)."""
    return {"run_id": cfg.run_id, "repo": job.repo, "url": job.url or job.path, "commit": None,
            "claimed_framework": job.claimed_framework, "static_primary": None,
            "runtime_frameworks": [], "runtime_primary": None, "stage_reached": 0,
            "failure_category": "sandbox", "gpu_touched": None, "gpu_present": None,
            "stages": [{"stage": "job", "ok": False, "seconds": 0.0,
                        "detail": f"{type(exc).__name__}: {exc}"[:2000]}],
            "executor": cfg.executor, "sandbox": cfg.mode}


def run_local(jobs: Sequence[Job], cfg: Config, workers: int = 1,
              gpus: list[str] | None = None) -> Iterator[Record]:
    """Yield records as repos finish, N at a time."""
    gpus = detect_gpus() if gpus is None else gpus
    workers = max(1, min(workers, len(jobs) or 1))
    slots: queue.Queue[int] = queue.Queue()
    for i in range(workers):
        slots.put(i)

    def one(job: Job) -> Record:
        slot = slots.get()
        try:
            mine = [gpus[slot % len(gpus)]] if gpus else []
            return reproduce_one(job, cfg, mine)
        except Exception as exc:  # one repo must not end the run
            return _failed(job, cfg, exc)
        finally:
            slots.put(slot)

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="reproduce")
    futures = [pool.submit(one, job) for job in jobs]
    try:
        for future in futures:
            yield future.result()
    except BaseException:  # an interrupt, or the consumer stopped: end the running sandboxes
        for future in futures:
            future.cancel()
        sandbox.stop_all()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _ray_task(job: Job, cfg: Config) -> Record:
    import ray
    try:
        gpus = [str(g) for g in ray.get_gpu_ids()]
        return reproduce_one(job, cfg, gpus)
    except Exception as exc:
        return _failed(job, cfg, exc)


_ray_lock = threading.Lock()


def run_ray(jobs: Sequence[Job], cfg: Config, workers: int = 1, address: str | None = None,
            on_start: Callable[[dict[str, Any]], None] | None = None) -> Iterator[Record]:
    """Yield records from Ray tasks: on the cluster at `address`, or a local Ray instance."""
    try:
        import ray
    except ImportError as exc:
        raise RuntimeError("the ray executor needs Ray: pip install 'mltrends[repro]'") from exc
    with _ray_lock:
        started_here = not ray.is_initialized()
        if started_here:
            if address:
                ray.init(address=address, log_to_driver=False)
            else:
                ray.init(num_cpus=max(1, workers), num_gpus=len(detect_gpus()),
                         include_dashboard=False, log_to_driver=False)
    try:
        has_gpus = ray.cluster_resources().get("GPU", 0) > 0
        if on_start:
            on_start({"resources": ray.cluster_resources(), "gpus": has_gpus})
        task = ray.remote(num_gpus=1 if has_gpus else 0, num_cpus=1, max_retries=0)(_ray_task)
        pending = [task.remote(job, cfg) for job in jobs]
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                yield ray.get(ref)
    finally:
        if started_here:
            ray.shutdown()
