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
import os
from collections import Counter, defaultdict
from typing import Callable, Optional, TextIO, Union

from ..config import Config
from ..finding import Finding
from ..noqa import noqa_codes, per_file_ignored
from ..rule import code_selected, rule_by_code
from ..neutralize import STAND_IN_KINDS
from .construction import construction_cause
from .locations import UserFiles
from .overlay import Neutralizer
from .runner import Job, Outcome, run_jobs
from .units import Unit, UnitSet, build_units, search_path
from .verdict import MISSED, covers, hit_unneutralized, judge_script, judge_trace, missed_script, missed_trace

NOTICE_AT = 50  # jobs from which a run says on stderr that it will take a while
INSTALL = 'pip install "tslint[confirm]"'


def confirm_findings(result, config: Config, err: TextIO) -> str:
    """Set `confirmed`/`confirmation` on `result.findings` in place, append missed findings (TS000),
    and return a one-line summary."""
    candidates = [f for f in result.findings if f.context in ("script", "trace") and not f.code.startswith("TS9")
                  and f.code != MISSED]
    if importlib.util.find_spec("torch") is None:
        for f in candidates:
            f.confirmed, f.confirmation = None, f"unconfirmed: torch is not installed ({INSTALL})"
        err.write(f"tslint: warning: --confirm needs torch, which is not installed: {INSTALL}; nothing was compiled\n")
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
        #: the neutralizer whose stand-ins a unit compiles with (another kind when the first does not type-check)
        self.chosen: dict[str, Neutralizer] = {}
        self.sys_path = search_path(project, config)
        self.cwd = str(config.root.resolve())
        self.timeout = max(float(config.confirm_timeout), 1.0)
        self.compiled = 0
        self.not_compiled = 0

    def job(self, units: list[Unit], overlay: Union[dict[str, str], Callable[[], dict[str, str]], None] = None,
            lines: bool = False, save: bool = False) -> Job:
        dicts = [dict(u.job_dict(), lines=lines, save=save) for u in units]
        return Job(dicts, self.sys_path, self.cwd, overlay or {})

    def neutralizer_for(self, unit: Unit) -> Neutralizer:
        return self.chosen.get(unit.id, self.neutralizer)

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
        script_units = [u for u in self.units.script_units() if not u.unbuildable]
        trace_units = self.units.trace_units()
        overlay = self.neutralizer.all_neutralized()
        by_file: dict[tuple[str, int], list[Unit]] = defaultdict(list)
        builds: Counter = Counter()  # how many units of the same class are placed so far
        for unit in script_units:  # one job per file; each further build of a class (call site) in a job of its own
            by_file[unit.path, builds[unit.path, unit.qualname]].append(unit)
            builds[unit.path, unit.qualname] += 1
        first = [self.job(group, overlay) for group in by_file.values()] + [self.job([u]) for u in trace_units]
        script_findings = sum(1 for f in self.candidates if f.context == "script")
        if len(first) + script_findings >= NOTICE_AT:
            err.write(f"tslint: confirm: compiling {len(script_units) + len(trace_units)} units, then up to "
                      f"{script_findings} findings one at a time, in child processes (this takes a while)\n")
        whole: dict[str, Outcome] = {}
        for outcomes in run_jobs(first, self.timeout):
            whole.update(outcomes)
        self.rerun_after_failures(list(by_file.values()), overlay, whole)
        self.retry_stand_ins(script_units, whole)
        for unit in script_units + trace_units:
            outcome = whole.get(unit.id)
            if outcome is not None and (outcome.compiled or outcome.status == "trace_error"):
                self.compiled += 1
            else:
                self.not_compiled += 1
        for unit in self.units.script_units():
            if unit.unbuildable:
                whole[unit.id] = Outcome("not_built", unit.unbuildable)
                self.not_compiled += 1

        self.confirm_script(whole, self.evidence(script_units, whole))
        self.confirm_trace(whole)
        return self.missed(script_units, trace_units, whole, err)

    def rerun_after_failures(self, groups: list[list[Unit]], overlay: dict[str, str], whole: dict[str, Outcome]) -> None:
        """A compile that fails leaves half-defined classes in TorchScript's process-wide compilation
        unit ("Can't redefine method: forward on class ..."): a unit that failed after another one
        failed in the same child is compiled again in a child of its own."""
        again = []
        for group in groups:
            failed = [u for u in group if whole.get(u.id, Outcome("")).status == "compile_error"]
            again += failed[1:]
        for unit, outcomes in zip(again, run_jobs([self.job([u], overlay) for u in again], self.timeout)):
            if unit.id in outcomes:
                whole[unit.id] = outcomes[unit.id]

    def after_stand_in(self, unit: Unit, outcome: Outcome, neutralizer: Optional[Neutralizer] = None) -> Optional[Finding]:
        """The stand-in the unit's compile error may come from: the error is after it, in its function."""
        if outcome.status != "compile_error":
            return None
        loc = self.files.innermost(outcome.text or outcome.message, [unit.path])
        if loc is None:
            return None
        for f in (neutralizer or self.neutralizer_for(unit)).stood_in:
            scope = self.scope(f)
            if os.path.realpath(f.path) == os.path.realpath(loc.path) and scope and f.line <= loc.line <= scope[1] \
                    and not any(covers(g, loc.path, loc.line) for g in self.candidates):
                return f
        return None

    def retry_stand_ins(self, units: list[Unit], whole: dict[str, Outcome]) -> None:
        """Units whose compile fails after a stand-in, in its function, are compiled again with the
        next kind of stand-in value; the first kind the compiler accepts there is kept for the unit."""
        for kind in STAND_IN_KINDS[1:]:
            retry = [u for u in units if u.id in whole and self.after_stand_in(u, whole[u.id]) is not None]
            if not retry:
                return
            other = Neutralizer(self.candidates, kind)
            overlay = other.all_neutralized()
            for unit, outcomes in zip(retry, run_jobs([self.job([u], overlay) for u in retry], self.timeout)):
                outcome = outcomes.get(unit.id)
                if outcome is not None and self.after_stand_in(unit, outcome, other) is None:
                    whole[unit.id], self.chosen[unit.id] = outcome, other

    def evidence(self, script_units: list[Unit], whole: dict[str, Outcome]) -> dict[int, str]:
        """id(finding) -> compiler message, for findings the all-neutralized compiles already confirm."""
        found: dict[int, str] = {}
        for unit in script_units:
            outcome = whole.get(unit.id)
            if outcome is not None:
                hits = hit_unneutralized(unit, outcome, self.files, self.candidates,
                                         self.neutralizer_for(unit).neutralized)
                for f, message in hits:
                    found.setdefault(id(f), message + self.built(unit, outcome))
        return found

    def placed_or_ok(self, unit: Unit, outcome: Outcome) -> bool:
        """Did the all-neutralized compile succeed, or fail at a place in the project? Then an error
        without a location, once one finding is put back, is that finding's (nothing else changed)."""
        return outcome.status == "ok" or (outcome.status == "compile_error" and
                                          self.files.innermost(outcome.text or outcome.message, [unit.path]) is not None)

    def built(self, unit: Unit, outcome: Outcome) -> str:
        """How the unit's instance was built, when it was not a plain `Cls()` (for the output)."""
        how = [unit.recipe.text] if unit.recipe is not None and unit.recipe.text else []
        if outcome.data.get("built"):
            how.append(outcome.data["built"])
        return f" [instance: {'; '.join(how)}]" if how else ""

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
            neutralizer = self.neutralizer_for(unit)
            divergence = bool(getattr(rule_by_code(f.code), "divergence", False))
            jobs.append(self.job([unit], lambda f=f, n=neutralizer: n.all_but(f), lines=True, save=divergence))
            pending.append((f, unit))
        for (f, unit), outcomes in zip(pending, run_jobs(jobs, self.timeout)):
            outcome = outcomes.get(unit.id) or Outcome("error", "no result")
            baseline = whole[unit.id]
            f.confirmed, f.confirmation = judge_script(
                f, outcome, self.files, unit, self.neutralizer_for(unit).others(f), self.scope(f),
                baseline_ok=self.placed_or_ok(unit, baseline), cause=construction_cause(unit, outcome, self.project))
            if f.confirmed is not None:
                f.confirmation += self.built(unit, outcome)

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
        for unit in script_units:
            outcome = whole.get(unit.id)
            if outcome is None:
                continue
            neutralizer = self.neutralizer_for(unit)
            cause = construction_cause(unit, outcome, self.project)
            stood_in = self.after_stand_in(unit, outcome)
            if stood_in is not None and not cause:
                cause = (f"it fails after tslint's stand-in value for `{stood_in.code}` at "
                         f"{stood_in.path}:{stood_in.line}, which no stand-in type satisfies")
            finding, note = missed_script(unit, outcome, self.files, self.candidates, bool(neutralizer.all_neutralized()),
                                          cause)
            if note:
                err.write(f"tslint: confirm: {note}\n")
            if finding is not None:
                finding.confirmation += self.built(unit, outcome)
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
