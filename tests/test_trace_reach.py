"""Trace hazards on values that come back from user submodules and project helpers, `bool(...)`, and
comparisons of non-tensors, each checked against the real tracer.

A FLAGGED case is reported by tslint at its `# error` line with its code, and the real
`torch.jit.trace` either warns at that line (TracerWarning) or builds a trace that diverges from eager
on another input (`diverges()`). A SILENT case gets no trace finding, and the tracer neither warns nor
diverges. Each case is linted as a user would run tslint (the project's own trace call is the root).
"""
from __future__ import annotations

import pytest

from conftest import needs_torch
from harness import lint_source, run_example_with_torch
from tslint.rule import expected_lines

_HEAD = "import torch\nfrom torch import nn\n\n\n"

#: a user module (not a torch.nn one) whose output is one tensor
_BLK = ("class Blk(nn.Module):\n    TSLINT_SKIP = True\n\n    def __init__(self):\n        super().__init__()\n"
        "        self.lin = nn.Linear(3, 3)\n\n    def forward(self, x):\n        return self.lin(x) * 0 + x\n\n\n")


def _net(init: str, forward: str, example: str = "torch.ones(4, 3)", other: str = "-torch.ones(6, 3)",
         extra: str = "", methods: str = "") -> str:
    """A traced `Net` with `init` lines in `__init__`, `methods` before `forward` and `forward`'s body
    (`extra` is module code before the class), and `diverges()` comparing trace and eager on `other`."""
    return (_HEAD + _BLK + extra + "class Net(nn.Module):\n    TSLINT_SKIP = True\n\n    def __init__(self):\n"
            "        super().__init__()\n" + "".join(f"        {line}\n" for line in init.splitlines())
            + "".join(f"\n    {line}" if line else "\n" for line in methods.splitlines()) + ("\n" if methods else "")
            + "\n    def forward(self, x):\n" + "".join(f"        {line}\n" for line in forward.splitlines())
            + f"\n\nmodel = Net().eval()\ntraced = torch.jit.trace(model, ({example},))\n\n\n"
            f"def diverges():\n    y = {other}\n    a, b = traced(y), model(y)\n"
            "    return a.shape != b.shape or not torch.allclose(a, b)\n")


FLAGGED = {
    "submodule-item": (_net("self.stem = Blk()", "a = self.stem(x)\nreturn x * a.max().item()  # error"), "TS503"),
    "submodule-if": (_net("self.stem = Blk()", "a = self.stem(x)\nif a.mean() > 0:  # error\n    return x\nreturn -x"),
                     "TS501"),
    "submodule-len": (_net("self.stem = Blk()", "a = self.stem(x)\nreturn x * len(a)  # error"), "TS502"),
    "modulelist-index": (_net("self.blocks = nn.ModuleList([Blk(), Blk()])",
                              "b = self.blocks[0](x)\nif b.sum() > 0:  # error\n    return x\nreturn -x"), "TS501"),
    "modulelist-iter": (_net("self.blocks = nn.ModuleList([Blk(), Blk()])",
                             "for blk in self.blocks:\n    h = blk(x)\n    if h.sum() > 0:  # error\n        x = x * 2\n"
                             "return x"), "TS501"),
    "sequential": (_net("self.body = nn.Sequential(Blk(), Blk())",
                        "y = self.body(x)\nif y.mean() > 0:  # error\n    return x\nreturn -x"), "TS501"),
    "helper-function": (_net("pass", "h = double(x)\nif h.sum() > 0:  # error\n    return x\nreturn -x",
                             extra="def double(t):\n    return t * 2\n\n\n"), "TS501"),
    "helper-method": (_net("self.stem = Blk()", "h = self.embed(x)\nreturn x * h.sum().item()  # error",
                           methods="def embed(self, t):\n    return self.stem(t) + 1\n"), "TS503"),
    "annotated-tensor-method": (_net("self.stem = Blk()", "h = self.embed(x)\nif h.sum() > 0:  # error\n    return x\nreturn -x",
                                     methods="def embed(self, t) -> torch.Tensor:\n    return self.stem(t)\n"), "TS501"),
    "bool-if": (_net("pass", "if bool(x.mean() > 0):  # error\n    return x\nreturn -x"), "TS501"),
    "bool-assign": (_net("self.stem = Blk()", "t = self.stem(x)\nflag = bool(t.any())  # error\nreturn x * int(flag)",
                         other="torch.zeros(6, 3)"), "TS501"),
}

SILENT = {
    # ultralytics: modules compared by identity/equality while iterating them
    "module-eq": _net("self.model = nn.ModuleList([Blk(), Blk()])",
                      "for m in self.model:\n    x = m(x)\n    if m == self.model[-1]:\n        x = x + 1\nreturn x"),
    "module-is": _net("self.head = Blk()\nself.model = nn.ModuleList([Blk(), self.head])",
                      "for m in self.model:\n    if m is self.head:\n        x = x * 2\n    x = m(x)\nreturn x"),
    # ultralytics' `_profile_one_layer(m, x, dt)`: `m` is called, so it is a module, not a tensor
    "module-param-helper": _net("self.model = nn.ModuleList([Blk(), Blk()])",
                                "for m in self.model:\n    x = self.run_one(m, x)\nreturn x",
                                methods="def run_one(self, m, t):\n    c = m == self.model[-1] and isinstance(t, list)\n"
                                        "    out = m(t.copy() if c else t)\n    if m == self.model[0]:\n"
                                        "        out = out + 1\n    return out\n"),
    "config-string": _net("self.mode = 'fast'\nself.stem = Blk()",
                          "a = self.stem(x)\nif self.mode == 'fast' and isinstance(a, torch.Tensor):\n    return a\nreturn x"),
    "isinstance-result": _net("self.stem = Blk()",
                              "a = self.stem(x)\nis_t = isinstance(a, tuple)\nif is_t == False:\n    return a\nreturn x"),
    "annotated-int-helper": _net("pass", "if heads(x) > 2:\n    return x * 2\nreturn x",
                                 extra="def heads(t) -> int:\n    return 4\n\n\n"),
    "tuple-helper": _net("pass", "a, b = pair(x)\nreturn a + b", extra="def pair(t):\n    return t, t * 2\n\n\n"),
    "tuple-module": _net("self.split = Split()", "out = self.split(x)\nreturn out[0] * len(out)",
                         extra="class Split(nn.Module):\n    TSLINT_SKIP = True\n\n    def forward(self, t):\n"
                               "        return t, t\n\n\n"),
}


def _trace_findings(source: str) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in lint_source(source, entry="project") if f.code.startswith("TS5")]


@pytest.mark.parametrize("name", sorted(FLAGGED))
def test_flagged_at_its_line(name):
    source, code = FLAGGED[name]
    assert _trace_findings(source) == [(code, line) for line in expected_lines(source)]


@needs_torch
@pytest.mark.parametrize("name", sorted(FLAGGED))
def test_flagged_case_warns_or_diverges_under_the_tracer(name):
    source, _ = FLAGGED[name]
    outcome = run_example_with_torch(source)
    assert outcome.ok, outcome.message + outcome.full[:1000]
    warned = {w["line"] for w in outcome.warnings}
    assert warned & set(expected_lines(source)) or outcome.diverges, (outcome.warnings, outcome.diverges)


@pytest.mark.parametrize("name", sorted(SILENT))
def test_silent_case_has_no_trace_finding(name):
    assert _trace_findings(SILENT[name]) == []


@needs_torch
@pytest.mark.parametrize("name", sorted(SILENT))
def test_silent_case_neither_warns_nor_diverges(name):
    outcome = run_example_with_torch(SILENT[name])
    assert outcome.ok, outcome.message + outcome.full[:1000]
    assert not outcome.warnings and outcome.diverges is False, (outcome.warnings, outcome.diverges)
