"""One repository's workspace: layout, clone at a pinned commit, static pass, entrypoint.

Layout (root-owned, readable; only the sandbox's paths are writable by its uid):

    <ws>/repo    the checkout          (sandbox uid)
    <ws>/home    HOME                  (sandbox uid; the fallback launcher only)
    <ws>/tmp     TMPDIR                (sandbox uid; the fallback launcher only)
    <ws>/venv    per-repo environment  (sandbox uid, writable only while installing)
    <ws>/wheels  downloaded wheels     (the download step only)
    <ws>/tools   tracer + S1 checker   (read-only for the sandbox)

Under bubblewrap, $HOME and /tmp are size-limited tmpfs mounts private to each sandbox.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import re
import shlex
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mltrends.detect.limits import read_inside
from mltrends.reproduce import subids

HERE = Path(__file__).resolve().parent
TOOLS = {"sitecustomize.py": HERE / "tracer" / "sitecustomize.py",
         "_mltrends_probes.py": HERE / "tracer" / "_mltrends_probes.py",
         "_check_imports.py": HERE / "_check_imports.py"}
ENTRYPOINTS = ("main.py", "train.py", "run.py")
SANDBOX_DIRS = ("repo", "home", "tmp")


class CloneError(Exception):
    pass


COMMIT_RE = re.compile(r"[0-9a-f]{7,64}")
MAX_FILE_MB = 200          # one file of a clone, at most
MNT_DETACH = 2
OWNER_FILE = ".mltrends-owner"  # "pid start-time" of the process that made the workspace
RUN_ROOT_PREFIX = "mltrends-reproduce-"


def valid_commit(commit: str) -> bool:
    """A hex object id (abbreviated or full), and nothing git could read as an option."""
    return bool(COMMIT_RE.fullmatch(commit))


def slug(repo: str) -> str:
    """A short, safe folder or file name for any repository key (a readable part + a hash)."""
    readable = re.sub(r"[^A-Za-z0-9_.-]+", "__", repo).strip(".")[:60] or "repo"
    return f"{readable}-{hashlib.sha256(repo.encode()).hexdigest()[:12]}"


@dataclass
class Workspace:
    root: Path
    size_limited: bool = False

    @property
    def repo(self) -> Path:
        return self.root / "repo"

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def venv(self) -> Path:
        return self.root / "venv"

    @property
    def tools(self) -> Path:
        return self.root / "tools"

    @property
    def writable(self) -> list[str]:
        paths = [str(self.root / d) for d in SANDBOX_DIRS]
        if (self.root / "venv").exists():
            paths.append(str(self.root / "venv"))
        return paths

    def view(self, mode: str, installing: bool = False) -> dict[str, Any]:
        """The sandbox's paths for run_sandboxed, and its HOME and TMPDIR."""
        if mode != "bwrap":
            return {"writable": self.writable, "home": str(self.home), "tmp": str(self.tmp),
                    "readonly": []}
        from mltrends.reproduce.bwrap import SANDBOX_HOME, SANDBOX_TMP
        venv = [str(self.venv)] if self.venv.exists() else []
        return {"writable": [str(self.repo), *(venv if installing else [])],
                "readonly": [str(self.tools), *([] if installing else venv)],
                "home": SANDBOX_HOME, "tmp": SANDBOX_TMP}


def make_root(work_dir: str | None) -> Path:
    """A work root the sandbox uid can traverse (0755, outside private directories)."""
    if work_dir:
        root = Path(work_dir).resolve()
        root.mkdir(parents=True, exist_ok=True)
    else:
        root = Path(tempfile.mkdtemp(prefix=RUN_ROOT_PREFIX))
        (root / OWNER_FILE).write_text(_owner_tag(os.getpid()))
    root.chmod(0o755)
    return root


def _owner_tag(pid: int) -> str:
    try:
        import psutil
        return f"{pid} {psutil.Process(pid).create_time():.2f}"
    except Exception:  # psutil missing or the process gone
        return f"{pid} ?"


def _mount_tmpfs(path: Path, size_mb: int) -> bool:
    """A size-limited tmpfs on path (root only): the kernel caps what the repo can write."""
    libc = ctypes.CDLL(None, use_errno=True)
    ret = libc.mount(b"tmpfs", str(path).encode(), b"tmpfs", ctypes.c_ulong(2 | 4),  # nosuid nodev
                     f"size={size_mb}m,mode=755".encode())
    return ret == 0


def _unmount(path: Path) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.umount2(str(path).encode(), MNT_DETACH)


def create(work_root: Path, name: str, disk_mb: int | None = None) -> Workspace:
    """A fresh workspace; with disk_mb (as root) on its own tmpfs of that size."""
    root = Path(tempfile.mkdtemp(prefix=f"{name[:60]}-", dir=work_root))
    root.chmod(0o755)
    ws = Workspace(root)
    if disk_mb and os.geteuid() == 0:
        ws.size_limited = _mount_tmpfs(root, disk_mb)
    (root / OWNER_FILE).write_text(_owner_tag(os.getpid()))
    for name in ("home", "tmp", "tools"):
        (root / name).mkdir()
    for name, src in TOOLS.items():
        shutil.copyfile(src, root / "tools" / name)
        (root / "tools" / name).chmod(0o644)
    return ws


def _mounts_under(path: Path) -> list[str]:
    prefix = str(path).rstrip("/") + "/"
    found = []
    with contextlib.suppress(OSError), open("/proc/self/mountinfo") as fh:
        for line in fh:
            point = line.split()[4].encode().decode("unicode_escape")
            if point == str(path) or point.startswith(prefix):
                found.append(point)
    return sorted(found, key=len, reverse=True)


def sweep_stale(folder: Path) -> int:
    """Remove what a killed run left under folder: its workspaces (a --work-dir) or its
    whole run folders (the default temporary ones), when their owner no longer runs."""
    removed = 0
    if not folder.is_dir():
        return 0
    for path in folder.iterdir():
        tag = path / OWNER_FILE
        with contextlib.suppress(OSError, ValueError):
            info = os.lstat(path)
            if (not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid()
                    or os.lstat(tag).st_uid != os.geteuid() or not stat.S_ISREG(os.lstat(tag).st_mode)):
                continue
            pid_text, started = tag.read_text()[:64].split()
            if _owner_tag(int(pid_text)) == f"{pid_text} {started}":
                continue  # its owner still runs
            remove(Workspace(path))
            removed += 1
    return removed


def hand_over(ws: Workspace, uid: int | None, sub: subids.SubIds | None = None,
              back: bool = False) -> None:
    """Give the sandbox's own directories to its uid: the dedicated one (root mode) or
    the subordinate one (not root; back: to the operator again, e.g. a kept workspace)."""
    names = [*SANDBOX_DIRS, "venv", "wheels"]
    if uid is None and sub is not None:
        subids.give(sub, [ws.root / n for n in names], back=back)
        return
    if uid is None:
        return
    for name in names:
        top = ws.root / name
        if not top.exists():
            continue
        for fd, files, dirs in walk_fds(top):
            os.fchown(fd, uid, uid)
            for name in files + dirs:
                with contextlib.suppress(OSError):
                    os.chown(name, uid, uid, dir_fd=fd, follow_symlinks=False)


def walk(top: Path) -> Iterator[str]:
    """Every path below top, without recursion and without following symlinks (paths past
    PATH_MAX are left out; walk_fds reaches any depth)."""
    stack = [str(top)]
    while stack:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    yield entry.path
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
        except OSError:
            continue


def _git(args: list[str], cwd: Path | None, timeout: float) -> str:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GIT_TERMINAL_PROMPT": "0",
           "HOME": str(cwd or "/"), "GIT_CONFIG_NOSYSTEM": "1"}
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              timeout=timeout, env=env)
    except subprocess.TimeoutExpired as exc:
        raise CloneError(f"git {args[0]} timed out after {timeout:.0f} s") from exc
    if done.returncode != 0:
        raise CloneError(f"git {args[0]} failed: {done.stderr.strip()[-500:]}")
    return done.stdout.strip()


def clone(url: str, dest: Path, commit: str | None = None, timeout: float = 120.0,
          max_mb: int = 2048) -> str:
    """Shallow clone, sized before checkout (the hooks of the repository are never run).

    Blobs over MAX_FILE_MB are left on the server (`--filter=blob:limit=`, where the
    server supports it); a tree that would expand past max_mb, or that holds such a
    blob, is refused before anything is checked out. Returns the commit.
    """
    if commit is not None and not valid_commit(commit):
        raise CloneError(f"commit {commit[:80]!r} is not a hex object id")
    _git(["-c", "protocol.file.allow=always", "clone", "--quiet", "--depth", "1", "--no-tags",
          "--no-checkout", f"--filter=blob:limit={MAX_FILE_MB}m", "--", url, str(dest)],
         None, timeout)
    head = _git(["rev-parse", "HEAD"], dest, 30)
    if commit and not head.startswith(commit):
        _git(["-c", "protocol.file.allow=always", "fetch", "--quiet", "--depth", "1",
              f"--filter=blob:limit={MAX_FILE_MB}m", "--", "origin", commit], dest, timeout)
        head = _git(["rev-parse", "FETCH_HEAD"], dest, 30)
    _check_size(dest, head, max_mb, timeout)
    _git(["-c", "core.symlinks=true", "checkout", "--quiet", head, "--", "."], dest, timeout)
    return head


def _check_size(dest: Path, head: str, max_mb: int, timeout: float) -> None:
    missing = _git(["rev-list", "--objects", "--missing=print", "--max-count=1", head],
                   dest, timeout)
    if any(line.startswith("?") for line in missing.splitlines()):
        raise CloneError(f"the repository holds a file over {MAX_FILE_MB} MB")
    total = 0
    for line in _git(["ls-tree", "-r", "-l", "--full-tree", head], dest, timeout).splitlines():
        size = line.split(None, 4)[3] if len(line.split(None, 4)) > 3 else "-"
        total += int(size) if size.isdigit() else 0
        if total > max_mb * 2**20:
            raise CloneError(f"the checkout would take over {max_mb} MB")


def copy_local(src: Path, dest: Path) -> str:
    """Copy a local (non-git) repository; its 'commit' is a digest of its files."""
    if not src.is_dir():
        raise CloneError(f"{src} is not a directory")
    dest.mkdir()
    digest = hashlib.sha1()
    for path in sorted(walk(src)):
        rel = os.path.relpath(path, src)
        if "__pycache__" in rel.split(os.sep):
            continue
        info = os.lstat(path)
        target = dest / rel
        if stat.S_ISLNK(info.st_mode):
            os.symlink(os.readlink(path), target)
        elif stat.S_ISDIR(info.st_mode):
            target.mkdir()
        elif stat.S_ISREG(info.st_mode):
            shutil.copyfile(path, target, follow_symlinks=False)
            shutil.copymode(path, target)
            digest.update(rel.encode())
            digest.update(target.read_bytes())
    return "local-" + digest.hexdigest()[:12]


def static_detection(repo: Path) -> dict[str, Any]:
    """The static detector's verdict: {'primary', 'frameworks', 'source'}."""
    try:
        from mltrends.detect import detect_path
    except ImportError:
        detect_path = None
    if detect_path is not None:
        try:
            found = detect_path(repo).to_json()
            names = [f.get("name") if isinstance(f, dict) else str(f)
                     for f in found.get("frameworks") or []]
            return {"primary": found.get("primary"), "frameworks": names,
                    "source": "mltrends.detect"}
        except Exception as exc:  # a detector bug must not stop the run
            return {"primary": None, "frameworks": [], "source": f"error: {exc!r}"[:300]}
    return _fallback_detection(repo)


_IMPORT_NAMES = {"torch": "pytorch", "tensorflow": "tensorflow", "jax": "jax", "flax": "jax",
                 "keras": "keras", "mxnet": "mxnet", "paddle": "paddle", "mindspore": "mindspore"}


def _fallback_detection(repo: Path) -> dict[str, Any]:
    """Used only while mltrends.detect is absent: count framework imports in .py files."""
    counts: dict[str, int] = {}
    for name in [p for p in walk(repo) if p.endswith(".py")][:2000]:
        data = read_inside(str(repo), os.path.relpath(name, repo), 1_000_000)
        if data is None:
            continue
        text = data.decode("utf-8", "replace")
        for line in text.splitlines():
            words = line.strip().split()
            if len(words) >= 2 and words[0] in ("import", "from"):
                fw = _IMPORT_NAMES.get(words[1].split(".")[0].rstrip(","))
                if fw:
                    counts[fw] = counts.get(fw, 0) + 1
    ranked = sorted(counts, key=lambda f: (-counts[f], f))
    return {"primary": ranked[0] if ranked else "none", "frameworks": ranked, "source": "fallback"}


def entrypoint(repo: Path, python: str, command: str | list[str] | None) -> tuple[list[str] | None, str]:
    """The S2 command: the given one (a leading `python` is this environment's) or a
    discovered main.py/train.py/run.py with --help."""
    if command:
        argv = shlex.split(command) if isinstance(command, str) else [str(a) for a in command]
        if argv and argv[0] in ("python", "python3"):
            argv[0] = python
        return argv, "given"
    for base in (repo, repo / "src"):
        for name in ENTRYPOINTS:
            if (base / name).is_file():
                return [python, str((base / name).relative_to(repo)), "--help"], f"discovered {name}"
    return None, "no main.py, train.py or run.py found"


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _split(fd: int) -> tuple[list[str], list[str]]:
    """(non-directories, directories) of an open directory; symlinks are not followed."""
    files, dirs = [], []
    with os.scandir(fd) as entries:
        for entry in entries:
            (dirs if entry.is_dir(follow_symlinks=False) else files).append(entry.name)
    return files, dirs


def walk_fds(top: Path, post: Callable[[int, str], None] | None = None
             ) -> Iterator[tuple[int, list[str], list[str]]]:
    """Every directory under top as (open fd, files, subdirectories), parents first.

    Without recursion and through directory fds (`..` to climb back), so any depth works,
    even past PATH_MAX; symlinks are never followed. post(parent_fd, name) is called when
    a subdirectory is done (e.g. to remove it). The fd is valid only during the yield.
    """
    fd = os.open(top, _DIR_FLAGS)
    names: list[str] = []
    try:
        files, dirs = _split(fd)
        yield fd, files, dirs
        pending = [dirs]
        while pending:
            if pending[-1]:
                name = pending[-1].pop()
                try:
                    child = os.open(name, _DIR_FLAGS, dir_fd=fd)
                except OSError:
                    continue
                os.close(fd)
                fd = child
                names.append(name)
                files, dirs = _split(fd)
                yield fd, files, dirs
                pending.append(dirs)
                continue
            pending.pop()
            if not names:
                break
            parent = os.open("..", _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = parent
            done = names.pop()
            if post is not None:
                post(fd, done)
    finally:
        os.close(fd)


def remove_tree(top: Path) -> None:
    """Delete a tree of any depth without recursion and without following symlinks."""
    try:
        info = os.lstat(top)
    except OSError:
        return
    if not stat.S_ISDIR(info.st_mode):
        os.unlink(top)
        return

    def rmdir(parent: int, name: str) -> None:
        with contextlib.suppress(OSError):
            os.rmdir(name, dir_fd=parent)

    with contextlib.suppress(OSError):
        for fd, files, _dirs in walk_fds(top, post=rmdir):
            with contextlib.suppress(OSError):
                os.fchmod(fd, stat.S_IRWXU)  # a folder the repository made read-only
            for name in files:
                with contextlib.suppress(OSError):
                    os.unlink(name, dir_fd=fd)
    with contextlib.suppress(OSError):
        os.rmdir(top)


def remove(ws: Workspace) -> None:
    """Unmount the workspace's filesystems (the tmpfs frees everything) and delete it;
    not root, what the subordinate uid owns is removed through its namespace."""
    for point in _mounts_under(ws.root):
        _unmount(Path(point))
    remove_tree(ws.root)
    if os.path.lexists(ws.root) and os.geteuid() != 0:
        sub = subids.configured()
        if sub is not None:
            subids.remove(sub, [ws.root])
