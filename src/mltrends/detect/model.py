"""The detector's vocabulary: one piece of evidence, a framework's tally, the result."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from mltrends import bundled

MAPPING_FILE = bundled.path("detect", "frameworks.toml")


@dataclass
class Evidence:
    """One place in a repository that points at a framework.

    `kind`: import | notebook | model | backend | manifest | dockerfile.
    `context`: where it sits (module, function, try, conversion, examples, notebook,
    tests, docs, vendored for code; required, optional, dev, ... for manifests).
    `name`: what was imported or required (shown to people, kept in the database).
    `lib`: a multi-framework library (transformers, onnx) awaiting resolution.
    """

    framework: str
    path: str
    line: int
    kind: str
    context: str
    name: str = ""
    lib: str = ""
    hint: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "kind": self.kind, "context": self.context}


@dataclass
class FrameworkResult:
    name: str
    score: float
    evidence: list[Evidence] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "score": self.score,
                "evidence": [e.to_json() for e in self.evidence]}


@dataclass
class DetectionResult:
    """Every framework found (sorted by score, highest first) and the primary one."""

    primary: str
    frameworks: list[FrameworkResult] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"primary": self.primary, "frameworks": [f.to_json() for f in self.frameworks]}

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2)

    def framework(self, name: str) -> FrameworkResult | None:
        return next((f for f in self.frameworks if f.name == name), None)


def canonical_package(name: str) -> str:
    """PEP 503 normalisation: `Tensorflow_GPU` -> `tensorflow-gpu`."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Mapping:
    imports: dict[str, str]
    packages: dict[str, str]
    multi: dict[str, dict[str, Any]]
    multi_packages: dict[str, str]
    data_only: frozenset[str]
    keras_backends: dict[str, str]
    docker: tuple[tuple[str, str], ...]
    kind_weight: dict[str, float]
    context_weight: dict[str, float]
    eligible: frozenset[str]
    data_only_factor: float
    multi_fallback_factor: float

    def import_framework(self, module: str) -> tuple[str, str] | None:
        """`torch.nn` -> ("pytorch", ""); `transformers` -> ("", "transformers")."""
        top = module.split(".", 1)[0]
        if top in self.imports:
            return self.imports[top], ""
        if top in self.multi:
            return "", top
        return None

    def package_framework(self, package: str) -> tuple[str, str] | None:
        name = canonical_package(package)
        if name in self.packages:
            return self.packages[name], ""
        if name in self.multi_packages:
            return "", self.multi_packages[name]
        return None

    def weight(self, kind: str, context: str) -> float:
        return self.kind_weight.get(kind, 1.0) * self.context_weight.get(context, 1.0)


@cache
def load_mapping(path: Path = MAPPING_FILE) -> Mapping:
    """Read frameworks.toml (once per process)."""
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    weights, primary = raw.get("weights", {}), raw.get("primary", {})
    return Mapping(
        imports=dict(raw.get("imports", {})),
        packages={canonical_package(k): v for k, v in raw.get("packages", {}).items()},
        multi={k: dict(v) for k, v in raw.get("multi", {}).items()},
        multi_packages={canonical_package(k): v for k, v in raw.get("multi_packages", {}).items()},
        data_only=frozenset(raw.get("data_only", {}).get("names", [])),
        keras_backends=dict(raw.get("keras_backends", {})),
        docker=tuple(sorted(raw.get("docker", {}).items(), key=lambda kv: -len(kv[0]))),
        kind_weight=dict(weights.get("kind", {})),
        context_weight=dict(weights.get("context", {})),
        eligible=frozenset(primary.get("eligible", [])),
        data_only_factor=float(primary.get("data_only_factor", 0.25)),
        multi_fallback_factor=float(primary.get("multi_fallback_factor", 0.5)),
    )
