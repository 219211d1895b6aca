"""Hostile repositories (issue 16): one synthetic repository per attack, run through the
reproduction job on the root path (a dedicated uid under bubblewrap) and, where the
attack concerns it, through the non-root path (the job itself run as an unprivileged
user). Each test checks that the host is untouched, that nothing secret reached the
database or the report, and that the run is recorded as a clean failure.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from hostile_repos import make_repo
from mltrends import db
from mltrends import reproduce as job
from mltrends.cli import main as cli
from mltrends.reproduce import bwrap, sandbox, workspace
from mltrends.reproduce.pipeline import Job

ROOT = Path(__file__).resolve().parents[1]
LAUNCHER = ROOT / "src" / "mltrends" / "reproduce" / "_launcher.py"
NOBODY = 65534

pytestmark = [
    pytest.mark.skipif(bwrap.find() is None, reason="bubblewrap (bwrap) is not installed"),
    pytest.mark.skipif(os.geteuid() != 0, reason="the root path needs root; run as root"),
]


def _knobs(settings, **reproduce):
    """settings.reproduce with these values, always under bubblewrap."""
    return settings.with_overrides(reproduce={"sandbox": "bwrap", **reproduce})


def _sandbox_works() -> bool:
    return sandbox.available_mode("bwrap") == "bwrap"


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    """The host's side: a secret only root can read, a marker folder, a loopback
    listener, an AF_UNIX listener in a folder anyone can enter, a token file in a home."""
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
    mark.mkdir(mode=0o777)
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
    home = base / "operator-home"
    (home / ".config" / "mltrends").mkdir(parents=True)
    token = f"ghp_{uuid.uuid4().hex}"  # made at run time: no token-like string is committed
    (home / ".config" / "mltrends" / "github_token").write_text(token)
    marker_name = f"mltrends-marker-{uuid.uuid4().hex[:8]}"
    values = {"SECRET": str(secret), "MARK": str(mark), "PORT": str(tcp.getsockname()[1]),
              "SOCK": str(sock_dir / "s"), "MARKNAME": marker_name,
              "OPERATOR_HOME": str(home)}
    remotes = base / "remotes"
    info = {"base": base, "secret": secret, "secret_text": secret_text, "mark": mark,
            "unix": unix, "tcp": tcp, "home": home, "token": token, "values": values,
            "remotes": remotes, "marker": marker_name, "urls": {}}

    def url(name: str) -> str:
        if name not in info["urls"]:
            info["urls"][name] = make_repo(remotes, name, values)
        return info["urls"][name]

    info["url"] = url
    yield info
    unix.close()
    tcp.close()
    workspace.remove_tree(base)  # holds a tree deeper than shutil.rmtree can recurse


def _accepted(listener: socket.socket) -> bool:
    try:
        conn, _ = listener.accept()
    except BlockingIOError:
        return False
    conn.close()
    return True


def _records(con, run_id):
    rows = con.execute("select repo, record, isolation from reproductions where run_id = ?",
                       [run_id]).fetchall()
    return {r[0]: {**json.loads(r[1]), "_isolation": r[2]} for r in rows}


def _no_secret(host, con, reports: Path) -> None:
    dump = json.dumps(con.execute("select * from reproductions").fetchall(), default=str)
    files = "".join(p.read_text(errors="replace") for p in reports.rglob("*") if p.is_file())
    for secret in (host["secret_text"], host["token"]):
        assert secret not in dump and secret not in files


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


ROOT_PATH_REPOS = ("forged_traces", "pipe_flood", "hostile_includes", "huge_setup",
                   "host_sockets_and_proc", "denied_syscalls", "disk_filler", "expands",
                   "home_token", "deep_tree")


@pytest.fixture(scope="module")
def root_run(host):
    """One run of every root-path attack (bubblewrap, a dedicated uid, 64 MiB workspaces)."""
    from mltrends.config import load_settings
    reports = host["base"] / "reports"
    settings = load_settings(env={}, db=str(host["base"] / "db.duckdb"), reports_dir=str(reports))
    con = db.connect(":memory:")
    sleeper = subprocess.Popen(["sleep", "120", host["marker"]])  # a host process to spy on
    jobs = [Job(f"hostile/{name}", host["url"](name)) for name in ROOT_PATH_REPOS]
    jobs.append(Job("hostile/shm_writer", host["url"]("shm_writer")))
    try:
        job.run(con, _knobs(settings, no_install=True, workers=3, timeout=20, memory_mb=1024,
                            disk_mb=64), jobs=jobs, run_id="hostile-root")
        # a later repository looks for the shared memory the writer left
        job.run(con, _knobs(settings, no_install=True, timeout=20),
                jobs=[Job("hostile/shm_reader", host["url"]("shm_reader"))], run_id="hostile-root-2")
    finally:
        sleeper.kill()
        sleeper.wait()
    records = {**_records(con, "hostile-root"), **_records(con, "hostile-root-2")}
    yield {"con": con, "records": records, "reports": reports}
    con.close()


def _last(rec) -> str:
    """What the entrypoint run printed (or the last stage's detail when it never ran)."""
    found = [s for s in rec["stages"] if s["stage"] == "entrypoint"]
    return (found or rec["stages"])[-1]["detail"]


def _stage(rec, name: str) -> dict:
    return next(s for s in rec["stages"] if s["stage"] == name)


def test_root_run_isolation_is_recorded(root_run):
    for rec in root_run["records"].values():
        assert rec["_isolation"].startswith("bubblewrap, a dedicated uid, seccomp, memory ")
        assert sandbox.UID_BASE <= rec["sandbox_uid"] < sandbox.UID_BASE + sandbox.UID_SLOTS


def test_forged_trace_files_are_never_read(root_run, host):
    rec = root_run["records"]["hostile/forged_traces"]
    assert (rec["stage_reached"], rec["failure_category"]) == (2, None)
    assert rec["runtime_frameworks"] == []  # the planted frameworks.jsonl (jax) is ignored
    _no_secret(host, root_run["con"], root_run["reports"])


def test_flooded_evidence_pipe_is_capped(root_run):
    rec = root_run["records"]["hostile/pipe_flood"]
    entry = _stage(rec, "entrypoint")
    assert rec["stage_reached"] == 2 and "flooded" in entry["detail"]
    assert entry["seconds"] < 20  # no hang on the pipe


def test_includes_outside_the_repository_are_not_opened(root_run, host):
    rec = root_run["records"]["hostile/hostile_includes"]
    assert rec["static_frameworks"] == [] and rec["stages"][0]["ok"]
    assert rec["stages"][0]["seconds"] < 10  # /dev/zero was not read
    _no_secret(host, root_run["con"], root_run["reports"])


def test_static_pass_is_linear_on_a_huge_setup_py(root_run):
    rec = root_run["records"]["hostile/huge_setup"]
    assert rec["stages"][0]["ok"] and rec["stages"][0]["seconds"] < 10


def test_host_sockets_processes_and_run_are_invisible(root_run, host):
    rec = root_run["records"]["hostile/host_sockets_and_proc"]
    detail = _last(rec)
    assert rec["failure_category"] is not None
    assert "unix socket: [Errno 2] No such file or directory" in detail
    assert "marker seen False" in detail and "run exists False" in detail
    procs = int(detail.split("processes ")[1].split()[0])
    assert procs < 10  # its own pid namespace
    assert not _accepted(host["unix"])


def test_seccomp_denies_what_the_job_never_needs(root_run):
    detail = _last(root_run["records"]["hostile/denied_syscalls"])
    for name in ("unshare", "ptrace", "keyctl", "bpf", "mount"):
        line = next(x for x in detail.splitlines() if x.startswith(name + " "))
        assert line.split()[1:] == ["-1", "1"], line  # EPERM


def test_disk_is_capped(root_run, host):
    rec = root_run["records"]["hostile/disk_filler"]
    assert rec["failure_category"] is not None
    assert "No space left on device" in _last(rec)


def test_expanding_clone_is_refused_before_checkout(root_run):
    rec = root_run["records"]["hostile/expands"]
    assert (rec["stage_reached"], rec["failure_category"]) == (0, "clone")
    assert "the checkout would take over 64 MB" in _last(rec)


def test_operator_home_is_invisible_on_the_root_path(root_run, host):
    rec = root_run["records"]["hostile/home_token"]
    assert "nothing to steal" in _last(rec)
    _no_secret(host, root_run["con"], root_run["reports"])


def test_shared_memory_does_not_outlive_its_sandbox(root_run):
    writer = root_run["records"]["hostile/shm_writer"]
    assert "left True" in _stage(writer, "entrypoint")["detail"]
    reader = root_run["records"]["hostile/shm_reader"]
    assert reader["failure_category"] is not None
    assert "no segment errno 2" in _last(reader)
    assert "6d6c7472" not in Path("/proc/sysvipc/shm").read_text()  # nor on the host


def test_deep_tree_is_a_clean_run(root_run):
    rec = root_run["records"]["hostile/deep_tree"]
    assert rec["stages"][0]["ok"]  # cloned and scanned
    assert rec["static_primary"] == "pytorch"  # the file at the bottom was found
    assert rec["failure_category"] in (None, "import")  # whatever the repo's own tools made of it


def test_workspaces_are_gone(root_run, host):
    leftovers = [p for p in Path(tempfile.gettempdir()).glob("mltrends-reproduce-*")
                 if (p / workspace.OWNER_FILE).exists()
                 and (p / workspace.OWNER_FILE).read_text().split()[0] == str(os.getpid())]
    assert leftovers == []
    assert list(host["mark"].iterdir()) == []


# --- inputs a repos file controls ----------------------------------------------------

def test_commit_option_injection_is_refused(host, tmp_path):
    mark = host["mark"] / "injected"
    listing = tmp_path / "repos.jsonl"
    listing.write_text(
        json.dumps({"url": host["url"]("forged_traces"), "commit": f"--upload-pack=touch {mark};true"})
        + "\n" + json.dumps({"url": host["url"]("forged_traces"), "repo": "x" * 300}) + "\n"
        + json.dumps({"url": host["url"]("forged_traces"), "repo": "owner/ok"}) + "\n")
    dbfile = tmp_path / "db.duckdb"
    result = CliRunner(env={"MLTRENDS_REPORTS_DIR": str(tmp_path / "r")}).invoke(
        cli, ["--db", str(dbfile), "-q", "reproduce", "--repos", str(listing), "--no-install"])
    assert result.exit_code == 0, result.output
    con = db.connect(str(dbfile))
    try:
        reasons = [r[0] for r in con.execute("select reason from rejected_records").fetchall()]
        repos = [r[0] for r in con.execute("select repo from reproductions").fetchall()]
    finally:
        con.close()
    assert any("hex git object id" in r for r in reasons)
    assert any("is not owner/name" in r for r in reasons)
    assert repos == ["owner/ok"] and not mark.exists()
    # and straight into the clone: refused before git sees it
    with pytest.raises(workspace.CloneError, match="not a hex object id"):
        workspace.clone(host["url"]("forged_traces"), tmp_path / "c", f"--upload-pack=touch {mark}")
    assert not mark.exists()


def test_long_repository_key_keeps_the_run(host, con, settings):
    key = "example.org/" + "/".join(["a" * 100] * 3)
    job.run(con, _knobs(settings, no_install=True), jobs=[Job(key, host["url"]("forged_traces"))],
            run_id="long-key")
    assert con.execute("select count(*) from reproductions where repo = ?", [key]).fetchall() == [(1,)]
    files = list((Path(settings.reports_dir) / "reproductions" / "long-key").glob("*.json"))
    assert len(files) == 1 and len(files[0].name) < 100


def test_config_file_of_another_user_cannot_name_a_program(host, tmp_path):
    mark = host["mark"] / "config-program"
    evil = tmp_path / "evil.sh"
    evil.write_text(f"#!/bin/sh\ntouch {mark}\n")
    evil.chmod(0o755)
    config = tmp_path / "mltrends.toml"
    config.write_text(f'[reproduce]\npython = "{evil}"\n')
    os.chown(config, NOBODY, NOBODY)
    runner = CliRunner(env={"MLTRENDS_REPORTS_DIR": str(tmp_path / "r")})
    result = runner.invoke(cli, ["--config", str(config), "--db", str(tmp_path / "d.duckdb"),
                                 "reproduce", "--repos", str(tmp_path / "none.jsonl")])
    assert result.exit_code == 2 and "not owned by the running user" in result.output
    assert not mark.exists()


def test_uid_locks_live_in_a_fixed_root_owned_folder(tmp_path):
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


def test_network_install_runs_no_repository_code_with_network(host, con, settings):
    job.run(con, _knobs(settings, no_install=False, allow_network_install=True, install_timeout=60),
            jobs=[Job("hostile/phones_home", host["url"]("phones_home_on_install"))],
            run_id="netinstall")
    rec = _records(con, "netinstall")["hostile/phones_home"]
    assert (rec["stage_reached"], rec["failure_category"]) == (0, "env")
    assert "reached the host" not in json.dumps(rec)
    assert not _accepted(host["tcp"])


# --- clean ends -----------------------------------------------------------------------

def _cli_env(tmp: Path) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT / "src"),
            "MLTRENDS_REPORTS_DIR": str(tmp / "reports"), "TMPDIR": str(tmp),
            "HOME": str(tmp)}


def _start_sleeper_run(host, tmp: Path, marker: str) -> subprocess.Popen:
    url = make_repo(tmp / "remotes", "sleeper", {**host["values"], "MARKNAME": marker})
    listing = tmp / "repos.jsonl"
    listing.write_text(json.dumps({"url": url, "repo": "hostile/sleeper"}) + "\n")
    proc = subprocess.Popen([sys.executable, "-m", "mltrends.cli", "--db", str(tmp / "db.duckdb"),
                             "-q", "reproduce", "--repos", str(listing), "--no-install",
                             "--timeout", "300", "--sandbox", "bwrap"],
                            env=_cli_env(tmp), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while not _left_processes(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    if not _left_processes(marker):
        proc.kill()
        pytest.fail("the sleeper never started: " + proc.communicate()[0].decode()[-2000:])
    return proc


def _runs(tmp: Path) -> list[tuple]:
    # an interrupted command is never published: its `runs` row lives in the working file
    con = db.connect(str(tmp / "db.work.duckdb"))
    try:
        return con.execute("select status, error from runs where command = 'reproduce' "
                           "order by started_at").fetchall()
    finally:
        con.close()


def _workspaces(tmp: Path) -> list[Path]:
    return [p for p in tmp.glob("mltrends-reproduce-*/*") if p.is_dir()]


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_killing_mltrends_ends_every_sandboxed_process(host, tmp_path, how):
    tmp_path.chmod(0o755)
    marker = f"mltrends-sleeper-{uuid.uuid4().hex[:8]}"
    proc = _start_sleeper_run(host, tmp_path, marker)
    assert _workspaces(tmp_path)
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
        assert _runs(tmp_path) == [("interrupted", "KeyboardInterrupt: SIGTERM")]
        assert _workspaces(tmp_path) == []
        return
    assert _runs(tmp_path)[0][0] == "running"  # nobody could close it
    # the next run closes the row and removes the workspace the killed one left
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    subprocess.run([sys.executable, "-m", "mltrends.cli", "--db", str(tmp_path / "db.duckdb"),
                    "-q", "reproduce", "--repos", str(empty)], env=_cli_env(tmp_path),
                   capture_output=True, timeout=120)
    assert _runs(tmp_path)[0][0] == "interrupted"
    assert _workspaces(tmp_path) == []


# --- the non-root path ----------------------------------------------------------------

NON_ROOT_REPOS = ("home_token", "host_sockets_and_proc", "forged_traces", "hostile_includes",
                  "denied_syscalls")


def test_non_root_path(host):
    """The job itself runs as an unprivileged user (as under the shipped systemd unit,
    User=mltrends), with the operator's token in its home: bubblewrap maps the sandbox
    to that user's uid but shows nothing of its home."""
    work = Path(tempfile.mkdtemp(prefix="mltrends-nonroot-", dir=host["base"]))
    for path in (work, host["home"], *host["home"].rglob("*")):
        os.chown(path, NOBODY, NOBODY)
    os.chmod(host["home"] / ".config" / "mltrends" / "github_token", 0o600)
    # its own copies: git refuses repositories owned by another user
    urls = {n: make_repo(work / "remotes", n, host["values"]) for n in NON_ROOT_REPOS}
    for path in [work / "remotes", *(work / "remotes").rglob("*")]:
        os.lchown(path, NOBODY, NOBODY)
    listing = work / "repos.jsonl"
    listing.write_text("".join(json.dumps({"url": urls[n], "repo": f"hostile/{n}"}) + "\n"
                               for n in NON_ROOT_REPOS))
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "src"), "HOME": str(host["home"]),
           "TMPDIR": str(work), "MLTRENDS_REPORTS_DIR": str(work / "reports"),
           "GITHUB_TOKEN": host["token"]}
    argv = [sys.executable, "-m", "mltrends.cli", "--db", str(work / "db.duckdb"), "reproduce",
            "--repos", str(listing), "--no-install", "--timeout", "20", "--json"]
    # the interpreter may sit below a folder only root can enter (/root): the launcher's
    # `enter` mode shows the job just that interpreter, then drops to the unprivileged uid
    spec = {"mode": "enter", "uid": NOBODY, "gid": NOBODY, "argv": argv, "env": env,
            "expose": [sys.base_prefix, sys.prefix, str(Path(sys.prefix).resolve())]}
    done = subprocess.run([sys.executable, "-I", "-S", str(LAUNCHER), json.dumps(spec)],
                          capture_output=True, text=True, timeout=600, cwd=str(work))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    lines = {json.loads(x)["repo"]: json.loads(x) for x in done.stdout.splitlines()
             if x.startswith("{")}
    assert set(lines) == {f"hostile/{n}" for n in NON_ROOT_REPOS}
    for line in lines.values():
        assert line["isolation"].startswith("bubblewrap, the operator's uid (user namespace)")
    assert host["token"] not in done.stdout + done.stderr
    con = db.connect(str(work / "db.duckdb"))
    try:
        recs = _records(con, con.execute("select max(run_id) from reproductions").fetchall()[0][0])
        _no_secret(host, con, work / "reports")
    finally:
        con.close()
    assert "nothing to steal" in _last(recs["hostile/home_token"])
    detail = _last(recs["hostile/host_sockets_and_proc"])
    assert "marker seen False" in detail and "unix socket: [Errno 2]" in detail
    assert recs["hostile/forged_traces"]["runtime_frameworks"] == []
    assert recs["hostile/hostile_includes"]["static_frameworks"] == []
    seccomp_lines = _last(recs["hostile/denied_syscalls"]).splitlines()
    assert any(x.startswith("ptrace -1 1") for x in seccomp_lines)
    assert not _accepted(host["unix"]) and list(host["mark"].iterdir()) == []
