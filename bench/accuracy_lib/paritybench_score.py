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
from functools import lru_cache
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


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|\b0x[0-9a-f]+\b|\b\d+\b|__torch__[\w.]*")
# the parts of common messages that name the user's variables or types
_NAMED = [(re.compile(p), r) for p, r in (
    (r"^\w+ is not defined in the (true|false) branch", r"… is not defined in the \1 branch"),
    (r"(returned a value of type ).*( but this return statement returns a value of type ).*", r"\1…\2…"),
    (r"Expected (a value of type )?\S+ but got .*", r"Expected … but got …"),
    (r" \(of Python compilation unit at: …\)", ""),
)]


_SCHEMA = re.compile(r"^(?P<name>[\w.]+)\(.*\) -> ")


def message_kind(message: str) -> str:
    """A compiler message with its names and numbers blanked, so misses of one construct group.
    A message that starts with an operator's schema (the candidates of a call that matched none)
    is named by that operator."""
    m = _SCHEMA.match(message.strip())
    if m:
        return f"no schema of {m.group('name')}(...) matches the call"
    text = _QUOTED.sub("…", message.rstrip(":").strip())
    for pat, repl in _NAMED:
        text = pat.sub(repl, text)
    return text[:120]


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


def _precision(stem: str, cases: dict, errs: dict, hazards: dict, corpus: str, n: Counter, out: dict) -> None:
    """Script errors on lines some case of this file compiled (each a false positive)."""
    roots = {str(f.get("entry", "")).split(" -> ")[0].rsplit(".", 1)[-1] for fs in errs.values() for f in fs}
    compiled: set = set()
    for r in cases.values():
        if _scripted(r):
            lines = set(r["script"].get("compiled_lines") or [])
            compiled |= lines
            n["scripted"] += 1
            n["clean"] += not any(k in errs for k in lines)
            n["silent"] += r["class"] not in roots
    n["compiled_lines"] += len(compiled)
    n["warned_compiled"] += sum(len(hazards[k]) - len(errs.get(k, [])) for k in compiled & set(hazards))
    for k in sorted(compiled & set(errs)):
        n["fp_findings"] += len(errs[k])
        out["false_positives"].append({
            "file": stem, "line": k, "source": _src(corpus, stem, k),
            "tslint": [f"{f.get('code')}: {str(f.get('message'))[:160]}" for f in errs[k]],
            "cases": sorted(r["class"] for r in cases.values()
                            if _scripted(r) and k in (r["script"].get("compiled_lines") or []))[:5]})


def _recall(stem: str, cases: dict, errs: dict, corpus: str, n: Counter, lines: dict, out: dict) -> None:
    """Failing cases whose first error, located in the file, tslint flags at that line (or within 2)."""
    for i, r in sorted(cases.items(), key=lambda kv: int(kv[0])):
        if not _failed(r) or r["script"].get("line") is None:
            continue
        line = r["script"]["line"]
        n["located"] += 1
        lines["all"].add((stem, line))
        if line in errs:
            n["exact"] += 1
            lines["hit"].add((stem, line))
            continue
        n["near"] += _near(errs, line)
        out["misses"].append({"file": stem, "case": int(i), "class": r["class"], "line": line,
                              "message": r["script"]["message"], "source": _src(corpus, stem, line),
                              "within_2": _near(errs, line), "tslint_nearest": _nearest(errs, line)})


@lru_cache(maxsize=1)
def _silent_codes() -> dict[str, str]:
    """Trace rules whose hazard the tracer records without any TracerWarning (their
    `compiler_message` says so): a finding of theirs on a line with no warning is expected."""
    from tslint.rule import all_rules

    return {r.code: r.compiler_message.strip("()") for r in all_rules()
            if r.code.startswith("TS5") and r.compiler_message.startswith("(no TracerWarning")}


def _no_warning_reason(codes: list[str], entries: list[str], cases: dict) -> Optional[str]:
    """Why a trace finding's line can have no TracerWarning although the finding is right: its rule
    is silent by design, or no labelled example trace of its entry ran through (the line was not
    reached).  None: unexplained, a candidate false finding."""
    silent = _silent_codes()
    if codes and all(c in silent for c in codes):
        return "silent: " + "; ".join(sorted({silent[c] for c in codes}))
    runs = [r["trace"] for r in cases.values() if _traced(r) and r["class"] in entries]
    if not runs:
        return "unreached: no labelled trace of " + ", ".join(entries)
    if not any(t.get("ok") for t in runs):
        return f"unreached: the example trace failed ({str(runs[0].get('message'))[:80]})"
    return None


def _trace(stem: str, cases: dict, tr: dict, corpus: str, n: Counter, out: dict) -> None:
    """Distinct TracerWarning lines of the file, flagged or not; trace findings where none fired.
    A line is `direct` when the warning fired on it, not inside a torch function it calls."""
    warned: dict[int, list] = defaultdict(list)
    diverged = []
    for r in cases.values():
        if not _traced(r):
            continue
        t = r["trace"]
        origins = t.get("warning_origins") or [None] * len(t.get("warnings", []))
        for (line, msg), origin in zip(t.get("warnings", []), origins):
            if line is not None:
                warned[line].append((r["class"], msg, origin))
        if t.get("diverges") is True:
            diverged.append(r["class"])
    for line, who in sorted(warned.items()):
        direct = any(o is None for _, _, o in who)
        for kind in ("all", "direct") if direct else ("all",):
            n[f"warn_{kind}"] += 1
            n[f"warn_{kind}_exact"] += line in tr
            n[f"warn_{kind}_near"] += _near(tr, line)
        if line not in tr:
            out["missed_trace_lines"].append({
                "file": stem, "line": line, "message": who[0][1][:160], "source": _src(corpus, stem, line),
                "fired_in": "the file" if direct else who[0][2], "classes": sorted({c for c, _, _ in who})[:5],
                "within_2": _near(tr, line), "tslint_nearest": _nearest(tr, line)})
    n["trace_finding_lines"] += len(tr)
    for line, fs in sorted(tr.items()):
        n["trace_findings"] += len(fs)
        if line not in warned:
            entries = sorted({str(f.get("entry", "")).split(" -> ")[0] for f in fs})
            out["trace_findings_without_warning"].append({
                "file": stem, "line": line, "source": _src(corpus, stem, line),
                "tslint": [f"{f.get('code')}: {str(f.get('message'))[:160]}" for f in fs],
                "entries": entries[:5], "file_cases_diverging": diverged[:5],
                "reason": _no_warning_reason([str(f.get("code")) for f in fs], entries, cases)})


def score(labels: dict, findings: dict, corpus: str) -> tuple[dict, dict]:
    """(figures, lists): precision, first-error recall, trace recall and trace findings without warning."""
    n: Counter = Counter()
    err_lines: dict[str, set] = {"all": set(), "hit": set()}
    out: dict[str, list] = {"false_positives": [], "misses": [], "missed_trace_lines": [],
                            "trace_findings_without_warning": []}
    for stem, cases in sorted(labels.items()):
        if stem not in findings:
            continue
        errs = _by_line(findings[stem], "script", errors_only=True)
        hazards = _by_line(findings[stem], "script", errors_only=False)  # warnings too: counted, not charged
        tr = _by_line(findings[stem], "trace", errors_only=False)
        _precision(stem, cases, errs, hazards, corpus, n, out)
        _recall(stem, cases, errs, corpus, n, err_lines, out)
        _trace(stem, cases, tr, corpus, n, out)
    wd, wa = n["warn_direct"], n["warn_all"]
    figures = {
        "precision": {"compiled_lines": n["compiled_lines"], "false_positive_findings": n["fp_findings"],
                      "false_positive_lines": len(out["false_positives"]),
                      "warnings_on_compiled_lines": n["warned_compiled"],
                      "scripted_modules": n["scripted"], "clean_modules": n["clean"],
                      "clean_share": _ratio(n["clean"], n["scripted"]),
                      # no script error at all whose entry is the case's class (any line, any file)
                      "silent_modules": n["silent"], "silent_share": _ratio(n["silent"], n["scripted"])},
        "recall": {"located_in_package": n["located"], "hit_exact": n["exact"],
                   "hit_within_2": n["exact"] + n["near"], "recall_exact": _ratio(n["exact"], n["located"]),
                   "recall_within_2": _ratio(n["exact"] + n["near"], n["located"]),
                   "distinct_error_lines": len(err_lines["all"]), "distinct_lines_hit": len(err_lines["hit"])},
        # warning_lines / recall_*: lines where the warning fired in the file (the other packages' figure);
        # *_with_torch: also lines of the file that called into torch code that warned
        "trace": {"warning_lines": wd, "flagged_exact": n["warn_direct_exact"],
                  "flagged_within_2": n["warn_direct_near"],
                  "recall_exact": _ratio(n["warn_direct_exact"], wd),
                  "recall_within_2": _ratio(n["warn_direct_near"], wd),
                  "warning_lines_with_torch": wa, "flagged_exact_with_torch": n["warn_all_exact"],
                  "recall_exact_with_torch": _ratio(n["warn_all_exact"], wa),
                  "trace_findings": n["trace_findings"], "trace_finding_lines": n["trace_finding_lines"],
                  "finding_lines_without_warning": len(out["trace_findings_without_warning"]),
                  "finding_lines_without_warning_share": _ratio(len(out["trace_findings_without_warning"]),
                                                                n["trace_finding_lines"]),
                  # without a reason: neither a silent rule nor an unreached line (candidate false findings)
                  "finding_lines_without_warning_unexplained": sum(
                      f["reason"] is None for f in out["trace_findings_without_warning"]),
                  "without_warning_by_code": dict(Counter(t.split(":")[0] for f in out["trace_findings_without_warning"]
                                                          for t in f["tslint"]).most_common())},
    }
    return figures, out


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
                                                             ("file", "line", "tslint", "entries", "reason")),
    }
    res["results_file"] = write_results(res, lists, results_dir)
    return res
