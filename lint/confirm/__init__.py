"""`tslint --confirm`: the real TorchScript compiler (and tracer) behind every finding.

Needs torch; imports and runs the user's modules in child processes (see docs/confirm.md). This
package file stays light: the zygote that forks the children imports `child` through it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config
    from ..engine import RunResult


def confirm_findings(result: "RunResult", config: "Config", err: TextIO) -> str:
    """Set `confirmed`/`confirmation` on `result.findings` in place, append missed findings (TS000),
    and return a one-line summary."""
    from .run import confirm_findings as run_confirmation

    return run_confirmation(result, config, err)


__all__ = ["confirm_findings"]
