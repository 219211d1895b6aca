"""`mltrends detect`: which deep-learning framework a repository uses, with evidence."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from mltrends.commands import App, pass_app
from mltrends.detect import DetectionResult, detect_ingested, detect_path

SHOWN_EVIDENCE = 8


def render(result: DetectionResult, target: str) -> None:
    """A summary table, then per framework the evidence a person can follow (path:line)."""
    out = Console(highlight=False, soft_wrap=True)
    out.print(f"[bold]{target}[/bold]: primary framework [bold]{result.primary}[/bold]")
    if not result.frameworks:
        out.print("no deep-learning framework found")
    else:
        table = Table("framework", "score", "evidence", "primary")
        for fw in result.frameworks:
            table.add_row(fw.name, f"{fw.score:.3f}", str(len(fw.evidence)),
                          "yes" if fw.name == result.primary else "")
        out.print(table)
    for fw in result.frameworks:
        out.print(f"[bold]{fw.name}[/bold]")
        for ev in fw.evidence[:SHOWN_EVIDENCE]:
            out.print(f"  {ev.path}:{ev.line}  {ev.kind} ({ev.context})  {ev.name}", markup=False)
        if len(fw.evidence) > SHOWN_EVIDENCE:
            out.print(f"  ... {len(fw.evidence) - SHOWN_EVIDENCE} more (--json lists all)")
    stats = ", ".join(f"{k} {v}" for k, v in sorted(result.stats.items()))
    if stats:
        out.print(f"[dim]{stats}[/dim]")


@click.command("detect")
@click.argument("path", required=False, type=click.Path(file_okay=True, dir_okay=True))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--ingested", is_flag=True,
              help="Detect every repository in the database (github_manifests, checkouts, "
                   "PwC labels) and write repo_frameworks.")
@click.option("--clones", metavar="DIR", type=click.Path(file_okay=False),
              help="With --ingested: folder of checkouts named <owner>__<name>/.")
@pass_app
def detect(app: App, path: str | None, as_json: bool, ingested: bool, clones: str | None) -> None:
    """Detect the deep-learning framework(s) of the repository at PATH, with evidence.

    Reads Python files and notebooks (imports, by context) and manifests (requirements,
    setup.py/cfg, pyproject.toml, environment.yml, Pipfile, Dockerfile); nothing is
    executed. The primary framework is the one the repo's own model code depends on,
    `none` when no deep-learning framework is used.

    \b
    Examples:
      mltrends detect path/to/clone
      mltrends detect path/to/clone --json
      mltrends detect --ingested --clones data/clones
    """
    if ingested == bool(path):
        raise click.UsageError("give a PATH to scan, or --ingested (not both)")
    if clones and not ingested:
        raise click.UsageError("--clones goes with --ingested")
    if ingested:
        with app.recorded("detect", {"clones": clones}, source="detect") as (con, run):
            run.add_all(detect_ingested(con, app.settings, clones_dir=clones))
        click.echo(f"repo_frameworks: {run.rows.get('repo_frameworks', 0)} rows")
        return
    result = detect_path(path)
    if as_json:
        click.echo(result.dumps())
    else:
        render(result, path)


COMMANDS: list[click.Command] = [detect]
