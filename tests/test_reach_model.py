"""What the compiler compiles of classes and attributes (reachability's model of them), each pattern
checked against the real compiler.

- A class is an `nn.Module` only when a base is one (torch's module classes, or a well-known library
  base such as `LightningModule`): an `abc.ABC`, `Protocol`, mixin or unknown library class with a
  `forward` is not scripted.
- An attribute holding a plain object of a project class is compiled (the class as a script class)
  only when compiled code reads the attribute; otherwise the compiler drops it silently.
- A `functools.cached_property` is never compiled, and `__jit_unused_properties__` is read in every
  spelling; when its value is unknown (not a literal, or inherited from a library base tslint cannot
  see), the class's properties are left alone.

Every FLAGGED case must get its code at the line marked `# error` and must fail under torch 2.13 with
the given message, at the line marked `# compiler` (else `# error`) when the compiler names one;
every SILENT case must get none of the listed codes and must compile. `files` are written beside the
example: stand-ins for installed libraries, importable by the compiler run but outside the lint.
"""
from __future__ import annotations


import pytest

from conftest import needs_torch
from harness import check_compiles, check_flagged, check_rejected, check_silent

HEAD = "import torch\nfrom torch import nn\nfrom typing import ClassVar, List\n"

#: an installed library base tslint cannot see, defining `__jit_unused_properties__`
LIB_MIXIN = {"stand_in.py": """
class LibMixin:
    __jit_unused_properties__ = ["trainer"]


class Base:
    pass
"""}
#: a stand-in for the installed Lightning, whose `LightningModule` lists its own unused properties
LIGHTNING = {"pytorch_lightning/__init__.py": """
import torch


class LightningModule(torch.nn.Module):
    __jit_unused_properties__ = ["trainer"]
"""}

_HELPER = """

class Helper:
    def __init__(self):
        self.k = 2

    def run(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.k

    def describe(self, **options):  # error
        return str(options)
"""

# name -> (source, code, compiler message, files)
FLAGGED = {
    # the compiler types `self.helper` by compiling Helper; that fails, the attribute is dropped, and
    # the read in forward fails: the compiler blames the read, tslint the method that does not compile
    "used_helper_attribute": (HEAD + _HELPER + """

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.helper = Helper()

    def forward(self, x):
        return self.helper.run(x)  # compiler
""", "TS101", "Module 'Net' has no attribute 'helper'", {}),
    # a private torch.nn base is a module class too
    "private_torch_nn_base": (HEAD + """
from torch.nn.modules.loss import _Loss


class MyLoss(_Loss):
    def forward(self, x, **options):  # error
        return x
""", "TS101", "Compiled functions can't take variable number of arguments", {}),
    # LightningModule is in the table of library module bases: its subclasses are scripted
    "lightning_module_subclass": (HEAD + """
from pytorch_lightning import LightningModule


class Net(LightningModule):
    def forward(self, x, **options):  # error
        return x
""", "TS101", "Compiled functions can't take variable number of arguments", LIGHTNING),
    # an annotated `__jit_unused_properties__` is read, and only the names it lists are skipped
    "property_not_in_annotated_list": (HEAD + """
_TABLE = {"a": 1}


class Net(nn.Module):
    __jit_unused_properties__: ClassVar[List[str]] = ["other"]

    @property
    def table(self):
        return _TABLE  # error

    def forward(self, x):
        return x
""", "TS316", "python value of type 'dict' cannot be used as a value", {}),
}

_NOT_A_MODULE = """

class {name}({base}):
    def forward(self, x, **options):
        return [v for v in options.values() if v]
"""

# name -> (source, codes that must not be reported, files)
SILENT = {
    # the class's own code swaps a method at run time (torch_geometric's MessagePassing installs a
    # generated `propagate`): the compiler compiles what it finds then, not the method written here
    "method_replaced_at_run_time": (HEAD + """
import generated


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.__class__.step = generated.step

    def step(self, x, **kwargs):
        return x

    def forward(self, x):
        return self.step(x)
""", ("TS101",), {"generated.py": "def step(self, x):\n    return x + 1\n"}),
    # an ABC module with an abstract property is never instantiated, so never scripted; the
    # concrete subclass is (and compiles)
    "abstract_module_base": (HEAD + """import abc


class Base(nn.Module, abc.ABC):
    TSLINT_SKIP = True  # the compiler side cannot build it either

    @property
    @abc.abstractmethod
    def hidden_size(self) -> int:
        raise NotImplementedError

    def forward(self, x, **kw):
        return x


class Concrete(Base):
    TSLINT_SKIP = False

    @property
    def hidden_size(self) -> int:
        return 3

    def forward(self, x):
        return x * self.hidden_size
""", ("TS101", "TS319"), {}),
    "abc_base_with_forward": (HEAD + "import abc\n" + _NOT_A_MODULE.format(name="Transform", base="abc.ABC"),
                              ("TS101", "TS114"), {}),
    "protocol_base_with_forward": (HEAD + "from typing import Protocol\n" + _NOT_A_MODULE.format(
        name="Strategy", base="Protocol"), ("TS101", "TS114"), {}),
    "plain_mixin_with_forward": (HEAD + _NOT_A_MODULE.format(name="ExportMixin", base="object"), ("TS101", "TS114"), {}),
    "library_base_with_forward": (HEAD + "import stand_in\n" + _NOT_A_MODULE.format(
        name="Backend", base="stand_in.Base"), ("TS101", "TS114"), LIB_MIXIN),
    # a base chosen when the file is imported: whether it is a module is unknown
    "base_chosen_at_import": (HEAD + "Base = nn.Module if torch.cuda.is_available() else object\n"
                              + _NOT_A_MODULE.format(name="Block", base="Base"), ("TS101", "TS114"), {}),
    "nn_parameter_subclass_with_forward": (HEAD + _NOT_A_MODULE.format(name="Scale", base="nn.Parameter"),
                                           ("TS101", "TS114"), {}),
    # forward never reads `self.helper`: Helper fails to compile, the attribute is dropped silently
    "unused_helper_attribute": (HEAD + _HELPER.replace("  # error", "") + """

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.helper = Helper()

    def forward(self, x):
        return x
""", ("TS101",), {}),
    # a helper that compiles, read in forward: compiled as a script class
    "used_helper_that_compiles": (HEAD + _HELPER.split("    def describe")[0] + """

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.helper = Helper()

    def forward(self, x):
        return self.helper.run(x)
""", ("TS101", "TS3"), {}),
    # not a property to the compiler: run in Python while scripting, its value becomes an attribute
    "cached_property_body": (HEAD + """
from functools import cached_property


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.k = 2

    @cached_property
    def scale(self) -> float:
        try:
            return float(self.k)
        except ValueError:
            return 1.0

    def forward(self, x):
        return x * self.scale
""", ("TS102",), {}),
    "unused_properties_annotated": (HEAD + """
_TABLE = {"a": 1}


class Net(nn.Module):
    __jit_unused_properties__: ClassVar[List[str]] = ["table"]

    @property
    def table(self):
        return _TABLE

    def forward(self, x):
        return x
""", ("TS316",), {}),
    "unused_properties_tuple": (HEAD + """
_TABLE = {"a": 1}


class Net(nn.Module):
    __jit_unused_properties__ = ("table",)

    @property
    def table(self):
        return _TABLE

    def forward(self, x):
        return x
""", ("TS316",), {}),
    # a value only running it would tell: the class's properties are left alone
    "unused_properties_computed": (HEAD + """
_TABLE = {"a": 1}


class Base(nn.Module):
    __jit_unused_properties__ = ["table"]

    def forward(self, x):
        return x


class Net(Base):
    __jit_unused_properties__ = Base.__jit_unused_properties__ + ["other"]

    @property
    def other(self):
        return _TABLE
""", ("TS316",), {}),
    # inherited from a library base tslint cannot see
    "unused_properties_from_library_mixin": (HEAD + """
from stand_in import LibMixin

_TABLE = {"a": 1}


class Net(LibMixin, nn.Module):
    @property
    def trainer(self):
        return _TABLE

    def forward(self, x):
        return x
""", ("TS316",), LIB_MIXIN),
    "unused_properties_from_lightning": (HEAD + """
from pytorch_lightning import LightningModule

_TABLE = {"a": 1}


class Net(LightningModule):
    @property
    def trainer(self):
        return _TABLE

    def forward(self, x):
        return x
""", ("TS316",), LIGHTNING),
}


def _marked(source: str, marker: str) -> set[int]:
    return {i for i, line in enumerate(source.splitlines(), 1) if line.rstrip().endswith(f"# {marker}")}


@pytest.mark.parametrize("name", sorted(FLAGGED))
def test_pattern_is_flagged(name):
    source, code, _, files = FLAGGED[name]
    check_flagged(name, source, code, files)


@needs_torch
@pytest.mark.parametrize("name", sorted(FLAGGED))
def test_pattern_fails_for_real(name):
    source, _, message, files = FLAGGED[name]
    check_rejected(name, source, message, files, blamed=_marked(source, "compiler") or None)


@pytest.mark.parametrize("name", sorted(SILENT))
def test_accepted_pattern_is_silent(name):
    source, codes, files = SILENT[name]
    check_silent(name, source, codes, files)


@needs_torch
@pytest.mark.parametrize("name", sorted(SILENT))
def test_accepted_pattern_compiles(name):
    source, _, files = SILENT[name]
    check_compiles(name, source, files)
