"""Write the demo's SYNTHETIC pypistats and deps.dev recordings (seeded, reproducible).

    .venv/bin/python src/mltrends_demo/inputs/http/pypistats/make_recordings.py

Every tracked package of mltrends/data/pypi_families.toml gets 180 days of daily downloads
ending 2026-11-24 (overall; by OS and Python minor for the core family), a version list
and dependents counts. The numbers are invented: relative sizes are plausible, the
2026-08-24 change in the download definition shows as a drop in level, and every
response carries `X-Synthetic: true` and a "synthetic" note.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

from mltrends.sources.pypi.families import load_families

HERE = Path(__file__).resolve().parent
DEPSDEV = HERE.parent / "depsdev"
END = date(2026, 11, 24)
DAYS = 180
BREAK = date(2026, 8, 24)
SEED = 20261124
NOTE = "synthetic demo data (mltrends), not real pypistats numbers"
HEADERS = {"X-Synthetic": "true"}

# daily downloads (without mirrors) just before the break, for the packages that lead
LEVEL = {
    "torch": 1_400_000, "torchvision": 1_000_000, "torchaudio": 350_000, "torchmetrics": 200_000,
    "timm": 120_000, "lightning": 120_000, "pytorch-lightning": 220_000, "deepspeed": 40_000,
    "tensorflow": 550_000, "tensorflow-cpu": 40_000, "tensorboard": 600_000, "tf-keras": 150_000,
    "tensorflow-datasets": 60_000, "tensorflow-hub": 50_000, "tensorflow-probability": 45_000,
    "keras": 450_000, "jax": 300_000, "jaxlib": 280_000, "flax": 60_000, "optax": 90_000,
    "chex": 70_000, "orbax-checkpoint": 55_000, "onnxruntime": 700_000, "onnx": 350_000,
    "mxnet": 12_000, "paddlepaddle": 9_000, "paddlepaddle-gpu": 2_500, "mindspore": 1_200,
    "tflite-runtime": 25_000, "ai-edge-litert": 15_000, "executorch": 6_000,
}
FAMILY_LEVEL = {"core": 50_000, "high_level": 15_000, "serving": 8_000, "mobile_edge": 3_000,
                "distributed": 6_000, "ecosystem": 12_000, "untracked": 1_000}
FRAMEWORK_SCALE = {"pytorch": 1.0, "tensorflow": 0.5, "jax": 0.3, "keras": 0.4, "mxnet": 0.05,
                   "paddle": 0.05, "mindspore": 0.02, "other": 1.0}
GROWTH = {"pytorch": 0.30, "tensorflow": -0.20, "jax": 0.40, "keras": 0.0, "mxnet": -0.50,
          "paddle": 0.05, "mindspore": 0.20, "other": 0.20}  # per year
SYSTEMS = {"Linux": 0.83, "Windows": 0.09, "Darwin": 0.06, "null": 0.02}
PYTHONS = {"3.9": 0.07, "3.10": 0.21, "3.11": 0.30, "3.12": 0.26, "3.13": 0.11, "null": 0.05}


def _line(path: str, body: dict, query: dict | None = None, times: int | None = None) -> str:
    record: dict = {"request": {"method": "GET", "path": path},
                    "response": {"status": 200, "headers": HEADERS, "json": body}}
    if query:
        record["request"]["query"] = query
    if times is not None:
        record["times"] = times
    return json.dumps(record, separators=(",", ":"))


def _series(rng: random.Random, level: float, growth: float, drop: float) -> list[tuple[date, int]]:
    start = END - timedelta(days=DAYS - 1)
    out = []
    for i in range(DAYS):
        day = start + timedelta(days=i)
        trend = (1 + growth) ** ((day - BREAK).days / 365)
        weekly = 0.72 if day.weekday() >= 5 else 1.0
        after = drop if day >= BREAK else 1.0
        out.append((day, max(0, round(level * trend * weekly * after * rng.lognormvariate(0, 0.06)))))
    return out


def _split(rng: random.Random, total: int, shares: dict[str, float]) -> dict[str, int]:
    return {k: round(total * s * rng.uniform(0.95, 1.05)) for k, s in shares.items()}


def main() -> None:
    rng = random.Random(SEED)
    tracked = load_families(None)
    overall, system, python, packages, dependents = [], [], [], [], []
    for t in tracked:
        base = f"/pypistats/api/packages/{t.package}"
        level = LEVEL.get(t.package, FAMILY_LEVEL[t.family] * FRAMEWORK_SCALE[t.framework])
        series = _series(rng, level, GROWTH[t.framework], rng.uniform(0.74, 0.86))
        data = [{"category": "without_mirrors", "date": d.isoformat(), "downloads": n}
                for d, n in series]
        overall.append(_line(f"{base}/overall", {"data": data, "package": t.package,
                                                 "type": "overall_downloads", "note": NOTE},
                             query={"mirrors": "false"}))
        if t.family == "core":
            for shares, rows, kind in ((SYSTEMS, system, "system"), (PYTHONS, python, "python_minor")):
                data = [{"category": k, "date": d.isoformat(), "downloads": v}
                        for d, n in series for k, v in _split(rng, n, shares).items()]
                rows.append(_line(f"{base}/{kind}", {"data": data, "package": t.package,
                                                     "type": f"{kind}_downloads", "note": NOTE}))
        versions, day = [], date(2024, 6, 1) + timedelta(days=rng.randint(0, 60))
        major, minor = rng.randint(0, 2), 0
        while day < END - timedelta(days=10):
            versions.append(((major, minor), day))
            minor += 1
            day += timedelta(days=rng.randint(35, 110))
        body = {"packageKey": {"system": "PYPI", "name": t.package},
                "purl": f"pkg:pypi/{t.package}", "note": NOTE, "versions": [
                    {"versionKey": {"system": "PYPI", "name": t.package, "version": f"{a}.{b}.0"},
                     "purl": f"pkg:pypi/{t.package}@{a}.{b}.0",
                     "publishedAt": f"{d.isoformat()}T{rng.randint(0, 23):02d}:14:07Z",
                     "isDefault": i == len(versions) - 1, "isDeprecated": False}
                    for i, ((a, b), d) in enumerate(versions)]}
        packages.append(_line(f"/depsdev/v3/systems/pypi/packages/{t.package}", body))
        (a, b), _ = versions[-1]
        path = f"/depsdev/v3alpha/systems/pypi/packages/{t.package}/versions/{a}.{b}.0:dependents"
        count = level / 40 * rng.uniform(0.7, 1.3)
        for snap in range(4):  # monthly snapshots: each ingest call takes the next one
            total = round(count * (1 + GROWTH[t.framework]) ** ((snap - 3) / 12))
            direct = round(total * rng.uniform(0.2, 0.4))
            dependents.append(_line(path, {"dependentCount": total, "directDependentCount": direct,
                                           "indirectDependentCount": total - direct, "note": NOTE},
                                    times=1 if snap < 3 else None))
    DEPSDEV.mkdir(exist_ok=True)
    for folder, name, lines in ((HERE, "overall", overall), (HERE, "system", system),
                                (HERE, "python_minor", python), (DEPSDEV, "packages", packages),
                                (DEPSDEV, "dependents", dependents)):
        (folder / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote recordings for {len(tracked)} packages (synthetic)")


if __name__ == "__main__":
    main()
