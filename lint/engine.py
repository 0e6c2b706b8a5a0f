"""One run: discover, index every file, find roots and reach, check the reached code, filter.

Files are indexed in parallel (cached by content hash); only files holding reachable code are read
again and checked, again in parallel and cached by everything their findings depend on (their content,
the rules, what reaches them, and the summaries of the project modules they import). An internal error
in one file becomes a TS903 finding for that file and the run goes on.
"""
from __future__ import annotations

import multiprocessing
import os
import stat
import sys
import traceback
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional, TypeVar

from .cache import CACHE_DIR, Cache
from .config import Config
from .discover import SourcePath, discover, module_name
from .entrypoints import EntryOptions, find_roots
from .finding import Finding
from .noqa import per_file_ignored, suppressed
from .project.index import ModuleSummary, summarize
from .project.model import ClassRef, Project
from .reach import Reach, compute_reach
from .rule import Rule, code_selected, select_rules
from .source import SourceError, SourceFile, content_hash, parsed_file
from .walk import ClassContext, FunctionContext, check_function, class_nodes, function_nodes, rules_by_type

PARALLEL_THRESHOLD = 16
# deeply nested (generated) expressions are valid Python; the visitors recurse once per level
sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
T = TypeVar("T")
R = TypeVar("R")


@dataclass
class RunOptions:
    select: list[str] = field(default_factory=lambda: ["TS"])
    ignore: list[str] = field(default_factory=list)
    entry: EntryOptions = field(default_factory=EntryOptions)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    jobs: int = 0
    use_cache: bool = True
    cache_dir: Optional[Path] = None
    respect_noqa: bool = True
    force_exclude: bool = False  # exclude patterns apply to files named on the command line too


@dataclass
class RunResult:
    findings: list[Finding]
    files: list[SourcePath]
    project: Project
    reach: Reach
    unmatched: list[str] = field(default_factory=list)
    suppressed: int = 0


# -- phase 1: index ----------------------------------------------------------------------------
def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def index_one(sp: SourcePath, cache: Cache) -> tuple[Optional[ModuleSummary], Optional[Finding]]:
    try:
        if not stat.S_ISREG(os.stat(sp.path).st_mode):  # a FIFO or device named *.py would block
            return None, Finding(sp.path, 1, 0, 1, 0, "TS902", "cannot read file: not a regular file", context="file")
        data = _read(sp.path)
    except OSError as exc:
        return None, Finding(sp.path, 1, 0, 1, 0, "TS902", f"cannot read file: {exc.strerror or exc}", context="file")
    digest = content_hash(data)
    key = Cache.key("index", digest, sp.path, sp.module, str(sp.is_package))
    cached = cache.get("index", key)
    if cached is not None:
        return cached
    try:
        source = SourceFile.from_bytes(sp.path, data, sp.module)
        result: tuple = (summarize(sp.path, sp.module, digest, source.tree, sp.is_package, source.text), None)
    except SourceError as exc:
        result = (None, exc.finding)
    except RecursionError:
        result = (None, Finding(sp.path, 1, 0, 1, 0, "TS901", "cannot parse file: nesting too deep", context="file"))
    except Exception as exc:  # noqa: BLE001 - never let one file end the run
        result = (None, internal_error(sp.path, exc))
    cache.put("index", key, result)
    return result


def internal_error(path: str, exc: BaseException) -> Finding:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
    return Finding(path, 1, 0, 1, 0, "TS903", f"internal error: {type(exc).__name__}: {exc} (at {where}); please report it",
                   context="file")


# -- phase 3: check ----------------------------------------------------------------------------
_SHARED: dict = {}


def _deps_digest(project: Project, summary: ModuleSummary) -> str:
    digests = []
    for target in sorted(set(summary.imports.values())):
        parts = target.split(".")
        for cut in range(len(parts), 0, -1):
            dep = project.by_module.get(".".join(parts[:cut]))
            if dep is not None:
                digests.append(dep.digest)
                break
    return ",".join(digests)


@dataclass
class _ReachIndex:
    """`Reach` grouped by module, built once per run: each checked file asks for its own share, and
    scanning the whole reach per file is quadratic on a large project."""

    reach: Reach
    size: tuple[int, int]
    functions: dict[str, dict[str, dict[str, str]]]  # module -> qualname -> context -> chain
    classes: dict[str, list[tuple[ClassRef, str]]]  # module -> [(class, chain)] in reach order


_REACH_INDEX: list[_ReachIndex] = []


def _reach_index(reach: Reach) -> _ReachIndex:
    size = (len(reach.functions), len(reach.classes))
    if _REACH_INDEX and _REACH_INDEX[0].reach is reach and _REACH_INDEX[0].size == size:
        return _REACH_INDEX[0]
    functions: dict[str, dict[str, dict[str, str]]] = {}
    for ref, contexts in reach.functions.items():
        functions.setdefault(ref.module, {})[ref.qualname] = contexts
    classes: dict[str, list[tuple[ClassRef, str]]] = {}
    for cref, chain in reach.classes.items():
        classes.setdefault(cref.module, []).append((cref, chain))
    _REACH_INDEX[:] = [_ReachIndex(reach, size, functions, classes)]
    return _REACH_INDEX[0]


def _reach_signature(reach: Reach, summary: ModuleSummary) -> str:
    index = _reach_index(reach)
    funcs = index.functions.get(summary.module, {}) if summary.module else {}
    classes = sorted((ref.name, chain, ref in reach.module_classes) for ref, chain in index.classes.get(summary.module, ()))
    return repr((sorted((q, sorted(c.items())) for q, c in funcs.items()), classes))


def check_file(summary: ModuleSummary, project: Project, reach: Reach, rules: tuple[Rule, ...], cache: Cache,
               data: Optional[bytes] = None) -> list[Finding]:
    """Findings in one reached file (`data`: its bytes when already read, else read from disk)."""
    signature = _reach_signature(reach, summary)
    key = Cache.key("check", summary.digest, summary.path, summary.module, ",".join(r.code for r in rules),
                    signature, _deps_digest(project, summary))
    cached = cache.get("check", key)
    if cached is not None:
        return [Finding.from_dict(d) for d in cached]
    try:
        findings = _check_source(summary, project, reach, rules, data)
    except SourceError as exc:
        findings = [exc.finding]
    except Exception as exc:  # noqa: BLE001
        findings = [internal_error(summary.path, exc)]
    cache.put("check", key, [f.to_dict() for f in findings])
    return findings


def _check_source(summary: ModuleSummary, project: Project, reach: Reach, rules: tuple[Rule, ...],
                  data: Optional[bytes] = None) -> list[Finding]:
    if data is None:  # the per-process parse cache: class facts and the type checker read this tree too
        source = parsed_file(summary.path, summary.digest, summary.module)
    else:
        source = SourceFile.from_bytes(summary.path, data, summary.module)
    findings: list[Finding] = []
    contexts = _reach_index(reach).functions.get(summary.module, {})
    nodes = function_nodes(source.tree)
    by_context = {c: rules_by_type(list(rules), c) for c in ("script", "trace")}
    for qualname, per_context in sorted(contexts.items()):
        if qualname not in nodes:
            continue
        node, class_node = nodes[qualname]
        info = summary.function(qualname)
        if info is None:
            continue
        for context, chain in sorted(per_context.items()):
            ctx = FunctionContext(source, project, summary.module, info, node, context, chain, class_node)
            findings.extend(check_function(ctx, list(rules), by_context[context]))
    classes = class_nodes(source.tree)
    for ref, chain in _reach_index(reach).classes.get(summary.module, ()):
        if ref.name not in classes:
            continue
        info = summary.classes.get(ref.name)
        if info is None:
            continue
        ctx = ClassContext(source, project, summary.module, info, classes[ref.name], ref in reach.module_classes, chain)
        for rule in rules:
            rule.check_class(ctx)
        findings.extend(ctx.findings)
    return _dedupe(findings)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """A function reached under both contracts reports a shared construct once per code and place."""
    seen: set = set()
    out = []
    for f in findings:
        key = (f.line, f.col, f.code)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _check_worker(path: str) -> list[Finding]:
    summary = _SHARED["project"].by_path[path]
    return check_file(summary, _SHARED["project"], _SHARED["reach"], _SHARED["rules"], _SHARED["cache"])


def _index_worker(sp: SourcePath) -> tuple[Optional[ModuleSummary], Optional[Finding]]:
    return index_one(sp, _SHARED["cache"])


def _map(func: Callable[[T], R], items: list[T], jobs: int) -> list[R]:
    if jobs <= 1 or len(items) < PARALLEL_THRESHOLD:
        return [func(item) for item in items]
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover - no fork on this platform
        return [func(item) for item in items]
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        return list(pool.map(func, items, chunksize=max(1, len(items) // (jobs * 8))))


# -- the run -----------------------------------------------------------------------------------
@dataclass
class Analysis:
    """Phases 1 and 2 of a run: every file indexed, the project, its roots and what they reach."""

    files: list[SourcePath]
    problems: list[Finding]  # files that could not be indexed (TS9xx)
    summaries: list[ModuleSummary]
    project: Project
    reach: Reach
    unmatched: list[str]
    rules: tuple[Rule, ...]
    cache: Cache


def analyse(paths: Iterable[str], config: Config, options: RunOptions) -> Analysis:
    files = list(discover(paths, config.root, config.exclude, options.force_exclude))
    jobs = options.jobs or os.cpu_count() or 1
    cache_dir = options.cache_dir or (config.root / CACHE_DIR)
    cache = Cache(cache_dir, options.use_cache)
    _SHARED.clear()
    _SHARED["cache"] = cache

    findings: list[Finding] = []
    summaries: list[ModuleSummary] = []
    for summary, problem in _map(_index_worker, files, jobs):
        if problem is not None:
            findings.append(problem)
        if summary is not None:
            summaries.append(summary)

    project = Project(summaries)
    roots, unmatched = find_roots(project, options.entry)
    reach = compute_reach(project, roots)
    rules = tuple(r for r in select_rules(options.select, options.ignore) if r.node_types or _has_hooks(r))
    return Analysis(files, findings, summaries, project, reach, unmatched, rules, cache)


def run(paths: Iterable[str], config: Config, options: RunOptions) -> RunResult:
    analysis = analyse(paths, config, options)
    files, summaries, project, reach, rules = (
        analysis.files, analysis.summaries, analysis.project, analysis.reach, analysis.rules,
    )
    findings = list(analysis.problems)
    jobs = options.jobs or os.cpu_count() or 1
    reached_modules = {ref.module for ref in reach.functions} | {ref.module for ref in reach.classes}
    to_check = [s.path for s in summaries if s.module in reached_modules and project.by_module.get(s.module) is s]
    _SHARED.update(project=project, reach=reach, rules=rules)
    for result in _map(_check_worker, to_check, jobs):
        findings.extend(result)

    kept, dropped = _filter(findings, options)
    kept.sort(key=Finding.sort_key)
    return RunResult(kept, files, project, reach, analysis.unmatched, dropped)


def _has_hooks(rule: Rule) -> bool:
    cls = type(rule)
    return cls.check_function is not Rule.check_function or cls.check_class is not Rule.check_class


def _filter(findings: list[Finding], options: RunOptions) -> tuple[list[Finding], int]:
    kept, dropped = [], 0
    lines_cache: dict[str, list[str]] = {}
    for f in findings:
        if f.code.startswith("TS9"):  # the linter's own problems show unless ignored by name
            if any(f.code.startswith(i) for i in options.ignore):
                continue
        elif not code_selected(f.code, options.select, options.ignore):
            continue
        if per_file_ignored(f.code, f.path, options.per_file_ignores):
            dropped += 1
            continue
        if options.respect_noqa and f.context != "file":
            if f.path not in lines_cache:
                try:
                    lines_cache[f.path] = _read(f.path).decode("utf-8", "replace").splitlines()
                except OSError:
                    lines_cache[f.path] = []
            lines = lines_cache[f.path]
            if 0 < f.line <= len(lines) and suppressed(f.code, lines[f.line - 1]):
                dropped += 1
                continue
        kept.append(f)
    return kept, dropped


# -- one file at a time (the flake8 plugin) --------------------------------------------------------
def lint_single_file(path: str, data: bytes, analysis: Analysis, options: RunOptions) -> list[Finding]:
    """What `run` over the analysed paths reports for `path`, for a caller that visits files one by one.

    `data` is the file's current content; when it is not what the analysis indexed (text piped on
    stdin, a file outside the analysed paths, an edit since), the file is summarized again and the
    project's roots and reach are recomputed with it, so its own entry points still count. noqa is
    left to the caller when `options.respect_noqa` is False (flake8 applies its own).
    """
    summary = analysis.project.by_path.get(path)
    project, reach = analysis.project, analysis.reach
    if summary is None or summary.digest != content_hash(data):
        module, is_package = module_name(Path(path))
        if summary is not None:
            module, is_package = summary.module, summary.is_package
        try:
            source = SourceFile.from_bytes(path, data, module)
            summary = summarize(path, module, source.digest, source.tree, is_package, source.text)
        except SourceError as exc:
            return _filter([exc.finding], options)[0]
        project = Project([summary, *(s for s in analysis.summaries if s.path != path)])
        roots, _ = find_roots(project, options.entry)
        reach = compute_reach(project, roots)
    reached = {ref.module for ref in reach.functions} | {ref.module for ref in reach.classes}
    if summary.module not in reached or project.by_module.get(summary.module) is not summary:
        return []
    kept, _ = _filter(check_file(summary, project, reach, analysis.rules, analysis.cache, data), options)
    kept.sort(key=Finding.sort_key)
    return kept
