"""One run: discover, index every file, find roots and reach, check the reached code, filter.

Files are indexed in parallel (cached by content hash); only files holding reachable code are read
again and checked, again in parallel and cached by everything their findings depend on (their content,
the rules, what reaches them, and the summaries of the project modules they import). An internal error
in one file becomes a TS903 finding for that file and the run goes on.
"""
from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
import os
import pickle
import stat
import sys
import traceback
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional, TypeVar

from . import gcpolicy
from .cache import CACHE_DIR, Cache, Table
from .config import Config
from .discover import SourcePath, discover, module_name
from .entrypoints import EntryOptions, Root, Unresolved, find_roots
from .finding import Finding
from .noqa import per_file_ignored, suppressed
from .project.index import ModuleSummary, summarize
from .project.model import ClassRef, Project
from .reach import Reach, compute_reach
from .rule import Rule, code_selected, select_rules
from .source import SourceError, SourceFile, content_hash, parsed_file
from .project.index import class_nodes, function_nodes
from .walk import ClassContext, FunctionContext, check_function, rules_by_type

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
    roots: list[Root]
    unmatched: list[str] = field(default_factory=list)
    suppressed: int = 0
    unresolved: list[Unresolved] = field(default_factory=list)
    #: the run's project model and reach: computed by the run, or (when its findings came from the
    #: run snapshot) on first use, from the caches
    analysis: Optional["Analysis"] = None
    reanalyse: Optional[Callable[[], "Analysis"]] = field(default=None, repr=False)

    def _analysis(self) -> "Analysis":
        if self.analysis is None:
            assert self.reanalyse is not None
            self.analysis = self.reanalyse()
        return self.analysis

    @property
    def project(self) -> Project:
        return self._analysis().project

    @property
    def reach(self) -> Reach:
        return self._analysis().reach


# -- phase 1: index ----------------------------------------------------------------------------
def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


#: what indexing one file gives: its summary or the problem that prevented one, and the summary's
#: semantic digest (its content without the file's digest: unchanged by comment-only edits)
IndexEntry = tuple[Optional[ModuleSummary], Optional[Finding], str]


def _read_source(sp: SourcePath) -> tuple[Optional[bytes], Optional[Finding]]:
    try:
        if not stat.S_ISREG(os.stat(sp.path).st_mode):  # a FIFO or device named *.py would block
            return None, Finding(sp.path, 1, 0, 1, 0, "TS902", "cannot read file: not a regular file", context="file")
        return _read(sp.path), None
    except OSError as exc:
        return None, Finding(sp.path, 1, 0, 1, 0, "TS902", f"cannot read file: {exc.strerror or exc}", context="file")


def _index_key(sp: SourcePath, digest: str) -> str:
    return Cache.key("index", digest, sp.path, sp.module, str(sp.is_package))


def _summarize_entry(sp: SourcePath, data: bytes, digest: str) -> IndexEntry:
    try:
        source = SourceFile.from_bytes(sp.path, data, sp.module)
        summary = summarize(sp.path, sp.module, digest, source.tree, sp.is_package, source.text)
        return summary, None, semantic_digest(summary)
    except SourceError as exc:
        return None, exc.finding, ""
    except RecursionError:
        return None, Finding(sp.path, 1, 0, 1, 0, "TS901", "cannot parse file: nesting too deep", context="file"), ""
    except Exception as exc:  # noqa: BLE001 - never let one file end the run
        return None, internal_error(sp.path, exc), ""


def semantic_digest(summary: ModuleSummary) -> str:
    """A digest of everything the project model reads from a summary (all of it but the content
    digest; sets sorted, so equal summaries digest equally in any process)."""
    canonical = dataclasses.replace(summary, digest="", foreign_attr_stores=tuple(sorted(summary.foreign_attr_stores)))
    return hashlib.blake2b(pickle.dumps(canonical, protocol=4), digest_size=16).hexdigest()


def _index_entry(sp: SourcePath) -> tuple[Optional[str], IndexEntry]:
    """(cache key, entry) for one file; the key is None when the file cannot be read (not cached)."""
    data, problem = _read_source(sp)
    if data is None:
        return None, (None, problem, "")
    digest = content_hash(data)
    return _index_key(sp, digest), _summarize_entry(sp, data, digest)


#: a file's content digest, or the problem that kept it from being read
FileState = tuple[Optional[str], Optional[Finding]]


def file_state(sp: SourcePath) -> FileState:
    data, problem = _read_source(sp)
    return (None, problem) if data is None else (content_hash(data), None)


def _index_cached(sp: SourcePath, state: FileState, table: Table) -> Optional[IndexEntry]:
    """The file's entry when the table holds it for the file's current content, else None."""
    digest, problem = state
    if digest is None:
        return None, problem, ""
    return table.get(sp.path, _index_key(sp, digest))


def index_one(sp: SourcePath, cache: Cache) -> tuple[Optional[ModuleSummary], Optional[Finding]]:
    """One file's summary or problem, through the per-file cache (for callers outside a run)."""
    data, problem = _read_source(sp)
    if data is None:
        return None, problem
    digest = content_hash(data)
    key = _index_key(sp, digest)
    cached = cache.get("index", key)
    if cached is not None:
        return cached
    summary, problem, _ = _summarize_entry(sp, data, digest)
    cache.put("index", key, (summary, problem))
    return summary, problem


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
    bare: set[ClassRef]  # `reach.built_without_args()`
    bare_names: dict[str, list[str]]  # module -> sorted names of those classes


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
    bare = reach.built_without_args()
    bare_names: dict[str, list[str]] = {}
    for cref in bare:
        bare_names.setdefault(cref.module, []).append(cref.name)
    for names in bare_names.values():
        names.sort()
    _REACH_INDEX[:] = [_ReachIndex(reach, size, functions, classes, bare, bare_names)]
    return _REACH_INDEX[0]


def _reach_signature(reach: Reach, summary: ModuleSummary) -> str:
    index = _reach_index(reach)
    funcs = index.functions.get(summary.module, {}) if summary.module else {}
    classes = sorted((ref.name, chain, ref in reach.module_classes) for ref, chain in index.classes.get(summary.module, ()))
    bare = index.bare_names.get(summary.module, [])
    return repr((sorted((q, sorted(c.items())) for q, c in funcs.items()), classes, bare))


def _check_key(summary: ModuleSummary, project: Project, reach: Reach, rules: tuple[Rule, ...]) -> str:
    """Everything a file's findings depend on: its content, the rules, what reaches it, and the
    content of the project modules it imports."""
    return Cache.key("check", summary.digest, summary.path, summary.module, ",".join(r.code for r in rules),
                     _reach_signature(reach, summary), _deps_digest(project, summary))


def check_file(summary: ModuleSummary, project: Project, reach: Reach, rules: tuple[Rule, ...], cache: Cache,
               data: Optional[bytes] = None) -> list[Finding]:
    """Findings in one reached file (`data`: its bytes when already read, else read from disk)."""
    key = _check_key(summary, project, reach, rules)
    cached = cache.get("check", key)
    if cached is not None:
        return [Finding.from_dict(d) for d in cached]
    findings = _check_uncached(summary, project, reach, rules, data)
    cache.put("check", key, [f.to_dict() for f in findings])
    return findings


def _check_uncached(summary: ModuleSummary, project: Project, reach: Reach, rules: tuple[Rule, ...],
                    data: Optional[bytes] = None) -> list[Finding]:
    try:
        return _check_source(summary, project, reach, rules, data)
    except SourceError as exc:
        return [exc.finding]
    except Exception as exc:  # noqa: BLE001
        return [internal_error(summary.path, exc)]


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
    bare = _reach_index(reach).bare
    for qualname, per_context in sorted(contexts.items()):
        if qualname not in nodes:
            continue
        node, class_node = nodes[qualname]
        info = summary.function(qualname)
        if info is None:
            continue
        for context, chain in sorted(per_context.items()):
            ctx = FunctionContext(source, project, summary.module, info, node, context, chain, class_node,
                                  built_without_args=context == "script" and ClassRef(summary.module, info.class_name) in bare)
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
    findings = _check_uncached(summary, _SHARED["project"], _SHARED["reach"], _SHARED["rules"])
    gcpolicy.between_files()
    return findings


def _index_worker(sp: SourcePath) -> tuple[Optional[str], IndexEntry]:
    result = _index_entry(sp)
    gcpolicy.between_files()
    return result


def _map(func: Callable[[T], R], items: list[T], jobs: int) -> list[R]:
    with gcpolicy.phase():
        if jobs <= 1 or len(items) < PARALLEL_THRESHOLD:
            return [func(item) for item in items]
        try:
            context = multiprocessing.get_context("fork")
        except ValueError:  # pragma: no cover - no fork on this platform
            return [func(item) for item in items]
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            return list(pool.map(func, items, chunksize=max(1, len(items) // (jobs * 32))))


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
    unresolved: list[Unresolved]
    rules: tuple[Rule, ...]
    cache: Cache
    #: the files the run reports on, when fewer than it indexes (named files of a project)
    scope: Optional[set[str]] = None

    def reported(self) -> list[SourcePath]:
        return [sp for sp in self.files if self.scope is None or sp.path in self.scope]


def project_root(paths: list[str], config: Config) -> Optional[Path]:
    """The project a run over named files belongs to: the folder of its `[tool.tslint]` config,
    else the repository holding the files; None when the paths are not all files inside one."""
    if not paths or not all(os.path.isfile(p) for p in paths):
        return None
    resolved = [Path(p).resolve() for p in paths]
    root = config.path.parent.resolve() if config.path else _repository_root(Path(os.path.commonpath(resolved)))
    if root is None or not all(root in p.parents for p in resolved):
        return None
    return root


def _repository_root(start: Path) -> Optional[Path]:
    for folder in [start, *start.parents]:
        if (folder / ".git").exists():
            return folder
    return None


def _discover(paths: Iterable[str], config: Config, options: RunOptions) -> tuple[list[SourcePath], Cache, Optional[set[str]]]:
    """The files a run indexes, its cache, and the files it reports on when that is fewer: named
    files are checked as part of their project (a finding in `model.py` may need `layers.py` and
    the export script that scripts it), so the project is indexed (through the cache) and only the
    named files are reported (None: all)."""
    paths = list(paths)
    named = list(discover(paths, config.root, config.exclude, options.force_exclude))
    cache = Cache(options.cache_dir or (config.root / CACHE_DIR), options.use_cache)
    root = project_root(paths, config)
    if root is None:
        return named, cache, None
    files = list(discover([os.path.relpath(root)], config.root, config.exclude))
    known = {os.path.realpath(sp.path) for sp in files}
    files += [sp for sp in named if os.path.realpath(sp.path) not in known]  # named, though excluded
    wanted = {os.path.realpath(sp.path) for sp in named}
    return files, cache, {sp.path for sp in files if os.path.realpath(sp.path) in wanted}


@gcpolicy.phase()  # the whole run: see gcpolicy
def analyse(paths: Iterable[str], config: Config, options: RunOptions,
            found: Optional[tuple[list[SourcePath], Cache, Optional[list[FileState]], Optional[set[str]]]] = None) -> Analysis:
    """Phases 1 and 2 (`found`: the files, cache, file states and scope when the caller has them)."""
    if found is None:
        files, cache, scope = _discover(paths, config, options)
        states = [file_state(sp) for sp in files] if cache.enabled else None
    else:
        files, cache, states, scope = found
    jobs = options.jobs or os.cpu_count() or 1
    _SHARED.clear()
    _SHARED["cache"] = cache

    # phase 1: files whose content the index table holds cost a read and a hash, the rest is parsed
    table = cache.table("index")
    entries: list[Optional[IndexEntry]] = [None] * len(files)
    if states is not None and table.populated():
        entries = [_index_cached(sp, state, table) for sp, state in zip(files, states)]
    todo = [i for i, entry in enumerate(entries) if entry is None]
    for i, (key, entry) in zip(todo, _map(_index_worker, [files[i] for i in todo], jobs)):
        entries[i] = entry
        if key is not None:
            table.put(files[i].path, key, entry)
    table.save()  # before the project renames clashing modules in the summaries it is given

    findings: list[Finding] = []
    summaries: list[ModuleSummary] = []
    for summary, problem, _ in entries:  # type: ignore[misc]
        if problem is not None:
            findings.append(problem)
        if summary is not None:
            summaries.append(summary)

    # phase 2: roots and reach depend on the summaries alone, so they are cached by the summaries'
    # semantic digests: an edit that changes no summary (a comment, a docstring) reuses them
    project = Project(summaries)
    reach_key = Cache.key("reach", repr(options.entry), *(
        f"{e[0].path}\0{e[0].module}\0{e[0].is_package}\0{e[2]}" for e in entries if e is not None and e[0] is not None))
    run_name = Cache.key("run", *(sp.path for sp in files))
    cached = cache.get_run("reach", run_name, reach_key)
    if cached is not None:
        reach, unmatched, unresolved = cached
    else:
        with gcpolicy.phase():  # a graph walk over hundreds of thousands of states, no cycles
            roots = find_roots(project, options.entry)
            reach = compute_reach(project, roots.roots)
        unmatched, unresolved = roots.unmatched, roots.unresolved
        cache.put_run("reach", run_name, reach_key, (reach, unmatched, unresolved))
    rules = tuple(r for r in select_rules(options.select, options.ignore) if r.node_types or _has_hooks(r))
    return Analysis(files, findings, summaries, project, reach, unmatched, unresolved, rules, cache, scope)


def _snapshot_keys(files: list[SourcePath], states: list[FileState], options: RunOptions,
                   scope: Optional[set[str]]) -> tuple[str, str]:
    """(name, key) of a run's snapshot: the name says which run (its files, the files it reports
    on, and options), the key everything its findings depend on (the content of every file, which
    also decides noqa)."""
    settings = repr((options.select, options.ignore, options.entry, sorted(options.per_file_ignores.items()),
                     options.respect_noqa, options.force_exclude, sorted(scope) if scope is not None else None))
    name = Cache.key("snapshot", settings, *(sp.path for sp in files))
    key = Cache.key("snapshot", settings, *(
        f"{sp.path}\0{sp.module}\0{sp.is_package}\0{digest or (problem.message if problem else '')}"
        for sp, (digest, problem) in zip(files, states)))
    return name, key


@gcpolicy.phase()  # the whole run: see gcpolicy
def run(paths: Iterable[str], config: Config, options: RunOptions) -> RunResult:
    """Lint `paths`. A run whose files all have the content the last run with the same files and
    options saw reports that run's findings (its snapshot) at the cost of a read and a hash per file."""
    files, cache, scope = _discover(paths, config, options)
    states: Optional[list[FileState]] = None
    snapshot: Optional[tuple[str, str]] = None
    if cache.enabled:
        states = [file_state(sp) for sp in files]
        snapshot = _snapshot_keys(files, states, options, scope)
        stored = cache.get_run("snapshot", *snapshot)
        if stored is not None:
            kept, roots, unmatched, dropped, unresolved = stored
            reported = [sp for sp in files if scope is None or sp.path in scope]
            return RunResult(kept, reported, roots, unmatched, dropped, unresolved,
                             reanalyse=lambda: analyse(paths, config, options, (files, cache, states, scope)))
    result = _run_analysed(analyse(paths, config, options, (files, cache, states, scope)), options)
    if snapshot is not None:
        cache.put_run("snapshot", *snapshot, (result.findings, result.roots, result.unmatched, result.suppressed, result.unresolved))
    return result


def _run_analysed(analysis: Analysis, options: RunOptions) -> RunResult:
    summaries, project, reach, rules = analysis.summaries, analysis.project, analysis.reach, analysis.rules
    scope = analysis.scope
    findings = [f for f in analysis.problems if scope is None or f.path in scope]
    jobs = options.jobs or os.cpu_count() or 1
    reached_modules = {ref.module for ref in reach.functions} | {ref.module for ref in reach.classes}
    to_check = [s for s in summaries if s.module in reached_modules and project.by_module.get(s.module) is s
                and (scope is None or s.path in scope)]
    # phase 3: files whose findings the check table holds (same content, rules, reach and imports)
    # are not read again; the others are checked in parallel, and the table is written once
    table = analysis.cache.table("check")
    keys = {s.path: _check_key(s, project, reach, rules) for s in to_check} if table.cache.enabled else {}
    results: dict[str, list[Finding]] = {}
    for s in to_check:
        cached = table.get(s.path, keys[s.path]) if keys else None
        if cached is not None:
            results[s.path] = cached
    todo = [s.path for s in to_check if s.path not in results]
    _SHARED.update(project=project, reach=reach, rules=rules)
    for path, result in zip(todo, _map(_check_worker, todo, jobs)):
        results[path] = result
        if keys:
            table.put(path, keys[path], result)
    table.save()
    for s in to_check:
        findings.extend(results[s.path])

    kept, dropped = _filter(findings, options)
    kept.sort(key=Finding.sort_key)
    return RunResult(kept, analysis.reported(), reach.roots, analysis.unmatched, dropped, analysis.unresolved,
                     analysis=analysis)


def _has_hooks(rule: Rule) -> bool:
    cls = type(rule)
    return cls.check_function is not Rule.check_function or cls.check_class is not Rule.check_class


def _filter(findings: list[Finding], options: RunOptions) -> tuple[list[Finding], int]:
    kept, dropped = [], 0
    lines_cache: dict[str, list[str]] = {}
    selected: dict[str, bool] = {}  # per code: tens of thousands of findings, about a hundred codes
    for f in findings:
        if f.code not in selected:
            if f.code.startswith("TS9"):  # the linter's own problems show unless ignored by name
                selected[f.code] = not any(f.code.startswith(i) for i in options.ignore)
            else:
                selected[f.code] = code_selected(f.code, options.select, options.ignore)
        if not selected[f.code]:
            continue
        if per_file_ignored(f.code, f.path, options.per_file_ignores):
            dropped += 1
            continue
        if options.respect_noqa and f.context != "file":
            if f.path not in lines_cache:
                try:
                    data = _read(f.path)
                    # a file that never spells `noqa` suppresses nothing: its lines are not needed
                    lines_cache[f.path] = data.decode("utf-8", "replace").splitlines() if b"noqa" in data.lower() else []
                except OSError:
                    lines_cache[f.path] = []
            lines = lines_cache[f.path]
            if 0 < f.line <= len(lines) and suppressed(f.code, lines[f.line - 1]):
                dropped += 1
                continue
        kept.append(f)
    return kept, dropped


# -- one file at a time (the flake8 plugin) --------------------------------------------------------
@gcpolicy.phase()  # the whole run: see gcpolicy
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
        reach = compute_reach(project, find_roots(project, options.entry).roots)
    reached = {ref.module for ref in reach.functions} | {ref.module for ref in reach.classes}
    if summary.module not in reached or project.by_module.get(summary.module) is not summary:
        return []
    kept, _ = _filter(check_file(summary, project, reach, analysis.rules, analysis.cache, data), options)
    kept.sort(key=Finding.sort_key)
    return kept
