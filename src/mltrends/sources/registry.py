"""The sources: one contract each, one line per source in SOURCES.

Everything that lists sources derives from SOURCES: `refresh` (its steps and rerun
hints), `status`, the `ingest` command group, the report's coverage section, the demo
server's settings and the test kit's fault matrix. A source's name is the one word used
in `runs.source`, `load_state.source` and `rejected_records.source`; each `_source` value
a source writes (its channels) is declared here too.

Adding a source: one package under `mltrends/sources/`, one schema file, one staging
view, its recordings, and one `Source(...)` line below (docs/DEVELOPING.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb

from mltrends import console, db
from mltrends.http import SourceError

if TYPE_CHECKING:
    from mltrends.config import Settings
    from mltrends.refresh import RefreshOptions

StepFn = Callable[[duckdb.DuckDBPyConnection, "Settings", "RefreshOptions", "str | None"], dict[str, int]]


class Incomplete(SourceError):
    """A source kept what it fetched but could not finish: `rows` says what it wrote.

    The one way any source reports "incomplete": a rerun continues where it stopped.
    """

    def __init__(self, message: str, rows: Mapping[str, int]) -> None:
        super().__init__(message)
        self.rows = dict(rows)


@dataclass(frozen=True)
class Source:
    name: str                      # runs.source, load_state.source, rejected_records.source
    title: str
    tables: tuple[str, ...]        # the raw tables it writes
    channels: tuple[str, ...]      # the `_source` values of its rows
    settings: str                  # its area of the settings (mltrends.toml table, env MLTRENDS_<AREA>__*)
    urls: Mapping[str, str]        # base-URL setting -> path under a local replay server
    step: StepFn                   # what `refresh` runs
    rerun: str                     # what to run when the step failed
    commands: str                  # module under mltrends.commands with its INGEST_COMMANDS
    needs: tuple[str, ...] = field(default=())


# -- steps -----------------------------------------------------------------------------------
def _pwc(con: duckdb.DuckDBPyConnection, settings: Settings, opts: RefreshOptions,
         run_id: str | None) -> dict[str, int]:
    from mltrends.sources import pwc, pwc_api

    rows: dict[str, int] = {}
    if opts.dumps is not False:   # ingest_dump skips a dump unchanged upstream unless forced
        links = opts.links or settings.pwc_links_url
        papers = opts.papers or settings.pwc_papers_url
        rows.update(pwc.ingest_dump(con, settings, links=links, papers=papers, run_id=run_id,
                                    force=bool(opts.dumps)))
        db.set_state(con, "pwc", "dumps-loaded", {"links": links, "papers": papers,
                                                   "loaded_on": opts.today.isoformat()})
    since = opts.since or db.series_break(con, "pwc_archive")
    for table, n in pwc_api.ingest_api(con, settings, since=since, run_id=run_id).items():
        rows[table] = rows.get(table, 0) + n
    return rows


def _hf(con: duckdb.DuckDBPyConnection, settings: Settings, opts: RefreshOptions,
        run_id: str | None) -> dict[str, int]:
    from mltrends.sources import hfpapers

    since = opts.since or hfpapers.resume_day(con)
    return hfpapers.ingest(con, settings, since=since, until=opts.today, run_id=run_id)


def _github(con: duckdb.DuckDBPyConnection, settings: Settings, opts: RefreshOptions,
            run_id: str | None) -> dict[str, int]:
    from mltrends.sources import github

    # the tracked organisations feed the company claims
    result = github.ingest(con, settings, from_papers=True, orgs="tracked",
                           max_requests=opts.budget_github, run_id=run_id)
    if result.stop_kind == "max_requests":
        console.info(f"github: stopped at the request budget; {result.remaining} repos left "
                     "for the next refresh")
    elif result.stop_kind:
        raise Incomplete(f"github stopped early ({result.stopped}); rerun after the reset", result)
    return dict(result)


def _pypi(con: duckdb.DuckDBPyConnection, settings: Settings, opts: RefreshOptions,
          run_id: str | None) -> dict[str, int]:
    from mltrends.sources import pypi

    return pypi.ingest(con, settings, run_id=run_id)


def _hub(con: duckdb.DuckDBPyConnection, settings: Settings, opts: RefreshOptions,
         run_id: str | None) -> dict[str, int]:
    from mltrends.sources import hub_models

    budget = opts.budget_hub or settings.hub.max_requests
    # --since is about papers: the Hub's first sweep starts at [hub] since (default: a year ago)
    result = hub_models.ingest(con, settings, max_requests=budget, run_id=run_id, today=opts.today)
    if result.stop_kind == "max_requests":
        console.info("hub: stopped at the request budget; the next refresh continues from the cursor")
    elif result.stop_kind:
        raise Incomplete(f"hub stopped early ({result.stopped}); rerun after the reset", result)
    return dict(result)


# -- the registry ----------------------------------------------------------------------------
SOURCES: tuple[Source, ...] = (
    Source("pwc", "Papers with Code (archive dumps, catalogue API)",
           ("pwc_papers", "pwc_paper_repos"), ("pwc-dump", "pwc-api", "pwc-v1"), "pwc",
           {"pwc_api_url": "pwc-api/api/v1", "pwc_v1_url": "pwc-v1/api/v1"}, _pwc,
           "mltrends ingest pwc-api --since DATE (or ingest pwc-dump)", "ingest_pwc"),
    Source("hf", "Hugging Face daily papers", ("hf_papers",), ("hf-papers",), "hf",
           {"hf_api_url": "hf/api"}, _hf, "mltrends ingest hf-papers --since DATE", "ingest_hf"),
    Source("github", "GitHub repositories, owners, manifests, stars",
           ("github_repos", "github_owners", "github_manifests", "github_star_snapshots",
            "github_org_repos", "github_star_history"),
           ("github-graphql", "github-rest"), "github",
           {"github_api_url": "github-api", "github_graphql_url": "github-graphql/graphql"},
           _github, "mltrends ingest github --from-papers", "ingest_github"),
    Source("pypi", "PyPI downloads, versions, dependents",
           ("pypi_downloads", "pypi_versions", "pypi_dependents", "pypi_packages"),
           ("pypistats", "depsdev", "bigquery"), "pypi",
           {"pypistats_url": "pypistats/api", "depsdev_url": "depsdev"}, _pypi,
           "mltrends ingest pypi", "ingest_pypi"),
    Source("hub", "Hugging Face Hub models (framework and format tags, owners, arXiv links)",
           ("hub_models", "hub_model_snapshots", "hub_owners"), ("hub-api", "hub-settings"), "hub",
           {"hub_url": "hub"}, _hub, "mltrends ingest hub-models", "ingest_hub"),
)


def names() -> tuple[str, ...]:
    return tuple(s.name for s in SOURCES)


def get(name: str) -> Source:
    for source in SOURCES:
        if source.name == name:
            return source
    raise KeyError(f"unknown source {name!r}; choose from {', '.join(names())}")


def local_urls(server_url: str) -> dict[str, str]:
    """Every source's base-URL settings pointed at one local server (demo, tests)."""
    return {key: f"{server_url}/{path}" for s in SOURCES for key, path in s.urls.items()}


def describe() -> list[dict[str, Any]]:
    """The registry as plain data (for docs and `status --json`)."""
    return [{"name": s.name, "title": s.title, "tables": list(s.tables), "channels": list(s.channels),
             "settings": s.settings, "rerun": s.rerun} for s in SOURCES]
