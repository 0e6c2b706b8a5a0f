"""Score tslint on the ParityBench dev set against the labels of `paritybench.py`.

tslint runs once per file (all its case classes as `--script`, the traced ones as `--trace`,
`--entry explicit`), at most `jobs` files at a time.  The figures follow the other packages'
table; the misses, grouped by the compiler's message, go to bench/results/paritybench-<date>.json.
"""
from __future__ import annotations

import datetime as _dt
import json
import linecache
import os
import re
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Optional

from .paritybench import load_labels
from .score import NEAR, _ratio
from .tslint_run import Tslint


def _scripted(r: dict) -> bool:
    return r.get("eager") == "ok" and (r.get("script") or {}).get("ok") is True


def _failed(r: dict) -> bool:
    s = r.get("script") or {}
    return r.get("eager") == "ok" and s.get("ok") is False and not s.get("no_verdict")


def _traced(r: dict) -> bool:
    return isinstance(r.get("trace"), dict) and r.get("eager") == "ok"


def tslint_args(stem: str, cases: dict) -> list[str]:
    """The entry options for one file: every case class with a script verdict, every traced one."""
    script = sorted({r["class"] for r in cases.values() if _scripted(r) or _failed(r)})
    trace = sorted({r["class"] for r in cases.values() if _traced(r)})
    out = ["--entry", "explicit", "--format", "json", "--no-cache", "--jobs", "1"]
    for c in script:
        out += ["--script", f"{stem}.{c}"]
    for c in trace:
        out += ["--trace", f"{stem}.{c}"]
    return out + [stem + ".py"] if script or trace else []


def run_tslint(tslint: Tslint, corpus: str, labels: dict, jobs: int = 2) -> tuple[dict, dict]:
    """({stem: findings}, {stem: error}) for every labelled file, `jobs` tslint processes at once."""
    work = {stem: tslint_args(stem, cases) for stem, cases in labels.items()}
    work = {s: a for s, a in work.items() if a}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = dict(zip(work, pool.map(lambda s: tslint.run(work[s], corpus), work)))
    findings = {s: f for s, (f, _) in results.items() if f is not None}
    errors = {s: e for s, (_, e) in results.items() if e}
    return findings, errors


def _by_line(findings: list, context: str, errors_only: bool) -> dict[int, list]:
    idx: dict[int, list] = defaultdict(list)
    for f in findings:
        if f.get("context") != context or (errors_only and f.get("severity", "error") != "error"):
            continue
        try:
            idx[int(f["location"]["row"])].append(f)
        except (KeyError, TypeError, ValueError):
            continue
    return idx


def _near(idx: dict, line: int) -> bool:
    return any(line + d in idx for d in range(-NEAR, NEAR + 1))


def _nearest(idx: dict, line: int) -> Optional[str]:
    if not idx:
        return None
    n = min(idx, key=lambda k: (abs(k - line), k))
    f = idx[n][0]
    return f"line {n} {f.get('code')}: {str(f.get('message'))[:120]}"


def _src(corpus: str, stem: str, line: Optional[int]) -> str:
    return linecache.getline(os.path.join(corpus, stem + ".py"), line).strip()[:160] if line else ""


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|\b\d+\b")


def message_kind(message: str) -> str:
    """A compiler message with its names and numbers blanked, so misses of one construct group."""
    return _QUOTED.sub("…", message.rstrip(":").strip())[:120]


def label_counts(labels: dict) -> dict:
    recs = [r for cases in labels.values() for r in cases.values()]
    traced = [r["trace"] for r in recs if _traced(r)]
    exported = [r["export"] for r in recs if isinstance(r.get("export"), dict)]
    return {
        "files": len(labels), "cases": len(recs),
        "eager_ok": sum(r.get("eager") == "ok" for r in recs),
        "script_ok": sum(_scripted(r) for r in recs),
        "script_failed": sum(_failed(r) for r in recs),
        "script_failed_in_file": sum(_failed(r) and r["script"].get("line") is not None for r in recs),
        "script_no_verdict": sum(r.get("eager") == "ok" and (r.get("script") or {}).get("no_verdict") is True
                                 for r in recs),
        "trace_ok": sum(t.get("ok") is True for t in traced),
        "trace_failed": sum(t.get("ok") is False for t in traced),
        "trace_with_warnings": sum(bool(t.get("warnings")) for t in traced),
        "trace_diverges": sum(t.get("diverges") is True for t in traced),
        "trace_generalizes": sum(t.get("diverges") is False for t in traced),
        "export_ok": sum(e.get("ok") is True for e in exported),
        "export_failed": sum(e.get("ok") is False for e in exported),
    }


def score(labels: dict, findings: dict, corpus: str) -> tuple[dict, dict]:
    """(figures, lists): precision, first-error recall, trace recall and trace findings without warning."""
    fp, misses, missed_trace, trace_fp = [], [], [], []
    compiled_lines = fp_findings = clean = scripted = warned_compiled = silent = 0
    located = exact = near = 0
    err_lines, err_lines_hit = set(), set()
    warn_lines = warn_exact = warn_near = trace_findings = trace_finding_lines = 0
    for stem, cases in sorted(labels.items()):
        if stem not in findings:
            continue
        errs = _by_line(findings[stem], "script", errors_only=True)
        hazards = _by_line(findings[stem], "script", errors_only=False)  # warnings too: counted, not charged
        tr = _by_line(findings[stem], "trace", errors_only=False)
        # precision: script errors on lines some case of this file compiled
        compiled = set()
        roots = {str(f.get("entry", "")).split(" -> ")[0].rsplit(".", 1)[-1] for fs in errs.values() for f in fs}
        for i, r in cases.items():
            if _scripted(r):
                lines = set(r["script"].get("compiled_lines") or [])
                compiled |= lines
                scripted += 1
                clean += not any(n in errs for n in lines)
                silent += r["class"] not in roots
        compiled_lines += len(compiled)
        warned_compiled += sum(len(hazards[n]) - len(errs.get(n, [])) for n in compiled & set(hazards))
        for n in sorted(compiled & set(errs)):
            fp_findings += len(errs[n])
            fp.append({"file": stem, "line": n, "source": _src(corpus, stem, n),
                       "tslint": [f"{f.get('code')}: {str(f.get('message'))[:160]}" for f in errs[n]],
                       "cases": sorted(r["class"] for r in cases.values()
                                       if _scripted(r) and n in (r["script"].get("compiled_lines") or []))[:5]})
        # first-error recall at the compiler's line
        for i, r in sorted(cases.items(), key=lambda kv: int(kv[0])):
            if not _failed(r) or r["script"].get("line") is None:
                continue
            line = r["script"]["line"]
            located += 1
            err_lines.add((stem, line))
            if line in errs:
                exact += 1
                err_lines_hit.add((stem, line))
                continue
            near += _near(errs, line)
            misses.append({"file": stem, "case": int(i), "class": r["class"], "line": line,
                           "message": r["script"]["message"], "source": _src(corpus, stem, line),
                           "within_2": _near(errs, line), "tslint_nearest": _nearest(errs, line)})
        # trace: distinct warning lines of the file; trace findings where no warning fired
        warned: dict[int, list] = defaultdict(list)
        diverged = []
        for i, r in cases.items():
            if not _traced(r):
                continue
            for line, msg in r["trace"].get("warnings", []):
                if line is not None:
                    warned[line].append((r["class"], msg))
            if r["trace"].get("diverges") is True:
                diverged.append(r["class"])
        warn_lines += len(warned)
        for line, who in sorted(warned.items()):
            warn_exact += line in tr
            warn_near += _near(tr, line)
            if line not in tr:
                missed_trace.append({"file": stem, "line": line, "message": who[0][1][:160],
                                     "source": _src(corpus, stem, line), "classes": sorted({c for c, _ in who})[:5],
                                     "within_2": _near(tr, line), "tslint_nearest": _nearest(tr, line)})
        trace_finding_lines += len(tr)
        for line, fs in sorted(tr.items()):
            trace_findings += len(fs)
            if line not in warned:
                trace_fp.append({"file": stem, "line": line, "source": _src(corpus, stem, line),
                                 "tslint": [f"{f.get('code')}: {str(f.get('message'))[:160]}" for f in fs],
                                 "entries": sorted({str(f.get("entry", "")).split(" -> ")[0] for f in fs})[:5],
                                 "file_cases_diverging": diverged[:5]})
    figures = {
        "precision": {"compiled_lines": compiled_lines, "false_positive_findings": fp_findings,
                      "false_positive_lines": len(fp), "warnings_on_compiled_lines": warned_compiled,
                      "scripted_modules": scripted, "clean_modules": clean,
                      "clean_share": _ratio(clean, scripted),
                      # no script error at all whose entry is the case's class (any line, any file)
                      "silent_modules": silent, "silent_share": _ratio(silent, scripted)},
        "recall": {"located_in_package": located, "hit_exact": exact, "hit_within_2": exact + near,
                   "recall_exact": _ratio(exact, located), "recall_within_2": _ratio(exact + near, located),
                   "distinct_error_lines": len(err_lines), "distinct_lines_hit": len(err_lines_hit)},
        "trace": {"warning_lines": warn_lines, "flagged_exact": warn_exact, "flagged_within_2": warn_near,
                  "recall_exact": _ratio(warn_exact, warn_lines), "recall_within_2": _ratio(warn_near, warn_lines),
                  "trace_findings": trace_findings, "trace_finding_lines": trace_finding_lines,
                  "finding_lines_without_warning": len(trace_fp),
                  "finding_lines_without_warning_share": _ratio(len(trace_fp), trace_finding_lines)},
    }
    return figures, {"false_positives": fp, "misses": misses, "missed_trace_lines": missed_trace,
                     "trace_findings_without_warning": trace_fp}


def group_misses(misses: list) -> list:
    """Misses grouped by message kind, biggest group first."""
    groups: dict[str, list] = defaultdict(list)
    for m in misses:
        groups[message_kind(m["message"])].append(m)
    return [{"message": k, "count": len(v), "cases": v}
            for k, v in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))]


def top_messages(misses: list, n: int = 15) -> list[tuple[str, int]]:
    return Counter(message_kind(m["message"]) for m in misses).most_common(n)


def write_results(res: dict, lists: dict, results_dir: str) -> str:
    os.makedirs(results_dir, exist_ok=True)
    path = os.path.join(results_dir, f"paritybench-{_dt.datetime.now():%Y-%m-%d}.json")
    out = dict({k: v for k, v in res.items() if k != "mismatches"}, misses_by_message=group_misses(lists["misses"]),
               false_positives=lists["false_positives"], missed_trace_lines=lists["missed_trace_lines"],
               trace_findings_without_warning=lists["trace_findings_without_warning"])
    with open(path, "w") as f:
        json.dump(out, f, indent=1, sort_keys=False)
    return path


def measure(tslint: Tslint, cache_dir: str, results_dir: str, corpus: str, jobs: int, log,
            stems: Optional[list] = None) -> dict:
    """Score the cached labels (whatever a labelling run has written so far, or only `stems`);
    write the results file."""
    labels, meta = load_labels(cache_dir)
    if stems is not None:
        labels = {s: labels[s] for s in stems if s in labels}
    counts = label_counts(labels)
    res = {"package": "paritybench", "version": "dev (500 files)", "torch": meta.get("torch"),
           "labels": dict(counts, scripted=counts["script_ok"], failed=counts["script_failed"],
                          build_failed=counts["cases"] - counts["eager_ok"],
                          trace_warnings=sum(len(r["trace"].get("warnings", [])) for c in labels.values()
                                             for r in c.values() if _traced(r))),
           "mismatches": {}}
    if not labels:
        res["tslint_error"] = "no labels"
        return res
    log(f"paritybench: tslint on {len(labels)} files ({jobs} at a time)")
    t0 = time.time()
    findings, errors = run_tslint(tslint, corpus, labels, jobs)
    res["tslint_seconds"] = round(time.time() - t0, 1)
    res["tslint_files"] = len(findings)
    if errors:
        res["tslint_error"] = f"{len(errors)} files: " + "; ".join(f"{s}: {e}" for s, e in list(errors.items())[:3])
    figures, lists = score(labels, findings, corpus)
    res.update(figures)
    res["top_missed_messages"] = top_messages(lists["misses"])
    short = lambda items, keys: [{k: it[k] for k in keys if k in it} for it in items[:20]]  # noqa: E731
    res["mismatches"] = {
        "false positives on compiled lines": short(lists["false_positives"], ("file", "line", "tslint", "cases")),
        "missed first errors": short(lists["misses"], ("file", "line", "class", "message")),
        "trace findings where no TracerWarning fired": short(lists["trace_findings_without_warning"],
                                                             ("file", "line", "tslint", "entries")),
    }
    res["results_file"] = write_results(res, lists, results_dir)
    return res

