"""Reporters: one module per output format, each a `write(findings, ctx, out)` function."""
from __future__ import annotations

from typing import Callable, TextIO

from ..finding import Finding
from . import github, json_format, sarif, text
from .context import ReportContext

Writer = Callable[[list[Finding], ReportContext, TextIO], None]

FORMATS: dict[str, Writer] = {
    "text": text.write_full,
    "concise": text.write_concise,
    "json": json_format.write_json,
    "json-lines": json_format.write_json_lines,
    "sarif": sarif.write_sarif,
    "github": github.write_github,
}

__all__ = ["FORMATS", "ReportContext", "Writer"]
