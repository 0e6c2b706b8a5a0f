"""Run the tslint CLI and parse its JSON, tolerating a linter that is not ready.

Every function returns (result, error): result is None whenever tslint could not give an answer
(missing, crashed, exit 2, not JSON); error says why.
"""
from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from typing import Optional


@dataclass
class Tslint:
    argv: Optional[list[str]]
    env: dict = field(default_factory=dict)
    how: str = ""
    timeout: float = 1800

    def _run(self, args: list[str], cwd: str) -> tuple[Optional[list], str]:
        if self.argv is None:
            return None, f"tslint unavailable ({self.how})"
        try:
            r = subprocess.run([*self.argv, *args], cwd=cwd, capture_output=True, text=True,
                               timeout=self.timeout, env=dict(os.environ, **self.env))
        except subprocess.TimeoutExpired:
            return None, f"tslint timed out after {self.timeout:.0f} s"
        except OSError as e:
            return None, f"tslint could not start: {e}"
        if r.returncode not in (0, 1):
            tail = (r.stderr or r.stdout).strip().splitlines()
            return None, f"tslint exit {r.returncode}: {tail[-1] if tail else ''}"[:300]
        try:
            data = json.loads(r.stdout or "[]")
        except ValueError:
            return None, "tslint output is not JSON: " + (r.stdout.strip()[:120] or r.stderr.strip()[:120])
        if not isinstance(data, list):
            return None, f"tslint JSON is a {type(data).__name__}, expected a list"
        return data, ""

    def run(self, args: list[str], cwd: str) -> tuple[Optional[list], str]:
        """Any tslint command whose output is a JSON list (the noise benchmark picks its own options)."""
        return self._run(args, cwd)

    def findings(self, paths: list[str], cwd: str, traces: list[str] = (),
                 confirm: bool = False) -> tuple[Optional[list], str]:
        args = ["--format", "json", "--no-cache", "--entry", "modules"]
        for t in traces:
            args += ["--trace", t]
        if confirm:
            args.append("--confirm")
        return self._run(args + list(paths), cwd)

    def ir(self, paths: list[str], cwd: str) -> tuple[Optional[list], str]:
        return self._run(["ir", "--format", "json", *paths], cwd)


def norm_path(path: str, cwd: str, site: str) -> str:
    """A tslint filename as a path relative to site-packages (the labels' spelling)."""
    p = os.path.realpath(os.path.join(cwd, path))
    site = os.path.realpath(site)
    return os.path.relpath(p, site) if p.startswith(site + os.sep) else p


def finding_key(f: dict, cwd: str, site: str) -> Optional[tuple[str, int]]:
    try:
        return norm_path(f["filename"], cwd, site), int(f["location"]["row"])
    except (KeyError, TypeError, ValueError):
        return None
