"""The tests' compile server: one process imports torch once and forks one child per example.

`import torch` costs about three CPU-seconds; the suite runs hundreds of examples through the real
compiler, and a fresh interpreter for each spent most of the suite's time importing torch again. A
fork of a process that imported torch (and nothing else: no torch work happens before a fork, as in
`tslint.confirm.zygote`) starts in milliseconds and is as isolated as a fresh interpreter: its own
memory and modules, so examples cannot leak state into each other, and a crash is contained.

The child sees what `python -c` in the example's folder would: the folder as the current directory
and `''` first on `sys.path` (so the example imports the files written beside it), its output sent
away from the protocol. Run as a script (`python compile_server.py`); requests are JSON lines on
stdin, each answered by one JSON line on stdout: an example to compile (`{"path", "name", "cwd",
"timeout"}`, answered by `compile_example`'s result) or a script to run as `python -c` would
(`{"code", "argv", "cwd", "timeout"}`, answered by its `returncode`, `stdout` and `stderr`).
"""
from __future__ import annotations

import builtins
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
import types
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


def run_code(code: str, argv: list[str]) -> int:
    """Run `code` as `python -c code *argv` would, as `__main__`; its exit status."""
    main = types.ModuleType("__main__")
    main.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = main
    sys.argv = ["-c", *argv]
    try:
        exec(compile(code, "<string>", "exec"), main.__dict__)  # noqa: S102 - the test's own script
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1
    except BaseException:  # noqa: BLE001 - reported as the interpreter reports it
        traceback.print_exc()
        return 1
    return 0


def _run_child(request: dict, result_fd: int, out_fd: int, err_fd: int) -> None:
    """In the forked child: become `python -c` in the request's folder, run, write the result."""
    code = 70
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        os.chdir(request["cwd"])
        sys.path[0] = ""
        importlib.invalidate_caches()
        if "code" in request:
            code = run_code(request["code"], request.get("argv", []))
        else:
            result = compile_example(request["path"], request["name"])
            with os.fdopen(result_fd, "w") as out:
                out.write(json.dumps(result))
            code = 0
    except BaseException:  # noqa: BLE001 - the parent sees the missing result and the log
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:  # noqa: BLE001
            pass
        os._exit(code)


def _collect(pid: int, read_fd: int, timeout: float) -> tuple[str, int, str]:
    """The child's result text (empty if it wrote none), its exit status, and why it ended early."""
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
    return b"".join(chunks).decode("utf-8", "replace"), os.waitstatus_to_exitcode(status), why


def _read_and_remove(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as handle:
        text = handle.read()
    os.unlink(path)
    return text


def _answer(request: dict) -> dict:
    read_fd, write_fd = os.pipe()
    out_fd, out_path = tempfile.mkstemp(prefix="tslint-child-", suffix=".out")
    err_fd, err_path = tempfile.mkstemp(prefix="tslint-child-", suffix=".err")
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _run_child(request, write_fd, out_fd, err_fd)
    for fd in (write_fd, out_fd, err_fd):
        os.close(fd)
    text, status, why = _collect(pid, read_fd, float(request.get("timeout", 120)))
    stdout, stderr = _read_and_remove(out_path), _read_and_remove(err_path)
    if "code" in request:
        return {"returncode": status, "stdout": stdout, "stderr": stderr + (f"\n{why}" if why else "")}
    if text:
        return json.loads(text)
    why = why or f"exit status {status}"
    return {"ok": False, "message": f"child failed: {why} {stderr[-2000:]}".strip(), "line": None, "warnings": [],
            "diverges": None}


def serve() -> None:
    """Answer requests until stdin closes (the test process ended)."""
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything printed by imports goes to stderr, not into the protocol
    try:
        import torch  # noqa: F401 - the point of the server
    except BaseException:  # noqa: BLE001 - each example imports it again and reports the error
        pass
    try:  # what the tracer's output check imports on first use (torch.testing -> DTensor, sympy):
        import torch.distributed.tensor  # noqa: F401 - over a CPU-second per traced example
    except BaseException:  # noqa: BLE001 - a build without it: the child imports what it needs
        pass
    for line in sys.stdin:
        if line.strip():
            protocol.write(json.dumps(_answer(json.loads(line))) + "\n")


if __name__ == "__main__":
    serve()
