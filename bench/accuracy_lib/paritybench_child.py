"""Label the cases of one ParityBench file with the real compiler (runs in a forked file child).

The file child imports the file once; each case then runs in two grandchildren forked from it
(`worker.run_child`, with its timeout): one scripts it, one traces and exports it.  A failed
compile leaves half-defined classes in TorchScript's process-wide compilation unit, and a trace
compiles the `@torch.jit.script` helpers it meets, so the two never share a process.
"""
from __future__ import annotations

import importlib.util
import os
import re
import sys
import time
import traceback
import warnings
from typing import Any, Callable, Optional

import torch

from .graphwalk import Walker
from .label import Labeler, first_line
from .worker import run_child

MOCK_MARKERS = ("MagicMock", "unittest/mock.py", "NonCallableMock")
FRAME_RE = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')


def import_file(path: str):
    """Import a corpus file as module `<stem>` (its own code looks itself up in sys.modules)."""
    stem = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(stem, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[stem] = mod
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spec.loader.exec_module(mod)
    return mod


class _Job:
    """Adapter for `worker.run_child`, which calls `label(target, trace)` in the forked child."""

    package = "paritybench"

    def __init__(self, fn: Callable[[dict], dict]):
        self.fn = fn

    def label(self, target: dict, trace: bool) -> dict:
        return self.fn(target)


def _tensors(value: Any) -> list:
    """The tensors of a (nested) output, in order; anything else is left out."""
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors(v)]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _tensors(v)]
    return []


def _same(a: Any, b: Any) -> bool:
    ta, tb = _tensors(a), _tensors(b)
    return len(ta) == len(tb) and all(
        x.shape == y.shape and x.dtype == y.dtype
        and (not x.is_floating_point() or torch.allclose(x, y, atol=1e-4, rtol=1e-3, equal_nan=True))
        and (x.is_floating_point() or torch.equal(x, y))
        for x, y in zip(ta, tb))


# Second input shapes for the divergence check, tried in order until eager runs on one: every size
# the tracer may have frozen, then only the spatial / sequence dims (channel dims must usually match).
def _spatial(rank: int) -> range:
    return range(2, rank) if rank >= 3 else range(1, rank) if rank == 2 else range(rank)


RESHAPES: list[tuple[str, Callable[[int, int, int], int]]] = [
    ("all*2", lambda d, n, r: n * 2),
    ("batch*2+spatial*2", lambda d, n, r: n * 2 if d == 0 or d in _spatial(r) else n),
    ("spatial*2", lambda d, n, r: n * 2 if d in _spatial(r) else n),
    ("spatial+1", lambda d, n, r: n + 1 if d in _spatial(r) else n),
    ("batch*2", lambda d, n, r: n * 2 if d == 0 else n),
]


def _reshaped(value: Any, how: Callable[[int, int, int], int]) -> Any:
    if isinstance(value, torch.Tensor):
        if value.dim() == 0:
            return value
        shape = [how(d, n, value.dim()) if n > 1 else n for d, n in enumerate(value.shape)]
        if value.dtype == torch.bool:
            return torch.rand(shape) > 0.5
        if value.is_floating_point():
            return torch.rand(shape, dtype=value.dtype)
        if value.numel() == 0:
            return torch.zeros(shape, dtype=value.dtype)
        lo, hi = int(value.min()), int(value.max())
        return torch.randint(lo, hi + 1, shape, dtype=value.dtype)
    if isinstance(value, (list, tuple)):
        return type(value)(_reshaped(v, how) for v in value)
    if isinstance(value, dict):
        return {k: _reshaped(v, how) for k, v in value.items()}
    return value


def _clone(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, (list, tuple)):
        return type(value)(_clone(v) for v in value)
    if isinstance(value, dict):
        return {k: _clone(v) for k, v in value.items()}
    return value


class _KwargsCall(torch.nn.Module):
    """Positional-only wrapper so `torch.jit.trace` can take a case with keyword inputs."""

    def __init__(self, model: torch.nn.Module, names: list[str]):
        super().__init__()
        self.model, self.names = model, names
        self.n_pos = 0

    def forward(self, *args):
        return self.model(*args[:self.n_pos], **dict(zip(self.names, args[self.n_pos:])))


class FileLabeler:
    """The cases of one imported file; `label_case` runs in the file child."""

    def __init__(self, path: str, module: Any, timeout: float, mem_gb: float, export: bool = True):
        self.path = os.path.realpath(path)
        self.module = module
        self.cases = list(getattr(module, "TESTCASES", []))
        self.timeout, self.mem_gb, self.export = timeout, mem_gb, export
        self.labeler = Labeler("paritybench", self.path, os.path.dirname(self.path))

    # -- the case, built fresh in each grandchild --------------------------------------------------
    def _build(self, i: int) -> tuple[torch.nn.Module, list, dict]:
        cls, init, fwd = self.cases[i][:3]
        torch.manual_seed(0)
        a, k = init()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = cls(*a, **k)
        model.eval()
        fa, fk = fwd()
        return model, list(fa), dict(fk)

    def _eager(self, i: int) -> tuple[Optional[tuple], str]:
        """(model, args, kwargs, output) after one eager forward, or (None, error)."""
        try:
            model, args, kwargs = self._build(i)
        except Exception as e:
            return None, f"build: {type(e).__name__}: {first_line(e)}"
        try:
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = model(*_clone(args), **_clone(kwargs))
        except Exception as e:
            return None, f"{type(e).__name__}: {first_line(e)}"
        return (model, args, kwargs, out), "ok"

    def _in_file(self, filename: str) -> bool:
        return os.path.realpath(filename) == self.path

    def _tb_line(self, exc: BaseException) -> Optional[int]:
        """Innermost traceback frame in the file, else the last `File "<this file>", line N` of the text."""
        for fs in reversed(traceback.extract_tb(exc.__traceback__)):
            if self._in_file(fs.filename):
                return fs.lineno
        hits = [int(m.group("line")) for m in FRAME_RE.finditer(str(exc)) if self._in_file(m.group("file"))]
        return hits[-1] if hits else None

    # -- script ---------------------------------------------------------------------------------
    def script_case(self, target: dict) -> dict:
        i = target["case"]
        built, eager = self._eager(i)
        rec: dict[str, Any] = {"eager": eager}
        if built is None:
            rec["script"] = {"ok": False, "line": None, "message": "", "no_verdict": True}
            return rec
        try:
            model = self._build(i)[0]
        except Exception as e:  # the fresh instance did not build (random init failing): no verdict
            rec["script"] = {"ok": False, "line": None, "message": first_line(e), "no_verdict": True}
            return rec
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                scripted = torch.jit.script(model)
        except Exception as e:
            err = self.labeler.describe_error(e, type(model))
            text = str(e)
            mocked = any(m in text for m in MOCK_MARKERS) or any(
                m in fr["file"] for fr in err.get("chain", []) for m in MOCK_MARKERS)
            loc = err.get("location") or {}
            rec["script"] = {"ok": False, "line": loc.get("line"), "message": err["message"],
                             "no_verdict": mocked, "error_type": err["type"],
                             "location_source": err.get("location_source")}
            return rec
        walker = Walker(self.labeler.fixer, self.labeler.rel)
        try:
            walker.walk_module(scripted, model)
            lines = walker.result()[0].get(self.labeler.rel(self.path), [])
        except Exception:  # the walk is a bonus: a scripted case is still ok without it
            lines = None
        rec["script"] = {"ok": True, "line": None, "message": "", "no_verdict": False, "compiled_lines": lines}
        return rec

    # -- trace and export -------------------------------------------------------------------------
    def trace_case(self, target: dict) -> dict:
        i = target["case"]
        built, eager = self._eager(i)
        rec: dict[str, Any] = {"eager": eager, "trace": None, "export": None}
        if built is None:
            return rec
        model, args, kwargs, _ = built
        rec["trace"] = self._trace(model, args, kwargs)
        if self.export:
            rec["export"] = self._export(i)
        return rec

    def _innermost_here(self) -> Optional[int]:
        f = sys._getframe(1)
        while f is not None:
            if self._in_file(f.f_code.co_filename):
                return f.f_lineno
            f = f.f_back
        return None

    def _trace(self, model: torch.nn.Module, args: list, kwargs: dict) -> dict:
        # `warning_origins[k]`: None when warning k fired on a line of the file, else the torch
        # `file:line` that fired it (then its line is the innermost line of the file on the stack,
        # e.g. the `F.mse_loss(...)` call whose size check warned)
        out: dict[str, Any] = {"ok": False, "warnings": [], "warning_origins": [], "diverges": None, "message": ""}
        seen: set = set()

        def show(message, category, filename, lineno, file=None, line=None):
            if not issubclass(category, torch.jit.TracerWarning):
                return
            direct = self._in_file(filename)
            ln = lineno if direct else self._innermost_here()
            key = (ln, first_line(message)[:200])
            if key not in seen:
                seen.add(key)
                out["warnings"].append(list(key))
                out["warning_origins"].append(None if direct else f"{_short(filename)}:{lineno}")

        target = model
        inputs = list(args)
        if kwargs:
            target = _KwargsCall(model, list(kwargs))
            target.n_pos = len(args)
            inputs += list(kwargs.values())
        try:
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("always")
                warnings.showwarning = show
                traced = torch.jit.trace(target, tuple(_clone(inputs)), check_trace=False, strict=False)
        except Exception as e:
            out["message"] = f"{type(e).__name__}: {first_line(e)}"
            out["line"] = self._tb_line(e)
            return out
        out["ok"] = True
        out["diverges"], out["shape2"], out["check_error"] = self._diverges(target, traced, inputs)
        if out["check_error"] is None:
            del out["check_error"]
        return out

    def _diverges(self, target, traced, inputs: list) -> tuple[Optional[bool], Optional[str], Optional[str]]:
        """Does the trace give eager's answer at a second input shape?  None: not judged (eager
        differs from itself, or runs on no second shape)."""
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                a, b = target(*_clone(inputs)), target(*_clone(inputs))
            except Exception:
                return None, None, None
            if not _same(a, b):
                return None, None, "eager is not deterministic"
            for name, how in RESHAPES:
                torch.manual_seed(1)
                second = _reshaped(inputs, how)
                if all(_same(x, y) and getattr(x, "shape", None) == getattr(y, "shape", None)
                       for x, y in zip(second, inputs)):
                    continue
                try:
                    ref = target(*_clone(second))
                except Exception:
                    continue
                try:
                    got = traced(*_clone(second))
                except Exception as e:
                    return True, name, f"{type(e).__name__}: {first_line(e)}"
                return (not _same(got, ref)), name, None
        return None, None, None

    def _export(self, i: int) -> dict:
        try:
            model, args, kwargs = self._build(i)
        except Exception as e:
            return {"ok": False, "line": None, "message": f"build: {first_line(e)}"}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.export.export(model, tuple(args), kwargs=kwargs, strict=False)
        except Exception as e:
            return {"ok": False, "line": self._tb_line(e), "message": f"{type(e).__name__}: {first_line(e)}"}
        return {"ok": True, "line": None, "message": ""}

    def export_case(self, target: dict) -> dict:
        return {"export": self._export(target["case"])}

    def export_only(self, i: int) -> dict:
        """The export label alone, in one grandchild (for cases labelled with `--no-export`)."""
        target = {"id": f"{os.path.basename(self.path)}:{i}", "case": i}
        e = run_child(_Job(self.export_case), target, False, self.timeout, self.mem_gb)
        return {"export": e.get("export") or _export_failure(e)}

    # -- one case: two grandchildren ------------------------------------------------------------
    def label_case(self, i: int) -> dict:
        cls = self.cases[i][0]
        rec: dict[str, Any] = {"class": getattr(cls, "__name__", str(cls))}
        t0 = time.time()
        target = {"id": f"{os.path.basename(self.path)}:{i}", "case": i}
        s = run_child(_Job(self.script_case), target, False, self.timeout, self.mem_gb)
        t = run_child(_Job(self.trace_case), target, False, self.timeout, self.mem_gb)
        rec["eager"] = s.get("eager") or t.get("eager") or _failure(s)
        rec["script"] = s.get("script") or {"ok": False, "line": None, "message": _failure(s), "no_verdict": True}
        rec["trace"] = t.get("trace") if "eager" in t else _failed_part(t)
        rec["export"] = t.get("export") if "eager" in t else None
        rec["seconds"] = round(time.time() - t0, 2)
        return rec


def _short(path: str) -> str:
    """A torch file as `torch/nn/functional.py`."""
    parts = path.replace(os.sep, "/").split("/site-packages/")
    return parts[-1]


def _export_failure(child: dict) -> dict:
    return {"ok": False, "line": None, "message": _failure(child)}


def _failure(child: dict) -> str:
    """A grandchild that did not answer: `timeout`, or `crash: <error>`."""
    status = child.get("status", "crash")
    err = child.get("error") or {}
    return status if not err else f"{status}: {err.get('type')}: {err.get('message', '')[:200]}"


def _failed_part(child: dict) -> dict:
    return {"ok": False, "warnings": [], "diverges": None, "message": _failure(child)}


def label_file(path: str, timeout: float, mem_gb: float, export: bool, only: Optional[set] = None) -> dict:
    """{case index: record} for every case of the file (or those in `only`)."""
    module = import_file(path)
    fl = FileLabeler(path, module, timeout, mem_gb, export)
    return {str(i): fl.label_case(i) for i in range(len(fl.cases)) if only is None or str(i) in only}
