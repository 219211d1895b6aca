"""`mltrends ingest github`: repositories, owners, manifests and star snapshots from GitHub."""

from __future__ import annotations

import click

from mltrends import console, db
from mltrends.commands import App, pass_app
from mltrends.sources import github
from mltrends.sources.registry import Incomplete


class RepoListError(Exception):
    user_facing = True


@click.command("github")
@click.option("--repos", "repos_file", metavar="FILE", type=click.Path(dir_okay=False),
              help="Refresh the repos listed in FILE (one owner/repo or GitHub URL per line).")
@click.option("--from-papers", is_flag=True,
              help="Refresh the GitHub repos linked from the ingested papers (the default).")
@click.option("--orgs", metavar="ORG,...",
              help="Also list every public repo of these organisations ('tracked' = the configured ones).")
@click.option("--max-requests", type=click.IntRange(min=1), metavar="N",
              help="Send at most N requests, then stop cleanly (rerun to continue).")
@click.option("--stale-days", type=click.FloatRange(min=0), default=7.0, show_default=True, metavar="D",
              help="Skip repos refreshed within the last D days (0 = refresh all).")
@click.option("--star-history", is_flag=True,
              help="Fetch stargazer dates of the configured framework repos (sampled above the page cap).")
@pass_app
def github_cmd(app: App, repos_file: str | None, from_papers: bool, orgs: str | None,
               max_requests: int | None, stale_days: float, star_history: bool) -> None:
    """Fetch GitHub repos, owners, manifests and today's star counts.

    Uses batched GraphQL when GITHUB_TOKEN is set (100 repos per request), else REST
    with ETags (an unchanged repo costs no rate limit). Each batch is committed on its
    own: an interrupted run resumes with the repos it had not reached.

    Exit codes: 0 done (or stopped at --max-requests), 2 error, 3 stopped by GitHub's
    rate limit with repos left (what was fetched is kept; rerun after the reset).
    """
    if repos_file and from_papers:
        raise click.UsageError("use either --repos FILE or --from-papers, not both")
    repos = None
    bad: list[tuple[int, str]] = []
    if repos_file:
        repos, bad = github.read_repo_file(repos_file)
        if not repos:
            detail = f" (line {bad[0][0]}: {bad[0][1]!r} is not owner/repo or a GitHub URL)" if bad else ""
            raise RepoListError(f"{repos_file}: no GitHub repository in it{detail}")
    args = {"repos": repos_file, "orgs": orgs, "max_requests": max_requests, "stale_days": stale_days,
            "star_history": star_history}
    with app.recorded("ingest github", args, source="github") as (con, run):
        for line, text in bad:
            console.info(f"{repos_file}:{line}: {text!r} is not a GitHub repository; skipped")
            with db.transaction(con):
                db.reject(con, "github:repo-list", {"file": repos_file, "line": line, "text": text},
                          "not owner/repo or a GitHub URL", run.run_id)
        try:
            result = github.ingest(con, app.settings, repos=repos, from_papers=repos is None,
                                   orgs=orgs, max_requests=max_requests, stale_days=stale_days,
                                   star_history=star_history, run_id=run.run_id)
        except Incomplete as exc:  # a rate limit: what was fetched is kept (exit 3)
            run.add_all(exc.rows)
            raise
        for table, n in result.items():
            run.add(table, n)
        summary = (f"github: {result['github_repos']} repos, {result['github_owners']} owners, "
                   f"{result['github_manifests']} manifests, {result['github_star_snapshots']} snapshots, "
                   f"{result['github_org_repos']} org repos, {result['github_star_history']} stars dated; "
                   f"{result.requests} requests ({result.not_modified} unchanged, 304)")
        run.notes.append(summary)
        if result.failed:
            run.notes.append(f"{len(result.failed)} repos GitHub could not answer (see rejected_records)")
        if result.stopped:
            run.notes.append(f"stopped: {result.stopped}; {result.remaining} repos left")
    if not app.quiet:
        click.echo(summary)
        if result.stopped:
            click.echo(f"stopped: {result.stopped}; {result.remaining} repos left for the next run")


INGEST_COMMANDS: list[click.Command] = [github_cmd]
