"""Importing user code inside a confirmation child: neutralized sources served under their original
file names, each module imported once per job, and compiler errors described as plain data.

Shared by the script child (`child.py`), the trace child (`trace_child.py`) and instance building
(`building.py`), which is why it is apart from them: each imports it, none imports another.
Standard library only at top level (torch is imported lazily), so the zygote can preload it.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import linecache
import os
import sys
import traceback
from typing import Any, Optional

MAX_TEXT = 50_000


# -- sources with other findings neutralized ------------------------------------------------------
class OverlayLoader(importlib.machinery.SourceFileLoader):
    """Loads a module from replacement text, compiled under the original path (no bytecode cache)."""

    def __init__(self, fullname: str, path: str, text: str):
        super().__init__(fullname, path)
        self.text = text

    def get_source(self, fullname: str) -> str:
        return self.text

    def get_code(self, fullname: str) -> Any:
        return compile(self.text, self.path, "exec", dont_inherit=True)


def _prime_linecache(path: str, text: str) -> None:
    # an entry whose mtime is None is never re-read from disk by linecache.checkcache
    linecache.cache[path] = (len(text), None, text.splitlines(keepends=True), path)


class OverlayFinder(importlib.abc.MetaPathFinder):
    """Finds modules as usual, but serves replacement text for the files in `overlay`."""

    def __init__(self, overlay: dict[str, str]):
        self.overlay = {os.path.realpath(k): v for k, v in overlay.items()}

    def text_for(self, path: str) -> Optional[str]:
        return self.overlay.get(os.path.realpath(path))

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not spec.origin or not spec.has_location:
            return None
        text = self.text_for(spec.origin)
        if text is None:
            return None
        _prime_linecache(spec.origin, text)
        return importlib.util.spec_from_file_location(
            fullname, spec.origin, loader=OverlayLoader(fullname, spec.origin, text),
            submodule_search_locations=spec.submodule_search_locations)


# -- messages -------------------------------------------------------------------------------------
def first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def describe(exc: BaseException) -> dict:
    text = str(exc)
    if isinstance(exc, SystemExit):
        message = f"SystemExit({exc.code!r})"
    else:
        message = first_line(text) or type(exc).__name__
    return {
        "type": type(exc).__name__,
        "message": message,
        "text": text[:MAX_TEXT],
        "traceback": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-4000:],
        "frames": [(frame.f_code.co_filename, lineno) for frame, lineno in traceback.walk_tb(exc.__traceback__)],
    }


def _torch_dir() -> str:
    import torch

    return os.path.dirname(os.path.realpath(torch.__file__)) + os.sep


_COMPILER_FILES = ("jit" + os.sep, "_jit_internal.py", "_sources.py")


def through_compiler(exc: BaseException) -> bool:
    """Did the exception come out of TorchScript compilation (e.g. a `@torch.jit.script` decorator
    running at import), rather than from the user's own code or the tracer?"""
    try:
        from torch.jit.frontend import FrontendError

        if isinstance(exc, FrontendError):
            return True
        torch_dir = _torch_dir()
    except Exception:  # noqa: BLE001 - torch itself is broken: not a compile error
        return False
    for frame, _ in traceback.walk_tb(exc.__traceback__):
        path = os.path.realpath(frame.f_code.co_filename)
        if path.startswith(torch_dir):
            rel = path[len(torch_dir):]
            if rel.startswith(_COMPILER_FILES) and not rel.endswith("_trace.py"):
                return True
    return False


# -- importing user code --------------------------------------------------------------------------
class Importer:
    """Imports each user module once per job (a failure is remembered, not re-executed)."""

    def __init__(self, overlay: Optional[OverlayFinder]):
        self.overlay = overlay
        self.done: dict[str, tuple[Any, Optional[dict]]] = {}

    def load(self, module: str, path: str) -> tuple[Any, Optional[dict]]:
        if module not in self.done:
            self.done[module] = self._load(module, path)
        return self.done[module]

    def _load(self, module: str, path: str) -> tuple[Any, Optional[dict]]:
        try:
            try:
                return importlib.import_module(module), None
            except ModuleNotFoundError as exc:
                missing = exc.name or ""
                if not (module == missing or module.startswith(missing + ".")):
                    raise
            return self._load_file(module, path), None  # not importable by name: load the file itself
        except BaseException as exc:  # noqa: BLE001 - user code may raise anything, even SystemExit
            info = describe(exc)
            if through_compiler(exc):
                return None, dict(info, status="compile_error")
            if isinstance(exc, SystemExit):
                info["message"] = f"called sys.exit({exc.code!r}) while being imported"
            else:
                info["message"] = f"importing {module} raised {info['type']}: {info['message']}"
            return None, dict(info, status="import_error")

    def _load_file(self, module: str, path: str) -> Any:
        text = self.overlay.text_for(path) if self.overlay else None
        loader = None
        if text is not None:
            _prime_linecache(path, text)
            loader = OverlayLoader(module, path, text)
        spec = importlib.util.spec_from_file_location(module, path, loader=loader)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {path}")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[module] = mod
        spec.loader.exec_module(mod)
        return mod


def lookup(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def resolve_ref(ref: str) -> Any:
    """`pkg.mod:attr.attr` (or `pkg.mod.attr`) → the object."""
    if ":" in ref:
        module, _, attr = ref.partition(":")
    else:
        module, _, attr = ref.rpartition(".")
    return lookup(importlib.import_module(module), attr) if attr else importlib.import_module(module)
