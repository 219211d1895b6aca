"""Subordinate ids: the non-root path's sandbox uid that is never the operator's.

Where /etc/subuid and /etc/subgid grant the operator a range and newuidmap/newgidmap
(Debian's `uidmap`) are installed, the launcher (mode `subid`) enters a user namespace
that maps the operator to 0 and its first subordinate uid and gid to 1, drops to 1 and
starts bubblewrap: outside, the repository's processes and files belong to that
subordinate uid. The operator keeps power over them only through such a namespace,
which is how the workspace is handed over, handed back and removed.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

LAUNCHER = Path(__file__).resolve().parent / "_launcher.py"
INNER = 1  # the sandbox's uid and gid inside the mapping namespace
TOOL_DIRS = "/usr/bin:/bin:/usr/sbin:/sbin"


@dataclass(frozen=True)
class SubIds:
    uid: int        # the first subordinate uid: the sandbox's uid on the host
    gid: int
    operator_uid: int
    operator_gid: int
    newuidmap: str
    newgidmap: str

    def spec(self, argv: Sequence[str], env: Mapping[str, str], *, as_root: bool = False,
             expose: Sequence[str] = ()) -> dict:
        return {"mode": "subid", "argv": list(argv), "env": dict(env), "as_root": as_root,
                "expose": list(expose), "newuidmap": self.newuidmap, "newgidmap": self.newgidmap,
                "uid_map": [[0, self.operator_uid, 1], [INNER, self.uid, 1]],
                "gid_map": [[0, self.operator_gid, 1], [INNER, self.gid, 1]]}


def _first_range(path: str, names: Sequence[str]) -> int | None:
    """The start of the first range of /etc/subuid or /etc/subgid granted to one of names."""
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        parts = line.strip().split(":")
        if (len(parts) == 3 and parts[0] in names and parts[1].isdigit() and parts[2].isdigit()
                and int(parts[2]) >= 1 and int(parts[1]) > 0):
            return int(parts[1])
    return None


def configured(uid: int | None = None, gid: int | None = None, subuid: str = "/etc/subuid",
               subgid: str = "/etc/subgid") -> SubIds | None:
    """The running (or given) user's subordinate ids and the helpers, or None."""
    uid = os.getuid() if uid is None else uid
    gid = os.getgid() if gid is None else gid
    if uid == 0:
        return None
    tools = [shutil.which(t, path=TOOL_DIRS) for t in ("newuidmap", "newgidmap")]
    if not all(tools):
        return None
    try:
        names = [pwd.getpwuid(uid).pw_name, str(uid)]
    except KeyError:
        names = [str(uid)]
    first_uid, first_gid = _first_range(subuid, names), _first_range(subgid, names)
    if first_uid is None or first_gid is None or first_uid == uid:
        return None
    return SubIds(first_uid, first_gid, uid, gid, str(tools[0]), str(tools[1]))


def command(sub: SubIds, argv: Sequence[str], *, env: Mapping[str, str],
            expose: Sequence[str] = (), as_root: bool = False) -> list[str]:
    """The launcher's argv that runs argv as the subordinate uid (or, as_root, as the
    operator holding the namespace's capabilities over the subordinate uid's files)."""
    return [sys.executable, "-I", "-S", str(LAUNCHER),
            json.dumps(sub.spec(argv, env, as_root=as_root, expose=expose))]


def _as_root(sub: SubIds, tool: str, args: Sequence[str], timeout: float) -> str | None:
    """Run a coreutils tool as 0 in the namespace; None when it worked, else why not."""
    found = shutil.which(tool, path=TOOL_DIRS)
    if found is None:
        return f"{tool} is not installed"
    env = {"PATH": TOOL_DIRS, "LC_ALL": "C"}
    try:
        done = subprocess.run(command(sub, [found, *args], env=env, as_root=True), env=env,
                              capture_output=True, text=True, timeout=timeout, cwd="/")
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    return None if done.returncode == 0 else (done.stderr or done.stdout)[-500:]


def give(sub: SubIds, paths: Sequence[str | Path], back: bool = False,
         timeout: float = 600.0) -> None:
    """chown -R paths to the subordinate uid (back: to the operator); symlinks are changed
    themselves, never followed (-P -h). Raises OSError when that fails."""
    owner = f"{0 if back else INNER}:{0 if back else INNER}"
    existing = [str(p) for p in paths if os.path.lexists(p)]
    if existing:
        failed = _as_root(sub, "chown", ["-R", "-P", "-h", owner, "--", *existing], timeout)
        if failed is not None:
            raise OSError(f"cannot hand the workspace to the subordinate uid: {failed}")


def remove(sub: SubIds, paths: Sequence[str | Path], timeout: float = 600.0) -> bool:
    """rm -rf paths with the namespace's power over both ids (rm walks any depth)."""
    existing = [str(p) for p in paths if os.path.lexists(p)]
    return not existing or _as_root(sub, "rm", ["-rf", "--one-file-system", "--", *existing],
                                    timeout) is None
