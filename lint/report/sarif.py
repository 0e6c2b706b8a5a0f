"""SARIF 2.1.0, with every rule's metadata (the schema is checked in the tests)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from .. import __version__
from ..docs import rule_doc_url
from ..finding import Finding
from ..rule import all_rules
from .context import ReportContext

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _rule_meta() -> list[dict[str, Any]]:
    out = []
    for rule in all_rules():
        meta = {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.message},
            "fullDescription": {"text": rule.doc() or rule.message},
            "defaultConfiguration": {"level": "warning" if rule.severity == "warning" else "error"},
        }
        url = rule_doc_url(rule.code)
        if url:  # only a link that resolves
            meta["helpUri"] = url
        out.append(meta)
    return out


def artifact_uri(path: str) -> str:
    """A URI reference, as SARIF requires: relative paths percent-encoded, absolute ones `file://`."""
    pure = Path(path)
    if pure.is_absolute():
        return pure.as_uri()
    return quote(pure.as_posix(), safe="/")


def sarif_document(findings: list[Finding]) -> dict[str, Any]:
    results = []
    for f in findings:
        result: dict[str, Any] = {
            "ruleId": f.code,
            "level": "warning" if f.severity == "warning" else "error",
            "message": {"text": f.message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(f.path)},
                    "region": {
                        "startLine": f.line,
                        "startColumn": f.col + 1,
                        "endLine": f.end_line,
                        "endColumn": f.end_col + 1,
                    },
                }
            }],
            "properties": {"context": f.context, "entry": f.entry, "confirmed": f.confirmed},
        }
        results.append(result)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "tslint", "version": __version__, "rules": _rule_meta()}},
            "results": results,
        }],
    }


def write_sarif(findings: list[Finding], ctx: ReportContext, out: TextIO) -> None:
    json.dump(sarif_document(findings), out, indent=2)
    out.write("\n")
