"""TS3xx precision: constructs torch 2.13 ACCEPTS (facts §2.3) must produce no TS3xx finding, and the
attribute rules must stay silent whenever an attribute could come from somewhere we cannot see.

Every ACCEPTED example is also compiled for real (when torch is installed), so the list cannot drift
into claims the compiler disagrees with.
"""
from __future__ import annotations

import os
import tempfile
import textwrap
from pathlib import Path

import pytest

from conftest import needs_torch
from harness import lint_source, run_example_with_torch
from tslint.config import Config
from tslint.entrypoints import EntryOptions
from tslint.engine import RunOptions, run

HEAD = "import torch\nfrom torch import nn\nfrom typing import Dict, Final, List, Optional, Tuple\n\n\n"


def lint_files(files: dict[str, str]) -> list:
    """Lint a small multi-file project (paths relative to a temporary root)."""
    root = Path(tempfile.mkdtemp(prefix="tslint-proj-"))
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return run(["."], Config(path=None), RunOptions(use_cache=False, jobs=1, entry=EntryOptions(entry="modules"))).findings
    finally:
        os.chdir(cwd)


def mine(findings: list, prefix: str = "TS3") -> list:
    return [(f.code, f.line, f.message) for f in findings if f.code.startswith(prefix)]


ACCEPTED = {
    "training_branch": HEAD + """
class Net(nn.Module):
    def forward(self, x):
        if self.training:
            return x * 2
        return x
""",
    "tuple_attribute": HEAD + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.ks = (3, 3)
        self.dt = torch.float32
        self.cfg = {"a": {"b": 1}}
        self.count = 0

    def forward(self, x):
        self.count += 1
        return x.to(self.dt) + self.ks[0] + self.cfg["a"]["b"]
""",
    "modulelist_idioms": HEAD + """
class Net(nn.Module):
    idx: Final[int]

    def __init__(self):
        super().__init__()
        self.idx = 1
        self.layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])
        self.norms = nn.ModuleList([nn.Identity(), nn.Identity()])
        self.seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
        self.heads = nn.ModuleDict({"a": nn.Linear(2, 2)})

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x) + i
        for layer, norm in zip(self.layers, self.norms):
            x = norm(layer(x))
        for name, head in self.heads.items():
            x = head(x)
        x = self.layers[-1](x) + self.layers[self.idx](x) + len(self.seq)
        return self.seq[0](x) + self.heads["a"](x)
""",
    "constants_list_unrolled": HEAD + """
class Net(nn.Module):
    __constants__ = ["ks"]

    def __init__(self):
        super().__init__()
        self.ks = [1, 2]

    def forward(self, x):
        for k in self.ks:
            x = x + k
        return x
""",
    "none_buffer_local_copy": HEAD + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("b", None)

    def forward(self, x):
        b = self.b
        if b is not None:
            x = x + b
        return x
""",
    "class_annotation_optional": HEAD + """
class Net(nn.Module):
    last: Optional[torch.Tensor]
    names: List[str]

    def __init__(self):
        super().__init__()
        self.last = None
        self.names = []

    def forward(self, x):
        self.last = x
        return x + len(self.names)
""",
    "property_staticmethod_classattr_const": HEAD + """
class Net(nn.Module):
    __constants__ = ["scale"]
    scale = 2.0
    k: Final = 3

    def __init__(self):
        super().__init__()
        self.w = 1

    @property
    def double(self) -> int:
        return self.w * 2

    @staticmethod
    def helper(x):
        return x + 1

    def forward(self, x):
        return self.helper(x) * self.scale + self.double + self.k
""",
    "getattr_override": HEAD + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = 1

    def __getattr__(self, name: str):
        return super().__getattr__(name)

    def forward(self, x):
        return x + self.a
""",
    "hasattr_literal_guard": HEAD + """
class Net(nn.Module):
    def forward(self, x):
        if hasattr(self, "shift"):
            x = x + self.shift
        return x + getattr(self, "training", True)
""",
    "hasattr_early_return": HEAD + """
class Net(nn.Module):
    def forward(self, x):
        if not hasattr(self, "shift"):
            return x
        return x + self.shift
""",
    "setattr_literal_and_helper_init": HEAD + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        setattr(self, "gain", 2.0)
        self.add_module("act", nn.ReLU())
        self._build()

    def _build(self):
        self.proj = nn.Linear(2, 2)
        self.cache = torch.zeros(1)

    def forward(self, x):
        self.cache = x
        return self.act(self.proj(x)) * self.gain
""",
    "global_module_attribute_and_functions": HEAD + """
import math
import torch.nn.functional as F

act = F.relu


def helper(x):
    return x + 1


class Color:
    pass


@torch.jit.script
def f(x):
    return helper(act(x)) * math.pi
""",
    "script_class_features": HEAD + """
@torch.jit.script
class Box:
    def __init__(self, v: Optional[int] = None):
        self.v = v
        self.w = torch.jit.annotate(Optional[int], None)

    def put(self, k: int):
        self.v = k
        self.w = k

    @staticmethod
    def make() -> int:
        return 3
""",
    "super_init_in_module_init_only": HEAD + """
class Base(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = 1


class Net(Base):
    def __init__(self):
        super().__init__()
        self.b = 2

    def forward(self, x):
        return x + self.a + self.b
""",
    "tuple_loop_without_break": HEAD + """
@torch.jit.script
def f(x, t: Tuple[int, int], l: List[int]):
    for k in t:
        x = x + k
    for k in l:
        if k > 1:
            break
    return x
""",
}


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_accepted_constructs_are_silent(name):
    assert not mine(lint_source(ACCEPTED[name])), ACCEPTED[name]


@needs_torch
@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_accepted_constructs_compile(name):
    outcome = run_example_with_torch(ACCEPTED[name])
    assert outcome.ok, f"{name}: {outcome.message}\n{outcome.full[:800]}"


# -- attributes that may come from places the linter cannot see: no finding -------------------
def test_attribute_from_external_base_is_not_undefined():
    src = HEAD + """
class Net(nn.Linear):
    def __init__(self):
        super().__init__(2, 2)

    def forward(self, x):
        return x @ self.weight + self.bias + self.in_features
"""
    assert not mine(lint_source(src))


def test_attribute_set_from_outside_is_not_undefined():
    src = HEAD + """
class Net(nn.Module):
    def forward(self, x):
        return x * self.scale


def build():
    net = Net()
    net.scale = 2.0
    return net
"""
    assert not mine(lint_source(src))


def test_dynamic_setattr_silences_attribute_rules():
    src = HEAD + """
class Net(nn.Module):
    def __init__(self, names: List[str]):
        super().__init__()
        for n in names:
            setattr(self, n, nn.Linear(2, 2))

    def forward(self, x):
        self.cache = x
        return self.first(x)
"""
    assert not mine(lint_source(src))


def test_init_calling_external_helper_with_self_is_unknown():
    src = HEAD + """
from somewhere import init_module


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        init_module(self)

    def forward(self, x):
        self.cache = x
        return x
"""
    assert not mine(lint_source(src))


def test_attribute_defined_in_subclass_used_in_base_forward():
    src = HEAD + """
class Base(nn.Module):
    def forward(self, x):
        return self.proj(x)


class Net(Base):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(2, 2)
"""
    codes = {c for c, _, _ in mine(lint_source(src))}
    # Base alone really lacks `proj` (scripting Base() fails), but Net defines it: no finding in Base.forward
    assert "TS314" not in codes


def test_base_class_in_other_file():
    files = {
        "pkg/__init__.py": "",
        "pkg/base.py": HEAD + """
class Base(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = 2.0
        self.layers = nn.ModuleList([nn.Linear(2, 2)])
""",
        "pkg/net.py": HEAD + """
from .base import Base


class Net(Base):
    def forward(self, x):
        for i in range(len(self.layers)):
            x = self.layers[i](x)
        return x * self.scale
""",
    }
    found = mine(lint_files(files))
    assert [c for c, _, _ in found] == ["TS306"], found  # the base's attributes are known, the index is not literal


def test_imported_global_value():
    files = {
        "pkg/__init__.py": "",
        "pkg/consts.py": "EPS = 1e-5\n",
        "pkg/net.py": HEAD + """
from . import consts
from .consts import EPS


@torch.jit.script
def f(x):
    return x / (x.norm() + EPS) + consts.EPS
""",
    }
    found = mine(lint_files(files))
    assert [(c, line) for c, line, _ in found] == [("TS316", 13)], found


def test_global_names_that_are_not_values():
    src = HEAD + """
Vec = List[int]
TYPES = (int, float)
MAYBE = None


@torch.jit.script
def f(x, v: Vec, y: int):
    w: Vec = [1]
    z = torch.jit.annotate(Vec, [])
    return x + v[0] + w[0] + len(z)
"""
    assert not mine(lint_source(src))


def test_local_shadowing_global():
    src = HEAD + """
EPS = 1e-5


@torch.jit.script
def f(x):
    EPS = 1e-3
    return x + EPS
"""
    assert not mine(lint_source(src))


def test_untypable_attribute_filled_by_other_method_is_silent():
    src = HEAD + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.names = []

    def configure(self, names: List[str]):
        self.names.extend(names)

    def forward(self, x):
        return x + len(self.names)
"""
    assert not mine(lint_source(src))


def test_implicit_script_class_inheritance_not_flagged_as_explicit():
    src = HEAD + """
class A:
    def __init__(self):
        self.a = 1


class B(A):
    def __init__(self):
        self.a = 2


@torch.jit.script
def f(x):
    return x + B().a
"""
    assert "TS301" not in {c for c, _, _ in mine(lint_source(src))}


def test_enum_script_class_is_not_inheritance():
    src = HEAD + """
import enum


@torch.jit.script
class Color(enum.Enum):
    RED = 1
"""
    assert not mine(lint_source(src))


# -- claims beyond the rule examples, verified with the compiler -------------------------------
EXTRA_INVALID = {
    # (source, code, compiler message substring)
    "user_module_in_forward": (HEAD + """
class Sub(nn.Module):
    def forward(self, x):
        return x


class Net(nn.Module):
    def forward(self, x):
        return Sub()(x)
""", "TS311", "Cannot instantiate class 'Sub'"),
    "register_parameter_in_forward": (HEAD + """
class Net(nn.Module):
    def forward(self, x):
        self.register_parameter("p", nn.Parameter(x))
        return x
""", "TS312", "has no attribute '__dict__'"),
    "add_module_in_forward": (HEAD + """
class Net(nn.Module):
    def forward(self, x):
        self.add_module("act", nn.ReLU())
        return x
""", "TS312", "Unknown type name 'Module'"),
    "super_explicit_args": (HEAD + """
class Base(nn.Module):
    def forward(self, x):
        return x


class Net(Base):
    def forward(self, x):
        return super(Net, self).forward(x)
""", "TS305", "Python type cannot be used as a value"),
    "module_class_value_list": (HEAD + """
class Net(nn.Module):
    sizes = (1, 2)

    def forward(self, x):
        return x + self.sizes[0]
""", "TS302", "has no attribute 'sizes'"),
    "empty_dict_attribute": (HEAD + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.d = {}

    def forward(self, x):
        return x + len(self.d)
""", "TS313", "Dictionary inputs must have entries"),
    "lambda_attribute": (HEAD + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.act = lambda t: t * 2

    def forward(self, x):
        return self.act(x)
""", "TS313", "failed to compile it to a TorchScript function"),
    "tuple_param_break": (HEAD + """
@torch.jit.script
def f(x, t: Tuple[int, int]):
    for k in t:
        if k == 2:
            break
        x = x + k
    return x
""", "TS310", "do not support break or continue"),
    "global_str": (HEAD + """
MODE = "fast"


@torch.jit.script
def f(x, m: str):
    if m == MODE:
        return x
    return x + 1
""", "TS316", "python value of type 'str'"),
    "none_attr_set_in_script_class": (HEAD + """
@torch.jit.script
class Box:
    def __init__(self):
        self.v = None

    def put(self, k: int):
        self.v = k
""", "TS315", "Expected NoneType but got int"),
}


@pytest.mark.parametrize("name", sorted(EXTRA_INVALID))
def test_extra_invalid_flagged(name):
    source, code, _ = EXTRA_INVALID[name]
    assert code in {c for c, _, _ in mine(lint_source(source))}


@needs_torch
@pytest.mark.parametrize("name", sorted(EXTRA_INVALID))
def test_extra_invalid_rejected(name):
    source, _, message = EXTRA_INVALID[name]
    outcome = run_example_with_torch(source)
    assert not outcome.ok and (message in outcome.full or message in outcome.message), outcome.message


# -- patterns from libraries whose models script (torchvision, timm), rewritten small ------------
REALISTIC = {
    "googlenet_like": HEAD + """
import warnings
from collections import namedtuple

Outputs = namedtuple("Outputs", ["logits", "aux"])


class Net(nn.Module):
    __constants__ = ["aux_logits", "transform_input"]

    def __init__(self, aux_logits: bool = True, transform_input: bool = False):
        super().__init__()
        self.aux_logits = aux_logits
        self.transform_input = transform_input
        self.fc = nn.Linear(4, 2)
        self.aux = nn.Linear(4, 2) if aux_logits else None

    def _transform_input(self, x):
        if self.transform_input:
            x = x * 0.5
        return x

    @torch.jit.unused
    def eager_outputs(self, x: torch.Tensor, aux: Optional[torch.Tensor]) -> Outputs:
        return Outputs(x, aux)

    def forward(self, x):
        x = self._transform_input(x)
        aux: Optional[torch.Tensor] = None
        if self.aux is not None:
            if self.training:
                aux = self.aux(x)
        out = self.fc(x)
        if torch.jit.is_scripting():
            if not self.aux_logits:
                warnings.warn("scripted GoogleNet always returns a tuple")
            return out, aux
        return self.eager_outputs(out, aux)
""",
    "inception_optional_submodule": HEAD + """
class Net(nn.Module):
    def __init__(self, aux_logits: bool = False):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.AuxLogits: Optional[nn.Module] = None
        if aux_logits:
            self.AuxLogits = nn.Linear(4, 4)

    def forward(self, x):
        aux: Optional[torch.Tensor] = None
        if self.AuxLogits is not None:
            if self.training:
                aux = self.AuxLogits(x)
        return self.fc(x), aux
""",
    "poolers_class_annotations_dict": HEAD + """
def setup_scales(x: List[torch.Tensor]) -> Tuple[List[float], int]:
    return [1.0], 2


class Net(nn.Module):
    __annotations__ = {"scales": Optional[List[float]], "level": Optional[int]}

    def __init__(self):
        super().__init__()
        self.scales = None
        self.level = None

    def forward(self, x):
        self.scales, self.level = setup_scales([x])
        return x
""",
    "resnet_block": HEAD + """
class BasicBlock(nn.Module):
    expansion: int = 1

    def __init__(self, downsample: Optional[nn.Module] = None):
        super().__init__()
        self.conv = nn.Conv2d(2, 2, 3, padding=1)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        identity = x
        out = self.relu(self.conv(x))
        if self.downsample is not None:
            identity = self.downsample(x)
        return self.relu(out + identity)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Sequential(BasicBlock(), BasicBlock(nn.Identity()))
        self.inplanes = 2 * BasicBlock.expansion

    def forward(self, x):
        return self.layer(x).flatten(1).sum(1) * self.inplanes
""",
    "rcnn_warn_once": HEAD + """
import warnings


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self._has_warned = False

    @torch.jit.unused
    def eager_outputs(self, x: torch.Tensor) -> torch.Tensor:
        return x

    def forward(self, images: List[torch.Tensor]):
        sizes = torch.jit.annotate(List[Tuple[int, int]], [])
        for img in images:
            val = img.shape[-2:]
            torch._assert(len(val) == 2, f"expecting the last two dimensions to be 2, got {len(val)}")
            sizes.append((val[0], val[1]))
        if torch.jit.is_scripting():
            if not self._has_warned:
                warnings.warn("RCNN always returns a (Losses, Detections) tuple in scripting")
                self._has_warned = True
            return sizes
        return sizes
""",
    "timm_attention": HEAD + """
class Attention(nn.Module):
    fused_attn: Final[bool]

    def __init__(self, dim: int = 8, num_heads: int = 2):
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.scale = self.head_dim ** -0.5
        self.fused_attn = False
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)
        self.grad_checkpointing = False

    @torch.jit.ignore
    def set_grad_checkpointing(self, enable: bool = True):
        self.grad_checkpointing = enable

    @torch.jit.ignore
    def no_weight_decay(self):
        return {"qkv", "proj"}

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        if self.fused_attn:
            x = F.scaled_dot_product_attention(q, k, v)
        else:
            q = q * self.scale
            attn = (q @ k.transpose(-2, -1)).softmax(dim=-1)
            x = attn @ v
        return self.proj(x.transpose(1, 2).reshape(B, N, C))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([Attention(), Attention()])
        self.cls_token = nn.Parameter(torch.zeros(1, 1, 8))

    def forward(self, x):
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1)
        for blk in self.blocks:
            x = blk(x)
        return x[:, 0]
""",
    "squeeze_excitation_factories": HEAD + """
from typing import Callable


class Net(nn.Module):
    def __init__(self, activation: Callable[..., nn.Module] = nn.ReLU,
                 scale_activation: Callable[..., nn.Module] = nn.Sigmoid):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(4, 2, 1)
        self.fc2 = nn.Conv2d(2, 4, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def _scale(self, x):
        scale = self.avgpool(x)
        scale = self.activation(self.fc1(scale))
        return self.scale_activation(self.fc2(scale))

    def forward(self, x):
        return self._scale(x) * x
""",
    "frozen_batchnorm_buffers": HEAD + """
class Net(nn.Module):
    def __init__(self, n: int = 3, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.register_buffer("weight", torch.ones(n))
        self.register_buffer("bias", torch.zeros(n))
        self.register_buffer("running_mean", torch.zeros(n))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    def forward(self, x):
        if self.training:
            self.num_batches_tracked.add_(1)
            self.running_mean = self.running_mean * 0.9 + x.mean(0) * 0.1
        scale = self.weight * (self.running_mean + self.eps).rsqrt()
        return x * scale + self.bias
""",
}


@pytest.mark.parametrize("name", sorted(REALISTIC))
def test_realistic_models_are_silent(name):
    src = REALISTIC[name].replace("from torch import nn\n", "from torch import nn\nimport torch.nn.functional as F\n", 1)
    found = [f for f in lint_source(src) if f.code.startswith(("TS3", "TS4")) and f.severity == "error"]
    assert not found, [(f.code, f.line, f.message) for f in found]


@needs_torch
@pytest.mark.parametrize("name", sorted(REALISTIC))
def test_realistic_models_compile(name):
    src = REALISTIC[name].replace("from torch import nn\n", "from torch import nn\nimport torch.nn.functional as F\n", 1)
    outcome = run_example_with_torch(src)
    assert outcome.ok, f"{name}: {outcome.message}\n{outcome.full[:800]}"
