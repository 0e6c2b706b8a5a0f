"""ParityBench dev set (issues 15 and 16): label the corpus's `TESTCASES` with the real compiler.

    python -m accuracy_lib.paritybench [--corpus DIR] [--cache-dir DIR] [--jobs 2] [--timeout 60]
                                       [--limit N] [--files GLOB] [--no-export | --export-only]

torch is imported once here; each file is labelled in a forked file child (which imports the file
once and forks two grandchildren per case, see `paritybench_child`), at most `--jobs` at a time.
Labels go to <cache-dir>/labels-paritybench.json, keyed by file stem then case index, rewritten
(atomic rename) after every file, so a partial run is usable and a new run resumes where it stopped.
Labels made with another torch are dropped (the torch version is in labels-paritybench.meta.json).
The last stdout line is a JSON summary.
"""
from __future__ import annotations

import argparse
import ast
import fcntl
import fnmatch
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import signal
import sys
import tempfile
import time
from unittest import mock

from .cache import load

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.realpath(os.path.join(BENCH, "..", "..", "shared", "corpora", "paritybench-dev"))
STUBBED = ("matplotlib", "pandas", "scipy", "sklearn", "tensorflow", "torchaudio", "torchtext", "torchvision")
# torch modules that import a missing third-party package: stubbed with it (56 of the 377 files import
# `torch.utils.tensorboard`, which needs `tensorboard`)
STUBBED_WITH = {"tensorboard": ("tensorboard", "torch.utils.tensorboard")}
IMPORT_SECONDS = 120


def labels_path(cache_dir: str) -> str:
    return os.path.join(cache_dir, "labels-paritybench.json")


def meta_path(cache_dir: str) -> str:
    """Beside the labels (which keep the plain {stem: {case: record}} shape): torch version, corpus, stubs."""
    return os.path.join(cache_dir, "labels-paritybench.meta.json")


def enumerate_cases(corpus: str) -> dict[str, list[str]]:
    """{file stem: [case class name, ...]} read from each file's `TESTCASES` list, without importing."""
    out = {}
    for name in sorted(os.listdir(corpus)):
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
        try:
            with open(os.path.join(corpus, name), encoding="utf-8") as f:
                tree = ast.parse(f.read())
        except (OSError, SyntaxError, ValueError):
            continue
        for node in tree.body:
            if (isinstance(node, ast.Assign) and isinstance(node.value, ast.List)
                    and any(isinstance(t, ast.Name) and t.id == "TESTCASES" for t in node.targets)):
                out[name[:-3]] = [ast.unparse(e.elts[0]) if isinstance(e, ast.Tuple) and e.elts else "?"
                                  for e in node.value.elts]
    return out


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports of a missing third-party package (and its submodules) give `MagicMock` modules."""

    def __init__(self, names: tuple[str, ...]):
        self.names = names

    def find_spec(self, fullname, path=None, target=None):
        if any(fullname == n or fullname.startswith(n + ".") for n in self.names):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        m = mock.MagicMock(name=spec.name)
        m.__path__ = []
        return m

    def exec_module(self, module) -> None:
        pass


def install_stubs() -> list[str]:
    missing = [p for p in (*STUBBED, *STUBBED_WITH) if importlib.util.find_spec(p) is None]
    names = tuple(n for p in missing for n in STUBBED_WITH.get(p, (p,)))
    if names:  # first on the path: `torch.utils.tensorboard` exists but cannot import
        sys.meta_path.insert(0, _StubFinder(names))
    return list(names)


class LabelStore:
    """The labels file: {stem: {case index: record}}; one writer at a time (a lock file)."""

    def __init__(self, cache_dir: str, torch_version: str):
        self.path = labels_path(cache_dir)
        self.meta_path = meta_path(cache_dir)
        os.makedirs(cache_dir, exist_ok=True)
        self._lock = open(self.path + ".lock", "w")
        try:  # another run is labelling: it owns the file (and it may be at it for hours)
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise
        meta = load(self.meta_path) or {}
        self.labels: dict[str, dict] = (load(self.path) or {}) if meta.get("torch") == torch_version else {}
        self.meta = {"torch": torch_version, "corpus": None}

    def missing(self, stem: str, n_cases: int, export_only: bool) -> set[str]:
        """Cases not labelled yet; with `export_only`, the cases a `--no-export` run left without one."""
        have = self.labels.get(stem, {})
        if export_only:
            return {i for i, r in have.items() if r.get("eager") == "ok" and r.get("export") is None}
        return {str(i) for i in range(n_cases)} - set(have)

    def put(self, stem: str, recs: dict, export_only: bool) -> None:
        if export_only:  # only the `export` part of labelled cases
            for i, r in recs.items():
                self.labels[stem][i]["export"] = r.get("export")
        else:
            self.labels.setdefault(stem, {}).update(recs)
        self.save()

    def save(self) -> None:
        for path, data in ((self.path, self.labels), (self.meta_path, self.meta)):
            tmp = path + ".tmp"
            with open(tmp, "w") as f:
                json.dump(data, f)
            os.replace(tmp, path)

    def close(self) -> None:
        self._lock.close()


def _no_verdict_records(classes: list[str], only: set[str], why: str) -> dict:
    return {i: {"class": classes[int(i)], "eager": why,
                "script": {"ok": False, "line": None, "message": why, "no_verdict": True},
                "trace": None, "export": None} for i in sorted(only, key=int)}


def _file_child(path: str, out: str, only: set[str], args) -> None:
    """Runs in the forked file child: label the file's cases, writing `out` after each one."""
    from . import paritybench_child as pc
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    recs: dict = {}

    def write() -> None:
        with open(out + ".tmp", "w") as f:
            json.dump(recs, f)
        os.replace(out + ".tmp", out)

    try:
        module = pc.import_file(path)
    except BaseException as e:  # noqa: BLE001 - any import failure is a label
        recs["_import_error"] = f"{type(e).__name__}: {pc.first_line(e)}"
        write()
        return
    fl = pc.FileLabeler(path, module, args.timeout, args.mem_gb, not args.no_export)
    for i in sorted(only, key=int):
        if int(i) < len(fl.cases):
            recs[i] = fl.export_only(int(i)) if args.export_only else fl.label_case(int(i))
            write()


def _start(path: str, only: set[str], args) -> tuple[int, str]:
    fd, out = tempfile.mkstemp(prefix="pb-", suffix=".json")
    os.close(fd)
    os.unlink(out)
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.setpgid(0, 0)
            _file_child(path, out, only, args)
        except BaseException:  # noqa: BLE001
            code = 3
        finally:
            os._exit(code)
    return pid, out


def _collect(out: str, classes: list[str], only: set[str], why: str) -> dict:
    recs = load(out) or {}
    if os.path.exists(out):
        os.unlink(out)
    if "_import_error" in recs:
        return _no_verdict_records(classes, only, "import: " + recs["_import_error"])
    left = only - set(recs)
    recs.update(_no_verdict_records(classes, left, why) if left else {})
    return recs


def log(msg: str) -> None:
    print(f"[paritybench] {msg}", file=sys.stderr, flush=True)


def label_all(cases: dict[str, list[str]], store: LabelStore, args) -> int:
    todo = [(s, store.missing(s, len(c), args.export_only)) for s, c in cases.items()]
    todo = [(s, m) for s, m in todo if m]
    running: dict[int, tuple[str, str, set, float]] = {}
    done = 0
    while todo or running:
        while todo and len(running) < args.jobs:
            stem, only = todo.pop(0)
            pid, out = _start(os.path.join(args.corpus, stem + ".py"), only, args)
            budget = IMPORT_SECONDS + len(only) * (2 * args.timeout + 5)
            running[pid] = (stem, out, only, time.time() + budget)
        time.sleep(0.2)
        for pid, (stem, out, only, deadline) in list(running.items()):
            finished, _ = os.waitpid(pid, os.WNOHANG)
            why = "crash: file child died"
            if not finished and time.time() > deadline:
                os.killpg(pid, signal.SIGKILL)  # the file child and its case children
                os.waitpid(pid, 0)
                finished, why = pid, "timeout: file budget"
            if not finished:
                continue
            del running[pid]
            recs = _collect(out, cases[stem], only, why)
            store.put(stem, recs, args.export_only)
            done += 1
            ok = sum(1 for r in recs.values() if r.get("script", {}).get("ok"))
            log(f"{done}/{done + len(todo) + len(running)} {stem}: {len(recs)} cases, {ok} script ok")
    return done


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=CORPUS)
    ap.add_argument("--cache-dir", default=os.path.join(BENCH, ".cache"))
    ap.add_argument("--jobs", type=int, default=2, help="files labelled at once (default 2)")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per case and step (default 60)")
    ap.add_argument("--mem-gb", type=float, default=4)
    ap.add_argument("--limit", type=int, help="first N files only")
    ap.add_argument("--files", default="*", help="glob on file stems (default *)")
    ap.add_argument("--no-export", action="store_true", help="skip torch.export")
    ap.add_argument("--export-only", action="store_true",
                    help="add torch.export labels to the cases a --no-export run labelled")
    args = ap.parse_args(argv)
    if args.export_only and args.no_export:
        ap.error("--export-only and --no-export exclude each other")
    args.corpus = os.path.realpath(args.corpus)

    from .worker import go_offline
    go_offline()
    import torch
    import torch.export  # noqa: F401 - imported once here, not in every case
    torch.set_num_threads(1)
    from . import paritybench_child  # noqa: F401 - imported once, before the file children fork
    if not args.no_export:  # its first call initialises much (seconds): pay that once, before forking
        torch.export.export(torch.nn.Linear(2, 2), (torch.rand(3, 2),), strict=False)
    stubs = install_stubs()
    sys.path.insert(0, args.corpus)
    cases = {s: c for s, c in enumerate_cases(args.corpus).items() if fnmatch.fnmatch(s, args.files)}
    if args.limit is not None:
        cases = dict(list(cases.items())[:args.limit])
    summary = {"cache": labels_path(args.cache_dir), "corpus": args.corpus, "stems": sorted(cases)}
    try:
        store = LabelStore(args.cache_dir, torch.__version__)
    except BlockingIOError:
        log("another run is labelling into this cache: nothing labelled here, its labels are used as they are")
        print(json.dumps(dict(summary, labelled_now=0, busy=True)))
        return 0
    store.meta.update(corpus=args.corpus, stubs=stubs)
    t0 = time.time()
    try:
        n = label_all(cases, store, args)
    finally:
        store.save()
        store.close()
    log(f"{n} files labelled in {time.time() - t0:.0f} s")
    print(json.dumps(dict(summary, labelled_now=n)))
    return 0


def load_labels(cache_dir: str) -> tuple[dict, dict]:
    """(labels, meta) as written so far (readable while a run is in progress)."""
    return load(labels_path(cache_dir)) or {}, load(meta_path(cache_dir)) or {}


if __name__ == "__main__":
    sys.exit(main())
