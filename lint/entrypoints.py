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

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
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


def _match_qualname(project: Project, pattern: str) -> list[Target]:
    """`pkg.mod.Name` / `pkg.mod.Class.method` / globs, also matching by module-name suffix."""
    out: list[Target] = []
    for mod, summary in project.by_module.items():
        names = [(f"{mod}.{n}", ClassRef(mod, n)) for n in summary.classes]
        names += [(f"{mod}.{n}", FuncRef(mod, n)) for n in summary.functions]
        for cname, info in summary.classes.items():
            names += [(f"{mod}.{cname}.{m}", FuncRef(mod, f"{cname}.{m}")) for m in info.methods]
        for full, ref in names:
            if full == pattern or full.endswith("." + pattern) or fnmatchcase(full, pattern) or pattern.replace(":", ".") == full:
                out.append(Instance(ref, (), mod) if isinstance(ref, ClassRef) else ref)
    return out


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
            elif options.entry == "modules" and project.is_nn_module(ref):
                found.roots.append(Root("script", Instance(ref, (), mod), f"{mod}.{name}", "modules"))
        for site in summary.call_sites:
            _call_site_roots(project, summary, site, found)
    for context, names in (("script", options.script), ("trace", options.trace)):
        for pattern in names:
            matches = _match_qualname(project, pattern)
            if not matches:
                found.unmatched.append(pattern)
            for target in matches:
                found.roots.append(Root(context, target, _label(target), "config"))
    return found


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
