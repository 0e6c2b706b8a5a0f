"""What a traced function's values are, as the tracer sees them: a small, conservative dataflow.

Under `torch.jit.trace`, Python runs the code and the tracer records tensor operations. What matters
for generalization is which values are *recorded* and which are *baked*:

- TENSOR: a tensor (inputs of the traced entry, results of torch ops and tensor methods);
- SHAPE: a size read from a tensor (`x.shape[0]`, `x.size(1)`, `x.numel()`, arithmetic on those).
  While tracing it is a 0-dim tensor in disguise: it stays traced as long as it flows into torch ops
  (`x.view(x.size(0), -1)`), and is baked (with a TracerWarning) when Python needs a real number
  (`if`, `int()`, `math.*`, `range()`);
- SIZE: a whole `torch.Size` / tuple of sizes (`x.shape`, `x.size()`, `x.shape[1:]`);
- RANK: `x.dim()`, `x.ndim`, `len(x.shape)`: plain Python ints, baked silently;
- DEVICE: `x.device`, baked as a constant wherever it is passed;
- TENSORS: a tuple/list of tensors (`x.chunk(2)`, `torch.split(...)`);
- OTHER: known not to be any of the above (constants, `len(...)`, `.item()` results, `is` tests);
- OPT_TENSOR: an `Optional[Tensor]` parameter: used as a tensor, it is one.

A call of a project module (`self.stem(x)`, `self.blocks[i](x)`, `for blk in self.blocks: blk(x)`) or
project function that passes a traced value returns what the callee's body returns for those arguments
(its `forward`, analysed with them, a few calls deep), or what its return annotation says.

A function reached under trace takes its parameters' kinds from the caller on its trace chain (what
`self.pdist(feat_t)` or `scale(x.shape[0])` passes), else from how its body uses them.

Anything else is UNKNOWN, and rules stay silent on it: precision first. A name read somewhere is the
join of the bindings that reach that place (those before it, and those in a loop around it; a later
binding never kills an earlier one), so a name that may be a tensor there or may not is UNKNOWN.
"""
from __future__ import annotations

import ast
import itertools
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable, Optional

from .compiler import schemas
from .compiler.match import _varargs_list
from .project.index import dotted
from .project.model import External, FuncRef

if TYPE_CHECKING:  # pragma: no cover
    from .walk import FunctionContext

TENSOR, SHAPE, SIZE, RANK, DEVICE, TENSORS, OTHER = "tensor", "shape", "size", "rank", "device", "tensors", "other"
#: an `Optional[Tensor]` name: a tensor wherever it is used as one (None would fail there), but its own
#: truth (`if mask:`) may be a None test, so it is not a tensor conversion for certain
OPT_TENSOR = "optional-tensor"
UNKNOWN: Optional[str] = None
_BOTTOM = "⊥"

_ARITH = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Pow)
#: values whose Python truth / number conversion makes the tracer warn ("Converting a tensor to ...")
TRACED = frozenset({TENSOR, SHAPE})

_TENSOR_ATTRS = frozenset({"T", "mT", "H", "mH", "data", "real", "imag", "grad"})
#: tensor methods that return a tensor but are not aten ops of the same name
_TENSOR_METHODS_EXTRA = frozenset({
    "float", "double", "half", "bfloat16", "long", "int", "short", "char", "byte", "bool", "cfloat", "cdouble",
    "type_as", "to", "cpu", "cuda", "clone", "detach", "contiguous", "requires_grad_", "new_tensor",
})
_TENSOR_SPLITTERS = frozenset({"split", "chunk", "unbind", "tensor_split", "split_with_sizes", "hsplit", "vsplit", "dsplit"})
_PY_NUMBER_METHODS = frozenset({"item", "tolist", "numpy", "get_device", "element_size", "data_ptr", "storage_offset",
                                "stride", "is_contiguous", "is_floating_point", "is_complex", "__len__"})
_TORCH_NAMESPACES = ("torch.", )
#: how many project calls deep a called module's or helper's result is followed
_MAX_CALL_DEPTH = 3
#: torch.nn containers: calling one (`self.layers(x)`) runs the project modules it holds
_NN_CONTAINERS = frozenset({"Sequential", "ModuleList", "ModuleDict"})
#: torch.nn layers that return tuples or pass their input through (not known to return one tensor)
_NN_NOT_TENSOR = frozenset({
    "RNN", "LSTM", "GRU", "RNNBase", "MultiheadAttention", "AdaptiveLogSoftmaxWithLoss", "Identity",
    "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "Module", "MaxPool1d",
    "MaxPool2d", "MaxPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d",
    "FractionalMaxPool2d", "FractionalMaxPool3d", "Transformer", "TransformerEncoder", "TransformerDecoder",
    "TransformerEncoderLayer", "TransformerDecoderLayer",
})
_F_NOT_TENSOR = frozenset({"multi_head_attention_forward", "has_torch_function", "handle_torch_function"})
#: methods of Python containers and numbers that Tensor lacks: using one says "not a tensor"
_BUILTIN_ONLY_METHODS = frozenset(
    {n for t in (list, tuple, dict, str, int, float, set, bytes) for n in dir(t) if not n.startswith("_")}
) - frozenset({"sum", "index", "count", "copy", "sort", "real", "imag", "conjugate", "split", "is_integer",
               "fromhex", "hex", "as_integer_ratio", "bit_length", "numerator", "denominator"})


def _join(a: Optional[str], b: Optional[str]) -> Optional[str]:
    if a == _BOTTOM:
        return b
    if b == _BOTTOM:
        return a
    if {a, b} == {TENSOR, OPT_TENSOR}:
        return OPT_TENSOR
    return a if a == b else UNKNOWN


@lru_cache(maxsize=4096)
def op_result_kind(op: str, n_positional: int, keywords: tuple[str, ...], tensor_self: bool) -> Optional[str]:
    """TENSOR / TENSORS / None from the schemas of the overloads a call of this shape may pick."""
    overloads = schemas.op_overloads(op)
    results = set()
    for o in overloads:
        if any(a.is_out for a in o.arguments):
            continue
        if tensor_self and (not o.arguments or o.arguments[0].type != "Tensor"):
            continue
        positional = [a for a in o.arguments if not a.kwarg_only]
        required = [a for a in positional if not a.has_default]
        names = {a.name for a in o.arguments}
        packs = bool(positional) and _varargs_list(o.arguments, o.arguments.index(positional[-1]))
        if n_positional > len(positional) and not o.is_vararg and not packs:
            continue  # `x.view(b, c, -1)` packs its sizes into `size: int[]`, as the compiler does
        if len(required) > n_positional + len([k for k in keywords if k in {a.name for a in required}]):
            continue
        if any(k not in names for k in keywords):
            continue
        results.add(o.returns)
    if not results:
        return UNKNOWN
    if results == {("Tensor",)}:
        return TENSOR
    if all(r and all(t == "Tensor" for t in r) and len(r) > 1 for r in results) or results == {("Tensor[]",)}:
        return TENSORS
    return UNKNOWN


@lru_cache(maxsize=1)
def _tensor_only_names() -> frozenset[str]:
    data = schemas.load()["tensor"]
    names = set(data.get("methods_known", ())) | set(data.get("methods_missing", ())) | set(schemas.tensor_properties())
    return frozenset(n for n in names if not n.startswith("_")) - _BUILTIN_ONLY_METHODS


class TraceFacts:
    """Kinds of the names and expressions of one function reached under the trace contract."""

    def __init__(self, ctx: "FunctionContext", seeds: Optional[dict[str, Optional[str]]] = None, depth: int = 0):
        """`seeds`: the kinds of the arguments a caller passes (the function is then analysed as that
        call runs it, not as an entry); `depth`: how many calls deep that caller's analysis is."""
        self.ctx = ctx
        self.fn = ctx.node
        self.is_entry = seeds is None and is_trace_entry(ctx)
        self.depth = depth
        self.env: dict[str, Optional[str]] = {}
        #: (callee, argument kinds) → the kind the callee returns, so the fixpoint asks each call once
        self._returns: dict[tuple, Optional[str]] = {}
        #: id(node) -> the loops around it; name -> (where, loops, kind) of each of its bindings
        self._loops = _loop_map(self.fn)
        self._defs: dict[str, list[tuple[tuple[int, int], frozenset, Optional[str]]]] = {}
        self._params_env: dict[str, Optional[str]] = {}
        self._binding_list = self._bindings()
        self._module_loops = self._self_attr_loops()
        self._params()
        self.env.update({n: k for n, k in (seeds or {}).items() if n in self.env and k is not UNKNOWN})
        self._solve()

    # -- parameters ------------------------------------------------------------------------------
    def _params(self) -> None:
        args = self.fn.args
        positional = args.posonlyargs + args.args
        skip_first = bool(self.ctx.info.class_name) and not any(
            dotted(d) in ("staticmethod",) for d in self.fn.decorator_list)
        defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        items = list(zip(positional, defaults)) + list(zip(args.kwonlyargs, args.kw_defaults))
        for i, (arg, default) in enumerate(items):
            if skip_first and i == 0:
                continue
            self.env[arg.arg] = self._param_kind(arg, default)
        for extra in (args.vararg, args.kwarg):
            if extra is not None:
                self.env[extra.arg] = UNKNOWN

    def _param_kind(self, arg: ast.arg, default: Optional[ast.expr]) -> Optional[str]:
        if arg.annotation is not None:
            return self._annotation_kind(arg.annotation)
        evidence = self._evidence(arg.arg)
        if evidence is False:
            return UNKNOWN
        if default is not None and not (isinstance(default, ast.Constant) and default.value is None):
            return UNKNOWN  # a flag or number with a default: not a tensor input
        if self.is_entry and default is None:
            return TENSOR  # the traced entry's example inputs are tensors
        if evidence:
            return TENSOR if default is None else OPT_TENSOR
        return UNKNOWN

    def _annotation_kind(self, ann: ast.expr, depth: int = 0) -> Optional[str]:
        """`Tensor` → TENSOR; `Optional[Tensor]`, `Tensor | None` → OPT_TENSOR; anything else UNKNOWN."""
        if depth > 3:
            return UNKNOWN
        if isinstance(ann, ast.Constant) and isinstance(ann.value, str):
            try:
                return self._annotation_kind(ast.parse(ann.value, mode="eval").body, depth + 1)
            except SyntaxError:
                return UNKNOWN
        name = dotted(ann)
        if name is not None:
            return TENSOR if self.ctx.qualname(ann) == "torch.Tensor" or name == "Tensor" else UNKNOWN
        if isinstance(ann, ast.Subscript) and (dotted(ann.value) or "").rsplit(".", 1)[-1] == "Optional":
            return OPT_TENSOR if self._annotation_kind(ann.slice, depth + 1) == TENSOR else UNKNOWN
        if isinstance(ann, ast.BinOp) and isinstance(ann.op, ast.BitOr):
            sides = [ann.left, ann.right]
            nones = [x for x in sides if isinstance(x, ast.Constant) and x.value is None]
            others = [x for x in sides if x not in nones]
            if len(nones) == 1 and len(others) == 1 and self._annotation_kind(others[0], depth + 1) == TENSOR:
                return OPT_TENSOR
        return UNKNOWN

    def _evidence(self, name: str) -> Optional[bool]:
        """True if the body uses `name` as only a tensor is used, False if as only a non-tensor is."""
        found: Optional[bool] = None
        tensor_names = _tensor_only_names()
        for node in ast.walk(self.fn):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == name:
                if node.attr in _BUILTIN_ONLY_METHODS:
                    return False
                if node.attr in tensor_names:
                    found = True
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
                return False  # `m(x)`: a module or function (ultralytics' `m == self.model[-1]`), never a tensor
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("isinstance", "callable"):
                if node.args and isinstance(node.args[0], ast.Name) and node.args[0].id == name:
                    return False
            elif isinstance(node, (ast.For, ast.comprehension)) and isinstance(node.iter, ast.Name) and node.iter.id == name:
                if not self.is_entry:
                    return False  # iterated: more likely a tuple/list of tensors than a tensor
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id == name \
                    and any(isinstance(t, (ast.Tuple, ast.List)) for t in node.targets):
                return False  # `h, c = state`: a tuple of tensors, as recurrent states are passed
            elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == name:
                if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                    return False  # `inputs["ids"]`: a dict
        return found

    # -- assignments -------------------------------------------------------------------------------
    def _bindings(self) -> list[tuple[ast.expr, Optional[ast.expr], str, tuple]]:
        """(target, value, how, (where, loops)) for every binding in the body; how: assign|iter|opaque;
        where: the position from which the name holds the value; loops: the loops around the binding
        (there it also reaches the uses before it, on the next iteration)."""
        out: list[tuple[ast.expr, Optional[ast.expr], str, tuple]] = []
        loops = self._loops
        for node in _walk_scope(self.fn):
            site = (_end(node), loops.get(id(node), frozenset()))
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    out.append((target, node.value, "assign", site))
            elif isinstance(node, ast.AnnAssign):
                out.append((node.target, node.value, "assign" if node.value is not None else "opaque", site))
            elif isinstance(node, ast.AugAssign):
                out.append((node.target, ast.BinOp(left=_load(node.target), op=node.op, right=node.value), "assign", site))
            elif isinstance(node, ast.NamedExpr):
                out.append((node.target, node.value, "assign", site))
            elif isinstance(node, (ast.For, ast.AsyncFor)):
                out.append((node.target, node.iter, "iter", (_end(node.target), site[1] | {id(node)})))
            elif isinstance(node, ast.comprehension):
                out.append((node.target, node.iter, "iter", (_end(node.target), site[1])))
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        out.append((item.optional_vars, None, "opaque", (_end(item.optional_vars), site[1])))
            elif isinstance(node, ast.ExceptHandler) and node.name:
                out.append((ast.Name(id=node.name, ctx=ast.Store()), None, "opaque", site))
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    out.append((ast.Name(id=(alias.asname or alias.name).split(".")[0], ctx=ast.Store()), None, "opaque", site))
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                for n in node.names:  # the name is the module's, everywhere in the function
                    out.append((ast.Name(id=n, ctx=ast.Store()), None, "opaque", ((0, 0), site[1])))
        return out

    def _solve(self) -> None:
        bindings = self._binding_list
        assigned = {n for t, _, _, _ in bindings for n in _names(t)}
        self._params_env = params = dict(self.env)
        for name in assigned:
            self.env[name] = _join(params.get(name, _BOTTOM), _BOTTOM) if name in params else _BOTTOM
        for _ in range(8):
            new: dict[str, Optional[str]] = {n: params.get(n, _BOTTOM) for n in assigned}
            defs: dict[str, list[tuple[tuple[int, int], frozenset, Optional[str]]]] = {}
            for target, value, how, (where, loops) in bindings:
                if how == "opaque" or value is None:
                    kinds = {n: UNKNOWN for n in _names(target)}
                elif how == "iter":
                    kinds = self._bind(target, self._element_kind(value), None)
                else:
                    kinds = self._bind(target, self._kind(value), value)
                for n, k in kinds.items():
                    new[n] = _join(new.get(n, _BOTTOM), k)
                    defs.setdefault(n, []).append((where, loops, k))
            if all(self.env.get(n) == new[n] for n in new) and defs == self._defs:
                break
            self.env.update(new)
            self._defs = defs
        for n, k in list(self.env.items()):
            if k == _BOTTOM:
                self.env[n] = UNKNOWN
        self._defs = {n: [(w, l, UNKNOWN if k == _BOTTOM else k) for w, l, k in d] for n, d in self._defs.items()}

    def _name_kind(self, node: ast.Name) -> Optional[str]:
        """The kind of a name where it is read: the join of the bindings that reach that place (those
        before it, and those in a loop around it), not of every binding in the function, so
        `b, c, t = x.shape` still sees the parameter `x` when `x = layer(x)` follows."""
        loops = self._loops.get(id(node))
        defs = self._defs.get(node.id)
        if loops is None or not defs or not hasattr(node, "lineno"):
            return self.env[node.id]
        here = (node.lineno, node.col_offset)
        kind = self._params_env.get(node.id, _BOTTOM)
        reached = False
        for where, around, k in defs:
            if where <= here or around & loops:
                kind, reached = _join(kind, k), True
        return kind if reached or node.id in self._params_env else self.env[node.id]

    def _bind(self, target: ast.expr, kind: Optional[str], value: Optional[ast.expr]) -> dict[str, Optional[str]]:
        if isinstance(target, ast.Name):
            return {target.id: kind}
        if isinstance(target, (ast.Tuple, ast.List)):
            out: dict[str, Optional[str]] = {}
            if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts) and not any(
                    isinstance(e, ast.Starred) for e in target.elts):
                for t, v in zip(target.elts, value.elts):
                    out.update(self._bind(t, self.kind(v), v))
                return out
            element = {TENSORS: TENSOR, SIZE: SHAPE, TENSOR: TENSOR}.get(kind or "", UNKNOWN)
            for t in target.elts:
                if isinstance(t, ast.Starred):
                    out.update({n: UNKNOWN for n in _names(t.value)})
                else:
                    out.update(self._bind(t, element, None))
            return out
        return {n: UNKNOWN for n in _names(target)}  # attribute/subscript targets bind no local

    def _element_kind(self, iterable: ast.expr) -> Optional[str]:
        if is_builtin_call(self.ctx, iterable, "range"):
            return OTHER
        kind = self.kind(iterable)
        return {TENSOR: TENSOR, TENSORS: TENSOR, SIZE: SHAPE}.get(kind or "", UNKNOWN)

    # -- expressions -----------------------------------------------------------------------------
    def kind(self, node: ast.AST) -> Optional[str]:
        """The kind of a value as it is used: an Optional tensor used as a tensor is a tensor."""
        k = self._kind(node)
        if k == OPT_TENSOR:
            return TENSOR
        return UNKNOWN if k == _BOTTOM else k

    def truth_kind(self, node: ast.AST) -> Optional[str]:
        """The kind of a value whose truth Python asks for: `if mask:` on an Optional may test None."""
        k = self._kind(node)
        return UNKNOWN if k in (_BOTTOM, OPT_TENSOR) else k

    def _kind(self, node: ast.AST) -> Optional[str]:
        if isinstance(node, ast.Name):
            if node.id in self.env:
                return self._name_kind(node)
            return UNKNOWN
        if isinstance(node, ast.Constant):
            return OTHER
        if isinstance(node, ast.Attribute):
            base = _as_tensor(self._kind(node.value))
            if base == TENSOR:
                if node.attr == "shape":
                    return SIZE
                if node.attr == "ndim":
                    return RANK
                if node.attr == "device":
                    return DEVICE
                if node.attr in _TENSOR_ATTRS:
                    return TENSOR
                if node.attr in ("dtype", "layout", "requires_grad", "is_cuda", "is_cpu", "is_sparse", "is_quantized"):
                    return OTHER
            return UNKNOWN
        if isinstance(node, ast.Subscript):
            base = _as_tensor(self._kind(node.value))
            if base == TENSOR:
                return TENSOR
            if base == SIZE:
                return SIZE if isinstance(node.slice, ast.Slice) else SHAPE
            if base == TENSORS:
                return TENSORS if isinstance(node.slice, ast.Slice) else TENSOR
            return UNKNOWN
        if isinstance(node, ast.Call):
            return self._call_kind(node)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Mult) and is_sequence_display(node.left):
                return self._kind(node.left)  # `[1] * n`: a Python list, however long
            if isinstance(node.op, ast.Mult) and is_sequence_display(node.right):
                return self._kind(node.right)
            left, right = _as_tensor(self._kind(node.left)), _as_tensor(self._kind(node.right))
            if TENSOR in (left, right) and not isinstance(node.op, ast.Mod) or left == TENSOR:
                return TENSOR
            if left == _BOTTOM or right == _BOTTOM:
                return _BOTTOM
            if SIZE in (left, right) and isinstance(node.op, ast.Add) and {left, right} <= {SIZE, OTHER}:
                return SIZE
            if SHAPE in (left, right) and {left, right} <= {SHAPE, OTHER} and SIZE not in (left, right):
                return SHAPE
            if SHAPE in (left, right) and {left, right} <= {SHAPE, UNKNOWN} and isinstance(node.op, _ARITH):
                return SHAPE  # a size plus an int or a tensor: traced either way
            if left == SHAPE and right is UNKNOWN and isinstance(node.op, ast.Mod):
                return SHAPE  # `t % self.period`: a size on the left is a number, never a format string
            if RANK in (left, right) and {left, right} <= {RANK, OTHER}:
                return RANK
            if left == OTHER and right == OTHER:
                return OTHER
            return UNKNOWN
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                return OTHER
            return _as_tensor(self._kind(node.operand))
        if isinstance(node, ast.Compare):
            if any(isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops):
                return OTHER
            if any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
                return UNKNOWN
            operands = [node.left, *node.comparators]
            kinds = [_as_tensor(self._kind(x)) for x in operands]
            if TENSOR in kinds:
                return TENSOR
            if SHAPE in kinds:
                return SHAPE  # a traced size compared with anything gives a traced bool
            if SIZE in kinds and all(k in (SIZE, SHAPE, OTHER) or isinstance(x, (ast.Tuple, ast.List))
                                     for k, x in zip(kinds, operands)):
                return SHAPE
            if RANK in kinds and all(k in (RANK, OTHER) for k in kinds):
                return RANK
            if all(k == OTHER for k in kinds):
                return OTHER
            return UNKNOWN
        if isinstance(node, ast.BoolOp):
            return OTHER if all(self._kind(v) == OTHER for v in node.values) else UNKNOWN
        if isinstance(node, ast.IfExp):
            return _join(self._kind(node.body), self._kind(node.orelse))
        if isinstance(node, ast.NamedExpr):
            return self._kind(node.value)
        if isinstance(node, ast.ListComp):  # `[s for s in x.shape]` is a list of sizes
            return {SHAPE: SIZE, TENSOR: TENSORS, OTHER: OTHER}.get(self._kind(node.elt) or "", UNKNOWN)
        if isinstance(node, (ast.Tuple, ast.List)):
            kinds = [self._kind(e) for e in node.elts if not isinstance(e, ast.Starred)]
            if not kinds or len(kinds) != len(node.elts):
                return UNKNOWN
            if all(k == TENSOR for k in kinds):
                return TENSORS
            if SHAPE in kinds and all(k in (SHAPE, OTHER) for k in kinds):
                return SIZE
            if all(k == OTHER for k in kinds):
                return OTHER
            return UNKNOWN
        return UNKNOWN

    def _call_kind(self, node: ast.Call) -> Optional[str]:
        func = node.func
        if isinstance(func, ast.Name) and func.id not in self.ctx.local_names and func.id not in imported_names(self.ctx):
            name = func.id
            arg = self._kind(node.args[0]) if node.args else UNKNOWN
            if name == "len":
                return RANK if arg == SIZE else (OTHER if arg in (TENSOR, TENSORS, OTHER) else UNKNOWN)
            if name in ("int", "float", "bool", "complex", "str", "isinstance", "round"):
                return OTHER
            if name in ("tuple", "list") and arg == SIZE:
                return SIZE
            if name in ("tuple", "list") and arg == TENSORS:
                return TENSORS
            if name in ("min", "max") and len(node.args) >= 2:
                # Python's min/max return one of their operands: a traced size that wins stays
                # traced (the tracer warns again where it is next used as a bool or int), so a
                # result over sizes and plain ints is a size (its value is already frozen: TS511)
                kinds = [self._kind(a) for a in node.args]
                if SHAPE in kinds and all(k in (SHAPE, OTHER, RANK) for k in kinds):
                    return SHAPE
                return OTHER if all(k in (SHAPE, OTHER, TENSOR, RANK) for k in kinds) else UNKNOWN
            return self._declared_return_kind(func) or self._helper_kind(func, node)
        if isinstance(func, ast.Attribute):
            base = _as_tensor(self._kind(func.value))
            if base == TENSOR:
                return self._method_kind(func.attr, node)
            if base == SIZE and func.attr == "numel":
                return SHAPE
        qual = self.ctx.qualname(func)
        if qual:
            if qual.startswith("math."):
                return OTHER
            if qual.startswith("torch.nn.functional."):
                short = qual.rsplit(".", 1)[1]
                if short in _F_NOT_TENSOR or short.endswith("_with_indices") or schemas.is_boolean_dispatch(qual):
                    return UNKNOWN
                return TENSOR
            if qual.startswith(_TORCH_NAMESPACES):
                if qual in ("torch.split", "torch.chunk", "torch.unbind", "torch.tensor_split", "torch.meshgrid"):
                    return TENSORS
                op = schemas.builtin_op_for(qual)
                if op and schemas.callable_kind(qual) == "op":
                    # `torch.sqrt(t)` of a tensor picks the Tensor overloads, not `sqrt.float`
                    first = bool(node.args) and _as_tensor(self._kind(node.args[0])) == TENSOR
                    return op_result_kind(op, _n_positional(node), _keywords(node), first)
                return UNKNOWN
        declared = self._declared_return_kind(func)
        if declared is not UNKNOWN:
            return declared
        attr = self._module_attr(func)
        if attr is not None:
            return self._submodule_kind(attr, node)
        return self._helper_kind(func, node)

    def _module_attr(self, func: ast.expr) -> Optional[str]:
        """The `self` attribute a called module comes from: `self.stem(x)`, `self.blocks[i](x)`, or
        `blk(x)` where `blk` is bound only by `for blk in self.blocks` (a ModuleList's items)."""
        if isinstance(func, ast.Subscript):
            func = func.value
        if isinstance(func, ast.Name):
            return self._module_loops.get(func.id)
        return _self_attr(func)

    def _self_attr_loops(self) -> dict[str, str]:
        """Names bound only by `for name in self.attr` (each to its attribute): a loop over a
        ModuleList binds its items, and calling one runs a submodule."""
        sources: dict[str, set[Optional[str]]] = {}
        for target, value, how, _ in self._binding_list:
            for name in _names(target):
                attr = _self_attr(value) if how == "iter" and isinstance(target, ast.Name) else None
                sources.setdefault(name, set()).add(attr)
        return {n: a.pop() for n, a in sources.items() if len(a) == 1 and None not in a}  # type: ignore[misc]

    def _declared_return_kind(self, func: ast.expr) -> Optional[str]:
        """A project function annotated `-> Tensor` returns a TENSOR, `-> Optional[Tensor]` an
        OPT_TENSOR (so `query = pack_gqa(query)` keeps `query` a tensor); the annotation is the
        author's word, and nothing else about the callee is guessed."""
        if not isinstance(func, (ast.Name, ast.Attribute)):
            return UNKNOWN
        ref = self.ctx.resolve(func)
        if not isinstance(ref, FuncRef):
            return UNKNOWN
        from .compiler.infer import state_for
        from .compiler.types import OptionalT, TensorT

        sig = state_for(self.ctx.project).signature(ref)
        returns = sig.returns if sig is not None else None
        if isinstance(returns, TensorT):
            return TENSOR
        if isinstance(returns, OptionalT) and isinstance(returns.elem, TensorT):
            return OPT_TENSOR
        return UNKNOWN

    def _method_kind(self, name: str, node: ast.Call) -> Optional[str]:
        if name == "size":
            return SHAPE if node.args or node.keywords else SIZE
        if name in ("dim", "ndimension"):
            return RANK
        if name in ("numel", "nelement"):
            return SHAPE
        if name in _PY_NUMBER_METHODS:
            return OTHER
        if name in _TENSOR_SPLITTERS:
            return TENSORS
        if name in _TENSOR_METHODS_EXTRA:
            return TENSOR
        return op_result_kind(f"aten::{name}", _n_positional(node) + 1, _keywords(node), True)

    def _submodule_kind(self, attr: str, node: ast.Call) -> Optional[str]:
        """`self.linear(x)`: a torch.nn layer built in `__init__` returns one tensor; a project module
        (`self.stem`, the items of `self.blocks`) returns what its `forward` returns when called on
        these arguments. A method of the class (`self.helper(x)`) is a helper call."""
        cls = self.ctx.class_ref
        if cls is None:
            return UNKNOWN
        project = self.ctx.project
        for klass in project.mro(cls):
            info = project.cls(klass)
            if info is None or attr not in info.init_attrs:
                continue
            value = info.init_attrs[attr]
            if value and value[0] == "call" and value[1]:
                resolved = project.resolve(klass.module, value[1])
                if isinstance(resolved, External) and resolved.qualname.startswith("torch.nn.") \
                        and resolved.qualname.rsplit(".", 1)[1] not in _NN_CONTAINERS:
                    short = resolved.qualname.rsplit(".", 1)[1]
                    return UNKNOWN if short in _NN_NOT_TENSOR or not short[:1].isupper() else TENSOR
            return self._project_modules_kind(klass.module, value, node)
        method = project.find_method(cls, attr)
        return self._returned_kind(method, node, bound=True) if method is not None else UNKNOWN

    def _project_modules_kind(self, module: str, value: tuple, node: ast.Call) -> Optional[str]:
        """What the project modules an `__init__` value builds (one, or a ModuleList's items) return,
        joined: each `forward` run on this call's arguments. Unknown if any is not a project module."""
        from .instances import values_to_instances

        project = self.ctx.project
        kind: Optional[str] = _BOTTOM
        for _, instance in values_to_instances(project, value, module, None):
            forward = project.find_method(instance.cls, "forward") if project.is_nn_module(instance.cls) else None
            kind = _join(kind, self._returned_kind(forward, node, bound=True) if forward else UNKNOWN)
        return UNKNOWN if kind == _BOTTOM else kind

    def _helper_kind(self, func: ast.expr, node: ast.Call) -> Optional[str]:
        """A project function called on traced values returns what its body returns for them."""
        ref = self.ctx.resolve(func) if isinstance(func, (ast.Name, ast.Attribute)) else None
        return self._returned_kind(ref, node, bound=False) if isinstance(ref, FuncRef) else UNKNOWN

    def _returned_kind(self, ref: FuncRef, node: ast.Call, bound: bool) -> Optional[str]:
        """The kind a project function returns when this call runs it: its body analysed with the
        call's argument kinds. Only a call that passes a traced value is followed (a helper fed
        constants computes constants), and only a few calls deep."""
        # positions are known only up to the first `*args`: what follows it fills parameters unknown here
        args = [self._kind(a) for a in itertools.takewhile(lambda a: not isinstance(a, ast.Starred), node.args)]
        keywords = {k.arg: self._kind(k.value) for k in node.keywords if k.arg}
        kinds = [*args, *keywords.values()]
        if _BOTTOM in kinds:
            return _BOTTOM  # the fixpoint has not reached an argument yet: ask again when it has
        if self.depth >= _MAX_CALL_DEPTH or not any(
                _as_tensor(k) in (TENSOR, TENSORS, SHAPE, SIZE) for k in kinds):
            return UNKNOWN
        key = (ref, tuple(args), tuple(sorted(keywords.items())))
        if key not in self._returns:
            self._returns[key] = UNKNOWN  # a recursive call learns nothing from itself
            self._returns[key] = self._analyse_callee(ref, args, keywords, bound)
        return self._returns[key]

    def _analyse_callee(self, ref: FuncRef, args: list, keywords: dict, bound: bool) -> Optional[str]:
        """Run the callee's facts seeded with the argument kinds; join the kinds of its `return`s, or
        read its return annotation. Only tensors and tuples of tensors come back: anything else
        stays unknown."""
        callee = _function_context(self.ctx, ref, f"{self.ctx.entry} -> {ref.qualname}")
        if callee is None or _is_generator(callee.node):
            return UNKNOWN
        positional = _call_params(callee.node, bound)
        seeds = dict(zip(positional, args))
        seeds.update({k: v for k, v in keywords.items() if k in positional or k in {a.arg for a in callee.node.args.kwonlyargs}})
        inner = TraceFacts(callee, seeds, self.depth + 1)
        if callee.node.returns is not None:  # the author's word: `-> int` is a Python number
            return inner._annotation_kind(callee.node.returns)
        kind: Optional[str] = _BOTTOM
        for ret in _walk_scope(callee.node):
            if isinstance(ret, ast.Return):
                kind = _join(kind, inner._kind(ret.value) if ret.value is not None else OTHER)
        return kind if kind in (TENSOR, TENSORS, OPT_TENSOR) else UNKNOWN


# -- helpers --------------------------------------------------------------------------------------
def _call_params(fn: ast.FunctionDef, bound: bool) -> list[str]:
    """The positional parameters a call fills, in order: a bound method's `self` is not one."""
    params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
    if bound and params and not any(dotted(d) == "staticmethod" for d in fn.decorator_list):
        return params[1:]
    return params


def _self_attr(node: ast.expr) -> Optional[str]:
    """`self.blocks` → "blocks": an attribute of `self` (a loop's iterable, a called submodule or method)."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return node.attr
    return None


def _is_generator(fn: ast.FunctionDef) -> bool:
    return any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in _walk_scope(fn))


def _function_context(ctx: "FunctionContext", ref: FuncRef, entry: str) -> Optional["FunctionContext"]:
    """A context for a project function a traced function calls (or is called by), reached under
    the trace chain `entry`."""
    from .source import SourceError, parsed_file
    from .project.index import function_nodes
    from .walk import FunctionContext

    summary = ctx.project.summary(ref.module)
    info = ctx.project.function(ref)
    if summary is None or info is None:
        return None
    try:  # the file being checked may exist only in memory (stdin, an editor buffer)
        source = ctx.source if ref.module == ctx.module else parsed_file(summary.path, summary.digest, summary.module)
    except (OSError, SourceError, RecursionError, ValueError):
        return None
    nodes = function_nodes(source.tree)
    if ref.qualname not in nodes:
        return None
    node, class_node = nodes[ref.qualname]
    return FunctionContext(source, ctx.project, ref.module, info, node, "trace", entry, class_node)


def _as_tensor(kind: Optional[str]) -> Optional[str]:
    return TENSOR if kind == OPT_TENSOR else kind


def training_only(ctx: "FunctionContext", node: ast.AST) -> bool:
    """Whether `node` runs only in training mode (`if self.training: ...`).

    Models are traced in eval mode (torch's own checks flag train-mode dropout as nondeterministic),
    so code under `self.training` is not what the trace records.
    """
    child, parent = node, ctx.parent(node)
    while parent is not None and parent is not ctx.node:
        if isinstance(parent, (ast.If, ast.IfExp)) and child is not parent.test and _tests_training(parent.test):
            body = parent.body if isinstance(parent, ast.If) else [parent.body]
            if any(child is b for b in body):
                return True
        child, parent = parent, ctx.parent(parent)
    return False


def _tests_training(test: ast.expr) -> bool:
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_tests_training(v) for v in test.values)
    return isinstance(test, ast.Attribute) and test.attr == "training" and isinstance(test.value, ast.Name) \
        and test.value.id == "self"


def facts(ctx: "FunctionContext") -> TraceFacts:
    """The facts of the function `ctx` checks (computed once per context): its parameters take the
    kinds its caller on the trace chain passes them, when that caller is known."""
    cached = ctx.__dict__.get("_trace_facts")
    if cached is None:
        cached = ctx.__dict__["_trace_facts"] = TraceFacts(ctx, caller_seeds(ctx))
    return cached


def caller_seeds(ctx: "FunctionContext", hops: int = _MAX_CALL_DEPTH) -> Optional[dict[str, Optional[str]]]:
    """The kinds the caller on `ctx`'s trace chain passes to its parameters, joined over the calls
    it makes (`self.pdist(feat_t)`, `helper(x.shape[0])`, `self.block(h)` for a submodule's
    `forward`), or None when the caller is not known (then the parameters' own use decides).

    The chain is the path the trace takes to this function; a value traced on that path is traced
    when this function runs on it, whatever other callers pass. Callers are looked up in the
    function's own module, `hops` steps up the chain at most.
    """
    parts = ctx.entry.split(" -> ")
    if ctx.context != "trace" or len(parts) < 2 or hops <= 0:
        return None
    attr = parts[-2][len("self."):] if parts[-2].startswith("self.") else None
    if attr is not None and (len(parts) < 4 or ctx.info.name != "forward"):
        return None
    caller_at = -3 if attr is not None else -2
    caller_name = parts[caller_at]
    if len(parts) + caller_at == 0:  # the traced function itself: its root label names it
        named = re.match(r"[\w.]*trace\(([\w.]+)\)", caller_name)
        caller_name = (named.group(1) if named else caller_name).rsplit(".", 1)[-1]
    caller_ref = FuncRef(ctx.module, caller_name)
    if ctx.project.function(caller_ref) is None:
        return None
    outer = _caller_facts(ctx, caller_ref, " -> ".join(parts[:len(parts) + caller_at + 1]), hops - 1)
    if outer is None:
        return None
    caller = outer.ctx
    calls = [n for n in _walk_scope(caller.node) if isinstance(n, ast.Call)
             and (outer._module_attr(n.func) == attr if attr is not None else _calls_function(caller, n.func, ctx))]
    return _seeds_of_calls(outer, calls, ctx.node, bound=bool(ctx.info.class_name))


def _caller_facts(ctx: "FunctionContext", ref: FuncRef, entry: str, hops: int) -> Optional[TraceFacts]:
    """The facts of a caller on a trace chain, computed once per run (many helpers share a caller:
    the cache lives on the run's project)."""
    cache = ctx.project.__dict__.setdefault("_trace_caller_facts", {})
    key = (ref, entry, hops)
    if key not in cache:
        caller = _function_context(ctx, ref, entry)
        cache[key] = TraceFacts(caller, caller_seeds(caller, hops)) if caller is not None else None
    return cache[key]


def _calls_function(caller: "FunctionContext", func: ast.expr, callee: "FunctionContext") -> bool:
    """Whether `func`, in the caller's body, names the callee: `self.method` of the caller's class,
    or a function name that resolves to it."""
    method = _self_attr(func)
    if method is not None:
        cls = caller.class_ref
        return cls is not None and caller.project.find_method(cls, method) == callee.ref
    return isinstance(func, ast.Name) and caller.resolve(func) == callee.ref


def _seeds_of_calls(outer: TraceFacts, calls: list[ast.Call], fn: ast.FunctionDef, bound: bool) -> Optional[dict]:
    """Parameter → the join of the kinds these calls pass it (positionally or by keyword)."""
    if not calls:
        return None
    params = _call_params(fn, bound)
    positional = fn.args.posonlyargs + fn.args.args
    defaults = dict(zip([a.arg for a in positional[len(positional) - len(fn.args.defaults):]], fn.args.defaults))
    defaults.update({a.arg: d for a, d in zip(fn.args.kwonlyargs, fn.args.kw_defaults) if d is not None})
    named = set(params) | {a.arg for a in fn.args.kwonlyargs}
    seeds: dict[str, Optional[str]] = {}
    for call in calls:
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            return None  # `f(*args)`, `f(**kw)`: which parameter gets what is not known
        passed = dict(zip(params, call.args))
        passed.update({k.arg: k.value for k in call.keywords if k.arg in named})
        for name in named:
            value = passed.get(name, defaults.get(name))  # a call that leaves it out passes the default
            kind = outer._kind(value) if value is not None else UNKNOWN
            seeds[name] = _join_calls(seeds.get(name, _BOTTOM), UNKNOWN if kind == _BOTTOM else kind)
    return {n: (UNKNOWN if k == _BOTTOM else k) for n, k in seeds.items()}


def _join_calls(a: Optional[str], b: Optional[str]) -> Optional[str]:
    """What a parameter is over several calls: a traced kind one call passes wins over constants and
    unknowns other calls pass (`scale(x.shape[1])` and `scale(5)`: the hazard is real when the first
    call runs); two different traced kinds make it unknown."""
    traced = {a, b} & {TENSOR, OPT_TENSOR, SHAPE, SIZE, TENSORS}
    if len(traced) == 1 and {a, b} - traced <= {OTHER, UNKNOWN, _BOTTOM}:
        return traced.pop()
    return _join(a, b)


def is_trace_entry(ctx: "FunctionContext") -> bool:
    """Whether this function is what `torch.jit.trace` itself calls (its inputs are the examples).

    The entry chain is the root's label, then `Class.forward` for a traced module.
    """
    if ctx.context != "trace":
        return False
    parts = ctx.entry.split(" -> ")
    if len(parts) == 1:
        return not ctx.info.class_name
    return len(parts) == 2 and ctx.info.name == "forward" and parts[1] == ctx.info.qualname


def _n_positional(node: ast.Call) -> int:
    return sum(1 for a in node.args if not isinstance(a, ast.Starred))


def _keywords(node: ast.Call) -> tuple[str, ...]:
    return tuple(k.arg for k in node.keywords if k.arg)


def _names(target: ast.AST) -> list[str]:
    """The local names a binding target binds: `a`, `a, (b, *c)`; `t[i] = v` and `o.x = v` bind none
    (`feat_dist[range(len(feat))] = 0` leaves `feat` what it was)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for e in target.elts for n in _names(e)]
    if isinstance(target, ast.Starred):
        return _names(target.value)
    return []


def _load(target: ast.expr) -> ast.expr:
    if isinstance(target, ast.Name):
        return ast.Name(id=target.id, ctx=ast.Load())
    return target


def _end(node: ast.AST) -> tuple[int, int]:
    """Where a binding takes effect: after its whole statement (`x = f(x)` reads the old `x`)."""
    return (getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0)


_LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def _loop_map(fn: ast.FunctionDef) -> dict[int, frozenset]:
    """id(node) → the ids of the loops around it (statements and comprehensions), in one scope."""
    out: dict[int, frozenset] = {}
    stack: list[tuple[ast.AST, frozenset]] = [(n, frozenset()) for n in fn.body]
    while stack:
        node, loops = stack.pop()
        out[id(node)] = loops
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        inner = loops | {id(node)} if isinstance(node, _LOOPS) else loops
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))
    return out


def _walk_scope(fn: ast.FunctionDef) -> Iterable[ast.AST]:
    """Every node of the function body, not descending into nested defs, classes or lambdas."""
    stack: list[ast.AST] = list(fn.body)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(ast.iter_child_nodes(node))


def is_sequence_display(node: ast.AST) -> bool:
    """`[...]`, `(...)`, `[... for ...]`: a Python list or tuple written out, never a tensor."""
    return isinstance(node, (ast.List, ast.Tuple, ast.ListComp))


def is_builtin_call(ctx: "FunctionContext", node: ast.AST, *names: str) -> bool:
    """`len(...)`, `range(...)`: a call of a builtin that no local or import shadows."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in names
        and node.func.id not in ctx.local_names
        and node.func.id not in imported_names(ctx)
    )


def imported_names(ctx: "FunctionContext") -> dict[str, str]:
    summary = ctx.project.by_module.get(ctx.module)
    return summary.imports if summary is not None else {}


def source_of(ctx: "FunctionContext", node: ast.AST) -> str:
    return ctx.source.segment(node) or ast.unparse(node)
