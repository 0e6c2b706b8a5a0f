"""Conditions and branches on ParityBench patterns (round 2, R1), each checked against the real
compiler: a submodule-or-None attribute tested for truth (TS234), branch-join errors blamed at the
`if` (the compiler's first location), both branches of an `if` on a non-constant attribute of
unknown type checked (returns that cannot be unified), and no finding after an `assert` the compiler knows always
raises (it emits nothing after a statement that exits its block).

Every FLAGGED case must get its code at a line marked `# error` and fail under torch 2.13 with the
given message; every SILENT case must get none of the listed codes and must compile.
"""
from __future__ import annotations



from harness import pattern_table_tests

HEAD = "import torch\nfrom torch import nn\n"

# name -> (source, code, compiler message)
FLAGGED = {
    # Cadene pretrainedmodels: `self.relu = nn.ReLU() if output_relu else None`, then `if self.relu:`
    "module_or_none_ternary": (HEAD + """
class Block(nn.Module):
    def __init__(self, output_relu: bool = True):
        super().__init__()
        self.relu = nn.ReLU() if output_relu else None

    def forward(self, x):
        if self.relu:  # error
            x = self.relu(x)
        return x
""", "TS234", "to bool"),
    # GDWCT: the attribute is None for this instance (the other branch stores a norm)
    "module_or_none_branches_none": (HEAD + """
class Block(nn.Module):
    def __init__(self, norm: str = "none"):
        super().__init__()
        if norm == "in":
            self.norm = nn.InstanceNorm2d(3)
        elif norm == "bn":
            self.norm = nn.BatchNorm2d(3)
        else:
            self.norm = None

    def forward(self, x):
        if self.norm and x.dim() == 4:  # error
            x = self.norm(x)
        return x
""", "TS234", "Could not cast value of type NoneType to bool"),
    "branch_undefined_at_if": (HEAD + """
class Net(nn.Module):
    def forward(self, x, n: int):
        for i in range(n):
            if i == 0:  # error
                x1 = x + 1
            x = x1 * 2
        return x
""", "TS205", "x1 is not defined in the false branch"),
    # Jongchan attention_module: an `elif` without `else`; the enclosing `if` finds the variable
    # missing from its false branch and is the compiler's first location
    "undefined_through_elif": (HEAD + """
class Gate(nn.Module):
    def forward(self, x, kind: str):
        if kind == "avg":  # error
            att = x.mean()
        elif kind == "max":
            att = x.max()
        return x * att
""", "TS205", "att is not defined in the false branch"),
    # an inner `if` that cannot join two types: the outer `if` reports the name as not defined
    "inner_mismatch_reported_by_outer_if": (HEAD + """
class Net(nn.Module):
    def forward(self, x, c: bool, d: bool):
        if c:  # error
            y = x
        else:
            if d:
                y = 1
            else:
                y = 1.5
        return y
""", "TS205", "y is not defined in the false branch"),
    # HobbitLong SupContrast: `if self.is_last:` on a plain attribute is decided at run time, so the
    # compiler emits both returns and cannot unify them (only a constant attribute makes a static if)
    "returns_under_runtime_attribute": (HEAD + """
class BasicBlock(nn.Module):
    def __init__(self, is_last=False):
        super().__init__()
        self.is_last = is_last

    def forward(self, x):
        out = torch.relu(x)
        if self.is_last:
            return out, x
        else:
            return out  # error
""", "TS209", "Previous return statement returned a value of type"),
    # FlowNetS: `return flow2, flow3` in training, `return flow2` otherwise: whatever `flow2` is, a
    # tuple holding it is another type (and tuples of different lengths never unify)
    "returns_value_and_tuple_holding_it": (HEAD + """
class FlowNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.predict = make_head()

    def forward(self, x):
        flow2 = self.predict(x)
        flow3 = self.predict(flow2)
        if self.training:
            return flow2, flow3
        else:
            return flow2  # error


def make_head():
    return nn.Conv2d(2, 2, 1)
""", "TS209", "Previous return statement returned a value of type"),
    "returns_tuples_of_two_lengths": (HEAD + """
class FlowNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.predict = make_head()

    def forward(self, x):
        flow2 = self.predict(x)
        if self.training:
            return flow2, self.predict(flow2)
        return flow2,  # error


def make_head():
    return nn.Conv2d(2, 2, 1)
""", "TS209", "Previous return statement returned a value of type"),
}

# name -> (source, codes that must not be reported)
SILENT = {
    # Hawkeye RegularLoss: `x` is a Tensor, so the assert always raises; nothing after it is compiled
    "after_statically_false_assert": (HEAD + """
class RegularLoss(nn.Module):
    def __init__(self, num_parts: int = 2):
        super().__init__()
        self.num_parts = num_parts

    def forward(self, x):
        assert isinstance(x, list), 'parts features should be presented in a list'
        for i in range(self.num_parts):
            x[i] = torch.div(x[i], x[i].norm(dim=1, keepdim=True))
        return x
""", ("TS2", "TS4")),
    # a flag beside the submodule
    "module_flag": (HEAD + """
class Block(nn.Module):
    def __init__(self, output_relu: bool = True):
        super().__init__()
        self.act = nn.ReLU() if output_relu else nn.Identity()
        self.use_act = output_relu

    def forward(self, x):
        if self.use_act:
            x = self.act(x)
        return x
""", ("TS234",)),
    # the same returns under a `Final` attribute: a static if, one branch emitted
    "returns_under_constant_attribute": (HEAD + """
from typing import Final


class BasicBlock(nn.Module):
    is_last: Final[bool] = False

    def __init__(self):
        super().__init__()

    def forward(self, x):
        out = torch.relu(x)
        if self.is_last:
            return out, x
        else:
            return out
""", ("TS209",)),
    # the same value returned on both paths, and tuples of one length: the returns agree
    "returns_that_agree": (HEAD + """
class FlowNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.predict = make_head()

    def forward(self, x):
        flow2 = self.predict(x)
        if self.training:
            return flow2, x
        return self.predict(flow2), flow2


def make_head():
    return nn.Conv2d(2, 2, 1)
""", ("TS209",)),
}


test_pattern_is_flagged_at_the_compilers_line, test_pattern_fails_for_real, \
    test_pattern_is_silent, test_pattern_compiles = pattern_table_tests(FLAGGED, SILENT, any_line=True)
