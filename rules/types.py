"""TS2xx: type errors the TorchScript compiler raises, predicted by the static type checker.

Every rule here only reports what `ctx.types` (`lint/compiler/infer.py`) is sure of: the checker
follows TorchScript's typing rules (unannotated parameters are Tensor, one type per variable at each
join, `Optional` refined only on local names, `[]` is `List[Tensor]`, ...) and stays silent whenever
a type it needs is unknown.
"""
from __future__ import annotations

import ast
import re
from typing import ClassVar, Optional

from tslint.compiler import infer as I
from tslint.finding import Finding
from tslint.neutralize import node_at, replace_expression, replace_span
from tslint.rule import Rule
from tslint.walk import FunctionContext


class _TypeRule(Rule):
    """Reports the checker's issues of one kind."""

    issue: ClassVar[str] = ""

    def check_function(self, ctx: FunctionContext) -> None:
        for found in ctx.types.issues_for(self.issue):
            ctx.report(self, found.node, found.message)


def _node(source: str, finding: Finding, types: tuple) -> Optional[ast.AST]:
    """The outermost node of `types` spanning exactly the finding (a Name inside an Attribute
    starts at the same column)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    best = None
    for node in ast.walk(tree):
        if (isinstance(node, types) and getattr(node, "lineno", None) == finding.line
                and node.col_offset == finding.col):  # type: ignore[attr-defined]
            if getattr(node, "end_col_offset", None) == finding.end_col or best is None:
                if best is None or getattr(best, "end_col_offset", None) != finding.end_col:
                    best = node
    return best


def _header(body: str) -> str:
    return "import torch\nfrom typing import Any, Dict, List, Optional, Tuple, Union\n\n" + body


class UnannotatedParameterDefault(_TypeRule):
    """
    ## What it does
    Flags a parameter whose default does not match its type: an unannotated parameter with a
    non-`None` default (TorchScript assumes every unannotated parameter is a Tensor), or an annotated
    one whose default has another type (`k: int = None`).

    ## Why is this bad?
    The compiler rejects the whole function: `Expected a default value of type Tensor (inferred) on
    parameter "k".Because "k" was not annotated with an explicit type it is assumed to be type
    'Tensor'.` An `int` annotation with a `None` default is rejected too (`Optional[int]` is needed).
    `mask: Tensor = None` is the one exception: the definition compiles (the default is an undefined
    Tensor, and `mask is None` is statically False), but a compiled call that omits `mask` fails with
    `Unsupported value kind: Tensor` and no source location; such calls are flagged.

    ## Example
    ```python
    @torch.jit.script
    def scale(x, k=2):
        return x * k
    ```

    ## Use instead
    ```python
    @torch.jit.script
    def scale(x, k: int = 2):
        return x * k
    ```
    """

    code = "TS201"
    name = "untyped-parameter-default"
    message = "the parameter's default does not match its (possibly inferred Tensor) type"
    compiler_message = "Expected a default value of type"
    issue = I.PARAM_DEFAULT
    fix_safety = ""
    VALID = [
        _header("@torch.jit.script\ndef f(x, k: int = 2, mask=None, s: Optional[int] = None, r: float = 1):\n    return x * k\n"),
        _header("@torch.jit.script\ndef f(x, mask: torch.Tensor = None):\n    return x\n\n\n"
                "@torch.jit.script\ndef g(x):\n    return f(x, x)\n"),
    ]
    INVALID = [
        _header("@torch.jit.script\ndef f(x, k=2):  # error\n    return x * k\n"),
        _header("@torch.jit.script\ndef f(x, k: int = None):  # error\n    return x\n"),
    ]

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        match = re.search(r"annotate it: `(\w+): (\w+) = ", finding.message)
        arg = node_at(source, finding, (ast.arg,))
        if isinstance(arg, ast.arg) and match and arg.annotation is None:
            end = arg.col_offset + len(arg.arg)
            return replace_span(source, arg.lineno, end, arg.lineno, end, f": {match.group(2)}")
        if isinstance(arg, ast.arg) and arg.annotation is not None and "Optional[" in finding.message:
            ann = arg.annotation
            return replace_expression(source, ann, f"Optional[{ast.unparse(ann)}]")
        return None


class ArgumentTypeMismatch(_TypeRule):
    """
    ## What it does
    Flags a call to a function or method of the project whose argument has a type the parameter does
    not accept, most often a parameter left unannotated (so inferred as `Tensor`) that receives
    `None`, an `int` or a `float`.

    ## Why is this bad?
    TorchScript types every unannotated parameter as Tensor and checks each call against that:
    `Expected a value of type 'Tensor (inferred)' for argument 'box' but instead found type
    'NoneType'.` It does not convert `int` to `float` for your own functions either.

    ## Example
    ```python
    class Detector(nn.Module):
        def forward(self, img):
            box = self.predict_boxes(img)   # returns None
            return self.predict_keypoint(img, box)

        @torch.jit.export
        def predict_keypoint(self, img, box):
            ...
    ```

    ## Use instead
    ```python
        @torch.jit.export
        def predict_keypoint(self, img, box: Optional[Tensor]):
            ...
    ```
    """

    code = "TS202"
    name = "argument-type-mismatch"
    message = "an argument's type does not match the parameter's (unannotated parameters are Tensor)"
    compiler_message = "Expected a value of type"
    issue = I.ARGUMENT_TYPE
    VALID = [
        _header("class Detector(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.do_keypoint = True\n\n"
                "    def forward(self, img):\n        box = self.predict_boxes(img)\n        if self.do_keypoint:\n"
                "            kpts = self.predict_keypoint(img, box)\n        return img\n\n"
                "    @torch.jit.export\n    def predict_boxes(self, img):\n        pass\n\n"
                "    @torch.jit.export\n    def predict_keypoint(self, img, box: Optional[torch.Tensor]):\n        pass\n"),
        _header("def g(x, n: int, f: float, t: List[int]):\n    return x\n\n\n@torch.jit.script\ndef f(x):\n"
                "    return g(x, 3, x.sum(), (1, 2))\n"),
        _header("def g(x, gain: float = 1.0):\n    return x * gain\n\n\nclass Adjust(torch.nn.Module):\n"
                "    def __init__(self, gain: float = 1.0, k: int = 1):\n        super().__init__()\n        self.gain = gain\n"
                "        self.k = k\n\n    def forward(self, x):\n        return g(x, self.gain).reshape(-1, self.k * 2)\n"),
        _header("@torch.jit.script\ndef f(x, n: int):\n    return x.reshape(-1, n * n).view(int(n ** 2), -1)\n"),
        _header("import torch.nn.functional as F\n\n\n@torch.jit.script\ndef f(x, n: int):\n"
                "    return F.interpolate(x, scale_factor=2.0) + F.interpolate(x, size=n) + F.dropout(x, 0.5, True)\n"),
    ]
    INVALID = [
        _header("class Detector(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.do_keypoint = True\n\n"
                "    def forward(self, img):\n        box = self.predict_boxes(img)\n        if self.do_keypoint:\n"
                "            kpts = self.predict_keypoint(img, box)  # error\n        return img\n\n"
                "    @torch.jit.export\n    def predict_boxes(self, img):\n        pass\n\n"
                "    @torch.jit.export\n    def predict_keypoint(self, img, box):\n        pass\n"),
        _header("def g(x, n):\n    return x\n\n\n@torch.jit.script\ndef f(x):\n    return g(x, 3)  # error\n"),
        _header("def g(x, scale: float):\n    return x * scale\n\n\n@torch.jit.script\ndef f(x):\n    return g(x, 2)  # error\n"),
        _header("def g(x, gain: float = 1.0):\n    return x * gain\n\n\nclass Adjust(torch.nn.Module):\n"
                "    def __init__(self, gain: float = 1):\n        super().__init__()\n        self.gain = gain\n\n"
                "    def forward(self, x):\n        return g(x, self.gain)  # error\n"),
        _header("@torch.jit.script\ndef f(x, n: int):\n    return x.reshape(-1, n ** 2)  # error\n"),
        _header("import torch.nn.functional as F\n\n\n@torch.jit.script\ndef f(x):\n"
                "    return F.interpolate(x, scale_factor=2, mode=\"nearest\")  # error\n"),
        _header("import torch.nn.functional as F\n\n\n@torch.jit.script\ndef f(x):\n    return F.dropout(x, 0)  # error\n"),
    ]


class RangeOfNonInt(_TypeRule):
    """
    ## What it does
    Flags `range(n)` where `n` is not an `int`: usually a parameter left unannotated, which
    TorchScript infers as a Tensor.

    ## Why is this bad?
    `all inputs of range must be ints, found Tensor (inferred) in argument 0`. TorchScript does not
    convert a Tensor (or a float) to an int here.

    ## Example
    ```python
    @torch.jit.script
    def repeat(x, n):
        for _ in range(n):
            x = x * 2
        return x
    ```

    ## Use instead
    ```python
    @torch.jit.script
    def repeat(x, n: int):
        for _ in range(n):
            x = x * 2
        return x
    ```
    """

    code = "TS203"
    name = "range-of-non-int"
    message = "`range()` needs ints (an unannotated parameter is a Tensor)"
    compiler_message = "all inputs of range must be ints, found"
    issue = I.RANGE_ARG
    VALID = [_header("@torch.jit.script\ndef f(x, n: int):\n    for i in range(n, x.size(0)):\n        x = x * 2\n    return x\n")]
    INVALID = [
        _header("@torch.jit.script\ndef f(x, n):\n    for i in range(n):  # error\n        x = x * 2\n    return x\n"),
        _header("@torch.jit.script\ndef f(x, n: float):\n    for i in range(n):  # error\n        x = x * 2\n    return x\n"),
    ]

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = _node(source, finding, (ast.expr,))
        if node is None:
            return None
        return replace_expression(source, node, f"int({ast.get_source_segment(source, node)})")


class BranchTypeMismatch(_TypeRule):
    """
    ## What it does
    Flags a variable that is assigned values of different types in the two branches of an `if` and
    then used after it.

    ## Why is this bad?
    A TorchScript variable has one type where branches join:
    `Type mismatch: y is set to type int in the true branch and type float in the false branch`. The
    compiler raises it where the variable is next used.

    ## Example
    ```python
    if flag:
        scale = 1
    else:
        scale = 0.5
    return x * scale
    ```

    ## Use instead
    ```python
    if flag:
        scale = 1.0
    else:
        scale = 0.5
    return x * scale
    ```
    """

    code = "TS204"
    name = "branch-type-mismatch"
    message = "a variable gets different types in the branches of an `if` and is used after it"
    compiler_message = "Type mismatch:"
    issue = I.BRANCH_MISMATCH
    VALID = [
        _header("@torch.jit.script\ndef f(x, c: bool):\n    if c:\n        y = 1\n    else:\n        y = 1.5\n    y = 2.0\n    return x * y\n"),
    ]
    INVALID = [
        _header("@torch.jit.script\ndef f(x, c: bool):\n    if c:  # error\n        y = 1\n    else:\n        y = 1.5\n    return x * y  # error\n"),
        _header("@torch.jit.script\ndef f(x, c: bool):\n    if c:  # error\n        y = [1]\n    else:\n        y = [x]\n    return len(y)  # error\n"),
    ]


class UndefinedAfterBranch(_TypeRule):
    """
    ## What it does
    Flags a variable assigned in only one branch of an `if` (the other branch does not `return` or
    `raise`) and used after it.

    ## Why is this bad?
    `y is not defined in the false branch`. Python raises `NameError` only when the path is taken;
    TorchScript needs the variable on every path that reaches the use.

    ## Example
    ```python
    if flag:
        bias = x.mean()
    return x - bias
    ```

    ## Use instead
    ```python
    bias = torch.zeros(1)
    if flag:
        bias = x.mean()
    return x - bias
    ```
    """

    code = "TS205"
    name = "undefined-after-branch"
    message = "a variable assigned in only one branch is used after the `if`"
    compiler_message = "is not defined in the"
    issue = I.BRANCH_UNDEFINED
    VALID = [
        _header("@torch.jit.script\ndef f(x, c: bool):\n    if c:\n        y = x.mean()\n    else:\n        return x\n    return x - y\n"),
    ]
    INVALID = [
        _header("@torch.jit.script\ndef f(x, c: bool):\n    if c:  # error\n        y = x.mean()\n    return x - y  # error\n"),
    ]


class TypeChangeInBlock(_TypeRule):
    """
    ## What it does
    Flags an assignment, inside a loop or an `if`, that gives a variable defined before the block a
    value of another type (including `None` then a Tensor).

    ## Why is this bad?
    `Variable 'acc' previously had type NoneType but is now being assigned to a value of type
    Tensor`. Straight-line rebinding is allowed, but a value that flows around a loop or out of a
    branch must keep its type; a variable first set to `None` needs an `Optional` annotation.

    ## Example
    ```python
    acc = None
    for t in tensors:
        acc = t
    ```

    ## Use instead
    ```python
    acc: Optional[Tensor] = None
    for t in tensors:
        acc = t
    ```
    """

    code = "TS206"
    name = "type-change-in-block"
    message = "a variable from outside a loop or branch is assigned a value of another type inside it"
    compiler_message = "previously had type"
    issue = I.REASSIGN_TYPE
    VALID = [
        _header("@torch.jit.script\ndef f(xs: List[torch.Tensor]):\n    acc: Optional[torch.Tensor] = None\n    for t in xs:\n"
                "        acc = t\n    y = 0\n    y = 1.5\n    return acc, y\n"),
    ]
    INVALID = [
        _header("@torch.jit.script\ndef f(xs: List[torch.Tensor]):\n    acc = None\n    for t in xs:\n        acc = t  # error\n    return acc\n"),
        _header("@torch.jit.script\ndef f(x, n: int):\n    y = 0\n    for i in range(n):\n        y = 1.5  # error\n    return x\n"),
    ]


class EmptyListElementType(_TypeRule):
    """
    ## What it does
    Flags `append`/`insert` of a value whose type differs from the list's element type, most often
    on a list created as `[]`, which TorchScript types as `List[Tensor]`.

    ## Why is this bad?
    `Could not match type int to t in argument 'el': Type variable 't' previously matched to type
    Tensor is matched to type int.` An empty literal has no element to infer from, so it is a list
    of Tensors unless annotated.

    ## Example
    ```python
    sizes = []
    sizes.append(x.size(0))
    ```

    ## Use instead
    ```python
    sizes: List[int] = []
    sizes.append(x.size(0))
    ```
    """

    code = "TS207"
    name = "list-element-type"
    message = "a list gets an element of another type (`[]` is `List[Tensor]`)"
    compiler_message = "Could not match type"
    issue = I.EMPTY_LIST
    VALID = [_header("@torch.jit.script\ndef f(x):\n    sizes: List[int] = []\n    sizes.append(x.size(0))\n    ts = []\n    ts.append(x)\n    return sizes, ts\n")]
    INVALID = [
        _header("@torch.jit.script\ndef f(x):\n    sizes = []\n    sizes.append(x.size(0))  # error\n    return sizes\n"),
    ]


class DictItemType(_TypeRule):
    """
    ## What it does
    Flags `d[key] = value` where the key or value type differs from the dict's, most often on a dict
    created as `{}`, which TorchScript types as `Dict[str, Tensor]`.

    ## Why is this bad?
    The compiler finds no `aten::_set_item` overload: `Arguments for call are not valid.`

    ## Example
    ```python
    counts = {}
    counts["n"] = x.size(0)
    ```

    ## Use instead
    ```python
    counts: Dict[str, int] = {}
    counts["n"] = x.size(0)
    ```
    """

    code = "TS208"
    name = "dict-item-type"
    message = "a dict gets a key or value of another type (`{}` is `Dict[str, Tensor]`)"
    compiler_message = "Arguments for call are not valid"
    issue = I.EMPTY_DICT
    VALID = [_header("@torch.jit.script\ndef f(x):\n    counts: Dict[str, int] = {}\n    counts[\"n\"] = x.size(0)\n    d = {}\n    d[\"a\"] = x\n    return counts, d\n")]
    INVALID = [
        _header("@torch.jit.script\ndef f(x):\n    counts = {}\n    counts[\"n\"] = x.size(0)  # error\n    return counts\n"),
        _header("@torch.jit.script\ndef f(x):\n    d = {}\n    d[1] = x  # error\n    return d\n"),
    ]


class ReturnTypeMismatch(_TypeRule):
    """
    ## What it does
    Flags `return` statements of one unannotated function that return values of types that do not
    unify (`int` and `float`, tuples of different lengths).

    ## Why is this bad?
    `Previous return statement returned a value of type int but this return statement returns a
    value of type float`. The result type is inferred from the returns; only `None` and `T` unify
    (to `Optional[T]`).

    ## Example
    ```python
    def ratio(a: int, b: int):
        if b == 0:
            return 0
        return a / b
    ```

    ## Use instead
    ```python
    def ratio(a: int, b: int) -> float:
        if b == 0:
            return 0.0
        return a / b
    ```
    """

    code = "TS209"
    name = "return-type-mismatch"
    message = "the function's return statements return different types"
    compiler_message = "Previous return statement returned a value of type"
    issue = I.RETURN_MISMATCH
    VALID = [_header("@torch.jit.script\ndef f(x, c: bool):\n    if c:\n        return None\n    return x\n")]
    INVALID = [
        _header("@torch.jit.script\ndef f(a: int, b: int):\n    if b == 0:\n        return 0\n    return a / b  # error\n"),
        _header("@torch.jit.script\ndef f(x, c: bool):\n    if c:\n        return x, 1\n    return x, 2, 3  # error\n"),
    ]


class MissingReturn(_TypeRule):
    """
    ## What it does
    Flags a function annotated with a return type other than `None` that can reach its end without
    returning (a `while True:` loop does not count as returning).

    ## Why is this bad?
    `Function was not annotated as having type None, but does not return along all paths`.

    ## Example
    ```python
    def pick(x: Tensor, c: bool) -> Tensor:
        if c:
            return x
    ```

    ## Use instead
    ```python
    def pick(x: Tensor, c: bool) -> Tensor:
        if c:
            return x
        raise ValueError("no choice")
    ```
    """

    code = "TS210"
    name = "missing-return"
    message = "an annotated function can end without returning a value"
    compiler_message = "does not return along all paths"
    issue = I.MISSING_RETURN
    VALID = [_header("@torch.jit.script\ndef f(x, c: bool) -> torch.Tensor:\n    if c:\n        return x\n    raise ValueError(\"no\")\n")]
    INVALID = [_header("@torch.jit.script\ndef f(x, c: bool) -> torch.Tensor:  # error\n    if c:\n        return x\n")]


class ReturnAnnotationMismatch(_TypeRule):
    """
    ## What it does
    Flags a `return` whose value's type is not the function's annotated return type.

    ## Why is this bad?
    `Return value was annotated as having type int but is actually of type float`. TorchScript does
    not convert `int` to `float` on return (Tensors to numbers, and tuples to lists, it does).

    ## Example
    ```python
    def half(n: int) -> int:
        return n / 2
    ```

    ## Use instead
    ```python
    def half(n: int) -> int:
        return n // 2
    ```
    """

    code = "TS211"
    name = "return-annotation-mismatch"
    message = "the returned value does not have the annotated return type"
    compiler_message = "Return value was annotated as having type"
    issue = I.RETURN_ANNOTATION
    VALID = [_header("@torch.jit.script\ndef f(x, n: int) -> int:\n    if n > 2:\n        return x.size(0)\n    return n // 2\n")]
    INVALID = [
        _header("@torch.jit.script\ndef f(n: int) -> int:\n    return n / 2  # error\n"),
        _header("@torch.jit.script\ndef f(x) -> float:\n    return 1  # error\n"),
    ]


class LocalAnnotationMismatch(_TypeRule):
    """
    ## What it does
    Flags `name: T = value` where the value's type is not `T`.

    ## Why is this bad?
    `Variable 'y' is annotated with type int but is being assigned to a value of type float`.
    TorchScript does not convert `int` to `float`, Tensors to numbers, or tuples to lists here.

    ## Example
    ```python
    scale: float = 1
    ```

    ## Use instead
    ```python
    scale: float = 1.0
    ```
    """

    code = "TS212"
    name = "local-annotation-mismatch"
    message = "an annotated local variable is assigned a value of another type"
    compiler_message = "is annotated with type"
    issue = I.LOCAL_ANNOTATION
    VALID = [_header("@torch.jit.script\ndef f(x):\n    scale: float = 1.0\n    n: Optional[int] = None\n    return x * scale, n\n")]
    INVALID = [
        _header("@torch.jit.script\ndef f(x):\n    scale: float = 1  # error\n    return x * scale\n"),
        _header("@torch.jit.script\ndef f(x):\n    n: int = x.sum()  # error\n    return n\n"),
    ]


class ReannotationInBlock(_TypeRule):
    """
    ## What it does
    Flags `name: T = value` inside a loop or branch when `name` already exists outside it.

    ## Why is this bad?
    `Attempting to declare and annotate the type of variable 'y' but it is already defined in an
    outer block`. A variable's type is declared once, where it is first assigned.

    ## Example
    ```python
    y = 1
    if c:
        y: int = 2
    ```

    ## Use instead
    ```python
    y: int = 1
    if c:
        y = 2
    ```
    """

    code = "TS213"
    name = "reannotation-in-block"
    message = "a variable defined outside a block is annotated again inside it"
    compiler_message = "Attempting to declare and annotate the type of variable"
    issue = I.REANNOTATION
    VALID = [_header("@torch.jit.script\ndef f(x, c: bool):\n    y: int = 1\n    if c:\n        y = 2\n    return x * y\n")]
    INVALID = [_header("@torch.jit.script\ndef f(x, c: bool):\n    y = 1\n    if c:\n        y: int = 2  # error\n    return x * y\n")]


class UnrefinedOptional(_TypeRule):
    """
    ## What it does
    Flags an `Optional` value used where a value is required (in arithmetic, as an argument, for an
    attribute or method) without a `None` check that refines it, including `self.attr` attributes
    annotated `Optional[...]`, which TorchScript never refines.

    ## Why is this bad?
    The compiler finds no overload for `Optional[T]`: `Arguments for call are not valid.` ...
    `Expected a value of type 'Tensor' for argument 'other' but instead found type
    'Optional[Tensor]'.` Only local variables are refined, by `is None` / `is not None` /
    `isinstance` checks in the condition itself or after an early `return`/`raise`.

    ## Example
    ```python
    class Net(nn.Module):
        bias: Optional[Tensor]

        def forward(self, x):
            if self.bias is not None:
                x = x + self.bias
            return x
    ```

    ## Use instead
    ```python
        def forward(self, x):
            bias = self.bias
            if bias is not None:
                x = x + bias
            return x
    ```
    """

    code = "TS214"
    name = "unrefined-optional"
    message = "an Optional value is used without a None check that refines it"
    compiler_message = "found type 'Optional["
    issue = I.OPTIONAL_UNREFINED
    VALID = [
        _header("@torch.jit.script\ndef f(x, n: Optional[int]):\n    if n is None:\n        return x\n    return x * n\n"),
        _header("class Net(torch.nn.Module):\n    bias: Optional[torch.Tensor]\n\n    def __init__(self):\n        super().__init__()\n"
                "        self.bias = torch.zeros(1)\n\n    def forward(self, x):\n        bias = self.bias\n        if bias is not None:\n"
                "            x = x + bias\n        return x\n"),
    ]
    INVALID = [
        _header("@torch.jit.script\ndef f(x, n: Optional[int]):\n    return x * (n + 1)  # error\n"),
        _header("class Net(torch.nn.Module):\n    bias: Optional[torch.Tensor]\n\n    def __init__(self):\n        super().__init__()\n"
                "        self.bias = torch.zeros(1)\n\n    def forward(self, x):\n        if self.bias is not None:\n"
                "            x = x + self.bias  # error\n        return x\n"),
    ]

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = _node(source, finding, (ast.Name, ast.Attribute))
        if node is None:
            return None
        return replace_expression(source, node, f"torch.jit._unwrap_optional({ast.get_source_segment(source, node)})")


class OptionalTruthiness(_TypeRule):
    """
    ## What it does
    Flags an `Optional` value used as a condition (`if x:`, `not x`, `x and y`).

    ## Why is this bad?
    `Could not cast value of type Optional[int] to bool`. TorchScript neither tests an Optional for
    truth nor refines it that way.

    ## Example
    ```python
    if mask:
        x = x * mask
    ```

    ## Use instead
    ```python
    if mask is not None:
        x = x * mask
    ```
    """

    code = "TS215"
    name = "optional-truthiness"
    message = "an Optional value is tested for truth"
    compiler_message = "Could not cast value of type Optional"
    issue = I.OPTIONAL_TRUTH
    VALID = [_header("@torch.jit.script\ndef f(x, n: Optional[int]):\n    if n is not None:\n        return x * n\n    return x\n")]
    INVALID = [_header("@torch.jit.script\ndef f(x, n: Optional[int]):\n    if n:  # error\n        return x * 2\n    return x\n")]

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = _node(source, finding, (ast.Name, ast.Attribute))
        if node is None:
            return None
        return replace_expression(source, node, f"{ast.get_source_segment(source, node)} is not None")


class NoBoolConversion(_TypeRule):
    """
    ## What it does
    Flags a submodule or None used as a condition (`if self.relu:`, `not self.norm`), including an
    attribute that `__init__` sets to a submodule or None depending on its arguments.

    ## Why is this bad?
    `Could not cast value of type __torch__...ReLU to bool` (or `NoneType to bool`): the compiler
    converts a condition with `bool(...)`, which takes neither a module nor None. Whichever of the two
    an instance holds, scripting it fails.

    ## Example
    ```python
    self.relu = nn.ReLU() if use_relu else None
    ...
    if self.relu:
        x = self.relu(x)
    ```

    ## Use instead
    ```python
    self.relu = nn.ReLU() if use_relu else nn.Identity()
    ...
    x = self.relu(x)
    ```
    """

    code = "TS234"
    name = "no-bool-conversion"
    message = "a submodule or None is tested for truth"
    compiler_message = "to bool"
    issue = I.NO_BOOL
    VALID = [_header("class Net(torch.nn.Module):\n    def __init__(self, relu: bool = True):\n        super().__init__()\n"
                     "        self.relu = torch.nn.ReLU() if relu else torch.nn.Identity()\n        self.use_relu = relu\n\n"
                     "    def forward(self, x):\n        if self.use_relu:\n            x = self.relu(x)\n        return x\n")]
    INVALID = [
        _header("class Net(torch.nn.Module):\n    def __init__(self, relu: bool = True):\n        super().__init__()\n"
                "        self.relu = torch.nn.ReLU() if relu else None\n\n"
                "    def forward(self, x):\n        if self.relu:  # error\n            x = self.relu(x)\n        return x\n"),
        _header("class Net(torch.nn.Module):\n    def __init__(self, norm: bool = False):\n        super().__init__()\n"
                "        if norm:\n            self.norm = torch.nn.BatchNorm1d(3)\n        else:\n            self.norm = None\n\n"
                "    def forward(self, x):\n        if not self.norm:  # error\n            return x\n        return x + 1\n"),
        _header("class Net(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                "        self.act = torch.nn.Sequential(torch.nn.ReLU())\n\n"
                "    def forward(self, x):\n        return x if self.act else x + 1  # error\n"),
    ]


class BuiltinAsValue(_TypeRule):
    """
    ## What it does
    Flags a torch operator (`torch.relu`, `F.gelu`) stored in a list or dict literal in compiled code.

    ## Why is this bad?
    `builtin cannot be used as a value`: a builtin operator is sugar the compiler can only call; an
    element of a container must be a value.

    ## Example
    ```python
    acts = {"gelu": F.gelu, "relu": torch.relu}
    x = acts[self.act](x)
    ```

    ## Use instead
    ```python
    if self.act == "gelu":
        x = F.gelu(x)
    else:
        x = torch.relu(x)
    ```
    """

    code = "TS235"
    name = "builtin-as-value"
    message = "a torch builtin operator stored in a container"
    compiler_message = "builtin cannot be used as a value"
    issue = I.BUILTIN_VALUE
    VALID = [_header("@torch.jit.script\ndef f(x, act: str):\n    g = torch.relu\n    if act == 'gelu':\n"
                     "        return torch.nn.functional.gelu(x)\n    return g(x)\n")]
    INVALID = [
        _header("@torch.jit.script\ndef f(x, act: str):\n    acts = {'gelu': torch.nn.functional.gelu,  # error\n"
                "            'relu': torch.relu}\n    return x\n"),
        _header("@torch.jit.script\ndef f(x):\n    for g in [torch.relu, torch.sigmoid]:  # error\n        x = g(x)\n    return x\n"),
    ]


class StoredNoneCheck(_TypeRule):
    """
    ## What it does
    Flags an `Optional` variable used inside `if ok:` where `ok = x is not None` was computed
    earlier: the check is stored in a variable, so it does not refine `x`.

    ## Why is this bad?
    TorchScript refines only in the condition itself; the use still sees `Optional[T]` and fails
    with `Arguments for call are not valid.` (`... found type 'Optional[int]'`).

    ## Example
    ```python
    has_n = n is not None
    if has_n:
        x = x * n
    ```

    ## Use instead
    ```python
    if n is not None:
        x = x * n
    ```
    """

    code = "TS216"
    name = "stored-none-check"
    message = "a None check stored in a variable does not refine the Optional value"
    compiler_message = "found type 'Optional["
    issue = I.STORED_CHECK
    VALID = [_header("@torch.jit.script\ndef f(x, n: Optional[int]):\n    has_n = n is not None\n    if n is not None:\n        x = x * n\n    return x, has_n\n")]
    INVALID = [_header("@torch.jit.script\ndef f(x, n: Optional[int]):\n    has_n = n is not None\n    if has_n:\n        x = x * (n + 1)  # error\n    return x\n")]

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        return UnrefinedOptional.neutralize(self, source, finding)  # type: ignore[arg-type]


class AnyInOperation(_TypeRule):
    """
    ## What it does
    Flags a value of type `Any` used as an operand.

    ## Why is this bad?
    `Any` can be passed around, but no operator accepts it: `Arguments for call are not valid.`
    (`... found type 'Any'`).

    ## Example
    ```python
    def shift(x: Any):
        return x + 1
    ```

    ## Use instead
    ```python
    def shift(x: int):
        return x + 1
    ```
    """

    code = "TS217"
    name = "any-in-operation"
    message = "a value typed `Any` is used in an operation"
    compiler_message = "Arguments for call are not valid"
    issue = I.ANY_OP
    VALID = [_header("@torch.jit.script\ndef f(x, tag: Any):\n    return x, tag\n")]
    INVALID = [_header("@torch.jit.script\ndef f(x, tag: Any):\n    return tag + 1  # error\n")]


class UnknownTypeConstructor(_TypeRule):
    """
    ## What it does
    Flags annotations that use a generic TorchScript does not know: `Callable`, `Literal`, `Set`,
    `Sequence`, `Iterable`, `Type`, ...; also a bare `List`.

    ## Why is this bad?
    `Unknown type constructor Callable`. TorchScript supports `List`, `Dict`, `Tuple`, `Optional`,
    `Union` and `Future` (and the PEP 585 `list[...]`, `dict[...]`, `tuple[...]`).

    ## Example
    ```python
    def apply(x: Tensor, mode: Literal["sum", "mean"]):
        ...
    ```

    ## Use instead
    ```python
    def apply(x: Tensor, mode: str):
        ...
    ```
    """

    code = "TS218"
    name = "unknown-type-constructor"
    message = "the annotation uses a generic TorchScript does not support"
    compiler_message = "Unknown type constructor"
    issue = I.TYPE_CONSTRUCTOR
    VALID = [_header("@torch.jit.script\ndef f(x, mode: str, sizes: List[int], t: Tuple[int, int]):\n    return x\n")]
    INVALID = [
        _header("from typing import Literal\n\n\n@torch.jit.script\ndef f(x, mode: Literal[\"sum\"]):  # error\n    return x\n"),
        _header("from typing import Sequence\n\n\n@torch.jit.script\ndef f(x, sizes: Sequence[int]):  # error\n    return x\n"),
    ]


class UnknownTypeName(_TypeRule):
    """
    ## What it does
    Flags annotations naming a type TorchScript cannot use: `numpy.ndarray`, `torch.Size`,
    `nn.Module`, `object`, `dict`, or a name that does not exist.

    ## Why is this bad?
    `Unknown type name 'np.ndarray'`. Script code holds Tensors, numbers, strings, devices,
    containers of them, and script classes.

    ## Example
    ```python
    def f(x: Tensor, shape: torch.Size):
        ...
    ```

    ## Use instead
    ```python
    def f(x: Tensor, shape: List[int]):
        ...
    ```
    """

    code = "TS219"
    name = "unknown-type-name"
    message = "the annotation names a type TorchScript cannot use"
    compiler_message = "Unknown type name"
    issue = I.TYPE_NAME
    VALID = [_header("@torch.jit.script\ndef f(x, shape: List[int], d: torch.device, dt: torch.dtype):\n    return x\n")]
    INVALID = [_header("@torch.jit.script\ndef f(x, shape: torch.Size):  # error\n    return x\n")]


class VariadicTuple(_TypeRule):
    """
    ## What it does
    Flags `Tuple[T, ...]` annotations.

    ## Why is this bad?
    `Expression of type dots cannot be used in a type expression`: a TorchScript tuple has a fixed
    length and a type per element.

    ## Example
    ```python
    def f(x: Tensor, dims: Tuple[int, ...]):
        ...
    ```

    ## Use instead
    ```python
    def f(x: Tensor, dims: List[int]):
        ...
    ```
    """

    code = "TS220"
    name = "variadic-tuple"
    message = "`Tuple[T, ...]` is not a TorchScript type"
    compiler_message = "Expression of type dots cannot be used in a type expression"
    issue = I.VARIADIC_TUPLE
    VALID = [_header("@torch.jit.script\ndef f(x, dims: List[int], pair: Tuple[int, int]):\n    return x\n")]
    INVALID = [_header("@torch.jit.script\ndef f(x, dims: Tuple[int, ...]):  # error\n    return x\n")]


class UnsupportedDictKey(_TypeRule):
    """
    ## What it does
    Flags `Dict` annotations whose key type is not `str`, `int`, `float`, `complex`, `bool`, `Tensor`
    or `device` (tuples and unions are the usual culprits).

    ## Why is this bad?
    `Cannot create dict for key type '(int, int)', only int, float, complex, Tensor, device and
    string keys are supported`.

    ## Example
    ```python
    def f(x: Tensor, cache: Dict[Tuple[int, int], Tensor]):
        ...
    ```

    ## Use instead
    ```python
    def f(x: Tensor, cache: Dict[str, Tensor]):
        ...
    ```
    """

    code = "TS221"
    name = "unsupported-dict-key"
    message = "the dict's key type is not supported by TorchScript"
    compiler_message = "Cannot create dict for key type"
    issue = I.DICT_KEY
    VALID = [_header("@torch.jit.script\ndef f(x, cache: Dict[str, torch.Tensor], ids: Dict[int, str]):\n    return x\n")]
    # the compiler's error has no source location: the harness takes the decorator's line
    INVALID = [_header("@torch.jit.script  # error\ndef f(x, cache: Dict[Tuple[int, int], torch.Tensor]):  # error\n    return x\n")]


class MutableDefault(_TypeRule):
    """
    ## What it does
    Flags list and dict literals (and `list()`/`dict()`) used as parameter defaults.

    ## Why is this bad?
    `Mutable default parameters are not supported because Python binds them to the function and
    they persist across function calls.` A tuple default is accepted for a `List[...]` parameter.

    ## Example
    ```python
    def f(x: Tensor, dims: List[int] = [0, 1]):
        ...
    ```

    ## Use instead
    ```python
    def f(x: Tensor, dims: List[int] = (0, 1)):
        ...
    ```
    """

    code = "TS222"
    name = "mutable-default"
    message = "a parameter defaults to a mutable list or dict"
    compiler_message = "Mutable default parameters are not supported"
    issue = I.MUTABLE_DEFAULT
    fix_safety = ""
    VALID = [_header("@torch.jit.script\ndef f(x, dims: List[int] = (0, 1)):\n    return x.sum(dims)\n")]
    INVALID = [_header("@torch.jit.script\ndef f(x, dims: List[int] = [0, 1]):  # error\n    return x.sum(dims)\n")]

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = _node(source, finding, (ast.List,))
        if not isinstance(node, ast.List):
            return None
        items = ", ".join(ast.get_source_segment(source, e) or "" for e in node.elts)
        return replace_expression(source, node, f"({items},)" if len(node.elts) == 1 else f"({items})")


class TolistWithoutAnnotation(_TypeRule):
    """
    ## What it does
    Flags `x.tolist()` whose result is not given a type (by an annotated assignment, `return` type
    or `torch.jit.annotate`).

    ## Why is this bad?
    `Expected type hint for result of tolist()`: the list's element type and nesting depend on the
    tensor's dtype and rank, which TorchScript does not know.

    ## Example
    ```python
    values = x.tolist()
    ```

    ## Use instead
    ```python
    values: List[float] = x.tolist()
    ```
    """

    code = "TS223"
    name = "tolist-without-annotation"
    message = "`.tolist()` needs an annotated target"
    compiler_message = "Expected type hint for result of tolist()"
    issue = I.TOLIST
    VALID = [_header("@torch.jit.script\ndef f(x):\n    values: List[float] = x.tolist()\n    return values\n")]
    INVALID = [_header("@torch.jit.script\ndef f(x):\n    values = x.tolist()  # error\n    return values\n")]

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = _node(source, finding, (ast.Call,))
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            return None
        tensor = ast.get_source_segment(source, node.func.value)
        # compiles to a typed list without needing `List` in scope (only compiling matters here)
        return replace_expression(source, node, f"[float(_v) for _v in ({tensor}).flatten()]")


class TernaryTypeMismatch(_TypeRule):
    """
    ## What it does
    Flags a conditional expression `a if c else b` whose branches have types that do not unify.

    ## Why is this bad?
    `if-expression's true branch has type int but false branch has type str`.

    ## Example
    ```python
    scale = 1 if c else 0.5
    ```

    ## Use instead
    ```python
    scale = 1.0 if c else 0.5
    ```
    """

    code = "TS224"
    name = "ternary-type-mismatch"
    message = "the branches of a conditional expression have different types"
    compiler_message = "if-expression's true branch has type"
    issue = I.TERNARY_MISMATCH
    VALID = [_header("@torch.jit.script\ndef f(x, c: bool, n: Optional[int]):\n    s = 1.0 if c else 0.5\n    m = n if n is not None else 0\n    return x * s * m\n")]
    INVALID = [_header("@torch.jit.script\ndef f(x, c: bool):\n    s = 1 if c else 0.5  # error\n    return x * s\n")]


class TupleIndexNotLiteral(_TypeRule):
    """
    ## What it does
    Flags indexing a tuple whose elements have different types with a non-literal index.

    ## Why is this bad?
    `Cannot index into a Tuple[int, str] with a non-integer literal because we cannot resolve the
    output type`: the element type must be known at compile time.

    ## Example
    ```python
    def f(t: Tuple[int, str], i: int):
        return t[i]
    ```

    ## Use instead
    ```python
    def f(t: Tuple[int, str], i: int):
        n, name = t
        ...
    ```
    """

    code = "TS225"
    name = "tuple-index-not-literal"
    message = "a heterogeneous tuple is indexed with a non-literal"
    compiler_message = "with a non-integer literal because we cannot resolve the output type"
    issue = I.TUPLE_INDEX
    VALID = [_header("@torch.jit.script\ndef f(t: Tuple[int, int], u: Tuple[int, str], i: int):\n    return t[i], u[0], u[-1]\n")]
    INVALID = [_header("@torch.jit.script\ndef f(t: Tuple[int, str], i: int):\n    return t[i]  # error\n")]


class TupleIndexOutOfRange(_TypeRule):
    """
    ## What it does
    Flags a constant tuple index beyond the tuple's length.

    ## Why is this bad?
    `Tuple index out of range. Tuple is length 2 and index is 5`: tuple lengths are part of the
    type, so the compiler rejects the function.

    ## Example
    ```python
    def f(t: Tuple[int, int]):
        return t[2]
    ```

    ## Use instead
    ```python
    def f(t: Tuple[int, int]):
        return t[1]
    ```
    """

    code = "TS226"
    name = "tuple-index-out-of-range"
    message = "a constant tuple index is out of range"
    compiler_message = "Tuple index out of range"
    issue = I.TUPLE_RANGE
    VALID = [_header("@torch.jit.script\ndef f(t: Tuple[int, int]):\n    return t[1], t[-2]\n")]
    INVALID = [_header("@torch.jit.script\ndef f(t: Tuple[int, int]):\n    return t[2]  # error\n")]


class UnionSubscript(_TypeRule):
    """
    ## What it does
    Flags subscripting a value typed `Union[...]` or `Optional[...]` before it is refined.

    ## Why is this bad?
    `'Union[List[float], List[int]]' object is not subscriptable`: the compiler needs the concrete
    container type; refine it with `isinstance` (or `is not None`) first.

    ## Example
    ```python
    def first(x: Union[List[int], List[float]]):
        return x[0]
    ```

    ## Use instead
    ```python
    def first(x: Union[List[int], List[float]]):
        if isinstance(x, List[int]):
            return float(x[0])
        return x[0]
    ```
    """

    code = "TS227"
    name = "union-subscript"
    message = "a Union or Optional value is subscripted without refining it"
    compiler_message = "object is not subscriptable"
    issue = I.UNION_SUBSCRIPT
    VALID = [_header("@torch.jit.script\ndef f(x: Optional[List[int]]):\n    if x is not None:\n        return x[0]\n    return 0\n")]
    INVALID = [
        _header("@torch.jit.script\ndef f(x: Union[List[int], List[float]]):\n    return x[0]  # error\n"),
        _header("@torch.jit.script\ndef f(x: Optional[List[int]]):\n    return x[0]  # error\n"),
    ]


class UnionInOperation(_TypeRule):
    """
    ## What it does
    Flags an arithmetic operand whose type is a `Union` with a Tensor member (`Union[Tensor, float]`)
    that was not refined to one of its members first.

    ## Why is this bad?
    Every operator overload takes a Tensor or a number, never a Union, so the compiler finds none:
    `Arguments for call are not valid.` (`... found type 'Union[Tensor, float]'`). A value that was
    refined in one branch of an `if isinstance(...)` and not in the other is a Union again after it.

    ## Example
    ```python
    def scale(x: Tensor, t: Union[Tensor, float]):
        return x / t
    ```

    ## Use instead
    ```python
    def scale(x: Tensor, t: Union[Tensor, float]):
        if isinstance(t, Tensor):
            return x / t
        return x / t
    ```
    """

    code = "TS229"
    name = "union-in-operation"
    message = "a `Union[Tensor, ...]` value is used in arithmetic without refining it"
    compiler_message = "Arguments for call are not valid"
    issue = I.UNION_OP
    VALID = [
        _header("@torch.jit.script\ndef f(x, t: Union[torch.Tensor, float], n: Union[int, float]):\n"
                "    if isinstance(t, torch.Tensor):\n        return x / t + n\n    return x / t\n"),
    ]
    INVALID = [
        _header("@torch.jit.script\ndef f(x, t: Union[torch.Tensor, float]):\n    return x / t  # error\n"),
        _header("@torch.jit.script\ndef f(x, t: Optional[Union[torch.Tensor, float]] = None):\n    if t is None:\n        t = 1.0\n"
                "    if isinstance(t, torch.Tensor):\n        t = t.to(x.dtype)\n    return x * t  # error\n"),
    ]


class NoneComparison(_TypeRule):
    """
    ## What it does
    Flags `==`, `!=` and ordering comparisons where one side is None: the literal (`x == None`) or a
    value that is always None there (a module attribute whose value is None).

    ## Why is this bad?
    No comparison operator in TorchScript takes `NoneType`, whatever the other side is (an int, a
    Tensor, an `Optional`, even None): `Arguments for call are not valid.` Only `is` / `is not` test
    for None, and they also refine an `Optional` for the code they guard.

    ## Example
    ```python
    def forward(self, x, scale: Optional[float] = None):
        if scale == None:
            return x
        return x * scale
    ```

    ## Use instead
    ```python
    def forward(self, x, scale: Optional[float] = None):
        if scale is None:
            return x
        return x * scale
    ```
    """

    code = "TS230"
    name = "none-comparison"
    message = "a comparison with None other than `is` / `is not`"
    compiler_message = "Arguments for call are not valid"
    issue = I.NONE_COMPARE
    VALID = [
        _header("@torch.jit.script\ndef f(x, scale: Optional[float] = None):\n    if scale is None:\n        return x\n"
                "    return x * scale\n"),
    ]
    INVALID = [
        _header("@torch.jit.script\ndef f(x, scale: Optional[float] = None):\n    if scale == None:  # error\n        return x\n"
                "    return x\n"),
        _header("class Post(torch.nn.Module):\n    def __init__(self, threshold: Optional[float] = None):\n"
                "        super().__init__()\n        self.threshold = threshold\n\n"
                "    def forward(self, x):\n        if self.threshold != 0:  # error\n            return x * 2\n        return x\n"),
    ]


class NoMatchingOverload(_TypeRule):
    """
    ## What it does
    Flags a call of a Tensor method or a `torch` operator (a comparison included: `==` is
    `aten::eq`, `in` is `aten::__contains__`) that no overload of the operator can take:
    whatever the types of its arguments (a required argument left out, a keyword the operator
    does not have, too many positional arguments), or, when every argument's type is
    known (no `Union`/`Optional`), because no schema takes those types even with the compiler's
    implicit conversions (`torch.cat(x, y)`: `tensors` is a list).

    ## Why is this bad?
    TorchScript matches the call against the operator's schemas, not against the Python function:
    `x.norm(dim=1)` works in Python (`p` defaults to 2 there) but every `aten::norm` schema that
    takes `dim` needs `p` first, so the compiler fails with `Arguments for call are not valid.`
    (`Argument p not provided.`, `Keyword argument dim unknown.`). NumPy-style keywords
    (`keepdims=`) fail the same way. An operator with a single schema reports that schema's
    reason directly (`Argument dim1 not provided.`).

    ## Example
    ```python
    def forward(self, f):
        return f / f.norm(dim=1, keepdim=True)
    ```

    ## Use instead
    ```python
    def forward(self, f):
        return f / f.norm(p=2, dim=1, keepdim=True)
    ```
    """

    code = "TS231"
    name = "no-matching-overload"
    message = "a call no schema of the operator can take"
    compiler_message = "Arguments for call are not valid"
    issue = I.CALL_ARGUMENTS
    VALID = [
        _header("@torch.jit.script\ndef f(x):\n    return x / x.norm(p=2, dim=1, keepdim=True), x.view(2, -1), "
                "x.sum(dim=1, keepdim=True)\n"),
        _header("@torch.jit.script\ndef f(x):\n    return torch.sum(input=x, dim=1), x.type(torch.float), "
                "torch.zeros(2, 3, dtype=torch.float), x.norm()\n"),
        _header("@torch.jit.script\ndef f(x, n: int, k: int):\n    return torch.zeros((x.shape[0], n)), "
                "torch.nn.functional.avg_pool2d(x, kernel_size=k), torch.nn.functional.avg_pool2d(x, (k, 2))\n"),
        _header("@torch.jit.script\ndef f(x, mode: str, l: List[float]):\n    assert mode in ['ref', 'cuda'] and x in l\n"
                "    return x == 2, x != x, x > 0.5, mode == 'sum'\n"),
    ]
    INVALID = [
        _header("@torch.jit.script\ndef f(x):\n    return x / x.norm(dim=1, keepdim=True)  # error\n"),
        _header("@torch.jit.script\ndef f(x):\n    return torch.sum(x, dim=1, keepdims=True)  # error\n"),
        _header("class Net(torch.nn.Module):\n    def forward(self, x):\n        return x.mean(1, True, False)  # error\n"),
        _header("@torch.jit.script\ndef f(x, y):\n    return torch.cat(x, y)  # error\n"),
        # a tuple converts to `int[]` only when every item is an int (no Tensor -> int inside it)
        _header("@torch.jit.script\ndef f(x, n):\n    return torch.zeros((x.shape[0], n))  # error\n"),
        # only an int or a float broadcasts to `int[2]`, not a Tensor
        _header("@torch.jit.script\ndef f(x, k):\n    return torch.nn.functional.avg_pool2d(x, kernel_size=k)  # error\n"),
        # comparisons are operator calls: `aten::eq(Tensor, str)`, `aten::__contains__(str[], Tensor)`
        _header("@torch.jit.script\ndef f(x, mode):\n    if mode == 'sum':  # error\n        return x.sum()\n    return x\n"),
        _header("@torch.jit.script\ndef f(x, impl):\n    assert impl in ['ref', 'cuda']  # error\n    return x\n"),
    ]


class UnpackNonTuple(_TypeRule):
    """
    ## What it does
    Flags tuple unpacking (`a, b = v`, `for a, b in v`) of a value that is a Tensor, a number or a
    string, most often an unannotated parameter that holds a pair (`inputs, ids = inputs`).

    ## Why is this bad?
    The compiler unpacks only tuples and lists (`SimpleValue::asTuple`); an unannotated parameter is
    a Tensor for it, and iterating a Tensor gives Tensors: `Tensor (inferred) cannot be used as a
    tuple`.

    ## Example
    ```python
    def forward(self, inputs):
        x, ids = inputs
        return x + ids
    ```

    ## Use instead
    ```python
    def forward(self, inputs: Tuple[Tensor, Tensor]):
        x, ids = inputs
        return x + ids
    ```
    """

    code = "TS232"
    name = "unpack-non-tuple"
    message = "tuple unpacking of a value that is not a tuple or a list"
    compiler_message = "cannot be used as a tuple"
    issue = I.UNPACK
    VALID = [
        _header("@torch.jit.script\ndef f(inputs: Tuple[torch.Tensor, torch.Tensor], sizes: List[int]):\n"
                "    x, ids = inputs\n    h, w = sizes\n    a, b = x.unbind(0)\n    return x + ids + h + w, a, b\n"),
    ]
    INVALID = [
        _header("class Net(torch.nn.Module):\n    def forward(self, inputs):\n        x, ids = inputs  # error\n"
                "        return x + ids\n"),
        _header("@torch.jit.script\ndef f(x: torch.Tensor):\n    for a, b in x:  # error\n        x = x + a\n    return x\n"),
        _header("@torch.jit.script\ndef f(n: int):\n    a, b = n  # error\n    return a\n"),
    ]


class RangeAsValue(_TypeRule):
    """
    ## What it does
    Flags `range(...)` used other than by iterating it: as an index (`x[range(n), range(n)]`), as
    an argument (`len(range(n))`, `torch.tensor(range(n))`, `sum(range(n))`), in an `in` test.

    ## Why is this bad?
    `range` is not a value in TorchScript, only something to loop over (a `for`, a comprehension,
    `list(...)`, `zip(...)`, `enumerate(...)`): `range cannot be used as a value`.

    ## Example
    ```python
    dist[range(n), range(n)] = 0
    ```

    ## Use instead
    ```python
    idx = torch.arange(n)
    dist[idx, idx] = 0
    ```
    """

    code = "TS233"
    name = "range-as-value"
    message = "`range(...)` used as a value instead of iterated"
    compiler_message = "range cannot be used as a value"
    issue = I.RANGE_VALUE
    VALID = [
        _header("@torch.jit.script\ndef f(x, n: int):\n    r = range(n)\n    for i in r:\n        x = x + i\n"
                "    for i, j in zip(range(n), range(n)):\n        x = x + j\n    return x[list(range(n))], [i for i in range(n)]\n"),
    ]
    INVALID = [
        _header("@torch.jit.script\ndef f(x, n: int):\n    x[range(n), range(n)] = 0  # error\n    return x\n"),
        _header("@torch.jit.script\ndef f(x, n: int):\n    return len(range(n))  # error\n"),
    ]


#: roots of qualified names that `isinstance` may test against in TorchScript; anything else that
#: resolves outside the project (numpy, PIL, pandas …) is a type name the compiler does not know
_ISINSTANCE_KNOWN_ROOTS = frozenset({"torch", "typing", "typing_extensions", "builtins", "collections", "enum", "abc"})


class IsinstanceForeignType(Rule):
    """
    ## What it does
    Flags `isinstance(x, T)` in compiled code where `T` is a class from a library TorchScript does
    not know, such as `np.ndarray`, `PIL.Image.Image` or `pd.DataFrame`.

    ## Why is this bad?
    The compiler turns `isinstance`'s second argument into a TorchScript type, and only knows its own
    types (Tensor, int, float, bool, str, list, tuple, device, script classes …): it fails with
    `Unknown type name 'np.ndarray'`, even when the check guards Python-only input handling.

    ## Example
    ```python
    def to_tensor(image):
        if isinstance(image, np.ndarray):
            image = torch.from_numpy(image)
        return image
    ```

    ## Use instead
    Accept only Tensors in compiled code and convert earlier, or keep the check under
    `if not torch.jit.is_scripting():` (that branch is not compiled), or in a `@torch.jit.ignore`
    helper.
    """

    code = "TS228"
    name = "isinstance-foreign-type"
    message = "`isinstance` against a type TorchScript does not know"
    compiler_message = "Unknown type name"
    node_types = (ast.Call,)
    VALID = [
        _header("import numpy as np\n\n@torch.jit.script\ndef f(x):\n    if isinstance(x, torch.Tensor):\n        return x\n    return x\n"),
        _header("import numpy as np\n\n@torch.jit.script\ndef f(x):\n    if not torch.jit.is_scripting():\n"
                "        if isinstance(x, np.ndarray):\n            x = torch.from_numpy(x)\n    return x\n"),
    ]
    INVALID = [
        _header("import numpy as np\n\n@torch.jit.script\ndef f(x):\n    if isinstance(x, np.ndarray):  # error\n"
                "        return x\n    return x\n"),
        _header("import numpy as np\n\n@torch.jit.script\ndef f(x):\n    if isinstance(x, (torch.Tensor, np.generic)):  # error\n"
                "        return x\n    return x\n"),
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        call: ast.Call = node  # type: ignore[assignment]
        if not (isinstance(call.func, ast.Name) and call.func.id == "isinstance" and len(call.args) == 2):
            return
        if "isinstance" in ctx.local_names:
            return
        spec = call.args[1]
        for item in spec.elts if isinstance(spec, ast.Tuple) else [spec]:
            qualname = ctx.qualname(item)
            if qualname is None or "." not in qualname:
                continue
            resolved = ctx.resolve(item)
            if resolved is None or type(resolved).__name__ != "External":
                continue
            if qualname.split(".", 1)[0] in _ISINSTANCE_KNOWN_ROOTS:
                continue
            written = ast.unparse(item)
            ctx.report(self, item, f"`isinstance(..., {written})`: TorchScript knows no type `{written}` "
                                   f"('Unknown type name {written!r}'); accept Tensors only in compiled code, or move "
                                   f"the check under `if not torch.jit.is_scripting():`")
            return
