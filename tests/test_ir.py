"""`tslint ir`: the typed IR of every function under script contract, and its JSON signatures,
which must equal the real compiler's schemas."""
from __future__ import annotations

import io
import json
from pathlib import Path

from conftest import needs_torch
from harness import run_python_with_torch
from tslint.compiler.ir_cli import main

SAMPLE = '''\
import torch
from torch import Tensor, nn
from typing import Dict, List, Optional, Tuple


def helper(x, scale: float = 2.0, mask: Optional[Tensor] = None):
    if mask is None:
        return x * scale
    return x * mask


def shapes(x):
    # type: (Tensor) -> List[int]
    return x.shape


def pair(x: Tensor, c: bool):
    if c:
        return None
    return x, x.size(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 4)

    def forward(self, x, sizes: List[int], names: Dict[str, int]):
        y = helper(self.linear(x))
        z = shapes(y)
        return y, z[0] + sizes[0], pair(x, True)

    @torch.jit.export
    def nothing(self, x):
        pass
'''


def run_ir(tmp_path: Path, *args: str, source: str = SAMPLE) -> tuple[int, str, str]:
    path = tmp_path / "sample.py"
    path.write_text(source)
    out, err = io.StringIO(), io.StringIO()
    code = main([*args, str(path)], out, err)
    return code, out.getvalue(), err.getvalue()


def test_json_signatures(tmp_path):
    code, out, _ = run_ir(tmp_path, "--format", "json")
    assert code == 0
    records = {r["qualname"]: r for r in json.loads(out)}
    assert set(records) == {"helper", "shapes", "pair", "Net.forward", "Net.nothing"}
    assert records["helper"]["params"] == [["x", "Tensor"], ["scale", "float"], ["mask", "Optional[Tensor]"]]
    assert records["helper"]["returns"] == "Tensor"
    assert records["shapes"] == {**records["shapes"], "params": [["x", "Tensor"]], "returns": "List[int]"}
    assert records["pair"]["returns"] == "Optional[Tuple[Tensor, int]]"
    forward = records["Net.forward"]
    assert forward["params"][0] == ["self", "__torch__.sample.Net"]
    assert forward["params"][1:] == [["x", "Tensor"], ["sizes", "List[int]"], ["names", "Dict[str, int]"]]
    assert forward["returns"] == "Tuple[Tensor, int, Optional[Tuple[Tensor, int]]]"
    assert forward["line"] == 28 and forward["file"].endswith("sample.py")
    assert records["Net.nothing"]["returns"] == "NoneType"


def test_text_graph(tmp_path):
    code, out, _ = run_ir(tmp_path)
    assert code == 0
    assert "# sample.Net.forward" in out
    assert "graph(%self : __torch__.sample.Net,\n      %x : Tensor," in out
    assert ': __torch__.torch.nn.modules.linear.Linear = prim::GetAttr[name="linear"](%self)' in out
    assert ': Tensor = prim::CallMethod[name="forward"]' in out
    assert ': (Tensor, int)? = prim::CallFunction[name="pair"](%x, ' in out
    assert ": Tensor = aten::mul(%x, %scale)" in out


def test_one_function(tmp_path):
    run_ir(tmp_path, "--format", "json")
    path = tmp_path / "sample.py"
    stream = io.StringIO()
    assert main(["--format", "json", f"{path}::pair"], stream, io.StringIO()) == 0
    assert [r["qualname"] for r in json.loads(stream.getvalue())] == ["pair"]


def test_nothing_under_contract(tmp_path):
    code, out, err = run_ir(tmp_path, source="def f(x):\n    return x\n")
    assert code == 1 and "no function under script contract" in err


_REAL = r'''
import importlib.util, json, sys, warnings
warnings.simplefilter("ignore")
import torch
spec = importlib.util.spec_from_file_location("sample", sys.argv[1])
mod = importlib.util.module_from_spec(spec); sys.modules["sample"] = mod; spec.loader.exec_module(mod)
scripted = torch.jit.script(mod.Net())
out = {}
for name in ("forward", "nothing"):
    s = getattr(scripted, name).schema
    out["Net." + name] = ([[a.name, a.type.annotation_str] for a in s.arguments], s.returns[0].type.annotation_str)
for fn in torch.jit._state._python_cu.get_functions():
    name = fn.qualified_name.rsplit(".", 1)[-1]
    s = fn.schema
    if name in ("helper", "shapes", "pair"):
        out[name] = ([[a.name, a.type.annotation_str] for a in s.arguments], s.returns[0].type.annotation_str)
print(json.dumps(out))
'''


@needs_torch
def test_signatures_equal_the_compilers(tmp_path):
    code, out, _ = run_ir(tmp_path, "--format", "json")
    static = {r["qualname"]: (r["params"], r["returns"]) for r in json.loads(out)}
    real = run_python_with_torch(_REAL, Path.cwd(), (str(tmp_path / "sample.py"),))
    assert real.returncode == 0, real.stderr[-2000:]
    compiled = {k: tuple(v) for k, v in json.loads(real.stdout.strip().splitlines()[-1]).items()}
    assert set(compiled) == set(static)
    for name, (params, returns) in compiled.items():
        assert static[name] == (params, returns), name


def test_ir_of_one_file_resolves_calls_through_its_project(tmp_path):
    """`tslint ir pkg/model.py` types a call into `pkg/layers.py` from that file's definition."""
    from cliutil import CROSS_FILE, tslint, write_tree

    write_tree(tmp_path, CROSS_FILE)
    out = tslint("ir", "pkg/model.py", cwd=tmp_path).stdout
    assert 'Tensor? = prim::CallFunction[name="maybe_box"]' in out
