"""What the type checker needs to know about the rest of the project: signatures of functions and
methods in any file, and the attribute types of modules and script classes.

Per-file summaries (`project.index`) keep names, not annotations, so the few files a function's calls
lead into are parsed again here, once per run (cached by path and content digest). Everything is
computed lazily and cached per `Project` (a weak reference, so a new run starts fresh).
"""
from __future__ import annotations

import ast
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Optional, Union

from ..nodes import walk  # `ast.walk` without its per-node generators (same order)
from ..project.index import dotted, module_level_statements
from ..project.model import ClassRef, External, FuncRef, Project
from ..source import SourceError, parsed_file
from ..trees import definition_tree
from .type_comments import signature_comment
from .types import (
    BOOL, FLOAT, INFERRED_TENSOR, INT, NONE, STR, TENSOR, UNKNOWN, AliasRef, Annotation, AnnotationError,
    AnnotationParser, ClassT, ListT, TupleT, Type, literal_type, torch_class_name,
)

if TYPE_CHECKING:  # pragma: no cover
    from .infer import FunctionTypes

#: torch callables that build a Tensor (for attribute values assigned in `__init__`)
TENSOR_FACTORIES = {
    "torch.nn.Parameter", "torch.nn.parameter.Parameter", "torch.nn.Buffer", "torch.zeros",
    "torch.ones", "torch.empty", "torch.randn", "torch.rand", "torch.randint", "torch.tensor",
    "torch.as_tensor", "torch.arange", "torch.linspace", "torch.full", "torch.eye", "torch.Tensor",
    "torch.zeros_like", "torch.ones_like", "torch.empty_like", "torch.randn_like", "torch.logspace",
    "torch.from_numpy", "torch.stack", "torch.cat", "torch.FloatTensor", "torch.LongTensor",
}


@dataclass
class Param:
    name: str
    type: Type
    annotated: bool
    node: ast.arg
    default: Optional[ast.expr] = None
    kwonly: bool = False
    error: Optional[AnnotationError] = None


@dataclass
class Signature:
    qualname: str
    module: str
    params: list[Param]  # `self` included for methods, as the compiler's schema does
    returns: Optional[Type]  # None: not annotated (inferred from the body)
    return_error: Optional[AnnotationError] = None
    is_method: bool = False
    decorators: frozenset[str] = frozenset()

    def param(self, name: str) -> Optional[Param]:
        return next((p for p in self.params if p.name == name), None)


class Scope:
    """Name resolution inside one module, for annotations and attribute values."""

    def __init__(self, state: "ProjectTypes", module: str, local_names: frozenset[str] = frozenset()):
        self.state = state
        self.project = state.project
        self.module = module
        self.local_names = local_names

    def qualify(self, name: str) -> Optional[str]:
        if name.split(".", 1)[0] in self.local_names:
            return None
        return self.project.qualify(self.module, name)

    def lookup(self, qualname: str) -> Union[Type, AliasRef, None]:
        resolved = self.project.resolve_qualified(qualname)
        if isinstance(resolved, ClassRef):
            return self.state.class_type(resolved)
        if resolved is None:
            mod, _, name = qualname.rpartition(".")
            summary = self.project.by_module.get(mod)
            if summary is not None and name in summary.globals:
                return AliasRef(lambda: self.state.alias_type(mod, name))
        return None

    def parser(self) -> AnnotationParser:
        return AnnotationParser(self.qualify, self.lookup)


#: how the type checker infers another function's body for its callers: (state, function, its def
#: node, its class) -> what the body gives them. Passed in by `infer.py`, the layer above, so that this
#: module never imports the checker.
InferBody = Callable[["ProjectTypes", FuncRef, ast.FunctionDef, Optional[ClassRef]], "FunctionTypes"]


class ProjectTypes:
    """Lazily computed, cached type facts about one project."""

    def __init__(self, project: Project, infer_body: InferBody):
        self.project = project
        self._infer_body = infer_body
        self._checked: tuple[str, Optional[ast.Module]] = ("", None)  # the tree of the file being checked
        self._signatures: dict[FuncRef, Optional[Signature]] = {}
        self._overloads: dict[FuncRef, list[Signature]] = {}
        self._inferred: dict[FuncRef, "FunctionTypes"] = {}
        self._attrs: dict[ClassRef, dict[str, Type]] = {}
        self._init_types: dict[tuple[ClassRef, int, bool], dict[str, Type]] = {}
        self._aliases: dict[tuple[str, str], Type] = {}
        self._in_progress: set = set()

    # -- sources -----------------------------------------------------------------------------
    def tree(self, module: str) -> Optional[ast.Module]:
        """A module's tree, from the per-process parse cache (bounded: a run over a large project must
        not keep every tree it ever looked at)."""
        if module == self._checked[0]:
            return self._checked[1]
        summary = self.project.by_module.get(module)
        if summary is None:
            return None
        try:
            return parsed_file(summary.path, summary.digest, module).tree
        except (OSError, SourceError, RecursionError, ValueError):
            return None

    def set_tree(self, module: str, tree: ast.Module) -> None:
        """The file being checked is already parsed: share its tree."""
        self._checked = (module, tree)

    def definition_tree(self, module: str, name: str) -> Optional[ast.Module]:
        """A tree holding module-level class or def `name` (see `tslint.trees`)."""
        if module == self._checked[0]:
            return self._checked[1]
        return definition_tree(self.project.by_module.get(module), module, name)

    def function_node(self, ref: FuncRef) -> Optional[tuple[ast.FunctionDef, Optional[ast.ClassDef]]]:
        tree = self.definition_tree(ref.module, ref.qualname.split(".", 1)[0])
        return _tree_index(tree).functions.get(ref.qualname) if tree is not None else None

    def class_node(self, ref: ClassRef) -> Optional[ast.ClassDef]:
        tree = self.definition_tree(ref.module, ref.name)
        return _tree_index(tree).classes.get(ref.name) if tree is not None else None

    # -- types of names ----------------------------------------------------------------------
    def class_type(self, ref: ClassRef) -> Type:
        info = self.project.cls(ref)
        enum = bool(info) and any(
            self.project.qualify(ref.module, b) in ("enum.Enum", "enum.IntEnum") for b in info.bases)  # type: ignore[union-attr]
        return ClassT(torch_class_name(ref.module, ref.name), ref, self.project.is_nn_module(ref), enum)

    def alias_type(self, module: str, name: str) -> Type:
        key = (module, name)
        if key in self._aliases:
            return self._aliases[key]
        self._aliases[key] = UNKNOWN  # cycles
        tree = self.tree(module)
        result: Type = UNKNOWN
        if tree is not None:
            for stmt in module_level_statements(tree.body):
                value = None
                if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
                    value = stmt.value
                elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == name:
                    value = stmt.value
                if value is not None:
                    parsed = Scope(self, module).parser().parse(value)
                    result = parsed.type if parsed.error is None else UNKNOWN
        self._aliases[key] = result
        return result

    # -- signatures --------------------------------------------------------------------------
    def signature(self, ref: FuncRef) -> Optional[Signature]:
        if ref not in self._signatures:
            found = self.function_node(ref)
            sig = None
            if found is not None:
                node, class_node = found
                class_ref = ClassRef(ref.module, class_node.name) if class_node is not None else None
                sig = parse_signature(self, ref.module, node, class_ref, ref.qualname)
            self._signatures[ref] = sig
        return self._signatures[ref]

    def overloads(self, ref: FuncRef) -> list[Signature]:
        """The signatures of the `@torch.jit._overload` / `@torch._jit_internal._overload_method`
        stubs of a function (empty when it has none). The compiler never compiles such an
        implementation alone: it compiles it once per stub, with the stub's parameter and return
        types, and matches each call against the stubs (`_compile_function_with_overload`)."""
        if ref not in self._overloads:
            self._overloads[ref] = self._find_overloads(ref)
        return self._overloads[ref]

    def _find_overloads(self, ref: FuncRef) -> list[Signature]:
        found = self.function_node(ref)
        if found is None:
            return []
        node, class_node = found
        if class_node is not None:
            owner: Iterable[ast.stmt] = class_node.body
        else:
            tree = self.definition_tree(ref.module, node.name)
            owner = module_level_statements(tree.body) if tree is not None else ()
        class_ref = ClassRef(ref.module, class_node.name) if class_node is not None else None
        stubs = [parse_signature(self, ref.module, stub, class_ref, ref.qualname) for stub in owner
                 if isinstance(stub, (ast.FunctionDef, ast.AsyncFunctionDef)) and stub.name == node.name and stub is not node]
        return [sig for sig in stubs if sig.decorators & _OVERLOAD_DECORATORS]

    def return_type(self, ref: FuncRef) -> Type:
        """The declared return type, or the one the compiler infers from the body."""
        sig = self.signature(ref)
        if sig is None:
            return UNKNOWN
        if sig.decorators & {"_overload", "_overload_method", "overload"}:
            return UNKNOWN  # the first definition is one overload among several
        if sig.returns is not None:
            return sig.returns
        if sig.decorators & {"ignore", "unused"}:
            return UNKNOWN
        inferred = self.infer(ref)
        return inferred.returns if inferred is not None else UNKNOWN

    def infer(self, ref: FuncRef) -> Optional["FunctionTypes"]:
        """What the body of another function gives its callers (its return type). Only that is kept:
        the full result (expression types, IR) holds on to the callee's nodes."""
        if ref in self._inferred:
            return self._inferred[ref]
        if ref in self._in_progress or len(self._in_progress) > 24:
            return None  # recursion (rejected by the compiler anyway) or too deep
        found = self.function_node(ref)
        if found is None:
            return None
        node, class_node = found
        class_ref = ClassRef(ref.module, class_node.name) if class_node is not None else None
        self._in_progress.add(ref)
        try:
            result = self._inferred[ref] = self._infer_body(self, ref, node, class_ref)
        finally:
            self._in_progress.discard(ref)
        return result

    # -- attributes --------------------------------------------------------------------------
    def init_assignments(self, klass: ClassRef, init: ast.FunctionDef, scope: "Scope", is_module: bool) -> dict[str, Type]:
        """What one `__init__` assigns (a fact of that class, asked again by every subclass: once per
        class, not once per subclass, for a base like `PreTrainedModel`)."""
        key = (klass, init.lineno, is_module)
        found = self._init_types.get(key)
        if found is None:
            found = self._init_types[key] = _init_assignments(self, klass, init, scope, is_module)
        return found

    def attributes(self, ref: ClassRef) -> dict[str, Type]:
        if ref not in self._attrs:
            self._attrs[ref] = {}
            self._attrs[ref] = _class_attributes(self, ref)
        return self._attrs[ref]

    def init_default(self, ref: ClassRef, attr: str) -> object:
        """The value `self.<attr>` gets from a zero-argument construction, when `__init__` sets it
        once from a parameter with a literal default (`self.return_indices = return_indices`)."""
        found: list[object] = []
        for klass in self.project.mro(ref):
            node = self.class_node(klass)
            init = next((s for s in node.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None) if node else None
            if init is None:
                continue
            args = init.args.posonlyargs + init.args.args
            defaults = dict(zip([a.arg for a in args[len(args) - len(init.args.defaults):]], init.args.defaults))
            defaults.update({a.arg: d for a, d in zip(init.args.kwonlyargs, init.args.kw_defaults) if d is not None})
            for sub in walk(init):
                if isinstance(sub, (ast.Assign, ast.AnnAssign)):
                    targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
                    for t in targets:
                        if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self" and t.attr == attr:
                            value = sub.value
                            if isinstance(value, ast.Name) and isinstance(defaults.get(value.id), ast.Constant):
                                found.append(defaults[value.id].value)  # type: ignore[union-attr]
                            elif isinstance(value, ast.Constant):
                                found.append(value.value)
                            else:
                                return None
            if found:
                break  # the nearest `__init__` that sets it wins (subclasses call super() first)
        return found[0] if len(found) == 1 else None

    def default_attribute_type(self, ref: ClassRef, attr: str) -> Type:
        """The type of module attribute `self.<attr>` when the module is built with no arguments and
        its only assignment is `self.<attr> = param` in the nearest `__init__`, from a parameter with
        an int/float/bool/str literal default that `__init__` never rebinds (the compiler types the
        attribute from that value: `gain: float = 1` stores an int). Unknown otherwise."""
        if not self.project.is_nn_module(ref) or attr in _module_annotations(self, ref) or attr in self.constant_attributes(ref):
            return UNKNOWN
        init_ref = self.project.find_method(ref, "__init__")
        found = self.function_node(init_ref) if init_ref is not None else None
        if found is None:
            return UNKNOWN
        init = found[0]
        args = init.args.posonlyargs + init.args.args
        if len(init.args.defaults) < len(args) - 1 or any(d is None for d in init.args.kw_defaults):
            return UNKNOWN  # a zero-argument construction fails: nothing is scripted
        for klass in self.project.mro(ref):
            node = self.class_node(klass)
            if node is None:
                continue
            for fn in node.body:
                if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and fn is not init and _assigns_self(fn, attr):
                    return UNKNOWN  # set elsewhere too (a helper `__init__` calls, a base's `__init__`)
        stored = {n.id for n in walk(init) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        sources = [sub.value for sub in walk(init) if isinstance(sub, (ast.Assign, ast.AnnAssign))
                   for t in (sub.targets if isinstance(sub, ast.Assign) else [sub.target])
                   if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self" and t.attr == attr]
        if len(sources) != 1 or not isinstance(sources[0], ast.Name) or sources[0].id in stored or _assigns_self(init, attr, aug_only=True):
            return UNKNOWN
        value = self.init_default(ref, attr)
        if value is None and self._default_is_none(init, sources[0].id):
            return NONE  # the compiler types an attribute holding None as NoneType
        if type(value) not in (int, float, bool, str):
            return UNKNOWN
        return literal_type(value)

    @staticmethod
    def _default_is_none(init: ast.FunctionDef, param: str) -> bool:
        """Is the default of `__init__`'s parameter `param` the literal None (not merely unknown)?"""
        args = init.args.posonlyargs + init.args.args
        pairs = list(zip(args[len(args) - len(init.args.defaults):], init.args.defaults))
        pairs += [(a, d) for a, d in zip(init.args.kwonlyargs, init.args.kw_defaults) if d is not None]
        return any(a.arg == param and isinstance(d, ast.Constant) and d.value is None for a, d in pairs)

    def constant_value(self, ref: ClassRef, attr: str, zero_args: bool) -> object:
        """The value of constant attribute `self.<attr>` when it is known: a class-body literal that no
        `__init__` along the MRO reassigns (`use_cache: Final[bool] = False`), or, for a module built
        with no arguments (`zero_args`), the literal `__init__` stores (`self.flag = flag`, `flag=True`).
        None when unknown."""
        for klass in self.project.mro(ref):
            node = self.class_node(klass)
            init = next((s for s in node.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None) if node else None
            if init is not None and _assigns_self(init, attr):
                return self.init_default(ref, attr) if zero_args else None
        for klass in self.project.mro(ref):
            node = self.class_node(klass)
            for stmt in node.body if node else ():
                target = stmt.target if isinstance(stmt, ast.AnnAssign) else stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None
                if isinstance(target, ast.Name) and target.id == attr and stmt.value is not None:  # type: ignore[union-attr]
                    return stmt.value.value if isinstance(stmt.value, ast.Constant) else None  # type: ignore[union-attr]
        return None

    def constant_attributes(self, ref: ClassRef) -> set[str]:
        """Names in `__constants__` or annotated `Final` along the MRO (their `if` may be static)."""
        out: set[str] = set()
        for klass in self.project.mro(ref):
            info = self.project.cls(klass)
            if info is None:
                continue
            out.update(info.constants)
            out.update(n for n, a in info.annotations.items() if "Final" in a)
        return out


#: decorators that register an overload with the compiler (`typing.overload` alone does not)
_OVERLOAD_DECORATORS = frozenset({"_overload", "_overload_method"})


def _assigns_self(fn: ast.AST, attr: str, aug_only: bool = False) -> bool:
    """Whether `fn` assigns `self.<attr>` (or, with `aug_only`, updates it with `+=` and the like)."""
    for sub in walk(fn):
        if isinstance(sub, ast.AugAssign):
            targets: list = [sub.target]
        elif aug_only:
            continue
        elif isinstance(sub, ast.Assign):
            targets = [e for t in sub.targets for e in (t.elts if isinstance(t, (ast.Tuple, ast.List)) else [t])]
        elif isinstance(sub, ast.AnnAssign):
            targets = [sub.target]
        elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id == "setattr":
            return True  # dynamic: give up
        else:
            continue
        if any(isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self" and t.attr == attr
               for t in targets):
            return True
    return False


@dataclass
class _TreeIndex:
    functions: dict[str, tuple[ast.FunctionDef, Optional[ast.ClassDef]]]  # as `project.index.function_nodes`
    classes: dict[str, ast.ClassDef]  # the first module-level definition of each name


_INDEXES: "weakref.WeakKeyDictionary[ast.Module, _TreeIndex]" = weakref.WeakKeyDictionary()


def _tree_index(tree: ast.Module) -> _TreeIndex:
    """Where each function and class of a tree is, computed once per tree (not once per look-up)."""
    index = _INDEXES.get(tree)
    if index is None:
        from ..project.index import function_nodes

        classes: dict[str, ast.ClassDef] = {}
        for stmt in module_level_statements(tree.body):
            if isinstance(stmt, ast.ClassDef):
                classes.setdefault(stmt.name, stmt)
        index = _INDEXES[tree] = _TreeIndex(function_nodes(tree), classes)
    return index


# ---------------------------------------------------------------------------------------------
# Signatures
# ---------------------------------------------------------------------------------------------


def parse_signature(state: ProjectTypes, module: str, node: ast.FunctionDef, class_ref: Optional[ClassRef],
                    qualname: str) -> Signature:
    """Parameter and return types as the compiler reads them (`# type:` comments win; an
    unannotated parameter is `Tensor (inferred)`; `self` is the class)."""
    project = state.project
    decorators = frozenset(
        q.rsplit(".", 1)[-1] for q in project.decorator_qualnames(module, [d for d in (
            dotted(x.func if isinstance(x, ast.Call) else x) for x in node.decorator_list) if d]))
    scope = Scope(state, module)
    parser = scope.parser()
    args = node.args
    all_args = args.posonlyargs + args.args
    defaults: list[Optional[ast.expr]] = [None] * (len(all_args) - len(args.defaults)) + list(args.defaults)
    is_method = class_ref is not None and "staticmethod" not in decorators
    comment_types: Optional[list[Annotation]] = None
    comment_return: Optional[Annotation] = None
    comment = signature_comment(node)
    if comment:
        parsed = _parse_type_comment(comment, node, parser)
        if parsed is not None:
            comment_types, comment_return = parsed
    params: list[Param] = []
    offset = 1 if is_method else 0
    for i, (arg, default) in enumerate(zip(all_args, defaults)):
        if i == 0 and is_method:
            self_type: Type = state.class_type(class_ref) if "classmethod" not in decorators else UNKNOWN  # type: ignore[arg-type]
            params.append(Param(arg.arg, self_type, True, arg, default))
            continue
        if comment_types is not None:
            j = i - offset
            ann = comment_types[j] if 0 <= j < len(comment_types) else Annotation(UNKNOWN)
            annotated = True
        elif arg.annotation is not None:
            ann = parser.parse(arg.annotation)
            annotated = True
        else:
            ann = Annotation(INFERRED_TENSOR)
            annotated = False
        params.append(Param(arg.arg, ann.type, annotated, arg, default, False, ann.error))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        ann = parser.parse(arg.annotation) if arg.annotation is not None else Annotation(INFERRED_TENSOR)
        params.append(Param(arg.arg, ann.type, arg.annotation is not None, arg, default, True, ann.error))
    returns: Optional[Type] = None
    return_error = None
    if comment_return is not None:
        returns, return_error = comment_return.type, comment_return.error
    elif node.returns is not None:
        ann = parser.parse(node.returns)
        returns, return_error = ann.type, ann.error
    return Signature(qualname, module, params, returns, return_error, is_method, decorators)


def _parse_type_comment(text: str, node: ast.AST, parser: AnnotationParser) -> Optional[tuple[list[Annotation], Annotation]]:
    try:
        func_type = ast.parse(text, mode="func_type")
    except SyntaxError:
        return None
    for sub in ast.walk(func_type):
        if hasattr(sub, "lineno"):
            ast.copy_location(sub, node)
    return [parser.parse(a) for a in func_type.argtypes], parser.parse(func_type.returns)


# ---------------------------------------------------------------------------------------------
# Attributes
# ---------------------------------------------------------------------------------------------


def _class_attributes(state: ProjectTypes, ref: ClassRef) -> dict[str, Type]:
    """Attribute types of a module or script class, from the MRO's bodies and `__init__`s.

    nn.Module attributes take their type from the value after `__init__`, so only values whose type
    is certain count (a constant, a submodule, a Tensor factory); a class-body annotation overrides
    them (for modules). Attributes assigned values of different types are unknown.
    """
    project = state.project
    is_module = project.is_nn_module(ref)
    out: dict[str, Type] = {}
    annotated: dict[str, Type] = {}
    constants: set[str] = set()
    for klass in reversed(project.mro(ref)):  # bases first, subclasses override
        node = state.class_node(klass)
        info = project.cls(klass)
        if node is None or info is None:
            continue
        scope = Scope(state, klass.module)
        for stmt in node.body:
            if isinstance(stmt, ast.FunctionDef) and stmt.name == "__init__":
                for name, t in state.init_assignments(klass, stmt, scope, is_module).items():
                    out[name] = t
        for name in info.constants:
            constants.add(name)
            if name in info.class_values:
                out[name] = _value_type(info.class_values[name])
        constants.update(n for n, text in info.annotations.items() if "Final" in text)
    if is_module:
        annotated = _module_annotations(state, ref)
    for name, t in annotated.items():
        if name not in constants:
            out[name] = t
    for name in constants:
        # a constant's type is its value's: the annotation does not apply, and `is None` on it is
        # decided at compile time, so only a literal value (class body or `__init__`) is known
        out.setdefault(name, UNKNOWN)
    if is_module:
        out.setdefault("training", BOOL)
    return out


def _module_annotations(state: ProjectTypes, ref: ClassRef) -> dict[str, Type]:
    """Class-body annotations as `torch.jit._recursive.get_annotations` reads them: those of the
    nearest class in the MRO that has any (they are not merged with the bases')."""
    for klass in state.project.mro(ref):
        node = state.class_node(klass)
        if node is None:
            continue
        anns = [s for s in node.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)]
        if not anns:
            continue
        parser = Scope(state, klass.module).parser()
        out: dict[str, Type] = {}
        for stmt in anns:
            ann = parser.parse(stmt.annotation)
            out[stmt.target.id] = ann.type if ann.error is None else UNKNOWN  # type: ignore[union-attr]
        return out
    return {}


def torch_module_type(qualname: str) -> Type:
    """`torch.nn.Linear(...)` as an attribute: `__torch__.torch.nn.modules.linear.Linear`; `ref`
    keeps the public name, to find what its `forward` returns."""
    from .pysigs import nn_module

    public = qualname
    if qualname.startswith("torch.nn.modules."):
        public = "torch.nn." + qualname.rsplit(".", 1)[-1]
    found = nn_module(public)
    if found is None:
        return UNKNOWN
    return ClassT(torch_class_name(found[0], public.rsplit(".", 1)[-1]), public, True)


def _value_type(value: tuple) -> Type:
    if value and value[0] == "const":
        return {"int": INT, "float": FLOAT, "bool": BOOL, "str": STR, "None": NONE}.get(value[1], UNKNOWN)
    return UNKNOWN


def _init_assignments(state: ProjectTypes, klass: ClassRef, init: ast.FunctionDef, scope: Scope,
                      is_module: bool) -> dict[str, Type]:
    params = {a.arg: a for a in init.args.posonlyargs + init.args.args + init.args.kwonlyargs}
    parser = scope.parser()
    seen: dict[str, list[Type]] = {}

    def value_type(node: Optional[ast.expr]) -> Type:
        if node is None:
            return UNKNOWN
        if isinstance(node, ast.Constant):
            return literal_type(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant) and isinstance(node.op, ast.USub):
            return literal_type(node.operand.value)
        if isinstance(node, (ast.List, ast.Tuple)) and node.elts:
            items = [value_type(e) for e in node.elts]
            if not all(i.known for i in items):
                return UNKNOWN
            if isinstance(node, ast.Tuple):
                return TupleT(tuple(items))
            first = items[0]
            return ListT(first) if all(i == first for i in items) else UNKNOWN
        if isinstance(node, ast.Name) and node.id in params and not is_module:
            arg = params[node.id]
            return parser.parse(arg.annotation).type if arg.annotation is not None else INFERRED_TENSOR
        if isinstance(node, ast.Name) and node.id in params and params[node.id].annotation is not None:
            # a module attribute takes the type of the value passed; a `bool` or `str` parameter is
            # passed one (an `int` one may get a bool, a `float` one an int: those stay unknown)
            t = parser.parse(params[node.id].annotation).type
            return t if t in (BOOL, STR) else UNKNOWN
        if isinstance(node, ast.Call):
            name = dotted(node.func)
            if name is None:
                return UNKNOWN
            qual = scope.qualify(name)
            if qual in TENSOR_FACTORIES:
                return TENSOR
            if qual in ("torch.jit.annotate",) and len(node.args) == 2:
                return parser.parse(node.args[0]).type
            if qual in ("torch.jit.Attribute",) and len(node.args) == 2:
                return parser.parse(node.args[1]).type
            resolved = state.project.resolve(klass.module, name)
            if isinstance(resolved, ClassRef):
                return state.class_type(resolved)
            if isinstance(resolved, External):
                return torch_module_type(resolved.qualname)
        return UNKNOWN

    for sub in walk(init):
        target_value: list[tuple[str, Optional[ast.expr]]] = []
        if isinstance(sub, ast.Assign):
            for t in sub.targets:
                if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
                    target_value.append((t.attr, sub.value))
        elif isinstance(sub, ast.AnnAssign) and sub.value is not None:
            t = sub.target
            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
                if not is_module:
                    ann = parser.parse(sub.annotation)
                    seen.setdefault(t.attr, []).append(ann.type if ann.error is None else UNKNOWN)
                    continue
                target_value.append((t.attr, sub.value))
        elif isinstance(sub, ast.AugAssign):
            t = sub.target
            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
                target_value.append((t.attr, None))
        elif (isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute)
              and isinstance(sub.func.value, ast.Name) and sub.func.value.id == "self"
              and sub.func.attr in ("register_buffer", "register_parameter", "add_module", "register_module")
              and len(sub.args) >= 2 and isinstance(sub.args[0], ast.Constant) and isinstance(sub.args[0].value, str)):
            value = sub.args[1]
            kind = TENSOR if sub.func.attr != "add_module" and sub.func.attr != "register_module" else None
            t_ = value_type(value)
            if kind is TENSOR and not (isinstance(value, ast.Constant) and value.value is None):
                t_ = TENSOR if t_ in (UNKNOWN, TENSOR) else t_
            seen.setdefault(sub.args[0].value, []).append(t_)
        elif (isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id == "setattr"):
            if sub.args and isinstance(sub.args[0], ast.Name) and sub.args[0].id == "self" and len(sub.args) > 1:
                if isinstance(sub.args[1], ast.Constant) and isinstance(sub.args[1].value, str):
                    seen.setdefault(sub.args[1].value, []).append(UNKNOWN)
        for name, value in target_value:
            seen.setdefault(name, []).append(value_type(value))
    out: dict[str, Type] = {}
    for name, types in seen.items():
        first = types[0]
        out[name] = first if all(t == first for t in types) and first.known else UNKNOWN
    return out
