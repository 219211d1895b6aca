"""Purpose of a repository: research_artefact (code released with a paper) or production
(a library, service or application), `unknown` below the probability threshold.

Training uses weak labels: a repository linked to a paper is a research artefact; one
with packaging and releases and no paper is production; the rest abstain. The model
never sees the paper link, so it has to learn from the other facts (words, topics,
stars, activity, owner sector, packaging) rather than replay the labelling rule.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from mltrends.classify.features import repo_features
from mltrends.classify.sector import read_label_file
from mltrends.vocab import PURPOSES, UNKNOWN

DEFAULT_THRESHOLD = 0.6
EVAL_COLUMNS = ("repo", "description", "stars", "created_year", "pushed_year", "topics",
                "has_packaging", "has_releases", "paper_linked", "owner_sector", "purpose",
                "source_of_truth")
PACKAGING_FILES = ("setup.py", "pyproject.toml", "setup.cfg")


def load_eval(path: Path) -> pd.DataFrame:
    """data/labels/repos_eval.csv as a frame with typed flags; refuses unknown purposes."""
    frame = read_label_file(path, EVAL_COLUMNS, "purpose", PURPOSES)
    for col in ("has_packaging", "has_releases", "has_ci", "paper_linked"):
        if col in frame:
            frame[col] = frame[col].str.lower().eq("true")
    return frame


def weak_labels(frame: pd.DataFrame) -> pd.Series:
    """research_artefact when paper-linked; production when packaged + released and no
    paper; None (abstain) otherwise."""
    paper = frame["paper_linked"].astype(bool)
    shipped = frame["has_packaging"].astype(bool) & frame["has_releases"].astype(bool)
    out = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    out[paper] = "research_artefact"
    out[~paper & shipped] = "production"
    return out


def build_pipeline(seed: int = 0) -> Pipeline:
    """Word TF-IDF over name/description/topics + engineered facts, calibrated LR."""
    columns = ColumnTransformer([
        ("text", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True), "text"),
        ("meta", CountVectorizer(token_pattern=r"\S+", lowercase=False, binary=True), "meta"),
        ("numbers", StandardScaler(), ["log_stars", "active_years", "has_topics"]),
    ])
    linear = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced", random_state=seed)
    return Pipeline([
        ("features", FunctionTransformer(repo_features)),
        ("columns", columns),
        ("model", CalibratedClassifierCV(linear, method="sigmoid", cv=3)),
    ])


def train(frame: pd.DataFrame, labels: pd.Series | None = None, seed: int = 0) -> Pipeline:
    """Fit on the given labels, or on the weak labels of the frame (abstentions left out)."""
    y = weak_labels(frame) if labels is None else labels
    keep = y.notna().to_numpy()
    model = build_pipeline(seed)
    model.fit(frame[keep], y[keep].to_numpy())
    return model


def predict_frame(model: Pipeline, frame: pd.DataFrame,
                  threshold: float = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """purpose, probability and per-class probabilities for a repo frame."""
    if frame.empty:
        return pd.DataFrame(columns=["purpose", "probability", "probabilities"])
    proba = model.predict_proba(frame)
    classes = list(model.classes_)
    best = proba.argmax(axis=1)
    top = proba[np.arange(len(frame)), best]
    purposes = [classes[b] if p >= threshold else UNKNOWN for b, p in zip(best, top, strict=True)]
    probabilities = [{c: round(float(v), 4) for c, v in zip(classes, row, strict=True)}
                     for row in proba]
    return pd.DataFrame({"purpose": purposes, "probability": top.round(4),
                         "probabilities": probabilities}, index=frame.index)


def rules_purpose(frame: pd.DataFrame) -> np.ndarray:
    """Baseline: a repository with packaging files is production, otherwise research."""
    return np.where(frame["has_packaging"].astype(bool), "production", "research_artefact")


def rules_weak(frame: pd.DataFrame) -> np.ndarray:
    """Second baseline: the weak-labelling rule itself (abstentions -> research_artefact)."""
    return weak_labels(frame).fillna("research_artefact").to_numpy()


REPO_FACTS_SQL = f"""
select r.repo, r.description, r.stars,
       year(r.created_at) as created_year, year(r.pushed_at) as pushed_year,
       array_to_string(coalesce(r.topics, []::varchar[]), ';') as topics,
       exists (select 1 from github_manifests m where m.repo = r.repo
               and m.path in ({", ".join(f"'{p}'" for p in PACKAGING_FILES)})) as has_packaging,
       coalesce(r.has_releases, false) as has_releases,
       (exists (select 1 from pwc_paper_repos p where p.repo = r.repo)
        or exists (select 1 from hf_papers h where h.github_repo = r.repo)) as paper_linked,
       coalesce(s.sector, 'unknown') as owner_sector
from github_repos r
left join owner_sectors s on s.login = lower(coalesce(r.owner, split_part(r.repo, '/', 1)))
where r.status = 'ok'
order by r.repo
"""


def repo_facts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every github_repos row with status ok, with the facts the purpose model reads."""
    cur = con.execute(REPO_FACTS_SQL)
    names = [d[0] for d in cur.description]
    return pd.DataFrame(cur.fetchall(), columns=names)
