"""First-error recall on real code: small reproductions of patterns tslint used to miss in kornia,
transformers and torch.nn (bench/accuracy.py), each checked against the real compiler.

Every FLAGGED case must get its code at the line marked `# error` and must fail under torch 2.13 with
the given message (at that line when the compiler names one); every SILENT case must get none of the
listed codes and must compile.
"""
from __future__ import annotations



from conftest import needs_torch
from harness import lint_source, pattern_table_tests, run_example_with_torch

HEAD = "import torch\nfrom torch import nn\nfrom typing import Optional\n"

# name -> (source, code, compiler message)
FLAGGED = {
    # kornia/filters/filter.py: `str(border_type).lower() in _VALID_BORDERS` with a module-level set
    "global_set_in_helper": (HEAD + """
_VALID_BORDERS = {"constant", "reflect"}


def check_border(x: torch.Tensor, border_type: str) -> torch.Tensor:
    if str(border_type).lower() in _VALID_BORDERS:  # error
        return x
    return -x


class Net(nn.Module):
    def forward(self, x):
        return check_border(x, "reflect")
""", "TS316", "python value of type 'set' cannot be used as a value"),
    # kornia/filters/gaussian.py: a capability flag computed at import, read in `and`
    "global_call_result_in_boolop": (HEAD + """
_HAS_MKLDNN = torch.backends.mkldnn.is_available()


def eligible(x: torch.Tensor) -> bool:
    return not (_HAS_MKLDNN and x.is_contiguous())  # error


class Net(nn.Module):
    def forward(self, x):
        if eligible(x):
            return x
        return x + 1
""", "TS316", "python value of type 'bool' cannot be used as a value"),
    # kornia/geometry/subpix/spatial_soft_argmax.py: a warning category passed to warnings.warn
    "warning_category_value": (HEAD + """
import warnings


def _warn_deprecated() -> None:
    warnings.warn(
        "`strict_maxima_bonus` is deprecated",
        DeprecationWarning,  # error
        stacklevel=3,
    )


class Net(nn.Module):
    def forward(self, x, bonus: Optional[float] = None):
        if bonus is not None:
            _warn_deprecated()
        return x
""", "TS416", "Python exception cannot be used as a value"),
    # kornia/models/qwen25/vision.py: a dataclass config kept on the module and read in forward
    "dataclass_instance_attribute": (HEAD + """
from dataclasses import dataclass


@dataclass
class VisionConfig:
    depth: int = 2


class Net(nn.Module):
    def __init__(self, config: Optional[VisionConfig] = None):
        super().__init__()
        self.config = config if config is not None else VisionConfig()

    def forward(self, x):
        cfg = self.config  # error
        return x * cfg.depth
""", "TS313", "failed to convert Python type"),
    # transformers 5.x: `config: BertConfig` on the model class, the config dataclass-like through a
    # base class marked @dataclass_transform (PEP 681); the compiler fails with no source location
    "annotated_dataclass_transform_config": (HEAD + """
from dataclasses import dataclass
from typing import dataclass_transform


@dataclass_transform()
class ConfigBase:
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        dataclass(cls)


class NetConfig(ConfigBase):
    width: int = 4


class PreTrained(nn.Module):
    TSLINT_SKIP = True
    config: NetConfig  # error

    def __init__(self, config: NetConfig):
        super().__init__()
        self.config = config


class Net(PreTrained):
    TSLINT_SKIP = False

    def __init__(self):
        super().__init__(NetConfig())

    def forward(self, x):
        return x
""", "TS318", "Failed to get source for"),
    # kornia/augmentation/container/base.py: a property setter (compiled with the module, used or
    # not) stores an Optional into an attribute typed from its runtime value
    "optional_into_inferred_attribute_in_setter": (HEAD + """
class Seq(nn.Module):
    def __init__(self, keepdim: Optional[bool] = None):
        super().__init__()
        self._keepdim = keepdim

    @property
    def keepdim(self) -> Optional[bool]:
        return self._keepdim

    @keepdim.setter
    def keepdim(self, keepdim: Optional[bool]) -> None:
        self._keepdim = keepdim  # error

    def forward(self, x):
        return x
""", "TS315", "Wrong type for attribute assignment"),
    # kornia/losses/cauchy.py: `reduction in ("mean", "sum", "none", None)`
    "contains_literal_with_none": (HEAD + """
def check(x: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction in ("mean", "sum", "none", None):  # error
        return x
    return -x


class Net(nn.Module):
    def forward(self, x):
        return check(x, "mean")
""", "TS417", "Arguments for call are not valid"),
    # an unused property is compiled too: its errors count even though forward never reads it
    "unused_property_getter": (HEAD + """
_SCALE = 2.0


class Net(nn.Module):
    @property
    def scale(self) -> float:
        return _SCALE  # error

    def forward(self, x):
        return x
""", "TS316", "python value of type 'float' cannot be used as a value"),
}

# name -> (source, codes that must stay silent)
SILENT = {
    "unused_properties_listed": (HEAD + """
_SCALE = 2.0


class Net(nn.Module):
    __jit_unused_properties__ = ["scale"]

    @property
    def scale(self) -> float:
        return _SCALE

    def forward(self, x):
        return x
""", ("TS316",)),
    "unused_property_getter_decorated": (HEAD + """
_SCALE = 2.0


class Net(nn.Module):
    @property
    @torch.jit.unused
    def scale(self) -> float:
        return _SCALE

    def forward(self, x):
        return x
""", ("TS316",)),
    "property_deleter_not_compiled": (HEAD + """
_SCALE = 2.0


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self._k = 1

    @property
    def k(self) -> int:
        return self._k

    @k.setter
    def k(self, value: int) -> None:
        self._k = value

    @k.deleter
    def k(self):
        print(_SCALE)

    def forward(self, x):
        return x + self.k
""", ("TS316", "TS315")),
    "class_value_shadows_base_property": (HEAD + """
_SCALE = 2.0


class Base(nn.Module):
    @property
    def scale(self) -> float:
        return _SCALE

    def forward(self, x):
        return x


class Net(Base):
    scale = 3.0
""", ()),  # Base itself fails; only Net's compile is checked below
    "annotated_optional_attribute_in_setter": (HEAD + """
class Seq(nn.Module):
    _keepdim: Optional[bool]

    def __init__(self, keepdim: Optional[bool] = None):
        super().__init__()
        self._keepdim = keepdim

    @property
    def keepdim(self) -> Optional[bool]:
        return self._keepdim

    @keepdim.setter
    def keepdim(self, keepdim: Optional[bool]) -> None:
        self._keepdim = keepdim

    def forward(self, x):
        return x
""", ("TS315",)),
    "dataclass_attribute_not_annotated_not_used": (HEAD + """
from dataclasses import dataclass


@dataclass
class Config:
    depth: int = 2


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.config = Config()
        self.depth = self.config.depth

    def forward(self, x):
        return x * self.depth
""", ("TS313", "TS318")),
    "dataclass_annotation_ignored_attribute": (HEAD + """
from dataclasses import dataclass


@dataclass
class Config:
    depth: int = 2


class Net(nn.Module):
    config: Config
    __jit_ignored_attributes__ = ["config"]

    def __init__(self):
        super().__init__()
        self.config = Config()

    def forward(self, x):
        return x
""", ("TS318",)),
    "exception_raised_or_caught_not_value": (HEAD + """
import warnings


class Net(nn.Module):
    def forward(self, x):
        warnings.warn("deprecated", stacklevel=2)
        if x.sum() > 0:
            raise ValueError
        if x.sum() < -100:
            raise RuntimeError("too small")
        return x
""", ("TS416",)),
    "script_function_global_called": (HEAD + """
def _double(x: torch.Tensor) -> torch.Tensor:
    return x * 2


double = torch.jit.script(_double)


class Net(nn.Module):
    def forward(self, x):
        return double(x)
""", ("TS316",)),
    "homogeneous_literal_in": (HEAD + """
class Net(nn.Module):
    def forward(self, x, mode: str = "a"):
        if mode in ("a", "b") and 2 in [1, 2]:
            return x
        return x + 1
""", ("TS417",)),
}


test_pattern_is_flagged_at_the_compilers_line, test_pattern_fails_for_real, \
    test_accepted_pattern_is_silent, test_accepted_pattern_compiles = pattern_table_tests(FLAGGED, SILENT,
    not_compiled=frozenset({"class_value_shadows_base_property"}))


@needs_torch
def test_class_value_shadowing_a_property_compiles_and_only_the_base_is_flagged():
    source = SILENT["class_value_shadows_base_property"][0]
    findings = [f for f in lint_source(source) if f.code == "TS316"]
    assert [f.entry.split(" -> ")[0].rsplit(".", 1)[-1] for f in findings] == ["Base"], findings
    outcome = run_example_with_torch(source.replace("class Base(nn.Module):", "class Base(nn.Module):\n    TSLINT_SKIP = True")
                                     .replace("    scale = 3.0", "    TSLINT_SKIP = False\n    scale = 3.0"))
    assert outcome.ok, outcome.message


def test_reach_includes_property_accessors_the_compiler_compiles(tmp_path):
    """Getters and setters of every property (inherited from a mixin too) are compiled with the module;
    deleters, `__jit_unused_properties__` and `@torch.jit.unused` getters are not."""
    from tslint.config import Config
    from tslint.engine import RunOptions, analyse
    from tslint.entrypoints import EntryOptions

    (tmp_path / "props.py").write_text(HEAD + """
class Mixin:
    @property
    def flag(self) -> bool:
        return True


class Net(nn.Module, Mixin):
    __jit_unused_properties__ = ["hidden"]

    def __init__(self):
        super().__init__()
        self._k = 1

    @property
    def k(self) -> int:
        return self._k

    @k.setter
    def k(self, value: int) -> None:
        self._k = value

    @k.deleter
    def k(self) -> None:
        pass

    @property
    def hidden(self) -> int:
        return 0

    @property
    @torch.jit.unused
    def dropped(self) -> int:
        return 0

    def forward(self, x):
        return x
""")
    import os
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        reach = analyse(["props.py"], Config(path=None), RunOptions(use_cache=False, jobs=1, entry=EntryOptions(entry="modules"))).reach
    finally:
        os.chdir(cwd)
    reached = {ref.qualname for ref, contexts in reach.functions.items() if "script" in contexts}
    assert {"Net.forward", "Net.k", "Net.k.setter", "Mixin.flag"} <= reached
    assert not reached & {"Net.k.deleter", "Net.hidden", "Net.dropped"}
