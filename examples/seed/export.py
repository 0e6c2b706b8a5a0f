"""The seed document's own call sites, in its order (In [2] ... In [40]).

Run ``python export.py`` from this folder. Importing this file runs nothing.
"""
import os
import tempfile

import torch

from seed_models import Detector, GatedCell, MyCell, MyDecisionGate, MyRNNLoop, WrapRNN, f1, f2


def main():
    # In [2]
    cell = MyCell()
    x = torch.randn(3, 4)
    h = torch.randn(3, 4)
    print(cell)
    print(cell(x, h))

    # In [3]: tracing a module
    traced_cell = torch.jit.trace(cell, (x, h))
    print(traced_cell)
    print(traced_cell(x, h))
    print(traced_cell.graph)
    print(traced_cell.code)

    # In [11]: tracing erases the decision gate's if/else
    cell = MyCell(MyDecisionGate())
    traced_cell = torch.jit.trace(cell, (x, h))
    print(traced_cell.dg.code)
    print(traced_cell.code)

    # In [12]: the script compiler keeps it
    scripted_cell = torch.jit.script(cell)
    print(scripted_cell.dg.code)
    print(scripted_cell.code)

    # In [16]: a scripted loop around a traced cell
    rnn_loop = torch.jit.script(MyRNNLoop())
    print("rnn loop: ")
    print(rnn_loop.code)
    print("rnn loop cell: ")
    print(rnn_loop.cell.code)
    print("rnn loop cell dg: ")
    print(rnn_loop.cell.dg.code)

    # In [17]: a traced wrapper around a scripted loop
    traced = torch.jit.trace(WrapRNN(), (torch.rand(10, 3, 4)))
    print(traced.code)

    # In [18]: saving and loading
    path = os.path.join(tempfile.gettempdir(), "wrapped_rnn.pt")
    traced.save(path)
    loaded = torch.jit.load(path)
    print(loaded)
    print(loaded.code)

    # In [19]-[21]: shapes that generalize (f1) and one that is baked in (f2)
    a = torch.rand(1)
    b = torch.rand(2)
    print(torch.jit.trace(f1, a)(b))
    print(torch.jit.trace(f2, a)(b))

    # In [43]: scripting a module with exported methods fails on the unannotated `box`
    model = Detector()
    model.do_keypoint = True
    try:
        scripted_model = torch.jit.script(model)
    except RuntimeError as exc:
        print(exc)
    else:
        print(scripted_model.code)

    # In [40]: @torch.jit.script_if_tracing
    model = GatedCell()
    model(x, h)
    traced_model = torch.jit.trace(model, (x, h))
    print(traced_model(x, h))


if __name__ == "__main__":
    main()
