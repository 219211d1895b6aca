"""Sector and purpose classifiers: labels, cross-validated goals, predictions in the database."""

from __future__ import annotations

import csv
import hashlib
import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from mltrends import db
from mltrends.classify import modelstore, predict_all, sector
from mltrends.classify.features import domain_kind, host_of, owner_frame
from mltrends.config import load_settings
from mltrends.vocab import SECTORS

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
LABELS = ROOT / "data" / "labels"
ROWS = json.loads((FIXTURES / "classify" / "github_rows.json").read_text())


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Both models trained once (with their k-fold evaluation) into a temporary models dir."""
    base = tmp_path_factory.mktemp("classify")
    settings = load_settings(env={}, models_dir=str(base / "models"),
                             reports_dir=str(base / "reports"), db=str(base / "x.duckdb"))
    stored = {kind: modelstore.ensure_model(kind, settings) for kind in ("sector", "purpose")}
    return settings, stored


def load_github_rows(con) -> None:
    now = db.now_utc()
    owners = [{**o, "display_login": o["login"], "_source": "test", "_fetched_at": now}
              for o in ROWS["owners"]]
    repos = [{**r, "name_with_owner": r["repo"], "_source": "test", "_fetched_at": now,
              "created_at": pd.Timestamp(r["created_at"]) if r["created_at"] else None,
              "pushed_at": pd.Timestamp(r["pushed_at"]) if r["pushed_at"] else None}
             for r in ROWS["repos"]]
    with db.transaction(con):
        db.upsert_rows(con, "github_owners", owners, ["login"])
        for repo in repos:  # one by one: a list column with nulls defeats frame typing
            db.upsert_rows(con, "github_repos", [repo], ["repo"])
        db.upsert_rows(con, "github_manifests",
                       [{**m, "_source": "test", "_fetched_at": now} for m in ROWS["manifests"]],
                       ["repo", "path"])
        db.upsert_rows(con, "pwc_paper_repos",
                       [{**p, "_source": "test", "_fetched_at": now} for p in ROWS["paper_repos"]],
                       ["paper_id", "repo"])


def test_labels_are_large_sourced_and_free_of_personal_email():
    with open(LABELS / "owners.csv", newline="") as fh:
        owners = list(csv.DictReader(fh))
    assert len(owners) >= 400
    assert {r["sector"] for r in owners} == set(SECTORS)
    assert all(r["source_of_truth"] for r in owners)
    individuals = [r for r in owners if r["sector"] == "individual"]
    assert all(r["source_of_truth"].startswith("constructed") and not r["email"] for r in individuals)
    with open(LABELS / "repos_eval.csv", newline="") as fh:
        repos = list(csv.DictReader(fh))
    assert len(repos) >= 150 and len({r["repo"] for r in repos}) == len(repos)
    assert {r["purpose"] for r in repos} == {"research_artefact", "production"}


@pytest.mark.parametrize(("value", "kind"), [
    ("https://nlp.stanford.edu", "academic"), ("x@cs.ox.ac.uk", "academic"),
    ("www.tsinghua.edu.cn", "academic"), ("https://www.u-tokyo.ac.jp/en/", "academic"),
    ("https://www.nasa.gov", "gov"), ("https://www.etalab.gouv.fr", "gov"),
    ("https://numfocus.org", "org"), ("https://openai.com", "company"),
    ("https://someone.github.io", "personal"), ("a.person@gmail.com", "personal"),
    ("https://www.kth.se", "cc"), ("", "none"), ("not a url at all", "none"),
])
def test_domain_kinds(value, kind):
    assert domain_kind(host_of(value)) == kind


def test_sector_cross_validation_meets_goal(trained):
    metrics = trained[1]["sector"].meta["metrics"]
    assert metrics["n"] >= 400 and metrics["folds"] == 5
    # measured in the fixture's real run (seeded): model 0.929, rules 0.646, rules+type 0.890
    assert metrics["model"]["macro_f1"] == pytest.approx(0.929, abs=0.02)
    assert metrics["model"]["macro_f1"] >= 0.85
    rules = metrics["baselines"]["rules: domain suffixes + keywords"]["macro_f1"]
    assert rules == pytest.approx(0.646, abs=0.005)  # rules are deterministic
    assert metrics["margin"] >= 0.10
    assert metrics["margin_over_strongest"] > 0  # also beats the rules that use the owner type
    conf = metrics["model"]["confusion"]
    assert sum(map(sum, conf["matrix"])) == metrics["n"]
    for cls in SECTORS:
        assert metrics["model"]["per_class"][cls]["recall"] >= 0.75


def test_purpose_cross_validation_meets_goal(trained):
    metrics = trained[1]["purpose"].meta["metrics"]
    assert metrics["n"] >= 150
    # measured: weak-label model 0.829, "has packaging" rule 0.712
    assert metrics["model"]["macro_f1"] == pytest.approx(0.829, abs=0.03)
    assert metrics["baselines"]["rules: has packaging = production"]["macro_f1"] == pytest.approx(
        0.712, abs=0.005)
    assert metrics["margin"] >= 0.10
    assert 0.8 <= metrics["weak_labels"]["coverage"] <= 1.0


def test_model_files_carry_version_hash_and_metrics(trained):
    settings, stored = trained
    digest = hashlib.sha256((LABELS / "owners.csv").read_bytes()).hexdigest()
    meta = json.loads((Path(settings.models_dir) / "sector.json").read_text())
    assert meta["labels_sha256"] == digest and meta["version"].endswith(digest[:12])
    assert meta["metrics"]["model"]["macro_f1"] == stored["sector"].meta["metrics"]["model"]["macro_f1"]
    again = modelstore.ensure_model("sector", settings)  # current: loaded, not retrained
    assert again.meta["trained_at"] == stored["sector"].meta["trained_at"]


def test_changed_labels_make_the_model_stale(trained, tmp_path):
    settings, stored = trained
    shutil.copy(LABELS / "owners.csv", tmp_path / "owners.csv")
    moved = settings.with_overrides(classify={"labels_dir": str(tmp_path)})
    assert modelstore.is_current(stored["sector"], "sector", moved)
    with open(tmp_path / "owners.csv", "a", newline="") as fh:
        fh.write("extra-lab,Organization,Extra Lab,,https://x.example.edu,,,,academic,test\n")
    assert not modelstore.is_current(stored["sector"], "sector", moved)


def test_unknown_below_threshold_and_for_empty_records(trained):
    model = trained[1]["sector"].model
    frame = owner_frame([{}, {"login": "ml-group"}, {"name": "Stanford University"}])
    strict = sector.predict_frame(model, frame, threshold=0.999)
    assert list(strict["sector"]) == ["unknown"] * 3
    loose = sector.predict_frame(model, frame, threshold=0.0)
    assert loose.at[0, "sector"] == "unknown"  # nothing to classify from
    assert loose.at[2, "sector"] == "academic"
    for probs in loose["probabilities"]:
        assert math.isclose(sum(probs.values()), 1.0, abs_tol=1e-3)


def test_null_and_missing_fields_are_classified_not_dropped(trained):
    model = trained[1]["sector"].model
    records = [
        {"login": "lab-x", "type": "Organization", "name": None, "blog": "https://lab.example.edu",
         "email": float("nan"), "description": None},
        {"name": "Example National Laboratory"},
        {"login": "someone", "type": "User", "company": None, "location": None},
        {"login": 12345, "description": ["not", "a", "string"]},
    ]
    results = sector.classify_records(model, records, threshold=0.5)
    assert len(results) == len(records)
    assert [r["sector"] for r in results[:3]] == ["academic", "nonprofit_or_government", "individual"]
    assert results[3]["login"] == "12345"
    assert all(0.0 <= r["probability"] <= 1.0 for r in results)


def test_demo_owners_are_classified_sensibly(trained):
    model, threshold = trained[1]["sector"].model, trained[1]["sector"].threshold
    with open(ROOT / "data" / "demo" / "universe" / "owners.csv", newline="") as fh:
        demo = list(csv.DictReader(fh))
    results = sector.classify_records(model, demo, threshold)
    decided = [(d["synthetic_sector"], r["sector"]) for d, r in zip(demo, results, strict=True)
               if r["sector"] != "unknown"]
    assert len(decided) >= len(demo) - 3
    assert all(truth == got for truth, got in decided)


def test_predict_all_writes_every_owner_and_ok_repo(con, trained):
    settings, stored = trained
    load_github_rows(con)
    counts = predict_all(con, settings)
    assert counts == {"owner_sectors": 5, "repo_purposes": 4}
    rows = con.execute("select login, sector, probability, probabilities, model_version "
                       "from owner_sectors order by login").fetchall()
    assert [r[0] for r in rows] == sorted(o["login"] for o in ROWS["owners"])
    got = {r[0]: r[1] for r in rows}
    assert got["vision-lab-example"] == "academic" and got["acme-research"] == "industry"
    assert got["sam42dev"] == "individual" and got["only-a-login"] in set(SECTORS) | {"unknown"}
    for _, _, p, probs, version in rows:
        assert 0.0 <= p <= 1.0 and math.isclose(sum(json.loads(probs).values()), 1.0, abs_tol=1e-3)
        assert version == stored["sector"].version
    repos = con.execute("select repo, purpose, probability, model_version from repo_purposes "
                        "order by repo").fetchall()
    assert [r[0] for r in repos] == sorted(r["repo"] for r in ROWS["repos"] if r["status"] == "ok")
    assert all(r[1] in {"research_artefact", "production", "unknown"} and 0.5 <= r[2] <= 1.0
               and r[3] == stored["purpose"].version for r in repos)
    purposes = {r[0]: r[1] for r in repos}
    assert purposes["vision-lab-example/segmenter-official"] == "research_artefact"
    assert purposes["acme-research/fastserve"] == "production"
    models = con.execute("select kind, labels_sha256, macro_f1 from classifier_models "
                         "order by kind").fetchall()
    assert [m[0] for m in models] == ["purpose", "sector"]
    assert models[1][1] == stored["sector"].meta["labels_sha256"]


def test_predict_all_is_idempotent(con, trained):
    settings, _ = trained
    load_github_rows(con)
    first = predict_all(con, settings)
    before = con.execute("select login, sector, probability from owner_sectors order by login").fetchall()
    second = predict_all(con, settings)
    assert first == second
    for table, key in (("owner_sectors", "login"), ("repo_purposes", "repo")):
        total, distinct = con.execute(f"select count(*), count(distinct {key}) from {table}").fetchall()[0]
        assert total == distinct == first[table]
    assert con.execute("select login, sector, probability from owner_sectors "
                       "order by login").fetchall() == before


def test_predict_all_on_an_empty_database_writes_nothing(con, trained):
    assert predict_all(con, trained[0]) == {"owner_sectors": 0, "repo_purposes": 0}
