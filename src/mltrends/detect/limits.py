"""Bounds for reading repository files, which are hostile input: safe opens, line numbers
in linear time, and the static pass's time budget."""

from __future__ import annotations

import bisect
import functools
import os
import re
import stat

MAX_READ_BYTES = 20_000_000  # the largest file the detector reads (a notebook)
MAX_REQUIREMENTS = 2000      # requirement specs taken from one manifest
STATIC_SECONDS = 30.0        # the static pass stops reading files after this long
_NEWLINE = {bytes: re.compile(b"\n"), str: re.compile("\n")}


def read_inside(root: str, rel: str, cap: int = MAX_READ_BYTES) -> bytes | None:
    """Read root/rel: every component opened without following a symlink, the file a
    regular one (no FIFO, device or socket), at most cap bytes (None when larger, absent
    or anything else)."""
    parts = [p for p in rel.split("/") if p not in ("", ".")]
    if not parts or ".." in parts or "\0" in rel or os.path.isabs(rel):
        return None
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    fds = []
    try:
        fd = os.open(root, flags | os.O_DIRECTORY)
        fds.append(fd)
        for part in parts[:-1]:
            fd = os.open(part, flags | os.O_DIRECTORY, dir_fd=fd)
            fds.append(fd)
        fd = os.open(parts[-1], flags | os.O_NONBLOCK, dir_fd=fd)
        fds.append(fd)
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > cap:
            return None
        chunks, size = [], 0
        while size <= cap:
            chunk = os.read(fd, min(1 << 20, cap + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return None if size > cap else b"".join(chunks)
    except OSError:
        return None
    finally:
        for fd in fds:
            os.close(fd)


@functools.lru_cache(maxsize=8)
def _newlines(data: bytes | str) -> list[int]:
    return [m.start() for m in _NEWLINE[type(data)].finditer(data)]


def line_at(data: bytes | str, offset: int) -> int:
    """1-based line number of offset (data.count(newline, 0, offset) + 1, in log time)."""
    return bisect.bisect_left(_newlines(data), offset) + 1
