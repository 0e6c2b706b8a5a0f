"""What a class's instances hold when the compiler looks at them, from source alone.

TorchScript types module attributes from the *runtime* object after `__init__` (and script-class
attributes from the compiled `__init__`), so the attribute rules (TS3xx) must know, without running
anything, which names an instance can have: assigned on `self` in `__init__` and the methods it calls,
registered with `register_buffer("name", ...)` / `add_module("name", ...)` / `setattr(self, "name", ...)`,
declared in a class body, or inherited from `nn.Module`. The answer is trusted only when the whole
hierarchy is in the project and nothing creates attributes dynamically; otherwise `complete` is False
and the rules stay silent (precision first).
"""
from __future__ import annotations

import ast
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Iterator, Optional

from tslint.nodes import child_list
from tslint.project.dynamic_stores import ANY, CALL
from tslint.project.index import dotted, module_level_statements, member_key
from tslint.project.model import ClassRef, External, Project
from tslint.trees import definition_tree

#: `dir(torch.nn.Module())` in torch 2.13: names every module instance has
NN_MODULE_NAMES = frozenset("""
T_destination __annotations__ __call__ __class__ __delattr__ __dict__ __dir__ __doc__ __eq__ __format__ __ge__
__getattr__ __getattribute__ __getstate__ __gt__ __hash__ __init__ __init_subclass__ __le__ __lt__ __module__ __ne__
__new__ __reduce__ __reduce_ex__ __repr__ __setattr__ __setstate__ __sizeof__ __str__ __subclasshook__ __weakref__
_apply _backward_hooks _backward_pre_hooks _buffers _call_impl _compiled_call_impl _forward_hooks
_forward_hooks_always_called _forward_hooks_with_kwargs _forward_pre_hooks _forward_pre_hooks_with_kwargs
_get_backward_hooks _get_backward_pre_hooks _get_name _is_full_backward_hook _load_from_state_dict
_load_state_dict_post_hooks _load_state_dict_pre_hooks _maybe_warn_non_full_backward_hook _modules _named_members
_non_persistent_buffers_set _parameters _register_load_state_dict_pre_hook _register_state_dict_hook
_replicate_for_data_parallel _save_to_state_dict _slow_forward _state_dict_hooks _state_dict_pre_hooks _version
_wrapped_call_impl add_module apply bfloat16 buffers call_super_init children compile cpu cuda double dump_patches
eval extra_repr float forward get_buffer get_extra_state get_parameter get_submodule half ipu load_state_dict modules
mtia named_buffers named_children named_modules named_parameters parameters register_backward_hook register_buffer
register_forward_hook register_forward_pre_hook register_full_backward_hook register_full_backward_pre_hook
register_load_state_dict_post_hook register_load_state_dict_pre_hook register_module register_parameter
register_state_dict_post_hook register_state_dict_pre_hook requires_grad_ set_extra_state set_submodule share_memory
state_dict to to_empty train training type xpu zero_grad
""".split())

#: the names of `NN_MODULE_NAMES` that are not methods and that a scripted module does not have:
#: `_recursive.py` `infer_concrete_type_builder` adds only the instance's parameters, buffers,
#: submodules and `__dict__` entries outside `ignored_attributes` (nn.Module's own bookkeeping), so
#: reading them in compiled code fails with 'has no attribute' (probed on torch 2.13)
NN_MODULE_HIDDEN = frozenset("""
T_destination _backward_hooks _backward_pre_hooks _buffers _compiled_call_impl _forward_hooks
_forward_hooks_always_called _forward_hooks_with_kwargs _forward_pre_hooks _forward_pre_hooks_with_kwargs
_load_state_dict_post_hooks _load_state_dict_pre_hooks _modules _non_persistent_buffers_set _parameters
_state_dict_hooks _state_dict_pre_hooks _version call_super_init dump_patches
""".split())

#: nn.Module's own methods that `self.<name>` in compiled code makes the compiler compile from
#: torch's source, which fails there (`Self` return annotations, lambdas, `yield`, `*args`); the
#: others of `NN_MODULE_NAMES` compile or are special-cased (`children`, `modules`, `named_*`).
#: Probed on torch 2.13; the `register_*`/`add_module` ones are TS312's
NN_MODULE_UNCOMPILABLE = frozenset("""
_apply _call_impl _get_backward_hooks _get_backward_pre_hooks _get_name _load_from_state_dict
_maybe_warn_non_full_backward_hook _named_members _register_load_state_dict_pre_hook _register_state_dict_hook
_replicate_for_data_parallel _save_to_state_dict _slow_forward _wrapped_call_impl apply bfloat16 buffers compile
cpu cuda double eval float get_buffer get_parameter get_submodule half ipu load_state_dict mtia named_parameters
parameters register_backward_hook register_forward_hook register_forward_pre_hook register_full_backward_hook
register_full_backward_pre_hook register_load_state_dict_post_hook register_load_state_dict_pre_hook
register_state_dict_post_hook register_state_dict_pre_hook requires_grad_ set_submodule share_memory state_dict
to to_empty train type xpu zero_grad
""".split())

NN_MODULE_ROOTS = frozenset({"torch.nn.Module", "torch.nn.modules.module.Module", "object", "builtins.object"})
REGISTERS = {"register_buffer", "register_parameter", "add_module", "register_module"}
CONTAINER_KINDS = {
    "torch.nn.ModuleList": "ModuleList", "torch.nn.modules.container.ModuleList": "ModuleList",
    "torch.nn.Sequential": "Sequential", "torch.nn.modules.container.Sequential": "Sequential",
    "torch.nn.ModuleDict": "ModuleDict", "torch.nn.modules.container.ModuleDict": "ModuleDict",
}
FINAL_NAMES = {"Final", "typing.Final", "torch.jit.Final", "typing_extensions.Final", "jit.Final"}
JIT_CLASS_DECORATORS = {"torch.jit.script", "torch.jit.interface", "torch.jit._script.script"}


# -- parsed files --------------------------------------------------------------------------------
@dataclass
class _TreeMemo:
    """Look-up tables and per-class scans of one parsed tree, kept beside it (weakly keyed by the
    tree), so they live exactly as long as the shared parse cache keeps the tree."""

    classes: dict[str, list[ast.ClassDef]] = field(default_factory=dict)  # every definition, in order
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)  # the first module-level def
    scans: dict[str, Optional["_ClassScan"]] = field(default_factory=dict)


_TREES: "weakref.WeakKeyDictionary[ast.Module, _TreeMemo]" = weakref.WeakKeyDictionary()


def _tree_memo(tree: ast.Module) -> _TreeMemo:
    memo = _TREES.get(tree)
    if memo is None:
        memo = _TREES[tree] = _TreeMemo()
        for node in module_level_statements(tree.body):
            if isinstance(node, ast.ClassDef):
                memo.classes.setdefault(node.name, []).append(node)
            elif isinstance(node, ast.FunctionDef):
                memo.functions.setdefault(node.name, node)
    return memo


def _definition_tree(project: Project, module: str, name: str) -> Optional[ast.Module]:
    return definition_tree(project.summary(module), module, name)


def class_def(project: Project, ref: ClassRef) -> Optional[ast.ClassDef]:
    tree = _definition_tree(project, ref.module, ref.name)
    defs = _tree_memo(tree).classes.get(ref.name) if tree is not None else None
    return defs[0] if defs else None


def function_def(project: Project, module: str, qualname: str) -> Optional[ast.FunctionDef]:
    head, _, meth = qualname.partition(".")
    tree = _definition_tree(project, module, head)
    if tree is None:
        return None
    memo = _tree_memo(tree)
    if not meth:
        return memo.functions.get(head)
    for node in memo.classes.get(head, ()):
        for sub in node.body:
            if isinstance(sub, ast.FunctionDef) and member_key(sub) == meth:
                return sub
    return None


# -- small ast helpers ---------------------------------------------------------------------------
def self_name(fn: ast.FunctionDef) -> Optional[str]:
    """The instance parameter of a method, None for static methods and classmethods."""
    for dec in fn.decorator_list:
        name = dotted(dec.func if isinstance(dec, ast.Call) else dec) or ""
        if name.rsplit(".", 1)[-1] in ("staticmethod", "classmethod"):
            return None
    args = fn.args.posonlyargs + fn.args.args
    return args[0].arg if args else None


def self_attr(node: ast.AST, me: Optional[str]) -> Optional[str]:
    """`x` for `self.x` (with the method's own name for `self`)."""
    if me and isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == me:
        return node.attr
    return None


def str_literal(node: Optional[ast.AST]) -> Optional[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def is_final_annotation(annotation: str) -> bool:
    head = annotation.split("[", 1)[0].strip()
    return head in FINAL_NAMES or head.endswith(".Final")


def const_type(node: Optional[ast.AST]) -> Optional[str]:
    """`int`/`float`/`bool`/`str`/`NoneType` for a literal (including `-1`), else None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return type(node.value).__name__
        return None
    if isinstance(node, ast.Constant) and type(node.value) in (int, float, bool, str, type(None)):
        return type(node.value).__name__
    return None


# -- the facts -----------------------------------------------------------------------------------
@dataclass
class Assignment:
    method: str  # qualname of the method holding it, e.g. "Net.__init__"
    value: Optional[ast.expr]  # None for targets of tuple unpacking / for loops / with
    annotated: bool = False
    node: Optional[ast.AST] = None


@dataclass
class ClassFacts:
    ref: ClassRef
    is_module: bool
    #: every base is a project class or `nn.Module`/`object`, and nothing adds attributes dynamically
    complete: bool = True
    #: `complete` as far as the class hierarchy itself goes, ignoring a `setattr(obj, <computed>, v)`
    #: elsewhere in the project (which could add attributes, but replaces one only by naming it)
    hierarchy_complete: bool = True
    #: the methods that run at construction are all known (no `self` escaping to unknown code)
    init_complete: bool = True
    methods: dict[str, tuple[ClassRef, ast.FunctionDef]] = field(default_factory=dict)  # first in MRO
    all_methods: dict[str, list[tuple[ClassRef, ast.FunctionDef]]] = field(default_factory=dict)
    nested: set[str] = field(default_factory=set)
    class_values: dict[str, ast.expr] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    constants: set[str] = field(default_factory=set)
    assigned: dict[str, list[Assignment]] = field(default_factory=dict)
    registered: set[str] = field(default_factory=set)
    init_methods: set[str] = field(default_factory=set)
    #: names whose value some method changes in place (`self.x.append`, `self.x[k] = v`, `self.x += 1`)
    mutated: dict[str, set[str]] = field(default_factory=dict)

    # -- queries -------------------------------------------------------------------------------
    def builtin(self, name: str) -> bool:
        return self.is_module and name in NN_MODULE_NAMES

    def declared_in_class(self, name: str) -> bool:
        return name in self.methods or name in self.nested or name in self.class_values or name in self.annotations

    def defined_anywhere(self, name: str) -> bool:
        return (self.builtin(name) or self.declared_in_class(name) or name in self.assigned
                or name in self.registered)

    def defined_at_init(self, name: str) -> bool:
        return (self.builtin(name) or name in self.registered
                or any(a.method in self.init_methods for a in self.assigned.get(name, ())))

    def init_assignments(self, name: str) -> list[Assignment]:
        return [a for a in self.assigned.get(name, ()) if a.method in self.init_methods]

    def other_assignments(self, name: str, exclude: str) -> list[Assignment]:
        return [a for a in self.assigned.get(name, ()) if a.method not in self.init_methods and a.method != exclude]

    def container_kind(self, name: str, project: Project) -> Optional[str]:
        """"ModuleList" / "Sequential" / "ModuleDict" when every construction-time value of
        `self.<name>` is that container built directly (and nothing else assigns it)."""
        if not self.complete or name in self.annotations or name in self.class_values or name in self.registered:
            return None
        assigns = self.assigned.get(name, [])
        if not assigns or any(a.method not in self.init_methods for a in assigns):
            return None
        kinds = set()
        for a in assigns:
            if not isinstance(a.value, ast.Call):
                return None
            callee = dotted(a.value.func)
            module = self.methods_module(a.method)
            kind = CONTAINER_KINDS.get(project.qualify(module, callee)) if callee else None
            if kind is None:
                return None
            kinds.add(kind)
        return kinds.pop() if len(kinds) == 1 else None

    def methods_module(self, method_qualname: str) -> str:
        cls = method_qualname.split(".", 1)[0]
        for defs in self.all_methods.values():
            for ref, _ in defs:
                if ref.name == cls:
                    return ref.module
        return self.ref.module


_FACTS: "weakref.WeakKeyDictionary[Project, OrderedDict[ClassRef, Optional[ClassFacts]]]" = weakref.WeakKeyDictionary()
FACTS_CACHE_SIZE = 512


def class_facts(project: Project, ref: ClassRef) -> Optional[ClassFacts]:
    """The facts of a project class (cached per project); None when its source is unavailable.

    The cache is bounded: facts hold `ast` nodes of every class in the MRO, and an unbounded cache
    would keep the trees of a whole large project alive. Rebuilding evicted facts is cheap, since
    what each class contributes is scanned once per parsed tree (`_class_scan`) and only merged here."""
    cache = _FACTS.get(project)
    if cache is None:
        cache = _FACTS[project] = OrderedDict()
    if ref in cache:
        cache.move_to_end(ref)
        return cache[ref]
    facts = cache[ref] = _build(project, ref)
    if len(cache) > FACTS_CACHE_SIZE:
        cache.popitem(last=False)
    return facts


def _build(project: Project, ref: ClassRef) -> Optional[ClassFacts]:
    node = class_def(project, ref)
    if node is None:
        return None
    is_module = project.is_nn_module(ref)
    facts = ClassFacts(ref, is_module)
    mro = project.mro(ref)
    if not is_module and node.bases:
        facts.complete = False  # a script class with a base: the compiler ignores or rejects the base
    scans: dict[int, _MethodScan] = {}
    for klass in mro:
        scan = _class_scan(project, klass)
        if scan is None:
            facts.complete = False
            continue
        _check_bases(project, klass, scan.node, facts)
        _merge_body(scan.body, facts)
        scans.update(scan.methods)
    for defs in facts.all_methods.values():
        for klass, fn in defs:
            _merge_method(scans[id(fn)], facts)
    _init_closure(facts, scans)
    facts.hierarchy_complete = facts.complete
    if facts.complete and _externally_touched(project, facts):
        facts.complete = False
    return facts


def _check_bases(project: Project, klass: ClassRef, node: ast.ClassDef, facts: ClassFacts) -> None:
    if node.keywords:  # metaclass=...
        facts.complete = False
    for dec in node.decorator_list:
        name = dotted(dec.func if isinstance(dec, ast.Call) else dec)
        if not name or project.qualify(klass.module, name) not in JIT_CLASS_DECORATORS:
            facts.complete = False  # @dataclass and friends generate attributes
    for base in node.bases:
        name = dotted(base)
        resolved = project.resolve(klass.module, name) if name else None
        if isinstance(resolved, ClassRef):
            continue
        if isinstance(resolved, External) and resolved.qualname in NN_MODULE_ROOTS:
            continue
        if name == "object":
            continue
        facts.complete = False


@dataclass
class _MethodScan:
    """What one method contributes to the facts of every class that inherits it: a function of the
    method alone, so a large base class (`PreTrainedModel`) is scanned once, not once per subclass."""

    qual: str
    assigned: dict[str, list[Assignment]] = field(default_factory=dict)
    mutated: dict[str, set[str]] = field(default_factory=dict)
    registered: set[str] = field(default_factory=set)
    complete: bool = True
    #: every `self.<attr>` in the method (name, whether it is read), for the construction closure
    self_attrs: list[tuple[str, bool]] = field(default_factory=list)


@dataclass
class _ClassScan:
    node: ast.ClassDef
    body: ClassFacts  # what the class body alone declares (merged into each subclass's facts)
    methods: dict[int, _MethodScan]  # by `id` of the method's def node (alive as long as `node`)


def _class_scan(project: Project, klass: ClassRef) -> Optional[_ClassScan]:
    tree = _definition_tree(project, klass.module, klass.name)
    if tree is None:
        return None
    memo = _tree_memo(tree)
    if klass.name not in memo.scans:
        defs = memo.classes.get(klass.name)
        scan = None
        if defs:
            body = ClassFacts(klass, False)
            _scan_body(project, klass, defs[0], body)
            methods = {id(fn): _scan_method(klass, fn) for defs_ in body.all_methods.values() for _, fn in defs_}
            scan = _ClassScan(defs[0], body, methods)
        memo.scans[klass.name] = scan
    return memo.scans[klass.name]


def _merge_body(body: ClassFacts, facts: ClassFacts) -> None:
    """`facts` gains what a class body declares; names already set by a class earlier in the MRO win."""
    for name, entry in body.methods.items():
        facts.methods.setdefault(name, entry)
    for name, defs in body.all_methods.items():
        facts.all_methods.setdefault(name, []).extend(defs)
    facts.nested |= body.nested
    for name, value in body.class_values.items():
        facts.class_values.setdefault(name, value)
    for name, annotation in body.annotations.items():
        facts.annotations.setdefault(name, annotation)
    facts.constants |= body.constants
    if not body.complete:
        facts.complete = False


def _merge_method(scan: _MethodScan, facts: ClassFacts) -> None:
    for name, assignments in scan.assigned.items():
        facts.assigned.setdefault(name, []).extend(assignments)
    for name, quals in scan.mutated.items():
        facts.mutated.setdefault(name, set()).update(quals)
    facts.registered |= scan.registered
    if not scan.complete:
        facts.complete = False


def _scan_body(project: Project, klass: ClassRef, node: ast.ClassDef, facts: ClassFacts) -> None:
    for stmt in node.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            facts.methods.setdefault(stmt.name, (klass, stmt))  # type: ignore[arg-type]
            facts.all_methods.setdefault(stmt.name, []).append((klass, stmt))  # type: ignore[arg-type]
            if stmt.name in ("__getattr__", "__getattribute__", "__setattr__", "__init_subclass__", "__new__"):
                facts.complete = False
        elif isinstance(stmt, ast.ClassDef):
            facts.nested.add(stmt.name)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            annotation = ast.unparse(stmt.annotation)
            facts.annotations.setdefault(stmt.target.id, annotation)
            if is_final_annotation(annotation):
                facts.constants.add(stmt.target.id)
            if stmt.value is not None:
                facts.class_values.setdefault(stmt.target.id, stmt.value)
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                for name in _target_names(target):
                    facts.class_values.setdefault(name, stmt.value)
                    if name == "__constants__":
                        values = stmt.value.elts if isinstance(stmt.value, (ast.List, ast.Tuple, ast.Set)) else None
                        if values is None:
                            facts.complete = False
                        else:
                            facts.constants.update(v for v in map(str_literal, values) if v)
                    if name in ("__slots__", "__dict__"):
                        facts.complete = False
                    if name == "__annotations__":  # torchvision's `__annotations__ = {"scales": ...}`
                        if isinstance(stmt.value, ast.Dict):
                            for key, value in zip(stmt.value.keys, stmt.value.values):
                                if str_literal(key):
                                    facts.annotations.setdefault(str_literal(key), ast.unparse(value))  # type: ignore[arg-type]
                        else:
                            facts.complete = False
        elif not isinstance(stmt, (ast.Expr, ast.Pass)):
            facts.complete = False  # statements with effects in a class body (loops, ifs, imports...)


def _target_names(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            yield from _target_names(elt)


def _scan_method(klass: ClassRef, fn: ast.FunctionDef) -> _MethodScan:
    me = self_name(fn)
    qual = f"{klass.name}.{member_key(fn)}"
    facts = _MethodScan(qual)
    parents: dict[ast.AST, ast.AST] = {}  # of `Name` nodes only: no other parent is asked for
    stack: list[ast.AST] = [fn]
    while stack:  # one pass: a node's parent is recorded before the node is processed
        node = stack.pop()
        kids = child_list(node)
        for child in kids:
            if type(child) is ast.Name:
                parents[child] = node
        stack.extend(kids)
        t = type(node)  # node classes are exact (never subclassed): one identity test per branch
        if t is ast.Name:
            if me and node.id == me and type(node.ctx) is ast.Load:  # type: ignore[attr-defined]
                parent = parents.get(node)
                if not isinstance(parent, (ast.Attribute, ast.Return)) and not _is_super_call(parent) \
                        and not _is_harmless_call(parent):
                    facts.mutated.setdefault("<self>", set()).add(qual)  # `self` escapes to other code
        elif t is ast.Assign:
            for target in node.targets:  # type: ignore[attr-defined]
                _record_target(target, node.value, qual, facts, me, node)  # type: ignore[attr-defined]
        elif t is ast.AnnAssign:
            _record_target(node.target, node.value, qual, facts, me, node, annotated=True)  # type: ignore[attr-defined]
        elif t is ast.For or t is ast.AsyncFor or t is ast.comprehension:
            _record_target(node.target, None, qual, facts, me, node)  # type: ignore[attr-defined]
        elif t is ast.withitem:
            if node.optional_vars is not None:  # type: ignore[attr-defined]
                _record_target(node.optional_vars, None, qual, facts, me, node)  # type: ignore[attr-defined]
        elif t is ast.AugAssign:
            name = self_attr(node.target, me)  # type: ignore[attr-defined]
            if name:
                facts.mutated.setdefault(name, set()).add(qual)
        elif t is ast.Call:
            _record_call(node, qual, facts, me)  # type: ignore[arg-type]
        elif t is ast.Subscript:
            if isinstance(node.ctx, (ast.Store, ast.Del)):  # type: ignore[attr-defined]
                name = self_attr(node.value, me)  # type: ignore[attr-defined]
                if name:
                    facts.mutated.setdefault(name, set()).add(qual)
        elif t is ast.Attribute and me and isinstance(node.value, ast.Name) and node.value.id == me:  # type: ignore[attr-defined]
            facts.self_attrs.append((node.attr, isinstance(node.ctx, ast.Load)))
            if node.attr == "__dict__":
                facts.complete = False
            if isinstance(node.ctx, ast.Del):
                facts.complete = False
    return facts


def _is_harmless_call(node: Optional[ast.AST]) -> bool:
    """`isinstance(self, ...)`, `id(self)`, `print(self)`: `self` is looked at, not changed."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in ("isinstance", "id", "type", "hash", "repr", "str", "print", "len"))


def _is_super_call(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"


def _record_target(target: ast.expr, value: Optional[ast.expr], qual: str, facts: _MethodScan, me: Optional[str],
                   node: ast.AST, annotated: bool = False) -> None:
    name = self_attr(target, me)
    if name:
        facts.assigned.setdefault(name, []).append(Assignment(qual, value, annotated, node))
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            _record_target(elt.value if isinstance(elt, ast.Starred) else elt, None, qual, facts, me, node)
    elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Attribute):
        inner = self_attr(target.value, me)  # self.cfg.k = v mutates self.cfg
        if inner:
            facts.mutated.setdefault(inner, set()).add(qual)


_MUTATORS = {"append", "extend", "insert", "pop", "remove", "clear", "update", "add", "setdefault", "discard",
             "sort", "reverse", "popitem", "__setitem__", "fill_", "copy_", "zero_"}


def _record_call(node: ast.Call, qual: str, facts: _MethodScan, me: Optional[str]) -> None:
    func = node.func
    if not isinstance(func, ast.Attribute):
        if isinstance(func, ast.Name) and func.id in ("setattr", "delattr", "vars") and node.args:
            first = node.args[0]
            if isinstance(first, ast.Name) and first.id == me:
                name = str_literal(node.args[1]) if len(node.args) > 1 else None
                if func.id == "setattr" and name:
                    facts.assigned.setdefault(name, []).append(Assignment(qual, node.args[2] if len(node.args) > 2 else None))
                else:
                    facts.complete = False
        return
    owner = self_attr(func.value, me)
    if owner and func.attr in _MUTATORS:
        facts.mutated.setdefault(owner, set()).add(qual)
    if me and isinstance(func.value, ast.Name) and func.value.id == me and func.attr in REGISTERS:
        name = str_literal(node.args[0]) if node.args else str_literal(next(
            (k.value for k in node.keywords if k.arg == "name"), None))
        if name:
            facts.registered.add(name)
        else:
            facts.complete = False
    if isinstance(func.value, ast.Call) and _is_super_call(func.value) and func.attr in ("__setattr__",):
        facts.complete = False
    if isinstance(func.value, ast.Name) and func.value.id == "object" and func.attr == "__setattr__":
        facts.complete = False


def _init_closure(facts: ClassFacts, scans: dict[int, _MethodScan]) -> None:
    """The methods that run at construction: every `__init__` of the hierarchy (the `super()` chain)
    and every definition of what they call on `self`. If `self` or a bound method escapes to code we
    cannot see, or a method we cannot see is called, construction is unknown (`init_complete`)."""
    todo = [f"{klass.name}.{fn.name}" for klass, fn in facts.all_methods.get("__init__", [])]
    by_qual = {scans[id(fn)].qual: scans[id(fn)] for defs in facts.all_methods.values() for _, fn in defs}
    seen: set[str] = set()
    while todo:
        qual = todo.pop()
        if qual in seen or qual not in by_qual:
            continue
        seen.add(qual)
        if qual in facts.mutated.get("<self>", ()):
            facts.init_complete = False
        for attr, loaded in by_qual[qual].self_attrs:
            if attr in facts.all_methods:
                todo.extend(f"{klass.name}.{member_key(target)}" for klass, target in facts.all_methods[attr])
            elif loaded and not facts.builtin(attr) and attr not in facts.assigned \
                    and attr not in facts.registered and not facts.declared_in_class(attr):
                facts.init_complete = False  # something we cannot see (a base outside the project?)
    facts.init_methods = seen


# -- attributes assigned from outside the class --------------------------------------------------
_REACH: "weakref.WeakKeyDictionary[Project, tuple[bool, frozenset[ClassRef]]]" = weakref.WeakKeyDictionary()


def computed_store_reach(project: Project) -> tuple[bool, frozenset[ClassRef]]:
    """Whether some `setattr(obj, <computed>, v)` of the project may reach any instance, and the
    project classes the others reach (`tslint.project.dynamic_stores` says what each store's object
    is; resolved here across files). A class object or an annotated type reaches instances of a
    project class only through the class or its bases: an external base other than `nn.Module`
    already leaves a class's facts incomplete, so only `nn.Module` itself reaches every module. A
    call of a name tslint cannot resolve to a project class (a factory, `copy.deepcopy`) may
    return any instance."""
    found = _REACH.get(project)
    if found is None:
        any_instance, classes = False, set()
        for item in project.attribute_stores()[1]:
            kind, _, qualname = item.partition(":")
            resolved = project.resolve_qualified(qualname) if qualname else None
            if isinstance(resolved, ClassRef):
                classes.add(resolved)
            elif item == ANY or (kind + ":" == CALL) or resolved is None \
                    or (isinstance(resolved, External) and resolved.qualname in NN_MODULE_ROOTS):
                any_instance = True  # a module-level value, or a value of unknown origin
        found = _REACH[project] = (any_instance, frozenset(classes))
    return found


def _externally_touched(project: Project, facts: ClassFacts) -> bool:
    """Could a computed `setattr` elsewhere add attributes to instances of this class?"""
    any_instance, classes = computed_store_reach(project)
    return any_instance or any(klass in classes for klass in project.mro(facts.ref))


def externally_assigned(project: Project, name: str, overwrite_only: bool = False) -> bool:
    """Could code outside the class set `name` on its instances? With `overwrite_only`, the question is
    whether it could *replace* the value `__init__` stored: only a store naming `name` counts then. A
    `setattr(obj, <computed>, v)` that may reach any instance (copying state by name, casting
    buffers) could create any attribute, but replacing this one would have to pick it on purpose, and
    construction itself is covered by `init_complete` (`self` escaping from `__init__`); one whose
    object is known reaches only that class, which `ClassFacts.complete` accounts for."""
    names = project.attribute_stores()[0]
    return (computed_store_reach(project)[0] and not overwrite_only) or name in names


# -- attributes a default construction leaves out ------------------------------------------------
_UNKNOWN = object()  # a marker: the expression's value at construction is not known statically
_COMPARE = {ast.Is: lambda a, b: a is b, ast.IsNot: lambda a, b: a is not b, ast.Eq: lambda a, b: a == b,
            ast.NotEq: lambda a, b: a != b, ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b,
            ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b}


def _enclosing_ifs(body: list[ast.stmt], target: ast.AST) -> Optional[list[tuple[ast.expr, bool]]]:
    """The `if` tests around `target` in `body` with the branch it sits in (True: the `if` body),
    outermost first; None when it is not in `body` or sits under anything but `if` (a loop, `try`)."""
    for stmt in body:
        if stmt is target:
            return []
        if isinstance(stmt, ast.If):
            for branch, taken in ((stmt.body, True), (stmt.orelse, False)):
                inner = _enclosing_ifs(branch, target)
                if inner is not None:
                    return [(stmt.test, taken)] + inner
    return None


def _default_value(facts: ClassFacts, fn: ast.FunctionDef, me: Optional[str], expr: ast.expr) -> object:
    """The value of `expr` in `__init__` when every parameter keeps its literal default (`_UNKNOWN`
    when anything else decides it: a parameter without a default or reassigned, a call, an attribute
    not copied straight from a parameter at the top of `__init__`)."""
    if isinstance(expr, ast.Constant):
        return expr.value
    if isinstance(expr, ast.Name):
        args = fn.args.posonlyargs + fn.args.args
        pairs = list(zip(args[len(args) - len(fn.args.defaults):], fn.args.defaults))
        pairs += [(a, d) for a, d in zip(fn.args.kwonlyargs, fn.args.kw_defaults) if d is not None]
        default = next((d for a, d in pairs if a.arg == expr.id), None)
        stored = any(isinstance(n, ast.Name) and n.id == expr.id and not isinstance(n.ctx, ast.Load)
                     for n in ast.walk(fn))
        if isinstance(default, ast.Constant) and not stored:
            return default.value
        return _UNKNOWN
    name = self_attr(expr, me)
    if name:
        assigns = facts.assigned.get(name, [])
        if len(assigns) == 1 and assigns[0].node in fn.body and isinstance(assigns[0].value, ast.Name) \
                and name not in facts.mutated and not facts.declared_in_class(name) and not facts.builtin(name):
            return _default_value(facts, fn, me, assigns[0].value)
        return _UNKNOWN
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
        value = _default_value(facts, fn, me, expr.operand)
        return _UNKNOWN if value is _UNKNOWN else not value
    if isinstance(expr, ast.BoolOp):
        values = [_default_value(facts, fn, me, v) for v in expr.values]
        if any(v is _UNKNOWN for v in values):
            return _UNKNOWN
        return all(values) if isinstance(expr.op, ast.And) else any(values)
    if isinstance(expr, ast.Compare) and len(expr.ops) == 1 and type(expr.ops[0]) in _COMPARE:
        left, right = (_default_value(facts, fn, me, e) for e in (expr.left, expr.comparators[0]))
        if left is _UNKNOWN or right is _UNKNOWN:
            return _UNKNOWN
        try:
            return _COMPARE[type(expr.ops[0])](left, right)
        except TypeError:
            return _UNKNOWN
    return _UNKNOWN


def absent_by_default(facts: ClassFacts, name: str) -> Optional[ast.expr]:
    """The `__init__` condition that, false when every constructor parameter keeps its default, leaves
    `self.<name>` unset; None unless every assignment of it is in the class's own `__init__` under such
    a condition and nothing else (a class body, a registration, nn.Module) provides it. A module
    built that way has no such attribute, and the compiler types module attributes from the instance
    (`infer_concrete_type_builder` in `torch/jit/_recursive.py` only sees what `__init__` set)."""
    init = facts.methods.get("__init__")
    assigns = facts.assigned.get(name, [])
    if (init is None or not assigns or not facts.is_module or facts.builtin(name) or facts.declared_in_class(name)
            or name in facts.registered or name.startswith("__")):
        return None
    klass, fn = init
    me = self_name(fn)
    found = None
    for a in assigns:
        guards = _enclosing_ifs(fn.body, a.node) if me and a.method == f"{klass.name}.__init__" else None
        if guards is None:
            return None
        false = next((test for test, taken in guards
                      if (value := _default_value(facts, fn, me, test)) is not _UNKNOWN and bool(value) != taken), None)
        if false is None:
            return None
        found = found or false
    return found
