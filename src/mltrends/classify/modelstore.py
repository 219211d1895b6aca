"""Saved models: `{models_dir}/{kind}.joblib` plus `{kind}.json` (version, training-data
hash, metrics). A model is retrained when it is missing, unreadable, made by another
scikit-learn or feature version, or when the labels file's hash changed."""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import sklearn
from sklearn.pipeline import Pipeline

from mltrends import console, db
from mltrends.classify import evaluate, purpose, sector
from mltrends.config import Settings

# Bump when features or pipelines change, so saved models from older code are retrained.
FEATURE_VERSION = "1"
LABEL_FILES = {"sector": "owners.csv", "purpose": "repos_eval.csv"}


@dataclass
class StoredModel:
    model: Pipeline
    meta: dict[str, Any]

    @property
    def version(self) -> str:
        return self.meta["version"]

    @property
    def threshold(self) -> float:
        return float(self.meta["threshold"])


def labels_dir(settings: Settings) -> Path:
    """[classify] labels_dir in mltrends.toml, else the checkout's data/labels."""
    configured = settings.classify.labels_dir
    if configured:
        return Path(configured)
    checkout = Path(__file__).resolve().parents[3] / "data" / "labels"
    return checkout if checkout.is_dir() else Path("data/labels")


def labels_path(kind: str, settings: Settings) -> Path:
    path = labels_dir(settings) / LABEL_FILES[kind]
    if not path.exists():
        raise FileNotFoundError(f"labels file {path} does not exist (set [classify] labels_dir)")
    return path


def threshold(kind: str, settings: Settings) -> float:
    default = sector.DEFAULT_THRESHOLD if kind == "sector" else purpose.DEFAULT_THRESHOLD
    configured = getattr(settings.classify, f"{kind}_threshold")
    return float(default if configured is None else configured)


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def train_model(kind: str, settings: Settings) -> StoredModel:
    """Evaluate (k-fold, with baselines) and fit on all labels; nothing is saved."""
    path = labels_path(kind, settings)
    digest = file_hash(path)
    console.info(f"training the {kind} model on {path.name}")
    if kind == "sector":
        labels = sector.load_labels(path)
        metrics = evaluate.evaluate_sector(labels, threshold=threshold(kind, settings))
        model = sector.train(labels)
    else:
        labels = purpose.load_eval(path)
        metrics = evaluate.evaluate_purpose(labels, threshold=threshold(kind, settings))
        model = purpose.train(labels)
    meta = {
        "kind": kind,
        "version": f"{kind}-f{FEATURE_VERSION}-{digest[:12]}",
        "feature_version": FEATURE_VERSION,
        "labels_file": path.name,
        "labels_sha256": digest,
        "n_labels": len(labels),
        "threshold": threshold(kind, settings),
        "sklearn_version": sklearn.__version__,
        "trained_at": db.now_utc().isoformat(timespec="seconds"),
        "metrics": metrics,
    }
    return StoredModel(model, meta)


def save(stored: StoredModel, settings: Settings) -> Path:
    folder = Path(settings.models_dir)
    folder.mkdir(parents=True, exist_ok=True)
    kind = stored.meta["kind"]
    tmp = folder / f".{kind}.joblib.tmp"
    joblib.dump(stored.model, tmp, compress=3)
    tmp.replace(folder / f"{kind}.joblib")
    (folder / f"{kind}.json").write_text(json.dumps(stored.meta, indent=1), encoding="utf-8")
    return folder / f"{kind}.joblib"


def load(kind: str, settings: Settings) -> StoredModel | None:
    """The saved model, or None when there is none or it cannot be read by this code."""
    folder = Path(settings.models_dir)
    model_file, meta_file = folder / f"{kind}.joblib", folder / f"{kind}.json"
    if not (model_file.exists() and meta_file.exists()):
        return None
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        if meta.get("sklearn_version") != sklearn.__version__:
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = joblib.load(model_file)
    except (OSError, ValueError, EOFError, ImportError, AttributeError) as exc:
        console.info(f"saved {kind} model unreadable ({exc}); retraining")
        return None
    return StoredModel(model, meta)


def is_current(stored: StoredModel, kind: str, settings: Settings) -> bool:
    meta = stored.meta
    return (meta.get("feature_version") == FEATURE_VERSION
            and meta.get("labels_sha256") == file_hash(labels_path(kind, settings))
            and float(meta.get("threshold", -1)) == threshold(kind, settings))


def ensure_model(kind: str, settings: Settings, retrain: bool = False) -> StoredModel:
    """Load the current model, training (and saving) it first when needed."""
    if not retrain:
        stored = load(kind, settings)
        if stored is not None and is_current(stored, kind, settings):
            return stored
    stored = train_model(kind, settings)
    save(stored, settings)
    return stored
