"""Entry points as real export code spells them, in the default (project) mode: the model built,
set to eval and moved before it is scripted or traced, made by a factory, or passed as a parameter."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from cliutil import tslint, write_tree
from tslint.config import Config
from tslint.engine import RunOptions, run
from tslint.entrypoints import EntryOptions

MODELS = """\
    import torch
    from torch import nn


    class Gate(nn.Module):
        def forward(self, x):
            if x.sum() > 0:
                return x
            return -x


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.gate = Gate()

        def forward(self, x):
            return self.gate(x)


    class Scripted(nn.Module):
        def forward(self, x, **kwargs):
            return x
"""
GATE_LINE, KWARGS_LINE = 7, 22


def _run(root: Path) -> object:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return run(["."], Config(path=None), RunOptions(use_cache=False, jobs=1, entry=EntryOptions()))
    finally:
        os.chdir(cwd)


def _found(tmp_path: Path, export: str) -> tuple[set[tuple[str, int, str]], object]:
    write_tree(tmp_path, {"pkg/__init__.py": "", "pkg/models.py": MODELS, "pkg/export.py": export})
    result = _run(tmp_path)
    return {(Path(f.path).name, f.line, f.code) for f in result.findings}, result


@pytest.mark.parametrize("call", [
    "model = Net().eval()\n    torch.jit.trace(model, x)",
    "model = Net()\n    torch.jit.trace(model.eval(), x)",
    "model = Net().to('cpu')\n    model = model.eval()\n    torch.jit.trace(model, x)",
    "torch.jit.trace(build(), x)",
    "export(Net().eval(), x)",
    "export(model=build(), x=x)",
])
def test_trace_root_survives_everyday_idioms(tmp_path, call):
    export = f"""\
import torch
from pkg.models import Net


def build():
    net = Net()
    return net.eval()


def export(model, x):
    return torch.jit.trace(model, x)


def main():
    x = torch.rand(2)
    {call}
"""
    found, result = _found(tmp_path, export)
    assert ("models.py", GATE_LINE, "TS501") in found
    assert not result.unresolved or "export" not in call


@pytest.mark.parametrize("call", [
    "torch.jit.script(Scripted().eval())",
    "torch.jit.script(Scripted().to('cpu').float())",
    "compile_it(Scripted())",
])
def test_script_root_survives_everyday_idioms(tmp_path, call):
    export = f"""\
import torch
from pkg.models import Scripted


def compile_it(module):
    return torch.jit.script(module)


if __name__ == "__main__":
    {call}
"""
    found, _ = _found(tmp_path, export)
    assert ("models.py", KWARGS_LINE, "TS101") in found


def test_annotated_parameter_names_the_class(tmp_path):
    export = """\
import torch
from pkg.models import Scripted


def compile_it(module: Scripted):
    return torch.jit.script(module)
"""
    found, result = _found(tmp_path, export)
    assert ("models.py", KWARGS_LINE, "TS101") in found
    assert any("annotated" in r.label for r in result.roots)


def test_parameter_nobody_passes_is_reported_unresolved_and_nothing_else_is_checked(tmp_path):
    export = """\
import torch


def compile_it(module):
    return torch.jit.script(module)
"""
    found, result = _found(tmp_path, export)
    assert found == set()  # the project's modules are not entry points by default
    assert [u.label for u in result.unresolved] == ["torch.jit.script(module) at pkg/export.py:5"]
    assert "nothing in the linted files calls `compile_it`" in result.unresolved[0].reason


def test_modules_mode_keeps_the_library_contract(tmp_path):
    write_tree(tmp_path, {"pkg/__init__.py": "", "pkg/models.py": MODELS})
    proc = tslint("--entry", "modules", "--format", "concise", ".", cwd=tmp_path)
    assert f"pkg/models.py:{KWARGS_LINE}:" in proc.stdout


def test_default_mode_without_entry_points_says_how_to_name_one(tmp_path):
    write_tree(tmp_path, {"pkg/__init__.py": "", "pkg/models.py": MODELS, "pyproject.toml": "[tool.tslint]\n"})
    proc = tslint(".", cwd=tmp_path)
    assert proc.returncode == 0
    assert "no script or trace entry point found" in proc.stderr and "--entry modules" in proc.stderr


def test_summary_lists_trace_and_unresolved_entry_points(tmp_path):
    write_tree(tmp_path, {"pkg/__init__.py": "", "pkg/models.py": MODELS, "pyproject.toml": "[tool.tslint]\n",
                          "pkg/export.py": """\
import torch
from pkg.models import Net


def export(model, x):
    return torch.jit.trace(model, x)


def orphan(model):
    return torch.jit.script(model)


if __name__ == "__main__":
    export(Net().eval(), torch.rand(2))
"""})
    out = tslint(".", cwd=tmp_path).stdout
    assert "Trace entry points:\n  torch.jit.trace(Net) at pkg/export.py:6 (passed at pkg/export.py:14): 1 trace hazard" in out
    assert "Unresolved entry points" in out and "torch.jit.script(model) at pkg/export.py:10" in out


def test_modules_mode_folds_a_wrapper_that_fails_only_through_a_submodule(tmp_path):
    write_tree(tmp_path, {"pkg/__init__.py": "", "pkg/models.py": MODELS, "pkg/wrap.py": """\
import torch
from torch import nn
from pkg.models import Scripted


class Wrapper(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = Scripted()

    def forward(self, x):
        return self.inner(x)
"""})
    out = tslint("--entry", "modules", ".", cwd=tmp_path).stdout
    assert "Module entry points: 1 of 4 not scriptable by their own code, 1 only through a submodule, 2 scriptable" in out
    assert "  pkg.models.Scripted: not scriptable (1 finding)" in out
    assert "pkg.wrap.Wrapper" not in out and "`--show-entries` lists them" in out
    unfolded = tslint("--entry", "modules", "--show-entries", ".", cwd=tmp_path).stdout
    assert "  pkg.wrap.Wrapper: not scriptable through pkg.models.Scripted" in unfolded
