"""Dependency manifests: which packages a repository declares, and where.

Every parser takes the file's text and returns `Req(name, line, context)` records;
`context` is required / optional / dev / docs. Nothing is executed: setup.py is read
with `ast`, and every parser falls back to a regex when the file does not parse.
"""

from __future__ import annotations

import ast
import re
import tomllib
from typing import Any, NamedTuple

import yaml

from mltrends.detect.limits import MAX_REQUIREMENTS, line_at


class Req(NamedTuple):
    name: str
    line: int
    context: str


_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_WHEEL = re.compile(r"/([A-Za-z0-9_.]+?)-\d[^/]*\.(?:whl|tar\.gz|zip)$")
_QUOTED = re.compile(r"""['"]([A-Za-z0-9][A-Za-z0-9._-]{0,200})(?:\[[^\]]{0,200}\])?\s{0,20}"""
                     r"""(?:[<>=!~;][^'"]{0,300})?['"]""")
_DEV = re.compile(r"(?:^|[-_./])(dev|test|tests|testing|lint|style|ci|check|develop)(?:$|[-_./])", re.I)
_DOCS = re.compile(r"(?:^|[-_./])(docs?|documentation|sphinx)(?:$|[-_./])", re.I)
_OPTIONS_WITH_VALUE = {"-r", "--requirement", "-c", "--constraint", "-f", "--find-links", "-i",
                       "--index-url", "--extra-index-url", "-t", "--target", "--prefix", "-e",
                       "--editable", "--root", "--upgrade-strategy", "--platform", "--python-version"}


def requirement_name(spec: str) -> str | None:
    """`torch>=1.8 ; python_version>'3'` -> torch; VCS and wheel URLs give their package name."""
    spec = spec.strip().strip("'\"")
    if not spec or spec.startswith(("#", "-", ".", "/")):
        return None
    if "://" in spec or spec.startswith("git+"):
        egg = re.search(r"[#&]egg=([A-Za-z0-9._-]+)", spec)
        if egg:
            return egg.group(1)
        if " @ " in spec:
            return requirement_name(spec.split(" @ ", 1)[0])
        wheel = _WHEEL.search(spec.split("#")[0])
        if wheel:
            return wheel.group(1)
        repo = re.search(r"github\.com[/:][^/]+/([A-Za-z0-9._-]+?)(?:\.git)?(?:[@#/]|$)", spec)
        return repo.group(1) if repo else None
    if "::" in spec:  # conda channel::package
        spec = spec.split("::", 1)[1]
    m = _NAME.match(spec)
    return m.group(1) if m else None


def context_from_name(path: str, default: str = "required") -> str:
    """requirements-dev.txt -> dev; docs/requirements.txt -> docs; others keep `default`."""
    if _DOCS.search(path):
        return "docs"
    if _DEV.search(path):
        return "dev"
    return default


def group_context(group: str) -> str:
    return "docs" if _DOCS.search(group) else "dev" if _DEV.search(group) else "optional"


def parse_requirements(text: str, context: str) -> tuple[list[Req], list[tuple[str, int]]]:
    """A requirements file: its requirements and its `-r` includes (path, line)."""
    reqs, includes = [], []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        inc = re.match(r"^(?:-r|--requirement)[ =]?\s*(\S+)", line)
        if inc:
            includes.append((inc.group(1), number))
            continue
        if line.startswith(("-e ", "--editable ")):
            line = line.split(None, 1)[1]
        elif line.startswith("-"):
            continue
        name = requirement_name(line)
        if name:
            reqs.append(Req(name, number, context))
    return reqs, includes


def pip_install_names(args: str) -> list[str]:
    """The packages of one `pip install ...` argument list (stops at &&, ;, |)."""
    names, skip = [], False
    for token in re.split(r"\s+", args.strip()):
        token = token.strip("'\"")
        if token in ("&&", ";", "|", "||") or token.endswith(";"):
            break
        if skip:
            skip = False
            continue
        if token.startswith("-"):
            skip = token in _OPTIONS_WITH_VALUE
            continue
        name = requirement_name(token)
        if name:
            names.append(name)
    return names


def _line_of(lines: list[str], name: str, start: int = 0) -> int:
    """1-based line of the first mention of `name` (as a whole word) at or after `start`."""
    pattern = re.compile(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", re.I)
    for i in range(start, len(lines)):
        if pattern.search(lines[i]):
            return i + 1
    return _line_of(lines, name, 0) if start else 0


def _quoted_fallback(text: str, context: str) -> list[Req]:
    return [Req(m.group(1), line_at(text, m.start()), context)
            for m, _ in zip(_QUOTED.finditer(text), range(MAX_REQUIREMENTS), strict=False)]


# --- setup.py --------------------------------------------------------------------------

_SETUP_KEYWORDS = {"install_requires": "required", "setup_requires": "required",
                   "extras_require": "optional", "tests_require": "dev"}


def parse_setup_py(data: bytes) -> list[Req]:
    """install_requires & co. of a setup.py, read with ast (never executed)."""
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError):
        text = data.decode("utf-8", "replace")
        return _quoted_fallback(text, "required") if "install_requires" in text else []
    assigned: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned[target.id] = node.value
    reqs: list[Req] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        fname = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if fname != "setup":
            continue
        for kw in node.keywords:
            if kw.arg in _SETUP_KEYWORDS:
                reqs.extend(_setup_values(kw.value, _SETUP_KEYWORDS[kw.arg], assigned, kw.arg, 0))
    return reqs


def _setup_values(node: ast.AST, context: str, assigned: dict[str, ast.AST], key: str,
                  depth: int) -> list[Req]:
    if depth > 5:
        return []
    if isinstance(node, ast.Name) and node.id in assigned:
        return _setup_values(assigned[node.id], context, assigned, key, depth + 1)
    if isinstance(node, ast.BinOp):
        return (_setup_values(node.left, context, assigned, key, depth + 1)
                + _setup_values(node.right, context, assigned, key, depth + 1))
    if isinstance(node, ast.Dict) and key == "extras_require":
        out = []
        for k, v in zip(node.keys, node.values, strict=False):
            group = k.value if isinstance(k, ast.Constant) and isinstance(k.value, str) else ""
            out.extend(_setup_values(v, group_context(group), assigned, "", depth + 1))
        return out
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        out = []
        for elt in node.elts:
            if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
                name = requirement_name(elt.value)
                if name:
                    out.append(Req(name, elt.lineno, context))
        return out
    return []


# --- setup.cfg -------------------------------------------------------------------------

def parse_setup_cfg(text: str) -> list[Req]:
    """[options] install_requires / setup_requires and [options.extras_require] groups."""
    reqs, section, key = [], "", ""
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            section, key = stripped[1:-1].strip().lower(), ""
            continue
        if raw[:1] not in (" ", "\t") and "=" in raw:
            key, _, value = raw.partition("=")
            key, value = key.strip().lower(), value.strip()
        else:
            value = stripped
        if section == "options" and key in ("install_requires", "setup_requires"):
            context = "required"
        elif section == "options.extras_require" and key:
            context = group_context(key)
        else:
            continue
        for part in value.split(";")[0].split(","):
            name = requirement_name(part)
            if name:
                reqs.append(Req(name, number, context))
    return reqs


# --- pyproject.toml and Pipfile ---------------------------------------------------------

def parse_pyproject(text: str) -> list[Req]:
    """PEP 621 dependencies and optional-dependencies, build requires, Poetry, PEP 735 groups."""
    try:
        doc = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        return _quoted_fallback(text, "required")
    found: list[tuple[str, str]] = []
    project = doc.get("project", {})
    found += [(s, "required") for s in _strings(project.get("dependencies"))]
    for group, specs in _items(project.get("optional-dependencies")):
        found += [(s, group_context(group)) for s in _strings(specs)]
    found += [(s, "required") for s in _strings(doc.get("build-system", {}).get("requires"))]
    for group, specs in _items(doc.get("dependency-groups")):
        found += [(s, group_context(group) if group_context(group) != "optional" else "dev")
                  for s in _strings(specs)]
    poetry = doc.get("tool", {}).get("poetry", {})
    found += [(n, "required") for n, _ in _items(poetry.get("dependencies")) if n != "python"]
    found += [(n, "dev") for n, _ in _items(poetry.get("dev-dependencies"))]
    for group, body in _items(poetry.get("group")):
        context = group_context(group) if group_context(group) != "optional" else "dev"
        found += [(n, context) for n, _ in _items(body.get("dependencies") if isinstance(body, dict) else None)]
    return _located(text, found)


def parse_pipfile(text: str) -> list[Req]:
    try:
        doc = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        return _quoted_fallback(text, "required")
    found = [(n, "required") for n, _ in _items(doc.get("packages"))]
    found += [(n, "dev") for n, _ in _items(doc.get("dev-packages"))]
    return _located(text, found)


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _items(value: Any) -> list[tuple[str, Any]]:
    return list(value.items()) if isinstance(value, dict) else []


def _located(text: str, found: list[tuple[str, str]]) -> list[Req]:
    lines = text.splitlines()
    reqs = []
    for spec, context in found[:MAX_REQUIREMENTS]:
        name = requirement_name(spec)
        if name:
            exact = next((i for i, text in enumerate(lines, 1) if spec != name and spec in text), 0)
            reqs.append(Req(name, exact or _line_of(lines, name), context))
    return reqs


# --- conda environment files ------------------------------------------------------------

def parse_environment(text: str) -> list[Req]:
    """environment.yml: conda dependencies and the `pip:` sub-list."""
    lines = text.splitlines()
    try:
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        doc = None
    if not isinstance(doc, dict):
        return [Req(name, n, "required") for n, raw in enumerate(lines, 1)
                if (m := re.match(r"^\s*-\s*([^\s#]+)", raw)) and (name := requirement_name(m.group(1)))]
    specs: list[str] = []
    for dep in doc.get("dependencies") or []:
        if isinstance(dep, str):
            specs.append(dep)
        elif isinstance(dep, dict):
            specs.extend(s for s in dep.get("pip") or [] if isinstance(s, str))
    return _located(text, [(s, "required") for s in specs])


# --- Dockerfile -----------------------------------------------------------------------

def parse_dockerfile(text: str) -> tuple[list[tuple[str, int]], list[Req], list[tuple[str, int]]]:
    """(base images, pip-installed packages, KERAS_BACKEND values), each with its line."""
    images, reqs, backends = [], [], []
    logical, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not logical:
            start = number
        stripped = raw.strip()
        if stripped.startswith("#") and not logical:
            continue
        if stripped.endswith("\\"):
            logical += stripped[:-1] + " "
            continue
        logical += stripped
        instruction, _, rest = logical.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            parts = [p for p in rest.split() if not p.startswith("--")]
            if parts:
                images.append((parts[0].lower(), start))
        elif instruction == "RUN":
            for m in re.finditer(r"(?:pip3?|conda|mamba)\s+install\s+(.*?)(?=&&|;|$)", rest):
                reqs.extend(Req(n, start, "required") for n in pip_install_names(m.group(1)))
        elif instruction == "ENV":
            m = re.search(r"KERAS_BACKEND[= ]\s*['\"]?(\w+)", rest)
            if m:
                backends.append((m.group(1), start))
        logical = ""
    return images, reqs, backends
