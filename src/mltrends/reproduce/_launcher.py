"""Sandbox launcher: run as `python -I -S _launcher.py SPEC_JSON` by mltrends.reproduce.sandbox.

Standalone on purpose (standard library only, no mltrends import): it runs in a fresh
process, enters new namespaces (mount, pid, network unless allowed, user when not root),
makes every mount read-only except the writable workspace paths, gives the sandbox a
fresh /dev/shm, forks a small init (pid 1 of the new pid namespace: when it exits, the
kernel kills every process left inside), sets resource limits, drops to the sandbox
uid, scrubs the environment and execs the command.

Exit code 97 with a line starting `mltrends-sandbox:` means the sandbox could not be made.
"""

import ctypes
import fcntl
import json
import os
import resource
import signal
import socket
import struct
import sys
import warnings  # noqa: F401 - os.execvpe imports it lazily, when the uid may no longer read the stdlib

SETUP_FAILED = 97
CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x20000, 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC = 32, 1024, 2048, 4096, 16384
MS_PRIVATE, MS_RELATIME, MS_STRICTATIME = 1 << 18, 1 << 21, 1 << 24
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
FLAG_OF = {"ro": MS_RDONLY, "nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC,
           "noatime": MS_NOATIME, "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME}
# kernel filesystems left as they are: the sandbox uid cannot write there, and
# remounting them read-only breaks ptys and device nodes
SKIP_PREFIXES = ("/proc", "/sys", "/dev")

libc = ctypes.CDLL(None, use_errno=True)


class SetupError(Exception):
    pass


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise SetupError(f"{what}: {os.strerror(err)}")


def _mount(source, target, fstype, flags, data=None) -> None:
    def enc(value):
        return None if value is None else value.encode()

    _check(libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {target}")


def _unescape(path: str) -> str:
    return path.encode().decode("unicode_escape").encode("latin-1").decode("utf-8", "replace")


def _mounts() -> list[tuple[str, int]]:
    """(mount point, per-mount flags) from /proc/self/mountinfo, parents first."""
    out = []
    with open("/proc/self/mountinfo") as fh:
        for line in fh:
            parts = line.split()
            flags = 0
            for opt in parts[5].split(","):
                flags |= FLAG_OF.get(opt, 0)
            if "relatime" not in parts[5].split(",") and "noatime" not in parts[5].split(","):
                flags |= MS_STRICTATIME
            out.append((_unescape(parts[4]), flags))
    return sorted(set(out), key=lambda m: m[0].count("/"))


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _loopback_up() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        req = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(sock, 0x8913, req))[1]  # SIOCGIFFLAGS
        fcntl.ioctl(sock, 0x8914, struct.pack("16sH", b"lo", flags | 1))  # SIOCSIFFLAGS IFF_UP
    finally:
        sock.close()


def _write(path: str, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


def _blocking_ancestor(path: str) -> str | None:
    """The highest ancestor of path that others cannot traverse (e.g. /root), if any."""
    parts = path.strip("/").split("/")
    for i in range(1, len(parts)):
        anc = "/" + "/".join(parts[:i])
        if not os.stat(anc).st_mode & 0o001:
            return anc
    return None


def _expose(paths: list) -> None:
    """Make paths (the interpreter, the base environment) reachable by the sandbox uid.

    A path below a private directory (a Python under /root) is bound into a read-only
    tmpfs laid over that directory: the rest of the directory stays hidden.
    """
    groups: dict = {}
    for path in paths:
        path = os.path.realpath(path)
        anc = _blocking_ancestor(path)
        if anc is not None and os.path.isdir(path):
            groups.setdefault(anc, []).append((path, os.open(path, os.O_PATH)))
    for anc, targets in groups.items():
        _mount("tmpfs", anc, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755")
        for path, fd in targets:
            os.makedirs(path, mode=0o755, exist_ok=True)
            _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
            os.close(fd)


def setup_namespaces(spec: dict) -> None:
    flags = CLONE_NEWNS | CLONE_NEWPID
    if not spec["network"]:
        flags |= CLONE_NEWNET
    userns = spec["mode"] == "userns"
    outer_uid, outer_gid = os.getuid(), os.getgid()
    if userns:
        flags |= CLONE_NEWUSER
    _check(libc.unshare(flags), "unshare")
    if userns:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"0 {outer_uid} 1")
        _write("/proc/self/gid_map", f"0 {outer_gid} 1")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    if not spec["network"]:
        _loopback_up()
    if spec["mode"] == "root":
        _expose(spec.get("expose", []))
    writable = [os.path.realpath(p) for p in spec["writable"]]
    for path in writable:
        _mount(path, path, None, MS_BIND | MS_REC)
    for point, mflags in _mounts():
        if any(_under(point, p) for p in SKIP_PREFIXES) or any(_under(point, w) for w in writable):
            continue
        if mflags & MS_RDONLY:
            continue
        _mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | mflags)
    shm = "/dev/shm"  # noqa: S108 - replaced by a fresh tmpfs private to the sandbox
    if os.path.isdir(shm):
        _mount("tmpfs", shm, "tmpfs", MS_NOSUID | MS_NODEV,
               f"size={spec.get('shm_mb', 256)}m,mode=1777")


def set_limits(limits: dict) -> None:
    names = {"cpu": resource.RLIMIT_CPU, "nproc": resource.RLIMIT_NPROC,
             "fsize": resource.RLIMIT_FSIZE, "nofile": resource.RLIMIT_NOFILE,
             "data": resource.RLIMIT_DATA, "core": resource.RLIMIT_CORE}
    for name, value in limits.items():
        if value is not None:
            resource.setrlimit(names[name], (int(value), int(value)))


def run_init(spec: dict) -> int:
    """pid 1 of the sandbox: start the command, reap orphans, return its status."""
    child = os.fork()
    if child == 0:
        try:
            set_limits(spec["limits"])
            _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
            if spec["mode"] == "root":
                os.setgroups([])
                os.setgid(spec["gid"])
                os.setuid(spec["uid"])
            os.chdir(spec["cwd"])
            os.execvpe(spec["argv"][0], spec["argv"], spec["env"])
        except Exception as exc:  # report anything that stops the exec
            sys.stderr.write(f"mltrends-sandbox: cannot start {spec['argv'][0]}: {exc}\n")
            os._exit(127)
    status = 0
    while True:
        try:
            pid, st = os.wait()
        except ChildProcessError:
            break
        if pid == child:
            status = st
            break
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def enter(spec: dict) -> int:
    """Mode `enter` (root, before bubblewrap): a private mount namespace where the exposed
    paths are reachable, then the sandbox uid, then exec bwrap (which makes the sandbox)."""
    try:
        _check(libc.unshare(CLONE_NEWNS), "unshare")
        _mount(None, "/", None, MS_REC | MS_PRIVATE)
        _expose(spec.get("expose", []))
        os.setgroups([])
        os.setgid(spec["gid"])
        os.setuid(spec["uid"])
        os.execve(spec["argv"][0], spec["argv"], spec["env"])
    except (SetupError, OSError) as exc:
        sys.stderr.write(f"mltrends-sandbox: setup failed: {exc}\n")
    return SETUP_FAILED


def _map_ids(spec: dict) -> None:
    """A new user namespace whose ids newuidmap/newgidmap (setuid helpers, run from a child
    still outside it) map to the operator's own ids (inside 0) and subordinate ids."""
    ready_r, ready_w = os.pipe()
    helper = os.fork()
    if helper == 0:
        os.close(ready_w)
        os.read(ready_r, 1)  # the parent has unshared (or gave up)
        parent = str(os.getppid())
        for tool, ranges in ((spec["newuidmap"], spec["uid_map"]),
                             (spec["newgidmap"], spec["gid_map"])):
            words = [str(n) for r in ranges for n in r]
            child = os.fork()
            if child == 0:
                os.execv(tool, [tool, parent, *words])
            _, status = os.waitpid(child, 0)
            if status != 0:
                os._exit(1)
        os._exit(0)
    os.close(ready_r)
    try:
        _check(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), "unshare")
    finally:
        os.write(ready_w, b"x")
        os.close(ready_w)
    _, status = os.waitpid(helper, 0)
    if status != 0:
        raise SetupError("newuidmap/newgidmap refused the subordinate ids")


def subordinate(spec: dict) -> int:
    """Mode `subid` (not root, before bubblewrap): a user namespace mapping the operator to
    0 and its first subordinate uid and gid to 1, a private mount namespace where the
    exposed paths are reachable, then uid 1 (a uid that is not the operator's, outside as
    inside) and exec argv; with as_root, argv runs as 0 there (the operator, with the
    namespace's capabilities over both ids: to hand the workspace over and remove it)."""
    try:
        _map_ids(spec)
        _mount(None, "/", None, MS_REC | MS_PRIVATE)
        _expose(spec.get("expose", []))
        os.setgroups([])
        if not spec.get("as_root"):
            os.setgid(1)
            os.setuid(1)
        os.execve(spec["argv"][0], spec["argv"], spec["env"])
    except (SetupError, OSError) as exc:
        sys.stderr.write(f"mltrends-sandbox: setup failed: {exc}\n")
    return SETUP_FAILED


def main() -> int:
    spec = json.loads(sys.argv[1])
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if spec["mode"] == "enter":
        return enter(spec)
    if spec["mode"] == "subid":
        return subordinate(spec)
    try:
        if spec["mode"] != "none":
            setup_namespaces(spec)
    except (SetupError, OSError) as exc:
        sys.stderr.write(f"mltrends-sandbox: setup failed: {exc}\n")
        return SETUP_FAILED
    if spec["mode"] == "none":
        set_limits({k: v for k, v in spec["limits"].items() if k != "nproc"})
        os.chdir(spec["cwd"])
        os.execvpe(spec["argv"][0], spec["argv"], spec["env"])
    init = os.fork()
    if init == 0:
        os._exit(run_init(spec))
    _, status = os.waitpid(init, 0)
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


if __name__ == "__main__":
    sys.exit(main())
