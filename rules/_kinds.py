"""What a local expression provably *is* (list, tuple, tensor, …), for the syntax rules that depend on it.

Several TorchScript rejections depend on the type of one operand: `*l` is rejected for a list but
accepted for a tuple, `l[0, 1]` is rejected for a list but is plain indexing on a tensor. The rules
that need this may only speak when the kind is certain, so this module answers from what the function
itself shows, and returns None for everything else:

- literals and displays (`[...]`, `(...)`, `{k: v}`, `"s"`, f-strings, numbers);
- parameters: their annotation (`List[int]`, `Tuple[int, int]`, `Tensor`, `int`, …), and unannotated
  parameters are `Tensor`, as the compiler infers (not `self`, not under a signature type comment);
- locals whose every binding in the function gives the same kind (`shape = [2, 3]`,
  `l: List[int] = ...`); any other binding (loop target, unpacking, `with … as`) makes it unknown;
- `x.shape`, `x.size()`, `x.split(…)`, `x.tolist()` on a provable tensor are lists, slices of a list or
  tuple keep its kind, `list(...)` is a list, `a + b` of a list is a list.

Attributes (`self.x`) and call results not listed above are unknown: the type checker owns those.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Iterator, Optional

from tslint.nodes import function_nodes

if TYPE_CHECKING:  # pragma: no cover
    from tslint.walk import FunctionContext

SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)

_ANNOTATION_KINDS = {
    "typing.List": "list", "list": "list",
    "typing.Tuple": "tuple", "tuple": "tuple",
    "typing.Dict": "dict", "dict": "dict",
    "torch.Tensor": "tensor",
    "int": "int", "float": "float", "bool": "bool", "str": "str",
}
#: Tensor methods whose result is a list
_TENSOR_LIST_METHODS = {"size", "split", "chunk", "unbind", "tolist", "tensor_split", "split_with_sizes"}
_STR_LIST_METHODS = {"split", "splitlines", "rsplit"}
_DICT_LIST_METHODS = {"keys", "values", "items"}
#: kinds TorchScript values can have that are not objects (no `__enter__`) and not tensors
CONTAINERS = frozenset({"list", "tuple", "dict", "str"})


def scope_nodes(fn: ast.AST) -> Iterator[ast.AST]:
    """Every node of a function body (live or dead), not descending into nested scopes (depth-first,
    in source order; traversed once per function and shared, see `tslint.nodes`)."""
    return iter(function_nodes(fn).scope)


def annotation_kind(ann: Optional[ast.expr], ctx: "FunctionContext") -> Optional[str]:
    """The kind an annotation spells (`List[int]` → "list"), or None when it is anything else."""
    if ann is None:
        return None
    head = ann.value if isinstance(ann, ast.Subscript) else ann
    qual = ctx.qualname(head)
    if qual is None:
        return None
    return _ANNOTATION_KINDS.get(qual)


def _is_staticmethod(ctx: "FunctionContext") -> bool:
    return any(d.rsplit(".", 1)[-1] == "staticmethod" for d in ctx.info.decorators)


_OVERLOAD_DECORATORS = {"overload", "_overload", "_overload_method"}


def _is_overloaded(ctx: "FunctionContext") -> bool:
    """Does an `@overload`-style stub share this function's name? Then the compiler types the
    implementation's unannotated parameters from each overload, not as Tensor."""
    owner = ctx.class_node if ctx.class_node is not None else ctx.source.tree
    for stmt in getattr(owner, "body", []):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == ctx.node.name:
            for dec in stmt.decorator_list:
                target = dec.func if isinstance(dec, ast.Call) else dec
                name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                if name in _OVERLOAD_DECORATORS:
                    return True
    return False


def _param_kinds(ctx: "FunctionContext") -> dict[str, Optional[str]]:
    fn = ctx.node
    overloaded = _is_overloaded(ctx)
    args = fn.args
    positional = args.posonlyargs + args.args
    defaults: dict[str, ast.expr] = {}
    for arg, default in zip(positional[len(positional) - len(args.defaults):], args.defaults):
        defaults[arg.arg] = default
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults):
        if kw_default is not None:
            defaults[arg.arg] = kw_default
    kinds: dict[str, Optional[str]] = {}
    has_self = bool(ctx.info.class_name) and not _is_staticmethod(ctx)
    for index, arg in enumerate(positional + args.kwonlyargs):
        if index == 0 and has_self:
            kinds[arg.arg] = None
        elif arg.annotation is not None:
            kinds[arg.arg] = annotation_kind(arg.annotation, ctx)
        elif fn.type_comment or arg.type_comment or overloaded:
            kinds[arg.arg] = None
        else:
            default = defaults.get(arg.arg)
            unannotated_tensor = default is None or (isinstance(default, ast.Constant) and default.value is None)
            kinds[arg.arg] = "tensor" if unannotated_tensor else None
    if args.vararg is not None:
        kinds[args.vararg.arg] = None
    if args.kwarg is not None:
        kinds[args.kwarg.arg] = None
    return kinds


class Kinds:
    """The kinds of one function's names, computed once per function."""

    def __init__(self, ctx: "FunctionContext"):
        self.ctx = ctx
        self.params = _param_kinds(ctx)
        self.bindings: dict[str, list[Optional[ast.expr]]] = {}
        self.annotated: dict[str, list[Optional[str]]] = {}
        self.unknown: set[str] = set()
        self._collect()
        self._cache: dict[str, Optional[str]] = {}
        self._busy: set[str] = set()

    def _collect(self) -> None:
        recognised: set[int] = set()  # Store names whose binding is understood (or kind-preserving)
        for node in scope_nodes(self.ctx.node):
            if isinstance(node, ast.AugAssign):
                recognised.add(id(node.target))  # `l += [1]` keeps the kind
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.bindings.setdefault(target.id, []).append(node.value)
                        recognised.add(id(target))
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                self.annotated.setdefault(node.target.id, []).append(annotation_kind(node.annotation, self.ctx))
                recognised.add(id(node.target))
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                self.unknown.update(node.names)
            elif isinstance(node, SCOPES) and hasattr(node, "name"):
                self.unknown.add(node.name)  # type: ignore[attr-defined]
        for node in scope_nodes(self.ctx.node):
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)) and id(node) not in recognised:
                self.unknown.add(node.id)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    self.unknown.add((alias.asname or alias.name).split(".")[0])
            elif isinstance(node, ast.ExceptHandler) and node.name:
                self.unknown.add(node.name)

    def name_kind(self, name: str) -> Optional[str]:
        if name in self._cache:
            return self._cache[name]
        if name in self._busy:  # `x = x + 1`: assume the declared kind, checked against every binding
            seeds = {self.params.get(name)} if name in self.params else set(self.annotated.get(name, ()))
            return seeds.pop() if len(seeds) == 1 else None
        self._busy.add(name)
        kinds: set[Optional[str]] = set()
        if name in self.params:
            kinds.add(self.params[name])
        for value in self.bindings.get(name, ()):
            kinds.add(self.kind(value))
        kinds.update(self.annotated.get(name, ()))
        self._busy.discard(name)
        # no binding at all: a global, a builtin or a comprehension variable, not ours to guess
        result = kinds.pop() if len(kinds) == 1 and name not in self.unknown else None
        self._cache[name] = result
        return result

    def kind(self, node: Optional[ast.expr]) -> Optional[str]:
        """The provable kind of an expression: "list", "tuple", "dict", "str", "int", "float",
        "bool", "none", "tensor", or None when it is not certain."""
        if node is None:
            return None
        if isinstance(node, (ast.List, ast.ListComp, ast.GeneratorExp)):
            return "list"  # the frontend builds a generator expression as a list comprehension
        if isinstance(node, ast.Tuple):
            return "tuple"
        if isinstance(node, (ast.Dict, ast.DictComp)):
            return "dict"
        if isinstance(node, ast.JoinedStr):
            return "str"
        if isinstance(node, ast.Constant):
            value = node.value
            if value is None:
                return "none"
            if isinstance(value, bool):
                return "bool"
            return {int: "int", float: "float", str: "str"}.get(type(value))
        if isinstance(node, ast.Name):
            return self.name_kind(node.id)
        if isinstance(node, ast.Attribute) and node.attr == "shape":
            return "list" if self.kind(node.value) == "tensor" else None
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            base = self.kind(node.value)
            return base if base in ("list", "tuple", "str") else None
        if isinstance(node, ast.BinOp):
            left, right = self.kind(node.left), self.kind(node.right)
            if "tensor" in (left, right):
                return "tensor"  # arithmetic with a Tensor operand gives a Tensor
            if isinstance(node.op, ast.Add) and left in ("list", "str") and right == left:
                return left
            return None
        if isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.Not):
            return "tensor" if self.kind(node.operand) == "tensor" else None
        if isinstance(node, ast.Call):
            return self._call_kind(node)
        return None

    def _call_kind(self, node: ast.Call) -> Optional[str]:
        func = node.func
        if isinstance(func, ast.Name) and self.ctx.qualname(func) == "list":
            return "list"
        if isinstance(func, ast.Attribute):
            receiver = self.kind(func.value)
            if receiver == "tensor" and func.attr in _TENSOR_LIST_METHODS:
                return "list" if func.attr != "size" or not node.args else "int"
            if receiver == "str" and func.attr in _STR_LIST_METHODS:
                return "list"
            if receiver == "dict" and func.attr in _DICT_LIST_METHODS:
                return "list"
        return None


def kinds(ctx: "FunctionContext") -> Kinds:
    """The function's `Kinds`, built on first use and kept on the context."""
    cached = ctx.__dict__.get("_syntax_kinds")
    if cached is None:
        cached = Kinds(ctx)
        ctx.__dict__["_syntax_kinds"] = cached
    return cached
