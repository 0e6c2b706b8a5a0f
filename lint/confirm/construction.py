"""Compiler errors that come from how confirmation built the module, not from the user's program.

TS000 means: the user's program, as written, fails there. When tslint had to guess how a module is
built (no factory), some errors only say that its guess differs from the program: an attribute the
program sets on the instance from outside its class (`model.do_keypoint = True` in another function or
file) is missing from tslint's instance, or an optional dependency the code imports inside
`try/except ImportError` is not installed here. Such an error makes the unit *unconfirmable*, with
its reason, instead of a missed finding.
"""
from __future__ import annotations

import os
import re

from ..project.model import Project
from .runner import Outcome
from .units import Unit

#: the compiler's error for an attribute the instance does not have; when the attribute exists but
#: its value's type cannot be converted the message goes on with "(This attribute exists ...)",
#: which is the program's own error
_MISSING_ATTRIBUTE = re.compile(r"Module '(?P<cls>\w+)' has no attribute '(?P<attr>\w+)'(?! \(This attribute exists)")


def construction_cause(unit: Unit, outcome: Outcome, project: Project) -> str:
    """Why the unit's compile error may be tslint's construction rather than the program ("": it is not)."""
    if outcome.status != "compile_error":
        return ""
    text = outcome.text or outcome.message
    if "unittest.mock" in text:
        return "a mock object (unittest.mock) stands in for a dependency here"
    missing = outcome.data.get("missing") or []
    if missing:
        names = ", ".join(f"`{m}`" for m in missing)
        return f"the optional dependenc{'ies' if len(missing) > 1 else 'y'} {names}, which the code imports, " \
               f"{'are' if len(missing) > 1 else 'is'} not installed here"
    match = _MISSING_ATTRIBUTE.search(text)
    if match is None or unit.factory or unit.testcases:  # the user's own word on how the module is built
        return ""
    attr = match.group("attr")
    stored, computed = project.attribute_stores()  # computed: stores by a computed name (setattr) exist
    if attr not in stored and not computed:
        return ""
    setters = [os.path.basename(s.path) for s in project.by_path.values() if attr in s.foreign_attr_stores]
    where = f" (in {', '.join(sorted(set(setters))[:3])})" if setters else " (by setattr)"
    return (f"the program sets `{attr}` on {match.group('cls')} from outside the class{where}, and the instance "
            f"tslint built has no `{attr}`: name a factory in [tool.tslint.factories] that builds it as the program does")
