"""The zygote: a process that imports torch once and forks one child per confirmation job.

`import torch` takes seconds; a fork of a process that already did it takes milliseconds, and the
forked child is as isolated as a fresh interpreter (its own memory, its own session, killed on its
own). The zygote does no torch work itself (no thread pools are started before a fork).

Protocol (JSON lines): the parent writes `{"id": N, "job": "/path/job.json"}` on stdin; the zygote
answers `{"id": N, "pid": P}` when the child is forked and `{"pid": P, "exit": code}` when it ends.
The zygote ends when its stdin closes (tslint finished or died), killing the children still running.
Run as `python -c "from tslint.confirm.zygote import serve; serve()"`, so nothing of the parent's
`__main__` runs again in it.
"""
from __future__ import annotations

import json
import os
import select
import signal
import sys


def serve() -> None:
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything printed by imports goes to the zygote's log, not into the protocol
    try:
        import torch  # noqa: F401 - the point of the zygote
    except BaseException:  # noqa: BLE001 - jobs import it again and report the error per unit
        pass
    from . import child, trace_child  # noqa: F401 - preloaded for the children

    pending = b""
    live: set[int] = set()
    while True:
        ready, _, _ = select.select([0], [], [], 0.05)
        if ready:
            chunk = os.read(0, 65536)
            if not chunk:
                break
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                if line.strip():
                    request = json.loads(line)
                    pid = os.fork()
                    if pid == 0:
                        _child(request["job"], protocol)
                    live.add(pid)
                    protocol.write(json.dumps({"id": request["id"], "pid": pid}) + "\n")
        _reap(protocol, live)
    # tslint is gone (or done): a child still running would outlive it, so end them all
    for pid in live:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    _reap(protocol, live)


def _child(job: str, protocol) -> None:  # noqa: ANN001
    code = 0
    try:
        protocol.close()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        from .child import main

        main(job)
    except BaseException:  # noqa: BLE001 - the parent sees the exit code and the missing results
        code = 70
    finally:
        try:
            sys.stdout.flush()
        except BaseException:  # noqa: BLE001
            pass
        os._exit(code)


def _reap(protocol, live: set[int]) -> None:  # noqa: ANN001
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        live.discard(pid)
        try:
            protocol.write(json.dumps({"pid": pid, "exit": os.waitstatus_to_exitcode(status)}) + "\n")
        except OSError:  # tslint closed the pipe: nobody is listening any more
            pass
