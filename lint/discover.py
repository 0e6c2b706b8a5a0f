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


def module_name(path: Path, _packages: Optional[dict[Path, tuple[str, ...]]] = None) -> tuple[str, bool]:
    """Dotted name by walking up through packages (`pkg/sub/mod.py` → `pkg.sub.mod`). `_packages`
    remembers each folder's package path for the files of one discovery (a walk asks per file)."""
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


class _Ignorer:
    def __init__(self, root: Path, patterns: list[str]):
        self.root = root.resolve()
        self.spec = pathspec.GitIgnoreSpec.from_lines(patterns)
        self.gitignores: dict[Path, Optional[pathspec.PathSpec]] = {}
        self._explicit_roots: dict[Path, bool] = {}

    def _gitignore(self, folder: Path) -> Optional[pathspec.PathSpec]:
        if folder not in self.gitignores:
            spec = None
            file = folder / ".gitignore"
            if file.is_file():
                try:
                    spec = pathspec.GitIgnoreSpec.from_lines(file.read_text(errors="replace").splitlines())
                except (OSError, ValueError):
                    spec = None
            self.gitignores[folder] = spec
        return self.gitignores[folder]

    def ignored(self, path: Path, is_dir: bool, walk_root: Path) -> bool:
        if path.name in DEFAULT_EXCLUDES:
            return True
        resolved = path.resolve() if path.is_symlink() else path.absolute()
        try:
            rel = resolved.relative_to(self.root).as_posix()
        except ValueError:
            rel = None
        suffix = "/" if is_dir else ""
        if rel is not None and self.spec.match_file(rel + suffix) and not self._explicit(walk_root):
            return True
        for folder in [path.parent, *path.parent.parents]:
            spec = self._gitignore(folder)
            if spec is not None:
                try:
                    sub = path.absolute().relative_to(folder.absolute()).as_posix()
                except ValueError:
                    continue
                if spec.match_file(sub + suffix):
                    return True
            if folder == walk_root or (folder / ".git").exists():
                break
        return False

    def _explicit(self, walk_root: Path) -> bool:
        """A folder named on the command line that config excludes is linted anyway (as a file named
        there is): `tslint site-packages/kornia` must not come back empty because of `exclude`."""
        if walk_root not in self._explicit_roots:
            try:
                rel = walk_root.resolve().relative_to(self.root).as_posix()
            except ValueError:
                rel = None
            self._explicit_roots[walk_root] = rel not in (None, ".") and self.spec.match_file(rel + "/")
        return self._explicit_roots[walk_root]

    def excluded_file(self, path: Path) -> bool:
        """Whether a walk from the project root would skip this file (itself or a folder above it)."""
        absolute = path.absolute()
        try:
            folders = absolute.parent.relative_to(self.root).parts
        except ValueError:
            folders = Path(os.path.relpath(absolute.parent)).parts
        if any(part in DEFAULT_EXCLUDES for part in folders):
            return True
        return self.ignored(path, False, self.root)


def discover(paths: Iterable[str], root: Path, exclude: list[str], force_exclude: bool = False) -> Iterator[SourcePath]:
    """Python files under `paths` (files given directly are excluded only with `force_exclude`)."""
    ignorer = _Ignorer(root, exclude)
    seen: set[Path] = set()
    packages: dict[Path, tuple[str, ...]] = {}
    for raw in paths:
        start = Path(raw)
        if not start.exists() and not start.is_symlink():
            raise MissingPath(raw)
        if start.is_file():
            if force_exclude and ignorer.excluded_file(start):
                continue
            candidates: Iterable[Path] = [start]
        else:
            candidates = _walk(start, ignorer)
        for file in candidates:
            key = file.resolve()
            if key in seen:
                continue
            seen.add(key)
            name, is_package = module_name(key, packages)  # already resolved
            yield SourcePath(_display(file), name, is_package)


def _walk(start: Path, ignorer: _Ignorer) -> Iterator[Path]:
    for folder, dirs, files in os.walk(start, followlinks=False):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not ignorer.ignored(here / d, True, start))
        for name in sorted(files):
            if name.endswith(".py"):
                file = here / name
                if not ignorer.ignored(file, False, start):
                    yield file
