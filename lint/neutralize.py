"""Line-preserving rewrites that make one construct acceptable to the compiler.

`--confirm` compiles each finding alone by neutralizing all the others in a copy of the file; a
rewrite must therefore keep every line where it was (so compiler locations still map to findings).
Rules build their `neutralize()` from these.
"""
from __future__ import annotations

import ast
from typing import Optional

from .finding import Finding
from .source import source_segment


def node_at(source: str, finding: Finding, types: tuple[type, ...]) -> Optional[ast.AST]:
    """The innermost node of one of `types` that starts at the finding's position."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    best = None
    for node in ast.walk(tree):
        if isinstance(node, types) and getattr(node, "lineno", None) == finding.line:
            if best is None or getattr(node, "col_offset", 0) == finding.col:
                best = node
    return best


def replace_span(source: str, line: int, col: int, end_line: int, end_col: int, text: str) -> str:
    """Replace a (1-based line, 0-based byte-col) span; `text` must hold as many newlines as the span."""
    lines = source.splitlines(keepends=True)
    start = _offset(lines, line, col)
    end = _offset(lines, end_line, end_col)
    return source[:start] + text + source[end:]


def _offset(lines: list[str], line: int, col: int) -> int:
    offset = sum(len(l) for l in lines[: line - 1])
    text = lines[line - 1] if line - 1 < len(lines) else ""
    return offset + len(text.encode("utf-8")[:col].decode("utf-8", "ignore"))


def replace_line_prefix(source: str, line: int, old: str, new: str) -> str:
    """On one line, replace the first `old` after the indentation with `new`."""
    lines = source.splitlines(keepends=True)
    text = lines[line - 1]
    indent = len(text) - len(text.lstrip())
    if text[indent:].startswith(old):
        lines[line - 1] = text[:indent] + new + text[indent + len(old):]
    return "".join(lines)


def stub_statement(source: str, node: ast.stmt, replacement: str = "pass") -> str:
    """Replace a whole statement by `replacement` on its first line and blank continuation lines."""
    lines = source.splitlines(keepends=True)
    first, last = node.lineno, node.end_lineno or node.lineno
    text = lines[first - 1]
    prefix = text[: len(text.encode("utf-8")[: node.col_offset].decode("utf-8", "ignore"))]
    tail_line = lines[last - 1]
    tail = tail_line[len(tail_line.encode("utf-8")[: node.end_col_offset or 0].decode("utf-8", "ignore")):]
    if first == last:
        lines[first - 1] = prefix + replacement + tail
    else:
        lines[first - 1] = prefix + replacement + "\n"
        for i in range(first, last - 1):
            lines[i] = "\n"
        lines[last - 1] = tail if tail.strip() else "\n"
    return "".join(lines)


def replace_expression(source: str, node: ast.expr, replacement: str) -> str:
    """Replace an expression's text; a multi-line expression keeps its line count with newlines."""
    extra = "\n" * ((node.end_lineno or node.lineno) - node.lineno)
    if extra:
        replacement = f"({replacement}{extra})"
    return replace_span(source, node.lineno, node.col_offset, node.end_lineno or node.lineno,
                        node.end_col_offset or node.col_offset, replacement)


def stub_definition(source: str, node: ast.stmt, replacement: str = "pass") -> str:
    """Like `stub_statement`, for a `def`/`class` whose decorators (above its `lineno`) go too."""
    decorators = getattr(node, "decorator_list", None) or []
    if not decorators:
        return stub_statement(source, node, replacement)
    first = min(d.lineno for d in decorators)
    lines = source.splitlines(keepends=True)
    text = lines[first - 1]
    indent = text[: len(text) - len(text.lstrip())]
    last = node.end_lineno or node.lineno
    lines[first - 1] = indent + replacement + "\n"
    for i in range(first, last):
        lines[i] = "\n"
    return "".join(lines)


def delete_span(source: str, line: int, col: int, end_line: int, end_col: int) -> str:
    """Delete a span, keeping its line breaks (only safe inside brackets when it spans lines)."""
    return replace_span(source, line, col, end_line, end_col, "\n" * (end_line - line))


def remove_argument(source: str, call: ast.Call, arg: ast.AST) -> Optional[str]:
    """Delete one argument (positional, `*x`, `k=v` or `**d`) of a call with its separating comma."""
    items = sorted(list(call.args) + list(call.keywords), key=lambda a: (a.lineno, a.col_offset))  # type: ignore[attr-defined]
    if arg not in items:
        return None
    i = items.index(arg)
    if i + 1 < len(items):  # up to the next argument: `f(**d, x=1)` -> `f(x=1)`
        nxt = items[i + 1]
        return delete_span(source, arg.lineno, arg.col_offset, nxt.lineno, nxt.col_offset)  # type: ignore[attr-defined]
    if i > 0:  # from the end of the previous one: `f(x, **d)` -> `f(x)`
        prev = items[i - 1]
        start = (prev.end_lineno, prev.end_col_offset)  # type: ignore[attr-defined]
        return delete_span(source, *start, arg.end_lineno, arg.end_col_offset)  # type: ignore[attr-defined]
    return delete_span(source, arg.lineno, arg.col_offset, arg.end_lineno, arg.end_col_offset)  # type: ignore[attr-defined]


def replace_keyword_line(source: str, body_line: int, keyword: str, new: str) -> str:
    """Replace the clause keyword (`else:`, `finally:`) on the nearest line above `body_line` that
    starts with it (or on `body_line` itself, for `else: x = 1`); Python's `ast` has no position for
    such clauses."""
    lines = source.splitlines(keepends=True)
    for line_no in range(body_line, 0, -1):
        if lines[line_no - 1].strip().startswith(keyword):
            return replace_line_prefix(source, line_no, keyword, new)
    return source


def segment(source: str, node: ast.AST) -> Optional[str]:
    """The source text of a node (`ast.get_source_segment`, kept here so rules import one module)."""
    return source_segment(source, node)


#: values a stand-in may take, tried in this order when the one before does not type-check after it
STAND_IN_KINDS = ("tensor", "float", "int")


def stand_in(source: str, finding: Finding, kind: str) -> Optional[str]:
    """Replace a call the compiler cannot compile at all (a call into numpy or another Python library,
    `t.numpy()`) by a value of `kind`, so the rest of its function can be compiled and judged.

    The compiler's error for such a call has no location in the user's files, and it stops there:
    without a stand-in, every finding after it stays unjudged. A call used as a statement becomes
    `None`; `t.numpy()` becomes `t` (an array stands for a tensor); any other call becomes
    `torch.zeros(1)` (`0.0` in a module that does not import torch), `0.0` or `0`, as `kind` says
    (confirmation tries them in `STAND_IN_KINDS` order, letting the compiler tell which one the code
    after it accepts).
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and _at(node.value, finding):
            return replace_expression(source, node.value, "None")
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "numpy" and not node.args and \
                (func.end_lineno, func.end_col_offset) == (finding.end_line, finding.end_col):
            return replace_expression(source, node, f"({segment(source, func.value)})")
        if _at(node, finding):
            value = {"float": "0.0", "int": "0"}.get(kind) or _torch_zeros(tree) or "0.0"
            return replace_expression(source, node, value)
    return None


def _at(node: ast.AST, finding: Finding) -> bool:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", -1)) == (finding.line, finding.col)


def _torch_zeros(tree: ast.Module) -> str:
    """`torch.zeros(1)` under the name the module gives torch ("" when it does not import it)."""
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "torch":
                    return f"{alias.asname or 'torch'}.zeros(1)"
    return ""
