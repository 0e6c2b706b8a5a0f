"""Module instances as a constructor call builds them, and the submodules their `__init__` assigns.

An `Instance` keeps the constructor call's arguments, so `self.dg = dg` in `MyCell.__init__` resolves
to `MyDecisionGate` when the call site was `MyCell(MyDecisionGate())`. Shared by the entry points
(`torch.jit.script(model.backbone)`) and by reachability (every submodule's `forward`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional

from .project.index import Value
from .project.model import CONTAINERS, ClassRef, External, Project


@dataclass(frozen=True)
class Instance:
    """An nn.Module or script class as built by one constructor call (arguments kept for binding)."""

    cls: ClassRef
    bindings: tuple[tuple[str, Value], ...] = ()
    written_in: str = ""  # module whose names the bound values use



def bind_call(project: Project, cls: ClassRef, call: Optional[Value], written_in: str) -> Instance:
    """Map a constructor call's arguments onto `__init__` parameter names."""
    info = project.cls(cls)
    if info is None or call is None or call[0] != "call":
        return Instance(cls, (), written_in)
    params = list(info.init_params)
    init = project.find_method(cls, "__init__")
    if init is not None and init.qualname.split(".")[0] != cls.name:
        base = project.cls(ClassRef(init.module, init.qualname.split(".")[0]))
        if base is not None:
            params = list(base.init_params)
    bound: list[tuple[str, Value]] = []
    for name, value in zip(params, call[2]):
        bound.append((name, value))
    for name, value in call[3]:
        bound.append((name, value))
    return Instance(cls, tuple(bound), written_in)


def values_to_instances(project: Project, value: Value, module: str, instance: Optional[Instance],
                        depth: int = 0) -> Iterator[tuple[str, Instance]]:
    """Instances (with the contract they run under, "" = inherited) that a value builds.

    `value` is written in `module`; a bare name that is an `__init__` parameter is looked up in
    the constructor call that built `instance` (written in `instance.written_in`).
    """
    if depth > 4 or not value:
        return
    kind = value[0]
    if kind == "name":
        bound = dict(instance.bindings).get(value[1]) if instance else None
        if bound is not None and instance is not None:
            yield from values_to_instances(project, bound, instance.written_in, None, depth + 1)
            return
        value = ("call", value[1], (), ())  # a module-level instance or class used as a value
        kind = "ref"
    if kind in ("list", "tuple"):
        for item in value[1]:
            yield from values_to_instances(project, item, module, instance, depth + 1)
        return
    if kind == "dict":
        for _, item in value[1]:
            yield from values_to_instances(project, item, module, instance, depth + 1)
        return
    if kind == "listcomp":
        yield from values_to_instances(project, value[1], module, instance, depth + 1)
        return
    if kind not in ("call", "ref") or not value[1]:
        return
    if kind == "ref":
        summary = project.summary(module)
        if summary and value[1] in summary.globals:  # `CELL = MyCell()` at module level
            yield from values_to_instances(project, summary.globals[value[1]], module, None, depth + 1)
        return
    qual = project.qualify(module, value[1])
    if qual in ("torch.jit.script", "torch.jit.trace", "torch.jit.trace_module") and value[2]:
        contract = "script" if qual == "torch.jit.script" else "trace"
        for _, inner in values_to_instances(project, value[2][0], module, instance, depth + 1):
            yield contract, inner
        return
    resolved = project.resolve(module, value[1])
    if isinstance(resolved, ClassRef):
        yield "", bind_call(project, resolved, value, module)
    elif isinstance(resolved, External) and (resolved.qualname in CONTAINERS or resolved.qualname.startswith("torch.nn.")):
        for arg in list(value[2]) + [v for _, v in value[3]]:
            yield from values_to_instances(project, arg, module, instance, depth + 1)

def submodules(project: Project, instance: Instance, registries: bool = False) -> Iterator[tuple[str, str, Instance]]:
    """(attribute, contract or "", instance) for every attribute of the instance's classes. With
    `registries`, also every class an attribute may be built from through a mapping looked up by a
    run-time key (`self.attn = ATTENTION_CLASSES[impl](config)`): what Python may run, not what one
    scripted instance holds."""
    for klass in project.mro(instance.cls):
        info = project.cls(klass)
        if info is None:
            continue
        for attr, value in info.init_attrs.items():
            for contract, sub in values_to_instances(project, value, klass.module, instance):
                yield attr, contract, sub
            if registries and value and value[0] == "registry":
                for sub in registry_instances(project, value, klass.module):
                    yield attr, "", sub


def registry_instances(project: Project, value: Value, module: str) -> Iterator[Instance]:
    """The project nn.Module classes a registry maps keys to, each as built by the call `value`
    (`("registry", "CLASSES", args, kwargs)`, written in `module`)."""
    for where, mapping in registry_mappings(project, module, value[1]):
        for _key, target in mapping[1]:
            if target and target[0] in ("name", "attr"):
                cls = project.resolve(where, target[1])
                if isinstance(cls, ClassRef) and project.is_nn_module(cls):
                    yield bind_call(project, cls, ("call", target[1], value[2], value[3]), module)


def registry_mappings(project: Project, module: str, name: str) -> list[tuple[str, Value]]:
    """The dict literals behind a registry that `name` (written in `module`) names, each with the
    module its values are written in: a module global dict, or a module global instance of a project
    class (`ALL = Registry()`) whose class bodies along the MRO hold dicts (`_mapping = {...}`)."""
    qual = project.qualify(module, name)
    owner, _, attr = qual.rpartition(".")
    summary = project.summary(owner) if owner else None
    value = summary.globals.get(attr) if summary else None
    if not value:
        return []
    if value[0] == "dict":
        return [(owner, value)]
    mappings: list[tuple[str, Value]] = []
    if value[0] == "call" and value[1]:
        cls = project.resolve(owner, value[1])
        if isinstance(cls, ClassRef):
            for klass in project.mro(cls):
                info = project.cls(klass)
                mappings.extend((klass.module, v) for v in (info.class_values.values() if info else ()) if v and v[0] == "dict")
    return mappings


def member(project: Project, instance: Instance, path: str) -> Optional[Instance]:
    """The submodule at a dotted attribute path (`model.head.cls` → path "head.cls")."""
    current: Optional[Instance] = instance
    for part in path.split("."):
        if current is None:
            return None
        current = next((sub for attr, _, sub in submodules(project, current) if attr == part), None)
    return current
