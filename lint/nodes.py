"""The nodes of one function, gathered in one traversal and shared by every rule and the checker.

Several consumers need "every `Name` stored in this function" or "every node of the body outside
nested scopes" (local names for name resolution, the type checker's locals, kinds, reserved names).
Each walking the function again with `ast.walk` made the check phase cost several full traversals per
function; `function_nodes(fn)` traverses once, files the nodes by type, and is kept beside the node
(weakly keyed), so it lives exactly as long as the tree it indexes.
"""
from __future__ import annotations

import ast
import weakref
from collections import deque
from typing import Iterator

#: node types that open a separate scope (their bodies are not the function's)
SCOPE_TYPES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda})


#: fields that never hold a node a walker wants: names and flags (`str`/`int`), and the expression
#: context (`ctx`: a shared `Load`/`Store`/`Del` marker on every name, read as `node.ctx` when needed)
_SCALAR_FIELDS = frozenset({"ctx", "id", "attr", "arg", "name", "module", "asname", "type_comment", "kind",
                            "conversion", "simple", "is_async", "level", "rest", "tag", "lineno"})
_FIELDS: dict[type, tuple[str, ...]] = {}


def node_fields(cls: type) -> tuple[str, ...]:
    """The fields of a node class that can hold child nodes."""
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = _FIELDS[cls] = tuple(f for f in cls._fields if f not in _SCALAR_FIELDS)  # type: ignore[attr-defined]
    return fields


def child_list(node: ast.AST) -> list[ast.AST]:
    """The children `ast.iter_child_nodes` gives, in its order, except expression contexts; about
    three times faster (the hot step of every walk here)."""
    out: list[ast.AST] = []
    for name in _FIELDS.get(type(node)) or node_fields(type(node)):
        value = getattr(node, name, None)
        if type(value) is list:
            out.extend(item for item in value if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST):
            out.append(value)
    return out


def children(node: ast.AST) -> Iterator[ast.AST]:
    return iter(child_list(node))


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """`ast.walk` (breadth-first, same order), without expression contexts."""
    todo = deque([node])
    while todo:
        node = todo.popleft()
        todo.extend(child_list(node))
        yield node


class FunctionNodes:
    """`scope`: the body's nodes outside nested scopes (a nested def, class or lambda itself is
    included, not its inside), in depth-first pre-order: what `_kinds.scope_nodes` yields.
    `of_type(T)`: those of one type, in that order. `deep_of_type(T)`: every node of that type
    anywhere under the def (its arguments, decorators and nested scopes too), the set `ast.walk`
    would find but the def itself (in no particular order). The index never refers to the def: it
    is kept in a table weakly keyed by the def, and must not keep its key alive."""

    __slots__ = ("scope", "_by_type", "_deep_by_type", "__weakref__")

    def __init__(self, fn: ast.AST):
        scope: list[ast.AST] = []
        by_type: dict[type, list[ast.AST]] = {}
        deep: dict[type, list[ast.AST]] = {}
        inner: list[ast.AST] = []  # nested scopes and the def's own header, walked for `deep` only
        stack = list(reversed(getattr(fn, "body", [])))
        while stack:
            node = stack.pop()
            scope.append(node)
            cls = type(node)
            by_type.setdefault(cls, []).append(node)
            if cls in SCOPE_TYPES:
                inner.extend(child_list(node))
                continue
            kids = child_list(node)
            kids.reverse()
            stack.extend(kids)
        for cls, nodes in by_type.items():
            deep[cls] = list(nodes)
        body = getattr(fn, "body", None)
        for name in fn._fields:
            value = getattr(fn, name, None)
            if value is body:
                continue
            if type(value) is list:
                inner.extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                inner.append(value)
        while inner:
            node = inner.pop()
            deep.setdefault(type(node), []).append(node)
            inner.extend(child_list(node))
        self.scope = scope
        self._by_type = by_type
        self._deep_by_type = deep

    def of_type(self, *types: type) -> list[ast.AST]:
        if len(types) == 1:
            return self._by_type.get(types[0], [])
        return [n for n in self.scope if type(n) in types]

    def deep_of_type(self, *types: type) -> list[ast.AST]:
        out: list[ast.AST] = []
        for cls in types:
            out.extend(self._deep_by_type.get(cls, ()))
        return out


_INDEX: "weakref.WeakKeyDictionary[ast.AST, FunctionNodes]" = weakref.WeakKeyDictionary()


def function_nodes(fn: ast.AST) -> FunctionNodes:
    """The node index of a function (or any node with a `body`), built on first use."""
    index = _INDEX.get(fn)
    if index is None:
        index = _INDEX[fn] = FunctionNodes(fn)
    return index


def local_names(fn: ast.AST) -> frozenset[str]:
    """The names a function binds, which Python looks up as its locals everywhere in its body (a
    local `mean = x.mean()` or a parameter `scale` is never the imported `mean` or `scale`).

    Parameters, assignment / `for` / `with` / `except` targets, imports and nested `def`/`class`
    names; a `global` or `nonlocal` declaration takes its names out. Names bound in nested scopes
    (lambda parameters, comprehension variables, a nested def's locals) count too: a rule looking
    at a node inside them cannot tell the scopes apart, and taking a name for a local only keeps
    it from being resolved, never reports it.
    """
    index = function_nodes(fn)
    names = {a.arg for a in index.deep_of_type(ast.arg)}  # type: ignore[attr-defined]
    names.update(n.id for n in index.deep_of_type(ast.Name) if type(n.ctx) is not ast.Load)  # type: ignore[attr-defined]
    names.update(n.name for n in index.deep_of_type(ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)  # type: ignore[attr-defined]
                 if n is not fn)
    names.update(n.name for n in index.deep_of_type(ast.ExceptHandler) if n.name)  # type: ignore[attr-defined]
    names.update((a.asname or a.name).split(".", 1)[0] for a in index.deep_of_type(ast.alias))  # type: ignore[attr-defined]
    for declared in index.of_type(ast.Global, ast.Nonlocal):
        names.difference_update(declared.names)  # type: ignore[attr-defined]
    return frozenset(names)
