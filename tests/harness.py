"""Running rule examples through the linter and through the real compiler (or tracer).

The compiler side imports the example as a module in a child process of its own (so that examples
cannot leak state into each other, and a crash is contained), forked from a compile server that
imported torch once (`compile_server.py`), then scripts every `nn.Module`
subclass it defines with no constructor arguments; `@torch.jit.script` decorators and module-level
`torch.jit.script(...)` / `torch.jit.trace(...)` calls run on import. TracerWarnings are recorded
with their lines.
"""
from __future__ import annotations

import atexit
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pytest

from tslint.config import Config
from tslint.engine import RunOptions, run
from tslint.entrypoints import EntryOptions
from tslint.finding import Finding
from tslint.rule import expected_lines

_SERVER = Path(__file__).with_name("compile_server.py")


class _CompileServer:
    """This test process's end of `compile_server.py` (a process that imported torch once and forks
    a child per example), started on first use and again if it died; it ends when its stdin closes,
    at the latest when this process ends."""

    def __init__(self) -> None:
        self.proc: Optional[subprocess.Popen] = None
        self.lock = threading.Lock()

    def run(self, request: dict) -> Optional[dict]:
        """The server's answer to `request` (see `compile_server`), None if the server died."""
        line = json.dumps(request) + "\n"
        with self.lock:
            if self.proc is None or self.proc.poll() is not None:
                env = dict(os.environ, PYTHONWARNINGS="ignore::DeprecationWarning")
                self.proc = subprocess.Popen([sys.executable, str(_SERVER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                             text=True, cwd=tempfile.gettempdir(), env=env)
                atexit.register(self.close)
            assert self.proc.stdin is not None and self.proc.stdout is not None
            try:
                self.proc.stdin.write(line)
                self.proc.stdin.flush()
                answer = self.proc.stdout.readline()
            except OSError:
                answer = ""
        return json.loads(answer) if answer else None

    def close(self) -> None:
        """End the server (its stdin closes) and wait for it, so its CPU time counts as ours."""
        if self.proc is not None and self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


_COMPILE_SERVER = _CompileServer()


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
    data = _COMPILE_SERVER.run({"path": str(path), "name": "example_mod", "cwd": str(folder), "timeout": timeout})
    if data is None:
        return Outcome(False, "child failed: the compile server died")
    return Outcome(data["ok"], data["message"], data["line"], data.get("full", ""), data["warnings"], data["diverges"])


def run_python_with_torch(code: str, cwd: Path, argv: tuple[str, ...] = (), timeout: float = 300) -> subprocess.CompletedProcess:
    """`python -c code *argv` in `cwd`, as a child forked from the compile server (torch already
    imported): its exit status and output, as `subprocess.run(..., text=True)` returns them."""
    data = _COMPILE_SERVER.run({"code": code, "argv": list(argv), "cwd": str(cwd), "timeout": timeout})
    if data is None:
        return subprocess.CompletedProcess(["python", "-c", code, *argv], 1, "", "the compile server died")
    return subprocess.CompletedProcess(["python", "-c", code, *argv], data["returncode"], data["stdout"], data["stderr"])


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


def pattern_table_tests(flagged: dict, silent: dict, *, silent_codes: tuple[str, ...] = (),
                        any_line: bool = False, not_compiled: frozenset = frozenset()) -> tuple:
    """The four tests of a pattern table, for a test module to bind to its own `test_*` names:
    every `flagged` case (`name -> (source, code, compiler message)`) is reported by tslint at its
    `# error` line and rejected by the compiler with that message (at any line of the example with
    `any_line`); every `silent` case (`name -> (source, codes)`, or a bare source judged on
    `silent_codes`) gets none of those codes and compiles (except the names in `not_compiled`)."""
    from conftest import needs_torch

    def silent_case(name: str) -> tuple[str, tuple[str, ...]]:
        entry = silent[name]
        return entry if isinstance(entry, tuple) else (entry, silent_codes)

    @pytest.mark.parametrize("name", sorted(flagged))
    def flagged_is_reported(name):
        source, code, _ = flagged[name]
        check_flagged(name, source, code)

    @needs_torch
    @pytest.mark.parametrize("name", sorted(flagged))
    def flagged_is_rejected(name):
        source, _, message = flagged[name]
        check_rejected(name, source, message, any_line=any_line)

    @pytest.mark.parametrize("name", sorted(silent))
    def silent_is_silent(name):
        check_silent(name, *silent_case(name))

    @needs_torch
    @pytest.mark.parametrize("name", sorted(set(silent) - not_compiled))
    def silent_compiles(name):
        check_compiles(name, silent_case(name)[0])

    return flagged_is_reported, flagged_is_rejected, silent_is_silent, silent_compiles


def _lint_pattern(source: str, files: Optional[dict[str, str]]) -> list[Finding]:
    """The case linted as library code, with `files` beside it but outside the run (like an
    installed library the compiler imports and tslint does not read)."""
    folder = Path(tempfile.mkdtemp(prefix="tslint-lint-"))
    for rel, text in (files or {}).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(textwrap.dedent(text))
    return lint_source(source, folder, entry="modules")
