"""Canonical identities shared by every source: repo key, framework, arXiv id, quarter.

The SQL twins of these functions (for bulk loads inside DuckDB) live in
`sql/macros/normalize.sql`; tests check the two agree.
"""

from __future__ import annotations

import re
from datetime import date

from mltrends.vocab import FRAMEWORKS

FRAMEWORK_ALIASES = {
    "tf": "tensorflow", "tensorflow": "tensorflow", "tensorflow2": "tensorflow", "tf2": "tensorflow",
    "pytorch": "pytorch", "torch": "pytorch", "jax": "jax", "flax": "jax", "keras": "keras",
    "mxnet": "mxnet", "paddle": "paddle", "paddlepaddle": "paddle", "mindspore": "mindspore",
    "none": "none", "": "none",
}

_REPO_RE = re.compile(r"^(?:[a-z+]+://)?(?:www\.)?([^/]+)/+([^/]+)/+([^/#?]+)", re.IGNORECASE)


def canonical_repo(url: str | None) -> str | None:
    """`https://github.com/Owner/Repo.git/tree/x` -> `owner/repo`; other hosts keep the host.

    Returns None for a value that names no repository.
    """
    if not url:
        return None
    text = url.strip()
    text = re.sub(r"^git@([^:]+):", r"https://\1/", text)
    m = _REPO_RE.match(text)
    if not m:
        return None
    host, owner, name = m.group(1).lower(), m.group(2).lower(), m.group(3).lower()
    host = host.split("@")[-1].split(":")[0]
    if name.endswith(".git"):
        name = name[:-4]
    if not owner or not name:
        return None
    if host == "github.com":
        return f"{owner}/{name}"
    return f"{host}/{owner}/{name}"


def canonical_framework(value: str | None) -> str:
    """Map a label to the closed vocabulary; unknown labels are `other`, missing is `none`."""
    if value is None:
        return "none"
    key = value.strip().lower()
    if key in FRAMEWORK_ALIASES:
        return FRAMEWORK_ALIASES[key]
    return key if key in FRAMEWORKS else "other"


def arxiv_id(value: str | None) -> str | None:
    """`1706.03762v5` or `https://arxiv.org/abs/1706.03762v5` -> `1706.03762`."""
    if not value:
        return None
    m = re.search(r"(\d{4}\.\d{4,5})(?:v\d+)?", value)
    if m:
        return m.group(1)
    m = re.search(r"([a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?", value)
    return m.group(1) if m else None


def quarter(d: date | None) -> str | None:
    if d is None:
        return None
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"
