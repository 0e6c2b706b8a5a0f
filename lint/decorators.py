"""What the compiler gets when a compiled function carries a Python decorator.

`torch.jit.script` compiles the object the decorator returned (`torch/jit/_recursive.py`
`try_compile_fn`): its source comes from `inspect.getsourcelines`, which follows `__wrapped__`
(set by `functools.wraps`) back to the decorated function, and its free names are resolved in the
returned function's `__globals__` (`createResolutionCallbackFromClosure`), the globals of the module
that defines the wrapper. So:

- a transparent decorator (`staticmethod`, `abc.abstractmethod`, `typing.final`, the `torch.jit`
  and grad-mode ones, which other rules handle) leaves the function as it is;
- a project decorator whose wrapper is built with `functools.wraps` compiles the decorated body
  with the *decorator's module's* globals (a name that module lacks is `undefined value`);
- anything else (a wrapper without `functools.wraps`, an object such as a memoizing class, an
  installed decorator tslint cannot read) hands the compiler something tslint does not see: the
  function's own body is not what gets compiled, so no rule judges it.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Iterator, Optional

from .project.index import dotted
from .project.model import FuncRef, Project
from .trees import definition_tree

#: torch's grad-mode decorators: the compiler drops them (TS415 warns), the body is compiled as written
GRAD_DECORATORS = frozenset({
    "torch.no_grad", "torch.autograd.no_grad", "torch.autograd.grad_mode.no_grad",
    "torch.inference_mode", "torch.autograd.grad_mode.inference_mode",
    "torch.enable_grad", "torch.autograd.enable_grad", "torch.autograd.grad_mode.enable_grad",
})
#: decorators that return the function itself (or that other rules model: torch.jit, grad mode)
TRANSPARENT = GRAD_DECORATORS | {
    "staticmethod", "classmethod", "property", "builtins.staticmethod", "builtins.classmethod", "builtins.property",
    "abc.abstractmethod", "abc.abstractproperty", "typing.final", "typing.overload", "typing_extensions.final",
    "typing_extensions.override", "typing.override", "typing.no_type_check",
}


@dataclass(frozen=True)
class Wrapped:
    """The decorated body is compiled with the globals of `module`, where `decorator` is defined."""

    decorator: str  # as written
    module: str


def _is_transparent(qualname: str, name: str) -> bool:
    return (qualname in TRANSPARENT or qualname.startswith(("torch.jit.", "torch._jit_internal."))
            or name.endswith((".setter", ".deleter", ".getter")))


def _definition(project: Project, ref: FuncRef) -> Optional[ast.FunctionDef]:
    summary = project.summary(ref.module)
    tree = definition_tree(summary, ref.module, ref.qualname) if summary else None
    for node in (tree.body if tree is not None else ()):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == ref.qualname:
            return node  # type: ignore[return-value]
    return None


def _returns(fn: ast.AST) -> Iterator[tuple[ast.AST, ast.Return]]:
    """(enclosing function, return) for every return in `fn` and the functions nested in it."""
    for node in ast.walk(fn):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Return) and sub.value is not None and _owner(node, sub):
                    yield node, sub


def _owner(fn: ast.AST, ret: ast.Return) -> bool:
    """Is `ret` directly in `fn` (not in a function nested in it)?"""
    stack = list(ast.iter_child_nodes(fn))
    while stack:
        node = stack.pop()
        if node is ret:
            return True
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))
    return False


def decorator_kind(project: Project, ref: FuncRef, depth: int = 0) -> Optional[str]:
    """What a project decorator (or decorator factory) hands the compiler: "wraps:<module>" when it
    returns a wrapper built with `functools.wraps` (the decorated source, that module's globals),
    "transparent" when it returns the decorated object itself (after setting a docstring, say),
    None when it returns anything else (tslint cannot tell what gets compiled)."""
    fn = _definition(project, ref) if "." not in ref.qualname else None
    if fn is None or depth > 3:
        return None
    for node in ast.walk(fn):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node is not fn and any(
                project.qualify(ref.module, dotted(d.func if isinstance(d, ast.Call) else d) or "") == "functools.wraps"
                for d in node.decorator_list):
            return f"wraps:{ref.module}"
    for owner, ret in _returns(fn):
        params = {a.arg for a in owner.args.posonlyargs + owner.args.args}  # type: ignore[attr-defined]
        value = ret.value
        if isinstance(value, ast.Name) and value.id in params:
            return "transparent"
        if isinstance(value, ast.Call) and value.args and isinstance(value.args[0], ast.Name) and value.args[0].id in params:
            callee = project.resolve(ref.module, dotted(value.func) or "")
            if isinstance(callee, FuncRef) and decorator_kind(project, callee, depth + 1) == "transparent":
                return "transparent"
    return None


def decorator_effect(project: Project, module: str, decorators: tuple[str, ...]) -> tuple[bool, list[Wrapped]]:
    """(is the body what the compiler compiles, the functools.wraps decorators that change its
    globals, outermost first) for a function of `module` with these decorators (dotted, as written)."""
    wrapped: list[Wrapped] = []
    for name in decorators:
        if _is_transparent(project.qualify(module, name), name):
            continue
        resolved = project.resolve(module, name)
        kind = decorator_kind(project, resolved) if isinstance(resolved, FuncRef) else None
        if kind is None:
            return False, []
        if kind.startswith("wraps:"):
            wrapped.append(Wrapped(name, kind.partition(":")[2]))
    return True, wrapped
