"""Response contracts: the key paths and value types of a JSON body, not its values.

A contract maps each path to the set of JSON types seen there, e.g.
`{"$": ["object"], "$.results": ["array"], "$.results[]": ["object"],
"$.results[].title": ["string"]}`. Contracts derived from real response samples (outside
the project, in ../shared/reference/samples) are committed under tests/contracts/ with
their origin; tests check mltrends' own recordings and stand-ins against them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONTRACTS = Path(__file__).resolve().parent / "contracts"
# The reference material sits beside a checkout of the project (../shared/reference); a
# user's clone does not have it, so tests that compare with it skip.
REFERENCE = Path(os.environ.get("MLTRENDS_REFERENCE_DIR", ROOT.parent / "shared" / "reference"))


def reference_file(relative: str) -> Path:
    """A file of the reference material, or skip the test saying why."""
    path = REFERENCE / relative
    if not path.is_file():
        pytest.skip(f"reference material absent ({REFERENCE / relative} not found: "
                    "../shared/reference is not part of a clone)")
    return path


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def shape(value: Any, path: str = "$", out: dict[str, set[str]] | None = None) -> dict[str, set[str]]:
    """Every key path of value with the JSON types seen there (array items under `[]`)."""
    out = {} if out is None else out
    out.setdefault(path, set()).add(json_type(value))
    if isinstance(value, dict):
        for key, item in value.items():
            shape(item, f"{path}.{key}", out)
    elif isinstance(value, list):
        for item in value:
            shape(item, f"{path}[]", out)
    return out


def load_contract(name: str) -> dict[str, Any]:
    return json.loads((CONTRACTS / name).read_text(encoding="utf-8"))


def differences(contract: dict[str, Any], body: Any) -> list[str]:
    """How body differs from a contract: paths the real response does not have, types it
    does not have there, and the contract's `required` paths that body lacks. Items of an
    array that is empty in body are not checked (nothing to check)."""
    paths: dict[str, list[str]] = contract["paths"]
    seen = shape(body)
    problems = []
    for path, types in sorted(seen.items()):
        allowed = paths.get(path)
        if allowed is None:
            problems.append(f"{path}: not in the real response (here {sorted(types)})")
        elif wrong := types - set(allowed):
            problems.append(f"{path}: {sorted(wrong)} here, the real response has {sorted(allowed)}")
    problems += [f"{path}: missing (the real response has it)"
                 for path in contract.get("required", []) if path not in seen]
    return problems
