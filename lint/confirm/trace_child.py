"""Trace confirmation, inside a child: trace on the user's example, record every TracerWarning with its
file and line, then check that the trace generalizes.

Generalization is tested on a second input whose sizes differ from the example's: the trace must
agree with eager Python there (a constant baked at trace time usually breaks this). Which dimensions
may change without making eager itself fail is model-specific, so candidates are tried in order until
eager accepts one:

1. every dimension of size >= 2 except dim 1 (the channel dimension of NCHW-like inputs),
2. every dimension of size >= 2 except the last (the feature dimension of `(batch, seq, feature)`),
3. every dimension of size >= 2 except dim 1 and the last,
4. dim 0 only,

each grown by 3, then by 2 (3 changes parity and avoids `ceil(n / 2)`-style coincidences; 2 keeps
the parity some architectures need). Dimensions of size 1 are left alone (they usually broadcast).
Floating inputs are redrawn from a normal distribution, integer ones within the example's range, bools
at random. Both runs start from `torch.manual_seed(0)`. If eager rejects every candidate, the
generalization check is skipped and only the warnings count.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, Iterator, Optional

from .importing import Importer, describe, first_line, resolve_ref

GROWTHS = (3, 2)


def _dims(shape: tuple[int, ...], variant: int) -> set[int]:
    n = len(shape)
    grow = {d for d in range(n) if shape[d] >= 2}
    if variant == 0:
        return grow - ({1} if n >= 3 else set())
    if variant == 1:
        return grow - ({n - 1} if n >= 2 else set())
    if variant == 2:
        return grow - {1, n - 1} if n >= 2 else grow
    return grow & {0}


def _new_tensor(x: Any, shape: list[int]) -> Any:
    import torch

    if x.dtype == torch.bool:
        return torch.rand(shape, device=x.device) > 0.5
    if x.dtype.is_floating_point or x.dtype.is_complex:
        return torch.randn(shape, dtype=x.dtype, device=x.device)
    if x.numel():
        low, high = int(x.min()), int(x.max())
    else:
        low, high = 0, 1
    return torch.randint(low, high + 1, shape, dtype=x.dtype, device=x.device)


def _grow(value: Any, variant: int, amount: int) -> Any:
    import torch

    if isinstance(value, torch.Tensor):
        shape = list(value.shape)
        for d in _dims(tuple(shape), variant):
            shape[d] += amount
        return _new_tensor(value, shape)
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(_grow(v, variant, amount) for v in value))
    if isinstance(value, (tuple, list)):
        return type(value)(_grow(v, variant, amount) for v in value)
    if isinstance(value, dict):
        return {k: _grow(v, variant, amount) for k, v in value.items()}
    return value


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, (tuple, list)):
        yield type(value).__name__ if not hasattr(value, "_fields") else "tuple"
        yield len(value)
        for v in value:
            yield from _leaves(v)
    elif isinstance(value, dict):
        yield "dict"
        for k in sorted(value, key=repr):
            yield k
            yield from _leaves(value[k])
    else:
        yield value


def outputs_differ(eager: Any, traced: Any) -> Optional[str]:
    """Why two outputs differ, or None when they agree (shapes, dtypes and values within tolerance)."""
    import torch

    a, b = list(_leaves(eager)), list(_leaves(traced))
    if len(a) != len(b):
        return "the outputs have different structure"
    for x, y in zip(a, b):
        if isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor):
            if x.shape != y.shape:
                return f"output shape {tuple(y.shape)} (trace) vs {tuple(x.shape)} (eager)"
            if x.dtype != y.dtype:
                return f"output dtype {y.dtype} (trace) vs {x.dtype} (eager)"
            if x.is_floating_point() or x.is_complex():
                if not torch.allclose(x, y, rtol=1e-4, atol=1e-5, equal_nan=True):
                    return "output values differ"
            elif not torch.equal(x, y):
                return "output values differ"
        elif isinstance(x, torch.Tensor) or isinstance(y, torch.Tensor):
            return "the outputs have different structure"
        elif x != y:
            return "the outputs differ"
    return None


def _shapes(inputs: tuple) -> str:
    import torch

    return ", ".join(str(tuple(v.shape)) for v in inputs if isinstance(v, torch.Tensor)) or "(no tensors)"


def _call(fn: Any, inputs: tuple) -> Any:
    import torch

    torch.manual_seed(0)
    with torch.no_grad():
        return fn(*inputs)


def generalization(obj: Any, traced: Any, inputs: tuple) -> dict:
    """Run eager and trace on a resized input; the first candidate eager accepts decides."""
    tried = []
    for amount in GROWTHS:
        for variant in range(4):
            second = _grow(inputs, variant, amount)
            shapes = _shapes(second)
            if shapes in tried or shapes == _shapes(inputs):
                continue
            tried.append(shapes)
            try:
                expected = _call(obj, second)
            except Exception:  # noqa: BLE001 - eager rejects this size: try the next candidate
                continue
            try:
                got = _call(traced, second)
            except Exception as exc:  # noqa: BLE001
                return {"checked": True, "diverges": True, "shapes": shapes,
                        "reason": f"the trace fails on inputs of shape {shapes}, which eager accepts: {first_line(str(exc))}"}
            why = outputs_differ(expected, got)
            return {"checked": True, "diverges": why is not None, "shapes": shapes,
                    "reason": f"{why} on inputs of shape {shapes}" if why else ""}
    return {"checked": False, "diverges": False, "shapes": "", "reason": "eager rejects every resized input tried"}


def trace_unit(unit: dict, importer: Importer, step: Callable[[str], None]) -> dict:
    import torch

    step("import")
    module, problem = importer.load(unit["module"], unit["path"])
    if problem is not None:
        if problem["status"] == "compile_error":  # a script decorator failed: the module cannot load
            problem = dict(problem, status="import_error",
                           message=f"importing {unit['module']} failed in the compiler: {problem['message']}")
        return problem
    step("build")
    try:
        made = resolve_ref(unit["factory"])()
        obj, inputs = made
    except BaseException as exc:  # noqa: BLE001
        info = dict(describe(exc), status="build_error")
        info["message"] = (f"trace example {unit['factory']}() must return (module_or_function, example_inputs); "
                           f"it raised or returned something else: {info['type']}: {info['message']}")
        return info
    del module
    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    step("trace")
    caught: list = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            torch.manual_seed(0)
            traced = torch.jit.trace(obj, inputs)
        except BaseException as exc:  # noqa: BLE001
            return dict(describe(exc), status="trace_error", warnings=_warnings(caught))
    recorded = _warnings(caught)
    step("generalize")
    try:
        general = generalization(obj, traced, inputs)
    except BaseException as exc:  # noqa: BLE001
        general = {"checked": False, "diverges": False, "shapes": "",
                   "reason": f"the generalization check failed: {type(exc).__name__}: {first_line(str(exc))}"}
    return {"status": "ok", "warnings": recorded, "general": general, "shapes": _shapes(inputs)}


def _warnings(caught: list) -> list[dict]:
    out = []
    for w in caught:
        if any(c.__name__ == "TracerWarning" for c in w.category.__mro__):
            out.append({"path": w.filename, "line": w.lineno, "message": first_line(str(w.message))})
    return out
