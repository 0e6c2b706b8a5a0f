"""What reporters may need besides the findings themselves."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # pragma: no cover
    from ..verdicts import ModuleVerdicts

from ..finding import Finding


@dataclass
class ReportContext:
    color: bool = False
    show_source: bool = True
    statistics: bool = False
    quiet: bool = False
    files_checked: int = 0
    fixed: int = 0
    suppressed: int = 0
    #: (context, entry label, finding count) for each script and trace root the summary lists
    verdicts: list[tuple[str, str, int]] = field(default_factory=list)
    #: under `entry = "modules"`: the verdicts of the module entry points (`lint/verdicts.py`)
    module_verdicts: Optional["ModuleVerdicts"] = None
    show_entries: bool = False
    #: (call site, reason) for each `torch.jit` call whose model tslint cannot name
    unresolved: list[tuple[str, str]] = field(default_factory=list)
    confirm_summary: Optional[str] = None
    unsafe_fixes: bool = False
    #: `--show-fixes`: list the fixes applied (`applied`) and those still available
    show_fixes: bool = False
    applied: list[Finding] = field(default_factory=list)
    #: file contents to show excerpts from instead of the disk's (a file piped on stdin)
    texts: dict[str, str] = field(default_factory=dict)
