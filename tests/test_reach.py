"""Reachability as the compiler walks it, across files (tests/fixtures/reach_project)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness import lint_source
from tslint.config import Config
from tslint.engine import RunOptions, run
from tslint.entrypoints import EntryOptions

FIXTURE = Path(__file__).parent / "fixtures" / "reach_project"


def _run(entry: str, **extra):
    cwd = os.getcwd()
    os.chdir(FIXTURE)
    try:
        return run(["."], Config(), RunOptions(use_cache=False, jobs=1, entry=EntryOptions(entry=entry, **extra)))
    finally:
        os.chdir(cwd)


def _found(result):
    return {(Path(f.path).as_posix(), f.line, f.code) for f in result.findings}


def test_explicit_call_site_reaches_across_files_and_constructor_args():
    result = _run("explicit")
    assert _found(result) == {
        ("pkg/net.py", 13, "TS101"),  # Gate passed as constructor arg -> self.gate -> Gate.forward -> _inner
        ("pkg/sub/helpers.py", 4, "TS101"),  # re-exported through pkg/__init__ and imported via alias
        ("pkg/sub/helpers.py", 14, "TS102"),  # ModuleList([Block() for ...]) submodule forward
    }
    entries = {f.line: f.entry for f in result.findings}
    assert entries[13] == "torch.jit.script(Net) at export.py:6 -> self.gate -> Gate.forward -> _inner"


def test_ignored_unused_and_unreached_are_silent():
    lines = {line for _, line, _ in _found(_run("modules"))}
    assert 8 not in lines  # helpers.unused is never called
    assert 30 not in lines and 35 not in lines  # @ignore / @unused bodies


def test_script_option_names_a_function():
    result = _run("explicit", script=["pkg.sub.helpers.unused"])
    assert ("pkg/sub/helpers.py", 8, "TS101") in _found(result)


def test_unmatched_script_name_is_reported():
    assert _run("explicit", script=["pkg.nope"]).unmatched == ["pkg.nope"]


def test_is_scripting_guard_cuts_calls():
    src = """
import torch
from torch import nn

def python_only(x, **kw):
    return x

class Net(nn.Module):
    def forward(self, x):
        if not torch.jit.is_scripting():
            x = python_only(x)
        return x
"""
    assert not lint_source(src)


def test_mutual_recursion_terminates():
    src = """
import torch

def a(x, **k):
    return b(x)

def b(x):
    return a(x)

@torch.jit.script
def f(x):
    return a(x)
"""
    codes = [(f.code, f.line) for f in lint_source(src)]
    assert ("TS101", 4) in codes


def test_a_package_import_hides_the_submodule_of_the_same_name(tmp_path):
    """`from .doc import doc` in `pkg/__init__.py` makes `pkg.doc` the function, as in Python: a
    decorator imported as `from pkg import doc` is then read, and one that returns the function
    itself leaves the decorated forward compiled (its `**kwargs` rejected)."""
    findings = lint_source(
        "import torch\nfrom torch import nn\nfrom pkg import doc\n\n\nclass Net(nn.Module):\n"
        "    @doc\n    def forward(self, x, **kwargs):\n        return x\n", tmp_path,
        files={"pkg/__init__.py": "from .doc import doc\n",
               "pkg/doc.py": "def doc(fn):\n    fn.__doc__ = 'documented'\n    return fn\n"})
    assert [(f.code, f.line) for f in findings] == [("TS101", 8)]
