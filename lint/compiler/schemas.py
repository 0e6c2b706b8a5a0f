"""What the TorchScript compiler knows, frozen into `data/torch_schemas.json.gz`.

The linter must never import torch: importing it takes seconds, it may be absent where the linter
runs, and a linter should not depend on which torch happens to be installed. Yet rules need torch's
facts: operator schemas (to match calls), which Tensor methods the compiler lacks, which `torch.*`
names resolve to builtin ops, which Python builtins it accepts. `regenerate()` is the only place
that imports torch; it asks the compiler itself (by compiling tiny probes) rather than trusting
documentation, and writes a compact, reproducible data file. Everything else here only reads it.

Type strings are the schema's own spelling (`Tensor`, `int[]`, `SymInt[2]`, `Scalar`, `Tensor?`),
without alias annotations. The compiler matches calls on the "fake" types: `SymInt` is `int`, and
`ScalarType`, `Layout`, `MemoryFormat` are `int` (so `dtype=torch.float32` is an int in script);
`Scalar` is the number type (`number` in annotations).

Regenerate with `python -m tslint.compiler.schemas --regenerate [--out PATH]`.
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Sequence

DATA_PATH = Path(__file__).resolve().parent / "data" / "torch_schemas.json.gz"
FORMAT = 1

# Bit flags of the compact records (kept as ints so the file stays small).
_A_DEFAULT, _A_KWONLY, _A_WRITE, _A_OUT = 1, 2, 4, 8
_O_VARARG, _O_VARRET = 1, 2


# ---------------------------------------------------------------------------------------------
# Reading (no torch)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Argument:
    """One schema argument. `default` is display text (e.g. `1`, `None`, `"mean"`), for messages."""

    name: str
    type: str
    has_default: bool = False
    kwarg_only: bool = False
    default: Optional[str] = None
    is_write: bool = False  # `Tensor(a!)`: the op mutates this argument in place
    is_out: bool = False  # an `out=` argument


@dataclass(frozen=True, slots=True)
class Overload:
    """One overload of an operator, e.g. `aten::add.Tensor`."""

    op: str
    overload: str
    arguments: tuple[Argument, ...]
    returns: tuple[str, ...]
    is_vararg: bool = False
    is_varret: bool = False
    return_names: tuple[str, ...] = ()  # named-tuple fields (`values`, `indices`), else empty

    @property
    def qualified_name(self) -> str:
        return f"{self.op}.{self.overload}" if self.overload else self.op

    def __str__(self) -> str:
        """Render roughly as torch prints the schema, so messages can quote it."""
        parts: list[str] = []
        star = False
        for a in self.arguments:
            if a.kwarg_only and not star:
                parts.append("*")
                star = True
            parts.append(f"{a.type} {a.name}" + (f"={a.default}" if a.has_default else ""))
        if self.is_vararg:
            parts.append("...")
        named = [f"{t} {n}" if n else t for t, n in zip(self.returns, self.return_names or
                                                              ("",) * len(self.returns))]
        rets = "..." if self.is_varret else (
            named[0] if len(named) == 1 else f"({', '.join(named)})"
        )
        return f"{self.qualified_name}({', '.join(parts)}) -> {rets}"


@lru_cache(maxsize=None)
def load(path: Optional[str] = None) -> dict[str, Any]:
    """The raw data (cached). Pass `path` only to read a file other than the shipped one."""
    with gzip.open(path or DATA_PATH, "rt", encoding="utf-8") as fh:
        data = json.load(fh)
    if data.get("format") != FORMAT:
        raise ValueError(f"{path or DATA_PATH}: format {data.get('format')!r}, expected {FORMAT}")
    return data


def torch_version() -> str:
    """The torch version the data was generated from, e.g. `2.13.0+cpu`."""
    return load()["torch_version"]


def op_names() -> frozenset[str]:
    return _frozen("ops")


@lru_cache(maxsize=None)
def op_overloads(op_name: str) -> tuple[Overload, ...]:
    """All overloads of `op_name` (e.g. `aten::add`); empty when the compiler has no such op."""
    return tuple(_decode_overload(op_name, rec) for rec in load()["ops"].get(op_name, ()))


def builtin_op_for(qualname: str) -> Optional[str]:
    """The op the compiler resolves a Python callable to: `torch.cat` -> `aten::cat`.

    Mirrors `torch.jit._builtins._find_builtin`, which maps names without checking that the op
    exists: when `op_overloads()` of the result is empty, the compiler fails with
    `Unknown builtin op: aten::X` (e.g. `torch.from_numpy`). `callable_kind` tells the two apart.
    A few ops (`aten::_pair`, `aten::_assert`) are defined by the compiler in TorchScript source,
    not registered; their overloads are included, read back from the compiler's messages.
    """
    c = load()["callables"]
    return c["builtin_ops"].get(qualname) or c["unknown_ops"].get(qualname)


def callable_kind(qualname: str) -> Optional[str]:
    """How the compiler treats a qualified callable name; None when the data does not cover it.

    "op": a builtin op with schemas; "unknown_op": mapped to an op that does not exist;
    "python": a Python function compiled from source (F.relu); "python_error": one whose
    compilation fails (see `python_function_error`); "unsupported": a C callable the compiler
    rejects ("Python builtin ... is currently not supported in Torchscript").
    """
    c = load()["callables"]
    if qualname in c["builtin_ops"]:
        return "op"
    if qualname in c["unknown_ops"]:
        return "unknown_op"
    if qualname in c["python_functions"]:
        return "python_error" if c["python_functions"][qualname] else "python"
    if qualname in c["unsupported"]:
        return "unsupported"
    return None


def python_function_error(qualname: str) -> Optional[str]:
    """First line of the compiler's error for a Python function that does not compile."""
    return load()["callables"]["python_functions"].get(qualname)


def is_boolean_dispatch(qualname: str) -> bool:
    """F.max_pool2d and friends: the overload is chosen by a bool argument (`return_indices`)."""
    return qualname in _frozen("callables", "boolean_dispatch")


def is_tensor_method_known(name: str) -> Optional[bool]:
    """Whether `x.<name>` (method or property) compiles; None if not in `dir(torch.Tensor)`.

    Properties count too: the compiler's message is the same ("has no attribute or method").
    """
    if name in _frozen("tensor", "methods_missing") or name in missing_tensor_properties():
        return False
    if name in _frozen("tensor", "methods_known") or name in tensor_properties():
        return True
    return None  # not a Tensor attribute, or the probes disagreed ("unclassified" in the data)


def missing_tensor_methods() -> frozenset[str]:
    """Tensor methods the compiler lacks (`numpy`, `nelement`, `bool`, ...); properties excluded."""
    return _frozen("tensor", "methods_missing")


def missing_tensor_properties() -> frozenset[str]:
    """Tensor properties the compiler lacks (`grad_fn`, ...)."""
    return _frozen("tensor", "properties_missing")


def tensor_properties() -> frozenset[str]:
    """Tensor properties the compiler knows (`shape`, `dtype`, `device`, `T`, ...)."""
    return _frozen("tensor", "properties_known")


def python_builtins_supported() -> frozenset[str]:
    """Python builtins (by name) that compile to real TorchScript: len, range, isinstance, ..."""
    return _frozen("python_builtins", "supported")


def python_builtin_status(name: str) -> Optional[str]:
    """"supported", "python_op" (compiles only into a `prim::PythonOp`, typed as Tensor, which
    cannot be saved: set, reversed, map, ...), "unsupported", or None if not a probed builtin."""
    for status in ("supported", "python_op", "unsupported"):
        if name in _frozen("python_builtins", status):
            return status
    return None


@lru_cache(maxsize=None)
def _frozen(*keys: str) -> frozenset[str]:
    node: Any = load()
    for k in keys:
        node = node[k]
    return frozenset(node)


def _decode_overload(op: str, rec: list[Any]) -> Overload:
    name, args, rets, flags = rec[:4]
    return Overload(
        op=op,
        overload=name,
        arguments=tuple(
            Argument(
                name=a[0],
                type=a[1],
                has_default=bool(a[2] & _A_DEFAULT),
                kwarg_only=bool(a[2] & _A_KWONLY),
                default=a[3] if len(a) > 3 else None,
                is_write=bool(a[2] & _A_WRITE),
                is_out=bool(a[2] & _A_OUT),
            )
            for a in args
        ),
        returns=tuple(rets),
        is_vararg=bool(flags & _O_VARARG),
        is_varret=bool(flags & _O_VARRET),
        return_names=tuple(rec[4]) if len(rec) > 4 else (),
    )


def summary(data: dict[str, Any]) -> dict[str, Any]:
    """Counts worth printing after a regeneration."""
    c, t, b = data["callables"], data["tensor"], data["python_builtins"]
    return {
        "torch_version": data["torch_version"],
        "ops": len(data["ops"]),
        "overloads": sum(len(v) for v in data["ops"].values()),
        "tensor_methods_known": len(t["methods_known"]),
        "tensor_properties_known": len(t["properties_known"]),
        "tensor_methods_missing": len(t["methods_missing"]),
        "tensor_properties_missing": len(t["properties_missing"]),
        "tensor_unclassified": len(t["unclassified"]),
        "builtin_ops": len(c["builtin_ops"]),
        "unknown_ops": len(c["unknown_ops"]),
        "script_builtin_ops": len(c["script_builtin_ops"]),
        "python_functions": len(c["python_functions"]),
        "python_functions_failing": sum(1 for v in c["python_functions"].values() if v),
        "unsupported_callables": len(c["unsupported"]),
        "python_builtins_supported": len(b["supported"]),
        "python_builtins_python_op": len(b["python_op"]),
        "python_builtins_unsupported": len(b["unsupported"]),
    }


# ---------------------------------------------------------------------------------------------
# Regeneration (imports torch, only here)
# ---------------------------------------------------------------------------------------------

# Namespaces whose public callables are classified, plus private or odd names users do write.
_NAMESPACES = (
    "torch", "torch.nn.functional", "torch.linalg", "torch.fft", "torch.special", "math", "cmath",
)
#: namespaces of Python functions only (no ops of their own that exist in some builds and not in
#: others, as `torch.cuda`'s do): whether each compiles from source, and what it takes
_PYTHON_NAMESPACES = (
    "torch.distributed", "torch.onnx", "torch.overrides", "torch.nn.init", "torch.backends.cudnn",
    "torch.backends.mps", "torch.compiler",
)
_EXTRA_QUALNAMES = (
    "torch._assert", "torch.autograd.grad", "torch.autograd.backward", "warnings.warn",
    "collections.OrderedDict", "torch.nn.modules.utils._single", "torch.nn.modules.utils._pair",
    "torch.nn.modules.utils._triple", "torch.nn.modules.utils._quadruple",
    "torch.backends.cudnn.is_acceptable",
)
_MISSING = "object has no attribute or method"
_NOT_SUPPORTED = "is currently not supported in Torchscript"

# Python builtin probes: a function with one parameter of each common type, called several ways.
_PROBE_HEAD = (
    "def f(x: torch.Tensor, i: int, fl: float, s: str, b: bool, li: List[int], "
    "lt: List[torch.Tensor], d: Dict[str, int], t: Tuple[int, int], o: Optional[int]):\n"
)
_PROBE_ARGS = (
    "", "i", "fl", "s", "b", "li", "x", "lt", "d", "t", "o", "i, i", "fl, fl", "i, fl", "fl, i",
    "x, x", "li, li", "li, i", "i, i, i", "x, 'dtype'", "i, int", "x, torch.Tensor",
)
_PROBE_BODIES = ("    return {call}\n", "    {call}\n", "    for _ in {call}:\n        pass\n")
# Builtins that need a receiver the generic probe cannot express (an object, a subscript).
_SPECIAL_PROBES = {
    "hasattr": 'int(hasattr(o, "a"))',
    "getattr": 'getattr(o, "a")',
    "id": "id(o)",
    "slice": "[1, 2][slice(0, 1)]",
}
_OBJECT_PROBE_MODULE = '''import torch


class _Obj:
    def __init__(self) -> None:
        self.a = 1


def f(x: torch.Tensor):
    o = _Obj()
    return {expr}
'''


def regenerate(out_path: Optional[Path | str] = None) -> Path:
    """Ask the installed torch for its facts and write the data file; returns the path written."""
    import warnings

    import torch

    out = Path(out_path) if out_path is not None else DATA_PATH
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ops = _dump_ops(torch)
        data = {
            "format": FORMAT,
            "torch_version": torch.__version__,
            "ops": ops,
            "tensor": _probe_tensor(torch),
            "callables": _probe_callables(torch, ops),  # adds script-defined builtins to `ops`
            "python_builtins": _probe_python_builtins(torch),
        }
    out.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode("utf-8")
    with open(out, "wb") as fh, gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0) as gz:
        gz.write(raw)  # mtime=0 and sorted keys: same torch, same bytes
    if out.resolve() == DATA_PATH:
        load.cache_clear()
        op_overloads.cache_clear()
        _frozen.cache_clear()
    return out


def _dump_ops(torch: Any) -> dict[str, list[Any]]:
    """Every registered operator, overloads in registry order (the order the compiler tries)."""
    ops: dict[str, list[Any]] = {}
    for s in torch._C._jit_get_all_schemas():
        ops.setdefault(s.name, []).append(_overload_record(s))
    return ops


def _overload_record(s: Any) -> list[Any]:
    args = []
    for a in s.arguments:
        flags = (
            (_A_DEFAULT if a.has_default_value() else 0)
            | (_A_KWONLY if a.kwarg_only else 0)
            | (_A_WRITE if a.is_write else 0)
            | (_A_OUT if a.is_out else 0)
        )
        rec: list[Any] = [a.name, _type_str(a), flags]
        if a.has_default_value():
            rec.append(_default_text(a))
        args.append(rec)
    vararg, varret = _varargs(str(s))
    rec = [
        s.overload_name, args, [_type_str(r) for r in s.returns],
        (_O_VARARG if vararg else 0) | (_O_VARRET if varret else 0),
    ]
    if any(r.name for r in s.returns):
        rec.append([r.name for r in s.returns])
    return rec


def _type_str(arg: Any) -> str:
    """The type as the schema printer writes it (function_schema.cpp), minus alias annotations."""
    t = arg.real_type  # `type` is the fake type (SymInt -> int); the printer uses the real one
    optional = t.kind() == "OptionalType"
    inner = t.getElementType() if optional else t
    if inner.kind() == "ListType":
        text = f"{inner.getElementType().str()}[{'' if arg.N is None else arg.N}]"
    else:
        text = inner.str()
    text = re.sub(r"^(Future|RRef|Await)\[(.*)\]$", r"\1(\2)", text)  # printed with parens
    return text + ("?" if optional else "")


def _default_text(arg: Any) -> str:
    try:
        value = arg.default_value
    except Exception:  # noqa: BLE001 - exotic defaults; the flag is what matters
        return "?"

    def fmt(v: Any) -> str:
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(fmt(e) for e in v) + "]"
        return str(v)

    return fmt(value)


def _varargs(schema_text: str) -> tuple[bool, bool]:
    """(`...` ends the arguments, returns are `...`); the Python binding exposes neither."""
    depth, quote, i = 0, "", schema_text.index("(")
    for i in range(i, len(schema_text)):
        ch = schema_text[i]
        if quote:
            quote = "" if ch == quote and schema_text[i - 1] != "\\" else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
            if depth == 0:
                break
    args_text = schema_text[schema_text.index("(") + 1 : i].rstrip()
    return args_text.endswith("..."), schema_text[i + 1 :].strip() == "-> ..."


def _compiler(torch: Any, env: dict[str, Any]) -> Callable[[str], tuple[bool, str, Any]]:
    """A probe: compile source with names resolved from `env`, then Python builtins.

    Returns (ok, error text, compilation unit). An explicit resolver keeps results
    independent of this module's globals.
    """
    import builtins

    def rcb(name: str) -> Any:
        return env[name] if name in env else getattr(builtins, name, None)

    def compile_(src: str) -> tuple[bool, str, Any]:
        cu = torch.jit.CompilationUnit()
        try:
            cu.define(src, rcb=rcb)
        except Exception as e:  # noqa: BLE001 - any compile failure is a probe result
            return False, str(e).strip() or type(e).__name__, None
        return True, "", cu

    return compile_


def _first_line(message: str) -> str:
    """The message's first line, without object addresses (`<function getenv at 0x7f…>`, different in
    every process) or source locations (`at File "/…/site-packages/torch/overrides.py", line 1944`,
    different in every install): the data file is the same bytes for the same torch."""
    line = next((ln.strip() for ln in message.splitlines() if ln.strip()), "")
    return _LOCATION.sub("", _ADDRESS.sub("", line))[:200]


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_LOCATION = re.compile(r'\s*(?:at\s+)?File ".*$')


def _probe_tensor(torch: Any) -> dict[str, Any]:
    """Classify every public `torch.Tensor` attribute by compiling `x.NAME` and `x.NAME()`."""
    import inspect
    import types

    compile_ = _compiler(torch, {"torch": torch})
    out: dict[str, Any] = {
        "methods_known": [], "methods_missing": [], "properties_known": [],
        "properties_missing": [], "unclassified": {},
    }
    for name in sorted(n for n in dir(torch.Tensor) if not n.startswith("_")):
        static = inspect.getattr_static(torch.Tensor, name)
        is_property = isinstance(
            static, (property, types.GetSetDescriptorType, types.MemberDescriptorType)
        ) or not callable(static)
        _, attr_err = compile_(f"def f(x: torch.Tensor):\n    return x.{name}\n")[:2]
        _, call_err = compile_(f"def f(x: torch.Tensor):\n    return x.{name}()\n")[:2]
        missing = (_MISSING in attr_err, _MISSING in call_err)
        if missing[0] != missing[1]:
            out["unclassified"][name] = _first_line(attr_err or call_err)
            continue
        kind = "properties" if is_property else "methods"
        out[f"{kind}_{'missing' if missing[0] else 'known'}"].append(name)
    return out


def _public_callables(torch: Any) -> Iterable[tuple[str, Any]]:
    import importlib
    import inspect

    seen: set[str] = set()
    namespaces = [(name, False) for name in _NAMESPACES] + [(name, True) for name in _PYTHON_NAMESPACES]
    for mod_name, python_only in namespaces:
        try:
            mod = importlib.import_module(mod_name)
        except ImportError:
            continue
        for name in sorted(dir(mod)):
            obj = getattr(mod, name, None)
            qual = f"{mod_name}.{name}"
            if name.startswith("_") or inspect.ismodule(obj) or not callable(obj) or qual in seen:
                continue
            if getattr(obj, "__module__", None) == "typing":  # re-exported Callable, Optional
                continue
            if python_only and not (inspect.isfunction(obj) and (obj.__module__ or "").startswith(mod_name)):
                continue  # not a function, or re-exported from elsewhere (named where it is defined)
            seen.add(qual)
            yield qual, obj
    for qual in _EXTRA_QUALNAMES:
        mod_name, _, name = qual.rpartition(".")
        try:
            obj = getattr(importlib.import_module(mod_name), name)
        except (ImportError, AttributeError):
            continue
        if qual not in seen:
            yield qual, obj


def _probe_callables(torch: Any, ops: dict[str, list[Any]]) -> dict[str, Any]:
    """Classify callables as the compiler's resolver does (python_sugared_value.cpp).

    The mapping to ops comes from `_find_builtin`, which maps every callable in `torch` without
    checking that the op exists. Ops missing from the registry are either builtins the compiler
    defines in TorchScript source (`_pair`, `_assert`; their schemas are read back from the
    error of an argument-less call and added to `ops`) or unknown ("Unknown builtin op").
    Python functions are referenced in a tiny function so that the compiler really compiles
    them, which records those that fail.
    """
    import importlib
    import inspect

    from torch._jit_internal import _try_get_dispatched_fn
    from torch.jit._builtins import _find_builtin

    env = {q.split(".")[0]: importlib.import_module(q.split(".")[0])
           for q in (*_NAMESPACES, *_EXTRA_QUALNAMES)}
    compile_ = _compiler(torch, env)
    out: dict[str, Any] = {
        "builtin_ops": {}, "unknown_ops": {}, "script_builtin_ops": [],
        "python_functions": {}, "boolean_dispatch": [], "unsupported": [],
    }
    for qual, obj in _public_callables(torch):
        try:
            op = _find_builtin(obj)
        except TypeError:  # unhashable objects cannot be builtins
            op = None
        if op:
            if op not in ops:
                _, err, _ = compile_(f"def f(x: torch.Tensor):\n    return {qual}()\n")
                schemas = _schemas_in_error(torch, op, err)
                if schemas:
                    ops[op] = [_overload_record(sch) for sch in schemas]
                    out["script_builtin_ops"].append(op)
            out["builtin_ops" if op in ops else "unknown_ops"][qual] = op
            continue
        if inspect.isclass(obj):
            continue  # classes are types, constructors or script classes: not this table's job
        _, err, _ = compile_(f"def f(x: torch.Tensor):\n    return {qual}\n")
        dispatched = _try_get_dispatched_fn(obj) is not None
        if _NOT_SUPPORTED in err:
            out["unsupported"].append(qual)
        elif inspect.isfunction(obj) or dispatched:
            # referencing a function compiles it; success ends at "... cannot be used as a value"
            first = _first_line(err)
            fine = first.endswith("cannot be used as a value:") and "python value" not in first
            out["python_functions"][qual] = None if fine else first
            if dispatched:
                out["boolean_dispatch"].append(qual)
    out["script_builtin_ops"] = sorted(set(out["script_builtin_ops"]))
    return out


def _schemas_in_error(torch: Any, op: str, message: str) -> list[Any]:
    """Schemas quoted by "Argument x not provided" errors, e.g. `_pair(int[2] x) -> int[]:`."""
    ns, _, name = op.partition("::")
    found = []
    pattern = re.compile(rf"^\s*(?:{re.escape(ns)}::)?({re.escape(name)}(?:\.\w+)?\(.*\) -> .*):$")
    for line in message.splitlines():
        m = pattern.match(line)
        if m:
            try:
                found.append(torch._C.parse_schema(f"{ns}::{m.group(1)}"))
            except RuntimeError:
                continue
    return found


def _probe_python_builtins(torch: Any) -> dict[str, list[str]]:
    """Which builtins compile to real TorchScript, found by compiling calls with typed arguments.

    A call compiles for some names only as a `prim::PythonOp` (a Python fallback typed as
    Tensor that cannot be saved): those are "python_op", not supported.
    """
    import builtins
    import inspect

    compile_ = _compiler(torch, {"torch": torch})
    out: dict[str, list[str]] = {"supported": [], "python_op": [], "unsupported": []}
    for name in sorted(dir(builtins)):
        obj = getattr(builtins, name)
        if name.startswith("_") or not callable(obj):
            continue
        if inspect.isclass(obj) and issubclass(obj, BaseException):
            continue  # exceptions are raised, not called as values
        status = "unsupported"
        calls = [f"{name}({a})" for a in _PROBE_ARGS]
        for src in (_PROBE_HEAD + body.format(call=c) for c in calls for body in _PROBE_BODIES):
            ok, _, cu = compile_(src)
            if ok:
                if not cu.f.graph.findAllNodes("prim::PythonOp", True):
                    status = "supported"
                    break
                status = "python_op"
        if status != "supported" and name in _SPECIAL_PROBES:
            if _compile_object_probe(torch, _SPECIAL_PROBES[name]):
                status = "supported"
        out[status].append(name)
    return out


def _compile_object_probe(torch: Any, expr: str) -> bool:
    """Script `f` from a real file, since script classes need retrievable source."""
    import importlib.util
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        mod_name = f"_tslint_probe_{abs(hash(expr))}"
        path = Path(tmp) / f"{mod_name}.py"
        path.write_text(_OBJECT_PROBE_MODULE.format(expr=expr), encoding="utf-8")
        spec = importlib.util.spec_from_file_location(mod_name, path)
        assert spec and spec.loader
        mod = importlib.util.module_from_spec(spec)
        sys.modules[mod_name] = mod
        try:
            spec.loader.exec_module(mod)
            fn = torch.jit.script(mod.f)
            return not fn.graph.findAllNodes("prim::PythonOp", True)
        except Exception:  # noqa: BLE001 - a failure is the answer
            return False
        finally:
            sys.modules.pop(mod_name, None)


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------


def main(argv: Optional[Sequence[str]] = None) -> int:
    """`--regenerate` rewrites the data file from the installed torch; else print its summary."""
    parser = argparse.ArgumentParser(prog="tslint schemas", description=main.__doc__)
    parser.add_argument("--regenerate", action="store_true", help="probe torch and write the data")
    parser.add_argument("--out", type=Path, default=None, help=f"output file (default {DATA_PATH})")
    args = parser.parse_args(argv)
    if args.regenerate:
        path = regenerate(args.out)
        data = load(str(path))
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    else:
        path = args.out or DATA_PATH
        data = load(str(path) if args.out else None)
        print(f"{path} ({path.stat().st_size:,} bytes)")
    for key, value in summary(data).items():
        print(f"  {key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
