"""`tslint ir --real PATH[::QUALNAME]`: the real compiler's `graph` and `code` for a unit.

QUALNAME is `f` (a function), `Net` (an nn.Module, built as `--confirm` builds it: a zero-argument
constructor or the `[tool.tslint.factories]` factory; a script class), or `Net.method`. Without a
QUALNAME, every script root the static run finds in the file. The unit is compiled in a child
process like `--confirm` does, so the file's top level runs there, not in tslint.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from ..config import Config
from ..discover import module_name
from ..entrypoints import EntryOptions, find_roots
from ..project.index import summarize
from ..project.model import ClassRef, Project
from ..reach import compute_reach
from ..source import SourceError, SourceFile
from .runner import Job, run_jobs
from .units import Unit, build_units, lookup_ref, package_root


class RealIRError(Exception):
    """The unit could not be compiled (the message holds the compiler's or the import's words)."""


def real_ir(path: str, qualname: Optional[str], config: Config) -> str:
    """The scripted graph and code of `qualname` in `path` (every script root of the file when None)."""
    file = Path(path)
    module, is_package = module_name(file)
    try:
        with open(file, "rb") as handle:
            source = SourceFile.from_bytes(str(file), handle.read(), module)
    except (OSError, SourceError) as exc:
        raise RealIRError(f"cannot read {path}: {exc}") from None
    summary = summarize(str(file), module, "", source.tree, is_package)
    project = Project([summary])
    units = _units(project, module, str(file), qualname, config)
    if not units:
        raise RealIRError(f"nothing to compile in {path}" + (f" named {qualname!r}" if qualname else ""))
    roots = [str(config.root.resolve())]
    package = package_root(str(file), module, is_package)
    if package and package not in roots:
        roots.append(package)
    jobs = [Job([dict(u.job_dict(), member=member)], roots, roots[0], mode="ir") for u, member in units]
    out, errors = [], []
    for (unit, member), outcomes in zip(units, run_jobs(jobs, max(float(config.confirm_timeout), 1.0))):
        outcome = outcomes.get(unit.id)
        title = f"{unit.qualname}.{member}" if member else unit.qualname
        if outcome is None or outcome.status != "ok":
            text = (outcome.text or outcome.message) if outcome is not None else "no result"
            errors.append(f"# {title}: not compiled\n{text.rstrip()}\n")
            continue
        for name, graph, code in outcome.data.get("ir", []):
            where = title if not name or title.endswith("." + name) or unit.kind == "function" else f"{title}.{name}"
            out.append(f"# {where}\n## graph\n{graph.rstrip()}\n## code\n{code.strip()}\n")
    if errors and not out:
        raise RealIRError("\n".join(errors))
    return "\n".join(out + errors)


def _units(project: Project, module: str, path: str, qualname: Optional[str], config: Config) -> list[tuple[Unit, str]]:
    summary = project.by_module[module]
    if qualname is None:
        roots = find_roots(project, EntryOptions(entry="modules")).roots
        units = build_units(project, compute_reach(project, roots), config).script_units()
        return [(u, "") for u in units]
    head, _, member = qualname.partition(".")
    if head in summary.classes:
        info = summary.classes[head]
        ref = ClassRef(module, head)
        kind = "module" if project.is_nn_module(ref) else "class"
        factory = lookup_ref(config.factories, f"{module}.{head}") if kind == "module" else ""
        return [(Unit("ir0", kind, module, head, path, info.lineno, info.end_lineno, factory), member)]
    fn = summary.functions.get(qualname)
    if fn is not None:
        return [(Unit("ir0", "function", module, qualname, path, fn.lineno, fn.end_lineno), "")]
    return []


__all__ = ["RealIRError", "real_ir"]
