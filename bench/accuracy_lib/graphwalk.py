"""Walk a scripted module: every (file, line) the compiler compiled, and every compiled schema.

Lines come from each graph node's `sourceRange()` (nested blocks included) of
  * every method of every scripted submodule (`_c._method_names()`),
  * every function reached through `prim::CallFunction` (looked up in the global compilation unit),
  * script-class methods reached through `prim::CallMethod` (only visible in `inlined_graph`).
Branches the compiler pruned statically (`if not torch.jit.is_scripting():`) have no nodes, so
they are correctly absent.  A node contributes the line its range starts on.
"""
from __future__ import annotations

import inspect
import os
from collections import defaultdict
from typing import Any, Callable, Iterator, Optional

import torch

from .ranges import PathFixer, first_frame


def iter_nodes(block) -> Iterator[Any]:
    for n in block.nodes():
        yield n
        for b in n.blocks():
            yield from iter_nodes(b)


def real_source(fn: Any) -> tuple[Optional[str], Optional[int]]:
    """(file, def line) of a Python function, decorators unwrapped."""
    try:
        fn = inspect.unwrap(fn)
        path = inspect.getsourcefile(fn)
        src, start = inspect.getsourcelines(fn)
    except (TypeError, OSError):
        return None, None
    for i, text in enumerate(src):
        stripped = text.lstrip()
        if stripped.startswith("def ") or stripped.startswith("async def "):
            return os.path.realpath(path) if path else None, start + i
    return (os.path.realpath(path) if path else None), start


def schema_of(schema) -> dict:
    params = [[a.name, str(a.type)] for a in schema.arguments]
    rets = [str(r.type) for r in schema.returns]
    if not rets:
        ret = "NoneType"
    elif len(rets) == 1:
        ret = rets[0]
    else:
        ret = "Tuple[" + ", ".join(rets) + "]"
    return {"params": params, "returns": ret}


class Walker:
    def __init__(self, fixer: PathFixer, relpath: Callable[[str], str]):
        self.fixer = fixer
        self.relpath = relpath
        self.lines: dict[str, set[int]] = defaultdict(set)
        self.functions: list[dict] = []
        self._seen_fns: set[str] = set()
        self._module_types: set[str] = set()
        self._cu = torch.jit._state._python_cu
        cache = torch.jit._state._jit_caching_layer
        self._py_of: dict[str, Any] = {}
        for k in list(cache.keys()):
            try:
                self._py_of[str(cache[k])] = k
            except Exception:  # weakref died
                pass

    # -- public ---------------------------------------------------------------------------------
    def walk_module(self, scripted, eager) -> None:
        pairs = []
        for name, sub in scripted.named_modules():
            try:
                self._module_types.add(sub._c._type().qualified_name())
            except Exception:
                pass
            try:
                esub = eager.get_submodule(name) if name else eager
            except AttributeError:
                esub = None
            pairs.append((sub, esub))
        for sub, esub in pairs:
            try:
                tname = sub._c._type().qualified_name()
            except Exception:
                tname = repr(sub)
            for mname in sub._c._method_names():
                key = f"{tname}::{mname}"
                if key in self._seen_fns:
                    continue
                self._seen_fns.add(key)
                meth = sub._c._get_method(mname)
                pyfn = getattr(type(esub), mname, None) if esub is not None else None
                self._record_schema(meth.schema, pyfn, "method", f"{tname}.{mname}")
                self._walk_graph(meth.graph, pyfn, meth)

    # -- internals --------------------------------------------------------------------------------
    def _record_schema(self, schema, pyfn, kind: str, compiled_name: str) -> None:
        file, line = real_source(pyfn) if pyfn is not None else (None, None)
        qual = None
        if pyfn is not None:
            f = inspect.unwrap(pyfn)
            qual = f"{getattr(f, '__module__', '?')}.{getattr(f, '__qualname__', '?')}"
        entry = {"qualname": qual, "compiled_name": compiled_name, "kind": kind,
                 "file": self.relpath(file) if file else None, "line": line}
        entry.update(schema_of(schema))
        self.functions.append(entry)

    def _add_node(self, node, expected: list[str]) -> None:
        try:
            text = node.sourceRange()
        except Exception:
            return
        if not text:
            return
        fr = first_frame(text)
        if fr is None:
            return
        fr = self.fixer.fix(fr, expected)
        self.lines[self.relpath(fr.file)].add(fr.line)

    def _walk_graph(self, graph, pyfn, owner) -> None:
        expected = []
        if pyfn is not None:
            f, _ = real_source(pyfn)
            if f:
                expected.append(f)
        needs_inline = False
        for node in iter_nodes(graph):
            self._add_node(node, expected)
            kind = node.kind()
            if kind == "prim::CallFunction":
                self._walk_function(str(node.inputsAt(0).type()))
            elif kind == "prim::CallMethod":
                t = node.inputsAt(0).type()
                qn = t.qualified_name() if hasattr(t, "qualified_name") else str(t)
                if qn not in self._module_types:
                    needs_inline = True
        if needs_inline and owner is not None:
            try:
                for node in iter_nodes(owner.inlined_graph):
                    self._add_node(node, expected)
            except Exception:
                pass

    def _walk_function(self, qualname: str) -> None:
        if qualname in self._seen_fns:
            return
        self._seen_fns.add(qualname)
        try:
            fn = self._cu.find_function(qualname)
        except Exception:
            fn = None
        if fn is None:
            return
        pyfn = self._py_of.get(qualname)
        self._record_schema(fn.schema, pyfn, "function", qualname)
        self._walk_graph(fn.graph, pyfn, fn)

    def result(self) -> tuple[dict[str, list[int]], list[dict]]:
        return {f: sorted(v) for f, v in sorted(self.lines.items())}, self.functions
