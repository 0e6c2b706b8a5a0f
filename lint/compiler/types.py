"""TorchScript's type lattice, spelled the way the compiler prints it, and annotations parsed from `ast`.

Types print as the compiler's `annotation_str` does (what its error messages and `.code` show):
`Tensor`, `int`, `Optional[int]`, `List[Tensor]`, `Dict[str, int]`, `Tuple[int, int]`,
`Union[float, int]` (members sorted as the compiler sorts them), `__torch__.pkg.mod.Class`.
`torch.dtype`, `torch.layout` and friends are plain `int` in TorchScript, so they print as `int`.

`UNKNOWN` is this linter's own: a value whose type it cannot tell. Anything that touches an unknown
type stays unknown, and rules never report on it (precision first).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional, Union

# The compiler sorts Union members by type kind (c10 TypeKind order), then by spelling.
_KIND_ORDER = {
    "Any": 0, "Enum": 1, "Tensor": 3, "Tuple": 5, "List": 6, "Dict": 7, "number": 8, "float": 9,
    "complex": 10, "Future": 11, "int": 14, "NoneType": 15, "str": 16, "Generator": 17, "bool": 19,
    "Optional": 20, "Device": 22, "Stream": 23, "Class": 25, "list": 33, "tuple": 34, "Union": 39,
    "Unknown": 99,
}


class Type:
    """Base of every type. Instances are immutable and compare by structure."""

    kind: str = "Unknown"

    def __str__(self) -> str:
        return self.annotation_str()

    def annotation_str(self) -> str:
        raise NotImplementedError

    def children(self) -> tuple["Type", ...]:
        return ()

    @property
    def known(self) -> bool:
        """No part of the type is unknown."""
        return self.kind != "Unknown" and all(c.known for c in self.children())


@dataclass(frozen=True)
class Prim(Type):
    """A type without parameters: int, float, bool, str, complex, NoneType, Device, Any, ..."""

    name: str

    @property
    def kind(self) -> str:  # type: ignore[override]
        return self.name

    def annotation_str(self) -> str:
        return self.name


@dataclass(frozen=True)
class TensorT(Type):
    """`Tensor`; `inferred` marks an unannotated parameter (printed `Tensor (inferred)` in messages)."""

    inferred: bool = field(default=False, compare=False)
    kind = "Tensor"

    def annotation_str(self) -> str:
        return "Tensor"


@dataclass(frozen=True)
class UnknownT(Type):
    kind = "Unknown"

    def annotation_str(self) -> str:
        return "Unknown"


@dataclass(frozen=True)
class OptionalT(Type):
    elem: Type
    kind = "Optional"

    def annotation_str(self) -> str:
        return f"Optional[{self.elem}]"

    def children(self) -> tuple[Type, ...]:
        return (self.elem,)


@dataclass(frozen=True)
class UnionT(Type):
    items: tuple[Type, ...]
    kind = "Union"

    def annotation_str(self) -> str:
        return f"Union[{', '.join(map(str, self.items))}]"

    def children(self) -> tuple[Type, ...]:
        return self.items


@dataclass(frozen=True)
class ListT(Type):
    elem: Type
    kind = "List"

    def annotation_str(self) -> str:
        return f"List[{self.elem}]"

    def children(self) -> tuple[Type, ...]:
        return (self.elem,)


@dataclass(frozen=True)
class DictT(Type):
    key: Type
    value: Type
    kind = "Dict"

    def annotation_str(self) -> str:
        return f"Dict[{self.key}, {self.value}]"

    def children(self) -> tuple[Type, ...]:
        return (self.key, self.value)


@dataclass(frozen=True)
class TupleT(Type):
    items: tuple[Type, ...]
    kind = "Tuple"

    def annotation_str(self) -> str:
        if not self.items:
            return "Tuple[()]"
        return f"Tuple[{', '.join(map(str, self.items))}]"

    def children(self) -> tuple[Type, ...]:
        return self.items


@dataclass(frozen=True)
class FutureT(Type):
    elem: Type
    kind = "Future"

    def annotation_str(self) -> str:
        return f"Future[{self.elem}]"

    def children(self) -> tuple[Type, ...]:
        return (self.elem,)


@dataclass(frozen=True)
class ClassT(Type):
    """A module, script class, NamedTuple or Enum: `__torch__.<module>.<Name>`.

    `ref` is the project's ClassRef (or None for a library class); `is_module` is True for
    nn.Module subclasses, `enum` for Enum classes (printed `Enum<...>`).
    """

    name: str
    ref: object = field(default=None, compare=False)
    is_module: bool = field(default=False, compare=False)
    enum: bool = field(default=False, compare=False)
    kind = "Class"

    def annotation_str(self) -> str:
        return f"Enum<{self.name}>" if self.enum else self.name


UNKNOWN = UnknownT()
TENSOR = TensorT()
INFERRED_TENSOR = TensorT(inferred=True)
INT, FLOAT, BOOL, STR = Prim("int"), Prim("float"), Prim("bool"), Prim("str")
COMPLEX, NONE, DEVICE, ANY = Prim("complex"), Prim("NoneType"), Prim("Device"), Prim("Any")
NUMBER, GENERATOR, STREAM = Prim("number"), Prim("Generator"), Prim("Stream")
#: a bare `list` / `tuple` annotation: any list, any tuple
ANY_LIST, ANY_TUPLE = Prim("list"), Prim("tuple")

NUMERIC = (INT, FLOAT, COMPLEX)


def torch_class_name(module: str, qualname: str) -> str:
    """The compiler's name for a Python class: `__torch__.pkg.mod.Class` (`__main__` is dropped)."""
    if module in ("", "__main__"):
        return f"__torch__.{qualname}"
    return f"__torch__.{module}.{qualname}"


# ---------------------------------------------------------------------------------------------
# Construction, subtyping, unification
# ---------------------------------------------------------------------------------------------


def _sort_key(t: Type) -> tuple[int, str]:
    return (_KIND_ORDER.get(t.kind, 50), str(t))


def union(types: Iterable[Type]) -> Type:
    """`Union[...]` as the compiler canonicalizes it: flattened, deduplicated, sorted;
    `Union[T, None]` is `Optional[T]`; one member is that member."""
    flat: list[Type] = []
    for t in types:
        if isinstance(t, UnionT):
            members: Iterable[Type] = t.items
        elif isinstance(t, OptionalT):
            members = (*union_members(t.elem), NONE)
        else:
            members = (t,)
        for m in members:
            if m not in flat:
                flat.append(m)
    if any(m.kind == "Unknown" for m in flat):
        return UNKNOWN
    if len(flat) == 1:
        return flat[0]
    if len(flat) == 2 and NONE in flat:
        other = flat[0] if flat[1] == NONE else flat[1]
        return OptionalT(other)
    return UnionT(tuple(sorted(flat, key=_sort_key)))


def union_members(t: Type) -> tuple[Type, ...]:
    if isinstance(t, UnionT):
        return t.items
    if isinstance(t, OptionalT):
        return (*union_members(t.elem), NONE)
    return (t,)


def optional(t: Type) -> Type:
    if t == NONE or isinstance(t, OptionalT) or t == ANY:
        return t
    if t.kind == "Unknown":
        return UNKNOWN
    if isinstance(t, UnionT):
        return t if NONE in t.items else union((*t.items, NONE))
    return OptionalT(t)


def can_be_none(t: Type) -> Optional[bool]:
    """Whether a value of type `t` may be None (None when the type is unknown)."""
    if t.kind == "Unknown":
        return None
    return t == NONE or t == ANY or isinstance(t, OptionalT) or (isinstance(t, UnionT) and NONE in t.items)


def without_none(t: Type) -> Type:
    """The refinement of `t` by `is not None`."""
    if isinstance(t, OptionalT):
        return t.elem
    if isinstance(t, UnionT):
        return union(m for m in t.items if m != NONE)
    return t


def is_subtype(a: Type, b: Type) -> Optional[bool]:
    """`a <: b` as TorchScript's `isSubtypeOf`; None when an unknown part decides it."""
    if a.kind == "Unknown" or b.kind == "Unknown":
        return None
    if a == b:
        return True
    if b == ANY:
        return True
    if isinstance(b, OptionalT):
        if a == NONE:
            return True
        if isinstance(a, OptionalT):
            return is_subtype(a.elem, b.elem)
        return is_subtype(a, b.elem)
    if isinstance(b, UnionT) or (isinstance(a, UnionT) and isinstance(b, OptionalT)):
        results = [_member_subtype(m, b) for m in union_members(a)]
        if any(r is None for r in results):
            return None
        return all(results)
    if b == NUMBER:
        return a in NUMERIC or a == NUMBER
    if b == ANY_LIST or b == ANY_TUPLE:
        return isinstance(a, ListT if b == ANY_LIST else TupleT)
    if isinstance(a, TupleT) and isinstance(b, TupleT):
        if len(a.items) != len(b.items):
            return False
        results = [is_subtype(x, y) for x, y in zip(a.items, b.items)]
        if any(r is None for r in results):
            return None
        return all(results)
    if isinstance(a, ListT) and isinstance(b, ListT):
        return _invariant(a.elem, b.elem)
    if isinstance(a, DictT) and isinstance(b, DictT):
        k, v = _invariant(a.key, b.key), _invariant(a.value, b.value)
        return None if k is None or v is None else k and v
    if isinstance(a, FutureT) and isinstance(b, FutureT):
        return is_subtype(a.elem, b.elem)
    if isinstance(a, ClassT) or isinstance(b, ClassT):
        if isinstance(a, ClassT) and isinstance(b, ClassT) and a.name == b.name:
            return True
        return None  # interfaces and module types: not modelled
    return False


def _member_subtype(m: Type, b: Type) -> Optional[bool]:
    members = union_members(b)
    results = [is_subtype(m, x) for x in members]
    if any(r is True for r in results):
        return True
    if any(r is None for r in results):
        return None
    return False


def _invariant(a: Type, b: Type) -> Optional[bool]:
    if not a.known or not b.known:
        return None
    return a == b


def unify(a: Type, b: Type) -> Optional[Type]:
    """The compiler's `unifyTypes` without a Union default: the common type, or None.

    Unknown in, unknown out (never None), so a failure is always a real one.
    """
    if not a.known or not b.known or _undecided(a, b):
        if a == b:
            return a
        if a == NONE and b.kind != "Unknown":
            return optional(b)
        if b == NONE and a.kind != "Unknown":
            return optional(a)
        return UNKNOWN
    if is_subtype(a, b):
        return b
    if is_subtype(b, a):
        return a
    if a == NONE:
        return optional(b)
    if b == NONE:
        return optional(a)
    if isinstance(a, OptionalT):
        inner = unify(a.elem, b)
        return optional(inner) if inner is not None else None
    if isinstance(b, OptionalT):
        inner = unify(a, b.elem)
        return optional(inner) if inner is not None else None
    if isinstance(a, TupleT) and isinstance(b, TupleT) and len(a.items) == len(b.items):
        items = [unify(x, y) for x, y in zip(a.items, b.items)]
        if any(i is None for i in items):
            return None
        return TupleT(tuple(items))  # type: ignore[arg-type]
    if isinstance(a, FutureT) and isinstance(b, FutureT):
        inner = unify(a.elem, b.elem)
        return FutureT(inner) if inner is not None else None
    return None


def _undecided(a: Type, b: Type) -> bool:
    """Subtyping between these is not modelled (script classes, interfaces): never a mismatch."""
    return is_subtype(a, b) is None or is_subtype(b, a) is None


def unify_or_union(types: list[Type]) -> Type:
    """Element type of a non-empty list/dict literal: unified, or a Union (torch 2.13 warns)."""
    result = types[0]
    for t in types[1:]:
        u = unify(result, t)
        result = u if u is not None else union((result, t))
    return result


def describe(t: Type) -> str:
    """A type as error messages name it: an unannotated parameter is `Tensor (inferred)`."""
    if isinstance(t, TensorT) and t.inferred:
        return "Tensor (inferred)"
    return str(t)


def contains_any(t: Type) -> bool:
    return t == ANY or any(contains_any(c) for c in t.children())


# ---------------------------------------------------------------------------------------------
# Annotations
# ---------------------------------------------------------------------------------------------

#: qualified Python names → TorchScript types (what `ann_to_type` / the C++ resolver accept)
NAMED_TYPES: dict[str, Type] = {
    "int": INT, "float": FLOAT, "bool": BOOL, "str": STR, "complex": COMPLEX,
    "None": NONE, "NoneType": NONE, "types.NoneType": NONE, "typing.Any": ANY, "Any": ANY,
    "torch.Tensor": TENSOR, "torch.nn.Parameter": TENSOR, "torch.nn.parameter.Parameter": TENSOR,
    "torch.nn.parameter.Buffer": TENSOR, "torch.nn.Buffer": TENSOR,
    "torch.device": DEVICE, "torch.dtype": INT, "torch.qscheme": INT, "torch.Generator": GENERATOR,
    "torch.Stream": STREAM, "torch.SymInt": INT, "torch.types.Number": NUMBER,
    "torch.types._dtype": INT, "torch.types._device": DEVICE, "torch.types._int": INT,
    "torch.types._float": FLOAT, "torch.types._bool": BOOL, "torch.types._complex": COMPLEX,
    "torch.types._qscheme": INT,
    "list": ANY_LIST, "tuple": ANY_TUPLE,
}
for _t in ("Float", "Double", "Half", "BFloat16", "Byte", "Char", "Short", "Int", "Long", "Bool"):
    NAMED_TYPES[f"torch.{_t}Tensor"] = TENSOR
#: names the compiler rejects as types (`Unknown type name`), besides anything foreign
REJECTED_NAMES = {
    "torch.Size", "torch.layout", "torch.memory_format", "dict", "object", "torch.nn.Module",
    "torch.nn.modules.module.Module", "type", "bytes", "torch.jit.ScriptModule",
}
#: subscripted constructors the compiler knows, by qualified name
CONSTRUCTORS = {
    "typing.List": "List", "list": "List", "typing.Dict": "Dict", "dict": "Dict",
    "typing.Tuple": "Tuple", "tuple": "Tuple", "typing.Optional": "Optional",
    "typing.Union": "Union", "torch.jit.Future": "Future", "torch.futures.Future": "Future",
    "torch._jit_internal.Future": "Future", "typing.Final": "Final", "typing_extensions.Final": "Final",
    "torch.jit.Final": "Final", "torch._jit_internal.BroadcastingList1": "List",
    "torch._jit_internal.BroadcastingList2": "List", "torch._jit_internal.BroadcastingList3": "List",
}
for _n in ("List", "Dict", "Tuple", "Optional", "Union", "Final", "BroadcastingList1",
           "BroadcastingList2", "BroadcastingList3"):
    CONSTRUCTORS.setdefault(f"torch._jit_internal.{_n}", CONSTRUCTORS.get(f"typing.{_n}", "List"))
#: constructors the compiler rejects (`Unknown type constructor X`)
REJECTED_CONSTRUCTORS = {
    "Callable", "Literal", "Set", "FrozenSet", "set", "frozenset", "Sequence", "Iterable",
    "Iterator", "Mapping", "MutableMapping", "Type", "type", "Generator", "Deque", "DefaultDict",
    "OrderedDict", "Counter", "ClassVar", "Annotated", "TypeGuard", "Collection", "Container",
    "AbstractSet", "MutableSequence", "Awaitable", "Coroutine", "AsyncIterator", "NamedTuple",
}
_REJECTED_CONSTRUCTOR_MODULES = ("typing.", "typing_extensions.", "collections.abc.", "collections.", "")
#: dict key types the compiler accepts
DICT_KEYS = (INT, FLOAT, COMPLEX, STR, BOOL, DEVICE)


@dataclass
class AnnotationError:
    """An annotation the compiler rejects; `rule` is the linter's key for the TS2xx rule."""

    rule: str  # "type-constructor" | "type-name" | "variadic-tuple" | "dict-key"
    message: str  # the compiler's message
    node: ast.AST


@dataclass
class Annotation:
    type: Type
    error: Optional[AnnotationError] = None
    final: bool = False


class AnnotationParser:
    """Turns annotation expressions into types, as the compiler's ScriptTypeParser does.

    `qualify(dotted)` gives the fully qualified name a dotted name refers to in the file (None for
    a local name); `lookup(qualname)` gives a project class's type, a type alias's expression
    (to parse in its own module) or None.
    """

    def __init__(self, qualify: Callable[[str], Optional[str]],
                 lookup: Callable[[str], Union[Type, "AliasRef", None]]):
        self.qualify = qualify
        self.lookup = lookup

    def parse(self, node: Optional[ast.expr]) -> Annotation:
        if node is None:
            return Annotation(INFERRED_TENSOR)
        self._final = False
        try:
            t = self._parse(node, 0)
        except _Reject as exc:
            return Annotation(UNKNOWN, exc.error)
        return Annotation(t, None, self._final)

    def parse_text(self, text: str, node: ast.AST) -> Annotation:
        """A string annotation (or a type comment part): parsed, positions taken from `node`."""
        try:
            expr = ast.parse(text.strip(), mode="eval").body
        except SyntaxError:
            return Annotation(UNKNOWN)
        for sub in ast.walk(expr):
            if hasattr(sub, "lineno"):
                ast.copy_location(sub, node)
                sub.end_lineno, sub.end_col_offset = getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None)
        return self.parse(expr)

    # -- internals --------------------------------------------------------------------------
    def _parse(self, node: ast.expr, depth: int) -> Type:
        if depth > 12:
            return UNKNOWN
        if isinstance(node, ast.Constant):
            if node.value is None:
                return NONE
            if isinstance(node.value, str):
                try:
                    inner = ast.parse(node.value.strip(), mode="eval").body
                except SyntaxError:
                    return UNKNOWN
                for sub in ast.walk(inner):
                    if hasattr(sub, "lineno"):
                        ast.copy_location(sub, node)
                        sub.end_lineno, sub.end_col_offset = node.end_lineno, node.end_col_offset
                return self._parse(inner, depth + 1)
            if node.value is Ellipsis:
                raise _Reject(AnnotationError("variadic-tuple", "Expression of type dots cannot be used in a type expression", node))
            return UNKNOWN
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return union((self._parse(node.left, depth + 1), self._parse(node.right, depth + 1)))
        if isinstance(node, ast.Subscript):
            return self._subscript(node, depth)
        if isinstance(node, (ast.Name, ast.Attribute)):
            return self._name(node)
        return UNKNOWN

    def _written(self, node: ast.expr) -> Optional[str]:
        from ..project.index import dotted

        return dotted(node)

    def _name(self, node: ast.expr) -> Type:
        written = self._written(node)
        if written is None:
            return UNKNOWN
        if written in ("None", "NoneType"):
            return NONE
        qual = self.qualify(written)
        if qual is None:
            return UNKNOWN  # a local name: nothing to say
        if qual in NAMED_TYPES:
            return NAMED_TYPES[qual]
        if written in ("int", "float", "bool", "str", "complex") and qual == written:
            return NAMED_TYPES[written]
        if qual in ("typing.List", "torch._jit_internal.List"):
            raise _Reject(AnnotationError("type-constructor", "Attempted to use List without a contained type. Please add a contained type, e.g. List[int]", node))
        if qual in REJECTED_NAMES or qual.split(".")[0] in ("numpy", "pandas", "PIL", "scipy"):
            raise _Reject(AnnotationError("type-name", f"Unknown type name '{written}'", node))
        found = self.lookup(qual)
        if isinstance(found, Type):
            return found
        if isinstance(found, AliasRef):
            return found.parse()
        return UNKNOWN

    def _constructor(self, node: ast.expr) -> tuple[Optional[str], str]:
        written = self._written(node) or ""
        qual = self.qualify(written) if written else None
        if qual is None:
            return None, written
        if qual in CONSTRUCTORS:
            return CONSTRUCTORS[qual] or None, written
        if written.startswith("typing.") and qual not in CONSTRUCTORS:
            base = written[len("typing."):]
            if f"typing.{base}" in CONSTRUCTORS:
                return CONSTRUCTORS[f"typing.{base}"], written
        for prefix in _REJECTED_CONSTRUCTOR_MODULES:
            if qual.startswith(prefix) and qual[len(prefix):] in REJECTED_CONSTRUCTORS:
                raise _Reject(AnnotationError("type-constructor", f"Unknown type constructor {written}", node))
        return None, written

    def _subscript(self, node: ast.Subscript, depth: int) -> Type:
        ctor, written = self._constructor(node.value)
        if ctor is None:
            if written:
                qual = self.qualify(written)
                if qual:
                    found = self.lookup(qual)
                    if isinstance(found, AliasRef):
                        return UNKNOWN  # a generic alias: not modelled
            return UNKNOWN
        args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if ctor == "Final":
            self._final = True
            return self._parse(args[0], depth + 1)
        if ctor == "Tuple":
            if len(args) == 1 and isinstance(args[0], ast.Tuple) and not args[0].elts:
                return TupleT(())
            return TupleT(tuple(self._parse(a, depth + 1) for a in args))
        if ctor == "List":
            return ListT(self._parse(args[0], depth + 1)) if len(args) == 1 else UNKNOWN
        if ctor == "Optional":
            return optional(self._parse(args[0], depth + 1)) if len(args) == 1 else UNKNOWN
        if ctor == "Future":
            return FutureT(self._parse(args[0], depth + 1)) if len(args) == 1 else UNKNOWN
        if ctor == "Union":
            members = [self._parse(a, depth + 1) for a in args]
            if set(members) == {INT, FLOAT, COMPLEX}:
                return NUMBER
            return union(members)
        if ctor == "Dict":
            if len(args) != 2:
                return UNKNOWN
            key, value = self._parse(args[0], depth + 1), self._parse(args[1], depth + 1)
            if key.known and key not in DICT_KEYS and not isinstance(key, TensorT):
                raise _Reject(AnnotationError(
                    "dict-key",
                    f"Cannot create dict for key type '{schema_str(key)}', only int, float, complex, Tensor, device and string keys are supported",
                    node))
            return DictT(key, value)
        return UNKNOWN


_TORCH_SPELLING = {
    "Tensor": "torch.Tensor", "List": "typing.List", "Optional": "typing.Optional", "Tuple": "typing.Tuple",
    "Dict": "typing.Dict", "Union": "typing.Union", "Any": "typing.Any", "Device": "torch.device",
    "number": "torch.types.Number", "Future": "torch.jit.Future",
}


def parse_torch_type(text: str) -> Type:
    """A type as torch spells it in its own data (`annotation_str`): `Optional[List[int]]`."""
    parser = AnnotationParser(lambda name: _TORCH_SPELLING.get(name, name), lambda qual: None)
    try:
        expr = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return UNKNOWN
    result = parser.parse(expr)
    return result.type if result.error is None else UNKNOWN


class AliasRef:
    """A type alias defined in some module (`_size_2_t = Union[int, Tuple[int, int]]`)."""

    def __init__(self, parse: Callable[[], Type]):
        self.parse = parse


class _Reject(Exception):
    def __init__(self, error: AnnotationError):
        super().__init__(error.message)
        self.error = error


def schema_str(t: Type) -> str:
    """A type in the schema printer's spelling (`int[]`, `int?`, `(int, int)`, `Dict(str, int)`)."""
    if isinstance(t, OptionalT):
        return f"{schema_str(t.elem)}?"
    if isinstance(t, ListT):
        return f"{schema_str(t.elem)}[]"
    if isinstance(t, TupleT):
        return f"({', '.join(schema_str(i) for i in t.items)})"
    if isinstance(t, DictT):
        return f"Dict({schema_str(t.key)}, {schema_str(t.value)})"
    if isinstance(t, UnionT):
        return f"Union({', '.join(schema_str(i) for i in t.items)})"
    if isinstance(t, FutureT):
        return f"Future({schema_str(t.elem)})"
    return str(t)


def literal_type(value: object) -> Type:
    """The type of a Python constant as the compiler types literals."""
    if value is None:
        return NONE
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    if isinstance(value, float):
        return FLOAT
    if isinstance(value, complex):
        return COMPLEX
    if isinstance(value, str):
        return STR
    return UNKNOWN
