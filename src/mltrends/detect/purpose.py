"""What a repository needs, not only what it mentions (issue 21).

A library (a repo with a package manifest) whose framework imports are all optional does
not use that framework as its primary: imports guarded by try/except, imports inside
functions (lazy backend branches), modules of an optional sub-package (contrib/,
integrations/, plugins/, extras/, a folder or module named after a framework), and
manifest extras. Its core needs a framework only through a required dependency or a
module-level import outside those sub-packages. Optional-only evidence stays listed, in
context `optional_import`, which cannot make a framework primary.
"""

from __future__ import annotations

from mltrends.detect.model import Evidence

PACKAGE_MANIFESTS = ("setup.py", "setup.cfg", "pyproject.toml")
# not backend/: a backend package is often the core (Keras 2's keras/backend/tensorflow_backend.py)
OPTIONAL_DIRS = {"contrib", "integrations", "integration", "plugins", "plugin", "extras",
                 "compat", "interop"}
FRAMEWORK_NAMES = {"tensorflow", "tf", "torch", "pytorch", "jax", "flax", "keras", "paddle",
                   "mxnet", "mindspore"}
LAZY_CONTEXTS = {"try", "function"}
OPTIONAL_CONTEXT = "optional_import"


def is_library(paths: list[str]) -> bool:
    """A package manifest at the top of the repo."""
    return any(p in PACKAGE_MANIFESTS for p in paths)


def in_optional_subpackage(path: str) -> bool:
    """A module below a package whose folder, or own name, marks it optional."""
    parts = path.split("#", 1)[0].lower().split("/")
    if len(parts) < 2:
        return False
    stem = parts[-1].rsplit(".", 1)[0]
    inner = parts[1:-1]
    return (any(d in OPTIONAL_DIRS or d in FRAMEWORK_NAMES for d in inner)
            or (stem in FRAMEWORK_NAMES and len(parts) > 1))


def _core(ev: Evidence) -> bool:
    if ev.kind in ("manifest", "dockerfile"):
        return ev.context == "required"
    if ev.kind == "backend":
        return False
    return ev.context not in LAZY_CONTEXTS and ev.context in ("module", "notebook") \
        and not in_optional_subpackage(ev.path)


def demote_optional(evidence: list[Evidence], library: bool) -> int:
    """In a library, move the evidence of frameworks its core does not need to
    `optional_import`; returns how many pieces were moved."""
    if not library:
        return 0
    core = {ev.framework for ev in evidence if _core(ev)}
    moved = 0
    for ev in evidence:
        if ev.framework not in core and ev.context not in ("tests", "docs", "vendored", "dev"):
            ev.context = OPTIONAL_CONTEXT
            moved += 1
    return moved
