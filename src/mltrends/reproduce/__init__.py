"""The reproduction job: run a sample of paper implementations in a sandbox and record
which framework they really import (and whether they touch a GPU when one is present).

    run(con, settings, sample=50, seed=1)                      # stratified sample from the marts
    run(con, settings, repos_file="repos.jsonl")               # an explicit list
    run(con, settings.with_overrides(reproduce={"no_install": True}), local_repos_dir=DIR)
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb

from mltrends import console, db
from mltrends.config import Settings
from mltrends.reproduce import executors, results, sampling, sandbox, workspace
from mltrends.reproduce.pipeline import Config, Job, reproduce_one
from mltrends.reproduce.summary import format_summary, summarize

__all__ = ["Config", "Job", "format_summary", "reproduce_one", "run", "summarize"]


class NothingToRun(ValueError):
    user_facing = True


def select_jobs(con: duckdb.DuckDBPyConnection, settings: Settings, *, sample: int | None,
                seed: int, repos_file: str | None, local_repos_dir: str | None,
                jobs: Sequence[Job] | None, run_id: str | None) -> list[Job]:
    given = [x is not None for x in (sample, repos_file, local_repos_dir, jobs)]
    if sum(given) != 1:
        raise NothingToRun("give exactly one of --sample N, --repos FILE or a local repos directory")
    if jobs is not None:
        return list(jobs)
    if repos_file is not None:
        return sampling.from_file(con, repos_file, run_id)
    if local_repos_dir is not None:
        return sampling.from_directory(con, local_repos_dir)
    chosen = sampling.sample(con, int(sample or 0), seed, settings.git_base_url)
    if not chosen:
        raise NothingToRun("no paper implementations to sample from (ingest PwC and build first)")
    return chosen


def run(con: duckdb.DuckDBPyConnection, settings: Settings, *, sample: int | None = None,
        seed: int = 0, repos_file: str | None = None, local_repos_dir: str | None = None,
        jobs: Sequence[Job] | None = None, run_id: str | None = None,
        on_record: Callable[[dict[str, Any]], None] | None = None) -> dict[str, int]:
    """Run the reproduction job; returns rows written per table.

    How it runs (executor, workers, limits, installs) is `settings.reproduce`
    (`[reproduce]` in mltrends.toml; the CLI flags override it).

    Exactly one source of repos: `sample` (stratified, with `seed`), `repos_file` (JSON
    lines), `local_repos_dir` (`<owner>__<name>/` directories) or `jobs`. Without a
    sandbox (not root, no user namespaces) it refuses unless allow_unsandboxed; that
    defaults to True only for a local_repos_dir (the bundled, trusted demo repos).
    Records go to `reproductions` (one transaction) and to
    `{settings.reports_dir}/reproductions/<run_id>/`. `settings.reproduce.sandbox`: `auto`
    (bubblewrap, else the fallback launcher), `bwrap` or `launcher`. An interrupt (or SIGTERM, through
    the CLI) ends every sandbox before it propagates.
    """
    run_id = run_id or db.new_run_id("reproduce")
    options = settings.reproduce
    allow_unsandboxed, executor, workers = options.allow_unsandboxed, options.executor, options.workers
    work_dir, keep_workspaces = options.work_dir, options.keep_workspaces
    workspace.sweep_stale(Path(work_dir) if work_dir else Path(tempfile.gettempdir()))
    if allow_unsandboxed is None:
        allow_unsandboxed = local_repos_dir is not None
    mode = sandbox.choose_mode(allow_unsandboxed, options.sandbox)
    chosen = select_jobs(con, settings, sample=sample, seed=seed, repos_file=repos_file,
                         local_repos_dir=local_repos_dir, jobs=jobs, run_id=run_id)
    links = tuple(str(Path(p).resolve()) for p in options.find_links)
    root = workspace.make_root(work_dir)
    cfg = Config(run_id=run_id, work_root=str(root), python=options.python or sys.executable,
                 no_install=options.no_install, allow_network_install=options.allow_network_install,
                 mode=mode, timeout=options.timeout, import_timeout=options.import_timeout,
                 install_timeout=options.install_timeout, memory_mb=options.memory_mb,
                 nproc=options.nproc, find_links=links, keep_workspaces=keep_workspaces,
                 disk_mb=options.disk_mb, executor=executor)
    console.info(f"reproduce: {len(chosen)} repos, executor {executor}, {workers} worker(s), "
                 f"sandbox {mode}")
    if executor == "ray":
        stream = executors.run_ray(chosen, cfg, workers=workers, address=options.ray_address)
    elif executor == "local":
        stream = executors.run_local(chosen, cfg, workers=workers)
    else:
        raise NothingToRun(f"unknown executor {executor!r} (local or ray)")
    records = []
    sandbox.STOPPING.clear()
    try:
        for record in console.track(stream, total=len(chosen), label="reproduce"):
            results.write_json(record, settings.reports_dir)
            records.append(record)
            if on_record is not None:
                on_record(record)
    except BaseException:
        sandbox.stop_all()
        close = getattr(stream, "close", None)
        if close is not None:
            close()
        raise
    finally:
        written = results.save(con, records)
        if not keep_workspaces and not work_dir:
            workspace.remove(workspace.Workspace(root))
    return {"reproductions": written}
