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
    files before its subfolders. The same decisions as `_Ignorer.ignored` per entry, but computed per
    folder: the folder's `.gitignore` chain and its place under the project root are known once, and
    paths are strings (pathlib costs more than the walk itself on a tree of thousands of files)."""
    top_abs = os.path.abspath(start)
    top_real = os.path.realpath(start)
    top_display = _display(start)
    root = str(ignorer.root)
    explicit = ignorer._explicit(start)
    spec = ignorer.spec if ignorer.spec.patterns and not explicit else None

    def rel_to_root(absolute: str) -> Optional[str]:
        if absolute == root:
            return ""
        if absolute.startswith(root.rstrip(os.sep) + os.sep):
            return absolute[len(root.rstrip(os.sep)) + 1:].replace(os.sep, "/")
        return None

    def excluded(absolute: str, name: str, is_dir: bool, is_link: bool, chain: list[tuple[str, pathspec.PathSpec]]) -> bool:
        if name in DEFAULT_EXCLUDES:
            return True
        suffix = "/" if is_dir else ""
        if spec is not None:
            rel = rel_to_root(os.path.realpath(absolute) if is_link else absolute)
            if rel is not None and spec.match_file(rel + suffix):
                return True
        for base, folder_spec in chain:
            if folder_spec.match_file(absolute[len(base) + 1:].replace(os.sep, "/") + suffix):
                return True
        return False

    def visit(folder_abs: str, folder_real: str, display: str, parents: list[tuple[str, pathspec.PathSpec]]) -> Iterator[tuple[str, str]]:
        own = ignorer._gitignore(Path(folder_abs))
        # the specs a file here consults, as `_Ignorer.ignored` does: this folder's .gitignore, then
        # (unless this folder is the repository's root, holding `.git`) its parents' up to the walk root
        here = [(folder_abs, own)] if own is not None else []
        if parents and not os.path.exists(os.path.join(folder_abs, ".git")):
            here += parents
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
                if not entry.is_symlink() and not excluded(entry.path, entry.name, True, False, here):
                    subfolders.append(entry)
                continue
            if not entry.name.endswith(".py"):
                continue
            is_link = entry.is_symlink()
            if excluded(entry.path, entry.name, False, is_link, here):
                continue
            real = os.path.realpath(entry.path) if is_link else os.path.join(folder_real, entry.name)
            yield (entry.name if display == "." else os.path.join(display, entry.name)), real
        for entry in subfolders:
            sub_display = entry.name if display == "." else os.path.join(display, entry.name)
            yield from visit(entry.path, os.path.join(folder_real, entry.name), sub_display, here)

    yield from visit(top_abs, top_real, top_display, [])
