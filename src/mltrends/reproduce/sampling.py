"""Which repositories to run: a stratified sample, an explicit list, or local directories.

When the headline research population is built (mart research_papers), the sample is drawn
from the population the label correction corrects: official implementations of papers of
the last 8 complete quarters, stratified by their detected framework, each stratum given up
to the correction's minimum of validated repos first and the rest proportionally (the
correction weights each stratum by its size, so the floor does not bias it). Otherwise the
sample is stratified by claimed framework (the PwC label) and publication year,
allocated proportionally (largest remainder), official implementations first within a
stratum, then a seeded shuffle: the same seed gives the same sample.
"""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from mltrends import db
from mltrends.estimators import windows
from mltrends.normalize import canonical_framework, canonical_repo
from mltrends.reproduce.pipeline import Job
from mltrends.reproduce.workspace import valid_commit

# From this run's staging views, never the previous run's marts (which would feed one
# refresh's output into the next one's sample).
CANDIDATES = """
    select l.repo, l.paper_id, coalesce(l.is_official, false) as is_official,
           l.pwc_framework as claimed, p.year
    from stg_paper_links l left join stg_papers p using (paper_id)
    where l.repo is not null
"""


class RepoListError(ValueError):
    user_facing = True


GITHUB_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}")
FORGE_KEY = re.compile(r"[a-z0-9][a-z0-9.-]{0,252}(/[A-Za-z0-9._-]{1,100}){2,4}")
LOCAL_KEY = re.compile(r"(file:|/)[^\x00-\x1f\x7f]{1,1000}")


def valid_key(key: str) -> bool:
    """GitHub's owner/name alphabet and lengths; host/owner/name for other forges; a local
    path or file: URL (the key of a local repository) without control characters."""
    return bool(GITHUB_KEY.fullmatch(key) or FORGE_KEY.fullmatch(key) or LOCAL_KEY.fullmatch(key))


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    rows = con.execute("select count(*) from information_schema.tables where table_name = ? "
                       "and table_schema = current_schema()", [name]).fetchall()
    return rows[0][0] > 0


def candidates(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """One row per repo (its official link preferred), from the staging views."""
    from mltrends import models

    models.create_views(con)
    rows = con.execute(
        f"select repo, paper_id, is_official, claimed, year from ({CANDIDATES}) "
        "qualify row_number() over (partition by repo order by is_official desc, paper_id) = 1 "
        "order by repo").fetchall()
    return [{"repo": r[0], "paper_id": r[1], "is_official": bool(r[2]),
             "claimed": canonical_framework(r[3]) if r[3] is not None else "none",
             "year": r[4]} for r in rows]


def allocate(sizes: dict[Any, int], n: int) -> dict[Any, int]:
    """Proportional allocation of n over strata (largest remainder, ties by key)."""
    total = sum(sizes.values())
    if total == 0 or n <= 0:
        return dict.fromkeys(sizes, 0)
    n = min(n, total)
    exact = {k: n * v / total for k, v in sizes.items()}
    alloc = {k: min(sizes[k], int(x)) for k, x in exact.items()}
    order = sorted(sizes, key=lambda k: (-(exact[k] - int(exact[k])), str(k)))
    while sum(alloc.values()) < n:
        for k in order:
            if sum(alloc.values()) >= n:
                break
            if alloc[k] < sizes[k]:
                alloc[k] += 1
    return alloc


def allocate_with_floor(sizes: dict[Any, int], n: int, floor: int) -> dict[Any, int]:
    """Up to `floor` per stratum first (as n allows, largest strata first), the rest
    proportionally to what remains."""
    alloc = dict.fromkeys(sizes, 0)
    left = min(n, sum(sizes.values()))
    for k in sorted(sizes, key=lambda k: (-sizes[k], str(k))):
        take = min(floor, sizes[k], left)
        alloc[k] += take
        left -= take
    extra = allocate({k: sizes[k] - alloc[k] for k in sizes}, left)
    return {k: alloc[k] + extra[k] for k in sizes}


def population_candidates(con: duckdb.DuckDBPyConnection, as_of: date | None = None) -> list[dict[str, Any]]:
    """Official repos of the headline population's recent quarters, with their detected framework."""
    from mltrends.label_correction import WINDOW_QUARTERS
    if not _has_table(con, "research_papers"):
        return []
    quarters = windows.complete_quarters(as_of or date.today(), WINDOW_QUARTERS)
    rows = con.execute(
        "select official_repo, any_value(paper_id), any_value(official_framework) from research_papers "
        "where has_official and official_repo is not null and quarter in (select unnest(?::varchar[])) "
        "group by official_repo order by official_repo", [quarters]).fetchall()
    return [{"repo": r[0], "paper_id": r[1], "claimed": r[2]} for r in rows]


def sample(con: duckdb.DuckDBPyConnection, n: int, seed: int, git_base_url: str,
           as_of: date | None = None) -> list[Job]:
    """A stratified sample of n repos, reproducible per seed (see the module docstring)."""
    from mltrends.label_correction import MIN_VALIDATED
    population = population_candidates(con, as_of)
    if population:
        by_framework: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in population:
            by_framework[row["claimed"]].append(row)
        alloc = allocate_with_floor({k: len(v) for k, v in by_framework.items()}, n, MIN_VALIDATED)
        rng = random.Random(seed)
        picked: list[dict[str, Any]] = []
        for key in sorted(by_framework):
            rows = list(by_framework[key])
            rng.shuffle(rows)
            picked.extend(rows[:alloc[key]])
        base = git_base_url.rstrip("/")
        return [Job(repo=r["repo"], url=repo_url(base, r["repo"]), claimed_framework=r["claimed"],
                    paper_id=r["paper_id"]) for r in picked]
    strata: dict[tuple[str, Any], list[dict[str, Any]]] = defaultdict(list)
    for row in candidates(con):
        strata[(row["claimed"], row["year"])].append(row)
    alloc = allocate({k: len(v) for k, v in strata.items()}, n)
    rng = random.Random(seed)
    chosen: list[dict[str, Any]] = []
    for key in sorted(strata, key=lambda k: (k[0], k[1] if k[1] is not None else -1)):
        rows = sorted(strata[key], key=lambda r: r["repo"])
        rng.shuffle(rows)
        rows.sort(key=lambda r: not r["is_official"])  # stable: official first, shuffled within
        chosen.extend(rows[:alloc[key]])
    base = git_base_url.rstrip("/")
    return [Job(repo=r["repo"], url=repo_url(base, r["repo"]), claimed_framework=r["claimed"],
                paper_id=r["paper_id"]) for r in chosen]


def repo_url(base: str, repo: str) -> str:
    """`owner/name` -> `<git base>/owner/name`; repos on other hosts keep their host."""
    if repo.count("/") >= 2:
        return f"https://{repo}"
    return f"{base}/{repo}"


def repo_key(url: str) -> str:
    """The canonical `owner/name` for a forge URL; a local (file://, path) URL is its own key."""
    if url.startswith(("file:", "/", ".")):
        return url
    return canonical_repo(url) or url


def claims_for(con: duckdb.DuckDBPyConnection, repos: list[str]) -> dict[str, str]:
    found = {r["repo"]: r for r in candidates(con) if r["repo"] in set(repos)}
    return {k: v["claimed"] for k, v in found.items()}


def from_file(con: duckdb.DuckDBPyConnection, path: str | Path, run_id: str | None = None) -> list[Job]:
    """JSON lines: {"url": ..., "claimed_framework"?, "command"?, "commit"?, "repo"?}.

    A line that cannot be used is kept in rejected_records with the reason; a file with
    no usable line is an error.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"repos file {path} does not exist")
    jobs: list[Job] = []
    rejected = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("url"), str) or not item["url"]:
                raise ValueError("each line needs a JSON object with a 'url' string")
            command = item.get("command")
            if command is not None and not isinstance(command, (str, list)):
                raise ValueError("'command' must be a string or a list of strings")
            commit = item.get("commit")
            if commit is not None and not (isinstance(commit, str) and valid_commit(commit)):
                raise ValueError("'commit' must be a hex git object id")
            key = item.get("repo") or repo_key(item["url"])
            if not isinstance(key, str) or not valid_key(key):
                raise ValueError(f"repository key {str(key)[:80]!r} is not owner/name "
                                 "(GitHub's letters, digits, '-', '.', '_')")
        except ValueError as exc:
            db.reject(con, "reproduce:repos-file", line, f"{path}:{number}: {exc}", run_id)
            rejected += 1
            continue
        url = item["url"]
        claimed = item.get("claimed_framework")
        jobs.append(Job(
            repo=key,
            url=url, claimed_framework=canonical_framework(claimed) if claimed else None,
            command=tuple(command) if isinstance(command, list) else command,
            commit=item.get("commit"), paper_id=item.get("paper_id")))
    if not jobs:
        raise RepoListError(f"{path}: no usable repository line ({rejected} refused; "
                            "see rejected_records)")
    return jobs


def from_directory(con: duckdb.DuckDBPyConnection, directory: str | Path) -> list[Job]:
    """Local repositories named `<owner>__<name>/`; claims come from the PwC data if any."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"repos directory {directory} does not exist")
    dirs = sorted(p for p in directory.iterdir() if p.is_dir() and "__" in p.name)
    repos = {p: p.name.replace("__", "/", 1).lower() for p in dirs}
    claims = claims_for(con, list(repos.values()))
    return [Job(repo=repo, path=str(p.resolve()), claimed_framework=claims.get(repo))
            for p, repo in repos.items()]
