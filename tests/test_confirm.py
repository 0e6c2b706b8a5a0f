"""`tslint --confirm`: findings checked against the real compiler and tracer, in child processes.

The tests that compile need torch; they are written against outcomes, not against which rules exist
(rules are added all the time): a construct the compiler rejects must end up as a *confirmed*
finding at the compiler's line, whichever rule (or TS000) reports it.
"""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import needs_torch
from tslint.cli import check_parser, options_from
from tslint.config import load_config
from tslint.confirm import confirm_findings
from tslint.confirm.locations import UserFiles, parse_locations
from tslint.confirm.overlay import Neutralizer
from tslint.confirm.units import package_root
from tslint.engine import run
from tslint.finding import Finding

PYPROJECT = "[tool.tslint]\nentry = '{entry}'\nconfirm-timeout = {timeout}\n{extra}"


def make_project(root: Path, files: dict[str, str], extra: str = "", timeout: float = 60, entry: str = "modules") -> Path:
    """A project of `files` whose modules are entry points unless `entry` says otherwise."""
    (root / "pyproject.toml").write_text(PYPROJECT.format(entry=entry, timeout=timeout, extra=extra))
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def confirm(root: Path, select: list[str] | None = None, extra: list[Finding] = ()) -> tuple[list[Finding], str, str]:
    """The static run, plus `extra` findings, then confirmation (as `tslint --confirm` does)."""
    config = load_config(root / "pyproject.toml")
    args = check_parser().parse_args(["--no-cache", "--jobs", "1"] + (["--select", ",".join(select)] if select else []))
    options = options_from(args, config)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = run(["."], config, options)
        result.findings.extend(extra)
        err = io.StringIO()
        summary = confirm_findings(result, config, err)
    finally:
        os.chdir(cwd)
    return result.findings, summary, err.getvalue()


def at(findings: list[Finding], name: str, line: int) -> list[Finding]:
    return [f for f in findings if Path(f.path).name == name and f.line <= line <= max(f.line, f.end_line)]


# -- compiling --------------------------------------------------------------------------------------
SEVERAL = """\
    import torch
    from torch import nn


    def helper(x):
        try:
            return x + 1
        except RuntimeError:
            return x


    class Net(nn.Module):
        def forward(self, x, **kwargs):
            try:
                y = helper(x)
            except RuntimeError:
                y = x
            return y


    @torch.jit.script
    def scaled(x, *args):
        return x * 2
"""


@needs_torch
def test_several_findings_in_one_module_are_each_confirmed(tmp_path):
    make_project(tmp_path, {"pkg/__init__.py": "", "pkg/models.py": SEVERAL})
    findings, summary, _ = confirm(tmp_path)
    expected = {6: "try", 13: "kwargs", 14: "try", 22: "args"}  # helper's try, forward's two, the *args
    for line in expected:
        here = [f for f in at(findings, "models.py", line) if f.code != "TS000"]
        assert here, f"no finding at line {line}: {[(f.code, f.line) for f in findings]}"
        assert all(f.confirmed is True for f in here), [(f.code, f.line, f.confirmation) for f in here]
    assert not [f for f in findings if f.code == "TS000"], summary
    assert re.match(r"Confirmation: \d+ confirmed, 0 refuted, 0 unconfirmed, 0 missed \(2 units compiled\)", summary), summary


@needs_torch
def test_an_error_no_rule_predicts_is_a_missed_finding(tmp_path):
    make_project(tmp_path, {"pkg/__init__.py": "", "pkg/models.py": """\
        import torch
        from torch import nn


        class Net(nn.Module):
            def forward(self, x, **kwargs):
                return x.numpy()
        """})
    (tmp_path / "pkg" / "quiet.py").write_text(
        "import torch\nfrom torch import nn\n\n\nclass Quiet(nn.Module):\n    def forward(self, x):\n"
        "        return x.numpy()  # noqa: TS000\n")
    # with only TS101 selected, no rule can predict `.numpy()`, whatever rules exist
    findings, summary, _ = confirm(tmp_path, select=["TS101", "TS000"])
    (kwargs,) = [f for f in findings if f.code == "TS101"]
    assert kwargs.confirmed is True
    (missed,) = [f for f in findings if f.code == "TS000"]
    assert (Path(missed.path).name, missed.line, missed.context, missed.confirmed) == ("models.py", 7, "script", True)
    assert "numpy" in missed.message and "numpy" in missed.confirmation
    assert missed.entry == "pkg.models.Net"
    assert ", 1 missed" in summary


@needs_torch
def test_a_finding_its_rule_cannot_neutralize_is_confirmed_by_the_all_neutralized_compile(tmp_path):
    make_project(tmp_path, {"pkg/__init__.py": "", "pkg/models.py": """\
        import torch
        from torch import nn


        class Net(nn.Module):
            def forward(self, x, **kwargs):
                return x.numpy()
        """})
    # a finding of a code no rule class has (so nothing can neutralize it), where the compiler fails
    stuck = Finding(os.path.join("pkg", "models.py"), 7, 15, 7, 22, "TSX01", "no rewrite", context="script",
                    entry="pkg.models.Net -> Net.forward")
    findings, summary, _ = confirm(tmp_path, select=["TS101", "TS000"], extra=[stuck])
    assert stuck.confirmed is True and "numpy" in stuck.confirmation
    assert not [f for f in findings if f.code == "TS000"]
    assert "2 confirmed, 0 refuted, 0 unconfirmed, 0 missed" in summary


@needs_torch
def test_findings_in_an_imported_helper_module_are_confirmed(tmp_path):
    make_project(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/helpers.py": """\
            def guarded(x):
                try:
                    return x + 1
                except RuntimeError:
                    return x
            """,
        "pkg/models.py": """\
            import torch
            from torch import nn

            from .helpers import guarded


            class Net(nn.Module):
                def forward(self, x):
                    try:
                        y = guarded(x)
                    except RuntimeError:
                        y = x
                    return y
            """,
    })
    findings, summary, _ = confirm(tmp_path)
    helper, = [f for f in at(findings, "helpers.py", 2) if f.code != "TS000"]
    forward, = [f for f in at(findings, "models.py", 9) if f.code != "TS000"]
    assert helper.confirmed is True and forward.confirmed is True, (helper.confirmation, forward.confirmation)
    assert ", 0 missed" in summary


@needs_torch
def test_refuted_when_the_compiler_accepts(tmp_path):
    """A finding on a line the compiler accepts is refuted (a wrong finding is made up here)."""
    make_project(tmp_path, {"pkg/__init__.py": "", "pkg/models.py": """\
        import torch
        from torch import nn


        class Net(nn.Module):
            def forward(self, x):
                y = x + 1
                return y

            def unused(self, x):
                return x * 3
        """})
    wrong = Finding(os.path.join("pkg", "models.py"), 7, 8, 7, 13, "TS102", "made up", context="script",
                    entry="pkg.models.Net -> Net.forward")
    # in a method the compiler never reads: compiling Net says nothing about it
    unreached = Finding(os.path.join("pkg", "models.py"), 11, 15, 11, 20, "TS102", "never compiled", context="script",
                        entry="pkg.models.Net -> Net.unused")
    findings, summary, _ = confirm(tmp_path, extra=[wrong, unreached])
    (made_up,) = [f for f in findings if f.message == "made up"]
    assert made_up.confirmed is False and "accepts" in made_up.confirmation
    (never,) = [f for f in findings if f.message == "never compiled"]
    assert never.confirmed is None and "never compiled this function" in never.confirmation
    assert "1 refuted, 1 unconfirmed" in summary


# -- single-defect variants of a real torch.nn module -------------------------------------------------
LINEAR_HEADER = """\
import math
from typing import Any, List

import torch
from torch import Tensor, nn
from torch.nn import functional as F, init
from torch.nn.parameter import Parameter
from torch.nn import Module
"""
RETURN = "return F.linear(input, self.weight, self.bias)"
SIGNATURE = "def forward(self, input: Tensor) -> Tensor:"
#: name -> (new forward signature or None, forward body, module-level code, extra __init__ line)
VARIANTS = {
    "kwargs": ("def forward(self, input: Tensor, **kwargs) -> Tensor:", RETURN, "", ""),
    "try_block": (None, "try:\n    out = F.linear(input, self.weight, self.bias)\nexcept RuntimeError:\n    out = input\n"
                        "return out", "", ""),
    "lambda_fn": (None, "act = lambda t: t * 2\nreturn act(F.linear(input, self.weight, self.bias))", "", ""),
    "global_const": (None, RETURN + " * SCALE", "SCALE = 2.0\n", ""),
    "numpy_call": (None, "print(input.numpy())\n" + RETURN, "", ""),
    "modulelist_index": (None, "for i in range(2):\n    input = self.layers[i](input)\n" + RETURN, "",
                         "self.layers = nn.ModuleList([nn.Identity(), nn.Identity()])"),
    "int_default": ("def forward(self, input, k=1):", RETURN, "", ""),
    "nested_def": (None, "def g(t):\n    return t\nreturn g(F.linear(input, self.weight, self.bias))", "", ""),
    "walrus": (None, "if (n := input.dim()) > 1:\n    input = input * 1\n" + RETURN, "", ""),
    "guarded_numpy": (None, "if not torch.jit.is_scripting():\n    print(input.numpy())\n" + RETURN, "", ""),
    "no_grad": (None, "with torch.no_grad():\n    out = F.linear(input, self.weight, self.bias)\nreturn out", "", ""),
    "fstring": (None, 'name = f"linear {self.in_features}"\n' + RETURN, "", ""),
    "annotated_list": (None, "sizes: List[int] = []\nsizes.append(input.dim())\n" + RETURN, "", ""),
}

DIRECT = r'''
import importlib, json, re, sys
import torch
sys.path.insert(0, sys.argv[1])
out = {}
for name in sys.argv[2:]:
    module = importlib.import_module("pkg.v_" + name)
    try:
        torch.jit.script(module.make())
        out[name] = None
    except Exception as exc:
        lines = re.findall(r'File "[^"]*v_%s\.py", line (\d+)' % name, str(exc))
        out[name] = int(lines[0]) if lines else -1
print(json.dumps(out))
'''


def variant_source(signature, body, module_code, init_line) -> str:
    import inspect

    import torch

    source = inspect.getsource(torch.nn.modules.linear.Linear)
    assert SIGNATURE in source and "        " + RETURN in source, "torch.nn.Linear changed shape"
    if signature:
        source = source.replace(SIGNATURE, signature)
    source = source.replace("        " + RETURN, textwrap.indent(body, " " * 8))
    if init_line:
        source = source.replace("        self.reset_parameters()", f"        {init_line}\n        self.reset_parameters()", 1)
    return f"{LINEAR_HEADER}\n{module_code}\n\n{source}\n\ndef make():\n    return Linear(4, 3)\n"


@needs_torch
def test_confirm_agrees_with_the_compiler_on_single_defect_variants_of_nn_linear(tmp_path):
    files = {"pkg/__init__.py": ""}
    factories = "[tool.tslint.factories]\n"
    for name, variant in VARIANTS.items():
        files[f"pkg/v_{name}.py"] = variant_source(*variant)
        factories += f'"pkg.v_{name}:Linear" = "pkg.v_{name}:make"\n'
    make_project(tmp_path, files, extra=factories)
    direct = subprocess.run([sys.executable, "-c", DIRECT, str(tmp_path), *VARIANTS], capture_output=True, text=True,
                            timeout=300)
    truth = json.loads(direct.stdout.strip().splitlines()[-1])
    assert sum(v is None for v in truth.values()) == 4, truth  # the last four variants are accepted

    findings, summary, _ = confirm(tmp_path)
    for name, line in truth.items():
        mine = [f for f in findings if Path(f.path).name == f"v_{name}.py"]
        confirmed = [f for f in mine if f.confirmed is True]
        if line is None:
            assert not confirmed, f"{name}: compiles, yet confirmed {[(f.code, f.line, f.confirmation) for f in confirmed]}"
        else:
            assert [f for f in confirmed if f.line <= line <= max(f.line, f.end_line)], (
                f"{name}: the compiler fails at line {line}; tslint has "
                f"{[(f.code, f.line, f.confirmed, f.confirmation) for f in mine]}")
    assert f"({len(VARIANTS)} units compiled)" in summary, summary


# -- user code that misbehaves --------------------------------------------------------------------------
BAD_MODULE = """\
    import torch
    from torch import nn
    {top}


    class Net(nn.Module):
        def forward(self, x, **kwargs):
            return x
"""


@needs_torch
def test_import_errors_hangs_and_exits_are_unconfirmed_and_the_run_finishes(tmp_path):
    tops = {
        "raises": 'raise RuntimeError("no GPU here")',
        "hangs": "import time\ntime.sleep(600)",
        "exits": "import os\nos._exit(3)",
        "sysexit": "import sys\nsys.exit(4)",
    }
    files = {"pkg/__init__.py": "", "pkg/fine.py": BAD_MODULE.format(top="")}
    for name, top in tops.items():
        files[f"pkg/{name}.py"] = BAD_MODULE.format(top=textwrap.indent(top, "    ").strip())
    make_project(tmp_path, files, timeout=4)
    findings, summary, _ = confirm(tmp_path)
    by_file = {Path(f.path).stem: f for f in findings if f.code != "TS000"}
    assert by_file["fine"].confirmed is True
    reasons = {name: by_file[name].confirmation for name in tops}
    assert all(by_file[name].confirmed is None for name in tops), reasons
    assert "RuntimeError: no GPU here" in reasons["raises"]
    assert "timed out after 4 s while importing pkg.hangs" in reasons["hangs"]
    assert "exited with code 3" in reasons["exits"]
    assert "sys.exit(4)" in reasons["sysexit"]
    assert "1 confirmed, 0 refuted, 4 unconfirmed" in summary and "4 not compiled" in summary


@needs_torch
def test_a_module_that_needs_arguments_uses_its_factory_or_says_so(tmp_path):
    source = """\
        import torch
        from torch import nn


        class Scaled(nn.Module):
            def __init__(self, factor: float):
                super().__init__()
                self.factor = factor

            def forward(self, x, *args):
                return x * self.factor


        def make():
            return Scaled(2.0)
        """
    make_project(tmp_path, {"pkg/__init__.py": "", "pkg/a.py": source, "pkg/b.py": source},
                 extra='[tool.tslint.factories]\n"pkg.a:Scaled" = "pkg.a:make"\n')
    findings, _, _ = confirm(tmp_path)
    by_file = {Path(f.path).stem: f for f in findings}
    assert by_file["a"].confirmed is True
    assert by_file["b"].confirmed is None
    assert "[tool.tslint.factories]" in by_file["b"].confirmation and "pkg.b:Scaled" in by_file["b"].confirmation


@needs_torch
def test_decorated_forward_maps_back_to_the_users_file(tmp_path):
    """Under `@torch.no_grad()` the compiler names torch's _contextlib.py with the user's line."""
    make_project(tmp_path, {"pkg/__init__.py": "", "pkg/models.py": """\
        import torch
        from torch import nn


        class Net(nn.Module):
            @torch.no_grad()
            def forward(self, x):
                return x.numpy()
        """})
    findings, _, _ = confirm(tmp_path, select=["TS101", "TS000"])
    (missed,) = findings
    assert (missed.code, Path(missed.path).name, missed.line) == ("TS000", "models.py", 8)


# -- traces ---------------------------------------------------------------------------------------------
TRACED = """\
    import torch
    from torch import nn


    class Gate(nn.Module):
        def forward(self, x):
            if x.sum() > 0:
                return x * 2
            return -x


    class Rows(nn.Module):
        def forward(self, x):
            out = []
            for i in range(x.shape[0]):
                out.append(x[i] * i)
            return torch.stack(out)


    class Fine(nn.Module):
        def forward(self, x):
            return x.view(x.size(0), -1) * 2


    def gate_example():
        return Gate(), (torch.ones(4, 3),)


    def rows_example():
        return Rows(), (torch.ones(4, 3),)


    def fine_example():
        return Fine(), (torch.ones(4, 3, 2),)
"""
TRACE_CONFIG = """\
trace = ["pkg.tr.Gate", "pkg.tr.Rows", "pkg.tr.Fine"]

[tool.tslint.trace-examples]
"pkg.tr:Gate" = "pkg.tr:gate_example"
"pkg.tr:Rows" = "pkg.tr:rows_example"
"pkg.tr:Fine" = "pkg.tr:fine_example"
"""


@needs_torch
def test_trace_warnings_and_divergence_confirm_trace_findings(tmp_path):
    make_project(tmp_path, {"pkg/__init__.py": "", "pkg/tr.py": TRACED}, extra=TRACE_CONFIG, entry="project")
    findings, summary, _ = confirm(tmp_path)
    # line 7 warns (tensor as a Python bool): a confirmed trace finding, from a rule or TS000
    gate = [f for f in at(findings, "tr.py", 7) if f.context == "trace" and f.confirmed is True]
    assert gate and "Converting a tensor to a Python boolean" in gate[0].confirmation
    # the loop over x.shape[0] warns nothing but does not generalize: whatever flags it is confirmed
    rows = [f for f in findings if f.context == "trace" and 13 <= f.line <= 17]
    assert rows and all(f.confirmed is True for f in rows), [(f.code, f.line, f.confirmation) for f in rows]
    assert any("does not generalize" in f.confirmation for f in rows)
    assert not [f for f in findings if 21 <= f.line <= 22], "Fine generalizes and must not be flagged"
    assert "(3 units compiled)" in summary


# -- the command ------------------------------------------------------------------------------------------
@needs_torch
def test_the_command_marks_findings_and_prints_the_summary(tmp_path):
    make_project(tmp_path, {"pkg/__init__.py": "", "pkg/models.py": SEVERAL})
    text = subprocess.run([sys.executable, "-m", "tslint", "--confirm", "--no-cache", "."], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert text.returncode == 1, text.stderr
    assert "[confirmed]" in text.stdout and "= compiler: try blocks aren't supported" in text.stdout
    assert re.search(r"^Confirmation: \d+ confirmed, 0 refuted, 0 unconfirmed, 0 missed \(2 units compiled\)$",
                     text.stdout, re.MULTILINE), text.stdout
    data = subprocess.run([sys.executable, "-m", "tslint", "--confirm", "--no-cache", "--format", "json", "."],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    rows = json.loads(data.stdout)
    assert rows and all(row["confirmed"] is True and row["confirmation"] for row in rows)


@needs_torch
def test_real_ir_prints_graph_and_code(tmp_path):
    from tslint.confirm.ir_real import RealIRError, real_ir

    make_project(tmp_path, {"pkg/__init__.py": "", "pkg/models.py": """\
        import torch
        from torch import nn


        class Net(nn.Module):
            def forward(self, x):
                return x * 2


        def broken(x, **kw):
            return x
        """})
    config = load_config(tmp_path / "pyproject.toml")
    out = real_ir(str(tmp_path / "pkg" / "models.py"), "Net.forward", config)
    assert "# pkg.models.Net.forward" in out and "aten::mul" in out and "return torch.mul(x, 2)" in out
    with pytest.raises(RealIRError, match="variable number of arguments"):
        real_ir(str(tmp_path / "pkg" / "models.py"), "broken", config)


# -- the parts that need no torch -----------------------------------------------------------------------
NESTED_ERROR = '''
python value of type 'float' cannot be used as a value.:
  File "/proj/pkg/m.py", line 8
def helper(x):
    return x + EPS
               ~~~ <--- HERE
'helper' is being compiled since it was called from 'Net.forward'
  File "/proj/pkg/m.py", line 15
    def forward(self, x):
        return helper(x)
               ~~~~~~~~ <--- HERE
'''


def test_locations_are_innermost_first_with_columns():
    locs = parse_locations(NESTED_ERROR)
    assert [(loc.path, loc.line) for loc in locs] == [("/proj/pkg/m.py", 8), ("/proj/pkg/m.py", 15)]
    assert (locs[0].highlighted.strip(), locs[0].col, locs[0].end_col) == ("return x + EPS", 15, 18)
    assert locs[1].highlighted.strip() == "return helper(x)"


def test_a_decorators_file_is_mapped_back_by_the_quoted_source(tmp_path):
    user = tmp_path / "models.py"
    user.write_text("import torch\n\n\nclass Net:\n    @torch.no_grad()\n    def forward(self, x):\n"
                    "        try:\n            y = x\n")
    other = tmp_path / "other.py"
    other.write_text("\n" * 6 + "        try:\n")  # same text at the same line, other context
    text = ('try blocks aren\'t supported:\n  File "/site-packages/torch/utils/_contextlib.py", line 7\n'
            "    @torch.no_grad()\n    def forward(self, x):\n        try:\n        ~~~ <--- HERE\n            y = x\n")
    files = UserFiles([str(user), str(other)])
    loc = files.innermost(text)
    assert loc is not None and (loc.path, loc.line, loc.col) == (str(user), 7, 8)
    assert files.innermost(text.replace("line 7", "line 3")) is None  # no file has it there: no guess
    # the decorator's file may itself be a project file (kornia's wrappers are): the text still decides
    wrapper = tmp_path / "wrappers.py"
    wrapper.write_text("def deco(fn):\n    return fn\n" + "\n" * 10)
    named = text.replace("/site-packages/torch/utils/_contextlib.py", str(wrapper))
    loc = UserFiles([str(user), str(other), str(wrapper)]).innermost(named)
    assert loc is not None and (loc.path, loc.line) == (str(user), 7)


def test_neutralizing_keeps_lines_and_skips_the_kept_finding(tmp_path):
    path = tmp_path / "m.py"
    path.write_text(textwrap.dedent(SEVERAL))

    def finding(line, col, code):
        return Finding(str(path), line, col, line, col + 3, code, "", context="script")
    try_helper, kwargs, try_forward = finding(6, 4, "TS102"), finding(13, 25, "TS101"), finding(14, 8, "TS102")
    neutral = Neutralizer([try_helper, kwargs, try_forward])
    everything = neutral.all_neutralized()[os.path.realpath(path)]
    assert everything.count("\n") == path.read_text().count("\n")
    assert "try:" not in everything and "**kwargs" not in everything
    but_one = neutral.all_but(try_forward)[os.path.realpath(path)]
    assert but_one.splitlines()[13].strip() == "try:" and "**kwargs" not in but_one
    assert neutral.others(try_forward) == 2


def test_package_root_is_the_folder_above_the_top_package(tmp_path):
    (tmp_path / "src" / "pkg" / "sub").mkdir(parents=True)
    module = tmp_path / "src" / "pkg" / "sub" / "m.py"
    assert package_root(str(module), "pkg.sub.m", False) == str((tmp_path / "src").resolve())
    assert package_root(str(module.parent / "__init__.py"), "pkg.sub", True) == str((tmp_path / "src").resolve())
    assert package_root(str(tmp_path / "script.py"), "script", False) == str(tmp_path.resolve())
