"""TPU code paths, recorded as evidence of kind `tpu` (they never decide the primary).

Whole tokens only (so `output` or `stpu` never match): TensorFlow's TPU strategy, cluster
resolver, estimator and `use_tpu`/`tpu_name` flags (the TPUEstimator convention); PyTorch/XLA
(`torch_xla`, `xla_device()`); JAX asked for TPU devices or platforms (`jax.devices("tpu")`,
`jax_platforms="tpu"`, `JAX_PLATFORMS=tpu`, `jax[tpu]`, `libtpu`).
"""

from __future__ import annotations

import re

from mltrends.detect.limits import line_at
from mltrends.detect.model import DetectionResult, Evidence, FrameworkResult

KIND = "tpu"
PATTERNS: tuple[tuple[str, re.Pattern[bytes]], ...] = (
    ("tensorflow", re.compile(rb"\b(TPUStrategy|TPUClusterResolver|TPUEstimator|tpu_estimator|"
                              rb"initialize_tpu_system|tf\.tpu|tensorflow\.tpu|use_tpu|tpu_name)\b")),
    ("pytorch", re.compile(rb"\b(torch_xla|xla_device)\b")),
    ("jax", re.compile(rb"\b(jax\.devices\(\s*['\"]tpu['\"]\s*\)|jax_platforms?\s*[=,:]\s*['\"]?tpu\b"
                       rb"|JAX_PLATFORMS\s*=\s*['\"]?tpu\b|jax\[tpu\]|libtpu)")),
)


def tpu_evidence(path: str, data: bytes) -> list[Evidence]:
    """One piece of evidence per framework and line that names a TPU code path."""
    if b"tpu" not in data.lower() and b"xla" not in data.lower():
        return []
    found: dict[tuple[str, int], Evidence] = {}
    for framework, pattern in PATTERNS:
        for m in pattern.finditer(data):
            line = line_at(data, m.start())  # bisect over the newlines: linear overall
            token = m.group(0).decode("ascii", "replace")
            found.setdefault((framework, line), Evidence(framework, path, line, KIND, KIND, token))
    return list(found.values())


def with_tpu(result: DetectionResult, tpu: list[Evidence]) -> DetectionResult:
    """Attach TPU evidence to its framework in the result (score 0 when it had none)."""
    for ev in tpu:
        fw = result.framework(ev.framework)
        if fw is None:
            fw = FrameworkResult(ev.framework, 0.0)
            result.frameworks.append(fw)
        fw.evidence.append(ev)
    if tpu:
        result.stats["tpu_evidence"] = len(tpu)
    return result
