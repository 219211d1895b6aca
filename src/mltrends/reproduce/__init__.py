"""The reproduction job: run a sample of paper implementations in a sandbox and record
which framework they really import (and whether they touch a GPU when one is present).

    run(con, settings, sample=50, seed=1)                      # stratified sample from the marts
    run(con, settings, repos_file="repos.jsonl")               # an explicit list
    run(con, settings, local_repos_dir="data/demo/repos", no_install=True, workers=2)  # demo
"""

from __future__ import annotations

import os
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


class UntrustedSetting(ValueError):
    user_facing = True


def trusted_program(settings: Settings, key: str, value: str) -> str:
    """A program named in the config file, accepted only when the running user owns that
    file and nobody else can write it (a mltrends.toml dropped in the current directory
    must not choose what runs as root)."""
    path = settings.section("_meta").get("config_file")
    info = os.stat(path) if path and os.path.exists(path) else None
    if info is None or info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise UntrustedSetting(
            f"{path or 'the config file'}: [reproduce] {key} names a program, and the file is "
            "not owned by the running user or is writable by others; pass it on the command "
            "line instead")
    return value


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
        jobs: Sequence[Job] | None = None, no_install: bool = False,
        allow_network_install: bool = False, allow_unsandboxed: bool | None = None,
        executor: str = "local", workers: int = 1, ray_address: str | None = None,
        timeout: float = 60.0, import_timeout: float = 60.0, install_timeout: float = 600.0,
        memory_mb: int = 4096, nproc: int = 256, find_links: Sequence[str] = (),
        work_dir: str | None = None, keep_workspaces: bool = False, run_id: str | None = None,
        on_record: Callable[[dict[str, Any]], None] | None = None, sandbox_kind: str = "auto",
        disk_mb: int = 8192, python: str | None = None) -> dict[str, int]:
    """Run the reproduction job; returns rows written per table.

    Exactly one source of repos: `sample` (stratified, with `seed`), `repos_file` (JSON
    lines), `local_repos_dir` (`<owner>__<name>/` directories) or `jobs`. Without a
    sandbox (not root, no user namespaces) it refuses unless allow_unsandboxed; that
    defaults to True only for a local_repos_dir (the bundled, trusted demo repos).
    Records go to `reproductions` (one transaction) and to
    `{settings.reports_dir}/reproductions/<run_id>/`. sandbox_kind: `auto` (bubblewrap,
    else the fallback launcher), `bwrap` or `launcher`. An interrupt (or SIGTERM, through
    the CLI) ends every sandbox before it propagates.
    """
    run_id = run_id or db.new_run_id("reproduce")
    options = settings.section("reproduce")
    if python is None and options.get("python"):
        python = trusted_program(settings, "python", str(options["python"]))
    work_dir = work_dir or options.get("work_dir")
    workspace.sweep_stale(Path(work_dir) if work_dir else Path(tempfile.gettempdir()))
    if allow_unsandboxed is None:
        allow_unsandboxed = local_repos_dir is not None
    mode = sandbox.choose_mode(allow_unsandboxed, sandbox_kind)
    chosen = select_jobs(con, settings, sample=sample, seed=seed, repos_file=repos_file,
                         local_repos_dir=local_repos_dir, jobs=jobs, run_id=run_id)
    links = tuple(str(Path(p).resolve()) for p in (*find_links, *options.get("find_links", [])))
    root = workspace.make_root(work_dir)
    cfg = Config(run_id=run_id, work_root=str(root), python=python or sys.executable,
                 no_install=no_install, allow_network_install=allow_network_install, mode=mode,
                 timeout=timeout, import_timeout=import_timeout, install_timeout=install_timeout,
                 memory_mb=memory_mb, nproc=nproc, find_links=links, disk_mb=disk_mb,
                 keep_workspaces=keep_workspaces, executor=executor)
    console.info(f"reproduce: {len(chosen)} repos, executor {executor}, {workers} worker(s), "
                 f"sandbox {mode}")
    if executor == "ray":
        stream = executors.run_ray(chosen, cfg, workers=workers, address=ray_address)
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
