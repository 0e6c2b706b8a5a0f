"""Which files a run reads, and the dotted module name each one has.

Directories are walked without following symlinks (so symlink loops cannot hang a run), skipping
ruff's default excludes, `exclude` patterns from config and `.gitignore` files. A path named on the
command line is always linted, even when a pattern would exclude it, as in ruff, unless
`force_exclude` is set (`--force-exclude`, for pre-commit, which names every changed file).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional

import pathspec

DEFAULT_EXCLUDES = {
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".mypy_cache", ".nox", ".pants.d",
    ".pytype", ".ruff_cache", ".svn", ".tox", ".venv", "__pypackages__", "_build", "buck-out", "dist",
    "node_modules", "venv", ".tslint_cache", "__pycache__", ".pytest_cache",
}


@dataclass(frozen=True)
class SourcePath:
    path: str  # as shown to the user (relative to cwd when possible)
    module: str
    is_package: bool


class MissingPath(Exception):
    pass


def module_name(path: Path, _packages: Optional[dict[Path, tuple[str, ...]]] = None, resolved: bool = False) -> tuple[str, bool]:
    """Dotted name by walking up through packages (`pkg/sub/mod.py` → `pkg.sub.mod`). `_packages`
    remembers each folder's package path for the files of one discovery (a walk asks per file)."""
    if not resolved:
        path = path.resolve()
    is_package = path.name == "__init__.py"
    parts = [] if is_package else [path.stem]
    name = ".".join([*_package_parts(path.parent, {} if _packages is None else _packages), *reversed(parts)])
    return name, is_package


def _package_parts(folder: Path, memo: dict[Path, tuple[str, ...]]) -> tuple[str, ...]:
    """The dotted parts of a folder's package path (`()` outside any package)."""
    found = memo.get(folder)
    if found is None:
        if (folder / "__init__.py").is_file() and folder.parent != folder:
            found = (*_package_parts(folder.parent, memo), folder.name)
        else:
            found = ()
        memo[folder] = found
    return found


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)


#: the `.gitignore` specs a path consults, nearest folder first: (folder, spec)
Chain = list[tuple[str, pathspec.PathSpec]]


class _Ignorer:
    """Which paths a run skips: ruff's default excludes, `exclude` from config (relative to the
    project root) and `.gitignore` files. Decisions are made per folder: a folder's chain of
    `.gitignore` specs is worked out once (`chain`), and paths are strings (pathlib costs more than
    the walk itself on a tree of thousands of files)."""

    def __init__(self, root: Path, patterns: list[str]):
        self.root = str(root.resolve())
        self.spec = pathspec.GitIgnoreSpec.from_lines(patterns)
        self.gitignores: dict[str, Optional[pathspec.PathSpec]] = {}

    def _gitignore(self, folder: str) -> Optional[pathspec.PathSpec]:
        if folder not in self.gitignores:
            spec = None
            file = os.path.join(folder, ".gitignore")
            if os.path.isfile(file):
                try:
                    with open(file, encoding="utf-8", errors="replace") as handle:
                        spec = pathspec.GitIgnoreSpec.from_lines(handle.read().splitlines())
                except (OSError, ValueError):
                    spec = None
            self.gitignores[folder] = spec
        return self.gitignores[folder]

    def chain(self, folder: str, parents: Chain) -> Chain:
        """The specs a path in `folder` consults: the folder's own `.gitignore`, then (unless the
        folder is a repository's root, holding `.git`) those of the folders above it, `parents`."""
        own = self._gitignore(folder)
        here = [(folder, own)] if own is not None else []
        if parents and not os.path.exists(os.path.join(folder, ".git")):
            here += parents
        return here

    def chain_to(self, folder: str) -> Chain:
        """`chain` for any folder: its ancestors consulted up to the project root or a repository's
        root (a walk from the root would have built it on the way down)."""
        above = [folder]
        while above[-1] != self.root and not os.path.exists(os.path.join(above[-1], ".git")):
            parent = os.path.dirname(above[-1])
            if parent == above[-1]:
                break
            above.append(parent)
        chain: Chain = []
        for current in reversed(above):
            chain = self.chain(current, chain)
        return chain

    def config_spec(self, walk_root: Path) -> Optional[pathspec.PathSpec]:
        """The config's `exclude` for a walk from `walk_root`; None when there is nothing to apply, or
        for a folder named on the command line that config excludes, which is linted anyway (as a
        file named there is): `tslint site-packages/kornia` must not come back empty."""
        if not self.spec.patterns:
            return None
        rel = self._rel_to_root(os.path.realpath(walk_root))
        return None if rel and self.spec.match_file(rel + "/") else self.spec

    def _rel_to_root(self, absolute: str) -> Optional[str]:
        if absolute == self.root:
            return ""
        prefix = self.root.rstrip(os.sep) + os.sep
        return absolute[len(prefix):].replace(os.sep, "/") if absolute.startswith(prefix) else None

    def skips(self, absolute: str, name: str, is_dir: bool, is_link: bool, chain: Chain,
              config: Optional[pathspec.PathSpec]) -> bool:
        """Whether the entry `name` at `absolute` (not resolved) is skipped."""
        if name in DEFAULT_EXCLUDES:
            return True
        suffix = "/" if is_dir else ""
        if config is not None:
            rel = self._rel_to_root(os.path.realpath(absolute) if is_link else absolute)
            if rel is not None and config.match_file(rel + suffix):
                return True
        return any(spec.match_file(absolute[len(base) + 1:].replace(os.sep, "/") + suffix) for base, spec in chain)

    def excluded_file(self, path: Path) -> bool:
        """Whether a walk from the project root would skip this file (itself or a folder above it)."""
        absolute = os.path.abspath(path)
        folder = os.path.dirname(absolute)
        rel = self._rel_to_root(folder)
        folders = rel.split("/") if rel is not None else Path(os.path.relpath(folder)).parts
        if any(part in DEFAULT_EXCLUDES for part in folders):
            return True
        return self.skips(absolute, os.path.basename(absolute), False, os.path.islink(absolute), self.chain_to(folder),
                          self.spec if self.spec.patterns else None)


def discover(paths: Iterable[str], root: Path, exclude: list[str], force_exclude: bool = False) -> Iterator[SourcePath]:
    """Python files under `paths` (files given directly are excluded only with `force_exclude`)."""
    ignorer = _Ignorer(root, exclude)
    seen: set[str] = set()
    packages: dict[Path, tuple[str, ...]] = {}
    for raw in paths:
        start = Path(raw)
        if not start.exists() and not start.is_symlink():
            raise MissingPath(raw)
        if start.is_file():
            if force_exclude and ignorer.excluded_file(start):
                continue
            found: Iterable[tuple[str, str]] = [(_display(start), str(start.resolve()))]
        else:
            found = _walk(start, ignorer)
        for display, resolved in found:
            if resolved in seen:
                continue
            seen.add(resolved)
            name, is_package = module_name(Path(resolved), packages, resolved=True)
            yield SourcePath(display, name, is_package)


def _walk(start: Path, ignorer: _Ignorer) -> Iterator[tuple[str, str]]:
    """(display path, resolved path) of the Python files under a folder, in sorted order, each folder's
    files before its subfolders; symlinked folders are not followed."""
    config = ignorer.config_spec(start)

    def visit(folder_abs: str, folder_real: str, display: str, parents: Chain) -> Iterator[tuple[str, str]]:
        here = ignorer.chain(folder_abs, parents)
        try:
            entries = sorted(os.scandir(folder_abs), key=lambda e: e.name)
        except OSError:
            return
        subfolders = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if not entry.is_symlink() and not ignorer.skips(entry.path, entry.name, True, False, here, config):
                    subfolders.append(entry)
                continue
            if not entry.name.endswith(".py"):
                continue
            is_link = entry.is_symlink()
            if ignorer.skips(entry.path, entry.name, False, is_link, here, config):
                continue
            real = os.path.realpath(entry.path) if is_link else os.path.join(folder_real, entry.name)
            yield (entry.name if display == "." else os.path.join(display, entry.name)), real
        for entry in subfolders:
            sub_display = entry.name if display == "." else os.path.join(display, entry.name)
            yield from visit(entry.path, os.path.join(folder_real, entry.name), sub_display, here)

    yield from visit(os.path.abspath(start), os.path.realpath(start), _display(start), [])
