"""Compare tslint's answers with the compiler's labels for one package."""
from __future__ import annotations

import os
from collections import Counter, defaultdict
from typing import Iterable, Optional

from .tslint_run import finding_key, norm_path

NEAR = 2
MAX_MISMATCHES = 20


def in_package(path: str, pkg_rel: str) -> bool:
    return path.startswith(pkg_rel.rstrip("/") + "/")


def label_counts(labels: dict) -> dict:
    c = Counter(r.get("status") for r in labels.values())
    out = {k: c.get(k, 0) for k in ("scripted", "failed", "build_failed", "timeout", "crash")}
    traced = [r["trace"] for r in labels.values() if isinstance(r.get("trace"), dict)]
    if traced:
        out["trace_ok"] = sum(t.get("status") == "ok" for t in traced)
        out["trace_failed"] = sum(t.get("status") == "failed" for t in traced)
        out["trace_not_run"] = sum(t.get("status") in ("skipped", "eager_failed") for t in traced)
        out["trace_generalizes"] = sum(t.get("generalizes") is True for t in traced)
        out["trace_warnings"] = sum(len(t.get("warnings", [])) for t in traced)
    return out


def files_of_interest(labels: dict, pkg_rel: str, site: str) -> list[str]:
    """Package files the labels touch: compiled lines, error chains, trace warnings, model classes."""
    files = set()
    for r in labels.values():
        files.update(r.get("compiled_lines", {}))
        err = r.get("error") or {}
        files.update(fr["file"] for fr in err.get("chain", []))
        if err.get("location"):
            files.add(err["location"]["file"])
        files.update(w["file"] for w in (r.get("trace") or {}).get("warnings", []))
        if r.get("class_file"):
            files.add(r["class_file"])
    return sorted(f for f in files if in_package(f, pkg_rel) and f.endswith(".py")
                  and os.path.exists(os.path.join(site, f)))


def with_package_imports(paths: list[str], pkg_rel: str, site: str) -> list[str]:
    """`paths` plus the package modules they import from (`from .configuration_bert import BertConfig`,
    `from ...modeling_utils import PreTrainedModel`): one level, enough for tslint to see the base
    classes and annotated types of the classes the labels name, which a user linting the whole
    package would have anyway."""
    import ast

    out = set(paths)
    for rel in paths:
        try:
            with open(os.path.join(site, rel), encoding="utf-8") as f:
                tree = ast.parse(f.read())
        except (OSError, SyntaxError, ValueError):
            continue
        parts = rel[:-3].split("/")
        package = parts[:-1]  # the importing module's package (`__init__.py` is its own package)
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = package[:len(package) - node.level + 1] if node.level <= len(package) else None
                if base is None:
                    continue
                target = base + (node.module.split(".") if node.module else [])
            else:
                target = (node.module or "").split(".")
            if not "/".join(target).startswith(pkg_rel.rstrip("/")):
                continue
            for alias in node.names:
                for cand in (target + [alias.name], target):
                    stem = os.path.join(*cand)
                    hit = next((c for c in (stem + ".py", os.path.join(stem, "__init__.py"))
                                if os.path.isfile(os.path.join(site, c))), None)
                    if hit:
                        out.add(hit)
                        break
    return sorted(out)


def package_files(pkg_rel: str, site: str) -> list[str]:
    out = []
    for root, dirs, files in os.walk(os.path.join(site, pkg_rel)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        out += [os.path.relpath(os.path.join(root, f), site) for f in sorted(files) if f.endswith(".py")]
    return out


def _index(findings: Iterable[dict], cwd: str, site: str, context: str, errors_only: bool = False) -> dict:
    """Findings by (file, line). With `errors_only`, warnings are left out: a warning (a save hazard
    such as TS413, a dropped decorator, a trace divergence) says the code compiles but behaves or
    exports differently, so it is neither a false positive on a compiled line nor a predicted error."""
    idx: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for f in findings or []:
        if f.get("context") != context:
            continue
        if errors_only and f.get("severity", "error") != "error":
            continue
        key = finding_key(f, cwd, site)
        if key:
            idx[key].append(f)
    return idx


def _near(idx: dict, file: str, line: int) -> bool:
    return any((file, line + d) in idx for d in range(-NEAR, NEAR + 1))


def _ratio(a: int, b: int) -> Optional[float]:
    return round(a / b, 4) if b else None


def precision(labels: dict, pkg_rel: str, idx: dict) -> tuple[dict, list]:
    compiled_by_module = {}
    for r in labels.values():
        if r.get("status") == "scripted":
            compiled_by_module[r["id"]] = {(f, n) for f, ls in r.get("compiled_lines", {}).items()
                                           if in_package(f, pkg_rel) for n in ls}
    all_compiled = set().union(*compiled_by_module.values()) if compiled_by_module else set()
    fp_keys = sorted(k for k in idx if k in all_compiled)
    clean = sum(1 for keys in compiled_by_module.values() if not any(k in idx for k in keys))
    mism = []
    for k in fp_keys[:MAX_MISMATCHES]:
        f = idx[k][0]
        mods = [m for m, keys in compiled_by_module.items() if k in keys][:3]
        mism.append({"file": k[0], "line": k[1], "code": f.get("code"), "severity": f.get("severity"),
                     "message": str(f.get("message"))[:160], "modules": mods})
    return {"compiled_lines": len(all_compiled),
            "false_positive_findings": sum(len(idx[k]) for k in fp_keys),
            "false_positive_lines": len(fp_keys),
            "scripted_modules": len(compiled_by_module), "clean_modules": clean,
            "clean_share": _ratio(clean, len(compiled_by_module))}, mism


def first_error_recall(labels: dict, pkg_rel: str, idx: dict) -> tuple[dict, list]:
    failing = [r for r in labels.values() if r.get("status") == "failed"]
    located = [r for r in failing if (r["error"].get("location") or {}).get("file", "").startswith(pkg_rel)]
    exact = near = 0
    lines_total, lines_hit = set(), set()
    mism = []
    for r in located:
        loc = r["error"]["location"]
        key = (loc["file"], loc["line"])
        lines_total.add(key)
        if key in idx:
            exact += 1
            lines_hit.add(key)
        if _near(idx, *key):
            near += 1
        elif len(mism) < MAX_MISMATCHES:
            mism.append({"module": r["id"], "file": key[0], "line": key[1],
                         "source": r["error"].get("location_source"),
                         "error": f'{r["error"]["type"]}: {r["error"]["message"][:140]}'})
    return {"failing_modules": len(failing), "located_in_package": len(located),
            "by_source": dict(Counter(r["error"].get("location_source") for r in located)),
            "hit_exact": exact, "hit_within_2": near,
            "recall_exact": _ratio(exact, len(located)), "recall_within_2": _ratio(near, len(located)),
            "distinct_error_lines": len(lines_total), "distinct_lines_hit": len(lines_hit)}, mism


def _canon(t: str) -> str:
    return " ".join(str(t).split())


def type_agreement(labels: dict, pkg_rel: str, ir: Optional[list], cwd: str, site: str) -> tuple[dict, list]:
    compiled: dict[tuple[str, int], set] = defaultdict(set)
    names: dict[tuple[str, int], str] = {}
    for r in labels.values():
        for fn in r.get("functions", []):
            if not fn.get("file") or not in_package(fn["file"], pkg_rel):
                continue
            params = tuple((n, _canon(t)) for n, t in fn["params"] if n != "self")
            key = (fn["file"], fn["line"])
            compiled[key].add((params, _canon(fn["returns"])))
            names[key] = fn.get("qualname") or fn.get("compiled_name")
    unique = {k: next(iter(v)) for k, v in compiled.items() if len(v) == 1}
    stats = {"compiled_functions": len(compiled), "ambiguous": len(compiled) - len(unique)}
    if ir is None:
        return stats, []
    ir_idx = {}
    for e in ir:
        try:
            key = (norm_path(e["file"], cwd, site), int(e["line"]))
            params = tuple((p[0], _canon(p[1])) for p in e.get("params", []) if p[0] != "self")
            ir_idx[key] = (params, _canon(e.get("returns")))
        except (KeyError, TypeError, ValueError, IndexError):
            continue
    found = agree = 0
    mism = []
    for key, want in sorted(unique.items()):
        got = ir_idx.get(key)
        if got is None:
            continue
        found += 1
        if got == want:
            agree += 1
        elif len(mism) < MAX_MISMATCHES:
            mism.append({"function": names.get(key), "file": key[0], "line": key[1],
                         "compiler": _sig(want), "tslint": _sig(got)})
    stats.update(found_in_ir=found, agree=agree, agreement=_ratio(agree, len(unique)),
                 agreement_of_found=_ratio(agree, found))
    return stats, mism


def _sig(s) -> str:
    params, ret = s
    return "(" + ", ".join(f"{n}: {t}" for n, t in params) + f") -> {ret}"


def trace_recall(labels: dict, pkg_rel: str, idx: dict) -> tuple[dict, list]:
    lines: dict[tuple[str, int], str] = {}
    models: dict[tuple[str, int], set] = defaultdict(set)
    for r in labels.values():
        for w in (r.get("trace") or {}).get("warnings", []):
            if in_package(w["file"], pkg_rel):
                key = (w["file"], w["line"])
                lines[key] = w["message"]
                models[key].add(r["id"])
    exact = sum(1 for k in lines if k in idx)
    near = sum(1 for k in lines if _near(idx, *k))
    mism = [{"file": k[0], "line": k[1], "message": lines[k][:100], "models": sorted(models[k])[:3]}
            for k in sorted(lines) if not _near(idx, *k)][:MAX_MISMATCHES]
    return {"warning_lines": len(lines), "flagged_exact": exact, "flagged_within_2": near,
            "recall_exact": _ratio(exact, len(lines)), "recall_within_2": _ratio(near, len(lines))}, mism


def confirmation(findings: Optional[list]) -> dict:
    if findings is None:
        return {}
    judged = [f for f in findings if f.get("confirmed") is not None and f.get("code") != "TS000"]
    ok = sum(1 for f in judged if f.get("confirmed") is True)
    return {"findings": len(findings), "judged": len(judged), "confirmed": ok,
            "confirmed_share": _ratio(ok, len(judged)),
            "missed_TS000": sum(1 for f in findings if f.get("code") == "TS000")}
