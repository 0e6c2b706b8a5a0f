"""Running confirmation jobs in child processes, so that nothing user code does can end the run.

Children are forked by a zygote that imported torch once (`zygote.py`), so a job costs its own
imports and compiles, not the seconds of `import torch`; where there is no `fork` (or with
`TSLINT_CONFIRM_ZYGOTE=0`) each job is a fresh `python -c` instead. Either way every step of a job
(import, build, compile, trace) gets `timeout` seconds: a step that overruns, a crash (segfault,
`os._exit`), or a child that ends without reporting a unit becomes that unit's outcome with the
reason, the child's process group is killed, and the units it had not reached are run again in a
fresh child.
"""
from __future__ import annotations

import atexit
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Optional, Union

MAX_WORKERS = 4
LOG_TAIL = 1500
POLL = 0.02
STARTUP = 120.0  # seconds a fresh child may take to import torch
CHILD = "import sys; from tslint.confirm.child import main; main(sys.argv[1])"
ZYGOTE = "from tslint.confirm.zygote import serve; serve()"


@dataclass
class Outcome:
    """What happened to one unit in one job."""

    status: str  # ok | compile_error | import_error | build_error | trace_error | timeout | crash | error
    message: str = ""
    text: str = ""
    data: dict = field(default_factory=dict)

    @property
    def compiled(self) -> bool:
        return self.status in ("ok", "compile_error")


@dataclass
class Job:
    units: list[dict]
    sys_path: list[str]
    cwd: str
    #: real path -> replacement text; a callable is called when the job starts (saves memory when
    #: there is one job per finding, each with its own texts)
    overlay: Union[dict[str, str], Callable[[], dict[str, str]]] = field(default_factory=dict)
    mode: str = "compile"  # compile | ir

    def overlay_texts(self) -> dict[str, str]:
        return self.overlay() if callable(self.overlay) else self.overlay


def workers() -> int:
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def run_jobs(jobs: list[Job], timeout: float) -> list[dict[str, Outcome]]:
    """Outcomes per unit id, for each job (in order), running up to `workers()` jobs at once."""
    if not jobs:
        return []
    with tempfile.TemporaryDirectory(prefix="tslint-confirm-") as scratch:
        if len(jobs) == 1:
            return [run_job(jobs[0], timeout, scratch)]
        with ThreadPoolExecutor(max_workers=min(workers(), len(jobs))) as pool:
            return list(pool.map(lambda job: run_job(job, timeout, scratch), jobs))


def run_job(job: Job, timeout: float, scratch: str) -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = {}
    pending = list(job.units)
    overlay = job.overlay_texts()
    while pending:
        done, pending = _run_once(job, overlay, pending, timeout, scratch)
        outcomes.update(done)
    return outcomes


# -- processes ------------------------------------------------------------------------------------
class _Child:
    """A started child: its pid, whether (and how) it ended, and how to end it."""

    def __init__(self, pid: int, popen: Optional[subprocess.Popen] = None, zygote: Optional["_Zygote"] = None):
        self.pid = pid
        self.popen = popen
        self.zygote = zygote

    def exitcode(self) -> Optional[int]:
        if self.popen is not None:
            return self.popen.poll()
        assert self.zygote is not None
        code = self.zygote.exits.get(self.pid)
        if code is None and not self.zygote.alive():
            try:  # orphaned by a dead zygote: only liveness is left to check
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return -int(signal.SIGKILL)
            except PermissionError:
                pass
        return code

    def kill(self) -> None:
        if self.exitcode() is not None:
            return
        try:
            os.killpg(self.pid, signal.SIGKILL)  # the child leads its own session and group
        except OSError:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass
        if self.popen is not None:
            self.popen.wait(5)


class _Zygote:
    """The parent's end of the zygote process (one per tslint process, started on first use)."""

    def __init__(self, scratch: str):
        self.log = open(os.path.join(scratch, "zygote.log"), "ab")
        self.proc = subprocess.Popen([sys.executable, "-c", ZYGOTE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, cwd=scratch, start_new_session=True)
        self.lock = threading.Lock()
        self.next_id = 0
        self.waiting: dict[int, "queue.Queue[Optional[int]]"] = {}
        self.exits: dict[int, int] = {}
        self.reader = threading.Thread(target=self._read, name="tslint-zygote", daemon=True)
        self.reader.start()

    def alive(self) -> bool:
        return self.proc.poll() is None and self.reader.is_alive()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            try:
                message = json.loads(raw)
            except ValueError:
                continue
            with self.lock:
                if "id" in message:
                    self.exits.pop(message["pid"], None)  # a reused pid: forget the old child's exit
                    waiter = self.waiting.pop(message["id"], None)
                    if waiter is not None:
                        waiter.put(message["pid"])
                elif "exit" in message:
                    self.exits[message["pid"]] = message["exit"]
        with self.lock:  # the zygote is gone: nobody will answer
            for waiter in self.waiting.values():
                waiter.put(None)
            self.waiting.clear()

    def start(self, job_path: str) -> Optional[_Child]:
        answer: "queue.Queue[Optional[int]]" = queue.Queue()
        with self.lock:
            if not self.alive():
                return None
            self.next_id += 1
            self.waiting[self.next_id] = answer
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.write(json.dumps({"id": self.next_id, "job": job_path}).encode() + b"\n")
                self.proc.stdin.flush()
            except OSError:
                return None
        try:
            pid = answer.get(timeout=120)  # the first answer waits for the zygote's `import torch`
        except queue.Empty:
            return None
        return _Child(pid, zygote=self) if pid else None

    def close(self) -> None:
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            self.proc.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
        self.log.close()


_ZYGOTE: Optional[_Zygote] = None
_ZYGOTE_LOCK = threading.Lock()
_ZYGOTE_DIR: Optional[str] = None


def _zygote() -> Optional[_Zygote]:
    global _ZYGOTE, _ZYGOTE_DIR
    if os.environ.get("TSLINT_CONFIRM_ZYGOTE", "1") == "0" or not hasattr(os, "fork"):
        return None
    with _ZYGOTE_LOCK:
        if _ZYGOTE is None or not _ZYGOTE.alive():
            if _ZYGOTE is not None:
                _ZYGOTE.close()
            if _ZYGOTE_DIR is None:
                _ZYGOTE_DIR = tempfile.mkdtemp(prefix="tslint-zygote-")
                atexit.register(_shutdown)
            try:
                _ZYGOTE = _Zygote(_ZYGOTE_DIR)
            except OSError:
                _ZYGOTE = None
        return _ZYGOTE


def _shutdown() -> None:
    global _ZYGOTE
    if _ZYGOTE is not None:
        _ZYGOTE.close()
        _ZYGOTE = None
    if _ZYGOTE_DIR is not None:
        import shutil

        shutil.rmtree(_ZYGOTE_DIR, ignore_errors=True)


def _start(job_path: str, cwd: str) -> _Child:
    zygote = _zygote()
    if zygote is not None:
        started = zygote.start(job_path)
        if started is not None:
            return started
    popen = subprocess.Popen([sys.executable, "-c", CHILD, job_path], cwd=cwd, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    return _Child(popen.pid, popen=popen)


# -- one child for some units -----------------------------------------------------------------------
def _run_once(job: Job, overlay: dict[str, str], units: list[dict], timeout: float,
              scratch: str) -> tuple[dict[str, Outcome], list[dict]]:
    """One child for `units`; returns the outcomes it produced and the units it never reached."""
    fd, base = tempfile.mkstemp(dir=scratch, prefix="job-")
    os.close(fd)
    paths = {"base": base, "job": base + ".json", "results": base + ".out", "log": base + ".log"}
    payload = {"units": units, "sys_path": job.sys_path, "cwd": job.cwd, "overlay": overlay, "mode": job.mode,
               "results": paths["results"], "log": paths["log"]}
    try:
        with open(paths["job"], "w", encoding="utf-8") as handle:
            json.dump(payload, handle)
        open(paths["results"], "w").close()
        return _watch(job, units, timeout, scratch, paths)
    finally:
        for path in paths.values():
            try:
                os.unlink(path)
            except OSError:
                pass


def _watch(job: Job, units: list[dict], timeout: float, scratch: str,
           paths: dict[str, str]) -> tuple[dict[str, Outcome], list[dict]]:
    try:
        child = _start(paths["job"], job.cwd if os.path.isdir(job.cwd) else scratch)
    except OSError as exc:
        return {u["id"]: Outcome("error", f"could not start a child process: {exc}") for u in units}, []
    done: dict[str, Outcome] = {}
    current: Optional[str] = None
    step = "starting"
    failure: Optional[Outcome] = None
    with open(paths["results"], encoding="utf-8") as results:
        try:
            finished, last, partial = False, time.monotonic(), ""
            while not finished:
                ended = child.exitcode() is not None  # checked before reading: nothing can come after
                chunk = results.read()
                if chunk:
                    last = time.monotonic()
                    partial += chunk
                    *lines, partial = partial.split("\n")
                    for line in lines:
                        try:
                            event = json.loads(line)
                        except ValueError:  # not ours (user code wrote to a stray descriptor)
                            continue
                        kind = event.get("event") if isinstance(event, dict) else None
                        if kind == "step":
                            current, step = event["unit"], event["step"]
                        elif kind == "result":
                            done[event["unit"]] = Outcome(event.get("status", "error"), event.get("message", ""),
                                                          event.get("text", ""), event)
                            current, step = None, "between units"
                        elif kind == "done":
                            finished = True
                    continue
                if ended:
                    failure = _ended(child.exitcode(), step, current, units, paths["log"])
                    break
                limit = max(timeout, STARTUP) if step == "starting" else timeout  # `import torch` is not the unit's
                if time.monotonic() - last > limit:
                    failure = Outcome("timeout", f"timed out after {limit:g} s while {_doing(step, current, units)}")
                    break
                time.sleep(POLL)
        finally:
            if failure is not None or child.exitcode() is None:
                _settle(child, failure is not None)
    if failure is None:
        for unit in units:
            done.setdefault(unit["id"], Outcome("error", "the child ended without reporting this unit"))
        return done, []
    # the unit in progress takes the blame; units not reached yet get a fresh child
    blamed = current or next((u["id"] for u in units if u["id"] not in done), None)
    if blamed is not None:
        done[blamed] = failure
    return done, [u for u in units if u["id"] not in done]


def _settle(child: _Child, kill: bool) -> None:
    """Let a child that reported everything exit by itself for a moment; end it otherwise."""
    if not kill:
        deadline = time.monotonic() + 2
        while child.exitcode() is None and time.monotonic() < deadline:
            time.sleep(POLL)
    child.kill()


def _doing(step: str, unit_id: Optional[str], units: list[dict]) -> str:
    unit = next((u for u in units if u["id"] == unit_id), None)
    if unit is None:
        return "starting the child (importing torch)" if step == "starting" else step
    what = {"import": f"importing {unit['module']}", "build": f"building {unit['name']}",
            "compile": f"compiling {unit['name']}", "trace": f"tracing {unit['name']}",
            "generalize": f"running the trace of {unit['name']} on resized inputs"}
    return what.get(step, f"{step} {unit['name']}")


def _ended(code: Optional[int], step: str, unit_id: Optional[str], units: list[dict], log: str) -> Outcome:
    if code is None:
        how = "ended"
    elif code < 0:
        try:
            how = f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            how = f"was killed by signal {-code}"
    else:
        how = f"exited with code {code} (os._exit or a crash)"
    tail = _tail(log)
    return Outcome("crash", f"the child process {how} while {_doing(step, unit_id, units)}", tail, {"log": tail})


def _tail(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - LOG_TAIL))
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


__all__ = ["Job", "Outcome", "run_jobs", "workers"]
