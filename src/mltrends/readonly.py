"""Connections for `mltrends query` and `mltrends shell` that can only read the published file.

Read-only mode alone still lets SQL reach every other file and the network (`COPY ... TO`,
`ATTACH` read-write, `read_text`, `read_blob`, `INSTALL`). These connections also turn
off external access and extension installs, then lock the configuration so a statement
cannot turn them back on.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

# applied in this order; lock_configuration last, or it would block the others
LOCKDOWN: tuple[tuple[str, bool], ...] = (
    ("enable_external_access", False),
    ("autoinstall_known_extensions", False),
    ("autoload_known_extensions", False),
    ("allow_community_extensions", False),
    ("lock_configuration", True),
)


class NothingToRead(FileNotFoundError):
    """The published database does not exist yet."""


def missing_message(path: str | os.PathLike[str]) -> str:
    return f"database {path} does not exist yet: nothing to read (run `mltrends refresh` or `mltrends demo`)"


def connect_query(path: str | os.PathLike[str]) -> duckdb.DuckDBPyConnection:
    """Open the published file read-only with external access off and the configuration locked."""
    if not Path(path).exists():
        raise NothingToRead(missing_message(path))
    return duckdb.connect(str(path), read_only=True, config=dict(LOCKDOWN))


def shell_argv(exe: str, path: str | os.PathLike[str]) -> list[str]:
    """The DuckDB CLI command line with the same lock-down as `connect_query`.

    `.safe_mode` (applied last) turns off external access, locks the configuration and
    refuses the dot commands that touch files or run programs (.shell, .output, .open,
    .read, .import, ...). The CLI's own `-safe` flag cannot be used: the CLI then fails to
    set its extension directory. `-no-init` skips ~/.duckdbrc.
    """
    settings = "; ".join(f"SET {name} = {'true' if value else 'false'}"
                         for name, value in LOCKDOWN if name not in {"enable_external_access",
                                                                     "lock_configuration"})
    return [exe, "-readonly", "-no-init", "-cmd", settings + ";", "-cmd", ".safe_mode", str(path)]
