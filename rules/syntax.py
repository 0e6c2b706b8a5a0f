"""TS1xx: Python syntax the TorchScript frontend rejects (torch/jit/frontend.py)."""
from __future__ import annotations

import ast
from typing import Optional

from tslint.finding import Finding
from tslint.neutralize import node_at, replace_line_prefix
from tslint.rule import Rule
from tslint.walk import FunctionContext, KeywordSpan, Span


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
        text = source.splitlines(keepends=True)[finding.line - 1]
        # `*args` / `**kwargs`: turn into a plain parameter defaulting to None (accepted, unused)
        for star in ("**", "*"):
            if text[finding.col:finding.col + len(star)] == star:
                return _drop_star(source, finding, star)
        # keyword-only with default: drop the bare `*` so the parameter becomes positional
        fn = node_at(source, Finding(finding.path, _def_line(source, finding.line), 0, 0, 0, "", ""), (ast.FunctionDef,))
        if fn is None:
            return None
        return _drop_bare_star(source, fn)


def _with_stars(arg: ast.arg, stars: int) -> Span:
    return Span(arg.lineno, max(arg.col_offset - stars, 0), arg.lineno, arg.col_offset + len(arg.arg))


def _name_at(text: str, col: int) -> str:
    end = col
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    return text[col:end]


def _drop_star(source: str, finding: Finding, star: str) -> str:
    lines = source.splitlines(keepends=True)
    text = lines[finding.line - 1]
    col = finding.col + len(star)
    name = _name_at(text, col)
    end = col + len(name)
    # a `: annotation` after the name goes too: the replacement is an untyped None default
    rest = text[end:]
    depth, cut = 0, 0
    if rest.lstrip().startswith(":"):
        for i, ch in enumerate(rest):
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                if depth == 0:
                    cut = i
                    break
                depth -= 1
            elif ch == "," and depth == 0:
                cut = i
                break
        else:
            cut = 0
    lines[finding.line - 1] = text[: finding.col] + f"{name}=None" + text[end + cut:]
    return "".join(lines)


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
        out = replace_line_prefix(source, node.lineno, "try:", "if True:")
        for handler in node.handlers:  # type: ignore[attr-defined]
            head = out.splitlines()[handler.lineno - 1].strip()
            out = replace_line_prefix(out, handler.lineno, head[: _colon(head) + 1], "if False:")
        if node.orelse:  # type: ignore[attr-defined]
            out = _replace_keyword_before(out, node.orelse[0].lineno, "else:", "if True:")  # type: ignore[attr-defined]
        if node.finalbody:  # type: ignore[attr-defined]
            out = _replace_keyword_before(out, node.finalbody[0].lineno, "finally:", "if True:")  # type: ignore[attr-defined]
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


def _replace_keyword_before(source: str, body_line: int, keyword: str, new: str) -> str:
    lines = source.splitlines(keepends=True)
    for line_no in range(body_line - 1, 0, -1):
        if lines[line_no - 1].strip().startswith(keyword):
            return replace_line_prefix(source, line_no, keyword, new)
    return source
