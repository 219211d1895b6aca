"""Hostile repositories (issue 16): one synthetic repository per attack, each run through
the reproduction job on both paths: the root path (a dedicated uid under bubblewrap) and
the non-root path (the job run as an unprivileged user, as under the shipped systemd
unit's User=mltrends; a throwaway user with a subordinate id range, so the sandbox runs
as its subordinate uid). Each path runs the whole hostile set through the CLI once; the
tests then check that the host is untouched, that nothing secret reached the database,
the report or the output, and that each run is recorded as a clean failure.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hostile_repos import make_repo
from mltrends import db
from mltrends.reproduce import bwrap, sandbox, subids, workspace

ROOT = Path(__file__).resolve().parents[1]
LAUNCHER = ROOT / "src" / "mltrends" / "reproduce" / "_launcher.py"
NOBODY = 65534
PATHS = ("root", "non-root")
LONG_KEY = "example.org/" + "/".join(["a" * 100] * 3)  # a valid forge key of 315 characters
ATTACKS = ("forged_traces", "pipe_flood", "hostile_includes", "huge_setup",
           "host_sockets_and_proc", "denied_syscalls", "disk_filler", "expands", "home_token",
           "deep_tree", "shm_writer")

pytestmark = [
    pytest.mark.skipif(bwrap.find() is None, reason="bubblewrap (bwrap) is not installed"),
    pytest.mark.skipif(os.geteuid() != 0, reason="the tests make both paths' users; run as root"),
]


def _sandbox_works() -> bool:
    return sandbox.available_mode("bwrap") == "bwrap"


@pytest.fixture(scope="module")
def host():
    """The host's side: a secret only root can read, a marker folder, a loopback
    listener, an AF_UNIX listener in a folder anyone can enter."""
    if not _sandbox_works():
        pytest.skip("bubblewrap is installed but cannot make a sandbox here")
    base = Path(tempfile.mkdtemp(prefix="mltrends-hostile-"))
    base.chmod(0o755)
    private = base / "private"
    private.mkdir(mode=0o700)
    secret_text = f"SECRET-{uuid.uuid4().hex}"
    secret = private / "secret.txt"
    secret.write_text(json.dumps({"token": secret_text}))
    secret.chmod(0o600)
    mark = base / "marks"
    mark.mkdir()
    mark.chmod(0o777)
    sock_dir = base / "sockets"
    sock_dir.mkdir()
    sock_dir.chmod(0o777)
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(str(sock_dir / "s"))
    os.chmod(sock_dir / "s", 0o777)
    unix.listen(4)
    unix.setblocking(False)
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(4)
    tcp.setblocking(False)
    marker_name = f"mltrends-marker-{uuid.uuid4().hex[:8]}"
    values = {"SECRET": str(secret), "MARK": str(mark), "PORT": str(tcp.getsockname()[1]),
              "SOCK": str(sock_dir / "s"), "MARKNAME": marker_name}
    yield {"base": base, "secret_text": secret_text, "mark": mark, "unix": unix, "tcp": tcp,
           "values": values, "marker": marker_name}
    unix.close()
    tcp.close()
    workspace.remove_tree(base)  # holds a tree deeper than shutil.rmtree can recurse


def _free_subid_start() -> int:
    end = 100000
    for name in ("/etc/subuid", "/etc/subgid"):
        with open(name) if os.path.exists(name) else open(os.devnull) as fh:
            for line in fh:
                parts = line.strip().split(":")
                if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                    end = max(end, int(parts[1]) + int(parts[2]))
    return end


@pytest.fixture(scope="module")
def operator():
    """The non-root path's user: a throwaway user with a subordinate id range (removed
    afterwards, its range with it); nobody where no user can be made here."""
    if shutil.which("useradd") is None:
        yield NOBODY, NOBODY, None
        return
    name = f"mlt{uuid.uuid4().hex[:8]}"
    subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin",
                    "--user-group", name], check=True, capture_output=True)
    info = pwd.getpwnam(name)
    try:
        if subids.configured(info.pw_uid, info.pw_gid) is None and shutil.which("newuidmap"):
            start = _free_subid_start()
            span = f"{start}-{start + 65535}"
            subprocess.run(["usermod", "--add-subuids", span, "--add-subgids", span, name],
                           check=True, capture_output=True)
        sub = subids.configured(info.pw_uid, info.pw_gid)
        yield info.pw_uid, info.pw_gid, sub
    finally:
        for uid in (info.pw_uid, *([sub.uid] if sub else [])):
            sandbox.kill_uid(uid)
        subprocess.run(["userdel", name], capture_output=True)


@dataclass
class Side:
    """One path: the user the job runs as, its folder, its home with a token, its remotes."""

    name: str
    uid: int
    gid: int
    folder: Path
    home: Path
    token: str
    values: dict[str, str]
    sub: subids.SubIds | None
    urls: dict[str, str] = field(default_factory=dict)

    def own(self, path: Path) -> None:
        # chown -R: the deep tree is deeper than a recursive Python walk may go
        subprocess.run(["chown", "-R", "-P", f"{self.uid}:{self.gid}", str(path)], check=True)

    def mkdir(self, path: Path) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o755)
        self.own(path)
        return path

    def url(self, name: str, values: dict[str, str] | None = None, remotes: Path | None = None) -> str:
        """A remote of this user's (git refuses repositories another user owns)."""
        key = f"{remotes}/{name}" if remotes else name
        if key not in self.urls:
            where = remotes or self.folder / "remotes"
            self.urls[key] = make_repo(where, name, values or self.values)
            self.own(where)
        return self.urls[key]

    def env(self, tmp: Path) -> dict[str, str]:
        return {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "src"), "HOME": str(self.home),
                "TMPDIR": str(tmp), "MLTRENDS_REPORTS_DIR": str(tmp / "reports"),
                "GITHUB_TOKEN": self.token}

    def command(self, argv: list[str], env: dict[str, str]) -> list[str]:
        if self.uid == 0:
            return argv
        # the interpreter may sit below a folder only root can enter (/root): the launcher's
        # `enter` mode shows the job just that interpreter, then drops to the user's uid
        spec = {"mode": "enter", "uid": self.uid, "gid": self.gid, "argv": argv, "env": env,
                "expose": [sys.base_prefix, sys.prefix, str(Path(sys.prefix).resolve())]}
        return [sys.executable, "-I", "-S", str(LAUNCHER), json.dumps(spec)]

    def cli(self, tmp: Path, *args: str, popen: bool = False, timeout: float = 600):
        argv = [sys.executable, "-m", "mltrends.cli", "--db", str(tmp / "db.duckdb"), *args]
        env = self.env(tmp)
        if popen:
            return subprocess.Popen(self.command(argv, env), env=env, cwd=str(tmp),
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        return subprocess.run(self.command(argv, env), env=env, cwd=str(tmp), text=True,
                              capture_output=True, timeout=timeout)


@pytest.fixture(scope="module", params=PATHS)
def side(request, host, operator) -> Side:
    uid, gid, sub = (0, 0, None) if request.param == "root" else operator
    folder = host["base"] / request.param
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    home = folder / "home"
    (home / ".config" / "mltrends").mkdir(parents=True)
    token = f"ghp_{uuid.uuid4().hex}"  # made at run time: no token-like string is committed
    token_file = home / ".config" / "mltrends" / "github_token"
    token_file.write_text(token)
    token_file.chmod(0o600)
    home.chmod(0o700)
    made = Side(request.param, uid, gid, folder, home, token,
                {**host["values"], "OPERATOR_HOME": str(home)}, sub)
    made.own(folder)
    return made


def _accepted(listener: socket.socket) -> bool:
    try:
        conn, _ = listener.accept()
    except BlockingIOError:
        return False
    conn.close()
    return True


def _records(db_file: Path) -> dict[str, dict]:
    con = db.connect(str(db_file), read_only=True)
    try:
        rows = con.execute("select repo, record, isolation from reproductions").fetchall()
    finally:
        con.close()
    return {r[0]: {**json.loads(r[1]), "_isolation": r[2]} for r in rows}


def _left_processes(marker: str) -> list[int]:
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.append(int(pid))
            except OSError:
                continue
    return found


def _real_uid(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Uid:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


@pytest.fixture(scope="module")
def path_run(host, side):
    """The whole hostile set on one path: one job run over every attack (and the repos
    file's hostile lines), then one with installs for the shared-memory reader and the
    install-time attack, then `reproduce --summary`."""
    work = side.mkdir(side.folder / "work")
    listing = work / "repos.jsonl"
    rows = [{"url": side.url(n), "repo": f"hostile/{n}"} for n in ATTACKS]
    rows += [{"url": side.url("forged_traces"), "commit": f"--upload-pack=touch {host['mark']}/injected;true"},
             {"url": side.url("forged_traces"), "repo": "x" * 300},
             {"url": side.url("forged_traces"), "repo": LONG_KEY}]
    listing.write_text("".join(json.dumps(r) + "\n" for r in rows))
    second = work / "repos-2.jsonl"
    second.write_text("".join(json.dumps({"url": side.url(n), "repo": f"hostile/{n}"}) + "\n"
                              for n in ("shm_reader", "phones_home_on_install")))
    side.own(work)
    # a host process with the marker in its command line, for the repositories to look for
    spy = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", host["marker"]])
    started = time.monotonic()
    try:
        while not _left_processes(host["marker"]) and time.monotonic() - started < 30:
            time.sleep(0.05)
        assert _left_processes(host["marker"]) == [spy.pid]
        first = side.cli(work, "reproduce", "--repos", str(listing), "--no-install",
                         "--workers", "3", "--timeout", "20", "--memory-mb", "1024",
                         "--disk-mb", "64", "--sandbox", "bwrap", "--json")
        middle = time.monotonic()
        # a later repository looks for the shared memory the writer left
        later = side.cli(work, "reproduce", "--repos", str(second), "--allow-network-install",
                         "--install-timeout", "60", "--timeout", "20", "--sandbox", "bwrap",
                         "--json")
        ended = time.monotonic()
    finally:
        spy.kill()
        spy.wait()
    summary = side.cli(work, "reproduce", "--summary")
    for done in (first, later, summary):
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    con = db.connect(str(work / "db.duckdb"), read_only=True)
    try:
        reasons = [r[0] for r in con.execute("select reason from rejected_records").fetchall()]
        dump = json.dumps(con.execute("select * from reproductions").fetchall(), default=str)
    finally:
        con.close()
    return {"records": _records(work / "db.duckdb"), "work": work, "reasons": reasons,
            "output": first.stdout + first.stderr + later.stdout + later.stderr,
            "summary": summary.stdout, "dump": dump,
            "seconds": (round(middle - started, 1), round(ended - middle, 1))}


def _no_secret(host, side, run) -> None:
    files = "".join(p.read_text(errors="replace")
                    for p in (run["work"] / "reports").rglob("*") if p.is_file())
    for secret in (host["secret_text"], side.token):
        assert secret not in run["dump"]
        assert secret not in files
        assert secret not in run["output"]


def _last(rec) -> str:
    """What the entrypoint run printed (or the last stage's detail when it never ran)."""
    found = [s for s in rec["stages"] if s["stage"] == "entrypoint"]
    return (found or rec["stages"])[-1]["detail"]


def _stage(rec, name: str) -> dict:
    return next(s for s in rec["stages"] if s["stage"] == name)


# --- the isolation each run had -------------------------------------------------------

def test_isolation_is_recorded_and_summarised(path_run, side):
    records = path_run["records"]
    if side.name == "root":
        label = "bubblewrap, a dedicated uid, seccomp, memory "
        uids = {r["sandbox_uid"] for r in records.values()}
        assert all(sandbox.UID_BASE <= u < sandbox.UID_BASE + sandbox.UID_SLOTS for u in uids)
    elif side.sub is not None:
        label = "bubblewrap, a subordinate uid (not the operator's), seccomp, memory "
        assert {r["sandbox_uid"] for r in records.values()} == {side.sub.uid}
        assert side.sub.uid != side.uid
    else:  # no subordinate ids here: said as it is
        label = "bubblewrap, the operator's uid behind a user namespace, seccomp, memory "
    assert len(records) == len(ATTACKS) + 3
    for rec in records.values():
        assert rec["_isolation"].startswith(label)
    assert "Isolation: " + label in path_run["summary"]


@pytest.mark.parametrize("case", ["no range", "no new privileges"])
def test_without_subordinate_ids_the_record_says_the_operators_uid(operator, case):
    """nobody has no subordinate range; under NoNewPrivileges (as in the shipped units) the
    setuid newuidmap cannot map one: bubblewrap then maps the sandbox to the operator's
    own uid, and the record says so instead of claiming another uid."""
    uid, gid, sub = (NOBODY, NOBODY, None) if case == "no range" else operator
    if case == "no new privileges" and (sub is None or shutil.which("setpriv") is None):
        pytest.skip("no subordinate ids or no setpriv here")
    side = Side(case, uid, gid, Path("/"), Path("/nonexistent"), "", {}, None)
    code = """if True:
        import json, sys, psutil
        from mltrends.reproduce import sandbox
        seen = set()  # the real uids of the sandbox's processes, from the host's side

        def spy(pid, _result):
            seen.update(p.uids().real for p in psutil.Process(pid).children(recursive=True))

        r = sandbox.run_sandboxed(["/bin/sh", "-c", "id -u; sleep 0.5"], cwd="/", writable=[],
                                  env={"PATH": "/usr/bin:/bin"}, mode="bwrap", uid=None,
                                  limits=sandbox.Limits(), expose=[sys.base_prefix], on_poll=spy)
        iso = sandbox.isolation("bwrap", None, sandbox.subordinate_for("bwrap", None))
        print(json.dumps([sandbox.subordinate_ids() is None, r.output.split() + sorted(seen), iso]))
    """
    argv = [sys.executable, "-c", code]
    if case == "no new privileges":
        argv = [str(shutil.which("setpriv")), "--no-new-privs", *argv]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "src"), "HOME": "/nonexistent"}
    done = subprocess.run(side.command(argv, env), env=env, cwd="/", capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    no_subids, inside, iso = json.loads(done.stdout.splitlines()[-1])
    assert no_subids and inside == [str(NOBODY), uid]  # 65534 inside, the operator's outside
    assert iso["uid_kind"] == "operator" and iso["uid"] is None
    assert iso["label"].startswith("bubblewrap, the operator's uid behind a user namespace")


# --- what the repository controls -----------------------------------------------------

def test_forged_trace_files_are_never_read(path_run, host, side):
    rec = path_run["records"]["hostile/forged_traces"]
    assert (rec["stage_reached"], rec["failure_category"]) == (2, None)
    assert rec["runtime_frameworks"] == []  # the planted frameworks.jsonl (jax) is ignored
    _no_secret(host, side, path_run)


def test_flooded_evidence_pipe_is_capped(path_run):
    rec = path_run["records"]["hostile/pipe_flood"]
    entry = _stage(rec, "entrypoint")
    assert rec["stage_reached"] == 2 and "flooded" in entry["detail"]
    assert entry["seconds"] < 20  # no hang on the pipe


def test_includes_outside_the_repository_are_not_opened(path_run, host, side):
    # root: a root-only secret; non-root: the operator's own token, which the static
    # pass (running as the operator) could otherwise read
    rec = path_run["records"]["hostile/hostile_includes"]
    assert rec["static_frameworks"] == [] and rec["stages"][0]["ok"]
    assert rec["stages"][0]["seconds"] < 10  # /dev/zero was not read
    _no_secret(host, side, path_run)


def test_static_pass_is_linear_on_a_huge_setup_py(path_run):
    rec = path_run["records"]["hostile/huge_setup"]
    assert rec["stages"][0]["ok"] and rec["stages"][0]["seconds"] < 10


def test_host_sockets_processes_and_run_are_invisible(path_run, host):
    rec = path_run["records"]["hostile/host_sockets_and_proc"]
    detail = _last(rec)
    assert rec["failure_category"] is not None
    assert "unix socket: [Errno 2] No such file or directory" in detail
    assert "marker seen False" in detail and "run exists False" in detail
    procs = int(detail.split("processes ")[1].split()[0])
    assert procs < 10  # its own pid namespace
    assert not _accepted(host["unix"])


def test_seccomp_denies_what_the_job_never_needs(path_run):
    detail = _last(path_run["records"]["hostile/denied_syscalls"])
    for name in ("unshare", "ptrace", "keyctl", "bpf", "mount"):
        line = next(x for x in detail.splitlines() if x.startswith(name + " "))
        assert line.split()[1:] == ["-1", "1"], line  # EPERM


def test_disk_is_capped(path_run, side):
    rec = path_run["records"]["hostile/disk_filler"]
    detail = _last(rec)
    assert rec["failure_category"] is not None
    written = [int(x.split()[1]) for x in detail.splitlines() if x.startswith("written ")]
    if side.name == "root":  # the workspace is a 64 MiB tmpfs: the kernel says no
        assert "No space left on device" in detail
        assert max(written, default=0) <= 64
        return
    # not root: no filesystem of its own; one file stops at the cap (RLIMIT_FSIZE), and
    # the watchdog kills the writer within a poll
    assert "killed (disk" in detail, detail[-1000:]
    assert "one file: [Errno 27] File too large" in detail or not written
    assert max(written, default=0) < 512


def test_expanding_clone_is_refused_before_checkout(path_run):
    rec = path_run["records"]["hostile/expands"]
    assert (rec["stage_reached"], rec["failure_category"]) == (0, "clone")
    assert "the checkout would take over 64 MB" in _last(rec)


def test_operator_home_is_invisible(path_run, host, side):
    rec = path_run["records"]["hostile/home_token"]
    assert "nothing to steal" in _last(rec)
    _no_secret(host, side, path_run)


def test_shared_memory_does_not_outlive_its_sandbox(path_run):
    writer = path_run["records"]["hostile/shm_writer"]
    assert "left True" in _stage(writer, "entrypoint")["detail"]
    reader = path_run["records"]["hostile/shm_reader"]
    assert reader["failure_category"] is not None
    assert "no segment errno 2" in _last(reader)
    assert "6d6c7472" not in Path("/proc/sysvipc/shm").read_text()  # nor on the host


def test_deep_tree_is_a_clean_run(path_run):
    rec = path_run["records"]["hostile/deep_tree"]
    assert rec["stages"][0]["ok"]  # cloned and scanned
    assert rec["static_primary"] == "pytorch"  # the file at the bottom was found
    assert rec["failure_category"] in (None, "import")  # whatever the repo's own tools made of it


def test_network_install_runs_repository_code_only_offline(path_run, host):
    """The in-tree build backend (repository code) really runs in the install step, and
    it cannot reach the host's loopback."""
    rec = path_run["records"]["hostile/phones_home_on_install"]
    assert _stage(rec, "env")["ok"], _stage(rec, "env")["detail"]
    assert rec["environment"]["freeze"] == ["phones_home==0.1"]
    ran = _last(rec)
    assert "the build backend ran (uid 65534): no network:" in ran, ran
    assert "reached the host" not in json.dumps(rec)
    assert not _accepted(host["tcp"])


def test_workspaces_are_gone(path_run, host):
    assert list(path_run["work"].glob(f"{workspace.RUN_ROOT_PREFIX}*")) == []
    assert list(host["mark"].iterdir()) == []


def test_a_kept_workspace_is_the_operators(side):
    """--keep-workspaces: what the sandbox wrote is handed back, so the operator can read
    and remove it (not root, it was the subordinate uid's)."""
    tmp = side.mkdir(side.folder / "keep")
    listing = tmp / "repos.jsonl"
    listing.write_text(json.dumps({"url": side.url("forged_traces"), "repo": "o/kept"}) + "\n")
    side.own(listing)
    done = side.cli(tmp, "-q", "reproduce", "--repos", str(listing), "--no-install",
                    "--timeout", "20", "--sandbox", "bwrap", "--keep-workspaces",
                    "--work-dir", str(tmp / "ws"), timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    kept = Path(_records(tmp / "db.duckdb")["o/kept"]["workspace"])
    planted = kept / "repo" / "trace" / "frameworks.jsonl"  # written inside the sandbox
    assert planted.is_file()
    if side.name == "root":  # its own tmpfs, kept mounted: unmounted, then removed
        workspace.remove(workspace.Workspace(kept))
        assert not kept.exists()
        return
    assert {os.lstat(p).st_uid for p in workspace.walk(kept)} == {side.uid}
    removed = subprocess.run(side.command(["/bin/rm", "-rf", "--", str(kept)], side.env(tmp)),
                             capture_output=True, text=True, timeout=60)
    assert removed.returncode == 0 and not kept.exists(), removed.stderr


# --- inputs a repos file controls ------------------------------------------------------

def test_repos_file_lines_are_hostile_input(path_run, host):
    reasons = path_run["reasons"]
    assert any("hex git object id" in r for r in reasons)
    assert any("is not owner/name" in r for r in reasons)
    assert not (host["mark"] / "injected").exists()


def test_commit_option_injection_never_reaches_git(host, tmp_path):
    url = make_repo(tmp_path / "remotes", "forged_traces", {**host["values"], "OPERATOR_HOME": "/x"})
    mark = host["mark"] / "injected-clone"
    with pytest.raises(workspace.CloneError, match="not a hex object id"):
        workspace.clone(url, tmp_path / "c", f"--upload-pack=touch {mark}")
    assert not mark.exists()


def test_long_repository_key_keeps_the_run(path_run):
    assert path_run["records"][LONG_KEY]["stage_reached"] == 2
    files = [p.name for p in (path_run["work"] / "reports" / "reproductions").rglob("*.json")]
    assert len(files) == len(path_run["records"]) and max(len(f) for f in files) < 100


def test_config_file_of_another_user_cannot_name_a_program(host, side):
    tmp = side.mkdir(side.folder / "config")
    mark = host["mark"] / "config-program"
    evil = tmp / "evil.sh"
    evil.write_text(f"#!/bin/sh\ntouch {mark}\n")
    evil.chmod(0o755)
    config = tmp / "mltrends.toml"
    config.write_text(f'[reproduce]\npython = "{evil}"\n')
    config.chmod(0o644)
    other = NOBODY if side.uid == 0 else 0
    os.chown(config, other, other)
    empty = tmp / "none.jsonl"
    empty.write_text("")
    side.own(empty)
    done = side.cli(tmp, "--config", str(config), "reproduce", "--repos", str(empty))
    assert done.returncode == 2 and "not owned by the running user" in done.stdout + done.stderr
    assert not mark.exists()


# --- clean ends and one instance beside another ---------------------------------------

def _start_sleeper_run(side: Side, tmp: Path, marker: str) -> subprocess.Popen:
    url = side.url("sleeper", {**side.values, "MARKNAME": marker}, tmp / "remotes")
    listing = tmp / "repos.jsonl"
    listing.write_text(json.dumps({"url": url, "repo": "hostile/sleeper"}) + "\n")
    side.own(listing)
    proc = side.cli(tmp, "-q", "reproduce", "--repos", str(listing), "--no-install",
                    "--timeout", "300", "--sandbox", "bwrap", popen=True)
    deadline = time.monotonic() + 120
    while not _left_processes(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    if not _left_processes(marker):
        proc.kill()
        pytest.fail("the sleeper never started: " + proc.communicate()[0].decode()[-2000:])
    return proc


def _runs(tmp: Path) -> list[tuple]:
    # an interrupted command is never published: its `runs` row lives in the working file
    con = db.connect(str(tmp / "db.work.duckdb"), read_only=True)
    try:
        return con.execute("select status, error from runs where command = 'reproduce' "
                           "order by started_at").fetchall()
    finally:
        con.close()


def _workspaces(tmp: Path) -> list[Path]:
    return [p for p in tmp.glob("mltrends-reproduce-*/*") if p.is_dir()]


def test_repository_code_never_runs_as_the_operator(side):
    """Seen from the host: the repository's processes run as a uid that is not the
    operator's (a dedicated uid as root; the subordinate uid as a non-root user)."""
    tmp = side.mkdir(side.folder / "uid-check")
    marker = f"mltrends-sleeper-{uuid.uuid4().hex[:8]}"
    proc = _start_sleeper_run(side, tmp, marker)
    try:
        uids = {_real_uid(pid) for pid in _left_processes(marker)}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    if side.name == "root":
        assert uids and all(sandbox.UID_BASE <= u < sandbox.UID_BASE + sandbox.UID_SLOTS
                            for u in uids)
    elif side.sub is None:
        pytest.skip("no subordinate ids here (uidmap or /etc/subuid missing): the sandbox "
                    "runs as the operator's uid, and the record says so")
    else:
        assert uids == {side.sub.uid} and side.uid not in uids
    assert _workspaces(tmp) == []


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_killing_mltrends_ends_every_sandboxed_process(side, how):
    tmp = side.mkdir(side.folder / f"kill-{how}")
    marker = f"mltrends-sleeper-{uuid.uuid4().hex[:8]}"
    proc = _start_sleeper_run(side, tmp, marker)
    assert _workspaces(tmp)
    proc.send_signal(getattr(signal, how))
    try:
        proc.wait(timeout=60)
    finally:
        proc.kill()
    deadline = time.monotonic() + 10
    while _left_processes(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _left_processes(marker) == []
    if how == "SIGTERM":
        assert _runs(tmp) == [("interrupted", "KeyboardInterrupt: SIGTERM")]
        assert _workspaces(tmp) == []
        return
    assert _runs(tmp)[0][0] == "running"  # nobody could close it
    # the next run closes the row and removes the workspace the killed one left (not
    # root: files of the subordinate uid, removed through its namespace)
    empty = tmp / "empty.jsonl"
    empty.write_text("")
    side.own(empty)
    side.cli(tmp, "-q", "reproduce", "--repos", str(empty), timeout=120)
    assert _runs(tmp)[0][0] == "interrupted"
    assert _workspaces(tmp) == []


def test_another_instance_leaves_a_running_sandbox_alone(side):
    """Two instances with different TMPDIRs: the second one's run (its uid allocation,
    its clean-up) must not end the first one's sandbox. As root they take different
    uids from the root-owned lock folder; not root, nothing is ever killed by uid."""
    first, second = side.mkdir(side.folder / "first"), side.mkdir(side.folder / "second")
    marker = f"mltrends-sleeper-{uuid.uuid4().hex[:8]}"
    proc = _start_sleeper_run(side, first, marker)
    try:
        running = _left_processes(marker)
        listing = second / "repos.jsonl"
        listing.write_text(json.dumps({"url": side.url("forged_traces"), "repo": "o/quick"}) + "\n")
        side.own(listing)
        done = side.cli(second, "-q", "reproduce", "--repos", str(listing), "--no-install",
                        "--timeout", "20", "--sandbox", "bwrap", timeout=300)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        assert _records(second / "db.duckdb")["o/quick"]["stage_reached"] == 2
        assert set(running) <= set(_left_processes(marker))  # all still there
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


def test_uid_locks_live_in_a_fixed_root_owned_folder(tmp_path):
    """Root path only: the non-root path allocates no uid (see the test above)."""
    code = "from mltrends.reproduce import sandbox; print(sandbox.lock_dir())"
    seen = set()
    for tmpdir in (tmp_path / "a", tmp_path / "b"):
        tmpdir.mkdir()
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env={**os.environ, "TMPDIR": str(tmpdir),
                                   "PYTHONPATH": str(ROOT / "src")}, check=True)
        seen.add(done.stdout.strip())
    assert seen == {str(sandbox.LOCK_DIR)}
    info = os.lstat(sandbox.LOCK_DIR)
    assert info.st_uid == 0 and not info.st_mode & 0o077
    with sandbox.sandbox_uid("bwrap") as a, sandbox.sandbox_uid("bwrap") as b:
        assert a != b and a >= sandbox.UID_BASE and b >= sandbox.UID_BASE
