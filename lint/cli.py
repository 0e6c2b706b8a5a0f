"""The `tslint` command: arguments, config, exit codes (0 clean, 1 findings, 2 usage or internal error).

    tslint [check] [PATH ...]        lint (default: .)
    tslint rule CODE | tslint rules  documentation
    tslint ir PATH[::QUALNAME]       the static typed IR (and, with --real, the compiler's)
    tslint schemas --regenerate      rebuild the operator data file from an installed torch
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path
from typing import Optional, Sequence, TextIO

from . import __version__
from .config import ENTRY_POLICIES, Config, ConfigError, config_for, exclude_patterns, unknown_codes, unknown_codes_message
from .discover import MissingPath, SourcePath, module_name
from .entrypoints import EntryOptions
from .engine import RunOptions, RunResult, analyse, lint_single_file, run
from .finding import Finding
from .noqa import suppressed
from .fix import fix_file, plan_fixes, unified_diff, write_atomically
from .report import FORMATS, ReportContext
from .rule import all_rules, rule_by_code
from .verdicts import entry_verdicts, module_verdicts

SUBCOMMANDS = ("check", "rule", "rules", "ir", "schemas")

#: what `tslint -h` says about the other commands (argparse knows only `check`'s options)
COMMANDS_HELP = """commands:
  tslint [check] [PATH ...]            lint (this help); `-` reads one file from stdin
  tslint rules [--format json]         list every rule: code, name, contexts, message, [*] fixable
  tslint rule CODE                     print one rule's documentation
  tslint ir PATH[::QUALNAME] [--real]  the typed IR of code under script contract
  tslint schemas --regenerate          rebuild the operator data file from an installed torch

exit codes: 0 clean, 1 findings, 2 usage, configuration or internal error
"""


def _csv(value: str) -> list[str]:
    return [v.strip().upper() for v in value.split(",") if v.strip()]


def _patterns(value: str) -> list[str]:
    """Comma-separated exclude patterns, as ruff's `--exclude` takes them (case kept)."""
    return [v.strip() for v in value.split(",") if v.strip()]


def check_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tslint", description="Find what torch.jit.script rejects and what torch.jit.trace silently bakes, before you run anything.",
                                epilog=COMMANDS_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="*", default=["."], help="files or directories (default: .); `-`: one file read from stdin")
    p.add_argument("--stdin-filename", metavar="PATH",
                   help="the path of the file read from stdin: findings are reported under it, and its project is indexed as for a named file")
    p.add_argument("--exclude", type=_patterns, metavar="PATTERNS",
                   help="comma-separated patterns (.gitignore syntax) to exclude, instead of the config's exclude")
    p.add_argument("--extend-exclude", type=_patterns, default=[], metavar="PATTERNS",
                   help="exclude these patterns too")
    p.add_argument("--select", type=_csv, help="comma-separated codes or prefixes to enable (e.g. TS1,TS201)")
    p.add_argument("--extend-select", type=_csv, default=[], help="add codes or prefixes to the selection")
    p.add_argument("--ignore", type=_csv, default=[], help="codes or prefixes to disable")
    p.add_argument("--extend-ignore", type=_csv, default=[], help=argparse.SUPPRESS)
    p.add_argument("--force-exclude", action="store_true",
                   help="apply exclude patterns to files named on the command line too (for pre-commit)")
    p.add_argument("--config", type=Path, help="pyproject.toml to read [tool.tslint] from")
    p.add_argument("--format", "--output-format", dest="format", choices=sorted(FORMATS), default="text")
    p.add_argument("--output-file", "-o", type=Path, help="write the report here instead of stdout")
    p.add_argument("--statistics", action="store_true", help="count findings per code")
    p.add_argument("--fix", action="store_true", help="apply safe fixes")
    p.add_argument("--unsafe-fixes", action="store_true", help="also apply fixes that change behaviour")
    p.add_argument("--diff", action="store_true", help="show the fixes as a diff; write nothing")
    p.add_argument("--show-fixes", action="store_true", help="list the fixes applied (with --fix) and the fixes available")
    p.add_argument("--show-entries", action="store_true",
                   help="with --entry modules: also list the modules that fail only through a submodule")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write .tslint_cache/")
    p.add_argument("--cache-dir", type=Path, help="cache folder (default: .tslint_cache/ beside the config)")
    p.add_argument("--quiet", "-q", action="store_true", help="findings only, no source excerpts or summary")
    p.add_argument("--entry", choices=ENTRY_POLICIES,
                   help="project (default): start from the project's own torch.jit calls, decorators and config; "
                        "modules: every nn.Module must script too (for libraries)")
    p.add_argument("--script", action="append", default=[], metavar="QUALNAME", help="also check this function/class for scriptability (repeatable)")
    p.add_argument("--trace", action="append", default=[], metavar="QUALNAME", help="check this function/class for traceability (repeatable)")
    p.add_argument("--confirm", action="store_true", help="compile with the real TorchScript compiler (needs torch; imports your code in child processes)")
    p.add_argument("--jobs", "-j", type=int, default=0, help="worker processes (default: all cores)")
    p.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    p.add_argument("--no-respect-noqa", dest="respect_noqa", action="store_false", help=argparse.SUPPRESS)
    p.add_argument("--version", action="version", version=f"tslint {__version__}")
    return p


def resolve_config(explicit: Optional[Path], paths: Sequence[str]) -> Config:
    return config_for(list(paths), explicit)


def layered_selection(config: Config, select: Optional[list[str]], extend_select: list[str],
                      ignore: list[str]) -> tuple[list[str], list[str]]:
    """The command line on top of `[tool.tslint]`, as ruff layers them: `--select` replaces the
    config's selection (its ignores too); otherwise the command line's `--extend-select` re-enables
    what a config ignore covers and its `--ignore` disables what a config select covers, whatever
    their lengths (within one layer the longer prefix wins)."""
    if select is not None:
        return list(select) + list(extend_select), list(ignore)
    base_select = [c for c in config.select if not any(c.startswith(i) for i in ignore)]
    base_ignore = [c for c in config.ignore if not any(c.startswith(e) for e in extend_select)]
    return base_select + list(extend_select), base_ignore + list(ignore)


def options_from(args: argparse.Namespace, config: Config) -> RunOptions:
    select, ignore = layered_selection(config, args.select, list(args.extend_select),
                                       list(args.ignore) + list(args.extend_ignore))
    entry = EntryOptions(
        entry=args.entry or config.entry,
        script=list(config.script) + list(args.script),
        trace=list(config.trace) + list(args.trace),
    )
    return RunOptions(
        select=select, ignore=ignore, entry=entry, per_file_ignores=config.per_file_ignores,
        jobs=args.jobs, use_cache=not args.no_cache, cache_dir=args.cache_dir or config.cache_dir,
        respect_noqa=args.respect_noqa,
        force_exclude=args.force_exclude,
    )


def check_cli_codes(args: argparse.Namespace) -> None:
    """Every code the command line names must select some rule: `--select XYZ` or `--ignore TS9999`
    would otherwise change nothing and pass silently (ruff refuses them too)."""
    for option in ("select", "extend_select", "ignore", "extend_ignore"):
        unknown = unknown_codes(getattr(args, option) or [])
        if unknown:
            raise ConfigError(f"--{option.replace('_', '-')}: {unknown_codes_message(unknown)}")


def no_entry_note(result: RunResult, entry: str) -> str:
    """One line when a project-mode run found nothing to check, saying how to name an entry point."""
    if entry == "modules" or result.roots or not result.files:
        return ""
    return ("tslint: note: no script or trace entry point found (no torch.jit.script/trace call, "
            "@torch.jit.script or config names resolved to project code); name one with "
            "`--script pkg.mod.Net` / `--trace pkg.mod.Net` or `script = [...]` in [tool.tslint], "
            "or check every nn.Module with `--entry modules`\n")


def with_cli_excludes(config: Config, args: argparse.Namespace) -> Config:
    """`--exclude` replaces the config's exclude patterns and `--extend-exclude` adds to them, as in
    ruff (patterns relative to the config's folder, checked as the config's are)."""
    exclude = config.exclude if args.exclude is None else exclude_patterns(args.exclude, "--exclude")
    return dataclasses.replace(config, exclude=exclude + exclude_patterns(args.extend_exclude, "--extend-exclude"))


def lint_stdin(data: bytes, filename: Optional[str], config: Config, options: RunOptions) -> RunResult:
    """A file piped on stdin (editors), reported under `filename`: its project (the file's own when
    it exists on disk, else the config's folder) is indexed as for a named file, and the piped
    content, not the disk's, is checked; noqa is read from the piped text."""
    path = os.path.relpath(filename) if filename else "-"
    on_disk = filename is not None and os.path.isfile(filename)
    checking = dataclasses.replace(options, respect_noqa=False)
    analysis = analyse([filename] if on_disk else [os.path.relpath(config.root)], config, checking)
    findings = lint_single_file(path, data, analysis, checking)
    lines = data.decode("utf-8", "replace").splitlines()
    kept = [f for f in findings if not (options.respect_noqa and f.context != "file" and 0 < f.line <= len(lines)
                                        and suppressed(f.code, lines[f.line - 1]))]
    module, is_package = module_name(Path(path))
    return RunResult(kept, [SourcePath(path, module, is_package)], analysis.reach.roots, analysis.unmatched,
                     len(findings) - len(kept), analysis.unresolved, analysis=analysis)


def cmd_check(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    args = check_parser().parse_args(argv)
    reading_stdin = args.paths == ["-"]
    try:
        check_cli_codes(args)
        if reading_stdin and (args.fix or args.diff or args.confirm):
            raise ConfigError("--fix, --diff and --confirm need files on disk, not stdin")
        if "-" in args.paths and not reading_stdin:
            raise ConfigError("`-` (stdin) cannot be combined with other paths")
        named = [args.stdin_filename] if reading_stdin and args.stdin_filename else args.paths
        config = with_cli_excludes(resolve_config(args.config, [p for p in named if p != "-"]), args)
    except ConfigError as exc:
        err.write(f"tslint: error: {exc}\n")
        return 2
    options = options_from(args, config)
    try:
        if reading_stdin:
            piped = sys.stdin.buffer.read()
            result = lint_stdin(piped, args.stdin_filename, config, options)
            texts = {result.files[0].path: piped.decode("utf-8", "replace")}  # excerpts show what was piped
        else:
            texts = {}
            result = run(args.paths, config, options)
    except MissingPath as exc:
        err.write(f"tslint: error: {exc}: no such file or directory\n")
        return 2
    if not result.files:  # as ruff: a CI that lints nothing must not look green by accident
        err.write("tslint: warning: No Python files found under the given path(s)\n")
    for name in result.unmatched:
        err.write(f"tslint: warning: --script/--trace/config name {name!r} matched nothing\n")
    err.write(no_entry_note(result, options.entry.entry))

    findings = result.findings
    if args.confirm:
        try:
            from .confirm import confirm_findings
        except ImportError as exc:  # pragma: no cover - the confirm package ships with tslint
            err.write(f"tslint: error: --confirm unavailable: {exc}\n")
            return 2
        confirm_summary = confirm_findings(result, config, err)
    else:
        confirm_summary = None

    unsafe = args.unsafe_fixes or config.unsafe_fixes
    diffs = 0
    fixed: list[Finding] = []
    if args.fix or args.diff:
        for path, todo in sorted(plan_fixes(findings, unsafe).items()):
            outcome = fix_file(path, todo)
            if outcome.error:
                err.write(f"tslint: {path}: {outcome.error}\n")
                continue
            if not outcome.applied:
                continue
            if args.diff:
                out.write(unified_diff(outcome))
                diffs += 1
            else:
                write_atomically(path, outcome.new_text, outcome.encoding, outcome.bom)
                fixed += outcome.applied
                applied = {id(f) for f in outcome.applied}
                findings = [f for f in findings if id(f) not in applied]
        if args.diff:  # as ruff: exit 1 when there is something to apply
            return 1 if diffs else 0

    to_terminal = args.output_file is None and out.isatty()  # never paint into a report file
    color = args.color == "always" or (args.color == "auto" and to_terminal and "NO_COLOR" not in os.environ)
    ctx = ReportContext(
        color=color, statistics=args.statistics, quiet=args.quiet, files_checked=len(result.files), fixed=len(fixed),
        show_fixes=args.show_fixes, applied=fixed, texts=texts,
        suppressed=result.suppressed, verdicts=entry_verdicts(result) if args.format == "text" else [],
        module_verdicts=module_verdicts(result) if args.format == "text" and not args.quiet and options.entry.entry == "modules" else None,
        show_entries=args.show_entries,
        unresolved=[(u.label, u.reason) for u in result.unresolved] if args.format == "text" else [],
        confirm_summary=confirm_summary, unsafe_fixes=unsafe,
    )
    writer = FORMATS[args.format]
    if args.output_file:
        args.output_file.parent.mkdir(parents=True, exist_ok=True)
        with open(args.output_file, "w", encoding="utf-8") as handle:
            writer(findings, ctx, handle)
    else:
        writer(findings, ctx, out)
    if any(f.code.startswith("TS903") for f in findings):
        return 2
    if args.exit_zero:
        return 0
    return 1 if findings else 0


def cmd_rule(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    from .docs import rule_markdown

    p = argparse.ArgumentParser(prog="tslint rule")
    p.add_argument("code")
    args = p.parse_args(argv)
    rule = rule_by_code(args.code.upper())
    if rule is None:
        err.write(f"tslint: error: unknown rule {args.code!r} (see `tslint rules`)\n")
        return 2
    out.write(rule_markdown(rule))
    return 0


def cmd_rules(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    p = argparse.ArgumentParser(prog="tslint rules")
    p.add_argument("--format", choices=("text", "json"), default="text")
    args = p.parse_args(argv)
    if args.format == "json":
        import json

        json.dump([{"code": r.code, "name": r.name, "message": r.message, "contexts": sorted(r.contexts),
                    "fix": r.fix_safety or None} for r in all_rules()], out, indent=2)
        out.write("\n")
        return 0
    for rule in all_rules():
        fix = {"safe": " [*]", "unsafe": " [**]"}.get(rule.fix_safety, "")
        out.write(f"{rule.code}  {rule.name:<36} {'/'.join(sorted(rule.contexts)):<13}{rule.message}{fix}\n")
    return 0


def cmd_ir(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    from .compiler.ir_cli import main as ir_main

    return ir_main(argv, out, err)


def cmd_schemas(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    from .compiler.schemas import main as schemas_main

    return schemas_main(list(argv)) or 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    out, err = sys.stdout, sys.stderr
    commands = {"check": cmd_check, "rule": cmd_rule, "rules": cmd_rules, "ir": cmd_ir, "schemas": cmd_schemas}
    try:
        if argv and argv[0] in commands:
            return commands[argv[0]](argv[1:], out, err)
        return cmd_check(argv, out, err)
    except KeyboardInterrupt:
        err.write("tslint: interrupted\n")
        return 2
    except BrokenPipeError:  # `tslint | head`
        return 1
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
        return code if isinstance(code, int) else 2
    except Exception as exc:  # noqa: BLE001 - an internal error is exit 2 with a short message
        import traceback

        err.write(f"tslint: internal error: {type(exc).__name__}: {exc}\n")
        if os.environ.get("TSLINT_DEBUG"):
            traceback.print_exc(file=err)
        return 2


def console_main() -> None:  # pragma: no cover - exits the process
    """The `tslint` command: `main`, then exit without tearing the interpreter down. A run over a
    large tree leaves millions of live objects (its project model, its cache tables), and freeing
    them one by one at exit costs a large part of a warm run; the output is flushed first."""
    code = main()
    import atexit

    atexit._run_exitfuncs()  # what registered a clean-up (the --confirm zygote) still runs
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        code = code or 1
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    console_main()
