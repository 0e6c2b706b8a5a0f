"""How the compiler types module attributes, and what a `setattr` with a computed name can reach.

A `setattr(obj, <computed>, v)` (or `obj.__dict__.update(d)`, `vars(obj)[k] = v`) may create any
attribute on the instances it reaches, so the attribute rules stay silent about those classes, and
only those: one such store in a utility must not switch the rules off for the whole project. Each
FLAGGED case is reported at its `# error` line and rejected by the real compiler there; each SILENT
case gets no attribute finding (it may or may not compile: the store could run before scripting).
"""
from __future__ import annotations

import pytest

from conftest import needs_torch
from harness import check_compiles, check_flagged, check_rejected, check_silent

HEAD = "import torch\nfrom torch import nn\nfrom typing import Dict, List, Optional\n\n\n"

#: a module that reads an attribute nothing defines: what TS314 reports when nothing can add it
UNDEFINED = HEAD + """
class Net(nn.Module):
    def forward(self, x):
        return x * self.scale  # error
"""

#: (name, helper code appended to UNDEFINED): stores whose reach excludes `Net`
NOT_REACHING_NET = {
    "names_from_own_children": """
def fuse(net):
    for name, child in net.named_children():
        setattr(net, name, child)
""",
    "names_from_dir": """
def copy_missing(dst, src):
    for name in dir(dst):
        setattr(dst, name, getattr(src, name))
""",
    "guarded_by_hasattr": """
def set_head(head, **kw):
    for k, v in kw.items():
        if not hasattr(head, k):
            continue
        setattr(head, k, v)
""",
    "inside_hasattr_branch": """
def set_attrs(obj, d):
    for k, v in d.items():
        if hasattr(obj, k) and v is not None:
            setattr(obj, k, v)
""",
    "classmethod_of_other_class": """
class Cfg:
    @classmethod
    def load(cls, d):
        for k, v in d.items():
            setattr(cls, k, v)
""",
    "local_instance_of_other_class": """
class Options:
    pass


def options(d):
    o = Options()
    for k, v in d.items():
        setattr(o, k, v)
    return o
""",
    "annotated_other_class": """
class Options:
    pass


def fill(o: Options, d):
    o.__dict__.update(d)
""",
    "a_module_object": """
def patch(d):
    for k, v in d.items():
        setattr(torch.functional, k, v)
""",
    "literal_name_elsewhere": """
def build():
    m = Net()
    setattr(m, "shift", 1.0)
    return m
""",
}

#: stores that may reach `Net`: the attribute rules stay silent about it
REACHING_NET = {
    "unknown_parameter": """
def copy_state(obj, state):
    for k, v in state.items():
        setattr(obj, k, v)
""",
    "dict_update_of_parameter": """
def copy_state(obj, state):
    obj.__dict__.update(state)
""",
    "vars_of_parameter": """
def copy_state(obj, state):
    for k, v in state.items():
        vars(obj)[k] = v
""",
    "annotated_module": """
def copy_state(obj: nn.Module, state):
    for k, v in state.items():
        setattr(obj, k, v)
""",
    "local_instance_of_net": """
def build(state):
    m = Net()
    for k, v in state.items():
        setattr(m, k, v)
    return m
""",
    "factory_result": """
import copy


def clone(model, state):
    m = copy.deepcopy(model)
    for k, v in state.items():
        setattr(m, k, v)
    return m
""",
    "object_held_by_self": """
class Holder:
    def __init__(self, target):
        self.target = target

    def apply(self, state):
        for k, v in state.items():
            setattr(self.target, k, v)
""",
    "names_from_other_object": """
def graft(dst, src):
    for name, child in src.named_children():
        setattr(dst, name, child)
""",
}


@pytest.mark.parametrize("name", sorted(NOT_REACHING_NET))
def test_store_not_reaching_the_class_leaves_rules_on(name):
    check_flagged(name, UNDEFINED + NOT_REACHING_NET[name], "TS314")


@pytest.mark.parametrize("name", sorted(REACHING_NET))
def test_store_reaching_the_class_silences_it(name):
    check_silent(name, UNDEFINED + REACHING_NET[name], ("TS314",))


def test_store_on_one_class_silences_only_that_class():
    source = HEAD + """
class Other(nn.Module):
    def forward(self, x):
        return x * self.gain


class Net(nn.Module):
    def forward(self, x):
        return x * self.scale  # error


def build(state):
    m = Other()
    for k, v in state.items():
        setattr(m, k, v)
    return m
"""
    check_flagged("one class", source, "TS314")
    check_silent("other class", source.replace("return x * self.scale  # error", "return x"), ("TS314",))


@needs_torch
@pytest.mark.parametrize("name", sorted(NOT_REACHING_NET))
def test_store_not_reaching_the_class_compiler_rejects(name):
    check_rejected(name, UNDEFINED + NOT_REACHING_NET[name], "has no attribute 'scale'")


# -- attribute stores on values (TS320): the compiler's `SimpleValue::setAttr` ----------------------
STORE_ON_VALUE = {
    "list_parameter": HEAD + """
class Net(nn.Module):
    def forward(self, x, xs: List[int]):
        xs.size = 1  # error
        return x
""",
    "parameter_data": HEAD + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Parameter(torch.tensor(2.0))

    def forward(self, x):
        self.a.data = torch.clamp(self.a.data, 1.01, 6.0)  # error
        return x * self.a
""",
}

#: the line fails first for another reason, with another message: TS320 leaves it to other rules
STORE_ON_VALUE_OTHER_ERROR = {
    "reads_missing_member": HEAD + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Embedding(4, 2)

    def forward(self, batch):
        batch.x = self.encoder(batch.x[:, 0])  # error
        return batch
""",
    "subscript_object": HEAD + """
class Net(nn.Module):
    def forward(self, inputs):
        inputs["R"].requires_grad = True  # error
        return inputs
""",
}


@pytest.mark.parametrize("name", sorted(STORE_ON_VALUE))
def test_store_on_value_flagged(name):
    check_flagged(name, STORE_ON_VALUE[name], "TS320")


@pytest.mark.parametrize("name", sorted(STORE_ON_VALUE_OTHER_ERROR))
def test_store_on_value_failing_first_elsewhere_is_not_ts320(name):
    check_silent(name, STORE_ON_VALUE_OTHER_ERROR[name], ("TS320",))


@needs_torch
@pytest.mark.parametrize("name", sorted(STORE_ON_VALUE))
def test_store_on_value_compiler_rejects(name):
    check_rejected(name, STORE_ON_VALUE[name], "Tried to set an attribute")


@needs_torch
@pytest.mark.parametrize("name", sorted(STORE_ON_VALUE_OTHER_ERROR))
def test_store_on_value_failing_first_elsewhere_compiler(name):
    outcome_message = {"reads_missing_member": "has no attribute or method 'x'",
                       "subscript_object": "indexing tensor with unsupported index type"}[name]
    check_rejected(name, STORE_ON_VALUE_OTHER_ERROR[name], outcome_message)


# -- attributes the compiler cannot convert (TS313): reported where compiled code uses them --------
UNCONVERTIBLE = {
    "dict_keys_mixed": HEAD + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.ids = {1: 2, 2.5: 3}

    def forward(self, x):
        return x + len(self.ids)  # error
""",
    "partial_called": HEAD + """
import functools


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.act = functools.partial(torch.clamp, min=0.0)

    def forward(self, x):
        return self.act(x)  # error
""",
    "object_of_class_with_varargs": HEAD + """
class Options:
    def __init__(self):
        self.scale = 2

    def update(self, **kwargs):
        pass


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.opts = Options()

    def forward(self, x):
        return x * self.opts.scale  # error
""",
    "parameter_annotated_with_such_class": HEAD + """
class Options:
    def __init__(self, scale: int = 2, **extra):
        self.scale = scale


class Net(nn.Module):
    def __init__(self, opts: Options = Options()):
        super().__init__()
        self.opts = opts

    def forward(self, x):
        return x * self.opts.scale  # error
""",
}

#: the same values, never read by compiled code (the compiler drops them silently), or convertible
CONVERTIBLE_OR_UNUSED = {
    "partial_unused": HEAD + """
import functools


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.act = functools.partial(torch.clamp, min=0.0)

    def forward(self, x):
        return x
""",
    "object_of_class_with_varargs_unused": HEAD + """
class Options:
    def __init__(self):
        self.scale = 2

    def update(self, **kwargs):
        pass


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.opts = Options()
        self.scale = self.opts.scale

    def forward(self, x):
        return x * self.scale
""",
    "parameter_annotated_with_compilable_class": HEAD + """
class Options:
    def __init__(self, scale: int = 2):
        self.scale = scale


class Net(nn.Module):
    def __init__(self, opts: Options = Options()):
        super().__init__()
        self.opts = opts

    def forward(self, x):
        return x * self.opts.scale
""",
    "object_of_class_with_varargs_static": HEAD + """
class Options:
    def __init__(self):
        self.scale = 2

    @staticmethod
    def make(**kwargs):
        return Options()


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.opts = Options()

    def forward(self, x):
        return x * self.opts.scale
""",
}


@pytest.mark.parametrize("name", sorted(UNCONVERTIBLE))
def test_unconvertible_attribute_flagged(name):
    check_flagged(name, UNCONVERTIBLE[name], "TS313")


@pytest.mark.parametrize("name", sorted(CONVERTIBLE_OR_UNUSED))
def test_convertible_or_unused_attribute_silent(name):
    check_silent(name, CONVERTIBLE_OR_UNUSED[name], ("TS313",))


@needs_torch
@pytest.mark.parametrize("name", sorted(UNCONVERTIBLE))
def test_unconvertible_attribute_compiler_rejects(name):
    check_rejected(name, UNCONVERTIBLE[name], "to a TorchScript type")


@needs_torch
@pytest.mark.parametrize("name", sorted(CONVERTIBLE_OR_UNUSED))
def test_convertible_or_unused_attribute_compiles(name):
    check_compiles(name, CONVERTIBLE_OR_UNUSED[name])


CONDITIONAL_UNCONVERTIBLE = HEAD + """
import functools


class Net(nn.Module):
    def __init__(self, act: bool = False):
        super().__init__()
        self.use_act = act
        if act:
            self.act = functools.partial(torch.clamp, min=0.0)

    def forward(self, x):
        if self.use_act:
            x = self.act(x)  # error
        return x
"""


def test_conditionally_set_unconvertible_attribute_flagged_as_maybe_missing():
    check_flagged("conditional", CONDITIONAL_UNCONVERTIBLE, "TS313")
    from harness import lint_source

    messages = [f.message for f in lint_source(CONDITIONAL_UNCONVERTIBLE) if f.code == "TS313"]
    assert messages and "has no attribute" in messages[0]


@needs_torch
def test_conditionally_set_unconvertible_attribute_compiler_rejects():
    # built with the default, the attribute is missing; built with act=True, it cannot be converted
    check_rejected("conditional", CONDITIONAL_UNCONVERTIBLE, "has no attribute 'act'")
    check_rejected("conditional, set", CONDITIONAL_UNCONVERTIBLE.replace("act: bool = False", "act: bool = True"),
                   "to a TorchScript type")


def test_store_on_unannotated_parameter_read_as_an_object_is_not_ts320():
    # `batch` is meant to be some data class: reading `batch.x` fails first ("no attribute or method")
    source = HEAD + """
class Net(nn.Module):
    def forward(self, batch):
        y = batch.x * 2
        batch.x = y
        return batch
"""
    check_silent("unannotated object", source, ("TS320",))


# -- attributes `__init__` sets only under a condition its default arguments make false (TS314) -------
#: the module as a zero-argument construction builds it lacks the attribute, and the compiler, which
#: types module attributes from the instance, compiles the use anyway: 'has no attribute'
COND = HEAD + """
class Net(nn.Module):
    def __init__(self, n=4, act=False, scale=1, plain=True):
        super().__init__()
        self.act = act
        self.scale = scale
        self.conv = nn.Conv2d(n, n, 1)
{init}

    def forward(self, x):
        x = self.conv(x)
{forward}
        return x
"""

ABSENT_BY_DEFAULT = {
    "flag_attribute": ("        if self.act:\n            self.prelu = nn.PReLU(4)",
                       "        if self.act:\n            x = self.prelu(x)  # error"),
    "parameter_compared": ("        if scale > 1:\n            self.pool = nn.MaxPool2d(scale)",
                           "        if self.scale > 1:\n            x = self.pool(x)  # error"),
    "negated_parameter_nested": ("        if n > 0:\n            if not plain:\n                self.extra = nn.ReLU()",
                                 "        x = self.extra(x)  # error"),
}

PRESENT_OR_UNUSED = {
    "default_true": ("        if not self.act:\n            self.prelu = nn.PReLU(4)",
                     "        if not self.act:\n            x = self.prelu(x)"),
    "every_branch": ("        if self.act:\n            self.prelu = nn.PReLU(4)\n        else:\n"
                     "            self.prelu = nn.Identity()", "        x = self.prelu(x)"),
    "hasattr_guard": ("        if self.act:\n            self.prelu = nn.PReLU(4)",
                      "        if hasattr(self, 'prelu'):\n            x = self.prelu(x)"),
    "final_flag": ("        self.on: Final[bool] = act\n        if act:\n            self.prelu = nn.PReLU(4)",
                   "        if self.on:\n            x = self.prelu(x)"),
}


def _cond(case: tuple[str, str]) -> str:
    source = COND.format(init=case[0], forward=case[1])
    return source.replace("class Net(nn.Module):\n", "class Net(nn.Module):\n    on: Final[bool]\n\n") \
        .replace("from typing import", "from typing import Final,") if "Final" in case[0] else source


@pytest.mark.parametrize("name", sorted(ABSENT_BY_DEFAULT))
def test_absent_by_default_flagged(name):
    check_flagged(name, _cond(ABSENT_BY_DEFAULT[name]), "TS314")


@pytest.mark.parametrize("name", sorted(PRESENT_OR_UNUSED))
def test_present_or_unused_silent(name):
    check_silent(name, _cond(PRESENT_OR_UNUSED[name]), ("TS314",))


@needs_torch
@pytest.mark.parametrize("name", sorted(ABSENT_BY_DEFAULT))
def test_absent_by_default_compiler_rejects(name):
    check_rejected(name, _cond(ABSENT_BY_DEFAULT[name]), "has no attribute")


@needs_torch
@pytest.mark.parametrize("name", sorted(PRESENT_OR_UNUSED))
def test_present_or_unused_compiles(name):
    check_compiles(name, _cond(PRESENT_OR_UNUSED[name]))


# -- nn.Module bookkeeping a scripted module does not carry (TS314): `ignored_attributes` -------------
BOOKKEEPING = HEAD + """
class Chain(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.ReLU()
        self.b = nn.Tanh()

    def forward(self, x):
{body}
        return x
"""

HIDDEN_READS = {
    "modules_dict": "        for block in self._modules.values():  # error\n            x = block(x)",
    "parameters_dict": "        n = len(self._parameters)  # error",
    "version": "        v = self._version  # error",
}

@needs_torch
def test_bookkeeping_of_a_sequential_subclass():
    """A torch.nn container base hides them as nn.Module does (its other names stay unknown to TS314)."""
    source = HEAD + """
class Chain(nn.Sequential):
    def forward(self, x):
        for block in self._modules.values():  # error
            x = block(x)
        return x
"""
    check_flagged("sequential subclass", source, "TS314")
    check_rejected("sequential subclass", source, "has no attribute '_modules'")


PUBLIC_READS = {
    "children": "        for block in self.children():\n            x = block(x)",
    "named_modules": "        for name, block in self.named_children():\n            x = block(x)",
}


@pytest.mark.parametrize("name", sorted(HIDDEN_READS))
def test_bookkeeping_flagged(name):
    check_flagged(name, BOOKKEEPING.format(body=HIDDEN_READS[name]), "TS314")


@pytest.mark.parametrize("name", sorted(PUBLIC_READS))
def test_public_module_api_silent(name):
    check_silent(name, BOOKKEEPING.format(body=PUBLIC_READS[name]), ("TS314",))


@needs_torch
@pytest.mark.parametrize("name", sorted(HIDDEN_READS))
def test_bookkeeping_compiler_rejects(name):
    check_rejected(name, BOOKKEEPING.format(body=HIDDEN_READS[name]), "has no attribute")


@needs_torch
@pytest.mark.parametrize("name", sorted(PUBLIC_READS))
def test_public_module_api_compiles(name):
    check_compiles(name, BOOKKEEPING.format(body=PUBLIC_READS[name]))


# -- nn.Module's own Python methods in compiled code (TS321): compiled from torch's source, which fails
MODULE_METHOD = HEAD + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def forward(self, x):
{body}
        return self.fc(x)
"""

#: (body, the compiler's message)
UNCOMPILABLE_METHODS = {
    "eval_call": ("        self.eval()  # error", "Unknown type name 'Self'"),
    "parameters_loop": ("        for p in self.parameters():  # error\n            x = x + p.sum()", "aren't supported"),
    "cuda_call": ("        m = self.cuda()  # error", "aren't supported"),
    "named_parameters": ("        for n, p in self.named_parameters():  # error\n            x = x + p.sum()",
                         "aren't supported"),
}

COMPILABLE_MODULE_API = {
    "training_flag": "        if self.training:\n            x = x + 1",
    "children": "        for m in self.children():\n            x = m(x)",
    "named_modules": "        for n, m in self.named_modules():\n            pass",
}


@pytest.mark.parametrize("name", sorted(UNCOMPILABLE_METHODS))
def test_module_python_method_flagged(name):
    check_flagged(name, MODULE_METHOD.format(body=UNCOMPILABLE_METHODS[name][0]), "TS321")


@pytest.mark.parametrize("name", sorted(COMPILABLE_MODULE_API))
def test_compilable_module_api_silent(name):
    check_silent(name, MODULE_METHOD.format(body=COMPILABLE_MODULE_API[name]), ("TS321", "TS314"))


@needs_torch
@pytest.mark.parametrize("name", sorted(UNCOMPILABLE_METHODS))
def test_module_python_method_compiler_rejects(name):
    body, message = UNCOMPILABLE_METHODS[name]
    check_rejected(name, MODULE_METHOD.format(body=body), message)


@needs_torch
@pytest.mark.parametrize("name", sorted(COMPILABLE_MODULE_API))
def test_compilable_module_api_compiles(name):
    check_compiles(name, MODULE_METHOD.format(body=COMPILABLE_MODULE_API[name]))
