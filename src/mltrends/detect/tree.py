"""The repository's files: which ones to read, where each sits, which names are local."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

SKIP_DIRS = {"node_modules", "__pycache__", "site-packages", "venv", "virtualenv", ".venv",
             "dist", "wheelhouse", "htmlcov"}
VENDORED_DIRS = {"third_party", "thirdparty", "third-party", "3rdparty", "3rd_party", "vendor",
                 "vendors", "vendored", "_vendor", "external", "externals", "extern", "ext_libs"}
DOCS_DIRS = {"docs", "doc", "documentation", "sphinx", "docsrc"}
TESTS_DIRS = {"tests", "test", "testing", "unittests", "unit_tests"}
EXAMPLES_DIRS = {"examples", "example", "demo", "demos", "samples", "sample", "tutorials", "tutorial"}
LICENSES = {"license", "license.txt", "license.md", "licence", "copying", "license.rst"}
_CONVERSION = re.compile(
    r"convert|conversion|(?:^|_)port(?:_|$)|tf2(?:torch|pt|pytorch)|(?:torch|pt|pytorch)2tf"
    r"|_to_(?:pytorch|torch|pt|tf|tensorflow|jax|flax|keras|paddle)"
    r"|from_(?:tf|tensorflow|pytorch|torch|jax|flax)|load_tf_weights", re.I)
_REQ_DIRS = {"requirements", "reqs", "requirement"}
_ENV_FILE = re.compile(r"^(?:environment|env|conda)[\w.-]*\.ya?ml$")
MAX_BYTES = {"python": 1_000_000, "notebook": 20_000_000}
MAX_MANIFEST_BYTES = 1_000_000


def file_kind(rel: str) -> str | None:
    """What a file is to the detector (None: not read at all)."""
    name = rel.rsplit("/", 1)[-1]
    lower = name.lower()
    if lower.endswith(".py"):
        return "setup_py" if lower == "setup.py" else "python"
    if lower.endswith(".ipynb"):
        return "notebook"
    if lower.endswith(".txt"):
        parent = rel.rsplit("/", 2)[-2].lower() if "/" in rel else ""
        return "requirements" if "requirement" in lower or parent in _REQ_DIRS else None
    if lower == "setup.cfg":
        return "setup_cfg"
    if lower == "pyproject.toml":
        return "pyproject"
    if lower == "pipfile":
        return "pipfile"
    if _ENV_FILE.match(lower):
        return "environment"
    if lower == "dockerfile" or lower.startswith("dockerfile.") or lower.endswith(".dockerfile"):
        return "dockerfile"
    return None


@dataclass
class Tree:
    """The listing of a repository (no file read yet) and what follows from it."""

    files: list[tuple[str, str]] = field(default_factory=list)  # (rel, kind)
    py_stems: dict[str, set[str]] = field(default_factory=dict)  # dir -> module stems
    children: dict[str, set[str]] = field(default_factory=dict)  # dir -> child dir names
    packages: set[str] = field(default_factory=set)  # dirs with __init__.py
    copied: set[str] = field(default_factory=set)    # dirs that look like a copied project
    vendored: set[str] = field(default_factory=set)  # from .gitmodules
    skipped: int = 0
    _modules: dict[str, set[str]] = field(default_factory=dict)

    def add(self, rel: str, kind: str | None) -> None:
        parent, _, name = rel.rpartition("/")
        if name.endswith(".py"):
            self.py_stems.setdefault(parent, set()).add(name[:-3])
            if name == "__init__.py":
                self.packages.add(parent)
        if kind:
            self.files.append((rel, kind))

    def modules(self, directory: str) -> set[str]:
        """Importable names a script in `directory` would find there."""
        if directory not in self._modules:
            names = set(self.py_stems.get(directory, ()))
            prefix = f"{directory}/" if directory else ""
            names |= {c for c in self.children.get(directory, ())
                      if self.py_stems.get(prefix + c)}
            self._modules[directory] = names
        return self._modules[directory]

    def shadowed(self, rel: str, top: str) -> bool:
        """True when `import top` in file `rel` would load the repo's own module, not the library."""
        if top in self.modules("") or top in self.modules("src"):
            return True
        parent = rel.rpartition("/")[0]
        return parent not in self.packages and top in self.modules(parent)

    def path_context(self, rel: str, code: bool) -> str | None:
        """vendored / docs / tests / examples / conversion, or None for the repo's own code."""
        parts = rel.lower().split("/")
        dirs = parts[:-1]
        if any(d in VENDORED_DIRS for d in dirs) or self._inside(rel, self.vendored | self.copied):
            return "vendored"
        if any(d in DOCS_DIRS for d in dirs):
            return "docs"
        name = parts[-1]
        if any(d in TESTS_DIRS for d in dirs) or (code and (
                name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py")):
            return "tests"
        if any(d in EXAMPLES_DIRS for d in dirs):
            return "examples"
        if code and _CONVERSION.search(name.rsplit(".", 1)[0]):
            return "conversion"
        return None

    @staticmethod
    def _inside(rel: str, prefixes: set[str]) -> bool:
        return any(rel.startswith(p + "/") for p in prefixes)


def gitmodule_paths(text: str) -> set[str]:
    return {m.group(1).strip().strip("/") for m in re.finditer(r"(?m)^\s*path\s*=\s*(.+)$", text)}


def list_tree(root: str) -> Tree:
    """Walk `root` once (directories only: no file is opened), skipping VCS, venvs, caches."""
    tree = Tree()
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        try:
            with os.scandir(os.path.join(root, rel_dir) if rel_dir else root) as it:
                entries = list(it)
        except OSError:
            tree.skipped += 1
            continue
        names = {e.name.lower() for e in entries}
        if rel_dir and ("pyvenv.cfg" in names or "conda-meta" in names):
            continue
        if rel_dir and names & LICENSES and names & {"setup.py", "pyproject.toml"}:
            tree.copied.add(rel_dir)
        prefix = f"{rel_dir}/" if rel_dir else ""
        for entry in entries:
            name = entry.name
            if entry.is_dir(follow_symlinks=False):
                if name.startswith(".") or name in SKIP_DIRS or name.endswith((".egg-info", ".dist-info")):
                    continue
                tree.children.setdefault(rel_dir, set()).add(name)
                stack.append(prefix + name)
            elif entry.is_file(follow_symlinks=False):
                rel = prefix + name
                kind = file_kind(rel)
                if kind is None and name == ".gitmodules" and not rel_dir:
                    kind = "gitmodules"
                if kind is not None:
                    try:
                        size = entry.stat(follow_symlinks=False).st_size
                    except OSError:
                        size = 0
                    if size > MAX_BYTES.get(kind, MAX_MANIFEST_BYTES):
                        tree.skipped += 1
                        kind = None
                tree.add(rel, kind)
    tree.files.sort()
    return tree


def tree_of_paths(paths: Iterable[str]) -> Tree:
    """A Tree over given relative paths (manifests GitHub returned), nothing on disk."""
    tree = Tree()
    for rel in sorted({str(PurePosixPath(p)) for p in paths}):
        parts = rel.split("/")
        for i in range(1, len(parts)):
            tree.children.setdefault("/".join(parts[:i - 1]), set()).add(parts[i - 1])
        kind = file_kind(rel) or ("gitmodules" if rel == ".gitmodules" else None)
        tree.add(rel, kind)
    return tree
