"""Copies of the user's sources with findings neutralized, so the compiler can judge one at a time.

Each rule's `neutralize(source, finding)` rewrites its construct into something the compiler accepts
without moving any line. A rewrite that raises, returns None, changes the line count or does not
parse is dropped: that finding stays in place (confirmation is then conservative around it).
Findings are rewritten from the end of the file backwards so earlier columns stay valid.
"""
from __future__ import annotations

import ast
import io
import os
import tokenize
from typing import Iterable, Optional

from ..finding import Finding
from ..neutralize import STAND_IN_KINDS, stand_in
from ..rule import rule_by_code

#: rules whose construct is a call the compiler cannot compile at all (into a Python library, or a
#: Tensor method TorchScript lacks, like `.numpy()`): when the rule has no rewrite of its own, the
#: call is replaced by a stand-in value (`neutralize.stand_in`) so the code after it is compiled too
STAND_IN_CODES = frozenset({"TS402", "TS409"})


def read_source(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError):
        return None


def _overlaps(a: Finding, b: Finding) -> bool:
    """Same file and overlapping lines: neutralizing one could remove the other's construct."""
    return a.path == b.path and a.line <= max(b.end_line, b.line) and b.line <= max(a.end_line, a.line)


class Neutralizer:
    """Neutralized texts of the files holding script findings, all or all but one."""

    def __init__(self, findings: Iterable[Finding], kind: str = STAND_IN_KINDS[0]):
        self.kind = kind
        self.by_file: dict[str, list[Finding]] = {}
        for f in findings:
            if f.context == "script" and rule_by_code(f.code) is not None:
                self.by_file.setdefault(os.path.realpath(f.path), []).append(f)
        self.originals: dict[str, Optional[str]] = {real: read_source(real) for real in self.by_file}
        self._all: Optional[dict[str, str]] = None
        #: ids of findings whose neutralization worked in the all-neutralized texts
        self.neutralized: set[int] = set()
        #: the findings replaced by a stand-in value there (the code after them is compiled on a guess)
        self.stood_in: list[Finding] = []

    def _apply(self, real: str, skip: Optional[Finding]) -> tuple[Optional[str], set[int]]:
        text = self.originals.get(real)
        if text is None:
            return None, set()
        done: set[int] = set()
        original = text
        todo = [f for f in self.by_file[real] if skip is None or (f is not skip and not _overlaps(f, skip))]
        for f in sorted(todo, key=lambda f: (f.line, f.col), reverse=True):
            new = _neutralize_one(text, f)
            if new is None and f.code in STAND_IN_CODES:
                new = _checked(text, stand_in(text, f, self.kind))
                if new is not None and skip is None:
                    self.stood_in.append(f)
            if new is not None:
                text = new
                done.add(id(f))
        return (text if text != original else None), done

    def all_neutralized(self) -> dict[str, str]:
        """real path -> text with every neutralizable finding rewritten (changed files only)."""
        if self._all is None:
            self._all = {}
            for real in self.by_file:
                text, done = self._apply(real, None)
                self.neutralized |= done
                if text is not None:
                    self._all[real] = text
        return self._all

    def all_but(self, keep: Finding) -> dict[str, str]:
        """Every finding neutralized except `keep` (and findings on its lines): `keep` alone remains."""
        texts = dict(self.all_neutralized())
        real = os.path.realpath(keep.path)
        if real in self.by_file:
            text, _ = self._apply(real, keep)
            if text is None:
                texts.pop(real, None)
            else:
                texts[real] = text
        return texts

    def others(self, keep: Finding) -> int:
        """How many other findings the `all_but(keep)` texts neutralize."""
        return sum(1 for fs in self.by_file.values() for f in fs
                   if id(f) in self.neutralized and f is not keep and not _overlaps(f, keep))


def _neutralize_one(text: str, finding: Finding) -> Optional[str]:
    rule = rule_by_code(finding.code)
    if rule is None:
        return None
    try:
        new = rule.neutralize(text, finding)
    except Exception:  # noqa: BLE001 - a rule's rewrite failing must not end confirmation
        return None
    return _checked(text, new)


def _checked(text: str, new: object) -> Optional[str]:
    """`new` when it is a usable rewrite of `text`: same line count, still parses."""
    if not isinstance(new, str) or new == text or new.count("\n") != text.count("\n"):
        return None
    try:
        ast.parse(new)
    except (SyntaxError, ValueError):
        return None
    return new
