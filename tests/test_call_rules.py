"""TS4xx precision: calls torch 2.13 ACCEPTS (facts §2.3) must produce no TS4xx finding; calls on
values whose type is not certain stay silent; extra rejections the rules claim are checked against
the real compiler."""
from __future__ import annotations

import pytest

from conftest import needs_torch
from harness import lint_source, run_example_with_torch

HEAD = "import torch\nfrom torch import nn\nfrom typing import Dict, List, Optional, Tuple\n\n\n"


def mine(findings: list) -> list:
    return [(f.code, f.line, f.message) for f in findings if f.code.startswith("TS4")]


ACCEPTED = {
    "math_and_warnings": HEAD + """
import math
import warnings


@torch.jit.script
def f(x, a: float):
    warnings.warn("careful")
    return x * math.sqrt(a) + math.floor(a) + math.log(a) + math.pi + math.inf
""",
    "fork_wait": HEAD + """
def g(x):
    return x + 1


@torch.jit.script
def f(x):
    fut = torch.jit.fork(g, x)
    return torch.jit.wait(fut)
""",
    "python_builtins": HEAD + """
@torch.jit.script
def f(x, y: int, l: List[int], s: str):
    ok = isinstance(y, (int, float)) and any([True]) and all([True])
    t = str(x) + str(y) + chr(65) + s.lower().strip().replace("a", "b")
    n = int(x.sum()) + hash(s) + ord("a") + abs(-1) + round(1.5) + sum(l) + min(l) + max(l) + len(sorted(l))
    q, r = divmod(7, 2)
    inf = float("inf")
    l.sort(reverse=True)
    print("x:", x, "{} {}".format(q, r), f"v={y}")
    return x + n + bool(x) + inf, t, ok
""",
    "getattr_literal": HEAD + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = 1

    def forward(self, x):
        if hasattr(self, "b"):
            return x
        return x + getattr(self, "a")
""",
    "grad_contexts": HEAD + """
@torch.jit.script
def f(x):
    with torch.no_grad():
        y = x * 2
    with torch.autocast("cpu"):
        z = y + 1
    return z
""",
    "torch_ops_folklore_says_unsupported": HEAD + """
@torch.jit.script
def f(x):
    g = torch.relu
    w = torch.tensor([1.0], requires_grad=True)
    return g(x), torch.unique(x), torch.norm(x, p=2), x.to("cpu"), x.numel(), x.dim(), w
""",
    "numpy_constant_and_python_only_branch": HEAD + """
import numpy as np
import time


class Net(nn.Module):
    def forward(self, x):
        if not torch.jit.is_scripting():
            print(time.time(), x.numpy(), np.ones(3))
        return x * np.pi
""",
    "ordered_dict": HEAD + """
import collections


@torch.jit.script
def f(x):
    d = collections.OrderedDict()
    return x
""",
    "reversed_tensor_is_not_provably_wrong": HEAD + """
@torch.jit.script
def f(x):
    return reversed(x)
""",
    "unused_helper_saves": HEAD + """
class Net(nn.Module):
    def forward(self, x):
        self.log(x)
        if self.training:
            return self.train_only(x)
        return x

    @torch.jit.ignore
    def log(self, x: torch.Tensor) -> None:
        print(x.numpy())

    @torch.jit.unused
    def train_only(self, x: torch.Tensor) -> torch.Tensor:
        return x + 1
""",
    "keyword_matches_parameter": HEAD + """
class Net(nn.Module):
    def forward(self, x):
        return self.scale(x, factor=2.0) + helper(x, k=1)

    def scale(self, x, factor: float = 1.0):
        return x * factor


def helper(x, k: int = 0):
    return x + k
""",
}


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_accepted_calls_are_silent(name):
    assert not mine(lint_source(ACCEPTED[name])), ACCEPTED[name]


@needs_torch
@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_accepted_calls_compile(name):
    outcome = run_example_with_torch(ACCEPTED[name])
    assert outcome.ok, f"{name}: {outcome.message}\n{outcome.full[:800]}"


def test_unknown_receiver_is_not_a_tensor():
    src = HEAD + """
class Net(nn.Module):
    def forward(self, x, d: Dict[str, int]):
        y = self.helper(x)
        return y.numpy(), d.unique()

    @torch.jit.ignore
    def helper(self, x: torch.Tensor):
        return x
"""
    assert "TS409" not in {c for c, _, _ in mine(lint_source(src))}


def test_shadowed_builtins_and_modules():
    src = HEAD + """
def open(x):
    return x


@torch.jit.script
def f(x):
    time = 1
    np = x
    return open(x) + time + np.sum()
"""
    assert not mine(lint_source(src))


def test_project_module_named_like_a_library():
    files_src = HEAD + """
from . import logging


@torch.jit.script
def f(x):
    return logging.info(x)
"""
    from test_module_rules import lint_files

    found = mine(lint_files({"pkg/__init__.py": "", "pkg/logging.py": "def info(x):\n    return x\n",
                             "pkg/net.py": files_src}))
    assert not found, found


def test_with_open_left_to_ts134():
    src = HEAD + """
class Net(nn.Module):
    def forward(self, x):
        with open("log.txt", "a") as fh:
            fh.write("x")
        return x
"""
    codes = {c for c, _, _ in mine(lint_source(src))}
    assert "TS401" not in codes


def test_nelement_fix_is_a_rename():
    src = HEAD + "@torch.jit.script\ndef f(x):\n    return x.nelement()\n"
    finding = next(f for f in lint_source(src) if f.code == "TS409")
    assert finding.fix is not None and finding.fix.edits[0].content == "numel"
    line = src.splitlines()[finding.line - 1]
    edit = finding.fix.edits[0]
    assert line[edit.col:edit.end_col] == "nelement"


# -- claims beyond the rule examples, verified with the compiler -------------------------------
EXTRA_INVALID = {
    "map_builtin": (HEAD + """
@torch.jit.script
def f(x, l: List[int]):
    return list(map(abs, l))
""", "TS404", "builtin cannot be used as a value"),
    "filter_none": (HEAD + """
@torch.jit.script
def f(x, l: List[int]):
    return filter(None, l)
""", "TS404", "filter(Tensor 0, Tensor 1) -> Tensor 0"),
    "type_of_self": (HEAD + """
class Net(nn.Module):
    def forward(self, x):
        name = type(self)
        return x
""", "TS404", "type(Tensor 0) -> Tensor 0"),
    "max_key": (HEAD + """
@torch.jit.script
def f(x, l: List[str]):
    return max(l, key=len)
""", "TS408", "cannot be used as a value"),
    "print_file": (HEAD + """
import sys


@torch.jit.script
def f(x):
    print(x, file=sys.stderr)
    return x
""", "TS406", "python value of type 'TextIOWrapper'"),
    "from_numpy": (HEAD + """
@torch.jit.script
def f(x):
    return torch.from_numpy(x)
""", "TS410", "Unknown builtin op: aten::from_numpy"),
    "tensor_constructor": (HEAD + """
@torch.jit.script
def f(x):
    return torch.Tensor([1.0])
""", "TS410", "Unknown builtin op: aten::Tensor"),
    "inference_mode": (HEAD + """
@torch.jit.script
def f(x):
    with torch.inference_mode():
        y = x * 2
    return y
""", "TS410", "Unknown builtin op: aten::inference_mode"),
    "time_perf_counter": (HEAD + """
import time


@torch.jit.script
def f(x):
    t = time.perf_counter()
    return x
""", "TS401", "is currently not supported in Torchscript"),
    "random_random": (HEAD + """
import random


@torch.jit.script
def f(x):
    return x * random.random()
""", "TS401", "is currently not supported in Torchscript"),
    "next_iter": (HEAD + """
@torch.jit.script
def f(x, l: List[int]):
    return next(iter(l))
""", "TS401", "is currently not supported in Torchscript"),
    "math_log2": (HEAD + """
import math


@torch.jit.script
def f(x, a: float):
    return math.log2(a)
""", "TS401", "is currently not supported in Torchscript"),
    "functools_reduce": (HEAD + """
import functools
import operator


@torch.jit.script
def f(x, l: List[int]):
    return functools.reduce(operator.mul, l)
""", "TS401", "is currently not supported in Torchscript"),
    "random_randint": (HEAD + """
import random


@torch.jit.script
def f(x):
    return x + random.randint(0, 3)
""", "TS402", "Random.randint"),
    "json_dumps": (HEAD + """
import json


@torch.jit.script
def f(x):
    s = json.dumps([1])
    return x
""", "TS402", "Compiled functions can't take variable number of arguments"),
    "itertools_product": (HEAD + """
import itertools


@torch.jit.script
def f(x, l: List[int]):
    for a, b in itertools.product(l, l):
        x = x + a
    return x
""", "TS402", "product(Tensor 0, Tensor 1) -> Tensor 0"),
    "ndimension": (HEAD + """
@torch.jit.script
def f(x):
    return x.ndimension()
""", "TS409", "has no attribute or method 'ndimension'"),
    "missing_required_after_bad_keyword": (HEAD + """
def scale(x, factor: float):
    return x * factor


@torch.jit.script
def f(x):
    return scale(x, fator=2.0)
""", "TS412", "Argument factor not provided"),
}


@pytest.mark.parametrize("name", sorted(EXTRA_INVALID))
def test_extra_invalid_flagged(name):
    source, code, _ = EXTRA_INVALID[name]
    assert code in {c for c, _, _ in mine(lint_source(source))}, mine(lint_source(source))


@needs_torch
@pytest.mark.parametrize("name", sorted(EXTRA_INVALID))
def test_extra_invalid_rejected(name):
    source, _, message = EXTRA_INVALID[name]
    outcome = run_example_with_torch(source)
    assert not outcome.ok and (message in outcome.full or message in outcome.message), outcome.message
