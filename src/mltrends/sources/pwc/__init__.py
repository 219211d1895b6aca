"""Papers with Code archive dumps -> `pwc_papers`, `pwc_paper_repos`.

DuckDB's own readers (`read_json`, `read_parquet`) parse the dumps and the SQL macros
of `sql/schema` normalise them, so the 538 MB papers dump never becomes Python
objects. One load is one transaction: a file that is truncated, not gzip or not JSON
rolls everything back and raises `DumpError` naming the file; records without a key
go to `rejected_records`; loading the same dump twice changes nothing.

How the papers insert is written matters for speed (see benchmarks/bench_pwc_ingest.py):
a plain INSERT into the keyed table streams, while a bulk `ON CONFLICT` makes DuckDB hold
the whole load in memory (2x slower at full size). So into a table without dump rows
the first try is a plain INSERT straight from the reader; when the dump repeats a key
or meets rows already stored, DuckDB refuses it, the transaction rolls back and the
load reruns through a staging table (see `load_papers`); a reload goes there directly.
Records without a key ride along in the same single scan under a placeholder key and
are moved to `rejected_records` before commit. When a dump repeats a key, one record
per key is kept (the first one for small files; with parallel reading, any one).

Where the dumps are (Hub datasets, shard lists and globs, URLs, local files), how they
get here and when they are unchanged lives in `mltrends.sources.pwc.archive`: a dump
whose fingerprint matches the one stored with its last load is skipped. Parquet shards
are read by one `read_parquet` over the list, which DuckDB scans in parallel.

The catalogue API and the historic v1 API live in `mltrends.sources.pwc.api`
(`ingest_api` is re-exported here for `mltrends refresh`).
"""

from __future__ import annotations

import contextlib
import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from mltrends import console, db
from mltrends.sources.pwc import archive as pwc_archive
from mltrends.sources.pwc.api import ingest_api  # noqa: F401  (the refresh step's entry point)

if TYPE_CHECKING:
    from mltrends.config import Settings
    from mltrends.refresh import RefreshOptions

SOURCE = "pwc-dump"
REJECTED_PREFIX = "~rejected~"
# The load's own limits; restored afterwards.
LOAD_SETTINGS = {"preserve_insertion_order": "false", "memory_limit": "2GB"}
# With abstracts kept: DuckDB's dictionary/FSST analysis of half a million abstracts costs
# more than the scan itself, so they are stored uncompressed (about 3 GB per million).
ABSTRACT_SETTINGS = {"disabled_compression_methods": "dict_fsst,fsst,dictionary"}

PAPER_FIELDS = {
    "paper_url": "VARCHAR", "arxiv_id": "VARCHAR", "title": "VARCHAR", "abstract": "VARCHAR",
    "url_abs": "VARCHAR", "proceeding": "VARCHAR", "conference": "VARCHAR",
    "authors": "VARCHAR[]", "tasks": "VARCHAR[]", "date": "VARCHAR",
    "methods": "STRUCT(name VARCHAR)[]",
}
LINK_FIELDS = {
    "paper_url": "VARCHAR", "paper_title": "VARCHAR", "paper_arxiv_id": "VARCHAR",
    "repo_url": "VARCHAR", "is_official": "BOOLEAN", "mentioned_in_paper": "BOOLEAN",
    "mentioned_in_github": "BOOLEAN", "framework": "VARCHAR",
}


DumpError = pwc_archive.ArchiveError   # a dump that cannot be loaded (names it and the problem)
STATE_PREFIX = "dump:"                 # load_state ("pwc", "dump:<kind>"): the loaded dump's fingerprint


@dataclass(frozen=True)
class DumpFile:
    label: str          # what the user gave (path, URL, dataset, list or glob)
    paths: tuple[Path, ...]   # the local files DuckDB reads (shards of one dump)
    kind: str           # 'json' | 'parquet'
    json_format: str    # 'array' | 'newline_delimited'
    compression: str    # 'gzip' | 'none'

    @property
    def path(self) -> Path:
        return self.paths[0]


# ---------------------------------------------------------------- files and URLs

def sniff_all(paths: list[Path], label: str) -> DumpFile:
    """Sniff every shard of one dump; they must all be of one kind."""
    dumps = [sniff(p, label if len(paths) == 1 else f"{label} ({p.name})") for p in paths]
    kinds = {(d.kind, d.json_format, d.compression) for d in dumps}
    if len(kinds) > 1:
        raise DumpError(f"{label}: its files are of different kinds ({', '.join(sorted(map(str, kinds)))})")
    first = dumps[0]
    return DumpFile(label, tuple(paths), first.kind, first.json_format, first.compression)


def sniff(path: Path, label: str) -> DumpFile:
    """Check the file's first bytes so that a wrong file fails with a clear message."""
    name = path.name.lower()
    with open(path, "rb") as fh:
        magic = fh.read(4)
    if name.endswith(".parquet"):
        if magic != b"PAR1":
            raise DumpError(f"{label}: not a Parquet file (it does not start with PAR1)")
        return DumpFile(label, (path,), "parquet", "", "none")
    gz = magic[:2] == b"\x1f\x8b"
    if name.endswith(".gz") and not gz:
        raise DumpError(f"{label}: not gzip (named .gz but does not start with the gzip magic bytes)")
    try:
        opener = gzip.open if gz else open
        with opener(path, "rb") as fh:
            head = fh.read(65536)
    except (OSError, EOFError, zlib.error) as exc:
        raise DumpError(f"{label}: gzip stream unreadable ({exc})") from exc
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        raise DumpError(f"{label}: the file is empty (no records)")
    first = text[:1]
    if first not in (b"[", b"{"):
        raise DumpError(f"{label}: not JSON (starts with {text[:20]!r}; expected '[' or '{{')")
    return DumpFile(label, (path,), "json", "array" if first == b"[" else "newline_delimited",
                    "gzip" if gz else "none")


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _files(dump: DumpFile) -> str:
    return "[" + ", ".join(_quote(str(p)) for p in dump.paths) + "]"


def _json_source(dump: DumpFile, fields: dict[str, str]) -> str:
    columns = "{" + ", ".join(f"{_quote(k)}: {_quote(v)}" for k, v in fields.items()) + "}"
    return (f"read_json({_files(dump)}, format={_quote(dump.json_format)}, "
            f"compression={_quote(dump.compression)}, columns={columns})")


def _parquet_source(con: duckdb.DuckDBPyConnection, dump: DumpFile, fields: dict[str, str]) -> str:
    reader = f"read_parquet({_files(dump)}, union_by_name = true)"
    try:
        described = con.execute(f"describe select * from {reader}").fetchall()
    except duckdb.Error as exc:
        raise DumpError(f"{dump.label}: cannot read the Parquet file ({exc})") from exc
    have = {row[0]: row[1] for row in described}
    cols = []
    for name, typ in fields.items():
        if name not in have:
            cols.append(f"null::{typ} as \"{name}\"")
        elif name == "methods" and have[name].upper().startswith("VARCHAR"):
            cols.append("from_json(methods, '[{\"name\": \"VARCHAR\"}]') as methods")
        elif name == "methods":
            cols.append("list_transform(methods, lambda m: {'name': m.name::VARCHAR}) as methods")
        else:
            cols.append(f"\"{name}\"::{typ} as \"{name}\"")
    return f"(select {', '.join(cols)} from {reader})"


def source_sql(con: duckdb.DuckDBPyConnection, dump: DumpFile, fields: dict[str, str]) -> str:
    if dump.kind == "parquet":
        return _parquet_source(con, dump, fields)
    return _json_source(dump, fields)


# ---------------------------------------------------------------- SQL

PAPER_COLUMNS = ("paper_id, arxiv_id, title, abstract, published, year, quarter, venue, venue_year, "
                 "proceeding, authors, tasks, methods, organizations, url_abs, citation_count, "
                 "has_hf_artifacts, _source, _fetched_at")


def papers_select(source: str, abstracts: bool = False) -> str:
    """The normalised papers of a dump; a record without a key gets a placeholder key and its
    raw JSON in `abstract` (moved to rejected_records before the transaction commits)."""
    abstract = "abstract" if abstracts else "null"
    # the refused record as read (without its abstract unless abstracts are kept: not
    # naming that column at all lets the reader skip it, a third of the load's time)
    raw_fields = [f for f in PAPER_FIELDS if abstracts or f != "abstract"]
    raw = "to_json({" + ", ".join(f"'{f}': \"{f}\"" for f in raw_fields) + "})::varchar"
    return f"""
        select
            case when slug is null then '{REJECTED_PREFIX}' || md5({raw}) else slug end as paper_id,
            arxiv_base_id(coalesce(arxiv_id, url_abs)) as arxiv_id,
            title,
            case when slug is null then {raw} else {abstract} end as abstract,
            published,
            year(published) as year,
            quarter_of(published) as quarter,
            coalesce(pwc_venue(proceeding), pwc_venue(conference)) as venue,
            coalesce(pwc_venue_year(proceeding), pwc_venue_year(conference)) as venue_year,
            proceeding,
            authors,
            tasks,
            list_transform(methods, lambda m: m.name) as methods,
            null::varchar[] as organizations,
            url_abs,
            null::integer as citation_count,
            null::boolean as has_hf_artifacts,
            '{SOURCE}' as _source,
            $fetched_at::timestamp as _fetched_at
        from (
            select *, pwc_paper_slug(paper_url) as slug, try_cast("date" as date) as published
            from {source} as raw
        ) as src
    """


def _update_all(columns: str, key: tuple[str, ...]) -> str:
    cols = [c.strip() for c in columns.split(",")]
    return ", ".join(f"{c} = excluded.{c}" for c in cols if c not in key)


def load_papers(con: duckdb.DuckDBPyConnection, source: str, label: str, fetched_at: Any,
                run_id: str | None, staged: bool, abstracts: bool = False) -> dict[str, int]:
    """Insert the dump's papers and move the refused ones to rejected_records.

    Direct: one plain INSERT straight from the reader (fails when a key repeats or is
    stored already). Staged: the reader fills an unkeyed temporary table, repeated keys
    are dropped (one record per key kept), stored rows with those keys are deleted, then one
    plain INSERT copies the rest (a bulk `ON CONFLICT` would hold the whole load in memory).
    """
    params = {"fetched_at": fetched_at}
    if staged:
        read = con.execute(f"create or replace temp table _pwc_papers_stage as {papers_select(source, abstracts)}",
                           params).fetchall()[0][0]
        con.execute("""delete from _pwc_papers_stage where rowid in (
                         select rowid from _pwc_papers_stage
                         qualify row_number() over (partition by paper_id order by rowid) > 1)""")
        con.execute("delete from pwc_papers where paper_id in (select paper_id from _pwc_papers_stage)")
        con.execute(f"insert into pwc_papers ({PAPER_COLUMNS}) select {PAPER_COLUMNS} from _pwc_papers_stage")
        con.execute("drop table _pwc_papers_stage")
    else:
        read = con.execute(f"insert into pwc_papers ({PAPER_COLUMNS}) {papers_select(source, abstracts)}",
                           params).fetchall()[0][0]
    if not read:
        raise DumpError(f"{label}: the dump holds no records")
    rejected = _move_rejected(
        con, f"""select substr(paper_id, {len(REJECTED_PREFIX) + 1}) as record_hash, abstract as raw,
                 'missing paper_url (no Papers-with-Code paper page to key the record on)' as reason
          from pwc_papers where paper_id like '{REJECTED_PREFIX}%'""",
        "pwc:dump:papers", run_id, fetched_at)
    con.execute(f"delete from pwc_papers where paper_id like '{REJECTED_PREFIX}%'")
    if rejected and rejected == read:
        raise DumpError(f"{label}: none of its {read} records has a paper_url")
    stored = con.execute("select count(*) from pwc_papers where _fetched_at = $at",
                         {"at": fetched_at}).fetchall()[0][0]
    return {"pwc_papers": stored, "rejected_records": rejected}


LINK_COLUMNS = ("paper_id, repo, repo_url, is_official, mentioned_in_paper, mentioned_in_github, "
                "pwc_framework, pwc_framework_raw, _source, _fetched_at")


def load_links(con: duckdb.DuckDBPyConnection, source: str, label: str, fetched_at: Any,
               run_id: str | None) -> dict[str, int]:
    """Links are small (25 MB): stage them, upsert the good ones, keep the refused ones."""
    con.execute(f"""
        create or replace temp table _pwc_links_stage as
        select *,
            case when paper_id is null then 'missing paper_url'
                 when repo_url is null or trim(repo_url) = '' then 'missing repo_url'
                 when repo is null then 'repo_url names no repository'
            end as reason,
            case when paper_id is null or repo is null then to_json(src)::varchar end as raw
        from (
            select *, pwc_paper_slug(paper_url) as paper_id, canonical_repo(repo_url) as repo
            from {source} as r
        ) as src
    """)
    read = con.execute("select count(*) from _pwc_links_stage").fetchall()[0][0]
    if not read:
        raise DumpError(f"{label}: the dump holds no records")
    good = con.execute(f"""
        insert into pwc_paper_repos ({LINK_COLUMNS})
        select paper_id, repo, repo_url, is_official, mentioned_in_paper, mentioned_in_github,
               canonical_framework(framework), framework, '{SOURCE}', $fetched_at::timestamp
        from _pwc_links_stage where reason is null
        qualify row_number() over (partition by paper_id, repo
                                   order by is_official desc nulls last, repo_url) = 1
        on conflict (paper_id, repo) do update set {_update_all(LINK_COLUMNS, ('paper_id', 'repo'))}
    """, {"fetched_at": fetched_at}).fetchall()[0][0]
    rejected = _move_rejected(
        con, "select md5(raw) as record_hash, raw, reason from _pwc_links_stage where reason is not null",
        "pwc:dump:links", run_id, fetched_at)
    con.execute("drop table _pwc_links_stage")
    if rejected == read:
        raise DumpError(f"{label}: none of its {read} records names a paper and a repository")
    return {"pwc_paper_repos": good, "rejected_records": rejected}


def _move_rejected(con: duckdb.DuckDBPyConnection, select_sql: str, source: str,
                   run_id: str | None, at: Any) -> int:
    return con.execute(f"""
        insert into rejected_records (source, record_hash, raw_record, reason, run_id, rejected_at)
        select '{source}', record_hash, left(raw, 100000), reason, $run_id, $at::timestamp
        from ({select_sql})
        qualify row_number() over (partition by record_hash order by raw) = 1
        on conflict (source, record_hash) do update set
            reason = excluded.reason, run_id = excluded.run_id, rejected_at = excluded.rejected_at
    """, {"run_id": run_id, "at": at}).fetchall()[0][0]


# ---------------------------------------------------------------- the step

@contextlib.contextmanager
def _load_settings(con: duckdb.DuckDBPyConnection, settings: Settings, abstracts: bool) -> Iterator[None]:
    wanted = {**LOAD_SETTINGS, **(ABSTRACT_SETTINGS if abstracts else {})}
    configured = settings.pwc.model_dump(exclude_none=True)
    wanted.update({k: str(v).lower() if isinstance(v, bool) else str(v)
                   for k, v in configured.items() if k in wanted})
    old = {k: con.execute(f"select current_setting('{k}')").fetchall()[0][0] for k in wanted}
    try:
        for k, v in wanted.items():
            con.execute(f"set {k} = {_quote(v)}")
        yield
    finally:
        for k, v in old.items():
            con.execute(f"reset {k}")  # exact when it was the default (SET would round 18.8 GiB)
            if str(con.execute(f"select current_setting('{k}')").fetchall()[0][0]) != str(v):
                con.execute(f"set {k} = {_quote(str(v))}")


def _read_error(dump: DumpFile, exc: duckdb.Error) -> DumpError:
    text = str(exc).split("\n")[0]
    if "GZIP" in text.upper():
        text = f"truncated or corrupt gzip ({text})"
    return DumpError(f"{dump.label}: cannot read the dump: {text}")


def ingest_dump(con: duckdb.DuckDBPyConnection, settings: Settings, links: str | None = None,
                papers: str | None = None, run_id: str | None = None,
                abstracts: bool | None = None, force: bool = False) -> dict[str, int]:
    """Load the links and/or papers dump in one transaction (locations: see `pwc_archive`).

    A dump unchanged since its last load (same files, same fingerprint) is skipped unless
    force=True; the counts then hold `unchanged_dumps`. Abstracts are 90% of the papers dump
    and no analysis reads them, so they are stored only with abstracts=True (default:
    `[pwc] abstracts` of mltrends.toml, else False).
    """
    if abstracts is None:
        abstracts = settings.pwc.abstracts
    if not links and not papers:
        raise DumpError("give a links dump, a papers dump, or both")
    fetched_at = db.now_utc()
    wanted: dict[str, tuple[pwc_archive.Resolved, dict[str, Any]]] = {}
    unchanged = 0
    for kind, src in (("papers", papers), ("links", links)):
        if not src:
            continue
        resolved = pwc_archive.resolve(str(src), settings)
        state = {"location": str(src), "fingerprint": resolved.fingerprint,
                 "abstracts": abstracts if kind == "papers" else None}
        if not force and resolved.fingerprint is not None and \
                db.get_state(con, "pwc", STATE_PREFIX + kind) == state:
            console.info(f"pwc dump: {kind} at {src} is unchanged since it was loaded; not downloaded "
                         "or loaded again")
            unchanged += 1
            continue
        wanted[kind] = (resolved, state)
    files: dict[str, DumpFile] = {}
    for kind, (resolved, _) in wanted.items():
        console.info(f"pwc dump: reading {kind} from {resolved.label} ({len(resolved.names)} file(s))")
        files[kind] = sniff_all(resolved.fetch(), resolved.label)
    counts: dict[str, int] = {"unchanged_dumps": unchanged} if unchanged else {}
    if not files:
        return counts
    with _load_settings(con, settings, abstracts):
        stored = con.execute("select count(*) from pwc_papers where _source = ?",
                             [SOURCE]).fetchall()[0][0]
        states = {kind: state for kind, (_, state) in wanted.items()}
        for staged in (False, True) if not stored else (True,):
            try:
                counts.update(_load_all(con, files, fetched_at, run_id, staged, abstracts, states))
                break
            except duckdb.ConstraintException:
                if staged:
                    raise
                console.info("pwc dump: the papers dump repeats keys; loading it through a staging table")
    pwc_archive.discard_downloads(resolved for resolved, _ in wanted.values())
    return counts


def _load_all(con: duckdb.DuckDBPyConnection, files: dict[str, DumpFile], fetched_at: Any,
              run_id: str | None, staged: bool, abstracts: bool,
              states: dict[str, dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    with db.transaction(con):
        for kind, state in states.items():
            db.set_state(con, "pwc", STATE_PREFIX + kind, state)
        for kind, dump in files.items():
            try:
                src = source_sql(con, dump, PAPER_FIELDS if kind == "papers" else LINK_FIELDS)
                with console.watch_query(con, f"load {kind} dump"):
                    if kind == "papers":
                        part = load_papers(con, src, dump.label, fetched_at, run_id, staged, abstracts)
                    else:
                        part = load_links(con, src, dump.label, fetched_at, run_id)
            except (duckdb.IOException, duckdb.InvalidInputException, duckdb.ConversionException,
                    duckdb.SerializationException) as exc:
                raise _read_error(dump, exc) from exc
            for table, n in part.items():
                counts[table] = counts.get(table, 0) + n
    return counts


def refresh_step(con: duckdb.DuckDBPyConnection, settings: Settings, opts: RefreshOptions,
                 run_id: str | None) -> dict[str, int]:
    """The dumps (skipped when unchanged upstream unless forced), then the catalogue since
    the archive's end (series_breaks) or --since."""
    from mltrends.sources.pwc import api as pwc_api

    rows: dict[str, int] = {}
    if opts.dumps is not False:
        links = opts.links or settings.pwc_links_url
        papers = opts.papers or settings.pwc_papers_url
        rows.update(ingest_dump(con, settings, links=links, papers=papers, run_id=run_id,
                                force=bool(opts.dumps)))
        db.set_state(con, "pwc", "dumps-loaded", {"links": links, "papers": papers,
                                                   "loaded_on": opts.today.isoformat()})
    since = opts.since or db.series_break(con, "pwc_archive")
    for table, n in pwc_api.ingest_api(con, settings, since=since, run_id=run_id).items():
        rows[table] = rows.get(table, 0) + n
    return rows
