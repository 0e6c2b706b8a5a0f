"""Compilation units: what `--confirm` hands to the real compiler, built from the static run's roots.

A script root becomes a unit: a function (`torch.jit.script(f)`), a script class
(`torch.jit.script(C)`), or an `nn.Module` class built by a zero-argument constructor or by the
factory named in `[tool.tslint.factories]`, then scripted. A method root compiles through its class.
A trace root becomes a unit only when `[tool.tslint.trace-examples]` names a factory returning
`(module_or_function, example_inputs)` for it. Findings belong to the unit of the root their `entry`
chain starts from.
"""
from __future__ import annotations

import ast
import os
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..config import Config, ConfigError, find_pyproject, load_config
from ..entrypoints import Instance
from ..finding import Finding
from ..project.model import ClassRef, FuncRef, Project
from ..reach import Reach
from .overlay import read_source
from .recipe import Recipe, recipe_for


@dataclass
class Unit:
    id: str
    kind: str  # function | class | module | trace
    module: str
    name: str  # attribute path inside the module
    path: str  # displayed path of the defining file
    line: int  # where it is defined (for errors with no location)
    end_line: int
    factory: str = ""
    labels: list[str] = field(default_factory=list)
    #: how the script call site builds the instance (None: the factory, or `Cls()`)
    recipe: Optional[Recipe] = None
    #: the module-level list of ParityBench-style cases that builds it (`confirm-testcases`)
    testcases: str = ""

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.name}" if self.module else self.name

    @property
    def context(self) -> str:
        return "trace" if self.kind == "trace" else "script"

    @property
    def unbuildable(self) -> str:
        """Why the program's instance cannot be rebuilt ("" when it can): such a unit is not compiled."""
        if self.recipe is None or not self.recipe.problem:
            return ""
        return f"built differently from {self.recipe.site}: {self.recipe.problem}, which tslint cannot replay"

    def job_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "module": self.module, "name": self.name,
                "path": os.path.realpath(self.path), "factory": self.factory,
                "recipe": self.recipe.job() if self.recipe is not None and not self.recipe.problem else None,
                "testcases": self.testcases}


def _key(ref: str) -> str:
    """`pkg.mod:Net` and `pkg.mod.Net` name the same thing."""
    return ref.replace(":", ".").strip()


def lookup_ref(table: dict[str, str], qualname: str) -> str:
    for key, value in table.items():
        if _key(key) == qualname:
            return value
    return ""


@dataclass
class UnitSet:
    units: list[Unit]
    by_label: dict[tuple[str, str], list[Unit]]  # (context, root label) -> units

    def script_units(self) -> list[Unit]:
        return [u for u in self.units if u.kind != "trace"]

    def trace_units(self) -> list[Unit]:
        return [u for u in self.units if u.kind == "trace"]

    def unit_for(self, finding: Finding) -> Optional[Unit]:
        """The unit whose root reached the finding (by its entry chain), else one defined around it."""
        label = finding.entry.split(" -> ")[0].strip() if finding.entry else ""
        candidates = self.by_label.get((finding.context, label), [])
        if candidates:
            return candidates[0]
        here = os.path.realpath(finding.path)
        for unit in self.units:
            inside = unit.line <= finding.line <= unit.end_line
            if inside and unit.context == finding.context and os.path.realpath(unit.path) == here:
                return unit
        return None


def build_units(project: Project, reach: Reach, config: Config) -> UnitSet:
    units: dict[tuple[str, str, str, str], Unit] = {}
    by_label: dict[tuple[str, str], list[Unit]] = {}

    sites = _call_sites(project)
    listed: dict[str, frozenset[str]] = {}

    def add(kind: str, module: str, name: str, label: str, context: str, factory: str = "") -> None:
        recipe, testcases = None, ""
        if kind == "module" and not factory:
            testcases = local_config(project, module, config).confirm_testcases
            if testcases and module not in listed:
                listed[module] = _listed_classes(project, module, testcases)
            testcases = testcases if name in listed.get(module, ()) else ""
        site = sites.get(_site_label(label)) if kind == "module" and not factory and not testcases else None
        if site is not None:
            recipe = recipe_for(project, site[0], site[1], ClassRef(module, name))
        key = (kind, module, name, recipe.key() if recipe is not None else "")
        unit = units.get(key)
        if unit is None:
            summary = project.by_module.get(module)
            if summary is None:
                return
            line, end = _span(project, module, name)
            unit = Unit(f"u{len(units)}", kind, module, name, summary.path, line, end, factory, recipe=recipe,
                        testcases=testcases)
            units[key] = unit
        if label not in unit.labels:
            unit.labels.append(label)
        bucket = by_label.setdefault((context, label), [])
        if unit not in bucket:
            bucket.append(unit)

    for root in reach.roots:
        target = root.target
        if root.context == "script":
            if isinstance(target, Instance):
                _add_class(add, project, target.cls, root.label, config)
            elif isinstance(target, FuncRef):
                if "." in target.qualname:  # a method: compiled through its class
                    _add_class(add, project, ClassRef(target.module, target.qualname.split(".")[0]), root.label, config)
                else:
                    add("function", target.module, target.qualname, root.label, "script")
        elif root.context == "trace":
            ref = target.cls if isinstance(target, Instance) else target
            module = ref.module
            name = ref.name if isinstance(ref, ClassRef) else ref.qualname
            factory = lookup_ref(local_config(project, module, config).trace_examples, f"{module}.{name}")
            if factory:
                add("trace", module, name, root.label, "trace", factory)
    return UnitSet(list(units.values()), by_label)


def _call_sites(project: Project) -> dict[str, tuple]:
    """Root label of each `torch.jit.script(...)` call site -> (its module summary, the site), as
    `entrypoints` labels call-site roots."""
    out: dict[str, tuple] = {}
    for summary in project.by_path.values():
        for site in summary.call_sites:
            if site.kind == "script" and site.target[0] != "param":
                out[f"at {summary.path}:{site.line}"] = (summary, site)
    return out


def _listed_classes(project: Project, module: str, variable: str) -> frozenset[str]:
    """The classes a module's `variable = [(Cls, init_args, forward_args, ...), ...]` lists."""
    summary = project.by_module.get(module)
    try:
        tree = ast.parse(read_source(summary.path) or "") if summary is not None else None
    except SyntaxError:
        return frozenset()
    names: set[str] = set()
    for node in tree.body if tree is not None else []:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == variable for t in node.targets) \
                and isinstance(node.value, (ast.List, ast.Tuple)):
            names |= {case.elts[0].id for case in node.value.elts
                      if isinstance(case, ast.Tuple) and case.elts and isinstance(case.elts[0], ast.Name)}
    return frozenset(names)


def _site_label(label: str) -> str:
    """`torch.jit.script(Net) at pkg/x.py:12` -> `at pkg/x.py:12` (the key of `_call_sites`)."""
    return "at " + label.rpartition(" at ")[2] if label.startswith("torch.jit.script(") else ""


def _add_class(add, project: Project, cls: ClassRef, label: str, config: Config) -> None:
    if project.is_nn_module(cls):
        factories = local_config(project, cls.module, config).factories
        add("module", cls.module, cls.name, label, "script", lookup_ref(factories, f"{cls.module}.{cls.name}"))
    else:
        add("class", cls.module, cls.name, label, "script")


def _span(project: Project, module: str, name: str) -> tuple[int, int]:
    summary = project.by_module[module]
    info = summary.classes.get(name) or summary.function(name)
    if info is None:
        return 1, 1
    return info.lineno, info.end_lineno


def search_path(project: Project, config: Config) -> list[str]:
    """Where the child imports from: the config's folder, then each linted file's package root (the
    folder above its top package, from its path and dotted module name)."""
    roots: list[str] = [str(config.root.resolve())]
    for summary in project.by_path.values():
        local = local_config(project, summary.module, config)
        for root in (str(local.root.resolve()), package_root(summary.path, summary.module, summary.is_package)):
            if root and root not in roots:
                roots.append(root)
    return roots


def local_config(project: Project, module: str, config: Config) -> Config:
    """The `[tool.tslint]` nearest to a module's file: `tslint examples/` must build the seed's
    models with the factories of `examples/seed/pyproject.toml`, not only the run's own config."""
    summary = project.by_module.get(module)
    if summary is None:
        return config
    try:
        found = find_pyproject(Path(summary.path).resolve().parent)
    except ConfigError:  # a broken config beside the module: the run's own config still applies
        return config
    if found is None or (config.path is not None and found.resolve() == config.path.resolve()):
        return config
    return _load(found)


@lru_cache(maxsize=None)
def _load(path: Path) -> Config:
    try:
        return load_config(path)
    except ConfigError:
        return Config(path=path)


def package_root(path: str, module: str, is_package: bool) -> Optional[str]:
    if not module:
        return None
    depth = module.count(".") + (1 if is_package else 0)
    folder = Path(os.path.realpath(path)).parent
    for _ in range(depth):
        folder = folder.parent
    return str(folder)
