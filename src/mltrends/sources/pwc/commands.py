"""`mltrends ingest pwc-dump` and `mltrends ingest pwc-api`: Papers with Code."""

from __future__ import annotations

from datetime import date

import click

from mltrends import console
from mltrends.commands import App, day_option, pass_app, print_counts


@click.command("pwc-dump")
@click.option("--links", metavar="SRC", help="Links dump: a Hub dataset (hf://datasets/ORG/NAME[/GLOB]), "
              "a URL, a path, a glob, or a comma-separated list of shards (.parquet, .json.gz, .json) "
              "[default: setting pwc_links_url].")
@click.option("--papers", metavar="SRC", help="Papers dump, as --links [default: setting pwc_papers_url].")
@click.option("--force", is_flag=True, help="Load even a dump unchanged since its last load.")
@click.option("--abstracts/--no-abstracts", default=None,
              help="Store the papers' abstracts too (about 10x the database size and 2.5x the load "
                   "time) [default: [pwc] abstracts of mltrends.toml, else no].")
@pass_app
def ingest_pwc_dump(app: App, links: str | None, papers: str | None, abstracts: bool | None,
                    force: bool) -> None:
    """Load the Papers-with-Code archive dumps into pwc_papers and pwc_paper_repos.

    Give --links, --papers or both; with neither, both come from the settings (the
    archive's Parquet datasets on the Hugging Face Hub). One transaction: a broken file
    changes nothing. Records without a key are kept in rejected_records. A dump unchanged
    upstream since its last load is neither downloaded nor loaded again.

    Example: mltrends ingest pwc-dump --links dumps/links.json.gz --papers dumps/papers.json.gz
    """
    from mltrends.sources import pwc

    if not links and not papers:
        links, papers = app.settings.pwc_links_url, app.settings.pwc_papers_url
    with app.recorded("ingest pwc-dump", {"links": links, "papers": papers}, source="pwc") as (con, run):
        counts = pwc.ingest_dump(con, app.settings, links=links, papers=papers, run_id=run.run_id,
                                 abstracts=abstracts, force=force)
        run.add_all(counts)
    print_counts(counts)


@click.command("pwc-api")
@click.option("--since", required=True, callback=day_option, metavar="YYYY-MM-DD",
              help="First publication date to fetch.")
@click.option("--until", callback=day_option, metavar="YYYY-MM-DD", help="Last date [default: today].")
@pass_app
def ingest_pwc_api(app: App, since: date, until: date | None) -> None:
    """Fetch papers (with repositories and organisations) from the Papers-with-Code catalogue API.

    Date windows split themselves until each fits the API's 100 pages of 100; windows
    already loaded are not fetched again (cursor in load_state).

    Example: mltrends ingest pwc-api --since 2025-07-01
    """
    from mltrends.sources.pwc import api as pwc_api

    if until and until < since:
        raise click.UsageError(f"--until {until} is before --since {since}")
    with app.recorded("ingest pwc-api", {"since": since, "until": until}, source="pwc") as (con, run):
        counts = pwc_api.ingest_api(con, app.settings, since=since, until=until, run_id=run.run_id)
        run.add_all(counts)
    console.info(f"pwc-api: {counts.get('windows', 0)} date windows fetched")
    print_counts(counts)


INGEST_COMMANDS: list[click.Command] = [ingest_pwc_dump, ingest_pwc_api]
