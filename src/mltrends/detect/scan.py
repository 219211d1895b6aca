"""Detection over a directory or over a set of files: each file is read once, then scored."""

from __future__ import annotations

import os
import posixpath
import time
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath

from mltrends.detect import manifests as mf
from mltrends.detect import purpose
from mltrends.detect.imports import PyScan, relevant_pattern, scan_notebook, scan_python
from mltrends.detect.limits import STATIC_SECONDS, read_inside
from mltrends.detect.model import DetectionResult, Evidence, canonical_package, load_mapping
from mltrends.detect.model import Mapping as FrameworkMap
from mltrends.detect.scoring import score
from mltrends.detect.tpu import tpu_evidence, with_tpu
from mltrends.detect.tree import (
    MAX_MANIFEST_BYTES,
    Tree,
    file_kind,
    gitmodule_paths,
    list_tree,
    tree_of_paths,
)

CONTEXT_RANK = {"required": 0, "optional": 1, "dev": 2, "docs": 3}


class Reader:
    """Reads files under a root, counting every open (the detector never reads a file twice)."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.opens: Counter[str] = Counter()

    def __call__(self, rel: str) -> bytes | None:
        self.opens[rel] += 1
        return read_inside(self.root, rel)


class Scan:
    """Evidence gathered file by file; `result()` scores it."""

    def __init__(self, tree: Tree, read: Callable[[str], bytes | None],
                 mapping: FrameworkMap | None = None) -> None:
        self.tree, self.read = tree, read
        self.mapping = mapping or load_mapping()
        self.relevant = relevant_pattern(list(self.mapping.imports) + list(self.mapping.multi))
        self.evidence: list[Evidence] = []
        self.tpu: list[Evidence] = []  # TPU code paths: recorded beside the score, never in it
        self.backends: list[Evidence] = []
        self.stats: Counter[str] = Counter()
        self.requirements: dict[str, tuple[list[mf.Req], list[tuple[str, int]], str]] = {}
        self.seen: set[str] = set()
        self.deadline = time.monotonic() + STATIC_SECONDS

    def _spent(self) -> bool:
        """The time budget of the static pass is used up (the rest is left unread)."""
        return time.monotonic() > self.deadline

    def run(self) -> DetectionResult:
        files = self.tree.files
        for rel, kind in files:
            if kind == "gitmodules":
                data = self.read(rel)
                if data:
                    self.tree.vendored |= gitmodule_paths(data.decode("utf-8", "replace"))
        for rel, kind in files:
            if kind != "gitmodules":
                if self._spent():
                    self.stats["files_over_budget"] += 1
                    continue
                self.add(rel, kind)
        self._emit_requirements()
        self.stats["files_skipped"] += self.tree.skipped
        self.stats["optional_only_evidence"] += purpose.demote_optional(
            self.evidence, purpose.is_library([rel for rel, _ in files]))
        return with_tpu(score(self.evidence, self.backends, self.mapping, dict(self.stats)), self.tpu)

    def add(self, rel: str, kind: str) -> None:
        self.seen.add(rel)
        data = self.read(rel)
        if data is None:
            self.stats["files_unreadable"] += 1
            return
        self.stats["files_read"] += 1
        handler = getattr(self, f"_{kind}")
        handler(rel, data)

    # --- code -----------------------------------------------------------------------
    def _python(self, rel: str, data: bytes) -> None:
        self.tpu += tpu_evidence(rel, data)
        scan = scan_python(data, self.relevant)
        if scan is not None:
            self.stats["files_parsed"] += 1
            self._code(rel, rel, scan, "import", self.tree.path_context(rel, code=True))

    def _setup_py(self, rel: str, data: bytes) -> None:
        self._python(rel, data)
        self._reqs(rel, mf.parse_setup_py(data), "manifest")

    def _notebook(self, rel: str, data: bytes) -> None:
        self.tpu += tpu_evidence(rel, data)
        cells, broken = scan_notebook(data, self.relevant)
        self.stats["notebooks_fallback" if broken else "notebooks"] += 1
        path_ctx = self.tree.path_context(rel, code=True)
        for cell in cells:
            where = f"{rel}#cell{cell.cell}" if cell.cell else rel
            if cell.scan is not None:
                self._code(rel, where, cell.scan, "notebook", path_ctx)
            for args, line in cell.pip:
                reqs = [mf.Req(n, line, "notebook") for n in mf.pip_install_names(args)]
                self._reqs(where, reqs, "manifest", path_ctx)
            self._backends(where, cell.backends, path_ctx or "notebook")

    def _code(self, rel: str, where: str, scan: PyScan, kind: str, path_ctx: str | None) -> None:
        if scan.fallback:
            self.stats["files_fallback"] += 1
        if scan.latin1:
            self.stats["files_latin1"] += 1
        m = self.mapping
        for hit in scan.imports:
            found = m.import_framework(hit.module)
            if found is None:
                continue
            if self.tree.shadowed(rel, hit.module.split(".", 1)[0]):
                self.stats["imports_shadowed"] += 1
                continue
            framework, lib = found
            hint = self._hint(lib, hit.names) if lib else ""
            self.evidence.append(Evidence(framework, where, hit.line, kind, path_ctx or hit.context,
                                          hit.module, lib, hint))
        for module, line in scan.bases:
            found = m.import_framework(module)
            if found and not self.tree.shadowed(rel, module.split(".", 1)[0]):
                self.evidence.append(Evidence(found[0], where, line, "model", path_ctx or "module",
                                              module, found[1]))
        self._backends(where, scan.backends, path_ctx or "module")

    def _hint(self, lib: str, names: tuple[str, ...]) -> str:
        prefixes = self.mapping.multi.get(lib, {}).get("prefixes", {})
        for name in names:
            for prefix, framework in prefixes.items():
                rest = name[len(prefix):]
                if name.startswith(prefix) and rest[:1].isupper():
                    return framework
        return ""

    def _backends(self, where: str, pins: list[tuple[str, int]], context: str) -> None:
        for value, line in pins:
            framework = self.mapping.keras_backends.get(value.lower())
            if framework:
                self.backends.append(Evidence(framework, where, line, "backend", context,
                                              f"KERAS_BACKEND={value}"))

    # --- manifests ----------------------------------------------------------------------
    def _reqs(self, where: str, reqs: list[mf.Req], kind: str, path_ctx: str | None = None) -> None:
        if path_ctx is None:
            path_ctx = self.tree.path_context(where.split("#")[0], code=False)
        for req in reqs:
            found = self.mapping.package_framework(req.name)
            if found is None:
                continue
            framework, lib = found
            self.evidence.append(Evidence(framework, where, req.line, kind, path_ctx or req.context,
                                          canonical_package(req.name), lib))

    def _text(self, data: bytes) -> str:
        return data.decode("utf-8", "replace")

    def _requirements(self, rel: str, data: bytes) -> None:
        context = mf.context_from_name(rel)
        self.requirements[rel] = (*mf.parse_requirements(self._text(data), context), context)

    def _emit_requirements(self) -> None:
        """Follow `-r` includes (reading a file not seen yet, once), then emit the evidence.

        An included file takes the most binding context of the files including it.
        """
        effective = {rel: ctx for rel, (_, _, ctx) in self.requirements.items()}
        changed = True
        while changed:
            changed = False
            for rel, (_, includes, _) in list(self.requirements.items()):
                for target, _ in includes:
                    path = posixpath.normpath(posixpath.join(posixpath.dirname(rel), target))
                    if path.startswith(("../", "/")) or path == "..":
                        continue  # an include outside the repository is never opened
                    if path not in self.requirements:
                        data = None if path in self.seen or self._spent() else self.read(path)
                        if data is not None and len(data) > MAX_MANIFEST_BYTES:
                            data = None
                        self.seen.add(path)
                        if data is None:
                            self.requirements[path] = ([], [], "required")
                        else:
                            self.stats["files_read"] += 1
                            self._requirements(path, data)
                        effective[path] = self.requirements[path][2]
                        changed = True
                    if CONTEXT_RANK[effective[rel]] < CONTEXT_RANK[effective[path]]:
                        effective[path] = effective[rel]
                        changed = True
        for rel, (reqs, _, _) in sorted(self.requirements.items()):
            self._reqs(rel, [r._replace(context=effective[rel]) for r in reqs], "manifest")

    def _setup_cfg(self, rel: str, data: bytes) -> None:
        self._reqs(rel, mf.parse_setup_cfg(self._text(data)), "manifest")

    def _pyproject(self, rel: str, data: bytes) -> None:
        self._reqs(rel, mf.parse_pyproject(self._text(data)), "manifest")

    def _pipfile(self, rel: str, data: bytes) -> None:
        self._reqs(rel, mf.parse_pipfile(self._text(data)), "manifest")

    def _environment(self, rel: str, data: bytes) -> None:
        self._reqs(rel, mf.parse_environment(self._text(data)), "manifest")

    def _dockerfile(self, rel: str, data: bytes) -> None:
        images, reqs, backends = mf.parse_dockerfile(self._text(data))
        path_ctx = self.tree.path_context(rel, code=False)
        for image, line in images:
            for prefix, framework in self.mapping.docker:
                if image == prefix or image.startswith((prefix + ":", prefix + "-", prefix + "@")):
                    self.evidence.append(Evidence(framework, rel, line, "dockerfile",
                                                  path_ctx or "required", image))
                    break
        self._reqs(rel, reqs, "dockerfile", path_ctx)
        self._backends(rel, backends, path_ctx or "required")


def detect_path(path: str | os.PathLike[str], reader: Reader | None = None,
                extra_files: Mapping[str, str | bytes] | None = None) -> DetectionResult:
    """Detect the frameworks of a directory (a clone) or of a single file.

    `extra_files` adds in-memory files (manifests fetched from GitHub) that the
    directory lacks; a file present on disk wins.
    """
    target = Path(path)
    if not target.exists():
        raise FileNotFoundError(f"detect: no such file or directory: {path}")
    if target.is_file():
        root, tree = str(target.parent), tree_of_paths([target.name])
    else:
        root, tree = str(target), list_tree(str(target))
    read = reader or Reader(root)
    read.root = root
    if not extra_files:
        return Scan(tree, read).run()
    on_disk = {rel for rel, _ in tree.files}
    overlay = {str(k).lstrip("/"): v for k, v in extra_files.items()
               if v is not None and str(k).lstrip("/") not in on_disk
               and not (target / str(k).lstrip("/")).exists()}
    for rel in sorted(overlay):
        tree.add(rel, file_kind(rel))
    tree.files.sort()

    def read_both(rel: str) -> bytes | None:
        if rel in overlay:
            value = overlay[rel]
            return value.encode("utf-8") if isinstance(value, str) else value
        return read(rel)

    return Scan(tree, read_both).run()


def detect_manifests(files: Mapping[str, str | bytes]) -> DetectionResult:
    """Detect from file contents given in memory (the manifests GitHub returned)."""
    contents = {str(PurePosixPath(str(k).lstrip("/"))): v for k, v in files.items() if v is not None}

    def read(rel: str) -> bytes | None:
        value = contents.get(rel)
        return value.encode("utf-8") if isinstance(value, str) else value

    return Scan(tree_of_paths(contents), read).run()
