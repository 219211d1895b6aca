"""`mltrends ingest hub-models`: models published on the Hugging Face Hub."""

from __future__ import annotations

from datetime import date

import click

from mltrends.commands import App, day_option, pass_app, print_counts
from mltrends.sources.registry import Incomplete


@click.command("hub-models")
@click.option("--since", callback=day_option, metavar="YYYY-MM-DD",
              help="First run only: fetch models created since this day [default: one year ago]. "
                   "Later runs stop at the newest model of the last complete sweep.")
@click.option("--max-requests", type=click.IntRange(min=1), metavar="N",
              help="Send at most N requests, then stop cleanly (the next run continues).")
@pass_app
def ingest_hub_models(app: App, since: date | None, max_requests: int | None) -> None:
    """Fetch Hugging Face Hub models, newest first, into hub_models.

    Keeps each model's owner, createdAt, lastModified, library, pipeline tag, tags
    (framework and format tags, arxiv: links), and today's downloads and likes as a
    dated snapshot (hub_model_snapshots). The Hub is the `hub_url` setting, else
    HF_ENDPOINT; HF_TOKEN raises the Hub's rate limit.

    Exit codes: 0 done (or stopped at --max-requests), 2 error, 3 stopped by the Hub's
    rate limit (what was fetched is kept; rerun after the reset).

    Example: mltrends ingest hub-models --since 2026-01-01 --max-requests 50
    """
    from mltrends.sources import hub_models

    args = {"since": since, "max_requests": max_requests}
    with app.recorded("ingest hub-models", args, source="hub") as (con, run):
        try:
            result = hub_models.ingest(con, app.settings, since=since, max_requests=max_requests,
                                       run_id=run.run_id)
        except Incomplete as exc:  # a rate limit: what was fetched is kept (exit 3)
            run.add_all(exc.rows)
            raise
        run.add_all(result)
        run.notes.append(f"hub models: {result.pages} pages, {result.requests} requests")
        if result.stopped:
            run.notes.append(f"stopped: {result.stopped}")
    if not app.quiet:
        print_counts(result)
        click.echo(f"requests: {result.requests}")
        if result.stopped:
            click.echo(f"stopped: {result.stopped}")


INGEST_COMMANDS: list[click.Command] = [ingest_hub_models]
