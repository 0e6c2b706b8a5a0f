"""Turning what the compiler (or tracer) did into verdicts on findings, and into missed findings.

Script finding F, compiled with every other finding neutralized:
- the compiler fails at F's lines (innermost project location of its error) → confirmed;
- it fails with no project location (inside a library, or no location at all) with the message F's
  rule predicts → confirmed;
- it compiles → refuted;
- it fails somewhere else → unconfirmed: the compiler stopped before reaching F (the compiler only
  reports its first error, so this says nothing about F);
- the unit could not be imported, built, or the child hung or crashed → unconfirmed, with why.

Trace finding F: a TracerWarning at F's lines → confirmed; otherwise, the trace disagreeing with eager
on inputs of other sizes → confirmed ("the trace does not generalize"); no warning and agreement →
refuted; no second input eager accepts → unconfirmed.

Missed (TS000): a unit that still fails with every finding neutralized, at a project location no
finding covers; a TracerWarning at a line no trace finding covers.
"""
from __future__ import annotations

import os
from typing import Iterable, Optional

from ..finding import Finding
from ..rule import rule_by_code
from .locations import Location, UserFiles, UserLocation
from .runner import Outcome
from .units import Unit

MISSED = "TS000"


def _short(message: str, limit: int = 1500) -> str:
    message = message.strip().rstrip(":").strip()
    return message if len(message) <= limit else message[: limit - 1] + "…"


def whole_message(outcome: Outcome) -> str:
    """The compiler's whole message (every line before its first source excerpt, joined), not just
    its first line: "Expected a value of type ..." goes on with the inferred type, the value and the
    schema, and a library error without a location is only understood with all of it."""
    if outcome.status != "compile_error" or not outcome.text:
        return _short(outcome.message)
    lines = []
    for line in outcome.text.splitlines():
        if line.strip() == ":" or line.lstrip().startswith('File "'):
            break
        if line.strip():
            lines.append(line.strip().rstrip(":"))
    joined = "".join(f"{line}{' ' if line.endswith('.') else '; '}" for line in lines).rstrip("; ")
    return _short(joined or outcome.message)


def covers(f: Finding, path: str, line: int) -> bool:
    """Does the finding span `line` of `path`?"""
    return os.path.realpath(f.path) == os.path.realpath(path) and f.line <= line <= max(f.line, f.end_line)


def _where(loc: UserLocation) -> str:
    return f"{loc.path}:{loc.line}"


def judge_script(f: Finding, outcome: Outcome, files: UserFiles, unit: Unit, others: int,
                 scope: Optional[tuple[int, int]] = None, baseline_ok: bool = False,
                 cause: str = "") -> tuple[Optional[bool], str]:
    """`scope`: the lines of the function holding the finding, to check that the compiler really
    compiled it before calling the finding refuted. `baseline_ok`: the unit compiles with every
    finding neutralized (or fails at a place in the project), so an error without a location, once
    this finding alone is put back, is this finding's. `cause`: why the error may come from tslint's construction of the module."""
    rule = rule_by_code(f.code)
    if outcome.status == "ok" and getattr(rule, "divergence", False):
        return _judge_divergence(f, outcome, files, unit)
    if outcome.status == "ok":
        if scope is not None and not _compiled_within(f, scope, outcome, files, unit):
            return None, (f"unconfirmed: {unit.qualname} compiles, but the compiler never compiled this function "
                          f"(the instance built for it does not reach this code)")
        if others:
            return False, f"the compiler accepts it (compiled {unit.qualname} with the {others} other finding(s) neutralized)"
        return False, f"the compiler accepts it (compiled {unit.qualname})"
    if outcome.status != "compile_error":
        return None, f"unconfirmed: {outcome.message}"
    message = whole_message(outcome)
    text = outcome.text or outcome.message
    prefer = [unit.path, f.path]
    innermost = files.innermost(text, prefer)
    if innermost is not None and covers(f, innermost.path, innermost.line):
        return True, message
    predicted = rule.compiler_message if rule is not None else ""
    if predicted and predicted in text:
        if innermost is None:  # failed inside library code (or nowhere) with the predicted message
            return True, f"{message} (no location in the project; the message is the one this rule predicts)"
        if any(covers(f, loc.path, loc.line) for loc in files.chain(text, prefer)):
            return True, f"{message} (at {_where(innermost)}, compiled from here)"
    if innermost is None and baseline_ok:
        return True, f"{message} (no location in the project; it goes once this finding alone is neutralized)"
    if cause:
        return None, f"unconfirmable: {cause}; the compiler said: {message}"
    if innermost is not None:
        return None, f"unconfirmed: the compiler stopped first at {_where(innermost)}: {message}"
    return None, f"unconfirmed: the compiler failed without a location in the project: {message}"


def _judge_divergence(f: Finding, outcome: Outcome, files: UserFiles, unit: Unit) -> tuple[Optional[bool], str]:
    """A rule about code the compiler accepts (it behaves differently, or cannot be saved): compiling
    can neither refute it nor, except through `torch.jit.save`, confirm it."""
    saved = outcome.data.get("save_error") or ""
    where = files.innermost(saved, [unit.path, f.path]) if saved else None
    if where is not None and covers(f, where.path, where.line):
        return True, f"{whole_message(Outcome('compile_error', text=saved))} (torch.jit.save of the compiled {unit.qualname})"
    return None, ("unconfirmed: it compiles, as this rule says: what it warns about (what the compiled code does "
                  "differently) is not a compiler error")


def _compiled_within(f: Finding, scope: tuple[int, int], outcome: Outcome, files: UserFiles, unit: Unit) -> bool:
    lines = outcome.data.get("lines")
    if lines is None:
        return True  # no evidence either way: trust the compile
    here = os.path.realpath(f.path)
    for path, line, text in lines:
        loc = files.map(Location(path, int(line), highlighted=text, context=(text,)), [unit.path, f.path])
        if loc is not None and os.path.realpath(loc.path) == here and scope[0] <= loc.line <= scope[1]:
            return True
    return False


def missed_script(unit: Unit, outcome: Outcome, files: UserFiles, findings: Iterable[Finding],
                  neutralized_any: bool, cause: str = "") -> tuple[Optional[Finding], str]:
    """A TS000 finding for an error that remains with every finding neutralized (and a note when an
    error cannot be placed, or may come from how tslint built the module: `cause`)."""
    if outcome.status != "compile_error":
        return None, ""
    text = outcome.text or outcome.message
    loc = files.innermost(text, [unit.path])
    message = whole_message(outcome)
    findings = list(findings)
    if cause and not (loc is not None and any(covers(f, loc.path, loc.line) for f in findings)):
        return None, f"{unit.qualname}: unconfirmable: {cause}; the compiler said: {message}"
    if loc is None:
        if neutralized_any:  # could be an artifact of a rewrite: say so instead of guessing a place
            return None, f"{unit.qualname}: with the findings neutralized the compiler fails without a location: {message}"
        loc = UserLocation(unit.path, unit.line)
        message = f"{message} (the compiler gives no location in the project)"
    if any(covers(f, loc.path, loc.line) for f in findings):
        return None, ""
    label = unit.labels[0] if unit.labels else unit.qualname
    return missed_finding(loc, message, "script", label), ""


def hit_unneutralized(unit: Unit, outcome: Outcome, files: UserFiles, findings: Iterable[Finding],
                      neutralized: set[int]) -> list[tuple[Finding, str]]:
    """Findings confirmed by the all-neutralized compile itself: it failed on the lines of findings
    that stayed in place (their rules cannot neutralize them), every other one being neutralized."""
    if outcome.status != "compile_error":
        return []
    loc = files.innermost(outcome.text or outcome.message, [unit.path])
    if loc is None:
        return []
    message = f"{whole_message(outcome)} (compiling {unit.qualname} with the other findings neutralized)"
    return [(f, message) for f in findings if id(f) not in neutralized and covers(f, loc.path, loc.line)]


def missed_finding(loc: UserLocation, message: str, context: str, entry: str) -> Finding:
    col = max(loc.col, 0)
    end_col = loc.end_col if loc.end_col > col else col
    what = "the compiler rejects this" if context == "script" else "the tracer warns here"
    return Finding(loc.path, loc.line, col, loc.line, end_col, MISSED, f"{what}, and no tslint finding reported it: {message}",
                   context=context, entry=entry, confirmed=True, confirmation=message)


# -- trace --------------------------------------------------------------------------------------
def trace_warnings(outcome: Outcome, files: UserFiles) -> tuple[list[tuple[UserLocation, str]], list[str]]:
    """TracerWarnings in project files (mapped), and the others' messages (e.g. check_trace mismatches)."""
    mapped, elsewhere = [], []
    for w in outcome.data.get("warnings", []) or []:
        shown = files.display(w.get("path", ""))
        if shown is not None:
            mapped.append((UserLocation(shown, int(w.get("line", 0))), w.get("message", "")))
        else:
            elsewhere.append(w.get("message", ""))
    return mapped, elsewhere


def _divergence(outcome: Outcome, elsewhere: list[str]) -> str:
    general = outcome.data.get("general") or {}
    if general.get("diverges"):
        return general.get("reason", "the trace disagrees with eager")
    mismatch = next((m for m in elsewhere if "does not match" in m or "nondeterministic" in m), "")
    return f"torch.jit.trace's own check failed: {mismatch}" if mismatch else ""


def judge_trace(f: Finding, outcome: Outcome, files: UserFiles) -> tuple[Optional[bool], str]:
    if outcome.status != "ok":
        return None, f"unconfirmed: {outcome.message}"
    mapped, elsewhere = trace_warnings(outcome, files)
    for loc, message in mapped:
        if covers(f, loc.path, loc.line):
            return True, _short(message)
    why = _divergence(outcome, elsewhere)
    if why:
        return True, f"the trace does not generalize: {_short(why)}"
    general = outcome.data.get("general") or {}
    if general.get("checked"):
        return False, (f"no TracerWarning here, and the trace agrees with eager on inputs of shape "
                       f"{general.get('shapes', '')} (traced on {outcome.data.get('shapes', '')})")
    return None, f"unconfirmed: no TracerWarning here; the generalization check was skipped: {general.get('reason', '')}"


def missed_trace(unit: Unit, outcome: Outcome, files: UserFiles, findings: list[Finding]) -> list[Finding]:
    if outcome.status != "ok":
        return []
    label = unit.labels[0] if unit.labels else unit.qualname
    mapped, elsewhere = trace_warnings(outcome, files)
    trace_findings = [f for f in findings if f.context == "trace"]
    out = []
    for loc, message in mapped:
        if not any(covers(f, loc.path, loc.line) for f in trace_findings):
            out.append(missed_finding(loc, _short(message), "trace", label))
    why = _divergence(outcome, elsewhere)
    unit_findings = [f for f in trace_findings if f.entry.split(" -> ")[0].strip() in unit.labels]
    if why and not unit_findings and not out:
        out.append(missed_finding(UserLocation(unit.path, unit.line), f"the trace does not generalize: {_short(why)}",
                                  "trace", label))
    return out
