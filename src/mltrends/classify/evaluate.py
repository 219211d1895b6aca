"""Stratified k-fold evaluation of both models, side by side with rules baselines.

Every figure comes from one run: the model's out-of-fold predictions and the
baselines' predictions on the very same rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold

from mltrends.classify import purpose, sector
from mltrends.classify.features import owner_frame
from mltrends.vocab import PURPOSES, SECTORS

SECTOR_GOAL = {"macro_f1": 0.85, "margin": 0.10}
PURPOSE_GOAL = {"macro_f1": 0.80, "margin": 0.10}


def scores(y_true: np.ndarray, y_pred: np.ndarray, labels: list[str]) -> dict[str, Any]:
    """Macro-F1, per-class precision/recall/F1/support and the confusion matrix.

    Predictions outside `labels` (e.g. a baseline's 'unknown') count as errors and get
    their own confusion-matrix column.
    """
    extra = sorted(set(y_pred) - set(labels))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0)
    return {
        "macro_f1": round(float(f1_score(y_true, y_pred, labels=labels, average="macro",
                                         zero_division=0)), 4),
        "accuracy": round(float(np.mean(y_true == y_pred)), 4),
        "per_class": {c: {"precision": round(float(p), 4), "recall": round(float(r), 4),
                          "f1": round(float(f), 4), "support": int(s)}
                      for c, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)},
        "confusion": {"rows": labels, "columns": labels + extra,
                      "matrix": confusion_matrix(y_true, y_pred, labels=labels + extra)[
                          : len(labels)].tolist()},
    }


def _abstention(y: np.ndarray, best: np.ndarray, top: np.ndarray, threshold: float) -> dict[str, Any]:
    covered = top >= threshold
    return {"threshold": threshold, "coverage": round(float(covered.mean()), 4),
            "accuracy_on_covered": round(float(np.mean(y[covered] == best[covered])), 4)
            if covered.any() else None}


def evaluate_sector(labels: pd.DataFrame, folds: int = 5, seed: int = 0,
                    threshold: float = sector.DEFAULT_THRESHOLD) -> dict[str, Any]:
    """Stratified k-fold CV of the sector model and both rules baselines."""
    y = labels["sector"].to_numpy()
    frame = owner_frame(labels.to_dict("records"))
    best = np.empty(len(y), dtype=object)
    top = np.zeros(len(y))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(frame, y):
        model = sector.train(labels.iloc[train_idx], seed=seed)
        proba = model.predict_proba(frame.iloc[test_idx])
        best[test_idx] = np.asarray(model.classes_)[proba.argmax(axis=1)]
        top[test_idx] = proba.max(axis=1)
    records = labels.to_dict("records")
    classes = list(SECTORS)
    model_scores = scores(y, best, classes)
    rules = scores(y, np.array([sector.rules_sector(r) for r in records]), classes)
    rules_type = scores(y, np.array([sector.rules_sector(r, use_type=True) for r in records]), classes)
    return {
        "kind": "sector", "folds": folds, "seed": seed, "n": len(y),
        "class_counts": {c: int((y == c).sum()) for c in classes},
        "model": model_scores,
        "abstention": _abstention(y, best, top, threshold),
        "baselines": {"rules: domain suffixes + keywords": rules,
                      "rules: + owner type (User = individual)": rules_type},
        "goal": SECTOR_GOAL,
        "margin": round(model_scores["macro_f1"] - rules["macro_f1"], 4),
        "margin_over_strongest": round(model_scores["macro_f1"] - max(
            rules["macro_f1"], rules_type["macro_f1"]), 4),
    }


def evaluate_purpose(frame: pd.DataFrame, folds: int = 5, seed: int = 0,
                     threshold: float = purpose.DEFAULT_THRESHOLD) -> dict[str, Any]:
    """k-fold on the hand-labelled set: train on the weak labels of the training folds,
    score against the hand labels of the held-out fold. A model trained on the hand
    labels of the same folds is reported as a reference."""
    y = frame["purpose"].to_numpy()
    weak = purpose.weak_labels(frame)
    best = np.empty(len(y), dtype=object)
    top = np.zeros(len(y))
    supervised = np.empty(len(y), dtype=object)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(frame, y):
        train, test = frame.iloc[train_idx], frame.iloc[test_idx]
        model = purpose.train(train, seed=seed)
        proba = model.predict_proba(test)
        best[test_idx] = np.asarray(model.classes_)[proba.argmax(axis=1)]
        top[test_idx] = proba.max(axis=1)
        supervised[test_idx] = purpose.train(train, train["purpose"], seed=seed).predict(test)
    classes = list(PURPOSES)
    covered = weak.notna().to_numpy()
    model_scores = scores(y, best, classes)
    rules = scores(y, purpose.rules_purpose(frame), classes)
    weak_rule = scores(y, purpose.rules_weak(frame), classes)
    return {
        "kind": "purpose", "folds": folds, "seed": seed, "n": len(y),
        "class_counts": {c: int((y == c).sum()) for c in classes},
        "weak_labels": {"coverage": round(float(covered.mean()), 4),
                        "accuracy_on_covered": round(float(np.mean(weak[covered] == y[covered])), 4)},
        "model": model_scores,
        "abstention": _abstention(y, best, top, threshold),
        "supervised_reference": scores(y, supervised, classes),
        "baselines": {"rules: has packaging = production": rules,
                      "rules: the weak-labelling rule": weak_rule},
        "goal": PURPOSE_GOAL,
        "margin": round(model_scores["macro_f1"] - rules["macro_f1"], 4),
        "margin_over_strongest": round(model_scores["macro_f1"] - max(
            rules["macro_f1"], weak_rule["macro_f1"]), 4),
    }


def goals_met(report: dict[str, Any]) -> bool:
    """Whether macro-F1 and the margin over the specified baseline meet the goal."""
    goal = report["goal"]
    return report["model"]["macro_f1"] >= goal["macro_f1"] and report["margin"] >= goal["margin"]
