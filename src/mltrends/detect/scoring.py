"""From evidence to scores and one primary framework.

A framework's weight is the sum over files of the heaviest evidence for it in that file
(kind weight x context weight), so one file with fifty imports counts once. Only
evidence in contexts that make a dependency counts toward the score: the repo's own
code and its runtime requirements, not its tests, docs, dev tools or vendored copies
(those stay listed as evidence, with score 0 when that is all there is). The score is
the framework's share of that weight; the primary framework is the one with the most.
"""

from __future__ import annotations

from collections import defaultdict

from mltrends.detect.model import DetectionResult, Evidence, FrameworkResult, Mapping


def _file_key(path: str) -> str:
    return path.split("#", 1)[0]


def _weight(ev: Evidence, mapping: Mapping) -> float:
    w = mapping.weight(ev.kind, ev.context)
    top = ev.name.split(".", 1)[0]
    if top in mapping.data_only or ev.name in mapping.data_only:
        w *= mapping.data_only_factor
    if ev.lib and not ev.hint:  # resolved only by the library's default
        w *= mapping.multi_fallback_factor
    return w


def _tally(evidence: list[Evidence], mapping: Mapping, eligible_only: bool) -> dict[str, float]:
    best: dict[tuple[str, str], float] = defaultdict(float)
    for ev in evidence:
        if eligible_only and ev.context not in mapping.eligible:
            continue
        key = (ev.framework, _file_key(ev.path))
        best[key] = max(best[key], _weight(ev, mapping))
    totals: dict[str, float] = defaultdict(float)
    for (framework, _), w in best.items():
        totals[framework] += w
    return totals


def _apply_keras_backend(evidence: list[Evidence], backends: list[Evidence],
                         mapping: Mapping) -> None:
    """Keras 3 with a pinned backend counts for that backend."""
    keras = [e for e in evidence if e.framework == "keras"]
    if not keras or not backends:
        return
    pins = sorted(backends, key=lambda e: (e.context not in mapping.eligible, e.path, e.line))
    target = pins[0].framework
    for ev in keras:
        ev.framework = target
    evidence.extend(e for e in backends if e.framework == target)


def _resolve_multi(evidence: list[Evidence], mapping: Mapping) -> list[Evidence]:
    """transformers, onnx, ...: name hints first, then what the same file imports, then the repo."""
    direct = [e for e in evidence if not e.lib]
    repo = _tally(direct, mapping, eligible_only=False)
    by_file: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for e in direct:
        by_file[_file_key(e.path)][e.framework] += mapping.weight(e.kind, e.context)
    kept = list(direct)
    for ev in (e for e in evidence if e.lib):
        if ev.hint:
            ev.framework = ev.hint
        elif by_file.get(_file_key(ev.path)):
            local = by_file[_file_key(ev.path)]
            ev.framework, ev.hint = max(local, key=lambda f: (local[f], repo.get(f, 0), f)), "beside"
        elif repo:
            ev.framework, ev.hint = max(repo, key=lambda f: (repo[f], f)), "beside"
        elif mapping.multi.get(ev.lib, {}).get("default"):
            ev.framework = mapping.multi[ev.lib]["default"]
        else:
            continue
        kept.append(ev)
    return kept


def score(evidence: list[Evidence], backends: list[Evidence], mapping: Mapping,
          stats: dict[str, int] | None = None) -> DetectionResult:
    """Resolve Keras backends and multi-framework libraries, then weigh everything."""
    evidence = list(evidence)
    _apply_keras_backend(evidence, backends, mapping)
    evidence = _resolve_multi(evidence, mapping)
    seen, unique = set(), []
    for ev in sorted(evidence, key=lambda e: (e.framework, e.path, e.line, e.kind)):
        key = (ev.framework, ev.path, ev.line, ev.kind)
        if key not in seen:
            seen.add(key)
            unique.append(ev)
    totals = _tally(unique, mapping, eligible_only=False)
    eligible = _tally(unique, mapping, eligible_only=True)
    grand = sum(eligible.values())
    models = defaultdict(int)
    for ev in unique:
        if ev.kind == "model" and ev.context in mapping.eligible:
            models[ev.framework] += 1
    primary = "none"
    if eligible and max(eligible.values()) > 0:
        primary = max(eligible, key=lambda f: (round(eligible[f], 6), models[f], f != "other", f))
    frameworks = [
        FrameworkResult(name, round(eligible.get(name, 0.0) / grand, 3) if grand else 0.0,
                        [e for e in unique if e.framework == name])
        for name in totals
    ]
    frameworks.sort(key=lambda f: (f.name != primary, -f.score, -totals[f.name], f.name))
    return DetectionResult(primary=primary, frameworks=frameworks, stats=dict(stats or {}))
