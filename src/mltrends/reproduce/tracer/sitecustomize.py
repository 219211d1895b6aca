"""mltrends runtime tracer, injected through PYTHONPATH into a reproduced repository.

Records every module imported (audit hook `import` events) and, at exit, the device
evidence of each deep-learning framework that was imported, as JSON lines written to
the pipe whose number is in $MLTRENDS_TRACE_FD (inherited from mltrends, which reads
at most a few MiB of it; nothing goes through files the repository could replace).
Child Python processes started with subprocess keep the pipe. It never initialises a
framework or a device itself: it only reads state the repository's own code created.
No change to the repository's code.
"""

import atexit
import contextlib
import json
import os
import sys

_FD = os.environ.get("MLTRENDS_TRACE_FD", "")
FRAMEWORK_OF = {"torch": "pytorch", "tensorflow": "tensorflow", "jax": "jax", "flax": "jax",
                "keras": "keras", "tf_keras": "keras", "mxnet": "mxnet", "paddle": "paddle",
                "mindspore": "mindspore"}


def _torch_evidence(mod):
    cuda = getattr(mod, "cuda", None)
    if cuda is None:
        return {}
    initialized = bool(cuda.is_initialized())
    evidence = {"cuda_initialized": initialized}
    if initialized:
        evidence["max_memory_allocated"] = int(cuda.max_memory_allocated())
        evidence["device_count"] = int(cuda.device_count())
    return evidence


def _jax_evidence(mod):
    bridge = sys.modules.get("jax._src.xla_bridge")
    backends = getattr(bridge, "_backends", None) if bridge else None
    if not backends:  # no backend initialised: the code never ran a JAX computation
        return {"initialized": False, "platforms": []}
    return {"initialized": True, "platforms": sorted({d.platform for d in mod.devices()})}


def _tf_evidence(mod):
    context = sys.modules.get("tensorflow.python.eager.context")
    ctx = getattr(context, "_context", None) if context else None
    if ctx is None or getattr(ctx, "_context_handle", None) is None:
        return {"initialized": False, "gpus": []}
    gpus = mod.config.list_logical_devices("GPU")
    return {"initialized": True, "gpus": [d.name for d in gpus]}


EVIDENCE = {"torch": _torch_evidence, "jax": _jax_evidence, "tensorflow": _tf_evidence}

def _emit(kind, record):
    """One JSON line on the pipe (a line under PIPE_BUF is written in one piece)."""
    with contextlib.suppress(OSError, ValueError):
        os.write(int(_FD), (json.dumps({"kind": kind, **record}) + "\n").encode())


def _keep_pipe():
    """subprocess closes inherited fds by default: keep the pipe for traced children."""
    import subprocess

    init = subprocess.Popen.__init__

    def __init__(self, *args, **kwargs):
        if kwargs.get("close_fds", True) is not False:
            try:
                os.fstat(int(_FD))
            except OSError:  # the repository closed it
                pass
            else:
                kwargs["pass_fds"] = (*tuple(kwargs.get("pass_fds") or ()), int(_FD))
        init(self, *args, **kwargs)

    subprocess.Popen.__init__ = __init__


if _FD.isdigit():
    _imports = []
    _seen = set()

    def _mark(top):
        # sent at import time, so a run killed later still shows what it imported
        _emit("import", {"module": top, "pid": os.getpid()})

    def _hook(event, args):
        if event != "import":
            return
        top = str(args[0]).partition(".")[0]
        if top not in _seen:
            _seen.add(top)
            _imports.append(top)
            if top in FRAMEWORK_OF:
                _mark(top)

    def _at_exit():
        for name in list(sys.modules):
            top = name.partition(".")[0]
            if top not in _seen:
                _seen.add(top)
                _imports.append(top)
        devices = {}
        for top, probe in EVIDENCE.items():
            mod = sys.modules.get(top)
            if mod is None:
                continue
            try:
                devices[top] = probe(mod)
            except Exception as exc:  # evidence is best effort
                devices[top] = {"error": repr(exc)[:300]}
        record = {
            "pid": os.getpid(), "ppid": os.getppid(), "argv": sys.argv[:8],
            "imports": _imports[:5000],
            "frameworks": [FRAMEWORK_OF[m] for m in _imports if m in FRAMEWORK_OF],
            "devices": devices,
        }
        _emit("exit", record)

    _keep_pipe()
    sys.addaudithook(_hook)
    atexit.register(_at_exit)

    # framework probes (what is built, what steps, where): events as JSON lines
    def _event(event):
        event["pid"] = os.getpid()
        _emit("event", {"event_record": json.loads(json.dumps(event, default=str))})

    try:
        import _mltrends_probes
    except Exception:  # the probes are evidence, never a reason to fail the run
        _mltrends_probes = None
    if _mltrends_probes is not None:
        _event({"event": "start", "argv": sys.argv[:8]})
        _mltrends_probes.install(_event)
        atexit.register(_mltrends_probes.at_exit)
