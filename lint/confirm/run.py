"""`tslint --confirm`: every finding checked against the real compiler (or tracer), in child processes.

1. Units from the static run's roots (`units`).
2. Every script unit compiled with *all* findings neutralized (one child per file): what still fails
   at a place no finding covers is a missed finding (TS000). Trace units with example inputs are
   traced and checked for generalization.
3. Each script finding compiled alone, the others neutralized (one child per finding): confirmed,
   refuted or unconfirmed (`verdict`). Findings of a unit that could not be imported or built are
   unconfirmed without another child.

Importing a unit runs its module's top level (and the modules it imports): that is why all of this
happens in children with timeouts (`runner`).
"""
from __future__ import annotations

import importlib.util
from collections import defaultdict
from typing import Callable, Optional, TextIO, Union

from ..config import Config
from ..finding import Finding
from ..noqa import noqa_codes, per_file_ignored
from ..rule import code_selected
from .locations import UserFiles
from .overlay import Neutralizer
from .runner import Job, Outcome, run_jobs
from .units import Unit, UnitSet, build_units, search_path
from .verdict import MISSED, hit_unneutralized, judge_script, judge_trace, missed_script, missed_trace

NOTICE_AT = 50  # jobs from which a run says on stderr that it will take a while


def confirm_findings(result, config: Config, err: TextIO) -> str:
    """Set `confirmed`/`confirmation` on `result.findings` in place, append missed findings (TS000),
    and return a one-line summary."""
    candidates = [f for f in result.findings if f.context in ("script", "trace") and not f.code.startswith("TS9")
                  and f.code != MISSED]
    if importlib.util.find_spec("torch") is None:
        for f in candidates:
            f.confirmed, f.confirmation = None, "unconfirmed: torch is not installed (pip install 'tslint[confirm]')"
        err.write("tslint: warning: --confirm needs torch; nothing was compiled\n")
        return _summary(candidates, 0, 0, 0)
    units = build_units(result.project, result.reach, config)
    _warn_unused_examples(units, config, err)
    files = UserFiles([s.path for s in result.project.by_path.values()] + [f.path for f in result.findings])
    session = _Session(result.project, config, units, candidates, files)
    missed = session.run(err)
    missed = [f for f in missed if _reported(f, config)]
    result.findings.extend(missed)
    result.findings.sort(key=Finding.sort_key)
    return _summary(candidates, len(missed), session.compiled, session.not_compiled)


class _Session:
    def __init__(self, project, config: Config, units: UnitSet, candidates: list[Finding], files: UserFiles):
        self.project = project
        self.config = config
        self.units = units
        self.candidates = candidates
        self.files = files
        self.neutralizer = Neutralizer(candidates)
        self.sys_path = search_path(project, config)
        self.cwd = str(config.root.resolve())
        self.timeout = max(float(config.confirm_timeout), 1.0)
        self.compiled = 0
        self.not_compiled = 0

    def job(self, units: list[Unit], overlay: Union[dict[str, str], Callable[[], dict[str, str]], None] = None,
            lines: bool = False) -> Job:
        dicts = [dict(u.job_dict(), lines=lines) for u in units]
        return Job(dicts, self.sys_path, self.cwd, overlay or {})

    def scope(self, f: Finding) -> Optional[tuple[int, int]]:
        """Lines of the innermost function or method around the finding (None outside any)."""
        summary = self.project.by_path.get(f.path)
        if summary is None:
            return None
        infos = list(summary.functions.values()) + [m for c in summary.classes.values() for m in c.methods.values()]
        around = [i for i in infos if i.lineno <= f.line <= i.end_lineno]
        if not around:
            return None
        best = max(around, key=lambda i: i.lineno)
        return best.lineno, best.end_lineno

    def run(self, err: TextIO) -> list[Finding]:
        script_units = self.units.script_units()
        trace_units = self.units.trace_units()
        overlay = self.neutralizer.all_neutralized()
        by_file: dict[str, list[Unit]] = defaultdict(list)
        for unit in script_units:
            by_file[unit.path].append(unit)
        first = [self.job(group, overlay) for group in by_file.values()] + [self.job([u]) for u in trace_units]
        script_findings = sum(1 for f in self.candidates if f.context == "script")
        if len(first) + script_findings >= NOTICE_AT:
            err.write(f"tslint: confirm: compiling {len(script_units) + len(trace_units)} units, then up to "
                      f"{script_findings} findings one at a time, in child processes (this takes a while)\n")
        whole: dict[str, Outcome] = {}
        for outcomes in run_jobs(first, self.timeout):
            whole.update(outcomes)
        for unit in script_units + trace_units:
            outcome = whole.get(unit.id)
            if outcome is not None and (outcome.compiled or outcome.status == "trace_error"):
                self.compiled += 1
            else:
                self.not_compiled += 1

        self.confirm_script(whole, self.evidence(script_units, whole))
        self.confirm_trace(whole)
        return self.missed(script_units, trace_units, whole, err)

    def evidence(self, script_units: list[Unit], whole: dict[str, Outcome]) -> dict[int, str]:
        """id(finding) -> compiler message, for findings the all-neutralized compiles already confirm."""
        found: dict[int, str] = {}
        for unit in script_units:
            outcome = whole.get(unit.id)
            if outcome is not None:
                hits = hit_unneutralized(unit, outcome, self.files, self.candidates, self.neutralizer.neutralized)
                for f, message in hits:
                    found.setdefault(id(f), message)
        return found

    def confirm_script(self, whole: dict[str, Outcome], evidence: dict[int, str]) -> None:
        jobs, pending = [], []
        for f in self.candidates:
            if f.context != "script":
                continue
            if id(f) in evidence:  # its own check would compile exactly what already failed on it
                f.confirmed, f.confirmation = True, evidence[id(f)]
                continue
            unit = self.units.unit_for(f)
            if unit is None:
                f.confirmed, f.confirmation = None, "unconfirmed: no compilation unit tslint can build reaches it"
                continue
            before = whole.get(unit.id)
            if before is None or not before.compiled:
                reason = before.message if before is not None else "the unit was not compiled"
                f.confirmed, f.confirmation = None, f"unconfirmed: {reason}"
                continue
            jobs.append(self.job([unit], lambda f=f: self.neutralizer.all_but(f), lines=True))
            pending.append((f, unit))
        for (f, unit), outcomes in zip(pending, run_jobs(jobs, self.timeout)):
            outcome = outcomes.get(unit.id) or Outcome("error", "no result")
            f.confirmed, f.confirmation = judge_script(f, outcome, self.files, unit, self.neutralizer.others(f),
                                                       self.scope(f))

    def confirm_trace(self, whole: dict[str, Outcome]) -> None:
        for f in self.candidates:
            if f.context != "trace":
                continue
            unit = self.units.unit_for(f)
            if unit is None:
                f.confirmed, f.confirmation = None, ("unconfirmed: no example inputs for this trace; name a factory "
                                                     "returning (module, inputs) in [tool.tslint.trace-examples]")
                continue
            outcome = whole.get(unit.id) or Outcome("error", "the trace was not run")
            f.confirmed, f.confirmation = judge_trace(f, outcome, self.files)

    def missed(self, script_units: list[Unit], trace_units: list[Unit], whole: dict[str, Outcome],
               err: TextIO) -> list[Finding]:
        found: dict[tuple, Finding] = {}
        neutralized_any = bool(self.neutralizer.all_neutralized())
        for unit in script_units:
            outcome = whole.get(unit.id)
            if outcome is None:
                continue
            finding, note = missed_script(unit, outcome, self.files, self.candidates, neutralized_any)
            if note:
                err.write(f"tslint: confirm: {note}\n")
            if finding is not None:
                found.setdefault((finding.path, finding.line, finding.context, finding.message), finding)
        for unit in trace_units:
            outcome = whole.get(unit.id)
            if outcome is None:
                continue
            for finding in missed_trace(unit, outcome, self.files, self.candidates):
                found.setdefault((finding.path, finding.line, finding.context, finding.message), finding)
        return list(found.values())


def _warn_unused_examples(units: UnitSet, config: Config, err: TextIO) -> None:
    traced = {u.qualname for u in units.trace_units()}
    for key in config.trace_examples:
        if key.replace(":", ".") not in traced:
            err.write(f"tslint: warning: trace-examples {key!r}: nothing traces it (add it to `trace = [...]` or "
                      f"call torch.jit.trace on it)\n")


def _reported(f: Finding, config: Config) -> bool:
    """A missed finding obeys select/ignore and per-file-ignores like any other; a `# noqa` of any
    code on its line silences it too (the user already made a decision about that line)."""
    if not code_selected(f.code, config.select, config.ignore):
        return False
    if per_file_ignored(f.code, f.path, config.per_file_ignores):
        return False
    try:
        with open(f.path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return True
    return not (0 < f.line <= len(lines) and noqa_codes(lines[f.line - 1]) is not None)


def _summary(candidates: list[Finding], missed: int, compiled: int, not_compiled: int) -> str:
    confirmed = sum(1 for f in candidates if f.confirmed is True)
    refuted = sum(1 for f in candidates if f.confirmed is False)
    unconfirmed = len(candidates) - confirmed - refuted
    units = f"{compiled} unit{'s' * (compiled != 1)} compiled"
    if not_compiled:
        units += f", {not_compiled} not compiled"
    return f"Confirmation: {confirmed} confirmed, {refuted} refuted, {unconfirmed} unconfirmed, {missed} missed ({units})"


__all__ = ["confirm_findings"]
