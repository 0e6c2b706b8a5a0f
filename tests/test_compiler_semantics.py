"""Compiler semantics tslint must follow to stay silent on code that compiles (issue 14, item 1):
branches the compiler folds away, `Final` attributes, overloads, local names that shadow imports,
and files Python parses. Each case is checked against the real compiler.

Every FLAGGED case must get its code at the line marked `# error` and must fail under torch 2.13
with the given message; every SILENT case must get none of the listed codes and must compile.
"""
from __future__ import annotations

import pytest

from conftest import needs_torch
from harness import lint_source, pattern_table_tests

HEAD = "import torch\nimport numpy as np\nfrom torch import nn, Tensor\nfrom typing import Dict, List, Optional, Tuple\n"
EMITTER = ("TS402", "TS409", "TS410", "TS2")

# name -> (source, code, compiler message)
FLAGGED: dict[str, tuple[str, str, str]] = {
    # `if 0:` is `aten::Bool(0)`, tested at run time: only bool constants fold
    "int_literal_condition_is_compiled": (HEAD + """
class Net(nn.Module):
    def forward(self, x):
        if 0:
            return torch.from_numpy(np.zeros(3))  # error
        return x
""", "TS402", "is currently not supported in Torchscript"),
    # the right operand of `and` is emitted even when the left one is False
    "and_operand_is_compiled": (HEAD + """
class Net(nn.Module):
    def forward(self, x):
        if False and np.any(x):  # error
            return x
        return x
""", "TS402", "cannot create weak reference"),
    # a `Final[int]` is a constant, but not a bool one: its `if` is tested at run time
    "final_int_condition_is_compiled": (HEAD + """
from typing import Final


class Net(nn.Module):
    n: Final[int] = 0

    def forward(self, x):
        if self.n:
            return torch.from_numpy(np.zeros(3))  # error
        return x
""", "TS402", "is currently not supported in Torchscript"),
    # built with no arguments, `self.batch_size` holds the str default, so `isinstance(..., int)` is
    # decided False and what follows is compiled (kornia's RANSAC.sample_budget)
    "isinstance_on_attribute_with_str_default": (HEAD + """
from typing import Union

_DEFAULT_BATCH = 2048


class Net(nn.Module):
    def __init__(self, batch_size: Union[int, str] = "auto"):
        super().__init__()
        self.batch_size = batch_size

    def forward(self, x):
        if isinstance(self.batch_size, int):
            return x * self.batch_size
        return x * _DEFAULT_BATCH  # error
""", "TS316", "python value of type 'int' cannot be used as a value"),
    # only the last positional parameter packs values into a list
    "one_value_for_an_earlier_list_parameter": (HEAD + """
def count(dims: List[int], scales: List[float]) -> int:
    return len(dims) + len(scales)


class Net(nn.Module):
    def forward(self, x):
        return x + count(3, [2.0])  # error
""", "TS202", "Expected a value of type 'List[int]' for argument 'dims' but instead found type 'int'"),
    # a plain bool attribute (set from a `bool` parameter) is read at run time: both branches compile
    "bool_attribute_condition_is_compiled": (HEAD + """
class Net(nn.Module):
    def __init__(self, verbose: bool = False):
        super().__init__()
        self.verbose = verbose

    def forward(self, x):
        if self.verbose:
            print(x.numpy())  # error
        return x
""", "TS409", "object has no attribute or method 'numpy'"),
    # each overload compiles the implementation: the branch a `Packed` argument takes is compiled
    "overload_branch_of_other_overload_is_compiled": (HEAD + """
class Packed:
    def __init__(self, data: Tensor):
        self.data = data


class Net(nn.Module):
    @torch._jit_internal._overload_method  # noqa: F811
    def forward(self, input: Tensor) -> Tensor:
        pass

    @torch._jit_internal._overload_method  # noqa: F811
    def forward(self, input: Packed) -> Tensor:
        pass

    def forward(self, input):  # noqa: F811
        if isinstance(input, Packed):
            return torch.from_numpy(np.asarray(input.data))  # error
        return input
""", "TS402", "is currently not supported in Torchscript"),
    # `mask: Tensor = None` compiles, but a compiled call that omits `mask` does not (the undefined
    # Tensor default cannot be inserted; the compiler names no line)
    "tensor_none_default_omitted": (HEAD + """
def masked(x: Tensor, mask: Tensor = None) -> Tensor:
    return x


class Net(nn.Module):
    def forward(self, x):
        return masked(x)  # error
""", "TS201", "Unsupported value kind: Tensor"),
    "tensor_none_default_of_submodule_omitted": (HEAD + """
class Inner(nn.Module):
    TSLINT_SKIP = True

    def forward(self, x: Tensor, mask: Tensor = None):
        return x


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = Inner()

    def forward(self, x):
        return self.inner(x)  # error
""", "TS201", "Unsupported value kind: Tensor"),
}

# name -> (source, codes that must not be reported)
SILENT: dict[str, tuple[str, tuple[str, ...]]] = {
    # positional values for the last positional parameter, a `List[T]`, are packed into a list
    # (torch_geometric's GraphMaskExplainer: `self.reset_parameters(input_dims, o_dim)`)
    "one_value_for_the_last_list_parameter": (HEAD + """
def count(dims: List[int], scales: List[float]) -> int:
    return len(dims) + len(scales)


class Net(nn.Module):
    def forward(self, x):
        return x + count([3], 2.0)
""", ("TS202",)),
    # `isinstance(obj, str)` refines `Any` to `str` in its branch (torch_geometric's type_repr)
    "any_refined_by_isinstance": (HEAD + """
from typing import Any


def type_repr(obj: Any) -> str:
    if isinstance(obj, str):
        return obj
    return "other"


class Net(nn.Module):
    def forward(self, x):
        return x, type_repr("a")
""", ("TS211",)),
    # an argument of unknown type may take any overload: the call's type stays unknown
    # (torch_geometric's remove_self_loops, called with what `to_sparse_coo` gave)
    "overload_with_unknown_argument": (HEAD + """
@torch.jit._overload
def pick(a: Tensor, b: None = None) -> Tuple[Tensor, None]:
    pass


@torch.jit._overload
def pick(a: Tensor, b: Tensor) -> Tuple[Tensor, Tensor]:
    pass


def pick(a: Tensor, b: Optional[Tensor] = None) -> Tuple[Tensor, Optional[Tensor]]:
    return a, b


class Net(nn.Module):
    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        return pick(x, torch.sparse.mm(x, x))  # a type tslint does not know: a Tensor
""", ("TS211",)),
    # `emitCondExpr` folds bool literals, `not`/`and`/`or` of them and `None is None`
    "literal_dead_branches": (HEAD + """
class Net(nn.Module):
    def forward(self, x):
        if False:
            x = torch.from_numpy(np.zeros(3))
        if not True:
            x.numpy()
        if False and x.sum() > 0:
            x = x + np.ones(2)
        y = x if True else x.numpy()
        if None is None:
            return y
        return np.zeros(2)
""", EMITTER),
    # a `Final[bool]` attribute is a bool constant: its `if` is static; the module is built with
    # no arguments, so its value is `__init__`'s default (or the class-body literal)
    "final_bool_known_value": (HEAD + """
from typing import Final


class Net(nn.Module):
    output_tokens: Final[bool]
    strict: Final[bool] = False
    __constants__ = ["legacy"]

    def __init__(self, output_tokens: bool = False, legacy: bool = False):
        super().__init__()
        self.output_tokens = output_tokens
        self.legacy = legacy

    def forward(self, x):
        if self.strict:
            x = torch.from_numpy(np.zeros(3))
        if self.legacy and x.sum() > 0:
            x = x.numpy()
        if self.output_tokens:
            return x, np.zeros(3)
        return x
""", EMITTER),
    # built with arguments tslint does not know: either branch may be the dropped one, and the
    # attribute decides the return type
    "final_bool_unknown_value": (HEAD + """
from typing import Final


class Child(nn.Module):
    TSLINT_SKIP = True
    output_tokens: Final[bool]

    def __init__(self, output_tokens: bool):
        super().__init__()
        self.output_tokens = output_tokens

    def forward(self, x):
        if self.output_tokens:
            return x, x.numpy()
        return x


class Net(nn.Module):
    def __init__(self, output_tokens: bool = False):
        super().__init__()
        self.child = Child(output_tokens)

    def forward(self, x):
        return self.child(x)
""", EMITTER),
    # nn.LSTM's pattern: the implementation is compiled once per overload, with its types; the
    # branch `isinstance` prunes for each is not compiled there (`is_batched` is defined only on
    # the Tensor path, and used only there)
    "overloaded_forward_like_lstm": (HEAD + """
from torch.nn.utils.rnn import PackedSequence


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)

    @torch._jit_internal._overload_method  # noqa: F811
    def forward(self, input: Tensor, hx: Optional[Tuple[Tensor, Tensor]] = None) -> Tuple[Tensor, Tuple[Tensor, Tensor]]:
        pass

    @torch._jit_internal._overload_method  # noqa: F811
    def forward(self, input: PackedSequence, hx: Optional[Tuple[Tensor, Tensor]] = None) -> Tuple[PackedSequence, Tuple[Tensor, Tensor]]:
        pass

    def forward(self, input, hx=None):  # noqa: F811
        orig_input = input
        batch_sizes = None
        if isinstance(orig_input, PackedSequence):
            input, batch_sizes, sorted_indices, unsorted_indices = input
        else:
            is_batched = input.dim() == 3
            sorted_indices = None
            unsorted_indices = None
        output = self.lin(input)
        if hx is None:
            hx = (output, output)
        if isinstance(orig_input, PackedSequence):
            return PackedSequence(output, batch_sizes, sorted_indices, unsorted_indices), hx
        else:
            if not is_batched:
                output = output.squeeze(0)
            return output, hx
""", ("TS1", "TS2", "TS4")),
    # calls are matched against the overloads, not the implementation's (inferred Tensor) parameters
    "overloaded_calls": (HEAD + """
@torch.jit._overload
def double(x: int) -> int:
    pass


@torch.jit._overload
def double(x: Tensor) -> Tensor:
    pass


def double(x):
    if isinstance(x, int):
        return x * 2
    return x + x


class Net(nn.Module):
    @torch._jit_internal._overload_method  # noqa: F811
    def key(self, x: int) -> str:
        pass

    @torch._jit_internal._overload_method  # noqa: F811
    def key(self, x: str) -> str:
        pass

    def key(self, x):  # noqa: F811
        if isinstance(x, int):
            return str(x + 1)
        return x + "!"

    def forward(self, x):
        return double(x) * double(3), self.key(3) + self.key("a")
""", ("TS2",)),
    # `_set_item` converts a number (or a Tensor) key to the dict's int key, as schema matching does
    "dict_int_key_from_item": (HEAD + """
class Net(nn.Module):
    def forward(self, x):
        d: Dict[int, Tensor] = {}
        n = x.sum().long()
        d[n.item()] = x
        d[n] = x
        d[True] = x
        return d[0]
""", ("TS2",)),
    # the definition of `mask: Tensor = None` compiles; callers that pass `mask` compile too
    "tensor_none_default_passed": (HEAD + """
class Inner(nn.Module):
    def forward(self, x: Tensor, mask: Tensor = None):
        return x * mask


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = Inner()

    def forward(self, x):
        return self.inner(x, x) + self.inner(x, mask=x)
""", ("TS201", "TS202")),
    # a parameter named like an imported function is the parameter, not a call of the function
    "parameter_shadows_import": (HEAD + """
from numpy import mean, std


class Net(nn.Module):
    def forward(self, x, mean: float = 0.0, std: float = 1.0):
        return (x - mean) / std
""", ("TS4",)),
    # `mean = x.mean()` makes `mean` local to the whole function (Python's scoping)
    "local_shadows_import": (HEAD + """
from numpy import mean


class Net(nn.Module):
    def forward(self, x):
        mean = x.mean()
        return mean.abs() + mean
""", ("TS4",)),
}


test_pattern_is_flagged, test_flagged_pattern_fails_for_real, \
    test_pattern_is_silent, test_silent_pattern_compiles = pattern_table_tests(FLAGGED, SILENT, any_line=True)


def test_parameter_named_like_a_project_function_does_not_reach_it(tmp_path):
    """`scale` the parameter is not `helpers.scale`: the function is not compiled, so not linted."""
    (tmp_path / "helpers.py").write_text("import numpy as np\n\n\ndef scale(x):\n    return np.ones(3)\n")
    findings = lint_source(HEAD + """
from helpers import scale


class Net(nn.Module):
    def forward(self, x, scale: float = 1.0):
        return x * scale
""", folder=tmp_path, entry="modules")
    assert not findings, findings


@pytest.mark.parametrize("text", [
    "x = [  # type: ignore\n    1]\n",
    "from typing import List\n\nprint(1)  # type: List[int]\n",
    "def f(a):\n    # type: (int) -> int\n    print(a)  # type: int\n    return a\n",
])
def test_misplaced_type_comment_is_not_a_syntax_error(text):
    from tslint.source import parse_source

    parse_source("f.py", text)  # Python compiles it: no SourceError


def test_file_with_misplaced_type_comment_is_linted(tmp_path):
    """Python compiles the file, so no TS901, and its code is checked as any other."""
    findings = lint_source(HEAD + """

class Net(nn.Module):
    def forward(self, x):
        print(x)  # type: List[int]
        return torch.from_numpy(np.zeros(3))  # error
""", folder=tmp_path, entry="modules")
    codes = {f.code for f in findings}
    assert "TS901" not in codes and "TS402" in codes, findings


def test_type_comments_that_are_legal_are_kept():
    from tslint.source import parse_source

    tree = parse_source("f.py", "def f(a):\n    # type: (int) -> int\n    y = []  # type: List[int]\n    print(y)  # type: int\n    return a\n")
    fn = tree.body[0]
    assert fn.type_comment == "(int) -> int" and fn.body[0].type_comment == "List[int]"


@needs_torch
def test_installed_rnn_module_is_clean():
    """torch.nn's LSTM/GRU/RNN (overloaded forwards) compile: no finding on the installed file,
    linted where it is (so that its relative imports resolve)."""
    import os

    import torch
    from tslint.config import Config
    from tslint.engine import RunOptions, run
    from tslint.entrypoints import EntryOptions

    site = os.path.dirname(os.path.dirname(torch.__file__))
    cwd = os.getcwd()
    os.chdir(site)
    try:
        options = RunOptions(use_cache=False, jobs=1, entry=EntryOptions(entry="modules"))
        findings = run([os.path.join("torch", "nn", "modules", "rnn.py")], Config(path=None), options).findings
    finally:
        os.chdir(cwd)
    assert not findings, findings[:5]
