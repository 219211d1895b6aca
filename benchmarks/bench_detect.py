"""Framework detection throughput: files per second of `detect_path` on a large tree.

    python benchmarks/bench_detect.py [--files 50000] [--out benchmarks/data/detect]

Generates (once, seeded) a tree of synthetic repositories (100 files each: Python
modules that mix stdlib, numpy and framework imports with realistic bodies, lazy
imports inside functions, try/except fallbacks, a few Python 2 files, notebooks and
requirements.txt), then times in the same run:

- `detect_path` on every repository, counting every open (no file may be read twice);
- the baseline: a pipreqs-style naive scan (pipreqs' `get_all_imports` algorithm:
  walk, open and `ast.parse` every Python file and notebook in full, `ast.walk` for
  Import nodes, map the names).

Writes benchmarks/results/detect_files_per_second.json (goal >= 2000 files/s).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import time
from collections import Counter
from pathlib import Path

from common import DATA, write_result
from mltrends.detect import Reader, detect_path, load_mapping

FILES_PER_REPO = 100
STACKS = {  # framework -> (weight, module-level imports of its model files, requirements)
    "pytorch": (60, ["import torch", "import torch.nn as nn", "import torch.nn.functional as F",
                     "from torch.utils.data import DataLoader, Dataset", "import torchvision"],
                "torch>=1.10\ntorchvision\nnumpy\ntqdm\n"),
    "tensorflow": (20, ["import tensorflow as tf", "from tensorflow import keras",
                        "from tensorflow.keras import layers"], "tensorflow==2.9\nnumpy\n"),
    "jax": (8, ["import jax", "import jax.numpy as jnp", "import flax.linen as nn", "import optax"],
            "jax\nflax\noptax\n"),
    "keras": (5, ["import keras", "from keras.layers import Dense, Conv2D", "from keras.models import Model"],
              "keras==2.3.1\n"),
    "paddle": (3, ["import paddle", "import paddle.nn as nn"], "paddlepaddle\n"),
    "mxnet": (2, ["import mxnet as mx", "from mxnet import gluon, nd"], "mxnet\n"),
    "none": (2, ["import numpy as np", "import scipy"], "numpy\nscipy\n"),
}
BASE = {"pytorch": "nn.Module", "tensorflow": "tf.keras.Model", "jax": "nn.Module",
        "keras": "object", "paddle": "nn.Layer", "mxnet": "gluon.HybridBlock", "none": "object"}
STDLIB = ["import os", "import sys", "import json", "import math", "import time", "import argparse",
          "import logging", "import random", "from pathlib import Path", "from collections import OrderedDict",
          "import numpy as np", "from tqdm import tqdm", "import yaml", "import matplotlib.pyplot as plt"]

FUNCTION = '''

def {name}(x, cfg=None, scale={n}):
    """Compute {name} for a batch (synthetic benchmark code)."""
    out = []
    for i, item in enumerate(x):
        if cfg is not None and i % {n} == 0:
            item = item * scale + cfg.get("bias", 0.0)
        out.append(item)
    result = sum(out) / max(len(out), 1)
    logging.debug("%s done: %s", "{name}", result)
    return {{"value": result, "count": len(out), "name": "{name}"}}
'''
CLASS = '''

class {name}({base}):
    """Block {n} (synthetic benchmark code)."""

    def __init__(self, channels={n}, depth=4, dropout=0.1):
        super().__init__()
        self.channels = channels
        self.depth = depth
        self.dropout = dropout
        self.layers = [self._make(i) for i in range(depth)]

    def _make(self, i):
        return {{"index": i, "width": self.channels * (2 ** i)}}

    def forward(self, x):
        for layer in self.layers:
            x = x * layer["width"] + self.dropout
        return x
'''
LAZY = '''

def export_{name}(model, path):
    import {module}
    return {module}, model, path
'''
TRY = '''try:
    {stmt}
except ImportError:
    pass
'''


def pick_stack(rng: random.Random) -> str:
    names = list(STACKS)
    return rng.choices(names, weights=[STACKS[n][0] for n in names])[0]


def python_file(rng: random.Random, stack: str, index: int) -> str:
    imports = rng.sample(STDLIB, rng.randint(3, 7))
    frame = STACKS[stack][1]
    framework_file = rng.random() < 0.75
    if framework_file:
        imports += frame[: rng.randint(1, len(frame))]
    plain = stack == "none"  # a repo without a framework gets no optional framework imports either
    if rng.random() < 0.1:
        imports.append(TRY.format(stmt=rng.choice(
            ["import wandb"] if plain else ["import tensorflow as tf", "import apex", "import wandb"])))
    parts = ["# synthetic benchmark file\n" + "\n".join(imports) + "\n"]
    for j in range(rng.randint(3, 9)):
        if framework_file and rng.random() < 0.3:
            parts.append(CLASS.format(name=f"Block{index}_{j}", base=BASE[stack], n=j + 2))
        else:
            parts.append(FUNCTION.format(name=f"step_{index}_{j}", n=j + 2))
    if rng.random() < 0.08:
        parts.append(LAZY.format(name=f"f{index}", module=rng.choice(
            ["onnx"] if plain else ["onnx", "torch", "tensorflow"])))
    if rng.random() < 0.01:
        parts.insert(1, '\nprint "python 2 style"\n')
    return "".join(parts)


def notebook(rng: random.Random, stack: str) -> str:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# Demo (synthetic)\n"]},
             {"cell_type": "code", "metadata": {}, "execution_count": 1, "outputs": [],
              "source": ["!pip install -q numpy\n", *(line + "\n" for line in STACKS[stack][1])]},
             {"cell_type": "code", "metadata": {}, "execution_count": 2, "outputs": [],
              "source": [FUNCTION.format(name="demo", n=3)]}]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def generate(root: Path, n_files: int, seed: int = 7) -> list[tuple[Path, str]]:
    """Write the tree (or reuse it when the same size was generated before)."""
    marker = root / "manifest.json"
    if marker.exists():
        info = json.loads(marker.read_text())
        if info.get("files") == n_files and info.get("seed") == seed:
            return [(root / r, s) for r, s in info["repos"]]
    rng = random.Random(seed)
    repos = []
    for r in range((n_files + FILES_PER_REPO - 1) // FILES_PER_REPO):
        stack = pick_stack(rng)
        repo = root / f"repo{r:05d}"
        count = min(FILES_PER_REPO, n_files - r * FILES_PER_REPO)
        for i in range(count):
            sub = repo / ("models" if i % 3 == 0 else "utils" if i % 3 == 1 else "tools")
            sub.mkdir(parents=True, exist_ok=True)
            if i % 33 == 32:
                (sub / f"demo_{i}.ipynb").write_text(notebook(rng, stack))
            else:
                (sub / f"mod_{i}.py").write_text(python_file(rng, stack, i))
        (repo / "requirements.txt").write_text(STACKS[stack][2])
        repos.append((repo, stack))
    marker.write_text(json.dumps({"files": n_files, "seed": seed,
                                  "repos": [(p.name, s) for p, s in repos]}))
    return repos


def pipreqs_style(root: Path) -> tuple[set[str], int]:
    """pipreqs' get_all_imports: every Python file / notebook opened and parsed in full."""
    imports: set[str] = set()
    files = 0
    ignore = {".hg", ".svn", ".git", ".tox", "__pycache__", "env", "venv", ".venv"}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in ignore]
        for name in filenames:
            if not name.endswith((".py", ".ipynb")):
                continue
            files += 1
            with open(os.path.join(dirpath, name), encoding="utf-8", errors="replace") as fh:
                text = fh.read()
            if name.endswith(".ipynb"):
                cells = json.loads(text).get("cells", [])
                text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
                text = "\n".join(x for x in text.split("\n") if not x.lstrip().startswith(("!", "%")))
            try:
                tree = ast.parse(text)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    imports.update(a.name.split(".")[0] for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    imports.add(node.module.split(".")[0])
    return imports, files


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--out", type=Path, default=DATA / "detect")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    repos = generate(args.out, args.files)
    gen_s = time.perf_counter() - t0
    for repo, _ in repos:  # warm the page cache so neither timed pass pays for the disk
        for dirpath, _, names in os.walk(repo):
            for name in names:
                with open(os.path.join(dirpath, name), "rb") as fh:
                    fh.read()

    mapping = load_mapping()
    t0 = time.perf_counter()
    base_files, base_hits = 0, Counter()
    for repo, _ in repos:
        names, n = pipreqs_style(repo)
        base_files += n
        base_hits.update({mapping.imports[x] for x in names if x in mapping.imports})
    base_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    code_files, correct, max_opens, opens = 0, 0, 0, 0
    for repo, stack in repos:
        reader = Reader(str(repo))
        result = detect_path(repo, reader=reader)
        code_files += sum(1 for r in reader.opens if r.endswith((".py", ".ipynb")))
        max_opens = max(max_opens, *reader.opens.values())
        opens += sum(reader.opens.values())
        correct += result.primary == stack
    detect_s = time.perf_counter() - t0

    value = code_files / detect_s
    baseline = base_files / base_s
    if max_opens != 1:
        raise SystemExit(f"a file was opened {max_opens} times by detect_path")
    return write_result(
        "detect_files_per_second", value, "files/s",
        "pipreqs-style naive scan (open + full ast.parse + ast.walk of every file), same tree, same run",
        baseline, ">= 2000 files/s and no file read twice", value >= 2000 and max_opens == 1,
        files=code_files, repos=len(repos), detect_seconds=round(detect_s, 2),
        baseline_seconds=round(base_s, 2), baseline_files=base_files, opens=opens, max_opens_per_file=max_opens,
        accuracy_on_generated=f"{correct}/{len(repos)}", generate_seconds=round(gen_s, 1),
        data="synthetic repositories generated by benchmarks/bench_detect.py")


if __name__ == "__main__":
    main()
