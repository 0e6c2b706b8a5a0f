"""Factories named in ../pyproject.toml for ``tslint --confirm``.

``[tool.tslint.factories]`` entries return a module ready for ``torch.jit.script``;
``[tool.tslint.trace-examples]`` entries return ``(module_or_function, example_inputs_tuple)``.
The values mirror the seed document's cells.
"""
import torch

from .cells import MyCell, MyDecisionGate
from .detector import Detector
from .gated import GatedCell
from .loops import WrapRNN
from .shapes import f1, f2


def _xh():
    return torch.randn(3, 4), torch.randn(3, 4)


# -- [tool.tslint.factories] ---------------------------------------------------------------
def make_cell():
    """The cell the seed scripts in In [12]: ``MyCell(MyDecisionGate())``."""
    return MyCell(MyDecisionGate())


def make_detector():
    """In [43]: ``do_keypoint`` is declared in the class body but only set after construction."""
    model = Detector()
    model.do_keypoint = True
    return model


# -- [tool.tslint.trace-examples] ----------------------------------------------------------
def cell_example():
    """In [11]: the cell with a gate, traced on ``(x, h)``."""
    return MyCell(MyDecisionGate()), _xh()


def gated_cell_example():
    """In [40]: the ``script_if_tracing`` version."""
    return GatedCell(), _xh()


def wrap_rnn_example():
    """In [17]: ``torch.jit.trace(WrapRNN(), (torch.rand(10, 3, 4)))``."""
    return WrapRNN(), (torch.rand(10, 3, 4),)


def f1_example():
    """In [19]: ``a = torch.rand(1)``."""
    return f1, (torch.rand(1),)


def f2_example():
    return f2, (torch.rand(1),)
