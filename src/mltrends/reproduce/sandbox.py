"""Run untrusted repository code: namespaces, a dedicated uid, limits, a watchdog.

The in-sandbox half is `_launcher.py` (a standalone script); this module chooses the
sandbox mode, allocates a uid, builds the scrubbed environment, starts the launcher and
watches it (wall clock, memory, output size), then kills whatever is left.

Modes: `root` (started as root: namespaces + a dedicated unprivileged uid from a
locked range), `userns` (not root: an unprivileged user namespace), `none` (no
sandbox: only with allow_unsandboxed).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import pwd
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

LAUNCHER = Path(__file__).resolve().parent / "_launcher.py"
SETUP_FAILED = 97
UID_BASE = 61000
UID_SLOTS = 256
# variables a repository's code may see; everything else (tokens, cloud keys) is dropped
ENV_ALLOW = ("LANG", "LC_ALL", "LC_CTYPE", "TZ", "TERM", "LD_LIBRARY_PATH", "CUDA_HOME",
             "CUDA_PATH", "NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES",
             "XLA_FLAGS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


class SandboxUnavailable(Exception):
    """No sandbox can be made here (not root, no user namespaces)."""

    user_facing = True


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 60.0
    cpu_seconds: int | None = None  # default: 4 x wall clock
    nproc: int = 256
    memory_mb: int = 4096            # RSS of the whole sandbox, watched from outside
    fsize_mb: int = 1024
    nofile: int = 4096
    output_bytes: int = 64 * 1024    # head and tail kept, the middle dropped


@dataclass
class RunResult:
    returncode: int | None
    seconds: float
    output: str
    timed_out: bool = False
    killed: str | None = None        # 'memory' | 'signal N' | None
    setup_failed: bool = False
    truncated_bytes: int = 0
    peak_rss_mb: float = 0.0
    extra: dict = field(default_factory=dict)


def _probe(mode: str) -> bool:
    """Can the launcher make a sandbox of this mode here? (runs `true` inside one)"""
    spec = {"mode": mode, "network": False, "writable": [], "cwd": "/", "argv": ["true"],
            "uid": UID_BASE + UID_SLOTS - 1, "gid": UID_BASE + UID_SLOTS - 1,
            "env": {"PATH": "/usr/bin:/bin"}, "limits": {}}
    try:
        done = subprocess.run([sys.executable, "-I", "-S", str(LAUNCHER), json.dumps(spec)],
                              capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _can_userns() -> bool:
    return _probe("userns")


@functools.lru_cache(maxsize=1)
def available_mode() -> str:
    """'root' or 'userns' when a sandbox can be made (checked by making one), else 'none'."""
    if not sys.platform.startswith("linux"):
        return "none"
    if os.geteuid() == 0 and _probe("root"):
        return "root"
    return "userns" if _can_userns() else "none"


def choose_mode(allow_unsandboxed: bool) -> str:
    mode = available_mode()
    if mode == "none" and not allow_unsandboxed:
        raise SandboxUnavailable(
            "no sandbox can be made here (not root and no unprivileged user namespaces); "
            "run as root, enable user namespaces, or pass --allow-unsandboxed to run "
            "repository code without isolation")
    return mode


def _uid_free(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return True
    return False


@contextlib.contextmanager
def sandbox_uid(mode: str) -> Iterator[int | None]:
    """A dedicated uid for one sandbox run (root mode), held by a file lock."""
    if mode != "root":
        yield None
        return
    lock_dir = Path(tempfile.gettempdir()) / "mltrends-sandbox-uids"
    lock_dir.mkdir(mode=0o700, exist_ok=True)
    for uid in range(UID_BASE, UID_BASE + UID_SLOTS):
        if not _uid_free(uid):
            continue
        fh = open(lock_dir / f"{uid}.lock", "w")  # noqa: SIM115 - held for the run
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            continue
        try:
            kill_uid(uid)  # leftovers of a crashed earlier run
            yield uid
        finally:
            kill_uid(uid)
            fh.close()
        return
    raise SandboxUnavailable(f"all {UID_SLOTS} sandbox uids from {UID_BASE} are in use")


def uid_processes(uid: int) -> list[psutil.Process]:
    procs = []
    for proc in psutil.process_iter(["uids"]):
        uids = proc.info.get("uids")
        if uids and uids.real == uid:
            procs.append(proc)
    return procs


def kill_uid(uid: int, rounds: int = 20) -> int:
    """SIGKILL every process of a sandbox uid (repeated: a fork bomb forks while we kill)."""
    killed = 0
    for _ in range(rounds):
        procs = uid_processes(uid)
        if not procs:
            break
        for proc in procs:
            with contextlib.suppress(psutil.Error, ProcessLookupError):
                proc.kill()
                killed += 1
        time.sleep(0.02)
    return killed


def scrubbed_env(extra: Mapping[str, str], path_dirs: Sequence[str], home: str, tmp: str,
                 base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The child's whole environment: an allowlist of the parent's plus ours."""
    source = os.environ if base is None else base
    env = {k: source[k] for k in ENV_ALLOW if k in source}
    env.update({
        "PATH": ":".join([*path_dirs, "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": home, "TMPDIR": tmp, "XDG_CACHE_HOME": os.path.join(home, ".cache"),
        "MPLCONFIGDIR": os.path.join(home, ".config", "matplotlib"),
        "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1",
        "LANG": env.get("LANG", "C.UTF-8"),
    })
    env.update(extra)
    return env


class _Output:
    """Reads the child's merged output: keeps the head and the tail, counts the rest."""

    def __init__(self, stream, cap: int) -> None:
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0
        self.cap = max(cap, 2)
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream) -> None:
        half = self.cap // 2
        while chunk := stream.read1(65536):
            room = half - len(self.head)
            if room > 0:
                self.head += chunk[:room]
                chunk = chunk[room:]
            self.tail += chunk
            if len(self.tail) > half:
                self.dropped += len(self.tail) - half
                del self.tail[:len(self.tail) - half]

    def text(self) -> str:
        self.thread.join(timeout=2)
        middle = f"\n[... {self.dropped} bytes dropped ...]\n" if self.dropped else ""
        return (bytes(self.head).decode("utf-8", "replace") + middle
                + bytes(self.tail).decode("utf-8", "replace"))


def _tree_rss_mb(root: psutil.Process, uid: int | None) -> float:
    procs = uid_processes(uid) if uid is not None else []
    if not procs:
        with contextlib.suppress(psutil.Error):
            procs = root.children(recursive=True)
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            total += proc.memory_info().rss
    return total / 2**20


def _rlimits(limits: Limits, mode: str, uid: int | None) -> dict[str, int | None]:
    nproc = limits.nproc
    if mode == "userns":  # counted against the user's own uid: add what it already runs
        nproc += len(uid_processes(os.getuid()))
    return {
        "cpu": limits.cpu_seconds or int(limits.wall_seconds * 4) + 5,
        "nproc": nproc if mode != "none" else None,
        "fsize": limits.fsize_mb * 2**20,
        "nofile": limits.nofile,
        "core": 0,
    }


def run_sandboxed(argv: Sequence[str], *, cwd: str, writable: Sequence[str], env: Mapping[str, str],
                  mode: str, uid: int | None, limits: Limits, network: bool = False,
                  expose: Sequence[str] = (), on_poll=None) -> RunResult:
    """Run argv in the sandbox and wait: wall-clock timeout, memory cap, output cap.

    Everything the run started is killed before this returns (process group, the pid
    namespace's init, and in root mode every process of the sandbox uid).
    """
    spec = {"mode": mode, "network": network, "writable": list(writable), "cwd": cwd,
            "uid": uid, "gid": uid, "argv": list(argv), "env": dict(env),
            "expose": list(expose), "limits": _rlimits(limits, mode, uid)}
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-I", "-S", str(LAUNCHER), json.dumps(spec)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True, env={"PATH": "/usr/bin:/bin"},
    )
    out = _Output(proc.stdout, limits.output_bytes)
    result = RunResult(returncode=None, seconds=0.0, output="")
    watched = psutil.Process(proc.pid)
    next_rss = 0.0
    try:
        while proc.poll() is None:
            now = time.monotonic()
            if now - start > limits.wall_seconds:
                result.timed_out = True
                break
            if now >= next_rss:
                rss = _tree_rss_mb(watched, uid)
                result.peak_rss_mb = max(result.peak_rss_mb, rss)
                if rss > limits.memory_mb:
                    result.killed = "memory"
                    break
                next_rss = now + 0.1
                if on_poll is not None:
                    on_poll(proc.pid, result)
            time.sleep(0.02)
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        if uid is not None:
            kill_uid(uid)
        proc.wait()
    result.seconds = time.monotonic() - start
    result.output = out.text()
    result.truncated_bytes = out.dropped
    rc = proc.returncode
    if result.timed_out or result.killed:
        result.returncode = None
        return result
    result.returncode = rc
    if rc == SETUP_FAILED and "mltrends-sandbox:" in result.output:
        result.setup_failed = True
    elif rc is not None and rc > 128 and rc - 128 in (signal.SIGKILL, signal.SIGXCPU,
                                                      signal.SIGXFSZ):
        result.killed = f"signal {signal.Signals(rc - 128).name}"
    elif rc is not None and rc < 0:
        result.killed = f"signal {signal.Signals(-rc).name}"
    return result
