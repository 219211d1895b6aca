"""`mltrends build`, `mltrends claims`, `mltrends schema`: the SQL models and the scorecard."""

from __future__ import annotations

import json

import click

from mltrends import claims as claims_mod
from mltrends import models
from mltrends.commands import App, pass_app


@click.command("build")
@pass_app
def build_command(app: App) -> None:
    """Build the staging views and marts, then run the data tests.

    One transaction: a failing model or data test exits with code 2 and leaves the
    previous marts in place. Prints rows per mart.
    """
    with app.recorded("build") as (con, run):
        rows = models.build(con)
        run.add_all(rows)
    width = max(len(n) for n in rows)
    for name, n in rows.items():
        click.echo(f"{name:<{width}}  {n:>10,}")


@click.command("claims")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per claim, one per line.")
@pass_app
def claims_command(app: App, as_json: bool) -> None:
    """Check every claim against the marts and print the scorecard.

    Writes claims_scorecard. Verdicts: supported, contradicted, inconclusive,
    not measurable (with the reason). Needs `mltrends build` first.
    """
    with app.recorded("claims") as (_con, run):
        rows = claims_mod.evaluate(_con)
        run.add("claims_scorecard", len(rows))
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, default=str))
        return
    for row in rows:
        metric = "" if row["metric"] is None else f"{row['metric']:.3f}"
        interval = ("" if row["ci_low"] is None
                    else f"[{row['ci_low']:.3f}, {row['ci_high']:.3f}]")
        click.echo(f"{row['claim_id']:<28} {row['verdict']:<15} {metric:>7} {interval:<17} "
                   f"n={row['n'] if row['n'] is not None else '-'}")
        click.echo(f"    \"{row['quote']}\"")
        click.echo(f"    {row['metric_name']}: {row['reason']}")
        window = f"; window {row['window_first']}–{row['window_last']}" if row.get("window_first") else ""
        click.echo(f"    unit: {row['unit']}; interval: {row['interval_method']}{window}")


@click.command("schema")
@click.argument("table", required=False)
@pass_app
def schema_command(app: App, table: str | None) -> None:
    """Print the documentation of every mart (or of TABLE): columns, types, comments."""
    con = app.connect(read_only=True)
    try:
        docs = models.schema_docs(con, table)
    finally:
        con.close()
    for entry in docs:
        if not entry["column"]:
            click.echo(f"\n{entry['table']}\n  {entry['comment']}")
        else:
            click.echo(f"    {entry['column']:<30} {entry['type']:<12} {entry['comment']}")


COMMANDS: list[click.Command] = [build_command, claims_command, schema_command]
