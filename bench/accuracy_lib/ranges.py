"""Parse the compiler's source-range text and map it back to real files.

The compiler prints a location as

      File "/path/x.py", line 15
        <context lines>
        for i in range(3):
        ~~~~~~~~~~~~~~~~~~ <--- HERE

`line` is where the range starts; the source line just above the first marker line is its text.
An error message chains several of these, innermost (the failing statement) first, then one per
"'g' is being compiled since it was called from 'f'" caller.

Facts 2.6: for a function under a decorator (`@torch.no_grad()`), the range names the
decorator's file (`torch/utils/_contextlib.py`) with the real file's line number.  `PathFixer`
checks the quoted text against the named file and, when it does not match, looks for the file
that does have that text at that line.
"""
from __future__ import annotations

import linecache
import os
import re
import sys
from dataclasses import dataclass
from typing import Iterable, Optional

FRAME_RE = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)')
MARK_RE = re.compile(r"^\s*~+(\s*<--- HERE)?\s*$")


@dataclass
class Frame:
    file: str
    line: int
    text: Optional[str]  # the quoted source of the range's first line, if found
    fixed_from: Optional[str] = None

    def to_dict(self) -> dict:
        d = {"file": self.file, "line": self.line}
        if self.fixed_from:
            d["fixed_from"] = self.fixed_from
        return d


def parse_frames(text: str) -> list[Frame]:
    """All `File "...", line N` ranges of a compiler message, in the order printed."""
    lines = text.splitlines()
    frames: list[Frame] = []
    for i, raw in enumerate(lines):
        m = FRAME_RE.match(raw)
        if not m:
            continue
        quoted = None
        for j in range(i + 1, len(lines)):
            if FRAME_RE.match(lines[j]):
                break
            if MARK_RE.match(lines[j]) and j - 1 > i:
                quoted = lines[j - 1]
                break
        frames.append(Frame(m.group("file"), int(m.group("line")), quoted))
    return frames


def first_frame(text: str) -> Optional[Frame]:
    """The first range of a node's `sourceRange()` text (cheap path for graph walking)."""
    m = FRAME_RE.search(text)
    if not m:
        return None
    rest = text[m.end():].splitlines()
    quoted = None
    for j in range(1, len(rest)):
        if MARK_RE.match(rest[j]):
            quoted = rest[j - 1]
            break
    return Frame(m.group("file"), int(m.group("line")), quoted)


def _same(a: str, b: str) -> bool:
    return a.strip() == b.strip()


def _line(path: str, n: int) -> Optional[str]:
    text = linecache.getline(path, n)
    return text if text else None


class PathFixer:
    """Correct frames whose file is wrong (facts 2.6), searching the package's loaded files."""

    def __init__(self, package_dir: str):
        self.package_dir = os.path.realpath(package_dir)
        self._cache: dict[tuple[str, int, str], tuple[str, Optional[str]]] = {}
        self._pkg_files: Optional[list[str]] = None

    def inside(self, path: str) -> bool:
        p = os.path.realpath(path)
        return p == self.package_dir or p.startswith(self.package_dir + os.sep)

    def package_files(self) -> list[str]:
        if self._pkg_files is None:
            files = []
            for mod in list(sys.modules.values()):
                f = getattr(mod, "__file__", None)
                if f and f.endswith(".py") and self.inside(f):
                    files.append(os.path.realpath(f))
            self._pkg_files = sorted(set(files))
        return self._pkg_files

    def fix(self, frame: Frame, expected: Iterable[str] = ()) -> Frame:
        if frame.text is None:
            return frame
        key = (frame.file, frame.line, frame.text.strip())
        if key not in self._cache:
            self._cache[key] = self._resolve(frame, list(expected))
        new_file, fixed_from = self._cache[key]
        if fixed_from is None:
            return frame
        return Frame(new_file, frame.line, frame.text, fixed_from)

    def _resolve(self, frame: Frame, expected: list[str]) -> tuple[str, Optional[str]]:
        actual = _line(frame.file, frame.line)
        if actual is not None and _same(actual, frame.text):
            return frame.file, None
        for cand in expected + self.package_files():
            if cand == frame.file:
                continue
            got = _line(cand, frame.line)
            if got is not None and _same(got, frame.text):
                return cand, frame.file
        return frame.file, None
