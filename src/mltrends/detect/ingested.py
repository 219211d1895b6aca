"""Detection for the repositories in the database: writes `repo_frameworks`."""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from mltrends import console, db
from mltrends.config import Settings
from mltrends.detect.model import DetectionResult
from mltrends.detect.scan import detect_manifests, detect_path
from mltrends.normalize import canonical_framework

CODE_KINDS = {"import", "notebook", "model", "backend"}
TPU_KIND = "tpu"  # TPU code paths: their own source, so they never count as detection
MAX_DETAILS = 100


def checkouts(clones_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """`<owner>__<name>/` folders of clones_dir -> {"owner/name": path}."""
    root = Path(clones_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"detect: clones directory {clones_dir} does not exist")
    found = {}
    for entry in sorted(root.iterdir()):
        if entry.is_dir() and "__" in entry.name:
            owner, name = entry.name.split("__", 1)
            found[f"{owner}/{name}".lower()] = entry
    return found


def result_rows(repo: str, result: DetectionResult, source_default: str,
                labels: Counter[str], now: Any) -> list[dict[str, Any]]:
    """repo_frameworks rows for one repository: detected frameworks, then the PwC label."""
    rows = []
    for fw in result.frameworks:
        by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for ev in fw.evidence:
            by_kind[ev.kind].append({**ev.to_json(), "name": ev.name})
        for kind, details in sorted(by_kind.items()):
            rows.append({"repo": repo, "framework": fw.name, "evidence": kind,
                         "source": ("tpu" if kind == TPU_KIND else
                                    "code" if kind in CODE_KINDS else "manifest"),
                         "score": fw.score, "is_primary": fw.name == result.primary,
                         "details": json.dumps(details[:MAX_DETAILS]), "detected_at": now})
    detected = result.primary != "none"
    total = sum(labels.values())
    top_label = max(labels, key=lambda k: (labels[k], k)) if labels else None
    for label, n in sorted(labels.items()):
        rows.append({"repo": repo, "framework": label, "evidence": "label", "source": "pwc_label",
                     "score": round(n / total, 3),
                     "is_primary": not detected and label == top_label and label != "none",
                     "details": json.dumps([{"kind": "label", "links": n}]), "detected_at": now})
    if not detected and not any(r["is_primary"] for r in rows):
        rows.append({"repo": repo, "framework": "none", "evidence": "scan", "source": source_default,
                     "score": None, "is_primary": True, "details": "[]", "detected_at": now})
    return rows


def detect_ingested(con: duckdb.DuckDBPyConnection, settings: Settings,
                    clones_dir: str | os.PathLike[str] | None = None) -> dict[str, int]:
    """Detect every repo with fetched manifests or a checkout; replace its repo_frameworks rows.

    Sources: `manifest` (github_manifests, or manifests in the checkout), `code` (the
    checkout `<clones_dir>/<owner>__<name>/`), `pwc_label` (pwc_paper_repos). One
    transaction; running it twice leaves the same rows.
    """
    clones_dir = clones_dir or settings.detect.clones_dir
    clones = checkouts(clones_dir) if clones_dir else {}
    from mltrends import models

    models.create_views(con)  # read this run's staging views, never the raw tables
    files: dict[str, dict[str, str]] = defaultdict(dict)
    for repo, path, content in con.execute(
            "select repo, path, content from stg_github_manifests order by repo, path").fetchall():
        files[repo][path] = content or ""
    repos = sorted(set(files) | set(clones))
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    for repo, label, n in con.execute(
            "select repo, pwc_framework, count(*) from stg_pwc_paper_repos group by 1, 2").fetchall():
        if repo in files or repo in clones:
            labels[repo][canonical_framework(label)] += n
    now = db.now_utc()
    rows: list[dict[str, Any]] = []
    failed: list[tuple[str, str]] = []
    for repo in console.track(repos, total=len(repos), label="detect"):
        try:
            if repo in clones:
                result = detect_path(clones[repo], extra_files=files.get(repo))
                source = "code"
            else:
                result = detect_manifests(files[repo])
                source = "manifest"
        except Exception as exc:  # one repo's surprise must not lose the others
            failed.append((repo, f"{type(exc).__name__}: {exc}"))
            continue
        rows.extend(result_rows(repo, result, source, labels.get(repo, Counter()), now))
    done = sorted({r["repo"] for r in rows})
    with db.transaction(con):
        for repo, reason in failed:
            db.reject(con, "detect", {"repo": repo}, f"detection failed: {reason}")
        if done:
            frame = pd.DataFrame({"repo": done})
            con.register("_detect_repos", frame)
            try:
                con.execute("delete from repo_frameworks where repo in (select repo from _detect_repos)")
            finally:
                con.unregister("_detect_repos")
        written = db.upsert_rows(con, "repo_frameworks", rows, ["repo", "framework", "evidence"])
    console.info(f"detect: {len(done)} repositories, {written} repo_frameworks rows")
    return {"repo_frameworks": written}
