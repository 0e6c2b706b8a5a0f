"""tslint as a flake8 plugin: `flake8 --select TS` reports what `tslint` reports, file by file.

flake8 hands a plugin one file at a time, but whether a function is compiled at all depends on the
whole project (which nn.Modules and scripted functions reach it, across files). So the plugin
analyses the same paths flake8 was given, exactly as `tslint PATHS` would (sharing tslint's cache
in `.tslint_cache/`), once per process, and then checks each file flake8 hands it against that
analysis. With `flake8 -j N` every worker process does the analysis once (cached files cost a read).

Configuration comes from `[tool.tslint]` (select, ignore, per-file-ignores, entry, script, trace,
exclude), so flake8 and tslint never disagree; flake8's own `--select`/`--extend-ignore` and
`# noqa` handling apply on top (this plugin never filters noqa itself, so it is not done twice).
"""
from __future__ import annotations

import argparse
import ast
import os
from pathlib import Path
from typing import Any, ClassVar, Iterator, Optional, Sequence

from tslint import __version__
from tslint.config import Config, ConfigError, config_for
from tslint.engine import Analysis, RunOptions, analyse, lint_single_file
from tslint.entrypoints import EntryOptions
from tslint.source import SourceError, decode_source

STDIN_NAMES = {"-", "stdin"}


def _options(config: Config) -> RunOptions:
    """The run options `tslint` uses with this config and no command-line overrides."""
    return RunOptions(
        select=list(config.select), ignore=list(config.ignore),
        entry=EntryOptions(entry=config.entry, script=list(config.script), trace=list(config.trace)),
        per_file_ignores=config.per_file_ignores, jobs=1, respect_noqa=False, cache_dir=config.cache_dir,
    )


class _Session:
    """The analysis of one set of paths, computed on first use in each process."""

    def __init__(self, paths: Sequence[str]):
        self.paths = [p for p in paths if p != "-" and os.path.exists(p)] or ([] if "-" in paths else ["."])
        self.config = config_for(self.paths)
        self.options = _options(self.config)
        self._analysis: Optional[Analysis] = None
        self._files: set[str] = set()

    @property
    def analysis(self) -> Analysis:
        if self._analysis is None:
            self._analysis = analyse(self.paths, self.config, self.options)
            self._files = {os.path.realpath(sp.path) for sp in self._analysis.files}
        return self._analysis

    def skips(self, filename: str) -> bool:
        """A file on disk that `tslint PATHS` would not read (excluded by config, .gitignore or the
        default excludes, or not a `*.py` file): flake8 checks it, tslint reports nothing there."""
        self.analysis  # noqa: B018 - computes the file list
        return os.path.isfile(filename) and os.path.realpath(filename) not in self._files


class TslintChecker:
    """flake8 AST plugin: yields `(line, col, "TSxxx message", type)` for the file flake8 checks."""

    name: ClassVar[str] = "tslint"
    version: ClassVar[str] = __version__
    #: the paths flake8 was run on (set by `parse_options`, inherited by forked workers)
    paths: ClassVar[list[str]] = ["."]
    _sessions: ClassVar[dict[tuple, _Session]] = {}

    def __init__(self, tree: ast.AST, filename: str, lines: Sequence[str]):
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, parser: Any) -> None:  # pragma: no cover - flake8 calls it; nothing to add
        """No options of our own: everything comes from `[tool.tslint]` in pyproject.toml."""

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        cls.paths = list(getattr(options, "filenames", None) or ["."])

    @classmethod
    def _session(cls) -> _Session:
        key = (tuple(cls.paths), os.getcwd())
        if key not in cls._sessions:
            cls._sessions[key] = _Session(cls.paths)
        return cls._sessions[key]

    def _data(self) -> bytes:
        """The bytes tslint would read (so the cache is shared), unless flake8 read something else
        (stdin under a display name, a file edited meanwhile): then the lines flake8 checks."""
        text = "".join(self.lines)
        if self.filename not in STDIN_NAMES and os.path.isfile(self.filename):
            try:
                with open(self.filename, "rb") as handle:
                    data = handle.read()
                if _same_text(decode_source(self.filename, data), text):
                    return data
            except (OSError, SourceError):
                pass
        return text.encode("utf-8")

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        try:
            session = self._session()
        except ConfigError as exc:
            yield 1, 0, f"TS903 tslint configuration error: {exc}", type(self)
            return
        reading_stdin = "-" in self.paths  # the file is stdin under a display name
        if not reading_stdin and session.skips(self.filename):
            return
        path = os.path.relpath(self.filename) if os.path.exists(self.filename) else self.filename
        for finding in lint_single_file(path, self._data(), session.analysis, session.options):
            yield finding.line, finding.col, f"{finding.code} {finding.message}", type(self)


def _same_text(a: str, b: str) -> bool:
    return a == b or a.replace("\r\n", "\n").replace("\r", "\n") == b.replace("\r\n", "\n").replace("\r", "\n")


__all__ = ["TslintChecker"]
