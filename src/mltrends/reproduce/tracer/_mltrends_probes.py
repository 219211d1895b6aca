"""Framework probes of the mltrends tracer: which model is built, which step runs, where.

Loaded by the tracer's sitecustomize in the reproduced repository's processes. When a
framework module finishes importing, its probe patches a few entry points, so that the
repository's own calls report:

  model_created  a framework object was constructed (torch.nn.Module, tf.Module/keras
                 Layer, flax/haiku modules, paddle.nn.Layer, mindspore Cell): its class
  model          a root model's parameter count and device (taken at its first forward,
                 at a training step, at an uncaught exception and at exit)
  step           a backward pass, an optimizer step, a jitted call, a fit/train call or
                 a forward on a batch: its kind, the device, framework memory in use

Each kind of event is sent a bounded number of times per process through `emit`, the
transport given by sitecustomize. Probes never create devices or tensors themselves and
swallow their own errors: the repository's behaviour must not change.
"""

import contextlib
import functools
import importlib.util
import sys
import time
import weakref

MAX_MODELS = 8       # model snapshots per process
MAX_CREATED = 16     # distinct classes reported as created
_emit = None
_state = {"created": {}, "snapshots": set(), "steps": {}, "live": []}
_busy = set()


def _send(event):
    if _emit is None:
        return
    event["t"] = time.time()
    with contextlib.suppress(Exception):
        _emit(event)


def _safe(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception:
            return None
    return wrapper


def _classname(obj):
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


@_safe
def created(framework, obj):
    """A framework object was constructed: keep a weak reference, report a new class once."""
    live = _state["live"]
    if len(live) < 5000:
        with contextlib.suppress(TypeError):
            live.append((framework, weakref.ref(obj)))
    name = _classname(obj)
    seen = _state["created"]
    if name not in seen and len(seen) < MAX_CREATED:
        seen[name] = True
        _send({"event": "model_created", "framework": framework, "class": name})


@_safe
def step(framework, kind, device=None, memory=None):
    """A training or inference step: the first of each kind is sent, later ones counted."""
    key = (framework, kind)
    count = _state["steps"].get(key, 0) + 1
    _state["steps"][key] = count
    if count == 1:
        event = {"event": "step", "framework": framework, "kind": kind, "device": device}
        if memory is not None:
            event["memory_bytes"] = memory
        _send(event)
        snapshot(f"step:{kind}")


@_safe
def model(framework, obj, params, device, reason, name=None):
    key = (id(obj), params, device)
    if key in _state["snapshots"] or len(_state["snapshots"]) >= MAX_MODELS:
        return
    _state["snapshots"].add(key)
    _send({"event": "model", "framework": framework, "class": name or _classname(obj),
           "params": int(params), "device": device, "reason": reason})


def snapshot(reason):
    """Report the root models alive now (objects that are no other live object's part)."""
    alive = []
    for framework, ref in _state["live"]:
        obj = ref()
        if obj is not None:
            alive.append((framework, obj))
    parts = set()
    for framework, obj in alive:
        probe = PROBES.get(framework)
        if probe is not None:
            for child in _safe(probe.children)(obj) or ():
                parts.add(id(child))
    for framework, obj in alive:
        if id(obj) in parts:
            continue
        probe = PROBES[framework]
        counted = _safe(probe.measure)(obj)
        if counted is not None:
            model(framework, obj, counted[0], counted[1], reason)


# --- per-framework probes ------------------------------------------------------------

def _wrap_init(cls, framework):
    original = cls.__init__
    if getattr(original, "_mltrends", False):
        return

    @functools.wraps(original)
    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        created(framework, self)

    __init__._mltrends = True
    cls.__init__ = __init__


def _wrap_call(owner, attr, on_call, after=False):
    original = getattr(owner, attr, None)
    if original is None or getattr(original, "_mltrends", False):
        return

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        if not after:
            on_call(*args, **kwargs)
        result = original(*args, **kwargs)
        if after:
            on_call(result, *args, **kwargs)
        return result

    wrapper._mltrends = True
    setattr(owner, attr, wrapper)


class _Torch:
    framework = "pytorch"

    @staticmethod
    def children(obj):
        return list(obj.children())

    @staticmethod
    def measure(obj):
        params = list(obj.parameters())
        tensors = params or list(obj.buffers())
        device = str(tensors[0].device) if tensors else None
        return sum(p.numel() for p in params), device

    @staticmethod
    def memory(torch, device):
        if device and device.startswith("cuda") and torch.cuda.is_initialized():
            return int(torch.cuda.memory_allocated())
        return None

    @classmethod
    def patch(cls, torch):
        _wrap_init(torch.nn.Module, cls.framework)

        def backward(tensors, *args, **kwargs):
            first = tensors[0] if isinstance(tensors, (list, tuple)) and tensors else tensors
            device = str(getattr(first, "device", "")) or None
            step(cls.framework, "backward", device, cls.memory(torch, device))

        _wrap_call(torch.autograd, "backward", backward)

        def optimizer_step(optimizer, *args, **kwargs):
            device = None
            for group in optimizer.param_groups:
                for p in group["params"]:
                    device = str(p.device)
                    break
                break
            step(cls.framework, "optimizer_step", device, cls.memory(torch, device))

        optim = sys.modules.get("torch.optim.optimizer")
        if optim is not None and hasattr(optim, "register_optimizer_step_post_hook"):
            optim.register_optimizer_step_post_hook(_safe(optimizer_step))

        handle = []

        def forward(module, inputs):
            handle[0].remove()  # the first forward is enough; later calls keep torch's fast path
            first = inputs[0] if inputs else None
            device = str(getattr(first, "device", "")) or None
            model(cls.framework, module, *cls.measure(module), "forward")
            step(cls.framework, "forward", device, cls.memory(torch, device))

        modules = sys.modules.get("torch.nn.modules.module")
        if modules is not None and hasattr(modules, "register_module_forward_pre_hook"):
            handle.append(modules.register_module_forward_pre_hook(_safe(forward)))


class _Keras:
    framework = "keras"

    @staticmethod
    def children(obj):
        found = getattr(obj, "_flatten_layers", None)
        if found is not None:
            return list(found(include_self=False))
        return list(getattr(obj, "submodules", ()))

    @staticmethod
    def measure(obj):
        variables = list(getattr(obj, "weights", None) or getattr(obj, "variables", ()))
        total = 0
        for v in variables:
            n = 1
            for d in v.shape:
                n *= int(d or 0)
            total += n
        device = (str(getattr(variables[0], "device", "")) or None) if variables else None
        return total, device

    @classmethod
    def patch(cls, keras):
        layer = getattr(getattr(keras, "layers", None), "Layer", None)
        if layer is not None:
            _wrap_init(layer, cls.framework)
        model_cls = getattr(keras, "Model", None)
        for name in ("fit", "train_on_batch", "predict", "predict_on_batch", "evaluate",
                     "test_on_batch"):
            if model_cls is not None:
                _wrap_call(model_cls, name, _safe(lambda *a, _n=name, **k: step(cls.framework, _n)))


class _TensorFlow(_Keras):
    framework = "tensorflow"

    @classmethod
    def patch(cls, tf):
        _wrap_init(tf.Module, cls.framework)
        tape = getattr(tf, "GradientTape", None)
        if tape is not None:
            _wrap_call(tape, "gradient", _safe(lambda *a, **k: step(cls.framework, "backward")))


class _Jax:
    framework = "jax"

    @staticmethod
    def children(obj):
        return []

    @staticmethod
    def measure(obj):
        return None

    @staticmethod
    def device_of(tree):
        import jax
        for leaf in jax.tree_util.tree_leaves(tree):
            with contextlib.suppress(Exception):  # a tracer inside jit has no devices
                return ",".join(sorted(f"{d.platform}:{d.id}" for d in leaf.devices()))
        backend = getattr(jax, "default_backend", None)  # traced: where jit will place it
        return f"{backend()}:default" if backend is not None else None

    @classmethod
    def patch(cls, jax):
        def wrap_transform(name, kind):
            original = getattr(jax, name)

            @functools.wraps(original)
            def transform(*args, **kwargs):
                made = original(*args, **kwargs)
                if not callable(made):
                    return made
                return _Traced(made, kind)

            transform._mltrends = True
            setattr(jax, name, transform)

        for name, kind in (("jit", "jit_call"), ("grad", "backward"),
                           ("value_and_grad", "backward"), ("pmap", "jit_call")):
            if hasattr(jax, name) and not getattr(getattr(jax, name), "_mltrends", False):
                wrap_transform(name, kind)


class _Traced:
    """A jitted or differentiated function: reports its first call, delegates the rest."""

    def __init__(self, fn, kind):
        self.__wrapped__ = fn
        self._kind = kind
        functools.update_wrapper(self, fn, updated=())

    def __call__(self, *args, **kwargs):
        result = self.__wrapped__(*args, **kwargs)
        if (_Jax.framework, self._kind) in _state["steps"]:
            step(_Jax.framework, self._kind)  # counted only
        else:
            if self._kind == "backward" and args:
                _safe(self._params)(args[0])
            step(_Jax.framework, self._kind, _safe(_Jax.device_of)(result))
        return result

    def _params(self, tree):
        """Plain JAX has no model object: the pytree being differentiated is the model."""
        import jax
        total = sum(int(getattr(x, "size", 0)) for x in jax.tree_util.tree_leaves(tree))
        if total:
            _send({"event": "model_created", "framework": _Jax.framework,
                   "class": "jax.grad parameters"})
            model(_Jax.framework, self, total, _safe(_Jax.device_of)(tree), "grad",
                  name="jax.grad parameters")

    def __getattr__(self, name):
        return getattr(self.__wrapped__, name)

    def __get__(self, obj, objtype=None):
        return self if obj is None else functools.partial(self, obj)


class _Flax:
    framework = "jax"

    @classmethod
    def patch(cls, linen):
        def after_init(variables, module, *args, **kwargs):
            import jax
            total = sum(int(getattr(x, "size", 0)) for x in jax.tree_util.tree_leaves(variables))
            created(cls.framework, module)
            model(cls.framework, module, total, _safe(_Jax.device_of)(variables), "init")

        _wrap_call(linen.Module, "init", _safe(after_init), after=True)


class _Haiku:
    framework = "jax"

    @classmethod
    def patch(cls, hk):
        for name in ("transform", "transform_with_state"):
            original = getattr(hk, name, None)
            if original is None:
                continue

            def make(original=original):
                @functools.wraps(original)
                def transform(*args, **kwargs):
                    made = original(*args, **kwargs)
                    init = made.init

                    def counted_init(*a, **k):
                        variables = init(*a, **k)
                        import jax
                        total = sum(int(getattr(x, "size", 0))
                                    for x in jax.tree_util.tree_leaves(variables))
                        _send({"event": "model_created", "framework": "jax",
                               "class": "haiku.Transformed"})
                        model(cls.framework, made, total, _safe(_Jax.device_of)(variables), "init")
                        return variables

                    try:
                        return made._replace(init=counted_init)
                    except Exception:
                        return made
                return transform
            setattr(hk, name, make())


def _elements(params):
    """Number of scalars in a list of parameters with a `shape` (Paddle, MindSpore)."""
    total = 0
    for p in params:
        n = 1
        for d in p.shape:
            n *= int(d)
        total += n
    return total


class _Paddle:
    framework = "paddle"

    @staticmethod
    def children(obj):
        return list(obj.children())

    @staticmethod
    def measure(obj):
        params = list(obj.parameters())
        total = _elements(params)
        return total, str(params[0].place) if params else None

    @classmethod
    def patch(cls, paddle):
        _wrap_init(paddle.nn.Layer, cls.framework)
        _wrap_call(paddle.Tensor, "backward", _safe(
            lambda t, *a, **k: step(cls.framework, "backward", str(getattr(t, "place", "")))))
        _wrap_call(paddle.optimizer.Optimizer, "step",
                   _safe(lambda *a, **k: step(cls.framework, "optimizer_step")))


class _MindSpore:
    framework = "mindspore"

    @staticmethod
    def children(obj):
        return list(obj.cells())

    @staticmethod
    def measure(obj):
        params = list(obj.get_parameters())
        total = _elements(params)
        import mindspore
        return total, str(mindspore.get_context("device_target"))

    @classmethod
    def patch(cls, ms):
        _wrap_init(ms.nn.Cell, cls.framework)
        for owner, name, kind in ((ms.nn, "TrainOneStepCell", "train_step"),):
            target = getattr(owner, name, None)
            if target is not None:
                _wrap_call(target, "construct", _safe(lambda *a, _k=kind, **k: step(cls.framework, _k)))
        for name in ("grad", "value_and_grad"):
            if hasattr(ms, name):
                original = getattr(ms, name)

                def make(original=original):
                    @functools.wraps(original)
                    def transform(*args, **kwargs):
                        return _TracedAs(original(*args, **kwargs), cls.framework, "backward")
                    return transform
                setattr(ms, name, make())


class _TracedAs(_Traced):
    def __init__(self, fn, framework, kind):
        super().__init__(fn, kind)
        self._framework = framework

    def __call__(self, *args, **kwargs):
        result = self.__wrapped__(*args, **kwargs)
        step(self._framework, self._kind)
        return result


PROBES = {"pytorch": _Torch, "keras": _Keras, "tensorflow": _TensorFlow, "jax": _Jax,
          "paddle": _Paddle, "mindspore": _MindSpore}
# module name -> the probe patching it once that module has finished importing
PATCHERS = {"torch": _Torch.patch, "tensorflow": _TensorFlow.patch, "keras": _Keras.patch,
            "tf_keras": _Keras.patch, "jax": _Jax.patch, "flax.linen": _Flax.patch,
            "haiku": _Haiku.patch, "paddle": _Paddle.patch, "mindspore": _MindSpore.patch}


class _Finder:
    """Meta-path finder: lets the real loader run, then applies the module's probe."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in PATCHERS or fullname in _busy:
            return None
        _busy.add(fullname)
        try:
            spec = importlib.util.find_spec(fullname)
        except Exception:
            return None
        finally:
            _busy.discard(fullname)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        original = spec.loader.exec_module

        def exec_module(module):
            original(module)
            _safe(PATCHERS[fullname])(module)

        with contextlib.suppress(Exception):
            spec.loader.exec_module = exec_module
        return spec


def install(emit):
    """Start probing: `emit(dict)` is the tracer's transport for one event."""
    global _emit
    _emit = emit
    sys.meta_path.insert(0, _Finder())
    for name, patch in PATCHERS.items():
        if name in sys.modules:
            _safe(patch)(sys.modules[name])
    previous = sys.excepthook

    def excepthook(*args):
        _safe(snapshot)("exception")
        previous(*args)

    sys.excepthook = excepthook


def at_exit():
    """Models still alive at exit, and how many steps of each kind ran."""
    _safe(snapshot)("exit")
    if _state["steps"]:
        _send({"event": "step_counts",
               "counts": {f"{fw}:{kind}": n for (fw, kind), n in _state["steps"].items()}})
