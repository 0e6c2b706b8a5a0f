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

import json
import os
import re
import sys
from typing import Any, Callable

from .building import MissingModules, build_instance
from .importing import Importer, OverlayFinder, describe, lookup


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
        target, problem, built = build_instance(unit, obj, step)
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
