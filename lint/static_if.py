"""Conditions the compiler decides at compile time, and the dead branches it never reads.

`torch.jit.is_scripting()` is statically True under `torch.jit.script` (the other branch is not
compiled) and False under tracing, where Python runs; `torch.jit.is_tracing()` is True under tracing.
Every walk over a function body goes through here, so that no rule reports on code the compiler cuts
(the standard idiom `if not torch.jit.is_scripting(): <python-only code>` must stay silent).
"""
from __future__ import annotations

import ast
from typing import Iterator, Optional, Union

_SCRIPTING = ("is_scripting", "_is_scripting")
_TRACING = ("is_tracing", "_is_tracing", "_get_tracing_state")
_TORCH_FUNCTION = ("has_torch_function", "has_torch_function_unary", "has_torch_function_variadic")


def _callee(node: ast.Call) -> Optional[str]:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def _called_name(node: ast.expr) -> Optional[str]:
    if isinstance(node, ast.Call) and not node.args:
        func = node.func
        if isinstance(func, ast.Attribute):
            return func.attr
        if isinstance(func, ast.Name):
            return func.id
    return None


#: a condition the compiler folds to a constant the linter cannot know (a `Final` attribute of a
#: module built with unknown arguments, `hasattr`, `is None` on a value of unknown type): either
#: branch may be the one it drops
UNDECIDED = "undecided"
#: what the compiler makes of a condition: True/False (static: only that branch is emitted), None
#: (tested at run time: both are), or UNDECIDED
Decision = Union[bool, None, str]


def dead_branches(decision: Decision) -> tuple[bool, bool]:
    """Whether emitter-level rules skip the body and the `else` of a condition so decided: the
    branch the compiler drops, and both when which one it drops cannot be known."""
    if decision == UNDECIDED:
        return True, True
    return decision is False, decision is True


def _constant(test: ast.expr, context: str) -> Optional[bool]:
    """A literal condition. The script compiler folds only bools (`if False:`; `if 0:` becomes
    `aten::Bool(0)`, tested at run time) and `None is None`; Python, which runs traced code, skips
    any falsy literal."""
    if isinstance(test, ast.Constant) and (isinstance(test.value, bool) or context == "trace"):
        return bool(test.value)
    if (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Is, ast.IsNot))
            and all(isinstance(n, ast.Constant) and n.value is None for n in (test.left, test.comparators[0]))):
        return isinstance(test.ops[0], ast.Is)
    return None


def static_condition(test: ast.expr, context: str) -> Optional[bool]:
    """True/False when the condition is known under `context` ("script" or "trace"), else None."""
    constant = _constant(test, context)
    if constant is not None:
        return constant
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = static_condition(test.operand, context)
        return None if inner is None else not inner
    if isinstance(test, ast.BoolOp):
        values = [static_condition(v, context) for v in test.values]
        if isinstance(test.op, ast.And):
            if any(v is False for v in values):
                return False
            return True if all(v is True for v in values) else None
        if any(v is True for v in values):
            return True
        return False if all(v is False for v in values) else None
    if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
        return False
    if isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING":
        return False
    if context == "script" and isinstance(test, ast.Call) and _callee(test) in _TORCH_FUNCTION:
        return False  # `emitCondExpr`: torch-function overrides do not exist in script
    name = _called_name(test)
    if name in _SCRIPTING:
        return context == "script"
    if name in _TRACING and context == "trace":
        return True
    if name in _TRACING and context == "script":
        return False if name == "_get_tracing_state" else None
    return None


def _always_exits(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], (ast.Return, ast.Raise))


def live_body(body: list[ast.stmt], context: str) -> Iterator[ast.stmt]:
    """The statements of `body` that the compiler (or Python, for traces) reads under `context`.

    A static `if` is replaced by its live branch; after a live branch that always returns, the rest
    of the block is dead too.
    """
    for stmt in body:
        if isinstance(stmt, ast.If):
            known = static_condition(stmt.test, context)
            if known is not None:
                branch = stmt.body if known else stmt.orelse
                yield from live_body(branch, context)
                if _always_exits(branch):
                    return
                continue
        yield stmt


class LiveVisitor(ast.NodeVisitor):
    """A NodeVisitor that skips what `live_body` and static ternaries cut, and nested scopes."""

    context = "script"

    def visit_If(self, node: ast.If) -> None:
        known = static_condition(node.test, self.context)
        if known is None:
            self.generic_visit(node)
            return
        for stmt in live_body(node.body if known else node.orelse, self.context):
            self.visit(stmt)

    def visit_IfExp(self, node: ast.IfExp) -> None:
        known = static_condition(node.test, self.context)
        if known is None:
            self.generic_visit(node)
        else:
            self.visit(node.body if known else node.orelse)


#: substrings whose absence from a file proves no condition in it is static (a cheap pre-test for
#: the call graph; literal conditions such as `if False:`, too rare there to cost every file the
#: slower walk, are cut by the rules' walk)
STATIC_NAMES = tuple(sorted(set(_SCRIPTING + _TRACING + _TORCH_FUNCTION + ("TYPE_CHECKING",))))
