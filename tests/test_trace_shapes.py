"""Sizes as the tracer consumes them (issue 16): each pattern is linted AND traced for real.

While tracing, `x.shape[i]`, `x.size(i)` and `x.numel()` are traced values; they are baked only
where Python itself needs a `bool` or an `int`: a branch, `min`/`max`, an index into a Python list,
a list repetition. Each hazard here must be flagged once, by the named rule, and the real tracer
must warn at that line or the trace must diverge from eager at a second shape; each silent pattern
must get no trace finding, no TracerWarning and no divergence. Shape branches are TS511 (a
warning: a model always run at the example's shape may ignore it), value branches TS501.
"""
from __future__ import annotations

import pytest

from conftest import needs_torch
from harness import lint_source, run_example_with_torch

_PRELUDE = "import torch\nimport torch.nn.functional as F\n\n\n"
_LINE0 = _PRELUDE.count("\n")


def _example(body: str, first: str, second: str) -> str:
    """`f` traced at `first` and compared with eager at `second` (shape, values and rank kept)."""
    return (f"{_PRELUDE}{body}\n\ntraced = torch.jit.trace(f, ({first},))\n\n\n"
            f"def diverges():\n    ys = ({second},)\n    a, b = traced(*ys), f(*ys)\n"
            "    return a.shape != b.shape or not torch.allclose(a, b)\n")


#: name -> (body of f, rule, line within the body (1-based), first example, second example)
HAZARDS = {
    "mod-shape": ("def f(x):\n    height = x.shape[0]\n    if height % 2 == 1:\n        return x * 2\n    return x\n",
                  "TS511", 3, "torch.randn(4, 3)", "torch.randn(5, 3)"),
    "size-ne-tuple": ("def f(x):\n    if x.size() != (4, 3):\n        return x * 2\n    return x\n",
                      "TS511", 2, "torch.randn(4, 3)", "torch.randn(6, 3)"),
    "lt-unknown": ("def f(x, n: int = 5):\n    if x.shape[1] < n:\n        return x * 2\n    return x\n",
                   "TS511", 2, "torch.randn(4, 3)", "torch.randn(4, 6)"),
    "max-of-sizes": ("def f(x):\n    dims = [x.shape[0], x.shape[1]]\n    return x * max(dims)\n",
                     "TS511", 3, "torch.randn(4, 3)", "torch.randn(4, 6)"),
    "max-of-shape": ("def f(x):\n    return x * max(x.shape)\n", "TS511", 2, "torch.randn(4, 3)", "torch.randn(4, 6)"),
    "min-shape-var": ("def f(x, k: int = 5):\n    return x[:, : min(k, x.shape[-1])]\n",
                      "TS511", 2, "torch.randn(4, 3)", "torch.randn(4, 6)"),
    "listcomp-sizes": ("def f(x):\n    sz = [s for s in x.shape]\n    if sz[0] > 4:\n        return x * 2\n    return x\n",
                       "TS511", 3, "torch.randn(4, 3)", "torch.randn(6, 3)"),
    "numel-truth": ("def f(x):\n    if x.numel():\n        return x * 2\n    return x + 1\n",
                    "TS511", 2, "torch.randn(4, 3)", "torch.randn(0, 3)"),
    "or-shapes": ("def f(x):\n    if x.shape[0] > 10 or x.shape[1] > 3:\n        return x * 2\n    return x\n",
                  "TS511", 2, "torch.randn(4, 3)", "torch.randn(4, 5)"),
    # a helper's tensor stays a tensor through `view(b, c, -1)` (sizes packed into `size: int[]`)
    "view-varargs": ("def g(a):\n    a = a.view(a.size(0), a.size(1), -1)\n    if a.size(2) > 4:\n        return a * 2\n"
                     "    return a\n\n\ndef f(x):\n    return g(x)\n", "TS511", 3, "torch.randn(2, 3, 4)", "torch.randn(2, 3, 6)"),
    "mod-unknown": ("def f(x, k=3):\n    if x.shape[0] % k != 0:\n        return x * 2\n    return x\n",
                    "TS511", 2, "torch.randn(4, 3)", "torch.randn(6, 3)"),
    # an item assignment binds no name: `feat` is still the tensor parameter
    "len-in-item-target": ("def f(feat):\n    d = feat * 1\n    d[range(len(feat)), range(len(feat))] = 0\n    return d\n",
                           "TS502", 3, "torch.randn(4, 4)", None),
    # a helper's parameter takes what its caller on the trace chain passes: a traced size here
    "helper-size-arg": ("def scale(n):\n    if n > 4:\n        return 2.0\n    return 1.0\n\n\n"
                        "def f(x):\n    return x * scale(x.shape[0]) * scale(5)\n", "TS511", 2, "torch.randn(4, 3)",
                        "torch.randn(6, 3)"),
    # a name is what the bindings before it made it: `x` is still the input where its shape is read,
    # though a later `x = layer(x)` (unknown to tslint) rebinds it
    "rebound-later": ("LAYERS = [torch.nn.Identity()]\n\n\ndef f(x):\n    b, t = x.shape\n    if t % 2 == 1:\n"
                      "        x = x * 2\n    for layer in LAYERS:\n        x = layer(x)\n    return x\n",
                      "TS511", 6, "torch.randn(4, 3)", "torch.randn(4, 4)"),
    # `torch.sqrt` of a tensor is a tensor (its Tensor overloads, not `sqrt.float`)
    "torch-op-of-tensor": ("def f(x):\n    d = torch.sqrt(torch.abs(x) + 1e-14)\n    if torch.isnan(d).any():\n"
                           "        raise ValueError('nan')\n    return d\n", "TS513", 3, "torch.randn(4, 3)", None),
    "not-any": ("def f(x, mask):\n    if not mask.any():\n        return x\n    return x * 2\n",
                "TS501", 2, "torch.randn(3), torch.zeros(3, dtype=torch.bool)", None),
    "min-tensor": ("def f(x):\n    return x * min(x.max(), 2.0)\n", "TS501", 2, "torch.ones(3)", "torch.full((3,), 0.5)"),
    "list-index": ("def f(x):\n    scales = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]\n    return x * scales[x.shape[0]]\n",
                   "TS503", 3, "torch.randn(4)", "torch.randn(5)"),
    "list-slice": ("def f(x):\n    scales = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]\n    return x * sum(scales[: x.shape[0]])\n",
                   "TS503", 3, "torch.randn(4)", "torch.randn(5)"),
    "list-repeat": ("def f(x):\n    ones = [1] * x.shape[0]\n    return x * len(ones)\n",
                    "TS503", 2, "torch.randn(4)", "torch.randn(5)"),
}

#: name -> (body of f, first example, second example): sizes that stay inside torch ops, and Python
#: comparisons of values that are not tensors
SILENT = {
    "shape-arith-view": ("def f(x):\n    return x.reshape(x.shape[0] * 2, -1)\n", "torch.randn(4, 6)", "torch.randn(6, 4)"),
    "shape-pad": ("def f(x):\n    return F.pad(x, (0, x.shape[-1] % 2))\n", "torch.randn(2, 4)", "torch.randn(3, 5)"),
    "tuple-of-sizes": ("def f(x):\n    b, t = x.shape\n    return x.new_zeros((b, t * 2))\n", "torch.randn(2, 4)",
                       "torch.randn(3, 5)"),
    "tensor-index": ("def f(x):\n    return x[x.shape[0] - 1]\n", "torch.randn(4, 3)", "torch.randn(6, 3)"),
    "str-config": ("def f(x, mode: str = 'sum'):\n    if mode == 'sum':\n        return x.sum(0)\n    return x\n",
                   "torch.randn(4, 3)", "torch.randn(6, 3)"),
    "module-identity": ("LAYERS = [torch.nn.Identity(), torch.nn.ReLU()]\n\n\ndef f(x):\n    for m in LAYERS:\n"
                        "        if m == LAYERS[-1]:\n            x = m(x)\n    return x\n", "torch.randn(4, 3)",
                        "torch.randn(6, 3)"),
}


#: `min`/`max` return one of their operands: a traced size that wins stays traced, so a later branch on
#: the result is a second frozen decision (the tracer warns at both lines); name -> (body, {(rule, line)}, first)
CHAINED = {
    "branch-on-max-of-size": ("def f(x):\n    pad = max(7 - x.shape[-1], 0)\n    if pad > 0:\n"
                              "        x = F.pad(x, (0, pad))\n    return x\n", {("TS511", 2), ("TS511", 3)},
                              "torch.randn(2, 5)"),
}


def _trace_findings(source: str) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in lint_source(source) if f.code.startswith("TS5")]


def _hazard_source(name: str) -> str:
    body, _, _, first, second = HAZARDS[name]
    return _example(body, first, second or first)


@pytest.mark.parametrize("name", sorted(HAZARDS))
def test_hazard_is_flagged_once_by_its_rule(name):
    _, code, line, _, _ = HAZARDS[name]
    assert set(_trace_findings(_hazard_source(name))) == {(code, _LINE0 + line)}


@pytest.mark.parametrize("name", sorted(SILENT))
def test_silent_pattern_gets_no_trace_finding(name):
    body, first, second = SILENT[name]
    assert _trace_findings(_example(body, first, second)) == []


@needs_torch
@pytest.mark.parametrize("name", sorted(HAZARDS))
def test_hazard_warns_or_diverges_for_real(name):
    _, _, line, _, second = HAZARDS[name]
    outcome = run_example_with_torch(_hazard_source(name))
    assert outcome.ok, outcome.message
    warned = {w["line"] for w in outcome.warnings}
    assert _LINE0 + line in warned or (second is not None and outcome.diverges), (outcome.warnings, outcome.diverges)


@needs_torch
@pytest.mark.parametrize("name", sorted(SILENT))
def test_silent_pattern_neither_warns_nor_diverges(name):
    body, first, second = SILENT[name]
    outcome = run_example_with_torch(_example(body, first, second))
    assert outcome.ok, outcome.message
    assert not outcome.warnings and outcome.diverges is False, (outcome.warnings, outcome.diverges)


@pytest.mark.parametrize("name", sorted(CHAINED))
def test_chained_hazards_are_flagged_at_each_line(name):
    body, expected, first = CHAINED[name]
    assert set(_trace_findings(_example(body, first, first))) == {(c, _LINE0 + n) for c, n in expected}


@needs_torch
@pytest.mark.parametrize("name", sorted(CHAINED))
def test_chained_hazards_warn_at_each_line_for_real(name):
    body, expected, first = CHAINED[name]
    outcome = run_example_with_torch(_example(body, first, first))
    assert outcome.ok, outcome.message
    assert {_LINE0 + n for _, n in expected} <= {w["line"] for w in outcome.warnings}, outcome.warnings
