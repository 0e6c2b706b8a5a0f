"""Applying fixes: non-overlapping edits, only output that parses, written atomically.

Files are decoded as Python decodes them (PEP 263 cookie, BOM) without translating newlines, so CRLF
files stay CRLF and a latin-1 file stays latin-1; lines are counted as Python counts them (`\n`,
`\r\n`, `\r` only: a form feed or U+2028 inside a string does not start a line). The new file
replaces the old one by `os.replace` from a temporary file in the same folder (a symlink's target,
not the link), with the same mode. `--diff` shows the same edits as a unified diff and writes nothing.
"""
from __future__ import annotations

import ast
import difflib
import io
import os
import re
import stat
import tempfile
import tokenize
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from .finding import Applicability, Edit, Finding, Fix

if TYPE_CHECKING:  # pragma: no cover
    from .source import SourceFile


@dataclass
class FixOutcome:
    path: str
    applied: list[Finding]
    new_text: str
    old_text: str
    error: str = ""
    encoding: str = "utf-8"
    bom: bool = False


NEWLINE = re.compile(r"\r\n|\r|\n")


def _offsets(text: str) -> list[int]:
    """Offset of the start of each line, lines split where Python's tokenizer splits them."""
    return [0] + [m.end() for m in NEWLINE.finditer(text)]


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


def read_source(path: str) -> tuple[str, str, bool]:
    """(text without BOM, encoding, had BOM), newlines untouched."""
    with open(path, "rb") as handle:
        data = handle.read()
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    bom = encoding == "utf-8-sig"
    text = data.decode(encoding)
    if text.startswith("\ufeff"):
        text, bom = text[1:], True
    return text, ("utf-8" if encoding == "utf-8-sig" else encoding), bom


def fix_file(path: str, findings: list[Finding]) -> FixOutcome:
    try:
        old, encoding, bom = read_source(path)
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError) as exc:
        return FixOutcome(path, [], "", "", error=f"cannot read file for fixing: {exc}")
    new, applied = apply_edits(old, findings)
    if new == old:
        return FixOutcome(path, [], new, old, encoding=encoding, bom=bom)
    try:
        ast.parse(new)
    except SyntaxError as exc:
        return FixOutcome(path, [], old, old, error=f"fix would not parse ({exc.msg} at line {exc.lineno}); file left unchanged",
                          encoding=encoding, bom=bom)
    try:
        new.encode(encoding)
    except UnicodeEncodeError:
        return FixOutcome(path, [], old, old, error=f"fix is not representable in the file's encoding {encoding}; file left unchanged",
                          encoding=encoding, bom=bom)
    return FixOutcome(path, applied, new, old, encoding=encoding, bom=bom)


def write_atomically(path: str, text: str, encoding: str = "utf-8", bom: bool = False) -> None:
    path = os.path.realpath(path)  # replace a symlink's target, keep the link
    folder = os.path.dirname(path)
    mode = stat.S_IMODE(os.stat(path).st_mode)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tslint-", suffix=".py.tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(("\ufeff" if bom else "").encode(encoding) + text.encode(encoding))
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


def replacement_fix(source: "SourceFile", node: Any, content: str, message: str,
                    applicability: Applicability = "safe") -> Fix:
    """A fix that replaces one node's text (or a `Span`'s) with `content`: what most rules' fixes
    are, written once so each rule only says what the new text is."""
    return Fix(message, (make_edit(source.span(node), content),), applicability)
