"""Imports of Python files and notebooks, with the context each import sits in.

Speed matters (a clone has thousands of files), so a file is parsed only when a bytes
regex finds an import of a known name in it, and only up to the end of the top-level
statement holding the last such import: every later statement cannot add evidence.
When that prefix does not parse, the whole file is parsed; when the file does not
parse at all (Python 2, a broken encoding), a line regex gives the imports instead.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import nbformat
import nbformat.reader

from mltrends.detect.limits import line_at

CONTEXT_RANK = {"module": 0, "function": 1, "try": 2}
_GUARD_EXCEPTIONS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
_BACKEND_TOKENS = (b"KERAS_BACKEND", b"set_backend")
# the next line starting a new top-level statement (not a clause of the current one)
_TOP_LEVEL = re.compile(
    rb"(?m)^(?![ \t\r\n#]|except\b|else\b|elif\b|finally\b|case\b|[)\]}\\'\"])")
_CLASS = re.compile(rb"(?m)^[ \t]*class[ \t]+\w+[ \t]*\(([^)\n]*)\)")
_FALLBACK = re.compile(
    rb"(?m)^([ \t]*)(?:from[ \t]+([A-Za-z_][\w.]*)[ \t]+import\b|import[ \t]+([^\n#;]*))")
_IDENT = re.compile(r"[A-Za-z_][\w.]*")
_DYNAMIC_FALLBACK = re.compile(rb"""(?:import_module|__import__)\(\s*['"]([\w.]+)['"]""")
_BACKEND_FALLBACK = re.compile(
    rb"""KERAS_BACKEND['"]?\s*(?:\]\s*=|,|=)\s*['"]?(\w+)|set_backend\(\s*['"](\w+)['"]""")
_PIP_LINE = re.compile(r"^\s*(?:[!%]|%%\w+\s+)?\s*(?:python3?\s+-m\s+)?(?:pip3?|conda|mamba|uv\s+pip)\s+install\s+(.*)$")
_JSON_LINE = re.compile(rb'(?m)^[ \t]*"')
_ENV_MAGIC = re.compile(r"^\s*%env\s+KERAS_BACKEND\s*[= ]\s*['\"]?(\w+)")
_PY_CELL_MAGICS = {"time", "timeit", "capture", "writefile", "prun", "debug", "pypy"}


@dataclass
class ImportHit:
    module: str
    line: int
    context: str
    names: tuple[str, ...] = ()


@dataclass
class PyScan:
    imports: list[ImportHit] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    backends: list[tuple[str, int]] = field(default_factory=list)
    bases: list[tuple[str, int]] = field(default_factory=list)
    fallback: bool = False
    latin1: bool = False


def relevant_pattern(names: Iterable[str]) -> re.Pattern[bytes]:
    """A bytes regex matching (from a line's start) an import of one of `names`.

    Static imports (`import x`, `from x import y`) and dynamic ones with a literal
    name (`importlib.import_module("x")`, `__import__("x")`, group `dyn`).
    """
    alt = b"|".join(re.escape(n.encode()) for n in sorted(names, key=len, reverse=True))
    return re.compile(
        rb"[ \t]*(?:from[ \t]+(?:" + alt + rb")\b|import[ \t]+[^\n]*\b(?:" + alt + rb")\b)"
        rb"|(?P<dyn>[^\n]*?(?:import_module|__import__)\(\s*['\"](?:" + alt + rb")\b)")


def _relevant_lines(data: bytes, relevant: re.Pattern[bytes]) -> tuple[int, list[int]]:
    """(end offset of the last relevant line or -1, line numbers of dynamic imports / backend pins).

    Looks only at lines holding the word `import` (found with bytes.find, much faster
    than running the regex over every position), plus the rare Keras backend pins.
    """
    last, dynamic, pos, find = -1, [], 0, data.find
    while True:
        i = find(b"import", pos)
        if i < 0:
            break
        start = data.rfind(b"\n", 0, i) + 1
        end = find(b"\n", i)
        if end < 0:
            end = len(data)
        m = relevant.match(data, start, end)
        if m:
            last = end
            if m.group("dyn"):
                dynamic.append(line_at(data, start))
        pos = end + 1
    for token in _BACKEND_TOKENS:
        i = find(token)
        while i >= 0:
            end = find(b"\n", i)
            end = len(data) if end < 0 else end
            last = max(last, end)
            dynamic.append(line_at(data, i))
            i = find(token, end)
    return last, dynamic


def scan_python(data: bytes, relevant: re.Pattern[bytes], want_bases: bool = True) -> PyScan | None:
    """The framework-relevant imports of one Python file; None when it has none."""
    last, dynamic = _relevant_lines(data, relevant)
    if last < 0:
        return None
    cut = _TOP_LEVEL.search(data, last + 1) if last < len(data) else None
    tree = None
    if cut is not None:
        try:
            tree = ast.parse(data[:cut.start()])
        except (SyntaxError, ValueError):
            tree = None
    scan = PyScan()
    if tree is None:
        tree, scan.latin1 = _parse_whole(data)
        if tree is None:
            return _fallback(data, want_bases)
    _walk(tree.body, "module", scan, frozenset(dynamic))
    if want_bases:
        scan.bases = _class_bases(data, scan.aliases)
    return scan


def _parse_whole(data: bytes) -> tuple[ast.Module | None, bool]:
    """The whole file; a file in a legacy 8-bit encoding without a coding line is read as Latin-1."""
    try:
        return ast.parse(data), False
    except SyntaxError as exc:
        if "decode" not in str(exc):
            return None, False
    except (ValueError, RecursionError, MemoryError):
        return None, False
    try:
        return ast.parse(data.decode("latin-1")), True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None, False


def _guarded(node: ast.Try) -> bool:
    for handler in node.handlers:
        if handler.type is None:
            return True
        types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        for t in types:
            name = t.id if isinstance(t, ast.Name) else t.attr if isinstance(t, ast.Attribute) else ""
            if name in _GUARD_EXCEPTIONS:
                return True
    return False


def _deeper(ctx: str, new: str) -> str:
    return new if CONTEXT_RANK[new] > CONTEXT_RANK[ctx] else ctx


def _walk(body: list[ast.stmt], ctx: str, scan: PyScan, dynamic: frozenset[int]) -> None:
    for node in body:
        kind = type(node)
        if kind is ast.Import:
            for alias in node.names:
                scan.imports.append(ImportHit(alias.name, node.lineno, ctx))
                if alias.asname:
                    scan.aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".", 1)[0]
                    scan.aliases[top] = top
        elif kind is ast.ImportFrom:
            if node.level or not node.module:
                continue  # relative imports name the repo's own modules
            names = tuple(a.name for a in node.names)
            scan.imports.append(ImportHit(node.module, node.lineno, ctx, names))
            for alias in node.names:
                scan.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda):
            _walk(node.body, _deeper(ctx, "function"), scan, dynamic)
        elif kind is ast.ClassDef:
            _walk(node.body, ctx, scan, dynamic)
        elif kind is ast.Try or kind.__name__ == "TryStar":
            inner = _deeper(ctx, "try") if _guarded(node) else ctx
            _walk(node.body, inner, scan, dynamic)
            for handler in node.handlers:
                _walk(handler.body, inner, scan, dynamic)
            _walk(node.orelse, ctx, scan, dynamic)
            _walk(node.finalbody, ctx, scan, dynamic)
        elif kind is ast.Match:
            for case in node.cases:
                _walk(case.body, ctx, scan, dynamic)
        elif hasattr(node, "body"):
            _walk(node.body, ctx, scan, dynamic)
            _walk(getattr(node, "orelse", []), ctx, scan, dynamic)
        elif dynamic and any(node.lineno <= n <= (node.end_lineno or node.lineno) for n in dynamic):
            _dynamic(node, ctx, scan)


def _const_str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _dynamic(stmt: ast.stmt, ctx: str, scan: PyScan) -> None:
    """importlib.import_module("x"), __import__("x"), and Keras backend pins."""
    for node in ast.walk(stmt):
        if isinstance(node, ast.Call):
            func = node.func
            fname = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            first = _const_str(node.args[0]) if node.args else None
            if fname in ("import_module", "__import__") and first:
                scan.imports.append(ImportHit(first, node.lineno, ctx))
            elif fname == "set_backend" and first:
                scan.backends.append((first, node.lineno))
            elif fname in ("setdefault", "putenv") and first == "KERAS_BACKEND" and len(node.args) > 1:
                value = _const_str(node.args[1])
                if value:
                    scan.backends.append((value, node.lineno))
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and _const_str(target.slice) == "KERAS_BACKEND":
                    value = _const_str(node.value)
                    if value:
                        scan.backends.append((value, node.lineno))


def _class_bases(data: bytes, aliases: dict[str, str]) -> list[tuple[str, int]]:
    """Base classes that come from an imported module: `class Net(nn.Module)` -> torch.nn.Module."""
    found = []
    for m in _CLASS.finditer(data):
        for base in m.group(1).split(b","):
            base = base.strip().decode("ascii", "ignore")
            if not base or "=" in base:
                continue
            root, _, rest = base.partition(".")
            module = aliases.get(root)
            if module:
                found.append((f"{module}.{rest}" if rest else module, line_at(data, m.start())))
    return found


def _fallback(data: bytes, want_bases: bool) -> PyScan:
    """Imports by line regex, for files `ast` cannot read."""
    scan = PyScan(fallback=True)
    for m in _FALLBACK.finditer(data):
        line = line_at(data, m.start())
        ctx = "function" if m.group(1) else "module"
        if m.group(2):
            module = m.group(2).decode("ascii", "ignore")
            scan.imports.append(ImportHit(module, line, ctx))
            continue
        for part in m.group(3).decode("ascii", "ignore").split(","):
            tokens = [t.group(0) for t in _IDENT.finditer(part)]
            if tokens:
                scan.imports.append(ImportHit(tokens[0], line, ctx))
                alias = tokens[2] if len(tokens) == 3 and tokens[1] == "as" else tokens[0].split(".")[0]
                scan.aliases[alias] = tokens[0] if len(tokens) == 3 else alias
    for m in _DYNAMIC_FALLBACK.finditer(data):
        scan.imports.append(ImportHit(m.group(1).decode(), line_at(data, m.start()), "function"))
    for m in _BACKEND_FALLBACK.finditer(data):
        value = (m.group(1) or m.group(2)).decode()
        scan.backends.append((value, line_at(data, m.start())))
    if want_bases:
        scan.bases = _class_bases(data, scan.aliases)
    return scan


@dataclass
class CellScan:
    cell: int
    scan: PyScan | None
    pip: list[tuple[str, int]] = field(default_factory=list)
    backends: list[tuple[str, int]] = field(default_factory=list)


def notebook_cells(data: bytes) -> list[tuple[int, str]] | None:
    """(1-based cell number, source) of each code cell; None when the file is not a notebook."""
    try:
        nb = nbformat.reader.reads(data.decode("utf-8", "replace"))
        if nb.get("nbformat", 4) < 4:
            nb = nbformat.convert(nb, 4)
        cells = nb.get("cells", [])
        return [(i, _source(c.get("source", ""))) for i, c in enumerate(cells, 1)
                if c.get("cell_type") == "code"]
    except Exception:  # nbformat raises many kinds on a broken file; try plain JSON
        pass
    try:
        raw = json.loads(data.decode("utf-8", "replace"))
        cells = raw.get("cells") or [c for w in raw.get("worksheets", []) for c in w.get("cells", [])]
        return [(i, _source(c.get("source", c.get("input", "")))) for i, c in enumerate(cells, 1)
                if isinstance(c, dict) and c.get("cell_type") == "code"]
    except Exception:
        return None


def _source(value: object) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def scan_cell(number: int, source: str, relevant: re.Pattern[bytes]) -> CellScan:
    """One code cell: shell and magic lines blanked (pip installs kept aside), then parsed."""
    lines = source.split("\n")
    result = CellScan(number, None)
    python = True
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        python = first[2:].split()[0] in _PY_CELL_MAGICS if first[2:].split() else False
        lines[0] = ""
    for i, text in enumerate(lines):
        pip = _PIP_LINE.match(text)
        if pip and (not python or text.lstrip()[:1] in "!%"):
            result.pip.append((pip.group(1), i + 1))
        env = _ENV_MAGIC.match(text)
        if env:
            result.backends.append((env.group(1), i + 1))
        if not python or text.lstrip()[:1] in ("!", "%"):
            lines[i] = ""
    if python:
        result.scan = scan_python("\n".join(lines).encode("utf-8", "replace"), relevant)
    return result


def scan_notebook(data: bytes, relevant: re.Pattern[bytes]) -> tuple[list[CellScan], bool]:
    """Every code cell of a notebook; (cells, True) from a regex over the raw file when broken."""
    cells = notebook_cells(data)
    if cells is None:
        # JSON string lines ('    "import torch\\n",') made to look like code, line count kept
        raw = _JSON_LINE.sub(b"", data).replace(b"\\n", b" ")
        pip = []
        for number, text in enumerate(raw.decode("utf-8", "replace").split("\n"), 1):
            m = _PIP_LINE.match(text.strip().rstrip('",'))
            if m:
                pip.append((m.group(1), number))
        return [CellScan(0, _fallback(raw, want_bases=True), pip)], True
    return [scan_cell(n, src, relevant) for n, src in cells], False
