"""Precision cases of the TS1xx syntax rules, beyond each rule's own examples, and their neutralizations.

Each rule's VALID/INVALID examples are compiled for real in `test_rule_examples`; here we pin the
cases where a rule must stay silent (unknown kinds, ignored methods, tuples), the frontend/emitter split
(dead branches), and that every `neutralize()` keeps the file parseable with the same line count and
removes the finding (and, with torch, the compiler's error).
"""
from __future__ import annotations

import ast
import textwrap

import pytest

from conftest import needs_torch
from harness import lint_source, run_example_with_torch
from tslint.rule import all_rules

TS1 = [r for r in all_rules() if r.code.startswith("TS1")]


def codes(source: str) -> list[tuple[str, int]]:
    return sorted((f.code, f.line) for f in lint_source(textwrap.dedent(source)) if f.code.startswith("TS1"))


def flagged(source: str, code: str) -> list[int]:
    return [line for c, line in codes(source) if c == code]


# -- frontend vs emitter ---------------------------------------------------------------------------
def test_set_literal_in_dead_branch_is_flagged_because_the_frontend_builds_it():
    src = """
    import torch

    @torch.jit.script
    def f(x):
        if not torch.jit.is_scripting():
            print({1, 2})
        return x
    """
    assert flagged(src, "TS122") == [7]


def test_emitter_rules_are_silent_in_dead_branches():
    src = """
    import torch
    from typing import List

    @torch.jit.script
    def f(x, shape: List[int]):
        if not torch.jit.is_scripting():
            y = x.view(*shape)
            del shape[1:]
            raise "python only"
        return x
    """
    assert codes(src) == []


# -- precision: stay silent when the kind is not provable ------------------------------------------
def test_lambda_inside_ignored_method_is_silent():
    src = """
    import torch
    from torch import nn

    class Net(nn.Module):
        def forward(self, x):
            self.log(x)
            return x

        @torch.jit.ignore
        def log(self, x: torch.Tensor) -> None:
            hook = lambda g: g * 2
            print(hook)
    """
    assert codes(src) == []


def test_star_of_tuple_parameter_is_silent():
    src = """
    import torch
    from typing import Tuple

    @torch.jit.script
    def f(x, t: Tuple[int, int]):
        return x.view(*t), (*t, 1), [*t, 2]
    """
    assert codes(src) == []


def test_star_of_unknown_values_is_silent():
    src = """
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.shape = (2, 2)

        def forward(self, x, n: int):
            s = self.shape
            return x.view(*self.shape).view(*s), torch.ones(*tuple([n, n]))
    """
    assert flagged(src, "TS138") == []


def test_star_of_size_and_split_results_is_flagged():
    src = """
    import torch

    @torch.jit.script
    def f(x):
        a = x.view(*x.size())
        return torch.cat(*x.split(1), dim=0) + a
    """
    assert flagged(src, "TS138") == [6, 7]


def test_a_name_rebound_to_a_tuple_is_not_a_list():
    src = """
    import torch

    @torch.jit.script
    def f(x, flag: bool):
        shape = [2, 2]
        if flag:
            shape = (4, 1)
        return x.view(*shape)
    """
    assert flagged(src, "TS138") == []


def test_with_on_an_attribute_or_call_is_silent():
    src = """
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lock = 1

        def forward(self, x):
            with self.lock:
                x = x + 1
            with torch.no_grad():
                x = x + 1
            return x
    """
    assert flagged(src, "TS133") == []


def test_multidim_index_of_tensor_is_silent_and_of_list_literal_is_flagged():
    src = """
    import torch

    @torch.jit.script
    def f(x):
        y = x[0, 1] + x[..., None]
        grid = [[1, 2], [3, 4]]
        return y + grid[0, 1]
    """
    assert flagged(src, "TS137") == [8]


def test_tuple_item_assignment_needs_a_provable_tuple():
    src = """
    import torch
    from typing import List

    @torch.jit.script
    def f(x, l: List[int], y):
        l[0] = 1
        y[0] = 1
        t = (1, 2)
        t[1] = 3
        return x
    """
    assert flagged(src, "TS136") == [10]


def test_star_of_a_generator_expression_is_flagged():
    src = """
    import torch

    @torch.jit.script
    def f(x):
        return x.permute(0, *(d for d in range(1, x.dim())))
    """
    assert flagged(src, "TS138") == [6]


def test_overload_stubs_are_not_ellipsis_values():
    src = """
    import torch

    @torch.jit._overload
    def pick(x: int) -> int: ...

    @torch.jit._overload
    def pick(x: float) -> float: ...

    def pick(x):
        return x

    @torch.jit.script
    def f(x: int) -> int:
        return pick(x)
    """
    assert flagged(src, "TS141") == []


def test_unannotated_parameters_of_an_overloaded_function_are_not_tensors():
    src = """
    import torch

    @torch.jit._overload
    def pick(x: int) -> int: ...

    @torch.jit._overload
    def pick(x: float) -> float: ...

    def pick(x):
        with x:
            pass
        return x

    @torch.jit.script
    def f(x: int) -> int:
        return pick(x)
    """
    assert flagged(src, "TS133") == []


def test_with_on_an_unannotated_parameter_says_why_it_is_a_tensor():
    src = """
    import torch

    @torch.jit.script
    def f(x, mode):
        with mode:
            x = x + 1
        return x
    """
    found = [f for f in lint_source(textwrap.dedent(src)) if f.code == "TS133"]
    assert len(found) == 1 and "not annotated" in found[0].message


# -- f-strings ------------------------------------------------------------------------------------
def test_nested_format_spec_is_reported_once():
    src = """
    import torch

    @torch.jit.script
    def f(x, w: int):
        print(f"{w:{w}}")
        return x
    """
    assert codes(src) == [("TS117", 6)]


def test_conversion_wins_over_spec_like_the_compiler():
    src = """
    import torch

    @torch.jit.script
    def f(x, w: int):
        print(f"{w!r:>4}")
        return x
    """
    assert codes(src) == [("TS116", 6)]


# -- dict expansion, bare raise, reserved names -----------------------------------------------------
def test_dict_expansion_not_first_mentions_the_crash():
    src = """
    import torch
    from typing import Dict

    @torch.jit.script
    def f(x, d: Dict[str, int]):
        e = {"a": 1, **d}
        return x
    """
    found = [f for f in lint_source(textwrap.dedent(src)) if f.code == "TS113"]
    assert len(found) == 1 and "AttributeError" in found[0].message


def test_bare_raise_in_except_is_left_to_the_try_rule():
    src = """
    import torch

    @torch.jit.script
    def f(x):
        try:
            y = x + 1
        except RuntimeError:
            raise
        return y
    """
    assert codes(src) == [("TS102", 6)]


def test_reserved_name_is_reported_once_per_name():
    src = """
    import torch

    @torch.jit.script
    def f(x):
        __jit_a = x
        __jit_a = __jit_a + 1
        return __jit_a
    """
    assert codes(src) == [("TS120", 6)]


def test_instance_annotation_in_init_of_a_script_class_is_fine():
    src = """
    import torch

    class Box:
        def __init__(self, v: int):
            self.v: int = v

        def grow(self) -> int:
            self.v = self.v + 1
            return self.v

    @torch.jit.script
    def f(x):
        return x + Box(1).grow()
    """
    assert codes(src) == []


# -- recursion ----------------------------------------------------------------------------------------
def test_recursion_through_an_ignored_function_is_silent():
    src = """
    import torch

    @torch.jit.ignore
    def even(n: int) -> bool:
        return True if n == 0 else odd(n - 1)

    def odd(n: int) -> bool:
        return False if n == 0 else even(n - 1)

    @torch.jit.script
    def f(x):
        return x if odd(3) else -x
    """
    assert codes(src) == []


def test_method_cycle_is_silent_when_a_subclass_overrides_part_of_it():
    src = """
    import torch
    from torch import nn

    class Base(nn.Module):
        def forward(self, x):
            return self.step(x)

        def step(self, x):
            return self.forward(x[0])

    class Leaf(Base):
        def step(self, x):
            return x
    """
    # Base itself is recursive (it is an nn.Module root too), but the finding in Base.forward would be
    # wrong for Leaf; precision first: only the unambiguous self-call edges are reported.
    assert ("TS142", 7) not in codes(src)


def test_mutual_recursion_across_functions_is_reported_in_each():
    src = """
    import torch

    def ping(n: int) -> int:
        return 0 if n == 0 else pong(n - 1)

    def pong(n: int) -> int:
        return 0 if n == 0 else ping(n - 1)

    @torch.jit.script
    def f(n: int) -> int:
        return ping(n)
    """
    assert flagged(src, "TS143") == [5, 8]


# -- neutralize() ---------------------------------------------------------------------------------------
NEUTRALIZABLE = [
    pytest.param(rule, i, id=f"{rule.code}-invalid-{i}") for rule in TS1 for i in range(len(rule.INVALID))
]


def _neutralized(rule, index):
    source = textwrap.dedent(rule.INVALID[index])
    findings = [f for f in lint_source(source) if f.code == rule.code]
    assert findings
    out = source
    for f in sorted(findings, key=lambda f: (f.line, f.col), reverse=True):
        new = rule.neutralize(out, f)
        if new is None:
            return source, None
        out = new
    return source, out


@pytest.mark.parametrize("rule,index", NEUTRALIZABLE)
def test_neutralize_keeps_lines_and_removes_the_finding(rule, index):
    source, out = _neutralized(rule, index)
    if out is None:
        pytest.skip(f"{rule.code} has no neutralization for this example")
    ast.parse(out)
    assert len(out.splitlines()) == len(source.splitlines())
    assert out != source
    assert not [f for f in lint_source(out) if f.code == rule.code], out


@needs_torch
@pytest.mark.parametrize("rule,index", NEUTRALIZABLE)
def test_neutralized_example_no_longer_fails_that_way(rule, index):
    _, out = _neutralized(rule, index)
    if out is None:
        pytest.skip(f"{rule.code} has no neutralization for this example")
    outcome = run_example_with_torch(out)
    assert outcome.ok or rule.compiler_message not in (outcome.full or outcome.message), outcome.message


def test_try_neutralization_rewrites_a_bare_reraise():
    rule = next(r for r in TS1 if r.code == "TS102")
    src = textwrap.dedent("""
    import torch

    @torch.jit.script
    def f(x):
        try:
            y = x + 1
        except RuntimeError:
            raise
        return y
    """)
    finding = next(f for f in lint_source(src) if f.code == "TS102")
    out = rule.neutralize(src, finding)
    assert out is not None and "raise RuntimeError()" in out
    assert len(out.splitlines()) == len(src.splitlines())
