"""Models that reach `torch.jit.script` / `trace` as a parameter, resolved through their callers.

Export code rarely builds the model it compiles: `def export(model, x): torch.jit.trace(model, x)`.
The call site alone names a parameter; the model is whatever the callers pass. This module answers
with the parameter's annotation when it names a project class, else with the arguments of every call
of the function in the project (followed through the caller's own assignments, and through the
caller's parameters in turn, a few levels deep). What stays unknown is reported, never guessed.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

from .project.index import (Value, assignments, collect_imports, dotted, module_level_statements, parameter_value, receiver_value,
                            target_value)
from .project.model import ClassRef, FuncRef, Project
from .source import SourceError, parsed_file
from .trees import definition_tree

MAX_DEPTH = 3


@dataclass(frozen=True)
class Passed:
    """One value passed for a parameter: written in `module`, inside function `scope`, at `line`."""

    module: str
    scope: str
    value: Value
    line: int
    path: str


def annotated_class(project: Project, module: str, param: Value) -> Optional[ClassRef]:
    """The project class a parameter's annotation names (`model: Net`), if any."""
    annotation = param[3]
    resolved = project.resolve(module, annotation) if annotation else None
    return resolved if isinstance(resolved, ClassRef) else None


def passed_values(project: Project, module: str, scope: str, param: Value) -> Iterator[Passed]:
    """What each call of the module-level function `scope` in the project passes for `param`
    (`("param", name, position, annotation)`). Methods are not followed: their callers go through
    instances that a static look-up cannot tell apart."""
    if "." in scope or not scope:
        return
    callee = FuncRef(module, scope)
    for summary in project.by_module.values():
        for qualname, info in _functions(summary):
            # a cheap test on the names the function uses; `_arguments` resolves each call exactly
            if not any(kind == "name" and name.rsplit(".", 1)[-1] == scope for kind, name in info.refs.get("trace", ())):
                continue
            node = _function_node(summary, qualname)
            if node is None:
                continue
            yield from _arguments(project, summary, qualname, node, callee, param)
        if _may_call_at_module_level(summary, callee):
            yield from _module_level_arguments(project, summary, callee, param)


def _may_call_at_module_level(summary, callee: FuncRef) -> bool:
    """Only the callee's own module and modules importing it (or its module) can call it outside
    a function: the rest of the project is not parsed for module-level calls."""
    if summary.module == callee.module:
        return True
    full = f"{callee.module}.{callee.qualname}"
    return any(target == full or target == callee.module for target in summary.imports.values())


def _module_level_arguments(project: Project, summary, callee: FuncRef, param: Value) -> Iterator[Passed]:
    """Calls in module-level statements (`if __name__ == "__main__": export(Net(), x)`)."""
    try:
        tree = parsed_file(summary.path, summary.digest, summary.module).tree
    except (OSError, SourceError, RecursionError, ValueError):
        return
    body = ast.Module(body=[s for s in module_level_statements(tree.body)
                            if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.Try, ast.With))],
                      type_ignores=[])
    yield from _arguments(project, summary, "", body, callee, param)


def _functions(summary) -> Iterator[tuple[str, object]]:
    yield from summary.functions.items()
    for cls in summary.classes.values():
        for name, method in cls.methods.items():
            yield f"{cls.name}.{name}", method


def _function_node(summary, qualname: str) -> Optional[ast.AST]:
    top, _, method = qualname.partition(".")
    tree = definition_tree(summary, summary.module, top)
    if tree is None:
        return None
    for stmt in ast.walk(tree):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and stmt.name == top:
            if not method:
                return stmt
            for sub in getattr(stmt, "body", ()):
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)) and sub.name == method:
                    return sub
    return None


def _callee(project: Project, summary, local_imports: dict[str, str], func: ast.expr) -> Optional[object]:
    """What a call's function denotes in a caller, its function-local imports first
    (`from pkg.export import export` inside a method is how export code avoids import cycles)."""
    name = dotted(func)
    if not name:
        return None
    head, _, rest = name.partition(".")
    if head in local_imports:
        return project.resolve_qualified(local_imports[head] + ("." + rest if rest else ""))
    return project.resolve(summary.module, name)


def _arguments(project: Project, summary, qualname: str, node: ast.AST, callee: FuncRef, param: Value) -> Iterator[Passed]:
    assigns: Optional[list] = None
    local_imports = collect_imports(
        ast.Module(body=[n for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))], type_ignores=[]),
        summary.module, summary.is_package) if qualname else {}
    for call in ast.walk(node):
        if not isinstance(call, ast.Call) or _callee(project, summary, local_imports, call.func) != callee:
            continue
        argument = _argument(call, param)
        if argument is None:
            continue
        if assigns is None:
            assigns = assignments(node)
        # `NMSModel(m) if nms else m`: either may be passed
        for choice in (argument.body, argument.orelse) if isinstance(argument, ast.IfExp) else (argument,):
            value = target_value(receiver_value(choice), call.lineno, assigns, summary.globals)
            yield Passed(summary.module, qualname, parameter_value(value, node), call.lineno, summary.path)


def returned_values(project: Project, ref: FuncRef) -> list[Value]:
    """What an unannotated factory returns, as written in its module (`model = Net(cfg);
    return model.eval()` gives `Net(cfg)`); nested functions' returns are not its own."""
    summary = project.summary(ref.module)
    node = _function_node(summary, ref.qualname) if summary is not None else None
    if node is None:
        return []
    assigns = assignments(node)
    out = []
    for stmt in _own_statements(node):
        if isinstance(stmt, ast.Return) and stmt.value is not None:
            out.append(target_value(receiver_value(stmt.value), stmt.lineno, assigns, summary.globals))
    return out


def _own_statements(node: ast.AST) -> Iterator[ast.AST]:
    stack = list(getattr(node, "body", ()))
    while stack:
        current = stack.pop()
        yield current
        for child in ast.iter_child_nodes(current):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                stack.append(child)


def _argument(call: ast.Call, param: Value) -> Optional[ast.expr]:
    name, position = param[1], param[2]
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    if 0 <= position < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
        return call.args[position]
    return None


def resolve_parameter(project: Project, module: str, scope: str, param: Value,
                      target_of: Callable[[Project, str, Value], object], depth: int = 0) -> tuple[list[tuple[object, str]], str]:
    """(targets, each with where it came from; a hint when none) for a parameter passed to a
    `torch.jit` call: the annotation's class, else what the callers pass (recursively)."""
    cls = annotated_class(project, module, param)
    if cls is not None:
        return [(target_of(project, module, ("name", param[3])), f"annotated `{param[1]}: {param[3]}`")], ""
    found: list[tuple[object, str]] = []
    unknown: list[str] = []
    for passed in passed_values(project, module, scope, param):
        if passed.value[0] == "param":
            inner: list = []
            if depth < MAX_DEPTH:
                inner, _ = resolve_parameter(project, passed.module, passed.scope, passed.value, target_of, depth + 1)
            found.extend(inner)
            if not inner:
                unknown.append(f"`{passed.value[1]}` at {passed.path}:{passed.line}")
            continue
        target = target_of(project, passed.module, passed.value)
        if target is not None:
            found.append((target, f"passed at {passed.path}:{passed.line}"))
        else:
            unknown.append(f"{_spelled(passed.value)} at {passed.path}:{passed.line}")
    if found:
        return found, ""
    where = f"`{param[1]}` is a parameter of `{scope}`" if scope else f"`{param[1]}`"
    if unknown:
        return [], f"{where}; its callers pass {', '.join(unknown[:3])}{' ...' if len(unknown) > 3 else ''}, which tslint cannot resolve"
    return [], f"{where}, and nothing in the linted files calls `{scope}`"


def _spelled(value: Value) -> str:
    """A passed value as the user wrote it, near enough for a message."""
    if value[0] in ("name", "attr"):
        return f"`{value[1]}`"
    if value[0] in ("call", "registry") and value[1]:
        return f"`{value[1]}(...)`"
    return "a value"

