"""What reporters may need besides the findings themselves."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass
class ReportContext:
    color: bool = False
    show_source: bool = True
    statistics: bool = False
    quiet: bool = False
    files_checked: int = 0
    fixed: int = 0
    suppressed: int = 0
    #: (entry label, finding count) for each script root the summary should list
    verdicts: list[tuple[str, int]] = field(default_factory=list)
    confirm_summary: Optional[str] = None
    unsafe_fixes: bool = False
