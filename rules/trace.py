"""TS5xx: what `torch.jit.trace` records wrongly: values baked into the graph as constants.

Tracing runs the function once on example inputs and records the tensor operations. Whatever Python
decides on the way (a branch, a loop count, a number pulled out of a tensor) is frozen at the value it
had for the example. These rules find the places where that happens, using `trace_facts` to know
which values are tensors and sizes; they stay silent on anything they cannot classify, and never flag
the patterns that do generalize (`x.view(x.size(0), -1)`, `torch.zeros(x.shape[0], 1)`, ...).
"""
from __future__ import annotations

import ast
from typing import Iterator

from tslint.rule import Rule
from tslint.trace_facts import (DEVICE, OTHER, RANK, SHAPE, SIZE, TENSOR, TENSORS, TRACED, facts, is_builtin_call,
                                is_sequence_display, source_of, training_only)
from tslint.trace_fix import len_fix, script_if_tracing_fix
from tslint.walk import FunctionContext

TRACE = frozenset({"trace"})
_BOOL_TAIL = "might cause the trace to be incorrect"


def _short(ctx: FunctionContext, node: ast.AST, limit: int = 40) -> str:
    text = " ".join(source_of(ctx, node).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- where Python asks a value for its truth ---------------------------------------------------------
def _in_test_position(ctx: FunctionContext, node: ast.AST) -> bool:
    """Whether `node` is (part of) the test of an `if`/`while`/ternary/`assert`/comprehension `if`."""
    child, parent = node, ctx.parent(node)
    while parent is not None:
        if isinstance(parent, (ast.If, ast.While, ast.IfExp, ast.Assert)) and getattr(parent, "test", None) is child:
            return True
        if isinstance(parent, ast.comprehension) and child in parent.ifs:
            return True
        if isinstance(parent, ast.BoolOp) or (isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not)):
            child, parent = parent, ctx.parent(parent)
            continue
        return False
    return False


def _truth_tested(test: ast.expr) -> Iterator[ast.expr]:
    """The sub-expressions of a condition that Python converts to bool (through `and`/`or`/`not`)."""
    if isinstance(test, ast.BoolOp):
        for value in test.values:
            yield from _truth_tested(value)
    elif isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        yield from _truth_tested(test.operand)
    else:
        yield test


def _conversions(ctx: FunctionContext, test: ast.expr, kinds: frozenset) -> list[ast.expr]:
    """The parts of a condition whose truth is a traced value's; `bool(t)` is looked through, since the
    conversion happens inside it (`if bool(y.mean() > 0):` warns like `if y.mean() > 0:`)."""
    f = facts(ctx)
    tested = [e.args[0] if is_builtin_call(ctx, e, "bool") and len(e.args) == 1 else e  # type: ignore[attr-defined]
              for e in _truth_tested(test)]
    return [e for e in tested if f.truth_kind(e) in kinds]


class TraceRule(Rule):
    """A rule about traced code. Code that runs only in training mode (`if self.training:`) is
    skipped: models are traced in eval mode."""

    contexts = TRACE

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        if not training_only(ctx, node):
            self.check(node, ctx)

    def check(self, node: ast.AST, ctx: FunctionContext) -> None:
        raise NotImplementedError


def _is_check_only(node: ast.If) -> bool:
    """`if bad: raise ...` with no else: a validation that only runs while tracing."""
    return not node.orelse and all(isinstance(s, ast.Raise) for s in node.body)


def _tests_of(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, (ast.If, ast.While, ast.IfExp)):
        return [node.test]
    if isinstance(node, ast.comprehension):
        return list(node.ifs)
    return []


_WHAT = {ast.If: "`if`", ast.While: "`while`", ast.IfExp: "the conditional expression", ast.comprehension: "the comprehension `if`"}


class _PythonBranch(TraceRule):
    """Python control flow on a traced value: `if`/`while`/ternary/comprehension `if`, `and`/`or`/`not`,
    `bool(...)`, and `min`/`max`, which compare their arguments in Python. Each subclass reports the
    conditions of one kind (`kinds`): a tensor's values, or its sizes. The first rule that reports an
    `if` offers the `script_if_tracing` fix; a later one on the same `if` does not repeat it."""

    node_types = (ast.If, ast.While, ast.IfExp, ast.comprehension, ast.BoolOp, ast.UnaryOp, ast.Call)
    fix_safety = "unsafe"
    compiler_message = "Converting a tensor to a Python boolean"
    #: the truth kinds this rule reports
    kinds: frozenset = frozenset()
    #: what a `min`/`max` of those values keeps, for the message
    _min_max_effect = ""

    def check(self, node: ast.AST, ctx: FunctionContext) -> None:
        if isinstance(node, ast.If) and _is_check_only(node):
            return  # TS513
        if isinstance(node, (ast.If, ast.While, ast.IfExp, ast.comprehension)):
            fix_done = False
            for test in _tests_of(node):
                for expr in _conversions(ctx, test, self.kinds):
                    fix = None
                    if isinstance(node, ast.If) and not fix_done:
                        fix, fix_done = self._fix(ctx, node), True
                    ctx.report(self, expr, self._message(ctx, expr, _WHAT[type(node)]), fix=fix)
            return
        if _in_test_position(ctx, node):
            return
        if isinstance(node, ast.BoolOp):
            for value in node.values[:-1]:
                for expr in _conversions(ctx, value, self.kinds):
                    ctx.report(self, expr, self._message(ctx, expr, "`and`/`or`"))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            for expr in _conversions(ctx, node.operand, self.kinds):
                ctx.report(self, expr, self._message(ctx, expr, "`not`"))
        elif is_builtin_call(ctx, node, "bool") and node.args:  # type: ignore[attr-defined]
            if facts(ctx).truth_kind(node.args[0]) in self.kinds:  # type: ignore[attr-defined]
                ctx.report(self, node, self._message(ctx, node.args[0], "`bool()`"))  # type: ignore[attr-defined]
        elif is_builtin_call(ctx, node, "min", "max") and _compared_kind(ctx, node) in self.kinds:  # type: ignore[arg-type]
            name = node.func.id  # type: ignore[attr-defined]
            ctx.report(self, node, f"`{_short(ctx, node)}` compares in Python: {self._min_max_effect} use "
                                   f"`torch.clamp` / `torch.{name}imum` on tensors, or a `@torch.jit.script_if_tracing` helper")

    def _fix(self, ctx: FunctionContext, node: ast.If):
        return script_if_tracing_fix(ctx, node)

    def _message(self, ctx: FunctionContext, expr: ast.expr, where: str) -> str:
        raise NotImplementedError


def _compared_kind(ctx: FunctionContext, call: ast.Call):
    """What `min(...)` / `max(...)` compares in Python: TENSOR when a tensor value takes part, SHAPE
    when traced sizes do (`min(k, x.shape[-1])`, `max(dims)` over a list of sizes, `max(x.shape)`)."""
    f = facts(ctx)
    if len(call.args) == 1 and not call.keywords:
        kinds = {{TENSORS: TENSOR, SIZE: SHAPE}.get(f.kind(call.args[0]) or "")}
    elif len(call.args) >= 2:
        kinds = {f.kind(a) for a in call.args}
    else:
        return None
    return TENSOR if TENSOR in kinds else (SHAPE if SHAPE in kinds else None)


class TensorCondition(_PythonBranch):
    """
    ## What it does
    Flags Python control flow that depends on tensor values in traced code: `if`, `while`, `a if c
    else b`, `and`/`or`/`not`, `bool(t)`, and `min`/`max` of tensors, when the condition is a tensor
    (`x.sum() > 0`, `not mask.any()`). (A condition on sizes only, `x.shape[0] > 4`, is TS511.)

    ## Why is this bad?
    The tracer records tensor operations, not Python decisions. It evaluates the condition once, for
    the example input, and records only the branch taken (torch warns: `Converting a tensor to a
    Python boolean might cause the trace to be incorrect`). **Every input whose condition would go
    the other way silently gets the recorded branch's answer**: for `if x.sum() > 0: return x else:
    return -x`, traced on a positive example, negative inputs come back unchanged instead of negated.

    ## Example
    ```python
    class Gate(nn.Module):
        def forward(self, x):
            if x.sum() > 0:
                return x
            return -x

    traced = torch.jit.trace(Gate(), torch.randn(3, 4))
    ```

    ## Use instead
    ```python
    @torch.jit.script_if_tracing
    def gate(x):
        if x.sum() > 0:
            return x
        return -x

    class Gate(nn.Module):
        def forward(self, x):
            return gate(x)
    ```
    `@torch.jit.script_if_tracing` compiles the function with the script compiler when it is
    traced, so the branch is kept in the graph. A branch-free form works too: `torch.where(x.sum() > 0,
    x, -x)`.

    ## Fix safety
    The fix moves the branch into a `@torch.jit.script_if_tracing` function (a new module-level
    helper when the branch sits in a method). It is unsafe: the helper is then compiled by the script
    compiler when traced, so it must be scriptable (the fix is only offered when tslint's script rules
    find nothing in it), and its inputs become `Tensor`-typed.
    """

    code = "TS501"
    name = "tensor-condition"
    message = "Python control flow on a tensor value is frozen to the branch taken by the example input"
    kinds = frozenset({TENSOR})
    _min_max_effect = "the trace keeps the value it had for the example input;"
    VALID = [
        # a shape that flows into torch ops is traced, not baked
        "import torch\n\n\ndef f(x):\n    return x.view(x.size(0), -1)[: x.shape[0] // 2]\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(4, 3, 2),))\n\n\n"
        "def diverges():\n    y = torch.randn(6, 5, 2)\n    return not torch.equal(traced(y), f(y))\n",
        # `is None` and Python flags are not tensor conversions
        "import torch\n\n\ndef f(x, mask=None):\n    if mask is not None:\n        x = x * mask\n    return torch.where(x.sum() > 0, x, -x)\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(3),))\n\n\n"
        "def diverges():\n    y = -torch.ones(5)\n    return not torch.equal(traced(y), f(y))\n",
        # the branch is compiled by the script compiler, not traced
        "import torch\n\n\n@torch.jit.script_if_tracing\ndef gate(x):\n    if x.sum() > 0:\n        return x\n    return -x\n\n\n"
        "def f(x):\n    return gate(x) + 1\n\n\ntraced = torch.jit.trace(f, (torch.ones(3),))\n\n\n"
        "def diverges():\n    y = -torch.ones(3)\n    return not torch.equal(traced(y), f(y))\n",
        # modules and strings compare in Python without the tracer: `m == self.layers[-1]` is identity
        "import torch\n\n\nclass Net(torch.nn.Module):\n    TSLINT_SKIP = True\n\n    def __init__(self, mode: str = \"last\"):\n        super().__init__()\n"
        "        self.mode = mode\n        self.layers = torch.nn.ModuleList([torch.nn.Linear(3, 3), torch.nn.Linear(3, 3)])\n\n"
        "    def forward(self, x):\n        for m in self.layers:\n            y = m(x)\n"
        "            if m == self.layers[-1] and self.mode == \"last\":\n                x = y\n        return x\n\n\n"
        "traced = torch.jit.trace(Net().eval(), (torch.randn(2, 3),))\n",
    ]
    INVALID = [
        "import torch\n\n\nclass Gate(torch.nn.Module):\n    TSLINT_SKIP = True\n\n    def forward(self, x):\n"
        "        if x.sum() > 0:  # error\n            return x\n        else:\n            return -x\n\n\n"
        "traced = torch.jit.trace(Gate(), (torch.ones(3, 4),))\n",
        "import torch\n\n\ndef f(x):\n    while x.norm() > 1:  # error\n        x = x / 2\n    return x\n\n\n"
        "traced = torch.jit.trace(f, (torch.full((3,), 4.0),))\n",
        "import torch\n\n\ndef f(x, y):\n    if not (x > 0).any() or y.sum() < 0:  # error\n        return y\n    return x\n\n\n"
        "traced = torch.jit.trace(f, (torch.ones(3), torch.ones(3)))\n",
        "import torch\n\n\ndef f(x):\n    return x * min(x.max(), 2.0)  # error\n\n\n"
        "traced = torch.jit.trace(f, (torch.ones(3),))\n",
    ]

    def _message(self, ctx: FunctionContext, expr: ast.expr, where: str) -> str:
        return (f"{where} on the tensor `{_short(ctx, expr)}`: the trace keeps only the branch the example input took, "
                "and other inputs silently take it too; move it into a `@torch.jit.script_if_tracing` function or "
                "use `torch.where`")


class ShapeBranch(_PythonBranch):
    """
    ## What it does
    Flags Python control flow on traced sizes in traced code: `if x.shape[1] < n`, `if height % 2
    == 1` (with `height` read from a shape), `if attn.size() != (b, h, t)`, `if x.numel() > 0`,
    `a if x.size(0) > 1 else b`, `min(k, scores.shape[-1])`, `max(dims)` over sizes, `bool(...)` of
    a size comparison. (`x.dim()` / `x.ndim` are plain ints: TS509.)

    ## Why is this bad?
    While tracing, `x.shape[i]`, `x.size(i)` and `x.numel()` are traced values: they follow the
    input as long as they flow into torch operations (`x.view(x.shape[0] * 2, -1)` is fine). A Python
    comparison needs a real `bool`, so the tracer takes the example's answer and records only that
    branch (torch warns: `Converting a tensor to a Python boolean might cause the trace to be
    incorrect`). **A model traced at one sequence length or image size and run at another silently
    takes the example's branch.** Models always run at the example's shape can ignore this warning
    (`--ignore TS511`); that is why it has its own code.

    ## Example
    ```python
    def forward(self, x):
        if x.shape[-1] % 2 == 1:
            x = F.pad(x, (0, 1))
        return self.conv(x)
    ```

    ## Use instead
    ```python
    @torch.jit.script_if_tracing
    def pad_to_even(x):
        if x.shape[-1] % 2 == 1:
            x = F.pad(x, (0, 1))
        return x

    def forward(self, x):
        return self.conv(pad_to_even(x))
    ```
    or compute without a branch (`F.pad(x, (0, x.shape[-1] % 2))` keeps the size traced).

    ## Fix safety
    The fix moves the branch into a `@torch.jit.script_if_tracing` function, as for TS501 (unsafe: the
    helper is then compiled by the script compiler).
    """

    code = "TS511"
    name = "shape-branch"
    severity = "warning"
    message = "Python control flow on a traced size is frozen to the branch of the example's shape"
    kinds = frozenset({SHAPE})
    _min_max_effect = "the trace keeps the value it had for the example's sizes;"
    VALID = [
        "import torch\nimport torch.nn.functional as F\n\n\ndef f(x):\n    return F.pad(x, (0, x.shape[-1] % 2))\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(2, 4),))\n\n\n"
        "def diverges():\n    y = torch.randn(3, 5)\n    return not torch.equal(traced(y), f(y))\n",
    ]
    INVALID = [
        "import torch\n\n\ndef f(x):\n    return x[:4] if x.shape[0] > 4 else x  # error\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(6, 3),))\n",
        "import torch\n\n\ndef f(x):\n    n = min(x.shape[0], 4)  # error\n    return x[:n]\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(6),))\n",
        "import torch\nimport torch.nn.functional as F\n\n\ndef f(x):\n    height = x.shape[-1]\n"
        "    if height % 2 == 1:  # error\n        x = F.pad(x, (0, 1))\n    return x * 2\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(2, 4),))\n",
        "import torch\n\n\ndef f(x):\n    dims = [x.shape[0], x.shape[1]]\n    return x[: max(dims)]  # error\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(4, 3),))\n",
        # reached through a module-level dispatch dict; `x` stays a tensor through a helper annotated
        # `-> Optional[Tensor]`
        "from typing import Optional\n\nimport torch\n\n\ndef pad(x: Optional[torch.Tensor]) -> Optional[torch.Tensor]:\n"
        "    return x\n\n\ndef attend(x: torch.Tensor, flag: bool) -> torch.Tensor:\n    if flag:\n        x = pad(x)\n"
        "    big = x.shape[0] > 4 and flag  # error\n    return x[:4] if big else x\n\n\n"
        "FUNCTIONS = {\"attend\": attend}\n\n\ndef f(x):\n    return FUNCTIONS[\"attend\"](x, True)\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(6, 3),))\n",
    ]

    def _fix(self, ctx: FunctionContext, node: ast.If):
        """TS501 offers the fix when the same `if` also tests a tensor value."""
        if any(_conversions(ctx, test, frozenset({TENSOR})) for test in _tests_of(node)):
            return None
        return super()._fix(ctx, node)

    def _message(self, ctx: FunctionContext, expr: ast.expr, where: str) -> str:
        return (f"{where} on `{_short(ctx, expr)}` compares traced sizes in Python: the trace keeps the branch of the "
                "example's shape, and inputs of other sizes silently take it too (fine if every input has the "
                "example's shape); move it into a `@torch.jit.script_if_tracing` function")


class TraceTimeCheck(TraceRule):
    """
    ## What it does
    Flags `assert <tensor condition>` and `if <tensor condition>: raise ...` in traced code, when
    the condition depends on tensor values or traced sizes (`assert x.shape[1] == self.dim`).

    ## Why is this bad?
    The check runs once, while tracing, on the example input (torch warns: `Converting a tensor to a
    Python boolean might cause the trace to be incorrect`), and is not part of the graph. The traced
    model never checks again: **inputs that violate it are not rejected**, and run on to whatever the
    later operations make of them (an error deep inside, or a silently wrong result).

    ## Example
    ```python
    def forward(self, x):
        assert x.shape[-1] == 64, "expected 64 channels"
        return self.proj(x)
    ```

    ## Use instead
    ```python
    def forward(self, x):
        torch._assert(x.shape[-1] == 64, "expected 64 channels")
        return self.proj(x)
    ```
    `torch._assert` is symbolically traceable; or keep the check and accept that it is trace-time only
    (`# noqa: TS513`).
    """

    code = "TS513"
    name = "trace-time-check"
    severity = "warning"
    message = "a check on tensor values runs only while tracing; the traced graph never checks it again"
    compiler_message = "Converting a tensor to a Python boolean"
    node_types = (ast.Assert, ast.If)
    VALID = [
        "import torch\n\n\ndef f(x, bias=None):\n    assert bias is None or bias.dim() == 1\n    return x + 1\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(2, 3),))\n",
    ]
    INVALID = [
        "import torch\n\n\ndef f(x):\n    assert x.shape[-1] == 3, \"expected 3 channels\"  # error\n    return x * 2\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(2, 3),))\n",
        "import torch\n\n\ndef f(x):\n    if (x < 0).any():  # error\n        raise ValueError(\"negative input\")\n    return x.sqrt()\n\n\n"
        "traced = torch.jit.trace(f, (torch.rand(4),))\n",
    ]

    def check(self, node: ast.AST, ctx: FunctionContext) -> None:
        if isinstance(node, ast.If) and not _is_check_only(node):
            return
        for expr in _conversions(ctx, node.test, TRACED):  # type: ignore[attr-defined]
            kind = "`assert`" if isinstance(node, ast.Assert) else "`if ...: raise`"
            ctx.report(self, expr, f"{kind} on `{_short(ctx, expr)}` is checked only while tracing: the traced graph "
                                   "never checks it, so inputs that violate it are not rejected; use `torch._assert`")


class RankBranch(TraceRule):
    """
    ## What it does
    Flags branches on a tensor's rank in traced code: `if x.dim() == 3`, `if x.ndim > 2`,
    `if len(x.shape) == 4`.

    ## Why is this bad?
    `x.dim()`, `x.ndim` and `len(x.shape)` are plain Python ints even while tracing, so the branch is
    decided once and **torch says nothing**. **Inputs of another rank than the example silently run
    the code of the example's rank**: a model traced on batched 4-D input that also accepts a single
    3-D image (`if x.dim() == 3: x = x.unsqueeze(0)`) no longer adds the batch dimension.

    ## Example
    ```python
    def forward(self, x):
        if x.dim() == 3:
            x = x.unsqueeze(0)
        return self.body(x)
    ```

    ## Use instead
    Trace with inputs of the rank you will run (and call with that rank only), or put the
    rank-dependent code into a `@torch.jit.script_if_tracing` function, where it is compiled.
    """

    code = "TS509"
    name = "rank-branch"
    severity = "warning"
    message = "a branch on the tensor's rank is frozen by tracing; inputs of another rank take the example's branch"
    compiler_message = "(no TracerWarning: the branch on the rank is frozen silently)"
    node_types = (ast.If, ast.While, ast.IfExp)
    VALID = [
        # a validation that raises is not a branch of the result
        "import torch\n\n\ndef f(x):\n    if x.dim() != 2:\n        raise ValueError(\"expected 2-D input\")\n    return x.flatten(1)\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(2, 3),))\n",
    ]
    INVALID = [
        "import torch\n\n\ndef f(x):\n    if x.dim() == 1:  # error\n        x = x.unsqueeze(0)\n    return x.sum(0)\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(3),))\n\n\n"
        "def diverges():\n    y = torch.randn(2, 3)\n    return traced(y).shape != f(y).shape\n",
        "import torch\n\n\ndef f(x):\n    return x.mean(-1) if len(x.shape) == 3 else x  # error\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(2, 3, 4),))\n\n\n"
        "def diverges():\n    y = torch.randn(2, 3)\n    return traced(y).shape != f(y).shape\n",
    ]

    def check(self, node: ast.AST, ctx: FunctionContext) -> None:
        if isinstance(node, ast.If) and _is_check_only(node):
            return
        for expr in _conversions(ctx, node.test, frozenset({RANK})):  # type: ignore[attr-defined]
            ctx.report(self, expr, f"the branch on `{_short(ctx, expr)}` is frozen by tracing (a Python int, no "
                                   "TracerWarning): inputs of another rank than the example silently take the same branch")


def _in_range_loop(ctx: FunctionContext, node: ast.AST) -> bool:
    """Whether `node` is inside the arguments of a `range(...)` that a `for` or comprehension iterates."""
    parent = ctx.parent(node)
    while parent is not None and not isinstance(parent, ast.stmt):
        if is_builtin_call(ctx, parent, "range"):
            loop = ctx.parent(parent)
            return isinstance(loop, (ast.For, ast.comprehension)) and loop.iter is parent
        parent = ctx.parent(parent)
    return False


_BAKING_CALLS = ("range", "int", "float", "bool", "complex", "min", "max", "round")


def _in_baking_position(ctx: FunctionContext, node: ast.AST) -> bool:
    """Whether the value of `node` is turned into a plain Python value before it reaches a torch op
    (a condition, a comparison, `int()`, `range()`, `math.*`): there `x.shape[0]` is baked as well."""
    child, parent = node, ctx.parent(node)
    while parent is not None:
        if isinstance(parent, (ast.Compare, ast.BoolOp)) or (isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not)):
            return True
        if isinstance(parent, (ast.If, ast.While, ast.IfExp, ast.Assert)) and getattr(parent, "test", None) is child:
            return True
        if isinstance(parent, ast.comprehension):
            return True
        if isinstance(parent, ast.Call) and child is not parent.func:
            if is_builtin_call(ctx, parent, *_BAKING_CALLS):
                return True
            qual = ctx.qualname(parent.func)
            if qual and (qual.startswith("math.") or qual.startswith("numpy.")):
                return True
        if isinstance(parent, ast.Subscript) and child is parent.value:
            return True  # `len(x)[...]` is not a thing; be safe
        if isinstance(parent, (ast.stmt, ast.Lambda, ast.JoinedStr, ast.FormattedValue)):
            return isinstance(parent, (ast.JoinedStr, ast.FormattedValue))
        child, parent = parent, ctx.parent(parent)
    return False


class LenOfTensor(TraceRule):
    """
    ## What it does
    Flags `len(t)` on a tensor in traced code.

    ## Why is this bad?
    `len(t)` returns a plain Python int, which the tracer records as a constant (torch warns: `Using
    len to get tensor shape might cause the trace to be incorrect`). **Inputs whose first dimension
    differs from the example's silently get results sized for the example**: `torch.arange(len(x))`
    traced on 1 element returns `tensor([0])` for every input.

    ## Example
    ```python
    def f(x):
        return torch.arange(len(x))
    ```

    ## Use instead
    ```python
    def f(x):
        return torch.arange(x.shape[0])
    ```
    `x.shape[0]` is recorded as a size read, so it follows the input.

    ## Fix safety
    The fix (`len(x)` → `x.shape[0]`) is safe and offered only where the size flows into torch
    operations; in a condition, a comparison, `int()` or `range()` it would be baked all the same,
    and the fix would only hide the warning.
    """

    code = "TS502"
    name = "len-of-tensor"
    message = "`len()` of a tensor is baked into the trace as a constant; use `x.shape[0]`"
    compiler_message = "Using len to get tensor shape might cause the trace to be incorrect"
    fix_safety = "safe"
    node_types = (ast.Call,)
    VALID = [
        "import torch\n\n\ndef f(x):\n    return torch.arange(x.shape[0])\n\n\n"
        "traced = torch.jit.trace(f, (torch.rand(1),))\n\n\n"
        "def diverges():\n    y = torch.rand(2)\n    return not torch.equal(traced(y), f(y))\n",
        "import torch\n\n\ndef f(x, y):\n    pair = (x, y)\n    return x * len(pair)\n\n\ntraced = torch.jit.trace(f, (torch.rand(1), torch.rand(1)))\n",
    ]
    INVALID = [
        "import torch\n\n\ndef f(x):\n    return torch.arange(len(x))  # error\n\n\n"
        "traced = torch.jit.trace(f, (torch.rand(1),))\n",
        "import torch\n\n\ndef f(x):\n    n = len(x)  # error\n    return x.new_zeros(n, 2)\n\n\n"
        "traced = torch.jit.trace(f, (torch.rand(3),))\n",
    ]

    def check(self, node: ast.AST, ctx: FunctionContext) -> None:
        if not is_builtin_call(ctx, node, "len") or len(node.args) != 1:  # type: ignore[attr-defined]
            return
        arg = node.args[0]  # type: ignore[attr-defined]
        if facts(ctx).kind(arg) != TENSOR or _in_range_loop(ctx, node):
            return  # `range(len(x))` is TS508's
        fix = None if _in_baking_position(ctx, node) else len_fix(ctx, node, arg)
        text = _short(ctx, arg)
        ctx.report(self, node, f"`len({text})` is baked into the trace as a constant: inputs with another first "
                               f"dimension silently get the example's; use `{text}.shape[0]`", fix=fix)


class TensorToNumber(TraceRule):
    """
    ## What it does
    Flags conversions of tensors or traced sizes into Python numbers in traced code: `t.item()`,
    `int(t)`, `float(t)`, `complex(t)`, `int(x.shape[0])`, `math.*` of sizes
    (`math.sqrt(x.shape[-1])`), and traced sizes used as Python ints by Python containers: an index
    or slice of a list or tuple (`scales[x.shape[1]]`, `parts[: x.size(0)]`) and a list repeated by
    one (`[1] * x.shape[0]`).

    ## Why is this bad?
    A Python number cannot be recorded; the tracer bakes its value for the example input into the
    graph (torch warns: `Converting a tensor to a Python number/integer/float ...`). **Every later
    input gets the example's number**: a scale `1 / math.sqrt(x.shape[-1])` traced with 64 channels
    stays `1/8` for inputs with 128; a threshold from `t.item()` stays the example's value. A list
    indexed or repeated by a traced size asks it for a Python int the same way, and torch says
    nothing there: the trace silently keeps the example's element or length.

    ## Example
    ```python
    def forward(self, q, k):
        return q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    ```

    ## Use instead
    ```python
    def forward(self, q, k):
        return q @ k.transpose(-1, -2) / q.shape[-1] ** 0.5
    ```
    Keep sizes in tensor arithmetic (`x.shape[-1] ** 0.5`, `x / x.numel()`) and values in tensors
    (`x * t` instead of `x * t.item()`); both are recorded.
    """

    code = "TS503"
    name = "tensor-to-python-number"
    message = "a tensor or traced size converted to a Python number is baked into the trace"
    compiler_message = "Converting a tensor to a Python"
    node_types = (ast.Call, ast.Subscript, ast.BinOp)
    VALID = [
        "import torch\n\n\ndef f(x):\n    return x / x.shape[-1] ** 0.5 + x / x.numel()\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(4, 3),))\n\n\n"
        "def diverges():\n    y = torch.randn(2, 5)\n    return not torch.allclose(traced(y), f(y))\n",
        "import torch\n\n\ndef f(x, scale: float = 2.0):\n    return x * float(scale)\n\n\ntraced = torch.jit.trace(f, (torch.randn(2),))\n",
    ]
    INVALID = [
        "import math\n\nimport torch\n\n\ndef f(x):\n    return x / math.sqrt(x.shape[-1])  # error\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(4, 4),))\n",
        "import torch\n\n\ndef f(x):\n    return x - x.max().item()  # error\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(5),))\n",
        "import torch\n\n\ndef f(x):\n    return x[: int(x.shape[0] / 2)]  # error\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(6),))\n",
        # no TracerWarning: a list index asks the size for a Python int silently
        "import torch\n\n\ndef f(x):\n    scales = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]\n"
        "    return x * scales[x.shape[0]]  # error\n\n\ntraced = torch.jit.trace(f, (torch.randn(4),))\n\n\n"
        "def diverges():\n    y = torch.randn(6)\n    return not torch.equal(traced(y), f(y))\n",
        "import torch\n\n\ndef f(x):\n    ones = [1] * x.shape[0]  # error\n    return x * len(ones)\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(4),))\n\n\n"
        "def diverges():\n    y = torch.randn(6)\n    return not torch.equal(traced(y), f(y))\n",
    ]

    def check(self, node: ast.AST, ctx: FunctionContext) -> None:
        if isinstance(node, (ast.Subscript, ast.BinOp)):
            self._python_int(node, ctx)
            return
        call: ast.Call = node  # type: ignore[assignment]
        f = facts(ctx)
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "item" and not call.args and f.kind(func.value) == TENSOR:
            ctx.report(self, call, f"`{_short(ctx, call)}` turns a tensor into a Python number, baked into the trace: "
                                   "every input gets the example's value; keep it a tensor (drop `.item()`)")
            return
        if is_builtin_call(ctx, call, "int", "float", "complex") and len(call.args) == 1 and f.kind(call.args[0]) in TRACED:
            what = "size" if f.kind(call.args[0]) == SHAPE else "tensor"
            ctx.report(self, call, f"`{_short(ctx, call)}` converts a traced {what} to a Python number, baked into the "
                                   f"trace: inputs of other {'sizes' if what == 'size' else 'values'} silently get the "
                                   "example's; leave it unconverted so torch ops record it")
            return
        qual = ctx.qualname(func)
        if qual and qual.startswith("math.") and any(f.kind(a) in TRACED for a in call.args):
            ctx.report(self, call, f"`{_short(ctx, call)}` computes in Python on a traced value, baked into the trace: "
                                   "inputs of other sizes silently get the example's number; use tensor arithmetic "
                                   "(`x.shape[-1] ** 0.5`, `torch.sqrt`)")

    def _python_int(self, node: ast.AST, ctx: FunctionContext) -> None:
        """A traced size that a Python list or tuple takes as an int (`__index__`): an index or slice
        bound, or the count of a repetition. A tensor indexed by a size stays traced, and so does a
        container tslint cannot classify (`self.layers[...]` may be anything): neither is flagged."""
        f = facts(ctx)
        if isinstance(node, ast.Subscript):
            if f.kind(node.value) not in (OTHER, TENSORS):
                return
            index = node.slice
            parts = [index.lower, index.upper, index.step] if isinstance(index, ast.Slice) else [index]
            if not any(p is not None and f.kind(p) == SHAPE for p in parts):
                return
            what = "indexes"
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            sides = (node.left, node.right)
            if not any(is_sequence_display(s) for s in sides) or SHAPE not in {f.kind(s) for s in sides}:
                return
            what = "repeats"
        else:
            return
        ctx.report(self, node, f"`{_short(ctx, node)}` {what} a Python sequence by a traced size: Python takes the "
                               "example's number (no TracerWarning), so inputs of other sizes silently get the "
                               "example's element or length; index a tensor instead, or use tensor ops")


class TensorToList(TraceRule):
    """
    ## What it does
    Flags `t.tolist()` on a tensor in traced code.

    ## Why is this bad?
    The list's numbers are plain Python values: the tracer bakes them (torch warns: `Converting a
    tensor to a Python list might cause the trace to be incorrect`). **Every input gets the
    example's values** wherever the list is used.

    ## Example
    ```python
    def forward(self, x, lengths):
        return [x[i, :n] for i, n in enumerate(lengths.tolist())]
    ```

    ## Use instead
    Stay in tensor operations (masks, `torch.gather`, `index_select`), or move the Python logic into
    a `@torch.jit.script_if_tracing` function.
    """

    code = "TS504"
    name = "tensor-tolist"
    message = "`.tolist()` bakes the tensor's values into the trace"
    compiler_message = "Converting a tensor to a Python list"
    node_types = (ast.Call,)
    VALID = ["import torch\n\n\ndef f(x):\n    return x.flip(0)\n\n\ntraced = torch.jit.trace(f, (torch.arange(3),))\n"]
    INVALID = [
        "import torch\n\n\ndef f(x):\n    return x * x.sum(0).tolist()[0]  # error\n\n\n"
        "traced = torch.jit.trace(f, (torch.ones(2, 2),))\n",
    ]

    def check(self, node: ast.AST, ctx: FunctionContext) -> None:
        func = node.func  # type: ignore[attr-defined]
        if isinstance(func, ast.Attribute) and func.attr == "tolist" and facts(ctx).kind(func.value) == TENSOR:
            ctx.report(self, node, f"`{_short(ctx, node)}` turns a tensor into Python numbers, baked into the trace: "
                                   "every input silently gets the example's values")


class TensorToNumpy(TraceRule):
    """
    ## What it does
    Flags `t.numpy()`, `np.asarray(t)` and `np.array(t)` on tensors in traced code.

    ## Why is this bad?
    NumPy runs outside the tracer: the array and everything computed from it is recorded as a
    constant (torch warns: `Converting a tensor to a NumPy array might cause the trace to be
    incorrect`). **Every input silently gets the example's result** for that part of the graph.

    ## Example
    ```python
    def forward(self, x):
        return torch.from_numpy(np.clip(x.numpy(), 0, 1))
    ```

    ## Use instead
    ```python
    def forward(self, x):
        return torch.clamp(x, 0, 1)
    ```
    """

    code = "TS505"
    name = "tensor-to-numpy"
    message = "NumPy conversions bake the tensor's values into the trace"
    compiler_message = "Converting a tensor to a NumPy array"
    node_types = (ast.Call,)
    VALID = ["import torch\n\n\ndef f(x):\n    return torch.clamp(x, 0, 1)\n\n\ntraced = torch.jit.trace(f, (torch.randn(3),))\n"]
    INVALID = [
        "import numpy as np\nimport torch\n\n\ndef f(x):\n    return torch.from_numpy(np.clip(x.numpy(), 0, 1))  # error\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(3),))\n",
    ]

    def check(self, node: ast.AST, ctx: FunctionContext) -> None:
        call: ast.Call = node  # type: ignore[assignment]
        f = facts(ctx)
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "numpy" and f.kind(func.value) == TENSOR:
            target = call
        elif ctx.qualname(func) in ("numpy.asarray", "numpy.array") and call.args and f.kind(call.args[0]) == TENSOR:
            target = call
        else:
            return
        ctx.report(self, target, f"`{_short(ctx, target)}` leaves the tracer: the result is baked into the trace as a "
                                 "constant, and every input silently gets the example's; use torch operations")


_ITERATING_BUILTINS = ("list", "tuple", "enumerate", "zip", "sorted", "sum", "reversed", "set", "map", "iter", "any", "all")


class IterateTensor(TraceRule):
    """
    ## What it does
    Flags iterating over a tensor in traced code: `for row in x`, comprehensions over `x`,
    unpacking `a, b = x`, and `list(x)` / `zip(x, ...)` / `enumerate(x)` / `sum(x)`.

    ## Why is this bad?
    Python iterates as many times as the example's first dimension, and the tracer records that
    many unrolled steps (torch warns: `Iterating over a tensor might cause the trace to be
    incorrect`). **Inputs with a larger first dimension silently lose the extra rows; smaller ones
    fail with an index error.**

    ## Example
    ```python
    def forward(self, x):
        return torch.stack([self.cell(row) for row in x])
    ```

    ## Use instead
    Apply the operation to the whole tensor (most torch ops are batched), or move the loop into a
    `@torch.jit.script_if_tracing` function. For a fixed split, `x.unbind(0)` and `x.chunk(n)` are
    also unrolled, but say so.
    """

    code = "TS506"
    name = "iterate-tensor"
    message = "iterating over a tensor unrolls the loop for the example's first dimension"
    compiler_message = "Iterating over a tensor might cause the trace to be incorrect"
    node_types = (ast.For, ast.comprehension, ast.Assign, ast.Call)
    VALID = [
        "import torch\n\n\ndef f(x):\n    a, b = x.chunk(2)\n    return a + b\n\n\ntraced = torch.jit.trace(f, (torch.randn(4),))\n",
    ]
    INVALID = [
        "import torch\n\n\ndef f(x):\n    out = []\n    for row in x:  # error\n        out.append(row * 2)\n    return torch.stack(out)\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(3, 2),))\n",
        "import torch\n\n\ndef f(x):\n    a, b = x * 2  # error\n    return a - b\n\n\ntraced = torch.jit.trace(f, (torch.randn(2, 3),))\n",
    ]

    def check(self, node: ast.AST, ctx: FunctionContext) -> None:
        f = facts(ctx)
        if isinstance(node, (ast.For, ast.comprehension)):
            if f.kind(node.iter) == TENSOR:
                ctx.report(self, node.iter, self._message(ctx, node.iter))
        elif isinstance(node, ast.Assign):
            if any(isinstance(t, (ast.Tuple, ast.List)) for t in node.targets) and f.kind(node.value) == TENSOR:
                ctx.report(self, node.value, f"unpacking the tensor `{_short(ctx, node.value)}` iterates over it: "
                                             "the trace is fixed to the example's first dimension; index it instead "
                                             "(`x[0], x[1]`) or use `x.unbind(0)`")
        elif is_builtin_call(ctx, node, *_ITERATING_BUILTINS):
            args = node.args[1:] if node.func.id == "map" else node.args  # type: ignore[attr-defined]
            for arg in args:
                if f.kind(arg) == TENSOR:
                    ctx.report(self, arg, self._message(ctx, arg))
                    break

    def _message(self, ctx: FunctionContext, node: ast.AST) -> str:
        return (f"iterating over the tensor `{_short(ctx, node)}` unrolls the loop for the example's first dimension: "
                "inputs with more rows silently lose them; use batched tensor ops")


class TensorFromSizes(TraceRule):
    """
    ## What it does
    Flags `torch.tensor(...)` / `torch.as_tensor(...)` built from a list or tuple of traced sizes or
    tensor values in traced code: `torch.tensor([x.shape[0], x.shape[1]])`, `torch.tensor(x.shape)`.

    ## Why is this bad?
    The tracer records the new tensor as a constant (torch warns: `torch.tensor results are
    registered as constants in the trace`). **Inputs of other sizes silently get the example's
    sizes.** (A single size or 0-dim tensor, `torch.tensor(x.shape[0])`, is recorded as a copy and
    does generalize; it is not flagged, although torch warns.)

    ## Example
    ```python
    def forward(self, x):
        return torch.tensor(x.shape[-2:]) * self.stride
    ```

    ## Use instead
    ```python
    def forward(self, x):
        return torch._shape_as_tensor(x)[-2:] * self.stride
    ```
    or build it from traced sizes with tensor ops: `torch.stack([x.new_full((), x.shape[-2]), ...])`.
    """

    code = "TS507"
    name = "tensor-from-sizes"
    message = "`torch.tensor` of traced sizes or values is recorded as a constant"
    compiler_message = "results are registered as constants in the trace"
    node_types = (ast.Call,)
    VALID = [
        "import torch\n\n\ndef f(x):\n    return x * torch._shape_as_tensor(x)[0]\n\n\ntraced = torch.jit.trace(f, (torch.randn(4, 3),))\n\n\n"
        "def diverges():\n    y = torch.randn(6, 3)\n    return not torch.equal(traced(y), f(y))\n",
        "import torch\n\n\ndef f(x):\n    sizes = torch.stack([x.new_full((), x.shape[0]), x.new_full((), x.shape[1])])\n    return x * sizes[0]\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(4, 3),))\n\n\n"
        "def diverges():\n    y = torch.randn(6, 3)\n    return not torch.equal(traced(y), f(y))\n",
    ]
    INVALID = [
        "import torch\n\n\ndef f(x):\n    return x * torch.tensor([x.shape[0], x.shape[1]])[0]  # error\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(4, 3),))\n",
        "import torch\n\n\ndef f(x):\n    return x * torch.tensor(x.shape)[0]  # error\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(4, 3),))\n",
    ]

    def check(self, node: ast.AST, ctx: FunctionContext) -> None:
        call: ast.Call = node  # type: ignore[assignment]
        qual = ctx.qualname(call.func)
        if qual not in ("torch.tensor", "torch.as_tensor") or not call.args:
            return
        f = facts(ctx)
        arg = call.args[0]
        if isinstance(arg, (ast.List, ast.Tuple)):
            baked = any(f.kind(e) in TRACED or f.kind(e) == SIZE for e in arg.elts)
        else:
            baked = f.kind(arg) == SIZE
        if baked:
            ctx.report(self, call, f"`{_short(ctx, call)}` is recorded as a constant: inputs of other sizes silently get "
                                   "the example's; build it from 0-dim tensors (`torch.stack([torch.tensor(n) ...])`)")


def _tensor_from_traced(ctx: FunctionContext, arg: ast.expr) -> bool:
    """`torch.tensor` data that TS507 flags (sizes) or that is copied as traced (a size, a tensor)."""
    f = facts(ctx)
    if isinstance(arg, (ast.List, ast.Tuple)):
        return any(f.kind(e) in TRACED or f.kind(e) == SIZE for e in arg.elts)
    return f.kind(arg) in TRACED or f.kind(arg) == SIZE


class TensorConstant(TraceRule):
    """
    ## What it does
    Flags `torch.tensor(v)` in traced code when `v` is computed inside the function (from a
    parameter, a local, or `self`), not a literal: `torch.tensor(mask_value, dtype=x.dtype)`.
    Tensors and sizes (copied as traced) and lists of sizes (TS507) are not flagged here.

    ## Why is this bad?
    The tracer stores the new tensor's value in the graph (torch warns: `torch.tensor results are
    registered as constants in the trace`). That is harmless when `v` is the same for every input
    (a value derived from a dtype, a config number), and **silently wrong when it depends on the
    input**: every call gets the example's value. This is a warning: check which case it is.

    ## Example
    ```python
    def forward(self, x):
        mask_value = torch.finfo(x.dtype).min
        return torch.maximum(x, torch.tensor(mask_value, dtype=x.dtype))
    ```

    ## Use instead
    A value that is constant for every input: `torch.full((), mask_value, dtype=x.dtype,
    device=x.device)` records the same constant without the warning. A value that depends on the
    input: compute it with tensor operations on the input.
    """

    code = "TS514"
    name = "tensor-constant"
    severity = "warning"
    message = "`torch.tensor` of a computed value is recorded as a constant in the trace"
    compiler_message = "results are registered as constants in the trace"
    node_types = (ast.Call,)
    VALID = [
        "import torch\n\n\ndef f(x):\n    m = torch.finfo(x.dtype).min\n"
        "    return torch.maximum(x, torch.full((), m, dtype=x.dtype))\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(4, 3),))\n",
    ]
    INVALID = [
        "import torch\n\n\ndef f(x):\n    m = torch.finfo(x.dtype).min\n"
        "    return torch.maximum(x, torch.tensor(m, dtype=x.dtype))  # error\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(4, 3),))\n",
    ]

    def check(self, node: ast.AST, ctx: FunctionContext) -> None:
        call: ast.Call = node  # type: ignore[assignment]
        if ctx.qualname(call.func) != "torch.tensor" or not call.args or _tensor_from_traced(ctx, call.args[0]):
            return
        arg = call.args[0]
        local = ctx.local_names | {"self"}
        if not any(isinstance(n, ast.Name) and n.id in local for n in ast.walk(arg)):
            return  # a literal or a module constant: the same on every call
        text = _short(ctx, arg, 30)
        ctx.report(self, call, f"`torch.tensor({text})` is recorded as a constant in the trace: harmless if `{text}` is "
                               "the same for every input (then `torch.full((), v, dtype=..., device=...)` records it "
                               "without the warning); if it depends on the input, compute it with tensor ops")


class UnrolledShapeLoop(TraceRule):
    """
    ## What it does
    Flags Python loops whose count comes from a tensor's size in traced code: `for i in
    range(x.shape[0])`, `range(x.size(1))`, `range(len(x))`, and comprehensions over them.

    ## Why is this bad?
    `range()` needs a Python int, so the tracer runs the loop as many times as the example's size and
    records the unrolled body, **without any TracerWarning** for `x.shape[0]` / `x.size(0)`.
    **Inputs of other sizes silently get the example's number of iterations**: extra elements are
    ignored, missing ones fail.

    ## Example
    ```python
    def forward(self, x):
        return torch.cat([x[i:i + 1] * i for i in range(x.size(0))])
    ```

    ## Use instead
    ```python
    def forward(self, x):
        return x * torch.arange(x.size(0)).view(-1, 1)
    ```
    Vectorize the loop, or move it into a `@torch.jit.script_if_tracing` function where it is
    compiled as a real loop.
    """

    code = "TS508"
    name = "unrolled-shape-loop"
    message = "a Python loop over a tensor's size is unrolled for the example's size"
    compiler_message = "(no TracerWarning: the loop is unrolled silently)"
    node_types = (ast.For, ast.comprehension)
    VALID = [
        "import torch\n\n\ndef f(x):\n    for _ in range(3):\n        x = x * 2\n    return x * torch.arange(x.size(0)).view(-1, 1)\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(4, 3),))\n\n\n"
        "def diverges():\n    y = torch.randn(6, 3)\n    return not torch.allclose(traced(y), f(y))\n",
    ]
    INVALID = [
        "import torch\n\n\ndef f(x):\n    return torch.cat([x[i:i + 1] * i for i in range(x.size(0))])  # error\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(4, 3),))\n\n\n"
        "def diverges():\n    y = torch.randn(6, 3)\n    return traced(y).shape != f(y).shape\n",
        "import torch\n\n\ndef f(x):\n    total = x[0]\n    n = x.shape[0]\n    for i in range(1, n):  # error\n        total = total + x[i]\n    return total\n\n\n"
        "traced = torch.jit.trace(f, (torch.ones(4, 3),))\n\n\n"
        "def diverges():\n    y = torch.ones(6, 3)\n    return not torch.equal(traced(y), f(y))\n",
    ]

    def check(self, node: ast.AST, ctx: FunctionContext) -> None:
        it = node.iter  # type: ignore[attr-defined]
        if not is_builtin_call(ctx, it, "range"):
            return
        f = facts(ctx)
        for arg in it.args:
            baked_len = any(is_builtin_call(ctx, sub, "len") and sub.args and f.kind(sub.args[0]) == TENSOR
                            for sub in ast.walk(arg))
            if f.kind(arg) == SHAPE or baked_len:
                ctx.report(self, it,
                           f"the loop over `{_short(ctx, it)}` is unrolled by tracing for the example's size (no "
                           "TracerWarning): inputs of other sizes silently get the example's number of iterations; "
                           "vectorize it or move it into a `@torch.jit.script_if_tracing` function")
                return


class DeviceBaked(TraceRule):
    """
    ## What it does
    Flags `device=x.device` and `.to(x.device)` in traced code, where `x` is a tensor.

    ## Why is this bad?
    The tracer records the device as a constant (`prim::Constant[value="cpu"]`), **with no
    TracerWarning**. **A model traced on the CPU and run on a GPU silently creates these tensors on
    the CPU**: the result is on the wrong device, or the next operation fails with a device mismatch.

    ## Example
    ```python
    def forward(self, x):
        positions = torch.arange(x.shape[1], device=x.device)
        return x + self.embed(positions)
    ```

    ## Use instead
    Create tensors from the input, which follow it at run time: `x.new_zeros(...)`,
    `torch.zeros_like(x)`, `torch.ones_like(x)`. Otherwise trace on the device you will run on.
    """

    code = "TS510"
    name = "device-baked"
    severity = "warning"
    message = "the input's device is baked into the trace as a constant"
    compiler_message = "(no TracerWarning: the device is recorded as a constant)"
    node_types = (ast.Call,)
    VALID = [
        "import torch\n\n\ndef f(x):\n    return x.new_zeros(x.shape[0], 2) + torch.zeros_like(x)[:, :1]\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(4, 3),))\n\n\n"
        "def diverges():\n    y = torch.randn(6, 3, device='meta')\n    return traced(y).device != f(y).device\n",
    ]
    INVALID = [
        "import torch\n\n\ndef f(x):\n    return torch.zeros(x.shape[0], 2, device=x.device)  # error\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(4, 3),))\n\n\n"
        "def diverges():\n    y = torch.randn(6, 3, device='meta')\n    return traced(y).device != f(y).device\n",
    ]

    def check(self, node: ast.AST, ctx: FunctionContext) -> None:
        call: ast.Call = node  # type: ignore[assignment]
        f = facts(ctx)
        func = call.func
        is_to = isinstance(func, ast.Attribute) and func.attr == "to" and f.kind(func.value) == TENSOR
        qual = ctx.qualname(func) or ""
        if not (is_to or qual.startswith("torch.")):
            return
        values = [k.value for k in call.keywords if k.arg == "device"]
        if is_to:
            values += call.args[:1]
        for value in values:
            if f.kind(value) == DEVICE:
                ctx.report(self, value, f"`{_short(ctx, value)}` is recorded as a constant device: run on another "
                                        "device, the traced model silently keeps the example's; use `x.new_*` / "
                                        "`torch.*_like(x)` or trace on the target device")
                return


class ResizeInTrace(TraceRule):
    """
    ## What it does
    Flags `t.resize_(...)` and `t.resize_as_(...)` in traced code.

    ## Why is this bad?
    The JIT cannot represent `resize_` (torch warns: `resize_ can't be represented in the JIT at the
    moment`); later uses of the tensor are disconnected from the trace and show up as a constant:
    **every input silently gets the example's data** there.

    ## Example
    ```python
    def forward(self, x):
        y = x.clone()
        y.resize_(x.numel())
        return y
    ```

    ## Use instead
    ```python
    def forward(self, x):
        return x.reshape(-1)
    ```
    """

    code = "TS512"
    name = "resize-in-trace"
    message = "`resize_` cannot be traced; use `view` or `reshape`"
    compiler_message = "resize_ can't be represented in the JIT"
    node_types = (ast.Call,)
    VALID = ["import torch\n\n\ndef f(x):\n    return x.reshape(-1)\n\n\ntraced = torch.jit.trace(f, (torch.randn(2, 3),))\n"]
    INVALID = [
        "import torch\n\n\ndef f(x):\n    y = x.clone()\n    y.resize_(6)  # error\n    return y + x.sum()\n\n\n"
        "traced = torch.jit.trace(f, (torch.randn(2, 3),), check_trace=False)\n",
    ]

    def check(self, node: ast.AST, ctx: FunctionContext) -> None:
        func = node.func  # type: ignore[attr-defined]
        if isinstance(func, ast.Attribute) and func.attr in ("resize_", "resize_as_"):
            kind = facts(ctx).kind(func.value)
            if kind in (TENSOR, None):
                ctx.report(self, node, f"`{func.attr}` can't be represented in the JIT: later uses of the tensor "
                                       "become constants of the example; use `view` or `reshape`")
