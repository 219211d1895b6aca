"""What one command's run showed: the tracer's probe events turned into stage evidence.

Stages past the static ones, in order: the entry point starts, a framework is imported,
a model is built, a training or inference step runs, the GPU is used. A run that fails
later (missing data, missing weights) keeps every stage it reached.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LADDER = ("none", "clone", "env", "imports", "entrypoint", "framework", "model", "step", "gpu")
RANK = {name: i for i, name in enumerate(LADDER)}
STARTED_DESPITE = {"missing_data", "missing_weights", "network", "needs_gpu", "entrypoint"}
GPU_PLATFORMS = ("cuda", "gpu", "rocm")


def on_gpu(device: str | None) -> bool:
    return bool(device) and str(device).lower().startswith(GPU_PLATFORMS)


def read_events(trace_dir: Path) -> list[dict[str, Any]]:
    path = trace_dir / "events.jsonl"
    if not path.exists():
        return []
    events = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.append(event)
    return events


@dataclass
class Attempt:
    """One command's run and the furthest stage it showed."""

    argv: list[str]
    source: str
    returncode: int | None
    seconds: float
    category: str | None                      # None when it exited 0
    frameworks: list[str]
    created: list[dict[str, Any]] = field(default_factory=list)
    models: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    step_counts: dict[str, int] = field(default_factory=dict)
    gpu_memory_bytes: int = 0
    started_at: float = 0.0
    detail: str = ""

    @property
    def started(self) -> bool:
        return (self.category is None or self.category in STARTED_DESPITE
                or self.model_built or self.step_ran)

    @property
    def model_built(self) -> bool:
        return bool(self.created or self.models)

    @property
    def step_ran(self) -> bool:
        return bool(self.steps)

    @property
    def gpu_used(self) -> bool:
        return (self.gpu_memory_bytes > 0 or any(on_gpu(m.get("device")) for m in self.models)
                or any(on_gpu(s.get("device")) for s in self.steps))

    def furthest(self) -> str:
        reached = "imports"
        for name, ok in (("entrypoint", self.started), ("framework", bool(self.frameworks)),
                         ("model", self.model_built), ("step", self.step_ran),
                         ("gpu", self.gpu_used)):
            if not ok:
                break
            reached = name
        return reached

    def seconds_to(self, kind: str) -> float | None:
        """Seconds from the command's start to the first event of that kind."""
        pool = {"model": self.created + self.models, "step": self.steps}[kind]
        times = [e["t"] for e in pool if isinstance(e.get("t"), (int, float))]
        return round(max(0.0, min(times) - self.started_at), 3) if times and self.started_at else None

    def to_json(self) -> dict[str, Any]:
        return {"argv": self.argv, "source": self.source, "returncode": self.returncode,
                "seconds": round(self.seconds, 3), "category": self.category,
                "reached": self.furthest(), "frameworks": self.frameworks,
                "models": self.models, "created": [c["class"] for c in self.created],
                "steps": self.steps, "step_counts": self.step_counts,
                "gpu_memory_bytes": self.gpu_memory_bytes}


def attempt_from(events: list[dict[str, Any]], **fields: Any) -> Attempt:
    attempt = Attempt(**fields)
    for e in events:
        kind = e.get("event")
        if kind == "model_created":
            attempt.created.append({k: e.get(k) for k in ("framework", "class", "t")})
        elif kind == "model":
            attempt.models.append({k: e.get(k) for k in ("framework", "class", "params",
                                                          "device", "reason", "t")})
        elif kind == "step":
            attempt.steps.append({k: e.get(k) for k in ("framework", "kind", "device",
                                                        "memory_bytes", "t")})
            attempt.gpu_memory_bytes = max(attempt.gpu_memory_bytes, int(e.get("memory_bytes") or 0))
        elif kind == "step_counts":
            for key, n in (e.get("counts") or {}).items():
                attempt.step_counts[key] = attempt.step_counts.get(key, 0) + int(n)
    return attempt


def best(attempts: list[Attempt]) -> Attempt | None:
    """The attempt that reached furthest (the earlier one on a tie)."""
    if not attempts:
        return None
    return max(attempts, key=lambda a: RANK[a.furthest()])


def main_model(attempt: Attempt) -> dict[str, Any] | None:
    """The largest model seen (the one a step most likely trained)."""
    if not attempt.models:
        return None
    return max(attempt.models, key=lambda m: (on_gpu(m.get("device")), m.get("params") or 0))
