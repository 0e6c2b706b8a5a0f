"""The seed document's models, laid out as a small user project.

Each module keeps the seed's code as written (it is the reference); see ../export.py for the seed's
own ``torch.jit.script`` / ``torch.jit.trace`` call sites.
"""
from .cells import MyCell, MyDecisionGate
from .detector import Detector
from .gated import GatedCell, decision_gate
from .loops import MyRNNLoop, WrapRNN
from .shapes import f1, f2

__all__ = [
    "Detector",
    "GatedCell",
    "MyCell",
    "MyDecisionGate",
    "MyRNNLoop",
    "WrapRNN",
    "decision_gate",
    "f1",
    "f2",
]
