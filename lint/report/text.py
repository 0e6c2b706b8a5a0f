"""Text output like ruff's: `path:line:col: CODE message`, the source line with carets, the fix, and
the entry point that reaches the code; then a summary with per-entry verdicts."""
from __future__ import annotations

from collections import Counter
from typing import TextIO

from ..finding import Finding
from ..rule import rule_by_code
from .context import ReportContext

BOLD, RED, YELLOW, CYAN, BLUE, GREEN, DIM, RESET = (
    "\033[1m", "\033[31m", "\033[33m", "\033[36m", "\033[34m", "\033[32m", "\033[2m", "\033[0m",
)


class _Paint:
    def __init__(self, on: bool):
        self.on = on

    def __call__(self, text: str, *styles: str) -> str:
        return f"{''.join(styles)}{text}{RESET}" if self.on and styles else text


def _mark(f: Finding) -> str:
    if f.confirmed is True:
        return " [confirmed]"
    if f.confirmed is False:
        return " [refuted]"
    return ""


def _header(f: Finding, paint: _Paint) -> str:
    fixable = " [*]" if f.fix and f.fix.applicability == "safe" else (" [**]" if f.fix else "")
    code = paint(f.code, BOLD, RED if f.severity == "error" else YELLOW)
    return f"{paint(f.path, BOLD)}:{f.line}:{f.col + 1}: {code}{fixable} {f.message}{_mark(f)}"


def _source_excerpt(f: Finding, lines_cache: dict[str, list[str]], paint: _Paint, texts: dict[str, str]) -> list[str]:
    if f.code == "TS902":  # the file could not be read or decoded: no excerpt to show
        return []
    if f.path not in lines_cache and f.path in texts:
        lines_cache[f.path] = texts[f.path].splitlines()
    if f.path not in lines_cache:
        try:
            with open(f.path, encoding="utf-8", errors="replace") as handle:
                lines_cache[f.path] = handle.read().splitlines()
        except OSError:
            lines_cache[f.path] = []
    lines = lines_cache[f.path]
    if not 0 < f.line <= len(lines):
        return []
    text = lines[f.line - 1].expandtabs(1)
    if not text.isprintable():  # a binary file's "line" (TS902): printing it would garble the terminal
        return []
    width = len(str(f.line))
    end = f.end_col if f.end_line == f.line and f.end_col > f.col else len(text.rstrip())
    carets = "^" * max(1, end - f.col)
    gutter = paint(" " * width + " |", BLUE)
    return [
        gutter,
        f"{paint(str(f.line), BLUE)} {paint('|', BLUE)} {text}",
        f"{gutter} {' ' * f.col}{paint(carets + ' ' + f.code, RED if f.severity == 'error' else YELLOW)}",
        gutter,
    ]


def write_concise(findings: list[Finding], ctx: ReportContext, out: TextIO) -> None:
    paint = _Paint(ctx.color)
    if not ctx.statistics:  # as in ruff, --statistics replaces the list with the per-code counts
        for f in findings:
            out.write(_header(f, paint) + "\n")
    _summary(findings, ctx, out, paint)


def write_full(findings: list[Finding], ctx: ReportContext, out: TextIO) -> None:
    if ctx.quiet or ctx.statistics or not ctx.show_source:
        write_concise(findings, ctx, out)
        return
    paint = _Paint(ctx.color)
    lines_cache: dict[str, list[str]] = {}
    for f in findings:
        out.write(_header(f, paint) + "\n")
        for line in _source_excerpt(f, lines_cache, paint, ctx.texts):
            out.write(line + "\n")
        if f.fix:
            kind = "" if f.fix.applicability == "safe" else " (unsafe: --unsafe-fixes)"
            out.write(f"  {paint('= help:', CYAN)} {f.fix.message}{kind}\n")
        if f.entry:
            out.write(f"  {paint('= ' + f.context + ':', DIM)} {f.entry}\n")
        if f.confirmation:
            out.write(f"  {paint('= compiler:', DIM)} {f.confirmation}\n")
        out.write("\n")
    _summary(findings, ctx, out, paint)


#: how many unresolved call sites the summary names before it only counts the rest
UNRESOLVED_SHOWN = 10


def _module_entry_points(ctx: ReportContext, out: TextIO, paint: _Paint) -> None:
    """Under `entry = "modules"`: the modules failing by their own code, then those failing only
    through one of them (a count, listed with --show-entries), then how many script."""
    v = ctx.module_verdicts
    assert v is not None
    total = len(v.failing) + len(v.through) + v.scriptable
    if not total:
        return
    out.write(paint(f"Module entry points: {len(v.failing)} of {total} not scriptable by their own code, "
                    f"{len(v.through)} only through a submodule, {v.scriptable} scriptable", BOLD) + "\n")
    for label, count in v.failing:
        out.write(f"  {label}: {paint(f'not scriptable ({count} finding' + 's' * (count != 1) + ')', RED)}\n")
    if ctx.show_entries:
        for label, culprit in v.through:
            out.write(f"  {label}: {paint(f'not scriptable through {culprit}', RED)}\n")
    elif v.through:
        out.write(f"  ({len(v.through)} more fail only through a submodule listed above: `--show-entries` lists them)\n")


def _entry_points(ctx: ReportContext, out: TextIO, paint: _Paint) -> None:
    """Per entry point, its verdict; then the call sites whose model could not be named."""
    for context, title in (("script", "Script entry points:"), ("trace", "Trace entry points:")):
        rows = [(label, count) for c, label, count in ctx.verdicts if c == context]
        if not rows:
            continue
        out.write(paint(title, BOLD) + "\n")
        for label, count in rows:
            plural = "s" * (count != 1)
            if context == "script":
                verdict = paint("scriptable", GREEN) if count == 0 else paint(f"not scriptable ({count} finding{plural})", RED)
            else:
                verdict = paint("no trace hazard found", GREEN) if count == 0 else paint(f"{count} trace hazard{plural}", RED)
            out.write(f"  {label}: {verdict}\n")
    if ctx.module_verdicts is not None:
        _module_entry_points(ctx, out, paint)
    if ctx.unresolved:
        out.write(paint("Unresolved entry points (name the class with --script/--trace or in config):", BOLD) + "\n")
        for label, reason in ctx.unresolved[:UNRESOLVED_SHOWN]:
            out.write(f"  {label}: {reason}\n")
        if len(ctx.unresolved) > UNRESOLVED_SHOWN:
            out.write(f"  ... and {len(ctx.unresolved) - UNRESOLVED_SHOWN} more\n")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def found_counts(findings: list[Finding]) -> str:
    """"2 errors and 1 warning": a lone warning is not "1 error" (a warning compiles; see each
    rule's severity), so a reader can tell a broken export from a hazard."""
    warnings = sum(1 for f in findings if f.severity == "warning")
    errors = len(findings) - warnings
    parts = [_plural(errors, "error")] * bool(errors) + [_plural(warnings, "warning")] * bool(warnings)
    return " and ".join(parts)


def _show_fixes(findings: list[Finding], ctx: ReportContext, out: TextIO) -> None:
    """`--show-fixes`, as ruff: per file, how many of each code were fixed; then every fix still
    available, with the command that applies it."""
    if ctx.applied:
        out.write(f"Fixed {_plural(len(ctx.applied), 'finding')}:\n")
        for path in sorted({f.path for f in ctx.applied}):
            out.write(f"- {path}:\n")
            for code, count in sorted(Counter(f.code for f in ctx.applied if f.path == path).items()):
                rule = rule_by_code(code)
                out.write(f"    {count} × {code}{f' ({rule.name})' if rule else ''}\n")
    available = [f for f in findings if f.fix]
    if not available:
        out.write("No fixes available.\n" if not ctx.applied else "")
        return
    out.write(f"{len(available)} fix{'es' * (len(available) != 1)} available:\n")
    for f in available:
        how = "--fix" if f.fix.applicability == "safe" else "--fix --unsafe-fixes"  # type: ignore[union-attr]
        out.write(f"- {f.path}:{f.line}:{f.col + 1}: {f.code} {f.fix.message} (`tslint {how}`)\n")  # type: ignore[union-attr]


def _summary(findings: list[Finding], ctx: ReportContext, out: TextIO, paint: _Paint) -> None:
    if ctx.statistics:
        counts = Counter(f.code for f in findings)
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            rule = rule_by_code(code)
            summary = rule.message if rule is not None else next(f.message for f in findings if f.code == code)
            out.write(f"{count:5d}\t{code}\t{summary}\n")
    if ctx.quiet:
        return
    _entry_points(ctx, out, paint)
    if ctx.confirm_summary:
        out.write(ctx.confirm_summary + "\n")
    fixable = sum(1 for f in findings if f.fix and f.fix.applicability == "safe")
    unsafe = sum(1 for f in findings if f.fix and f.fix.applicability == "unsafe")
    if findings:
        line = f"Found {found_counts(findings)} in {_plural(ctx.files_checked, 'file')} checked."
        out.write(paint(line, BOLD) + "\n")
        if fixable:
            out.write(f"[*] {fixable} fixable with `tslint --fix`.\n")
        if unsafe and not ctx.unsafe_fixes:
            out.write(f"[**] {unsafe} more fixable with `tslint --fix --unsafe-fixes`.\n")
    else:
        out.write(paint(f"All checks passed! ({ctx.files_checked} file{'s' * (ctx.files_checked != 1)} checked)", GREEN) + "\n")
    if ctx.fixed:
        out.write(f"Fixed {_plural(ctx.fixed, 'finding')}.\n")
    if ctx.show_fixes:
        _show_fixes(findings, ctx, out)
    if ctx.suppressed:
        out.write(paint(f"({ctx.suppressed} suppressed by noqa or per-file-ignores)", DIM) + "\n")
