"""TS4xx: calls into code the compiler cannot compile, or compiles differently.

A call in compiled code is resolved by qualified name (imports applied) and classified from the
compiler's own facts (`lint/compiler/schemas.py`: which builtins it supports, which `torch.*` names
map to missing ops, which Tensor methods it lacks) or from verified tables (stdlib C functions,
libraries whose Python source does not compile). Decorators that the compiler silently drops
(`functools.wraps` wrappers, `@torch.no_grad()`) are reported as warnings.
"""
from __future__ import annotations

import ast
import builtins
import re
import typing
from typing import Optional

from tslint.compiler import infer as I, schemas
from tslint.decorators import GRAD_DECORATORS, decorator_effect
from tslint.finding import Edit, Finding, Fix, Span
from tslint.neutralize import node_at, replace_expression
from tslint.project.index import dotted
from tslint.project.model import ClassRef, External, FuncRef
from tslint.rule import Rule
from tslint.source import SourceError, parsed_file
from tslint.static_if import live_body
from tslint.walk import FunctionContext

from ._classfacts import const_type, function_def, self_attr
from ._kinds import kinds
from .modules import MODULE_HEADER, _container, for_all, in_annotation, method_self, project_subclasses

# -- shared helpers --------------------------------------------------------------------------------


def builtin_name(ctx: FunctionContext, func: ast.AST) -> Optional[str]:
    """`open` for a call of the builtin `open` (not shadowed by a local, global or import)."""
    if isinstance(func, ast.Name) and ctx.qualname(func) == func.id:
        return func.id
    return None


def external_name(ctx: FunctionContext, func: ast.AST) -> Optional[str]:
    """The qualified name of a callee outside the project (`numpy.ones`), else None."""
    resolved = ctx.resolve(func)
    return resolved.qualname if isinstance(resolved, External) else None


_TENSOR_CONVERSIONS = frozenset("float double half int long short byte char bool cuda cpu".split()) - {"bool"}
_TENSOR_VIEWS = frozenset("T mT H mH data real imag".split())


def _method_returns_tensor(name: str) -> bool:
    if name in _TENSOR_CONVERSIONS:
        return True
    overloads = [o for o in schemas.op_overloads(f"aten::{name}") if o.arguments and o.arguments[0].type == "Tensor"
                 and o.arguments[0].name == "self"]
    return bool(overloads) and all(o.returns == ("Tensor",) for o in overloads)


def is_tensor(ctx: FunctionContext, node: ast.AST, depth: int = 0) -> bool:
    """Is the expression certainly a Tensor? (parameters the compiler types as Tensor, torch ops that
    only return Tensors, Tensor methods of those, indexing them, `nn.Parameter` attributes)."""
    if depth > 8:
        return False
    known = kinds(ctx)
    if known.kind(node) == "tensor":  # type: ignore[arg-type]
        return True
    if isinstance(node, ast.Name):
        # a local whose every binding is a Tensor (`counts = torch.bincount(...)`)
        name = node.id
        values = known.bindings.get(name, [])
        if (name in known.params or name in known.unknown or not values
                or any(kind != "tensor" for kind in known.annotated.get(name, ()))):
            return False
        return all(v is not None and v is not node and is_tensor(ctx, v, depth + 2) for v in values)
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and is_tensor(ctx, func.value, depth + 1):
            return _method_returns_tensor(func.attr)
        qual = ctx.qualname(func)
        if qual and qual.startswith("torch.") and schemas.callable_kind(qual) == "op":
            overloads = schemas.op_overloads(schemas.builtin_op_for(qual) or "")
            return bool(overloads) and all(o.returns == ("Tensor",) for o in overloads)
        return False
    if isinstance(node, ast.Subscript):
        return is_tensor(ctx, node.value, depth + 1)
    if isinstance(node, ast.Attribute):
        if node.attr in _TENSOR_VIEWS:
            return is_tensor(ctx, node.value, depth + 1)
        return _parameter_attribute(ctx, node)
    return False


def _parameter_attribute(ctx: FunctionContext, node: ast.Attribute) -> bool:
    """`self.w` where every construction-time value is `nn.Parameter(...)`."""
    name = self_attr(node, method_self(ctx))
    if not name:
        return False

    def param(f) -> bool:  # type: ignore[no-untyped-def]
        assigns = f.init_assignments(name)
        if not f.complete or not assigns or f.other_assignments(name, ""):
            return False
        for a in assigns:
            callee = dotted(a.value.func) if isinstance(a.value, ast.Call) else None
            qual = ctx.project.qualify(f.methods_module(a.method), callee) if callee else ""
            if qual not in ("torch.nn.Parameter", "torch.nn.parameter.Parameter"):
                return False
        return True

    return for_all(ctx, param)


def _non_tensor(ctx: FunctionContext, node: ast.AST) -> Optional[str]:
    """A description of an argument that is certainly not a Tensor, else None."""
    kind = kinds(ctx).kind(node)  # type: ignore[arg-type]
    if kind and kind != "tensor":
        return "None" if kind == "none" else f"a {kind}"
    if isinstance(node, ast.Call) and builtin_name(ctx, node.func) in ("range", "enumerate", "zip", "list", "sorted"):
        return f"`{node.func.id}(...)`"  # type: ignore[attr-defined]
    me = method_self(ctx)
    if me and isinstance(node, ast.Name) and node.id == me:
        return "`self`"
    if self_attr(node, me):
        kind = _container(ctx, node, me)
        if kind:
            return f"a {kind}"
    return None


def _attr_span(node: ast.Attribute) -> Span:
    """Just the `.name` part of `x.name` (ast columns; the name is ASCII)."""
    end_line = node.end_lineno or node.lineno
    end = node.end_col_offset or 0
    return Span(end_line, end - len(node.attr), end_line, end)


# ==================================================================================================
# stdlib callables implemented in C that the compiler reports as "Python builtin ... not supported"
_C_FUNCTIONS = {
    "os": {"getcwd", "getcwdb", "getpid", "getppid", "listdir", "cpu_count", "urandom", "stat", "lstat", "remove",
           "unlink", "rename", "mkdir", "rmdir", "chdir", "system", "getlogin", "uname", "times", "umask", "kill",
           "access", "scandir", "getuid", "get_terminal_size"},
    "sys": {"exit", "getsizeof", "getrecursionlimit", "setrecursionlimit", "intern", "getrefcount",
            "getdefaultencoding"},
    "random": {"random", "getrandbits"},
    "functools": {"reduce"},
    "pickle": {"dumps", "loads", "dump", "load"},
}


def c_function(qual: str) -> bool:
    module, _, name = qual.rpartition(".")
    if module == "time":
        return True  # the time module is C throughout
    return name in _C_FUNCTIONS.get(module, ())


class PythonBuiltinCall(Rule):
    """
    ## What it does
    Flags calls in compiled code to C-implemented Python callables the compiler does not know:
    builtins such as `setattr`, `open`, `iter`, `next`, `repr`, `callable`, `format`, stdlib
    functions such as `time.time()`, `os.getcwd()`, `random.random()`, `sys.exit()`,
    `functools.reduce`, and the `math` functions TorchScript lacks (`math.prod`, `math.log2`,
    `math.isclose`, ...).

    ## Why is this bad?
    The compiler cannot read C source: `Python builtin <built-in function time> is currently not
    supported in Torchscript`.

    ## Example
    ```python
    def forward(self, x):
        start = time.time()
        return self.body(x)
    ```

    ## Use instead
    Move timing, I/O and other Python-side work out of the compiled code: into a
    `@torch.jit.ignore` method, or under `if not torch.jit.is_scripting():`. Use TorchScript
    equivalents where they exist (`torch.prod(torch.tensor(l))`, `math.log(a, 2)`).
    """

    code = "TS401"
    name = "python-builtin-call"
    message = "call to a Python builtin TorchScript does not support"
    compiler_message = "is currently not supported in Torchscript"
    node_types = (ast.Call,)
    VALID = [
        MODULE_HEADER + "import math\nimport time\nimport warnings\n\n\nclass Net(nn.Module):\n    def forward(self, x):\n"
        "        if not torch.jit.is_scripting():\n            print(time.time())\n        warnings.warn(\"slow\")\n"
        "        return x * math.sqrt(2.0) + math.floor(1.5)\n",
    ]
    INVALID = [
        MODULE_HEADER + "import time\n\n\nclass Net(nn.Module):\n    def forward(self, x):\n        start = time.time()  # error\n"
        "        return x\n",
        MODULE_HEADER + "import os\n\n\n@torch.jit.script\ndef f(x):\n    print(os.getcwd())  # error\n    return x\n",
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def forward(self, x):\n        setattr(self, \"a\", 1)  # error\n"
        "        return x\n",
        MODULE_HEADER + "import math\nfrom typing import List\n\n\n@torch.jit.script\ndef f(x, sizes: List[int]):\n"
        "    return x * math.prod(sizes)  # error\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        func = node.func  # type: ignore[attr-defined]
        name = builtin_name(ctx, func)
        if name:
            if schemas.python_builtin_status(name) != "unsupported":
                return
            if name == "open" and isinstance(ctx.parent(node), ast.withitem):
                return  # TS134 (`with open(...)`) reports it
            ctx.report(self, node, f"the builtin `{name}()` is not available in TorchScript ('Python builtin ... is "
                                   f"currently not supported'); move it into a `@torch.jit.ignore` method or under "
                                   f"`if not torch.jit.is_scripting():`")
            return
        qual = external_name(ctx, func)
        if qual and (schemas.callable_kind(qual) == "unsupported" or c_function(qual)):
            ctx.report(self, node, f"`{qual}()` is a C function TorchScript cannot compile ('Python builtin ... is "
                                   f"currently not supported'); move it into a `@torch.jit.ignore` method or under "
                                   f"`if not torch.jit.is_scripting():`")


# ==================================================================================================
_LIBRARIES = ("numpy", "scipy", "pandas", "sklearn", "cv2", "PIL", "matplotlib", "skimage", "logging", "json", "pickle",
              "pathlib", "shutil", "subprocess", "re", "datetime", "inspect", "os", "random", "sys", "itertools",
              "functools", "copy", "glob", "yaml", "tqdm", "torch.distributions")
_TORCH_EQUIVALENT = {"numpy": "the torch equivalent (`torch.ones`, `torch.sqrt`, ...)"}


def library_of(qual: str) -> Optional[str]:
    for lib in _LIBRARIES:
        if qual == lib or qual.startswith(lib + "."):
            return lib
    return None


class LibraryCall(Rule):
    """
    ## What it does
    Flags calls in compiled code into Python libraries the compiler cannot compile: numpy, scipy,
    pandas, OpenCV, PIL, `torch.distributions`, and stdlib modules such as `logging`, `os`,
    `random`, `re`, `json`, `itertools`, `functools`, `copy`, `pathlib`.

    ## Why is this bad?
    The compiler tries to compile the callee's Python source recursively and fails inside the
    library, with an error that points into the library's files, e.g. `Compiled functions can't take
    variable number of arguments or use keyword-only arguments with defaults` at
    `numpy/_core/numeric.py`. (Module constants such as `np.pi` are fine: they are folded.)

    ## Example
    ```python
    def forward(self, x):
        noise = np.random.randn(3)
        logging.info("forward")
        return x
    ```

    ## Use instead
    Use torch operations (`torch.randn(3)`), and keep logging and other Python-side work in a
    `@torch.jit.ignore` method or under `if not torch.jit.is_scripting():`.
    """

    code = "TS402"
    name = "library-call"
    message = "call into a Python library TorchScript cannot compile"
    compiler_message = "Compiled functions can't take variable number of arguments"
    node_types = (ast.Call,)
    VALID = [
        MODULE_HEADER + "import logging\nimport numpy as np\n\n\nclass Net(nn.Module):\n    def forward(self, x):\n"
        "        if not torch.jit.is_scripting():\n            logging.info(\"forward\")\n        return x * np.pi\n",
    ]
    INVALID = [
        MODULE_HEADER + "import numpy as np\n\n\n@torch.jit.script\ndef f(x):\n    a = np.ones(3)\n    return x\n",
        MODULE_HEADER + "import logging\n\n\nclass Net(nn.Module):\n    def forward(self, x):\n        logging.info(\"forward\")\n"
        "        return x\n",
        MODULE_HEADER + "\n\n@torch.jit.script\ndef f(x):\n    d = torch.distributions.Normal(x, x)\n    return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        qual = external_name(ctx, node.func)  # type: ignore[attr-defined]
        if not qual or c_function(qual) or schemas.callable_kind(qual) is not None or qual == "copy.deepcopy":
            return
        lib = library_of(qual)
        if lib is None:
            return
        instead = _TORCH_EQUIVALENT.get(lib, "a torch operation")
        ctx.report(self, node, f"`{qual}` is {lib} code, which TorchScript tries and fails to compile; use {instead}, "
                               f"or move it into a `@torch.jit.ignore` method or under `if not torch.jit.is_scripting():`")


class DeepCopyCall(Rule):
    """
    ## What it does
    Flags `copy.deepcopy(...)` in compiled code.

    ## Why is this bad?
    The compiler compiles `copy.py` and fails on it with a schema dump: `prim::id(AnyClassType? x)
    -> int: Expected a value of type 'Optional[AnyClassType]' ...`.

    ## Example
    ```python
    def forward(self, x):
        y = copy.deepcopy(x)
        return y
    ```

    ## Use instead
    `x.clone()` for tensors; `list(l)` / `dict(d)` (with `.clone()` of the tensor elements) for
    containers.
    """

    code = "TS403"
    name = "deepcopy-call"
    message = "`copy.deepcopy` cannot be compiled"
    compiler_message = "prim::id"
    node_types = (ast.Call,)
    VALID = [
        MODULE_HEADER + "\n\n@torch.jit.script\ndef f(x):\n    y = x.clone()\n    return y\n",
    ]
    INVALID = [
        MODULE_HEADER + "import copy\n\n\n@torch.jit.script\ndef f(x):\n    y = copy.deepcopy(x)  # error\n    return y\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        if external_name(ctx, node.func) == "copy.deepcopy":  # type: ignore[attr-defined]
            ctx.report(self, node, "`copy.deepcopy` cannot be compiled (the compiler fails inside `copy.py`); "
                                   "use `x.clone()` for tensors, or copy containers explicitly")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, finding, (ast.Call,))
        if isinstance(node, ast.Call) and len(node.args) == 1:
            return replace_expression(source, node, f"({ast.unparse(node.args[0])}).clone()")
        return None


# ==================================================================================================
_PYTHON_OP_BUILTINS = frozenset({"map", "filter", "reversed", "type", "set", "frozenset", "bytes", "bytearray",
                                 "memoryview"})


class PythonOpBuiltin(Rule):
    """
    ## What it does
    Flags `map`, `filter`, `reversed`, `type`, `set`, `frozenset` (and `bytes`, `bytearray`,
    `memoryview`) in compiled code when an argument is certainly not a Tensor: a list, tuple,
    dict, string, number, `range(...)`, `self`, a ModuleList, or (for `map`/`filter`) a function.

    ## Why is this bad?
    TorchScript has no such builtins. It compiles them into an opaque Python call typed
    `(Tensor) -> Tensor`, so anything but Tensor arguments is rejected: `reversed(Tensor 0) -> Tensor
    0: Expected a value of type 'Tensor' for argument '0' but instead found type 'List[int]'`
    (functions give `builtin cannot be used as a value`). Even with Tensor arguments the result is a
    Python call that cannot be saved.

    ## Example
    ```python
    for layer in reversed(self.layers):
        x = layer(x)
    ```

    ## Use instead
    Use comprehensions (`[abs(v) for v in l]`), index loops (`for i in range(len(l) - 1, -1, -1)`),
    `isinstance(...)` instead of `type(...)`, and lists instead of sets. To run a ModuleList
    backwards, build the reversed list in `__init__`.
    """

    code = "TS404"
    name = "python-op-builtin"
    message = "builtin TorchScript only runs as an opaque Python call on Tensors"
    compiler_message = "Expected a value of type 'Tensor' for argument '0'"
    node_types = (ast.Call,)
    VALID = [
        MODULE_HEADER + "from typing import List\n\n\n@torch.jit.script\ndef f(x, sizes: List[int]):\n"
        "    out = [abs(v) for v in sizes]\n    for i in range(len(sizes) - 1, -1, -1):\n        x = x + sizes[i]\n"
        "    return x, out\n",
    ]
    INVALID = [
        MODULE_HEADER + "from typing import List\n\n\n@torch.jit.script\ndef f(x, sizes: List[int]):\n"
        "    for s in reversed(sizes):  # error\n        x = x + s\n    return x\n",
        MODULE_HEADER + "from typing import List\n\n\n@torch.jit.script\ndef f(x, sizes: List[int]):\n"
        "    seen = set(sizes)  # error\n    return x\n",
        MODULE_HEADER + "\n\n@torch.jit.script\ndef f(x, n: int):\n    t = type(n)  # error\n    return x\n",
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.layers = nn.ModuleList([nn.Linear(2, 2)])\n\n    def forward(self, x):\n"
        "        for layer in reversed(self.layers):  # error\n            x = layer(x)\n        return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        name = builtin_name(ctx, node.func)  # type: ignore[attr-defined]
        if name not in _PYTHON_OP_BUILTINS or not node.args:  # type: ignore[attr-defined]
            return
        args = node.args  # type: ignore[attr-defined]
        why = None
        if name in ("map", "filter"):
            why = self._function_value(ctx, args[0])
        for arg in args[1:] if name in ("map", "filter") else args[:1]:
            why = why or _non_tensor(ctx, arg)
        if why:
            ctx.report(self, node, f"`{name}()` is not a TorchScript builtin: it compiles only as an opaque Python call "
                                   f"on Tensors, and gets {why} here; {_PYTHON_OP_HINTS.get(name, _PYTHON_OP_HINTS['*'])}")

    @staticmethod
    def _function_value(ctx: FunctionContext, node: ast.AST) -> Optional[str]:
        if isinstance(node, ast.Constant) and node.value is None:
            return "None"
        if isinstance(node, ast.Name) and builtin_name(ctx, node) and schemas.python_builtin_status(node.id):
            return f"the builtin `{node.id}`"
        resolved = ctx.resolve(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
        if isinstance(resolved, FuncRef):
            return f"the function `{resolved.qualname}`"
        return None


_PYTHON_OP_HINTS = {
    "map": "use a list comprehension",
    "filter": "use a loop with `if` (comprehension `if`s are not supported either)",
    "reversed": "iterate indices backwards (`for i in range(len(l) - 1, -1, -1)`)",
    "type": "use `isinstance(...)`",
    "set": "use a list (and `in`) or a `Dict[T, bool]`",
    "frozenset": "use a list or a tuple",
    "*": "use lists, strings or tensors instead",
}


# ==================================================================================================
class DynamicGetattr(Rule):
    """
    ## What it does
    Flags `getattr(obj, name)` and `hasattr(obj, name)` in compiled code when `name` is not a string
    literal.

    ## Why is this bad?
    Attribute lookup is resolved at compile time: `getattr's second argument must be a string
    literal` (`hasattr`'s likewise). With a literal, both work (`hasattr` is even a static condition).

    ## Example
    ```python
    def forward(self, x, name: str):
        return getattr(self, name)(x)
    ```

    ## Use instead
    Put the alternatives in an `nn.ModuleDict` and iterate it, or branch on the name with literal
    lookups (`if name == "a": y = self.a(x)`).
    """

    code = "TS405"
    name = "dynamic-getattr"
    message = "getattr/hasattr with a non-literal name"
    compiler_message = "second argument must be a string literal"
    node_types = (ast.Call,)
    VALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.a = 1\n\n"
        "    def forward(self, x):\n        if hasattr(self, \"b\"):\n            return x\n        return x + getattr(self, \"a\", 0)\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.a = 1\n\n"
        "    def forward(self, x, name: str):\n        return x + getattr(self, name)  # error\n",
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def forward(self, x, name: str):\n        if hasattr(self, name):  # error\n"
        "            return x\n        return x + 1\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        name = builtin_name(ctx, node.func)  # type: ignore[attr-defined]
        args = node.args  # type: ignore[attr-defined]
        if name in ("getattr", "hasattr") and len(args) >= 2 and not isinstance(args[1], ast.Starred) and not (
                isinstance(args[1], ast.Constant) and isinstance(args[1].value, str)):
            ctx.report(self, args[1], f"`{name}` needs a string literal name in TorchScript (attributes are resolved at "
                                      f"compile time); use an `nn.ModuleDict` or branch on the name with literal lookups")


class PrintKeywords(Rule):
    """
    ## What it does
    Flags keyword arguments to `print` (`sep=`, `end=`, `file=`, `flush=`) in compiled code.

    ## Why is this bad?
    TorchScript's `print` takes positional values only: `print doesn't accept any keyword
    arguments` (with `file=sys.stderr` the stream itself is rejected first: `python value of type
    'TextIOWrapper' cannot be used as a value`).

    ## Example
    ```python
    print("loss", loss, sep=": ")
    ```

    ## Use instead
    ```python
    print("loss: " + str(loss))     # or an f-string without format specs
    ```
    """

    code = "TS406"
    name = "print-keywords"
    message = "`print` doesn't accept keyword arguments in TorchScript"
    compiler_message = "print doesn't accept any keyword arguments"
    node_types = (ast.Call,)
    VALID = [
        MODULE_HEADER + "\n\n@torch.jit.script\ndef f(x):\n    print(\"x:\", x)\n    return x\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\n@torch.jit.script\ndef f(x):\n    print(x, sep=\"\")  # error\n    return x\n",
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def forward(self, x):\n        print(\"x\", end=\"\\n\")  # error\n"
        "        return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        if builtin_name(ctx, node.func) == "print" and node.keywords:  # type: ignore[attr-defined]
            names = ", ".join(f"`{k.arg}=`" if k.arg else "`**`" for k in node.keywords)  # type: ignore[attr-defined]
            ctx.report(self, node, f"TorchScript's `print` takes no keyword arguments ({names}); build the string "
                                   f"yourself and pass it positionally")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, finding, (ast.Call,))
        if not isinstance(node, ast.Call):
            return None
        return replace_expression(source, node, ast.unparse(ast.Call(node.func, node.args, [])))


class FormatKeywords(Rule):
    """
    ## What it does
    Flags `"...".format(name=value)` (keyword arguments to `str.format`) in compiled code.

    ## Why is this bad?
    TorchScript's `aten::format(str self, ...) -> str` takes positional arguments only:
    `Keyword argument name unknown.`

    ## Example
    ```python
    msg = "expected {n} channels".format(n=c)
    ```

    ## Use instead
    ```python
    msg = "expected {} channels".format(c)      # or f"expected {c} channels"
    ```
    """

    code = "TS407"
    name = "format-keywords"
    message = "`str.format` with keyword arguments"
    compiler_message = "aten::format(str self, ...) -> str"
    node_types = (ast.Call,)
    VALID = [
        MODULE_HEADER + "\n\n@torch.jit.script\ndef f(x, n: int):\n    s = \"{} channels\".format(n)\n    return x\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\n@torch.jit.script\ndef f(x, n: int):\n    s = \"{c} channels\".format(c=n)  # error\n    return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        func = node.func  # type: ignore[attr-defined]
        if isinstance(func, ast.Attribute) and func.attr == "format" and node.keywords \
                and kinds(ctx).kind(func.value) == "str":  # type: ignore[attr-defined]
            names = ", ".join(f"`{k.arg}`" for k in node.keywords if k.arg)  # type: ignore[attr-defined]
            ctx.report(self, node, f"`str.format` takes positional arguments only in TorchScript ({names} given by "
                                   f"keyword); use `{{}}` placeholders with positional arguments, or an f-string")


class BuiltinKeywords(Rule):
    """
    ## What it does
    Flags `sorted(..., key=/reverse=)` and `min`/`max(..., key=/default=)` in compiled code.

    ## Why is this bad?
    TorchScript's `sorted`, `min` and `max` take no keyword arguments: `Arguments for call are not
    valid.` (`Keyword argument reverse unknown.`); a function passed as `key=` fails first with
    `builtin cannot be used as a value`.

    ## Example
    ```python
    order = sorted(sizes, reverse=True)
    ```

    ## Use instead
    ```python
    order = sorted(sizes)
    order.reverse()                   # or: sizes.sort(reverse=True), which is supported
    ```
    For `key=`, sort a list of tuples whose first element is the key.
    """

    code = "TS408"
    name = "builtin-keywords"
    message = "keyword arguments to sorted/min/max"
    compiler_message = "Arguments for call are not valid."
    node_types = (ast.Call,)
    VALID = [
        MODULE_HEADER + "from typing import List\n\n\n@torch.jit.script\ndef f(x, sizes: List[int]):\n"
        "    order = sorted(sizes)\n    order.reverse()\n    sizes.sort(reverse=True)\n    return x + max(sizes) + min(order)\n",
    ]
    INVALID = [
        MODULE_HEADER + "from typing import List\n\n\n@torch.jit.script\ndef f(x, sizes: List[int]):\n"
        "    order = sorted(sizes, reverse=True)  # error\n    return x + order[0]\n",
        MODULE_HEADER + "from typing import List\n\n\n@torch.jit.script\ndef f(x, sizes: List[int]):\n"
        "    return x + min(sizes, default=0)  # error\n",
    ]
    _KEYWORDS = {"sorted": ("key", "reverse"), "min": ("key", "default"), "max": ("key", "default")}

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        name = builtin_name(ctx, node.func)  # type: ignore[attr-defined]
        if name not in self._KEYWORDS:
            return
        bad = [k for k in node.keywords if k.arg in self._KEYWORDS[name]]  # type: ignore[attr-defined]
        if bad:
            names = ", ".join(f"`{k.arg}=`" for k in bad)
            hint = ("sort without it and call `.reverse()`, or use `list.sort(reverse=True)`" if name == "sorted"
                    else "handle the empty case and the key explicitly")
            ctx.report(self, node, f"TorchScript's `{name}` takes no {names}; {hint}")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, finding, (ast.Call,))
        if not isinstance(node, ast.Call):
            return None
        return replace_expression(source, node, ast.unparse(ast.Call(node.func, node.args, [])))


# ==================================================================================================
_METHOD_HINTS = {
    "nelement": ("numel", "`x.numel()`"), "ndimension": ("dim", "`x.dim()`"),
    "bool": (None, "`x.to(torch.bool)`"), "bfloat16": (None, "`x.to(torch.bfloat16)`"),
    "unique": (None, "`torch.unique(x)`"), "numpy": (None, "a `@torch.jit.ignore` helper, or keep the value a Tensor"),
    "new_tensor": (None, "`torch.tensor(data, dtype=x.dtype, device=x.device)`"),
    "new": (None, "`x.new_empty(...)` / `x.new_zeros(...)`"),
    "register_hook": (None, "a hook registered outside compiled code"),
    "data_ptr": (None, "a `@torch.jit.ignore` helper"), "storage": (None, "a `@torch.jit.ignore` helper"),
    "grad_fn": (None, "`x.requires_grad`"),
}


#: dtype conversions TorchScript lacks as methods, and the dtype `.to(...)` takes instead
_CONVERSIONS = {"bool": "torch.bool", "bfloat16": "torch.bfloat16"}


def _conversion_fix(node: ast.Attribute, attr: str, ctx: FunctionContext) -> Optional[Fix]:
    """`x.bool()` → `x.to(torch.bool)` (the same tensor), when the call takes no arguments and
    `torch` names the torch module here."""
    call = ctx.parent(node)
    dtype = _CONVERSIONS.get(attr)
    if dtype is None or not isinstance(call, ast.Call) or call.func is not node or call.args or call.keywords:
        return None
    if ctx.qualname(ast.Name("torch")) != "torch":
        return None
    line, col, _, _ = ctx.source.span(_attr_span(node))
    _, _, end_line, end_col = ctx.source.span(call)
    return Fix(f"Replace `.{attr}()` with `.to({dtype})`", (Edit(line, col, end_line, end_col, f"to({dtype})"),), "safe")


class MissingTensorMethod(Rule):
    """
    ## What it does
    Flags Tensor methods and properties TorchScript lacks (`x.numpy()`, `x.bool()`, `x.nelement()`,
    `x.ndimension()`, `x.unique()`, `x.register_hook(...)`, `x.data_ptr()`, `x.grad_fn`, ... 33
    methods in torch 2.13), when the receiver is certainly a Tensor; and any other name read from a
    value the type checker knows is a Tensor, most often an unannotated parameter used as an object
    (`cfg.scale`, `opts.get(...)`: TorchScript types the parameter as a Tensor).

    ## Why is this bad?
    `'Tensor' object has no attribute or method 'numpy'.` The compiler resolves `x.NAME` on a Tensor
    only to a builtin property or to an `aten::NAME` operator taking a Tensor `self`
    (`SimpleValue::attr`): `'Tensor (inferred)' object has no attribute or method 'scale'.`

    ## Example
    ```python
    def forward(self, x):
        return x.nelement(), x.bool()
    ```

    ## Use instead
    ```python
    def forward(self, x):
        return x.numel(), x.to(torch.bool)      # torch.unique(x) for x.unique()
    ```

    ## Fix safety
    Renaming `nelement` to `numel` and `ndimension` to `dim`, and `x.bool()` / `x.bfloat16()` to
    `x.to(torch.bool)` / `x.to(torch.bfloat16)`, is safe (same results).
    """

    code = "TS409"
    name = "missing-tensor-method"
    message = "Tensor method TorchScript lacks"
    compiler_message = "object has no attribute or method"
    node_types = (ast.Attribute,)
    fix_safety = "safe"
    VALID = [
        MODULE_HEADER + "\n\n@torch.jit.script\ndef f(x):\n    return x.numel() + x.dim(), x.to(torch.bool), torch.unique(x)\n",
        # Python-only branch: never compiled
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def forward(self, x):\n        if not torch.jit.is_scripting():\n"
        "            print(x.numpy())\n        return x\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\n@torch.jit.script\ndef f(x):\n    return x.numpy()  # error\n",
        MODULE_HEADER + "\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    return x.nelement()  # error\n",
        MODULE_HEADER + "\n\n@torch.jit.script\ndef f(x):\n    return torch.relu(x).float().unique()  # error\n",
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.w = nn.Parameter(torch.ones(2))\n\n    def forward(self, x):\n        return x + self.w.nelement()  # error\n",
        MODULE_HEADER + "\n\n@torch.jit.script\ndef f(x):\n    return x.grad_fn is None  # error\n",
        MODULE_HEADER + "\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    return x.bool()  # error\n",
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def forward(self, x, cfg):\n        return x * cfg.scale  # error\n",
        MODULE_HEADER + "\n\n@torch.jit.script\ndef f(x, opts):\n    return opts.get(\"a\", x)  # error\n",
    ]

    def check_function(self, ctx: FunctionContext) -> None:
        for found in ctx.types.issues_for(I.TENSOR_ATTRIBUTE):
            ctx.report(self, _attr_span(found.node), found.message)

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        attr = node.attr  # type: ignore[attr-defined]
        if attr not in schemas.missing_tensor_methods() and attr not in schemas.missing_tensor_properties():
            return
        if not isinstance(node.ctx, ast.Load) or not is_tensor(ctx, node.value):  # type: ignore[attr-defined]
            return
        rename, instead = _METHOD_HINTS.get(attr, (None, "a `@torch.jit.ignore` helper"))
        kind = "property" if attr in schemas.missing_tensor_properties() else "method"
        fix = _conversion_fix(node, attr, ctx)  # type: ignore[arg-type]
        if rename:
            line, col, end_line, end_col = ctx.source.span(_attr_span(node))  # type: ignore[arg-type]
            fix = Fix(f"Replace `.{attr}` with `.{rename}`", (Edit(line, col, end_line, end_col, rename),), "safe")
        ctx.report(self, _attr_span(node), f"TorchScript Tensors have no `{attr}` {kind} ('object has no attribute or "  # type: ignore[arg-type]
                                          f"method {attr!r}'); use {instead}", fix=fix)

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        text = source.splitlines(keepends=True)[finding.line - 1]
        attr = re.match(r"\w+", text[finding.col:])
        rename = _METHOD_HINTS.get(attr.group(0), (None, ""))[0] if attr else None
        if not rename:
            return None
        lines = source.splitlines(keepends=True)
        lines[finding.line - 1] = text[:finding.col] + rename + text[finding.col + len(attr.group(0)):]  # type: ignore[union-attr]
        return "".join(lines)


_GRAD_MODES = {"torch.enable_grad", "torch.inference_mode", "torch.autograd.enable_grad",
               "torch.autograd.grad_mode.enable_grad", "torch.autograd.grad_mode.inference_mode"}


class UnknownTorchOp(Rule):
    """
    ## What it does
    Flags calls to `torch.*` names that the compiler maps to operators that do not exist:
    `torch.is_tensor`, `torch.from_numpy`, `torch.finfo`, `torch.get_default_dtype`,
    `torch.Tensor(...)`, and the grad-mode context managers `torch.enable_grad()` and
    `torch.inference_mode()`.

    ## Why is this bad?
    The compiler turns `torch.X` into `aten::X` without checking it exists, then fails: `Unknown
    builtin op: aten::is_tensor.`

    ## Example
    ```python
    if torch.is_tensor(mask):
        x = x * mask
    with torch.enable_grad():
        y = x * 2
    ```

    ## Use instead
    `isinstance(mask, torch.Tensor)`; `torch.tensor(...)` / `torch.zeros(...)` instead of
    `torch.Tensor(...)`; `torch.no_grad()` is the only grad-mode context TorchScript supports (keep
    others in Python-only code); pass dtype limits (`torch.finfo(...).eps`) in as constants.
    """

    code = "TS410"
    name = "unknown-torch-op"
    message = "torch function with no TorchScript operator"
    compiler_message = "Unknown builtin op: aten::"
    node_types = (ast.Call,)
    VALID = [
        MODULE_HEADER + "from typing import Optional\n\n\n@torch.jit.script\ndef f(x, mask: Optional[torch.Tensor]):\n"
        "    if isinstance(mask, torch.Tensor):\n        x = x * mask\n    with torch.no_grad():\n        y = x * 2\n"
        "    return y\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\n@torch.jit.script\ndef f(x):\n    return torch.is_tensor(x)  # error\n",
        MODULE_HEADER + "\n\n@torch.jit.script\ndef f(x):\n    with torch.enable_grad():  # error\n        y = x * 2\n    return y\n",
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def forward(self, x):\n        eps = torch.finfo(x.dtype).eps  # error\n"
        "        return x + eps\n",
    ]
    _HINTS = {
        "torch.is_tensor": "use `isinstance(x, torch.Tensor)`",
        "torch.from_numpy": "convert numpy data before compiled code runs",
        "torch.Tensor": "use `torch.tensor(...)` or `torch.zeros(...)`",
        "torch.finfo": "pass the limit in as a float constant",
        "torch.iinfo": "pass the limit in as an int constant",
        "torch.get_default_dtype": "pass the dtype in explicitly",
    }

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        qual = external_name(ctx, node.func)  # type: ignore[attr-defined]
        if not qual or schemas.callable_kind(qual) != "unknown_op":
            return
        op = schemas.builtin_op_for(qual) or qual
        if qual in _GRAD_MODES:
            hint = ("TorchScript only supports `torch.no_grad()`; keep other grad modes in Python-only code "
                    "(`if not torch.jit.is_scripting():`)")
        else:
            hint = self._HINTS.get(qual, "keep it in Python-only code (`if not torch.jit.is_scripting():`)")
        ctx.report(self, node, f"`{qual}` has no TorchScript operator ('Unknown builtin op: {op}'); {hint}")


class UncompilableTorchFunction(Rule):
    """
    ## What it does
    Flags a call in compiled code to a Python function of torch that the compiler cannot compile:
    `torch.distributed.is_available()`, `torch.distributed.get_rank()`,
    `torch.onnx.is_in_onnx_export()`, `F.gaussian_nll_loss(...)`. Which functions fail, and why, is
    recorded from the installed torch by `tslint schemas --regenerate`.

    ## Why is this bad?
    A torch function that is not a builtin operator is compiled from its Python source, like your
    own code; many use constructs TorchScript rejects (an `import`, a `try`, `*args`, an attribute of
    a Python module), so compiling your function fails inside torch's file, with an error that does not
    point at your call: `attribute lookup is not defined on python value of type 'module'`.

    ## Example
    ```python
    def forward(self, x):
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            x = x * 2
        return x
    ```

    ## Use instead
    Decide it outside compiled code and store the answer (`self.distributed = dist.is_initialized()`
    in `__init__`), or keep the call in Python-only code: `if not torch.jit.is_scripting(): ...`, or a
    `@torch.jit.unused` method.
    """

    code = "TS418"
    name = "uncompilable-torch-function"
    message = "a torch Python function that TorchScript cannot compile"
    #: the examples' message; each function has its own, recorded in the schema data and quoted
    compiler_message = "attribute lookup is not defined on python value of type 'module'"
    node_types = (ast.Call,)
    VALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.distributed = torch.distributed.is_available() and torch.distributed.is_initialized()\n\n"
        "    def forward(self, x):\n        if not torch.jit.is_scripting():\n"
        "            if torch.distributed.is_available():\n                x = x * 2\n"
        "        return x * 2 if self.distributed else x\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def forward(self, x):\n"
        "        if torch.distributed.is_available():  # error\n            x = x * 2\n        return x\n",
        MODULE_HEADER + "\n\n@torch.jit.script\ndef f(x):\n"
        "    return x * 2 if torch.distributed.is_available() else x\n",  # blamed inside torch, at the decorated def
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        qual = external_name(ctx, node.func)  # type: ignore[attr-defined]
        if not qual or schemas.callable_kind(qual) != "python_error":
            return
        error = (schemas.python_function_error(qual) or "").rstrip(":")
        ctx.report(self, node, f"`{qual}` is compiled from torch's Python source, which TorchScript rejects ('{error}', "
                               f"reported inside torch); decide it outside compiled code, or call it under "
                               f"`if not torch.jit.is_scripting():`")


class FactoryRequiresGrad(Rule):
    """
    ## What it does
    Flags `requires_grad=` passed to tensor factories whose TorchScript schema has no such argument
    (`torch.zeros`, `torch.ones`, `torch.empty`, `torch.full`, `torch.rand`, `torch.ones_like`, ...).
    (`torch.tensor(..., requires_grad=True)` is accepted and not flagged.)

    ## Why is this bad?
    The compiler matches calls against the operator schema, which has no `requires_grad` argument:
    `Arguments for call are not valid.` (as `jit_unsupported.rst` notes).

    ## Example
    ```python
    w = torch.zeros(3, requires_grad=True)
    ```

    ## Use instead
    ```python
    w = torch.zeros(3).requires_grad_()
    ```
    """

    code = "TS411"
    name = "factory-requires-grad"
    message = "`requires_grad=` is not an argument of this op in TorchScript"
    compiler_message = "Arguments for call are not valid."
    node_types = (ast.Call,)
    VALID = [
        MODULE_HEADER + "\n\n@torch.jit.script\ndef f(x):\n    w = torch.zeros(3).requires_grad_()\n"
        "    v = torch.tensor([1.0], requires_grad=True)\n    return x + w + v\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\n@torch.jit.script\ndef f(x):\n    w = torch.zeros(3, requires_grad=True)  # error\n    return x + w\n",
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def forward(self, x):\n        w = torch.ones_like(x, requires_grad=True)  # error\n"
        "        return x + w\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        keyword = next((k for k in node.keywords if k.arg == "requires_grad"), None)  # type: ignore[attr-defined]
        if keyword is None:
            return
        qual = external_name(ctx, node.func)  # type: ignore[attr-defined]
        if not qual or schemas.callable_kind(qual) != "op":
            return
        overloads = schemas.op_overloads(schemas.builtin_op_for(qual) or "")
        if not overloads or any(a.name == "requires_grad" for o in overloads for a in o.arguments):
            return
        ctx.report(self, keyword, f"`{qual}` has no `requires_grad` argument in TorchScript ('Arguments for call are not "
                                  f"valid.'); call `.requires_grad_()` on the result instead")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, Finding(finding.path, finding.line, 0, 0, 0, "", ""), (ast.Call,))
        for call in ast.walk(ast.parse(source)) if node is None else [node]:
            if isinstance(call, ast.Call) and any(k.arg == "requires_grad" for k in call.keywords):
                kept = [k for k in call.keywords if k.arg != "requires_grad"]
                return replace_expression(source, call, ast.unparse(ast.Call(call.func, call.args, kept)))
        return None


# ==================================================================================================
def _callee_defs(ctx: FunctionContext, func: ast.AST) -> Optional[list[tuple[FuncRef, ast.FunctionDef]]]:
    """The project function(s) a call runs: a module-level function, or `self.m` in every class that
    runs this method (each may override `m`). None when any of them is unknown."""
    me = method_self(ctx)
    name = self_attr(func, me)
    refs: list[FuncRef] = []
    if name and ctx.class_ref is not None:
        for klass in project_subclasses(ctx.project, ctx.class_ref):
            ref = ctx.project.find_method(klass, name)
            if ref is None:
                return None
            refs.append(ref)
    else:
        resolved = ctx.resolve(func) if isinstance(func, (ast.Name, ast.Attribute)) else None
        if not isinstance(resolved, FuncRef) or "." in resolved.qualname:
            return None
        refs.append(resolved)
    out = []
    for ref in dict.fromkeys(refs):
        fn = function_def(ctx.project, ref.module, ref.qualname)
        if fn is None:
            return None
        out.append((ref, fn))
    return out


def _decorator_quals(ctx: FunctionContext, ref: FuncRef, fn: ast.FunctionDef) -> list[tuple[str, ast.expr]]:
    out = []
    for dec in fn.decorator_list:
        name = dotted(dec.func if isinstance(dec, ast.Call) else dec)
        out.append((ctx.project.qualify(ref.module, name) if name else "", dec))
    return out


class UnknownKeyword(Rule):
    """
    ## What it does
    Flags keyword arguments that a called project function (or method) does not declare.

    ## Why is this bad?
    The compiler matches the call against the callee's compiled signature: `g(Tensor x, float
    scale=1.) -> Tensor: Keyword argument factor unknown.` (or `Argument scale not provided.`).
    Python would raise `TypeError` too, but only when the line runs.

    ## Example
    ```python
    def scale(x, factor: float = 1.0):
        return x * factor

    def forward(self, x):
        return scale(x, fator=2.0)
    ```

    ## Use instead
    Use the parameter's real name (`factor=2.0`).
    """

    code = "TS412"
    name = "unknown-keyword"
    message = "keyword argument the callee does not declare"
    compiler_message = "Keyword argument"
    node_types = (ast.Call,)
    VALID = [
        MODULE_HEADER + "\n\ndef scale(x, factor: float = 1.0):\n    return x * factor\n\n\n@torch.jit.script\ndef f(x):\n"
        "    return scale(x, factor=2.0)\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\ndef scale(x, factor: float = 1.0):\n    return x * factor\n\n\n@torch.jit.script\ndef f(x):\n"
        "    return scale(x, fator=2.0)  # error\n",
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def forward(self, x):\n        return self.scale(x, fator=2.0)  # error\n\n"
        "    def scale(self, x, factor: float = 1.0):\n        return x * factor\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        keywords = [k for k in node.keywords if k.arg]  # type: ignore[attr-defined]
        if not keywords:
            return
        callees = _callee_defs(ctx, node.func)  # type: ignore[attr-defined]
        if not callees:
            return
        for ref, fn in callees:
            if fn.args.kwarg is not None:
                return
            for qual, _ in _decorator_quals(ctx, ref, fn):
                if qual not in ("torch.jit.export", "staticmethod", "builtins.staticmethod"):
                    return  # a decorator may change the signature; @ignore calls stay in Python
        for keyword in keywords:
            if all(keyword.arg not in _param_names(fn) for _, fn in callees):
                ref, fn = callees[0]
                shown = ", ".join(_param_names(fn)[1:] if ref.qualname.count(".") and _is_method(fn) else _param_names(fn))
                ctx.report(self, keyword, f"`{ref.qualname}` has no parameter `{keyword.arg}` ('Keyword argument "
                                          f"{keyword.arg} unknown.'); its parameters are ({shown})")


def _param_names(fn: ast.FunctionDef) -> list[str]:
    a = fn.args
    return [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]


def _is_method(fn: ast.FunctionDef) -> bool:
    return not any((dotted(d) or "").endswith("staticmethod") for d in fn.decorator_list)


# ==================================================================================================
_SAVE_CHECK = (
    "\n\ndef diverges():\n    import io\n    try:\n        torch.jit.save({target}, io.BytesIO())\n"
    "    except RuntimeError:\n        return True\n    return False\n"
)


class PythonCallNotExportable(Rule):
    """
    ## What it does
    Warns about calls from compiled code to `autograd.Function.apply` and to `@torch.jit.ignore`
    functions and methods whose result the compiled code uses. (Statement calls such as
    `self.log(x)`, the usual home of Python-only debugging code, are not reported, although they
    also prevent saving.)

    ## Why is this bad?
    They compile into calls back into Python, so the scripted model runs, but it cannot be saved:
    `torch.jit.save` fails with `Could not export Python function call 'helper'. Remove calls to
    Python functions before export.` A model that must be exported (or loaded in C++) cannot
    contain them.

    ## Example
    ```python
    @torch.jit.ignore
    def debug_stats(x: torch.Tensor) -> torch.Tensor:
        return x

    def forward(self, x):
        return debug_stats(x)
    ```

    ## Use instead
    Make the helper scriptable and drop `@torch.jit.ignore`; mark training-only helpers
    `@torch.jit.unused` (compiled as a stub that raises, which saves fine); for custom autograd
    Functions, register a custom C++ operator or use scriptable ops.
    """

    code = "TS413"
    name = "python-call-not-exportable"
    message = "call into Python from compiled code: the scripted model cannot be saved"
    compiler_message = "Could not export Python function call"
    severity = "warning"
    divergence = True
    node_types = (ast.Call,)
    VALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def forward(self, x):\n        if self.training:\n"
        "            return self.train_only(x)\n        return x\n\n    @torch.jit.unused\n"
        "    def train_only(self, x: torch.Tensor) -> torch.Tensor:\n        return x + 1\n"
        + _SAVE_CHECK.format(target="torch.jit.script(Net())"),
    ]
    INVALID = [
        MODULE_HEADER + "\n\n@torch.jit.ignore\ndef debug_stats(x: torch.Tensor) -> torch.Tensor:\n    return x + 1\n\n\n"
        "@torch.jit.script\ndef f(x):\n    return debug_stats(x)  # error\n" + _SAVE_CHECK.format(target="f"),
        MODULE_HEADER + "\n\nclass Double(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
        "        return x * 2\n\n    @staticmethod\n    def backward(ctx, g):\n        return g * 2\n\n\n"
        "class Net(nn.Module):\n    def forward(self, x):\n        return Double.apply(x)  # error\n"
        + _SAVE_CHECK.format(target="torch.jit.script(Net())"),
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        func = node.func  # type: ignore[attr-defined]
        if isinstance(func, ast.Attribute) and func.attr == "apply":
            owner = ctx.resolve(func.value) if isinstance(func.value, (ast.Name, ast.Attribute)) else None
            if isinstance(owner, ClassRef) and any(
                    q in ("torch.autograd.Function", "torch.autograd.function.Function")
                    for q in ctx.project.external_bases(owner)):
                ctx.report(self, node, f"`{owner.name}.apply` runs a Python autograd Function: it compiles, but "
                                       f"`torch.jit.save` will fail ('Could not export Python function call'); use "
                                       f"scriptable ops or a custom C++ operator if the model must be exported")
            return
        if isinstance(ctx.parent(node), ast.Expr):
            return  # a side-effect-only helper (logging, debugging): the pattern other rules recommend
        callees = _callee_defs(ctx, func)
        if not callees:
            return
        for ref, fn in callees:
            ignore = [dec for qual, dec in _decorator_quals(ctx, ref, fn) if qual == "torch.jit.ignore"]
            if not ignore or any(isinstance(d, ast.Call) and any(k.arg == "drop" for k in d.keywords) for d in ignore):
                return
        ref = callees[0][0]
        ctx.report(self, node, f"`{ref.qualname}` is `@torch.jit.ignore`d: the call stays in Python, so it compiles but "
                               f"`torch.jit.save` will fail ('Could not export Python function call'); make it scriptable, "
                               f"or use `@torch.jit.unused` for training-only code")


# ==================================================================================================
def _wraps_wrapper(ctx: FunctionContext, ref: FuncRef) -> bool:
    """Does the project decorator `ref` return an inner function decorated with `functools.wraps`
    that does something besides calling the wrapped function (whose dropping changes behaviour)?"""
    fn = function_def(ctx.project, ref.module, ref.qualname)
    if fn is None:
        return False
    for node in ast.walk(fn):
        if isinstance(node, ast.FunctionDef) and node is not fn:
            for dec in node.decorator_list:
                name = dotted(dec.func if isinstance(dec, ast.Call) else dec)
                if name and ctx.project.qualify(ref.module, name) == "functools.wraps":
                    return not _only_forwards(node)
    return False


def _only_forwards(wrapper: ast.FunctionDef) -> bool:
    """`return fn(*args, **kwargs)` (after a docstring) and nothing else."""
    body = [s for s in wrapper.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if len(body) != 1 or not isinstance(body[0], ast.Return) or not isinstance(body[0].value, ast.Call):
        return False
    call = body[0].value
    args, kwarg = wrapper.args.vararg, wrapper.args.kwarg
    return (len(call.args) == 1 and isinstance(call.args[0], ast.Starred) and args is not None
            and isinstance(call.args[0].value, ast.Name) and call.args[0].value.id == args.arg
            and len(call.keywords) == 1 and call.keywords[0].arg is None and kwarg is not None
            and isinstance(call.keywords[0].value, ast.Name) and call.keywords[0].value.id == kwarg.arg)


_WRAPS_DIVERGES = (
    "\n\ndef diverges():\n    x = torch.ones(1)\n    return not torch.equal(g(x), torch.jit.script(g)(x))\n"
)


class WrapsDecoratorDropped(Rule):
    """
    ## What it does
    Warns when a compiled function carries a project decorator built with `functools.wraps`.

    ## Why is this bad?
    `functools.wraps` sets `__wrapped__`, and TorchScript compiles `__wrapped__`: the wrapper's code
    (scaling, caching, logging, input checks) silently does not run in the scripted model, so eager
    and scripted results can differ with no error at all.

    ## Example
    ```python
    def scaled(fn):
        @functools.wraps(fn)
        def wrapper(x):
            return fn(x) * 100
        return wrapper

    @scaled
    def head(x):
        return x * 2
    ```

    ## Use instead
    Put the wrapper's behaviour in the function itself (or in a second function that calls it), so
    the compiled code contains it.
    """

    code = "TS414"
    name = "wraps-decorator-dropped"
    message = "decorator built with functools.wraps is dropped by the compiler"
    compiler_message = "(compiles; the decorator is silently dropped)"
    severity = "warning"
    divergence = True
    VALID = [
        MODULE_HEADER + "\n\ndef g(x):\n    return x * 2 * 100\n\n\n@torch.jit.script\ndef f(x):\n    return g(x)\n"
        + _WRAPS_DIVERGES,
    ]
    INVALID = [
        MODULE_HEADER + "import functools\n\n\ndef scaled(fn):\n    @functools.wraps(fn)\n    def wrapper(x):\n"
        "        return fn(x) * 100\n    return wrapper\n\n\n@scaled  # error\ndef g(x):\n    return x * 2\n\n\n"
        "@torch.jit.script\ndef f(x):\n    return g(x)\n" + _WRAPS_DIVERGES,
    ]

    def check_function(self, ctx: FunctionContext) -> None:
        for dec in ctx.node.decorator_list:
            name = dotted(dec.func if isinstance(dec, ast.Call) else dec)
            resolved = ctx.project.resolve(ctx.module, name) if name else None
            if isinstance(resolved, FuncRef) and "." not in resolved.qualname and _wraps_wrapper(ctx, resolved):
                ctx.report(self, dec, f"`@{name}` wraps with `functools.wraps`, and TorchScript compiles the wrapped "
                                      f"function: the wrapper's code does not run in the scripted model; move its "
                                      f"behaviour into `{ctx.node.name}` itself")


_DECORATOR_MODULE = """\
    import functools


    def logged(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            return fn(*args, **kwargs)
        return wrapper
"""


def _names_bound_in(node: ast.AST) -> set[str]:
    """Every name a function binds, nested functions included: an approximation of the wrapper's
    closure (`fn`, a factory's arguments), which the compiler reads along with its globals."""
    names: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            names.add(sub.id)
        elif isinstance(sub, ast.arg):
            names.add(sub.arg)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(sub.name)
    return names


def _module_names(ctx: FunctionContext, module: str, decorator: FuncRef) -> Optional[set[str]]:
    """The names the wrapper's globals and closure provide, or None when tslint cannot list them
    (a star import, an unreadable file)."""
    summary = ctx.project.summary(module)
    if summary is None:
        return None
    try:
        source = parsed_file(summary.path, summary.digest, summary.module)
    except (OSError, SourceError, RecursionError, ValueError):
        return None
    if any(isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names) for n in ast.walk(source.tree)):
        return None
    names = set(summary.imports) | set(summary.functions) | set(summary.classes) | set(summary.globals)
    for node in source.tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == decorator.qualname:
            names |= _names_bound_in(node)
    return names | set(dir(builtins)) | set(dir(typing))


class DecoratorModuleGlobals(Rule):
    """
    ## What it does
    Flags a global name in a compiled function decorated with a project decorator built with
    `functools.wraps` in *another* module, when that module does not define the name.

    ## Why is this bad?
    TorchScript compiles the object the decorator returns: `inspect` follows `__wrapped__` back to
    the decorated source, but the free names in it are looked up in the wrapper's `__globals__`, the
    globals of the module that defines the decorator (`torch/jit/_recursive.py` `try_compile_fn`,
    `createResolutionCallbackFromClosure`). A name that module lacks (`torch`, `F`, a helper) is
    `undefined value`, though the code runs in Python. Rotary embeddings decorated with a
    `dynamic_rope_update`-style decorator are the common case.

    ## Example
    ```python
    # decorators.py: no `import torch` here
    def logged(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            return fn(*args, **kwargs)
        return wrapper

    # model.py
    class Net(nn.Module):
        @logged
        def forward(self, x):
            return torch.relu(x)
    ```

    ## Use instead
    Import the names in the decorator's module too, drop the decorator from compiled code, or move
    the body into an undecorated function that the decorated one calls.
    """

    code = "TS419"
    name = "decorator-module-globals"
    message = "name undefined in the module of a functools.wraps decorator"
    compiler_message = "undefined value"
    FILES = {"decorators.py": _DECORATOR_MODULE}
    VALID = [
        MODULE_HEADER + "from decorators import logged\n\n\nclass Net(nn.Module):\n    @logged\n    def forward(self, x):\n"
        "        y = x * 2\n        return y + len([y])\n",
    ]
    INVALID = [
        MODULE_HEADER + "from decorators import logged\n\n\nclass Net(nn.Module):\n    @logged\n    def forward(self, x):\n"
        "        y = x * 2\n        return torch.relu(y)  # error\n",
    ]

    def check_function(self, ctx: FunctionContext) -> None:
        compiled, wrapped = decorator_effect(ctx.project, ctx.module, ctx.info.decorators)
        if not compiled or not wrapped or wrapped[0].module == ctx.module:
            return
        outer = wrapped[0]  # the outermost decorator's wrapper is the object compiled
        decorator = ctx.project.resolve(ctx.module, outer.decorator)
        if not isinstance(decorator, FuncRef):
            return
        available = _module_names(ctx, outer.module, decorator)
        if available is None:
            return
        local = ctx.local_names
        used = [n for stmt in live_body(ctx.node.body, "script") for n in ast.walk(stmt)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in local]
        for node in sorted(used, key=lambda n: (n.lineno, n.col_offset)):
            if node.id not in available:
                ctx.report(self, node, f"`{node.id}` is undefined for the compiler ('undefined value {node.id}'): "
                                       f"`@{outer.decorator}` wraps with `functools.wraps` in `{outer.module}`, whose "
                                       f"globals TorchScript resolves `{ctx.node.name}`'s names in; import `{node.id}` "
                                       f"there, or keep the decorator off compiled code")
                return


_NOGRAD_DIVERGES = (
    "\n\ndef diverges():\n    m = Net()\n    x = torch.ones(2, requires_grad=True)\n"
    "    return m(x).requires_grad != torch.jit.script(m)(x).requires_grad\n"
)


class GradModeDecoratorDropped(Rule):
    """
    ## What it does
    Warns about `@torch.no_grad()`, `@torch.inference_mode()` and `@torch.enable_grad()` on compiled
    functions and methods (typically `forward`).

    ## Why is this bad?
    TorchScript compiles the undecorated function: the grad mode is silently dropped, so the
    scripted model records gradients (`requires_grad=True` outputs, extra memory) where the eager
    one did not.

    ## Example
    ```python
    class Net(nn.Module):
        @torch.no_grad()
        def forward(self, x):
            return self.body(x)
    ```

    ## Use instead
    ```python
    class Net(nn.Module):
        def forward(self, x):
            with torch.no_grad():          # compiled and honoured
                return self.body(x)
    ```
    or wrap calls to the scripted model in `with torch.no_grad():`.
    """

    code = "TS415"
    name = "grad-mode-decorator-dropped"
    message = "grad-mode decorator is dropped by the compiler"
    compiler_message = "(compiles; the grad mode is silently dropped)"
    severity = "warning"
    divergence = True
    VALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def forward(self, x):\n        with torch.no_grad():\n"
        "            return x * 2\n" + _NOGRAD_DIVERGES,
    ]
    INVALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    @torch.no_grad()  # error\n    def forward(self, x):\n"
        "        return x * 2\n" + _NOGRAD_DIVERGES,
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    @torch.inference_mode()  # error\n    def forward(self, x):\n"
        "        return x * 2\n" + _NOGRAD_DIVERGES,
    ]

    def check_function(self, ctx: FunctionContext) -> None:
        for dec in ctx.node.decorator_list:
            name = dotted(dec.func if isinstance(dec, ast.Call) else dec)
            qual = ctx.project.qualify(ctx.module, name) if name else ""
            if qual in GRAD_DECORATORS:
                short = qual.rsplit(".", 1)[-1]
                ctx.report(self, dec, f"`@{name}{'()' if isinstance(dec, ast.Call) else ''}` is dropped by "
                                      f"TorchScript: the scripted `{ctx.node.name}` runs in the caller's grad mode; use "
                                      f"`with torch.{short}():` inside the body"
                                      + (" (`torch.no_grad()` is the only grad-mode context TorchScript supports)"
                                         if short != "no_grad" else ""))


# ==================================================================================================
#: builtin exception and warning classes (`ValueError`, `DeprecationWarning`, ...), from Python itself
_BUILTIN_EXCEPTIONS = frozenset(
    name for name, value in vars(__import__("builtins")).items()
    if isinstance(value, type) and issubclass(value, BaseException)
)


def _exception_class(ctx: FunctionContext, node: ast.AST) -> Optional[str]:
    """The name of the exception class `node` denotes (builtin, or a project class deriving from
    one), else None."""
    if isinstance(node, ast.Name) and node.id in _BUILTIN_EXCEPTIONS and ctx.qualname(node) == node.id:
        return node.id
    resolved = ctx.resolve(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
    if isinstance(resolved, ClassRef) and not ctx.project.is_nn_module(resolved):
        bases = ctx.project.external_bases(resolved)
        if any(q.removeprefix("builtins.") in _BUILTIN_EXCEPTIONS for q in bases):
            return resolved.name
    return None


class ExceptionClassValue(Rule):
    """
    ## What it does
    Flags an exception or warning class used as a value in compiled code (passed as an argument,
    returned, stored), most often the category of `warnings.warn(msg, DeprecationWarning)`.
    Raising the class or constructing an instance of it is fine.

    ## Why is this bad?
    TorchScript knows exception classes only where they are raised or constructed:
    `Python exception cannot be used as a value`. Its `warnings.warn` takes the message (and
    `stacklevel`) only.

    ## Example
    ```python
    def forward(self, x):
        warnings.warn("`scale` is deprecated", DeprecationWarning, stacklevel=2)
        return x
    ```

    ## Use instead
    ```python
    def forward(self, x):
        warnings.warn("`scale` is deprecated", stacklevel=2)
        return x
    ```
    (or move the warning into `__init__`, or a helper marked `@torch.jit.unused`).
    """

    code = "TS416"
    name = "exception-class-value"
    message = "exception class used as a value"
    compiler_message = "Python exception cannot be used as a value"
    node_types = (ast.Name, ast.Attribute)
    VALID = [
        MODULE_HEADER + "import warnings\n\n\nclass Net(nn.Module):\n    def forward(self, x):\n"
        "        warnings.warn(\"deprecated\", stacklevel=2)\n        if x.sum() > 0:\n            raise ValueError\n"
        "        if x.sum() < -10:\n            raise ValueError(\"too small\")\n        return x\n",
    ]
    INVALID = [
        MODULE_HEADER + "import warnings\n\n\nclass Net(nn.Module):\n    def forward(self, x):\n"
        "        warnings.warn(\"deprecated\", DeprecationWarning)  # error\n        return x\n",
        MODULE_HEADER + "import warnings\n\n\nclass LegacyWarning(UserWarning):\n    pass\n\n\n@torch.jit.script\n"
        "def f(x):\n    warnings.warn(\"legacy path\", category=LegacyWarning)  # error\n    return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        if not isinstance(node.ctx, ast.Load):  # type: ignore[attr-defined]
            return
        parent = ctx.parent(node)
        if isinstance(parent, ast.Attribute) or (isinstance(parent, ast.Call) and parent.func is node):
            return  # `ValueError("...")` builds an instance; `E.attr` is something else
        if isinstance(parent, ast.keyword):
            parent = ctx.parent(parent)
        holder = ctx.parent(parent) if isinstance(parent, ast.Tuple) else parent
        if isinstance(parent, ast.Raise) or isinstance(holder, ast.ExceptHandler) or in_annotation(ctx, node):
            return  # raised, or caught (`try` itself is rejected first, TS102)
        name = _exception_class(ctx, node)
        if name is None:
            return
        in_warn = isinstance(parent, ast.Call) and ctx.qualname(parent.func) == "warnings.warn"
        hint = ("TorchScript's `warnings.warn` takes the message (and `stacklevel`) only: drop the category"
                if in_warn else "raise it or construct an instance instead")
        ctx.report(self, node, f"the exception class `{name}` is used as a value ('Python exception cannot be used "
                               f"as a value'); {hint}")


# ==================================================================================================
class TypingCast(Rule):
    """
    ## What it does
    Flags `typing.cast(T, value)` in compiled code.

    ## Why is this bad?
    TorchScript has no special form for `typing.cast`: it compiles the call like any other, so the
    type `T` is evaluated as a value, which it rejects whatever `T` is (`builtin cannot be used as a
    value` for `torch.Tensor`, `__int__ cannot be used as a value` for `int`, `Attempted to use List
    without a contained type` for `List[int]`). The cast is for a static type checker; the compiler
    infers the type itself, or refines it from the code.

    ## Example
    ```python
    def forward(self, x: Optional[torch.Tensor]):
        y = cast(torch.Tensor, x)
        return y + 1
    ```

    ## Use instead
    ```python
    def forward(self, x: Optional[torch.Tensor]):
        assert x is not None  # refines Optional[Tensor] to Tensor for the compiler and for type checkers
        return x + 1
    ```
    (for an empty container, `torch.jit.annotate(List[int], [])`).
    """

    code = "TS420"
    name = "typing-cast"
    message = "typing.cast in compiled code"
    compiler_message = "cannot be used as a value"
    node_types = (ast.Call,)
    VALID = [
        MODULE_HEADER + "from typing import List, Optional, cast\n\n\nclass Net(nn.Module):\n"
        "    def forward(self, x: Optional[torch.Tensor]):\n        assert x is not None\n"
        "        sizes = torch.jit.annotate(List[int], [])\n        return x + len(sizes)\n\n"
        "    @torch.jit.unused\n    def describe(self, x) -> torch.Tensor:\n        return cast(torch.Tensor, x)\n",
    ]
    INVALID = [
        MODULE_HEADER + "from typing import Optional, cast\n\n\nclass Net(nn.Module):\n"
        "    def forward(self, x: Optional[torch.Tensor]):\n        y = cast(torch.Tensor, x)  # error\n        return y + 1\n",
        MODULE_HEADER + "import typing\n\n\n@torch.jit.script\ndef f(n: int):\n    return typing.cast(int, n) + 1  # error\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        if ctx.qualname(node.func) not in ("typing.cast", "typing_extensions.cast"):  # type: ignore[attr-defined]
            return
        ctx.report(self, node, "`typing.cast(...)` is compiled as a call, and its type argument as a value, which "
                               "TorchScript rejects ('builtin cannot be used as a value'); drop the cast, refine with "
                               "`assert x is not None` or `isinstance`, or use `torch.jit.annotate(T, [])` for an "
                               "empty container")


# ==================================================================================================
class ContainsMixedLiteral(Rule):
    """
    ## What it does
    Flags `x in (...)` / `x not in [...]` in compiled code when the literal mixes element types:
    strings with `None`, ints with floats or bools, or holds only `None`.

    ## Why is this bad?
    TorchScript compiles `in` to `aten::__contains__`, which exists for lists of one type (`str[]`,
    `int[]`, `float[]`) and dict keys, not for tuples or lists of `Optional` or `Union` elements:
    `Arguments for call are not valid` (`Expected a value of type 'List[str]' for argument 'l' but
    instead found type 'Tuple[str, str, NoneType]'`).

    ## Example
    ```python
    if reduction in ("mean", "sum", None):
        ...
    ```

    ## Use instead
    ```python
    if reduction is None or reduction in ("mean", "sum"):
        ...
    ```
    """

    code = "TS417"
    name = "contains-mixed-literal"
    message = "membership test in a literal of mixed element types"
    compiler_message = "Arguments for call are not valid"
    node_types = (ast.Compare,)
    VALID = [
        MODULE_HEADER + "from typing import Optional\n\n\n@torch.jit.script\ndef f(x, reduction: Optional[str]):\n"
        "    if reduction is None or reduction in (\"mean\", \"sum\"):\n        return x\n    return x + 1\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\n@torch.jit.script\ndef f(x, reduction: str):\n"
        "    if reduction in (\"mean\", \"sum\", None):  # error\n        return x\n    return x + 1\n",
        MODULE_HEADER + "\n\n@torch.jit.script\ndef f(x, k: float):\n    if k not in [1.0, 2]:  # error\n        return x\n"
        "    return x + 1\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        for op, right in zip(node.ops, node.comparators):  # type: ignore[attr-defined]
            if not isinstance(op, (ast.In, ast.NotIn)) or not isinstance(right, (ast.Tuple, ast.List)) or not right.elts:
                continue
            kinds = [const_type(e) for e in right.elts]
            if None in kinds:
                continue  # a non-literal element: its type is not known here
            distinct = sorted(set(kinds))  # type: ignore[arg-type]
            if len(distinct) > 1 or distinct == ["NoneType"]:
                shown = " and ".join("None" if k == "NoneType" else k for k in distinct)
                hint = ("test None separately (`x is None or x in (...)`)" if "NoneType" in distinct
                        else "make every element the same type")
                ctx.report(self, node, f"`in` on a literal mixing {shown} has no TorchScript overload "
                                       f"('Arguments for call are not valid': `aten::__contains__` takes a list of one "
                                       f"type); {hint}")
                return
