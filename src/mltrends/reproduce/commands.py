"""Which commands to run in a repository, in order, and why a run stopped.

Order (each within what is left of the per-repository budget): the command given in the
repos file; commands in the README's code blocks that call the repository's own Python
scripts (split with shlex, never handed to a shell); the repository's own tests; the
discovered entry point without `--help`, then with it. A `--help` run can only show that
the entry point starts, so it is skipped once a run got further.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from mltrends.reproduce.workspace import ENTRYPOINTS

README_NAMES = ("README.md", "README.markdown", "README.rst", "README.txt", "README")
MAX_README_COMMANDS = 3
SHELL_TOKENS = {"|", "||", "&&", ";", ">", ">>", "<", "&", "2>&1", "2>", "1>"}
PYTHONS = re.compile(r"^python(\d(\.\d+)?)?$")
FENCE = re.compile(r"^\s*(```|~~~)")
WEIGHT_SUFFIXES = (".pt", ".pth", ".ckpt", ".h5", ".hdf5", ".bin", ".safetensors", ".pkl",
                   ".pickle", ".pb", ".onnx", ".params", ".pdparams", ".msgpack", ".npz", ".tar")
WEIGHT_WORDS = ("checkpoint", "ckpt", "pretrain", "weights", "snapshot")
NETWORK_HINTS = ("Network is unreachable", "Temporary failure in name resolution",
                 "Name or service not known", "urlopen error", "URLError", "ConnectionError",
                 "Max retries exceeded", "nodename nor servname", "OfflineModeIsEnabled",
                 "LocalEntryNotFoundError", "Couldn't reach", "Connection refused")
GPU_HINTS = ("Torch not compiled with CUDA enabled", "Found no NVIDIA driver",
             "No CUDA GPUs are available", "CUDA driver version is insufficient",
             "no CUDA-capable device", "CUDA is not available", "CUDA_ERROR_NO_DEVICE",
             "Unknown backend: 'gpu'", "Unknown backend gpu")


@dataclass(frozen=True)
class Command:
    argv: tuple[str, ...]
    source: str                 # given | readme | tests | entrypoint | entrypoint --help
    help_only: bool = False     # a --help run: cannot get past "the entry point starts"


def _own_python_call(argv: list[str], repo: Path) -> bool:
    """`python <script in the repo> ...` or `python -m <module in the repo> ...`."""
    if len(argv) < 2 or not PYTHONS.match(Path(argv[0]).name):
        return False
    if argv[1] == "-m" and len(argv) >= 3:
        top = argv[2].split(".")[0]
        return (repo / top).is_dir() or (repo / f"{top}.py").is_file()
    if argv[1].startswith("-") or not argv[1].endswith(".py"):
        return False
    target = (repo / argv[1]).resolve()
    return target.is_file() and repo.resolve() in target.parents


def _code_lines(text: str) -> list[str]:
    """Lines inside fenced (``` / ~~~) or reST `::` indented code blocks, continuations joined."""
    lines, inside, pending = [], False, ""
    for raw in text.splitlines():
        if FENCE.match(raw):
            inside, pending = not inside, ""
            continue
        if not inside and not raw.startswith(("    ", "\t")):
            continue
        line = raw.strip()
        if line.startswith(("$ ", "> ", "% ")):
            line = line[2:].strip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    return lines


def readme_commands(repo: Path, python: str) -> list[tuple[str, ...]]:
    """Commands from the README's code blocks that run the repository's own scripts."""
    readme = next((repo / n for n in README_NAMES if (repo / n).is_file()), None)
    if readme is None:
        return []
    found: list[tuple[str, ...]] = []
    for line in _code_lines(readme.read_text(encoding="utf-8", errors="replace")):
        if not line or line.startswith("#"):
            continue
        try:
            argv = shlex.split(line, comments=True)
        except ValueError:
            continue
        while argv and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", argv[0]):
            argv = argv[1:]  # VAR=value prefixes are dropped, never exported
        if any(tok in SHELL_TOKENS or "$(" in tok or "`" in tok for tok in argv):
            continue
        if not _own_python_call(argv, repo):
            continue
        argv = [python, *argv[1:]]
        if tuple(argv) not in found:
            found.append(tuple(argv))
        if len(found) >= MAX_README_COMMANDS:
            break
    return found


def has_tests(repo: Path) -> bool:
    if (repo / "tests").is_dir() or (repo / "test").is_dir():
        return True
    return any(repo.glob("test_*.py")) or any(repo.glob("*_test.py"))


def discover_entrypoint(repo: Path) -> str | None:
    for base in (repo, repo / "src"):
        for name in ENTRYPOINTS:
            if (base / name).is_file():
                return str((base / name).relative_to(repo))
    return None


def plan(repo: Path, python: str, given: str | tuple[str, ...] | list[str] | None) -> list[Command]:
    """The commands worth running, best first (duplicates dropped)."""
    out: list[Command] = []

    def add(argv: list[str] | tuple[str, ...], source: str, help_only: bool = False) -> None:
        argv = tuple(argv)
        if argv and all(c.argv != argv for c in out):
            out.append(Command(argv, source, help_only))

    if given:
        argv = shlex.split(given) if isinstance(given, str) else [str(a) for a in given]
        if argv and PYTHONS.match(argv[0]):
            argv[0] = python
        add(argv, "given", help_only="--help" in argv or "-h" in argv)
    for argv in readme_commands(repo, python):
        add(argv, "readme", help_only="--help" in argv or "-h" in argv)
    if has_tests(repo):
        add([python, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"], "tests")
    script = discover_entrypoint(repo)
    if script is not None:
        add([python, script], "entrypoint")
        add([python, script, "--help"], "entrypoint --help", help_only=True)
    return out


def _missing_path(line: str) -> str:
    found = re.search(r"['\"]([^'\"]+)['\"]\s*$", line) or re.search(r":\s*(\S+)\s*$", line)
    return found.group(1) if found else line


def categorize(output: str, returncode: int | None) -> str:
    """Why a run that did not exit 0 stopped, from the end of its output."""
    tail = output[-6000:]
    exception = ""
    for line in tail.splitlines():
        if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|NotFound\w*)\b", line.strip()):
            exception = line.strip()
    if any(h in tail for h in GPU_HINTS):
        return "needs_gpu"
    if exception.startswith(("ModuleNotFoundError", "ImportError")):
        return "import"
    if exception.startswith(("FileNotFoundError", "IsADirectoryError", "NotADirectoryError")) \
            or "No such file or directory" in exception or "does not exist" in exception:
        path = _missing_path(exception).lower()
        weights = path.endswith(WEIGHT_SUFFIXES) or any(w in path for w in WEIGHT_WORDS)
        return "missing_weights" if weights else "missing_data"
    if any(h in tail for h in NETWORK_HINTS):
        return "network"
    if returncode == 2 and "usage:" in tail and "error:" in tail:
        return "arguments"
    return "entrypoint"
