"""TS101-TS129: Python syntax torch's frontend (`torch/jit/frontend.py`) rejects.

The frontend turns the *whole* function into tree views before anything else looks at it, so every
rule here has `frontend = True`: the construct is rejected even inside `if not torch.jit.is_scripting():`.
Constructs the later C++ emitter rejects (types, unpacking sizes, recursion) are in `syntax_emitter`.
Every rule was checked against torch 2.13 (see each rule's examples, which the test suite compiles).
"""
from __future__ import annotations

import ast
from typing import Optional

from tslint.compiler.type_comments import type_line
from tslint.finding import Edit, Finding, Fix, Span
from tslint.fix import replacement_fix
from tslint.neutralize import (
    delete_span, node_at, remove_argument, replace_expression, replace_keyword_line, replace_line_prefix,
    replace_span, stub_definition, stub_statement,
)
from tslint.rule import Rule
from tslint.walk import FunctionContext, KeywordSpan

from ._kinds import kinds, scope_nodes


class VariadicParameters(Rule):
    """
    ## What it does
    Flags `*args`, `**kwargs` and keyword-only parameters with defaults on functions and methods that
    `torch.jit.script` compiles.

    ## Why is this bad?
    TorchScript needs every call's arguments at compile time. The frontend rejects the whole function:
    `Compiled functions can't take variable number of arguments or use keyword-only arguments with
    defaults`. Keyword-only parameters *without* defaults are accepted.

    ## Example
    ```python
    class Net(nn.Module):
        def forward(self, x, **kwargs):
            return x
    ```

    ## Use instead
    ```python
    class Net(nn.Module):
        def forward(self, x, scale: Optional[float] = None):
            return x
    ```
    Name the parameters the callers really pass, with types. If the function must stay variadic for
    Python callers, keep a scriptable core and call it from a `@torch.jit.ignore` wrapper.
    """

    code = "TS101"
    frontend = True
    name = "variadic-parameters"
    message = "compiled functions can't take `*args`, `**kwargs` or keyword-only arguments with defaults"
    compiler_message = "Compiled functions can't take variable number of arguments or use keyword-only arguments with defaults"
    VALID = [
        "import torch\n\n@torch.jit.script\ndef f(x, *, scale: float):\n    return x * scale\n",
        # a method nothing compiled reaches is never compiled
        "import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n    def forward(self, x):\n        return x\n\n"
        "    def configure(self, *args, **kwargs):\n        return args\n",
    ]
    INVALID = [
        "import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n    def forward(self, x, **kwargs):  # error\n        return x\n",
        "import torch\n\n@torch.jit.script\ndef f(x, *args):  # error\n    return x\n",
        "import torch\n\n@torch.jit.script\ndef f(x, *, scale: float = 1.0):  # error\n    return x * scale\n",
    ]

    def check_function(self, ctx: FunctionContext) -> None:
        args = ctx.node.args
        if args.vararg is not None:
            ctx.report(self, _with_stars(args.vararg, 1), f"`*{args.vararg.arg}`: {self.message}")
        if args.kwarg is not None:
            ctx.report(self, _with_stars(args.kwarg, 2), f"`**{args.kwarg.arg}`: {self.message}")
        for arg, default in zip(args.kwonlyargs, args.kw_defaults):
            if default is not None and args.vararg is None:
                ctx.report(self, arg, f"keyword-only `{arg.arg}` has a default: {self.message}")
                break

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        """Drop the variadic parameter (a `kw=None` stand-in would be inferred as Tensor and break
        callers), or the bare `*` that makes a defaulted parameter keyword-only."""
        fn = node_at(source, Finding(finding.path, _def_line(source, finding.line), 0, 0, 0, "", ""), (ast.FunctionDef,))
        if fn is None:
            return None
        args = fn.args
        for variadic in (args.vararg, args.kwarg):
            if variadic is not None and variadic.lineno == finding.line:
                return _drop_parameter(source, fn, variadic)
        return _drop_bare_star(source, fn)


def _parameter_spans(fn: ast.FunctionDef) -> list[tuple[ast.arg, tuple[int, int], tuple[int, int]]]:
    """Each parameter with its (start, end) including a leading `*`/`**` and its default, in order."""
    a = fn.args
    positional = a.posonlyargs + a.args
    defaults: dict[int, ast.expr] = {id(p): d for p, d in zip(positional[len(positional) - len(a.defaults):], a.defaults)}
    defaults.update({id(p): d for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None})
    order = positional + ([a.vararg] if a.vararg else []) + a.kwonlyargs + ([a.kwarg] if a.kwarg else [])
    spans = []
    for p in order:
        stars = 1 if p is a.vararg else 2 if p is a.kwarg else 0
        last = defaults.get(id(p), p)
        spans.append((p, (p.lineno, p.col_offset - stars), (last.end_lineno or p.lineno, last.end_col_offset or 0)))
    return spans


def _drop_parameter(source: str, fn: ast.FunctionDef, param: ast.arg) -> Optional[str]:
    spans = _parameter_spans(fn)
    index = next((i for i, (p, _, _) in enumerate(spans) if p is param), None)
    if index is None:
        return None
    _, start, end = spans[index]
    if index > 0:  # from the end of the previous parameter: `f(self, x, **kw)` -> `f(self, x)`
        return delete_span(source, *spans[index - 1][2], *end)
    if index + 1 < len(spans):  # first parameter: up to the next one
        return delete_span(source, *start, *spans[index + 1][1])
    return delete_span(source, *start, *end)


def _with_stars(arg: ast.arg, stars: int) -> Span:
    return Span(arg.lineno, max(arg.col_offset - stars, 0), arg.lineno, arg.col_offset + len(arg.arg))


def _def_line(source: str, line: int) -> int:
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno <= line <= (node.body[0].lineno - 1 if node.body else node.lineno):
            return node.lineno
    return line


def _drop_bare_star(source: str, fn: ast.FunctionDef) -> Optional[str]:
    args = fn.args
    if not args.kwonlyargs:
        return None
    first_kw = args.kwonlyargs[0]
    lines = source.splitlines(keepends=True)
    for line_no in range(first_kw.lineno, fn.lineno - 1, -1):
        text = lines[line_no - 1]
        limit = first_kw.col_offset if line_no == first_kw.lineno else len(text)
        idx = text.rfind("*", 0, limit)
        if idx >= 0:
            after = text[idx + 1:]
            stripped = after.lstrip()
            if stripped.startswith(","):
                after = stripped[1:]
            lines[line_no - 1] = text[:idx] + after
            return "".join(lines)
    return None


class TryBlock(Rule):
    """
    ## What it does
    Flags `try` statements in compiled code.

    ## Why is this bad?
    TorchScript has no exception handling: the frontend has no builder for `Try` and fails with
    `try blocks aren't supported`. (`raise` and `assert` are supported.)

    ## Example
    ```python
    def forward(self, x):
        try:
            return self.head(x)
        except RuntimeError:
            return x
    ```

    ## Use instead
    Check the condition explicitly (`if x.dim() != 4: ...`), or move the Python-only error handling
    under `if not torch.jit.is_scripting():` or into a `@torch.jit.ignore` method.
    """

    code = "TS102"
    name = "try-block"
    message = "try blocks aren't supported in TorchScript"
    compiler_message = "try blocks aren't supported"
    node_types = (ast.Try,) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())
    frontend = True
    VALID = [
        "import torch\n\n@torch.jit.script\ndef f(x):\n    if x.dim() != 2:\n        raise ValueError(\"expected 2-D\")\n    return x\n",
        # Python-only error handling belongs in an ignored method
        "import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n    def forward(self, x):\n"
        "        self.log(x)\n        return x\n\n    @torch.jit.ignore\n    def log(self, x: torch.Tensor) -> None:\n"
        "        try:\n            print(x.numpy())\n        except RuntimeError:\n            pass\n",
    ]
    INVALID = [
        # the frontend rejects it before it evaluates `is_scripting()`: the guard does not help
        "import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n    def forward(self, x):\n"
        "        if not torch.jit.is_scripting():\n            try:  # error\n                print(x.numpy())\n"
        "            except RuntimeError:\n                pass\n        return x\n",
        "import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n    def forward(self, x):\n        try:  # error\n            y = x + 1\n"
        "        except RuntimeError:\n            y = x\n        return y\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        ctx.report(self, KeywordSpan(node, "try"), self.message)

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, finding, (ast.Try,))
        if node is None:
            return None
        out = source
        # a bare `raise` is only legal in a handler; under `if False:` the frontend would crash on it
        handlers: list[ast.ExceptHandler] = node.handlers  # type: ignore[attr-defined]
        bare = [n for h in handlers for n in ast.walk(h) if isinstance(n, ast.Raise) and n.exc is None]
        for stmt in sorted(bare, key=lambda n: (n.lineno, n.col_offset), reverse=True):
            out = stub_statement(out, stmt, "raise RuntimeError()")
        out = replace_line_prefix(out, node.lineno, "try:", "if True:")
        for handler in node.handlers:  # type: ignore[attr-defined]
            head = out.splitlines()[handler.lineno - 1].strip()
            out = replace_line_prefix(out, handler.lineno, head[: _colon(head) + 1], "if False:")
        if node.orelse:  # type: ignore[attr-defined]
            out = replace_keyword_line(out, node.orelse[0].lineno, "else:", "if True:")  # type: ignore[attr-defined]
        if node.finalbody:  # type: ignore[attr-defined]
            out = replace_keyword_line(out, node.finalbody[0].lineno, "finally:", "if True:")  # type: ignore[attr-defined]
        return out


def _colon(head: str) -> int:
    """Index of the colon ending an `except ...:` header (outside brackets)."""
    depth = 0
    for i, ch in enumerate(head):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == ":" and depth == 0:
            return i
    return len(head) - 1


# ---------------------------------------------------------------------------------------------
# Statements the frontend has no builder for
# ---------------------------------------------------------------------------------------------

_M = "import torch\n\n\n"  # the head of the small examples below
_MOD = "import torch\nfrom torch import nn\n\n\nclass Net(nn.Module):\n"


class GlobalStatement(Rule):
    """
    ## What it does
    Flags `global` and `nonlocal` statements in compiled functions.

    ## Why is this bad?
    TorchScript has no mutable module or closure state. The frontend fails on the statement itself,
    with `global variables aren't supported` (or `nonlocal variables aren't supported`), even under
    `if not torch.jit.is_scripting():`.

    ## Example
    ```python
    CALLS = 0

    @torch.jit.script
    def f(x):
        global CALLS
        CALLS += 1
        return x
    ```

    ## Use instead
    Pass the value in and return the new one, or keep the state as a module attribute
    (`self.calls += 1` on an `int` attribute of an `nn.Module`).
    """

    code = "TS103"
    name = "global-statement"
    frontend = True
    message = "global variables aren't supported in TorchScript"
    compiler_message = "variables aren't supported"
    node_types = (ast.Global, ast.Nonlocal)
    VALID = [
        _M + "@torch.jit.script\ndef f(x, calls: int):\n    return x, calls + 1\n",
        # `global` in a function nothing compiled reaches
        _M + "CALLS = 0\n\n\ndef count():\n    global CALLS\n    CALLS += 1\n\n\n"
        "@torch.jit.script\ndef f(x):\n    return x + 1\n",
    ]
    INVALID = [
        _M + "CALLS = 0\n\n\n@torch.jit.script\ndef f(x):\n    global CALLS  # error\n    return x\n",
        _MOD + "    def forward(self, x):\n        if not torch.jit.is_scripting():\n"
        "            global STEP  # error\n            STEP = 1\n        return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        keyword = "global" if isinstance(node, ast.Global) else "nonlocal"
        names = ", ".join(node.names)  # type: ignore[attr-defined]
        ctx.report(self, KeywordSpan(node, keyword),
                   f"`{keyword} {names}`: {keyword} variables aren't supported in TorchScript; pass the value "
                   "as an argument and return the new one, or keep it as a module attribute")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, finding, (ast.Global, ast.Nonlocal))
        return stub_statement(source, node) if node is not None else None  # type: ignore[arg-type]


class NestedFunction(Rule):
    """
    ## What it does
    Flags `def` and `async def` statements inside a compiled function.

    ## Why is this bad?
    TorchScript has no closures. The frontend fails with `function definitions aren't supported`
    (`async function definitions aren't supported` for `async def`), even when the definition sits
    under `if not torch.jit.is_scripting():`.

    ## Example
    ```python
    def forward(self, x):
        def scale(y):
            return y * 2
        return scale(x)
    ```

    ## Use instead
    ```python
    def _scale(y):
        return y * 2

    class Net(nn.Module):
        def forward(self, x):
            return _scale(x)
    ```
    Move the helper to module level (or make it a method); pass what it captured as arguments.
    """

    code = "TS104"
    name = "nested-function"
    frontend = True
    message = "function definitions aren't supported inside compiled functions"
    compiler_message = "function definitions aren't supported"
    node_types = (ast.FunctionDef, ast.AsyncFunctionDef)
    VALID = [
        _M + "def scale(y):\n    return y * 2\n\n\n@torch.jit.script\ndef f(x):\n    return scale(x)\n",
    ]
    INVALID = [
        _M + "@torch.jit.script\ndef f(x):\n    def scale(y):  # error\n        return y * 2\n    return scale(x)\n",
        _MOD + "    def forward(self, x):\n        if not torch.jit.is_scripting():\n"
        "            async def later(y):  # error\n                return y\n        return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        keyword = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
        name = getattr(node, "name", "")
        ctx.report(self, KeywordSpan(node, keyword),
                   f"nested `{keyword} {name}`: function definitions aren't supported inside compiled functions; "
                   "move it to module level (or make it a method) and pass what it captures")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, finding, (ast.FunctionDef, ast.AsyncFunctionDef))
        return stub_definition(source, node) if node is not None else None  # type: ignore[arg-type]


class NestedClass(Rule):
    """
    ## What it does
    Flags `class` statements inside a compiled function.

    ## Why is this bad?
    The frontend fails with `class definitions aren't supported`, even under
    `if not torch.jit.is_scripting():`.

    ## Example
    ```python
    @torch.jit.script
    def f(x):
        class Box:
            pass
        return x
    ```

    ## Use instead
    Define the class at module level; TorchScript compiles classes it reaches as script classes.
    """

    code = "TS105"
    name = "nested-class"
    frontend = True
    message = "class definitions aren't supported inside compiled functions"
    compiler_message = "class definitions aren't supported"
    node_types = (ast.ClassDef,)
    VALID = [
        _M + "class Box:\n    def __init__(self, v: int):\n        self.v = v\n\n\n"
        "@torch.jit.script\ndef f(x):\n    return x + Box(2).v\n",
    ]
    INVALID = [
        _M + "@torch.jit.script\ndef f(x):\n    class Box:  # error\n        pass\n    return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        name = getattr(node, "name", "")
        ctx.report(self, KeywordSpan(node, "class"),
                   f"nested `class {name}`: class definitions aren't supported inside compiled functions; "
                   "define it at module level")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, finding, (ast.ClassDef,))
        return stub_definition(source, node) if node is not None else None  # type: ignore[arg-type]


class ImportInFunction(Rule):
    """
    ## What it does
    Flags `import` and `from … import` statements inside a compiled function.

    ## Why is this bad?
    The frontend fails with `import statements aren't supported`, even under
    `if not torch.jit.is_scripting():`.

    ## Example
    ```python
    def forward(self, x):
        import math
        return x * math.pi
    ```

    ## Use instead
    Import at module level; the compiler resolves module globals such as `math.pi`.
    """

    code = "TS106"
    name = "import-in-function"
    frontend = True
    message = "import statements aren't supported inside compiled functions"
    compiler_message = "import statements aren't supported"
    node_types = (ast.Import, ast.ImportFrom)
    VALID = [
        "import math\n\nimport torch\n\n\n@torch.jit.script\ndef f(x):\n    return x * math.pi\n",
    ]
    INVALID = [
        _M + "@torch.jit.script\ndef f(x):\n    import math  # error\n    return x * math.pi\n",
        _MOD + "    def forward(self, x):\n        if not torch.jit.is_scripting():\n"
        "            from math import pi  # error\n            x = x * pi\n        return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        keyword = "from" if isinstance(node, ast.ImportFrom) else "import"
        ctx.report(self, KeywordSpan(node, keyword),
                   "import statements aren't supported inside compiled functions; import at module level")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, finding, (ast.Import, ast.ImportFrom))
        return stub_statement(source, node) if node is not None else None  # type: ignore[arg-type]


class LambdaExpression(Rule):
    """
    ## What it does
    Flags `lambda` expressions in compiled functions (including `x.register_hook(lambda g: …)` and
    `sorted(…, key=lambda …)`).

    ## Why is this bad?
    The frontend has no builder for `Lambda` and fails with `Lambda aren't supported`, even under
    `if not torch.jit.is_scripting():`.

    ## Example
    ```python
    def forward(self, x):
        act = lambda y: y.clamp(min=0)
        return act(x)
    ```

    ## Use instead
    ```python
    def _act(y):
        return y.clamp(min=0)
    ```
    Define a module-level function (or a method) and call it. Python-only callbacks belong in a
    `@torch.jit.ignore` method.
    """

    code = "TS107"
    name = "lambda"
    frontend = True
    message = "lambdas aren't supported in TorchScript"
    compiler_message = "Lambda aren't supported"
    node_types = (ast.Lambda,)
    VALID = [
        _M + "def act(y):\n    return y.clamp(min=0)\n\n\n@torch.jit.script\ndef f(x):\n    return act(x)\n",
        # a lambda in a method the compiler does not read
        _MOD + "    def forward(self, x):\n        self.log(x)\n        return x\n\n    @torch.jit.ignore\n"
        "    def log(self, x: torch.Tensor) -> None:\n        print(sorted([3, 1], key=lambda v: -v))\n",
    ]
    INVALID = [
        _M + "@torch.jit.script\ndef f(x):\n    act = lambda y: y.clamp(min=0)  # error\n    return act(x)\n",
        _MOD + "    def forward(self, x):\n        if not torch.jit.is_scripting():\n"
        "            x.register_hook(lambda g: g * 2)  # error\n        return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        ctx.report(self, KeywordSpan(node, "lambda"),
                   "lambdas aren't supported in TorchScript; use a module-level function or a method")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, finding, (ast.Lambda,))
        return replace_expression(source, node, "None") if node is not None else None  # type: ignore[arg-type]


class ForElse(Rule):
    """
    ## What it does
    Flags `for` loops with an `else:` clause in compiled functions.

    ## Why is this bad?
    The frontend fails with `else branches of for loops aren't supported` (at the `for`), even under
    `if not torch.jit.is_scripting():`.

    ## Example
    ```python
    for i in range(n):
        if hits[i]:
            break
    else:
        i = -1
    ```

    ## Use instead
    ```python
    found = -1
    for i in range(n):
        if hits[i]:
            found = i
            break
    ```
    Track the outcome in a variable set before the loop.
    """

    code = "TS108"
    name = "for-else"
    frontend = True
    message = "`for … else` isn't supported in TorchScript"
    compiler_message = "else branches of for loops aren't supported"
    node_types = (ast.For,)
    VALID = [
        _M + "@torch.jit.script\ndef f(x, n: int):\n    found = -1\n    for i in range(n):\n        if i == 2:\n"
        "            found = i\n            break\n    return x + found\n",
    ]
    INVALID = [
        _M + "@torch.jit.script\ndef f(x, n: int):\n    found = 0\n    for i in range(n):  # error\n        if i == 2:\n"
        "            break\n    else:\n        found = -1\n    return x + found\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        if node.orelse:  # type: ignore[attr-defined]
            ctx.report(self, KeywordSpan(node, "for"),
                       "`for … else` isn't supported in TorchScript (else branches of for loops); record the "
                       "outcome in a variable set before the loop and test it after")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, finding, (ast.For,))
        if node is None or not node.orelse:  # type: ignore[attr-defined]
            return None
        return replace_keyword_line(source, node.orelse[0].lineno, "else:", "if True:")  # type: ignore[attr-defined]


class WhileElse(Rule):
    """
    ## What it does
    Flags `while` loops with an `else:` clause in compiled functions.

    ## Why is this bad?
    The frontend means to say "else branches of while loops aren't supported", but it raises that
    error without a source range, and building the error report crashes: what you get is a bare
    `TypeError: __init__(): incompatible constructor arguments … torch._C.ErrorReport(…) Invoked with:
    None`, with no line. It fires even under `if not torch.jit.is_scripting():`.

    ## Example
    ```python
    while i < n:
        i += 1
    else:
        done = True
    ```

    ## Use instead
    Track the outcome in a variable (`done = False` before the loop, set it where the loop ends).
    """

    code = "TS109"
    name = "while-else"
    frontend = True
    message = "`while … else` isn't supported in TorchScript"
    compiler_message = "incompatible constructor arguments"
    node_types = (ast.While,)
    VALID = [
        _M + "@torch.jit.script\ndef f(x, n: int):\n    i = 0\n    while i < n:\n        i += 1\n    return x + i\n",
    ]
    INVALID = [
        _MOD + "    def forward(self, x):\n        i = 0\n        while i < 3:\n            i += 1\n"
        "        else:  # error\n            x = x + 1\n        return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        if not node.orelse:  # type: ignore[attr-defined]
            return
        where = _else_span(ctx.source.lines, node) or KeywordSpan(node, "while")  # type: ignore[arg-type]
        ctx.report(self, where,
                   "`while … else` isn't supported in TorchScript; the compiler crashes on it with a TypeError "
                   "about `ErrorReport` and no line. Record the outcome in a variable instead")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        tree = _parse(source)
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.While) and node.orelse and node.lineno <= finding.line <= node.orelse[0].lineno:
                if finding.line == node.lineno or _else_line(source.splitlines(), node) == finding.line:
                    return replace_keyword_line(source, node.orelse[0].lineno, "else:", "if True:")
        return None


def _parse(source: str) -> Optional[ast.Module]:
    try:
        return ast.parse(source)
    except SyntaxError:
        return None


def _else_line(lines: list[str], loop: ast.stmt) -> Optional[int]:
    """The line of a loop's `else:` (the `ast` has no node for it)."""
    first = loop.orelse[0].lineno  # type: ignore[attr-defined]
    for line_no in range(first, loop.lineno, -1):
        text = lines[line_no - 1].strip()
        if text.startswith("else") and text[4:].lstrip().startswith(":"):
            return line_no
    return None


def _else_span(lines: list[str], loop: ast.stmt) -> Optional[Span]:
    line = _else_line(lines, loop)
    if line is None:
        return None
    text = lines[line - 1]
    col = len(text) - len(text.lstrip())
    return Span(line, col, line, col + 4)


class AnnotationWithoutValue(Rule):
    """
    ## What it does
    Flags annotated declarations without a value (`y: int`) in compiled functions.

    ## Why is this bad?
    The frontend fails with `annotated assignments without assigned value aren't supported`, even
    under `if not torch.jit.is_scripting():`.

    ## Example
    ```python
    y: int
    if flag:
        y = 1
    else:
        y = 2
    ```

    ## Use instead
    ```python
    y: int = 0
    ```
    Give the declaration a value (or drop it and annotate the first assignment).
    """

    code = "TS110"
    name = "annotation-without-value"
    frontend = True
    message = "annotated declarations need a value in TorchScript"
    compiler_message = "annotated assignments without assigned value aren't supported"
    node_types = (ast.AnnAssign,)
    VALID = [
        _M + "@torch.jit.script\ndef f(x, flag: bool):\n    y: int = 0\n    if flag:\n        y = 1\n    return x + y\n",
    ]
    INVALID = [
        _M + "@torch.jit.script\ndef f(x, flag: bool):\n    y: int  # error\n    if flag:\n        y = 1\n"
        "    else:\n        y = 2\n    return x + y\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        assert isinstance(node, ast.AnnAssign)
        if node.value is None:
            decl = f"{ast.unparse(node.target)}: {ast.unparse(node.annotation)}"
            ctx.report(self, node,
                       f"`{decl}` has no value: annotated declarations need one in TorchScript; write "
                       f"`{decl} = <initial value>`")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, finding, (ast.AnnAssign,))
        return stub_statement(source, node) if node is not None else None  # type: ignore[arg-type]


class InstanceAnnotationOutsideInit(Rule):
    """
    ## What it does
    Flags `self.attr: T = value` in compiled methods other than `__init__`.

    ## Why is this bad?
    The frontend refuses attribute annotations outside `__init__` with a `ValueError`:
    `Type annotations on instance attributes must be declared in __init__, not 'forward'`, even under
    `if not torch.jit.is_scripting():`.

    ## Example
    ```python
    def forward(self, x):
        self.steps: int = self.steps + 1
        return x
    ```

    ## Use instead
    Declare the type where the attribute is created (`self.steps: int = 0` in `__init__`, or a
    class-level `steps: int`) and assign without annotation elsewhere.
    """

    code = "TS111"
    name = "instance-annotation-outside-init"
    frontend = True
    message = "instance attributes can only be annotated in `__init__`"
    compiler_message = "Type annotations on instance attributes must be declared in __init__"
    node_types = (ast.AnnAssign,)
    VALID = [
        _MOD + "    def __init__(self):\n        super().__init__()\n        self.steps: int = 0\n\n"
        "    def forward(self, x):\n        self.steps = self.steps + 1\n        return x\n",
    ]
    INVALID = [
        _MOD + "    def __init__(self):\n        super().__init__()\n        self.steps = 0\n\n"
        "    def forward(self, x):\n        self.steps: int = self.steps + 1  # error\n        return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        target = node.target  # type: ignore[attr-defined]
        if (
            node.value is not None  # type: ignore[attr-defined]
            and isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id == "self"
            and ctx.node.name != "__init__"
        ):
            ctx.report(self, node,
                       f"`self.{target.attr}` is annotated in `{ctx.node.name}`: instance attributes can only be "
                       f"annotated in `__init__`; drop the annotation here and declare the type in `__init__`")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, finding, (ast.AnnAssign,))
        if node is None or node.value is None or node.target.end_lineno != node.value.lineno:  # type: ignore[attr-defined]
            return None
        target, value = node.target, node.value  # type: ignore[attr-defined]
        return replace_span(source, target.end_lineno, target.end_col_offset, value.lineno, value.col_offset, " = ")


# ---------------------------------------------------------------------------------------------
# Expansions and comprehensions
# ---------------------------------------------------------------------------------------------

class KeywordExpansion(Rule):
    """
    ## What it does
    Flags `**mapping` arguments in calls inside compiled functions.

    ## Why is this bad?
    Keyword arguments must be known at compile time. The frontend fails with `keyword-arg expansion
    is not supported`, even under `if not torch.jit.is_scripting():`.

    ## Example
    ```python
    def forward(self, x):
        return F.interpolate(x, **self.opts)
    ```

    ## Use instead
    ```python
    def forward(self, x):
        return F.interpolate(x, scale_factor=self.scale, mode="nearest")
    ```
    Spell the keyword arguments out.
    """

    code = "TS112"
    name = "keyword-expansion"
    frontend = True
    message = "`**kwargs` expansion in calls isn't supported in TorchScript"
    compiler_message = "keyword-arg expansion is not supported"
    node_types = (ast.keyword,)
    VALID = [
        _M + "@torch.jit.script\ndef f(x):\n    return torch.sum(x, dim=0, keepdim=True)\n",
    ]
    INVALID = [
        _M + "def g(x, scale: float = 1.0):\n    return x * scale\n\n\n@torch.jit.script\ndef f(x):\n"
        "    opts = {\"scale\": 2.0}\n    return g(x, **opts)  # error\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        assert isinstance(node, ast.keyword)
        if node.arg is None:
            ctx.report(self, node,
                       f"`**{ast.unparse(node.value)}`: keyword-argument expansion isn't supported in TorchScript; "
                       "pass the keyword arguments explicitly")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        tree = _parse(source)
        for call in ast.walk(tree) if tree else ():
            if isinstance(call, ast.Call):
                for kw in call.keywords:
                    if kw.arg is None and kw.lineno == finding.line and kw.col_offset == finding.col:
                        return remove_argument(source, call, kw)
        return None


class DictExpansion(Rule):
    """
    ## What it does
    Flags `{**mapping}` in dict displays inside compiled functions.

    ## Why is this bad?
    When the expansion comes first, the frontend fails with ``Dict expansion (e.g. `{**dict}`) is not
    supported``; anywhere else in the display it crashes with `AttributeError: 'NoneType' object has
    no attribute 'lineno'`. Both happen even under `if not torch.jit.is_scripting():`.

    ## Example
    ```python
    out = {**features, "logits": logits}
    ```

    ## Use instead
    ```python
    out = features.copy()
    out["logits"] = logits
    ```
    Copy the dict and set the extra keys. Dict comprehensions are fine.
    """

    code = "TS113"
    name = "dict-expansion"
    frontend = True
    message = "`{**mapping}` isn't supported in TorchScript"
    compiler_message = "Dict expansion"
    node_types = (ast.Dict,)
    VALID = [
        _M + "from typing import Dict\n\n\n@torch.jit.script\ndef f(x, d: Dict[str, int]):\n    e = d.copy()\n"
        "    e[\"b\"] = 2\n    sq = {k: v * v for k, v in e.items()}\n    return x + sq[\"b\"]\n",
    ]
    INVALID = [
        _M + "from typing import Dict\n\n\n@torch.jit.script\ndef f(x, d: Dict[str, int]):\n"
        "    e = {**d, \"b\": 2}  # error\n    return x + e[\"b\"]\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        expanded = [v for k, v in zip(node.keys, node.values) if k is None]  # type: ignore[attr-defined]
        if not expanded:
            return
        first = node.keys[0] is None  # type: ignore[attr-defined]
        crash = "" if first else " (not in first place, it crashes the frontend with an AttributeError)"
        ctx.report(self, node,
                   f"`{{**{ast.unparse(expanded[0])}}}`: dict expansion isn't supported in TorchScript{crash}; "
                   f"copy the dict (`{ast.unparse(expanded[0])}.copy()`) and set the other keys")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, finding, (ast.Dict,))
        if node is None:
            return None
        keys, values = node.keys, node.values  # type: ignore[attr-defined]
        kept = [(k, v) for k, v in zip(keys, values) if k is not None]
        if kept:
            text = ast.unparse(ast.Dict(keys=[k for k, _ in kept], values=[v for _, v in kept]))
        else:
            text = f"({ast.unparse(values[0])}).copy()"
        return replace_expression(source, node, text)  # type: ignore[arg-type]


_COMPREHENSIONS = (ast.ListComp, ast.GeneratorExp, ast.DictComp)


class ComprehensionIf(Rule):
    """
    ## What it does
    Flags list, dict and generator comprehensions with an `if` filter in compiled functions.

    ## Why is this bad?
    The frontend fails with `Comprehension ifs are not supported yet`, even under
    `if not torch.jit.is_scripting():`.

    ## Example
    ```python
    kept = [b for b in boxes if b.numel() > 0]
    ```

    ## Use instead
    ```python
    kept: List[Tensor] = []
    for b in boxes:
        if b.numel() > 0:
            kept.append(b)
    ```
    Write the loop out. Comprehensions without `if` (and `sum(v for v in l)`) are fine.
    """

    code = "TS114"
    name = "comprehension-if"
    frontend = True
    message = "comprehensions with `if` aren't supported in TorchScript"
    compiler_message = "Comprehension ifs are not supported yet"
    node_types = _COMPREHENSIONS
    VALID = [
        _M + "from typing import List\n\n\n@torch.jit.script\ndef f(x, l: List[int]):\n"
        "    kept: List[int] = []\n    for i in l:\n        if i > 0:\n            kept.append(i)\n"
        "    return x + sum(i * 2 for i in kept) + len([i for i in l])\n",
    ]
    INVALID = [
        _M + "from typing import List\n\n\n@torch.jit.script\ndef f(x, l: List[int]):\n"
        "    kept = [i for i in l if i > 0]  # error\n    return x + len(kept)\n",
        _M + "from typing import List\n\n\n@torch.jit.script\ndef f(x, l: List[int]):\n"
        "    return x + sum(i for i in l if i > 0)  # error\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        generators = node.generators  # type: ignore[attr-defined]
        if len(generators) == 1 and generators[0].ifs:
            ctx.report(self, node,
                       "comprehensions with `if` aren't supported in TorchScript; write the loop out "
                       "(`for …: if …: out.append(…)`)")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, finding, _COMPREHENSIONS)
        if node is None or len(node.generators) != 1 or not node.generators[0].ifs:  # type: ignore[attr-defined]
            return None
        gen = node.generators[0]  # type: ignore[attr-defined]
        last = gen.ifs[-1]
        return delete_span(source, gen.iter.end_lineno, gen.iter.end_col_offset, last.end_lineno, last.end_col_offset)


class ComprehensionMultipleFor(Rule):
    """
    ## What it does
    Flags comprehensions with more than one `for` clause in compiled functions.

    ## Why is this bad?
    The frontend fails with `Only a single generator is currently supported`, even under
    `if not torch.jit.is_scripting():`.

    ## Example
    ```python
    pairs = [(i, j) for i in range(n) for j in range(n)]
    ```

    ## Use instead
    Nest the loops explicitly and `append`, or nest comprehensions (`[[f(i, j) for j in l] for i in l]`).
    """

    code = "TS115"
    name = "comprehension-multiple-for"
    frontend = True
    message = "comprehensions with several `for` clauses aren't supported in TorchScript"
    compiler_message = "Only a single generator is currently supported"
    node_types = _COMPREHENSIONS
    VALID = [
        _M + "from typing import List\n\n\n@torch.jit.script\ndef f(x, l: List[int]):\n"
        "    grid = [[i + j for j in l] for i in l]\n    return x + len(grid)\n",
    ]
    INVALID = [
        _M + "from typing import List\n\n\n@torch.jit.script\ndef f(x, l: List[int]):\n"
        "    sums = [i + j for i in l for j in l]  # error\n    return x + len(sums)\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        if len(node.generators) > 1:  # type: ignore[attr-defined]
            ctx.report(self, node,
                       "comprehensions with several `for` clauses aren't supported in TorchScript; nest the loops "
                       "(or nest one comprehension in another)")


# ---------------------------------------------------------------------------------------------
# f-strings
# ---------------------------------------------------------------------------------------------

def _fstring_values(node: ast.AST, ctx: FunctionContext) -> list[ast.FormattedValue]:
    """The formatted values of an f-string the frontend builds (not of a format spec, which is itself
    a JoinedStr the frontend never reaches)."""
    parent = ctx.parent(node)
    if isinstance(parent, ast.FormattedValue) and parent.format_spec is node:
        return []
    return [v for v in node.values if isinstance(v, ast.FormattedValue)]  # type: ignore[attr-defined]


def _rewrite_fstring(source: str, finding: Finding, drop: str) -> Optional[str]:
    node = node_at(source, finding, (ast.JoinedStr,))
    if node is None:
        return None
    for value in node.values:  # type: ignore[attr-defined]
        if isinstance(value, ast.FormattedValue):
            if drop == "conversion":
                value.conversion = -1
            value.format_spec = None
    return replace_expression(source, node, ast.unparse(node))  # type: ignore[arg-type]


_CONVERSIONS = {ord("r"): "!r", ord("s"): "!s", ord("a"): "!a"}


class FStringConversion(Rule):
    """
    ## What it does
    Flags f-string conversions (`f"{x!r}"`, `f"{x!s}"`) and the debug form `f"{x=}"` in compiled
    functions.

    ## Why is this bad?
    The frontend fails with `Don't support conversion in JoinedStr`, even under
    `if not torch.jit.is_scripting():` (`{x=}` implies `!r`).

    ## Example
    ```python
    raise ValueError(f"bad mode {mode!r}")
    ```

    ## Use instead
    ```python
    raise ValueError(f"bad mode '{mode}'")
    ```
    Plain `{x}` fields are fine.
    """

    code = "TS116"
    name = "fstring-conversion"
    frontend = True
    message = "f-string conversions (`!r`, `!s`, `=`) aren't supported in TorchScript"
    compiler_message = "Don't support conversion in JoinedStr"
    node_types = (ast.JoinedStr,)
    VALID = [
        _M + "@torch.jit.script\ndef f(x, mode: str):\n    if mode != \"sum\":\n"
        "        raise ValueError(f\"bad mode '{mode}' for {x.dim()}-d input\")\n    return x\n",
    ]
    INVALID = [
        _M + "@torch.jit.script\ndef f(x, mode: str):\n    if mode != \"sum\":\n"
        "        raise ValueError(f\"bad mode {mode!r}\")  # error\n    return x\n",
        _M + "@torch.jit.script\ndef f(x):\n    n = x.dim()\n    print(f\"{n=}\")  # error\n    return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        for value in _fstring_values(node, ctx):
            if value.conversion != -1:
                conv = _CONVERSIONS.get(value.conversion, "!")
                ctx.report(self, node,
                           f"f-string conversion `{conv}` (or `=`) isn't supported in TorchScript; use a plain "
                           "`{…}` field (wrap it in quotes yourself if needed)")
                return

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        return _rewrite_fstring(source, finding, "conversion")


class FStringFormatSpec(Rule):
    """
    ## What it does
    Flags f-string format specs (`f"{loss:.4f}"`, `f"{n:>5}"`) in compiled functions.

    ## Why is this bad?
    The frontend fails with `Don't support formatting in JoinedStr`, even under
    `if not torch.jit.is_scripting():`.

    ## Example
    ```python
    print(f"loss {loss:.4f}")
    ```

    ## Use instead
    ```python
    print("loss {:.4f}".format(loss))
    ```
    `str.format` and `%` formatting are compiled; plain `{x}` fields are fine too.
    """

    code = "TS117"
    name = "fstring-format-spec"
    frontend = True
    message = "f-string format specs aren't supported in TorchScript"
    compiler_message = "Don't support formatting in JoinedStr"
    node_types = (ast.JoinedStr,)
    VALID = [
        _M + "@torch.jit.script\ndef f(x):\n    loss = 0.12345\n    print(\"loss {:.4f}\".format(loss))\n"
        "    print(\"loss %.4f\" % loss)\n    print(f\"loss {loss}\")\n    return x\n",
    ]
    INVALID = [
        _M + "@torch.jit.script\ndef f(x):\n    loss = 0.12345\n    print(f\"loss {loss:.4f}\")  # error\n    return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        values = _fstring_values(node, ctx)
        for value in values:
            if value.conversion != -1:
                return  # the conversion is what the compiler reports (TS116)
            if value.format_spec is not None:
                spec = ast.unparse(value.format_spec)[2:-1] if isinstance(value.format_spec, ast.JoinedStr) else ""
                ctx.report(self, node,
                           f"f-string format spec `:{spec}` isn't supported in TorchScript; use "
                           f"`\"{{:{spec}}}\".format(…)` or `%` formatting")
                return

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        return _rewrite_fstring(source, finding, "spec")


# ---------------------------------------------------------------------------------------------
# Operators and names
# ---------------------------------------------------------------------------------------------

_AUG_OPS = {ast.FloorDiv: "//", ast.MatMult: "@"}


class UnsupportedAugmentedAssignment(Rule):
    """
    ## What it does
    Flags `x //= y` and `x @= y` in compiled functions.

    ## Why is this bad?
    The frontend's augmented-assignment table lacks floor division and matrix multiplication; it fails
    with `unsupported kind of augmented assignment: FloorDiv` (or `MatMult`), even under
    `if not torch.jit.is_scripting():`. The binary operators `//` and `@` are fine.

    ## Example
    ```python
    h //= 2
    ```

    ## Use instead
    ```python
    h = h // 2
    ```

    ## Fix safety
    The rewrite is safe for numbers and for `@=` (a Tensor has no in-place `@=`: Python already
    rebinds). For a Tensor, `x //= y` divides in place and other references to `x` see it, while
    `x = x // y` makes a new Tensor: there the fix is unsafe (`--unsafe-fixes`). A target that calls
    something (`a[f()] //= 2`) gets no fix.
    """

    code = "TS118"
    name = "unsupported-augmented-assignment"
    frontend = True
    fix_safety = "safe"
    message = "`//=` and `@=` aren't supported in TorchScript"
    compiler_message = "unsupported kind of augmented assignment"
    node_types = (ast.AugAssign,)
    VALID = [
        _M + "@torch.jit.script\ndef f(x, h: int):\n    h = h // 2\n    x = x @ x\n    h += 1\n    return x + h\n",
    ]
    INVALID = [
        _M + "@torch.jit.script\ndef f(x, h: int):\n    h //= 2  # error\n    return x + h\n",
        _M + "@torch.jit.script\ndef f(x):\n    x @= x  # error\n    return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        op = _AUG_OPS.get(type(node.op))  # type: ignore[attr-defined]
        if op is None:
            return
        target = ast.unparse(node.target)  # type: ignore[attr-defined]
        ctx.report(self, node,
                   f"`{op}=` isn't supported in TorchScript; write `{target} = {target} {op} …`",
                   fix=_aug_assign_fix(node, op, ctx))  # type: ignore[arg-type]

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, finding, (ast.AugAssign,))
        if not isinstance(node, ast.AugAssign) or type(node.op) not in _AUG_OPS:
            return None
        target = ast.unparse(node.target)
        op = _AUG_OPS[type(node.op)]
        return stub_statement(source, node, f"{target} = {target} {op} ({ast.unparse(node.value)})")


def _aug_assign_fix(node: ast.AugAssign, op: str, ctx: FunctionContext) -> Optional[Fix]:
    """`h //= 2` → `h = h // 2`. None when the target computes something (`a[f()] //= 2` would call
    `f` twice). Unsafe unless the target is a number: a Tensor's `//=` writes in place, and other
    references to it see the change (a Tensor has no in-place `@=`: `@=` already rebinds)."""
    if any(isinstance(n, ast.Call) for n in ast.walk(node.target)):
        return None
    target, value = ctx.source.segment(node.target), ctx.source.segment(node.value)
    if target is None or value is None:
        return None
    if not isinstance(node.value, (ast.Name, ast.Constant, ast.Attribute, ast.Call, ast.Subscript)):
        value = f"({value})"
    safe = op == "@" or kinds(ctx).kind(node.target) in ("int", "float")
    return replacement_fix(ctx.source, node, f"{target} = {target} {op} {value}", f"Rewrite as `{target} = {target} {op} …`",
                           "safe" if safe else "unsafe")


class UnaryPlus(Rule):
    """
    ## What it does
    Flags the unary `+` operator (`+x`) in compiled functions.

    ## Why is this bad?
    The frontend has no unary `+`, and its error path itself is broken: instead of a message you get
    `AttributeError: 'UnaryOp' object has no attribute 'range'`, without a line. It happens even under
    `if not torch.jit.is_scripting():`.

    ## Example
    ```python
    return +x
    ```

    ## Use instead
    ```python
    return x
    ```
    Drop the `+` (it does nothing for numbers and tensors).
    """

    code = "TS119"
    name = "unary-plus"
    frontend = True
    fix_safety = "safe"
    message = "unary `+` isn't supported in TorchScript"
    compiler_message = "'UnaryOp' object has no attribute 'range'"
    node_types = (ast.UnaryOp,)
    VALID = [
        _M + "@torch.jit.script\ndef f(x):\n    return -x + 1\n",
    ]
    INVALID = [
        _MOD + "    def forward(self, x):\n        return +x  # error\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        if isinstance(node.op, ast.UAdd):  # type: ignore[attr-defined]
            line, col, _, _ = ctx.source.span(node)
            ctx.report(self, node,
                       "unary `+` isn't supported in TorchScript (the compiler crashes with \"'UnaryOp' object has "
                       "no attribute 'range'\"); drop the `+`",
                       fix=Fix("Drop the unary `+`", (Edit(line, col, line, col + 1, ""),)))

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, finding, (ast.UnaryOp,))
        if node is None or not isinstance(node.op, ast.UAdd):  # type: ignore[attr-defined]
            return None
        return delete_span(source, node.lineno, node.col_offset, node.lineno, node.col_offset + 1)


_RESERVED = "__jit"


class ReservedJitName(Rule):
    """
    ## What it does
    Flags variable names that start with `__jit` in compiled functions.

    ## Why is this bad?
    The prefix is reserved for the compiler's own temporaries. The frontend fails with `names of
    variables used in JIT-ed functions can't start with __jit`, even under
    `if not torch.jit.is_scripting():`. (Parameter and attribute names are not checked.)

    ## Example
    ```python
    __jit_tmp = x + 1
    ```

    ## Use instead
    Rename the variable (`tmp = x + 1`).
    """

    code = "TS120"
    name = "reserved-jit-name"
    frontend = True
    message = "variable names starting with `__jit` are reserved in TorchScript"
    compiler_message = "names of variables used in JIT-ed functions can't start with __jit"
    VALID = [
        _M + "@torch.jit.script\ndef f(x, __jit_scale: float):\n    jit_tmp = x * 2\n    return jit_tmp\n",
    ]
    INVALID = [
        _M + "@torch.jit.script\ndef f(x):\n    __jit_tmp = x * 2  # error\n    return __jit_tmp\n",
    ]

    def check_function(self, ctx: FunctionContext) -> None:
        seen: set[str] = set()
        for node in scope_nodes(ctx.node):
            if isinstance(node, ast.Name) and node.id.startswith(_RESERVED) and node.id not in seen:
                seen.add(node.id)
                ctx.report(self, node,
                           f"`{node.id}`: variable names starting with `__jit` are reserved in TorchScript; rename it")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, finding, (ast.Name,))
        tree = _parse(source)
        if node is None or tree is None or not node.id.startswith(_RESERVED):  # type: ignore[attr-defined]
            return None
        name = node.id  # type: ignore[attr-defined]
        new = "_jit_" + name[len(_RESERVED):]  # same length: other columns on the line do not move
        same = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == name]
        out = source
        for n in sorted(same, key=lambda n: (n.lineno, n.col_offset), reverse=True):
            out = replace_span(out, n.lineno, n.col_offset, n.end_lineno, n.end_col_offset, new)  # type: ignore[arg-type]
        return out


# ---------------------------------------------------------------------------------------------
# Expressions the frontend has no builder for
# ---------------------------------------------------------------------------------------------

class Walrus(Rule):
    """
    ## What it does
    Flags assignment expressions (`(y := f(x))`) in compiled functions.

    ## Why is this bad?
    The frontend has no builder for `NamedExpr` and fails with `NamedExpr aren't supported`, even
    under `if not torch.jit.is_scripting():`.

    ## Example
    ```python
    if (n := x.size(0)) > 1:
        x = x / n
    ```

    ## Use instead
    ```python
    n = x.size(0)
    if n > 1:
        x = x / n
    ```
    """

    code = "TS121"
    name = "walrus"
    frontend = True
    message = "assignment expressions (`:=`) aren't supported in TorchScript"
    compiler_message = "NamedExpr aren't supported"
    node_types = (ast.NamedExpr,)
    VALID = [
        _M + "@torch.jit.script\ndef f(x):\n    n = x.size(0)\n    if n > 1:\n        x = x / n\n    return x\n",
    ]
    INVALID = [
        _M + "@torch.jit.script\ndef f(x):\n    if (n := x.size(0)) > 1:  # error\n        x = x / n\n    return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        name = ast.unparse(node.target)  # type: ignore[attr-defined]
        ctx.report(self, node,
                   f"`{name} := …`: assignment expressions aren't supported in TorchScript; assign `{name}` in a "
                   "statement before")


def _brackets(source: str, node: ast.AST, opening: str, closing: str) -> str:
    """Swap the first and last character of a display (`{1, 2}` → `[1, 2]`)."""
    line, col = node.lineno, node.col_offset  # type: ignore[attr-defined]
    out = replace_span(source, line, col, line, col + 1, opening)
    end_line, end_col = node.end_lineno, node.end_col_offset  # type: ignore[attr-defined]
    return replace_span(out, end_line, end_col - 1, end_line, end_col, closing)


class SetLiteral(Rule):
    """
    ## What it does
    Flags set displays (`{a, b}`) in compiled functions.

    ## Why is this bad?
    TorchScript has no set type. The frontend fails with `Set aren't supported`, even under
    `if not torch.jit.is_scripting():`.

    ## Example
    ```python
    if mode in {"bilinear", "bicubic"}:
        ...
    ```

    ## Use instead
    ```python
    if mode in ["bilinear", "bicubic"]:
        ...
    ```
    Use a list (membership tests work on lists), or a `Dict[K, bool]` for lookups.
    """

    code = "TS122"
    name = "set-literal"
    frontend = True
    message = "sets aren't supported in TorchScript"
    compiler_message = "Set aren't supported"
    node_types = (ast.Set,)
    VALID = [
        _M + "@torch.jit.script\ndef f(x, mode: str):\n    if mode in [\"bilinear\", \"bicubic\"]:\n"
        "        x = x * 2\n    return x\n",
    ]
    INVALID = [
        _M + "@torch.jit.script\ndef f(x, mode: str):\n    if mode in {\"bilinear\", \"bicubic\"}:  # error\n"
        "        x = x * 2\n    return x\n",
        # the frontend builds dead branches too
        _MOD + "    def forward(self, x):\n        if not torch.jit.is_scripting():\n"
        "            print({1, 2})  # error\n        return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        ctx.report(self, node, "sets aren't supported in TorchScript; use a list (`in` works on lists)")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, finding, (ast.Set,))
        return _brackets(source, node, "[", "]") if node is not None else None


class SetComprehension(Rule):
    """
    ## What it does
    Flags set comprehensions (`{f(v) for v in l}`) in compiled functions.

    ## Why is this bad?
    TorchScript has no set type. The frontend fails with `SetComp aren't supported`, even under
    `if not torch.jit.is_scripting():`.

    ## Example
    ```python
    dims = {t.dim() for t in tensors}
    ```

    ## Use instead
    Build a list (`[t.dim() for t in tensors]`) and deduplicate explicitly if you need to, or use a
    `Dict[int, bool]`.
    """

    code = "TS123"
    name = "set-comprehension"
    frontend = True
    message = "set comprehensions aren't supported in TorchScript"
    compiler_message = "SetComp aren't supported"
    node_types = (ast.SetComp,)
    VALID = [
        _M + "from typing import List\n\n\n@torch.jit.script\ndef f(x, ts: List[torch.Tensor]):\n"
        "    dims = [t.dim() for t in ts]\n    return x + len(dims)\n",
    ]
    INVALID = [
        _M + "from typing import List\n\n\n@torch.jit.script\ndef f(x, ts: List[torch.Tensor]):\n"
        "    dims = {t.dim() for t in ts}  # error\n    return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        ctx.report(self, node, "set comprehensions aren't supported in TorchScript; build a list instead")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, finding, (ast.SetComp,))
        return _brackets(source, node, "[", "]") if node is not None else None


class GeneratorFunction(Rule):
    """
    ## What it does
    Flags `yield` and `yield from` in compiled functions.

    ## Why is this bad?
    A compiled function cannot be a generator. The frontend fails with `Yield aren't supported`
    (`YieldFrom aren't supported`), even under `if not torch.jit.is_scripting():`.

    ## Example
    ```python
    def forward(self, x):
        for block in self.blocks:
            x = block(x)
            yield x
    ```

    ## Use instead
    Collect the values in a `List[Tensor]` and return it.
    """

    code = "TS124"
    name = "generator-function"
    frontend = True
    message = "generators (`yield`) aren't supported in TorchScript"
    compiler_message = "Yield"
    node_types = (ast.Yield, ast.YieldFrom)
    VALID = [
        _M + "from typing import List\n\n\n@torch.jit.script\ndef f(x):\n    out: List[torch.Tensor] = []\n"
        "    for i in range(3):\n        out.append(x * i)\n    return out\n",
    ]
    INVALID = [
        _M + "@torch.jit.script\ndef f(x):\n    for i in range(3):\n        yield x * i  # error\n",
        _M + "@torch.jit.script\ndef f(x):\n    yield from [x, x]  # error\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        keyword = "yield from" if isinstance(node, ast.YieldFrom) else "yield"
        ctx.report(self, KeywordSpan(node, keyword),
                   f"`{keyword}`: generators aren't supported in TorchScript; collect the values in a list and "
                   "return it")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        tree = _parse(source)
        for stmt in ast.walk(tree) if tree else ():
            if (isinstance(stmt, ast.Expr) and isinstance(stmt.value, (ast.Yield, ast.YieldFrom))
                    and stmt.value.lineno == finding.line and stmt.value.col_offset == finding.col):
                value = stmt.value.value
                return stub_statement(source, stmt, f"return {ast.unparse(value)}" if value is not None else "return")
        return None


class AsyncFunction(Rule):
    """
    ## What it does
    Flags compiled functions and methods defined with `async def`.

    ## Why is this bad?
    `torch.jit.script` only compiles plain `def`s: it fails with `Expected a single top-level
    function: <file>:<line>`, a message that does not mention `async`.

    ## Example
    ```python
    class Net(nn.Module):
        async def forward(self, x):
            return x
    ```

    ## Use instead
    Use `def`; TorchScript runs code synchronously (use `torch.jit.fork`/`wait` for parallelism).
    """

    code = "TS125"
    name = "async-function"
    frontend = True
    message = "`async def` functions can't be compiled"
    compiler_message = "Expected a single top-level function"
    VALID = [
        _MOD + "    def forward(self, x):\n        fut = torch.jit.fork(torch.neg, x)\n        return torch.jit.wait(fut)\n",
    ]
    INVALID = [
        _MOD + "    async def forward(self, x):  # error\n        return x\n",
    ]

    def check_function(self, ctx: FunctionContext) -> None:
        node = ctx.node
        if isinstance(node, ast.AsyncFunctionDef):
            ctx.report(self, KeywordSpan(node, "async def"),
                       f"`async def {node.name}` can't be compiled (the compiler says \"Expected a single top-level "
                       "function\"); make it a plain `def`")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, finding, (ast.AsyncFunctionDef,))
        if node is None:
            return None
        out = source
        awaits = [n for n in scope_nodes(node) if isinstance(n, ast.Await)]
        for n in sorted(awaits, key=lambda n: (n.lineno, n.col_offset), reverse=True):
            out = delete_span(out, n.lineno, n.col_offset, n.value.lineno, n.value.col_offset)
        return replace_span(out, node.lineno, node.col_offset, node.lineno, node.col_offset + len("async "), "")


class MatchStatement(Rule):
    """
    ## What it does
    Flags `match` statements in compiled functions.

    ## Why is this bad?
    The frontend has no builder for `Match` and fails with `Match aren't supported`, even under
    `if not torch.jit.is_scripting():`.

    ## Example
    ```python
    match mode:
        case "sum":
            return x.sum()
        case _:
            return x
    ```

    ## Use instead
    Use `if`/`elif`/`else`.
    """

    code = "TS126"
    name = "match-statement"
    frontend = True
    message = "`match` statements aren't supported in TorchScript"
    compiler_message = "Match aren't supported"
    node_types = (ast.Match,)
    VALID = [
        _M + "@torch.jit.script\ndef f(x, mode: str):\n    if mode == \"sum\":\n        return x.sum()\n    return x\n",
    ]
    INVALID = [
        _M + "@torch.jit.script\ndef f(x, mode: str):\n    match mode:  # error\n        case \"sum\":\n"
        "            return x.sum()\n        case _:\n            return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        ctx.report(self, KeywordSpan(node, "match"),
                   "`match` statements aren't supported in TorchScript; use `if`/`elif`/`else`")


class BytesLiteral(Rule):
    """
    ## What it does
    Flags bytes literals (`b"…"`) in compiled functions.

    ## Why is this bad?
    TorchScript has no bytes type. The frontend fails with `Unknown Constant expression type`, even
    under `if not torch.jit.is_scripting():`.

    ## Example
    ```python
    magic = b"\\x89PNG"
    ```

    ## Use instead
    Use a `str`, or a tensor of `torch.uint8` values.
    """

    code = "TS127"
    name = "bytes-literal"
    frontend = True
    message = "bytes literals aren't supported in TorchScript"
    compiler_message = "Unknown Constant expression type"
    node_types = (ast.Constant,)
    VALID = [
        _M + "@torch.jit.script\ndef f(x):\n    tag = \"abc\"\n    return x + len(tag)\n",
    ]
    INVALID = [
        _M + "@torch.jit.script\ndef f(x):\n    tag = b\"abc\"  # error\n    return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        if isinstance(node.value, bytes):  # type: ignore[attr-defined]
            ctx.report(self, node, "bytes literals aren't supported in TorchScript; use a `str` or a uint8 tensor")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, finding, (ast.Constant,))
        if node is None or not isinstance(node.value, bytes):  # type: ignore[attr-defined]
            return None
        return replace_expression(source, node, repr(node.value.decode("latin-1")))  # type: ignore[arg-type, attr-defined]


class BareRaise(Rule):
    """
    ## What it does
    Flags a bare `raise` (re-raise) outside an `except` handler in compiled functions.

    ## Why is this bad?
    There is no exception to re-raise in TorchScript, and the frontend's error path is broken: it
    crashes with `AttributeError: 'NoneType' object has no attribute 'lineno'` and no line, even under
    `if not torch.jit.is_scripting():`. (Inside an `except` handler the `try` is reported first, TS102.)

    ## Example
    ```python
    if x.dim() != 4:
        raise
    ```

    ## Use instead
    ```python
    if x.dim() != 4:
        raise RuntimeError("expected a 4-D input")
    ```
    """

    code = "TS128"
    name = "bare-raise"
    frontend = True
    message = "a bare `raise` can't be compiled"
    compiler_message = "'NoneType' object has no attribute 'lineno'"
    node_types = (ast.Raise,)
    VALID = [
        _M + "@torch.jit.script\ndef f(x):\n    if x.dim() != 4:\n        raise RuntimeError(\"expected a 4-D input\")\n"
        "    return x\n",
    ]
    INVALID = [
        _MOD + "    def forward(self, x):\n        if x.dim() != 4:\n            raise  # error\n        return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        if node.exc is not None:  # type: ignore[attr-defined]
            return
        parent = ctx.parent(node)
        while parent is not None and parent is not ctx.node:
            if isinstance(parent, ast.ExceptHandler):
                return  # the `try` is what the compiler reports (TS102)
            parent = ctx.parent(parent)
        ctx.report(self, node,
                   "a bare `raise` can't be compiled (the compiler crashes with \"'NoneType' object has no attribute "
                   "'lineno'\"); raise an exception explicitly, e.g. `raise RuntimeError(\"…\")`")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, finding, (ast.Raise,))
        if node is None or node.exc is not None:  # type: ignore[attr-defined]
            return None
        return stub_statement(source, node, "raise RuntimeError()")  # type: ignore[arg-type]


class TypeCommentSignature(Rule):
    """
    ## What it does
    Flags `# type:` comments the compiler cannot read as the function's signature: a signature
    comment on the `def` line itself, a variable's type comment (`y = []  # type: List[int]`) as
    the function's only type comment, several type comments without a `# type: (...) -> R` line,
    or a signature whose number of types differs from the number of parameters.

    ## Why is this bad?
    The compiler does not use Python's parser for type comments (`torch.jit.annotations.
    get_type_line`): it scans the function's source lines for `# type:` (only lines ending in
    `# type: ignore` are skipped, wherever the comment is, even in a string). One such line is the
    signature and must start with `# type:` (`expected type comment but found 'def' here`; a
    variable's comment gives `... found 'ident' here`, even in an annotated function); with several,
    the first `# type: (...) -> R` line is the signature and the lines before it give the parameter
    types, in order (`Return type line '# type: (...) -> ...' not found on multiline type
    annotation`). A signature with the wrong number of types fails with `Number of type annotations
    (1) did not match the number of function parameters (2)`.

    ## Example
    ```python
    def forward(self, x, n):  # type: (Tensor, int) -> Tensor
        boxes = []  # type: List[Tensor]
        ...
    ```

    ## Use instead
    ```python
    def forward(self, x: Tensor, n: int) -> Tensor:
        boxes: List[Tensor] = []
        ...
    ```
    The signature comment on its own line under the `def` (`# type: (Tensor, int) -> Tensor`),
    or one `# type: T` comment per parameter line with `# type: (...) -> R` under the `def`, also
    compile, as long as no other line of the function carries a type comment.
    """

    code = "TS145"
    name = "type-comment-signature"
    frontend = True
    message = "the compiler cannot read the function's type comments as its signature"
    compiler_message = "expected type comment but found"
    VALID = [
        _M + "from typing import List\n\n\n@torch.jit.script\ndef f(x, n):\n    # type: (torch.Tensor, int) -> torch.Tensor\n"
        "    return x * n\n",
        _M + "from typing import List\n\n\n@torch.jit.script\ndef f(x,  # type: torch.Tensor\n      s,  # type: List[int]\n"
        "      ):\n    # type: (...) -> List[int]\n    y = []  # type: List[int]  (after the signature: not read)\n    return s\n",
        _M + "@torch.jit.script\ndef f(x: torch.Tensor) -> torch.Tensor:\n    y = x  # type: ignore\n    return y\n",
    ]
    INVALID = [
        # the compiler blames the function's first line, tslint the comment's
        _M + "@torch.jit.script  # error\ndef f(x, n):  # type: (torch.Tensor, int) -> torch.Tensor  # error\n    return x * n\n",
        _M + "from typing import List\n\n\n@torch.jit.script  # error\ndef f(x: torch.Tensor):\n"
        "    y = []  # type: List[int]  # error\n    return x\n",
        _M + "from typing import List\n\n\nclass Net(torch.nn.Module):\n    def forward(self, x):  # error\n"
        "        boxes = []  # type: List[torch.Tensor]  # error\n        return x\n",
    ]

    def check_function(self, ctx: FunctionContext) -> None:
        node = ctx.node
        first = min([node.lineno] + [d.lineno for d in node.decorator_list])
        lines = ctx.source.lines[first - 1:node.end_lineno]
        found = type_line(lines)
        line = first + found.line
        if found.error is not None:
            ctx.report(self, Span(line, 0, line, len(ctx.source.line_text(line))),
                       f"{found.error}: the compiler reads the function's `# type:` lines as its signature; "
                       "use annotations (`x: int`, `y: List[int] = []`) or one `# type: (...) -> R` line under the `def`")
            return
        if found.text is None:
            return
        try:
            signature = ast.parse(found.text, mode="func_type")
        except SyntaxError:
            return
        params = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
        is_method = ctx.class_node is not None and not any(
            isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)
        expected = len(params) - (1 if is_method and params else 0)
        if len(signature.argtypes) != expected:
            ctx.report(self, Span(line, 0, line, len(ctx.source.line_text(line))),
                       f"Number of type annotations ({len(signature.argtypes)}) did not match the number of function "
                       f"parameters ({expected}): give every parameter{' but `self`' if is_method else ''} one type in the comment")
