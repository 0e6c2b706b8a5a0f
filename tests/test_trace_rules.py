"""TS5xx trace hazards: what is flagged, what must not be, and the seed's trace call sites.

The rule examples (tests/test_rule_examples.py) prove each rule against torch; here the linter side is
pinned down more widely: the patterns that generalize under tracing (facts 3.2) stay silent, the
dataflow does not guess about values it cannot classify, and the seed's call sites reach the right
functions under the right contract.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness import lint_source, run_example_with_torch
from conftest import needs_torch
from tslint.config import Config
from tslint.entrypoints import EntryOptions
from tslint.engine import RunOptions, run

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed"


def _traced(body: str, example: str = "torch.randn(4, 3)") -> str:
    return f"import math\n\nimport torch\nimport torch.nn.functional as F\n\n\n{body}\n\ntraced = torch.jit.trace(f, ({example},))\n"


def _trace_codes(source: str) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in lint_source(source) if f.code.startswith("TS5")]


# -- patterns that generalize: never flagged (facts 3.2) ------------------------------------------
GENERALIZING = {
    "view-size": "def f(x):\n    return x.view(x.size(0), -1)\n",
    "slice-half": "def f(x):\n    return x[: x.shape[0] // 2]\n",
    "zeros-shape": "def f(x):\n    return torch.zeros(x.shape[0], 1) + x[:, :1]\n",
    "full-shape": "def f(x):\n    return torch.full((x.shape[0], 1), 1.0)\n",
    "new-zeros": "def f(x):\n    return x.new_zeros(x.shape)\n",
    "arange": "def f(x):\n    return torch.arange(x.shape[0])\n",
    "ones-list-shape": "def f(x):\n    return torch.ones(list(x.shape))\n",
    "view-comprehension": "def f(x):\n    return x.view([s * 1 for s in x.shape])\n",
    "interpolate": "def f(x):\n    return F.interpolate(x[None, None], size=(x.shape[0] * 2, x.shape[1] * 2))\n",
    "numel-div": "def f(x):\n    return x / x.numel()\n",
    "mask-index": "def f(x):\n    return x[x > 0]\n",
    "argmax-index": "def f(x):\n    return x[x.argmax() // 3]\n",
    "pow-scale": "def f(x):\n    return x / x.shape[-1] ** 0.5\n",
    "unpack-shape": "def f(x):\n    n, c = x.shape\n    return x.reshape(n * c)\n",
    "chunk-unpack": "def f(x):\n    a, b = x.chunk(2, dim=1)\n    return a * b\n",
    "constant-loop": "def f(x):\n    for _ in range(3):\n        x = x + 1\n    return x\n",
    "is-none": "def f(x, mask=None):\n    if mask is None:\n        return x\n    return x * mask\n",
    "flag-default": "def f(x, scale=2):\n    if scale > 1:\n        return x * scale\n    return x\n",
    "tensor-0d-copy": "def f(x):\n    return x.sum() * x.shape[0]\n",
    "where": "def f(x):\n    return torch.where(x.sum() > 0, x, -x)\n",
    "isinstance": "def f(x):\n    if isinstance(x, tuple):\n        return x[0]\n    return x\n",
    "len-of-tuple": "def f(x):\n    parts = (x, x)\n    return x * len(parts)\n",
    "dtype": "def f(x):\n    return x + torch.ones(1, dtype=x.dtype)\n",
    # torch.tensor of a literal, of a size or of a tensor: constant, or copied as traced (TS514 stays silent)
    "tensor-literal": "def f(x):\n    return x + torch.tensor(2.0, dtype=x.dtype)\n",
    "tensor-of-size": "def f(x):\n    return x * torch.tensor(x.shape[0])\n",
    # a Python list indexed or repeated by a constant, a tensor indexed by a size: no Python int is taken
    "list-const-index": "def f(x):\n    scales = [1.0, 2.0]\n    return x * scales[1] + x[x.shape[0] - 1]\n",
    "int-repeat": "def f(x):\n    return x.repeat(3, 1).view(3 * x.shape[0], -1)\n",
    "size-tuple-repeat": "def f(x):\n    return x.view(x.shape[:1] + (-1,))\n",
    "shape-pad": "def f(x):\n    return F.pad(x, (0, x.shape[-1] % 2))\n",
}


@pytest.mark.parametrize("name", sorted(GENERALIZING))
def test_generalizing_pattern_is_not_flagged(name):
    assert _trace_codes(_traced(GENERALIZING[name])) == []


@needs_torch
@pytest.mark.parametrize("name", ["view-size", "slice-half", "zeros-shape", "arange", "interpolate", "pow-scale",
                                  "unpack-shape", "numel-div", "dtype", "list-const-index", "int-repeat",
                                  "size-tuple-repeat", "shape-pad"])
def test_generalizing_pattern_really_generalizes(name):
    source = _traced(GENERALIZING[name]) + (
        "\n\ndef diverges():\n    y = torch.randn(6, 5, dtype=torch.float64)\n"
        "    a, b = traced(y), f(y)\n    return a.shape != b.shape or a.dtype != b.dtype or not torch.allclose(a, b)\n")
    outcome = run_example_with_torch(source)
    assert outcome.ok, outcome.message
    assert not outcome.warnings and outcome.diverges is False


# -- hazards: flagged, each by its own rule -----------------------------------------------------------
HAZARDS = {
    "if-tensor": ("def f(x):\n    if x.sum() > 0:\n        return x\n    return -x\n", "TS501", 8),
    "if-shape": ("def f(x):\n    if x.shape[0] > 4:\n        return x[:4]\n    return x\n", "TS511", 8),
    "shape-eq": ("def f(x):\n    return x * 2 if x.shape == (4, 3) else x\n", "TS511", 8),
    "size-var": ("def f(x):\n    n = x.size(0)\n    if n == 1:\n        return x\n    return x * 2\n", "TS511", 9),
    "numel-if": ("def f(x):\n    return x if x.numel() > 12 else -x\n", "TS511", 8),
    "not": ("def f(x):\n    return x if not x.any() else -x\n", "TS501", 8),
    "bool-call": ("def f(x):\n    flag = bool(x.sum() > 0)\n    return x * flag\n", "TS501", 8),
    "max-shape": ("def f(x):\n    return x[: max(x.shape[0], 5)]\n", "TS511", 8),
    "assert": ("def f(x):\n    assert x.shape[1] == 3\n    return x\n", "TS513", 8),
    "raise-check": ("def f(x):\n    if x.min() < 0:\n        raise ValueError('neg')\n    return x\n", "TS513", 8),
    "len": ("def f(x):\n    return torch.arange(len(x))\n", "TS502", 8),
    "item": ("def f(x):\n    return x * x.max().item()\n", "TS503", 8),
    "int-shape": ("def f(x):\n    return x.view(int(x.shape[0]), -1)\n", "TS503", 8),
    "float-tensor": ("def f(x):\n    return x * float(x.sum())\n", "TS503", 8),
    "math-shape": ("def f(x):\n    return x / math.sqrt(x.shape[-1])\n", "TS503", 8),
    "math-ceil": ("def f(x):\n    n = math.ceil(x.shape[0] / 3)\n    return x[:n]\n", "TS503", 8),
    "tolist": ("def f(x):\n    return x * x[0].tolist()[0]\n", "TS504", 8),
    "numpy": ("def f(x):\n    return torch.from_numpy(x.numpy() * 2)\n", "TS505", 8),
    "for-tensor": ("def f(x):\n    return torch.stack([r * 2 for r in x])\n", "TS506", 8),
    "unpack-tensor": ("def f(x):\n    a, b, c, d = x.sum(1)\n    return a + d\n", "TS506", 8),
    "list-tensor": ("def f(x):\n    return sum(list(x))\n", "TS506", 8),
    "tensor-of-shape": ("def f(x):\n    return x * torch.tensor(x.shape)[0]\n", "TS507", 8),
    "tensor-of-computed": ("def f(x):\n    m = torch.finfo(x.dtype).min\n    return torch.maximum(x, torch.tensor(m))\n",
                           "TS514", 9),
    "range-shape": ("def f(x):\n    return sum([x[i] for i in range(x.shape[0])])\n", "TS508", 8),
    "range-len": ("def f(x):\n    for i in range(len(x)):\n        x = x + i\n    return x\n", "TS508", 8),
    "range-size-var": ("def f(x):\n    n = x.size(0)\n    out = x[0]\n    for i in range(1, n):\n        out = out + x[i]\n"
                       "    return out\n", "TS508", 10),
    "dim-branch": ("def f(x):\n    if x.dim() == 2:\n        x = x[None]\n    return x\n", "TS509", 8),
    "ndim-branch": ("def f(x):\n    return x[None] if x.ndim == 2 else x\n", "TS509", 8),
    "device": ("def f(x):\n    return torch.zeros(x.shape[0], device=x.device)\n", "TS510", 8),
    "device-var": ("def f(x):\n    dev = x.device\n    return x + torch.ones(1).to(dev)\n", "TS510", 9),
    "optional-used": ("def f(x, mask: 'torch.Tensor | None' = None):\n    if mask is not None and mask.sum() > 0:\n"
                      "        return x * mask\n    return x\n", "TS501", 8),
    "size-eq-tuple": ("def f(x, n: int = 4):\n    assert x.size() == (n, 3)\n    return x\n", "TS513", 8),
    "shape-vs-unknown": ("def f(x, limit: int = 4):\n    if x.shape[0] > limit:\n        return x[:limit]\n    return x\n",
                         "TS511", 8),
    "resize": ("def f(x):\n    y = x.clone()\n    y.resize_(12)\n    return y\n", "TS512", 9),
}


@pytest.mark.parametrize("name", sorted(HAZARDS))
def test_hazard_is_flagged(name):
    body, code, line = HAZARDS[name]
    found = _trace_codes(_traced(body))
    assert (code, line) in found, found
    assert len(found) == 1, f"one construct, one finding: {found}"


def test_range_len_is_one_finding_without_len_fix():
    findings = [f for f in lint_source(_traced(HAZARDS["range-len"][0])) if f.code.startswith("TS5")]
    assert [f.code for f in findings] == ["TS508"]


def test_len_fix_only_where_the_size_is_traced():
    flows = lint_source(_traced("def f(x):\n    return torch.arange(len(x))\n"))
    assert [f.fix.applicability for f in flows if f.code == "TS502"] == ["safe"]
    baked = lint_source(_traced("def f(x):\n    if len(x) > 2:\n        return x\n    return -x\n"))
    assert [f.fix for f in baked if f.code == "TS502"] == [None], "x.shape[0] > 2 would be baked the same way"


# -- what the dataflow does not know, it does not flag ------------------------------------------------
UNKNOWN = {
    # a submodule's result may be a tuple (LSTM), a helper's anything
    "lstm-unpack": ("class Net(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                    "        self.rnn = torch.nn.LSTM(3, 3)\n\n    def forward(self, x):\n"
                    "        out, (h, c) = self.rnn(x)\n        return out\n\n\n"
                    "traced = torch.jit.trace(Net(), (torch.randn(2, 1, 3),))\n"),
    "helper-result": ("def helper(x):\n    return x, x\n\n\ndef f(x):\n    a, b = helper(x)\n    return a + b\n\n\n"
                      "traced = torch.jit.trace(f, (torch.randn(2),))\n"),
    # a non-forward helper's parameter without tensor evidence
    "helper-flag": ("def helper(x, flag):\n    if flag:\n        return x\n    return -x\n\n\n"
                    "def f(x):\n    return helper(x, True)\n\n\ntraced = torch.jit.trace(f, (torch.randn(2),))\n"),
    # attributes of self (config values, submodules) are not tensors as far as we know
    "self-attr": ("class Net(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                  "        self.training_mode = True\n\n    def forward(self, x):\n"
                  "        if self.training_mode:\n            return x\n        return -x\n\n\n"
                  "traced = torch.jit.trace(Net(), (torch.randn(2),))\n"),
    "dict-input": ("def f(inputs):\n    x = inputs['x']\n    return x\n\n\ntraced = torch.jit.trace(f, ({'x': torch.randn(2)},), strict=False)\n"),
    # the truth of an Optional tensor may be a None test
    "optional-truth": ("from typing import Optional\n\n\ndef f(x, mask: Optional[torch.Tensor] = None):\n"
                       "    if mask:\n        return x * mask\n    return x\n\n\ntraced = torch.jit.trace(f, (torch.randn(2),))\n"),
    # models are traced in eval mode: training-only code is not recorded
    "training-only": ("class Net(torch.nn.Module):\n    def forward(self, x):\n        if self.training:\n"
                      "            p = torch.rand([])\n            if p < 0.1:\n                return x\n        return x * 2\n\n\n"
                      "traced = torch.jit.trace(Net().eval(), (torch.randn(2),))\n"),
    # an entry parameter that is unpacked is a tuple of tensors (`trace(f, (x, (h, c)))`)
    "tuple-input": ("def f(x, state):\n    h, c = state\n    return x + h + c\n\n\n"
                    "traced = torch.jit.trace(f, (torch.randn(2), (torch.randn(2), torch.randn(2))))\n"),
    "mixed-assign": ("def f(x):\n    n = x.shape[0]\n    n = 3\n    if n > 2:\n        return x\n    return -x\n\n\n"
                     "traced = torch.jit.trace(f, (torch.randn(4),))\n"),
}


@pytest.mark.parametrize("name", sorted(UNKNOWN))
def test_unknown_values_are_not_flagged(name):
    assert _trace_codes("import torch\n\n\n" + UNKNOWN[name]) == []


def test_script_context_is_not_checked_for_trace_hazards():
    source = ("import torch\n\n\n@torch.jit.script_if_tracing\ndef gate(x):\n    if x.sum() > 0:\n        return x\n"
              "    return -x\n\n\ndef f(x):\n    return gate(x) * len(x.shape)\n\n\n"
              "traced = torch.jit.trace(f, (torch.randn(2),))\n")
    assert _trace_codes(source) == []


def test_is_tracing_branch_is_static():
    source = _traced("def f(x):\n    if not torch.jit.is_tracing():\n        assert x.sum() > 0\n    return x\n")
    assert _trace_codes(source) == []


# -- the seed's trace call sites ------------------------------------------------------------------------
def _seed_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "seed"
    shutil.copytree(SEED, dst, ignore=shutil.ignore_patterns(".tslint_cache", "__pycache__"))
    return dst


def _lint_dir(folder: Path, select: str = "TS5"):
    import os

    cwd = os.getcwd()
    os.chdir(folder)
    try:
        return run(["."], Config(path=None), RunOptions(use_cache=False, jobs=1, select=[select], entry=EntryOptions(entry="modules")))
    finally:
        os.chdir(cwd)


def test_seed_trace_findings(tmp_path):
    seed = _seed_copy(tmp_path)
    result = _lint_dir(seed)
    found = sorted((Path(f.path).as_posix().split("seed/")[-1], f.line, f.code) for f in result.findings)
    assert found == [("seed_models/cells.py", 7, "TS501"), ("seed_models/shapes.py", 10, "TS502")]


def test_seed_reach_contracts(tmp_path):
    seed = _seed_copy(tmp_path)
    reach = _lint_dir(seed).reach
    contexts = {f"{ref.module}.{ref.qualname}": set(c) for ref, c in reach.functions.items()}
    # torch.jit.trace(MyCell(MyDecisionGate()), (x, h)) traces the gate through the constructor argument
    assert "trace" in contexts["seed_models.cells.MyDecisionGate.forward"]
    assert "trace" in contexts["seed_models.shapes.f2"] and "trace" in contexts["seed_models.shapes.f1"]
    # WrapRNN is traced, but its loop is `torch.jit.script(MyRNNLoop())`: scripted, never traced
    assert "trace" in contexts["seed_models.loops.WrapRNN.forward"]
    assert contexts["seed_models.loops.MyRNNLoop.forward"] == {"script"}
    # script_if_tracing bodies are compiled
    assert contexts["seed_models.gated.decision_gate"] == {"script"}


def test_factory_with_return_annotation_is_a_trace_target(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "net.py").write_text(
        "import torch\n\n\nclass Net(torch.nn.Module):\n    def forward(self, x):\n        return x * x.max().item()\n\n\n"
        "def build() -> Net:\n    return Net().eval()\n")
    (tmp_path / "export.py").write_text("import torch\n\nfrom pkg.net import build\n\n\n"
                                        "def main():\n    model = build()\n    torch.jit.trace(model, (torch.randn(2),))\n")
    result = _lint_dir(tmp_path)
    assert [(Path(f.path).name, f.line, f.code) for f in result.findings] == [("net.py", 6, "TS503")]


# -- classes chosen through a registry at run time -------------------------------------------------
REGISTRY_MODEL = '''\
import torch
from torch import nn


class Eager(nn.Module):
    def forward(self, x):
        return x * 2


class Masked(nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x
        return -x


ATTENTION_CLASSES = {"eager": Eager, "masked": Masked}


class Block(nn.Module):
    def __init__(self, impl: str = "masked"):
        super().__init__()
        self.attn = ATTENTION_CLASSES[impl]()

    def forward(self, x):
        return self.attn(x)


traced = torch.jit.trace(Block(), (torch.randn(4, 3),))
'''


def test_trace_reaches_every_class_a_registry_may_build():
    """`self.attn = CLASSES[impl]()`: Python runs whichever class the key picks, so under trace each
    one's `forward` is reached (and its data-dependent `if` flagged); script reach is unchanged."""
    found = [(f.code, f.line, f.entry) for f in lint_source(REGISTRY_MODEL) if f.code.startswith("TS5")]
    assert [(code, line) for code, line, _ in found] == [("TS501", 12)]
    assert found[0][2].endswith("Block.forward -> self.attn -> Masked.forward")
