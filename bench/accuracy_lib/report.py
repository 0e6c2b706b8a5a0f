"""Print the per-package tables and mismatches; write the results JSON."""
from __future__ import annotations

import datetime as _dt
import json
import os


def _fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.1%}"
    return str(v)


def print_package(res: dict, out) -> None:
    pkg = res["package"]
    p = lambda s="": print(s, file=out)  # noqa: E731
    p()
    p(f"=== {pkg} {res.get('version', '')} (torch {res.get('torch', '?')}) ===")
    c = res["labels"]
    p(f"labels: {c.get('scripted', 0)} scripted ok, {c.get('failed', 0)} failed, "
      f"{c.get('build_failed', 0)} did not build, {c.get('timeout', 0)} timeouts, {c.get('crash', 0)} crashes")
    if "trace_warnings" in c:
        p(f"trace:  {c['trace_ok']} traced, {c['trace_failed']} trace errors, "
          f"{c.get('trace_not_run', 0)} not traced (eager failed / input kind), "
          f"{c['trace_generalizes']} generalize to new sizes, {c['trace_warnings']} TracerWarnings")
    if "eager_ok" in c:  # paritybench: cases of TESTCASES lists
        p(f"cases:  {c['cases']} in {c['files']} files, {c['eager_ok']} run eagerly; script "
          f"{c['script_ok']} ok / {c['script_failed']} fail ({c['script_failed_in_file']} located in the file) / "
          f"{c['script_no_verdict']} no verdict (stubs, timeouts); "
          f"export {c['export_ok']} ok / {c['export_failed']} fail; "
          f"{c['trace_diverges']} traces diverge at a second shape")
    if res.get("tslint_error"):
        p(f"tslint: {res['tslint_error']}")
    rows = []
    pr = res.get("precision", {})
    rows.append(("precision: script errors on compiled lines (must be 0)",
                 pr.get("false_positive_findings"),
                 f"{_fmt(pr.get('false_positive_lines'))} lines of {_fmt(pr.get('compiled_lines'))}"
                 f"; warnings there (save/trace hazards, not charged): {_fmt(pr.get('warnings_on_compiled_lines'))}"))
    rows.append(("precision: scripted modules with no finding on compiled lines",
                 pr.get("clean_share"), f"{_fmt(pr.get('clean_modules'))}/{_fmt(pr.get('scripted_modules'))}"))
    if pr.get("silent_modules") is not None:
        rows.append(("precision: scripted cases with no script error for their class",
                     pr.get("silent_share"), f"{_fmt(pr.get('silent_modules'))}/{_fmt(pr.get('scripted_modules'))}"))
    rc = res.get("recall", {})
    rows.append(("first-error recall (exact line)", rc.get("recall_exact"),
                 f"{_fmt(rc.get('hit_exact'))}/{_fmt(rc.get('located_in_package'))}"))
    rows.append(("first-error recall (within 2 lines)", rc.get("recall_within_2"),
                 f"{_fmt(rc.get('hit_within_2'))}/{_fmt(rc.get('located_in_package'))}"))
    ty = res.get("types", {})
    rows.append(("type agreement (params + return)", ty.get("agreement"),
                 f"{_fmt(ty.get('agree'))}/{_fmt(ty.get('compiled_functions'))} ({_fmt(ty.get('found_in_ir'))} in ir)"))
    tr = res.get("trace")
    if tr:
        rows.append(("trace recall (TracerWarning lines, exact)", tr.get("recall_exact"),
                     f"{_fmt(tr.get('flagged_exact'))}/{_fmt(tr.get('warning_lines'))}"))
        rows.append(("trace recall (within 2 lines)", tr.get("recall_within_2"),
                     f"{_fmt(tr.get('flagged_within_2'))}/{_fmt(tr.get('warning_lines'))}"))
        if "warning_lines_with_torch" in tr:
            rows.append(("trace recall, lines calling torch code that warned too", tr["recall_exact_with_torch"],
                         f"{tr['flagged_exact_with_torch']}/{tr['warning_lines_with_torch']}"))
        if "finding_lines_without_warning" in tr:
            rows.append(("trace finding lines where no TracerWarning fired", tr["finding_lines_without_warning_share"],
                         f"{tr['finding_lines_without_warning']}/{tr['trace_finding_lines']} "
                         f"{tr.get('without_warning_by_code') or ''}"))
    cf = res.get("confirm")
    if cf:
        rows.append(("confirmed findings", cf.get("confirmed_share"), f"{cf.get('confirmed')}/{cf.get('judged')}"))
        rows.append(("missed compiler errors (TS000)", cf.get("missed_TS000"), ""))
    w = max(len(r[0]) for r in rows)
    p(f"{'metric'.ljust(w)}  {'value':>8}  detail")
    for name, val, detail in rows:
        p(f"{name.ljust(w)}  {_fmt(val):>8}  {detail}")
    if res.get("top_missed_messages"):
        p("-- most missed compiler messages (first errors not flagged at their line):")
        for msg, n in res["top_missed_messages"]:
            p(f"   {n:4d}  {msg}")
    if res.get("results_file"):
        p(f"-- every miss, grouped by message: {res['results_file']}")
    for kind, items in res.get("mismatches", {}).items():
        if items:
            p(f"-- first {len(items)} {kind}:")
            for it in items:
                p("   " + ", ".join(f"{k}={v}" for k, v in it.items()))


def write_json(results: dict, results_dir: str) -> str:
    os.makedirs(results_dir, exist_ok=True)
    stamp = _dt.datetime.now().strftime("%Y-%m-%d")
    path = os.path.join(results_dir, f"accuracy-{stamp}.json")
    # One file per day: a later run that scores only some packages keeps the others' results.
    try:
        with open(path) as f:
            old = json.load(f).get("packages", {})
    except (OSError, ValueError, AttributeError):
        old = {}
    for res in results["packages"].values():
        res.setdefault("date", results.get("date"))
    results = dict(results, packages=dict(old, **results["packages"]))
    with open(path, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    return path
