"""Per-entry-point verdicts for the summary: scriptable or not, traceable or not.

A finding names the first entry point that reached its code, so a verdict counts the findings of
every root with the same target. Under `entry = "modules"` every nn.Module is an entry point, and a
wrapper whose only problem is a submodule that fails on its own would bury the modules that script:
such a wrapper is reported as failing *through* that submodule, apart from the modules that fail
by their own code, and the modules that script are counted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .instances import Instance, submodules
from .project.model import ClassRef, Project

if TYPE_CHECKING:  # pragma: no cover
    from .engine import RunResult


@dataclass
class ModuleVerdicts:
    """The `entry = "modules"` roots: those with findings of their own (label, count), those that
    fail only through a submodule that does (label, submodule label), and how many script."""

    failing: list[tuple[str, int]] = field(default_factory=list)
    through: list[tuple[str, str]] = field(default_factory=list)
    scriptable: int = 0


def entry_verdicts(result: "RunResult") -> list[tuple[str, str, int]]:
    """(context, entry label, findings) per script and trace entry point that is not a `modules`
    root."""
    counts = {(r.context, r.label): 0 for r in result.roots if r.origin != "modules"}
    for key, count in _finding_counts(result).items():
        if key in counts:
            counts[key] = count
    # roots with the same target reach the same code, but findings name the first one only
    by_target: dict[tuple, int] = {}
    for root in result.roots:
        key = (root.context, root.target)
        by_target[key] = by_target.get(key, 0) + counts.get((root.context, root.label), 0)
    for root in result.roots:
        if (root.context, root.label) in counts:
            counts[(root.context, root.label)] = by_target[(root.context, root.target)]
    return sorted((context, label, count) for (context, label), count in counts.items())


def module_verdicts(result: "RunResult") -> ModuleVerdicts:
    roots = [r for r in result.roots if r.origin == "modules" and isinstance(r.target, Instance)]
    if not roots:
        return ModuleVerdicts()
    counts = _finding_counts(result)
    own = {r.target.cls: counts.get(("script", r.label), 0) for r in roots}
    labels = {r.target.cls: r.label for r in roots}
    verdicts = ModuleVerdicts()
    contained = _Containment(result.project)
    for root in sorted(roots, key=lambda r: r.label):
        cls = root.target.cls
        if own[cls]:
            verdicts.failing.append((root.label, own[cls]))
            continue
        culprit = next((labels[c] for c in contained.classes(cls) if own.get(c)), None)
        if culprit is not None:
            verdicts.through.append((root.label, culprit))
        else:
            verdicts.scriptable += 1
    return verdicts


def _finding_counts(result: "RunResult") -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for f in result.findings:
        if f.context in ("script", "trace") and f.entry:
            key = (f.context, f.entry.split(" -> ")[0])
            counts[key] = counts.get(key, 0) + 1
    return counts


class _Containment:
    """The module classes each module class holds as submodules, at any depth (once per class)."""

    def __init__(self, project: Project):
        self.project = project
        self._found: dict[ClassRef, list[ClassRef]] = {}

    def classes(self, cls: ClassRef) -> list[ClassRef]:
        found = self._found.get(cls)
        if found is None:
            self._found[cls] = []  # a cycle ends here
            order: dict[ClassRef, None] = {}
            for _, _, sub in submodules(self.project, Instance(cls, (), cls.module)):
                if sub.cls != cls and self.project.is_nn_module(sub.cls):
                    order[sub.cls] = None
                    order.update(dict.fromkeys(self.classes(sub.cls)))
            found = self._found[cls] = list(order)
        return found
