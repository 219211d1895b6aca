"""One repository's workspace: layout, clone at a pinned commit, static pass, entrypoint.

Layout (root-owned, readable; only the sandbox's paths are writable by its uid):

    <ws>/repo    the checkout          (sandbox uid)
    <ws>/home    HOME                  (sandbox uid)
    <ws>/tmp     TMPDIR                (sandbox uid)
    <ws>/trace   tracer output         (sandbox uid)
    <ws>/venv    per-repo environment  (sandbox uid, when installing)
    <ws>/tools   tracer + S1 checker   (read-only for the sandbox)
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shlex
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TOOLS = {"sitecustomize.py": HERE / "tracer" / "sitecustomize.py",
         "_mltrends_probes.py": HERE / "tracer" / "_mltrends_probes.py",
         "_check_imports.py": HERE / "_check_imports.py"}
ENTRYPOINTS = ("main.py", "train.py", "run.py")
SANDBOX_DIRS = ("repo", "home", "tmp", "trace")


class CloneError(Exception):
    pass


@dataclass
class Workspace:
    root: Path

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
    def trace(self) -> Path:
        return self.root / "trace"

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


def make_root(work_dir: str | None) -> Path:
    """A work root the sandbox uid can traverse (0755, outside private directories)."""
    if work_dir:
        root = Path(work_dir).resolve()
        root.mkdir(parents=True, exist_ok=True)
    else:
        root = Path(tempfile.mkdtemp(prefix="mltrends-reproduce-"))
    root.chmod(0o755)
    return root


def create(work_root: Path, slug: str) -> Workspace:
    root = Path(tempfile.mkdtemp(prefix=f"{slug[:40]}-", dir=work_root))
    root.chmod(0o755)
    ws = Workspace(root)
    for name in ("home", "tmp", "trace", "tools"):
        (root / name).mkdir()
    for name, src in TOOLS.items():
        shutil.copyfile(src, root / "tools" / name)
        (root / "tools" / name).chmod(0o644)
    return ws


def hand_over(ws: Workspace, uid: int | None) -> None:
    """Give the sandbox's own directories to its uid (root mode)."""
    if uid is None:
        return
    for name in [*SANDBOX_DIRS, "venv"]:
        top = ws.root / name
        if not top.exists():
            continue
        os.chown(top, uid, uid)
        for dirpath, dirnames, filenames in os.walk(top):
            for entry in dirnames + filenames:
                with contextlib.suppress(FileNotFoundError):
                    os.lchown(os.path.join(dirpath, entry), uid, uid)


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


def clone(url: str, dest: Path, commit: str | None = None, timeout: float = 120.0) -> str:
    """Shallow clone (the hooks of the repository are never run); returns the commit."""
    _git(["-c", "protocol.file.allow=always", "clone", "--quiet", "--depth", "1",
          "--no-tags", "--", url, str(dest)], None, timeout)
    head = _git(["rev-parse", "HEAD"], dest, 30)
    if commit and not head.startswith(commit):
        _git(["-c", "protocol.file.allow=always", "fetch", "--quiet", "--depth", "1",
              "origin", commit], dest, timeout)
        _git(["checkout", "--quiet", "FETCH_HEAD"], dest, 30)
        head = _git(["rev-parse", "HEAD"], dest, 30)
    return head


def copy_local(src: Path, dest: Path) -> str:
    """Copy a local (non-git) repository; its 'commit' is a digest of its files."""
    if not src.is_dir():
        raise CloneError(f"{src} is not a directory")
    shutil.copytree(src, dest, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    digest = hashlib.sha1()
    for path in sorted(p for p in dest.rglob("*") if p.is_file() and not p.is_symlink()):
        digest.update(str(path.relative_to(dest)).encode())
        digest.update(path.read_bytes())
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
    for path in list(repo.rglob("*.py"))[:2000]:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
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


def remove(ws: Workspace) -> None:
    def unlock(func, path, _exc) -> None:
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(path), stat.S_IRWXU)
            os.chmod(path, stat.S_IRWXU)
            func(path)
    shutil.rmtree(ws.root, onerror=unlock)
