"""Running rule examples through the linter and through the real compiler (or tracer).

The compiler side imports the example as a module in a fresh child process (so that examples
cannot leak state into each other, and a crash is contained), then scripts every `nn.Module`
subclass it defines with no constructor arguments; `@torch.jit.script` decorators and module-level
`torch.jit.script(...)` / `torch.jit.trace(...)` calls run on import. TracerWarnings are recorded
with their lines.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from tslint.config import Config
from tslint.engine import RunOptions, run
from tslint.entrypoints import EntryOptions
from tslint.finding import Finding
from tslint.rule import expected_lines

_CHILD = r'''
import importlib.util, inspect, json, re, sys, traceback, warnings
path, name = sys.argv[1], sys.argv[2]
result = {"ok": True, "message": "", "line": None, "warnings": [], "diverges": None}
def error_line(text):
    lines = [int(m.group(1)) for m in re.finditer(r'File "%s", line (\d+)' % re.escape(path), text)]
    return lines[-1] if lines else None
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        import torch
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name and issubclass(cls, torch.nn.Module) and not getattr(cls, "TSLINT_SKIP", False):
                torch.jit.script(cls())
        if hasattr(module, "diverges"):
            result["diverges"] = bool(module.diverges())
    except BaseException as exc:
        text = str(exc)
        result["ok"] = False
        result["type"] = type(exc).__name__
        result["message"] = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
        result["full"] = text[:4000]
        result["line"] = error_line(text) or error_line("".join(traceback.format_exception(exc)))
for w in caught:
    if w.category.__name__ == "TracerWarning" and w.filename == path:
        result["warnings"].append({"line": w.lineno, "message": str(w.message).splitlines()[0]})
print("@@RESULT@@" + json.dumps(result))
'''


@dataclass
class Outcome:
    ok: bool
    message: str = ""
    line: Optional[int] = None
    full: str = ""
    warnings: list[dict] = field(default_factory=list)
    diverges: Optional[bool] = None


def run_example_with_torch(source: str, timeout: float = 120, files: Optional[dict[str, str]] = None) -> Outcome:
    """`files` (relative path -> text) are written beside the example, importable by it (an
    installed library's stand-in)."""
    folder = Path(tempfile.mkdtemp(prefix="tslint-ex-"))
    for rel, text in (files or {}).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(textwrap.dedent(text))
    path = folder / "example_mod.py"
    path.write_text(textwrap.dedent(source))
    env = dict(os.environ, PYTHONWARNINGS="ignore::DeprecationWarning")
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(path), "example_mod"], capture_output=True, text=True,
                          timeout=timeout, cwd=folder, env=env)
    marker = [l for l in proc.stdout.splitlines() if l.startswith("@@RESULT@@")]
    if not marker:
        return Outcome(False, f"child failed: {proc.stderr[-2000:]}")
    data = json.loads(marker[-1][len("@@RESULT@@"):])
    return Outcome(data["ok"], data["message"], data["line"], data.get("full", ""), data["warnings"], data["diverges"])


def lint_source(source: str, folder: Optional[Path] = None, files: Optional[dict[str, str]] = None,
                **entry: object) -> list[Finding]:
    """Lint the example (and `files`, other project modules beside it, as `run_example_with_torch`
    writes them)."""
    folder = folder or Path(tempfile.mkdtemp(prefix="tslint-lint-"))
    path = folder / "example_mod.py"
    path.write_text(textwrap.dedent(source))
    for rel, text in (files or {}).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(textwrap.dedent(text))
    # rule examples state the library contract: every module they define is an entry point
    options = RunOptions(use_cache=False, jobs=1, entry=EntryOptions(**{"entry": "modules", **entry}))  # type: ignore[arg-type]
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        return run(["example_mod.py", *sorted(files or ())], Config(path=None), options).findings
    finally:
        os.chdir(cwd)


# -- pattern tables: a FLAGGED case must be reported at its `# error` line and rejected by the
# compiler with the given message; a SILENT case must get none of the listed codes and compile
def check_flagged(name: str, source: str, code: str, files: Optional[dict[str, str]] = None) -> None:
    lines = [f.line for f in _lint_pattern(source, files) if f.code == code]
    assert lines, f"{name}: {code} not reported"
    assert set(lines) & set(expected_lines(source)), f"{name}: {code} at {lines}, expected {expected_lines(source)}"


def check_rejected(name: str, source: str, message: str, files: Optional[dict[str, str]] = None,
                   blamed: Optional[set[int]] = None, any_line: bool = False) -> None:
    """The compiler rejects the case with `message`; where it names a line of the example, that is
    one of `blamed` (default: the `# error` lines), unless `any_line`."""
    outcome = run_example_with_torch(source, files=files)
    assert not outcome.ok, f"{name}: the compiler accepts it"
    assert message in outcome.full or message in outcome.message, f"{name}: compiler said {outcome.message!r}"
    match = re.search(r'File "[^"]*example_mod\.py", line (\d+)', outcome.full)
    if match is not None and not any_line:  # the innermost frame: where the compiler stopped
        assert int(match.group(1)) in (blamed or set(expected_lines(source))), f"{name}: compiler blamed line {match.group(1)}"


def check_silent(name: str, source: str, codes: tuple[str, ...], files: Optional[dict[str, str]] = None) -> None:
    found = [(f.code, f.line) for f in _lint_pattern(source, files) if f.code.startswith(codes)]
    assert not found, f"{name}: {found}"


def check_compiles(name: str, source: str, files: Optional[dict[str, str]] = None) -> None:
    outcome = run_example_with_torch(source, files=files)
    assert outcome.ok, f"{name}: {outcome.message}\n{outcome.full[:1000]}"


def _lint_pattern(source: str, files: Optional[dict[str, str]]) -> list[Finding]:
    """The case linted as library code, with `files` beside it but outside the run (like an
    installed library the compiler imports and tslint does not read)."""
    folder = Path(tempfile.mkdtemp(prefix="tslint-lint-"))
    for rel, text in (files or {}).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(textwrap.dedent(text))
    return lint_source(source, folder, entry="modules")
