"""Trace fixes, proven with the real tracer: after `tslint --fix --unsafe-fixes`, the seed's traced
examples emit no TracerWarning and give eager's answer on inputs the example did not cover.

- `len(x)` → `x.shape[0]` (safe);
- a data-dependent `if` in a module-level function: the function gets `@torch.jit.script_if_tracing`;
- a data-dependent `if` in a method: it moves into a new `@torch.jit.script_if_tracing` helper;
- no fix where the helper would not be scriptable, or where its inputs are not known tensors.
"""
from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from cliutil import tslint, tslint_json
from conftest import needs_torch
from harness import run_python_with_torch

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed"


def _seed_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "seed"
    shutil.copytree(SEED, dst, ignore=shutil.ignore_patterns(".tslint_cache", "__pycache__"))
    return dst


def _python(code: str, cwd: Path) -> dict:
    """Run `code` with the real torch in `cwd`; it prints one JSON line (TracerWarnings are collected)."""
    prelude = (
        "import json, warnings, torch\n"
        "warnings.simplefilter('ignore', DeprecationWarning)\n"
        "_caught = warnings.catch_warnings(record=True)\n_w = _caught.__enter__()\nwarnings.simplefilter('always')\n"
        "def tracer_warnings():\n"
        "    return sorted({f'{w.filename.rsplit(\"/\", 1)[-1]}:{w.lineno}' for w in _w "
        "if w.category.__name__ == 'TracerWarning'})\n"
    )
    proc = run_python_with_torch(prelude + textwrap.dedent(code), cwd)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


SEED_CHECK = """
from seed_models import MyCell, MyDecisionGate, f1, f2
torch.manual_seed(0)
x, h = torch.randn(3, 4), torch.randn(3, 4)
cell = MyCell(MyDecisionGate())
traced_cell = torch.jit.trace(cell, (x, h))
gate = MyDecisionGate()
traced_gate = torch.jit.trace(gate, (torch.ones(3, 4),))
traced_f1 = torch.jit.trace(f1, (torch.rand(1),))
traced_f2 = torch.jit.trace(f2, (torch.rand(1),))
warned = tracer_warnings()
diverges = {}
for n in (1, 5, 7):
    for sign in (1.0, -1.0):
        xs, hs = sign * 100 * torch.ones(n, 4), torch.randn(n, 4)
        a, b = traced_cell(xs, hs), cell(xs, hs)
        diverges.setdefault("cell", False)
        diverges["cell"] |= not (torch.allclose(a[0], b[0]) and torch.allclose(a[1], b[1]))
        g = sign * torch.ones(n, 4)
        diverges.setdefault("gate", False)
        diverges["gate"] |= not torch.equal(traced_gate(g), gate(g))
b = torch.rand(2)
diverges["f1"] = not torch.equal(traced_f1(b), f1(b))
diverges["f2"] = not torch.equal(traced_f2(b), f2(b))
print(json.dumps({"warned": warned, "diverges": diverges}))
"""


@needs_torch
def test_seed_fixed_traces_generalize(tmp_path):
    seed = _seed_copy(tmp_path)
    before = _python(SEED_CHECK, seed)
    assert before["diverges"] == {"cell": True, "gate": True, "f1": False, "f2": True}, before
    assert "cells.py:7" in before["warned"] and "shapes.py:10" in before["warned"]

    proc = tslint("--no-cache", "--fix", "--unsafe-fixes", ".", cwd=seed)
    assert proc.returncode in (0, 1), proc.stderr
    cells = (seed / "seed_models" / "cells.py").read_text()
    assert "@torch.jit.script_if_tracing\ndef _my_decision_gate_forward_branch(x):" in cells
    assert "return _my_decision_gate_forward_branch(x)" in cells
    assert "torch.arange(x.shape[0])" in (seed / "seed_models" / "shapes.py").read_text()

    after = _python(SEED_CHECK, seed)
    assert after == {"warned": [], "diverges": {"cell": False, "gate": False, "f1": False, "f2": False}}, after

    # the fixed project lints clean of trace hazards, and scripting MyCell(MyDecisionGate()) still works
    code, findings = tslint_json("--no-cache", "--select", "TS5", ".", cwd=seed)
    assert findings == [] and code == 0
    scripted = _python("from seed_models import MyCell, MyDecisionGate\n"
                       "m = torch.jit.script(MyCell(MyDecisionGate()))\nx = -torch.ones(2, 4)\n"
                       "print(json.dumps({'ok': torch.allclose(m(x, x)[0], MyCell.forward(m, x, x)[0])}))\n", seed)
    assert scripted["ok"]


def test_unsafe_fix_needs_unsafe_fixes_and_diff_shows_it(tmp_path):
    seed = _seed_copy(tmp_path)
    safe = tslint("--no-cache", "--diff", ".", cwd=seed)
    assert "x.shape[0]" in safe.stdout and "script_if_tracing" not in safe.stdout
    unsafe = tslint("--no-cache", "--diff", "--unsafe-fixes", ".", cwd=seed)
    assert "+@torch.jit.script_if_tracing" in unsafe.stdout and "+        return _my_decision_gate_forward_branch(x)" in unsafe.stdout
    assert (seed / "seed_models" / "cells.py").read_text() == (SEED / "seed_models" / "cells.py").read_text()


def _fix_file(tmp_path: Path, source: str) -> str:
    path = tmp_path / "model.py"
    path.write_text(textwrap.dedent(source))
    proc = tslint("--no-cache", "--fix", "--unsafe-fixes", "model.py", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    return path.read_text()


HELPER = """\
import torch


def gate(x, y):
    if x.sum() > y.sum():
        return x
    return y


def f(x, y):
    return gate(x * 2, y) + 1


traced = torch.jit.trace(f, (torch.ones(3), torch.zeros(3)))
"""

ASSIGN = """\
import torch
from torch import nn


class Net(nn.Module):
    def forward(self, x):
        y = x * 2
        if y.mean() > 0:
            z = y + 1
            w = z * 2
        else:
            z = y - 1
        return z * x


traced = torch.jit.trace(Net(), (torch.ones(2, 3),))
"""

ELIF = """\
import torch
from torch import nn


class Net(nn.Module):
    def forward(self, x):
        n = x * 2
        if x.mean() > 1:
            y = n
        elif x.mean() < -1:
            y = -n
        else:
            y = n * 0
        return y + 1


traced = torch.jit.trace(Net(), (torch.ones(2, 3) * 3,))
"""

GENERALIZES = """
import model
for a in (torch.ones(4, 3), -torch.ones(5, 3), torch.randn(2, 3)):
    args = (a,) if not hasattr(model, "f") else (a, torch.zeros(a.shape))
    fn = model.f if hasattr(model, "f") else model.Net()
    if not torch.allclose(model.traced(*args), fn(*args)):
        print(json.dumps({"ok": False, "warned": tracer_warnings()}))
        break
else:
    print(json.dumps({"ok": True, "warned": tracer_warnings()}))
"""


@needs_torch
def test_module_level_helper_is_decorated(tmp_path):
    fixed = _fix_file(tmp_path, HELPER)
    assert "@torch.jit.script_if_tracing\ndef gate(x, y):\n" in fixed
    assert _python(GENERALIZES, tmp_path) == {"ok": True, "warned": []}


@needs_torch
def test_branch_assigning_values_is_extracted(tmp_path):
    fixed = _fix_file(tmp_path, ASSIGN)
    assert "def _net_forward_branch(y):" in fixed and "        z = _net_forward_branch(y)\n" in fixed
    assert "    return z\n" in fixed
    assert _python(GENERALIZES, tmp_path) == {"ok": True, "warned": []}


@needs_torch
def test_elif_chain_moves_whole(tmp_path):
    fixed = _fix_file(tmp_path, ELIF)
    assert "        y = _net_forward_branch(x, n)\n" in fixed and "    elif x.mean() < -1:\n" in fixed
    assert _python(GENERALIZES.replace("torch.ones(4, 3)", "3 * torch.ones(4, 3)").replace("-torch.ones(5, 3)", "-3 * torch.ones(5, 3)"),
                   tmp_path) == {"ok": True, "warned": []}


NOT_OFFERED = {
    # reads `self`: a module-level helper cannot
    "self": """\
        import torch
        from torch import nn


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.limit = 0.5

            def forward(self, x):
                if x.sum() > self.limit:
                    return x
                return -x


        traced = torch.jit.trace(Net(), (torch.ones(2),))
        """,
    # the helper would not compile (try blocks are rejected by the script frontend)
    "try": """\
        import torch


        def gate(x):
            if x.sum() > 0:
                try:
                    x = x + 1
                except RuntimeError:
                    pass
            return x


        def f(x):
            return gate(x)


        traced = torch.jit.trace(f, (torch.ones(2),))
        """,
    # `n` is an int: the script compiler would type it Tensor
    "int-param": """\
        import torch


        def gate(x, n):
            if x.sum() > 0:
                return x * n
            return x


        def f(x):
            return gate(x, 3)


        traced = torch.jit.trace(f, (torch.ones(2),))
        """,
    # assigned in one branch only: not defined on every path for the script compiler
    "one-branch": """\
        import torch
        from torch import nn


        class Net(nn.Module):
            def forward(self, x):
                if x.sum() > 0:
                    y = x * 2
                    return y
                y = x
                return y


        traced = torch.jit.trace(Net(), (torch.ones(2),))
        """,
}


@pytest.mark.parametrize("name", sorted(NOT_OFFERED))
def test_fix_not_offered(tmp_path, name):
    (tmp_path / "model.py").write_text(textwrap.dedent(NOT_OFFERED[name]))
    code, findings = tslint_json("--no-cache", "--select", "TS501", "model.py", cwd=tmp_path)
    assert [f["code"] for f in findings] == ["TS501"]
    assert findings[0]["fix"] is None
