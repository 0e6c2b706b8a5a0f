"""Reachability as the compiler walks it: which functions each root makes it read, and how.

Under script: an nn.Module compiles `forward`, its `@torch.jit.export` methods, what they call, and the
`forward` of *every* submodule (used or not); a script class compiles all its methods; `@ignore` and
`@unused` bodies are not read. Under trace: Python runs `forward` and what it calls; what is
`@torch.jit.script`, `@script_if_tracing`, or a `torch.jit.script(...)` attribute is compiled instead,
so it switches to the script contract. Every reached function keeps the chain that reached it first.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Optional, Union

from .entrypoints import Root, Target, target_of
from .instances import Instance, submodules
from .project.model import ClassRef, FuncRef, Project, jit_decorator

MAX_STATES = 200_000
SCRIPT_SWITCH = {"script", "script_if_tracing"}


@dataclass
class Reach:
    #: function -> context -> entry chain ("Net.forward -> helper")
    functions: dict[FuncRef, dict[str, str]] = field(default_factory=dict)
    #: classes compiled as modules or script classes under script -> chain
    classes: dict[ClassRef, str] = field(default_factory=dict)
    #: classes reached as nn.Modules (vs script classes)
    module_classes: set[ClassRef] = field(default_factory=set)
    roots: list[Root] = field(default_factory=list)

    def contexts_in(self, module: str) -> dict[str, dict[str, str]]:
        """qualname -> context -> chain for the functions of one module."""
        out: dict[str, dict[str, str]] = {}
        for ref, contexts in self.functions.items():
            if ref.module == module:
                out[ref.qualname] = contexts
        return out


class _Walker:
    def __init__(self, project: Project):
        self.project = project
        self.reach = Reach()
        self.seen: set = set()
        self.queue: deque = deque()

    # -- helpers -------------------------------------------------------------------------------
    def decorators(self, ref: FuncRef) -> set[str]:
        fn = self.project.function(ref)
        if fn is None:
            return set()
        return jit_decorator(self.project.decorator_qualnames(ref.module, fn.decorators))

    def push(self, context: str, node: Union[FuncRef, Instance], instance: Optional[Instance], chain: str) -> None:
        key = (context, node, instance)
        if key in self.seen or len(self.seen) > MAX_STATES:
            return
        self.seen.add(key)
        self.queue.append((context, node, instance, chain))

    # -- the walk ------------------------------------------------------------------------------
    def run(self, roots: list[Root]) -> Reach:
        order = {"call": 0, "config": 0, "decorator": 1, "modules": 2}
        for root in sorted(roots, key=lambda r: order.get(r.origin, 3)):
            self.reach.roots.append(root)
            self.push(root.context, root.target, None, root.label)
        while self.queue:
            context, node, instance, chain = self.queue.popleft()
            if isinstance(node, Instance):
                self.expand_instance(context, node, chain)
            else:
                self.expand_function(context, node, instance, chain)
        return self.reach

    def expand_instance(self, context: str, inst: Instance, chain: str) -> None:
        project = self.project
        is_module = project.is_nn_module(inst.cls)
        if context == "script":
            self.reach.classes.setdefault(inst.cls, chain)
            if is_module:
                self.reach.module_classes.add(inst.cls)
        if is_module:
            forward = project.find_method(inst.cls, "forward")
            if forward is not None:
                self.push(context, forward, inst, f"{chain} -> {forward.qualname}")
            if context == "script":
                for klass in project.mro(inst.cls):
                    info = project.cls(klass)
                    for name, fn in (info.methods.items() if info else ()):
                        ref = FuncRef(klass.module, fn.qualname)
                        if "export" in self.decorators(ref):
                            self.push("script", ref, inst, f"{chain} -> {ref.qualname}")
                for attr, contract, sub in submodules(self.project, inst):
                    if contract == "trace":
                        continue  # a traced submodule is compiled from its graph, not its source
                    self.push("script", sub, None, f"{chain} -> self.{attr}")
            return
        if context == "script":
            info = project.cls(inst.cls)
            for name, fn in (info.methods.items() if info else ()):
                ref = FuncRef(inst.cls.module, fn.qualname)
                self.push("script", ref, inst, f"{chain} -> {ref.qualname}")

    def expand_function(self, context: str, ref: FuncRef, instance: Optional[Instance], chain: str) -> None:
        project = self.project
        fn = project.function(ref)
        if fn is None:
            return
        jit = self.decorators(ref)
        if context == "trace" and jit & SCRIPT_SWITCH:
            self.push("script", ref, instance, chain)
            return
        if context == "script" and jit & {"ignore", "unused"}:
            return
        self.reach.functions.setdefault(ref, {}).setdefault(context, chain)
        for kind, name in fn.refs.get(context, ()):
            if kind == "self" and instance is not None:
                self.follow_self(context, name, instance, chain)
            elif kind == "self" and fn.class_name:
                method = project.find_method(ClassRef(ref.module, fn.class_name), name)
                if method is not None:
                    self.push(context, method, None, f"{chain} -> {method.qualname}")
            elif kind == "super" and fn.class_name and context == "trace":
                cls = instance.cls if instance else ClassRef(ref.module, fn.class_name)
                for base in project.mro(cls)[1:]:
                    method = project.find_method(base, name)
                    if method is not None:
                        self.push(context, method, instance, f"{chain} -> {method.qualname}")
                        break
            elif kind == "name":
                self.follow_name(context, ref.module, name, chain)

    def follow_self(self, context: str, name: str, instance: Instance, chain: str) -> None:
        method = self.project.find_method(instance.cls, name)
        if method is not None:
            self.push(context, method, instance, f"{chain} -> {method.qualname}")
            return
        if context == "trace":
            for attr, contract, sub in submodules(self.project, instance):
                if attr == name:
                    self.push(contract or "trace", sub, None, f"{chain} -> self.{attr}")

    def follow_name(self, context: str, module: str, name: str, chain: str) -> None:
        resolved = self.project.resolve(module, name)
        if isinstance(resolved, FuncRef):
            self.push(context, resolved, None, f"{chain} -> {resolved.qualname}")
        elif isinstance(resolved, ClassRef) and context == "script" and not self.project.is_nn_module(resolved):
            self.push("script", Instance(resolved, (), module), None, f"{chain} -> {resolved.name}")


def compute_reach(project: Project, roots: list[Root]) -> Reach:
    return _Walker(project).run(roots)


__all__ = ["Reach", "compute_reach", "target_of", "Target"]
