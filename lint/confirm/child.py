"""What runs inside a confirmation child process: import user code, build and compile units, trace.

This module imports only the standard library at top level (torch is imported by the job), so the
zygote (`zygote.py`) can preload it with torch and start each job as a cheap fork instead of a fresh
interpreter that spends seconds on `import torch`. A job is a JSON file of plain data; the child
writes one message per step (so the parent can time each step out) and one result per unit as JSON
lines, then `{"event": "done"}`. The user's own prints go to a log file, never to tslint's stdout.

Neutralized sources are served by an import hook (`OverlayFinder`) under the *original* file names,
with `linecache` primed so that `inspect.getsource` (which the TorchScript frontend reads) sees the
rewritten text: compiler locations then name the user's real files and lines, and `__file__`-relative
data files keep working.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import linecache
import os
import re
import sys
import traceback
from typing import Any, Callable, Optional

from .building import MissingModules, build_instance

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


# -- one job --------------------------------------------------------------------------------------
def _redirect_output(log: str) -> None:
    try:
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    except OSError:
        fd = os.open(os.devnull, os.O_WRONLY)
    for std in (1, 2):
        try:
            os.dup2(fd, std)
        except OSError:
            pass
    os.close(fd)


def main(job_path: str) -> None:
    """Entry point of a child: the job is a JSON file; messages go, one JSON line each, to the file
    named by `job["results"]` (flushed as they happen, so a crash loses nothing already said)."""
    with open(job_path, encoding="utf-8") as handle:
        job = json.load(handle)
    try:
        os.setsid()  # its own process group, so a timeout also ends what user code started
    except OSError:
        pass  # already a group leader (started with start_new_session)
    _die_with_parent()
    results = open(job["results"], "a", encoding="utf-8")

    def send(message: dict) -> None:
        results.write(json.dumps(message, default=str) + "\n")
        results.flush()

    _redirect_output(job["log"])
    run_job(job, send)
    results.close()


def _die_with_parent() -> None:
    """On Linux, be killed when the process that started us (tslint, or the zygote) dies, so that a
    hung import cannot outlive an interrupted run."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import signal

        parent = os.getppid()
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)
    except (OSError, AttributeError, ValueError):
        pass


def run_job(job: dict, send: Callable[[dict], None]) -> None:
    """Run every unit of the job in this process, reporting each step and result through `send`."""
    sys.dont_write_bytecode = True
    try:
        os.chdir(job["cwd"])
    except OSError:
        pass
    sys.path[:] = list(job["sys_path"]) + [p for p in sys.path if p not in ("", ".") and p not in job["sys_path"]]
    overlay = OverlayFinder(job["overlay"]) if job.get("overlay") else None
    if overlay is not None:
        sys.meta_path.insert(0, overlay)
    import warnings

    warnings.simplefilter("ignore")
    try:
        import torch  # noqa: F401 - already imported when forked from the zygote
    except BaseException as exc:  # noqa: BLE001
        info = describe(exc)
        for unit in job["units"]:
            send(dict(info, event="result", unit=unit["id"], status="error", message=f"cannot import torch: {info['message']}"))
        send({"event": "done"})
        return
    missing = MissingModules(list(job["sys_path"]))
    sys.meta_path.append(missing)
    importer = Importer(overlay)
    for unit in job["units"]:
        step = lambda name, unit=unit: send({"event": "step", "unit": unit["id"], "step": name})  # noqa: E731
        try:
            if unit["kind"] == "trace":
                from .trace_child import trace_unit

                result = trace_unit(unit, importer, step)
            else:
                result = compile_unit(unit, importer, step, want_ir=job.get("mode") == "ir")
        except BaseException as exc:  # noqa: BLE001 - never let one unit end the job
            result = dict(describe(exc), status="error")
            result["message"] = f"tslint's confirmation child failed: {result['type']}: {result['message']}"
        send(dict(result, event="result", unit=unit["id"], missing=list(missing.names)))
    send({"event": "done"})


def compile_unit(unit: dict, importer: Importer, step: Callable[[str], None], want_ir: bool = False) -> dict:
    """Import the unit's module (which runs its `@torch.jit.script` decorators), then script it."""
    import torch

    step("import")
    module, problem = importer.load(unit["module"], unit["path"])
    if problem is not None:
        return problem
    try:
        obj = lookup(module, unit["name"])
    except AttributeError:
        return {"status": "import_error", "message": f"{unit['module']} has no attribute {unit['name']!r} after import"}
    kind = unit["kind"]
    if kind == "class" and getattr(obj, "__torch_script_interface__", None):
        return {"status": "ok"}  # interfaces compile when their decorator runs, at import
    target, built = obj, ""
    if isinstance(obj, type) and issubclass(obj, torch.nn.Module):
        if getattr(obj, "__torch_script_interface__", None):
            return {"status": "ok"}
        target, problem, built = build_instance(unit, obj, step, describe)
        if problem is not None:
            return problem
    step("compile")
    try:
        compiled = torch.jit.script(target)
    except BaseException as exc:  # noqa: BLE001 - whatever the compiler raises is its verdict
        return dict(describe(exc), status="compile_error", built=built)
    result: dict = {"status": "ok", "built": built}
    if unit.get("save"):  # a finding that says the compiled code cannot be saved: try it
        import io

        try:
            torch.jit.save(compiled, io.BytesIO())
        except BaseException as exc:  # noqa: BLE001 - the exporter's verdict
            result["save_error"] = describe(exc)["text"]
    if want_ir:
        result["ir"] = ir_of(compiled, unit.get("member") or "")
    if unit.get("lines"):
        try:
            result["lines"] = compiled_lines(compiled)
        except Exception:  # noqa: BLE001 - without them the parent stays conservative
            pass
    return result


_RANGE = re.compile(r'File "(?P<path>[^"]+)", line (?P<line>\d+)\n(?P<body>(?:.*\n)*?)\s*~+')


def compiled_lines(compiled: Any) -> list[tuple[str, int, str]]:
    """(file, line, source text) of every node the compiler emitted for the unit (callees inlined,
    submodules included): the parent uses it to tell "compiled and accepted" from "never compiled"."""
    import torch

    graphs = []
    if isinstance(compiled, torch.jit.ScriptModule):
        for sub in compiled.modules():
            if isinstance(sub, torch.jit.ScriptModule):
                graphs += [getattr(sub, name).inlined_graph for name in sub._c._method_names()]  # noqa: SLF001
    elif isinstance(compiled, type):
        class_type = torch.jit._state._get_script_class(compiled)  # noqa: SLF001
        unit = torch.jit._state._python_cu  # noqa: SLF001
        for name in class_type.method_names() if class_type is not None else []:
            fn = unit.find_function(f"{class_type.qualified_name()}.{name}")
            if fn is not None:
                graphs.append(fn.inlined_graph)
    elif hasattr(compiled, "inlined_graph"):
        graphs.append(compiled.inlined_graph)
    seen: dict[tuple[str, int], str] = {}

    def walk(block: Any) -> None:
        for node in block.nodes():
            match = _RANGE.search(node.sourceRange())
            if match:
                body = match.group("body").splitlines()
                seen.setdefault((match.group("path"), int(match.group("line"))), body[-1] if body else "")
            for inner in node.blocks():
                walk(inner)

    for graph in graphs:
        walk(graph)
    return [(path, line, text) for (path, line), text in seen.items()]


def ir_of(compiled: Any, member: str) -> list[tuple[str, str, str]]:
    """(name, graph, code) of a scripted function, module (forward and exported methods) or class."""
    import torch

    out: list[tuple[str, str, str]] = []
    if isinstance(compiled, torch.jit.ScriptModule):
        names = [member] if member else [n for n in compiled._c._method_names()]  # noqa: SLF001
        for name in names:
            method = getattr(compiled, name)
            out.append((name, str(method.graph), method.code))
        return out
    if isinstance(compiled, type):  # a script class: its methods live in the compilation unit
        class_type = torch.jit._state._get_script_class(compiled)  # noqa: SLF001
        unit = torch.jit._state._python_cu  # noqa: SLF001
        for name in class_type.method_names() if class_type is not None else []:
            if member and name != member:
                continue
            fn = unit.find_function(f"{class_type.qualified_name()}.{name}")
            if fn is not None:
                out.append((name, str(fn.graph), fn.code))
        return out
    out.append((getattr(compiled, "name", ""), str(compiled.graph), compiled.code))
    return out
