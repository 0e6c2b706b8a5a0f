"""The pre-commit hooks as a user installs them: a git repository holding this working tree (the
hooks repo), a fresh project repository whose `.pre-commit-config.yaml` points at it, and
`pre-commit run`, which builds its own virtualenv and pip-installs tslint from the hooks repo.

`pre-commit try-repo` is not used: it snapshots only tracked files (`git add -u`), so new files of the
working tree (the hooks manifest itself, new rule modules) would be missing from what it installs.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

from cliutil import CLEAN, CROSS_FILE, CROSS_FILE_FINDING, KWARGS_AND_TRY, KWARGS_LINE, write_tree

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ["pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "lint", "rules", "flake8_plugin"]
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".tslint_cache", "*.egg-info")

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=tslint-tests", "-c", "user.email=tests@tslint.invalid", "-c", "commit.gpgsign=false",
         "-c", "init.defaultBranch=main", *args],
        cwd=cwd, check=True, capture_output=True, text=True,
    ).stdout.strip()


@pytest.fixture(scope="session")
def shared_dir(tmp_path_factory) -> Path:
    """A folder of this run that every xdist worker shares, so that the hooks repo and the hook
    environment pre-commit builds in it (a virtualenv with tslint pip-installed) are made once."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def hooks_repo(shared_dir) -> tuple[Path, str]:
    """A committed copy of the working tree's installable files."""
    repo = shared_dir / "hooks-repo"
    with FileLock(str(shared_dir / "hooks-repo.lock")):
        if not (repo / ".git").is_dir():
            repo.mkdir()
            for name in SHIPPED:
                source = ROOT / name
                if source.is_dir():
                    shutil.copytree(source, repo / name, ignore=IGNORED)
                else:
                    shutil.copy2(source, repo / name)
            _git("init", "-q", cwd=repo)
            _git("add", "-A", cwd=repo)
            _git("commit", "-q", "-m", "hooks", cwd=repo)
        return repo, _git("rev-parse", "HEAD", cwd=repo)


@pytest.fixture(scope="session")
def pre_commit_home(shared_dir) -> Path:
    return shared_dir / "pre-commit-home"  # one hook environment for the run (pre-commit locks its store)


def _project(tmp_path: Path, hooks_repo: tuple[Path, str], files: dict[str, str], hooks: str = "tslint") -> Path:
    repo, rev = hooks_repo
    hook_lines = "".join(f"      - id: {h}\n" for h in hooks.split(","))
    write_tree(tmp_path, {
        ".pre-commit-config.yaml": f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n{hook_lines}",
        **files,
    })
    _git("init", "-q", cwd=tmp_path)
    _git("add", "-A", cwd=tmp_path)
    return tmp_path


def _pre_commit(project: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "GIT_"))}
    env.update(PRE_COMMIT_HOME=str(home), NO_COLOR="1", PRE_COMMIT_COLOR="never")
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=600)


def test_manifest_is_valid():
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_hook_fails_on_kwargs_and_passes_on_clean(tmp_path, hooks_repo, pre_commit_home):
    project = _project(tmp_path, hooks_repo, {"models/bad.py": KWARGS_AND_TRY, "models/good.py": CLEAN,
                                              "notes.txt": "not python\n",
                                              "pyproject.toml": '[tool.tslint]\nentry = "modules"\n'})
    bad = _pre_commit(project, pre_commit_home, "run", "--files", "models/bad.py")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert f"models/bad.py:{KWARGS_LINE}:26: TS101" in bad.stdout
    good = _pre_commit(project, pre_commit_home, "run", "--files", "models/good.py")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout
    # no Python file among the changes: the hook is skipped, never run on `.`
    none = _pre_commit(project, pre_commit_home, "run", "--files", "notes.txt")
    assert none.returncode == 0 and "no files to check" in none.stdout
    # the whole repository (every tracked Python file in one call)
    everything = _pre_commit(project, pre_commit_home, "run", "--all-files")
    assert everything.returncode == 1 and "models/bad.py" in everything.stdout and "models/good.py" not in everything.stdout


def test_hook_on_one_file_whose_bug_needs_two_other_files(tmp_path, hooks_repo, pre_commit_home):
    project = _project(tmp_path, hooks_repo, CROSS_FILE)
    proc = _pre_commit(project, pre_commit_home, "run", "--files", "pkg/model.py")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    path, line, code = CROSS_FILE_FINDING
    assert f"{path}:{line}:" in proc.stdout and code in proc.stdout


def test_hook_honours_tslint_config_and_excludes(tmp_path, hooks_repo, pre_commit_home):
    project = _project(tmp_path, hooks_repo, {
        "pyproject.toml": '[tool.tslint]\nentry = "modules"\nexclude = ["vendored/"]\n',
        "vendored/third_party.py": KWARGS_AND_TRY,
        "model.py": KWARGS_AND_TRY.replace("**kwargs):", "**kwargs):  # noqa: TS101"),
    })
    proc = _pre_commit(project, pre_commit_home, "run", "--all-files")
    assert proc.returncode == 1
    assert "vendored/third_party.py" not in proc.stdout  # excluded even though pre-commit named it
    assert "model.py:7:9: TS102" in proc.stdout and "TS101" not in proc.stdout.split("Script entry points")[0]


def test_confirm_hook_runs_only_in_the_manual_stage(tmp_path, hooks_repo, pre_commit_home):
    project = _project(tmp_path, hooks_repo, {"model.py": CLEAN}, hooks="tslint,tslint-confirm")
    proc = _pre_commit(project, pre_commit_home, "run", "--files", "model.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "tslint (TorchScript)" in proc.stdout and "--confirm" not in proc.stdout
