"""Datasets for the fake GitHub: the demo's (synthetic, from inputs/universe) and scale ones.

`demo_dataset(demo_dir)` reads inputs/github/{owners,repos,meta}.json, building them
first from `universe/{owners,repos}.csv` when they are missing. Regenerate them with
`python -m mltrends_demo.github_data [DEMO_DIR]`.

Each repo's manifests agree with its `framework` column, with the noise real repos have:
PyTorch repos that also list tensorboard or tensorflow (for data loading), JAX repos with
tensorflow-datasets, some with setup.py or pyproject.toml only, some with no manifest.
The tracked company organisations get synthetic repos too (openai: TensorFlow before 2019,
PyTorch after; google: TensorFlow then JAX; facebookresearch: PyTorch; ...). Every
description says "(synthetic)".
"""

from __future__ import annotations

import csv
import json
import random
import sys
from pathlib import Path
from typing import Any

from mltrends_demo import DEMO_DIR

AS_OF = "2026-11-01"
FILES = ("owners.json", "repos.json", "meta.json")

_PKG = {
    "pytorch": ["torch>={v}", "torchvision", "numpy", "tqdm"],
    "tensorflow": ["tensorflow{gpu}>={v}", "numpy", "absl-py"],
    "jax": ["jax[cuda12]", "flax", "optax", "numpy"],
    "keras": ["keras>=2.2", "tensorflow>=1.12", "h5py"],
    "mxnet": ["mxnet-cu101", "gluoncv", "numpy"],
    "paddle": ["paddlepaddle-gpu>=2.0", "numpy"],
    "mindspore": ["mindspore>=2.0", "numpy"],
    "none": ["numpy", "scipy", "scikit-learn", "pandas"],
}
# (company, org, repos, first year, last year, framework chooser: year -> weights)
ORGS: list[tuple[str, str, int, int, int, Any]] = [
    ("OpenAI", "openai", 40, 2016, 2025,
     lambda y: {"tensorflow": 8, "none": 2} if y < 2019 else {"pytorch": 8, "none": 2, "jax": 0.3}),
    ("Google", "google", 45, 2015, 2025,
     lambda y: {"tensorflow": 6, "none": 4} if y < 2020 else {"jax": 4, "tensorflow": 3, "none": 3}),
    ("Google", "google-research", 50, 2017, 2025,
     lambda y: {"tensorflow": 7, "pytorch": 1, "none": 1} if y < 2020 else {"jax": 5, "tensorflow": 3, "pytorch": 2}),
    ("Google", "google-deepmind", 25, 2022, 2025, lambda y: {"jax": 8, "pytorch": 1, "none": 1}),
    ("Google", "deepmind", 20, 2016, 2022,
     lambda y: {"tensorflow": 8, "none": 1} if y < 2020 else {"jax": 7, "tensorflow": 2}),
    ("Google", "tensorflow", 20, 2015, 2025, lambda y: {"tensorflow": 9, "keras": 1}),
    ("Meta", "facebookresearch", 55, 2015, 2025,
     lambda y: {"pytorch": 3, "other": 2, "none": 1} if y < 2018 else {"pytorch": 9, "none": 1}),
    ("Meta", "facebook", 15, 2014, 2025, lambda y: {"none": 8, "pytorch": 2}),
    ("Meta", "pytorch", 20, 2016, 2025, lambda y: {"pytorch": 9, "none": 1}),
    ("Meta", "meta-llama", 8, 2023, 2025, lambda y: {"pytorch": 1}),
    ("Microsoft", "microsoft", 55, 2015, 2025,
     lambda y: {"tensorflow": 3, "other": 2, "none": 5} if y < 2019 else {"pytorch": 6, "none": 3, "tensorflow": 1}),
    ("Tesla", "teslamotors", 5, 2015, 2024, lambda y: {"none": 1}),
    ("Airbnb", "airbnb", 14, 2014, 2025, lambda y: {"none": 7, "tensorflow": 2, "pytorch": 1}),
    ("PayPal", "paypal", 10, 2014, 2025, lambda y: {"none": 7, "tensorflow": 2, "pytorch": 1}),
]
FRAMEWORK_REPOS = {  # star counts are round synthetic figures of the real repos' order of magnitude
    "pytorch/pytorch": ("pytorch", 2016, 90000, "C++"),
    "tensorflow/tensorflow": ("tensorflow", 2015, 190000, "C++"),
    "jax-ml/jax": ("jax", 2018, 32000, "Python"),
    "keras-team/keras": ("keras", 2015, 63000, "Python"),
    "apache/mxnet": ("mxnet", 2015, 20700, "C++"),
    "paddlepaddle/paddle": ("paddle", 2016, 23000, "C++"),
    "mindspore-ai/mindspore": ("mindspore", 2020, 4500, "C++"),
}
WORDS = ["detector", "segmenter", "lm", "rl", "diffusion", "speech", "vision", "graph", "ranker",
         "toolkit", "bench", "datasets", "agents", "retrieval", "tokenizer", "serving", "compiler",
         "infra", "ui", "sdk"]


def _requirements(framework: str, year: int, rng: random.Random) -> list[str]:
    fw = framework if framework in _PKG else "none"
    v = {"pytorch": "1.4" if year < 2020 else "2.0", "tensorflow": "1.14" if year < 2019 else "2.4"}.get(fw, "")
    lines = [p.format(v=v, gpu="-gpu" if year < 2019 and rng.random() < 0.5 else "") for p in _PKG[fw]]
    if fw == "pytorch" and rng.random() < 0.25:
        lines.append("tensorboard")
    if fw == "pytorch" and rng.random() < 0.1:
        lines.append("tensorflow  # only for tf.data input pipelines")
    if fw == "jax" and rng.random() < 0.4:
        lines.append("tensorflow-datasets")
    if framework == "other":
        lines = ["caffe2", "numpy"] if rng.random() < 0.5 else ["chainer", "cupy"]
    return lines


def manifests_for(framework: str, year: int, rng: random.Random) -> dict[str, str]:
    """Manifest files for a repo using `framework`, with realistic variety and noise."""
    reqs = _requirements(framework, year, rng)
    roll = rng.random()
    if roll < (0.35 if framework == "none" else 0.08):
        return {}
    if roll < 0.62:
        out = {"requirements.txt": "\n".join(reqs) + "\n"}
        if rng.random() < 0.15:
            out["requirements-dev.txt"] = "pytest\nblack\nflake8\n"
        return out
    if roll < 0.8:
        deps = ", ".join(repr(r.split("  #")[0]) for r in reqs)
        return {"setup.py": f"from setuptools import setup, find_packages\n\nsetup(\n    name='pkg',\n"
                            f"    packages=find_packages(),\n    install_requires=[{deps}],\n)\n"}
    if roll < 0.93:
        deps = ",\n".join(f'  "{r.split("  #")[0]}"' for r in reqs)
        return {"pyproject.toml": f'[project]\nname = "pkg"\nversion = "0.1.0"\ndependencies = [\n{deps},\n]\n'}
    deps = "\n".join(f"    - {r.split('  #')[0]}" for r in reqs)
    return {"environment.yml": f"name: env\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.9\n"
                               f"  - pip\n  - pip:\n{deps}\n"}


def _repo(full_name: str, rid: int, framework: str, year: int, stars: int, rng: random.Random,
          description: str, language: str | None = None) -> dict[str, Any]:
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    pushed_year = min(2026, year + rng.randint(0, 3))
    return {
        "id": rid, "full_name": full_name, "framework": framework, "description": description,
        "stars": stars, "forks": max(0, int(stars * rng.uniform(0.05, 0.3))),
        "created_at": f"{year}-{month:02d}-{day:02d}T12:00:00Z",
        "pushed_at": f"{pushed_year}-{rng.randint(1, 10):02d}-{day:02d}T08:30:00Z",
        "fork": rng.random() < 0.04, "archived": rng.random() < 0.08,
        "language": language or ("Python" if framework != "none" else rng.choice(["Python", "Go", "TypeScript"])),
        "license": rng.choice(["MIT", "Apache-2.0", "BSD-3-Clause", None]),
        "topics": rng.sample(["deep-learning", "machine-learning", framework, "research", "computer-vision",
                              "nlp"], k=rng.randint(0, 3)),
        "homepage": None, "releases": rng.randint(0, 5),
        "manifests": manifests_for(framework, year, rng),
    }


def build_demo_dataset(demo_dir: str | Path) -> dict[str, Any]:
    """Build the demo dataset from universe/{owners,repos}.csv plus the tracked organisations."""
    root = Path(demo_dir)
    rng = random.Random(20261125)
    owners: dict[str, dict[str, Any]] = {}
    with open(root / "universe" / "owners.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            owners[row["login"].lower()] = {
                "login": row["login"], "type": row["type"], "name": row["name"] or None,
                "company": row["company"] or None, "blog": row["blog"] or None, "email": row["email"] or None,
                "location": row["location"] or None, "description": row["description"] or None,
                "is_verified": row["type"] == "Organization" and row.get("synthetic_sector") == "industry",
            }
    repos: dict[str, dict[str, Any]] = {}
    rid = 100000
    with open(root / "universe" / "repos.csv", newline="", encoding="utf-8") as fh:
        universe = list(csv.DictReader(fh))
    for row in universe:
        rid += 1
        repos[row["repo"].lower()] = _repo(
            row["repo"], rid, row["framework"], int(row["created_year"]), int(row["stars"]), rng,
            f"{row['repo'].split('/')[1]}: {row['purpose'].replace('_', ' ')} (synthetic)")
    # realistic loss: two linked repos were deleted, one was renamed since the papers linked it
    gone = [row["repo"].lower() for row in universe[7::60]][:2]
    for name in gone:
        del repos[name]
    renamed_old = universe[3]["repo"].lower()
    renamed_new = renamed_old.split("/")[0] + "/" + renamed_old.split("/")[1] + "-v2"
    repos[renamed_new] = dict(repos.pop(renamed_old), full_name=renamed_new)
    for company, org, count, first, last, chooser in ORGS:
        owners[org] = {"login": org, "type": "Organization", "name": f"{company} ({org}, synthetic demo profile)",
                       "company": None, "blog": f"https://{org}.example.com", "email": None,
                       "location": "United States", "is_verified": True,
                       "description": f"Public repositories of {company}. (synthetic demo profile)"}
        for i in range(count):
            year = first + (i * (last - first + 1)) // count
            weights = chooser(year)
            fw = rng.choices(list(weights), list(weights.values()))[0]
            name = f"{org}/{rng.choice(WORDS)}-{fw if fw not in ('none', 'other') else 'tools'}-{i}"
            rid += 1
            repos[name] = _repo(name, rid, fw, year, int(rng.lognormvariate(6, 1.5)), rng,
                                f"{company} {fw} repository (synthetic)")
    for name, (fw, year, stars, lang) in FRAMEWORK_REPOS.items():
        org = name.split("/")[0]
        owners.setdefault(org, {"login": org, "type": "Organization", "name": f"{org} (synthetic demo profile)",
                                "company": None, "blog": None, "email": None, "location": None,
                                "is_verified": True, "description": "(synthetic demo profile)"})
        rid += 1
        repos[name] = _repo(name, rid, fw, year, stars, rng, f"The {fw} framework (synthetic stand-in)", lang)
    meta = {"synthetic": True, "as_of": AS_OF, "moved": {renamed_old: renamed_new}, "deleted": gone,
            "note": "Synthetic GitHub data for the mltrends demo; no real repository is described."}
    return {"owners": owners, "repos": repos, **meta}


def write_demo_dataset(demo_dir: str | Path) -> Path:
    """Write inputs/github/{owners,repos,meta}.json (compact, sorted keys)."""
    data = build_demo_dataset(demo_dir)
    out = Path(demo_dir) / "github"
    out.mkdir(parents=True, exist_ok=True)
    meta = {k: v for k, v in data.items() if k not in ("owners", "repos")}
    for name, value in (("owners.json", data["owners"]), ("repos.json", data["repos"]), ("meta.json", meta)):
        (out / name).write_text(json.dumps(value, sort_keys=True, separators=(",", ":")) + "\n",
                                encoding="utf-8")
    return out


def demo_dataset(demo_dir: str | Path = DEMO_DIR) -> dict[str, Any]:
    """The demo dataset: the bundled JSON files, built from the universe if they are missing."""
    folder = Path(demo_dir) / "github"
    if not all((folder / f).is_file() for f in FILES):
        return build_demo_dataset(demo_dir)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    return {"owners": json.loads((folder / "owners.json").read_text(encoding="utf-8")),
            "repos": json.loads((folder / "repos.json").read_text(encoding="utf-8")), **meta}


def scale_dataset(n_repos: int, seed: int = 7, repos_per_owner: int = 20) -> dict[str, Any]:
    """A synthetic dataset of n_repos repos (for benchmarks): owners, manifests, stars."""
    rng = random.Random(seed)
    owners: dict[str, dict[str, Any]] = {}
    repos: dict[str, dict[str, Any]] = {}
    frameworks = ["pytorch"] * 6 + ["tensorflow"] * 2 + ["jax", "none"]
    for i in range(n_repos):
        login = f"owner{i // repos_per_owner:05d}"
        if login not in owners:
            org = rng.random() < 0.5
            owners[login] = {"login": login, "type": "Organization" if org else "User",
                             "name": f"Owner {login} (synthetic)", "company": None if org else "Example Inc",
                             "blog": None, "email": None, "location": "Earth", "is_verified": org,
                             "description": "(synthetic benchmark profile)"}
        name = f"{login}/repo-{i:06d}"
        repos[name] = _repo(name, 500000 + i, rng.choice(frameworks), rng.randint(2016, 2026),
                            int(rng.lognormvariate(3, 1.5)), rng, "benchmark repository (synthetic)")
    return {"owners": owners, "repos": repos, "moved": {}, "as_of": AS_OF, "synthetic": True}


if __name__ == "__main__":  # pragma: no cover
    target = write_demo_dataset(sys.argv[1] if len(sys.argv) > 1 else DEMO_DIR)
    print(f"wrote {target}")
