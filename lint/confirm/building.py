"""Building the module instance a confirmation child scripts (runs in the child; stdlib imports only).

In order: the configured factory (the user's word on how the module is built); else the recipe read
from the script call site (`recipe.py`: the constructor call and the attribute assignments the
program makes before `torch.jit.script(m)`); else `Cls()`. Without a factory, an attribute the class
annotates (`do_keypoint: bool`) that neither `__init__` nor the call site set gets a value of its
declared type, as the program must give it one before scripting (the compiler reads the attribute's
type from the annotation and needs a value to convert). Each build says what it did, for the output.
"""
from __future__ import annotations

import ast
import importlib
import os
import sys
import typing
from typing import Any, Callable, Optional

from .importing import describe, resolve_ref

_OWN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # tslint's own files


def resolve_qualified(qualname: str) -> Any:
    """`pkg.mod.Outer.Inner` -> the object: the longest importable module prefix, then attributes."""
    parts = qualname.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            obj = getattr(obj, part)
        return obj
    raise ImportError(f"cannot import {qualname}")


def evaluate(expr: list) -> Any:
    """A recipe expression (`recipe._Reader.expr`) -> its value."""
    kind = expr[0]
    if kind == "lit":
        return ast.literal_eval(expr[1])
    if kind == "ref":
        return resolve_qualified(expr[1])
    args = [evaluate(a) for a in expr[2]]
    kwargs = {k: evaluate(v) for k, v in expr[3].items()}
    return resolve_qualified(expr[1])(*args, **kwargs)


def from_recipe(recipe: dict) -> Any:
    instance = evaluate(recipe["new"])
    for path, expr in recipe["attrs"]:
        *owners, last = path.split(".")
        target = instance
        for owner in owners:
            target = getattr(target, owner)
        setattr(target, last, evaluate(expr))
    return instance


def from_testcases(cls: type, variable: str) -> tuple[int, Any]:
    """The first case of the class's module-level `variable` that builds `cls`:
    `(Cls, lambda: (args, kwargs), ...)` -> `Cls(*args, **kwargs)` (ParityBench's TESTCASES shape)."""
    cases = getattr(sys.modules[cls.__module__], variable)
    for index, case in enumerate(cases):
        if case[0] is cls:
            args, kwargs = case[1]()
            return index, cls(*args, **kwargs)
    raise LookupError(f"{variable} has no case for {cls.__name__}")


def _user_annotations(cls: type) -> dict[str, Any]:
    """Annotations of the class and its user bases (not torch's own `training: bool` and the like),
    evaluated when they can be (`from __future__ import annotations` leaves strings)."""
    out: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if (klass.__module__ or "").split(".")[0] in ("torch", "builtins", "typing"):
            continue
        raw = klass.__dict__.get("__annotations__", {})
        try:
            hints = typing.get_type_hints(klass, include_extras=False)
        except Exception:  # noqa: BLE001 - an annotation naming what cannot be imported
            hints = {}
        for name, ann in raw.items():
            out[name] = hints.get(name, ann)
    return out


_NO_VALUE = object()


def value_of_type(ann: Any) -> Any:
    """A value of the declared type the compiler converts without complaint (`_NO_VALUE`: none known)."""
    import torch

    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin is typing.Final or origin is getattr(typing, "ClassVar", None):
        return value_of_type(args[0]) if args else _NO_VALUE
    if origin is typing.Union:
        return None if type(None) in args else value_of_type(args[0])
    if ann in (bool, int, float, str):
        return ann()
    if ann is torch.Tensor:
        return torch.zeros(())
    if origin in (list, typing.List) or ann is list:
        return []
    if origin in (dict, typing.Dict) or ann is dict:
        return {}
    if origin in (tuple, typing.Tuple):
        items = [value_of_type(a) for a in args if a is not Ellipsis]
        return _NO_VALUE if any(i is _NO_VALUE for i in items) else tuple(items)
    return _NO_VALUE


def give_declared(instance: Any) -> list[str]:
    """Set each annotated, unset attribute to a value of its type; what was set, for the output."""
    done = []
    for name, ann in _user_annotations(type(instance)).items():
        if name.startswith("__") or hasattr(instance, name):
            continue
        value = value_of_type(ann)
        if value is _NO_VALUE:
            continue
        setattr(instance, name, value)
        done.append(f"{name} = {value!r} (declared `{name}: {getattr(ann, '__name__', ann)}`, set by nothing before "
                    f"scripting)")
    return done


def build_instance(unit: dict, cls: Any, step: Callable[[str], None]) -> tuple[Any, Optional[dict], str]:
    """(instance, problem, how it was built) for a module unit."""
    step("build")
    factory = unit.get("factory") or ""
    recipe = unit.get("recipe")
    try:
        if factory:
            return resolve_ref(factory)(), None, f"built by the factory {factory}()"
        if unit.get("testcases"):
            index, instance = from_testcases(cls, unit["testcases"])
            return instance, None, f"built by {unit['testcases']}[{index}] of {unit['module']}"
        instance = from_recipe(recipe) if recipe else cls()
    except BaseException as exc:  # noqa: BLE001
        info = dict(describe(exc), status="build_error")
        how = f"factory {factory}()" if factory else f"{unit['testcases']}'s case" if unit.get("testcases") else \
            "the call site's construction" if recipe else f"{unit['name']}()"
        if isinstance(exc, TypeError) and not factory and not recipe:
            info["message"] = (f"{how} raised TypeError: {info['message']}; name a factory in "
                               f"[tool.tslint.factories] \"{unit['module']}:{unit['name']}\" = \"module:function\"")
        else:
            info["message"] = f"{how} raised {info['type']}: {info['message']}"
        return None, info, ""
    given = give_declared(instance)
    how = [f"{unit['name']}()"] if given and not recipe else []
    return instance, None, "; ".join(how + given)


class MissingModules:
    """A finder last on `sys.meta_path`: it sees only the imports nothing could satisfy, and keeps
    those a user file asked for (an optional dependency the code works around when absent)."""

    def __init__(self, user_roots: list[str]):
        self.roots = [r.rstrip("/\\") + "/" for r in user_roots if r]
        self.names: list[str] = []

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        frame = sys._getframe(1)  # noqa: SLF001 - who asked: the first frame outside importlib
        while frame is not None and "importlib" in frame.f_code.co_filename:
            frame = frame.f_back
        where = frame.f_code.co_filename if frame is not None else ""
        if "." in fullname or fullname in self.names or where.startswith(_OWN_DIR) or "site-packages" in where:
            return None  # a missing submodule is a probe (`pkg.mod.NAME`), not a missing package
        if any(where.startswith(root) for root in self.roots):
            self.names.append(fullname)
        return None
