"""Static type inference for one function, following TorchScript's rules (`ir_emitter.cpp`).

`infer_function(ctx)` (reached lazily as `ctx.types`) types every expression of a function under
script contract the way the compiler's IR emitter would, and records the type errors it is sure the
compiler will raise, as `Issue`s keyed by rule; the TS2xx rules only report them.

The model, verified against torch 2.13 (see the facts file, §2.2 B and §2.5):
- parameters: annotation or `# type:` comment, else `Tensor (inferred)`; `self` is the class;
- blocks (`if` branches, loop bodies) are frames: assigning, in a nested frame, a variable of an
  outer frame must keep its type ("previously had type"); after an `if`, a variable takes the
  unified type of the branches that do not end in `return`/`raise` ("Type mismatch", "not defined
  in the false branch", raised where the variable is next used); variables first assigned in a
  loop body do not outlive it; `with` is not a frame;
- `Optional` refinement by `is None` / `is not None` / `isinstance` on local names only, composed
  through `not`/`and`/`or`, in `if`, ternaries and `assert`, and after a branch that exits;
  `while` conditions and `continue`/`break` do not refine;
- statically known conditions (`torch.jit.is_scripting()`, `is None` on a non-Optional value,
  `isinstance` on a known type, constants) cut the dead branch: it is not compiled, so not checked;
- calls are typed from operator schemas, the builtins table, Python functions in torch and the
  project's own functions (whose unannotated results are inferred from their bodies).

Precision first: a value whose type is not known is `Unknown`, nothing that depends on it is
reported, and a branch that *might* be statically dead (a condition on an unknown type, `hasattr`,
a constant attribute) is checked with its issues suppressed.
"""
from __future__ import annotations

import ast
import dataclasses
import os
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional, Union

from ..project.index import dotted
from ..nodes import local_names
from ..project.model import ClassRef, External, FuncRef, ModuleRef, Project
from ..static_if import UNDECIDED, Decision, static_condition
from . import schemas
from .ir import Block, Instr
from .match import has_tensor_self_overload, match_call, op_result, unbindable
from .project_types import ProjectTypes, Scope, Signature, parse_signature
from .pysigs import nn_module, python_signature
from .types import (
    ANY, BOOL, COMPLEX, DEVICE, FLOAT, INT, NONE, NUMBER, STR, TENSOR, UNKNOWN,
    AnnotationParser, ClassT, parse_torch_type, DictT, FutureT, ListT, OptionalT, TensorT, TupleT, Type, UnionT,
    can_be_none, describe, is_subtype, literal_type, unify, unify_or_union, union_members,
    without_none,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..walk import FunctionContext

# Issue keys (one per TS2xx rule)
PARAM_DEFAULT = "param-default"
ARGUMENT_TYPE = "argument-type"
RANGE_ARG = "range-argument"
BRANCH_MISMATCH = "branch-type-mismatch"
BRANCH_UNDEFINED = "branch-undefined"
REASSIGN_TYPE = "reassign-type"
EMPTY_LIST = "empty-list-element"
EMPTY_DICT = "empty-dict-element"
RETURN_MISMATCH = "return-type-mismatch"
MISSING_RETURN = "missing-return"
RETURN_ANNOTATION = "return-annotation-mismatch"
LOCAL_ANNOTATION = "local-annotation-mismatch"
REANNOTATION = "reannotation"
OPTIONAL_UNREFINED = "optional-unrefined"
OPTIONAL_TRUTH = "optional-truthiness"
NO_BOOL = "no-bool-conversion"
BUILTIN_VALUE = "builtin-as-value"
STORED_CHECK = "stored-none-check"
ANY_OP = "any-in-op"
NONE_COMPARE = "none-comparison"
TYPE_CONSTRUCTOR = "type-constructor"
TYPE_NAME = "type-name"
VARIADIC_TUPLE = "variadic-tuple"
DICT_KEY = "dict-key"
MUTABLE_DEFAULT = "mutable-default"
TOLIST = "tolist-annotation"
TERNARY_MISMATCH = "ternary-type-mismatch"
TUPLE_INDEX = "tuple-index"
TUPLE_RANGE = "tuple-index-range"
UNION_SUBSCRIPT = "union-subscript"
UNION_OP = "union-in-operation"
CALL_ARGUMENTS = "call-arguments"
TENSOR_ATTRIBUTE = "tensor-attribute"
UNPACK = "unpack-non-tuple"
RANGE_VALUE = "range-as-value"

DTYPES = {
    "float32", "float", "float64", "double", "float16", "half", "bfloat16", "int8", "int16", "short",
    "int32", "int", "int64", "long", "uint8", "uint16", "uint32", "uint64", "bool", "complex32",
    "complex64", "complex128", "cfloat", "cdouble", "chalf", "qint8", "quint8", "qint32", "quint4x2",
    "float8_e4m3fn", "float8_e5m2", "strided", "sparse_coo", "sparse_csr", "contiguous_format",
    "channels_last", "channels_last_3d", "preserve_format", "per_tensor_affine", "per_channel_affine",
}
MATH_CONSTANTS = {"math.pi": FLOAT, "math.e": FLOAT, "math.inf": FLOAT, "math.nan": FLOAT, "math.tau": FLOAT}
TENSOR_PROPERTIES: dict[str, Type] = {
    "shape": ListT(INT), "dtype": INT, "device": DEVICE, "ndim": INT, "layout": INT, "T": TENSOR,
    "mT": TENSOR, "H": TENSOR, "mH": TENSOR, "data": TENSOR, "grad": TENSOR, "real": TENSOR,
    "imag": TENSOR, "requires_grad": BOOL, "is_cuda": BOOL, "is_leaf": BOOL, "is_sparse": BOOL,
    "is_quantized": BOOL, "is_meta": BOOL, "is_mkldnn": BOOL, "is_nested": BOOL, "is_cpu": BOOL,
    "is_xpu": BOOL, "is_mps": BOOL, "itemsize": INT, "nbytes": INT, "output_nr": INT, "_version": INT,
}
BINOPS = {
    ast.Add: "aten::add", ast.Sub: "aten::sub", ast.Mult: "aten::mul", ast.Div: "aten::div",
    ast.FloorDiv: "aten::floordiv", ast.Mod: "aten::remainder", ast.Pow: "aten::pow",
    ast.MatMult: "aten::matmul", ast.BitAnd: "aten::__and__", ast.BitOr: "aten::__or__",
    ast.BitXor: "aten::__xor__", ast.LShift: "aten::__lshift__", ast.RShift: "aten::__rshift__",
}
CMPOPS = {
    ast.Lt: "aten::lt", ast.Gt: "aten::gt", ast.LtE: "aten::le", ast.GtE: "aten::ge",
    ast.Eq: "aten::eq", ast.NotEq: "aten::ne", ast.Is: "aten::__is__", ast.IsNot: "aten::__isnot__",
    ast.In: "aten::__contains__", ast.NotIn: "aten::__contains__",
}
BUILTIN_OPS = {
    "abs": "prim::abs", "min": "prim::min", "max": "prim::max", "round": "aten::round",
    "divmod": "aten::divmod", "sum": "aten::sum", "pow": "aten::pow", "sorted": "aten::sorted",
}
FIXED_BUILTINS: dict[str, Type] = {
    "int": INT, "float": FLOAT, "bool": BOOL, "str": STR, "complex": COMPLEX, "len": INT,
    "isinstance": BOOL, "hasattr": BOOL, "print": NONE, "any": BOOL, "all": BOOL, "hash": INT,
    "ord": INT, "chr": STR, "hex": STR, "oct": STR, "bin": STR, "id": INT, "callable": BOOL,
}
ISINSTANCE_TYPES: dict[str, Type] = {
    "int": INT, "float": FLOAT, "bool": BOOL, "str": STR, "complex": COMPLEX,
    "torch.Tensor": TENSOR, "torch.nn.Parameter": TENSOR,
}
_ISINSTANCE_KINDS = {"list": "List", "tuple": "Tuple", "dict": "Dict"}


_CMP_SYMBOLS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
#: a project module deriving from these and not defining `forward` runs theirs
_SEQUENTIAL = frozenset({"torch.nn.Sequential", "torch.nn.modules.container.Sequential"})


@dataclass(frozen=True)
class Sugared(Type):
    """A value that is not first-class in TorchScript: a module, function, class, builtin, a
    `range`/`enumerate`/`zip` being iterated. Unknown for every purpose but calls and iteration."""

    what: str
    target: Any = None
    kind = "Unknown"

    def annotation_str(self) -> str:
        return "Unknown"


@dataclass
class Issue:
    """A type error the compiler will raise; `rule` is one of the keys above."""

    rule: str
    node: Any
    message: str


@dataclass
class Var:
    type: Type
    ssa: str = ""
    origin: Optional[ast.AST] = None  # the value expression last assigned
    poison: Optional[tuple[str, str, ast.AST]] = None  # (rule, message, the node blamed) raised at the next use
    declared: bool = False  # annotated (`x: T = v`)


@dataclass
class FunctionTypes:
    """What the checker knows about one function."""

    signature: Signature
    returns: Type
    issues: list[Issue] = field(default_factory=list)
    expr_types: dict[int, Type] = field(default_factory=dict)
    var_types: dict[str, Type] = field(default_factory=dict)
    block: Block = field(default_factory=Block)
    return_value: str = ""
    #: `if` / ternary node -> what the compiler makes of its condition (`static_if.Decision`)
    conditions: dict[ast.AST, Decision] = field(default_factory=dict)
    _nodes: list = field(default_factory=list, repr=False)  # keeps typed nodes alive (ids stay unique)

    def type_of(self, node: ast.AST) -> Type:
        return self.expr_types.get(id(node), UNKNOWN)

    def issues_for(self, rule: str) -> list[Issue]:
        return [i for i in self.issues if i.rule == rule]

    @property
    def params(self) -> list[tuple[str, Type]]:
        return [(p.name, p.type) for p in self.signature.params]


@dataclass
class Unit:
    """A function to type: where it is and what it belongs to."""

    state: ProjectTypes
    module: str
    node: ast.FunctionDef
    class_ref: Optional[ClassRef]
    qualname: str
    #: take constant attributes at their `__init__` defaults (as a zero-argument construction
    #: builds the module); only `tslint ir` does, to type what depends on such a constant
    defaults: bool = False
    #: the class is scripted as a zero-argument construction builds it (a `modules` root), so a
    #: `self.x = x` attribute has the type of `x`'s literal default
    zero_args: bool = False
    #: the overload stub whose types this compilation of the body takes (`ProjectTypes.overloads`)
    overload: Optional[Signature] = None


def state_for(project: Project) -> ProjectTypes:
    """The project's type facts, one per project object (held weakly: they go with the run's project)."""
    state = _STATES.get(project)
    if state is None:
        state = _STATES[project] = ProjectTypes(project, _callee_types)
    return state


def _callee_types(state: ProjectTypes, ref: FuncRef, node: ast.FunctionDef, class_ref: Optional[ClassRef]) -> FunctionTypes:
    """What another function's body gives its callers; only that is kept: the full result (expression
    types, IR) holds on to the callee's nodes."""
    full = run_unit(Unit(state, ref.module, node, class_ref, ref.qualname))
    return FunctionTypes(full.signature, full.returns)


_STATES: "weakref.WeakKeyDictionary[Project, ProjectTypes]" = weakref.WeakKeyDictionary()


def infer_function(ctx: "FunctionContext") -> FunctionTypes:
    """Types for the function a rule is checking (with its typed IR); for an overloaded function,
    what its compilations under every overload's types find together."""
    state = state_for(ctx.project)
    state.set_tree(ctx.module, ctx.source.tree)
    unit = Unit(state, ctx.module, ctx.node, ctx.class_ref, ctx.info.qualname,
                zero_args=getattr(ctx, "built_without_args", False))
    overloads = state.overloads(FuncRef(ctx.module, ctx.info.qualname))
    units = [dataclasses.replace(unit, overload=sig) for sig in overloads] or [unit]
    try:
        return _merge([run_unit(u, record_ir=True) for u in units])
    except RecursionError:
        return _empty(unit)
    except Exception:  # noqa: BLE001 - a checker bug must not hide the other rules' findings
        if os.environ.get("TSLINT_DEBUG"):
            raise
        return _empty(unit)


def _merge(compilations: list[FunctionTypes]) -> FunctionTypes:
    """One view of the compilations of one body (one per overload): every error any of them
    raises, and a branch is dropped only where all of them drop it."""
    first = compilations[0]
    if len(compilations) == 1:
        return first
    seen: set[tuple] = set()
    issues = []
    for issue in (i for c in compilations for i in c.issues):
        key = (issue.rule, getattr(issue.node, "lineno", None), getattr(issue.node, "col_offset", None))
        if key not in seen:
            seen.add(key)
            issues.append(issue)
    conditions: dict[ast.AST, Decision] = {}
    for c in compilations:
        for node, decision in c.conditions.items():
            earlier = conditions.get(node, decision)
            conditions[node] = decision if earlier == decision else UNDECIDED if UNDECIDED in (earlier, decision) else None
    expr_types = {k: v for c in reversed(compilations) for k, v in c.expr_types.items()}
    merged = dataclasses.replace(first, issues=issues, conditions=conditions, expr_types=expr_types)
    merged._nodes = [n for c in compilations for n in c._nodes]
    return merged


def _empty(unit: Unit) -> FunctionTypes:
    """No knowledge (and so no findings) for a function the checker failed on."""
    sig = parse_signature(unit.state, unit.module, unit.node, unit.class_ref, unit.qualname)
    return FunctionTypes(sig, UNKNOWN)


def run_unit(unit: Unit, record_ir: bool = False) -> FunctionTypes:
    return _Interpreter(unit, record_ir).run()


# ---------------------------------------------------------------------------------------------


@dataclass
class _Cond:
    static: Optional[bool] = None
    maybe: bool = False  # the compiler might decide it statically (we cannot tell)
    true: dict[str, Type] = field(default_factory=dict)
    false: dict[str, Type] = field(default_factory=dict)
    value: str = ""


@dataclass
class _Branch:
    frame: dict[str, Var]
    exited: bool  # ended in return/raise: does not reach the join
    block: Block
    label: str


def _list_arith_type(op: ast.operator, left: Type, right: Type) -> Optional[Type]:
    """`l + other` and `l * n` / `n * l` with a list `l`: the only overloads with a list operand are
    `aten::add.t(t[] a, t[] b) -> t[]` (a tuple `b` converts to the list, `x.size()[:-1] + (h, d)`)
    and `aten::mul.left_t` / `mul.right_t` (`[1] * n`), so whatever compiles is the list's type, even
    when the other operand is unknown here. None when no list operand decides it."""
    if isinstance(op, ast.Add) and isinstance(left, ListT) and not isinstance(right, TensorT):
        return left
    if isinstance(op, ast.Mult):
        for lst, other in ((left, right), (right, left)):
            if isinstance(lst, ListT) and not isinstance(other, (TensorT, ListT)):
                return lst
    return None


class _Interpreter:
    def __init__(self, unit: Unit, record_ir: bool):
        self.unit = unit
        self.state = unit.state
        self.project = unit.state.project
        self.node = unit.node
        self.record = record_ir
        self.local_names = local_names(unit.node)
        self.scope = Scope(self.state, unit.module, self.local_names)
        self.parser: AnnotationParser = self.scope.parser()
        self.sig = parse_signature(self.state, unit.module, unit.node, unit.class_ref, unit.qualname)
        if unit.overload is not None:  # the stub's types, the implementation's decorators
            self.sig = dataclasses.replace(unit.overload, decorators=self.sig.decorators)
        self._ssa: dict[int, str] = {}
        self.frames: list[dict[str, Var]] = [{}]
        self.issues: list[Issue] = []
        self.expr_types: dict[int, Type] = {}
        self.keep: list = []
        self.returns: list[tuple[Type, ast.AST]] = []
        self.return_type: Optional[Type] = None
        self.return_failed = False
        self.uncertain_returns = False
        self.suppress = 0
        self.exited = False
        self.jumped = False
        self.uncertain_exit = False
        self.block = Block()
        self.counter = 0
        self.none_checks: dict[str, str] = {}  # local bool var -> the variable its value checks
        self.active_checks: list[str] = []
        self.var_types: dict[str, Type] = {}
        self.return_ssa = ""
        self.conditions: dict[ast.AST, Decision] = {}
        self.ranges: list[ast.Call] = []  # `range(...)` calls in code whose issues are reported

    # -- driver ------------------------------------------------------------------------------
    def run(self) -> FunctionTypes:
        for p in self.sig.params:
            self.frames[0][p.name] = Var(p.type, f"%{p.name}", None, None, p.annotated)
        self._signature_issues()
        self.body(self.node.body)
        self._range_issues()
        returns = self._finish_returns()
        types = FunctionTypes(self.sig, returns, self.issues, self.expr_types, self.var_types, self.block,
                              self.return_ssa, self.conditions)
        types._nodes = self.keep
        return types

    def _range_issues(self) -> None:
        """`range(...)` is a sugared value the compiler can only iterate: the iterable of a `for` or
        a comprehension, an argument of `list`, `zip` or `enumerate`, or a name's value (iterated
        later). Anywhere else it needs a real value (`x[range(n)]`, `len(range(n))`, `sum(...)`, `in`):
        `range cannot be used as a value`."""
        if not self.ranges:
            return
        parents = {child: parent for parent in ast.walk(self.node) for child in ast.iter_child_nodes(parent)}
        for call in self.ranges:
            parent = parents.get(call)
            if (isinstance(parent, (ast.For, ast.comprehension)) and parent.iter is call) or (
                    isinstance(parent, ast.Assign) and all(isinstance(t, ast.Name) for t in parent.targets)) or (
                    isinstance(parent, ast.Call) and call in parent.args and isinstance(parent.func, ast.Name)
                    and parent.func.id in ("list", "zip", "enumerate") and parent.func.id not in self.local_names):
                continue
            self.issue(RANGE_VALUE, call, f"`{ast.unparse(call)}` is a range, which TorchScript can only iterate: range "
                                          f"cannot be used as a value; iterate it, or build the list with `list({ast.unparse(call)})`")

    def _signature_issues(self) -> None:
        for p in self.sig.params:
            if p.error is not None:
                self.issue(p.error.rule, p.error.node, p.error.message)
        if self.sig.return_error is not None:
            err = self.sig.return_error
            self.issue(err.rule, err.node, err.message)
        for p in self.sig.params:
            d = p.default
            if d is None:
                continue
            if isinstance(d, (ast.List, ast.Dict)) or (
                    isinstance(d, ast.Call) and isinstance(d.func, ast.Name) and d.func.id in ("list", "dict")
                    and "list" not in self.local_names and "dict" not in self.local_names):
                kind = "list" if isinstance(d, ast.List) or (isinstance(d, ast.Call) and d.func.id == "list") else "dict"  # type: ignore[attr-defined]
                self.issue(MUTABLE_DEFAULT, d, f"`{p.name}` has a mutable default ({kind}): Mutable default parameters are not supported because Python binds them to the function and they persist across function calls. Use `None` (typed `Optional[...]`) or a tuple")
                continue
            dt = _default_type(d)
            if not p.annotated:
                if dt is not None and dt != NONE:
                    shown = ast.unparse(d)
                    suggestion = {INT: "int", FLOAT: "float", BOOL: "bool", STR: "str"}.get(dt, str(dt))
                    self.issue(PARAM_DEFAULT, p.node, f"`{p.name}={shown}` is not annotated, so TorchScript assumes Tensor and rejects the {dt} default; annotate it: `{p.name}: {suggestion} = {shown}`")
                continue
            if dt is None or not p.type.known or p.type == ANY:
                continue
            if dt == NONE and isinstance(p.type, TensorT):
                continue  # accepted: the default is an undefined Tensor (a caller omitting it fails)
            if dt == NONE and can_be_none(p.type) is False:
                self.issue(PARAM_DEFAULT, p.node, f"`{p.name}: {p.type} = None`: Expected a default value of type {p.type} on parameter \"{p.name}\"; annotate it `Optional[{p.type}]`")
            elif (dt in (INT, FLOAT, BOOL, STR) and not _default_fits(dt, p.type)
                  and not isinstance(without_none(p.type), ListT)):  # `BroadcastingList2[int] = 0` is fine
                self.issue(PARAM_DEFAULT, p.node, f"`{p.name}: {p.type} = {ast.unparse(d)}`: Expected a default value of type {p.type} on parameter \"{p.name}\"")

    def _finish_returns(self) -> Type:
        declared = self.sig.returns
        falls_through = not self.exited
        skip = self.sig.decorators & {"unused", "ignore", "_overload", "_overload_method", "overload", "interface"}
        if declared is not None:
            if (falls_through and declared.known and declared != NONE and not self.uncertain_exit and not skip
                    and not _is_stub(self.node.body)):
                self.issue(MISSING_RETURN, _def_span(self.node),
                           f"`{self.node.name}` is annotated `-> {declared}` but can reach its end without returning: Function was not annotated as having type None, but does not return along all paths; add a final `return` or `raise`")
            return declared
        if not self.returns:
            return NONE if not self.uncertain_exit else UNKNOWN
        result = self.return_type if self.return_type is not None else UNKNOWN
        if self.return_failed:
            return UNKNOWN
        if self.uncertain_returns and len({str(t) for t, _ in self.returns} | ({"NoneType"} if falls_through else set())) > 1:
            return UNKNOWN  # which returns the compiler keeps depends on conditions we cannot decide
        if falls_through:
            result = UNKNOWN if self.uncertain_exit else (unify(result, NONE) or UNKNOWN)
        return result

    # -- bookkeeping -------------------------------------------------------------------------
    def issue(self, rule: str, node: Any, message: str) -> bool:
        if self.suppress:
            return False
        key = (rule, getattr(node, "lineno", None), getattr(node, "col_offset", None))
        for existing in self.issues:
            if (existing.rule, getattr(existing.node, "lineno", None), getattr(existing.node, "col_offset", None)) == key:
                return True
        self.issues.append(Issue(rule, node, message))
        return True

    def fresh(self, hint: str = "") -> str:
        self.counter += 1
        return f"%{hint}.{self.counter}" if hint else f"%{self.counter}"

    def emit(self, op: str, inputs: list[str], t: Type, node: Optional[ast.AST], name: str = "") -> str:
        out = self.fresh(name)
        if self.record:
            self.block.instrs.append(Instr([(out, t)], op, inputs, getattr(node, "lineno", 0)))
        return out

    def emit_void(self, op: str, inputs: list[str], node: Optional[ast.AST], blocks: Optional[list[Block]] = None,
                  outputs: Optional[list[tuple[str, Type]]] = None) -> None:
        if self.record:
            self.block.instrs.append(Instr(outputs or [], op, inputs, getattr(node, "lineno", 0), blocks or []))

    def record_type(self, node: ast.AST, t: Type, ssa: str = "") -> Type:
        self.expr_types[id(node)] = t
        self.keep.append(node)
        if ssa:
            self._ssa[id(node)] = ssa
        return t

    def ssa(self, node: ast.AST) -> str:
        return self._ssa.get(id(node), "%?")

    def lookup(self, name: str) -> Optional[Var]:
        for frame in reversed(self.frames):
            if name in frame:
                return frame[name]
        return None

    def lookup_parent(self, name: str) -> Optional[Var]:
        for frame in reversed(self.frames[:-1]):
            if name in frame:
                return frame[name]
        return None

    # -- statements --------------------------------------------------------------------------
    def body(self, stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            if self.exited or self.jumped:
                break
            method = getattr(self, f"stmt_{type(stmt).__name__}", None)
            if method is not None:
                method(stmt)

    def stmt_Expr(self, s: ast.Expr) -> None:
        if isinstance(s.value, ast.Constant):
            return  # docstrings and `...`
        self.expr(s.value)

    def stmt_Pass(self, s: ast.Pass) -> None:
        pass

    def stmt_Break(self, s: ast.stmt) -> None:
        self.emit_void("prim::Break", [], s)
        self.jumped = True

    stmt_Continue = stmt_Break

    def stmt_Raise(self, s: ast.Raise) -> None:
        self.emit_void("prim::RaiseException", [], s)
        self.exited = True

    def stmt_Assert(self, s: ast.Assert) -> None:
        if isinstance(s.test, ast.Constant) and not s.test.value:
            self.emit_void("prim::RaiseException", [], s)
            self.exited = True
            return
        cond = self.cond(s.test)
        if cond.static is False:
            # a statically false test (`assert isinstance(x, list)` on a Tensor) always raises, and
            # the compiler emits nothing after a statement that exits its block (`emitStatements`)
            self.emit_void("prim::RaiseException", [], s)
            self.exited = True
            return
        if cond.static is None and not cond.maybe:
            for name, t in cond.true.items():
                var = self.lookup(name)
                self.frames[-1][name] = Var(t, self.emit("prim::unchecked_cast", [var.ssa if var else "%?"], t, s, name),
                                            var.origin if var else None)

    def stmt_Delete(self, s: ast.Delete) -> None:
        for target in s.targets:
            if isinstance(target, ast.Name):
                self.frames[-1].pop(target.id, None)
            else:
                self.expr(target)

    def stmt_Global(self, s: ast.stmt) -> None:
        self.suppress += 1  # the frontend rejects the function; nothing after it is reliable

    stmt_Nonlocal = stmt_Global

    def stmt_Try(self, s: ast.Try) -> None:
        self.suppress += 1
        self.body(s.body)

    def stmt_With(self, s: ast.With) -> None:
        for item in s.items:
            self.expr(item.context_expr)
            if item.optional_vars is not None:
                self.assign_target(item.optional_vars, UNKNOWN, None, s, check=False)
        self.body(s.body)

    def stmt_Return(self, s: ast.Return) -> None:
        declared = self.sig.returns
        t = self.expr(s.value, hint=declared) if s.value is not None else NONE
        value = self.ssa(s.value) if s.value is not None else self.emit("prim::Constant", [], NONE, s)
        if len(self.frames) > 1:
            self.emit_void("prim::Return", [value], s)
        self.return_ssa = value
        self.exited = True
        if declared is not None:
            if t.known and declared.known and not _return_fits(t, declared) and not _literal_with_hint(s.value):
                self.issue(RETURN_ANNOTATION, s.value or s,
                           f"returns {t} but `{self.node.name}` is annotated `-> {declared}`: Return value was annotated as having type {declared} but is actually of type {t}")
            return
        self.returns.append((t, s))
        if self.suppress:
            self.uncertain_returns = True  # the compiler may not compile this one
        if self.return_type is None:
            self.return_type = t
            return
        unified = unify(self.return_type, t)
        # a return the compiler may not emit (a branch on a constant of unknown value) judges no clash
        clash = unified is not None and not self.uncertain_returns and \
            any(self._returns_clash(earlier, s) for _, earlier in self.returns[:-1])
        if unified is None or clash:
            what = ("this return and an earlier one cannot have one type (tuples of different lengths, or a value "
                    "beside a tuple holding it)") if clash else f"this return gives {t} but an earlier one gives {self.return_type}"
            self.issue(RETURN_MISMATCH, s.value or s,
                       f"{what}: Previous return statement returned a value of type {self.return_type} but this return statement returns a value of type {t}; make them agree or annotate the return type")
            self.return_failed = True
            self.return_type = UNKNOWN
        else:
            self.return_type = unified

    def _returns_clash(self, earlier: ast.AST, later: ast.Return) -> bool:
        """Two returns whose types cannot unify whatever their unknown parts are: tuple literals of
        different lengths, or a value and a tuple literal holding that same value (a type never
        contains itself): `return flow2, flow3` beside `return flow2`. Returns never unify to a Union."""
        a, b = getattr(earlier, "value", None), later.value
        if a is None or b is None:
            return False
        if isinstance(a, ast.Tuple) and isinstance(b, ast.Tuple):
            return len(a.elts) != len(b.elts) and not any(isinstance(e, ast.Starred) for e in a.elts + b.elts)
        for whole, tup in ((a, b), (b, a)):
            if isinstance(tup, ast.Tuple) and isinstance(whole, ast.Name) and self.ssa(whole) not in ("%?", "") and \
                    any(self.ssa(e) == self.ssa(whole) for e in tup.elts):
                return True
        return False

    def stmt_Assign(self, s: ast.Assign) -> None:
        t = self.expr(s.value)
        check_var = None
        if (len(s.targets) == 1 and isinstance(s.targets[0], ast.Name) and isinstance(s.value, ast.Compare)
                and len(s.value.ops) == 1 and isinstance(s.value.ops[0], (ast.Is, ast.IsNot))
                and isinstance(s.value.left, ast.Name) and _is_none(s.value.comparators[0])):
            check_var = s.value.left.id
        for target in s.targets:
            self.assign_target(target, t, s.value, s)
        if len(s.targets) == 1 and isinstance(s.targets[0], ast.Name):
            if check_var:
                self.none_checks[s.targets[0].id] = check_var
            else:
                self.none_checks.pop(s.targets[0].id, None)

    def stmt_AnnAssign(self, s: ast.AnnAssign) -> None:
        if s.value is None:
            return  # rejected by the frontend
        ann = self.parser.parse(s.annotation)
        if ann.error is not None:
            self.issue(ann.error.rule, ann.error.node, ann.error.message)
        declared = ann.type
        t = self.expr(s.value, hint=declared)
        if not isinstance(s.target, ast.Name):
            self.assign_target(s.target, t, s.value, s)
            return
        name = s.target.id
        if self.lookup_parent(name) is not None and len(self.frames) > 1:
            self.issue(REANNOTATION, s.target,
                       f"`{name}` is already defined in an outer block: Attempting to declare and annotate the type of variable '{name}' but it is already defined in an outer block; annotate it where it is first assigned")
        if (declared.known and t.known and not is_subtype(t, declared) and not _literal_with_hint(s.value)
                and declared != ANY):
            self.issue(LOCAL_ANNOTATION, s.value,
                       f"`{name}` is annotated {declared} but gets {t}: Variable '{name}' is annotated with type {declared} but is being assigned to a value of type {t}")
        self.frames[-1][name] = Var(declared, self.rename(s.value, name), s.value, None, True)
        self.var_types[name] = declared

    def stmt_AugAssign(self, s: ast.AugAssign) -> None:
        if isinstance(s.target, ast.Name):
            left = self.expr(s.target)
            right = self.expr(s.value)
            t = self.binop_type(s, s.op, left, right, s.target, s.value)
            if isinstance(left, ListT):
                t = left
            ssa = self.emit(BINOPS.get(type(s.op), "aten::iadd") + "_", [self.ssa(s.target), self.ssa(s.value)], t, s, s.target.id)
            var = self.lookup(s.target.id)
            t = self.check_reassign(s.target.id, t, s)
            self.frames[-1][s.target.id] = Var(t, ssa, s, None, var.declared if var else False)
        else:
            self.expr(s.target)
            self.expr(s.value)

    def stmt_If(self, s: ast.If) -> None:
        cond = self.decide(s)
        if cond.static is not None:
            # the compiler emits the live branch in place: no block, no join
            self.body(s.body if cond.static else s.orelse)
            return
        check = s.test.id if isinstance(s.test, ast.Name) else None
        if check:
            self.active_checks.append(check)
        try:
            t_branch = self.run_branch(s.body, cond.true, cond.maybe, "true")
        finally:
            if check:
                self.active_checks.pop()
        f_branch = self.run_branch(s.orelse, cond.false, cond.maybe, "false")
        if self.record:
            self.block.instrs.append(Instr([], "prim::If", [cond.value or "%?"], s.lineno, [t_branch.block, f_branch.block]))
        self.join([t_branch, f_branch], cond.maybe, s)
        if cond.maybe and (t_branch.exited != f_branch.exited):
            self.uncertain_exit = True

    def run_branch(self, stmts: list[ast.stmt], refinements: dict[str, Type], maybe: bool, label: str) -> _Branch:
        frame: dict[str, Var] = {}
        saved_block, saved_exit, saved_jump = self.block, self.exited, self.jumped
        self.block = Block()
        for name, t in refinements.items():
            var = self.lookup(name)
            frame[name] = Var(t, self.emit("prim::unchecked_cast", [var.ssa if var else "%?"], t, None, name),
                              var.origin if var else None, None, var.declared if var else False)
        self.frames.append(frame)
        self.exited = self.jumped = False
        self.suppress += maybe
        try:
            self.body(stmts)
            return _Branch(frame, self.exited, self.block, label)
        finally:
            self.suppress -= maybe
            self.frames.pop()
            self.block, self.exited, self.jumped = saved_block, saved_exit, saved_jump

    def join(self, branches: list[_Branch], maybe: bool, node: ast.AST) -> None:
        live = [b for b in branches if not b.exited]
        if not live:
            self.exited = True
            if len(branches) == 1 and self.record:
                self.block.instrs.extend(branches[0].block.instrs)
            return
        if len(branches) == 1:
            if self.record:
                self.block.instrs.extend(branches[0].block.instrs)
            self.frames[-1].update(branches[0].frame)
            return
        names: list[str] = []
        for b in live:
            names.extend(n for n in b.frame if n not in names)
        outputs: list[tuple[str, Type]] = []
        for name in names:
            present: list[tuple[_Branch, Var]] = []
            missing: list[_Branch] = []
            for b in live:
                var = b.frame.get(name) or self.lookup(name)
                if var is None or (name in b.frame and _join_error(var)):
                    missing.append(b)
                else:
                    present.append((b, var))
            if not present:
                self.frames[-1][name] = live[0].frame.get(name) or Var(UNKNOWN, self.fresh(name))
                continue
            quiet = maybe or bool(self.suppress) or any(v.poison for _, v in present)
            if missing:
                if quiet:
                    t = present[0][1].type if all(v.type == present[0][1].type for _, v in present) else UNKNOWN
                    self.frames[-1][name] = Var(t, self.fresh(name))
                else:
                    label = missing[0].label
                    self.frames[-1][name] = Var(UNKNOWN, self.fresh(name), None, (
                        BRANCH_UNDEFINED,
                        f"`{name}` is assigned only in the {'false' if label == 'true' else 'true'} branch of this `if`, so TorchScript rejects its use after it: {name} is not defined in the {label} branch; assign it before the `if` or in both branches",
                        _branch_site(node)))
                continue
            t = present[0][1].type
            failed = False
            for _, var in present[1:]:
                u = unify(t, var.type)
                if u is None:
                    failed = True
                    break
                t = u
            outer = self.lookup(name)
            if failed and outer is not None and outer.type.known and all(
                    is_subtype(v.type, outer.type) for _, v in present):
                t, failed = outer.type, False  # the outer type is the hint (`unifyTypes(..., type_hint)`)
            ssa = self.fresh(name)
            if failed and not quiet:
                tt = present[0][1].type
                ft = present[1][1].type
                self.frames[-1][name] = Var(UNKNOWN, ssa, None, (
                    BRANCH_MISMATCH,
                    f"`{name}` is {tt} on one branch of this `if` and {ft} on the other, and is used after it: Type mismatch: {name} is set to type {tt} in the true branch and type {ft} in the false branch; give it one type in both branches",
                    _branch_site(node)))
                continue
            if failed:
                t = UNKNOWN
            origin = present[0][1].origin if len({id(v.origin) for _, v in present}) == 1 else None
            self.frames[-1][name] = Var(t, ssa, origin, None, any(v.declared for _, v in present))
            outputs.append((ssa, t))
            for b, var in present:
                b.block.outputs.append(var.ssa)
            self.var_types[name] = t
        if self.record and self.block.instrs and self.block.instrs[-1].op == "prim::If":
            self.block.instrs[-1].outputs = outputs

    def stmt_For(self, s: ast.For) -> None:
        it = self.expr(s.iter)
        elem = self.element_type(s.iter, it)
        frame: dict[str, Var] = {}
        self.frames.append(frame)
        saved_block, saved_exit, saved_jump = self.block, self.exited, self.jumped
        self.block = Block()
        self.exited = self.jumped = False
        try:
            self.assign_target(s.target, elem, None, s, check=False)
            self.body(s.body)
            body_block = self.block
        finally:
            self.frames.pop()
            self.block, self.exited, self.jumped = saved_block, saved_exit, saved_jump
        self.emit_void("prim::Loop", [self.ssa(s.iter)], s, [body_block])

    def stmt_While(self, s: ast.While) -> None:
        cond = self.cond(s.test)
        if cond.static is False:
            return
        frame: dict[str, Var] = {}
        self.frames.append(frame)
        saved_block, saved_exit, saved_jump = self.block, self.exited, self.jumped
        self.block = Block()
        self.exited = self.jumped = False
        self.suppress += cond.maybe
        try:
            self.body(s.body)
            body_block = self.block
        finally:
            self.suppress -= cond.maybe
            self.frames.pop()
            self.block, self.exited, self.jumped = saved_block, saved_exit, saved_jump
        self.emit_void("prim::Loop", [cond.value or "%?"], s, [body_block])

    # -- assignment --------------------------------------------------------------------------
    def rename(self, value: Optional[ast.AST], name: str) -> str:
        """Name the value just computed after the variable it is stored in (`%y.3`)."""
        if value is None or not self.record:
            return self.fresh(name)
        ssa = self.ssa(value)
        new = self.fresh(name)
        for ins in reversed(self.block.instrs):
            for i, (out, t) in enumerate(ins.outputs):
                if out == ssa:
                    ins.outputs[i] = (new, t)
                    self._ssa[id(value)] = new
                    return new
            break
        return ssa if ssa != "%?" else new

    def check_reassign(self, name: str, t: Type, node: ast.AST) -> Type:
        """Check an assignment, in a nested block, to a variable of an outer block; the value is
        first converted to the outer type as the compiler does (`tryConvertToType`: Tensor or
        number to int/float, bool to int/float, tuple to list). Returns the stored type."""
        parent = self.lookup_parent(name)
        if parent is None or parent.poison or not t.known or not parent.type.known:
            return t
        ok = is_subtype(t, parent.type)
        if ok is False and (_converts(t, parent.type) or (
                isinstance(t, TupleT) and isinstance(parent.type, ListT)
                and all(is_subtype(i, parent.type.elem) for i in t.items))):
            return parent.type
        if ok is False:
            fix = f"annotate it `{name}: Optional[{t}] = None`" if parent.type == NONE else f"give `{name}` one type"
            self.issue(REASSIGN_TYPE, node,
                       f"`{name}` changes type from {parent.type} to {t} inside a block: Variable '{name}' previously had type {describe(parent.type)} but is now being assigned to a value of type {t}; {fix}")
        return t

    def assign_name(self, name: str, t: Type, value: Optional[ast.AST], node: ast.AST, check: bool = True) -> None:
        if check:
            t = self.check_reassign(name, t, node)
        ssa = self.rename(value, name) if value is not None else self.fresh(name)
        self.frames[-1][name] = Var(t, ssa, value)
        self.var_types[name] = t

    def assign_target(self, target: ast.expr, t: Type, value: Optional[ast.AST], node: ast.AST, check: bool = True) -> None:
        if isinstance(target, ast.Name):
            self.assign_name(target.id, t, value, target if check else node, check)
            return
        if isinstance(target, (ast.Tuple, ast.List)):
            elts = target.elts
            if any(isinstance(e, ast.Starred) for e in elts):
                for e in elts:
                    self.assign_target(e.value if isinstance(e, ast.Starred) else e, UNKNOWN, None, node, False)
                return
            if isinstance(t, TensorT) or t in (INT, FLOAT, BOOL, STR):
                self.unpack_issue(target, t, value)
            if isinstance(t, TupleT) and len(t.items) == len(elts):
                items = list(t.items)
            elif isinstance(t, ListT):
                items = [t.elem] * len(elts)
            else:
                items = [UNKNOWN] * len(elts)
            for e, item in zip(elts, items):
                self.assign_target(e, item, None, node, check)
            return
        if isinstance(target, ast.Subscript):
            container = self.expr(target.value)
            index = self.expr(target.slice) if not isinstance(target.slice, ast.Slice) else UNKNOWN
            self.check_setitem(target, container, index, t, value)
            return
        if isinstance(target, ast.Attribute):
            self.expr(target.value)
            return
        if isinstance(target, ast.Starred):
            self.assign_target(target.value, UNKNOWN, None, node, False)

    def unpack_issue(self, target: ast.expr, t: Type, value: Optional[ast.AST]) -> None:
        """`a, b = v` (or `for a, b in v`) where `v` is a Tensor or a scalar: the compiler unpacks only
        tuples and lists (`SimpleValue::asTuple`): `Tensor cannot be used as a tuple`."""
        shown = ast.unparse(value) if isinstance(value, ast.expr) else "each element"
        fix = "split it first (`a, b = x.unbind(0)`)" if isinstance(t, TensorT) else "unpack a tuple"
        if isinstance(t, TensorT) and t.inferred and isinstance(value, ast.Name):
            fix = f"`{shown}` is not annotated, so TorchScript types it as a Tensor; annotate it, e.g. `{shown}: Tuple[Tensor, Tensor]`"
        names = ast.unparse(target)
        names = names[1:-1] if isinstance(target, ast.Tuple) and names.startswith("(") else names
        self.issue(UNPACK, target, f"`{names}` unpacks {'`' + shown + '`' if value is not None else shown}, "
                                   f"which is {describe(t)}: {describe(t)} cannot be used as a tuple; {fix}")

    def check_setitem(self, target: ast.Subscript, container: Type, index: Type, value: Type,
                      value_node: Optional[ast.AST]) -> None:
        if not isinstance(container, DictT) or not container.known or not index.known or not value.known:
            return
        if isinstance(value_node, (ast.List, ast.Dict)):
            return
        # `_set_item` has one overload per key type, matched with the implicit conversions of
        # `tryConvertToType`: `d[t.item()] = v` (a number) or `d[n_tensor] = v` on Dict[int, T] compiles
        key_ok = (index == container.key or (isinstance(index, TensorT) and isinstance(container.key, TensorT))
                  or _converts(index, container.key))
        # the value binds `t` of `_set_item(Dict(k, t) l, k idx, t v)`: it must unify with the values
        value_ok = bool(is_subtype(value, container.value)) or (
            value != NONE and unify(container.value, value) is not None)
        if key_ok and value_ok:
            return
        name = dotted(target.value) or "the dict"
        empty = self._empty_origin(target.value, ast.Dict)
        wrong = f"key {index}" if not key_ok else f"value {value}"
        fix = (f"annotate it: `{name}: Dict[{index if not key_ok else container.key}, {value if not value_ok else container.value}] = {{}}`"
               if empty else "use matching key and value types")
        self.issue(EMPTY_DICT, target,
                   f"`{name}` is {container}{' (an empty `{}` defaults to Dict[str, Tensor])' if empty else ''} but gets a {wrong}: Arguments for call are not valid; {fix}")

    def _empty_origin(self, node: ast.expr, kind: type) -> bool:
        if not isinstance(node, ast.Name):
            return False
        var = self.lookup(node.id)
        if var is None or var.declared:
            return False
        origin = var.origin
        if isinstance(origin, ast.List) and kind is ast.List:
            return not origin.elts
        if isinstance(origin, ast.Dict) and kind is ast.Dict:
            return not origin.keys
        if isinstance(origin, ast.Call) and isinstance(origin.func, ast.Name) and not origin.args:
            return origin.func.id == ("list" if kind is ast.List else "dict")
        return False

    # -- conditions --------------------------------------------------------------------------
    def decide(self, node: Union[ast.If, ast.IfExp]) -> _Cond:
        """The condition of an `if` or a ternary, and what the compiler makes of it, kept for the
        rules' walk (which then skips the branches the compiler does not emit)."""
        cond = self.cond(node.test)
        self.conditions[node] = cond.static if cond.static is not None or not cond.maybe else UNDECIDED
        return cond

    def cond(self, test: ast.expr) -> _Cond:
        known = static_condition(test, "script")
        if known is not None:
            self.record_type(test, BOOL)
            return _Cond(static=known, value=self.emit("prim::Constant[value=%d]" % int(known), [], BOOL, test))
        if isinstance(test, ast.Constant) and isinstance(test.value, bool):
            self.record_type(test, BOOL)
            return _Cond(static=test.value, value=self.emit(f"prim::Constant[value={int(test.value)}]", [], BOOL, test))
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            inner = self.cond(test.operand)
            value = self.emit("aten::__not__", [inner.value], BOOL, test)
            self.record_type(test, BOOL, value)
            return _Cond(None if inner.static is None else not inner.static, inner.maybe, inner.false, inner.true, value)
        if isinstance(test, ast.BoolOp):
            return self.cond_boolop(test)
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Is, ast.IsNot)):
            left, right = test.left, test.comparators[0]
            if _is_none(left) and not _is_none(right):
                left, right = right, left
            if _is_none(right):
                return self.cond_none_check(test, left, isinstance(test.ops[0], ast.Is))
        if isinstance(test, ast.Call) and self._call_name(test) in ("isinstance", "torch.jit.isinstance") and len(test.args) == 2:
            return self.cond_isinstance(test)
        if isinstance(test, ast.Call) and self._call_name(test) == "hasattr":
            t = self.expr(test)
            return _Cond(maybe=True, value=self.ssa(test))
        t = self.expr(test)
        value = self.ssa(test)
        if isinstance(test, ast.Attribute) and self._maybe_constant_attribute(test):
            return self.constant_attribute_cond(test, t, value)
        if t.kind == "Unknown" and isinstance(test, ast.Attribute):
            self.check_attribute_truthiness(test)
            if isinstance(test.value, ast.Name) and test.value.id == "self" and self.unit.class_ref and \
                    _runtime_attribute(self.state, self.unit.class_ref, test.attr):
                return _Cond(value=value)
            return _Cond(maybe=True, value=value)
        self.check_truthiness(test, t)
        return _Cond(value=value)

    def check_attribute_truthiness(self, node: ast.Attribute) -> None:
        """`if self.relu:` where `__init__` stores a submodule or None depending on its arguments
        (`nn.ReLU() if relu else None`): the attribute's type is unknown, but every instance fails,
        since neither a module nor None converts to bool."""
        if (isinstance(node.value, ast.Name) and node.value.id == "self" and self.unit.class_ref
                and _module_or_none_attribute(self.state, self.unit.class_ref, node.attr)):
            self.issue(NO_BOOL, node,
                       f"`self.{node.attr}` holds a submodule or None, neither of which TorchScript tests for truth: "
                       f"Could not cast value of type ... to bool; store a bool flag (or test `self.{node.attr} is not None` "
                       "on an attribute annotated Optional)")

    def check_truthiness(self, node: ast.expr, t: Type) -> None:
        if t == NONE or (isinstance(t, ClassT) and t.is_module and not _defines_truth(self.state, t)):
            shown = dotted(node) or ast.unparse(node)
            self.issue(NO_BOOL, node,
                       f"`{shown}` is {'None' if t == NONE else 'a submodule'}; TorchScript does not test it for truth: "
                       f"Could not cast value of type {t} to bool")
            return
        if t.known and (isinstance(t, OptionalT) or (isinstance(t, UnionT) and NONE in t.items)):
            shown = dotted(node) or ast.unparse(node)
            self.issue(OPTIONAL_TRUTH, node,
                       f"`{shown}` is {t}; TorchScript does not test it for truth: Could not cast value of type {t} to bool; write `{shown} is not None`")

    def cond_boolop(self, test: ast.BoolOp) -> _Cond:
        is_and = isinstance(test.op, ast.And)
        parts: list[_Cond] = []
        pushed = 0
        static: Optional[bool] = None
        for value in test.values:
            c = self.cond(value)
            parts.append(c)
            if c.static is (not is_and):
                static = c.static
                break
            refine = c.true if is_and else c.false
            if refine:
                frame = {}
                for name, t in refine.items():
                    var = self.lookup(name)
                    frame[name] = Var(t, var.ssa if var else "%?", var.origin if var else None)
                self.frames.append(frame)
                pushed += 1
        for _ in range(pushed):
            self.frames.pop()
        value = self.emit("prim::And" if is_and else "prim::Or", [c.value for c in parts], BOOL, test)
        self.record_type(test, BOOL, value)
        runtime = [c for c in parts if c.static is None]
        maybe = any(c.maybe for c in parts)
        if static is not None:
            return _Cond(static=static, maybe=maybe, value=value)
        if not runtime:
            return _Cond(static=is_and, maybe=maybe, value=value)
        if is_and:
            true: dict[str, Type] = {}
            for c in runtime:
                true.update(c.true)
            false = _intersect([c.false for c in runtime]) if len(runtime) == len(parts) else {}
            return _Cond(None, maybe, true, false, value)
        false = {}
        for c in runtime:
            false.update(c.false)
        true = _intersect([c.true for c in runtime]) if len(runtime) == len(parts) else {}
        return _Cond(None, maybe, true, false, value)

    def cond_none_check(self, test: ast.Compare, subject: ast.expr, is_none: bool) -> _Cond:
        t = self.expr(subject)
        value = self.emit("aten::__is__" if is_none else "aten::__isnot__", [self.ssa(subject)], BOOL, test)
        self.record_type(test, BOOL, value)
        if t.kind == "Unknown" or t == ANY:
            return _Cond(maybe=t.kind == "Unknown", value=value)
        if t == NONE:
            return _Cond(static=is_none, value=value)
        if can_be_none(t) is False:
            return _Cond(static=not is_none, value=value)
        refine: dict[str, Type] = {}
        if isinstance(subject, ast.Name) and self.lookup(subject.id) is not None:
            refine[subject.id] = without_none(t)
        return _Cond(None, False, {} if is_none else refine, refine if is_none else {}, value)

    def cond_isinstance(self, test: ast.Call) -> _Cond:
        subject = test.args[0]
        t = self.expr(subject)
        for a in test.args[1:]:
            self.record_type(a, UNKNOWN)
        value = self.emit("prim::isinstance", [self.ssa(subject)], BOOL, test)
        self.record_type(test, BOOL, value)
        wanted = self.isinstance_targets(test.args[1], self._call_name(test) == "torch.jit.isinstance")
        if wanted is None or not t.known:
            return _Cond(maybe=True, value=value)
        members = union_members(t)
        matching = [m for m in members if any(_isinstance_match(m, w) for w in wanted)]
        if len(members) == 1 or t == ANY:
            if t == ANY:  # `Any` is refined to the one type tested for (`isinstance(obj, str)`)
                exact = [w for w in wanted if isinstance(w, Type) and w.known]
                if len(wanted) == 1 and exact and isinstance(subject, ast.Name) and self.lookup(subject.id) is not None:
                    return _Cond(None, False, {subject.id: exact[0]}, {}, value)
                return _Cond(value=value)
            return _Cond(static=bool(matching), value=value)
        rest = [m for m in members if m not in matching]
        refine_true: dict[str, Type] = {}
        refine_false: dict[str, Type] = {}
        if isinstance(subject, ast.Name) and self.lookup(subject.id) is not None:
            from .types import union as make_union

            if matching:
                refine_true[subject.id] = make_union(matching)
            if rest:
                refine_false[subject.id] = make_union(rest)
        if not matching:
            return _Cond(static=False, value=value)
        if not rest:
            return _Cond(static=True, value=value)
        return _Cond(None, False, refine_true, refine_false, value)

    def isinstance_targets(self, node: ast.expr, typed: bool) -> Optional[list[Any]]:
        if isinstance(node, ast.Tuple):
            out: list[Any] = []
            for e in node.elts:
                inner = self.isinstance_targets(e, typed)
                if inner is None:
                    return None
                out.extend(inner)
            return out
        if typed:
            ann = self.parser.parse(node)
            return [ann.type] if ann.type.known and ann.error is None else None
        name = dotted(node)
        if name is None:
            return None
        qual = self.scope.qualify(name)
        if qual in ISINSTANCE_TYPES:
            return [ISINSTANCE_TYPES[qual]]
        if qual in _ISINSTANCE_KINDS:
            return [_ISINSTANCE_KINDS[qual]]
        if qual in ("typing.List", "typing.Tuple", "typing.Dict"):
            return [qual.split(".")[1]]
        ann = self.parser.parse(node)  # a class of the project: a type of its own (no inheritance)
        return [ann.type] if isinstance(ann.type, ClassT) and ann.error is None else None

    def constant_attribute_cond(self, node: ast.Attribute, t: Type, value: str) -> _Cond:
        """`if self.flag:` on a `Final` / `__constants__` attribute, which the compiler reads as a
        constant: a bool makes a static if (`toIValue` in `emitCondExpr`), any other constant becomes
        `aten::Bool(...)`, tested at run time. Which branch a bool keeps is known only with its value."""
        known = self.state.constant_value(self.unit.class_ref, node.attr, self.unit.zero_args or self.unit.defaults)  # type: ignore[arg-type]
        if isinstance(known, bool):
            return _Cond(static=known, value=value)
        if known is not None or (t.known and t != BOOL):
            return _Cond(value=value)
        return _Cond(maybe=True, value=value)

    def _maybe_constant_attribute(self, node: ast.Attribute) -> bool:
        if not (isinstance(node.value, ast.Name) and node.value.id == "self" and self.unit.class_ref):
            return False
        return node.attr in self.state.constant_attributes(self.unit.class_ref)

    # -- expressions -------------------------------------------------------------------------
    def peek_type(self, node: ast.expr) -> Type:
        """The type of a simple expression without recording anything (for statement-level checks)."""
        if isinstance(node, ast.Name):
            var = self.lookup(node.id)
            return var.type if var else UNKNOWN
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self" and self.unit.class_ref:
            return self.state.attributes(self.unit.class_ref).get(node.attr, UNKNOWN)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            base = self.peek_type(node.func.value)
            if isinstance(base, TensorT):
                return op_result(f"aten::{node.func.attr}", [TENSOR]).type
        return UNKNOWN

    def expr(self, node: Optional[ast.expr], hint: Optional[Type] = None) -> Type:
        if node is None:
            return NONE
        method = getattr(self, f"expr_{type(node).__name__}", None)
        if method is None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.expr(child)
            t: Type = UNKNOWN
            ssa = self.emit(f"prim::{type(node).__name__}", [], t, node)
        else:
            t, ssa = method(node, hint)
        return self.record_type(node, t, ssa)

    def expr_Constant(self, node: ast.Constant, hint: Optional[Type]) -> tuple[Type, str]:
        t = literal_type(node.value)
        shown = int(node.value) if isinstance(node.value, bool) else repr(node.value) if not isinstance(node.value, str) else f'"{node.value}"'
        op = "prim::Constant" if node.value is None else f"prim::Constant[value={shown}]"
        return t, self.emit(op, [], t, node)

    def expr_JoinedStr(self, node: ast.JoinedStr, hint: Optional[Type]) -> tuple[Type, str]:
        inputs = []
        for v in node.values:
            if isinstance(v, ast.FormattedValue):
                self.expr(v.value)
                inputs.append(self.ssa(v.value))
        return STR, self.emit("aten::format", inputs, STR, node)

    def expr_Name(self, node: ast.Name, hint: Optional[Type]) -> tuple[Type, str]:
        var = self.lookup(node.id)
        if var is not None:
            if var.poison is not None:
                rule, message, site = var.poison
                if self.issue(rule, site, f"{message} (used on line {node.lineno})"):
                    var.poison = None
            return var.type, var.ssa
        if node.id in self.local_names:
            return UNKNOWN, "%?"  # assigned somewhere we did not follow (or after use)
        qual = self.scope.qualify(node.id)
        t = self.qualified_value(qual) if qual else UNKNOWN
        return t, self.emit(f"prim::Global[name=\"{node.id}\"]", [], t, node) if t.known else "%?"

    def qualified_value(self, qual: str) -> Type:
        if qual in MATH_CONSTANTS:
            return MATH_CONSTANTS[qual]
        head, _, last = qual.rpartition(".")
        if head == "torch" and last in DTYPES:
            return INT
        if qual in FIXED_BUILTINS or qual in BUILTIN_OPS or qual in ("range", "enumerate", "zip", "list", "dict",
                                                                      "tuple", "getattr", "sorted", "reversed"):
            return Sugared("builtin", qual)
        if schemas.builtin_op_for(qual):
            return Sugared("external", qual)  # `F.conv2d = _add_docstr(torch.conv2d, ...)` in torch's own source
        resolved = self.project.resolve_qualified(qual)
        if isinstance(resolved, FuncRef):
            return Sugared("function", resolved)
        if isinstance(resolved, ClassRef):
            return Sugared("class", resolved)
        if isinstance(resolved, ModuleRef):
            return Sugared("module", qual)
        if resolved is None and python_signature(qual) is not None:
            return Sugared("external", qual)  # `max_pool2d = boolean_dispatch(...)` in torch's own source
        if resolved is None:
            mod, _, name = qual.rpartition(".")
            summary = self.project.by_module.get(mod)
            if summary is not None and name in summary.globals and mod != self.unit.module:
                value = summary.globals[name]
                if value and value[0] == "const":
                    return {"int": INT, "float": FLOAT, "bool": BOOL, "str": STR}.get(value[1], UNKNOWN)
            return UNKNOWN
        return Sugared("external", qual)

    def expr_Attribute(self, node: ast.Attribute, hint: Optional[Type]) -> tuple[Type, str]:
        name = dotted(node)
        if name is not None and name.split(".")[0] not in self.local_names:
            qual = self.scope.qualify(name)
            if qual is not None:
                t = self.qualified_value(qual)
                return t, self.emit(f"prim::Global[name=\"{name}\"]", [], t, node) if t.known else "%?"
        base = self.expr(node.value)
        t = self.attribute_type(node, base)
        op = f"prim::GetAttr[name=\"{node.attr}\"]"
        if isinstance(base, TensorT):
            op = {"shape": "aten::size", "dtype": "prim::dtype", "device": "prim::device"}.get(node.attr, f"prim::{node.attr}")
        return t, self.emit(op, [self.ssa(node.value)], t, node)

    def attribute_type(self, node: ast.Attribute, base: Type) -> Type:
        if isinstance(base, TensorT):
            self.tensor_attribute_issue(node, base)
            return TENSOR_PROPERTIES.get(node.attr, UNKNOWN)
        if isinstance(base, ClassT) and isinstance(base.ref, ClassRef):
            attrs = self.state.attributes(base.ref)
            if node.attr in attrs:
                t = attrs[node.attr]
                if (not t.known and self.unit.zero_args and base.ref == self.unit.class_ref
                        and isinstance(node.value, ast.Name) and node.value.id == "self"):
                    t = self.state.default_attribute_type(base.ref, node.attr)
                return t
            method = self.project.find_method(base.ref, node.attr)
            if method is not None:
                return Sugared("method", (base, method))
            return UNKNOWN
        if base.known and (isinstance(base, OptionalT) or (isinstance(base, UnionT) and NONE in base.items)):
            self.optional_misuse(node.value, base, f"'{base}' object has no attribute or method '{node.attr}'.")
            return UNKNOWN
        if base == ANY:
            return UNKNOWN
        return UNKNOWN

    def tensor_attribute_issue(self, node: ast.Attribute, base: TensorT) -> None:
        """`x.NAME` on a Tensor that names nothing Tensors have (`SimpleValue::attr`): no builtin
        property, no `aten::NAME` overload taking a Tensor `self`, and not `torch.Tensor`'s (whose
        own names TS409 judges from the compiler's probes). Mostly an unannotated parameter
        used as an object (`cfg.scale`): TorchScript typed it as a Tensor."""
        name = node.attr
        if (name.startswith("_") or name in TENSOR_PROPERTIES or name in ("tolist", "type")
                or schemas.is_tensor_method_known(name) is not None or has_tensor_self_overload(f"aten::{name}")):
            return
        owner = node.value
        shown = dotted(owner) or ast.unparse(owner)
        if base.inferred and isinstance(owner, ast.Name):
            why = (f"`{shown}` is not annotated, so TorchScript types it as a Tensor, which has no `{name}`: "
                   f"'Tensor (inferred)' object has no attribute or method '{name}'; annotate `{shown}` with its type, "
                   f"or pass the values it holds instead of the object")
        else:
            why = (f"`{shown}` is a Tensor, which has no `{name}` in TorchScript: 'Tensor' object has no attribute or "
                   f"method '{name}'")
        self.issue(TENSOR_ATTRIBUTE, node, why)

    def optional_misuse(self, operand: ast.expr, t: Type, compiler: str) -> None:
        shown = dotted(operand) or ast.unparse(operand)
        rule = OPTIONAL_UNREFINED
        if isinstance(operand, ast.Name):
            checks = [c for c in self.active_checks if self.none_checks.get(c) == operand.id]
            if checks:
                rule = STORED_CHECK
                self.issue(rule, operand,
                           f"`{shown}` is still {t} here: the check stored in `{checks[-1]}` does not refine it ({compiler}); test `{shown} is not None` directly in the `if`")
                return
            fix = f"check it first (`if {shown} is not None:` or `assert {shown} is not None`)"
        elif isinstance(operand, ast.Attribute):
            local = operand.attr.lstrip("_") or "value"
            fix = f"TorchScript refines only local variables: copy it first (`{local} = {shown}`) and check `{local} is not None`"
        else:
            fix = "check it against None first"
        self.issue(rule, operand, f"`{shown}` is {t} and may be None here: {compiler} {fix}")

    def expr_Subscript(self, node: ast.Subscript, hint: Optional[Type]) -> tuple[Type, str]:
        base = self.expr(node.value)
        index_node = node.slice
        if isinstance(index_node, ast.Slice):
            for part in (index_node.lower, index_node.upper, index_node.step):
                if part is not None:
                    self.expr(part)
            index: Type = UNKNOWN
        else:
            index = self.expr(index_node)
        t = self.subscript_type(node, base, index)
        op = "aten::slice" if isinstance(index_node, ast.Slice) else (
            "prim::TupleIndex" if isinstance(base, TupleT) else "aten::__getitem__" if not isinstance(base, TensorT) else "aten::index")
        return t, self.emit(op, [self.ssa(node.value)] + ([] if isinstance(index_node, ast.Slice) else [self.ssa(index_node)]), t, node)

    def subscript_type(self, node: ast.Subscript, base: Type, index: Type) -> Type:
        sl = node.slice
        if isinstance(base, TensorT):
            return TENSOR
        if isinstance(base, ListT):
            if isinstance(sl, ast.Slice):
                return base
            return base.elem if index in (INT, UNKNOWN) or isinstance(index, TensorT) else UNKNOWN
        if base == STR:
            return STR
        if isinstance(base, DictT):
            return base.value
        if isinstance(base, TupleT):
            return self.tuple_index(node, base)
        if base.known and (isinstance(base, (OptionalT, UnionT))):
            shown = dotted(node.value) or ast.unparse(node.value)
            fix = (f"check `{shown} is not None` first" if isinstance(base, OptionalT)
                   else f"narrow it first with `assert isinstance({shown}, ...)`")
            self.issue(UNION_SUBSCRIPT, node, f"`{shown}` is {base}: '{base}' object is not subscriptable; {fix}")
        return UNKNOWN

    def tuple_index(self, node: ast.Subscript, base: TupleT) -> Type:
        sl = node.slice
        n = len(base.items)
        if isinstance(sl, ast.Slice):
            bounds = [_const_int(p) if p is not None else None for p in (sl.lower, sl.upper, sl.step)]
            if any(p is not None and b is None for p, b in zip((sl.lower, sl.upper, sl.step), bounds)):
                return UNKNOWN
            return TupleT(base.items[slice(*bounds)])
        value = _const_int(sl)
        if value is None:
            if (isinstance(sl, ast.Constant)) or not base.known:
                return UNKNOWN
            if len(set(base.items)) <= 1:
                return base.items[0] if base.items else UNKNOWN
            shown = dotted(node.value) or "the tuple"
            self.issue(TUPLE_INDEX, node,
                       f"`{shown}` is {base}, so an index must be an integer literal: Cannot index into a {base} with a non-integer literal because we cannot resolve the output type; unpack it or index with a constant")
            return UNKNOWN
        if not -n <= value < n:
            self.issue(TUPLE_RANGE, node, f"Tuple index out of range. Tuple is length {n} and index is {value}")
            return UNKNOWN
        return base.items[value]

    def expr_BinOp(self, node: ast.BinOp, hint: Optional[Type]) -> tuple[Type, str]:
        left = self.expr(node.left)
        right = self.expr(node.right)
        t = self.binop_type(node, node.op, left, right, node.left, node.right)
        return t, self.emit(BINOPS.get(type(node.op), "aten::binop"), [self.ssa(node.left), self.ssa(node.right)], t, node)

    def binop_type(self, node: ast.AST, op: ast.operator, left: Type, right: Type,
                   left_node: ast.expr, right_node: ast.expr) -> Type:
        if self.operand_problem(left, left_node, right) or self.operand_problem(right, right_node, left):
            return UNKNOWN
        if self.tensor_union_operand(left, left_node) or self.tensor_union_operand(right, right_node):
            return UNKNOWN
        if isinstance(left, TensorT) or isinstance(right, TensorT):
            other = right if isinstance(left, TensorT) else left
            if other.kind == "Unknown" or isinstance(other, TensorT) or other in (INT, FLOAT, BOOL, COMPLEX, NUMBER):
                return TENSOR  # whatever overload compiles, a Tensor operand gives a Tensor
        listed = _list_arith_type(op, left, right)
        if listed is not None:
            return listed
        if not left.known or not right.known:
            return UNKNOWN
        if isinstance(op, ast.Mod) and left == STR:
            return STR
        if isinstance(left, TensorT) or isinstance(right, TensorT):
            if all(isinstance(x, TensorT) or x in (INT, FLOAT, BOOL, COMPLEX, NUMBER) for x in (left, right)):
                return TENSOR
            return UNKNOWN
        name = BINOPS.get(type(op))
        if name is None:
            return UNKNOWN
        args = [INT if x == BOOL and not isinstance(op, (ast.BitAnd, ast.BitOr, ast.BitXor)) else x for x in (left, right)]
        result = op_result(name, args)
        return result.type

    def tensor_union_operand(self, t: Type, node: ast.expr) -> bool:
        """A `Union[Tensor, ...]` operand of arithmetic: no operator overload takes a Union (only a
        Tensor or a number), so the compiler finds none ("Arguments for call are not valid")."""
        if not (isinstance(t, UnionT) and t.known and NONE not in t.items and any(isinstance(i, TensorT) for i in t.items)):
            return False
        shown = dotted(node) or ast.unparse(node)
        self.issue(UNION_OP, node,
                   f"`{shown}` is {t}, which no operator takes: Arguments for call are not valid (found type '{t}'); "
                   f"refine it first, e.g. `if isinstance({shown}, Tensor): ... else: ...`")
        return True

    def tensor_comparison_issue(self, node: ast.Compare, op: ast.cmpop, a: Type, b: Type) -> bool:
        """A comparison with a Tensor operand that no overload of its operator takes (`mode == 'sum'`,
        `impl in ['ref', 'cuda']` with `mode`/`impl` unannotated, so Tensors): the compiler emits
        `aten::eq(a, b)` / `aten::__contains__(b, a)` and fails with "Arguments for call are not
        valid". Only when the other operand's type is fully known and not a class (whose magic
        methods the compiler calls instead)."""
        args = [b, a] if isinstance(op, (ast.In, ast.NotIn)) else [a, b]
        if not any(isinstance(t, TensorT) for t in args):
            return False
        if not all(_fully_known(t) and not _has_union(t) and not isinstance(t, ClassT) for t in args):
            return False
        name = CMPOPS.get(type(op))
        if name is None or op_result(name, args).matched is not False:
            return False
        symbol = _CMP_SYMBOLS.get(type(op)) or ("in" if isinstance(op, ast.In) else "not in")
        hint = "; a parameter left unannotated is a Tensor: annotate it with its type" if any(
            isinstance(t, TensorT) and t.inferred for t in args) else ""
        self.issue(CALL_ARGUMENTS, node,
                   f"`{symbol}` of {a} and {b}: no overload of `{name}` takes them: Arguments for call are not valid{hint}")
        return True

    def none_comparison(self, op: ast.cmpop, left: ast.expr, a: Type, right: ast.expr, b: Type) -> bool:
        """`==`, `!=`, `<` … with None on a side: no overload of any comparison takes NoneType, whatever
        the other side (an int, a str, a Tensor, an Optional, None): "Arguments for call are not valid".
        A project class on the other side may define its own `__eq__`: not decided here."""
        none_node, other_node, other = (left, right, b) if a == NONE else (right, left, a)
        if other != NONE and (not other.known or isinstance(other, ClassT)):
            return False
        if not (_is_none(none_node) or isinstance(none_node, (ast.Name, ast.Attribute))):
            return False  # a call typed None (a base's method that raises, overridden in subclasses): not certain
        symbol = _CMP_SYMBOLS.get(type(op), "==")
        shown = dotted(none_node) or ast.unparse(none_node)
        if _is_none(none_node):
            subject = dotted(other_node) or ast.unparse(other_node)
            fix = f"`{subject} is None`" if isinstance(op, ast.Eq) else f"`{subject} is not None`" \
                if isinstance(op, ast.NotEq) else "an `is None` check first"
            message = (f"`{symbol}` with None: TorchScript has no comparison that takes None ('Arguments for call "
                       f"are not valid'); use {fix}")
        else:
            message = (f"`{shown}` is None here ({'TorchScript types a module attribute from the value it holds when the module is scripted: NoneType' if isinstance(none_node, ast.Attribute) else 'NoneType'}), "
                       f"and TorchScript has no `{symbol}` that takes None ('Arguments for call are not valid'); "
                       f"check `{shown} is None` first, or give it a value of one type")
        self.issue(NONE_COMPARE, none_node, message)
        return True

    def operand_problem(self, t: Type, node: ast.expr, other: Type) -> bool:
        """An Optional or Any operand: the compiler finds no overload ("Arguments for call are not valid")."""
        if not t.known:
            return False
        if t == ANY:
            shown = dotted(node) or ast.unparse(node)
            self.issue(ANY_OP, node, f"`{shown}` is Any, which TorchScript cannot use in an operation: Arguments for call are not valid (found type 'Any'); give it a concrete type or refine it with `assert isinstance({shown}, ...)`")
            return True
        if (isinstance(t, OptionalT) or (isinstance(t, UnionT) and NONE in t.items)) and other != NONE:
            self.optional_misuse(node, t, f"Expected a value of type '{without_none(t)}' ... but instead found type '{t}'.")
            return True
        return False

    def expr_UnaryOp(self, node: ast.UnaryOp, hint: Optional[Type]) -> tuple[Type, str]:
        if isinstance(node.op, ast.Not):
            c = self.cond(node.operand)
            return BOOL, self.emit("aten::__not__", [c.value], BOOL, node)
        t = self.expr(node.operand)
        if self.operand_problem(t, node.operand, UNKNOWN):
            return UNKNOWN, "%?"
        if isinstance(node.op, ast.UAdd):
            return UNKNOWN, "%?"
        if isinstance(t, TensorT):
            result: Type = TENSOR
        elif t == BOOL:
            result = INT if isinstance(node.op, ast.USub) else UNKNOWN
        elif t in (INT, FLOAT, COMPLEX):
            result = t
        else:
            result = UNKNOWN
        return result, self.emit("aten::neg" if isinstance(node.op, ast.USub) else "aten::bitwise_not", [self.ssa(node.operand)], result, node)

    def expr_BoolOp(self, node: ast.BoolOp, hint: Optional[Type]) -> tuple[Type, str]:
        c = self.cond(node)
        return BOOL, c.value

    def expr_Compare(self, node: ast.Compare, hint: Optional[Type]) -> tuple[Type, str]:
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.Is, ast.IsNot)):
            left, right = node.left, node.comparators[0]
            if _is_none(left) or _is_none(right):
                c = self.cond(node)
                return BOOL, c.value
        types = [self.expr(node.left)] + [self.expr(c) for c in node.comparators]
        nodes = [node.left] + list(node.comparators)
        result: Type = BOOL
        for i, op in enumerate(node.ops):
            a, b = types[i], types[i + 1]
            if isinstance(op, (ast.Is, ast.IsNot)):
                continue
            if self.tensor_comparison_issue(node, op, a, b):
                return UNKNOWN, "%?"
            if isinstance(op, (ast.In, ast.NotIn)):
                continue
            if b == NONE or a == NONE:
                if self.none_comparison(op, nodes[i], a, nodes[i + 1], b):
                    return UNKNOWN, "%?"
                continue
            if self.operand_problem(a, nodes[i], b) or self.operand_problem(b, nodes[i + 1], a):
                return UNKNOWN, "%?"
            if len(node.ops) == 1 and (isinstance(a, TensorT) or isinstance(b, TensorT)):
                result = TENSOR
            elif not a.known or not b.known:
                result = UNKNOWN if len(node.ops) == 1 else BOOL
        op = CMPOPS.get(type(node.ops[0]), "aten::cmp")
        return result, self.emit(op, [self.ssa(n) for n in nodes], result, node)

    def expr_IfExp(self, node: ast.IfExp, hint: Optional[Type]) -> tuple[Type, str]:
        c = self.decide(node)
        if c.static is not None:
            branch = node.body if c.static else node.orelse
            t = self.expr(branch, hint)
            return t, self.ssa(branch)
        types = []
        for branch, refine in ((node.body, c.true), (node.orelse, c.false)):
            frame = {}
            for name, t in refine.items():
                var = self.lookup(name)
                frame[name] = Var(t, var.ssa if var else "%?", var.origin if var else None)
            self.frames.append(frame)
            self.suppress += c.maybe
            try:
                types.append(self.expr(branch, hint))
            finally:
                self.suppress -= c.maybe
                self.frames.pop()
        a, b = types
        t = unify(a, b)
        if t is None:
            if not c.maybe:
                self.issue(TERNARY_MISMATCH, node,
                           f"the branches of this conditional expression have different types: if-expression's true branch has type {a} but false branch has type {b}; make both the same type")
            t = UNKNOWN
        return t, self.emit("prim::If", [c.value, self.ssa(node.body), self.ssa(node.orelse)], t, node)

    def check_builtin_elements(self, nodes: list[ast.expr], types: list[Type]) -> None:
        """A torch operator (`torch.relu`, `F.gelu`: a builtin op in `torch.jit._builtins`) stored
        in a list or dict literal: an element must be a value (`asValue`), and a builtin is sugar
        only a call can use: `builtin cannot be used as a value`. Binding it to a name is fine."""
        for node, t in zip(nodes, types):
            if isinstance(t, Sugared) and t.what == "external" and isinstance(t.target, str) and schemas.builtin_op_for(t.target):
                shown = dotted(node) or ast.unparse(node)
                self.issue(BUILTIN_VALUE, node,
                           f"`{shown}` is a torch builtin, which TorchScript can only call: builtin cannot be used as a value; "
                           "select the operator with `if`/`elif` on the key and call it there, or wrap each in a submodule")
                return  # the compiler stops at the first

    def expr_Tuple(self, node: ast.Tuple, hint: Optional[Type]) -> tuple[Type, str]:
        hints: list[Optional[Type]] = [None] * len(node.elts)
        if isinstance(hint, TupleT) and len(hint.items) == len(node.elts):
            hints = list(hint.items)
        items = []
        for e, h in zip(node.elts, hints):
            if isinstance(e, ast.Starred):
                inner = self.expr(e.value)
                if isinstance(inner, TupleT):
                    items.extend(inner.items)
                else:
                    items.append(UNKNOWN)
                continue
            items.append(self.expr(e, h))
        t = TupleT(tuple(items))
        return t, self.emit("prim::TupleConstruct", [self.ssa(e) for e in node.elts], t, node)

    def expr_List(self, node: ast.List, hint: Optional[Type]) -> tuple[Type, str]:
        target = _unwrap_optional_hint(hint, ListT)
        elem_hint = target.elem if isinstance(target, ListT) else None
        items = [self.expr(e.value if isinstance(e, ast.Starred) else e, elem_hint) for e in node.elts]
        self.check_builtin_elements(node.elts, items)
        if any(isinstance(e, ast.Starred) for e in node.elts):
            t: Type = UNKNOWN
        elif isinstance(target, ListT):
            t = target
        elif not items:
            t = ListT(TENSOR)
        elif all(i.known for i in items):
            t = ListT(unify_or_union(items))
        else:
            t = UNKNOWN
        return t, self.emit("prim::ListConstruct", [self.ssa(e) for e in node.elts], t, node)

    def expr_Dict(self, node: ast.Dict, hint: Optional[Type]) -> tuple[Type, str]:
        target = _unwrap_optional_hint(hint, DictT)
        keys = [self.expr(k) if k is not None else UNKNOWN for k in node.keys]
        values = [self.expr(v, target.value if isinstance(target, DictT) else None) for v in node.values]
        self.check_builtin_elements(node.values, values)
        if any(k is None for k in node.keys):
            t: Type = UNKNOWN
        elif isinstance(target, DictT):
            t = target
        elif not keys:
            t = DictT(STR, TENSOR)
        elif all(k.known for k in keys) and all(v.known for v in values):
            t = DictT(unify_or_union(keys), unify_or_union(values))
        else:
            t = UNKNOWN
        inputs = [self.ssa(x) for pair in zip(node.keys, node.values) for x in pair if x is not None]
        return t, self.emit("prim::DictConstruct", inputs, t, node)

    def _comprehension(self, node: Union[ast.ListComp, ast.GeneratorExp, ast.DictComp, ast.SetComp]) -> list[dict[str, Var]]:
        frames = []
        for gen in node.generators:
            it = self.expr(gen.iter)
            elem = self.element_type(gen.iter, it)
            frame: dict[str, Var] = {}
            self.frames.append(frame)
            frames.append(frame)
            self.assign_target(gen.target, elem, None, node, check=False)
        return frames

    def expr_ListComp(self, node: Union[ast.ListComp, ast.GeneratorExp], hint: Optional[Type]) -> tuple[Type, str]:
        frames = self._comprehension(node)
        target = _unwrap_optional_hint(hint, ListT)
        saved_block = self.block
        self.block = Block()
        try:
            elt = self.expr(node.elt, target.elem if isinstance(target, ListT) else None)
            body = self.block
        finally:
            self.block = saved_block
            for _ in frames:
                self.frames.pop()
        t = target if isinstance(target, ListT) else (ListT(elt) if elt.known and len(node.generators) == 1 else UNKNOWN)
        out = self.fresh()
        if self.record:
            body.outputs.append(self.ssa(node.elt))
            self.block.instrs.append(Instr([(out, t)], "prim::ListComprehension", [self.ssa(g.iter) for g in node.generators], node.lineno, [body]))
        return t, out

    expr_GeneratorExp = expr_ListComp

    def expr_DictComp(self, node: ast.DictComp, hint: Optional[Type]) -> tuple[Type, str]:
        frames = self._comprehension(node)
        try:
            k = self.expr(node.key)
            v = self.expr(node.value)
        finally:
            for _ in frames:
                self.frames.pop()
        target = _unwrap_optional_hint(hint, DictT)
        t = target if isinstance(target, DictT) else (DictT(k, v) if k.known and v.known else UNKNOWN)
        return t, self.emit("prim::DictComprehension", [], t, node)

    def expr_Lambda(self, node: ast.Lambda, hint: Optional[Type]) -> tuple[Type, str]:
        return UNKNOWN, "%?"

    # -- calls -------------------------------------------------------------------------------
    def _call_name(self, node: ast.Call) -> Optional[str]:
        name = dotted(node.func)
        if name is None or name.split(".")[0] in self.local_names:
            return None
        return self.scope.qualify(name)

    def expr_Call(self, node: ast.Call, hint: Optional[Type]) -> tuple[Type, str]:
        func = node.func
        qual = self._call_name(node)
        if qual is not None:
            return self.call_value(node, self.qualified_value(qual), qual, hint)
        if isinstance(func, ast.Attribute):
            base = self.expr(func.value)
            return self.call_method(node, base, func.attr, hint)
        callee = self.expr(func)
        return self.call_value(node, callee, None, hint)

    def eval_args(self, node: ast.Call) -> tuple[list[Type], dict[str, Type], bool]:
        args, kwargs, exact = [], {}, True
        for a in node.args:
            if isinstance(a, ast.Starred):
                inner = self.expr(a.value)
                if isinstance(inner, TupleT):
                    args.extend(inner.items)
                else:
                    exact = False
                continue
            args.append(self.expr(a))
        for k in node.keywords:
            t = self.expr(k.value)
            if k.arg is None:
                exact = False
            else:
                kwargs[k.arg] = t
        return args, kwargs, exact

    def call_value(self, node: ast.Call, callee: Type, qual: Optional[str], hint: Optional[Type]) -> tuple[Type, str]:
        if isinstance(callee, Sugared):
            if callee.what == "builtin":
                return self.call_builtin(node, callee.target, hint)
            if callee.what == "function":
                args, kwargs, exact = self.eval_args(node)
                t = self.call_function(node, callee.target, args, kwargs, exact, bound=False)
                return t, self.emit(f"prim::CallFunction[name=\"{callee.target.qualname}\"]", self._arg_ssas(node), t, node)
            if callee.what == "method":
                base, ref = callee.target
                args, kwargs, exact = self.eval_args(node)
                t = self.call_function(node, ref, args, kwargs, exact, bound=True)
                return t, self.emit(f"prim::CallMethod[name=\"{ref.qualname.split('.')[-1]}\"]", self._arg_ssas(node), t, node)
            if callee.what == "class":
                self.eval_args(node)
                ref = callee.target
                t = UNKNOWN if self.project.is_nn_module(ref) else self.state.class_type(ref)
                return t, self.emit(f"prim::CreateObject[{ref.name}]", self._arg_ssas(node), t, node)
            if callee.what in ("external", "module"):
                return self.call_external(node, callee.target, hint)
        if isinstance(callee, ClassT) and isinstance(callee.ref, str) and callee.is_module:
            self.eval_args(node)
            found = nn_module(callee.ref)
            t = parse_torch_type(found[1]) if found and found[1] else UNKNOWN
            return t, self.emit("prim::CallMethod[name=\"forward\"]", [self.ssa(node.func)] + self._arg_ssas(node), t, node)
        if isinstance(callee, ClassT) and isinstance(callee.ref, ClassRef) and callee.is_module:
            forward = self.project.find_method(callee.ref, "forward")
            args, kwargs, exact = self.eval_args(node)
            t = self.call_function(node, forward, args, kwargs, exact, bound=True) if forward else self.library_forward(callee.ref)
            return t, self.emit("prim::CallMethod[name=\"forward\"]", [self.ssa(node.func)] + self._arg_ssas(node), t, node)
        self.eval_args(node)
        return UNKNOWN, self.emit("prim::Call", self._arg_ssas(node), UNKNOWN, node)

    def _arg_ssas(self, node: ast.Call) -> list[str]:
        return [self.ssa(a.value if isinstance(a, ast.Starred) else a) for a in node.args] + [
            self.ssa(k.value) for k in node.keywords]

    def call_external(self, node: ast.Call, qual: str, hint: Optional[Type]) -> tuple[Type, str]:
        if qual in ("torch.jit.annotate", "torch.jit._annotate") and len(node.args) == 2:
            ann = self.parser.parse(node.args[0])
            if ann.error is not None:
                self.issue(ann.error.rule, ann.error.node, ann.error.message)
            self.record_type(node.args[0], UNKNOWN)
            self.expr(node.args[1], ann.type)
            return ann.type, self.emit("prim::annotate", [self.ssa(node.args[1])], ann.type, node)
        if qual in ("torch.jit.isinstance",):
            c = self.cond_isinstance(node)
            return BOOL, c.value
        if qual in ("torch.jit._unwrap_optional",) and node.args:
            t = self.expr(node.args[0])
            return without_none(t), self.emit("aten::_unwrap_optional", [self.ssa(node.args[0])], without_none(t), node)
        args, kwargs, exact = self.eval_args(node)
        if qual in ("torch.jit.is_scripting", "torch.jit.is_tracing", "torch.jit._is_scripting"):
            return BOOL, self.emit("prim::Constant", [], BOOL, node)
        if qual == "torch.jit.wait" and args and isinstance(args[0], FutureT):
            return args[0].elem, self.emit("aten::wait", self._arg_ssas(node), args[0].elem, node)
        if qual == "torch.jit.fork":
            return UNKNOWN, self.emit("prim::fork", self._arg_ssas(node), UNKNOWN, node)
        op = schemas.builtin_op_for(qual)
        if op and exact:
            overloads = schemas.op_overloads(op)
            if overloads and self.arguments_issue(node, overloads, len(args), list(kwargs), qual):
                return UNKNOWN, self.emit(op, self._arg_ssas(node), UNKNOWN, node)
            if overloads:
                result = match_call(overloads, args, kwargs)
                if result.matched is False:
                    before = len(self.issues)
                    self.float_for_int_issue(node, overloads, args, kwargs, qual, list(node.args))
                    if len(self.issues) == before:
                        self.no_overload_issue(node, overloads, args, kwargs, qual)
                return result.type, self.emit(op, self._arg_ssas(node), result.type, node)
        sig = python_signature(qual)
        if sig is not None and exact:
            self.int_for_float_issue(node, sig, args, kwargs, qual)
        if sig is not None:
            t = UNKNOWN
            if sig.returns:
                t = parse_torch_type(sig.returns)
            elif sig.dispatch is not None:
                flag = self.dispatch_flag(node, sig.dispatch)
                if flag is not None:
                    t = parse_torch_type(sig.dispatch.if_true if flag else sig.dispatch.if_false)
            return t, self.emit(f"prim::CallFunction[name=\"{qual}\"]", self._arg_ssas(node), t, node)
        return UNKNOWN, self.emit(f"prim::PythonOp[{qual}]", self._arg_ssas(node), UNKNOWN, node)

    def call_builtin(self, node: ast.Call, name: str, hint: Optional[Type]) -> tuple[Type, str]:
        if name in ("isinstance",) and len(node.args) == 2:
            c = self.cond_isinstance(node)
            return BOOL, c.value
        if name == "getattr" and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
            base = self.expr(node.args[0])
            fake = ast.Attribute(value=node.args[0], attr=node.args[1].value, ctx=ast.Load())
            ast.copy_location(fake, node)
            t = self.attribute_type(fake, base) if len(node.args) == 2 else UNKNOWN
            for extra in node.args[2:]:
                self.expr(extra)
            return t, self.emit("prim::GetAttr", [self.ssa(node.args[0])], t, node)
        args, kwargs, exact = self.eval_args(node)
        inputs = self._arg_ssas(node)
        if name == "id" and exact and len(args) == 1 and not kwargs:
            self.id_issue(node.args[0], args[0])
        if name == "range":
            if not self.suppress:
                self.ranges.append(node)
            for i, (a, t) in enumerate(zip(node.args, args)):
                if t.known and t not in (INT, BOOL):
                    self.range_issue(a, t, i)
            return Sugared("range"), self.emit("prim::range", inputs, UNKNOWN, node)
        if name == "enumerate":
            elem = self.element_type(node.args[0], args[0]) if args else UNKNOWN
            return Sugared("iter", TupleT((INT, elem))), self.emit("prim::enumerate", inputs, UNKNOWN, node)
        if name == "zip":
            elems = tuple(self.element_type(a, t) for a, t in zip(node.args, args))
            return Sugared("iter", TupleT(elems)), self.emit("prim::zip", inputs, UNKNOWN, node)
        if name == "list":
            if not args:
                t = hint if isinstance(hint, ListT) else ListT(TENSOR)
            else:
                elem = self.element_type(node.args[0], args[0])
                t = ListT(elem) if elem.known else UNKNOWN
            return t, self.emit("aten::list", inputs, t, node)
        if name == "dict":
            t = hint if isinstance(hint, DictT) else (DictT(STR, TENSOR) if not args and not kwargs else UNKNOWN)
            return t, self.emit("aten::dict", inputs, t, node)
        if name in FIXED_BUILTINS:
            t = FIXED_BUILTINS[name]
            return t, self.emit({"int": "aten::Int", "float": "aten::Float", "bool": "aten::Bool", "str": "aten::str",
                                 "len": "aten::len", "print": "prim::Print"}.get(name, f"aten::{name}"), inputs, t, node)
        if name in BUILTIN_OPS and exact:
            if any(isinstance(a, TensorT) for a in args) and name in ("abs", "min", "max", "round", "pow", "sum"):
                t = TENSOR if len(args) > 1 or name != "sum" else UNKNOWN
                if name in ("abs", "round") or (name in ("min", "max", "pow") and all(isinstance(a, TensorT) or a in (INT, FLOAT, BOOL) for a in args)):
                    t = TENSOR
                return t, self.emit(BUILTIN_OPS[name], inputs, t, node)
            if len(args) == 1 and isinstance(args[0], ListT) and name in ("min", "max"):
                return args[0].elem, self.emit(BUILTIN_OPS[name], inputs, args[0].elem, node)
            result = op_result(BUILTIN_OPS[name], [INT if a == BOOL else a for a in args], kwargs)
            return result.type, self.emit(BUILTIN_OPS[name], inputs, result.type, node)
        return UNKNOWN, self.emit(f"prim::{name}", inputs, UNKNOWN, node)

    def id_issue(self, arg: ast.expr, t: Type) -> None:
        """`id(v)` is `prim::id(AnyClassType? x)`: only an object of a class (or None) has an
        identity in TorchScript; a Tensor, number, string or container is rejected."""
        inner = t.elem if isinstance(t, OptionalT) else t
        if not t.known or isinstance(inner, ClassT) or t == NONE or isinstance(t, UnionT) or t == ANY:
            return
        shown = dotted(arg) or ast.unparse(arg)
        self.issue(ARGUMENT_TYPE, arg,
                   f"`{shown}` is {t}, but `id()` takes only an object of a class: Expected a value of type "
                   f"'Optional[AnyClassType]' for argument 'x' but instead found type '{t}'; compare the values "
                   f"themselves, or keep `id` in Python-only code")

    def dispatch_flag(self, node: ast.Call, dispatch: Any) -> Optional[bool]:
        """The bool that picks a `boolean_dispatch` variant: a literal, the default when absent, or
        (in `defaults` mode) a constant attribute's `__init__` default."""
        arg: Optional[ast.expr] = None
        for k in node.keywords:
            if k.arg == dispatch.arg:
                arg = k.value
        if arg is None and dispatch.index < len(node.args):
            arg = node.args[dispatch.index]
        if arg is None:
            return dispatch.default
        if isinstance(arg, ast.Constant) and isinstance(arg.value, bool):
            return arg.value
        if (self.unit.defaults and isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name)
                and arg.value.id == "self" and self.unit.class_ref is not None):
            value = self.state.init_default(self.unit.class_ref, arg.attr)
            return value if isinstance(value, bool) else None
        return None

    def range_issue(self, arg: ast.expr, t: Type, index: int) -> None:
        shown = dotted(arg) or ast.unparse(arg)
        if isinstance(t, TensorT) and t.inferred and isinstance(arg, ast.Name):
            self.issue(RANGE_ARG, arg,
                       f"`{shown}` is not annotated, so TorchScript infers it as Tensor: all inputs of range must be ints, found Tensor (inferred) in argument {index}; annotate it `{shown}: int`")
        else:
            fix = "convert it with `int(...)`" if isinstance(t, TensorT) or t == FLOAT else "pass an int"
            self.issue(RANGE_ARG, arg, f"`{shown}` is {describe(t)}: all inputs of range must be ints, found {describe(t)} in argument {index}; {fix}")

    def library_forward(self, ref: ClassRef) -> Type:
        """What calling a project module whose `forward` comes from torch gives: `nn.Sequential`'s
        threads one unannotated (so Tensor) value through its modules, so it returns a Tensor."""
        if any(base in _SEQUENTIAL for base in self.project.external_bases(ref)):
            return TENSOR
        return UNKNOWN

    def call_method(self, node: ast.Call, base: Type, name: str, hint: Optional[Type]) -> tuple[Type, str]:
        base_node = node.func.value  # type: ignore[attr-defined]
        if isinstance(base, ClassT) and isinstance(base.ref, ClassRef):
            method = self.project.find_method(base.ref, name)
            if method is not None:
                args, kwargs, exact = self.eval_args(node)
                t = self.call_function(node, method, args, kwargs, exact, bound=True)
                return t, self.emit(f"prim::CallMethod[name=\"{name}\"]", [self.ssa(base_node)] + self._arg_ssas(node), t, node)
            attr = self.state.attributes(base.ref).get(name)
            if isinstance(attr, ClassT) and isinstance(attr.ref, str) and attr.is_module:
                getattr_ssa = self.emit(f"prim::GetAttr[name=\"{name}\"]", [self.ssa(base_node)], attr, node)
                self.record_type(node.func, attr, getattr_ssa)
                return self.call_value(node, attr, None, hint)
            if isinstance(attr, ClassT) and isinstance(attr.ref, ClassRef) and attr.is_module:
                forward = self.project.find_method(attr.ref, "forward")
                args, kwargs, exact = self.eval_args(node)
                t = self.call_function(node, forward, args, kwargs, exact, bound=True) if forward else self.library_forward(attr.ref)
                getattr_ssa = self.emit(f"prim::GetAttr[name=\"{name}\"]", [self.ssa(base_node)], attr, node)
                return t, self.emit("prim::CallMethod[name=\"forward\"]", [getattr_ssa] + self._arg_ssas(node), t, node)
            self.eval_args(node)
            return UNKNOWN, self.emit(f"prim::CallMethod[name=\"{name}\"]", [self.ssa(base_node)], UNKNOWN, node)
        if isinstance(base, Sugared):
            self.eval_args(node)
            return UNKNOWN, "%?"
        if base.known and (isinstance(base, OptionalT) or (isinstance(base, UnionT) and NONE in base.items)):
            self.eval_args(node)
            self.optional_misuse(base_node, base, f"'{base}' object has no attribute or method '{name}'.")
            return UNKNOWN, "%?"
        if base == ANY:
            self.eval_args(node)
            return UNKNOWN, "%?"
        if isinstance(base, TensorT):
            self.tensor_attribute_issue(node.func, base)  # type: ignore[arg-type]
        args, kwargs, exact = self.eval_args(node)
        inputs = [self.ssa(base_node)] + self._arg_ssas(node)
        if not base.known or not exact:
            return UNKNOWN, self.emit(f"aten::{name}", inputs, UNKNOWN, node)
        if name == "tolist" and isinstance(base, TensorT):
            if hint is None:
                self.issue(TOLIST, node, "`.tolist()` needs a type hint: Expected type hint for result of tolist(); annotate the target, e.g. `values: List[float] = x.tolist()`")
            return (hint or UNKNOWN), self.emit("aten::tolist", inputs, hint or UNKNOWN, node)
        # `SimpleValue::attr`: a Tensor's `type` method is `aten::to`
        op = "aten::to" if name == "type" and isinstance(base, TensorT) else f"aten::{name}"
        overloads = schemas.op_overloads(op)
        if isinstance(base, TensorT):
            # `tryMatchSchema` with a receiver: an overload without a `self` argument cannot take it
            # ("Provided self argument not used in schema"), so `x.ne(v)` is never `ne.int(int a, int b)`
            overloads = tuple(o for o in overloads if any(a.name == "self" for a in o.arguments)) or overloads
        if not overloads:
            t = TENSOR if isinstance(base, TensorT) and name in _TENSOR_RETURNING else UNKNOWN
            return t, self.emit(op, inputs, t, node)
        if isinstance(base, TensorT) and self.arguments_issue(node, overloads, len(args), list(kwargs), f"Tensor.{name}"):
            return UNKNOWN, self.emit(op, inputs, UNKNOWN, node)
        result = match_call(overloads, [base] + args, kwargs)
        if result.matched is False and isinstance(base, TensorT):
            before = len(self.issues)
            self.float_for_int_issue(node, overloads, [base] + args, kwargs, f"Tensor.{name}", [base_node] + list(node.args))
            if len(self.issues) == before:
                self.no_overload_issue(node, overloads, [base] + args, kwargs, f"Tensor.{name}")
        if result.matched is False and isinstance(base, ListT) and name in ("append", "insert") and base.known:
            self.list_element_issue(node, base, args)
        return result.type, self.emit(op, inputs, result.type, node)

    def arguments_issue(self, node: ast.Call, overloads: Any, n_args: int, keywords: list[str], callee: str) -> bool:
        """A call of a builtin op that no overload can take, whatever the argument types: a missing
        required argument, an unknown keyword, too many positional arguments (`x.norm(dim=1)`:
        every `aten::norm` overload needs `p` first). The compiler's `matchSchemas` fails with
        `Arguments for call are not valid` (or, with one overload, that overload's reason)."""
        method = callee.startswith("Tensor.")
        reasons = unbindable(overloads, n_args, keywords, method)
        if reasons is None:
            return False
        plain = [(o, r) for o, r in reasons if not any(a.is_out for a in o.arguments)] or reasons
        closest = next(((o, r) for o, r in plain if all(any(a.name == k for a in o.arguments) for k in keywords)), plain[0])
        why = "; ".join(dict.fromkeys(r.rstrip(".") for _, r in [closest] + plain[:2]))
        head = "Arguments for call are not valid" if len(overloads) > 1 else str(closest[0])
        shown = [a for a in closest[0].arguments if not (method and a.name == "self")]
        signature = _formals(dataclasses.replace(closest[0], arguments=tuple(shown)))
        self.issue(CALL_ARGUMENTS, node,
                   f"no overload of `{callee}` takes these arguments: {head} ({why}); call it as "
                   f"`{callee.rsplit('.', 1)[-1]}({signature})`")
        return True

    def no_overload_issue(self, node: ast.Call, overloads: Any, args: list[Type], kwargs: dict[str, Type], callee: str) -> None:
        """A builtin op call whose every argument type is known and that no overload takes, with or
        without the compiler's implicit conversions (`torch.cat(x, y)`: `tensors` is a list). Left
        alone when some overload's receiver is not its first argument (the matcher passes a Tensor
        method's receiver first, the compiler by the name `self`)."""
        values = list(args) + list(kwargs.values())
        if not all(_fully_known(t) and not _has_union(t) for t in values):
            return  # a Union or Optional comes from annotations or joins the checker may not refine as the compiler does
        method = callee.startswith("Tensor.")
        if method and (any(not o.arguments or o.arguments[0].name != "self" for o in overloads)
                       or not has_tensor_self_overload(overloads[0].op)):
            return
        plain = [o for o in overloads if not any(a.is_out for a in o.arguments)] or list(overloads)
        shown = ", ".join(str(t) for t in (args[1:] if method else args))
        given = ", ".join([shown] * bool(shown) + [f"{k}={t}" for k, t in kwargs.items()])
        forms = "; ".join(f"`{_formals(o)}`" for o in plain[:2])
        self.issue(CALL_ARGUMENTS, node,
                   f"no overload of `{callee}` takes ({given}): Arguments for call are not valid; it takes {forms}"
                   f"{' (and more)' if len(plain) > 2 else ''}")

    def int_for_float_issue(self, node: ast.Call, sig: Any, args: list[Type], kwargs: dict[str, Type], qual: str) -> None:
        """An int argument to a torch Python function (compiled from source, so no int -> float
        conversion) where every variant of it takes a float there (`F.interpolate(x, scale_factor=2)`,
        `F.dropout(x, 0)`). Other mismatches are left alone."""
        arg_nodes = [a for a in node.args if not isinstance(a, ast.Starred)]
        if len(arg_nodes) != len(args):
            return
        variants = [list(v) for v in sig.overloads] or [[(p.name, p.type) for p in sig.params]]
        culprits: list[tuple[ast.expr, str, str]] = []
        for params in variants:
            if len(args) > len(params):
                return
            bound = [(a, t, params[i]) for i, (a, t) in enumerate(zip(arg_nodes, args))]
            by_name = dict(params)
            for k in node.keywords:
                if k.arg not in by_name:
                    return
                bound.append((k.value, kwargs[k.arg], (k.arg, by_name[k.arg])))
            bad = next(((a, name, ann) for a, t, (name, ann) in bound if _never_fits(t, parse_torch_type(ann))), None)
            if bad is None:
                return  # this variant may take the call
            culprits.append(bad)
        arg, name, ann = culprits[0]
        shown = ast.unparse(arg)
        if self.expr_types.get(id(arg)) != INT:
            self.issue(ARGUMENT_TYPE, node,
                       f"`{shown}` is a Tensor (a parameter left unannotated is one) but `{qual.rsplit('.', 1)[-1]}` takes "
                       f"`{name}: {ann}`, and TorchScript converts a Tensor only to a number: Expected a value of type "
                       f"'{ann}' for argument '{name}' but instead found type 'Tensor'; annotate it with its type")
            return
        fix = f"write `{shown}.0`" if isinstance(arg, ast.Constant) else f"pass `float({shown})`"
        self.issue(ARGUMENT_TYPE, node,
                   f"`{shown}` is int but `{qual.rsplit('.', 1)[-1]}` takes `{name}: {ann}`, and TorchScript does not convert int "
                   f"to float for a function compiled from source: Expected a value of type '{ann}' for argument '{name}' "
                   f"but instead found type 'int'; {fix}")

    def float_for_int_issue(self, node: ast.Call, overloads: list, args: list[Type], kwargs: dict[str, Type],
                            callee: str, arg_nodes: list[ast.expr]) -> None:
        """A builtin op no overload of which takes a float argument, but one would take it as an int
        (`x.reshape(-1, n ** 2)`: `int ** int` is float in TorchScript). Only when every argument's
        type is known and turning the floats into ints makes the call match for sure."""
        values = list(args) + list(kwargs.values())
        if not values or not all(_fully_known(t) for t in values) or not any(_has_float(t) for t in values):
            return
        if match_call(overloads, [_float_to_int(t) for t in args],
                      {k: _float_to_int(t) for k, t in kwargs.items()}).matched is not True:
            return
        named = [(a, t) for a, t in zip(arg_nodes, args)] + [
            (k.value, kwargs[k.arg]) for k in node.keywords if k.arg in kwargs]
        culprit = next((a for a, t in named if _has_float(t)), None)
        if culprit is None:
            return
        shown = ast.unparse(culprit)
        if len(shown) > 40:
            shown = shown[:37] + "..."
        pow_note = " (`**` on ints gives a float in TorchScript)" if any(
            isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow) for n in ast.walk(culprit)) else ""
        self.issue(ARGUMENT_TYPE, node,
                   f"`{shown}` is float{pow_note} but `{callee}` takes an int there: Expected a value of type 'int' "
                   f"... but instead found type 'float'; convert it with `int(...)`")

    def list_element_issue(self, node: ast.Call, base: ListT, args: list[Type]) -> None:
        el = args[-1] if args else UNKNOWN
        if not el.known or isinstance(node.args[-1], (ast.List, ast.Dict)):
            return
        owner = node.func.value  # type: ignore[attr-defined]
        shown = dotted(owner) or "the list"
        empty = self._empty_origin(owner, ast.List)
        fix = f"annotate it: `{shown}: List[{el}] = []`" if empty else f"append a {base.elem}"
        note = " (an empty `[]` defaults to List[Tensor])" if empty else ""
        self.issue(EMPTY_LIST, node,
                   f"`{shown}` is {base}{note} but gets a {el}: Could not match type {el} to t in argument 'el': Type variable 't' previously matched to type {base.elem} is matched to type {el}; {fix}")

    def call_function(self, node: ast.Call, ref: FuncRef, args: list[Type], kwargs: dict[str, Type], exact: bool,
                      bound: bool) -> Type:
        overloads = self.state.overloads(ref)
        if overloads:
            return self.overload_result(overloads, args, kwargs, bound)
        sig = self.state.signature(ref)
        if sig is None:
            return UNKNOWN
        params = sig.params[1:] if (bound and sig.is_method) else sig.params
        if exact:
            self.check_arguments(node, ref, sig, params, args, kwargs)
        return self.state.return_type(ref)

    def overload_result(self, overloads: list[Signature], args: list[Type], kwargs: dict[str, Type], bound: bool) -> Type:
        """What a call of an overloaded function gives: the declared return of the first overload
        whose parameters take the arguments, as the compiler picks it (unknown when none surely does;
        a call no overload takes is left alone)."""
        for sig in overloads:
            params = sig.params[1:] if (bound and sig.is_method) else sig.params
            by_name = {p.name: p for p in params}
            pairs = list(zip(params, args)) + [(by_name.get(k), t) for k, t in kwargs.items()]
            if len(args) <= len(params) and all(p is not None and (not t.known or not p.type.known or _argument_fits(t, p.type))
                                                for p, t in pairs):
                # an argument of unknown type might take a later overload as well
                surely = all(t.known and p.type.known for p, t in pairs)  # type: ignore[union-attr]
                return (sig.returns or UNKNOWN) if surely else UNKNOWN
        return UNKNOWN

    def check_arguments(self, node: ast.Call, ref: FuncRef, sig: Signature, params: list, args: list[Type],
                        kwargs: dict[str, Type]) -> None:
        if sig.decorators & {"_overload", "_overload_method", "overload"} or self.project.function(ref) is None:
            return
        positional = [p for p in params if not p.kwonly]
        pairs: list[tuple[Any, ast.expr, Type]] = []
        arg_nodes = [a for a in node.args if not isinstance(a, ast.Starred)]
        if len(arg_nodes) != len(args):
            return
        for p, a, t in zip(positional, arg_nodes, args):
            if p is positional[-1] and _packed_as_list(t, p.type):
                continue
            pairs.append((p, a, t))
        by_name = {p.name: p for p in params}
        for k in node.keywords:
            if k.arg in by_name:
                pairs.append((by_name[k.arg], k.value, kwargs[k.arg]))
        for p, a, t in pairs:
            self.check_argument(node, ref, p, a, t)
        given = {p.name for p, _, _ in pairs}
        for p in params:
            if p.name not in given:
                self.check_omitted(node, ref, p)

    def check_omitted(self, call: ast.Call, ref: FuncRef, param: Any) -> None:
        """An omitted `x: Tensor = None`: the definition compiles (the default is an undefined
        Tensor), but a compiled call that leaves it out fails, with no source location."""
        if param.annotated and isinstance(param.type, TensorT) and _is_none(param.default):
            callee = ref.qualname.split(".")[-1]
            self.issue(PARAM_DEFAULT, call,
                       f"this call omits `{param.name}` of `{callee}`, annotated `Tensor` with a `None` default: "
                       f"Unsupported value kind: Tensor; annotate it `{param.name}: Optional[Tensor] = None` or pass it")

    def check_argument(self, call: ast.Call, ref: FuncRef, param: Any, arg: ast.expr, t: Type) -> None:
        expected = param.type
        if not t.known or not expected.known or expected == ANY or isinstance(arg, (ast.List, ast.Dict, ast.ListComp, ast.DictComp)):
            return
        if isinstance(expected, ClassT) or isinstance(t, ClassT):
            return
        if _argument_fits(t, expected):
            return
        callee = ref.qualname.split(".")[-1]
        shown = dotted(arg) or ast.unparse(arg)
        compiler = f"Expected a value of type '{describe(expected)}' for argument '{param.name}' but instead found type '{t}'."
        if (isinstance(t, OptionalT) or (isinstance(t, UnionT) and NONE in t.items)) and _argument_fits(without_none(t), expected):
            self.optional_misuse(arg, t, compiler)
            return
        if not param.annotated and isinstance(expected, TensorT):
            origin = self._origin_note(arg, t)
            suggestion = "Optional[Tensor]" if t == NONE else str(t)
            self.issue(ARGUMENT_TYPE, call,
                       f"`{param.name}` of `{callee}` is inferred as Tensor because it is not annotated; {origin}: {compiler} Annotate `{param.name}: {suggestion}`")
            return
        note = ""
        if (self.unit.zero_args and t == INT and isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name)
                and arg.value.id == "self"):
            note = " Built with no arguments, the module stores its `__init__` default, an int: make that default a float (`1.0`, not `1`)"
        self.issue(ARGUMENT_TYPE, call,
                   f"`{callee}` expects `{param.name}: {expected}` but `{shown}` is {t}: {compiler}{note}")

    def _origin_note(self, arg: ast.expr, t: Type) -> str:
        what = "None" if t == NONE else str(t)
        if isinstance(arg, ast.Name):
            var = self.lookup(arg.id)
            origin = var.origin if var else None
            if isinstance(origin, ast.Call):
                callee = dotted(origin.func) or "the call"
                return f"`{arg.id}` comes from `{callee.split('.')[-1]}`, which returns {what} here"
            return f"`{arg.id}` is {what} here"
        return f"it receives {'None' if t == NONE else f'a value of type {t}'} here"

    # -- iteration ---------------------------------------------------------------------------
    def element_type(self, node: ast.expr, t: Type) -> Type:
        if isinstance(t, Sugared):
            if t.what == "range":
                return INT
            if t.what == "iter":
                return t.target
            return UNKNOWN
        if isinstance(t, ListT):
            return t.elem
        if isinstance(t, TupleT):
            return t.items[0] if t.items and all(i == t.items[0] for i in t.items) else UNKNOWN
        if isinstance(t, DictT):
            return t.key
        if t == STR:
            return STR
        if isinstance(t, TensorT):
            return TENSOR
        return UNKNOWN


_TENSOR_RETURNING = {
    "float", "double", "half", "int", "long", "short", "byte", "char", "cuda", "cpu", "contiguous",
    "clone", "detach", "type_as", "view_as", "expand_as", "reshape_as",
}


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _all_args(node: ast.FunctionDef) -> list[ast.arg]:
    a = node.args
    return a.posonlyargs + a.args + a.kwonlyargs


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _const_int(node: Optional[ast.expr]) -> Optional[int]:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _const_int(node.operand)
        return -inner if inner is not None else None
    return None


def _intersect(maps: list[dict[str, Type]]) -> dict[str, Type]:
    if not maps:
        return {}
    out = {}
    for name, t in maps[0].items():
        if all(m.get(name) == t for m in maps[1:]):
            out[name] = t
    return out


def _default_type(node: ast.expr) -> Optional[Type]:
    if isinstance(node, ast.Constant):
        t = literal_type(node.value)
        return t if t.known else None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        t = literal_type(node.operand.value)
        return t if t in (INT, FLOAT) else None
    if isinstance(node, ast.Tuple):
        items = [_default_type(e) for e in node.elts]
        return TupleT(tuple(items)) if all(i is not None for i in items) else None  # type: ignore[arg-type]
    return None


def _takes_float(t: Type) -> bool:
    """`float`, `List[float]` or either Optional: a parameter an int never fits."""
    inner = t.elem if isinstance(t, OptionalT) else t
    return inner == FLOAT or (isinstance(inner, ListT) and inner.elem == FLOAT)


def _never_fits(actual: Type, formal: Type) -> bool:
    """An argument a torch Python function's parameter never takes, conversions included
    (`tryConvertToType`): an int for a float (no int -> float for a function compiled from source),
    a Tensor for a `bool` or `str` (a Tensor converts only to int, float or a number)."""
    inner = formal.elem if isinstance(formal, OptionalT) else formal
    return (actual == INT and _takes_float(formal)) or (isinstance(actual, TensorT) and inner in (BOOL, STR))


def _has_float(t: Type) -> bool:
    return t == FLOAT or (isinstance(t, (TupleT, ListT)) and any(_has_float(c) for c in t.children()))


def _fully_known(t: Type) -> bool:
    return t.known and t != ANY and all(_fully_known(c) for c in t.children())


def _formals(overload: schemas.Overload) -> str:
    """An overload's argument list as its schema writes it, without the parentheses."""
    return str(overload).split("(", 1)[1].rsplit(") ->", 1)[0]


def _has_union(t: Type) -> bool:
    return isinstance(t, (UnionT, OptionalT)) or any(_has_union(c) for c in t.children())


def _float_to_int(t: Type) -> Type:
    """`t` with its floats (alone or in a tuple or list) made ints: the call it would have matched."""
    if t == FLOAT:
        return INT
    if isinstance(t, TupleT):
        return TupleT(tuple(_float_to_int(i) for i in t.items))
    if isinstance(t, ListT):
        return ListT(_float_to_int(t.elem))
    return t


def _default_fits(dt: Type, declared: Type) -> bool:
    if is_subtype(dt, declared) is not False:
        return True
    inner = without_none(declared)
    if dt == INT and inner in (FLOAT, COMPLEX):
        return True  # `float = 1` and `Optional[float] = 1` are accepted
    if dt == BOOL and inner in (INT, FLOAT):
        return True
    return False


def _argument_fits(t: Type, expected: Type) -> bool:
    """Whether the compiler accepts an argument of type `t` for a parameter of type `expected` of a
    user function (subtyping plus its implicit conversions)."""
    if is_subtype(t, expected) is not False:
        return True
    inner = without_none(expected) if isinstance(expected, OptionalT) else expected
    if _converts(t, inner):
        return True
    if t == STR and inner == DEVICE:
        return True
    if isinstance(t, TupleT) and isinstance(inner, ListT):
        return all(is_subtype(i, inner.elem) is not False for i in t.items)
    return False


def _packed_as_list(t: Type, expected: Type) -> bool:
    """Positional values for the last positional parameter, a list, are packed into one
    (`varargsCanBeUsedAsList` in schema matching): `f(3)` passes `[3]` for `dims: List[int]`."""
    return isinstance(expected, ListT) and t.known and is_subtype(t, expected.elem) is True


def _converts(t: Type, target: Type) -> bool:
    """The compiler's implicit conversions (`tryConvertToType`): a Tensor or a `number` to
    int/float, a bool to int/float/number."""
    if isinstance(t, TensorT) or t == NUMBER:
        return target in (INT, FLOAT, BOOL, NUMBER, COMPLEX)
    if t == BOOL:
        return target in (INT, FLOAT, NUMBER)
    return False


def _return_fits(t: Type, declared: Type) -> bool:
    if is_subtype(t, declared) is not False:
        return True
    inner = without_none(declared) if isinstance(declared, OptionalT) else declared
    if _converts(t, inner):
        return True
    if isinstance(t, TupleT) and isinstance(inner, ListT):
        return all(is_subtype(i, inner.elem) is not False for i in t.items)
    if isinstance(t, TupleT) and isinstance(inner, TupleT) and len(t.items) == len(inner.items):
        return all(_return_fits(a, b) for a, b in zip(t.items, inner.items))
    return False


def _literal_with_hint(node: Optional[ast.expr]) -> bool:
    """List/dict literals (and tuples holding them) take their type from the annotation; when they
    do not fit, the compiler's message is another one, so these are left alone."""
    if node is None:
        return False
    if isinstance(node, (ast.List, ast.Dict, ast.ListComp, ast.DictComp)):
        return True
    if isinstance(node, ast.Tuple):
        return any(_literal_with_hint(e) for e in node.elts)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("list", "dict"):
        return True
    return False


def _unwrap_optional_hint(hint: Optional[Type], kind: type) -> Optional[Type]:
    if isinstance(hint, OptionalT):
        hint = hint.elem
    return hint if isinstance(hint, kind) and hint.known else None


def _isinstance_match(member: Type, wanted: Any) -> bool:
    if isinstance(wanted, str):
        return member.kind == wanted
    if isinstance(wanted, TensorT):
        return isinstance(member, TensorT)
    return member == wanted


def _is_stub(body: list[ast.stmt]) -> bool:
    stmts = [s for s in body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str))]
    return not stmts or all(isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and s.value.value is Ellipsis for s in stmts) or (
        len(stmts) == 1 and isinstance(stmts[0], ast.Pass))


def _def_span(node: ast.FunctionDef) -> Any:
    from ..finding import Span

    start = node.col_offset + (len("async def ") if isinstance(node, ast.AsyncFunctionDef) else len("def "))
    return Span(node.lineno, start, node.lineno, start + len(node.name))


def _module_or_none_attribute(state: ProjectTypes, ref: ClassRef, attr: str) -> bool:
    """Whether module attribute `self.<attr>` only ever holds a submodule or None: every assignment
    along the MRO is in an `__init__` and stores `None`, an nn.Module construction or a ternary of
    those. Any other write (another method, `setattr`, a class-body value, an annotation) makes it
    unknown: False."""
    project = state.project
    if not project.is_nn_module(ref) or attr in state.constant_attributes(ref):
        return False
    values: list[ast.expr] = []
    for klass in project.mro(ref):
        node = state.class_node(klass)
        if node is None:
            return False
        for stmt in node.body:
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and any(
                    isinstance(t, ast.Name) and t.id == attr for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])):
                return False
            for sub in ast.walk(stmt):
                if isinstance(sub, ast.Call) and dotted(sub.func) in ("setattr", "self.add_module", "self.register_module", "self.register_buffer", "self.register_parameter"):
                    return False
                targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target] if isinstance(sub, (ast.AnnAssign, ast.AugAssign)) else []
                if any(isinstance(t, ast.Attribute) and dotted(t) == f"self.{attr}" for t in targets):
                    if not (isinstance(stmt, ast.FunctionDef) and stmt.name == "__init__" and isinstance(sub, ast.Assign)):
                        return False
                    values.append(sub.value)
    return bool(values) and all(_module_or_none_value(state, ref, v) for v in values)


def _module_or_none_value(state: ProjectTypes, ref: ClassRef, value: ast.expr) -> bool:
    if isinstance(value, ast.Constant):
        return value.value is None
    if isinstance(value, ast.IfExp):
        return _module_or_none_value(state, ref, value.body) and _module_or_none_value(state, ref, value.orelse)
    if not isinstance(value, ast.Call) or dotted(value.func) is None:
        return False
    from .project_types import torch_module_type

    resolved = None
    for klass in state.project.mro(ref):
        resolved = state.project.resolve(klass.module, dotted(value.func))  # type: ignore[arg-type]
        if resolved is not None:
            break
    if isinstance(resolved, ClassRef):
        return state.project.is_nn_module(resolved) and not _defines_truth(state, state.class_type(resolved))
    return isinstance(resolved, External) and torch_module_type(resolved.qualname).known


def _defines_truth(state: ProjectTypes, t: Type) -> bool:
    """A project module class with `__bool__` or `__len__` somewhere in its MRO: not modelled."""
    ref = t.ref if isinstance(t, ClassT) else None
    if not isinstance(ref, ClassRef):
        return False
    return any(state.project.find_method(ref, m) is not None for m in ("__bool__", "__len__"))


def _branch_site(node: ast.AST) -> ast.AST:
    """Where a branch-join error is blamed: the compiler's first location is the `if` statement
    (the use comes second, `and was used here:`), so the `if`'s condition, on the `if` line."""
    return node.test if isinstance(node, ast.If) else node


def _runtime_attribute(state: ProjectTypes, ref: ClassRef, attr: str) -> bool:
    """Whether `if self.<attr>:` is decided at run time, so the compiler emits both branches even
    though the attribute's type is unknown here: only a constant attribute (`__constants__`, `Final`)
    makes a static `if`. True for an attribute an `__init__` of a project nn.Module assigns when no
    library base could declare it constant."""
    project = state.project
    if (not project.is_nn_module(ref) or attr in state.constant_attributes(ref)
            or any(base not in ("torch.nn.Module", "torch.nn.modules.module.Module") for base in project.external_bases(ref))):
        return False
    for klass in project.mro(ref):
        node = state.class_node(klass)
        init = next((s for s in node.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None) if node else None
        if init is not None and any(isinstance(t, ast.Attribute) and dotted(t) == f"self.{attr}"
                                    for sub in ast.walk(init) if isinstance(sub, ast.Assign) for t in sub.targets):
            return True
    return False


def _join_error(var: Var) -> bool:
    """A variable an inner `if` could not join (defined in one branch, or two types): the compiler
    keeps no value for it (`setVariableTypeError`), so an enclosing `if` finds it missing from that
    branch and reports it there first."""
    return var.poison is not None and var.poison[0] in (BRANCH_UNDEFINED, BRANCH_MISMATCH)
