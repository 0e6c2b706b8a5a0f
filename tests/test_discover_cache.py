"""Which files a run reads (ignore files, repository boundaries, symlinks) and what a repeated run
reuses (the run snapshot, the per-run cache files), through the engine's public entry points."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from cliutil import CLEAN, KWARGS_AND_TRY, write_tree
from tslint.cache import MAX_RUNS, Cache
from tslint.config import Config
from tslint.discover import discover
from tslint.entrypoints import EntryOptions
from tslint.engine import RunOptions, run


def _found(root: Path, *paths: str, exclude: tuple[str, ...] = ()) -> list:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return list(discover(list(paths) or ["."], root, list(exclude)))
    finally:
        os.chdir(cwd)


def _walked(root: Path, *paths: str, exclude: tuple[str, ...] = ()) -> list[str]:
    return [sp.path for sp in _found(root, *paths, exclude=exclude)]


def test_gitignore_files_apply_below_their_folder_up_to_the_repository_root(tmp_path):
    write_tree(tmp_path, {
        ".gitignore": "*_gen.py\nbuild/\n",
        "a.py": "",
        "b_gen.py": "",
        "build/c.py": "",
        "pkg/.gitignore": "secret.py\n",
        "pkg/m.py": "",
        "pkg/sub/secret.py": "",
        "pkg/sub/n_gen.py": "",
        "pkg/sub/ok.py": "",
        "vendor/.gitignore": "",
        "vendor/v_gen.py": "",  # vendor/ is its own repository: the outer .gitignore stops there
    })
    (tmp_path / "vendor" / ".git").mkdir()
    assert _walked(tmp_path) == ["a.py", "pkg/m.py", "pkg/sub/ok.py", "vendor/v_gen.py"]
    # a walk started below the root consults the ignore files from its start folder down only
    assert _walked(tmp_path, "pkg") == ["pkg/m.py", "pkg/sub/n_gen.py", "pkg/sub/ok.py"]


def test_config_exclude_default_excludes_and_an_excluded_folder_named_explicitly(tmp_path):
    write_tree(tmp_path, {"a.py": "", "gen/b.py": "", "node_modules/c.py": "", "pkg/__pycache__/d.py": "", "pkg/e.py": ""})
    assert _walked(tmp_path, exclude=("gen/",)) == ["a.py", "pkg/e.py"]
    assert _walked(tmp_path, "gen", exclude=("gen/",)) == ["gen/b.py"]  # named on the command line


def test_symlinks_are_read_once_and_linked_folders_not_followed(tmp_path):
    write_tree(tmp_path, {"pkg/__init__.py": "", "pkg/m.py": ""})
    try:
        (tmp_path / "alias.py").symlink_to(tmp_path / "pkg" / "m.py")
        (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    except OSError:
        pytest.skip("no symlinks here")
    assert [(sp.path, sp.module) for sp in _found(tmp_path)] == [("alias.py", "pkg.m"), ("pkg/__init__.py", "pkg")]


# -- what a repeated run reuses --------------------------------------------------------------------
def _run(root: Path, **options) -> object:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        options.setdefault("entry", EntryOptions(entry="modules"))
        return run(["."], Config(path=None), RunOptions(jobs=1, cache_dir=root / "cache", **options))
    finally:
        os.chdir(cwd)


def _codes(result) -> list[tuple[str, int, str]]:
    return [(f.path, f.line, f.code) for f in result.findings]


def test_unchanged_tree_reports_the_snapshot_and_builds_its_model_only_when_asked(tmp_path):
    write_tree(tmp_path, {"model.py": KWARGS_AND_TRY, "clean.py": CLEAN})
    first = _run(tmp_path)
    second = _run(tmp_path)
    assert _codes(second) == _codes(first) and {c for _, _, c in _codes(first)} >= {"TS101", "TS102"}
    assert first.analysis is not None and second.analysis is None  # the snapshot: no model built
    assert [r.label for r in second.roots] == [r.label for r in first.roots]
    assert set(second.project.by_module) == {"model", "clean"}  # built on first use
    assert set(second.reach.functions) == set(first.reach.functions)


def test_snapshot_follows_edits_options_and_noqa(tmp_path):
    write_tree(tmp_path, {"model.py": KWARGS_AND_TRY})
    assert "TS102" in {c for _, _, c in _codes(_run(tmp_path))}
    assert {c for _, _, c in _codes(_run(tmp_path, select=["TS101"]))} == {"TS101"}  # other options
    assert "TS102" in {c for _, _, c in _codes(_run(tmp_path))}
    text = (tmp_path / "model.py").read_text().replace("try:", "try:  # noqa: TS102")
    (tmp_path / "model.py").write_text(text)
    assert "TS102" not in {c for _, _, c in _codes(_run(tmp_path))}  # an edit that only adds noqa
    (tmp_path / "model.py").write_text(CLEAN)
    assert _codes(_run(tmp_path)) == []


def test_run_files_are_bounded(tmp_path):
    cache = Cache(tmp_path)
    for i in range(MAX_RUNS + 5):
        cache.put_run("snapshot", f"run{i:03}", "key", i)
    stored = [p for p in (tmp_path / "snapshot").rglob("*") if p.is_file()]
    assert len(stored) == MAX_RUNS
    assert cache.get_run("snapshot", f"run{MAX_RUNS + 4:03}", "key") == MAX_RUNS + 4
    assert cache.get_run("snapshot", f"run{MAX_RUNS + 4:03}", "other key") is None
