"""Seed, In [16] and In [17]: mixing scripting and tracing."""
import torch

from .cells import MyCell, MyDecisionGate


class MyRNNLoop(torch.nn.Module):
    def __init__(self):
        super(MyRNNLoop, self).__init__()
        # The seed traces here with the notebook globals `scripted_cell`, `x` and `h`;
        # they are built locally so that the module imports and constructs on its own.
        x, h = torch.randn(3, 4), torch.randn(3, 4)
        scripted_cell = torch.jit.script(MyCell(MyDecisionGate()))
        self.cell = torch.jit.trace(MyCell(scripted_cell.dg), (x, h))

    def forward(self, xs):
        h, y = torch.zeros(3, 4), torch.zeros(3, 4)
        for i in range(xs.size(0)):
            y, h = self.cell(xs[i], h)
        return y, h


class WrapRNN(torch.nn.Module):
    def __init__(self):
        super(WrapRNN, self).__init__()
        self.loop = torch.jit.script(MyRNNLoop())

    def forward(self, xs):
        y, h = self.loop(xs)
        return torch.relu(y)
