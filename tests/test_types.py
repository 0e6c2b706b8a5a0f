"""The static half of the compiler core: TorchScript's type lattice, annotations, and inference.

Every expectation here was checked against torch 2.13's compiler (the facts file, §2.2 B and §2.5,
and the probes behind `rules/types.py`); the rule examples prove the rest with the real compiler.
"""
from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from tslint.compiler.infer import FunctionTypes, Unit, run_unit
from tslint.compiler.match import op_result, parse_schema_type
from tslint.compiler.infer import state_for
from tslint.compiler.types import (
    ANY, BOOL, FLOAT, INFERRED_TENSOR, INT, NONE, NUMBER, STR, TENSOR, UNKNOWN, AnnotationParser, ClassT,
    DictT, ListT, TupleT, describe, is_subtype, optional, schema_str, unify, union,
)
from tslint.project.index import summarize
from tslint.project.model import ClassRef, Project
from tslint.source import SourceFile
from tslint.project.index import function_nodes

HEADER = "import torch\nfrom torch import Tensor, nn\nfrom typing import Any, Dict, List, Optional, Tuple, Union\n\n"


def infer(tmp_path: Path, body: str, name: str = "mod") -> dict[str, FunctionTypes]:
    """Types of every function and method of one module (whether reached or not)."""
    path = tmp_path / f"{name}.py"
    path.write_text(HEADER + textwrap.dedent(body))
    source = SourceFile.from_bytes(str(path), path.read_bytes(), name)
    project = Project([summarize(str(path), name, "d", source.tree)])
    state = state_for(project)
    state.set_tree(name, source.tree)
    out = {}
    _LINES[:] = path.read_text().splitlines()
    for qualname, (node, cls) in function_nodes(source.tree).items():
        class_ref = ClassRef(name, cls.name) if cls is not None else None
        out[qualname] = run_unit(Unit(state, name, node, class_ref, qualname), record_ir=True)
    return out


_LINES: list[str] = []


def issues(types: FunctionTypes) -> list[tuple[str, str]]:
    """(rule, the flagged source line, stripped) for each issue."""
    return [(i.rule, _LINES[i.node.lineno - 1].strip()) for i in types.issues]


# -- the lattice ---------------------------------------------------------------------------------


def test_union_members_are_sorted_as_the_compiler_prints_them():
    assert str(union([INT, FLOAT])) == "Union[float, int]"
    assert str(union([STR, INT, NONE])) == "Union[int, NoneType, str]"
    assert str(union([ListT(INT), TENSOR, NONE])) == "Union[Tensor, List[int], NoneType]"
    assert str(union([DictT(STR, INT), ListT(INT)])) == "Union[List[int], Dict[str, int]]"
    assert str(union([BOOL, INT])) == "Union[int, bool]"
    assert str(union([TENSOR, NONE])) == "Optional[Tensor]"
    assert str(union([optional(INT), NONE])) == "Optional[int]"


def test_schema_spelling():
    assert schema_str(optional(ListT(INT))) == "int[]?"
    assert schema_str(TupleT((INT, TENSOR))) == "(int, Tensor)"
    assert schema_str(DictT(STR, TENSOR)) == "Dict(str, Tensor)"
    assert describe(INFERRED_TENSOR) == "Tensor (inferred)" and str(INFERRED_TENSOR) == "Tensor"


def test_subtyping_and_unification():
    assert is_subtype(NONE, optional(INT)) and is_subtype(INT, optional(INT))
    assert is_subtype(INT, FLOAT) is False  # no int -> float in TorchScript's subtyping
    assert is_subtype(ListT(TENSOR), ListT(optional(TENSOR))) is False  # lists are invariant
    assert is_subtype(INT, NUMBER) and is_subtype(TENSOR, ANY)
    assert unify(NONE, TENSOR) == optional(TENSOR)
    assert unify(INT, FLOAT) is None
    assert unify(TupleT((INT, NONE)), TupleT((INT, TENSOR))) == TupleT((INT, optional(TENSOR)))
    assert unify(UNKNOWN, INT) == UNKNOWN  # never a mismatch on an unknown type
    assert unify(ClassT("__torch__.a.A"), ClassT("__torch__.a.B")) == UNKNOWN


# -- annotations ---------------------------------------------------------------------------------

QUALIFY = {
    "Optional": "typing.Optional", "List": "typing.List", "Dict": "typing.Dict", "Tuple": "typing.Tuple",
    "Union": "typing.Union", "Any": "typing.Any", "Final": "typing.Final", "Callable": "typing.Callable",
    "Tensor": "torch.Tensor", "torch": "torch", "typing": "typing", "nn": "torch.nn", "np": "numpy",
    "int": "int", "float": "float", "str": "str", "bool": "bool", "list": "list", "dict": "dict", "tuple": "tuple",
    "BroadcastingList2": "torch._jit_internal.BroadcastingList2", "None": "None",
}


def _qualify(name: str):
    head, _, rest = name.partition(".")
    full = QUALIFY.get(head, head)
    return f"{full}.{rest}" if rest else full


def parse(text: str):
    return AnnotationParser(_qualify, lambda q: None).parse(ast.parse(text, mode="eval").body)


@pytest.mark.parametrize("text,expected", [
    ("Optional[int]", "Optional[int]"),
    ("int | None", "Optional[int]"),
    ("typing.Optional[torch.Tensor]", "Optional[Tensor]"),
    ("list[int]", "List[int]"),
    ("dict[str, Tensor]", "Dict[str, Tensor]"),
    ("tuple[int, str]", "Tuple[int, str]"),
    ("Tuple[()]", "Tuple[()]"),
    ("'List[int]'", "List[int]"),
    ("Union[int, float, None]", "Union[float, int, NoneType]"),
    ("Union[int, float, complex]", "number"),
    ("nn.Parameter", "Tensor"),
    ("torch.FloatTensor", "Tensor"),
    ("torch.dtype", "int"),
    ("torch.device", "Device"),
    ("Final[int]", "int"),
    ("BroadcastingList2[int]", "List[int]"),
    ("None", "NoneType"),
])
def test_annotations_parse_as_the_compiler_reads_them(text, expected):
    result = parse(text)
    assert result.error is None and str(result.type) == expected


@pytest.mark.parametrize("text,rule,message", [
    ("Callable[[int], int]", "type-constructor", "Unknown type constructor Callable"),
    ("typing.Callable[[int], int]", "type-constructor", "Unknown type constructor typing.Callable"),
    ("np.ndarray", "type-name", "Unknown type name 'np.ndarray'"),
    ("torch.Size", "type-name", "Unknown type name 'torch.Size'"),
    ("Tuple[int, ...]", "variadic-tuple", "Expression of type dots cannot be used in a type expression"),
    ("Dict[Tuple[int, int], int]", "dict-key", "Cannot create dict for key type '(int, int)'"),
])
def test_rejected_annotations(text, rule, message):
    result = parse(text)
    assert result.error is not None and result.error.rule == rule and message in result.error.message


def test_schema_types():
    assert str(parse_schema_type("Tensor?[]").type) == "List[Optional[Tensor]]"
    assert parse_schema_type("int[2]").size == 2
    assert str(parse_schema_type("Dict(str, t)").type) == "Dict[str, t]"
    assert op_result("aten::add", [INT, INT]).type == INT
    assert op_result("aten::add", [INT, FLOAT]).type == FLOAT
    assert op_result("aten::view", [TENSOR, INT, INT]).type == TENSOR  # trailing ints packed into int[]
    assert op_result("aten::get", [DictT(STR, INT), STR]).type == optional(INT)
    assert op_result("aten::append", [ListT(TENSOR), INT]).matched is False


# -- signatures ----------------------------------------------------------------------------------


def test_signatures(tmp_path):
    types = infer(tmp_path, """
        def plain(x, mask=None, k: int = 2, o: Optional[int] = None, f: float = 1):
            return x

        def commented(x, y):
            # type: (int, Optional[int]) -> float
            return 1.0

        class Net(nn.Module):
            def forward(self, x: Tensor, sizes: List[int]) -> Tuple[Tensor, int]:
                return x, sizes[0]
        """)
    assert types["plain"].params == [("x", INFERRED_TENSOR), ("mask", TENSOR), ("k", INT), ("o", optional(INT)), ("f", FLOAT)]
    assert types["plain"].returns == TENSOR
    assert types["commented"].params == [("x", INT), ("y", optional(INT))] and types["commented"].returns == FLOAT
    forward = types["Net.forward"]
    assert forward.params[0] == ("self", ClassT("__torch__.mod.Net"))
    assert str(forward.returns) == "Tuple[Tensor, int]"


def test_return_inference(tmp_path):
    types = infer(tmp_path, """
        def none_or_tensor(x, c: bool):
            if c:
                return None
            return x

        def falls_through(c: bool):
            if c:
                return 1

        def nothing(x):
            pass

        def tuples(x, c: bool):
            if c:
                return 1, None
            return 1, x
        """)
    assert str(types["none_or_tensor"].returns) == "Optional[Tensor]"
    assert str(types["falls_through"].returns) == "Optional[int]"
    assert types["nothing"].returns == NONE
    assert str(types["tuples"].returns) == "Tuple[int, Optional[Tensor]]"


# -- inference and the issues it finds -----------------------------------------------------------


def test_seed_detector(tmp_path):
    types = infer(tmp_path, """
        class Detector(torch.nn.Module):
            do_keypoint: bool

            def forward(self, img):
                box = self.predict_boxes(img)
                if self.do_keypoint:
                    kpts = self.predict_keypoint(img, box)

            @torch.jit.export
            def predict_boxes(self, img):
                pass

            @torch.jit.export
            def predict_keypoint(self, img, box):
                pass
        """)
    forward = types["Detector.forward"]
    assert issues(forward) == [("argument-type", "kpts = self.predict_keypoint(img, box)")]
    message = forward.issues[0].message
    assert "`box` of `predict_keypoint` is inferred as Tensor because it is not annotated" in message
    assert "`predict_boxes`, which returns None here" in message
    assert "Expected a value of type 'Tensor (inferred)' for argument 'box' but instead found type 'NoneType'." in message
    assert "Annotate `box: Optional[Tensor]`" in message


def test_joins_and_blocks(tmp_path):
    types = infer(tmp_path, """
        def mismatch(x, c: bool):
            if c:
                y = 1
            else:
                y = 1.5
            return x * y

        def unused_mismatch(x, c: bool):
            if c:
                y = 1
            else:
                y = 1.5
            y = 2.0
            return x * y

        def one_branch(x, c: bool):
            if c:
                y = x
            return y

        def exits(x, c: bool):
            if c:
                y = x
            else:
                return x
            return y

        def loop_var(xs: List[Tensor]):
            acc = None
            for t in xs:
                acc = t
            return acc

        def declared(xs: List[Tensor]):
            acc: Optional[Tensor] = None
            for t in xs:
                acc = t
            return acc

        def union_hint(eps: Union[float, Tensor]):
            if isinstance(eps, Tensor):
                eps = eps + 1
            return eps

        def with_is_not_a_block(x):
            y = 1
            with torch.no_grad():
                y = 1.5
            return y
        """)
    assert issues(types["mismatch"]) == [("branch-type-mismatch", "if c:")]
    assert issues(types["unused_mismatch"]) == []
    assert issues(types["one_branch"]) == [("branch-undefined", "if c:")]
    assert issues(types["exits"]) == []
    assert issues(types["loop_var"]) == [("reassign-type", "acc = t")]
    assert issues(types["declared"]) == [] and str(types["declared"].returns) == "Optional[Tensor]"
    assert issues(types["union_hint"]) == [] and str(types["union_hint"].returns) == "Union[Tensor, float]"
    assert issues(types["with_is_not_a_block"]) == [] and types["with_is_not_a_block"].returns == FLOAT


def test_refinement(tmp_path):
    types = infer(tmp_path, """
        def early_exit(x, n: Optional[int]):
            if n is None:
                return x
            return x * n

        def composed(x, a: Optional[int], b: Optional[int]):
            if a is None or b is None:
                return x
            return x * (a + b)

        def in_and(x, n: Optional[int]):
            if n is not None and n > 2:
                return x * n
            return x

        def ternary(n: Optional[int]):
            return n if n is not None else 0

        def asserted(n: Optional[int]):
            assert n is not None
            return n + 1

        def stored(n: Optional[int]):
            ok = n is not None
            if ok:
                return n + 1
            return 0

        def continued(xs: List[int], n: Optional[int]):
            for i in xs:
                if n is None:
                    continue
                return n + 1
            return 0

        def truthy(n: Optional[int]):
            if n:
                return 1
            return 0

        class Net(nn.Module):
            bias: Optional[Tensor]

            def __init__(self):
                super().__init__()
                self.bias = torch.zeros(1)

            def forward(self, x):
                if self.bias is not None:
                    x = x + self.bias
                bias = self.bias
                if bias is not None:
                    x = x + bias
                return x
        """)
    for name in ("early_exit", "composed", "in_and", "asserted"):
        assert issues(types[name]) == [], name
    assert types["ternary"].returns == INT
    assert issues(types["stored"]) == [("stored-none-check", "return n + 1")]
    assert issues(types["continued"]) == [("optional-unrefined", "return n + 1")]  # `continue` does not refine
    assert issues(types["truthy"]) == [("optional-truthiness", "if n:")]
    assert issues(types["Net.forward"]) == [("optional-unrefined", "x = x + self.bias")]


def test_static_branches_are_not_checked(tmp_path):
    types = infer(tmp_path, """
        def scripting(x):
            if not torch.jit.is_scripting():
                return x.numpy()
            return x

        def never_none(x: Tensor, n: Optional[int]):
            if x is None:
                y = 1
            else:
                y = 1.5
            return y

        def unknown_attribute_check(self_like, x):
            if self_like.flag is None:
                y = 1
            else:
                y = 1.5
            return x * y
        """)
    assert types["scripting"].returns == TENSOR
    assert issues(types["never_none"]) == [] and types["never_none"].returns == FLOAT
    # the branch might be decided at compile time: silent about it (an unannotated `self_like` is a
    # Tensor, though, which has no `flag`: that alone is reported)
    assert issues(types["unknown_attribute_check"]) == [("tensor-attribute", "if self_like.flag is None:")]


def test_containers_and_literals(tmp_path):
    types = infer(tmp_path, """
        def empty_list(x):
            sizes = []
            sizes.append(x.size(0))
            return sizes

        def annotated_list(x):
            sizes: List[int] = []
            sizes.append(x.size(0))
            return sizes

        def empty_dict(x):
            d = {}
            d["n"] = x.size(0)
            return d

        def tolist(x):
            values = x.tolist()
            kept: List[float] = x.tolist()
            return kept

        def tuples(t: Tuple[int, str], u: Tuple[int, int], i: int):
            a = u[i]
            b = t[i]
            c = t[2]
            return a, t[-1]

        def unions(x: Union[List[int], List[float]]):
            return x[0]

        def comprehension(xs: List[int]):
            return [float(i) for i in xs]
        """)
    assert issues(types["empty_list"]) == [("empty-list-element", "sizes.append(x.size(0))")]
    assert issues(types["annotated_list"]) == [] and types["annotated_list"].returns == ListT(INT)
    assert issues(types["empty_dict"]) == [("empty-dict-element", 'd["n"] = x.size(0)')]
    assert issues(types["tolist"]) == [("tolist-annotation", "values = x.tolist()")]
    assert issues(types["tuples"]) == [("tuple-index", "b = t[i]"), ("tuple-index-range", "c = t[2]")]
    assert str(types["tuples"].returns) == "Tuple[int, str]"
    assert issues(types["unions"]) == [("union-subscript", "return x[0]")]
    assert types["comprehension"].returns == ListT(FLOAT)


def test_annotation_and_default_issues(tmp_path):
    types = infer(tmp_path, """
        def defaults(x, k=2, mask=None, dims: List[int] = [0, 1], n: int = None, pad: List[int] = 0):
            return x

        def locals_(x, c: bool):
            a: float = 1
            y = 1
            if c:
                y: int = 2
            return a

        def returns(n: int) -> int:
            return n / 2

        def missing(x, c: bool) -> Tensor:
            if c:
                return x

        def ternary(c: bool):
            return 1 if c else "a"
        """)
    assert sorted(i.rule for i in types["defaults"].issues) == ["mutable-default", "param-default", "param-default"]
    assert sorted(i.node.arg for i in types["defaults"].issues if i.rule == "param-default") == ["k", "n"]
    assert issues(types["locals_"]) == [("local-annotation-mismatch", "a: float = 1"), ("reannotation", "y: int = 2")]
    assert issues(types["returns"]) == [("return-annotation-mismatch", "return n / 2")]
    assert issues(types["missing"]) == [("missing-return", "def missing(x, c: bool) -> Tensor:")]
    assert issues(types["ternary"]) == [("ternary-type-mismatch", 'return 1 if c else "a"')]


def test_unknown_never_produces_issues(tmp_path):
    types = infer(tmp_path, """
        import numpy as np

        def f(x, c: bool):
            if c:
                y = np.ones(3)
            else:
                y = 1.5
            z = something_undefined(x)
            if c:
                w = z
            else:
                w = 1
            return x * y, w
        """)
    assert issues(types["f"]) == []


def test_project_functions_across_files(tmp_path):
    (tmp_path / "helpers.py").write_text(HEADER + "def scale(x, factor: float):\n    return x * factor\n\n\ndef nothing(x):\n    pass\n")
    main = tmp_path / "main.py"
    main.write_text(HEADER + "from helpers import scale, nothing\n\n\ndef f(x):\n    y = nothing(x)\n    return scale(x, 2)\n")
    sources = {n: SourceFile.from_bytes(str(tmp_path / f"{n}.py"), (tmp_path / f"{n}.py").read_bytes(), n) for n in ("helpers", "main")}
    project = Project([summarize(s.path, n, n, s.tree) for n, s in sources.items()])
    state = state_for(project)
    node, _ = function_nodes(sources["main"].tree)["f"]
    types = run_unit(Unit(state, "main", node, None, "f"))
    assert [i.rule for i in types.issues] == ["argument-type"]  # int is not converted to float
    assert "`scale` expects `factor: float`" in types.issues[0].message
    assert types.var_types["y"] == NONE


# -- neutralization (for --confirm) ---------------------------------------------------------------

from conftest import needs_torch  # noqa: E402
from harness import lint_source, run_example_with_torch  # noqa: E402
from tslint.rule import Rule, all_rules  # noqa: E402

TS2 = [r for r in all_rules() if r.code.startswith("TS2") and type(r).neutralize is not Rule.neutralize]
NEUTRALIZABLE = [pytest.param(r, i, id=f"{r.code}-{i}") for r in TS2 for i in range(len(r.INVALID))]


def _neutralized(rule, index):
    source = textwrap.dedent(rule.INVALID[index])
    findings = [f for f in lint_source(source) if f.code == rule.code]
    assert findings
    out = source
    for f in sorted(findings, key=lambda f: (f.line, f.col), reverse=True):
        out = rule.neutralize(out, f)
        assert out is not None, f"{rule.code} cannot neutralize its own example {index}"
    return source, out


@pytest.mark.parametrize("rule,index", NEUTRALIZABLE)
def test_neutralize_keeps_lines_and_removes_the_finding(rule, index):
    source, out = _neutralized(rule, index)
    ast.parse(out)
    assert len(out.splitlines()) == len(source.splitlines()) and out != source
    assert not [f for f in lint_source(out) if f.code == rule.code], out


@needs_torch
@pytest.mark.parametrize("rule,index", NEUTRALIZABLE)
def test_neutralized_example_compiles(rule, index):
    _, out = _neutralized(rule, index)
    outcome = run_example_with_torch(out)
    assert outcome.ok, f"{rule.code}: {outcome.message}\n{out}"


def test_block_assignments_convert_to_the_outer_type(tmp_path):
    types = infer(tmp_path, """
        def to_int(x, c: bool):
            y = 0
            if c:
                y = x.sum()
            return y

        def accumulate(x):
            total = 0.0
            for i in range(3):
                total += x.sum().item()
            return total

        def tensor_into_int_then_join(x, c: bool):
            if c:
                y = x.sum()
            else:
                y = 0
            return y
        """)
    assert issues(types["to_int"]) == [] and types["to_int"].returns == INT
    assert issues(types["accumulate"]) == [] and types["accumulate"].returns == FLOAT
    assert issues(types["tensor_into_int_then_join"]) == [("branch-type-mismatch", "if c:")]


def test_returns_in_undecidable_branches(tmp_path):
    types = infer(tmp_path, """
        def both(cfg, x):
            if cfg.flag is None:
                return x
            else:
                return x * 2

        def differ(cfg, x):
            if cfg.flag is None:
                return None
            return x
        """)
    assert types["both"].returns == TENSOR
    assert types["differ"].returns == UNKNOWN  # a compile-time `is None` may drop either return


def _zero_arg_unit_types(tmp_path: Path, body: str, qualname: str) -> FunctionTypes:
    """Types of one method as a `modules` root (built with no constructor arguments) types it."""
    path = tmp_path / "zmod.py"
    path.write_text(HEADER + textwrap.dedent(body))
    source = SourceFile.from_bytes(str(path), path.read_bytes(), "zmod")
    project = Project([summarize(str(path), "zmod", "d", source.tree)])
    state = state_for(project)
    state.set_tree("zmod", source.tree)
    _LINES[:] = path.read_text().splitlines()
    node, cls = function_nodes(source.tree)[qualname]
    return run_unit(Unit(state, "zmod", node, ClassRef("zmod", cls.name), qualname, zero_args=True), record_ir=True)


_GAIN = """
    def adjust(x: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
        return x * gain

    class Adjust(torch.nn.Module):
        {annotation}
        def __init__(self, gain: float = {default}{extra}):
            super().__init__()
            {rebind}
            self.gain = gain

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return adjust(x, self.gain)
    """


@pytest.mark.parametrize("default,annotation,extra,rebind,flagged", [
    ("1", "", "", "", True),  # kornia AdjustLog: `gain: float = 1` stores an int
    ("1.0", "", "", "", False),
    ("1", "", "", "gain = float(gain)", False),  # rebound before it is stored
    ("1", "gain: float", "", "", False),  # a class annotation decides the attribute's type
    ("1", "", ", k: int = None", "", True),
])
def test_zero_argument_module_attribute_takes_its_default_type(tmp_path, default, annotation, extra, rebind, flagged):
    body = _GAIN.format(default=default, annotation=annotation, extra=extra.replace("int = None", "Optional[int] = None"), rebind=rebind)
    types = _zero_arg_unit_types(tmp_path, body, "Adjust.forward")
    assert bool(issues(types)) is flagged, issues(types)
    if flagged:
        assert issues(types) == [("argument-type", "return adjust(x, self.gain)")]


def test_module_attribute_unknown_unless_built_without_arguments(tmp_path):
    types = infer(tmp_path, _GAIN.format(default="1", annotation="", extra="", rebind=""))
    assert issues(types["Adjust.forward"]) == []  # the constructor may be called with a float


def test_module_needing_arguments_is_not_typed_from_defaults(tmp_path):
    body = _GAIN.format(default="1", annotation="", extra="", rebind="").replace("def __init__(self,", "def __init__(self, k: int,")
    types = _zero_arg_unit_types(tmp_path, body, "Adjust.forward")
    assert issues(types) == []


def test_int_power_is_float_and_reaches_an_int_argument(tmp_path):
    types = infer(tmp_path, """
        def bad(x, ws: int):
            return x.reshape(-1, ws ** 2)

        def good(x, ws: int):
            return x.reshape(-1, ws * ws).view(int(ws ** 2), -1)

        def floats_fine(x, s: float):
            return x.add(s ** 2).clamp(0.0, s ** 2)

        def unknown(x, ws):
            return x.reshape(-1, ws.n ** 2)
        """)
    assert issues(types["bad"]) == [("argument-type", "return x.reshape(-1, ws ** 2)")]
    assert "`**` on ints gives a float" in types["bad"].issues[0].message
    assert issues(types["good"]) == [] and issues(types["floats_fine"]) == []
    # `ws.n` has no known type: nothing about the `**` (unannotated `ws` is a Tensor without `n`, reported alone)
    assert issues(types["unknown"]) == [("tensor-attribute", "return x.reshape(-1, ws.n ** 2)")]


def test_int_for_a_float_of_a_torch_python_function(tmp_path):
    types = infer(tmp_path, """
        import torch.nn.functional as F

        def up(x):
            return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)

        def drop(x):
            return F.dropout(x, 0)

        def fine(x, n: int, s: float):
            return F.interpolate(x, scale_factor=2.0) + F.interpolate(x, size=n) + F.interpolate(x, None, s) + F.dropout(x, 0.5)
        """)
    assert issues(types["up"]) == [("argument-type", 'return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)')]
    assert "write `2.0`" in types["up"].issues[0].message
    assert issues(types["drop"]) == [("argument-type", "return F.dropout(x, 0)")]
    assert issues(types["fine"]) == []


def test_tensor_union_operand(tmp_path):
    types = infer(tmp_path, """
        def bad(x, t: Optional[Union[torch.Tensor, float]] = None):
            if t is None:
                t = 1.0
            if isinstance(t, torch.Tensor):
                t = t.to(x.dtype)
            return x / t

        def refined(x, t: Union[torch.Tensor, float], n: Union[int, float]):
            if isinstance(t, torch.Tensor):
                return x / t + n
            return x / t
        """)
    assert issues(types["bad"]) == [("union-in-operation", "return x / t")]
    assert issues(types["refined"]) == []
