#!/usr/bin/env python3
"""Accuracy benchmark (issue 8): the real TorchScript compiler judges tslint on code nobody here wrote.

    python bench/accuracy.py                     # torch.nn, kornia 0.9, transformers 5.x in bench/.venv
    python bench/accuracy.py --packages kornia --timeout 60
    python bench/accuracy.py --quick --no-venv   # a handful of modules with this interpreter (tests)
    python bench/accuracy.py --packages paritybench   # ParityBench dev files (../shared/corpora/paritybench-dev)
    python bench/accuracy.py --packages paritybench --confirm --limit 40 --no-venv   # tslint --confirm on them

Steps: (1) create/reuse bench/.venv (torch==2.13.0, kornia, transformers, tslint) and re-exec in
it; (2) label each module with `torch.jit.script` (and `torch.jit.trace` for transformers) in a
forked child with a timeout, caching labels in bench/.cache/labels-<package>-<version>.json;
(3) run the tslint CLI on the same installed sources and score precision, first-error recall,
type agreement, trace recall (and confirmation with --confirm); (4) print a table per package and
write bench/results/accuracy-<date>.json.  See bench/accuracy_lib/*.py, one job per module.
"""
from __future__ import annotations

import argparse
import fnmatch
import importlib.util
import json
import os
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
sys.path.insert(0, BENCH)

from accuracy_lib import paritybench_confirm, paritybench_score, report, score  # noqa: E402
from accuracy_lib.cache import load  # noqa: E402
from accuracy_lib.paritybench import CORPUS  # noqa: E402
from accuracy_lib.targets import PACKAGES  # noqa: E402
from accuracy_lib.tslint_run import Tslint  # noqa: E402
from accuracy_lib.venv import IN_VENV_ENV, ensure_venv, reexec_in, tslint_command  # noqa: E402

EXTRA_PACKAGES = ("paritybench",)  # dev sets that are not installed packages: named with --packages only


def log(msg: str) -> None:
    print(f"[accuracy] {msg}", file=sys.stderr, flush=True)


def _limits(text: str) -> dict:
    out = {}
    for part in text.split(","):
        name, _, n = part.rpartition("=")
        out[name.strip() or "*"] = int(n)
    return out


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--packages", default=",".join(PACKAGES), help="comma list of " + ", ".join(PACKAGES))
    ap.add_argument("--limit", type=_limits, default={},
                    help="at most N modules per package: N, or per package: transformers=20,kornia=50 "
                         "(transformers defaults to 40)")
    ap.add_argument("--timeout", type=float, default=120, help="seconds per module (default 120)")
    ap.add_argument("--quick", action="store_true",
                    help="5 torch.nn + 3 kornia modules, no transformers, current interpreter")
    ap.add_argument("--no-venv", action="store_true", help="use the current interpreter")
    ap.add_argument("--confirm", action="store_true",
                    help="also run tslint --confirm; paritybench: only that, on the first --limit files with "
                         "TESTCASES (default 40), written to paritybench-confirm-<date>.json")
    ap.add_argument("--cache-dir", default=os.path.join(BENCH, ".cache"))
    ap.add_argument("--results-dir", default=os.path.join(BENCH, "results"))
    ap.add_argument("--tslint-exclude", action="append", default=[], metavar="GLOB",
                    help="leave files matching GLOB (relative to site-packages) out of the tslint runs")
    ap.add_argument("--tslint-timeout", type=float, help="seconds per tslint run (default 1800; quick 300)")
    ap.add_argument("--no-label", action="store_true",
                    help="paritybench: score the labels cached so far (a long labelling run may be going on)")
    ap.add_argument("--corpus", default=CORPUS, help="paritybench: the corpus folder")
    ap.add_argument("--jobs", type=int, default=2, help="paritybench: files labelled / linted at once (default 2)")
    args = ap.parse_args(argv)
    args.packages = [p.strip() for p in args.packages.split(",") if p.strip()]
    bad = [p for p in args.packages if p not in PACKAGES + EXTRA_PACKAGES]
    if bad:
        ap.error(f"unknown package(s) {bad}; choose from {PACKAGES + EXTRA_PACKAGES}")
    if args.quick:
        args.no_venv = True
        args.packages = [p for p in args.packages if p != "transformers"]
    if args.tslint_timeout is None:
        args.tslint_timeout = 300 if args.quick else 1800
    return args


def run_worker(pkg: str, args) -> tuple[dict, str]:
    """Label `pkg` in a worker process (restarted if it dies); return (labels, error)."""
    os.makedirs(os.path.join(args.cache_dir, "logs"), exist_ok=True)
    logpath = os.path.join(args.cache_dir, "logs", f"worker-{pkg}.log")
    cmd = [sys.executable, "-m", "accuracy_lib.worker", "--package", pkg,
           "--cache-dir", os.path.abspath(args.cache_dir), "--timeout", str(args.timeout)]
    limit = args.limit.get(pkg, args.limit.get("*"))
    if limit is not None:
        cmd += ["--limit", str(limit)]
    if args.quick:
        cmd.append("--quick")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (BENCH, os.environ.get("PYTHONPATH")) if p))
    last_err = ""
    for attempt in range(3):
        with open(logpath, "a") as logf:
            r = subprocess.run(cmd, cwd=BENCH, env=env, stdout=subprocess.PIPE, stderr=logf, text=True)
        lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
        if r.returncode == 0 and lines:
            summary = json.loads(lines[-1])
            data = load(summary["cache"]) or {}
            wanted = summary["targets"]
            labels = {i: data.get("labels", {})[i] for i in wanted if i in data.get("labels", {})}
            meta = {k: v for k, v in data.items() if k != "labels"}
            return {"meta": meta, "labels": labels}, ""
        last_err = f"worker exit {r.returncode} (see {logpath})"
        log(f"{pkg}: {last_err}; retrying ({attempt + 1}/3)")
    return {"meta": {}, "labels": {}}, last_err


def run_paritybench(args, tslint: Tslint) -> dict:
    """Label the ParityBench files (resuming the cache; skipped with --no-label), then score them."""
    err, stems = "", None
    if not args.no_label:
        cmd = [sys.executable, "-m", "accuracy_lib.paritybench", "--corpus", args.corpus, "--jobs", str(args.jobs),
               "--cache-dir", os.path.abspath(args.cache_dir), "--timeout", str(min(args.timeout, 60))]
        limit = 3 if args.quick else args.limit.get("paritybench", args.limit.get("*"))
        if limit is not None:
            cmd += ["--limit", str(limit)]
        os.makedirs(os.path.join(args.cache_dir, "logs"), exist_ok=True)
        logpath = os.path.join(args.cache_dir, "logs", "worker-paritybench.log")
        with open(logpath, "a") as logf:
            r = subprocess.run(cmd, cwd=BENCH, stdout=subprocess.PIPE, stderr=logf, text=True)
        lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
        if r.returncode or not lines:
            err = f"labeller exit {r.returncode} (see {logpath})"
        else:
            stems = json.loads(lines[-1])["stems"]
    res = paritybench_score.measure(tslint, args.cache_dir, args.results_dir, args.corpus, args.jobs, log, stems)
    if err:
        res["label_error"] = err
    return res


def score_package(pkg: str, labelled: dict, tslint: Tslint, args) -> dict:
    meta, labels = labelled["meta"], labelled["labels"]
    res = {"package": pkg, "version": meta.get("version"), "torch": meta.get("torch"),
           "labels": score.label_counts(labels), "mismatches": {}}
    site, pkg_rel = meta.get("site"), meta.get("package_dir")
    if not site or not labels:
        res["tslint_error"] = "no labels"
        return res
    # Files are named one by one: tslint skips gitignored trees such as bench/.venv when given
    # a directory, but always lints the files it is given.
    if args.quick or pkg == "transformers":
        paths = score.files_of_interest(labels, pkg_rel, site)
        if pkg == "transformers":
            paths = score.with_package_imports(paths, pkg_rel, site)
    else:
        paths = score.package_files(pkg_rel, site)
    if args.tslint_exclude:
        paths = [p for p in paths if not any(fnmatch.fnmatch(p, g) for g in args.tslint_exclude)]
    res["tslint_files"] = len(paths)
    t0 = time.time()
    findings, err = tslint.findings(paths, site, confirm=args.confirm) if paths else ([], "")
    ir, ir_err = tslint.ir(paths, site) if paths else ([], "")
    res["tslint_seconds"] = round(time.time() - t0, 1)
    errors = [e for e in (err, ir_err and f"ir: {ir_err}") if e]
    script_idx = score._index(findings, site, site, "script", errors_only=True)
    res["findings"] = len(findings) if findings is not None else None
    mism = res["mismatches"]
    res["precision"], mism["false positives on compiled lines"] = score.precision(labels, pkg_rel, script_idx)
    # warnings (save/trace hazards) on compiled lines are expected there: counted, not charged
    with_warnings = score.precision(labels, pkg_rel, score._index(findings, site, site, "script"))[0]
    res["precision"]["warnings_on_compiled_lines"] = (with_warnings["false_positive_findings"]
                                                      - res["precision"]["false_positive_findings"])
    res["recall"], res["mismatches"]["missed first errors"] = score.first_error_recall(labels, pkg_rel, script_idx)
    res["types"], res["mismatches"]["type disagreements"] = score.type_agreement(labels, pkg_rel, ir, site, site)
    if any(isinstance(r.get("trace"), dict) for r in labels.values()):
        classes = sorted({r["class"] for r in labels.values()
                          if (r.get("trace") or {}).get("warnings") and r.get("class")})
        tfind, terr = tslint.findings(paths, site, traces=classes) if classes else ([], "")
        if terr:
            errors.append(f"trace run: {terr}")
        res["trace"], res["mismatches"]["missed TracerWarning lines"] = score.trace_recall(
            labels, pkg_rel, score._index(tfind, site, site, "trace"))
    if args.confirm:
        res["confirm"] = score.confirmation(findings)
    if errors:
        res["tslint_error"] = "; ".join(dict.fromkeys(errors))
    if findings is None:  # nothing was measured: say so instead of reporting zeros as scores
        for k in ("precision", "recall"):
            res[k] = {kk: (None if kk.startswith(("recall", "hit", "false", "clean")) else v)
                      for kk, v in res[k].items()}
    return res


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if not args.no_venv and not os.environ.get(IN_VENV_ENV):
        py = ensure_venv(os.path.join(BENCH, ".venv"), REPO, log)
        reexec_in(py, os.path.abspath(__file__), argv)
    if importlib.util.find_spec("torch") is None:
        log(f"torch is not importable by {sys.executable}; run without --no-venv/--quick")
        return 2
    t_start = time.time()
    argv_t, env_t, how = tslint_command(sys.executable, REPO, os.path.join(args.cache_dir, "shim"))
    tslint = Tslint(argv_t, env_t, how, args.tslint_timeout)
    log(f"tslint: {' '.join(argv_t) + ' (' + how + ')' if argv_t else 'unavailable: ' + how}")
    results = {"date": time.strftime("%Y-%m-%dT%H:%M:%S"), "python": sys.executable,
               "argv": argv, "tslint": " ".join(argv_t) if argv_t else None, "packages": {}}
    for pkg in args.packages:
        if pkg == "paritybench" and args.confirm:
            limit = args.limit.get("paritybench", args.limit.get("*", 3 if args.quick else 40))
            res = paritybench_confirm.measure(args.corpus, args.results_dir, limit, args.tslint_timeout, log)
            paritybench_confirm.print_report(res, sys.stdout)
            continue
        if pkg == "paritybench":
            results["packages"][pkg] = res = run_paritybench(args, tslint)
            report.print_package(res, sys.stdout)
            continue
        if importlib.util.find_spec(pkg.split(".")[0]) is None:
            log(f"{pkg}: not installed for {sys.executable}; skipped")
            results["packages"][pkg] = {"package": pkg, "skipped": "not installed"}
            continue
        t0 = time.time()
        log(f"{pkg}: labelling (timeout {args.timeout:.0f} s per module)")
        labelled, err = run_worker(pkg, args)
        log(f"{pkg}: {len(labelled['labels'])} labels in {time.time() - t0:.0f} s; scoring")
        res = score_package(pkg, labelled, tslint, args)
        if err:
            res["label_error"] = err
        results["packages"][pkg] = res
        report.print_package(res, sys.stdout)
    results["seconds"] = round(time.time() - t_start, 1)
    if results["packages"]:  # a paritybench --confirm run writes its own file
        print(f"\nresults: {report.write_json(results, args.results_dir)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
