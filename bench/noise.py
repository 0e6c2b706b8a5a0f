#!/usr/bin/env python3
"""Noise benchmark (issue 14): what a user sees running tslint on real packages as they ship.

    python bench/noise.py                                  # all pinned packages, both modes
    python bench/noise.py --packages speechbrain --sample 15 --seed 0
    python bench/noise.py --rev HEAD --json bench/results/noise-before.json

Each pinned package's wheel is unpacked in bench/.noise/src (no install, no dependencies) and
linted with `tslint --no-cache --format json .` from its root, once as `tslint` does by default and
once with `--entry modules`.  Per package and mode it prints files, lines, wall time, errors and
warnings (the JSON `severity`) by code and per 1,000 lines.  Whether a finding is right takes a
compiler run on code that often cannot be built, so a fixed-seed sample of error findings is judged by
hand: the sample
goes to bench/.noise/noise-sample.json, verdicts live in bench/results/noise-judgements.json
(see noise_lib/judge.py), and the shares of TRUE / FALSE / UNREACHED over the sample are reported.
Every finding of a run is kept in bench/.noise/findings/ for context while judging.

Judging a sampled error: read the code; decide whether the project ever compiles it (grep the package
for torch.jit.script / trace / export and read how it uses them: losses, data loading, plotting ...
are UNREACHED); then compile the class with `torch.jit.script`, or, when the class cannot be built or
fails earlier, a minimal copy of the function or class in a temp file, and say which in `how`.

tslint is the one installed next to this interpreter (the working tree), or with `--rev REV` that
commit's lint/ and rules/, run through PYTHONPATH: others may be mid-change in the working tree.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
sys.path.insert(0, BENCH)

from accuracy_lib.tslint_run import Tslint  # noqa: E402
from accuracy_lib.venv import tslint_command  # noqa: E402
from noise_lib import judge, sources  # noqa: E402

MODES = {"default": [], "modules": ["--entry", "modules"]}
ROOT = os.path.join(BENCH, ".noise")


def log(msg: str) -> None:
    print(f"[noise] {msg}", file=sys.stderr, flush=True)


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--packages", default=",".join(sources.PACKAGES),
                    help="comma list of " + ", ".join(f"{k} {v}" for k, v in sources.PACKAGES.items()))
    ap.add_argument("--modes", default=",".join(MODES), help="comma list of " + ", ".join(MODES))
    ap.add_argument("--sample", type=int, default=15, help="error findings sampled per package and mode")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rev", help="lint with this git revision's tslint instead of the installed one")
    ap.add_argument("--judgements", default=os.path.join(BENCH, "results", "noise-judgements.json"))
    ap.add_argument("--sample-out", default=os.path.join(ROOT, "noise-sample.json"),
                    help="where the sampled findings are written to be judged")
    ap.add_argument("--json", metavar="OUT", help="write the figures here (e.g. bench/results/noise-X.json)")
    ap.add_argument("--show", type=int, default=10, help="unjudged findings printed per package (all in --sample-out)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per tslint run")
    args = ap.parse_args(argv)
    args.packages = [p.strip() for p in args.packages.split(",") if p.strip()]
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    for given, known, what in ((args.packages, sources.PACKAGES, "package"), (args.modes, MODES, "mode")):
        bad = [g for g in given if g not in known]
        if bad:
            ap.error(f"unknown {what}(s) {bad}; choose from {list(known)}")
    return args


def make_tslint(args) -> tuple[Tslint, str]:
    """The tslint to run and a description of which code it is (commit, and whether edited)."""
    if args.rev:
        path, sha = sources.tslint_at(REPO, args.rev, ROOT)
        return Tslint([sys.executable, "-m", "tslint"], {"PYTHONPATH": path}, f"git {sha}", args.timeout), sha
    argv, env, how = tslint_command(sys.executable, REPO, os.path.join(ROOT, "shim"))
    head = _git("rev-parse", "HEAD")
    dirty = _git("status", "--porcelain", "--", "lint", "rules")
    return Tslint(argv, env, how, args.timeout), f"{head} + working tree{' (edited)' if dirty else ''}"


def _git(*argv: str) -> str:
    return subprocess.run(["git", *argv], cwd=REPO, capture_output=True, text=True).stdout.strip()


def run_mode(name: str, version: str, folder: str, lines: int, mode: str, tslint: Tslint, args) -> dict:
    t0 = time.perf_counter()
    findings, err = tslint.run(["--no-cache", "--format", "json", *MODES[mode], "."], folder)
    res = {"seconds": round(time.perf_counter() - t0, 1)}
    if findings is None:
        return dict(res, tslint_error=err)
    os.makedirs(os.path.join(ROOT, "findings"), exist_ok=True)  # every finding, for context while judging
    with open(os.path.join(ROOT, "findings", f"{name}-{version}-{mode}.json"), "w") as f:
        json.dump(findings, f, indent=1)
    by_sev = {s: Counter(f["code"] for f in findings if f.get("severity") == s) for s in ("error", "warning")}
    errors = [dict(judge.key_of(name, version, f), mode=mode, context=f.get("context"), entry=f.get("entry"))
              for f in findings if f.get("severity") == "error"]
    sample = judge.draw(errors, args.sample, args.seed)
    for item in sample:
        item["source"] = _line(os.path.join(folder, item["path"]), item["line"])
    return dict(res, findings=len(findings), errors=len(errors), warnings=sum(by_sev["warning"].values()),
                errors_per_kloc=round(1000 * len(errors) / max(lines, 1), 2),
                findings_per_kloc=round(1000 * len(findings) / max(lines, 1), 2),
                errors_by_code=dict(by_sev["error"].most_common()),
                warnings_by_code=dict(by_sev["warning"].most_common()),
                judged=judge.tally(sample, args.judged), sample=sample)


def _line(path: str, row: int) -> str:
    with open(path, encoding="utf-8", errors="replace") as f:
        for i, text in enumerate(f, 1):
            if i == row:
                return text.strip()
    return ""


def print_package(res: dict, show: int) -> None:
    print(f"\n=== {res['package']} {res['version']}: {res['files']:,} files, {res['lines']:,} lines ===")
    cols = ("mode", "seconds", "errors", "warnings", "err/kloc", "all/kloc", "sampled", *judge.VERDICTS, "unjudged")
    print("  ".join(f"{c:>9}" for c in cols))
    for mode, m in res["modes"].items():
        if "tslint_error" in m:
            print(f"{mode:>9}  tslint failed after {m['seconds']} s: {m['tslint_error']}")
            continue
        j = m["judged"]
        row = (mode, m["seconds"], m["errors"], m["warnings"], m["errors_per_kloc"], m["findings_per_kloc"],
               j["sampled"], *(j[v] for v in (*judge.VERDICTS, "unjudged")))
        print("  ".join(f"{v:>9}" for v in row))
    for mode, m in res["modes"].items():
        for sev in ("errors", "warnings"):
            codes = m.get(f"{sev}_by_code")
            if codes:
                top = ", ".join(f"{c} {n}" for c, n in list(codes.items())[:12])
                more = f" (+{len(codes) - 12} codes)" if len(codes) > 12 else ""
                print(f"  {mode} {sev} by code: {top}{more}")
    unjudged = {tuple(s[k] for k in judge.KEY): s for m in res["modes"].values()
                for s in m.get("sample", []) if "verdict" not in s}
    if unjudged:
        print(f"  unjudged sampled errors ({len(unjudged)}; all in the sample file):")
        for s in list(unjudged.values())[:show]:
            print(f"    {s['path']}:{s['line']} {s['code']} {s['message'][:110]}")


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    args.judged = judge.Judgements(args.judgements)
    tslint, code = make_tslint(args)
    log(f"tslint: {' '.join(tslint.argv or [])} ({tslint.how}); code: {code}")
    t_start = time.time()
    out = {"date": time.strftime("%Y-%m-%dT%H:%M:%S"), "tslint": code, "seed": args.seed, "sample": args.sample,
           "modes": {m: MODES[m] for m in args.modes}, "packages": {}}
    for name in args.packages:
        version = sources.PACKAGES[name]
        folder = sources.fetch(name, version, ROOT, log)
        files = sources.python_files(folder)
        res = {"package": name, "version": version, "files": len(files), "lines": sources.count_lines(files),
               "modes": {}}
        for mode in args.modes:
            log(f"{name}: tslint ({mode})")
            res["modes"][mode] = run_mode(name, version, folder, res["lines"], mode, tslint, args)
        out["packages"][name] = res
        print_package(res, args.show)
    out["seconds"] = round(time.time() - t_start, 1)
    samples = [s for r in out["packages"].values() for m in r["modes"].values() for s in m.get("sample", [])]
    os.makedirs(os.path.dirname(os.path.abspath(args.sample_out)), exist_ok=True)
    with open(args.sample_out, "w") as f:
        json.dump(samples, f, indent=1)
    print(f"\n{len(samples)} sampled errors: {args.sample_out}; total {out['seconds']} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1, sort_keys=True)
        print(f"figures: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
