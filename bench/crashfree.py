"""Crash-free over real code (issue 10): lint every .py file of installed torch, transformers, numpy
and the standard library with `--entry modules`, and count files, findings, TS9xx and internal errors.

    python bench/crashfree.py [--python PY] [--packages torch,transformers,numpy,stdlib]

`--python` names the interpreter whose installed packages are linted (default: this one; the
accuracy benchmark's venv `bench/.venv` has transformers). tslint itself runs from this interpreter.
Exits 1 when any run ended with an internal error (TS903 or exit 2).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

LOCATE = (
    "import importlib.util, json, sys, sysconfig\n"
    "out = {}\n"
    "for name in sys.argv[1:]:\n"
    "    if name == 'stdlib':\n"
    "        out[name] = sysconfig.get_paths()['stdlib']\n"
    "        continue\n"
    "    spec = importlib.util.find_spec(name)\n"
    "    if spec and spec.submodule_search_locations:\n"
    "        out[name] = list(spec.submodule_search_locations)[0]\n"
    "print(json.dumps(out))\n"
)


def locate(python: str, names: list[str]) -> dict[str, str]:
    proc = subprocess.run([python, "-c", LOCATE, *names], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def lint(path: str, jobs: int) -> dict:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "tslint", "--no-cache", "--entry", "modules", "--format", "json", "-j", str(jobs),
         "--quiet", path],
        capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - start
    try:
        findings = json.loads(proc.stdout) if proc.stdout.strip().startswith("[") else []
    except json.JSONDecodeError:
        findings = []
    codes = Counter(f["code"] for f in findings)
    files = sum(1 for _ in Path(path).rglob("*.py"))
    return {
        "path": path, "exit": proc.returncode, "seconds": round(elapsed, 1), "files": files,
        "findings": len(findings), "ts9xx": sum(v for k, v in codes.items() if k.startswith("TS9")),
        "internal_errors": codes.get("TS903", 0), "by_code": dict(codes.most_common()),
        "stderr": proc.stderr[-2000:], "examples_ts903": [f"{f['filename']}: {f['message']}" for f in findings if f["code"] == "TS903"][:10],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--packages", default="torch,transformers,numpy,stdlib")
    parser.add_argument("--jobs", "-j", type=int, default=0)
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    where = locate(args.python, args.packages.split(","))
    results = []
    print(f"{'package':<14}{'files':>7}{'findings':>10}{'TS9xx':>7}{'TS903':>7}{'exit':>6}{'secs':>8}")
    for name in args.packages.split(","):
        if name not in where:
            print(f"{name:<14} not installed for {args.python}")
            continue
        r = lint(where[name], args.jobs)
        r["package"] = name
        results.append(r)
        print(f"{name:<14}{r['files']:>7}{r['findings']:>10}{r['ts9xx']:>7}{r['internal_errors']:>7}{r['exit']:>6}{r['seconds']:>8}")
        for line in r["examples_ts903"]:
            print("   ", line)
        if r["exit"] == 2 and r["stderr"]:
            print("    stderr:", r["stderr"].strip().splitlines()[-1])
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    bad = [r for r in results if r["internal_errors"] or r["exit"] not in (0, 1)]
    print(f"internal errors: {sum(r['internal_errors'] for r in results)}; runs not ending in exit 0/1: {len([r for r in results if r['exit'] not in (0, 1)])}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
