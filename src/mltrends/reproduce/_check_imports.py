"""Stage S1 (runs inside the sandbox): do the repository's imports resolve?

Usage: python _check_imports.py REPO_DIR. Prints one line `MLTRENDS_IMPORTS {json}`.
Without running the repository's code: every .py file must compile, and every module it
imports (outside try-blocks, which mark optional imports) must be the repository's own,
the standard library's, or findable in this interpreter's environment.
Standalone on purpose (standard library only).
"""

import ast
import importlib.util
import json
import os
import sys

SKIP_DIRS = {".git", "venv", ".venv", "env", "node_modules", "__pycache__", "site-packages",
             "build", "dist"}
MAX_FILES = 3000


def python_files(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(".py"):
                yield os.path.join(dirpath, name)


def own_names(root):
    names = set()
    for _dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and not d.startswith(".")]
        names.update(dirnames)
        names.update(f[:-3] for f in filenames if f.endswith(".py"))
        names.update(f.split(".")[0] for f in filenames if f.endswith((".so", ".pyd")))
    return names


def required_imports(tree):
    optional = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try):
            for child in node.body:
                optional.update(id(n) for n in ast.walk(child))
    found = set()
    for node in ast.walk(tree):
        if id(node) in optional:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.partition(".")[0])
    return found


def main(root):
    own = own_names(root)
    stdlib = set(sys.stdlib_module_names) | {"__future__", "__main__"}
    syntax_errors, wanted, files = [], {}, 0
    for path in python_files(root):
        files += 1
        if files > MAX_FILES:
            break
        rel = os.path.relpath(path, root)
        try:
            with open(path, "rb") as fh:
                tree = ast.parse(fh.read(), filename=rel)
        except (SyntaxError, ValueError) as exc:
            syntax_errors.append(f"{rel}:{getattr(exc, 'lineno', '?')}: {exc.__class__.__name__}: "
                                 f"{getattr(exc, 'msg', exc)}")
            continue
        for name in required_imports(tree):
            if name not in own and name not in stdlib:
                wanted.setdefault(name, rel)
    missing = []
    for name in sorted(wanted):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            missing.append(f"{name} (imported by {wanted[name]})")
    result = {"files": min(files, MAX_FILES), "external": sorted(wanted), "missing": missing,
              "syntax_errors": syntax_errors[:50], "ok": not missing and not syntax_errors}
    print("MLTRENDS_IMPORTS " + json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
