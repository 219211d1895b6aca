"""Run untrusted repository code: bubblewrap, a dedicated uid, limits, a watchdog.

This module chooses the sandbox mode, allocates a uid, builds the scrubbed environment,
starts the sandbox and watches it (wall clock, memory, output size, workspace size),
reads the tracer's evidence from a pipe, then kills whatever is left.

Modes: `bwrap` (bubblewrap, see bwrap.py; as root the launcher first drops to a
dedicated unprivileged uid from a locked range; not root, to the operator's first
subordinate uid where /etc/subuid grants a range and newuidmap runs, else bwrap runs as
the operator's uid), and the fallbacks where bubblewrap cannot run, made by
`_launcher.py`: `root` (namespaces + a dedicated uid), `userns` (not root: an
unprivileged user namespace), `none` (no sandbox: only with allow_unsandboxed).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import pwd
import select
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from mltrends.reproduce import bwrap, seccomp, subids

LAUNCHER = Path(__file__).resolve().parent / "_launcher.py"
SETUP_FAILED = 97
UID_BASE = 62000
UID_SLOTS = 256
# root-owned and fixed, so that every instance (whatever its TMPDIR) shares one uid pool
LOCK_DIR = Path("/run/mltrends/sandbox-uids")
TRACE_FD_ENV = "MLTRENDS_TRACE_FD"
PREFERENCES = ("auto", "bwrap", "launcher")
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
    evidence_bytes: int = 4 * 2**20  # what the parent reads from the tracer's pipe, at most
    disk_mb: int = 8192              # the workspace, all files together
    tmp_mb: int = 512                # each of $HOME, /tmp and /dev/shm (bwrap)


@dataclass
class RunResult:
    returncode: int | None
    seconds: float
    output: str
    timed_out: bool = False
    killed: str | None = None        # 'memory' | 'disk' | 'signal N' | None
    setup_failed: bool = False
    truncated_bytes: int = 0
    peak_rss_mb: float = 0.0
    evidence: bytes = b""            # what the tracer wrote to its pipe
    evidence_dropped: int = 0
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


def _probe_bwrap(sub: subids.SubIds | None | bool = True) -> bool:
    if bwrap.find() is None:
        return False
    uid = UID_BASE + UID_SLOTS - 1 if os.geteuid() == 0 else None
    done = run_sandboxed(["/usr/bin/true"], cwd="/", writable=[], env={"PATH": "/usr/bin:/bin"},
                         mode="bwrap", uid=uid, limits=Limits(wall_seconds=20),
                         expose=[sys.base_prefix], subordinate=sub)
    return done.returncode == 0


@functools.lru_cache(maxsize=1)
def subordinate_ids() -> subids.SubIds | None:
    """Not root: the operator's subordinate ids, when bubblewrap runs as them here."""
    if os.geteuid() == 0 or not sys.platform.startswith("linux"):
        return None
    found = subids.configured()
    if found is None or not _probe_bwrap(found):
        return None
    return found


def subordinate_for(mode: str, uid: int | None) -> subids.SubIds | None:
    """The subordinate ids a run of this mode uses (bubblewrap without a dedicated uid)."""
    return subordinate_ids() if mode == "bwrap" and uid is None else None


def _can_userns() -> bool:
    return _probe("userns")


@functools.lru_cache(maxsize=4)
def available_mode(preference: str = "auto") -> str:
    """'bwrap', else the launcher's 'root' or 'userns' (each checked by making one), else 'none'."""
    if not sys.platform.startswith("linux"):
        return "none"
    if preference != "launcher" and _probe_bwrap():
        return "bwrap"
    if preference == "bwrap":
        return "none"
    if os.geteuid() == 0 and _probe("root"):
        return "root"
    return "userns" if _can_userns() else "none"


def choose_mode(allow_unsandboxed: bool, preference: str = "auto") -> str:
    mode = available_mode(preference)
    if mode == "none" and not allow_unsandboxed:
        raise SandboxUnavailable(
            "no sandbox can be made here (no working bubblewrap, not root and no unprivileged "
            "user namespaces); install bubblewrap, or pass --allow-unsandboxed to run "
            "repository code without isolation")
    return mode


UID_KINDS = {"dedicated": "a dedicated uid",
             "subordinate": "a subordinate uid (not the operator's)",
             "operator": "the operator's uid behind a user namespace"}


def isolation(mode: str, uid: int | None, sub: subids.SubIds | None = None) -> dict:
    """What isolation a run had, for the record, the summary and the report.

    uid: the dedicated uid (as root); sub: the subordinate ids (not root). Neither: the
    repository ran as the operator's own uid, only mapped to another inside a namespace.
    """
    if mode == "none":
        return {"sandbox": "none", "label": "none (no sandbox)", "uid_kind": "operator"}
    memory = "cgroup (systemd-run)" if mode == "bwrap" and bwrap.systemd_running() else "watchdog"
    filt = mode == "bwrap" and seccomp.program() is not None
    kind = "dedicated" if uid is not None else "subordinate" if sub is not None else "operator"
    tool = "bubblewrap" if mode == "bwrap" else f"fallback launcher ({mode})"
    label = f"{tool}, {UID_KINDS[kind]}, {'seccomp, ' if filt else ''}memory {memory}"
    return {"sandbox": mode, "label": label, "seccomp": filt, "memory": memory,
            "uid_kind": kind, "uid": uid if uid is not None else sub.uid if sub else None}


def _uid_free(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return True
    return False


def lock_dir() -> Path:
    """The uid lock directory: created root-owned 0700; anything else there is refused."""
    for folder in (LOCK_DIR.parent, LOCK_DIR):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o700)
        info = os.lstat(folder)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0 or info.st_mode & 0o022:
            raise SandboxUnavailable(f"{folder} must be a directory owned by root and writable "
                                     "only by root (it holds the sandbox uid locks)")
    return LOCK_DIR


@contextlib.contextmanager
def sandbox_uid(mode: str) -> Iterator[int | None]:
    """A dedicated uid for one sandbox run (as root), held by a file lock."""
    if mode not in ("root", "bwrap") or os.geteuid() != 0:
        yield None
        return
    folder = lock_dir()
    for uid in range(UID_BASE, UID_BASE + UID_SLOTS - 1):  # the last one is the probe's
        if not _uid_free(uid):
            continue
        fh = open(folder / f"{uid}.lock", "w")  # noqa: SIM115 - held for the run
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
    for proc in psutil.process_iter(["uids", "status"]):
        uids = proc.info.get("uids")
        # a zombie cannot be killed (and this container's init may never reap it)
        if uids and uids.real == uid and proc.info.get("status") != psutil.STATUS_ZOMBIE:
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


_ACTIVE: dict[int, tuple[subprocess.Popen, int | None]] = {}
_ACTIVE_LOCK = threading.Lock()
STOPPING = threading.Event()


def stop_all() -> int:
    """End every running sandbox and refuse new ones (on SIGTERM or an interrupt)."""
    STOPPING.set()
    with _ACTIVE_LOCK:
        running = list(_ACTIVE.values())
    for proc, uid in running:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        if uid is not None:
            kill_uid(uid)
    return len(running)


class _Evidence:
    """Reads the tracer's pipe: at most `cap` bytes kept, the rest drained and counted."""

    def __init__(self, fd: int, cap: int) -> None:
        self.fd, self.cap = fd, cap
        self.data = bytearray()
        self.dropped = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while not self.stop.is_set():
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if not ready:
                continue
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return
            room = self.cap - len(self.data)
            self.data += chunk[:max(room, 0)]
            self.dropped += max(len(chunk) - max(room, 0), 0)

    def finish(self, timeout: float = 2.0) -> bytes:
        self.thread.join(timeout=timeout)
        self.stop.set()
        self.thread.join(timeout=1.0)
        with contextlib.suppress(OSError):
            os.close(self.fd)
        return bytes(self.data)


def tree_bytes(root: str, budget_seconds: float = 0.5) -> int:
    """Disk used under root (iterative; stops counting after budget_seconds)."""
    total, stack, deadline = 0, [root], time.monotonic() + budget_seconds
    while stack and time.monotonic() < deadline:
        with contextlib.suppress(OSError), os.scandir(stack.pop()) as entries:
            for entry in entries:
                with contextlib.suppress(OSError):
                    info = entry.stat(follow_symlinks=False)
                    total += info.st_blocks * 512
                    if stat.S_ISDIR(info.st_mode):
                        stack.append(entry.path)
    return total


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
        # no one file larger than the whole workspace may be (where only the watchdog caps it)
        "fsize": min(limits.fsize_mb, limits.disk_mb) * 2**20,
        "nofile": limits.nofile,
        "core": 0,
    }


def _prlimit(limits: Limits, mode: str, uid: int | None,
             sub: subids.SubIds | None = None) -> list[str]:
    """Resource limits set inside the bubblewrap sandbox by util-linux prlimit."""
    values = _rlimits(limits, "userns" if uid is None else mode, uid)
    if sub is not None and values["nproc"] is not None:
        # counted against the subordinate uid: the operator's other sandboxes, not its own
        values["nproc"] = limits.nproc + len(uid_processes(sub.uid))
    tool = "/usr/bin/prlimit"
    if not os.path.exists(tool):
        return []
    names = {"cpu": "--cpu", "nproc": "--nproc", "fsize": "--fsize", "nofile": "--nofile",
             "core": "--core"}
    return [tool, *(f"{names[k]}={v}" for k, v in values.items() if v is not None), "--"]


@contextlib.contextmanager
def _command(argv: Sequence[str], spec: dict, limits: Limits, expose: Sequence[str],
             readonly: Sequence[str], gpus: bool,
             sub: subids.SubIds | None) -> Iterator[tuple[list[str], list[int]]]:
    """The argv to start (and the fds it inherits) for the spec's mode."""
    if spec["mode"] != "bwrap":
        yield [sys.executable, "-I", "-S", str(LAUNCHER), json.dumps(spec)], []
        return
    uid = spec["uid"]
    layout = bwrap.Layout(writable=spec["writable"], readonly=readonly, expose=expose,
                          network=spec["network"], gpus=gpus, tmp_mb=limits.tmp_mb)
    inner = [*_prlimit(limits, "bwrap", uid, sub), *argv]
    prefix = bwrap.memory_prefix(limits.memory_mb, limits.nproc)
    with bwrap.command(inner, cwd=spec["cwd"], layout=layout) as (args, fds):
        if uid is None and sub is not None:
            yield [*prefix, *subids.command(sub, args, env=spec["env"],
                                            expose=[*expose, *spec["writable"], *readonly])], fds
            return
        if uid is None:
            yield [*prefix, *args], fds
            return
        enter = {"mode": "enter", "uid": uid, "gid": uid, "argv": args, "env": spec["env"],
                 "expose": [*expose, *spec["writable"], *readonly]}
        yield [*prefix, sys.executable, "-I", "-S", str(LAUNCHER), json.dumps(enter)], fds


def run_sandboxed(argv: Sequence[str], *, cwd: str, writable: Sequence[str], env: Mapping[str, str],
                  mode: str, uid: int | None, limits: Limits, network: bool = False,
                  expose: Sequence[str] = (), on_poll=None, readonly: Sequence[str] = (),
                  gpus: bool = False, evidence: bool = False,
                  disk_watch: str | None = None,
                  subordinate: subids.SubIds | None | bool = True) -> RunResult:
    """Run argv in the sandbox and wait: wall-clock timeout, memory cap, output cap.

    With evidence, the child gets the write end of a pipe (its number in
    $MLTRENDS_TRACE_FD) and RunResult.evidence holds what came through it (at most
    limits.evidence_bytes). disk_watch: a folder whose size the watchdog caps at
    limits.disk_mb (where no size-limited filesystem holds the workspace). subordinate:
    True (the default) runs bubblewrap without a dedicated uid as the operator's
    subordinate uid where one is available; or the ids to use; or None (the operator's
    uid). Everything the run started is killed before this returns.
    """
    sub = subordinate_for(mode, uid) if subordinate is True else subordinate or None
    if STOPPING.is_set():
        return RunResult(returncode=None, seconds=0.0, output="mltrends is stopping",
                         killed="signal SIGTERM")
    env = dict(env)
    read_fd = write_fd = None
    if evidence:
        read_fd, write_fd = os.pipe()
        env[TRACE_FD_ENV] = str(write_fd)
    spec = {"mode": mode, "network": network, "writable": list(writable), "cwd": cwd,
            "uid": uid, "gid": uid, "argv": list(argv), "env": env,
            "expose": list(expose), "limits": _rlimits(limits, mode, uid)}
    start = time.monotonic()
    with _command(argv, spec, limits, expose, readonly, gpus, sub) as (command, fds):
        pass_fds = [*fds, *([write_fd] if write_fd is not None else [])]
        direct = mode == "bwrap" and uid is None and sub is None
        try:
            proc = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, start_new_session=True, pass_fds=pass_fds,
                env=env if direct else {"PATH": "/usr/bin:/bin"}, cwd="/")
        finally:
            if write_fd is not None:
                os.close(write_fd)
    with _ACTIVE_LOCK:
        _ACTIVE[proc.pid] = (proc, uid)
    out = _Output(proc.stdout, limits.output_bytes)
    trace = _Evidence(read_fd, limits.evidence_bytes) if read_fd is not None else None
    result = RunResult(returncode=None, seconds=0.0, output="")
    watched = psutil.Process(proc.pid)
    next_rss = next_disk = 0.0
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
            if disk_watch is not None and now >= next_disk:
                if tree_bytes(disk_watch) > limits.disk_mb * 2**20:
                    result.killed = "disk"
                    break
                # often while the tree is small (a writer overshoots by one interval's
                # worth), rarely once counting it costs more than a tenth of the time
                next_disk = now + max(0.1, 10 * (time.monotonic() - now))
            time.sleep(0.02)
    finally:
        with contextlib.suppress(psutil.Error):
            inside = watched.children(recursive=True)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        for child in inside if "inside" in locals() else []:
            with contextlib.suppress(psutil.Error):
                child.kill()
        if uid is not None:
            kill_uid(uid)
        proc.wait()
        with _ACTIVE_LOCK:
            _ACTIVE.pop(proc.pid, None)
    result.seconds = time.monotonic() - start
    result.output = out.text()
    result.truncated_bytes = out.dropped
    if trace is not None:
        result.evidence = trace.finish()
        result.evidence_dropped = trace.dropped
    rc = proc.returncode
    if result.timed_out or result.killed:
        result.returncode = None
        return result
    result.returncode = rc
    if ((rc == SETUP_FAILED and "mltrends-sandbox:" in result.output)
            or (mode == "bwrap" and rc == 1 and result.output.startswith("bwrap:"))):
        result.setup_failed = True
    elif rc is not None and rc > 128 and rc - 128 in (signal.SIGKILL, signal.SIGXCPU,
                                                      signal.SIGXFSZ):
        result.killed = f"signal {signal.Signals(rc - 128).name}"
    elif rc is not None and rc < 0:
        result.killed = f"signal {signal.Signals(-rc).name}"
    return result
