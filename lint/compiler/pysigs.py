"""Signatures of the Python functions in torch that TorchScript compiles from source (`F.relu`,
`F.interpolate`, `torch.cdist`), frozen into `data/python_signatures.json.gz`.

`schemas` says *that* `torch.nn.functional.softmax` is a Python function the compiler accepts; the
static checker also needs *what it takes and returns*. `regenerate()` scripts each one with the
installed torch and records its schema as the compiler prints it; nothing else here imports torch.
Functions dispatched on a bool argument (`F.max_pool2d(..., return_indices=...)`) keep their result
only when both variants agree.

Regenerate with `python -m tslint.compiler.pysigs --regenerate`.
"""
from __future__ import annotations

import gzip
import json
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional, Sequence

DATA_PATH = Path(__file__).resolve().parent / "data" / "python_signatures.json.gz"


@dataclass(frozen=True)
class PyParam:
    name: str
    type: str  # annotation spelling (`Optional[Tensor]`)
    has_default: bool
    default: Optional[str] = None  # repr of the default, for messages


@dataclass(frozen=True)
class Dispatch:
    """`boolean_dispatch`: which bool argument picks the function, and each one's result."""

    arg: str
    index: int
    default: bool
    if_true: str
    if_false: str


@dataclass(frozen=True)
class PySignature:
    qualname: str
    params: tuple[PyParam, ...]
    returns: Optional[str]  # None: depends on a bool argument
    dispatch: Optional[Dispatch] = None
    #: an `@_overload`ed function's variants, each its (name, type) parameters (`params` says `Any`)
    overloads: tuple[tuple[tuple[str, str], ...], ...] = ()


@lru_cache(maxsize=1)
def _load() -> dict[str, Any]:
    try:
        with gzip.open(DATA_PATH, "rt", encoding="utf-8") as fh:
            return json.load(fh)
    except OSError:
        return {"functions": {}}


@lru_cache(maxsize=None)
def python_signature(qualname: str) -> Optional[PySignature]:
    rec = _load()["functions"].get(qualname)
    if rec is None:
        return None
    params = tuple(PyParam(p[0], p[1], bool(p[2]), p[3] if len(p) > 3 else None) for p in rec["params"])
    dispatch = Dispatch(**rec["dispatch"]) if rec.get("dispatch") else None
    overloads = tuple(tuple((p[0], p[1]) for p in variant) for variant in rec.get("overloads", ()))
    return PySignature(qualname, params, rec.get("returns"), dispatch, overloads)


def regenerate(out_path: Optional[Path] = None) -> Path:
    """Script every compilable Python function named in the schemas data and record its schema."""
    import importlib
    import warnings

    import torch
    from torch._jit_internal import _try_get_dispatched_fn

    from . import schemas

    functions: dict[str, Any] = {}
    names = [q for q, err in schemas.load()["callables"]["python_functions"].items() if err is None]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for qual in sorted(names):
            mod_name, _, attr = qual.rpartition(".")
            try:
                fn = getattr(importlib.import_module(mod_name), attr)
            except (ImportError, AttributeError):
                continue
            dispatched = _try_get_dispatched_fn(fn)
            variants = [dispatched["if_true"], dispatched["if_false"]] if dispatched else [fn]
            overloads = torch._jit_internal._get_fn_overloads(torch._jit_internal._qualified_name(fn))
            if overloads:
                functions[qual] = _overloaded(torch, fn, overloads)
                continue
            try:
                compiled = [torch.jit.script(v) for v in variants]
            except Exception:  # noqa: BLE001 - a function that does not compile has no signature
                continue
            schema = compiled[-1].schema
            returns = {c.schema.returns[0].type.annotation_str if c.schema.returns else "NoneType" for c in compiled}
            params = []
            for a in schema.arguments:
                rec: list[Any] = [a.name, a.type.annotation_str, _has_default(a)]
                if rec[2]:
                    rec.append(repr(a.default_value))
                params.append(rec)
            rec = {"params": params, "returns": returns.pop() if len(returns) == 1 else None}
            if dispatched:  # `boolean_dispatch`: the result depends on a bool argument
                rec["dispatch"] = {
                    "arg": dispatched["arg_name"], "index": dispatched["index"], "default": bool(dispatched["default"]),
                    "if_true": _returns(compiled[0]), "if_false": _returns(compiled[1]),
                }
            functions[qual] = rec
    out = out_path or DATA_PATH
    raw = json.dumps({"torch_version": torch.__version__, "functions": functions, "modules": _nn_modules(torch)}, sort_keys=True,
                     separators=(",", ":")).encode()
    with open(out, "wb") as fh, gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0) as gz:
        gz.write(raw)
    _load.cache_clear()
    python_signature.cache_clear()
    nn_module.cache_clear()
    return out


def _overloaded(torch: Any, fn: Any, overloads: list) -> dict[str, Any]:
    """An `@_overload`ed function: parameter types vary by overload (recorded as `Any`); the result
    is kept when every overload declares the same one."""
    import inspect
    import typing

    from torch.jit.annotations import ann_to_type
    from torch._sources import fake_range

    returns = set()
    for stub in overloads:
        hints = typing.get_type_hints(stub)
        ann = hints.get("return", inspect.Signature.empty)
        try:
            returns.add(ann_to_type(ann, fake_range()).annotation_str if ann is not inspect.Signature.empty else None)
        except Exception:  # noqa: BLE001
            returns.add(None)
    params = [[name, "Any", p.default is not inspect.Parameter.empty] + ([repr(p.default)] if p.default is not inspect.Parameter.empty else [])
              for name, p in inspect.signature(fn).parameters.items()]
    variants = []
    for stub in overloads:  # an unannotated parameter of an overload is a Tensor, as anywhere
        hints = typing.get_type_hints(stub)
        try:
            variants.append([[name, ann_to_type(hints[name], fake_range()).annotation_str if name in hints else "Tensor"]
                             for name in inspect.signature(stub).parameters])
        except Exception:  # noqa: BLE001 - a variant we cannot spell: keep none (no argument checks)
            variants = []
            break
    rec: dict[str, Any] = {"params": params, "returns": returns.pop() if len(returns) == 1 else None}
    if variants:
        rec["overloads"] = variants
    return rec


def _nn_modules(torch: Any) -> dict[str, Any]:
    """`torch.nn.X` classes: where they are defined (the compiler names them after that module) and
    what `forward` declares it returns."""
    import inspect
    import typing

    from torch.jit.annotations import ann_to_type
    from torch._sources import fake_range

    out: dict[str, Any] = {}
    for name in sorted(dir(torch.nn)):
        cls = getattr(torch.nn, name)
        if not (inspect.isclass(cls) and issubclass(cls, torch.nn.Module)):
            continue
        returns = None
        try:
            ann = typing.get_type_hints(cls.forward).get("return")
            if ann is not None:
                returns = ann_to_type(ann, fake_range()).annotation_str
        except Exception:  # noqa: BLE001 - no usable annotation
            returns = None
        out[f"torch.nn.{name}"] = {"module": cls.__module__, "returns": returns}
    return out


@lru_cache(maxsize=None)
def nn_module(qualname: str) -> Optional[tuple[str, Optional[str]]]:
    """(defining module, declared `forward` result) of a `torch.nn` class named as `torch.nn.X`."""
    rec = _load().get("modules", {}).get(qualname)
    return (rec["module"], rec["returns"]) if rec else None


def _returns(compiled: Any) -> str:
    return compiled.schema.returns[0].type.annotation_str if compiled.schema.returns else "NoneType"


def _has_default(arg: Any) -> bool:
    try:
        return arg.has_default_value()
    except Exception:  # noqa: BLE001
        return False


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--regenerate" in argv:
        path = regenerate()
        print(f"wrote {path} ({len(_load()['functions'])} functions)")
    else:
        print(f"{DATA_PATH}: {len(_load()['functions'])} functions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
