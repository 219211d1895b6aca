"""`mltrends ingest hf-papers`: Hugging Face daily papers."""

from __future__ import annotations

from datetime import date

import click

from mltrends.commands import App, day_option, pass_app, print_counts


@click.command("hf-papers")
@click.option("--since", required=True, callback=day_option, metavar="YYYY-MM-DD",
              help="First day of daily papers to fetch.")
@click.option("--until", callback=day_option, metavar="YYYY-MM-DD", help="Last day [default: today].")
@pass_app
def ingest_hf_papers(app: App, since: date, until: date | None) -> None:
    """Fetch Hugging Face daily papers day by day into hf_papers.

    Keeps each paper's GitHub repo (as the canonical owner/repo key), its stars, the
    organisation, upvotes and AI keywords. Days already loaded are skipped.

    Example: mltrends ingest hf-papers --since 2026-03-02 --until 2026-03-08
    """
    from mltrends.sources import hfpapers

    if until and until < since:
        raise click.UsageError(f"--until {until} is before --since {since}")
    with app.recorded("ingest hf-papers", {"since": since, "until": until}, source="hf") as (con, run):
        counts = hfpapers.ingest(con, app.settings, since=since, until=until, run_id=run.run_id)
        run.add_all(counts)
    print_counts(counts)


INGEST_COMMANDS: list[click.Command] = [ingest_hf_papers]
