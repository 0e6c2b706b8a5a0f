"""Calls the compiler rejects by their argument types (R3, ParityBench misses): each INVALID case is
flagged at its `# error` line and rejected by torch 2.13 with the message; each VALID case compiles and
tslint is silent about it."""
from __future__ import annotations



from harness import pattern_table_tests

HEAD = "import torch\nimport torch.nn.functional as F\nfrom typing import List\n\n\n"

#: name -> (source, code, compiler message)
INVALID = {
    # a Tensor (an unannotated parameter) for a `bool` parameter of a function compiled from source
    "tensor_for_bool": (HEAD + "@torch.jit.script\ndef f(x, training):\n"
                        "    return F.dropout(x, p=0.5, training=training)  # error\n",
                        "TS202", "Expected a value of type 'bool' for argument 'training'"),
    # `Tensor != str`: no overload of aten::ne
    "tensor_ne_str": (HEAD + "@torch.jit.script\ndef f(x, mode):\n    if mode != 'sum':  # error\n"
                      "        return x\n    return x.sum()\n", "TS231", "Arguments for call are not valid"),
    # `x.size()[:-1] + (h, -1)` is a List[int]; `*` of a list in a call
    "starred_list_sum": (HEAD + "@torch.jit.script\ndef f(x, h: int):\n    shape = x.size()[:-1] + (h, -1)\n"
                         "    return x.view(*shape)  # error\n", "TS138",
                         "cannot statically infer the expected size of a list"),
}

VALID = {
    # a Tensor converts to a float (`p`), and annotated flags are fine
    "tensor_for_float": HEAD + "@torch.jit.script\ndef f(x, q, t: bool):\n"
                        "    return F.dropout(x, p=q, training=t), F.dropout(x, 0.5, t)\n",
    "tensor_compares": HEAD + "@torch.jit.script\ndef f(x, l: List[float], n: int):\n"
                       "    return x == n, x < 0.5, x in l, x != x\n",
}


test_invalid_is_flagged, test_invalid_is_rejected, \
    test_valid_is_silent, test_valid_compiles = pattern_table_tests(INVALID, VALID, silent_codes=("TS1", "TS2", "TS4"))
