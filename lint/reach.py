"""Reachability as the compiler walks it: which functions each root makes it read, and how.

Under script: an nn.Module compiles `forward`, its `@torch.jit.export` methods, the getters and setters
of its properties (used or not), what they call, and the `forward` of *every* submodule (used or not);
a script class compiles all its methods, and a plain object an attribute holds is compiled as one only
when compiled code reads that attribute; a class whose base tslint cannot see (a library class that may
or may not be an nn.Module) is not followed; `@ignore` and `@unused` bodies are not read. Under trace:
Python runs `forward` and what it calls; what is `@torch.jit.script`, `@script_if_tracing`, or a
`torch.jit.script(...)` attribute is compiled instead, so it switches to the script contract. Every
reached function keeps the chain that reached it first.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Iterator, Optional, Union

from .decorators import decorator_effect
from .entrypoints import Root, Target, target_of
from .instances import Instance, registry_mappings, submodules
from .project.model import ClassRef, External, FuncRef, Project, is_standard_library, jit_decorator

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

    def built_without_args(self) -> set[ClassRef]:
        """Classes a root scripts as a zero-argument construction builds them (`entry = "modules"`,
        as `--confirm` does): their attributes hold their `__init__` defaults."""
        return {r.target.cls for r in self.roots
                if r.context == "script" and r.origin == "modules" and isinstance(r.target, Instance) and not r.target.bindings}

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
        self._decorators: dict[FuncRef, set[str]] = {}
        self._properties: dict[ClassRef, list[FuncRef]] = {}
        self._body_names: dict[ClassRef, list[tuple[str, tuple[FuncRef, ...]]]] = {}
        self._exports: dict[ClassRef, list[FuncRef]] = {}
        self._name_steps: dict[tuple[str, str, str], list[tuple]] = {}
        self._uses_instance: dict[FuncRef, bool] = {}
        self._body_compiled: dict[FuncRef, bool] = {}
        self._attribute_objects: dict[Instance, dict[str, list[Instance]]] = {}

    # -- helpers -------------------------------------------------------------------------------
    def decorators(self, ref: FuncRef) -> set[str]:
        found = self._decorators.get(ref)  # asked once per state pushed: memoized per function
        if found is None:
            fn = self.project.function(ref)
            found = self._decorators[ref] = (
                jit_decorator(self.project.decorator_qualnames(ref.module, fn.decorators)) if fn is not None else set())
        return found

    def cached_property(self, ref: FuncRef) -> bool:
        """Is the method a `functools.cached_property`? Not a `property` to the compiler
        (`frontend.get_class_properties` takes `isinstance(m, property)`), nor a function: it is
        never compiled. Reading every attribute before compiling (`get_overload_annotations`) runs
        it in Python, and the value it caches in the instance becomes a plain attribute."""
        fn = self.project.function(ref)
        return fn is not None and bool(fn.decorators) and "functools.cached_property" in \
            self.project.decorator_qualnames(ref.module, fn.decorators)

    def body_compiled(self, ref: FuncRef, decorators: tuple[str, ...]) -> bool:
        """Is the function's own body what `torch.jit.script` compiles? Not when a decorator hands
        the compiler something else (`lint/decorators.py`): tslint does not judge that body."""
        found = self._body_compiled.get(ref)
        if found is None:
            found = self._body_compiled[ref] = not decorators or decorator_effect(self.project, ref.module, decorators)[0]
        return found

    def uses_instance(self, ref: FuncRef) -> bool:
        """Does what a function reaches depend on the instance it runs on (`self.x`, `super().x`)?"""
        found = self._uses_instance.get(ref)
        if found is None:
            fn = self.project.function(ref)
            found = self._uses_instance[ref] = fn is not None and any(
                kind in ("self", "super") for refs in fn.refs.values() for kind, _ in refs)
        return found

    def push(self, context: str, node: Union[FuncRef, Instance], instance: Optional[Instance], chain: str) -> None:
        if instance is not None and not isinstance(node, Instance) and not self.uses_instance(node):
            instance = None  # one state for all the instances it runs on: they reach the same code
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
        kind = project.nn_module_kind(inst.cls)
        if kind is None and context == "script":
            return  # a library base tslint cannot see: module or script class, which code compiles is unknown
        is_module = kind is not False  # traced: Python calls whatever it is (torch.jit.trace takes only modules)
        if context == "script":
            self.reach.classes.setdefault(inst.cls, chain)
            if is_module:
                self.reach.module_classes.add(inst.cls)
        if is_module:
            forward = None if project.replaced_at_run_time(inst.cls, "forward") else project.find_method(inst.cls, "forward")
            if forward is not None:
                self.push(context, forward, inst, f"{chain} -> {forward.qualname}")
            if context == "script":
                for klass in project.mro(inst.cls):
                    for ref in self.exports(klass):
                        self.push("script", ref, inst, f"{chain} -> {ref.qualname}")
                for ref in self.compiled_properties(inst.cls):
                    self.push("script", ref, inst, f"{chain} -> {ref.qualname}")
                for attr, contract, sub in submodules(self.project, inst):
                    if contract == "script" or (not contract and project.is_nn_module(sub.cls)):
                        self.push("script", sub, None, f"{chain} -> self.{attr}")
            return
        if context == "script":
            info = project.cls(inst.cls)
            for name, fn in (info.methods.items() if info else ()):
                ref = FuncRef(inst.cls.module, fn.qualname)
                if name.endswith(".deleter") or self.cached_property(ref):
                    continue  # a property's deleter is never compiled, nor a cached_property
                self.push("script", ref, inst, f"{chain} -> {ref.qualname}")

    def compiled_properties(self, cls: ClassRef) -> list[FuncRef]:
        """Getters and setters of the properties a scripted module has (`torch/jit/frontend.py`
        `get_class_properties`): all of them, inherited ones included, used or not, except those named
        in `__jit_unused_properties__` and those whose getter is `@torch.jit.unused`; none when that
        list is unknown (see `unused_properties`)."""
        if cls not in self._properties:  # one answer per class, however many instances are reached
            self._properties[cls] = self._compiled_properties(cls)
        return self._properties[cls]

    def _compiled_properties(self, cls: ClassRef) -> list[FuncRef]:
        unused = self.unused_properties(cls)
        if unused is None:
            return []  # which properties the compiler skips is unknown: be silent about them all
        seen: set[str] = set()
        out: list[FuncRef] = []
        for klass in self.project.mro(cls):
            for name, compiled in self.class_body_names(klass):
                if name in seen:
                    continue
                seen.add(name)  # the first class in the MRO that defines the name decides what it is
                if compiled and name not in unused:
                    out.extend(compiled)
        return out

    def unused_properties(self, cls: ClassRef) -> Optional[tuple[str, ...]]:
        """`__jit_unused_properties__` as the class inherits it (`getattr(cls, ...)`): set by the first
        class along the MRO that sets it. None (unknown) when that spelling is not a literal, or when
        a class before it has a base tslint cannot read that may set it (an installed
        `LightningModule` does); torch's own bases name only torch's properties."""
        for klass in self.project.mro(cls):
            info = self.project.cls(klass)
            if info is not None and "__jit_unused_properties__" in info.class_values:
                return info.unused_properties
            if any(isinstance(b, External) and not b.qualname.startswith("torch.") and not is_standard_library(b.qualname)
                   for b in self.project.class_bases(klass)):
                return None
        return ()

    def class_body_names(self, klass: ClassRef) -> list[tuple[str, tuple[FuncRef, ...]]]:
        """The names a class body defines, in order, each with the getter and setter compiled for it
        when it is a compiled property (else empty). A fact of the class alone, so computed once,
        not once per subclass: a base like `PreTrainedModel` has hundreds of them."""
        found = self._body_names.get(klass)
        if found is not None:
            return found
        found = self._body_names[klass] = []
        info = self.project.cls(klass)
        if info is None:
            return found
        for name in list(info.methods) + list(info.class_values) + list(info.annotations):
            if "." in name:
                continue
            getter = info.methods.get(name)
            compiled: tuple[FuncRef, ...] = ()
            if getter is not None:
                decorators = set(self.project.decorator_qualnames(klass.module, getter.decorators))
                if decorators & {"property", "builtins.property", "abc.abstractproperty"} \
                        and not jit_decorator(decorators) & {"unused", "ignore"}:
                    compiled = (FuncRef(klass.module, getter.qualname),)
                    if f"{name}.setter" in info.methods:
                        compiled += (FuncRef(klass.module, info.methods[f"{name}.setter"].qualname),)
            found.append((name, compiled))
        return found

    def exports(self, klass: ClassRef) -> list[FuncRef]:
        """The `@torch.jit.export` methods a class body defines, in order (once per class)."""
        found = self._exports.get(klass)
        if found is None:
            info = self.project.cls(klass)
            refs = (FuncRef(klass.module, fn.qualname) for fn in (info.methods.values() if info else ()))
            found = self._exports[klass] = [ref for ref in refs if "export" in self.decorators(ref)]
        return found

    def expand_function(self, context: str, ref: FuncRef, instance: Optional[Instance], chain: str) -> None:
        project = self.project
        fn = project.function(ref)
        if fn is None:
            return
        jit = self.decorators(ref)
        if context == "trace" and jit & SCRIPT_SWITCH:
            self.push("script", ref, instance, chain)
            return
        if context == "script" and (jit & {"ignore", "unused"} or not self.body_compiled(ref, fn.decorators)):
            return
        self.reach.functions.setdefault(ref, {}).setdefault(context, chain)
        for kind, name in fn.refs.get(context, ()):
            if kind == "self" and instance is not None:
                self.follow_self(context, name, instance, chain)
            elif kind == "self" and fn.class_name:
                owner = ClassRef(ref.module, fn.class_name)
                method = None if project.replaced_at_run_time(owner, name) else project.find_method(owner, name)
                if method is not None and (context == "trace" or not self.cached_property(method)):
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
        if self.project.replaced_at_run_time(instance.cls, name):
            return  # what runs under that name is decided at run time: tslint does not guess
        method = self.project.find_method(instance.cls, name)
        if method is not None:
            if context == "trace" or not self.cached_property(method):
                self.push(context, method, instance, f"{chain} -> {method.qualname}")
            return
        if context == "script":
            for sub in self.attribute_objects(instance).get(name, ()):
                self.push("script", sub, None, f"{chain} -> self.{name}")
        elif context == "trace":  # Python runs whichever class a registry gave the attribute
            for attr, contract, sub in submodules(self.project, instance, registries=True):
                if attr == name:
                    self.push(contract or "trace", sub, None, f"{chain} -> self.{attr}")

    def attribute_objects(self, instance: Instance) -> dict[str, list[Instance]]:
        """attribute -> the plain objects (not nn.Modules) of project classes a scripted module's
        `__init__` stores there. The compiler types such an attribute by compiling the object's
        class (`_jit_try_infer_type`); when that fails the attribute is dropped silently, and only
        compiled code that reads `self.<attribute>` fails. So the class is compiled, all its
        methods, only once a reached script function reads the attribute (see `follow_self`)."""
        found = self._attribute_objects.get(instance)
        if found is None:
            found = self._attribute_objects[instance] = {}
            if self.project.is_nn_module(instance.cls):
                for attr, contract, sub in submodules(self.project, instance):
                    if not contract and not self.project.is_nn_module(sub.cls):
                        found.setdefault(attr, []).append(sub)
        return found

    def follow_name(self, context: str, module: str, name: str, chain: str) -> None:
        """Push what a name written in `module` reaches. That depends on the name alone, not on the
        state that spells it (the same `F.relu` is followed from hundreds of thousands of states),
        so the steps are worked out once, with the chain left open, and replayed."""
        key = (context, module, name)
        steps = self._name_steps.get(key)
        if steps is None:
            steps = self._name_steps[key] = list(self.name_steps(context, module, name))
        for step_context, node, instance, label in steps:
            self.push(step_context, node, instance, chain + label)

    def name_steps(self, context: str, module: str, name: str) -> Iterator[tuple]:
        """(context, function or instance, instance, chain label) for each thing a name reaches."""
        resolved = self.project.resolve(module, name)
        if isinstance(resolved, FuncRef):
            yield context, resolved, None, f" -> {resolved.qualname}"
        elif isinstance(resolved, ClassRef) and context == "script" and self.project.nn_module_kind(resolved) is False:
            yield "script", Instance(resolved, (), module), None, f" -> {resolved.name}"
        elif resolved is None and context == "script":
            yield from self.dispatch_steps(module, name)
        elif resolved is None and context == "trace":
            yield from self.registry_steps(module, name)

    def dispatch_steps(self, module: str, name: str) -> Iterator[tuple]:
        """A module global naming a function: an alias (`threshold = _threshold`), or
        `max_pool2d = boolean_dispatch(if_true=..., if_false=...)` (torch.nn.functional), where the
        compiler picks one of the two functions by a bool argument and compiles that one."""
        qual = self.project.qualify(module, name)
        owner, _, attr = qual.rpartition(".")
        summary = self.project.by_module.get(owner)
        value = summary.globals.get(attr) if summary else None
        if value and value[0] == "name" and value[1] != attr:  # `threshold = _threshold`
            ref = self.project.resolve(owner, value[1])
            if isinstance(ref, FuncRef):
                yield "script", ref, None, f" -> {ref.qualname}"
            return
        if not value or value[0] != "call" or not value[1] or value[1].rsplit(".", 1)[-1] != "boolean_dispatch":
            return
        for key, target in value[3]:
            if key in ("if_true", "if_false") and target[0] == "name":
                ref = self.project.resolve(owner, target[1])
                if isinstance(ref, FuncRef):
                    yield "script", ref, None, f" -> {ref.qualname}"

    def registry_steps(self, module: str, name: str) -> Iterator[tuple]:
        """A mapping of keys to functions called through a key under trace (`ATTENTION_FUNCTIONS[impl](...)`,
        `.get(impl, default)(...)`): Python runs whichever value the key selects, so every project
        function among the values is reached (see `registry_mappings`)."""
        head = name.split(".", 1)[0]
        for where, mapping in registry_mappings(self.project, module, head):
            for _key, target in mapping[1]:
                if target and target[0] == "name":
                    ref = self.project.resolve(where, target[1])
                    if isinstance(ref, FuncRef):
                        yield "trace", ref, None, f" -> {head}[...] -> {ref.qualname}"


def compute_reach(project: Project, roots: list[Root]) -> Reach:
    return _Walker(project).run(roots)


__all__ = ["Reach", "compute_reach", "target_of", "Target"]
