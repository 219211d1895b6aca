"""GitHub source: repositories, owners, manifests and star snapshots for paper repos and orgs.

`ingest()` is the step `mltrends refresh` calls. With a token (env GITHUB_TOKEN) repos are
fetched by batched GraphQL (`github_graphql`), otherwise over REST with ETags
(`github_rest`). Each batch is written in its own transaction, so a killed run resumes
with the repos it had not reached (they are still stale), and a run that hits
`max_requests` or a rate limit it may not wait for stops cleanly with what it loaded.

Settings (`[github]` in mltrends.toml, typed in sources/github/settings.py; defaults in
data/tracked_orgs.toml): `tracked_orgs` (list, or a table org -> company), `framework_repos`, `batch_size` (GraphQL repos per query),
`rest_batch` (repos per transaction over REST), `star_pages` (stargazer pages per repo).
"""

from __future__ import annotations

import time
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import requests

from mltrends import bundled, console, db, http
from mltrends.sources.github import graphql as github_graphql
from mltrends.sources.github import rest as github_rest
from mltrends.sources.github.client import BudgetStop, GitHubClient
from mltrends.sources.github.records import Fetched, parse_repo_ref, screen, valid_repo
from mltrends.sources.registry import Incomplete

if TYPE_CHECKING:
    from mltrends.config import Settings
    from mltrends.refresh import RefreshOptions

TABLES = ("github_repos", "github_owners", "github_manifests", "github_star_snapshots",
          "github_org_repos", "github_star_history")


@dataclass(frozen=True)
class GithubConfig:
    tracked_orgs: dict[str, str]
    framework_repos: tuple[str, ...]
    batch_size: int = 100
    rest_batch: int = 25
    star_pages: int = 30


def bundled_orgs() -> dict[str, Any]:
    """The tracked organisations and framework repos of the package's tracked_orgs.toml."""
    return tomllib.loads(bundled.path("data", "tracked_orgs.toml").read_text("utf-8"))


def github_config(settings: Settings) -> GithubConfig:
    """The `[github]` settings over the bundled tracked_orgs.toml."""
    sec = settings.github
    bundled = bundled_orgs()
    orgs = bundled["orgs"] if sec.tracked_orgs is None else sec.tracked_orgs
    if isinstance(orgs, list):
        orgs = {o: bundled["orgs"].get(o.lower(), o) for o in orgs}
    return GithubConfig(
        tracked_orgs={str(k).lower(): str(v) for k, v in orgs.items()},
        framework_repos=tuple(str(r).lower() for r in (sec.framework_repos or bundled["framework_repos"])),
        batch_size=sec.batch_size, rest_batch=sec.rest_batch, star_pages=sec.star_pages,
    )


class IngestResult(dict):
    """Rows written per table, plus how the run went (requests, repos left, why it stopped)."""

    def __init__(self) -> None:
        super().__init__(dict.fromkeys(TABLES, 0))
        self.requests = 0
        self.not_modified = 0
        self.remaining = 0
        self.stopped: str | None = None   # why it stopped at its request budget
        self.failed: list[tuple[str, str]] = []


# -- which repos ----------------------------------------------------------------------------
def read_repo_file(path: str | Path) -> tuple[list[str], list[tuple[int, str]]]:
    """Repos of a file (one owner/repo or URL per line; # comments); also the bad lines."""
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"repo list {file} does not exist")
    repos, bad = [], []
    for n, line in enumerate(file.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        repo = parse_repo_ref(text)
        if repo is None:
            bad.append((n, text))
        else:
            repos.append(repo)
    return repos, bad


def repos_from_papers(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Distinct GitHub repos linked from PwC and Hugging Face papers (other hosts left out)."""
    rows = con.execute(
        "select distinct repo from ("
        " select repo from pwc_paper_repos union all"
        " select github_repo from hf_papers where github_repo is not null"
        ") where len(string_split(repo, '/')) = 2 order by repo"
    ).fetchall()
    return [r[0] for r in rows]


def stale_repos(con: duckdb.DuckDBPyConnection, repos: Iterable[str], stale_days: float) -> list[str]:
    """The repos (order kept, duplicates dropped) not refreshed within stale_days."""
    wanted = list(dict.fromkeys(repos))
    cutoff = db.now_utc() - timedelta(days=stale_days)
    fresh = {r[0] for r in con.execute(
        "select repo from github_repos where _fetched_at >= ?", [cutoff]).fetchall()}
    return [r for r in wanted if r not in fresh]


# -- writing --------------------------------------------------------------------------------
def load_batch(con: duckdb.DuckDBPyConnection, batch: Fetched, run_id: str | None = None) -> dict[str, int]:
    """Write one fetched batch (repos, owners, manifests, today's snapshots, ETags) atomically."""
    counts = dict.fromkeys(("github_repos", "github_owners", "github_manifests", "github_star_snapshots"), 0)
    now = db.now_utc()
    screen(batch)
    with db.transaction(con):
        counts["github_repos"] = db.upsert_rows(con, "github_repos", batch.repos, ["repo"])
        counts["github_owners"] = db.upsert_rows(con, "github_owners", batch.owners, ["login"])
        if batch.manifests:
            con.execute("delete from github_manifests where list_contains(?, repo)", [list(batch.manifests)])
            rows = [row for repo_rows in batch.manifests.values() for row in repo_rows]
            counts["github_manifests"] = db.upsert_rows(con, "github_manifests", rows, ["repo", "path"])
        if batch.unchanged:
            con.execute("update github_repos set _fetched_at = ? where list_contains(?, repo)",
                        [now, batch.unchanged])
        touched = [r["repo"] for r in batch.repos] + batch.unchanged
        if touched:
            counts["github_star_snapshots"] = db.upsert_select(
                con, "github_star_snapshots",
                "select repo, ?::date as snapshot_date, stars, forks, ?::timestamp as _fetched_at "
                "from github_repos where list_contains(?, repo) and status <> 'not_found' "
                "and stars is not null", ["repo", "snapshot_date"], params=[now.date(), now, touched])
        for resource, etag in batch.etags.items():
            db.set_state(con, "github", resource, {"etag": etag})
        for repo, reason in batch.rejected:
            db.reject(con, "github", {"repo": repo}, reason, run_id)
    return counts


def _etag_lookup(con: duckdb.DuckDBPyConnection) -> Callable[[str], str | None]:
    rows = con.execute(
        "select s.resource, s.value->>'etag' from load_state s where s.source = 'github' "
        "and s.resource like 'etag:%' and (s.resource not like 'etag:repo:%' or exists ("
        " select 1 from github_repos r where r.status <> 'not_found'"
        " and r.repo = substr(s.resource, 11)))"
    ).fetchall()
    etags = dict(rows)
    return etags.get


def _owner_fresh(con: duckdb.DuckDBPyConnection, stale_days: float) -> Callable[[str], bool]:
    cutoff = db.now_utc() - timedelta(days=stale_days)
    fresh = {r[0] for r in con.execute(
        "select login from github_owners where _fetched_at >= ?", [cutoff]).fetchall()}
    return fresh.__contains__


# -- the steps ------------------------------------------------------------------------------
def _fetch_graphql(con: duckdb.DuckDBPyConnection, client: GitHubClient, todo: list[str],
                   cfg: GithubConfig, result: IngestResult, run_id: str | None) -> None:
    runner = github_graphql.BatchRunner(client, batch_size=cfg.batch_size)
    batches = runner.fetch(todo)
    with console.progress("GitHub repos (GraphQL)", total=len(todo), unit="repos") as meter:
        for part, fetched in batches:
            _add(result, load_batch(con, fetched, run_id))
            result.remaining -= len(part)
            meter.advance(len(part))
    for repo, reason in runner.failed:
        result.failed.append((repo, reason))
        result.remaining -= 1
        with db.transaction(con):
            db.reject(con, "github:graphql", {"repo": repo}, f"GitHub could not answer: {reason}", run_id)


def _fetch_rest(con: duckdb.DuckDBPyConnection, client: GitHubClient, todo: list[str],
                cfg: GithubConfig, stale_days: float, result: IngestResult, run_id: str | None) -> None:
    fetcher = github_rest.RestFetcher(client, _etag_lookup(con), _owner_fresh(con, stale_days))
    pending = Fetched()
    try:
        for repo in console.track(todo, total=len(todo), label="GitHub REST repos"):
            pending.extend(fetcher.fetch_repo(repo))
            if pending.size >= cfg.rest_batch:
                _add(result, load_batch(con, pending, run_id))
                result.remaining -= pending.size
                pending = Fetched()
    finally:
        if pending.size:
            _add(result, load_batch(con, pending, run_id))
            result.remaining -= pending.size


def sweep_orgs(con: duckdb.DuckDBPyConnection, client: GitHubClient, orgs: Sequence[str],
               cfg: GithubConfig, stale_days: float, result: IngestResult) -> list[str]:
    """List each organisation's public repos into github_org_repos; returns all their repos."""
    cutoff = (db.now_utc() - timedelta(days=stale_days)).isoformat()
    lister = github_graphql.list_org if client.token else github_rest.list_org
    for org in orgs:
        state = db.get_state(con, "github", f"org:{org}") or {}
        if state.get("listed_at", "") >= cutoff:
            continue
        company = cfg.tracked_orgs.get(org, org)
        try:
            for page in lister(client, org):
                now = db.now_utc()
                rows = [{"org": org, "repo": p["repo"], "company": company,
                         "created_year": p["created_at"].year if p["created_at"] else None,
                         "created_at": p["created_at"], "is_fork": p["is_fork"], "_fetched_at": now}
                        for p in page if valid_repo(p["repo"])]
                with db.transaction(con):
                    result["github_org_repos"] += db.upsert_rows(con, "github_org_repos", rows,
                                                                 ["org", "repo"])
        except http.NotFound as exc:
            console.info(f"GitHub organisation {org}: not found ({exc}); skipped")
            continue
        with db.transaction(con):
            db.set_state(con, "github", f"org:{org}", {"listed_at": db.now_utc().isoformat()})
    rows = con.execute("select repo from github_org_repos where list_contains(?, org) order by org, repo",
                       [list(orgs)]).fetchall()
    return [r[0] for r in rows]


def fetch_star_history(con: duckdb.DuckDBPyConnection, client: GitHubClient, repos: Sequence[str],
                       cfg: GithubConfig, stale_days: float, result: IngestResult) -> None:
    """Stargazer dates of the framework repos (pages sampled above the page budget or cap)."""
    cutoff = db.now_utc() - timedelta(days=stale_days)
    for repo in repos:
        known = con.execute(
            "select coalesce(moved_to, repo), stars from github_repos where repo = ? and status <> 'not_found'",
            [repo]).fetchall()
        done = con.execute("select count(*) from github_star_history where repo = ? and _fetched_at >= ?",
                           [repo, cutoff]).fetchall()[0][0]
        if not known or known[0][1] is None or done:
            continue
        rows = list(github_rest.fetch_stargazers(client, known[0][0], int(known[0][1]), cfg.star_pages))
        for row in rows:
            row["repo"] = repo
        with db.transaction(con):
            con.execute("delete from github_star_history where repo = ?", [repo])
            result["github_star_history"] += db.upsert_rows(con, "github_star_history", rows,
                                                            ["repo", "position"])


def _add(result: IngestResult, counts: dict[str, int]) -> None:
    for table, n in counts.items():
        result[table] = result.get(table, 0) + n


def resolve_orgs(orgs: Iterable[str] | str | None, cfg: GithubConfig) -> list[str]:
    """`None` -> none; 'tracked' (alone or in the list) -> the configured organisations."""
    if orgs is None:
        return []
    items = [orgs] if isinstance(orgs, str) else list(orgs)
    out: list[str] = []
    for item in items:
        for part in str(item).split(","):
            name = part.strip().lower()
            if name in {"tracked", "default"}:
                out += list(cfg.tracked_orgs)
            elif name:
                out.append(name)
    return list(dict.fromkeys(out))


def ingest(con: duckdb.DuckDBPyConnection, settings: Settings, repos: Iterable[str] | None = None,
           from_papers: bool = True, orgs: Iterable[str] | str | None = None,
           max_requests: int | None = None, stale_days: float = 7, star_history: bool = False,
           *, run_id: str | None = None, session: requests.Session | None = None,
           sleep: Callable[[float], None] = time.sleep) -> IngestResult:
    """Refresh GitHub data; returns rows written per table (an IngestResult).

    repos: explicit repo references (else the paper repos when from_papers); orgs: organisations
    to sweep ('tracked' = the configured ones); star_history: stargazer dates of the configured
    framework repos. Stops cleanly at max_requests (result.stopped says so); a rate limit it
    may not wait for raises registry.Incomplete with the rows it kept.
    """
    cfg = github_config(settings)
    client = GitHubClient(settings, session=session, max_requests=max_requests, sleep=sleep)
    result = IngestResult()
    targets: list[str] = []
    if repos is not None:
        for ref in repos:
            repo = parse_repo_ref(ref)
            if repo is None:
                with db.transaction(con):
                    db.reject(con, "github", {"repo": ref}, "not a GitHub owner/repo reference", run_id)
            else:
                targets.append(repo)
    elif from_papers:
        targets += [r for r in repos_from_papers(con) if valid_repo(r)]
    org_list = resolve_orgs(orgs, cfg)
    framework = list(cfg.framework_repos) if star_history else []
    try:
        if org_list:
            targets += sweep_orgs(con, client, org_list, cfg, stale_days, result)
        todo = stale_repos(con, targets + framework, stale_days)
        result.remaining = len(todo)
        mode = "GraphQL" if client.token else "REST (no GITHUB_TOKEN: 60 requests/hour on github.com)"
        console.info(f"GitHub: {len(todo)} of {len(set(targets + framework))} repos to refresh via {mode}")
        if todo and client.token:
            _fetch_graphql(con, client, todo, cfg, result, run_id)
        elif todo:
            _fetch_rest(con, client, todo, cfg, stale_days, result, run_id)
        if framework:
            fetch_star_history(con, client, framework, cfg, stale_days, result)
    except BudgetStop as exc:
        result.requests, result.not_modified = client.requests, client.not_modified
        if exc.kind != "max_requests":
            raise Incomplete(f"GitHub: {exc}; {result.remaining} repos left for the next run",
                             result) from None
        result.stopped = str(exc)
        console.info(f"GitHub: {exc}; {result.remaining} repos left for the next run")
    result.requests = client.requests
    result.not_modified = client.not_modified
    return result


def refresh_step(con: duckdb.DuckDBPyConnection, settings: Settings, opts: RefreshOptions,
                 run_id: str | None) -> dict[str, int]:
    """The papers' repos and the tracked organisations (they feed the company claims)."""
    result = ingest(con, settings, from_papers=True, orgs="tracked",
                    max_requests=opts.budgets.get("github"), run_id=run_id)
    if result.stopped:
        console.info(f"github: stopped at the request budget; {result.remaining} repos left "
                     "for the next refresh")
    return dict(result)
