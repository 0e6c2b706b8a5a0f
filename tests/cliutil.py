"""Helpers for tests that use tslint as a user does: real files in a temporary folder, the real
commands with their arguments, output and exit code.

`tslint` runs the command line in this process (`tslint.cli.main`, the function the installed
command runs, with the same environment, folder, stdin and captured output): a fresh interpreter
per call cost a third of a CPU-second and proved nothing more. Process behaviour is tested where it
matters: `--confirm` (child processes, clean-up at exit) runs as a real subprocess of the
interpreter running the tests, and `test_robustness` runs `python -m tslint` itself. `flake8` stays
a subprocess: it and the plugin keep per-process state (stdin read once, one analysis per process)."""
from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Iterator, Optional

#: a module whose forward has both a frontend rejection on its signature and one in its body
KWARGS_AND_TRY = '''\
import torch
from torch import nn


class Net(nn.Module):
    def forward(self, x, **kwargs):
        try:
            y = x + 1
        except RuntimeError:
            y = x
        return y
'''
KWARGS_LINE, TRY_LINE = 6, 7

CLEAN = '''\
import torch
from torch import nn


class Net(nn.Module):
    def forward(self, x):
        return torch.relu(x) + 1
'''


#: a project whose bug in `pkg/model.py` (line 13: `box` may be None) takes two other files to see:
#: `pkg/layers.py` says what `maybe_box` returns, `export.py` is what scripts `Net`
CROSS_FILE = {
    "pyproject.toml": "[tool.tslint]\n",
    "pkg/__init__.py": "",
    "pkg/layers.py": """\
        from typing import Optional

        import torch


        def maybe_box(x: torch.Tensor) -> Optional[torch.Tensor]:
            if x.sum() > 0:
                return x
            return None
    """,
    "pkg/model.py": """\
        import torch
        from torch import nn

        from pkg.layers import maybe_box


        class Net(nn.Module):
            def refine(self, x, box):
                return x + box

            def forward(self, x):
                box = maybe_box(x)
                return self.refine(x, box)
    """,
    "export.py": """\
        import torch
        from pkg.model import Net

        torch.jit.script(Net())
    """,
}
CROSS_FILE_FINDING = ("pkg/model.py", 13, "TS214")


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create `files` (relative path -> text, dedented, or bytes) under `root`."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("TSLINT_DEBUG", None)
    env["NO_COLOR"] = "1"
    return env


@contextlib.contextmanager
def _as_a_process(cwd: Path, stdin: Optional[str]) -> Iterator[tuple[io.TextIOWrapper, io.TextIOWrapper]]:
    """What a subprocess would get: `_env()`, `cwd`, `stdin` as its input; its output captured
    as bytes, decoded as `subprocess.run(text=True)` decodes them."""
    saved_env, saved_cwd, saved_stdin = dict(os.environ), os.getcwd(), sys.stdin
    out, err = (io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True) for _ in range(2))
    os.environ.clear()
    os.environ.update(_env())
    os.chdir(cwd)
    sys.stdin = io.TextIOWrapper(io.BytesIO((stdin or "").encode("utf-8")), encoding="utf-8")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            yield out, err
    finally:
        sys.stdin = saved_stdin
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


def _text(stream: io.TextIOWrapper) -> str:
    """The stream's bytes as `subprocess.run(text=True)` decodes them (universal newlines)."""
    raw = stream.buffer
    assert isinstance(raw, io.BytesIO)
    return io.TextIOWrapper(io.BytesIO(raw.getvalue()), encoding="utf-8").read()


def run_in_process(*args: str, cwd: Path, stdin: Optional[str] = None) -> subprocess.CompletedProcess:
    """`tslint *args` through `tslint.cli.main` (which turns every exit into a code), as a
    CompletedProcess."""
    from tslint.cli import main

    with _as_a_process(cwd, stdin) as (out, err):
        code = main(list(args))
    return subprocess.CompletedProcess(["tslint", *args], code, _text(out), _text(err))


def run_tool(module: str, *args: str, cwd: Path, stdin: Optional[str] = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=cwd, env=_env(), input=stdin,
        capture_output=True, text=True, timeout=timeout,
    )


SUBCOMMANDS = ("rule", "rules", "ir", "schemas")


def tslint(*args: str, cwd: Path, stdin: Optional[str] = None) -> subprocess.CompletedProcess:
    """The `tslint` command. A check without `--entry` and without a config of its own is run as
    `--entry modules`: the trees these tests write are library code whose modules must script (the
    default, project entry points, is tested by name)."""
    if not (args and args[0] in SUBCOMMANDS) and not any(a.startswith("--entry") for a in args) \
            and not (cwd / "pyproject.toml").exists():
        args = ("--entry", "modules", *args)
    if "--confirm" in args:
        return run_tool("tslint", *args, cwd=cwd, stdin=stdin)
    return run_in_process(*args, cwd=cwd, stdin=stdin)


def flake8(*args: str, cwd: Path, stdin: Optional[str] = None) -> subprocess.CompletedProcess:
    # --isolated: no user/project flake8 config; tslint's own config still comes from pyproject.toml
    return run_tool("flake8", "--isolated", *args, cwd=cwd, stdin=stdin)


def tslint_json(*args: str, cwd: Path) -> tuple[int, list[dict]]:
    proc = tslint("--format", "json", *args, cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def pairs(findings: list[dict]) -> set[tuple[str, int, str]]:
    """(file, line, code) of each JSON finding, file as a POSIX path relative to the run folder."""
    return {(Path(f["filename"]).as_posix(), f["location"]["row"], f["code"]) for f in findings}
