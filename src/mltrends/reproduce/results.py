"""Results: the `reproductions` table and one JSON record per repo under reports/."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb

from mltrends import db
from mltrends.reproduce.workspace import slug

JSON_FIELDS = ("url", "commit", "claimed_framework", "static_primary", "runtime_frameworks",
               "runtime_primary", "stage_reached", "failure_category", "gpu_touched", "repo",
               "seconds", "furthest_stage", "model_built", "step_ran", "command_source", "isolation")


def record_dir(reports_dir: str | Path, run_id: str) -> Path:
    return Path(reports_dir) / "reproductions" / run_id


def write_json(record: dict[str, Any], reports_dir: str | Path) -> Path:
    folder = record_dir(reports_dir, record["run_id"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (slug(record["repo"]) + ".json")
    path.write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def json_line(record: dict[str, Any]) -> str:
    """The --json line: the headline fields of one repo's record."""
    return json.dumps({k: record.get(k) for k in JSON_FIELDS}, default=str)


def row(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "run_id": record["run_id"], "repo": record["repo"], "url": record.get("url"),
        "commit": record.get("commit"), "claimed_framework": record.get("claimed_framework"),
        "static_primary": record.get("static_primary"),
        "runtime_frameworks": list(record.get("runtime_frameworks") or []),
        "runtime_primary": record.get("runtime_primary"),
        "stage_reached": int(record.get("stage_reached") or 0),
        "failure_category": record.get("failure_category"),
        "gpu_present": record.get("gpu_present"), "gpu_touched": record.get("gpu_touched"),
        "stages": json.dumps(record.get("stages") or []),
        "executor": record.get("executor"), "sandbox": record.get("sandbox"),
        "isolation": record.get("isolation"),
        "seconds": record.get("seconds"), "paper_id": record.get("paper_id"),
        "record": json.dumps(record, default=str), "finished_at": db.now_utc(),
        **stage_columns(record),
    }


def stage_columns(record: dict[str, Any]) -> dict[str, Any]:
    """The columns of migration 013: the stage ladder and what the model was built with."""
    model = record.get("model") or {}
    return {
        "furthest_stage": record.get("furthest_stage"), "model_built": record.get("model_built"),
        "step_ran": record.get("step_ran"), "model_class": model.get("class"),
        "model_params": model.get("params"), "model_device": model.get("device"),
        "step_kinds": list(record.get("step_kinds") or []),
        "command_source": record.get("command_source"),
        "gpu_nvml_confirmed": record.get("gpu_nvml_confirmed"),
    }


def save(con: duckdb.DuckDBPyConnection, records: Iterable[dict[str, Any]]) -> int:
    """Upsert the records of one run in one transaction; returns rows written."""
    rows = [row(r) for r in records]
    if not rows:
        return 0
    with db.transaction(con):
        return db.upsert_rows(con, "reproductions", rows, key=["run_id", "repo"])
