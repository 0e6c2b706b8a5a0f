"""Fixes for trace hazards: `len(x)` → `x.shape[0]`, and moving data-dependent branches under
`@torch.jit.script_if_tracing`.

A `script_if_tracing` function is compiled by the script compiler when it is traced, so its control
flow survives tracing. The fix is unsafe (the code becomes TorchScript), and it is offered only when
the result is scriptable as far as tslint's own script rules can tell: the would-be file is indexed,
the helper is made a script root, and every script rule runs over what it reaches. A helper that
would fail to compile is worse than the warning it replaces.

Two shapes:
- the branch sits in a module-level function: decorate that function;
- the branch sits in a method (`forward`): the `if` statement moves into a new module-level helper
  placed before the class, taking the local tensors it reads and returning what later code reads
  (or returning the result, when every path of the `if` returns), and the method calls it.
"""
from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Optional

from .finding import Edit, Finding, Fix
from .fix import apply_edits
from .project.index import summarize
from .project.model import FuncRef, Project
from .trace_facts import TENSOR, facts, imported_names, source_of

if TYPE_CHECKING:  # pragma: no cover
    from .walk import FunctionContext

DECORATOR = "@torch.jit.script_if_tracing"


# -- len(x) → x.shape[0] -----------------------------------------------------------------------------
def len_fix(ctx: "FunctionContext", call: ast.Call, arg: ast.expr) -> Fix:
    text = source_of(ctx, arg)
    if not isinstance(arg, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)):
        text = f"({text})"
    line, col, end_line, end_col = ctx.source.span(call)
    return Fix(f"Replace `len({source_of(ctx, arg)})` with `{text}.shape[0]`",
               (Edit(line, col, end_line, end_col, f"{text}.shape[0]"),), "safe")


# -- script_if_tracing ----------------------------------------------------------------------------------
def script_if_tracing_fix(ctx: "FunctionContext", node: ast.If) -> Optional[Fix]:
    """The fix for a data-dependent `if` in traced code, or None when no scriptable one exists."""
    if imported_names(ctx).get("torch") != "torch":
        return None
    while _is_elif(ctx, node):  # an `elif` moves with the whole chain
        node = ctx.parent(node)  # type: ignore[assignment]
    cache = ctx.__dict__.setdefault("_sit_fixes", {})
    key = None if not ctx.info.class_name else id(node)
    if key not in cache:
        try:
            cache[key] = _decorate(ctx) if not ctx.info.class_name else _extract(ctx, node)
        except (SyntaxError, ValueError, RecursionError):
            cache[key] = None
    return cache[key]


def _decorate(ctx: "FunctionContext") -> Optional[Fix]:
    fn = ctx.node
    if fn.decorator_list or fn.col_offset != 0 or isinstance(fn, ast.AsyncFunctionDef):
        return None
    args = fn.args
    if args.vararg or args.kwarg:
        return None
    env = facts(ctx).env
    for arg in args.posonlyargs + args.args + args.kwonlyargs:
        if arg.annotation is None and env.get(arg.arg) != TENSOR:
            return None  # the script compiler would type it Tensor
    edit = Edit(fn.lineno, 0, fn.lineno, 0, DECORATOR + "\n")
    fix = Fix(f"Decorate `{fn.name}` with `{DECORATOR}` so its control flow is compiled, not traced", (edit,), "unsafe")
    return fix if _scriptable(ctx, fix, fn.name) else None


def _extract(ctx: "FunctionContext", node: ast.If) -> Optional[Fix]:
    cls = ctx.class_node
    if cls is None or cls.col_offset != 0 or not _whole_lines(ctx, node):
        return None
    if not _movable(node):
        return None
    env = facts(ctx).env
    inside = set(id(n) for n in ast.walk(node))
    loaded_in = _loads(node)
    bound_outside = _bound_names(ctx.node, exclude=inside) | set(ctx.info.params)
    inputs = [n for n in _ordered(loaded_in) if n in ctx.local_names and n in bound_outside]
    if "self" in loaded_in or any(env.get(n) != TENSOR for n in inputs):
        return None
    stored = _stores(node)
    used_after = _loads(ctx.node, exclude=inside)
    outputs = [n for n in _ordered(stored) if n in used_after]
    returns = [n for n in ast.walk(node) if isinstance(n, ast.Return)]
    if returns:
        if outputs or not _always_returns([node]):
            return None
    else:
        certain = _definitely_assigned([node])
        if any(n not in certain and n not in inputs for n in outputs):
            return None  # the script compiler needs it defined on every path
        if any(env.get(n) != TENSOR for n in outputs):
            return None
    name = _helper_name(ctx, cls.name, ctx.node.name)
    lines = ctx.source.lines
    body = _reindent(lines[node.lineno - 1: node.end_lineno], node.col_offset, "    ")
    if not returns and outputs:
        body.append("    return " + ", ".join(outputs))
    helper = [DECORATOR, f"def {name}({', '.join(inputs)}):", *body]
    call = f"{name}({', '.join(inputs)})"
    indent = lines[node.lineno - 1][: node.col_offset]
    if returns:
        replacement = f"{indent}return {call}"
    elif outputs:
        replacement = f"{indent}{', '.join(outputs)} = {call}"
    else:
        replacement = f"{indent}{call}"
    start = min([cls.lineno] + [d.lineno for d in cls.decorator_list])
    end_line = node.end_lineno or node.lineno
    edits = (
        Edit(start, 0, start, 0, "\n".join(helper) + "\n\n\n"),
        Edit(node.lineno, 0, end_line, len(lines[end_line - 1]), replacement),
    )
    fix = Fix(f"Move the branch into `{DECORATOR}` function `{name}`, compiled instead of traced", edits, "unsafe")
    return fix if _scriptable(ctx, fix, name) else None


# -- checks ------------------------------------------------------------------------------------------
def _is_elif(ctx: "FunctionContext", node: ast.If) -> bool:
    parent = ctx.parent(node)
    return (isinstance(parent, ast.If) and parent.orelse == [node]
            and ctx.source.line_text(node.lineno).lstrip().startswith("elif"))


def _whole_lines(ctx: "FunctionContext", node: ast.stmt) -> bool:
    first = ctx.source.line_text(node.lineno)
    last = ctx.source.line_text(node.end_lineno or node.lineno)
    tail = last.encode("utf-8")[node.end_col_offset or 0:].decode("utf-8", "ignore").strip()
    return not first[: node.col_offset].strip() and (not tail or tail.startswith("#")) and "\\" not in last


def _movable(node: ast.If) -> bool:
    """No construct whose meaning depends on the enclosing function (loops, scopes, generators)."""
    def walk(n: ast.AST, loops: int) -> bool:
        if isinstance(n, (ast.Break, ast.Continue)) and loops == 0:
            return False
        if isinstance(n, (ast.Yield, ast.YieldFrom, ast.Await, ast.Global, ast.Nonlocal, ast.FunctionDef,
                          ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            return False
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in ("super", "locals", "vars"):
            return False
        inner = loops + isinstance(n, (ast.For, ast.While, ast.AsyncFor))
        return all(walk(c, inner) for c in ast.iter_child_nodes(n))
    return walk(node, 0)


def _always_returns(body: list[ast.stmt]) -> bool:
    if not body:
        return False
    last = body[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return True
    if isinstance(last, ast.If):
        return _always_returns(last.body) and _always_returns(last.orelse)
    return False


def _definitely_assigned(body: list[ast.stmt]) -> set[str]:
    out: set[str] = set()
    for stmt in body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for t in targets:
                out |= {n.id for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(stmt, ast.If):
            if _always_returns(stmt.body):
                out |= _definitely_assigned(stmt.orelse)
            elif _always_returns(stmt.orelse):
                out |= _definitely_assigned(stmt.body)
            else:
                out |= _definitely_assigned(stmt.body) & _definitely_assigned(stmt.orelse)
        elif isinstance(stmt, ast.With):
            out |= _definitely_assigned(stmt.body)
    return out


def _in_order(names: list[ast.Name]) -> list[str]:
    return [n.id for n in sorted(names, key=lambda n: (n.lineno, n.col_offset))]


def _loads(root: ast.AST, exclude: Optional[set[int]] = None) -> list[str]:
    return _in_order([n for n in ast.walk(root) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
                      and (exclude is None or id(n) not in exclude)])


def _stores(root: ast.AST) -> list[str]:
    comp_targets = {id(n) for c in ast.walk(root) if isinstance(c, ast.comprehension) for n in ast.walk(c.target)}
    return _in_order([n for n in ast.walk(root) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
                      and id(n) not in comp_targets])


def _bound_names(fn: ast.FunctionDef, exclude: set[int]) -> set[str]:
    return {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and id(n) not in exclude}


def _ordered(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _reindent(lines: list[str], col: int, indent: str) -> list[str]:
    out = []
    for line in lines:
        prefix = line[:col]
        out.append(indent + line[col:] if not prefix.strip() else indent + line.lstrip())
    return [line.rstrip() for line in out]


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower().strip("_")


def _helper_name(ctx: "FunctionContext", cls: str, method: str) -> str:
    summary = ctx.project.by_module.get(ctx.module)
    taken = set()
    if summary is not None:
        taken = set(summary.functions) | set(summary.classes) | set(summary.globals) | set(summary.imports)
    base = f"_{_snake(cls)}_{method.strip('_')}_branch"
    name, i = base, 2
    while name in taken:
        name, i = f"{base}_{i}", i + 1
    return name


def _scriptable(ctx: "FunctionContext", fix: Fix, helper: str) -> bool:
    """Run tslint's script rules over the helper in the fixed file; True when they find no error."""
    from .entrypoints import Root
    from .reach import compute_reach
    from .rule import all_rules
    from .source import SourceFile
    from .project.index import function_nodes
    from .walk import FunctionContext as Ctx, check_function, rules_by_type

    text, _ = apply_edits(ctx.source.text, [Finding(ctx.source.path, 0, 0, 0, 0, "", "", fix=fix)])
    tree = ast.parse(text)
    old = ctx.project.by_module.get(ctx.module)
    is_package = bool(old and old.is_package)
    summary = summarize(ctx.source.path, ctx.module, "tslint-fix", tree, is_package)
    others = [s for s in ctx.project.by_path.values() if s.path != ctx.source.path]
    project = Project(others + [summary])
    reach = compute_reach(project, [Root("script", FuncRef(ctx.module, helper), helper, "config")])
    if any(ref.module != ctx.module for ref in reach.functions) or reach.classes:
        return False  # the helper would compile code elsewhere: not checked here, not offered
    rules = [r for r in all_rules() if r.wants("script") and not r.code.startswith("TS9")]
    by_type = rules_by_type(rules, "script")
    source = SourceFile(ctx.source.path, text, tree, "tslint-fix", ctx.module)
    nodes = function_nodes(tree)
    for ref, contexts in reach.functions.items():
        if "script" not in contexts or ref.qualname not in nodes:
            continue
        info = summary.function(ref.qualname)
        if info is None:
            return False
        fn, class_node = nodes[ref.qualname]
        sub = Ctx(source, project, ctx.module, info, fn, "script", contexts["script"], class_node)
        if any(f.severity == "error" for f in check_function(sub, rules, by_type)):
            return False
    return True
