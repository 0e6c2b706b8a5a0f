"""Applying fixes: non-overlapping edits, only output that parses, written atomically.

Files are read and written as bytes-faithful text (`newline=""`), so CRLF files stay CRLF; the new
file replaces the old one by `os.replace` from a temporary file in the same folder, with the same
mode. `--diff` shows the same edits as a unified diff and writes nothing.
"""
from __future__ import annotations

import ast
import difflib
import os
import stat
import tempfile
from dataclasses import dataclass
from typing import Iterable

from .finding import Edit, Finding


@dataclass
class FixOutcome:
    path: str
    applied: list[Finding]
    new_text: str
    old_text: str
    error: str = ""


def _offsets(text: str) -> list[int]:
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def _position(starts: list[int], text: str, line: int, col: int) -> int:
    if line - 1 >= len(starts):
        return len(text)
    return min(starts[line - 1] + col, len(text))


def apply_edits(text: str, findings: Iterable[Finding]) -> tuple[str, list[Finding]]:
    """Apply the fixes that do not overlap an earlier one (in file order); return the new text."""
    newline = "\r\n" if "\r\n" in text else "\n"
    starts = _offsets(text)
    chosen: list[tuple[int, int, str, Finding]] = []
    taken: list[tuple[int, int]] = []
    for finding in sorted(findings, key=lambda f: (f.line, f.col)):
        assert finding.fix is not None
        spans = []
        for edit in finding.fix.edits:
            start = _position(starts, text, edit.line, edit.col)
            end = _position(starts, text, edit.end_line, edit.end_col)
            spans.append((start, end, edit.content.replace("\n", newline) if newline != "\n" else edit.content))
        if any(not (e <= a or s >= b) or (s == e == a == b) for s, e, _ in spans for a, b in taken):
            continue
        for s, e, content in spans:
            chosen.append((s, e, content, finding))
            taken.append((s, e))
    out = text
    applied: list[Finding] = []
    for s, e, content, finding in sorted(chosen, key=lambda c: (c[0], c[1]), reverse=True):
        out = out[:s] + content + out[e:]
        if finding not in applied:
            applied.append(finding)
    return out, applied


def plan_fixes(findings: list[Finding], unsafe: bool) -> dict[str, list[Finding]]:
    per_file: dict[str, list[Finding]] = {}
    for f in findings:
        if f.fix and (f.fix.applicability == "safe" or unsafe):
            per_file.setdefault(f.path, []).append(f)
    return per_file


def fix_file(path: str, findings: list[Finding]) -> FixOutcome:
    with open(path, encoding="utf-8", newline="") as handle:
        old = handle.read()
    new, applied = apply_edits(old, findings)
    if new == old:
        return FixOutcome(path, [], new, old)
    try:
        ast.parse(new)
    except SyntaxError as exc:
        return FixOutcome(path, [], old, old, error=f"fix would not parse ({exc.msg} at line {exc.lineno}); file left unchanged")
    return FixOutcome(path, applied, new, old)


def write_atomically(path: str, text: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    mode = stat.S_IMODE(os.stat(path).st_mode)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tslint-", suffix=".py.tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def unified_diff(outcome: FixOutcome) -> str:
    return "".join(
        difflib.unified_diff(
            outcome.old_text.splitlines(keepends=True),
            outcome.new_text.splitlines(keepends=True),
            fromfile=f"a/{outcome.path}",
            tofile=f"b/{outcome.path}",
        )
    )


def make_edit(source_span: tuple[int, int, int, int], content: str) -> Edit:
    line, col, end_line, end_col = source_span
    return Edit(line, col, end_line, end_col, content)
