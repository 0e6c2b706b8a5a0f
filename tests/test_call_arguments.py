"""TS231 and the call checks of the type checker: calls of builtin operators that no schema can take
(`tryMatchSchema` in `schema_matching.cpp`), checked against the real compiler both ways: every
FLAGGED case is rejected with the message given, every ACCEPTED case compiles and gets no finding."""
from __future__ import annotations



from harness import pattern_table_tests

HEAD = "import torch\nfrom torch import nn\nfrom typing import Dict, List, Optional, Tuple\n\n\n"


def _fn(body: str, params: str = "x: torch.Tensor") -> str:
    return HEAD + f"@torch.jit.script\ndef f({params}):\n    return {body}\n"


# name -> (source, code, the compiler's message)
FLAGGED = {
    "norm_without_p": (_fn("x / x.norm(dim=1, keepdim=True)  # error"), "TS231", "Argument p not provided"),
    "numpy_keepdims": (_fn("x.sum(dim=1, keepdims=True)  # error"), "TS231", "Keyword argument keepdims unknown"),
    "torch_sum_keepdims": (_fn("torch.sum(x, dim=1, keepdims=True)  # error"), "TS231", "Keyword argument keepdims unknown"),
    "single_schema_missing": (_fn("x.transpose(1)  # error"), "TS231", "Argument dim1 not provided"),
    "single_schema_unknown_keyword": (_fn("x.flatten(1, end=2)  # error"), "TS231", "Keyword argument end unknown"),
    "packed_and_keyword": (_fn("x.expand(2, -1, size=3)  # error"), "TS231", "Keyword argument size specified twice"),
    "too_many_positional": (_fn("x.mean(1, True, False)  # error"), "TS231", "Arguments for call are not valid"),
    "functional_op_keyword": (_fn("torch.nn.functional.linear(x, weight=x, bias=None, scale=2)  # error"), "TS231",
                              "Keyword argument scale unknown"),
    "tensor_for_a_list": (_fn("torch.cat(x, x)  # error"), "TS231", "Expected a value of type 'List[Tensor]' for argument 'tensors'"),
    "int_for_self": (_fn("torch.div(n, x, rounding_mode=\"floor\")  # error", "x: torch.Tensor, n: int"), "TS231",
                     "Expected a value of type 'Tensor' for argument 'self' but instead found type 'int'"),
    "method_of_method_result": (HEAD + "class Loss(nn.Module):\n    def __init__(self, ignore=255):\n        super().__init__()\n"
                                "        self.ignore = ignore\n\n    def forward(self, label):\n"
                                "        return label.ne(self.ignore).nonzero(as_tuple=False)  # error\n",
                                "TS231", "Keyword argument as_tuple unknown"),
    "id_of_tensor": (_fn("id(x)  # error"), "TS202", "Expected a value of type 'Optional[AnyClassType]'"),
    "id_of_optional_list": (_fn("id(s)  # error", "s: Optional[List[int]]"), "TS202", "found type 'Optional[List[int]]'"),
    "object_parameter": (HEAD + "class Net(nn.Module):\n    def forward(self, x, cfg):\n        return x * cfg.scale  # error\n",
                         "TS409", "'Tensor (inferred)' object has no attribute or method 'scale'"),
    "dict_parameter": (_fn("opts.get(\"a\", x)  # error", "x, opts"), "TS409", "has no attribute or method 'get'"),
    "no_such_method": (_fn("x.relu().foo(2)  # error"), "TS409", "'Tensor' object has no attribute or method 'foo'"),
    "in_module": (HEAD + "class Net(nn.Module):\n    def forward(self, x):\n"
                  "        return x.softmax(axis=-1)  # error\n", "TS231", "Arguments for call are not valid"),
}

ACCEPTED = {
    "norm_forms": _fn("x.norm(), x.norm(2), x.norm(p=2, dim=1, keepdim=True), torch.norm(x, dim=1)"),
    "varargs_packing": _fn("x.view(2, 3, -1), x.permute(0, 2, 1), x.repeat(2, 2), x.reshape(-1), x.new_zeros(2, 3)"),
    "keywords_by_name": _fn("x.sum(dim=1, keepdim=True), x.mean(1, True), x.std(unbiased=False, dim=1), "
                            "x.size(dim=0), x.chunk(2, dim=-1), x.split(2, dim=1), x.max(dim=1)"),
    "input_names_self": _fn("torch.sum(input=x, dim=1), torch.softmax(x, dim=-1), x.softmax(dim=-1)"),
    "sequence_keywords": _fn("x.reshape(shape=(2, 3)), torch.zeros(size=(2, 3)), torch.arange(0, 10, step=2), "
                             "torch.zeros(2, 3, dtype=torch.float)"),
    "type_is_to": _fn("x.type(torch.float), x.to(x.device, non_blocking=True), x.clamp(min=0.0)"),
    "id_of_objects": HEAD + "@torch.jit.script\nclass Box:\n    def __init__(self):\n        self.a = 1\n\n\n"
                     "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.l = nn.Linear(2, 2)\n\n"
                     "    def forward(self, x, b: Optional[Box]):\n        return id(self.l) + id(self) + id(b) + id(Box())\n",
    "tensor_attributes": _fn("x.is_floating_point(), x.shape, x.T, x.mT, x.grad, x.data, x.requires_grad, x.dtype, "
                             "x.device, x.layout, x.ndim, x.is_cuda, x.real, x.name, x.retains_grad, x.type(), "
                             "getattr(x, \"shape\")", "x"),
    "implicit_conversions": _fn("torch.cat((x, x), 1), torch.full([2], 1), x.to(\"cpu\"), x.add(1), x.mul(2.5), "
                                "torch.clamp(x, 0, 1.5), x.masked_fill(x > 0, 1), torch.where(x > 0, x, 0.0), "
                                "x.new_full([2, 2], n), torch.div(x, n, rounding_mode=\"floor\"), x.index_select(0, x.long()), "
                                "torch.arange(n, dtype=torch.long, device=x.device), x.view(n, -1), x.flip([0]), x.sum((0, 1))",
                                "x: torch.Tensor, n: int"),
    "starred_tuple": HEAD + "@torch.jit.script\ndef f(x: torch.Tensor, s: Tuple[int, int]):\n    return x.view(*s)\n",
}


test_flagged, test_flagged_is_rejected, \
    test_accepted_is_silent, test_accepted_compiles = pattern_table_tests(FLAGGED, ACCEPTED, silent_codes=("TS2", "TS4"))
