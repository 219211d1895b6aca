"""`mltrends classify ...`: help, exit codes, the owners command, train/evaluate/predict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mltrends import db
from mltrends.classify import modelstore
from mltrends.cli import main
from mltrends.config import load_settings

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "classify"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """Environment for the CLI: models trained once into a temporary folder."""
    base = tmp_path_factory.mktemp("classify-cli")
    values = {"MLTRENDS_MODELS_DIR": str(base / "models"),
              "MLTRENDS_REPORTS_DIR": str(base / "reports"),
              "MLTRENDS_DB": str(base / "cli.duckdb")}
    settings = load_settings(env=values)
    for kind in ("sector", "purpose"):
        modelstore.ensure_model(kind, settings)
    return values


def run(env, *args):
    return CliRunner().invoke(main, ["-q", *args], env=env, catch_exceptions=False)


@pytest.mark.parametrize("args", [["classify"], ["classify", "train"], ["classify", "evaluate"],
                                  ["classify", "predict"], ["classify", "owners"]])
def test_help_everywhere(args):
    result = CliRunner().invoke(main, [*args, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_owners_json_one_line_per_record_nulls_included(env):
    result = run(env, "classify", "owners", str(FIXTURES / "owners_ok.jsonl"), "--json")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == 5  # the blank line is not a record; the empty object is
    assert [set(line) for line in lines] == [{"login", "sector", "probability"}] * 5
    assert [line["login"] for line in lines] == ["vision-lab-example", "acme-research", "sam42dev",
                                                 None, None]
    assert [line["sector"] for line in lines[:4]] == ["academic", "industry", "individual", "academic"]
    assert lines[4]["sector"] == "unknown"
    assert all(0.0 <= line["probability"] <= 1.0 for line in lines)


def test_owners_plain_output(env):
    result = run(env, "classify", "owners", str(FIXTURES / "owners_ok.jsonl"))
    assert result.exit_code == 0
    rows = result.output.splitlines()
    assert len(rows) == 5 and rows[0].split()[:2] == ["vision-lab-example", "academic"]


def test_owners_malformed_line_is_a_clear_error(env):
    result = CliRunner().invoke(main, ["classify", "owners", str(FIXTURES / "owners_bad.jsonl")],
                                env=env)
    assert result.exit_code == 2
    assert "owners_bad.jsonl line 3: not valid JSON" in result.output
    assert "vision-lab-example" not in result.output  # nothing half-printed


def test_owners_non_object_and_missing_file(env, tmp_path):
    bad = tmp_path / "list.jsonl"
    bad.write_text('{"login": "a"}\n["not", "an", "object"]\n')
    result = CliRunner().invoke(main, ["classify", "owners", str(bad)], env=env)
    assert result.exit_code == 2 and "line 2: expected a JSON object" in result.output
    result = CliRunner().invoke(main, ["classify", "owners", str(tmp_path / "none.jsonl")], env=env)
    assert result.exit_code == 2 and "does not exist" in result.output


def test_train_reports_versions_and_writes_card(env):
    result = run(env, "classify", "train")
    assert result.exit_code == 0
    assert "sector: sector-f1-" in result.output and "purpose: purpose-f1-" in result.output
    card = Path(env["MLTRENDS_REPORTS_DIR"]) / "model_card.md"
    text = card.read_text()
    for needle in ("Sector model", "Purpose model", "rules: domain suffixes + keywords",
                   "Known failure modes", "confusion matrix", "sha256"):
        assert needle in text


def test_evaluate_json_and_check(env):
    result = run(env, "classify", "evaluate", "--json", "--check")
    assert result.exit_code == 0, result.output
    reports = json.loads(result.output)
    assert reports["sector"]["folds"] == 5 and reports["purpose"]["folds"] == 5
    assert reports["sector"]["model"]["macro_f1"] >= 0.85
    assert set(reports["sector"]["baselines"]) == {"rules: domain suffixes + keywords",
                                                   "rules: + owner type (User = individual)"}


def test_predict_writes_tables_and_records_the_run(env):
    from test_classify import load_github_rows

    con = db.connect(env["MLTRENDS_DB"])
    load_github_rows(con)
    con.close()
    result = run(env, "classify", "predict")
    assert result.exit_code == 0, result.output
    assert "owner_sectors: 5, repo_purposes: 4" in result.output
    con = db.connect(env["MLTRENDS_DB"])
    try:
        runs = con.execute("select command, status, rows from runs").fetchall()
        assert runs == [("classify predict", "succeeded",
                         '{"owner_sectors": 5, "repo_purposes": 4}')]
        assert con.execute("select count(*) from owner_sectors").fetchall()[0][0] == 5
    finally:
        con.close()
