"""Script and trace roots: where the compiler (or the tracer) starts reading a project.

Script roots: `@torch.jit.script` functions and classes, `@torch.jit.interface` classes, the targets
of `torch.jit.script(...)` calls anywhere in the tree, `script = [...]` in config and `--script`, and,
with `entry = "modules"`, every `nn.Module` subclass. Trace roots: the targets of
`torch.jit.trace(...)` / `trace_module(...)`, `trace = [...]` and `--trace`.

A target written as a constructor call (`torch.jit.trace(MyCell(MyDecisionGate()), ...)`) keeps its
arguments, so reachability can follow them into the attributes they land in. Methods that return the
module itself (`Net().eval()`), factories (through their annotation or their returns) and parameters
(through their annotation or the function's callers) are looked through; a call site whose model
stays unknown is reported as unresolved, with the reason.
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Iterable, Optional, Union

from .instances import Instance, bind_call, member
from .project.index import CallSite, ModuleSummary, Value
from .project.model import ClassRef, FuncRef, Project, jit_decorator
from .root_callers import resolve_parameter, returned_values


Target = Union[FuncRef, Instance]


@dataclass(frozen=True)
class Root:
    context: str  # "script" | "trace"
    target: Target
    label: str  # how the user wrote it, for the `entry` chain
    origin: str = ""  # "decorator" | "call" | "config" | "modules"


@dataclass(frozen=True)
class Unresolved:
    """A `torch.jit` call site whose model tslint cannot name, and why."""

    label: str
    reason: str


@dataclass
class Roots:
    roots: list[Root] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # config / CLI names that matched nothing
    unresolved: list[Unresolved] = field(default_factory=list)


@dataclass
class EntryOptions:
    #: "project" (the default) starts from the project's own script and trace paths (decorators,
    #: `torch.jit` call sites, config); "modules" also makes every nn.Module an entry point (the
    #: library author's contract: every Module I ship must script); "explicit" is the old name of
    #: "project"
    entry: str = "project"
    script: list[str] = field(default_factory=list)
    trace: list[str] = field(default_factory=list)


def target_of(project: Project, module: str, value: Value, _depth: int = 0) -> Optional[Target]:
    """The function or instance a call-site argument denotes (`f`, `Net`, `Net(...)`, `m.f`,
    `build()` for a factory annotated `-> Net` or returning a `Net(...)`)."""
    kind = value[0]
    if kind in ("name", "attr"):
        resolved = project.resolve(module, value[1])
        if isinstance(resolved, FuncRef):
            return resolved
        if isinstance(resolved, ClassRef):
            return Instance(resolved, (), module)
        return None
    if kind == "call" and value[1]:
        resolved = project.resolve(module, value[1])
        if isinstance(resolved, ClassRef):
            return bind_call(project, resolved, value, module)
        if isinstance(resolved, FuncRef):  # a factory: an instance built elsewhere
            return _made_by(project, resolved, _depth)
    if kind == "member":  # `torch.jit.script(model.backbone)` with `model = Net(...)` above
        base = target_of(project, module, value[1], _depth)
        if isinstance(base, Instance):
            return member(project, base, value[2])
    return None


def _made_by(project: Project, factory: FuncRef, depth: int) -> Optional[Instance]:
    """The instance a factory returns: its `-> Net` annotation, else its return statements."""
    fn = project.function(factory)
    made = project.resolve(factory.module, fn.returns) if fn is not None and fn.returns else None
    if isinstance(made, ClassRef):
        return Instance(made, (), factory.module)
    if fn is None or depth >= 3:
        return None
    for value in returned_values(project, factory):
        target = target_of(project, factory.module, value, depth + 1)
        if isinstance(target, Instance):
            return target
    return None


#: characters that make a `--script` / `--trace` name a glob
GLOB_CHARS = frozenset("*?[")


def _candidates(project: Project) -> list[tuple[str, Target]]:
    """Every class, function and method of the project under its full dotted name, in module order."""
    out: list[tuple[str, Target]] = []
    for mod, summary in project.by_module.items():
        out += [(f"{mod}.{n}", Instance(ClassRef(mod, n), (), mod)) for n in summary.classes]
        out += [(f"{mod}.{n}", FuncRef(mod, n)) for n in summary.functions]
        for cname, info in summary.classes.items():
            out += [(f"{mod}.{cname}.{m}", FuncRef(mod, f"{cname}.{m}")) for m in info.methods]
    return out


def _match_qualnames(project: Project, patterns: Iterable[str]) -> dict[str, list[Target]]:
    """What each name matches: `pkg.mod.Name`, `pkg.mod:Name`, a module-name suffix (`mod.Name`,
    `Class.method`), or a glob. A config listing every model of a zoo names thousands: exact names
    are looked up by their last component, and one regex of all the globs filters the candidates
    before any glob is tried alone (matching every name against every class cost minutes)."""
    patterns = list(dict.fromkeys(patterns))
    candidates = _candidates(project)
    found: dict[str, list[Target]] = {p: [] for p in patterns}
    exact = [p for p in patterns if not GLOB_CHARS & set(p)]
    if exact:
        by_last: dict[str, list[tuple[str, Target]]] = {}
        for full, target in candidates:
            by_last.setdefault(full.rpartition(".")[2], []).append((full, target))
        for pattern in exact:
            dotted_form = pattern.replace(":", ".")
            for full, target in by_last.get(dotted_form.rpartition(".")[2], ()):
                if full == dotted_form or full.endswith("." + pattern):
                    found[pattern].append(target)
    globs = [p for p in patterns if GLOB_CHARS & set(p)]
    if globs:
        any_glob = re.compile("|".join(f"(?:{fnmatch.translate(g)})" for g in globs))
        for full, target in candidates:
            if any_glob.match(full):
                for pattern in globs:
                    if fnmatch.fnmatchcase(full, pattern):
                        found[pattern].append(target)
    return found


def find_roots(project: Project, options: EntryOptions) -> Roots:
    """Every root, the config/CLI names that matched nothing, and the call sites whose model is
    unknown (both reported to the user)."""
    found = Roots()
    for mod, summary in project.by_module.items():
        for name, fn in summary.functions.items():
            jit = jit_decorator(project.decorator_qualnames(mod, fn.decorators))
            if "script" in jit:
                found.roots.append(Root("script", FuncRef(mod, name), f"{mod}.{name}", "decorator"))
        for name, info in summary.classes.items():
            ref = ClassRef(mod, name)
            jit = jit_decorator(project.decorator_qualnames(mod, info.decorators))
            if "script" in jit or "interface" in jit:
                found.roots.append(Root("script", Instance(ref, (), mod), f"{mod}.{name}", "decorator"))
            elif options.entry == "modules" and project.is_nn_module(ref) and not is_abstract(project, ref):
                found.roots.append(Root("script", Instance(ref, (), mod), f"{mod}.{name}", "modules"))
        for site in summary.call_sites:
            _call_site_roots(project, summary, site, found)
    matched = _match_qualnames(project, [*options.script, *options.trace])
    for context, names in (("script", options.script), ("trace", options.trace)):
        for pattern in names:
            matches = matched[pattern]
            if not matches:
                found.unmatched.append(pattern)
            for target in matches:
                found.roots.append(Root(context, target, _label(target), "config"))
    return found


def is_abstract(project: Project, ref: ClassRef) -> bool:
    """Can the class not be instantiated (an `abc.ABC` with an `@abstractmethod` no class of its
    MRO overrides)? Such a class is never built, so never scripted: it is no module entry point
    (its concrete subclasses are)."""
    if not any(base in ("abc.ABC", "ABC") for base in project.external_bases(ref)):
        return False
    decided: set[str] = set()
    for klass in project.mro(ref):
        info = project.cls(klass)
        for name, fn in (info.methods.items() if info else ()):
            if name in decided:
                continue
            decided.add(name)
            if any(project.qualify(klass.module, d) in ("abc.abstractmethod", "abc.abstractproperty") for d in fn.decorators):
                return True
    return False


def _call_site_roots(project: Project, summary: ModuleSummary, site: CallSite, found: Roots) -> None:
    """The roots one `torch.jit.script/trace(...)` call makes: its target, or for a parameter
    (`def export(model): torch.jit.trace(model, x)`) what the annotation or the callers give."""
    context = "script" if site.kind == "script" else "trace"
    where = f"{summary.path}:{site.line}"
    if site.target[0] == "param":
        targets, reason = resolve_parameter(project, summary.module, site.scope, site.target, target_of)
        for target, origin in targets:
            if target is not None:
                found.roots.append(Root(context, target, f"torch.jit.{site.kind}({_label(target)}) at {where} ({origin})", "call"))
        if not targets:
            found.unresolved.append(Unresolved(f"torch.jit.{site.kind}({site.target[1]}) at {where}", reason))
        return
    target = target_of(project, summary.module, site.target)
    if target is None:
        found.unresolved.append(Unresolved(f"torch.jit.{site.kind}(...) at {where}", _unresolved_reason(site.target)))
        return
    found.roots.append(Root(context, target, f"torch.jit.{site.kind}({_label(target)}) at {where}", "call"))


def _unresolved_reason(value: Value) -> str:
    if value[0] in ("name", "attr"):
        return f"tslint cannot tell which class or function `{value[1]}` is"
    if value[0] == "call" and value[1]:
        return f"`{value[1]}(...)` is not a project class or a factory tslint can follow"
    return "tslint cannot tell what the argument is"


def _label(target: Target) -> str:
    if isinstance(target, Instance):
        return target.cls.name
    return target.qualname


def is_jit(project: Project, ref: FuncRef, *names: str) -> bool:
    fn = project.function(ref)
    if fn is None:
        return False
    return bool(jit_decorator(project.decorator_qualnames(ref.module, fn.decorators)) & set(names))


def iter_targets(roots: Iterable[Root], context: str) -> Iterable[Root]:
    return (r for r in roots if r.context == context)
