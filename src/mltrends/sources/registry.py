"""The sources: one contract each, one line per source in SOURCES.

Everything that lists sources derives from SOURCES: the settings (each source's base URLs
and its options area), `refresh` (its steps and rerun hints), `status`, the `ingest`
command group, the report's coverage section, the demo server's settings and the test
kit's fault matrix. A source's name is the one word used in `runs.source`,
`load_state.source`, `rejected_records.source` and its settings area; each `_source`
value a source writes (its channels) is declared here too.

A source is a package under `mltrends/sources/` (the dlt verified-sources layout):
`fetch_*` generators yield records, `load_*` writes them, and the package gives
`refresh_step(con, settings, opts, run_id) -> rows per table` (raising `Incomplete` when
it kept a part), `commands.INGEST_COMMANDS` (its `mltrends ingest` commands) and, when it
has options, `settings.<Name>Settings` (an `Area`). Adding a source: that package, one
schema file, one staging view, its recordings, and one `Source(...)` line below
(docs/DEVELOPING.md).

This module imports nothing of mltrends but the error type, so that the settings can be
built from it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mltrends import errors
from mltrends.http import SourceError

if TYPE_CHECKING:
    import duckdb

    from mltrends.config import Area, Settings
    from mltrends.refresh import RefreshOptions

StepFn = Callable[["duckdb.DuckDBPyConnection", "Settings", "RefreshOptions", "str | None"],
                  dict[str, int]]


class Incomplete(SourceError):
    """A source kept what it fetched but could not finish: `rows` says what it wrote.

    The one way any source reports "incomplete" (a rate limit it may not wait for, a part
    the service refused): a rerun continues where it stopped. The CLI exits with
    errors.STOPPED; the write path publishes the rows; refresh records the step failed
    with them.
    """

    exit_code = errors.STOPPED

    def __init__(self, message: str, rows: Mapping[str, int]) -> None:
        super().__init__(message)
        self.rows = dict(rows)


@dataclass(frozen=True)
class Endpoint:
    """One base URL of a source: a top-level setting (env MLTRENDS_<SETTING>)."""

    setting: str           # e.g. "pypistats_url"
    default: str | None    # the real service (None: resolved at run time, e.g. HF_ENDPOINT)
    local: str             # its path under one local replay server (demo, tests)


@dataclass(frozen=True)
class Source:
    name: str                        # runs/load_state/rejected_records.source, settings area
    title: str
    tables: tuple[str, ...]          # the raw tables it writes
    channels: tuple[str, ...]        # the `_source` values of its rows
    endpoints: tuple[Endpoint, ...]  # its base-URL settings
    package: str                     # e.g. "mltrends.sources.pypi"
    rerun: str                       # what to run when its refresh step failed
    options: bool = False            # its package has settings.<Name>Settings (area `name`)
    needs: tuple[str, ...] = ()      # steps that must have run before it

    @property
    def urls(self) -> dict[str, str]:
        """Base-URL setting -> path under a local replay server."""
        return {e.setting: e.local for e in self.endpoints}

    @property
    def settings_area(self) -> type[Area] | None:
        """The typed options of this source (`settings.<name>`), or None when it has none."""
        if not self.options:
            return None
        module = importlib.import_module(f"{self.package}.settings")
        return getattr(module, f"{self.name.capitalize()}Settings")

    def step(self, con: duckdb.DuckDBPyConnection, settings: Settings, opts: RefreshOptions,
             run_id: str | None) -> dict[str, int]:
        """What `refresh` runs: the package's refresh_step."""
        return importlib.import_module(self.package).refresh_step(con, settings, opts, run_id)

    @property
    def ingest_commands(self) -> list[Any]:
        """Its `mltrends ingest` commands (click commands in `<package>.commands`)."""
        return list(importlib.import_module(f"{self.package}.commands").INGEST_COMMANDS)


# -- the registry ----------------------------------------------------------------------------
SOURCES: tuple[Source, ...] = (
    Source("pwc", "Papers with Code (archive dumps, catalogue API)",
           ("pwc_papers", "pwc_paper_repos"), ("pwc-dump", "pwc-api", "pwc-v1"),
           (Endpoint("pwc_api_url", "https://paperswithcode.co/api/v1", "pwc-api/api/v1"),
            Endpoint("pwc_v1_url", "https://paperswithcode.com/api/v1", "pwc-v1/api/v1")),
           "mltrends.sources.pwc", "mltrends ingest pwc-api --since DATE (or ingest pwc-dump)",
           options=True),
    Source("hf", "Hugging Face daily papers", ("hf_papers",), ("hf-papers",),
           (Endpoint("hf_api_url", "https://huggingface.co/api", "hf/api"),),
           "mltrends.sources.hfpapers", "mltrends ingest hf-papers --since DATE"),
    Source("github", "GitHub repositories, owners, manifests, stars",
           ("github_repos", "github_owners", "github_manifests", "github_star_snapshots",
            "github_org_repos", "github_star_history"),
           ("github-graphql", "github-rest"),
           (Endpoint("github_api_url", "https://api.github.com", "github-api"),
            Endpoint("github_graphql_url", "https://api.github.com/graphql", "github-graphql/graphql")),
           "mltrends.sources.github", "mltrends ingest github --from-papers", options=True),
    Source("pypi", "PyPI downloads, versions, dependents",
           ("pypi_downloads", "pypi_versions", "pypi_dependents", "pypi_packages"),
           ("pypistats", "depsdev", "bigquery"),
           (Endpoint("pypistats_url", "https://pypistats.org/api", "pypistats/api"),
            Endpoint("depsdev_url", "https://api.deps.dev", "depsdev")),
           "mltrends.sources.pypi", "mltrends ingest pypi", options=True),
    Source("hub", "Hugging Face Hub models (framework and format tags, owners, arXiv links)",
           ("hub_models", "hub_model_snapshots", "hub_owners"), ("hub-api", "hub-settings"),
           (Endpoint("hub_url", None, "hub"),),
           "mltrends.sources.hub_models", "mltrends ingest hub-models", options=True),
)


def names() -> tuple[str, ...]:
    return tuple(s.name for s in SOURCES)


def get(name: str) -> Source:
    for source in SOURCES:
        if source.name == name:
            return source
    raise KeyError(f"unknown source {name!r}; choose from {', '.join(names())}")


def endpoint_default(setting: str) -> str | None:
    """The real service's URL of a base-URL setting."""
    return next(e.default for s in SOURCES for e in s.endpoints if e.setting == setting)


def local_urls(server_url: str) -> dict[str, str]:
    """Every source's base-URL settings pointed at one local server (demo, tests)."""
    return {key: f"{server_url}/{path}" for s in SOURCES for key, path in s.urls.items()}


def describe() -> list[dict[str, Any]]:
    """The registry as plain data (for docs and `status --json`)."""
    return [{"name": s.name, "title": s.title, "tables": list(s.tables), "channels": list(s.channels),
             "settings": s.name if s.options else None, "rerun": s.rerun} for s in SOURCES]
