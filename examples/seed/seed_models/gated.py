"""Seed, In [40]: ``@torch.jit.script_if_tracing`` keeps the gate's control flow under tracing.

The seed calls this cell ``MyCell`` too; it is ``GatedCell`` here so both can live in one package.
"""
import torch


@torch.jit.script_if_tracing
def decision_gate(x):
    if x.sum() > 0:
        return x
    else:
        return -x


class GatedCell(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(4, 4)

    def forward(self, x, h):
        new_h = torch.tanh(decision_gate(self.linear(x)) + h)
        return new_h, new_h
