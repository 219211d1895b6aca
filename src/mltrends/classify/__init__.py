"""scikit-learn classifiers: the sector of an owner and the purpose of a repository."""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from mltrends import console, db, models
from mltrends.classify import purpose, sector
from mltrends.classify.features import owner_frame
from mltrends.classify.modelstore import StoredModel, ensure_model
from mltrends.config import Settings

__all__ = ["ensure_model", "predict_all", "predict_owners", "predict_repos"]


def _record_model(con: duckdb.DuckDBPyConnection, stored: StoredModel) -> None:
    meta = stored.meta
    metrics = meta["metrics"]
    first_baseline = next(iter(metrics["baselines"].values()))
    db.upsert_rows(con, "classifier_models", [{
        "model_version": meta["version"], "kind": meta["kind"], "labels_file": meta["labels_file"],
        "labels_sha256": meta["labels_sha256"], "trained_at": pd.Timestamp(meta["trained_at"]),
        "macro_f1": metrics["model"]["macro_f1"], "baseline_macro_f1": first_baseline["macro_f1"],
        "metrics": json.dumps(metrics), "used_at": db.now_utc(),
    }], ["model_version"])


def predict_owners(con: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    """Classify every github_owners row into owner_sectors (one transaction)."""
    models.create_views(con)  # read this run's staging views, never the raw tables
    cur = con.execute("select login, type, name, company, blog, email, location, description, "
                      "is_verified from stg_github_owners order by login")
    names = [d[0] for d in cur.description]
    records = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    if not records:
        return 0
    stored = ensure_model("sector", settings)
    frame = owner_frame(records)
    result = sector.predict_frame(stored.model, frame, stored.threshold)
    now = db.now_utc()
    rows = pd.DataFrame({
        "login": [r["login"] for r in records], "sector": result["sector"],
        "probability": result["probability"].astype(float),
        "probabilities": [json.dumps(p) for p in result["probabilities"]],
        "model_version": stored.version, "predicted_at": now,
    })
    with db.transaction(con):
        written = db.upsert_rows(con, "owner_sectors", rows, ["login"])
        _record_model(con, stored)
    return written


def predict_repos(con: duckdb.DuckDBPyConnection, settings: Settings) -> int:
    """Classify every github_repos row with status ok into repo_purposes (one transaction)."""
    facts = purpose.repo_facts(con)
    if facts.empty:
        return 0
    stored = ensure_model("purpose", settings)
    result = purpose.predict_frame(stored.model, facts, stored.threshold)
    rows = pd.DataFrame({
        "repo": facts["repo"], "purpose": result["purpose"],
        "probability": result["probability"].astype(float),
        "probabilities": [json.dumps(p) for p in result["probabilities"]],
        "model_version": stored.version, "predicted_at": db.now_utc(),
    })
    with db.transaction(con):
        written = db.upsert_rows(con, "repo_purposes", rows, ["repo"])
        _record_model(con, stored)
    return written


def predict_all(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, int]:
    """Sector of every owner, then purpose of every ok repo (which reads those sectors).

    Loads the saved models, training them first when missing or when the labels changed.
    Idempotent: rows are upserted on their keys. Returns rows written per table.
    """
    owners = predict_owners(con, settings)
    repos = predict_repos(con, settings)
    console.info(f"classified {owners} owners and {repos} repositories")
    return {"owner_sectors": owners, "repo_purposes": repos}
