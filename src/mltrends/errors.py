"""One error path for every command: an expected problem becomes one line and an exit code.

The exit codes are part of the interface (README, "Exit codes"); the same class of
problem gets the same code whichever command meets it.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

OK = 0
FAILED = 1        # the command ran, but part of it failed (a refresh step; a problem `status --check` found)
USAGE = 2         # a bad option, setting or input file, a missing database, another refresh running
STOPPED = 3       # stopped short: a source kept part (registry.Incomplete), a report failing its browser check
DATABASE = 4      # the database cannot be used: locked, not a DuckDB file, a directory, too new
SQL = 5           # the SQL cannot run: empty, a syntax error, an unknown table or column, a bad cast

EXIT_CODES: dict[int, str] = {
    OK: "success",
    FAILED: "finished, but part of it failed: a refresh step, or a problem `status --check` found",
    USAGE: "bad usage or input: an option, a setting, an input file that is missing or unreadable, "
           "a missing database, another refresh running",
    STOPPED: "stopped short: a source kept what it fetched and stopped (a rate limit spent, a part the "
             "service refused; rerun to continue), or a report written but failing its browser check",
    DATABASE: "the database cannot be used: held by another process, not a DuckDB file, a directory, "
              "damaged, or written by a newer mltrends",
    SQL: "the SQL cannot run: empty, a syntax error, an unknown table or column, a failed cast",
}

_LOCK = re.compile(r'lock on file "(?P<file>[^"]+)".*?held in (?P<prog>.+?) \(PID (?P<pid>\d+)\)', re.S)
_FILE = re.compile(r'file "(?P<file>[^"]+)"')


class QueryError(Exception):
    """SQL from a named place (a file, stdin, the command line) that cannot run."""

    exit_code = SQL

    def __init__(self, where: str, cause: str) -> None:
        super().__init__(f"{where}: {cause}")


def one_line(text: str, limit: int = 400) -> str:
    """Collapse a message to one line (DuckDB's carets and hints dropped), cut at limit."""
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    keep = [ln for ln in lines if not ln.startswith(("LINE ", "^")) and set(ln) != {"^"}]
    line = " ".join(keep or lines)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _sql_position(message: str) -> str:
    match = re.search(r"^LINE (\d+):", message, re.M)
    return f" (line {match.group(1)})" if match else ""


def describe_duckdb(exc: duckdb.Error, database: str | None = None, where: str | None = None) -> tuple[int, str]:
    """The exit code and the one line for a DuckDB error; `where` names the SQL's origin."""
    message = str(exc)
    lock = _LOCK.search(message)
    if lock:
        path = lock.group("file")
        return DATABASE, (f"database {path} is locked by another process (PID {lock.group('pid')}, "
                          f"{Path(lock.group('prog')).name}); a writer must wait for it to finish, "
                          f"a reader can open the file read-only (duckdb -readonly {path})")
    if isinstance(exc, duckdb.IOException):
        found = _FILE.search(message)
        path = found.group("file") if found else (database or "the database")
        if "not a valid DuckDB database" in message:
            return DATABASE, f"{path} is not a DuckDB database file (check --db)"
        if "Is a directory" in message:
            return DATABASE, f"{path} is a directory, not a DuckDB database file (check --db)"
        return DATABASE, f"{path}: {one_line(message)}"
    if isinstance(exc, duckdb.ProgrammingError | duckdb.DataError):
        origin = where or (f"database {database}" if database else "query")
        return SQL, f"{origin}: {one_line(message)}{_sql_position(message)}"
    origin = f"database {database}" if database else (where or "database")
    return DATABASE, f"{origin}: {one_line(message)}"


def describe_os(exc: OSError) -> tuple[int, str]:
    """The exit code and the one line for an operating-system error on a file."""
    if exc.filename is None or exc.strerror is None:
        return USAGE, one_line(str(exc))  # our own messages already name the file
    cause = exc.strerror[0].lower() + exc.strerror[1:]
    return USAGE, f"{exc.filename}: {cause}"
