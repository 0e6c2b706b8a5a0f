"""Seed, In [1]: the decision gate and the cell."""
import torch


class MyDecisionGate(torch.nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x
        else:
            return -x


class MyCell(torch.nn.Module):
    def __init__(self, dg=None):
        super(MyCell, self).__init__()
        self.dg = dg
        self.linear = torch.nn.Linear(4, 4)

    def forward(self, x, h):
        if self.dg is None:
            new_h = torch.tanh(self.linear(x) + h)
        else:
            new_h = torch.tanh(self.dg(self.linear(x)) + h)
        return new_h, new_h
