"""TS130-TS149: statements and expressions the compiler's C++ emitter rejects.

Unlike the frontend rules in `syntax`, these are checked after torch has dropped statically dead
branches (`if not torch.jit.is_scripting():`), so they keep `frontend = False` and see live code only.
Several depend on the kind of one operand (a list, not a tuple; not a tensor); `_kinds` says what is
provable from the function alone, and the rules stay silent on anything else.
"""
from __future__ import annotations

import ast
from collections import deque
from typing import Iterator, Optional

from tslint.finding import Finding, Fix
from tslint.fix import replacement_fix
from tslint.neutralize import (
    delete_span, node_at, replace_expression, replace_span, segment, stub_statement,
)
from tslint.project.index import decorator_name
from tslint.project.model import ClassRef, FuncRef, jit_decorator
from tslint.rule import Rule
from tslint.walk import FunctionContext

from ._kinds import CONTAINERS, kinds

_M = "import torch\n\n\n"
_MT = "import torch\nfrom typing import Dict, List, Tuple\n\n\n"
_MOD = "import torch\nfrom torch import nn\n\n\nclass Net(nn.Module):\n"


def _describe(kind: str) -> str:
    return {"tensor": "a Tensor", "int": "an int", "float": "a float", "bool": "a bool", "str": "a str",
            "list": "a list", "tuple": "a tuple", "dict": "a dict", "none": "None"}.get(kind, kind)


def _text(node: ast.AST, limit: int = 40) -> str:
    text = ast.unparse(node)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------------------------
# del
# ---------------------------------------------------------------------------------------------

class DelSlice(Rule):
    """
    ## What it does
    Flags `del seq[a:b]` in compiled functions.

    ## Why is this bad?
    `del` can only remove one item: the compiler fails with `del statements only support deletion at
    a single index, slicing is not supported` (for lists and tensors alike).

    ## Example
    ```python
    del boxes[keep:]
    ```

    ## Use instead
    ```python
    boxes = boxes[:keep]
    ```
    Rebind to the slice you keep. `del l[i]`, `del d[k]` and `del name` are fine.
    """

    code = "TS130"
    name = "del-slice"
    message = "`del` of a slice isn't supported in TorchScript"
    compiler_message = "del statements only support deletion at a single index, slicing is not supported"
    node_types = (ast.Delete,)
    VALID = [
        _MT + "@torch.jit.script\ndef f(x, l: List[int], d: Dict[str, int]):\n    l = l[:2]\n    del l[0]\n"
        "    del d[\"a\"]\n    y = x + 1\n    del y\n    return x + len(l)\n",
        # dead under script: the emitter never sees it
        _M + "@torch.jit.script\ndef f(x):\n    if not torch.jit.is_scripting():\n        l = [1, 2, 3]\n"
        "        del l[1:]\n    return x\n",
    ]
    INVALID = [
        _MT + "@torch.jit.script\ndef f(x, l: List[int]):\n    del l[1:]  # error\n    return x + len(l)\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        for target in node.targets:  # type: ignore[attr-defined]
            if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Slice):
                base = _text(target.value)
                ctx.report(self, target,
                           f"`del {_text(target)}`: `del` of a slice isn't supported in TorchScript; rebind instead "
                           f"(`{base} = {base}[…]` keeping the part you want)")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        return _stub_single_delete(source, finding)


def _stub_single_delete(source: str, finding: Finding) -> Optional[str]:
    tree = _parse(source)
    for node in ast.walk(tree) if tree else ():
        if isinstance(node, ast.Delete) and len(node.targets) == 1:
            target = node.targets[0]
            if target.lineno == finding.line and target.col_offset == finding.col:
                return stub_statement(source, node)
    return None


def _parse(source: str) -> Optional[ast.Module]:
    try:
        return ast.parse(source)
    except SyntaxError:
        return None


class DelAttribute(Rule):
    """
    ## What it does
    Flags `del obj.attr` in compiled functions.

    ## Why is this bad?
    Attributes of modules and script classes are fixed at compile time; the compiler fails with
    `del statements are only supported for deleting list and dict items and variables`.

    ## Example
    ```python
    del self.cache
    ```

    ## Use instead
    Make the attribute `Optional[...]` and set it to `None`.
    """

    code = "TS131"
    name = "del-attribute"
    message = "`del` of an attribute isn't supported in TorchScript"
    compiler_message = "del statements are only supported for deleting list and dict items and variables"
    node_types = (ast.Delete,)
    VALID = [
        _MT + "from typing import Optional\n\n\nclass Net(torch.nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.cache: Optional[torch.Tensor] = None\n\n"
        "    def forward(self, x):\n        self.cache = None\n        return x\n",
    ]
    INVALID = [
        _MOD + "    def __init__(self):\n        super().__init__()\n        self.scale = 2\n\n"
        "    def forward(self, x):\n        del self.scale  # error\n        return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        for target in node.targets:  # type: ignore[attr-defined]
            if isinstance(target, ast.Attribute):
                ctx.report(self, target,
                           f"`del {_text(target)}`: attributes can't be deleted in TorchScript; make it Optional and "
                           "set it to None")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        return _stub_single_delete(source, finding)


# ---------------------------------------------------------------------------------------------
# raise / assert / with
# ---------------------------------------------------------------------------------------------

class RaiseNonException(Rule):
    """
    ## What it does
    Flags `raise` of a value that is provably not an exception: a string (literal, f-string,
    `"…".format(…)`, `"…" % …`, a `str` variable) or a number.

    ## Why is this bad?
    The compiler fails with `exceptions must derive from BaseException`.

    ## Example
    ```python
    raise f"unsupported mode {mode}"
    ```

    ## Use instead
    ```python
    raise ValueError(f"unsupported mode {mode}")
    ```
    """

    code = "TS132"
    name = "raise-non-exception"
    fix_safety = "unsafe"  # Python raised TypeError here; the fix raises RuntimeError
    message = "only exceptions can be raised"
    compiler_message = "exceptions must derive from BaseException"
    node_types = (ast.Raise,)
    VALID = [
        _M + "@torch.jit.script\ndef f(x, mode: str):\n    if mode != \"sum\":\n"
        "        raise ValueError(f\"unsupported mode {mode}\")\n    return x\n",
        _M + "@torch.jit.script\ndef f(x):\n    if not torch.jit.is_scripting():\n        raise \"python only\"\n    return x\n",
    ]
    INVALID = [
        _M + "@torch.jit.script\ndef f(x, mode: str):\n    if mode != \"sum\":\n"
        "        raise f\"unsupported mode {mode}\"  # error\n    return x\n",
        _M + "@torch.jit.script\ndef f(x, n: int):\n    if n < 0:\n        raise \"negative: %d\" % n  # error\n    return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        exc = node.exc  # type: ignore[attr-defined]
        if exc is None:
            return
        kind = _raised_kind(exc, ctx)
        if kind is not None:
            text = ctx.source.segment(exc)
            fix = replacement_fix(ctx.source, exc, f"RuntimeError({text})", f"Raise `RuntimeError({_text(exc)})`",
                                  "unsafe") if kind == "str" and text is not None else None
            ctx.report(self, exc,
                       f"`raise {_text(exc)}` raises {_describe(kind)}: only exceptions can be raised; write "
                       f"`raise RuntimeError({_text(exc)})`", fix=fix)

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        tree = _parse(source)
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.Raise) and node.exc is not None and node.exc.lineno == finding.line \
                    and node.exc.col_offset == finding.col:
                exc = node.exc
                text = segment(source, exc)
                if text is None:
                    return None
                end_line, end_col = exc.end_lineno or exc.lineno, exc.end_col_offset or exc.col_offset
                return replace_span(source, exc.lineno, exc.col_offset, end_line, end_col, f"RuntimeError({text})")
        return None


def _raised_kind(exc: ast.expr, ctx: FunctionContext) -> Optional[str]:
    if isinstance(exc, ast.BinOp) and isinstance(exc.op, ast.Mod) and kinds(ctx).kind(exc.left) == "str":
        return "str"
    if (isinstance(exc, ast.Call) and isinstance(exc.func, ast.Attribute) and exc.func.attr == "format"
            and kinds(ctx).kind(exc.func.value) == "str"):
        return "str"
    kind = kinds(ctx).kind(exc)
    return kind if kind in ("str", "int", "float", "bool", "list", "tuple", "dict") else None


class AssertTuple(Rule):
    """
    ## What it does
    Flags `assert (condition, "message")`: an assert whose test is a parenthesized tuple.

    ## Why is this bad?
    In Python the tuple is always truthy, so the assert never fires (Python warns "assertion is always
    true"). TorchScript refuses to turn a tuple into a bool: `Could not cast value of type
    Tuple[bool, str] to bool`.

    ## Example
    ```python
    assert (x.dim() == 4, "expected NCHW")
    ```

    ## Use instead
    ```python
    assert x.dim() == 4, "expected NCHW"
    ```
    """

    code = "TS140"
    name = "assert-tuple"
    fix_safety = "unsafe"  # the assert starts to fire in Python too
    message = "`assert (cond, msg)` asserts a tuple"
    compiler_message = "Could not cast value of type Tuple"
    node_types = (ast.Assert,)
    VALID = [
        _M + "@torch.jit.script\ndef f(x):\n    assert x.dim() == 2, \"expected 2-D\"\n    return x\n",
    ]
    INVALID = [
        _M + "@torch.jit.script\ndef f(x):\n    assert (x.dim() == 2, \"expected 2-D\")  # error\n    return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        test = node.test  # type: ignore[attr-defined]
        if isinstance(test, ast.Tuple) and test.elts:
            ctx.report(self, test,
                       "`assert (cond, msg)` asserts a non-empty tuple, which TorchScript can't convert to bool (and "
                       "Python treats as always true); drop the parentheses: `assert cond, msg`",
                       fix=_assert_tuple_fix(node, ctx))  # type: ignore[arg-type]

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        tree = _parse(source)
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.Assert) and isinstance(node.test, ast.Tuple) and node.test.elts \
                    and node.test.lineno == finding.line and node.msg is None:
                test = node.test
                parts = [segment(source, e) or ast.unparse(e) for e in test.elts[:2]]
                text = f"({parts[0]})" + (f", ({parts[1]}" if len(parts) > 1 else "")
                missing = (test.end_lineno or test.lineno) - test.lineno - text.count("\n")
                if missing < 0:
                    return None
                text = text + "\n" * missing + (")" if len(parts) > 1 else "")
                if missing and len(parts) == 1:
                    return None
                end_line, end_col = test.end_lineno or test.lineno, test.end_col_offset or test.col_offset
                return replace_span(source, test.lineno, test.col_offset, end_line, end_col, text)
        return None


def _assert_tuple_fix(node: ast.Assert, ctx: FunctionContext) -> Optional[Fix]:
    """`assert (cond, msg)` → `assert cond, msg` (parts that span lines keep parentheses). Unsafe:
    Python never fired the tuple's assert, the fixed one fires when `cond` is false."""
    test = node.test
    if node.msg is not None or not isinstance(test, ast.Tuple) or len(test.elts) != 2:
        return None
    parts = [ctx.source.segment(e) for e in test.elts]
    if any(p is None for p in parts):
        return None
    text = ", ".join(f"({p})" if "\n" in p else p for p in parts)  # type: ignore[operator]
    return replacement_fix(ctx.source, test, text, "Drop the parentheses: `assert cond, msg`", "unsafe")


class WithNonObject(Rule):
    """
    ## What it does
    Flags `with value:` where the value is provably a Tensor, number, string or container (a
    parameter typed so, an unannotated parameter, which TorchScript treats as a Tensor, or a literal).

    ## Why is this bad?
    TorchScript's `with` needs a script class with `__enter__`/`__exit__` (or one of torch's context
    managers): the compiler fails with `With item expression must return an object`.

    ## Example
    ```python
    def forward(self, x):
        with x:
            ...
    ```

    ## Use instead
    Use a real context manager (`with torch.no_grad():`) or drop the `with`.
    """

    code = "TS133"
    name = "with-non-object"
    message = "`with` needs a context manager object"
    compiler_message = "With item expression must return an object"
    node_types = (ast.With,)
    VALID = [
        _M + "@torch.jit.script\ndef f(x):\n    with torch.no_grad():\n        x = x + 1\n    return x\n",
    ]
    INVALID = [
        _M + "@torch.jit.script\ndef f(x):\n    with x:  # error\n        x = x + 1\n    return x\n",
        _MT + "@torch.jit.script\ndef f(x, locks: List[int]):\n    with locks:  # error\n        x = x + 1\n    return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        for item in node.items:  # type: ignore[attr-defined]
            expr = item.context_expr
            if not isinstance(expr, (ast.Name, ast.Constant, ast.List, ast.Tuple, ast.Dict, ast.JoinedStr)):
                continue
            kind = kinds(ctx).kind(expr)
            if kind is None or kind == "none":
                continue
            if isinstance(expr, ast.Name) and _unannotated_param(ctx, expr.id):
                what = (f"`{expr.id}` is not annotated, so TorchScript types it as a Tensor, which is not a context "
                        f"manager; annotate `{expr.id}` with its class")
            else:
                what = (f"{_describe(kind)} is not a context manager; TorchScript's `with` needs an object with "
                        "`__enter__`/`__exit__`")
            ctx.report(self, expr, f"`with {_text(expr)}`: {what}")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        tree = _parse(source)
        node = next((n for n in ast.walk(tree) if isinstance(n, ast.With) and n.lineno == finding.line), None) if tree else None
        if node is None or len(node.items) != 1 or node.items[0].optional_vars is not None:  # type: ignore[attr-defined]
            return None
        expr = node.items[0].context_expr  # type: ignore[attr-defined]
        if expr.end_lineno != node.lineno:
            return None
        end_col = expr.end_col_offset or expr.col_offset
        return replace_span(source, node.lineno, node.col_offset, node.lineno, end_col, "if True")


def _unannotated_param(ctx: FunctionContext, name: str) -> bool:
    args = ctx.node.args
    return any(a.arg == name and a.annotation is None for a in args.posonlyargs + args.args + args.kwonlyargs)


class WithOpen(Rule):
    """
    ## What it does
    Flags `with open(...)` in compiled functions.

    ## Why is this bad?
    File I/O is Python-only: the compiler fails with `Python builtin <built-in function open> is
    currently not supported in Torchscript`.

    ## Example
    ```python
    def forward(self, x):
        with open("log.txt", "a") as fh:
            fh.write(str(x.sum()))
        return x
    ```

    ## Use instead
    Move the I/O into a `@torch.jit.ignore` method, or under `if not torch.jit.is_scripting():`.
    """

    code = "TS134"
    name = "with-open"
    message = "`open()` isn't available in TorchScript"
    compiler_message = "Python builtin <built-in function open> is currently not supported in Torchscript"
    node_types = (ast.With,)
    VALID = [
        _MOD + "    def forward(self, x):\n        if not torch.jit.is_scripting():\n"
        "            with open(\"log.txt\", \"a\") as fh:\n                fh.write(str(x.sum()))\n        return x\n",
    ]
    INVALID = [
        _MOD + "    def forward(self, x):\n        with open(\"log.txt\", \"a\") as fh:  # error\n"
        "            fh.write(\"x\")\n        return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        for item in node.items:  # type: ignore[attr-defined]
            expr = item.context_expr
            if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and ctx.qualname(expr.func) == "open":
                ctx.report(self, expr,
                           "`open()` isn't available in TorchScript; do file I/O in a `@torch.jit.ignore` method or "
                           "under `if not torch.jit.is_scripting():`")


# ---------------------------------------------------------------------------------------------
# Subscripts on provable non-tensors
# ---------------------------------------------------------------------------------------------

def _is_sliced(index: ast.expr) -> bool:
    return isinstance(index, (ast.Slice, ast.Tuple))


class SequenceSliceAssignment(Rule):
    """
    ## What it does
    Flags assignment to a slice (`l[a:b] = …`) or to a multi-index (`l[i, j] = …`) of a provable
    list or tuple.

    ## Why is this bad?
    The compiler fails with `Sliced expression not yet supported for subscripted assignment`.
    (Slice assignment on tensors is fine.)

    ## Example
    ```python
    sizes: List[int] = [1, 1, 1]
    sizes[1:] = [h, w]
    ```

    ## Use instead
    ```python
    sizes = sizes[:1] + [h, w]
    ```
    Build a new list, or assign the items one by one.
    """

    code = "TS135"
    name = "sequence-slice-assignment"
    message = "slice assignment on lists isn't supported in TorchScript"
    compiler_message = "Sliced expression not yet supported for subscripted assignment"
    node_types = (ast.Assign,)
    VALID = [
        _MT + "@torch.jit.script\ndef f(x, h: int, w: int):\n    sizes = [1, 1, 1]\n    sizes = sizes[:1] + [h, w]\n"
        "    sizes[0] = 2\n    x[0:1] = 0\n    return x.view(sizes)\n",
    ]
    INVALID = [
        _MT + "@torch.jit.script\ndef f(x, h: int, w: int):\n    sizes = [1, 1, 1]\n    sizes[1:] = [h, w]  # error\n"
        "    return x\n",
        _MT + "@torch.jit.script\ndef f(x, grid: List[List[int]]):\n    grid[0, 1] = 2  # error\n    return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        for target in node.targets:  # type: ignore[attr-defined]
            if isinstance(target, ast.Subscript) and _is_sliced(target.slice):
                kind = kinds(ctx).kind(target.value)
                if kind in ("list", "tuple"):
                    base = _text(target.value)
                    ctx.report(self, target,
                               f"`{_text(target)} = …`: `{base}` is {_describe(kind)}, and slice assignment on lists "
                               f"isn't supported in TorchScript; build a new list (`{base} = {base}[:i] + …`)")


class TupleItemAssignment(Rule):
    """
    ## What it does
    Flags item assignment (`t[i] = v`, `t[i] += v`) on a provable tuple.

    ## Why is this bad?
    Tuples are immutable; Python raises at run time and the compiler refuses it:
    `Tuple[int, int] does not support subscripted assignment` (or `augmented assignment`).

    ## Example
    ```python
    size = (h, w)
    size[0] = h // 2
    ```

    ## Use instead
    ```python
    size = (h // 2, size[1])
    ```
    Build a new tuple, or use a list.
    """

    code = "TS136"
    name = "tuple-item-assignment"
    message = "tuples don't support item assignment"
    compiler_message = "does not support"
    node_types = (ast.Assign, ast.AugAssign)
    VALID = [
        _MT + "@torch.jit.script\ndef f(x, h: int, w: int):\n    size = (h, w)\n    size = (h // 2, size[1])\n"
        "    dims = [h, w]\n    dims[0] = 1\n    return x + size[0] + dims[0]\n",
    ]
    INVALID = [
        _MT + "@torch.jit.script\ndef f(x, h: int, w: int):\n    size = (h, w)\n    size[0] = h // 2  # error\n"
        "    return x + size[0]\n",
        _MT + "@torch.jit.script\ndef f(x, size: Tuple[int, int]):\n    size[0] += 1  # error\n    return x + size[0]\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]  # type: ignore[attr-defined]
        for target in targets:
            if isinstance(target, ast.Subscript) and not _is_sliced(target.slice):
                if kinds(ctx).kind(target.value) == "tuple":
                    ctx.report(self, target,
                               f"`{_text(target.value)}` is a tuple: tuples don't support item assignment; build a new "
                               "tuple or use a list")


class MultidimIndexNonTensor(Rule):
    """
    ## What it does
    Flags multi-dimensional indexing (`l[i, j]`) of a provable list, tuple, dict or string.

    ## Why is this bad?
    Only tensors take several indices at once; the compiler fails with `Unsupported operation:
    attempted to use multidimensional indexing on a non-tensor type`. (Python raises `TypeError` too.)

    ## Example
    ```python
    grid: List[List[int]]
    v = grid[i, j]
    ```

    ## Use instead
    ```python
    v = grid[i][j]
    ```
    """

    code = "TS137"
    name = "multidim-index-non-tensor"
    fix_safety = "safe"
    message = "multi-dimensional indexing only works on tensors"
    compiler_message = "attempted to use multidimensional indexing on a non-tensor type"
    node_types = (ast.Subscript,)
    VALID = [
        _MT + "@torch.jit.script\ndef f(x, grid: List[List[int]]):\n    return x[0, 1] + grid[0][1] + x[..., 0]\n",
    ]
    INVALID = [
        _MT + "@torch.jit.script\ndef f(x, grid: List[List[int]]):\n    return x + grid[0, 1]  # error\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        assert isinstance(node, ast.Subscript)
        if not isinstance(node.ctx, ast.Load) or not isinstance(node.slice, ast.Tuple):
            return
        kind = kinds(ctx).kind(node.value)
        if kind in CONTAINERS:
            base = _text(node.value)
            indices = "".join(f"[{_text(e, 20)}]" for e in node.slice.elts)
            ctx.report(self, node,
                       f"`{_text(node)}`: `{base}` is {_describe(kind)}, and multi-dimensional indexing only works "
                       f"on tensors; index one level at a time (`{base}{indices}`)",
                       fix=_one_level_fix(node, kind, ctx))

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, finding, (ast.Subscript,))
        if node is None or not isinstance(node.slice, ast.Tuple) or node.lineno != node.end_lineno:  # type: ignore[attr-defined]
            return None
        base = segment(source, node.value)  # type: ignore[attr-defined]
        parts = [segment(source, e) for e in node.slice.elts]  # type: ignore[attr-defined]
        if base is None or any(p is None for p in parts):
            return None
        return replace_expression(source, node, base + "".join(f"[{p}]" for p in parts))  # type: ignore[arg-type]


def _one_level_fix(node: ast.Subscript, kind: str, ctx: FunctionContext) -> Optional[Fix]:
    """`grid[i, j]` → `grid[i][j]` on a list, tuple or str; none for a dict, whose `d[i, j]` means
    the tuple key `(i, j)` in Python."""
    base = ctx.source.segment(node.value)
    parts = [ctx.source.segment(e) for e in node.slice.elts]  # type: ignore[attr-defined]
    if kind == "dict" or base is None or any(p is None or isinstance(e, ast.Starred) for p, e in zip(parts, node.slice.elts)):  # type: ignore[attr-defined]
        return None
    if not isinstance(node.value, (ast.Name, ast.Attribute, ast.Call, ast.Subscript, ast.List, ast.Tuple, ast.Constant)):
        base = f"({base})"
    indices = "".join(f"[{p}]" for p in parts)
    return replacement_fix(ctx.source, node, base + indices, f"Index one level at a time: `{_text(node.value)}{indices}`")


# ---------------------------------------------------------------------------------------------
# Starred expressions
# ---------------------------------------------------------------------------------------------

_SPECIAL_STAR = {"zip", "enumerate"}


def _special_call(node: Optional[ast.AST], ctx: FunctionContext) -> Optional[str]:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        name = ctx.qualname(node.func)
        if name in _SPECIAL_STAR:
            return name
    return None


class StarredList(Rule):
    """
    ## What it does
    Flags `*` unpacking of a provable list: in a call (`x.view(*shape)`), in a list or tuple display
    (`[*l, 1]`), and as the source of a starred assignment (`a, *rest = l`). The list may be a
    literal, a `List[...]`-typed parameter or variable, `x.shape`/`x.size()` of a tensor, or the result
    of `list(...)`, `x.split(...)`, `x.tolist()`.

    ## Why is this bad?
    The compiler must know how many values the `*` produces; a list's length is only known at run
    time: `cannot statically infer the expected size of a list in this context`. Unpacking a tuple
    (`x.view(*t)` with `t: Tuple[int, int]`, `(*t, 1)`) is fine.

    ## Example
    ```python
    def forward(self, x, shape: List[int]):
        return x.view(*shape)
    ```

    ## Use instead
    ```python
    def forward(self, x, shape: List[int]):
        return x.view(shape)
    ```
    Pass the list itself where the operator takes a list (`view`, `reshape`, `permute`, `expand`,
    `repeat`, `torch.zeros`), index it (`a, rest = l[0], l[1:]`), or make it a tuple of known length.
    """

    code = "TS138"
    name = "starred-list"
    message = "`*` unpacking of a list needs its length at compile time"
    compiler_message = "cannot statically infer the expected size of a list in this context"
    node_types = (ast.Starred,)
    VALID = [
        _MT + "@torch.jit.script\ndef f(x, t: Tuple[int, int], shape: List[int]):\n    y = x.view(*t)\n"
        "    u = (*t, 1)\n    return y.view(shape), u\n",
        # unknown kind (an attribute): silent
        _MT + "class Net(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.shape = (2, 2)\n\n    def forward(self, x):\n        return x.view(*self.shape)\n",
        # the same lists passed whole
        _MOD + "    def __init__(self):\n        super().__init__()\n        self.heads = 2\n\n"
        "    def forward(self, x):\n        shape = x.size()[:-1] + (self.heads, -1)\n"
        "        return x.view(shape).view([1] * 2 + [-1])\n",
    ]
    INVALID = [
        _MT + "@torch.jit.script\ndef f(x, shape: List[int]):\n    return x.view(*shape)  # error\n",
        _M + "@torch.jit.script\ndef f(x):\n    return x.view(*x.shape[:1], -1)  # error\n",
        _M + "@torch.jit.script\ndef f(x):\n    l = [1, 2, 3]\n    a, *rest = l  # error\n    return x + a\n",
        _MT + "@torch.jit.script\ndef f(x, l: List[int]):\n    m = [*l, 3]  # error\n    return x + len(m)\n",
        # lists by the compiler's typing: `List[int] + tuple` converts the tuple, `list * int` repeats
        _MOD + "    def __init__(self):\n        super().__init__()\n        self.heads = 2\n\n"
        "    def forward(self, x):\n        shape = x.size()[:-1] + (self.heads, -1)\n"
        "        return x.view(*shape)  # error\n",
        _MOD + "    def __init__(self):\n        super().__init__()\n        self.dim = 2\n\n"
        "    def forward(self, x):\n        return x.reshape(1, -1, *([1] * self.dim))  # error\n",
        _M + "@torch.jit.script\ndef f(x):\n    return x.view(*[1, -1])  # error\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        assert isinstance(node, ast.Starred)
        parent = ctx.parent(node)
        if isinstance(node.ctx, ast.Store):
            source = _assigned_from(parent, ctx)
            if source is not None and kinds(ctx).kind(source) == "list":
                ctx.report(self, node,
                           f"`*{_text(node.value)}` unpacks `{_text(source)}`, a list whose length TorchScript can't "
                           "know at compile time; index it instead (`a, rest = l[0], l[1:]`)")
            return
        if isinstance(parent, ast.Subscript) or _special_call(parent, ctx):
            return  # TS139 (`zip(*…)`, `x[*…]`)
        if isinstance(parent, ast.Tuple) and isinstance(ctx.parent(parent), ast.Subscript):
            return
        value = node.value
        if _list_valued(value, ctx):
            hint = "pass the list itself" if isinstance(parent, ast.Call) else "concatenate lists with `+`"
            ctx.report(self, node,
                       f"`*{_text(value)}` unpacks a list, whose length TorchScript can't know at compile time; "
                       f"{hint}, or use a tuple")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        tree = _parse(source)
        for call in ast.walk(tree) if tree else ():
            if isinstance(call, ast.Call):
                for arg in call.args:
                    if isinstance(arg, ast.Starred) and arg.lineno == finding.line and arg.col_offset == finding.col:
                        return delete_span(source, arg.lineno, arg.col_offset, arg.lineno, arg.col_offset + 1)
        return None


def _list_valued(value: ast.expr, ctx: FunctionContext) -> bool:
    """Whether `value` is provably a list: by its local kind, or else by the type checker's type (the
    compiler types `x.size()[:-1] + (h, d)` and `[1] * self.n` as `List[int]`, and its `*` expansion
    (`SimpleValue::asTuple` without a size hint) rejects every list, a literal one included)."""
    known = kinds(ctx)
    kind = known.kind(value)
    if kind is not None:
        return kind == "list"
    if isinstance(value, ast.Name) and \
            any(known.kind(bound) not in (None, "list") for bound in known.bindings.get(value.id, ())):
        return False  # also bound to a tuple (or else): the join, not the `*`, is what the compiler judges
    return ctx.types.type_of(value).kind == "List"


def _assigned_from(target_parent: Optional[ast.AST], ctx: FunctionContext) -> Optional[ast.expr]:
    """For a starred target inside `a, *b = value`, the value (None for loops and nested targets)."""
    if not isinstance(target_parent, (ast.Tuple, ast.List)):
        return None
    stmt = ctx.parent(target_parent)
    if isinstance(stmt, ast.Assign) and target_parent in stmt.targets:
        return stmt.value
    return None


class StarredSpecialForm(Rule):
    """
    ## What it does
    Flags `*` unpacking in `zip(*…)`, `enumerate(*…)` and in subscripts (`x[*idx]`).

    ## Why is this bad?
    These are special forms in the compiler, which does not expand starred arguments there at all —
    not even tuples: `Unexpected starred expansion. File a bug report`.

    ## Example
    ```python
    for a, b in zip(*pairs):
        ...
    ```

    ## Use instead
    ```python
    for a, b in zip(pairs[0], pairs[1]):
        ...
    ```
    Pass the arguments explicitly; for a transpose of pairs, loop and index.
    """

    code = "TS139"
    name = "starred-special-form"
    message = "`*` unpacking isn't supported in `zip`, `enumerate` or subscripts"
    compiler_message = "Unexpected starred expansion"
    node_types = (ast.Call, ast.Subscript)
    VALID = [
        _MT + "@torch.jit.script\ndef f(x, a: List[int], b: List[int], t: Tuple[int, int]):\n"
        "    for i, j in zip(a, b):\n        x = x + i * j\n    return x + max(*t)\n",
    ]
    INVALID = [
        _MT + "@torch.jit.script\ndef f(x, pairs: List[List[int]]):\n    for a, b in zip(*pairs):  # error\n"
        "        x = x + a * b\n    return x\n",
        _MT + "@torch.jit.script\ndef f(x, idx: Tuple[int, int]):\n    return x[*idx]  # error\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        if isinstance(node, ast.Call):
            name = _special_call(node, ctx)
            starred = [a for a in node.args if isinstance(a, ast.Starred)]
            if name and starred:
                ctx.report(self, starred[0],
                           f"`{name}(*{_text(starred[0].value)})`: `*` unpacking isn't supported in `{name}`; pass "
                           "the arguments explicitly")
            return
        index = node.slice  # type: ignore[attr-defined]
        elts = index.elts if isinstance(index, ast.Tuple) else [index]
        starred = [e for e in elts if isinstance(e, ast.Starred)]
        if starred:
            ctx.report(self, starred[0],
                       f"`{_text(node)}`: `*` unpacking isn't supported in subscripts in TorchScript; index with the "
                       "values explicitly")


class TupleOfList(Rule):
    """
    ## What it does
    Flags `tuple(...)` of a provable list or string in compiled code: `tuple(x.shape[-2:])`,
    `tuple(sizes)` with `sizes: List[int]`, `tuple([a, b])`, `tuple(v for v in l)`.

    ## Why is this bad?
    A TorchScript tuple has a fixed length in its type, so the compiler must know it when it compiles
    `tuple(...)`; the length of a list is only known at run time: `cannot statically infer the expected
    size of a list in this context` (and `str cannot be used as a tuple`). `tuple(t)` of a tuple is fine.

    ## Example
    ```python
    def forward(self, x):
        if tuple(x.shape[-2:]) != self.grid:
            ...
    ```

    ## Use instead
    ```python
    def forward(self, x):
        if (x.shape[-2], x.shape[-1]) != self.grid:
            ...
    ```
    Build the tuple from its elements, or compare lists (`x.shape[-2:] != list(self.grid)`).
    """

    code = "TS144"
    name = "tuple-of-list"
    message = "`tuple(...)` of a list needs the list's length at compile time"
    compiler_message = "cannot statically infer the expected size of a list in this context"
    node_types = (ast.Call,)
    VALID = [
        _MT + "@torch.jit.script\ndef f(x, t: Tuple[int, int]):\n    return x.view(tuple(t)), (x.shape[-2], x.shape[-1])\n",
        # unknown kind (an attribute): silent
        _MT + "class Net(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.grid = (2, 2)\n\n    def forward(self, x):\n        return x.view(tuple(self.grid))\n",
    ]
    INVALID = [
        _M + "@torch.jit.script\ndef f(x):\n    return tuple(x.shape[-2:]) != (2, 2)  # error\n",
        _M + "class Net(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.conv = torch.nn.Conv2d(3, 3, 1)\n\n    def forward(self, x):\n        x = self.conv(x)\n"
        "        return tuple(x.shape[-2:]) != (2, 2)  # error\n",
        _MT + "@torch.jit.script\ndef f(x, sizes: List[int]):\n    t = tuple(sizes)  # error\n    return x + len(t)\n",
        _MT + "@torch.jit.script\ndef f(x, sizes: List[int]):\n    t = tuple(s * 2 for s in sizes)  # error\n    return x + len(t)\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        assert isinstance(node, ast.Call)
        if not isinstance(node.func, ast.Name) or ctx.qualname(node.func) != "tuple" or len(node.args) != 1 or node.keywords:
            return
        arg = node.args[0]
        kind = kinds(ctx).kind(arg)
        if kind is None:  # a value the type checker knows (`x = self.conv(x)` is a Tensor, so `x.shape` a list)
            t = ctx.types.type_of(arg)
            kind = {"List": "list", "str": "str"}.get(t.kind) if t.known else None
        if kind == "list":
            ctx.report(self, node,
                       f"`{_text(node)}` makes a tuple of a list, whose length TorchScript can't know at compile time "
                       "('cannot statically infer the expected size of a list in this context'); build the tuple "
                       "from its elements (`(s[0], s[1])`) or keep a list")
        elif kind == "str":
            ctx.report(self, node, f"`{_text(node)}`: TorchScript can't make a tuple of a str ('str cannot be used "
                                   "as a tuple'); keep the string, or build the tuple from its characters")


# ---------------------------------------------------------------------------------------------
# Ellipsis
# ---------------------------------------------------------------------------------------------

_OVERLOADS = {"overload", "_overload", "_overload_method"}


def _is_ellipsis(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis


class EllipsisValue(Rule):
    """
    ## What it does
    Flags `...` used as a value in compiled code: a `...` statement (a stub body), `return ...`,
    `y = ...`, and `x[...]` with nothing else in the brackets.

    ## Why is this bad?
    The compiler only understands `...` inside a multi-part index (`x[..., 0]`, `x[...] = v`);
    elsewhere it fails with `Cannot emit expr for: (dots)`. A method whose body is `...` is usually an
    abstract stub the compiler reached.

    ## Example
    ```python
    class Base(nn.Module):
        def forward(self, x):
            ...
    ```

    ## Use instead
    Implement the method, or raise (`raise NotImplementedError("…")`) — which compiles; for `x[...]`
    write `x` (or `x[:]`).
    """

    code = "TS141"
    name = "ellipsis-value"
    message = "`...` can't be used as a value in TorchScript"
    compiler_message = "Cannot emit expr for: (dots)"
    node_types = (ast.Expr, ast.Return, ast.Assign, ast.Subscript)
    VALID = [
        _M + "@torch.jit.script\ndef f(x):\n    x[...] = 0\n    return x[..., 0]\n",
        _MOD + "    def forward(self, x):\n        raise NotImplementedError(\"abstract\")\n",
    ]
    INVALID = [
        _MOD + "    def forward(self, x):\n        \"\"\"Subclasses implement this.\"\"\"\n        ...  # error\n",
        _M + "@torch.jit.script\ndef f(x):\n    return x[...]  # error\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        if any((decorator_name(d) or "").rsplit(".", 1)[-1] in _OVERLOADS for d in ctx.node.decorator_list):
            return  # an overload stub: the compiler reads the implementation instead
        if isinstance(node, ast.Subscript):
            if _is_ellipsis(node.slice) and isinstance(node.ctx, ast.Load):
                ctx.report(self, node, f"`{_text(node)}`: a lone `...` index can't be compiled; write "
                                       f"`{_text(node.value)}` or `{_text(node.value)}[:]`")
            return
        if _is_ellipsis(getattr(node, "value", None)):
            what = "a `...` statement" if isinstance(node, ast.Expr) else f"`{_text(node)}`"
            ctx.report(self, node.value if not isinstance(node, ast.Expr) else node,  # type: ignore[attr-defined]
                       f"{what}: `...` can't be used as a value in TorchScript; implement the code or "
                       "`raise NotImplementedError(...)`")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        tree = _parse(source)
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.Expr) and _is_ellipsis(node.value) and node.lineno == finding.line:
                return stub_statement(source, node)
            if isinstance(node, ast.Subscript) and _is_ellipsis(node.slice) and node.lineno == finding.line:
                s = node.slice
                return replace_span(source, s.lineno, s.col_offset, s.end_lineno, s.end_col_offset, ":")  # type: ignore[arg-type]
            at_finding = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0)) == (finding.line, finding.col)
            if isinstance(node, ast.Constant) and _is_ellipsis(node) and at_finding:
                return replace_span(source, node.lineno, node.col_offset, node.lineno, node.col_offset + 3, "None")
        return None


# ---------------------------------------------------------------------------------------------
# Recursion
# ---------------------------------------------------------------------------------------------

MAX_CYCLE_SEARCH = 400


def _not_compiled(ctx: FunctionContext, ref: FuncRef) -> bool:
    fn = ctx.project.function(ref)
    if fn is None:
        return True
    return bool(jit_decorator(ctx.project.decorator_qualnames(ref.module, fn.decorators)) & {"ignore", "unused"})


def _is_method_call(func: ast.expr, ctx: FunctionContext) -> bool:
    return (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self"
            and bool(ctx.info.class_name) and not any(d.rsplit(".", 1)[-1] == "staticmethod" for d in ctx.info.decorators))


def _callee(node: ast.Call, ctx: FunctionContext) -> Optional[FuncRef]:
    if _is_method_call(node.func, ctx):
        return ctx.project.find_method(ctx.class_ref, node.func.attr)  # type: ignore[arg-type, attr-defined]
    if isinstance(node.func, (ast.Name, ast.Attribute)):
        resolved = ctx.resolve(node.func)
        return resolved if isinstance(resolved, FuncRef) else None
    return None


def _edges(ctx: FunctionContext, ref: FuncRef, methods: bool) -> Iterator[FuncRef]:
    """Callees of `ref` of the same kind: methods through `self.` (dispatched on the class being
    checked), or module-level functions through names."""
    fn = ctx.project.function(ref)
    if fn is None:
        return
    for kind, name in fn.refs.get("script", ()):
        if methods and kind == "self" and ctx.class_ref is not None:
            target = ctx.project.find_method(ctx.class_ref, name)
        elif not methods and kind == "name":
            resolved = ctx.project.resolve(ref.module, name)
            target = resolved if isinstance(resolved, FuncRef) and "." not in resolved.qualname else None
        else:
            continue
        if target is not None and not _not_compiled(ctx, target):
            yield target


def _cycle_back(ctx: FunctionContext, start: FuncRef, methods: bool) -> Optional[list[FuncRef]]:
    """The path start → … → the checked function, if `start` leads back to it."""
    goal = ctx.ref
    previous: dict[FuncRef, Optional[FuncRef]] = {start: None}
    queue = deque([start])
    while queue and len(previous) < MAX_CYCLE_SEARCH:
        current = queue.popleft()
        for nxt in _edges(ctx, current, methods):
            if nxt == goal:
                path = [current]
                while previous[path[-1]] is not None:
                    path.append(previous[path[-1]])  # type: ignore[arg-type]
                return list(reversed(path))
            if nxt not in previous:
                previous[nxt] = current
                queue.append(nxt)
    return None


def _overridden_below(ctx: FunctionContext, names: set[str]) -> bool:
    """Does a project subclass of the checked class override one of these methods? Then `self.m`
    may dispatch elsewhere and the cycle is not certain."""
    own = ctx.class_ref
    for summary in ctx.project.by_module.values():
        for cls_name, info in summary.classes.items():
            ref = ClassRef(summary.module, cls_name)
            if ref != own and names & set(info.methods) and own in ctx.project.mro(ref):
                return True
    return False


def _name(ref: FuncRef) -> str:
    return ref.qualname.rsplit(".", 1)[-1]


class RecursiveCall(Rule):
    """
    ## What it does
    Flags calls that make a compiled function recursive: a function calling itself, a method calling
    itself through `self`, and methods calling each other in a cycle (`a → b → a`).

    ## Why is this bad?
    TorchScript inlines calls and has no recursion: `function 'fact' is called recursively. Recursive
    calls are not supported` (`method 'a' is called recursively …` for methods). Module-level
    functions that call each other in a cycle are TS143.

    ## Example
    ```python
    @torch.jit.script
    def fact(n: int) -> int:
        if n <= 1:
            return 1
        return n * fact(n - 1)
    ```

    ## Use instead
    ```python
    @torch.jit.script
    def fact(n: int) -> int:
        out = 1
        for i in range(2, n + 1):
            out *= i
        return out
    ```
    Rewrite the recursion as a loop (with an explicit stack if needed).
    """

    code = "TS142"
    name = "recursive-call"
    message = "recursive calls aren't supported in TorchScript"
    compiler_message = "is called recursively. Recursive calls are not supported"
    node_types = (ast.Call,)
    VALID = [
        _M + "@torch.jit.script\ndef fact(n: int) -> int:\n    out = 1\n    for i in range(2, n + 1):\n"
        "        out *= i\n    return out\n",
        # recursion in a branch the compiler drops
        _M + "def fact(n: int) -> int:\n    if not torch.jit.is_scripting():\n        return n * fact(n - 1)\n"
        "    return 1\n\n\ntorch.jit.script(fact)\n",
    ]
    INVALID = [
        _M + "@torch.jit.script\ndef fact(n: int) -> int:\n    if n <= 1:\n        return 1\n"
        "    return n * fact(n - 1)  # error\n",
        _MOD + "    def forward(self, x):\n        if x.dim() > 2:\n            return self.forward(x[0])  # error\n"
        "        return x\n",
        _MOD + "    def forward(self, x):\n        if x.dim() > 2:\n            return self.squeeze_all(x)  # error\n"
        "        return x\n\n    def squeeze_all(self, x):\n        return self.forward(x[0])  # error\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        callee = _callee(node, ctx)  # type: ignore[arg-type]
        if callee is None or _not_compiled(ctx, callee):
            return
        is_method = _is_method_call(node.func, ctx)  # type: ignore[attr-defined]
        kind = "method" if is_method else "function"
        if callee == ctx.ref:
            ctx.report(self, node.func,  # type: ignore[attr-defined]
                       f"{kind} '{_name(callee)}' calls itself: recursive calls aren't supported in TorchScript; "
                       "rewrite it as a loop")
            return
        if not is_method:
            return  # cycles of module-level functions: TS143
        path = _cycle_back(ctx, callee, methods=True)
        if path is None or _overridden_below(ctx, {_name(r) for r in path}):
            return
        chain = " → ".join(_name(r) for r in [ctx.ref] + path + [ctx.ref])
        ctx.report(self, node.func,  # type: ignore[attr-defined]
                   f"method '{_name(ctx.ref)}' is called recursively ({chain}): recursive calls aren't supported in "
                   "TorchScript; rewrite the cycle as a loop")


class MutualRecursion(Rule):
    """
    ## What it does
    Flags calls between module-level functions that form a cycle (`f → g → f`) in compiled code.

    ## Why is this bad?
    TorchScript has no recursion. For a direct self-call the compiler says so (TS142), but for a cycle
    of functions it compiles each callee again and again until Python gives up:
    `RecursionError: maximum recursion depth exceeded`, with no line in your code.

    ## Example
    ```python
    def even(n: int) -> bool:
        return True if n == 0 else odd(n - 1)

    def odd(n: int) -> bool:
        return False if n == 0 else even(n - 1)
    ```

    ## Use instead
    Rewrite the cycle as a loop.
    """

    code = "TS143"
    name = "mutual-recursion"
    message = "functions that call each other in a cycle can't be compiled"
    compiler_message = "maximum recursion depth exceeded"
    node_types = (ast.Call,)
    VALID = [
        _M + "def even(n: int) -> bool:\n    return n % 2 == 0\n\n\ndef odd(n: int) -> bool:\n    return not even(n)\n\n\n"
        "class Net(torch.nn.Module):\n    def forward(self, x):\n        return x if odd(3) else -x\n",
    ]
    INVALID = [
        _M + "def even(n: int) -> bool:\n    return True if n == 0 else odd(n - 1)  # error\n\n\n"
        "def odd(n: int) -> bool:\n    return False if n == 0 else even(n - 1)  # error\n\n\n"
        "class Net(torch.nn.Module):\n    def forward(self, x):\n        return x if even(4) else -x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        if "." in ctx.ref.qualname:
            return  # a method: cycles through `self` are TS142
        callee = _callee(node, ctx)  # type: ignore[arg-type]
        if callee is None or callee == ctx.ref or "." in callee.qualname or _not_compiled(ctx, callee):
            return
        path = _cycle_back(ctx, callee, methods=False)
        if path is None:
            return
        chain = " → ".join(_name(r) for r in [ctx.ref] + path + [ctx.ref])
        ctx.report(self, node.func,  # type: ignore[attr-defined]
                   f"`{_name(ctx.ref)}` and `{_name(callee)}` call each other ({chain}): recursion isn't supported in "
                   "TorchScript, and for such a cycle the compiler dies with a RecursionError; rewrite it as a loop")
