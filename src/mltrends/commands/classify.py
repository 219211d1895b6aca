"""`mltrends classify train|evaluate|predict|owners`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from mltrends.commands import App, pass_app

KINDS = ("sector", "purpose")


class OwnerInputError(ValueError):
    """A line of an owners JSON-lines file cannot be read."""

    user_facing = True


def _summary(meta: dict[str, Any]) -> str:
    m = meta["metrics"]
    baselines = ", ".join(f"{name} {s['macro_f1']:.3f}" for name, s in m["baselines"].items())
    return (f"{meta['kind']}: {meta['version']}  macro-F1 {m['model']['macro_f1']:.3f} "
            f"(baselines: {baselines}; margin {m['margin']:+.3f})")


@click.group("classify")
def classify() -> None:
    """Sector of owners and purpose of repositories (scikit-learn models).

    Models live in settings.models_dir (default data/models/) with their version,
    training-data hash and cross-validated metrics; the model card goes to
    {reports_dir}/model_card.md.
    """


@classify.command("train")
@click.option("--force", is_flag=True, help="Retrain even when the saved model is current.")
@pass_app
def train_cmd(app: App, force: bool) -> None:
    """Train (or confirm) both models, evaluate them and write the model card.

    Exit codes: 0 trained, 2 labels missing or unusable.
    """
    from mltrends.classify.card import write_card
    from mltrends.classify.modelstore import ensure_model

    stored = {kind: ensure_model(kind, app.settings, retrain=force) for kind in KINDS}
    card = write_card(app.settings, stored["sector"].meta, stored["purpose"].meta)
    for kind in KINDS:
        click.echo(_summary(stored[kind].meta))
    click.echo(f"model card: {card}")


@classify.command("evaluate")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20),
              help="Number of stratified folds.")
@click.option("--json", "as_json", is_flag=True, help="Print the full metrics as JSON.")
@click.option("--check", is_flag=True, help="Exit 1 when a model misses its goal.")
@pass_app
def evaluate_cmd(app: App, folds: int, as_json: bool, check: bool) -> None:
    """Cross-validate both models against the rules baselines (same run) and write the card.

    Exit codes: 0 done, 1 a goal missed (with --check), 2 labels missing or unusable.
    """
    from mltrends.classify import evaluate, modelstore, purpose, sector
    from mltrends.classify.card import write_card

    settings = app.settings
    reports = {
        "sector": evaluate.evaluate_sector(
            sector.load_labels(modelstore.labels_path("sector", settings)), folds=folds,
            threshold=modelstore.threshold("sector", settings)),
        "purpose": evaluate.evaluate_purpose(
            purpose.load_eval(modelstore.labels_path("purpose", settings)), folds=folds,
            threshold=modelstore.threshold("purpose", settings)),
    }
    metas = {}
    for kind in KINDS:
        stored = modelstore.ensure_model(kind, settings)
        metas[kind] = {**stored.meta, "metrics": reports[kind]}
    card = write_card(settings, metas["sector"], metas["purpose"])
    if as_json:
        click.echo(json.dumps(reports, indent=1))
    else:
        for kind in KINDS:
            click.echo(_summary(metas[kind]))
        click.echo(f"model card: {card}")
    if check and not all(evaluate.goals_met(r) for r in reports.values()):
        click.echo("a model misses its goal (macro-F1 or margin over the baseline)", err=True)
        sys.exit(1)


@classify.command("predict")
@pass_app
def predict_cmd(app: App) -> None:
    """Classify every owner and every ok repository in the database.

    Writes owner_sectors and repo_purposes (with probabilities and the model version),
    training the models first if needed. Exit codes: 0 done, 2 database or labels problem.
    """
    from mltrends.classify import predict_all

    with app.recorded("classify predict") as (con, run):
        counts = predict_all(con, app.settings)
        run.add_all(counts)
    click.echo(", ".join(f"{table}: {n}" for table, n in counts.items()))


def read_owner_lines(path: Path) -> list[dict[str, Any]]:
    """Parse a JSON-lines file of owner records; a bad line is an error naming the line."""
    records = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise OwnerInputError(f"{path} line {number}: not valid JSON ({exc.msg})") from exc
            if not isinstance(value, dict):
                raise OwnerInputError(f"{path} line {number}: expected a JSON object with owner "
                                      f"fields, got {type(value).__name__}")
            records.append(value)
    return records


@classify.command("owners")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON line per input record.")
@pass_app
def owners_cmd(app: App, file: Path, as_json: bool) -> None:
    """Classify owner records from FILE.jsonl (fields: login, type, name, company, blog,
    email, location, description). Missing or null fields are classified from what is
    there; every input gets one output line, in order.

    Exit codes: 0 done, 2 file missing or a malformed line (nothing printed then).
    """
    from mltrends.classify import sector
    from mltrends.classify.modelstore import ensure_model

    if not file.exists():
        raise FileNotFoundError(f"{file} does not exist")
    records = read_owner_lines(file)
    stored = ensure_model("sector", app.settings)
    for result in sector.classify_records(stored.model, records, stored.threshold):
        if as_json:
            click.echo(json.dumps({"login": result["login"], "sector": result["sector"],
                                   "probability": result["probability"]}))
        else:
            click.echo(f"{result['login'] or '-':<32} {result['sector']:<24} "
                       f"{result['probability']:.3f}")


COMMANDS: list[click.Command] = [classify]
