"""`mltrends reproduce`: run paper implementations in a sandbox, confirm their framework."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
from collections.abc import Iterator

import click
import duckdb

from mltrends import db
from mltrends.commands import App, pass_app

COMMANDS: list[click.Command] = []


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM ends the run like Ctrl-C: sandboxes killed, run row closed as interrupted."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(_signum, _frame):
        raise KeyboardInterrupt("SIGTERM")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def close_abandoned_runs(con: duckdb.DuckDBPyConnection) -> int:
    """Close as interrupted the `reproduce` rows still `running` from a process that was
    killed (SIGKILL leaves no chance to close them; DuckDB lets one process write, so a
    running row from another pid is dead)."""
    rows = con.execute("select run_id, args from runs where command = 'reproduce' "
                       "and status = 'running'").fetchall()
    stale = []
    for run_id, args in rows:
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            if json.loads(args or "{}").get("pid") == os.getpid():
                continue
        stale.append(run_id)
    for run_id in stale:
        con.execute("update runs set status = 'interrupted', finished_at = ?, "
                    "error = 'the process ended without closing the run (killed)' "
                    "where run_id = ?", [db.now_utc(), run_id])
    return len(stale)
def _sample_size(value: str | None) -> int | str | None:
    if value is None or value == "auto":
        return value
    if value.isdigit() and int(value) >= 1:
        return int(value)
    raise click.BadParameter(f"{value!r} is neither a positive number nor 'auto'")


@click.command("reproduce")
@click.option("--sample", metavar="N|auto", callback=lambda _c, _p, v: _sample_size(v),
              help="Run a stratified sample of N paper implementations (claimed framework x year), "
                   "or 'auto': per claimed framework of the recent quarters, enough for its label "
                   "accuracy to reach --half-width (the power calculation is printed first).")
@click.option("--half-width", type=click.FloatRange(0.005, 0.5), default=0.10, show_default=True,
              help="With --sample auto: target half-width of each 95% label-accuracy interval.")
@click.option("--quarters", type=click.IntRange(min=1), default=4, show_default=True,
              help="With --sample auto: how many recent complete quarters to sample from.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the sample.")
@click.option("--repos", "repos_file", metavar="FILE", type=click.Path(dir_okay=False),
              help="JSON lines: url (any git URL), optional claimed_framework, command, commit.")
@click.option("--local", "local_dir", metavar="DIR", type=click.Path(file_okay=False),
              help="Run local directories named <owner>__<name>/ (e.g. the demo's src/mltrends_demo/inputs/repos).")
@click.option("--no-install", is_flag=True, default=None,
              help="Use the shared base environment (this interpreter's) instead of a uv venv per repo.")
@click.option("--allow-network-install", is_flag=True, default=None,
              help="Let the install phase reach the network (the repo's code never can).")
@click.option("--find-links", metavar="DIR", multiple=True,
              help="Local wheel folder for installs (repeatable; adds to [reproduce] find_links).")
@click.option("--allow-unsandboxed", is_flag=True, default=None,
              help="Run repository code without isolation when no sandbox can be made.")
@click.option("--sandbox", type=click.Choice(["auto", "bwrap", "launcher"]),
              help="bubblewrap, or the fallback launcher [default: auto, bubblewrap where it runs].")
@click.option("--python", metavar="PATH",
              help="Interpreter of the shared base environment [default: this one].")
@click.option("--disk-mb", type=click.IntRange(min=64),
              help="Size cap of one repository's workspace (clone, venv, files) [default: 8192].")
@click.option("--executor", type=click.Choice(["local", "ray"]), help="[default: [reproduce] executor, local]")
@click.option("--workers", type=click.IntRange(min=1),
              help="Parallel repos (local executor; one GPU each when GPUs exist) [default: 1].")
@click.option("--ray-address", metavar="ADDR", help="Ray cluster address (default: a local Ray).")
@click.option("--timeout", type=float, help="Seconds for all of a repo's commands together (its run budget) [default: 60].")
@click.option("--install-timeout", type=float, help="[default: 600]")
@click.option("--memory-mb", type=int, help="Memory cap of one sandbox (RSS of all its processes) "
              "[default: 4096].")
@click.option("--work-dir", metavar="DIR", help="Where workspaces go (default: a temporary folder).")
@click.option("--keep-workspaces", is_flag=True, default=None,
              help="Keep each repo's workspace for inspection.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON line per repo.")
@click.option("--summary", is_flag=True,
              help="Print the runnable rate per stage and the label confusion matrices of a run "
                   "(the latest, or --run-id) instead of running.")
@click.option("--run-id", metavar="ID", help="With --summary: which run.")
@pass_app
def reproduce(app: App, sample: int | str | None, half_width: float, quarters: int, seed: int,
              repos_file: str | None, local_dir: str | None, find_links: tuple[str, ...],
              as_json: bool, summary: bool, run_id: str | None, **flags: object) -> None:
    """Run paper implementations in a sandbox and record the framework they really import.

    Each repo is cloned (shallow, commit recorded), detected statically, given an
    environment, then run: the repos file's command, README commands that call the repo's
    own scripts, its tests, main.py/train.py/run.py, then with --help, within one
    budget (--timeout). Stages: S1 imports resolve, S2 entry point starts, S3 framework
    confirmed, S4 model built, S5 training/inference step runs, S6 GPU used (only with a
    GPU); the tracer records the model, its parameters and device. The code runs with no
    network, a scrubbed environment, an unprivileged uid, resource limits and a timeout.

    \b
    Examples:
      mltrends reproduce --sample 20 --seed 1 --no-install --workers 2
      mltrends reproduce --sample auto --half-width 0.1 --timeout 120
      mltrends reproduce --repos repos.jsonl --json
      mltrends reproduce --local src/mltrends_demo/inputs/repos --no-install
      mltrends reproduce --summary
    """
    from mltrends import reproduce as job

    if summary:
        con = app.connect()
        try:
            click.echo(job.format_summary(job.summarize(con, run_id)))
        finally:
            con.close()
        return

    def show(record: dict) -> None:
        if as_json:
            from mltrends.reproduce.results import json_line
            click.echo(json_line(record))

    given = {k: v for k, v in flags.items() if v is not None}
    if find_links:
        given["find_links"] = (*app.settings.reproduce.find_links, *find_links)
    settings = app.settings.with_overrides(reproduce=given)
    with app.writing("reproduce") as con:
        jobs = None
        if sample == "auto":
            from mltrends.reproduce import power
            plan = power.plan(con, half_width, seed, settings.git_base_url, quarters)
            click.echo(plan.format(settings.reproduce.timeout, settings.reproduce.workers),
                       err=as_json)
            if not plan.jobs:
                raise job.NothingToRun("no labelled paper implementations in the recent quarters "
                                       "(ingest PwC and build first)")
            jobs, sample = plan.jobs, None
        args = {"sample": sample, "seed": seed, "repos": repos_file, "local": local_dir, **given,
                "half_width": half_width if jobs is not None else None, "pid": os.getpid()}
        close_abandoned_runs(con)
        with db.recorded_run(con, "reproduce", args) as run, _sigterm_interrupts():
            rows = job.run(con, settings, sample=sample, seed=seed, repos_file=repos_file,
                           local_repos_dir=local_dir, jobs=jobs, run_id=run.run_id,
                           on_record=show)
            for table, n in rows.items():
                run.add(table, n)
        if not as_json:
            click.echo(job.format_summary(job.summarize(con, run.run_id),
                                          half_width if jobs is not None else None))


COMMANDS.append(reproduce)
