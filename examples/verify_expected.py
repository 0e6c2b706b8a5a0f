"""Check EXPECTED.md against the real compiler: every planted problem, and every accepted construct.

    python examples/verify_expected.py            # prints a table, exits 1 on any disagreement
    python examples/verify_expected.py -v         # also prints what each run observed

How each row is checked (torch stops at the first error, so problems are checked one at a time):

- planted problem: copy its project to a temporary folder, repair every *other* planted problem of
  that project there (each repair keeps the line count, so line numbers do not move), then run the
  problem's scenario in a fresh interpreter. A script problem must raise the expected exception,
  whose first line must match, at the expected file:line. A trace problem must emit the expected
  TracerWarning at the expected file:line; a silent one must emit none there and the trace must
  give a different result from eager on an input of another size.
- shipped: each scenario run on the files as they are must fail at (script) or warn at (trace)
  only planted lines.
- clean: with every planted problem repaired, every script scenario compiles and every trace
  scenario emits no TracerWarning. An accepted construct also has to be *live*: its line must appear
  in the source ranges of the compiled / traced graph (or, for code the compiler cuts, such as an
  `is_scripting()`-guarded body, must not appear while its function does).
- EXPECTED.md must list every planted problem's file:line and expected first line.

Needs only torch. Each run is a child process, because a failed compile leaves half-defined
classes behind in torch's compilation unit.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))

# --------------------------------------------------------------------------------------------
# Scenarios: what export.py does, expressed through the factories named in pyproject.toml.
# --------------------------------------------------------------------------------------------


@dataclass
class Scenario:
    project: str  # folder under examples/
    mode: str  # "script" | "trace"
    factory: str  # "module:function"; script: returns a module, trace: (fn, inputs)
    call_site: str  # where export.py does it
    other_inputs: str = ""  # python expression (torch imported) for the generalization check
    zero_arg: str = ""  # "module:Class" built with no arguments instead of a factory
    reaches: Tuple[str, ...] = ()  # planted problems reached besides those whose scenario this is


SCENARIOS: Dict[str, Scenario] = {
    # seed: export.py
    "seed.script.MyCell": Scenario("seed", "script", "seed_models.factories:make_cell",
                                   "export.py:35 torch.jit.script(cell)"),
    "seed.script.MyRNNLoop": Scenario("seed", "script", "", "export.py:40 torch.jit.script(MyRNNLoop())",
                                      zero_arg="seed_models.loops:MyRNNLoop"),
    "seed.script.Detector": Scenario("seed", "script", "seed_models.factories:make_detector",
                                     "export.py:69 torch.jit.script(model)"),
    "seed.trace.MyCell": Scenario("seed", "trace", "seed_models.factories:cell_example",
                                  "export.py:30 torch.jit.trace(cell, (x, h))"),
    "seed.trace.WrapRNN": Scenario("seed", "trace", "seed_models.factories:wrap_rnn_example",
                                   "export.py:49 torch.jit.trace(WrapRNN(), ...)",
                                   other_inputs="(torch.rand(7, 3, 4),)"),
    "seed.trace.f1": Scenario("seed", "trace", "seed_models.factories:f1_example",
                              "export.py:62 torch.jit.trace(f1, a)", other_inputs="(torch.rand(2),)"),
    "seed.trace.f2": Scenario("seed", "trace", "seed_models.factories:f2_example",
                              "export.py:63 torch.jit.trace(f2, a)", other_inputs="(torch.rand(2),)"),
    "seed.trace.GatedCell": Scenario("seed", "trace", "seed_models.factories:gated_cell_example",
                                     "export.py:78 torch.jit.trace(model, (x, h))",
                                     other_inputs="(-torch.ones(5, 4), torch.zeros(5, 4))"),
    # seed: `entry = "modules"` (its pyproject.toml) also scripts every other nn.Module
    "seed.script.MyDecisionGate": Scenario("seed", "script", "", "entry=modules: MyDecisionGate()",
                                           zero_arg="seed_models.cells:MyDecisionGate"),
    "seed.script.WrapRNN": Scenario("seed", "script", "", "entry=modules: WrapRNN()",
                                    zero_arg="seed_models.loops:WrapRNN"),
    "seed.script.GatedCell": Scenario("seed", "script", "", "entry=modules: GatedCell()",
                                      zero_arg="seed_models.gated:GatedCell"),
    # realistic: export.py
    "real.script.Backbone": Scenario("realistic", "script", "tinyseg.factories:make_backbone",
                                     "export.py:31 torch.jit.script(model.backbone)"),
    "real.script.SegHead": Scenario("realistic", "script", "tinyseg.factories:make_head",
                                    "export.py:33 torch.jit.script(model.head)"),
    "real.script.Postprocessor": Scenario("realistic", "script", "tinyseg.factories:make_postprocessor",
                                          "export.py:34 torch.jit.script(Postprocessor(...))"),
    "real.trace.TinySeg": Scenario("realistic", "trace", "tinyseg.factories:model_example",
                                   "export.py:38 torch.jit.trace(model, (example,))",
                                   other_inputs="(torch.rand(2, 3, 96, 64) * 255,)"),
    "real.trace.masks_to_boxes": Scenario(
        "realistic", "trace", "tinyseg.factories:boxes_example",
        "export.py:44 torch.jit.trace(masks_to_boxes, (masks,))",
        other_inputs="(torch.stack([torch.arange(32 * 32).view(32, 32) % k < 3 for k in (5, 7, 11)]),)"),
    # realistic: `entry = "modules"` (its pyproject.toml) also scripts every other nn.Module
    "real.script.ConvBNAct": Scenario("realistic", "script", "tinyseg.factories:make_conv_bn_act",
                                      "entry=modules: ConvBNAct"),
    "real.script.ResidualBlock": Scenario("realistic", "script", "tinyseg.factories:make_residual_block",
                                          "entry=modules: ResidualBlock"),
    "real.script.TinySeg": Scenario("realistic", "script", "tinyseg.factories:make_model",
                                    "entry=modules: TinySeg", reaches=("R1", "R2", "R3", "R4")),
}

# --------------------------------------------------------------------------------------------
# Planted problems. `fix` repairs the problem with the same number of lines (old, new).
# --------------------------------------------------------------------------------------------

TRACER_BOOL = ("Converting a tensor to a Python boolean might cause the trace to be incorrect. We can't "
               "record the data flow of Python values, so this value will be treated as a constant in the "
               "future. This means that the trace might not generalize to other inputs!")
TRACER_NUMBER = TRACER_BOOL.replace("Python boolean", "Python number")
TRACER_LEN = ("Using len to get tensor shape might cause the trace to be incorrect. Recommended usage would "
              "be tensor.shape[0]. Passing a tensor of different shape might lead to errors or silently give "
              "incorrect results.")
SILENT = "(no TracerWarning) trace does not generalize"


@dataclass
class Problem:
    id: str
    path: str  # relative to the project folder
    line: int
    snippet: str  # text that must be on that line
    construct: str
    scenario: str
    expected: str  # "ExceptionType: first line", "TracerWarning: text", or SILENT
    fix: Optional[Tuple[str, str]] = None

    @property
    def project(self) -> str:
        return SCENARIOS[self.scenario].project

    @property
    def mode(self) -> str:
        return SCENARIOS[self.scenario].mode


PROBLEMS: List[Problem] = [
    # ---- seed -------------------------------------------------------------------------------
    Problem("S1", "seed_models/detector.py", 11, "kpts = self.predict_keypoint(img, box)",
            "unannotated `box` (inferred Tensor) receives the None that `predict_boxes` returns",
            "seed.script.Detector",
            "RuntimeError: predict_keypoint(__torch__.seed_models.detector.Detector self, Tensor img, "
            "Tensor box) -> NoneType:",
            ("    def predict_keypoint(self, img, box):\n",
             "    def predict_keypoint(self, img, box: torch.Tensor | None):\n")),
    Problem("S2", "seed_models/cells.py", 7, "if x.sum() > 0:",
            "data-dependent `if` on a tensor in MyDecisionGate, traced through MyCell(MyDecisionGate())",
            "seed.trace.MyCell", "TracerWarning: " + TRACER_BOOL,
            ("        if x.sum() > 0:\n            return x\n",
             "        if True:\n            return torch.where(x.sum() > 0, x, -x)\n")),
    Problem("S3", "seed_models/shapes.py", 10, "return torch.arange(len(x))",
            "`len(x)` of a traced tensor (f2)", "seed.trace.f2", "TracerWarning: " + TRACER_LEN,
            ("torch.arange(len(x))", "torch.arange(x.shape[0])")),
    # ---- realistic: script ---------------------------------------------------------------------
    Problem("R1", "tinyseg/backbone.py", 54, "x = self.stages[i](x)",
            "ModuleList indexed by a loop variable (`self.stages[i]`)", "real.script.Backbone",
            "RuntimeError: Expected integer literal for index but got a variable or non-integer. "
            "ModuleList/Sequential indexing is only supported with integer literals. For example, "
            "'i = 4; self.layers[i](x)' will fail because i is not a literal. Enumeration is supported, "
            "e.g. 'for index, v in enumerate(self): out = v(inp)':",
            ("        for i in range(len(self.stages)):\n            x = self.stages[i](x)\n",
             "        for i, stage in enumerate(self.stages):\n            x = stage(x)\n")),
    Problem("R2", "tinyseg/head.py", 31, "**kwargs",
            "`**kwargs` in `forward`", "real.script.SegHead",
            "NotSupportedError: Compiled functions can't take variable number of arguments or use "
            "keyword-only arguments with defaults:",
            (", **kwargs) -> Tensor:", ") -> Tensor:")),
    Problem("R3", "tinyseg/utils.py", 18, "try:",
            "try/except in `resize_like`, called from SegHead.forward (head.py:45)", "real.script.SegHead",
            "UnsupportedNodeError: try blocks aren't supported:",
            ("    try:\n        return F.interpolate(x, size=ref.shape[-2:], mode=\"bilinear\", align_corners=False)\n"
             "    except RuntimeError:\n",
             "    if True:\n        return F.interpolate(x, size=ref.shape[-2:], mode=\"bilinear\", align_corners=False)\n"
             "    else:\n")),
    Problem("R4", "tinyseg/head.py", 48, "logits = logits + self.class_bias",
            "`Optional[Tensor]` attribute used after `if self.class_bias is not None` (no local copy, "
            "so no refinement)", "real.script.SegHead",
            "RuntimeError: Arguments for call are not valid.",
            ("        if self.class_bias is not None:\n            logits = logits + self.class_bias\n",
             "        class_bias = self.class_bias\n"
             "        logits = logits + class_bias if class_bias is not None else logits\n")),
    Problem("R5", "tinyseg/postprocess.py", 11, "min_area=16",
            "unannotated parameter with an int default (`min_area=16`), helper called from "
            "Postprocessor.forward (postprocess.py:39)", "real.script.Postprocessor",
            "RuntimeError: Expected a default value of type Tensor (inferred) on parameter \"min_area\"."
            "Because \"min_area\" was not annotated with an explicit type it is assumed to be type 'Tensor'.:",
            ("min_area=16)", "min_area: int = 16)")),
    Problem("R6", "tinyseg/postprocess.py", 40, "IGNORE_INDEX",
            "module-level constant `IGNORE_INDEX` read by bare name", "real.script.Postprocessor",
            "RuntimeError: python value of type 'int' cannot be used as a value. Perhaps it is a closed "
            "over global variable? If so, please consider passing it in as an argument or use a local "
            "variable instead.:",
            ("masked_fill(~keep, IGNORE_INDEX)", "masked_fill(~keep, 255)")),
    Problem("R7", "tinyseg/postprocess.py", 42, ".numpy()",
            "`Tensor.numpy()` (not in TorchScript)", "real.script.Postprocessor",
            "RuntimeError: 'Tensor' object has no attribute or method 'numpy'.:",
            ("counts.cpu().numpy())", "counts.cpu())")),
    # ---- realistic: trace ----------------------------------------------------------------------
    Problem("T1", "tinyseg/model.py", 21, "if images.max().item() > 1.0:",
            "`.item()` in a Python `if` (input range check)", "real.trace.TinySeg",
            "TracerWarning: " + TRACER_NUMBER,
            ("        if images.max().item() > 1.0:\n            images = images / 255.0\n",
             "        if True:\n            images = torch.where(images.max() > 1.0, images / 255.0, images)\n")),
    Problem("T2", "tinyseg/postprocess.py", 52, "n = len(masks)",
            "`len(masks)` of a traced tensor", "real.trace.masks_to_boxes", "TracerWarning: " + TRACER_LEN,
            ("n = len(masks)", "n = masks.shape[0]")),
    Problem("T3", "tinyseg/postprocess.py", 54, "for i in range(masks.shape[0]):",
            "Python loop over `range(masks.shape[0])`: unrolled to the example's N", "real.trace.masks_to_boxes",
            SILENT),
]

# --------------------------------------------------------------------------------------------
# Accepted constructs: they look suspicious, the compiler accepts them, tslint must stay silent.
# Script items are checked with every planted *script* problem repaired (trace problems stay, which
# also shows they do not bother the script compiler); trace items on the files as shipped.
# live: "compiled" (line is in the graph), "cut" (line is not in the graph: the compiler skips it),
# "any" (Python-level code a trace never records, e.g. the call that returns a dict)
# --------------------------------------------------------------------------------------------


@dataclass
class Accepted:
    path: str
    line: int
    snippet: str
    construct: str
    scenario: str
    live: str = "compiled"

    @property
    def project(self) -> str:
        return SCENARIOS[self.scenario].project


ACCEPTED: List[Accepted] = [
    # seed
    Accepted("seed_models/cells.py", 23, "new_h = torch.tanh(self.dg(self.linear(x)) + h)",
             "`self.dg = dg` (None by default) refined by `if self.dg is None` (static: attribute is never Optional)",
             "seed.script.MyCell"),
    Accepted("seed_models/loops.py", 19, "y, h = self.cell(xs[i], h)",
             "a traced module (`self.cell`, built in `__init__`) called from a scripted loop",
             "seed.script.MyRNNLoop"),
    Accepted("seed_models/loops.py", 18, "for i in range(xs.size(0)):",
             "`range(xs.size(0))` reached from the traced WrapRNN: MyRNNLoop is already scripted "
             "(`self.loop = torch.jit.script(...)`), so the loop is kept, not unrolled", "seed.trace.WrapRNN"),
    Accepted("seed_models/shapes.py", 6, "return torch.arange(x.shape[0])",
             "`x.shape[0]` flowing into a torch op under trace (f1 generalizes)", "seed.trace.f1"),
    Accepted("seed_models/gated.py", 22, "new_h = torch.tanh(decision_gate(self.linear(x)) + h)",
             "`if x.sum() > 0` inside `@torch.jit.script_if_tracing` (gated.py:10): scripted, no TracerWarning",
             "seed.trace.GatedCell"),
    # realistic
    Accepted("tinyseg/backbone.py", 55, "if i in self.out_indices:",
             "`in` on a `List[int]` attribute", "real.script.Backbone"),
    Accepted("tinyseg/backbone.py", 57, 'return {f"res{i + 2}": f for i, f in enumerate(feats)}',
             "dict comprehension with f-string keys", "real.script.Backbone"),
    Accepted("tinyseg/head.py", 32, "if isinstance(feats, Tensor):",
             "`Union[Tensor, List[Tensor]]` parameter refined with `isinstance`", "real.script.SegHead"),
    Accepted("tinyseg/head.py", 36, "self._check_inputs(feat_list)",
             "call to a `@torch.jit.ignore` helper whose body is Python-only (head.py:25-29)",
             "real.script.SegHead"),
    Accepted("tinyseg/head.py", 38, "logger.debug(",
             "Python-only logging under `if not torch.jit.is_scripting():`", "real.script.SegHead", live="cut"),
    Accepted("tinyseg/head.py", 41, "for i, lateral in enumerate(self.lateral):",
             "`enumerate` over a ModuleList (the supported form)", "real.script.SegHead"),
    Accepted("tinyseg/head.py", 44, "for lat in laterals[1:]:",
             "slicing a `List[Tensor]` (not a ModuleList)", "real.script.SegHead"),
    Accepted("tinyseg/postprocess.py", 34, 'raise ValueError(f"expected {self.num_classes} classes',
             "f-string without conversion or format spec", "real.script.Postprocessor"),
    Accepted("tinyseg/postprocess.py", 36, "probs = logits.softmax(dim=1)",
             "`with torch.no_grad():` (postprocess.py:35)", "real.script.Postprocessor"),
    Accepted("tinyseg/postprocess.py", 43, "self.log_stats(counts)",
             "call to a `@torch.jit.ignore` method that imports json (postprocess.py:26-30)",
             "real.script.Postprocessor"),
    Accepted("tinyseg/postprocess.py", 44, 'outputs = {f"count_{c}": counts[c] for c in range(self.num_classes)}',
             "dict comprehension", "real.script.Postprocessor"),
    Accepted("tinyseg/model.py", 24, "feats = list(self.backbone(images).values())",
             "a dict returned *inside* the traced model (only outputs must not be dicts)", "real.trace.TinySeg",
             live="any"),
    Accepted("tinyseg/backbone.py", 53, "for i in range(len(self.stages)):",
             "`range(len(self.stages))` in traced code: length of a ModuleList, a true constant "
             "(the script problem R1 is on the next line)", "real.trace.TinySeg", live="any"),
    Accepted("tinyseg/head.py", 28, "if len(feats) != len(self.lateral):",
             "`len()` of a Python list inside the `@torch.jit.ignore` helper, run by the trace",
             "real.trace.TinySeg", live="any"),
    Accepted("tinyseg/head.py", 38, "logger.debug(",
             "`not torch.jit.is_scripting()` branch: runs (as plain Python) under trace", "real.trace.TinySeg",
             live="any"),
    Accepted("tinyseg/model.py", 26, "size=images.shape[-2:]",
             "`images.shape[-2:]` flowing into F.interpolate under trace (generalizes)", "real.trace.TinySeg"),
]

# --------------------------------------------------------------------------------------------
# Child process: run one scenario on one copy of a project, print JSON.
# --------------------------------------------------------------------------------------------

CHILD = r'''
import importlib, json, re, sys, warnings
root, mode, factory, zero_arg, other = sys.argv[1:6]
sys.path.insert(0, root)
warnings.filterwarnings("ignore", category=UserWarning, message="Failed to initialize NumPy")
warnings.filterwarnings("ignore", category=DeprecationWarning)
import torch
from torch.jit import TracerWarning

def load(spec):
    mod, _, name = spec.partition(":")
    return getattr(importlib.import_module(mod), name)

def rel(path):
    path = str(path)
    return path[len(root) + 1:] if path.startswith(root + "/") else path

def graph_lines(graph_text):
    out = set()
    for path, line in re.findall(r"# (\S+\.py):(\d+):\d+", graph_text):
        out.add("%s:%s" % (rel(path), line))
    return sorted(out)

def same(a, b):
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.shape == b.shape and torch.allclose(a.float(), b.float(), atol=1e-5)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b

res = {}
if mode == "script":
    obj = load(zero_arg)() if zero_arg else load(factory)()
    try:
        m = torch.jit.script(obj)
    except Exception as exc:
        text = str(exc)
        lines = [l for l in text.splitlines() if l.strip()]
        loc = re.search(r'File "([^"]+)", line (\d+)', text)
        res = {"ok": False, "type": type(exc).__name__, "first": lines[0] if lines else "",
               "loc": "%s:%s" % (rel(loc.group(1)), loc.group(2)) if loc else ""}
    else:
        texts = [str(m.inlined_graph)]
        res = {"ok": True, "lines": graph_lines("\n".join(texts))}
else:
    fn, inputs = load(factory)()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # what torch.jit does for users: TracerWarnings raised inside torch itself are hidden
        warnings.filterwarnings("ignore", category=TracerWarning, module="torch.(?!jit)")
        traced = torch.jit.trace(fn, inputs)
    warns = ["%s:%d|%s" % (rel(w.filename), w.lineno, str(w.message).splitlines()[0])
             for w in caught if issubclass(w.category, TracerWarning)]
    res = {"ok": True, "warnings": warns, "lines": graph_lines(str(traced.inlined_graph))}
    if other:
        args = eval(other, {"torch": torch})
        with torch.no_grad():
            eager = fn(*args)
            try:
                got = traced(*args)
                res["generalizes"] = bool(same(eager, got))
            except Exception as exc:
                res["generalizes"] = False
                res["rerun_error"] = type(exc).__name__ + ": " + str(exc).splitlines()[0]
print("@@RESULT@@" + json.dumps(res))
'''


def run_child(root: str, sc: Scenario) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, root, sc.mode, sc.factory, sc.zero_arg, sc.other_inputs],
        capture_output=True, text=True, timeout=600, cwd=root,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("@@RESULT@@"):
            return json.loads(line[len("@@RESULT@@"):])
    return {"ok": False, "type": "ChildCrashed", "first": (proc.stderr.strip().splitlines() or ["?"])[-1],
            "loc": ""}


def make_copy(project: str, fixes: List[Problem]) -> str:
    tmp = tempfile.mkdtemp(prefix="tslint-verify-")
    root = os.path.join(tmp, project)
    shutil.copytree(os.path.join(HERE, project), root,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "exported"))
    for p in fixes:
        if p.fix is None:
            continue
        old, new = p.fix
        if old.count("\n") != new.count("\n"):
            raise SystemExit(f"{p.id}: fix changes the line count")
        path = os.path.join(root, p.path)
        with open(path) as fh:
            text = fh.read()
        if text.count(old) != 1:
            raise SystemExit(f"{p.id}: fix text found {text.count(old)} times in {p.path}")
        with open(path, "w") as fh:
            fh.write(text.replace(old, new))
    return root


def norm(text: str) -> str:
    text = re.sub(r"___torch_mangle_\d+\.", "", text)
    return re.sub(r"0x[0-9a-fA-F]+", "0x…", text).strip()


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------


@dataclass
class Row:
    what: str
    where: str
    mode: str
    expected: str
    observed: str
    ok: bool
    detail: Dict = field(default_factory=dict)


def line_text(project: str, path: str, line: int) -> str:
    with open(os.path.join(HERE, project, path)) as fh:
        lines = fh.read().splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else ""


def check_problem(p: Problem) -> Row:
    where = f"{p.project}/{p.path}:{p.line}"
    if p.snippet not in line_text(p.project, p.path, p.line):
        return Row(p.id, where, p.mode, p.expected, f"snippet {p.snippet!r} not on that line", False)
    others = [q for q in PROBLEMS if q.project == p.project and q is not p]
    root = make_copy(p.project, others)
    try:
        res = run_child(root, SCENARIOS[p.scenario])
    finally:
        shutil.rmtree(os.path.dirname(root), ignore_errors=True)
    loc = f"{p.path}:{p.line}"
    if p.mode == "script":
        if res.get("ok"):
            return Row(p.id, where, "script", p.expected, "compiled without error", False, res)
        observed = f"{res['type']}: {res['first']}"
        ok = norm(observed) == norm(p.expected) and res["loc"] == loc
        return Row(p.id, where, "script", p.expected, observed + ("" if res["loc"] == loc else f" @ {res['loc']}"),
                   ok, res)
    warns = res.get("warnings", [])
    if not res.get("ok"):
        return Row(p.id, where, "trace", p.expected, f"{res.get('type')}: {res.get('first')}", False, res)
    at_line = [w.split("|", 1)[1] for w in warns if w.split("|", 1)[0] == loc]
    if p.expected == SILENT:
        gen = res.get("generalizes")
        ok = not at_line and gen is False
        observed = SILENT if ok else f"warnings here: {at_line}, generalizes={gen}"
        return Row(p.id, where, "trace", p.expected, observed, ok, res)
    want = p.expected.split(": ", 1)[1]
    ok = want in at_line
    observed = ("TracerWarning: " + at_line[0]) if at_line else f"no TracerWarning here (got {warns})"
    return Row(p.id, where, "trace", p.expected, observed, ok, res)


def reached(name: str) -> List[Problem]:
    sc = SCENARIOS[name]
    return [p for p in PROBLEMS if p.scenario == name or p.id in sc.reaches]


def accepted_rows(name: str, res: dict, compiled_ok: bool) -> List[Row]:
    rows = []
    sc = SCENARIOS[name]
    for a in ACCEPTED:
        if a.scenario != name:
            continue
        where = f"{sc.project}/{a.path}:{a.line}"
        if a.snippet not in line_text(sc.project, a.path, a.line):
            rows.append(Row("accepted", where, sc.mode, "no finding", f"snippet {a.snippet!r} not on that line",
                            False))
            continue
        loc = f"{a.path}:{a.line}"
        live = loc in res.get("lines", [])
        warned = [w for w in res.get("warnings", []) if w.split("|", 1)[0] == loc]
        good = compiled_ok and not warned and {"compiled": live, "cut": not live, "any": True}[a.live]
        state = "" if a.live == "any" else (", in graph" if live else ", not in graph")
        verdict = ("accepted" if compiled_ok else "REJECTED") + (", TracerWarning!" if warned else "") + state
        rows.append(Row("accepted", where, sc.mode, f"no finding ({a.live})", verdict, good, res))
    return rows


def run_all(project: str, fixes: List[Problem], names: List[str]) -> Dict[str, dict]:
    root = make_copy(project, fixes)
    try:
        return {name: run_child(root, SCENARIOS[name]) for name in names}
    finally:
        shutil.rmtree(os.path.dirname(root), ignore_errors=True)


def check_runs() -> List[Row]:
    """shipped: every scenario on the files as they are (and the trace-side accepted items);
    clean: script scenarios with the script problems repaired (and the script-side accepted items),
    trace scenarios with every problem repaired."""
    shipped_rows, clean_rows = [], []
    for project in sorted({sc.project for sc in SCENARIOS.values()}):
        names = [n for n, sc in SCENARIOS.items() if sc.project == project]
        script_names = [n for n in names if SCENARIOS[n].mode == "script"]
        trace_names = [n for n in names if SCENARIOS[n].mode == "trace"]
        mine = [p for p in PROBLEMS if p.project == project]
        shipped = run_all(project, [], names)
        script_clean = run_all(project, [p for p in mine if p.mode == "script"], script_names)
        all_clean = run_all(project, mine, trace_names)
        for name in names:
            sc, res = SCENARIOS[name], shipped[name]
            hits = reached(name)
            if sc.mode == "script":
                lines = {f"{p.path}:{p.line}" for p in hits}
                ok = (not res.get("ok") and res.get("loc") in lines) if hits else bool(res.get("ok"))
                observed = "compiles" if res.get("ok") else f"{res.get('type')} @ {res.get('loc')}"
                expected = ("fails at one of " + ", ".join(sorted(lines))) if hits else "compiles"
            else:
                got = {w.split("|", 1)[0] for w in res.get("warnings", [])}
                want = {f"{p.path}:{p.line}" for p in hits if p.expected != SILENT}
                ok = bool(res.get("ok")) and got == want
                observed = ", ".join(sorted(got)) or "no TracerWarning"
                expected = ", ".join(sorted(want)) or "no TracerWarning"
                if sc.other_inputs:
                    gen_want = not any(p.expected in (SILENT,) or p.mode == "trace" for p in hits)
                    observed += f"; generalizes={res.get('generalizes')}"
                    ok = ok and res.get("generalizes") == gen_want
                    expected += f"; generalizes={gen_want}"
            shipped_rows.append(Row("shipped", f"{project}: {sc.call_site}", sc.mode, expected, observed, ok, res))
            if sc.mode == "trace":
                shipped_rows += accepted_rows(name, res, bool(res.get("ok")))
        for name in script_names:
            sc, res = SCENARIOS[name], script_clean[name]
            ok = bool(res.get("ok"))
            observed = "compiles" if ok else f"{res.get('type')}: {res.get('first')} @ {res.get('loc')}"
            clean_rows.append(Row("clean", f"{project}: {sc.call_site}", "script",
                                  "compiles (script problems repaired)", observed, ok, res))
            clean_rows += accepted_rows(name, res, ok)
        for name in trace_names:
            sc, res = SCENARIOS[name], all_clean[name]
            silent_left = [p for p in reached(name) if p.fix is None]
            warns = res.get("warnings", [])
            gen = res.get("generalizes")
            want_gen = None if not sc.other_inputs else not silent_left
            ok = bool(res.get("ok")) and not warns and gen == want_gen
            clean_rows.append(Row("clean", f"{project}: {sc.call_site}", "trace",
                                  f"no TracerWarning; generalizes={want_gen} (all problems repaired)",
                                  f"warnings={warns or 'none'}; generalizes={gen}", ok, res))
    return shipped_rows + clean_rows


def check_expected_md() -> List[Row]:
    path = os.path.join(HERE, "EXPECTED.md")
    text = open(path).read() if os.path.exists(path) else ""
    rows = []
    for p in PROBLEMS:
        ref = f"{p.path}:{p.line}"
        first = p.expected.split(": ", 1)[1] if p.expected != SILENT else "no TracerWarning"
        ok = ref in text and first.replace("|", "\\|") in text
        rows.append(Row("EXPECTED.md", f"{p.project}/{ref}", p.mode, "listed with its message",
                        "listed" if ok else "missing or different", ok))
    for a in ACCEPTED:
        ref = f"{a.path}:{a.line}"
        rows.append(Row("EXPECTED.md", f"{a.project}/{ref}", "-", "listed as accepted",
                        "listed" if ref in text else "missing", ref in text))
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--only", default="", help="comma-separated problem ids (skips the other checks)")
    args = ap.parse_args(argv)

    rows: List[Row] = []
    only = [s for s in args.only.split(",") if s]
    for p in PROBLEMS:
        if not only or p.id in only:
            rows.append(check_problem(p))
    if not only:
        rows += check_runs() + check_expected_md()

    def cut(s: str, n: int) -> str:
        return s if len(s) <= n else s[: n - 1] + "…"

    print(f"{'':2} {'check':11} {'where':58} {'mode':6} observed")
    for r in rows:
        print(f"{'ok' if r.ok else 'XX':2} {r.what:11} {cut(r.where, 58):58} {r.mode:6} {cut(r.observed, 110)}")
        if not r.ok or args.verbose:
            print(f"{'':21} expected: {r.expected}")
            if args.verbose and r.detail:
                print(f"{'':21} detail:   {json.dumps(r.detail)[:600]}")
    bad = [r for r in rows if not r.ok]
    print(f"\n{len(rows) - len(bad)}/{len(rows)} checks agree" + (f"; {len(bad)} disagree" if bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
