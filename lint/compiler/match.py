"""Matching a call against operator schemas, as the compiler's `matchSchemas` does, to type its result.

The compiler tries every overload in registry order, first without implicit conversions and then
with them (Tensor → number, str → Device, tuple → list, packing trailing ints into an `int[]`), and
takes the first that matches; type variables (`t`, `t[]`, `Dict(str, t)`) bind on first use.

This module only types results: when an argument's type is unknown, several overloads may match,
and the result is known only if they all return the same type. A failed match is not reported here
(rules decide what they are sure of).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Collection, Optional, Sequence

from . import schemas
from .types import (
    ANY, BOOL, COMPLEX, DEVICE, FLOAT, GENERATOR, INT, NONE, NUMBER, STR, STREAM, TENSOR, UNKNOWN,
    ClassT, DictT, FutureT, ListT, OptionalT, TensorT, TupleT, Type, UnionT, is_subtype, optional, unify,
)


@dataclass(frozen=True)
class VarT(Type):
    """A schema type variable (`t`, `tVal`)."""

    name: str
    kind = "Var"

    def annotation_str(self) -> str:
        return self.name


@dataclass(frozen=True)
class Formal:
    type: Type
    size: Optional[int] = None  # `int[2]`: a single int is broadcast


_SIMPLE = {
    "Tensor": TENSOR, "int": INT, "SymInt": INT, "float": FLOAT, "SymFloat": FLOAT, "bool": BOOL,
    "SymBool": BOOL, "str": STR, "complex": COMPLEX, "Scalar": NUMBER, "ScalarType": INT,
    "Layout": INT, "MemoryFormat": INT, "QScheme": INT, "Device": DEVICE, "Generator": GENERATOR,
    "Stream": STREAM, "Any": ANY, "NoneType": NONE, "Dimname": STR,
}


def _split_top(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    tail = text[start:].strip()
    if tail:
        parts.append(tail)
    return parts


@lru_cache(maxsize=4096)
def parse_schema_type(text: str) -> Formal:
    """`int[2]` → Formal(List[int], 2); `Tensor?[]` → List[Optional[Tensor]]; `t` → VarT."""
    text = text.strip()
    if text.endswith("?"):
        inner = parse_schema_type(text[:-1])
        return Formal(optional(inner.type), inner.size)
    if text.endswith("]") and "[" in text and not text.startswith(("Dict(", "(")) or (
            text.endswith("]") and text.startswith(("Dict(", "(")) and text.rfind("[") > text.rfind(")")):
        base, _, size = text[:-1].rpartition("[")
        elem = parse_schema_type(base).type
        return Formal(ListT(elem), int(size) if size.isdigit() else None)
    if text.startswith("Dict(") and text.endswith(")"):
        parts = _split_top(text[5:-1])
        if len(parts) == 2:
            return Formal(DictT(parse_schema_type(parts[0]).type, parse_schema_type(parts[1]).type))
        return Formal(UNKNOWN)
    if text.startswith("Future(") and text.endswith(")"):
        return Formal(FutureT(parse_schema_type(text[7:-1]).type))
    if text.startswith("(") and text.endswith(")"):
        return Formal(TupleT(tuple(parse_schema_type(p).type for p in _split_top(text[1:-1]))))
    if text in _SIMPLE:
        return Formal(_SIMPLE[text])
    if text == "AnyEnumType":
        return Formal(_ANY_ENUM)
    if text.startswith("__torch__."):
        return Formal(ClassT(text))
    if text and (text[0] == "t" and (len(text) == 1 or text[1:].isdigit() or text[1:] in ("Val", "Key"))):
        return Formal(VarT(text))
    return Formal(UNKNOWN)


#: `AnyEnumType` (`aten::eq.enum`): takes an Enum, a class here, and nothing else
_ANY_ENUM = ClassT("AnyEnumType", enum=True)

# Result of checking one argument: True (matches), False (cannot), None (unknown type decides).
Verdict = Optional[bool]


class _Binder:
    def __init__(self, convert: bool):
        self.convert = convert
        self.bound: dict[str, Type] = {}

    def accepts(self, formal: Type, actual: Type, size: Optional[int] = None) -> Verdict:
        if isinstance(formal, VarT):
            if actual.kind == "Unknown":
                return None
            if formal.name in self.bound:
                # `matchTypeVariables`: a later use must unify with the first binding (a subtype,
                # or Optional[T] with T, is accepted; None for a non-Optional binding is not)
                prev = self.bound[formal.name]
                if not prev.known or not actual.known:
                    return None
                if prev == actual or is_subtype(actual, prev):
                    return True
                if actual == NONE:
                    return False
                return unify(prev, actual) is not None
            self.bound[formal.name] = actual
            return True
        if formal.kind == "Unknown" or actual.kind == "Unknown":
            return None
        if formal == ANY:
            return True
        if isinstance(formal, OptionalT):
            if actual == NONE:
                return True
            if isinstance(actual, OptionalT):
                return self.accepts(formal.elem, actual.elem)
            return self.accepts(formal.elem, actual, size)
        if isinstance(actual, (OptionalT, UnionT)) or actual == ANY:
            return False if actual.known else None
        if isinstance(formal, TensorT):
            return isinstance(actual, TensorT)
        if formal in (INT, FLOAT, BOOL, NUMBER):
            if isinstance(actual, TensorT):
                return self.convert
            if formal == NUMBER:
                return actual in (INT, FLOAT, COMPLEX, NUMBER, BOOL)
            if actual == formal:
                return True
            # `tryConvertToType`: number -> int/float and bool -> int/float, with conversions only
            return self.convert and (actual == NUMBER or (actual == BOOL and formal != BOOL))
        if formal == DEVICE:
            return actual == DEVICE or (self.convert and actual == STR)
        if isinstance(formal, ListT):
            if isinstance(actual, ListT):
                return self._same(formal.elem, actual.elem)
            if isinstance(actual, TupleT):
                if not self.convert:
                    return False
                # `convertibleToList`: every item a subtype of the element, no implicit conversion
                # (a Tensor item is not taken as an int)
                return _all([self._item(formal.elem, item) for item in actual.items])
            if size is not None:
                # `isIntOrFloatUsedAsList`: only an int or a float broadcasts to `int[N]`/`float[N]`
                return None if isinstance(formal.elem, VarT) else actual == formal.elem and actual in (INT, FLOAT)
            return False
        if isinstance(formal, TupleT):
            if not isinstance(actual, TupleT) or len(actual.items) != len(formal.items):
                return False
            return _all([self.accepts(f, a) for f, a in zip(formal.items, actual.items)])
        if isinstance(formal, DictT):
            if not isinstance(actual, DictT):
                return False
            return _all([self._same(formal.key, actual.key), self._same(formal.value, actual.value)])
        if isinstance(formal, FutureT):
            return self.accepts(formal.elem, actual.elem) if isinstance(actual, FutureT) else False
        if isinstance(formal, ClassT):
            return None if formal != _ANY_ENUM or isinstance(actual, ClassT) else False
        return formal == actual

    def _item(self, formal: Type, actual: Type) -> Verdict:
        """`accepts` without implicit conversions, for a tuple item converted to a list element."""
        convert, self.convert = self.convert, False
        try:
            return self.accepts(formal, actual)
        finally:
            self.convert = convert

    def _same(self, formal: Type, actual: Type) -> Verdict:
        """Invariant positions (list and dict elements): a type variable binds, else equality."""
        if isinstance(formal, VarT):
            return self.accepts(formal, actual)
        if isinstance(formal, (ListT, DictT, TupleT, OptionalT)) and type(formal) is type(actual):
            if isinstance(formal, ListT):
                return self._same(formal.elem, actual.elem)  # type: ignore[attr-defined]
            if isinstance(formal, OptionalT):
                return self._same(formal.elem, actual.elem)  # type: ignore[attr-defined]
            if isinstance(formal, DictT):
                return _all([self._same(formal.key, actual.key), self._same(formal.value, actual.value)])  # type: ignore[attr-defined]
            if len(formal.items) != len(actual.items):  # type: ignore[attr-defined]
                return False
            return _all([self._same(f, a) for f, a in zip(formal.items, actual.items)])  # type: ignore[attr-defined]
        if not formal.known or not actual.known:
            return None
        if isinstance(formal, TensorT) and isinstance(actual, TensorT):
            return True
        return formal == actual

    def substitute(self, t: Type) -> Type:
        if isinstance(t, VarT):
            return self.bound.get(t.name, UNKNOWN)
        if isinstance(t, OptionalT):
            return optional(self.substitute(t.elem))
        if isinstance(t, ListT):
            return ListT(self.substitute(t.elem))
        if isinstance(t, DictT):
            return DictT(self.substitute(t.key), self.substitute(t.value))
        if isinstance(t, TupleT):
            return TupleT(tuple(self.substitute(i) for i in t.items))
        if isinstance(t, FutureT):
            return FutureT(self.substitute(t.elem))
        return t


def _all(verdicts: Sequence[Verdict]) -> Verdict:
    if any(v is False for v in verdicts):
        return False
    if any(v is None for v in verdicts):
        return None
    return True


def _varargs_list(args: Sequence[schemas.Argument], index: int) -> bool:
    """`varargsCanBeUsedAsList`: the last positional argument is a plain (non-broadcast) list."""
    arg = args[index]
    last = index + 1 == len(args) or args[index + 1].kwarg_only
    formal = parse_schema_type(arg.type)
    t = formal.type.elem if isinstance(formal.type, OptionalT) else formal.type
    return last and isinstance(t, ListT) and formal.size is None and not isinstance(t.elem, VarT)


def _keyword_for(overload: schemas.Overload, formal: schemas.Argument, given: Collection[str]) -> Optional[str]:
    """The keyword among `given` that fills `formal`: its name, or `input` for an aten op's `self`
    (`findInputWithName`)."""
    if formal.name in given:
        return formal.name
    if formal.name == "self" and "input" in given and overload.op.startswith("aten::"):
        return "input"
    return None


def match_overload(overload: schemas.Overload, args: Sequence[Type], kwargs: dict[str, Type],
                   convert: bool) -> tuple[Verdict, Type]:
    """(does the call match this overload, the result type if it does)."""
    binder = _Binder(convert)
    formals = overload.arguments
    verdicts: list[Verdict] = []
    used = 0
    remaining = dict(kwargs)
    for index, formal in enumerate(formals):
        parsed = parse_schema_type(formal.type)
        if not formal.kwarg_only and used < len(args):
            actual = args[used]
            if convert and _varargs_list(formals, index):
                if actual.kind == "Unknown":
                    verdicts.append(None)
                    used += 1
                    continue
                list_type = parsed.type.elem if isinstance(parsed.type, OptionalT) else parsed.type
                if not isinstance(actual, ListT) and not (
                        isinstance(actual, TupleT) and binder.accepts(list_type, actual) is not False):
                    verdicts.extend(binder.accepts(list_type.elem, a) for a in args[used:])  # type: ignore[attr-defined]
                    used = len(args)
                    continue
            verdicts.append(binder.accepts(parsed.type, actual, parsed.size))
            used += 1
        elif (key := _keyword_for(overload, formal, remaining)) is not None:
            verdicts.append(binder.accepts(parsed.type, remaining.pop(key), parsed.size))
        elif not formal.has_default:
            return False, UNKNOWN
    if (used < len(args) or remaining) and not overload.is_vararg:
        return False, UNKNOWN
    verdict = _all(verdicts)
    if verdict is False:
        return False, UNKNOWN
    return verdict, result_type(overload, binder)


def binding_failure(overload: schemas.Overload, n_args: int, keywords: Sequence[str], method: bool) -> Optional[str]:
    """Why a call cannot bind to `overload` whatever its argument types, in the compiler's words
    (`tryMatchSchema`), or None when it might bind.

    Only the shape of the call counts: positional arguments fill the non-keyword-only formals in
    order (a Tensor method's receiver fills the formal named `self`), a trailing list formal may
    take every remaining positional argument (`x.view(2, 3)`), keywords fill formals by name (`input`
    names `self` for an aten op), and a formal left without value needs a default. Types are not
    looked at, so the answer holds whatever the checker knows about the arguments.
    """
    self_left = method
    used = 0
    unused = list(keywords)
    for index, formal in enumerate(overload.arguments):
        if formal.name == "self" and self_left:
            self_left = False
            continue
        if not formal.kwarg_only and used < n_args:
            used = n_args if _varargs_list(overload.arguments, index) else used + 1
            continue
        given = _keyword_for(overload, formal, unused)
        if given is not None:
            unused.remove(given)
        elif not formal.has_default:
            return f"Argument {formal.name} not provided."
    if self_left:
        return "Provided self argument not used in schema."
    if used < n_args and not overload.is_vararg:
        return f"Expected at most {used} arguments but found {n_args} positional arguments."
    if unused:
        known = any(a.name == unused[0] for a in overload.arguments)
        return f"Keyword argument {unused[0]} {'specified twice' if known else 'unknown'}."
    return None


def unbindable(overloads: Sequence[schemas.Overload], n_args: int, keywords: Sequence[str],
               method: bool) -> Optional[list[tuple[schemas.Overload, str]]]:
    """Every overload with the reason it cannot take the call, when none can (`Arguments for call
    are not valid`); None when some overload might."""
    reasons = []
    for overload in overloads:
        reason = binding_failure(overload, n_args, keywords, method)
        if reason is None:
            return None
        reasons.append((overload, reason))
    return reasons or None


def has_tensor_self_overload(op_name: str) -> bool:
    """Whether some overload of `op_name` takes a Tensor as its `self` argument: what
    `BuiltinFunction::tryCreate` asks before `x.NAME` resolves to the op as a Tensor method."""
    for overload in schemas.op_overloads(op_name):
        for arg in overload.arguments:
            if arg.name == "self":
                t = parse_schema_type(arg.type).type
                t = t.elem if isinstance(t, OptionalT) else t
                if isinstance(t, (TensorT, VarT)) or t in (ANY, UNKNOWN):
                    return True
    return False


def result_type(overload: schemas.Overload, binder: Optional[_Binder] = None) -> Type:
    if overload.is_varret:
        return UNKNOWN
    types = [parse_schema_type(r).type for r in overload.returns]
    if binder is not None:
        types = [binder.substitute(t) for t in types]
    types = [UNKNOWN if _has_var(t) else t for t in types]
    if not types:
        return NONE
    if len(types) == 1:
        return types[0]
    return TupleT(tuple(types))


def _has_var(t: Type) -> bool:
    return isinstance(t, VarT) or any(_has_var(c) for c in t.children())


@dataclass
class CallResult:
    type: Type
    matched: Optional[bool]  # True: some overload surely matches; False: none can; None: unknown
    overload: Optional[schemas.Overload] = None


def match_call(overloads: Sequence[schemas.Overload], args: Sequence[Type],
               kwargs: Optional[dict[str, Type]] = None) -> CallResult:
    """The result of calling an op: the first overload that matches, trying conversions second."""
    kwargs = kwargs or {}
    if not overloads:
        return CallResult(UNKNOWN, None)
    maybe: list[tuple[Type, schemas.Overload]] = []
    for convert in (False, True):
        for overload in overloads:
            verdict, result = match_overload(overload, args, kwargs, convert)
            if verdict is True:
                if not maybe:
                    return CallResult(result, True, overload)
                results = {str(t) for t, _ in maybe} | {str(result)}
                same = len(results) == 1 and all(t.known for t, _ in maybe) and result.known
                return CallResult(result if same else UNKNOWN, True, overload)
            if verdict is None:
                maybe.append((result, overload))
    if maybe:
        first = maybe[0][0]
        same = all(str(t) == str(first) for t, _ in maybe) and first.known
        return CallResult(first if same else UNKNOWN, None, maybe[0][1])
    return CallResult(UNKNOWN, False)


def op_result(op: str, args: Sequence[Type], kwargs: Optional[dict[str, Type]] = None) -> CallResult:
    return match_call(schemas.op_overloads(op), args, kwargs)


def all_return_types(op: str) -> set[str]:
    """Spellings of every overload's result: when there is only one, an unknown argument does not
    matter."""
    return {str(result_type(o)) for o in schemas.op_overloads(op)}
