"""Python 2 style type comments, as `torch.jit.annotations.get_type_line` reads them: the forms the
compiler accepts give the IR the compiler's types and no finding; the ones it rejects are TS145.
Every case is checked against the real compiler."""
from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import needs_torch
from harness import check_compiles, check_flagged, check_rejected, check_silent
from tslint.compiler.ir_cli import main
from tslint.compiler.type_comments import type_line

HEAD = "import torch\nfrom torch import Tensor, nn\nfrom typing import Dict, List, Optional, Tuple\n\n\n"

PER_PARAMETER = HEAD + '''\
@torch.jit.script
def per_param(x,  # type: Tensor
              sizes,  # type: List[int]
              scale,  # type: float
              ):
    # type: (...) -> List[int]
    out = torch.jit.annotate(List[int], [])
    n = 1  # type: int  (after the signature line: not read)
    for s in sizes:
        out.append(int(s * scale))
    return out


@torch.jit.script
def whole(x, n):
    # type: (Tensor, int) -> Tuple[Tensor, int]
    return x * n, n


class Net(nn.Module):
    def forward(self,
                x,  # type: Tensor
                k,  # type: Optional[int]
                ):
        # type: (...) -> Tensor
        if k is None:
            return x
        return x * k


net = torch.jit.script(Net())
'''

# name -> (source, the compiler's message)
FLAGGED = {
    "on_the_def_line": (HEAD + "@torch.jit.script\ndef f(x, n):  # type: (Tensor, int) -> Tensor  # error\n    return x * n\n",
                        "expected type comment but found 'def' here"),
    "variable_comment_alone": (HEAD + "@torch.jit.script\ndef f(x: Tensor) -> Tensor:\n    y = []  # type: List[int]  # error\n"
                               "    return x\n", "expected type comment but found 'ident' here"),
    "signature_and_variable": (HEAD + "@torch.jit.script\ndef f(x, n):\n    # type: (Tensor, int) -> Tensor\n"
                               "    y = []  # type: List[int]  # error\n    return x\n",
                               "Return type line '# type: (...) -> ...' not found on multiline type annotation"),
    "in_a_string": (HEAD + "@torch.jit.script\ndef f(x: Tensor):\n    s = \"# type: (int) -> int\"  # error\n    return x\n",
                    "expected type comment but found 'ident' here"),
    "too_few_types": (HEAD + "@torch.jit.script\ndef f(x,  # type: Tensor\n      n,\n      ):\n"
                      "    # type: (...) -> Tensor  # error\n    return x\n",
                      "Number of type annotations (1) did not match the number of function parameters (2)"),
    "ignore_with_two_codes": (HEAD + "@torch.jit.script\ndef f(x: Tensor):\n"
                              "    return x  # type: ignore[attr-defined,union-attr]  # error\n",
                              "expected type comment but found 'return' here"),
    "method_variable_comment": (HEAD + "class Net(nn.Module):\n    def forward(self, x):\n"
                                "        y = []  # type: List[Tensor]  # error\n        return x\n",
                                "expected type comment but found 'ident' here"),
}

ACCEPTED = {
    "per_parameter": PER_PARAMETER,
    "ignore_comments": HEAD + "@torch.jit.script\ndef f(x: Tensor) -> Tensor:\n    y = x  # type: ignore\n"
                              "    return y  # type: ignore[attr-defined]\n",
    "method_signature": HEAD + "class Net(nn.Module):\n    def forward(self, x, n):\n        # type: (Tensor, int) -> Tensor\n"
                               "        return x * n\n",
}


@pytest.mark.parametrize("name", sorted(FLAGGED))
def test_flagged(name):
    check_flagged(name, FLAGGED[name][0], "TS145")


@needs_torch
@pytest.mark.parametrize("name", sorted(FLAGGED))
def test_flagged_is_rejected(name):
    source, message = FLAGGED[name]
    check_rejected(name, source, message, any_line=True)


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_accepted_is_silent(name):
    check_silent(name, ACCEPTED[name], ("TS1", "TS2"))


@needs_torch
@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_accepted_compiles(name):
    check_compiles(name, ACCEPTED[name])


def test_type_line_follows_get_type_line():
    assert type_line(["def f(x):", "    return x"]).text is None
    assert type_line(["def f(x, n):", "    # type: (Tensor, int) -> Tensor"]).text == "(Tensor, int) -> Tensor"
    joined = type_line(["def f(a,  # type: int", "      b,  # type: Tuple[int, ...]", "      ):",
                        "    # type: (...) -> int", "    y = 1  # type: int"])
    assert joined.text == "(int, Tuple[int, ...]) -> int"  # lines after the signature line are not read
    assert type_line(["def f(x):", "    #type: int"]).error.startswith("The annotation prefix in line 1")


def _ir(tmp_path: Path) -> dict:
    path = tmp_path / "sample.py"
    path.write_text(PER_PARAMETER)
    out = io.StringIO()
    assert main(["--format", "json", str(path)], out, io.StringIO()) == 0
    return {r["qualname"]: (r["params"], r["returns"]) for r in json.loads(out.getvalue())}


def test_ir_reads_per_parameter_comments(tmp_path):
    ir = _ir(tmp_path)
    assert ir["per_param"] == ([["x", "Tensor"], ["sizes", "List[int]"], ["scale", "float"]], "List[int]")
    assert ir["whole"] == ([["x", "Tensor"], ["n", "int"]], "Tuple[Tensor, int]")
    assert ir["Net.forward"][0][1:] == [["x", "Tensor"], ["k", "Optional[int]"]]


_REAL = r'''
import importlib.util, json, sys, warnings
warnings.simplefilter("ignore")
spec = importlib.util.spec_from_file_location("sample", sys.argv[1])
mod = importlib.util.module_from_spec(spec); sys.modules["sample"] = mod; spec.loader.exec_module(mod)
out = {}
for name, fn in (("per_param", mod.per_param), ("whole", mod.whole), ("Net.forward", mod.net.forward)):
    s = fn.schema
    out[name] = [[[a.name, a.type.annotation_str] for a in s.arguments], s.returns[0].type.annotation_str]
print(json.dumps(out))
'''


@needs_torch
def test_ir_equals_the_compilers_schemas(tmp_path):
    ir = _ir(tmp_path)
    real = subprocess.run([sys.executable, "-c", _REAL, str(tmp_path / "sample.py")], capture_output=True, text=True,
                          timeout=300)
    assert real.returncode == 0, real.stderr[-2000:]
    for name, (params, returns) in json.loads(real.stdout.strip().splitlines()[-1]).items():
        static_params, static_returns = ir[name]
        assert (static_params[1:] if name.startswith("Net.") else static_params) == (
            params[1:] if name.startswith("Net.") else params), name
        assert static_returns == returns, name
