"""The shipped torch facts: they load without torch, and agree with the installed torch.

The static tests run anywhere. The regeneration test needs torch 2.13.0 (the version the data was
made from) and runs it in a subprocess, so this test process never imports torch.
"""
from __future__ import annotations

import gzip
import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tslint.compiler import schemas

SHIPPED_VERSION = "2.13.0"


def _installed_torch_version() -> str | None:
    try:
        return importlib.metadata.version("torch").split("+")[0]
    except importlib.metadata.PackageNotFoundError:
        return None


def test_loads_without_importing_torch() -> None:
    code = textwrap.dedent(
        """
        import sys
        from tslint.compiler import schemas as s
        s.load(); s.torch_version(); s.op_overloads("aten::add"); s.builtin_op_for("torch.cat")
        s.is_tensor_method_known("numpy"); s.missing_tensor_methods(); s.python_builtins_supported()
        assert "torch" not in sys.modules, sorted(m for m in sys.modules if m.startswith("torch"))
        print("ok")
        """
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=os.environ.copy(), timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "ok"


def test_data_file_is_compact() -> None:
    assert schemas.DATA_PATH.stat().st_size < 400_000


def test_torch_version() -> None:
    assert schemas.torch_version().split("+")[0] == SHIPPED_VERSION


def test_add_overloads() -> None:
    overloads = schemas.op_overloads("aten::add")
    assert overloads, "aten::add missing"
    tensor = [o for o in overloads if o.overload == "Tensor"]
    assert len(tensor) == 1
    got = [(a.name, a.type, a.has_default, a.kwarg_only) for a in tensor[0].arguments]
    assert got == [
        ("self", "Tensor", False, False),
        ("other", "Tensor", False, False),
        ("alpha", "Scalar", True, True),
    ]
    alpha = tensor[0].arguments[2]
    assert alpha.default == "1"
    assert tensor[0].returns == ("Tensor",)
    expected = "aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor"
    assert str(tensor[0]) == expected
    assert schemas.op_overloads("aten::no_such_op") == ()


def test_schema_details() -> None:
    # list types keep their size, optionals their `?`, in-place ops their write flag
    max_pool = schemas.op_overloads("aten::max_pool2d")[0]
    assert [a.type for a in max_pool.arguments][:2] == ["Tensor", "int[2]"]
    layer_norm = schemas.op_overloads("aten::layer_norm")
    assert any(a.type == "Tensor?" for o in layer_norm for a in o.arguments)
    assert schemas.op_overloads("aten::add_")[0].arguments[0].is_write
    max_overloads = schemas.op_overloads("aten::max")
    assert any(o.return_names == ("values", "indices") for o in max_overloads)
    assert any(o.is_vararg for o in schemas.op_overloads("aten::format"))


def test_tensor_methods() -> None:
    for name in ("numpy", "nelement", "bool", "unique", "register_hook"):
        assert schemas.is_tensor_method_known(name) is False, name
        assert name in schemas.missing_tensor_methods()
    for name in ("size", "view", "sum", "shape", "dtype", "to"):
        assert schemas.is_tensor_method_known(name) is True, name
    assert schemas.is_tensor_method_known("grad_fn") is False
    assert "grad_fn" in schemas.missing_tensor_properties()
    assert "shape" in schemas.tensor_properties()
    assert schemas.is_tensor_method_known("definitely_not_an_attribute") is None
    assert len(schemas.missing_tensor_methods()) == 33  # TORCHSCRIPT_FACTS.md 2.6


def test_callables() -> None:
    assert schemas.builtin_op_for("torch.cat") == "aten::cat"
    assert schemas.callable_kind("torch.cat") == "op"
    assert schemas.builtin_op_for("torch.nn.functional.conv2d") == "aten::conv2d"
    assert schemas.builtin_op_for("math.sqrt") == "aten::sqrt"
    assert schemas.builtin_op_for("torch.nn.functional.relu") is None
    assert schemas.callable_kind("torch.nn.functional.relu") == "python"
    assert schemas.is_boolean_dispatch("torch.nn.functional.max_pool2d")
    assert schemas.callable_kind("torch.from_numpy") == "unknown_op"
    assert schemas.callable_kind("torch.to_dlpack") == "unsupported"
    assert schemas.callable_kind("torch._assert") == "op"  # defined in TorchScript source
    assert schemas.op_overloads("aten::_assert")


def test_python_builtins() -> None:
    supported = schemas.python_builtins_supported()
    for name in ("len", "range", "int", "float", "str", "list", "dict", "tuple", "min", "max",
                 "abs", "sum", "sorted", "zip", "enumerate", "isinstance", "print", "round",
                 "divmod", "hash", "chr", "ord", "any", "all", "getattr", "hasattr", "bool"):
        assert name in supported, name
    for name in ("iter", "next", "open", "repr", "setattr", "callable"):
        assert schemas.python_builtin_status(name) == "unsupported", name
    assert schemas.python_builtin_status("set") == "python_op"


@pytest.mark.torch
@pytest.mark.skipif(
    _installed_torch_version() != SHIPPED_VERSION or importlib.util.find_spec("torch") is None,
    reason=f"needs torch {SHIPPED_VERSION}",
)
def test_regenerate_matches_shipped(tmp_path: Path) -> None:
    out = tmp_path / "schemas.json.gz"
    res = subprocess.run(
        [sys.executable, "-m", "tslint.compiler.schemas", "--regenerate", "--out", str(out)],
        capture_output=True, text=True, env=os.environ.copy(), timeout=600,
    )
    assert res.returncode == 0, res.stderr
    assert str(out) in res.stdout
    with gzip.open(out, "rt", encoding="utf-8") as fh:
        fresh = json.load(fh)
    shipped = schemas.load()
    assert set(fresh["ops"]) == set(shipped["ops"])
    assert fresh["tensor"] == shipped["tensor"]
    assert fresh == shipped  # regeneration is deterministic for one torch
