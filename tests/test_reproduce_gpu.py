"""GPU path of the reproduction job: a tiny PyTorch and a tiny JAX repository whose
training step runs on `cuda` must end at the `gpu` stage, with the model on the GPU and
framework memory allocated (and NVML's process list agreeing when nvidia-ml-py is there).

Runs as is on a GPU machine whose environment has a CUDA build of PyTorch and/or JAX:

    python -m pytest -q -rs tests/test_reproduce_gpu.py

Without a GPU (or without a CUDA build) every test here is skipped and says why.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from mltrends.reproduce import sandbox, workspace
from mltrends.reproduce.gpu import detect_gpus
from mltrends.reproduce.pipeline import Config, Job, reproduce_one

TORCH_REPO = '''"""Tiny PyTorch training on cuda (synthetic GPU check)."""
import torch

model = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.ReLU(), torch.nn.Linear(64, 4)).to("cuda")
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for _ in range(3):
    x = torch.randn(16, 32, device="cuda")
    loss = model(x).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
print("trained on", next(model.parameters()).device)
'''

JAX_REPO = '''"""Tiny JAX training on the default (GPU) device (synthetic GPU check)."""
import jax
import jax.numpy as jnp

params = {"w": jnp.ones((32, 4)), "b": jnp.zeros(4)}


def loss(p, x):
    return jnp.mean((x @ p["w"] + p["b"]) ** 2)


step = jax.jit(jax.grad(loss))
x = jnp.ones((16, 32))
for _ in range(3):
    grads = step(params, x)
    params = {k: params[k] - 0.1 * grads[k] for k in params}
print("trained on", jax.devices()[0].platform)
'''


def _gpus_or_skip() -> list[str]:
    if sandbox.available_mode() == "none":
        pytest.skip("no sandbox can be made on this machine (not root, no user namespaces)")
    gpus = detect_gpus()
    if not gpus:
        pytest.skip("no GPU on this machine (no CUDA_VISIBLE_DEVICES, NVML or nvidia-smi GPU)")
    return gpus[:1]


def _run(tmp_path: Path, name: str, body: str, gpus: list[str]) -> dict:
    repo = tmp_path / name
    repo.mkdir()
    (repo / "train.py").write_text(body)
    root = workspace.make_root(None)
    try:
        cfg = Config(run_id="gpu-check", work_root=str(root), mode=sandbox.available_mode(),
                     timeout=300, memory_mb=16384)
        return reproduce_one(Job(f"gpu-check/{name}", path=str(repo)), cfg, gpus)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _assert_on_gpu(rec: dict) -> None:
    assert rec["furthest_stage"] == "gpu", rec["stages"]
    assert rec["gpu_present"] is True and rec["gpu_touched"] is True
    assert rec["model"]["device"].startswith(("cuda", "gpu")), rec["model"]
    steps = rec["commands"][0]["steps"]
    assert any(s["device"] for s in steps)
    assert all(s["device"].startswith(("cuda", "gpu")) for s in steps if s["device"])
    if importlib.util.find_spec("pynvml") is not None:
        assert rec["gpu_nvml_confirmed"] is True


def test_tiny_pytorch_repo_steps_on_cuda(tmp_path):
    gpus = _gpus_or_skip()
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip(f"this environment's PyTorch ({torch.__version__}) has no CUDA support")
    rec = _run(tmp_path, "tiny-torch", TORCH_REPO, gpus)
    _assert_on_gpu(rec)
    assert rec["model"]["params"] == 32 * 64 + 64 + 64 * 4 + 4
    assert rec["commands"][0]["gpu_memory_bytes"] > 0  # torch.cuda.memory_allocated at the step


def test_tiny_jax_repo_steps_on_gpu(tmp_path):
    gpus = _gpus_or_skip()
    jax = pytest.importorskip("jax", reason="JAX is not installed (pip install 'jax[cuda12]')")
    if not any(d.platform == "gpu" for d in jax.devices()):
        pytest.skip(f"this environment's JAX ({jax.__version__}) sees no GPU device")
    rec = _run(tmp_path, "tiny-jax", JAX_REPO, gpus)
    _assert_on_gpu(rec)
    assert rec["model"]["params"] == 32 * 4 + 4
