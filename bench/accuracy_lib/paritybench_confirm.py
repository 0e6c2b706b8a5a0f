"""`tslint --confirm` at scale on the ParityBench dev files (issue 17 item 4).

Each of the first N corpus files with a `TESTCASES` list (name order) is copied into a folder of its
own with `_paritybench_helpers.py`, a `pyproject.toml` naming its case classes as script entries
(`confirm-testcases = "TESTCASES"` builds each from its first case) and stub packages for the
third-party packages it may import that are not installed; `tslint --confirm --format json` runs
there, one file at a time (a confirm run already forks its own children).  The figures: findings
confirmed / refuted / unconfirmed, TS000 (missed by the rules), wall time per file, and every
refuted finding, which is a rule bug.  Results go to <results-dir>/paritybench-confirm-<date>.json.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from typing import Callable

from .paritybench import BENCH, STUBBED, STUBBED_WITH, enumerate_cases

HELPERS = "_paritybench_helpers.py"
# A stub package in the file's folder: the first one imported installs paritybench's `_StubFinder` for
# every missing name (so `torch.utils.tensorboard` is stubbed before the file imports it) and stands in
# for itself with the finder's `MagicMock` module.  `__version__` satisfies version checks such as
# torch.utils.tensorboard's.
STUB_INIT = """\
import importlib.machinery, importlib.util, sys
sys.path.insert(0, {bench!r})
from accuracy_lib.paritybench import _StubFinder
if not any(isinstance(f, _StubFinder) for f in sys.meta_path):
    sys.meta_path.insert(0, _StubFinder({names!r}))
_finder = next(f for f in sys.meta_path if isinstance(f, _StubFinder))
_m = importlib.util.module_from_spec(importlib.machinery.ModuleSpec(__name__, _finder, is_package=True))
_m.__version__ = "99.0"
sys.modules[__name__] = _m
"""


def missing_stubs() -> tuple[tuple[str, ...], list[str]]:
    """(module names to stub, top-level packages to write) for the packages not installed here."""
    import importlib.util
    missing = [p for p in (*STUBBED, *STUBBED_WITH) if importlib.util.find_spec(p) is None]
    return tuple(n for p in missing for n in STUBBED_WITH.get(p, (p,))), missing


def pyproject(stem: str, classes: list[str]) -> str:
    script = ", ".join(json.dumps(f"{stem}.{c}") for c in sorted(set(classes)) if c.isidentifier())
    return (f'[tool.tslint]\nentry = "explicit"\nscript = [{script}]\n'
            f'confirm-testcases = "TESTCASES"\n')


def prepare(folder: str, corpus: str, stem: str, classes: list[str], stubs: tuple) -> None:
    """The file's own project folder: the file, the helpers, the config and the stub packages."""
    names, tops = stubs
    os.makedirs(folder, exist_ok=True)
    for name in (stem + ".py", HELPERS):
        shutil.copy(os.path.join(corpus, name), folder)
    with open(os.path.join(folder, "pyproject.toml"), "w") as f:
        f.write(pyproject(stem, classes))
    for top in tops:
        os.makedirs(os.path.join(folder, top), exist_ok=True)
        with open(os.path.join(folder, top, "__init__.py"), "w") as f:
            f.write(STUB_INIT.format(bench=BENCH, names=names))


def run_file(folder: str, stem: str, timeout: float) -> dict:
    """Run `tslint --confirm` in `folder`; {seconds, findings | error}."""
    cmd = [sys.executable, "-m", "tslint", "--confirm", "--format", "json", "--no-cache", stem + ".py"]
    t0 = time.time()
    try:
        r = subprocess.run(cmd, cwd=folder, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"seconds": round(time.time() - t0, 1), "error": f"timeout after {timeout:.0f} s"}
    out = {"seconds": round(time.time() - t0, 1)}
    try:
        data = json.loads(r.stdout)
    except ValueError:
        out["error"] = f"exit {r.returncode}: {(r.stderr or r.stdout).strip()[-400:]}"
        return out
    out["findings"] = data if isinstance(data, list) else data.get("findings", [])
    notes = [ln for ln in r.stderr.splitlines() if "confirm" in ln]
    if notes:
        out["notes"] = notes
    return out


def status(f: dict) -> str:
    c = f.get("confirmed")
    return "confirmed" if c is True else "refuted" if c is False else "unconfirmed"


def tally(runs: dict[str, dict]) -> dict:
    """The benchmark's figures over every file's run."""
    counts: Counter = Counter()
    refuted, missed = [], []
    for stem, run in runs.items():
        for f in run.get("findings", []):
            if f.get("code") == "TS000":
                counts["TS000"] += 1
                missed.append(_row(stem, f))
                continue
            counts[status(f)] += 1
            if f.get("confirmed") is False:
                refuted.append(_row(stem, f))
    secs = [r["seconds"] for r in runs.values()]
    return {"files": len(runs), "files_failed": sorted(s for s, r in runs.items() if "error" in r),
            "confirmed": counts["confirmed"], "refuted": counts["refuted"],
            "unconfirmed": counts["unconfirmed"], "TS000": counts["TS000"],
            "seconds_per_file": {"median": round(statistics.median(secs), 1) if secs else None,
                                 "mean": round(statistics.mean(secs), 1) if secs else None,
                                 "max": max(secs) if secs else None},
            "refuted_findings": refuted, "missed_TS000": missed}


def _row(stem: str, f: dict) -> dict:
    return {"file": stem + ".py", "line": (f.get("location") or {}).get("row"), "code": f.get("code"),
            "message": f.get("message"), "confirmation": f.get("confirmation")}


def measure(corpus: str, results_dir: str, limit: int, timeout: float, log: Callable[[str], None]) -> dict:
    """Confirm the first `limit` files with TESTCASES; write and return the results."""
    cases = dict(list(enumerate_cases(corpus).items())[:limit])
    stubs = missing_stubs()
    runs: dict[str, dict] = {}
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="pb-confirm-") as root:
        for i, (stem, classes) in enumerate(cases.items(), 1):
            folder = os.path.join(root, stem)
            prepare(folder, corpus, stem, classes, stubs)
            runs[stem] = run = run_file(folder, stem, timeout)
            got = Counter(status(f) if f.get("code") != "TS000" else "TS000" for f in run.get("findings", []))
            log(f"confirm {i}/{len(cases)} {stem}: {run['seconds']} s {dict(got)} {run.get('error', '')}")
    res = {"package": "paritybench-confirm", "corpus": corpus, "limit": limit, "stubs": stubs[0],
           "seconds": round(time.time() - t0, 1), **tally(runs),
           "per_file": {s: {k: v for k, v in r.items() if k != "findings"}
                        | {"findings": [dict(_row(s, f), status=status(f)) for f in r.get("findings", [])]}
                        for s, r in runs.items()}}
    os.makedirs(results_dir, exist_ok=True)
    path = os.path.join(results_dir, f"paritybench-confirm-{_dt.date.today().isoformat()}.json")
    with open(path, "w") as f:
        json.dump(res, f, indent=1)
    res["path"] = path
    return res


def print_report(res: dict, out) -> None:
    s = res["seconds_per_file"]
    print(f"\n=== ParityBench dev: tslint --confirm on {res['files']} files ===", file=out)
    print(f"findings: {res['confirmed']} confirmed, {res['refuted']} refuted, {res['unconfirmed']} unconfirmed; "
          f"{res['TS000']} TS000 (missed)", file=out)
    print(f"wall time per file: median {s['median']} s, mean {s['mean']} s, max {s['max']} s "
          f"(total {res['seconds']} s); files without output: {res['files_failed'] or 'none'}", file=out)
    for r in res["refuted_findings"]:
        print(f"  refuted: {r['file']}:{r['line']} {r['code']} {r['message']}", file=out)
    print(f"results: {res['path']}", file=out)
