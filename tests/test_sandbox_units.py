"""The sandbox's parts without running a repository: the seccomp program, the bwrap
command line, the evidence parser, hostile-input checks, workspace removal and sweeping."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from mltrends import db
from mltrends.commands.reproduce import close_abandoned_runs
from mltrends.detect.limits import line_at, read_inside
from mltrends.reproduce import bwrap, environment, sampling, sandbox, seccomp, subids, workspace
from mltrends.reproduce.pipeline import read_traces


def _decode(program: bytes) -> list[tuple[int, int, int, int]]:
    return [struct.unpack("=HBBI", program[i:i + 8]) for i in range(0, len(program), 8)]


def test_seccomp_program_by_hand():
    ins = _decode(seccomp.program("x86_64"))
    n = len(set(seccomp.DENIED_X86_64.values()))
    # load arch, check arch, load nr, x32 check, n denials, ioctl check, allow,
    # load ioctl request, 2 ioctl denials, allow, deny
    assert len(ins) == 4 + n + 2 + 1 + 2 + 1 + 1
    deny = len(ins) - 1
    assert ins[0] == (0x20, 0, 0, 4)                            # A = seccomp_data.arch
    assert ins[1] == (0x15, 0, deny - 2, 0xC000003E)          # not x86_64 -> deny
    assert ins[2] == (0x20, 0, 0, 0)                            # A = nr
    assert ins[3] == (0x35, deny - 4, 0, 0x40000000)          # x32 -> deny
    ptrace = next(i for i, x in enumerate(ins) if x[0] == 0x15 and x[3] == 101)
    assert ptrace + 1 + ins[ptrace][1] == deny                  # ptrace jumps to deny
    assert ins[deny] == (0x06, 0, 0, 0x00050000 | 1)            # SECCOMP_RET_ERRNO | EPERM
    assert ins[4 + n + 1] == (0x06, 0, 0, 0x7FFF0000)           # everything else allowed
    assert seccomp.program("aarch64") is None


def test_bwrap_command_shows_nothing_of_the_host(tmp_path):
    layout = bwrap.Layout(writable=[str(tmp_path)], expose=[sys.base_prefix])
    with bwrap.command(["/usr/bin/true"], cwd=str(tmp_path), layout=layout) as (argv, fds):
        assert all(os.fstat(fd) for fd in fds)
    joined = " ".join(argv)
    for flag in ("--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                 "--unshare-net", "--die-with-parent", "--disable-userns", "--new-session"):
        assert flag in argv
    assert "--seccomp" in argv or seccomp.program() is None
    sources = [argv[i + 1] for i, a in enumerate(argv) if a in ("--bind", "--ro-bind")]
    assert not any(s == "/" or s.startswith(("/run", "/var", "/home")) for s in sources)
    assert f"--bind {tmp_path} {tmp_path}" in joined
    with bwrap.command(["x"], cwd="/", layout=bwrap.Layout(network=True)) as (net, _):
        assert "--unshare-net" not in net and "/etc/resolv.conf" in " ".join(net) or \
            not Path("/etc/resolv.conf").exists()
    for fd in fds:  # closed on exit
        with pytest.raises(OSError):
            os.fstat(fd)


def test_memory_is_the_watchdog_without_systemd():
    if bwrap.systemd_running():
        assert bwrap.memory_prefix(100, 10)[:1] == ["systemd-run"]
    else:
        assert bwrap.memory_prefix(100, 10) == []


def test_evidence_parser_keeps_only_well_formed_known_records():
    lines = [
        json.dumps({"kind": "import", "module": "torch", "pid": 5}),
        json.dumps({"kind": "import", "module": "not_a_framework", "pid": 5}),
        json.dumps({"kind": "exit", "pid": 5, "frameworks": ["jax", "evil<script>"],
                    "imports": ["torch", "jax", 3], "devices": {"torch": {"cuda_initialized": False}}}),
        json.dumps({"kind": "exit", "pid": "x", "devices": {"big": "y" * 30000}}),
        "[1, 2]", "not json", json.dumps({"kind": "other"}),
    ]
    got = read_traces(("\n".join(lines) + "\n").encode())
    assert got["frameworks"] == ["pytorch", "jax"]
    assert got["devices"] == {"5": {"torch": {"cuda_initialized": False}}}
    assert got["n_imports"] == 2


def test_hostile_strings_from_a_repos_file():
    assert workspace.valid_commit("a" * 40) and workspace.valid_commit("abc1234")
    for bad in ("--upload-pack=touch /tmp/x;true", "HEAD", "abc", "ABCDEF1", "a" * 65, "-1"):
        assert not workspace.valid_commit(bad)
    assert sampling.valid_key("Owner-1/repo.name_x") and sampling.valid_key("gitlab.com/a/b")
    assert sampling.valid_key("file:///srv/git/x")
    for bad in ("a" * 40 + "/b", "-owner/x", "o/" + "n" * 101, "../../etc", "o/na me", "o/x\n"):
        assert not sampling.valid_key(bad)
    names = {workspace.slug(k) for k in ("a/b", "a__b", "a b")}
    assert len(names) == 3 and all(len(n) <= 73 for n in names)
    assert len(workspace.slug("x" * 10_000)) == 73
    assert environment.plain_requirements(
        ["torch>=2", "numpy[extra] ==1.0 ; python_version>'3'", "-e .", ".", "-r x.txt",
         "pkg @ https://example.invalid/p.whl", "git+https://example.invalid/x", "# c", "--index-url x",
         "/abs/path"]) == ["torch>=2", "numpy[extra] ==1.0 ; python_version>'3'"]


def test_read_inside_refuses_what_leaves_the_repository(tmp_path):
    repo = tmp_path / "repo"
    (repo / "sub").mkdir(parents=True)
    (repo / "ok.txt").write_text("fine")
    (tmp_path / "secret").write_text("s")
    os.symlink(tmp_path / "secret", repo / "link.txt")
    os.symlink(tmp_path, repo / "sub" / "dirlink")
    os.mkfifo(repo / "fifo.txt")
    (repo / "big.txt").write_bytes(b"x" * 101)
    assert read_inside(str(repo), "ok.txt") == b"fine"
    for rel in ("link.txt", "sub/dirlink/secret", "fifo.txt", "../secret", "/etc/passwd",
                str(tmp_path / "secret"), "missing"):
        assert read_inside(str(repo), rel) is None, rel
    assert read_inside(str(repo), "big.txt", cap=100) is None
    assert read_inside(str(repo), "big.txt", cap=101) == b"x" * 101


def test_line_numbers_match_counting():
    data = b"a\nbb\n\nccc\n" * 50
    for offset in (0, 1, 2, 5, 6, 99, len(data) - 1, len(data)):
        assert line_at(data, offset) == data.count(b"\n", 0, offset) + 1
    assert line_at("x\ny", 2) == 2


def test_deep_trees_are_walked_and_removed_without_recursion():
    # not under pytest's tmp_path: its own cleanup would recurse into the tree
    top = Path(tempfile.mkdtemp(prefix="mltrends-deep-"))
    here = os.getcwd()
    try:
        os.chdir(top)
        for _ in range(3000):  # deeper than Python's recursion limit (and than PATH_MAX)
            os.mkdir("d")
            os.chdir("d")
        Path("f.txt").write_text("x")
        os.chdir(here)
        assert sum(1 for _ in workspace.walk_fds(top)) == 3001
    finally:
        os.chdir(here)
        workspace.remove_tree(top)
    assert not top.exists()


def test_sweep_removes_what_a_dead_run_left(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale, alive = tmp_path / "stale", tmp_path / "alive"
    for folder, pid in ((stale, dead), (alive, str(os.getpid()))):
        (folder / "repo").mkdir(parents=True)
        tag = workspace._owner_tag(int(pid)) if pid != dead else f"{dead} 1.00"
        (folder / workspace.OWNER_FILE).write_text(tag)
    assert workspace.sweep_stale(tmp_path) == 1
    assert not stale.exists() and alive.exists()


def test_abandoned_running_rows_are_closed(con):
    con.execute("insert into runs (run_id, command, args, started_at, status) values "
                "('r1', 'reproduce', ?, now(), 'running'), ('r2', 'reproduce', ?, now(), 'running'), "
                "('r3', 'refresh', '{}', now(), 'running')",
                [json.dumps({"pid": os.getpid() + 100000}), json.dumps({"pid": os.getpid()})])
    assert close_abandoned_runs(con) == 1
    got = dict(con.execute("select run_id, status from runs").fetchall())
    assert got == {"r1": "interrupted", "r2": "running", "r3": "running"}
    db.connect(":memory:").close()


def test_installed_packages_are_read_without_running_the_venv(tmp_path):
    venv = tmp_path / "venv"
    site = venv / "lib" / "python3.11" / "site-packages"
    (site / "torch-2.13.0.dist-info").mkdir(parents=True)
    (site / "numpy-2.1.0.dist-info").mkdir()
    (site / "torch").mkdir()
    (venv / "bin").mkdir()
    (venv / "bin" / "python").write_text("#!/bin/sh\ntouch should-never-run\n")
    assert environment.installed(venv) == ["numpy==2.1.0", "torch==2.13.0"]
    planted = tmp_path / "planted"
    (planted / "lib" / "python3.11" / "site-packages" / "secret-1.dist-info").mkdir(parents=True)
    (venv / "lib").rename(tmp_path / "old-lib")
    os.symlink(planted / "lib", venv / "lib")
    assert environment.installed(venv) == []  # a symlink the install step planted is not followed
    assert not (tmp_path / "should-never-run").exists()


@pytest.mark.skipif(not (Path("/usr/bin/newuidmap").exists() and Path("/usr/bin/newgidmap").exists()),
                    reason="newuidmap/newgidmap (Debian's uidmap) are not installed")
def test_subordinate_ids_come_from_the_users_own_ranges(tmp_path):
    subuid, subgid = tmp_path / "subuid", tmp_path / "subgid"
    subuid.write_text("someone:100000:65536\n4242:300000:0\n4242:165536:65536\nbroken line\n")
    subgid.write_text("4242:200000:65536\n")
    found = subids.configured(4242, 4343, str(subuid), str(subgid))
    assert (found.uid, found.gid, found.operator_uid, found.operator_gid) == (165536, 200000, 4242, 4343)
    spec = found.spec(["/usr/bin/true"], {"PATH": "/usr/bin"})
    # the operator is 0 inside (to hand files over), the sandbox 1: its first subordinate id
    assert spec["uid_map"] == [[0, 4242, 1], [1, 165536, 1]]
    assert spec["gid_map"] == [[0, 4343, 1], [1, 200000, 1]]
    assert not spec["as_root"]
    assert subids.configured(4343, 4343, str(subuid), str(subgid)) is None  # no range of its own
    assert subids.configured(0, 0, str(subuid), str(subgid)) is None        # root needs none
    assert subids.configured(4242, 4343, str(subuid), str(tmp_path / "missing")) is None


def test_isolation_labels_say_whose_uid_ran_the_code():
    sub = subids.SubIds(165536, 165536, 1000, 1000, "/usr/bin/newuidmap", "/usr/bin/newgidmap")
    dedicated = sandbox.isolation("bwrap", 62001)
    assert dedicated["uid_kind"] == "dedicated" and dedicated["uid"] == 62001
    assert dedicated["label"].startswith("bubblewrap, a dedicated uid, ")
    subordinate = sandbox.isolation("bwrap", None, sub)
    assert subordinate["uid_kind"] == "subordinate" and subordinate["uid"] == 165536
    assert subordinate["label"].startswith("bubblewrap, a subordinate uid (not the operator's), ")
    operator = sandbox.isolation("bwrap", None)
    assert operator["uid_kind"] == "operator" and operator["uid"] is None
    assert operator["label"].startswith("bubblewrap, the operator's uid behind a user namespace, ")
    assert sandbox.isolation("userns", None)["label"].startswith(
        "fallback launcher (userns), the operator's uid behind a user namespace")
    assert sandbox.subordinate_for("bwrap", 62001) is None  # as root: the dedicated uid


def test_no_file_may_outgrow_the_workspace():
    small = sandbox._rlimits(sandbox.Limits(disk_mb=64), "bwrap", None)
    assert small["fsize"] == 64 * 2**20
    assert sandbox._rlimits(sandbox.Limits(), "bwrap", None)["fsize"] == 1024 * 2**20


def test_the_shipped_reproduction_unit_can_use_a_subordinate_uid():
    """The reproduction job has its own unit, without NoNewPrivileges= (it would stop the setuid
    newuidmap, and the job would fall back to the service's own uid); the refresh unit, which
    keeps NoNewPrivileges=true, never runs repository code."""
    units = Path(__file__).resolve().parents[1] / "deploy" / "systemd"
    reproduce = (units / "mltrends-reproduce.service").read_text()
    settings = [line for line in reproduce.splitlines() if not line.startswith("#")]
    assert any(line.startswith("User=") and line != "User=root" for line in settings)
    assert not any(line.startswith("NoNewPrivileges=") for line in settings)
    assert any(line.startswith("ExecStart=") and " reproduce " in line + " " for line in settings)
    assert (units / "mltrends-reproduce.timer").is_file()
    refresh = (units / "mltrends-refresh.service").read_text()
    assert "NoNewPrivileges=true" in refresh and "--reproduce" not in refresh
