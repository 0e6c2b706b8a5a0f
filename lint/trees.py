"""Trees of other modules, parsed no further than a check needs.

Checking one file asks for definitions in the modules it uses: the attributes a config class's
`__init__` assigns, a base class's methods, a called function's signature. On a large project those
are hundreds of modules per worker, thousands of lines each, for one class or def apiece. A
definition written once at column 0 (the index records where it starts) is parsed alone, its
positions as in the whole file; anything else, or a file already parsed whole, is the whole tree.
"""
from __future__ import annotations

import ast
from typing import Optional

from .project.index import ModuleSummary
from .source import SourceError, parsed_file


def definition_tree(summary: Optional[ModuleSummary], module: str, name: str) -> Optional[ast.Module]:
    """A tree that holds module-level class or def `name` of `module` as the whole file's tree would
    (None when the file cannot be read or parsed)."""
    if summary is None:
        return None
    try:
        whole = parsed_file.peek(summary.path, summary.digest, module)
        if whole is not None:
            return whole.tree
        info = summary.classes.get(name) or summary.functions.get(name)
        if info is not None and info.start_lineno:
            return parsed_file.lines_of(summary.path, summary.digest, module, info.start_lineno, info.end_lineno).tree
        return parsed_file(summary.path, summary.digest, module).tree
    except (OSError, SourceError, RecursionError, ValueError):
        return None
