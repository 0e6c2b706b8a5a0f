"""JSON in ruff's shape, plus tslint's `context`, `entry`, `confirmed` and `confirmation`."""
from __future__ import annotations

import json
from typing import Any, TextIO

from ..docs import rule_doc_url
from ..finding import Finding
from .context import ReportContext


def finding_json(f: Finding) -> dict[str, Any]:
    return {
        "filename": f.path,
        "location": {"row": f.line, "column": f.col + 1},
        "end_location": {"row": f.end_line, "column": f.end_col + 1},
        "code": f.code,
        "message": f.message,
        "severity": f.severity,
        "fix": f.fix.to_dict() if f.fix else None,
        "url": rule_doc_url(f.code),
        "context": f.context,
        "entry": f.entry,
        "confirmed": f.confirmed,
        "confirmation": f.confirmation or None,
    }


def write_json(findings: list[Finding], ctx: ReportContext, out: TextIO) -> None:
    json.dump([finding_json(f) for f in findings], out, indent=2)
    out.write("\n")


def write_json_lines(findings: list[Finding], ctx: ReportContext, out: TextIO) -> None:
    for f in findings:
        out.write(json.dumps(finding_json(f)) + "\n")
