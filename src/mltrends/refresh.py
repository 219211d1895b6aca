"""`mltrends refresh`: every source incrementally, then detection, classification,
build, claims and the report — each step recorded in `runs` — then publish.

A failing step does not stop the steps that do not need it; the exit status says
whether everything succeeded and the log names what to rerun.
"""

from __future__ import annotations

import contextlib
import time
import traceback
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from mltrends import console, db, demo_guard, publish, retention
from mltrends.config import Settings
from mltrends.sources import registry

ALL_SOURCES = registry.names()


@dataclass
class RefreshOptions:
    sources: tuple[str, ...] = ALL_SOURCES
    since: date | None = None
    budgets: dict[str, int] = field(default_factory=dict)  # source -> most requests this refresh
    no_report: bool = False
    dumps: bool | None = None            # None: load the archive dumps when changed upstream; True: always
    links: str | None = None
    papers: str | None = None
    reproduce: bool = False
    reproduce_repos_dir: str | None = None
    report_out: str | None = None
    demo: bool = False
    fresh: bool = False                  # demo only: start from empty files (under the lock)
    wait: bool = False
    today: date = field(default_factory=date.today)


@dataclass
class StepResult:
    name: str
    status: str                           # succeeded | failed | skipped
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)
    error: str | None = None


@dataclass
class RefreshResult:
    steps: list[StepResult]
    published: Path | None
    report: Path | None
    stale_lock: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return all(s.status != "failed" for s in self.steps) and self.published is not None

    def failed(self) -> list[str]:
        return [s.name for s in self.steps if s.status == "failed"]


def _step_staging(con: duckdb.DuckDBPyConnection, settings: Settings, opts: RefreshOptions,
                  run_id: str | None) -> dict[str, int]:
    from mltrends import models
    models.create_views(con)  # detection, classification and sampling read these, not raw tables
    return {}


def _step_detect(con: duckdb.DuckDBPyConnection, settings: Settings, opts: RefreshOptions,
                run_id: str | None) -> dict[str, int]:
    from mltrends import detect
    return detect.detect_ingested(con, settings,
                 clones_dir=opts.reproduce_repos_dir)


def _step_classify(con: duckdb.DuckDBPyConnection, settings: Settings, opts: RefreshOptions,
                  run_id: str | None) -> dict[str, int]:
    from mltrends import classify
    return classify.predict_all(con, settings)


def _step_reproduce(con: duckdb.DuckDBPyConnection, settings: Settings, opts: RefreshOptions,
                   run_id: str | None) -> dict[str, int]:
    from mltrends import reproduce
    if opts.reproduce_repos_dir:
        return reproduce.run(con, settings.with_overrides(reproduce={"no_install": True, "workers": 2}),
                             local_repos_dir=opts.reproduce_repos_dir, run_id=run_id)
    # a scheduled refresh: a stratified, seeded sample of the paper implementations
    cfg = settings.reproduce
    return reproduce.run(con, settings, sample=cfg.refresh_sample, seed=cfg.refresh_seed, run_id=run_id)


def _step_build(con: duckdb.DuckDBPyConnection, settings: Settings, opts: RefreshOptions,
               run_id: str | None) -> dict[str, int]:
    from mltrends import models
    return models.build(con)


def _step_claims(con: duckdb.DuckDBPyConnection, settings: Settings, opts: RefreshOptions,
                run_id: str | None) -> dict[str, int]:
    from mltrends import claims
    return {"claims_scorecard": len(claims.evaluate(con))}


@dataclass(frozen=True)
class Step:
    name: str
    run: registry.StepFn
    rerun: str
    needs: tuple[str, ...] = ()      # skipped when one of these failed or was skipped
    source: str | None = None


STEPS = (
    *(Step(s.name, s.step, s.rerun, s.needs, source=s.name) for s in registry.SOURCES),
    Step("staging", _step_staging, "mltrends build"),
    Step("detect", _step_detect, "mltrends detect --ingested"),
    Step("classify", _step_classify, "mltrends classify predict"),
    Step("reproduce", _step_reproduce, "mltrends reproduce --sample N --no-install"),
    Step("build", _step_build, "mltrends build"),
    Step("claims", _step_claims, "mltrends claims", needs=("build",)),
)
RERUN_HINT = {s.name: s.rerun for s in STEPS} | {
    "report": "mltrends report", "publish": "mltrends refresh (publishing failed)"}


def _run_step(con: duckdb.DuckDBPyConnection, settings: Settings, opts: RefreshOptions,
              step: Step) -> StepResult:
    start = time.perf_counter()
    console.info(f"refresh: {step.name} ...")
    try:
        with db.recorded_run(con, f"refresh:{step.name}", {"since": opts.since}, source=step.source) as run:
            rows = step.run(con, settings, opts, run.run_id) or {}
            run.add_all(rows)
    except Exception as exc:
        # a step's own transaction rolled back; make sure none is left open
        with contextlib.suppress(duckdb.Error):
            con.execute("rollback")
        message = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        console.log.error("refresh: %s failed: %s", step.name, message)
        rows = exc.rows if isinstance(exc, registry.Incomplete) else {}
        return StepResult(step.name, "failed", time.perf_counter() - start, rows=rows, error=message)
    seconds = time.perf_counter() - start
    console.info(f"refresh: {step.name} done in {seconds:.1f} s: "
                 + (", ".join(f"{t} {n:,}" for t, n in rows.items()) or "nothing new"))
    return StepResult(step.name, "succeeded", seconds, rows)


def refresh(settings: Settings, opts: RefreshOptions | None = None) -> RefreshResult:
    """Run the whole refresh under the lock, publish, and write the report."""
    from mltrends import report as report_mod

    opts = opts or RefreshOptions()
    unknown = set(opts.sources) - set(ALL_SOURCES)
    if unknown:
        raise ValueError(f"unknown source(s): {', '.join(sorted(unknown))}; choose from {', '.join(ALL_SOURCES)}")
    work_db = publish.work_db_for(settings)
    with publish.refresh_lock(work_db, "refresh", wait=opts.wait) as lock:
        if opts.demo and opts.fresh:
            demo_guard.start_fresh(settings.db, work_db)
        con = publish.begin(settings, lock)
        if opts.demo:
            report_mod.mark_synthetic(con)
        results: list[StepResult] = []
        published: Path | None = None
        report: Path | None = None
        try:
            with db.recorded_run(con, "refresh", {"sources": list(opts.sources)}) as overall:
                for step in STEPS:
                    if step.source and step.source not in opts.sources:
                        continue
                    if step.name == "reproduce" and not opts.reproduce:
                        continue
                    blocked = [n for n in step.needs
                               if any(r.name == n and r.status != "succeeded" for r in results)]
                    if blocked:
                        results.append(StepResult(step.name, "skipped", error=f"needs {', '.join(blocked)}"))
                        continue
                    result = _run_step(con, settings, opts, step)
                    results.append(result)
                    overall.add_all(result.rows)
                if not opts.no_report and all(
                        r.status == "succeeded" for r in results if r.name == "build"):
                    step_result, report = _write_report(con, settings, opts)
                    results.append(step_result)
                overall.notes.extend(retention.prune(settings, opts.today))
                failed = [r.name for r in results if r.status == "failed"]
                if failed:
                    overall.notes.append("failed steps: " + ", ".join(failed))
            build_ok = all(r.status == "succeeded" for r in results if r.name == "build")
            if build_ok:
                published = publish.publish(con, work_db, settings.db)
                console.info(f"published {published}")
            else:
                console.log.error("build failed: readers keep the previously published database")
        finally:
            with contextlib.suppress(duckdb.Error):
                con.close()
    failed = [r.name for r in results if r.status == "failed"]
    if failed:
        console.log.error("refresh finished with failures; rerun: %s",
                          "; ".join(RERUN_HINT.get(n, n) for n in failed))
    return RefreshResult(results, published, report, lock.get("stale_cleared"))


def _write_report(con: duckdb.DuckDBPyConnection, settings: Settings,
                  opts: RefreshOptions) -> tuple[StepResult, Path | None]:
    from mltrends import report as report_mod

    written: list[Path] = []

    def run(c: duckdb.DuckDBPyConnection, s: Settings, o: RefreshOptions,
            run_id: str | None) -> dict[str, int]:
        path = report_mod.write_report(c, s, out_dir=o.report_out, demo=o.demo or None)
        written.append(Path(path))
        console.info(f"report: {path}")
        return {}

    result = _run_step(con, settings, opts, Step("report", run, "mltrends report"))
    return result, (written[0] if written else None)
