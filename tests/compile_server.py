"""The tests' compile server: one process imports torch once and forks one child per example.

`import torch` costs about three CPU-seconds; the suite runs hundreds of examples through the real
compiler, and a fresh interpreter for each spent most of the suite's time importing torch again. A
fork of a process that imported torch (and nothing else: no torch work happens before a fork, as in
`tslint.confirm.zygote`) starts in milliseconds and is as isolated as a fresh interpreter: its own
memory and modules, so examples cannot leak state into each other, and a crash is contained.

The child sees what `python -c` in the example's folder would: the folder as the current directory
and `''` first on `sys.path` (so the example imports the files written beside it), its output sent
away from the protocol. Run as a script (`python compile_server.py`); requests are JSON lines on
stdin (`{"path": ..., "name": ..., "timeout": ...}`), each answered by one JSON line on stdout.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import os
import re
import select
import signal
import sys
import tempfile
import time
import traceback
import warnings


def compile_example(path: str, name: str) -> dict:
    """Import the example as module `name`, script every `nn.Module` subclass it defines with no
    constructor arguments (decorators and module-level `torch.jit.script/trace` calls run on
    import), call its `diverges()` if it has one; record TracerWarnings raised in the example."""
    result = {"ok": True, "message": "", "line": None, "warnings": [], "diverges": None}

    def error_line(text: str):  # noqa: ANN202
        lines = [int(m.group(1)) for m in re.finditer(r'File "%s", line (\d+)' % re.escape(path), text)]
        return lines[-1] if lines else None

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            import torch

            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__ == name and issubclass(cls, torch.nn.Module) and not getattr(cls, "TSLINT_SKIP", False):
                    torch.jit.script(cls())
            if hasattr(module, "diverges"):
                result["diverges"] = bool(module.diverges())
        except BaseException as exc:  # noqa: BLE001 - every failure is the example's outcome
            text = str(exc)
            result["ok"] = False
            result["type"] = type(exc).__name__
            result["message"] = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
            result["full"] = text[:4000]
            result["line"] = error_line(text) or error_line("".join(traceback.format_exception(exc)))
    for w in caught:
        if w.category.__name__ == "TracerWarning" and w.filename == path:
            result["warnings"].append({"line": w.lineno, "message": str(w.message).splitlines()[0]})
    return result


def _run_child(request: dict, result_fd: int, log_fd: int) -> None:
    """In the forked child: become `python -c` in the example's folder, compile, write the result."""
    code = 0
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        folder = os.path.dirname(request["path"])
        os.chdir(folder)
        sys.path[0] = ""
        importlib.invalidate_caches()
        result = compile_example(request["path"], request["name"])
        with os.fdopen(result_fd, "w") as out:
            out.write(json.dumps(result))
    except BaseException:  # noqa: BLE001 - the parent sees the missing result and the log
        code = 70
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:  # noqa: BLE001
            pass
        os._exit(code)


def _collect(pid: int, read_fd: int, timeout: float) -> tuple[str, str]:
    """The child's result text (empty if it died without one) and why it is missing."""
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    why = ""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            os.killpg(pid, signal.SIGKILL)
            why = f"timed out after {timeout:g} s"
            break
        ready, _, _ = select.select([read_fd], [], [], left)
        if ready:
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    os.close(read_fd)
    _, status = os.waitpid(pid, 0)
    if not why and os.waitstatus_to_exitcode(status) not in (0, 70):
        why = f"exit status {os.waitstatus_to_exitcode(status)}"
    return b"".join(chunks).decode("utf-8", "replace"), why


def _answer(request: dict) -> dict:
    read_fd, write_fd = os.pipe()
    log_fd, log_path = tempfile.mkstemp(prefix="tslint-example-", suffix=".log")
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _run_child(request, write_fd, log_fd)
    os.close(write_fd)
    os.close(log_fd)
    text, why = _collect(pid, read_fd, float(request.get("timeout", 120)))
    with open(log_path, encoding="utf-8", errors="replace") as log:
        stderr = log.read()[-2000:]
    os.unlink(log_path)
    if text:
        return json.loads(text)
    return {"ok": False, "message": f"child failed: {why} {stderr}".strip(), "line": None, "warnings": [], "diverges": None}


def serve() -> None:
    """Answer requests until stdin closes (the test process ended)."""
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything printed by imports goes to stderr, not into the protocol
    try:
        import torch  # noqa: F401 - the point of the server
    except BaseException:  # noqa: BLE001 - each example imports it again and reports the error
        pass
    for line in sys.stdin:
        if line.strip():
            protocol.write(json.dumps(_answer(json.loads(line))) + "\n")


if __name__ == "__main__":
    serve()
