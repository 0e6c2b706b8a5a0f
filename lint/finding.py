"""The data every part of tslint passes around: findings and the fixes they carry.

Lines are 1-based and columns 0-based (in characters, not bytes), as flake8 and ruff's JSON do, so
reporters never convert.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Optional

Context = Literal["script", "trace", "file"]
Applicability = Literal["safe", "unsafe"]


@dataclass
class Span:
    """A place to report that is not a whole node (positions in `ast` units: UTF-8 byte columns)."""

    lineno: int
    col_offset: int
    end_lineno: int
    end_col_offset: int


@dataclass(frozen=True)
class Edit:
    """Replace the text between two (line, col) positions with `content`."""

    line: int
    col: int
    end_line: int
    end_col: int
    content: str


@dataclass(frozen=True)
class Fix:
    """A set of edits that together repair one finding.

    `unsafe` fixes change behaviour (for example moving code under `@torch.jit.script_if_tracing`)
    and are applied only with `--unsafe-fixes`, as in ruff.
    """

    message: str
    edits: tuple[Edit, ...]
    applicability: Applicability = "safe"

    def to_dict(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "applicability": self.applicability,
            "edits": [
                {
                    "content": e.content,
                    "location": {"row": e.line, "column": e.col + 1},
                    "end_location": {"row": e.end_line, "column": e.end_col + 1},
                }
                for e in self.edits
            ],
        }


@dataclass
class Finding:
    """One problem at one place, with where it was reached from."""

    path: str
    line: int
    col: int
    end_line: int
    end_col: int
    code: str
    message: str
    context: Context = "script"
    entry: str = ""
    fix: Optional[Fix] = None
    confirmed: Optional[bool] = None
    confirmation: str = ""
    severity: Literal["error", "warning"] = "error"

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.col, self.code)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["fix"] = self.fix.to_dict() if self.fix else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Finding":
        data = dict(data)
        fix = data.pop("fix", None)
        finding = cls(**data)
        if fix:
            finding.fix = Fix(
                message=fix["message"],
                applicability=fix["applicability"],
                edits=tuple(
                    Edit(
                        e["location"]["row"],
                        e["location"]["column"] - 1,
                        e["end_location"]["row"],
                        e["end_location"]["column"] - 1,
                        e["content"],
                    )
                    for e in fix["edits"]
                ),
            )
        return finding


@dataclass
class FileResult:
    """Everything one file contributed to a run (findings survive the cache as dicts)."""

    path: str
    findings: list[Finding] = field(default_factory=list)
