"""Where the compiler says it failed, mapped back to the user's files.

A TorchScript error names its locations as `File "<path>", line N` followed by the quoted source with
a `~~~~ <--- HERE` marker; the innermost location comes *first*, then one location per caller
("'g' is being compiled since it was called from 'f'"). For a function under a decorator (e.g.
`@torch.no_grad()`) the compiler names the decorator's file with the real file's line number, so a
location outside the project is checked against the quoted text and moved to the project file that
really holds it.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Iterable, Optional

_HEADER = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+)', re.MULTILINE)
_MARKER = re.compile(r"^(?P<pad>\s*)(?P<tildes>~+)")


@dataclass(frozen=True)
class Location:
    path: str
    line: int
    col: int = 0
    end_col: int = 0
    highlighted: str = ""  # the source line the marker underlines
    context: tuple[str, ...] = ()  # quoted source lines, markers removed


@dataclass(frozen=True)
class UserLocation:
    """A location in a project file, with its displayed path."""

    path: str
    line: int
    col: int = 0
    end_col: int = 0


def parse_locations(text: str) -> list[Location]:
    """Every `File "...", line N` of an error text, innermost first, with its quoted source."""
    matches = list(_HEADER.finditer(text))
    out = []
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        body = text[match.end():end].splitlines()[1:]
        highlighted, col, end_col, context = "", 0, 0, []
        for line in body:
            marker = _MARKER.match(line)
            if marker and not highlighted and context and line.strip().strip("~").strip() in ("", "<--- HERE"):
                highlighted = context[-1]
                col = len(marker.group("pad"))
                end_col = col + len(marker.group("tildes"))
                continue
            if marker and line.strip().strip("~").strip() in ("", "<--- HERE"):
                continue
            if re.match(r"^'.*' is being compiled since it was called from", line):
                break
            context.append(line)
        out.append(Location(match.group("path"), int(match.group("line")), col, end_col, highlighted, tuple(context)))
    return out


class UserFiles:
    """The project's files by real path, for mapping compiler locations to displayed paths."""

    def __init__(self, display_paths: Iterable[str]):
        self.by_real: dict[str, str] = {}
        for path in display_paths:
            self.by_real.setdefault(os.path.realpath(path), path)
        self._lines: dict[str, list[str]] = {}

    def display(self, path: str) -> Optional[str]:
        return self.by_real.get(os.path.realpath(path))

    def lines(self, real: str) -> list[str]:
        if real not in self._lines:
            try:
                with open(real, encoding="utf-8", errors="replace") as handle:
                    self._lines[real] = handle.read().splitlines()
            except OSError:
                self._lines[real] = []
        return self._lines[real]

    def map(self, loc: Location, prefer: Iterable[str] = ()) -> Optional[UserLocation]:
        """The project location a compiler location denotes, or None (library code)."""
        shown = self.display(loc.path)
        if not loc.highlighted.strip() or _line_matches(self.lines(os.path.realpath(loc.path)), loc):
            # the named file really holds the quoted line (or nothing is quoted to check)
            return UserLocation(shown, loc.line, loc.col, loc.end_col) if shown is not None else None
        # the quoted line is not in the named file: a decorator's file named for the decorated function
        best = self._relocate(loc, [os.path.realpath(p) for p in prefer]) or self._relocate(loc, list(self.by_real))
        if best is not None:
            return UserLocation(self.by_real[best], loc.line, loc.col, loc.end_col)
        return UserLocation(shown, loc.line, loc.col, loc.end_col) if shown is not None else None

    def _relocate(self, loc: Location, candidates: list[str]) -> Optional[str]:
        """The one candidate file whose text at the location matches the quoted source best."""
        scored = []
        for real in dict.fromkeys(candidates):
            if real not in self.by_real:
                continue
            lines = self.lines(real)
            if _line_matches(lines, loc):
                scored.append((_context_score(lines, loc), real))
        if not scored:
            return None
        scored.sort(reverse=True)
        if len(scored) > 1 and scored[0][0] == scored[1][0]:
            return None  # ambiguous: better no location than a wrong one
        return scored[0][1]

    def innermost(self, text: str, prefer: Iterable[str] = ()) -> Optional[UserLocation]:
        """The first location of the error (innermost first) that lies in a project file."""
        for loc in parse_locations(text):
            mapped = self.map(loc, prefer)
            if mapped is not None:
                return mapped
        return None

    def chain(self, text: str, prefer: Iterable[str] = ()) -> list[UserLocation]:
        return [m for m in (self.map(loc, prefer) for loc in parse_locations(text)) if m is not None]


def _line_matches(lines: list[str], loc: Location) -> bool:
    return 0 < loc.line <= len(lines) and lines[loc.line - 1].strip() == loc.highlighted.strip() != ""


def _context_score(lines: list[str], loc: Location) -> int:
    """How many quoted lines sit at the same offset around the highlighted line in `lines`."""
    try:
        anchor = loc.context.index(loc.highlighted)
    except ValueError:
        return 0
    score = 0
    for i, quoted in enumerate(loc.context):
        number = loc.line - anchor + i
        if quoted.strip() and 0 < number <= len(lines) and lines[number - 1].strip() == quoted.strip():
            score += 1
    return score
