"""Script and trace roots: where the compiler (or the tracer) starts reading a project.

Script roots: `@torch.jit.script` functions and classes, `@torch.jit.interface` classes, the targets
of `torch.jit.script(...)` calls anywhere in the tree, `script = [...]` in config and `--script`, and,
with `entry = "modules"` (the default), every `nn.Module` subclass. Trace roots: the targets of
`torch.jit.trace(...)` / `trace_module(...)`, `trace = [...]` and `--trace`.

A target written as a constructor call (`torch.jit.trace(MyCell(MyDecisionGate()), ...)`) keeps its
arguments, so reachability can follow them into the attributes they land in.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Iterable, Optional, Union

from .instances import Instance, bind_call, member
from .project.index import Value
from .project.model import ClassRef, FuncRef, Project, jit_decorator


Target = Union[FuncRef, Instance]


@dataclass(frozen=True)
class Root:
    context: str  # "script" | "trace"
    target: Target
    label: str  # how the user wrote it, for the `entry` chain
    origin: str = ""  # "decorator" | "call" | "config" | "modules"


@dataclass
class EntryOptions:
    entry: str = "modules"  # "modules" | "explicit"
    script: list[str] = field(default_factory=list)
    trace: list[str] = field(default_factory=list)


def target_of(project: Project, module: str, value: Value) -> Optional[Target]:
    """The function or instance a call-site argument denotes (`f`, `Net`, `Net(...)`, `m.f`)."""
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
        if isinstance(resolved, FuncRef):  # a factory annotated `-> Net`: an instance built elsewhere
            fn = project.function(resolved)
            made = project.resolve(resolved.module, fn.returns) if fn is not None and fn.returns else None
            if isinstance(made, ClassRef):
                return Instance(made, (), resolved.module)
    if kind == "member":  # `torch.jit.script(model.backbone)` with `model = Net(...)` above
        base = target_of(project, module, value[1])
        if isinstance(base, Instance):
            return member(project, base, value[2])
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


def find_roots(project: Project, options: EntryOptions) -> tuple[list[Root], list[str]]:
    """Every root, and the config/CLI names that matched nothing (reported as usage warnings)."""
    roots: list[Root] = []
    unmatched: list[str] = []
    for mod, summary in project.by_module.items():
        for name, fn in summary.functions.items():
            jit = jit_decorator(project.decorator_qualnames(mod, fn.decorators))
            if "script" in jit:
                roots.append(Root("script", FuncRef(mod, name), f"{mod}.{name}", "decorator"))
        for name, info in summary.classes.items():
            ref = ClassRef(mod, name)
            jit = jit_decorator(project.decorator_qualnames(mod, info.decorators))
            if "script" in jit or "interface" in jit:
                roots.append(Root("script", Instance(ref, (), mod), f"{mod}.{name}", "decorator"))
            elif options.entry == "modules" and project.is_nn_module(ref):
                roots.append(Root("script", Instance(ref, (), mod), f"{mod}.{name}", "modules"))
        for site in summary.call_sites:
            target = target_of(project, mod, site.target)
            if target is None:
                continue
            context = "script" if site.kind == "script" else "trace"
            label = f"torch.jit.{site.kind}({_label(target)}) at {summary.path}:{site.line}"
            roots.append(Root(context, target, label, "call"))
    for context, names in (("script", options.script), ("trace", options.trace)):
        for pattern in names:
            matches = _match_qualname(project, pattern)
            if not matches:
                unmatched.append(pattern)
            for target in matches:
                roots.append(Root(context, target, _label(target), "config"))
    return roots, unmatched


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
