"""Write the `tests/fixtures/detect/*.repo` specs out as small repositories."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "detect"
_HEADER = re.compile(r"^=== (\S+)(?: \[([\w-]+)\])?$")


def specs() -> list[Path]:
    return sorted(FIXTURES.glob("*.repo"))


def expected(spec: Path) -> str:
    m = re.search(r"(?m)^# expected: (\w+)$", spec.read_text(encoding="utf-8"))
    if not m:
        raise ValueError(f"{spec.name}: no '# expected:' line")
    return m.group(1)


def _notebook(body: str) -> str:
    cells, kind, lines = [], None, []

    def flush() -> None:
        if kind:
            source = "\n".join(lines).strip("\n")
            make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
            cells.append(make(source))

    for line in body.split("\n"):
        m = re.match(r"^--- (code|markdown)$", line)
        if m:
            flush()
            kind, lines = m.group(1), []
        else:
            lines.append(line)
    flush()
    return nbformat.writes(nbformat.v4.new_notebook(cells=cells))


def materialise(spec: Path, root: Path) -> Path:
    """Write the repository described by `spec` under root/<spec stem>/ and return it."""
    repo = root / spec.stem
    repo.mkdir(parents=True)
    path, flag, body = None, None, []

    def flush() -> None:
        if path is None:
            return
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        text = "\n".join(body).strip("\n") + "\n"
        if flag == "empty":
            target.write_bytes(b"")
        elif flag == "notebook":
            target.write_text(_notebook(text), encoding="utf-8")
        else:
            target.write_bytes(text.encode(flag or "utf-8"))

    for line in spec.read_text(encoding="utf-8").split("\n"):
        m = _HEADER.match(line)
        if m:
            flush()
            path, flag, body = m.group(1), m.group(2), []
        elif path is not None:
            body.append(line)
    flush()
    return repo
