"""Label one module with the real compiler (runs inside a forked child of the worker)."""
from __future__ import annotations

import inspect
import os
import time
import traceback
import warnings
from typing import Any, Optional

import torch

from . import targets
from .graphwalk import Walker
from .ranges import PathFixer, parse_frames


def first_line(text: str) -> str:
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()[:300]
    return ""


class Labeler:
    def __init__(self, package: str, package_dir: str, site: str):
        self.package = package
        self.package_dir = os.path.realpath(package_dir)
        self.site = os.path.realpath(site)
        self.fixer = PathFixer(self.package_dir)

    def rel(self, path: str) -> str:
        p = os.path.realpath(path) if os.path.isabs(path) else path
        if p.startswith(self.site + os.sep):
            return os.path.relpath(p, self.site)
        return path

    def label(self, target: dict, trace: bool) -> dict:
        rec: dict[str, Any] = {"id": target["id"], "package": self.package}
        t0 = time.time()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = targets.build(target)
            model.eval()
        except Exception as e:
            rec.update(status="build_failed", error={"type": type(e).__name__, "message": first_line(e)})
            rec["seconds"] = round(time.time() - t0, 2)
            return rec
        cls = type(model)
        rec["class"] = f"{cls.__module__}.{cls.__qualname__}"
        try:
            rec["class_file"] = self.rel(inspect.getsourcefile(cls) or "")
            rec["class_line"] = inspect.getsourcelines(cls)[1]
        except (TypeError, OSError):
            pass
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                scripted = torch.jit.script(model)
        except Exception as e:
            rec["status"] = "failed"
            rec["error"] = self.describe_error(e, cls)
        else:
            rec["status"] = "scripted"
            walker = Walker(self.fixer, self.rel)
            walker.walk_module(scripted, model)
            rec["compiled_lines"], rec["functions"] = walker.result()
        rec["script_seconds"] = round(time.time() - t0, 2)
        if trace:
            rec["trace"] = self.trace(model)
        rec["seconds"] = round(time.time() - t0, 2)
        return rec

    # -- script errors ---------------------------------------------------------------------------
    def _class_files(self, cls: type) -> list[str]:
        out = []
        for k in cls.__mro__:
            try:
                f = inspect.getsourcefile(k)
            except TypeError:
                continue
            if f and self.fixer.inside(f):
                out.append(os.path.realpath(f))
        return out

    def describe_error(self, exc: BaseException, cls: type) -> dict:
        text = str(exc)
        frames = [self.fixer.fix(f, self._class_files(cls)) for f in parse_frames(text)]
        err: dict[str, Any] = {"type": type(exc).__name__, "message": first_line(text),
                               "chain": [dict(f.to_dict(), file=self.rel(f.file)) for f in frames]}
        loc, source = None, None
        for i, f in enumerate(frames):
            if self.fixer.inside(f.file):
                loc = {"file": self.rel(f.file), "line": f.line}
                source = "compiler" if i == 0 else "caller"
                if f.fixed_from:
                    source += "-fixed"
                break
        if loc is None:
            loc, source = self._fallback_location(exc, cls)
        err["location"], err["location_source"] = loc, source
        return err

    def _fallback_location(self, exc: BaseException, cls: type) -> tuple[Optional[dict], Optional[str]]:
        # A Python frame inside the package (an error raised by the package's own code).
        for fs in reversed(traceback.extract_tb(exc.__traceback__)):
            if self.fixer.inside(fs.filename):
                return {"file": self.rel(fs.filename), "line": fs.lineno}, "traceback"
        # transformers 5.x: "Failed to get source for <function XConfig.__init__ ...>" comes from a
        # class-level annotation `config: XConfig` of some class in the MRO (facts 2.6).
        import re
        m = re.search(r"<function (\w+)\.__init__", str(exc))
        if m:
            hit = self._annotation_line(cls, m.group(1))
            if hit:
                return hit, "annotation-heuristic"
        return None, None

    def _annotation_line(self, cls: type, type_name: str) -> Optional[dict]:
        import ast
        for k in cls.__mro__:
            try:
                f = inspect.getsourcefile(k)
                src, start = inspect.getsourcelines(k)
            except (TypeError, OSError):
                continue
            if not f or not self.fixer.inside(f):
                continue
            try:
                tree = ast.parse(_dedent("".join(src)))
            except SyntaxError:
                continue
            for node in tree.body[0].body if tree.body else []:
                if isinstance(node, ast.AnnAssign) and type_name in ast.unparse(node.annotation):
                    return {"file": self.rel(f), "line": start + node.lineno - 1}
        return None

    # -- tracing ------------------------------------------------------------------------------------
    def trace(self, model: Any) -> dict:
        from .hfconfig import trace_inputs
        out: dict[str, Any] = {}
        inputs = trace_inputs(model, getattr(model, "config", None))
        if inputs is None:
            return {"status": "skipped", "reason": f"main input {getattr(model, 'main_input_name', '?')}"}
        first, second = inputs
        wrapper = _TupleOut(model, list(first)).eval()
        try:
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                wrapper(*first.values())
        except Exception as e:  # the tiny config itself is broken: not a tracing result
            return {"status": "eager_failed", "error": {"type": type(e).__name__, "message": first_line(e)}}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                with torch.no_grad():
                    traced = torch.jit.trace(wrapper, tuple(first.values()), strict=False, check_trace=False)
            except Exception as e:
                traced = None
                out["status"] = "failed"
                out["error"] = {"type": type(e).__name__, "message": first_line(e)}
        seen = set()
        ws = []
        for w in caught:
            if not issubclass(w.category, torch.jit.TracerWarning):
                continue
            key = (self.rel(w.filename), w.lineno, first_line(w.message)[:80])
            if key in seen:
                continue
            seen.add(key)
            ws.append({"file": key[0], "line": key[1], "message": key[2]})
        out["warnings"] = ws
        if traced is None:
            return out
        out["status"] = "ok"
        try:
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = traced(*second.values())
                ref = wrapper(*second.values())
            same = len(got) == len(ref) and all(
                a.shape == b.shape and torch.allclose(a, b, atol=1e-4, rtol=1e-3) for a, b in zip(got, ref))
            out["generalizes"] = bool(same)
        except Exception as e:
            out["generalizes"] = False
            out["check_error"] = first_line(e)
        return out


def _dedent(src: str) -> str:
    import textwrap
    return textwrap.dedent(src)


class _TupleOut(torch.nn.Module):
    """Calls the model by keyword and returns its tensor outputs as a tuple (traceable)."""

    def __init__(self, model: Any, names: list[str]):
        super().__init__()
        self.model = model
        self.names = names
        params = inspect.signature(model.forward).parameters
        self.takes_use_cache = "use_cache" in params or any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())

    def forward(self, *args):
        kwargs = dict(zip(self.names, args))
        if self.takes_use_cache:
            kwargs["use_cache"] = False
        out = self.model(**kwargs)
        vals = out.to_tuple() if hasattr(out, "to_tuple") else (out if isinstance(out, tuple) else (out,))
        return tuple(v for v in vals if isinstance(v, torch.Tensor))
