"""`# noqa` / `# noqa: TS101,TS2` on the finding's line, and per-file-ignores, as flake8 and ruff do."""
from __future__ import annotations

import re
from fnmatch import fnmatchcase
from pathlib import PurePath
from typing import Optional

NOQA = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>[A-Z][0-9A-Z]*(?:[,\s]+[A-Z][0-9A-Z]*)*))?", re.IGNORECASE)


def noqa_codes(line: str) -> Optional[list[str]]:
    """None: no noqa; []: a bare `# noqa` (everything); else the listed codes/prefixes."""
    if "noqa" not in line.lower():
        return None
    match = NOQA.search(line)
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return []
    return [c.upper() for c in re.split(r"[,\s]+", codes) if c]


def suppressed(code: str, line: str) -> bool:
    codes = noqa_codes(line)
    if codes is None:
        return False
    return not codes or any(code.startswith(c) for c in codes)


def per_file_ignored(code: str, path: str, table: dict[str, list[str]]) -> bool:
    """`pattern` matches the path (relative to the project), any tail of it, or the file name."""
    if not table:
        return False  # asked once per finding: tens of thousands of path parses for nothing
    posix = PurePath(path).as_posix()
    name = PurePath(path).name
    for pattern, codes in table.items():
        if fnmatchcase(posix, pattern) or fnmatchcase(posix, "*/" + pattern) or fnmatchcase(name, pattern):
            if any(code.startswith(c) for c in codes):
                return True
    return False

