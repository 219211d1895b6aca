"""GPU presence and, when nvidia-ml-py is installed, NVML sampling of a sandbox's GPU memory."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from typing import Any

import psutil


def detect_gpus() -> list[str]:
    """GPU ids this process may hand out ([] when there is no GPU)."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        ids = [v.strip() for v in visible.split(",") if v.strip() and v.strip() != "-1"]
        return ids
    with contextlib.suppress(Exception):
        import pynvml
        pynvml.nvmlInit()
        try:
            return [str(i) for i in range(pynvml.nvmlDeviceGetCount())]
        finally:
            pynvml.nvmlShutdown()
    if shutil.which("nvidia-smi"):
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            done = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=20)
            if done.returncode == 0:
                return [str(i) for i, line in enumerate(done.stdout.splitlines())
                        if line.startswith("GPU ")]
    return []


class NvmlSampler:
    """Called from the sandbox watchdog: peak GPU memory used by the sandbox's processes."""

    def __init__(self) -> None:
        self.peak_bytes = 0
        self.seen = False
        self.available = False
        try:
            import pynvml
            pynvml.nvmlInit()
            self.nvml: Any = pynvml
            self.handles = [pynvml.nvmlDeviceGetHandleByIndex(i)
                            for i in range(pynvml.nvmlDeviceGetCount())]
            self.available = True
        except Exception:  # NVML is optional evidence
            self.handles = []

    def __call__(self, root_pid: int, _result: object) -> None:
        if not self.available:
            return
        with contextlib.suppress(psutil.Error):
            pids = {root_pid, *(p.pid for p in psutil.Process(root_pid).children(recursive=True))}
            for handle in self.handles:
                with contextlib.suppress(Exception):
                    for proc in self.nvml.nvmlDeviceGetComputeRunningProcesses(handle):
                        if proc.pid in pids:
                            self.seen = True
                            self.peak_bytes = max(self.peak_bytes, int(proc.usedGpuMemory or 0))

    def evidence(self) -> dict[str, Any] | None:
        if not self.available:
            return None
        return {"nvml_process_seen": self.seen, "nvml_peak_bytes": self.peak_bytes}

    def close(self) -> None:
        if self.available:
            with contextlib.suppress(Exception):
                self.nvml.nvmlShutdown()
