"""The repository's Python environment: a per-repo uv venv, or a shared base environment.

Manifest precedence follows repo2docker: environment.yml > requirements.txt >
setup.py / pyproject.toml (binder/ or .binder/ first when present). conda is not used:
an environment.yml's conda and pip dependencies are installed with uv.
"""

from __future__ import annotations

import functools
import os
import re
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mltrends.reproduce import bwrap, sandbox, subids
from mltrends.reproduce.workspace import Workspace, hand_over

MANIFESTS = ("environment.yml", "environment.yaml", "requirements.txt", "setup.py", "pyproject.toml")
CONDA_ONLY = {"python", "pip", "cudatoolkit", "cudnn", "nccl", "mkl", "blas", "libgcc-ng"}
CONDA_RENAMES = {"pytorch": "torch", "pytorch-cpu": "torch", "tensorflow-gpu": "tensorflow"}


@dataclass
class EnvResult:
    ok: bool
    python: str
    source: str
    seconds: float = 0.0
    detail: str = ""
    category: str | None = None
    freeze: list[str] = field(default_factory=list)


def uv_bin() -> str | None:
    try:
        from uv import find_uv_bin
        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        candidate = Path(sys.executable).with_name("uv")
        return str(candidate) if candidate.exists() else None


def find_manifest(repo: Path) -> Path | None:
    """The manifest to install from: regular files and real folders only (no symlinks)."""
    for folder in (repo / "binder", repo / ".binder", repo):
        if folder.is_dir() and not folder.is_symlink():
            for name in MANIFESTS:
                path = folder / name
                if path.is_file() and not path.is_symlink():
                    return path
    return None


def installed(venv: Path) -> list[str]:
    """`name==version` of a venv's packages, from its .dist-info folder names.

    Read on the host without running anything of the venv (the install step, which ran
    the repository's build backend, could have replaced its interpreter) and without
    following a symlink it may have planted.
    """
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    found: list[str] = []
    fds: list[int] = []
    try:
        fds.append(os.open(venv, flags))
        fds.append(os.open("lib", flags, dir_fd=fds[-1]))
        with os.scandir(fds[-1]) as entries:
            pythons = sorted(e.name for e in entries if e.name.startswith("python")
                             and e.is_dir(follow_symlinks=False))
        for name in pythons[:1]:
            fds.append(os.open(name, flags, dir_fd=fds[-1]))
            fds.append(os.open("site-packages", flags, dir_fd=fds[-1]))
            with os.scandir(fds[-1]) as entries:
                for entry in entries:
                    if entry.name.endswith(".dist-info") and entry.is_dir(follow_symlinks=False):
                        package, _, version = entry.name[:-len(".dist-info")].partition("-")
                        found.append(f"{package}=={version}")
    except OSError:
        pass
    finally:
        for fd in fds:
            os.close(fd)
    return sorted(found, key=str.lower)[:2000]


def environment_yml_requirements(text: str) -> list[str]:
    """conda `dependencies` (as pip specs) and the `pip:` sub-list of an environment.yml."""
    reqs: list[str] = []
    in_deps = in_pip = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        item = line.strip()
        if indent == 0:
            in_deps, in_pip = item.startswith("dependencies:"), False
            continue
        if not in_deps or not item.startswith("-"):
            continue
        value = item[1:].strip().strip("'\"")
        if value.startswith("pip:"):
            in_pip = True
            continue
        if in_pip and indent >= 4:
            reqs.append(value)
            continue
        in_pip = False
        name = re.split(r"[=<>!~ ]", value.split("::")[-1], maxsplit=1)[0].strip()
        if not name or name.lower() in CONDA_ONLY:
            continue
        rest = value.split("::")[-1][len(name):].strip()
        if re.fullmatch(r"=[^=<>]+", rest):  # conda `pkg=1.2` means `pkg==1.2.*`
            rest = "==" + rest[1:].split("=")[0] + ".*"
        reqs.append(CONDA_RENAMES.get(name.lower(), name) + rest)
    return reqs


@functools.lru_cache(maxsize=8)
def freeze(python: str) -> tuple[str, ...]:
    uv = uv_bin()
    argv = [uv, "pip", "freeze", "--python", python] if uv else [python, "-m", "pip", "freeze"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return tuple(line for line in done.stdout.splitlines() if line.strip())


def shared(python: str) -> EnvResult:
    """--no-install: the base environment that already holds the frameworks."""
    return EnvResult(ok=True, python=python, source="shared base environment",
                     freeze=list(freeze(python)))


def install(ws: Workspace, base_python: str, *, mode: str, uid: int | None,
            limits: sandbox.Limits, network: bool, find_links: tuple[str, ...] = (),
            expose: tuple[str, ...] = ()) -> EnvResult:
    """A uv venv in <ws>/venv with the repository's declared requirements.

    With network allowed, wheels are first downloaded by pip in a sandbox that holds
    nothing of the repository and builds nothing; the install itself (which may run the
    repository's build backend) is always offline, in the sandbox, within
    limits.wall_seconds."""
    manifest = find_manifest(ws.repo)
    uv = uv_bin()
    if uv is None:
        return EnvResult(False, base_python, "none", detail="uv is not installed", category="env")
    done = subprocess.run([uv, "venv", "--quiet", "--python", base_python, str(ws.venv)],
                          capture_output=True, text=True, timeout=120)
    python = str(ws.venv / "bin" / "python")
    if done.returncode != 0:
        return EnvResult(False, python, "none", detail=done.stderr[-1000:], category="env")
    if manifest is None:
        return EnvResult(True, python, "no manifest", freeze=list(freeze(python)))
    rel = manifest.relative_to(ws.repo)
    target: list[str]
    reqs: list[str] | None = None
    if manifest.name.startswith("environment."):
        reqs = environment_yml_requirements(_read_capped(manifest))
        converted = ws.tools / "environment-requirements.txt"
        converted.write_text("\n".join(reqs) + "\n")
        target = ["-r", str(converted)]
    elif manifest.name == "requirements.txt":
        reqs = _read_capped(manifest).splitlines()
        target = ["-r", str(manifest)]
    else:
        target = ["-e", str(manifest.parent)]
    links = list(find_links)
    if network and reqs is not None and plain_requirements(reqs):
        wheels, failed = _download(ws, base_python, reqs, mode=mode, uid=uid, limits=limits,
                                   expose=expose)
        if failed is not None:
            return failed
        links.append(str(wheels))
    argv = [uv, "pip", "install", "--python", python, *target, "--offline"]
    for link in links:
        argv += ["--find-links", link]
    hand_over(ws, uid, sandbox.subordinate_for(mode, uid))
    view = ws.view(mode, installing=True)
    env = sandbox.scrubbed_env({"UV_CACHE_DIR": view["home"] + "/.cache/uv",
                                "UV_NO_PROGRESS": "1"}, [], view["home"], view["tmp"])
    run = sandbox.run_sandboxed(argv, cwd=str(ws.repo), writable=view["writable"], env=env,
                                mode=mode, uid=uid, limits=limits, network=False,
                                readonly=[*view["readonly"], *links],
                                expose=(*expose, *find_links),
                                disk_watch=None if ws.size_limited else str(ws.root))
    result = EnvResult(ok=run.returncode == 0, python=python, source=str(rel),
                       seconds=run.seconds, detail=run.output[-2000:])
    if run.setup_failed:
        result.category = "sandbox"
    elif run.timed_out:
        result.category, result.detail = "timeout", f"install timed out after {run.seconds:.0f} s"
    elif not result.ok:
        result.category = "env"
    else:
        result.freeze = installed(ws.venv)
    return result


MAX_MANIFEST_BYTES = 1 << 20
# a plain requirement: name, extras, version specifiers, markers; no paths, URLs or options
PLAIN_REQUIREMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,100}(\[[A-Za-z0-9,._ -]{0,200}\])?"
                               r"\s*([<>=!~][^@;]{0,200})?(;[^@]{0,300})?")


def _read_capped(path: Path) -> str:
    """A manifest's text: a regular file only (no symlink, FIFO, device), at most 1 MiB."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return ""
        return os.read(fd, MAX_MANIFEST_BYTES).decode("utf-8", "replace")
    finally:
        os.close(fd)


def plain_requirements(lines: list[str]) -> list[str]:
    """The lines a download may use: named requirements only (no path, URL, option, include)."""
    out = []
    for raw in lines:
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith("#") and PLAIN_REQUIREMENT.fullmatch(line):
            out.append(line)
    return out


def _download(ws: Workspace, base_python: str, reqs: list[str], *, mode: str, uid: int | None,
              limits: sandbox.Limits, expose: tuple[str, ...]) -> tuple[Path, EnvResult | None]:
    """Wheels only, with network, in a sandbox that holds nothing of the repository: pip
    resolves and downloads but builds and runs nothing (`--only-binary=:all:`)."""
    wheels = ws.root / "wheels"
    wheels.mkdir(exist_ok=True)
    listing = ws.tools / "download-requirements.txt"
    listing.write_text("\n".join(plain_requirements(reqs)) + "\n")
    if uid is not None:
        os.chown(wheels, uid, uid)
    elif (sub := sandbox.subordinate_for(mode, uid)) is not None:
        subids.give(sub, [wheels])
    home, tmp = ((bwrap.SANDBOX_HOME, bwrap.SANDBOX_TMP) if mode == "bwrap"
                 else (str(ws.home), str(ws.tmp)))
    writable = [str(wheels)] if mode == "bwrap" else [str(wheels), str(ws.home), str(ws.tmp)]
    env = sandbox.scrubbed_env({"PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}, [],
                               home, tmp)
    run = sandbox.run_sandboxed(
        [base_python, "-m", "pip", "download", "--only-binary=:all:", "--dest", str(wheels),
         "-r", str(listing)], cwd=str(wheels), writable=writable, env=env, mode=mode, uid=uid,
        limits=limits, network=True, readonly=[str(ws.tools)], expose=expose,
        disk_watch=None if ws.size_limited else str(ws.root))
    if run.returncode == 0:
        return wheels, None
    return wheels, EnvResult(False, base_python, "download", seconds=run.seconds,
                             detail=run.output[-2000:],
                             category="timeout" if run.timed_out else "env")
