"""GitHub Actions workflow commands: one `::error` (or `::warning`) annotation per finding."""
from __future__ import annotations

from typing import TextIO

from ..finding import Finding
from .context import ReportContext


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def write_github(findings: list[Finding], ctx: ReportContext, out: TextIO) -> None:
    for f in findings:
        level = "warning" if f.severity == "warning" else "error"
        props = ",".join([
            f"title={_escape_property('tslint (' + f.code + ')')}",
            f"file={_escape_property(f.path)}",
            f"line={f.line}",
            f"col={f.col + 1}",
            f"endLine={f.end_line}",
            f"endColumn={f.end_col + 1}",
        ])
        # the location is in the properties: GitHub shows it beside the message, so it is not repeated
        out.write(f"::{level} {props}::{_escape_data(f.code + ' ' + f.message)}\n")
