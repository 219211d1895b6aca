"""Synthetic hostile repositories for tests/test_hostile.py: one per attack of issue 16.

Each is a dict of files; `{MARK}` is replaced by a per-test marker folder on the host
(anything found there afterwards means the attack reached the host), `{SECRET}` by a
root-only secret file, `{PORT}` by a listening port on the host's loopback, `{SOCK}`
by an AF_UNIX socket on the host's filesystem, `{OPERATOR_HOME}` by the home (holding a
token) of the user the job runs as, `{MARKNAME}` by a word in a host process's command line.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}

REPOS: dict[str, dict[str, str]] = {
    # the tracer's evidence travels through a pipe: files named like the old trace files,
    # FIFOs and symlinks in the workspace are never read by the host
    "forged_traces": {"main.py": """# synthetic hostile repository
import json, os
os.makedirs("trace", exist_ok=True)
with open("trace/frameworks.jsonl", "w") as fh:
    fh.write(json.dumps({"module": "jax", "pid": 1}) + "\\n")
os.mkfifo("trace/trace-1.json")
os.symlink("{SECRET}", "trace/trace-2.json")
os.symlink("/dev/zero", "trace/trace-3.json")
os.symlink("{OPERATOR_HOME}/.config/mltrends/github_token", "trace/trace-4.json")
print("planted")
"""},
    # floods the tracer's pipe: the parent keeps a few MiB and carries on
    "pipe_flood": {"main.py": """# synthetic hostile repository
import os
fd = int(os.environ["MLTRENDS_TRACE_FD"])
chunk = b"x" * 65536
for _ in range(400):  # 25 MiB
    os.write(fd, chunk)
print("flooded")
"""},
    # absolute and escaping includes, a FIFO include: never opened by the static pass (the
    # secret only root can read, and the token the operator itself can read, for the
    # non-root path where the static pass runs as the operator)
    "hostile_includes": {
        "requirements.txt": "-r /dev/zero\n-r {SECRET}\n-r ../../../../../../{SECRET}\n"
                            "-r {OPERATOR_HOME}/.config/mltrends/github_token\n"
                            "-r link.txt\nnumpy\n",
        "main.py": "print('ok')\n",
        "@symlink link.txt": "{SECRET}",
    },
    # one 1 MB setup.py made of quoted names: the static pass stays linear
    "huge_setup": {"setup.py": "from setuptools import setup\nsetup(name='x', install_requires=["
                               + "'a', " * 200_000 + "])\n",
                   "main.py": "print('ok')\n"},
    # SysV shared memory left behind for a later repository to read
    "shm_writer": {"main.py": """# synthetic hostile repository
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
shmid = libc.shmget(0x6d6c7472, 64 << 20, 0o1000 | 0o666)  # IPC_CREAT
print("shmid", shmid, ctypes.get_errno())
libc.shmat.restype = ctypes.c_void_p
addr = libc.shmat(shmid, None, 0)
ctypes.memmove(addr, b"left behind by a repository", 27)
print("left", shmid >= 0)
"""},
    "shm_reader": {"main.py": """# synthetic hostile repository
import ctypes, time
time.sleep(1)
libc = ctypes.CDLL(None, use_errno=True)
shmid = libc.shmget(0x6d6c7472, 0, 0)
print("found" if shmid >= 0 else f"no segment errno {ctypes.get_errno()}")
raise SystemExit(1 if shmid < 0 else 0)
"""},
    # an AF_UNIX socket of the host and the host's processes
    "host_sockets_and_proc": {"main.py": """# synthetic hostile repository
import os, socket
try:
    s = socket.socket(socket.AF_UNIX)
    s.connect("{SOCK}")
    print("connected to the host socket")
except OSError as exc:
    print("unix socket:", exc)
pids = [p for p in os.listdir("/proc") if p.isdigit()]
seen = []
for pid in pids:
    try:
        seen.append(open(f"/proc/{pid}/cmdline", "rb").read())
    except OSError:
        pass
print("processes", len(pids), "marker seen", any(b"{MARKNAME}" in c for c in seen))
print("run exists", os.path.exists("/run"), "home", sorted(os.listdir("/home")))
raise SystemExit(2)
"""},
    # calls the seccomp filter denies
    "denied_syscalls": {"main.py": """# synthetic hostile repository
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
for name, call in (("unshare", lambda: libc.unshare(0x10000000)),
                   ("ptrace", lambda: libc.ptrace(16, 1, 0, 0)),
                   ("keyctl", lambda: libc.syscall(250, 0, 0, 0, 0)),
                   ("bpf", lambda: libc.syscall(321, 0, 0, 0)),
                   ("mount", lambda: libc.mount(b"none", b"/tmp", b"tmpfs", 0, None))):
    ret = call()
    print(name, ret, ctypes.get_errno())
raise SystemExit(3)
"""},
    # fills the disk: one file larger than the workspace, then file after file (400 MB/s,
    # the rate of the attack the issue measured), 2 GiB in all if nothing stops it
    "disk_filler": {"main.py": """# synthetic hostile repository
import time
chunk = b"\\0" * (1 << 20)
try:
    with open("big.bin", "wb") as fh:
        for _ in range(400):
            fh.write(chunk)
    print("one file of 400 MiB", flush=True)
except OSError as exc:
    print("one file:", exc, flush=True)
written = 0
try:
    for i in range(256):
        with open(f"part{i}.bin", "wb") as fh:
            for _ in range(8):
                fh.write(chunk)
        written += 8
        print("written", written, "MiB", flush=True)
        time.sleep(0.02)
except OSError as exc:
    print("many files:", exc, flush=True)
print("done, written", written, "MiB")
raise SystemExit(0 if written == 2048 else 5)
"""},
    # a small clone that checks out to far more than it downloads
    "expands": {"main.py": "print('ok')\n", "@zeros zeros.bin": "300"},
    # tries to open the operator's token (the path deploy/cron.txt recommends)
    "home_token": {"main.py": """# synthetic hostile repository
import os, glob
found = []
for path in [os.path.expanduser("~/.config/mltrends/github_token"),
             "{OPERATOR_HOME}/.config/mltrends/github_token",
             *glob.glob("/home/*/.config/mltrends/github_token"),
             *glob.glob("/root/.config/mltrends/github_token")]:
    try:
        found.append(open(path).read())
    except OSError:
        pass
print("stolen:", found) if found else print("nothing to steal")
raise SystemExit(4)
"""},
    # deeper than Python's recursion limit: walks and removals must not recurse
    "deep_tree": {"main.py": "print('ok')\n", "@deep d": "1500"},
    # sleeps with a child: used by the kill tests
    "sleeper": {"main.py": """# synthetic hostile repository
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", "{MARKNAME}"])
print("sleeping", flush=True)
time.sleep(300)
"""},
    # an in-tree PEP 517 build backend (repository code the offline install step runs)
    # that phones the host; main.py shows what the backend saw
    "phones_home_on_install": {
        "requirements.txt": "-e .\n",
        "pyproject.toml": """[build-system]
requires = []
build-backend = "backend"
backend-path = ["."]

[project]
name = "phones-home"
version = "0.1"
""",
        "backend.py": """# synthetic hostile repository
import base64, hashlib, os, socket, zipfile


def _phone():
    try:
        socket.create_connection(("127.0.0.1", {PORT}), timeout=3).close()
        return "reached the host"
    except OSError as exc:
        return f"no network: {exc}"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    with open("backend-ran.txt", "w") as fh:
        fh.write(f"the build backend ran (uid {os.getuid()}): {_phone()}\\n")
    name = "phones_home-0.1-py3-none-any.whl"
    info = "phones_home-0.1.dist-info/"
    files = {"phones_home.pth": "",
             info + "METADATA": "Metadata-Version: 2.1\\nName: phones-home\\nVersion: 0.1\\n",
             info + "WHEEL": "Wheel-Version: 1.0\\nGenerator: backend\\nRoot-Is-Purelib: true\\n"
                             "Tag: py3-none-any\\n"}
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as zf:
        for path, text in files.items():
            data = text.encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append(f"{path},sha256={digest.decode()},{len(data)}")
            zf.writestr(path, data)
        record.append(info + "RECORD,,")
        zf.writestr(info + "RECORD", "\\n".join(record) + "\\n")
    return name


build_editable = build_wheel
""",
        "main.py": """# synthetic hostile repository
import os
print(open("backend-ran.txt").read() if os.path.exists("backend-ran.txt")
      else "the build backend never ran")
"""},
}


def make_repo(root: Path, name: str, values: dict[str, str]) -> str:
    """Write REPOS[name] (placeholders filled) as a one-commit git repository; its URL."""
    dest = root / name
    dest.mkdir(parents=True)
    for rel, text in REPOS[name].items():
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        if rel.startswith("@"):
            kind, rel = rel[1:].split(" ", 1)
            if kind == "symlink":
                os.symlink(text, dest / rel)
            elif kind == "deep":
                folder = dest
                for _ in range(int(text)):
                    folder = folder / rel
                    folder.mkdir()
                (folder / "model.py").write_text("import torch\n")
            elif kind == "zeros":
                with open(dest / rel, "wb") as fh:
                    fh.truncate(int(text) << 20)
            continue
        (dest / rel).write_text(text)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "synthetic hostile repository"]):
        subprocess.run(["git", *args], cwd=dest, check=True, capture_output=True,
                       env={**os.environ, **GIT_ENV})
    return dest.as_uri()
