"""One writer at a time, a working database per published one, and atomic publication.

Every command that writes (a refresh, a manual `ingest`, `build`, `claims`, `classify
predict`, `detect --ingested`, `reproduce`) goes through `writing()`: it takes the refresh
lock, writes into the working database that belongs to its `--db` (`work_db_for`), and
publishes at the end. A refresh writes into the working database the same way. At the end it
checkpoints and closes it, copies it next to the published file and renames the copy
over the published one (`os.replace`, atomic on POSIX). Readers that already hold the
old file open keep reading it; new readers see the new one. A process killed at any
point leaves the published file as it was and the working file recoverable by DuckDB's
write-ahead log.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import duckdb

from mltrends import console, db, errors
from mltrends.config import Settings
from mltrends.sources import registry


class RefreshRunning(Exception):
    """Another refresh holds the lock."""

    user_facing = True


class WorkFileMismatch(Exception):
    """The working file belongs to another published database."""

    user_facing = True


class NotADatabase(Exception):
    """--db names something that cannot be a DuckDB file (a directory)."""

    user_facing = True
    exit_code = errors.DATABASE


def check_published(path: str | os.PathLike[str]) -> None:
    """Refuse a --db that exists but cannot be a DuckDB file, naming the user's path."""
    pub = Path(path)
    if pub.is_dir():
        raise NotADatabase(f"{path} is a directory, not a DuckDB database file (check --db)")
    if pub.is_file() and pub.stat().st_size > 0:
        with open(pub, "rb") as fh:
            header = fh.read(12)
        if header[8:12] != b"DUCK":  # DuckDB's file magic, after the 8-byte checksum
            raise NotADatabase(f"{path} is not a DuckDB database file (check --db)")


def work_db_for(settings: Settings) -> str:
    """The working file of settings.db: `<dir>/<stem>.work.duckdb` unless work_db is set.

    Derived from the published path so two databases never share one working file.
    """
    if settings.work_db:
        return settings.work_db
    pub = Path(settings.db)
    stem = pub.name[: -len(".duckdb")] if pub.name.endswith(".duckdb") else pub.name
    return str(pub.with_name(f"{stem}.work.duckdb"))


def owner_path_for(work_db: str | os.PathLike[str]) -> Path:
    return Path(f"{work_db}.owner")


def claim_work_db(work_db: str, published_db: str) -> None:
    """Record which published file `work_db` belongs to; refuse one that belongs to another.

    Guards an explicitly set work_db shared by two `--db`: the second would otherwise
    publish the first one's data.
    """
    owner_file = owner_path_for(work_db)
    mine = str(Path(published_db).resolve())
    try:
        owner = owner_file.read_text(encoding="utf-8").strip()
    except OSError:
        owner = ""
    if owner and owner != mine and Path(work_db).exists():
        raise WorkFileMismatch(
            f"working file {work_db} belongs to {owner}, not to {published_db}; give this database "
            f"its own (unset work_db, or remove {work_db}: it is seeded again from {published_db})")
    if owner != mine:
        owner_file.parent.mkdir(parents=True, exist_ok=True)
        owner_file.write_text(mine + "\n", encoding="utf-8")


def lock_path_for(work_db: str | os.PathLike[str]) -> Path:
    return Path(f"{work_db}.lock")


def read_lock(path: Path) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
        return json.loads(text) if text.strip() else None
    except (OSError, json.JSONDecodeError):
        return None


@contextlib.contextmanager
def refresh_lock(work_db: str | os.PathLike[str], command: str = "refresh", wait: bool = False,
                 poll: float = 0.5) -> Iterator[dict[str, Any]]:
    """Hold the refresh lock (an flock on `<work_db>.lock`) for the duration.

    The kernel drops an flock when its process dies, so a lock left by a killed process
    is stale by construction: its file still names the dead pid, which we report and
    overwrite. A live holder makes us raise RefreshRunning (or wait, with wait=True).
    """
    path = lock_path_for(work_db)
    path.parent.mkdir(parents=True, exist_ok=True)
    fh: IO[str] = open(path, "a+", encoding="utf-8")  # noqa: SIM115 (held for the whole block)
    info: dict[str, Any] = {"stale_cleared": None}
    try:
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = read_lock(path) or {}
                if not wait:
                    raise RefreshRunning(
                        f"another refresh is running (pid {holder.get('pid', '?')} on "
                        f"{holder.get('host', '?')}, {holder.get('command', 'refresh')!r} since "
                        f"{holder.get('started_at', '?')}); use --wait to queue behind it"
                    ) from None
                time.sleep(poll)
        previous = read_lock(path)
        # We hold the flock, so whoever the file still names died without releasing it.
        if previous and previous.get("pid"):
            info["stale_cleared"] = previous
        record = {"pid": os.getpid(), "host": socket.gethostname(), "command": command,
                  "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps(record))
        fh.flush()
        os.fsync(fh.fileno())
        info.update(record)
        try:
            yield info
        finally:
            # An exception is not a kill: the lock is released cleanly, so clear its record.
            fh.seek(0)
            fh.truncate()
            fh.flush()
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        fh.close()


def prepare_work_db(work_db: str, published_db: str) -> None:
    """Seed the working database from the published one when it is missing.

    The published file is the only copy of history some sources cannot fetch again
    (pypistats keeps 180 days), so a lost working file must not lose it.
    """
    work, pub = Path(work_db), Path(published_db)
    for leftover in pub.parent.glob(f".{pub.name}.tmp-*"):
        with contextlib.suppress(OSError):
            leftover.unlink()
    if not work.exists() and pub.exists():
        work.parent.mkdir(parents=True, exist_ok=True)
        tmp = work.with_name(f".{work.name}.seed-{os.getpid()}")
        shutil.copyfile(pub, tmp)
        os.replace(tmp, work)


# The oldest storage format that keeps every feature we use: DuckDB clients from 1.4 on
# (the CLI most users have) can read the published file, not only the 2.x library.
PUBLISHED_STORAGE_VERSION = "v1.4.0"


def publish(con: duckdb.DuckDBPyConnection, work_db: str, published_db: str) -> Path:
    """Write a consistent copy of the working database and rename it over the published one.

    The copy is made with COPY FROM DATABASE into a file of PUBLISHED_STORAGE_VERSION
    (falling back to a byte copy of the checkpointed file). `con` is closed on return.
    """
    pub = Path(published_db)
    pub.parent.mkdir(parents=True, exist_ok=True)
    tmp = pub.with_name(f".{pub.name}.tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    source = con.execute("select current_database()").fetchall()[0][0]
    try:
        con.execute(f"attach '{tmp}' as _publish (storage_version '{PUBLISHED_STORAGE_VERSION}')")
        try:
            con.execute(f'copy from database "{source}" to _publish')
        finally:
            con.execute("detach _publish")
        con.execute("checkpoint")
        con.close()
    except duckdb.Error:
        tmp.unlink(missing_ok=True)
        con.execute("checkpoint")
        con.close()
        shutil.copyfile(work_db, tmp)
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    # a quick check that the copy opens before readers see it
    check = duckdb.connect(str(tmp), read_only=True)
    try:
        check.execute("select count(*) from _migrations").fetchall()
    finally:
        check.close()
    os.replace(tmp, pub)
    dir_fd = os.open(pub.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return pub


def open_work_db(work_db: str) -> duckdb.DuckDBPyConnection:
    return db.connect(work_db)


def begin(settings: Settings, lock: dict[str, Any]) -> duckdb.DuckDBPyConnection:
    """Under the held lock: check the working file's owner, seed it, open it."""
    work = work_db_for(settings)
    if lock.get("stale_cleared"):
        console.log.warning("cleared a stale refresh lock left by pid %s (%s)",
                            lock["stale_cleared"].get("pid"), lock["stale_cleared"].get("started_at"))
    claim_work_db(work, settings.db)
    prepare_work_db(work, settings.db)
    return open_work_db(work)


@contextlib.contextmanager
def writing(settings: Settings, command: str, wait: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one write path for a command: lock, working file of its --db, publish on success.

    When the body raises, nothing is published (readers keep the previous file; the
    working file keeps what the command committed, for the next writer to publish),
    except for a source that kept partial progress on purpose (`registry.Incomplete` with
    rows, e.g. a source stopped by its rate limit): that is published too.
    """
    check_published(settings.db)
    work = work_db_for(settings)
    with refresh_lock(work, command, wait=wait) as lock:
        con = begin(settings, lock)
        try:
            yield con
        except Exception as exc:
            if isinstance(exc, registry.Incomplete) and exc.rows:
                with contextlib.suppress(duckdb.Error):
                    con.execute("rollback")
                publish(con, work, settings.db)
            else:
                con.close()
            raise
        except BaseException:
            con.close()
            raise
        publish(con, work, settings.db)
