"""Attribute stores whose name is computed (`setattr(obj, name, v)`, `obj.__dict__.update(d)`,
`vars(obj)[k] = v`): which instances they can reach.

The compiler types a module from the instance it is given, so an attribute a computed store could
create is an attribute tslint cannot rule on. What such a store reaches is decided here from the
file alone, as narrowly as the code shows, so one `setattr` in a utility does not switch attribute
rules off for the whole project:
- on `self` in a method: only that class (the class scan in `rules/_classfacts.py` sees it);
- on `cls` in a classmethod, on a class named directly, on a local built by `C(...)`, or on a
  parameter annotated `C`: the class `C` (resolved later, across files: `rules/_classfacts.py`);
- with a name drawn from the object's own members (`for name, child in obj.named_children()`,
  `dir(obj)`, `vars(obj)`) or guarded by `hasattr(obj, name)`: nothing new (it replaces an attribute
  the instance already has, or makes a dotted name no `self.x` can read);
- anything else (a parameter of unknown type, an object another expression yields): any instance.
"""
from __future__ import annotations

import ast
import re
from typing import Iterator, Optional

from ..nodes import child_list

#: reach of a store on an object tslint cannot type: every instance
ANY = "*"
#: prefixes of the other reach descriptors, each followed by a qualified name: the object that name
#: denotes, an instance of the annotated type, or whatever a call of the name returns
OBJECT, TYPE, CALL = "object:", "type:", "call:"

#: what a line holding a store spells
_STORE_TEXT = re.compile(r"setattr\(|__dict__|vars\(")
#: methods of `obj.__dict__` / `vars(obj)` that store into it
_DICT_STORES = ("update", "setdefault", "__setitem__")
#: calls on an object that yield names it already has (or dotted names, unreadable as `self.x`)
_OWN_NAMES = {"named_children", "named_modules", "named_parameters", "named_buffers", "keys", "items"}


def computed_stores(tree: ast.Module, text: str, module: str, imports: dict[str, str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """(names stored through a literal name on objects other than `self`, reach of the computed
    stores: `ANY` and/or `OBJECT`/`TYPE`/`CALL` descriptors). Only the statements spanning a line
    that spells a store are walked (a large file has few)."""
    if "setattr(" not in text and "__dict__" not in text and "vars(" not in text:
        return frozenset(), ()  # three substring scans: several times faster than `_STORE_TEXT`
    lines: set[int] = set()
    line, position = 1, 0
    for match in _STORE_TEXT.finditer(text):
        line += text.count("\n", position, match.start())
        position = match.start()
        lines.add(line)
    if not lines:
        return frozenset(), ()
    scan = _Scan(module, imports, lines)
    scan.block(tree.body, [], [])
    return frozenset(scan.names), tuple(sorted(scan.reach))


class _Function:
    """A function scope: its node, the name of its instance (or class) parameter, the class that
    parameter stands for, and whether it is a classmethod."""

    def __init__(self, node: ast.AST, method: bool, owner: Optional[str]):
        self.node = node
        self.first: Optional[str] = None
        self.owner = owner  # qualified class name for a method of a module-level class
        self.classmethod = False
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            decorators = {d.id if isinstance(d, ast.Name) else d.attr if isinstance(d, ast.Attribute) else ""
                          for d in node.decorator_list}
            args = node.args.posonlyargs + node.args.args
            if method and args and "staticmethod" not in decorators:
                self.first = args[0].arg
                self.classmethod = "classmethod" in decorators
        self._bound: Optional[set[str]] = None

    def bound(self) -> set[str]:
        """The names the function binds: its parameters and its locals (computed once)."""
        if self._bound is None:
            fn = self.node
            assert isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
            args = fn.args
            self._bound = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
            self._bound |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
            self._bound |= {n.id for n in _own_nodes(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        return self._bound


class _Scan:
    def __init__(self, module: str, imports: dict[str, str], lines: set[int]):
        self.module = module
        self.imports = imports
        self.lines = lines  # where the stores are: statements spanning none of them are skipped
        self.names: set[str] = set()
        self.reach: set[str] = set()
        self.classes: set[str] = set()  # module-level class names of this file

    # -- walking -------------------------------------------------------------------------------
    def block(self, body: list[ast.stmt], scopes: list[_Function], ancestors: list[ast.AST]) -> None:
        if not scopes:
            self.classes.update(s.name for s in body if isinstance(s, ast.ClassDef))
        for stmt in body:
            if self.spans_store(stmt):
                self.node(stmt, scopes, ancestors + [stmt])

    def spans_store(self, stmt: ast.stmt) -> bool:
        end = stmt.end_lineno or stmt.lineno
        return any(stmt.lineno <= line <= end for line in self.lines)

    def node(self, node: ast.AST, scopes: list[_Function], ancestors: list[ast.AST]) -> None:
        if isinstance(node, ast.ClassDef):
            owner = f"{self.module}.{node.name}" if not scopes and len(ancestors) == 1 else None
            for stmt in node.body:
                if not self.spans_store(stmt):
                    continue
                inner = [_Function(stmt, True, owner)] if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) else []
                if inner:
                    self.block(stmt.body, scopes + inner, ancestors + [stmt])  # type: ignore[attr-defined]
                else:
                    self.node(stmt, scopes, ancestors + [stmt])
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.block(node.body, scopes + [_Function(node, False, None)], ancestors)
            return
        if isinstance(node, ast.Call):
            self.call(node, scopes, ancestors)
        elif isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                owner = _dict_of(target.value) if isinstance(target, ast.Subscript) else None
                if owner is not None:
                    self.store(owner, target.slice, scopes, ancestors)  # type: ignore[attr-defined]
        for child in child_list(node):
            if isinstance(child, ast.stmt):
                if self.spans_store(child):
                    self.node(child, scopes, ancestors + [child])
            else:
                self.node(child, scopes, ancestors)

    def call(self, node: ast.Call, scopes: list[_Function], ancestors: list[ast.AST]) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) >= 2:
            self.store(node.args[0], node.args[1], scopes, ancestors)
        elif isinstance(func, ast.Attribute) and func.attr in _DICT_STORES:
            owner = _dict_of(func.value)
            if owner is not None:
                key = node.args[0] if func.attr != "update" and node.args else None
                self.store(owner, key, scopes, ancestors)

    # -- one store -----------------------------------------------------------------------------
    def store(self, obj: ast.expr, name: Optional[ast.expr], scopes: list[_Function], ancestors: list[ast.AST]) -> None:
        scope = self._binder(obj.id, scopes) if isinstance(obj, ast.Name) else None
        if scope is not None and scope.first == obj.id and not scope.classmethod:  # type: ignore[attr-defined]
            return  # on `self`: the class's own facts record it
        if isinstance(name, ast.Constant) and isinstance(name.value, str):
            self.names.add(name.value)
            return
        if isinstance(name, ast.Name) and (_drawn_from_own_names(obj, name.id, ancestors)
                                           or _guarded_by_hasattr(obj, name.id, ancestors)):
            return
        self.reach.update(self.targets(obj, scopes))

    def targets(self, obj: ast.expr, scopes: list[_Function]) -> set[str]:
        """What the object can be: `ANY`, or descriptors the project model resolves to classes."""
        head = _head(obj)
        if head is None:
            return {ANY}
        scope = self._binder(head, scopes)
        if scope is None:  # a global: a class, an imported module or class, or a module-level value
            if head in self.classes or head in self.imports:
                return {OBJECT + self.qualify(_dotted(obj))}
            return {ANY}
        if not isinstance(obj, ast.Name):
            return {ANY}  # an object reached through another object
        if obj.id == scope.first:
            return {OBJECT + scope.owner} if scope.classmethod and scope.owner else {ANY}
        return self.local_targets(obj.id, scope)

    def local_targets(self, name: str, scope: _Function) -> set[str]:
        fn = scope.node
        assert isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
        for arg in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs:
            if arg.arg == name:
                annotation = _dotted(arg.annotation) if arg.annotation is not None else None
                return {TYPE + self.qualify(annotation)} if annotation else {ANY}
        out: set[str] = set()
        direct: set[int] = set()  # `name = C(...)` targets, judged by their value
        for sub in _own_nodes(fn):  # an `Assign` comes before its targets: one pass suffices
            if isinstance(sub, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in sub.targets):
                direct.update(id(t) for t in sub.targets)
                callee = _dotted(sub.value.func) if isinstance(sub.value, ast.Call) else None
                out.add(CALL + self.qualify(callee) if callee else ANY)
            elif isinstance(sub, ast.Name) and sub.id == name and isinstance(sub.ctx, ast.Store) and id(sub) not in direct:
                out.add(ANY)  # bound by a loop, `with`, unpacking, augmented assignment or walrus
        return {ANY} if not out or ANY in out else out

    # -- names ---------------------------------------------------------------------------------
    def qualify(self, name: str) -> str:
        head, _, rest = name.partition(".")
        if head in self.imports:
            return self.imports[head] + (f".{rest}" if rest else "")
        return f"{self.module}.{name}" if self.module else name

    @staticmethod
    def _binder(name: str, scopes: list[_Function]) -> Optional[_Function]:
        """The innermost enclosing function that binds `name` (a parameter or a local)."""
        for scope in reversed(scopes):
            if name in scope.bound():
                return scope
        return None


def _own_nodes(fn: ast.AST) -> Iterator[ast.AST]:
    """Nodes of a function's body, not descending into nested functions, classes or lambdas."""
    stack = child_list(fn)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(child_list(node))


def _dict_of(node: ast.expr) -> Optional[ast.expr]:
    """`obj` for `obj.__dict__` and `vars(obj)`, else None."""
    if isinstance(node, ast.Attribute) and node.attr == "__dict__":
        return node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "vars" and len(node.args) == 1:
        return node.args[0]
    return None


def _dotted(node: Optional[ast.AST]) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return ""


def _head(node: ast.AST) -> Optional[str]:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _same(a: ast.AST, b: ast.AST) -> bool:
    return ast.dump(a) == ast.dump(b)


def _drawn_from_own_names(obj: ast.expr, name: str, ancestors: list[ast.AST]) -> bool:
    """Is `name` a loop variable over the object's own member names (`for name, m in
    obj.named_children()`, `for name in dir(obj)`, `vars(obj).items()`, `obj._modules`)?"""
    for node in ancestors:
        if not isinstance(node, (ast.For, ast.AsyncFor)):
            continue
        target = node.target.elts[0] if isinstance(node.target, ast.Tuple) and node.target.elts else node.target
        if not (isinstance(target, ast.Name) and target.id == name):
            continue
        source = node.iter
        if isinstance(source, ast.Call) and isinstance(source.func, ast.Attribute) and source.func.attr in _OWN_NAMES:
            source = source.func.value
            if isinstance(source, ast.Attribute) and source.attr in ("__dict__", "_modules", "_parameters", "_buffers"):
                source = source.value
        elif isinstance(source, ast.Call) and isinstance(source.func, ast.Name) and source.func.id in ("dir", "vars") \
                and len(source.args) == 1:
            source = source.args[0]
        else:
            continue
        if isinstance(source, ast.Call) and isinstance(source.func, ast.Name) and source.func.id == "vars" and source.args:
            source = source.args[0]
        return _same(source, obj)
    return False


def _hasattr_test(test: ast.expr, obj: ast.expr, name: str, negated: bool) -> bool:
    if negated:
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return _hasattr_test(test.operand, obj, name, False)
        return isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or) \
            and any(_hasattr_test(v, obj, name, True) for v in test.values)
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_hasattr_test(v, obj, name, False) for v in test.values)
    return (isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "hasattr"
            and len(test.args) == 2 and _same(test.args[0], obj)
            and isinstance(test.args[1], ast.Name) and test.args[1].id == name)


def _guarded_by_hasattr(obj: ast.expr, name: str, ancestors: list[ast.AST]) -> bool:
    """Does the store run only when `hasattr(obj, name)` holds: inside `if hasattr(obj, name):`, or
    after `if not hasattr(obj, name): continue` (or return / raise) in an enclosing block?"""
    for parent, child in zip(ancestors, ancestors[1:]):
        if isinstance(parent, ast.If) and child in parent.body and _hasattr_test(parent.test, obj, name, False):
            return True
        for body in _bodies(parent):
            if child in body:
                for stmt in body[:body.index(child)]:
                    if isinstance(stmt, ast.If) and _hasattr_test(stmt.test, obj, name, True) and stmt.body \
                            and isinstance(stmt.body[-1], (ast.Continue, ast.Return, ast.Raise)):
                        return True
    return False


def _bodies(node: ast.AST) -> Iterator[list[ast.stmt]]:
    for attr in ("body", "orelse", "finalbody"):
        value = getattr(node, attr, None)
        if isinstance(value, list):
            yield value
