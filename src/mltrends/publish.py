"""One refresh at a time, a working database, and atomic publication for readers.

A refresh writes into the working database (`settings.work_db`). At the end it
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

from mltrends import db


class RefreshRunning(Exception):
    """Another refresh holds the lock."""

    user_facing = True


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
        yield info
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
