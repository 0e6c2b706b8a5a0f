"""Per-file summaries: what the project model needs from a file, taken from `ast` in one pass.

A summary is small, picklable and cached by content hash, so an unchanged file never has to be
re-read to build the call graph. It records names as they are written (`nn.Module`, `F.relu`) together
with the file's import table; `model.Project` resolves them across files.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Optional

from ..nodes import child_list, walk
from ..static_if import STATIC_NAMES, LiveVisitor, live_body
from .dynamic_stores import computed_stores

# A value summary is a small nested tuple, so that summaries pickle and compare cheaply:
#   ("call", callee_dotted|None, (args...), ((kw, value)...))  ("name", id)  ("attr", dotted)
#   ("list"|"tuple", (items...))  ("dict", ((key, value)...))  ("const", typename)  ("lambda",)
#   ("other", ast class name)
#   ("registry", dotted mapping, (args...), ((kw, value)...)): `CLASSES[key](...)`, a call of whatever
#   a mapping holds under a key known only at run time
Value = tuple

JIT_DECORATORS = {
    "script", "ignore", "unused", "export", "script_if_tracing", "interface", "_overload",
    "_overload_method", "script_method", "trace",
}


def dotted(node: ast.AST) -> Optional[str]:
    """`a.b.c` for a Name/Attribute chain, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def summarize_value(node: Optional[ast.AST], depth: int = 0) -> Value:
    if node is None:
        return ("const", "None")
    if depth > 4:
        return ("other", type(node).__name__)
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Subscript) and dotted(func.value):
            return (
                "registry",
                dotted(func.value),
                tuple(summarize_value(a, depth + 1) for a in node.args if not isinstance(a, ast.Starred)),
                tuple((k.arg, summarize_value(k.value, depth + 1)) for k in node.keywords if k.arg),
            )
        return (
            "call",
            dotted(node.func),
            tuple(summarize_value(a, depth + 1) for a in node.args if not isinstance(a, ast.Starred)),
            tuple((k.arg, summarize_value(k.value, depth + 1)) for k in node.keywords if k.arg),
        )
    if isinstance(node, ast.Name):
        return ("name", node.id)
    if isinstance(node, ast.Attribute):
        name = dotted(node)
        return ("attr", name) if name else ("other", "Attribute")
    if isinstance(node, (ast.List, ast.Tuple)):
        kind = "list" if isinstance(node, ast.List) else "tuple"
        return (kind, tuple(summarize_value(e, depth + 1) for e in node.elts))
    if isinstance(node, ast.Dict):
        return ("dict", tuple((summarize_value(k, depth + 1), summarize_value(v, depth + 1)) for k, v in zip(node.keys, node.values)))
    if isinstance(node, ast.Constant):
        return ("const", type(node.value).__name__ if node.value is not None else "None")
    if isinstance(node, ast.Lambda):
        return ("lambda",)
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return ("const", type(node.operand.value).__name__)
    if isinstance(node, (ast.ListComp, ast.GeneratorExp)):
        return ("listcomp", summarize_value(node.elt, depth + 1))
    return ("other", type(node).__name__)


@dataclass
class FunctionInfo:
    name: str
    qualname: str  # "f" or "Class.method"
    lineno: int
    end_lineno: int
    decorators: tuple[str, ...] = ()  # dotted, as written
    class_name: str = ""
    params: tuple[str, ...] = ()
    annotated: tuple[bool, ...] = ()
    has_return_annotation: bool = False
    returns: str = ""  # the return annotation when it is a dotted name (`-> TinySeg`), for factories
    #: a module-level def's first line (its first decorator's) when the def alone can be parsed for
    #: it: written at column 0, and the only module-level class or def of its name; else 0
    start_lineno: int = 0
    # references for the call graph, per context: ("self", attr) | ("name", dotted) | ("super", attr)
    refs: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)


@dataclass
class ClassInfo:
    name: str
    lineno: int
    end_lineno: int
    bases: tuple[str, ...] = ()
    decorators: tuple[str, ...] = ()
    methods: dict[str, FunctionInfo] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)  # class-body `name: T`
    class_values: dict[str, Value] = field(default_factory=dict)  # class-body `name = v`
    init_attrs: dict[str, Value] = field(default_factory=dict)  # `self.x = v` in __init__
    init_params: tuple[str, ...] = ()
    constants: tuple[str, ...] = ()  # __constants__
    #: `__jit_unused_properties__` when set here as a literal; None when not set here or, if it is in
    #: `class_values`, set by a spelling that is not a literal list of names (unknown)
    unused_properties: Optional[tuple[str, ...]] = None
    start_lineno: int = 0  # as `FunctionInfo.start_lineno`
    #: methods the class's own code replaces at run time (`self.__class__.propagate = generated`,
    #: `type(self).f = ...`, or an instance attribute of the same name set in `__init__`): what the
    #: compiler finds under that name is not the method tslint reads
    replaced: tuple[str, ...] = ()


@dataclass
class CallSite:
    """A `torch.jit.script(...)` / `trace(...)` / `trace_module(...)` call, with its target resolved
    through simple local or module assignments (`cell = MyCell(); torch.jit.trace(cell, ...)`)."""

    kind: str  # "script" | "trace" | "trace_module"
    target: Value
    line: int
    scope: str  # qualname of the enclosing function, "" at module level


@dataclass
class ModuleSummary:
    path: str
    module: str
    digest: str
    is_package: bool = False
    imports: dict[str, str] = field(default_factory=dict)  # local name -> qualified name
    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    globals: dict[str, Value] = field(default_factory=dict)
    call_sites: list[CallSite] = field(default_factory=list)
    #: attribute names assigned on something other than `self`/`cls` (`model.cache = None`), and
    #: what the stores with a computed name (`setattr(obj, name, v)`) can reach (`dynamic_stores`):
    #: attribute rules must know what code outside a class may add to its instances
    foreign_attr_stores: frozenset[str] = frozenset()
    computed_stores: tuple[str, ...] = ()

    def function(self, qualname: str) -> Optional[FunctionInfo]:
        if "." in qualname:
            cls, _, meth = qualname.partition(".")
            info = self.classes.get(cls)
            return info.methods.get(meth) if info else None
        return self.functions.get(qualname)


def resolve_relative(module: str, is_package: bool, level: int, target: Optional[str]) -> str:
    parts = module.split(".") if module else []
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
    base = ".".join(parts)
    if target:
        return f"{base}.{target}" if base else target
    return base


def collect_imports(tree: ast.Module, module: str, is_package: bool) -> dict[str, str]:
    """Local names bound by imports anywhere at module level (including under `if`/`try`)."""
    table: dict[str, str] = {}
    for node in module_level_statements(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    table[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    table[top] = top
        elif isinstance(node, ast.ImportFrom):
            base = (
                resolve_relative(module, is_package, node.level, node.module)
                if node.level
                else (node.module or "")
            )
            for alias in node.names:
                if alias.name == "*":
                    continue
                table[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
    return table


def module_level_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements run at module level, including under `if`/`try`/`with` (where definitions live)."""
    for node in body:
        yield node
        if isinstance(node, ast.If):
            yield from module_level_statements(node.body)
            yield from module_level_statements(node.orelse)
        elif isinstance(node, ast.Try):
            yield from module_level_statements(node.body)
            for handler in node.handlers:
                yield from module_level_statements(handler.body)
            yield from module_level_statements(node.orelse)
            yield from module_level_statements(node.finalbody)
        elif isinstance(node, ast.With):
            yield from module_level_statements(node.body)


class _RefCollector(LiveVisitor):
    """Names a function body uses, for the call graph; nested defs and dead branches are skipped."""

    def __init__(self, context: str) -> None:
        self.context = context
        self.refs: dict[tuple[str, str], None] = {}
        self.stored: set[str] = set()  # the function's locals: names it binds are not global refs

    def visit_FunctionDef(self, node: ast.AST) -> None:  # nested def: a separate (rejected) unit
        return

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_ClassDef = visit_FunctionDef

    def visit_Attribute(self, node: ast.Attribute) -> None:
        base = node.value
        if isinstance(base, ast.Name) and base.id == "self":
            self.refs[("self", node.attr)] = None
            return
        if (
            isinstance(base, ast.Call)
            and isinstance(base.func, ast.Name)
            and base.func.id == "super"
        ):
            self.refs[("super", node.attr)] = None
            return
        name = dotted(node)
        if name:
            self.refs[name_ref(name)] = None
            return
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.refs[("name", node.id)] = None
        else:
            self.stored.add(node.id)


def name_ref(name: str) -> tuple[str, str]:
    """The ref a dotted name read in a function is: `self.helper.run` reads the attribute `helper`
    of the instance (`("self", "helper")`), anything else is a name."""
    head, _, rest = name.partition(".")
    return ("self", rest.split(".", 1)[0]) if head == "self" else ("name", name)


def collect_refs_fast(fn: ast.FunctionDef) -> tuple[tuple[str, str], ...]:
    """The refs of a function without static conditions: one iterative walk, nested scopes cut."""
    refs: dict[tuple[str, str], None] = {}
    stored: set[str] = set()
    stack: list[ast.AST] = list(fn.body) + [a for a in fn.args.defaults + fn.args.kw_defaults if a is not None]
    while stack:
        node = stack.pop()
        cls = type(node)
        if cls is ast.Attribute:
            base = node.value  # type: ignore[attr-defined]
            if type(base) is ast.Name and base.id == "self":  # type: ignore[attr-defined]
                refs[("self", node.attr)] = None  # type: ignore[attr-defined]
                continue
            if type(base) is ast.Call and type(base.func) is ast.Name and base.func.id == "super":  # type: ignore[attr-defined]
                refs[("super", node.attr)] = None  # type: ignore[attr-defined]
                continue
            name = dotted(node)
            if name:
                refs[name_ref(name)] = None
                continue
        elif cls is ast.Name:
            if type(node.ctx) is ast.Load:  # type: ignore[attr-defined]
                refs[("name", node.id)] = None  # type: ignore[attr-defined]
            else:
                stored.add(node.id)  # type: ignore[attr-defined]
            continue
        elif cls in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            continue
        stack.extend(child_list(node))
    return _global_refs(reversed(list(refs)), fn, stored)


def collect_refs(fn: ast.FunctionDef, context: str) -> tuple[tuple[str, str], ...]:
    collector = _RefCollector(context)
    for stmt in live_body(fn.body, context):
        collector.visit(stmt)
    for arg in fn.args.defaults + fn.args.kw_defaults:
        if arg is not None:
            collector.visit(arg)
    return _global_refs(collector.refs, fn, collector.stored)


def _global_refs(refs: Iterable[tuple[str, str]], fn: ast.FunctionDef, stored: set[str]) -> tuple[tuple[str, str], ...]:
    """The refs but names the function binds itself (parameters, assignment targets): a parameter
    `scale` or a local `mean = x.mean()` is not a use of the module-level `scale` or `mean`, as in
    Python, where a name bound anywhere in a function is local to all of it."""
    args = fn.args
    local = stored.union(a.arg for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg] if a)
    return tuple(ref for ref in refs if ref[0] != "name" or ref[1].split(".", 1)[0] not in local)


def function_info(fn: ast.FunctionDef, class_name: str = "", static_ifs: bool = True) -> FunctionInfo:
    args = fn.args
    params = [a for a in args.posonlyargs + args.args + args.kwonlyargs]
    return FunctionInfo(
        name=fn.name,
        qualname=f"{class_name}.{fn.name}" if class_name else fn.name,
        lineno=fn.lineno,
        end_lineno=fn.end_lineno or fn.lineno,
        decorators=tuple(d for d in (decorator_name(x) for x in fn.decorator_list) if d),
        class_name=class_name,
        params=tuple(a.arg for a in params),
        annotated=tuple(a.annotation is not None or a.type_comment is not None for a in params),
        has_return_annotation=fn.returns is not None or fn.type_comment is not None,
        returns=(dotted(fn.returns) or "") if fn.returns is not None else "",
        refs=_refs(fn, static_ifs),
    )


def _refs(fn: ast.FunctionDef, static_ifs: bool) -> dict[str, tuple[tuple[str, str], ...]]:
    if static_ifs:
        return {ctx: collect_refs(fn, ctx) for ctx in ("script", "trace")}
    shared = collect_refs_fast(fn)  # both contracts read the same code: share one tuple
    return {"script": shared, "trace": shared}


def _start_line(node: ast.stmt) -> int:
    """Where a module-level definition starts, decorators included; 0 when it is indented (under a
    module-level `if`/`try`/`with`), where its lines do not parse alone."""
    if node.col_offset != 0:
        return 0
    return min([node.lineno, *(d.lineno for d in node.decorator_list)])  # type: ignore[attr-defined]


def decorator_name(node: ast.expr) -> Optional[str]:
    """`torch.jit.script` for `@torch.jit.script` and `@torch.jit.script(...)`; `no_grad()` → `no_grad`."""
    if isinstance(node, ast.Call):
        node = node.func
    return dotted(node)


def _init_attrs(init: ast.FunctionDef) -> dict[str, Value]:
    attrs: dict[str, Value] = {}
    for node in walk(init):
        targets: list[ast.expr] = []
        value: Optional[ast.expr] = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
            ):
                attrs.setdefault(target.attr, summarize_value(value))
        # self.add_module("name", Mod()) / self.register_module(...)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("add_module", "register_module")
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "self"
            and len(node.args) == 2
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            attrs.setdefault(node.args[0].value, summarize_value(node.args[1]))
    return attrs


def member_key(fn: ast.AST) -> str:
    """The key of a method in `ClassInfo.methods`: its name, or `name.setter` / `name.deleter` for a
    property's accessors, which share the getter's name (`@keepdim.setter def keepdim(...)`) but are
    separate functions (the compiler compiles getter and setter, never the deleter)."""
    name = fn.name  # type: ignore[attr-defined]
    for dec in fn.decorator_list:  # type: ignore[attr-defined]
        if isinstance(dec, ast.Attribute) and isinstance(dec.value, ast.Name) and dec.value.id == name \
                and dec.attr in ("setter", "deleter"):
            return f"{name}.{dec.attr}"
    return name


def class_info(node: ast.ClassDef, static_ifs: bool = True, class_stores: bool = True) -> ClassInfo:
    """The class's summary; `class_stores`: whether its text may store into its own class
    (`__class__.` or `type(self).` spelled in the file), which costs a walk of its methods."""
    info = ClassInfo(
        name=node.name,
        lineno=node.lineno,
        end_lineno=node.end_lineno or node.lineno,
        bases=tuple(d for d in (dotted(b) for b in node.bases) if d),
        decorators=tuple(d for d in (decorator_name(x) for x in node.decorator_list) if d),
    )
    for stmt in node.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            key = member_key(stmt)
            method = function_info(stmt, node.name, static_ifs)  # type: ignore[arg-type]
            method.qualname = f"{node.name}.{key}"
            info.methods[key] = method
            if stmt.name == "__init__":
                info.init_attrs = _init_attrs(stmt)  # type: ignore[arg-type]
                a = stmt.args
                info.init_params = tuple(x.arg for x in a.posonlyargs + a.args + a.kwonlyargs)[1:]
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            info.annotations[stmt.target.id] = ast.unparse(stmt.annotation)
            if stmt.value is not None:
                _class_value(info, stmt.target.id, stmt.value)
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    _class_value(info, target.id, stmt.value)
    replaced = set(info.init_attrs) & set(info.methods)
    if class_stores:
        replaced |= _class_stores(node) & set(info.methods)
    info.replaced = tuple(sorted(replaced))
    return info


def _class_stores(node: ast.ClassDef) -> set[str]:
    """Names stored into the class by its own methods: `self.__class__.X = ...`, `type(self).X = ...`."""
    names = set()
    for sub in ast.walk(node):
        if isinstance(sub, (ast.Assign, ast.AnnAssign)):
            for target in (sub.targets if isinstance(sub, ast.Assign) else [sub.target]):
                if isinstance(target, ast.Attribute) and _is_own_class(target.value):
                    names.add(target.attr)
    return names


def _is_own_class(node: ast.expr) -> bool:
    if isinstance(node, ast.Attribute) and node.attr == "__class__":
        return isinstance(node.value, ast.Name) and node.value.id == "self"
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "type"
            and len(node.args) == 1 and isinstance(node.args[0], ast.Name) and node.args[0].id == "self")


def _class_value(info: ClassInfo, name: str, value: ast.expr) -> None:
    """Record a class-body `name = value` (annotated or not: `__jit_unused_properties__:
    ClassVar[List[str]] = [...]` is read by the compiler all the same)."""
    info.class_values[name] = summarize_value(value)
    if name == "__constants__" and isinstance(value, (ast.List, ast.Tuple, ast.Set)):
        info.constants = tuple(e.value for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str))
    if name == "__jit_unused_properties__":
        info.unused_properties = _string_literals(value)


def _string_literals(value: ast.expr) -> Optional[tuple[str, ...]]:
    """The names of a list or tuple literal of strings; None for any other spelling
    (`Base.__jit_unused_properties__ + ["x"]`, a name), whose names only running it would tell."""
    if not isinstance(value, (ast.List, ast.Tuple)):
        return None
    names = tuple(e.value for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str))
    return names if len(names) == len(value.elts) else None


def _jit_call_kind(func: ast.expr, imports: dict[str, str]) -> Optional[str]:
    name = dotted(func)
    if not name:
        return None
    head, _, rest = name.partition(".")
    qual = imports.get(head, head) + ("." + rest if rest else "")
    for kind in ("script", "trace", "trace_module"):
        if qual in (f"torch.jit.{kind}", f"torch.jit._script.{kind}", f"torch.jit._trace.{kind}"):
            return kind
    return None


#: `nn.Module` methods that return the module itself: `Net().eval()` is the `Net()` instance
SELF_RETURNING = frozenset({
    "eval", "train", "to", "cuda", "cpu", "xpu", "mtia", "ipu", "float", "double", "half", "bfloat16",
    "type", "to_empty", "apply", "requires_grad_", "share_memory",
})


def receiver_value(node: ast.expr) -> Value:
    """The summary of what an expression denotes as a model: `Net().eval().to(dev)` is `Net()`,
    `model.eval()` is `model` (methods that return the module itself are looked through)."""
    while (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
           and node.func.attr in SELF_RETURNING):
        node = node.func.value
    return summarize_value(node)


def assignments(owner: ast.AST) -> list[tuple[int, str, Value]]:
    """`name = value` assignments in a scope, in line order (for flow-sensitive look-ups)."""
    out = []
    for node in walk(owner):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            out.append((node.lineno, node.targets[0].id, receiver_value(node.value)))
    return sorted(out, key=lambda item: item[0])


def target_value(value: Value, line: int, assigns: list[tuple[int, str, Value]], module_values: dict[str, Value]) -> Value:
    """Follow `cell = MyCell(...)` (the last assignment before `line`; `model = model.eval()` goes
    on to the assignment before that one) and `model.backbone`."""
    for _ in range(4):
        if value[0] == "name":
            earlier = [(ln, v) for ln, name, v in assigns if name == value[1] and ln < line]
            if earlier:
                line, value = earlier[-1]
                continue
            if value[1] in module_values:
                value = module_values[value[1]]
                continue
        elif value[0] == "attr" and "." in value[1]:
            head, _, rest = value[1].partition(".")
            base = target_value(("name", head), line, assigns, module_values)
            if base[0] == "call":
                return ("member", base, rest)
        break
    return value


def parameter_value(value: Value, owner: ast.AST) -> Value:
    """A target that is still a bare parameter name of the enclosing function after local
    assignments were followed: `("param", name, position, annotation)`, resolved later through the
    annotation or the function's callers (`def export(model): torch.jit.trace(model, x)`)."""
    if value[0] != "name" or not isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return value
    args = owner.args
    positional = args.posonlyargs + args.args
    for position, arg in enumerate(positional + args.kwonlyargs):
        if arg.arg == value[1]:
            annotation = dotted(arg.annotation) if arg.annotation is not None else None
            return ("param", arg.arg, position if position < len(positional) else -1, annotation or "")
    return value


def _call_sites(tree: ast.Module, imports: dict[str, str], module_values: dict[str, Value]) -> list[CallSite]:
    sites: list[CallSite] = []
    if not any(q == "torch" or q.startswith("torch.") for q in imports.values()):
        return sites  # no torch import: no torch.jit call can be spelled

    def scan(owner: ast.AST, scope: str) -> None:
        assigns: Optional[list[tuple[int, str, Value]]] = None
        for node in walk(owner):
            if isinstance(node, ast.Call) and node.args:
                kind = _jit_call_kind(node.func, imports)
                if kind is None:
                    continue
                if assigns is None:  # only scopes that call torch.jit pay for the assignment scan
                    assigns = assignments(owner) if scope else []
                target = target_value(receiver_value(node.args[0]), node.lineno, assigns, module_values)
                sites.append(CallSite(kind, parameter_value(target, owner), node.lineno, scope))

    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            scan(stmt, stmt.name)
        elif isinstance(stmt, ast.ClassDef):
            for sub in stmt.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    scan(sub, f"{stmt.name}.{sub.name}")
        else:
            scan(stmt, "")
    return sites


def summarize(path: str, module: str, digest: str, tree: ast.Module, is_package: bool = False,
              text: Optional[str] = None) -> ModuleSummary:
    """The file's summary. With its `text`, cheap substring tests skip work that cannot matter:
    per-contract refs only where a static condition is spelled, call sites only where `jit` is."""
    static_ifs = text is None or any(name in text for name in STATIC_NAMES)
    class_stores = text is None or "__class__." in text or "type(self)." in text
    summary = ModuleSummary(path=path, module=module, digest=digest, is_package=is_package)
    summary.imports = collect_imports(tree, module, is_package)
    defined: dict[str, int] = {}  # module-level class and def names -> how many definitions
    for stmt in module_level_statements(tree.body):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            summary.functions[stmt.name] = function_info(stmt, "", static_ifs)  # type: ignore[arg-type]
            summary.functions[stmt.name].start_lineno = _start_line(stmt)
            defined[stmt.name] = defined.get(stmt.name, 0) + 1
        elif isinstance(stmt, ast.ClassDef):
            summary.classes[stmt.name] = class_info(stmt, static_ifs, class_stores)
            summary.classes[stmt.name].start_lineno = _start_line(stmt)
            defined[stmt.name] = defined.get(stmt.name, 0) + 1
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    summary.globals[target.id] = receiver_value(stmt.value)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            summary.globals[stmt.target.id] = summarize_value(stmt.value) if stmt.value is None else receiver_value(stmt.value)
    for name, count in defined.items():
        if count > 1:  # which definition a look-up means depends on the look-up: parse the whole file
            for infos in (summary.functions, summary.classes):
                if name in infos:
                    infos[name].start_lineno = 0
    if text is None or "jit" in text:
        summary.call_sites = _call_sites(tree, summary.imports, summary.globals)
    if text is not None:
        summary.foreign_attr_stores, summary.computed_stores = attribute_stores(text, tree, module, summary.imports)
    return summary


# `owner.chain.name =` where the owner chain starts after neither a word character nor a dot: found
# from its literal tail (`.name =`, which the regex engine scans for quickly) and then the owner read
# backwards; the same stores as `(?<![\w.])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\.([A-Za-z_]\w*)\s*=(?!=)`
# finds, ten times faster over a large project's text
_STORE_TAIL = re.compile(r"\.([A-Za-z_]\w*+)\s*+=(?!=)")
_OWNER_CHAIN = re.compile(r"[A-Za-z_]\w*+(?:\.[A-Za-z_]\w*+)*+")


def _attribute_store_names(text: str) -> set[str]:
    names = set()
    for m in _STORE_TAIL.finditer(text):
        dot = start = m.start()
        while start > 0:  # back over the owner: word characters (`\w`) and dots
            ch = text[start - 1]
            if ch == "." or ch == "_" or ch.isalnum():
                start -= 1
            else:
                break
        if start < dot and _OWNER_CHAIN.fullmatch(text, start, dot) and text[start:dot] not in ("self", "cls"):
            names.add(m.group(1))
    return names


def attribute_stores(text: str, tree: ast.Module, module: str, imports: dict[str, str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """Names stored as attributes of objects other than `self`/`cls` (`obj.name = v`, found by a
    cheap text scan, and `setattr(obj, "name", v)`), and the reach of the stores whose name is
    computed (`dynamic_stores`; the tree is walked only when the text spells one)."""
    literal, reach = computed_stores(tree, text, module, imports)
    return frozenset(_attribute_store_names(text) | literal), reach


def value_kind(value: Any) -> str:
    return value[0] if isinstance(value, tuple) and value else "other"


def function_nodes(tree: ast.Module) -> dict[str, tuple[ast.FunctionDef, Optional[ast.ClassDef]]]:
    """qualname → (def node, enclosing class) for module-level functions and methods, found where the
    index finds them (the last definition of a name wins, as in Python)."""
    out: dict[str, tuple[ast.FunctionDef, Optional[ast.ClassDef]]] = {}
    for stmt in module_level_statements(tree.body):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out[stmt.name] = (stmt, None)  # type: ignore[assignment]
        elif isinstance(stmt, ast.ClassDef):
            for sub in stmt.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    out[f"{stmt.name}.{member_key(sub)}"] = (sub, stmt)  # type: ignore[assignment]
    return out


def class_nodes(tree: ast.Module) -> dict[str, ast.ClassDef]:
    """Module-level classes, found where the index finds them."""
    return {stmt.name: stmt for stmt in module_level_statements(tree.body) if isinstance(stmt, ast.ClassDef)}
