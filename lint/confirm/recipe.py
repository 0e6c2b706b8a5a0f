"""How the program builds the instance it scripts, read from the `torch.jit.script(m)` call site.

`--confirm` must compile what the user's program compiles. A module is often finished after its
constructor (`m = Net(); m.flag = True; torch.jit.script(m)`), so a fresh `Net()` can lack an
attribute the compiler needs. This module reads the call site's function (statically, in the parent)
and writes a *recipe*: the constructor call and the attribute assignments made on the instance
between construction and the call, as plain data the child replays (`building.from_recipe`).

Only what can be replayed exactly is: literals, project classes and `torch.*` names, and calls of
those with such arguments. Anything else the function does to the instance before the call (an
assignment from a computed value, passing it to another function, a method that may change it) makes
the instance *not reproducible*, with the reason: its findings are then unconfirmed, never judged on
an instance the program does not build.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Optional

from ..project.index import CallSite, ModuleSummary
from ..project.model import ClassRef, FuncRef, Project
from .overlay import read_source

#: nn.Module methods a call site may call before scripting that change no attribute the compiler reads
#: (they return the module itself or only move/convert weights)
NEUTRAL_METHODS = frozenset({"eval", "train", "cpu", "cuda", "to", "float", "double", "half", "bfloat16",
                             "requires_grad_", "zero_grad", "load_state_dict", "share_memory", "named_parameters",
                             "parameters", "modules", "children", "state_dict", "named_modules", "buffers"})
#: functions that only look at the instance (the compiler, the tracer and printing)
READERS = frozenset({"print", "repr", "str", "len", "id", "type", "isinstance", "torch.jit.script",
                     "torch.jit.trace", "torch.jit.trace_module"})


class NotReproducible(Exception):
    """The call site does something to the instance tslint cannot replay (the message says what)."""


@dataclass(frozen=True)
class Recipe:
    """A module instance as the call site at `site` builds it (`new`, then `attrs`), or why it cannot
    be rebuilt (`problem`)."""

    site: str  # "export.py:69"
    new: Any = None  # the constructor call, as an expression (see `_Reader.expr`)
    attrs: tuple = ()  # ((dotted attribute path, expression), ...) in program order
    problem: str = ""
    text: str = ""  # what the call site does, for the output

    def key(self) -> str:
        """Call sites that build the same instance share one compilation unit."""
        return f"unreproducible {self.site}" if self.problem else repr((self.new, self.attrs))

    def job(self) -> dict:
        return {"new": self.new, "attrs": [list(a) for a in self.attrs]}


def recipe_for(project: Project, summary: ModuleSummary, site: CallSite, cls: ClassRef) -> Optional[Recipe]:
    """The recipe of `cls`'s instance at a script call site (None: the call site builds it the plain
    way, `Cls()`, or its argument is not a local name or constructor call tslint can read)."""
    where = f"{summary.path}:{site.line}"
    source = read_source(summary.path)
    try:
        tree = ast.parse(source or "")
    except SyntaxError:
        return None
    scope = _scope(tree, site.scope)
    call = _call_at(scope, site.line) if scope is not None else None
    if call is None or not call.args:
        return None
    reader = _Reader(project, summary.module, scope, site.line)
    try:
        target = call.args[0]
        if isinstance(target, ast.Call):
            new, attrs = reader.new(target, cls), ()
        elif isinstance(target, ast.Name):
            new, attrs = reader.replay(target.id, cls)
        else:
            return None
    except NotReproducible as exc:
        return Recipe(where, problem=str(exc))
    text = "; ".join([ast.unparse(reader.new_node)] + [f".{path} = {ast.unparse(node)}" for path, node in reader.shown])
    if not attrs and reader.plain:  # `Net()`: what a unit without a recipe builds
        return None
    return Recipe(where, new, attrs, text=f"{text} (as the code before {where} builds it)")


def _scope(tree: ast.Module, qualname: str) -> Optional[ast.AST]:
    node: ast.AST = tree
    for part in [p for p in qualname.split(".") if p]:
        found = next((n for n in ast.iter_child_nodes(node) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                               ast.ClassDef)) and n.name == part), None)
        if found is None:
            return None
        node = found
    return node


def _own_nodes(scope: ast.AST):
    """The scope's nodes, without those of functions, classes and lambdas defined inside it."""
    todo = list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(node))


def _call_at(scope: ast.AST, line: int) -> Optional[ast.Call]:
    for node in _own_nodes(scope):
        if isinstance(node, ast.Call) and node.lineno == line and isinstance(node.func, (ast.Attribute, ast.Name)):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            if name in ("script", "trace", "trace_module"):
                return node
    return None


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else ""
    return ""


class _Reader:
    """Reads one function's statements before the call site, for one local name."""

    def __init__(self, project: Project, module: str, scope: ast.AST, line: int):
        self.project = project
        self.module = module
        self.nodes = sorted((n for n in _own_nodes(scope) if getattr(n, "lineno", line) < line),
                            key=lambda n: (n.lineno, n.col_offset))  # type: ignore[attr-defined]
        self.local_names = {t.id for n in self.nodes if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign))
                            for t in ast.walk(n) if isinstance(t, ast.Name) and isinstance(t.ctx, ast.Store)}
        self.local_names |= {a.arg for a in getattr(getattr(scope, "args", None), "args", [])}
        self.new_node: ast.AST = ast.Constant(None)
        self.plain = False  # the instance is built by `Cls()`, nothing more
        self.shown: list[tuple[str, ast.AST]] = []

    def _global(self, qual: str) -> bool:
        """Is `qual` a class or module-level name of a project module (`NUM_CLASSES`, `Net`)?"""
        module, _, name = qual.rpartition(".")
        summary = self.project.by_module.get(module)
        return summary is not None and (name in summary.globals or name in summary.classes)

    def replay(self, name: str, cls: ClassRef) -> tuple[Any, tuple]:
        new, attrs = None, []
        for node in self.nodes:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
                if isinstance(node, ast.AnnAssign) and node.value is not None else []
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                if len(targets) != 1:
                    raise NotReproducible(f"`{ast.unparse(node)}` at line {node.lineno}")
                value = node.value  # type: ignore[attr-defined]
                if _is_self_method(value, name):  # m = m.eval()
                    self._method(value, node.lineno)
                    continue
                while _is_self_method(value, "") and value.func.attr in NEUTRAL_METHODS:  # Net().eval()
                    value = value.func.value
                if not isinstance(value, ast.Call):
                    raise NotReproducible(f"`{name}` is `{ast.unparse(value)}` (line {node.lineno})")
                new, attrs, self.shown = self.new(value, cls), [], []
            elif new is not None:
                attrs += self._use(node, name)
        if new is None:
            raise NotReproducible(f"`{name}` is not built by a constructor call in the same function")
        return new, tuple(attrs)

    def _use(self, node: ast.AST, name: str) -> list[tuple[str, Any]]:
        """What one node does to the instance: attribute assignments to replay; [] for reads."""
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            out = []
            for target in targets:
                path = _dotted(target)
                if path.startswith(name + ".") and isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value:
                    out.append((path[len(name) + 1:], self.expr(node.value)))
                    self.shown.append((path[len(name) + 1:], node.value))
                elif any(isinstance(t, ast.Name) and t.id == name for t in ast.walk(target)):
                    raise NotReproducible(f"`{ast.unparse(node)}` at line {node.lineno}")
            return out
        if isinstance(node, ast.Call):
            func = _dotted(node.func)
            if func.startswith(name + "."):
                self._method(node, node.lineno)
            elif func != name and any(isinstance(a, ast.Name) and a.id == name
                                      for a in list(node.args) + [k.value for k in node.keywords]):
                if self.project.qualify(self.module, func) not in READERS:
                    raise NotReproducible(f"`{name}` is passed to `{func or ast.unparse(node.func)}` at line {node.lineno}")
        return []

    def _method(self, call: ast.Call, line: int) -> None:
        method = call.func.attr  # type: ignore[attr-defined]
        if method not in NEUTRAL_METHODS:
            raise NotReproducible(f"`{ast.unparse(call)}` at line {line}")

    def new(self, call: ast.Call, cls: ClassRef) -> Any:
        """The constructor call, or the call of a project factory the static run found building `cls`
        (`m = build_model(3)`: the program calls it too)."""
        made_by = self.project.resolve(self.module, _dotted(call.func))
        factory = isinstance(made_by, FuncRef) and "." not in made_by.qualname
        if made_by != cls and not factory:
            raise NotReproducible(f"`{ast.unparse(call)}` does not build {cls.name} directly")
        self.new_node = call
        self.plain = made_by == cls and not call.args and not call.keywords
        return self.expr(call, factory)

    def expr(self, node: ast.AST, factory: bool = False) -> Any:
        """An expression as data the child can evaluate: ["lit", repr], ["ref", qualname],
        ["new", qualname, [args], {kw: expr}] (a call of a project class, a torch name or, when
        `factory`, a project function)."""
        try:
            return ["lit", repr(ast.literal_eval(node))]
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            pass
        dotted = _dotted(node.func if isinstance(node, ast.Call) else node)
        head = dotted.partition(".")[0]
        if not dotted or head in self.local_names:
            raise NotReproducible(f"`{ast.unparse(node)}` (line {node.lineno}) is computed")  # type: ignore[attr-defined]
        qual = self.project.qualify(self.module, dotted)
        resolved = self.project.resolve(self.module, dotted)
        if not isinstance(node, ast.Call) and (qual.startswith("torch.") or self._global(qual)):
            return ["ref", qual]
        if not (isinstance(resolved, ClassRef) or qual.startswith("torch.") or factory):
            raise NotReproducible(f"`{ast.unparse(node)}` (line {node.lineno}) is neither a literal, a project class, "
                                  f"a module-level name nor a torch name")  # type: ignore[attr-defined]
        if not isinstance(node, ast.Call):
            return ["ref", qual]
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            raise NotReproducible(f"`{ast.unparse(node)}` (line {node.lineno}) unpacks arguments")
        return ["new", qual, [self.expr(a) for a in node.args], {k.arg: self.expr(k.value) for k in node.keywords}]


def _is_self_method(value: ast.AST, name: str) -> bool:
    """Is `value` a method call on `name` (`m.eval()`), or with `name` "" on a constructor call?"""
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)):
        return False
    owner = value.func.value
    return _dotted(owner) == name if name else isinstance(owner, ast.Call)
