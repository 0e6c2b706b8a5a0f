"""`flake8 --select TS` reports what `tslint` reports: the same engine, the same config, file by
file (also with `-j2`), with flake8's own noqa and selection on top."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from cliutil import CROSS_FILE, CROSS_FILE_FINDING, KWARGS_AND_TRY, KWARGS_LINE, TRY_LINE, flake8, pairs, tslint_json, write_tree

FORMAT = "--format=%(path)s|%(row)d|%(col)d|%(code)s|%(text)s"

PROJECT = {
    # library code: every module it defines must script
    "pyproject.toml": '[tool.tslint]\nentry = "modules"\n',
    "pkg/__init__.py": "",
    "pkg/model.py": KWARGS_AND_TRY,
    # reached only across files: Head.forward calls helpers.guarded, whose `try` is then compiled
    "pkg/head.py": """\
        import torch
        from torch import nn

        from pkg.helpers import guarded


        class Head(nn.Module):
            def forward(self, x):
                return guarded(x)
    """,
    "pkg/helpers.py": """\
        import torch


        def guarded(x: torch.Tensor) -> torch.Tensor:
            try:
                return x + 1
            except RuntimeError:
                return x


        def never_compiled(*args, **kwargs):
            try:
                return args
            except RuntimeError:
                return kwargs
    """,
    "scripts/export.py": """\
        import torch


        @torch.jit.script
        def f(x, *args):
            return x
    """,
}


def _flake8_findings(*args: str, cwd: Path, stdin: str | None = None) -> tuple[int, set[tuple[str, int, str]], str]:
    proc = flake8(FORMAT, *args, cwd=cwd, stdin=stdin)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    found = set()
    for line in proc.stdout.splitlines():
        path, row, _col, code, _text = line.split("|", 4)
        found.add((Path(path).as_posix().removeprefix("./"), int(row), code))
    return proc.returncode, found, proc.stdout


def _ts1(found: set[tuple[str, int, str]]) -> set[tuple[str, int, str]]:
    return {f for f in found if f[2].startswith("TS1")}


@pytest.fixture
def project(tmp_path) -> Path:
    return write_tree(tmp_path, PROJECT)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_flake8_matches_tslint(project, jobs):
    _, from_tslint = tslint_json(".", cwd=project)
    code, from_flake8, _ = _flake8_findings("--select", "TS", "-j", jobs, ".", cwd=project)
    expected = {
        ("pkg/model.py", KWARGS_LINE, "TS101"), ("pkg/model.py", TRY_LINE, "TS102"),
        ("pkg/helpers.py", 5, "TS102"), ("scripts/export.py", 5, "TS101"),
    }
    assert expected <= _ts1(pairs(from_tslint))
    assert _ts1(from_flake8) == _ts1(pairs(from_tslint))
    assert code == 1
    assert not any(f[0] == "pkg/helpers.py" and f[1] > 10 for f in from_flake8)  # never_compiled is not reached


def test_flake8_columns_and_messages_match_tslint(project):
    _, from_tslint = tslint_json("pkg/model.py", cwd=project)
    proc = flake8(FORMAT, "--select", "TS", "pkg/model.py", cwd=project)
    rows = [line.split("|", 4) for line in proc.stdout.splitlines()]
    assert sorted((int(r[1]), int(r[2]), r[3], r[4]) for r in rows) == sorted(
        (f["location"]["row"], f["location"]["column"], f["code"], f["message"]) for f in from_tslint)


def test_flake8_on_single_files_matches_tslint_on_the_same_files(project):
    files = ["pkg/model.py", "pkg/helpers.py"]
    _, from_tslint = tslint_json(*files, cwd=project)
    _, from_flake8, _ = _flake8_findings("--select", "TS", *files, cwd=project)
    assert _ts1(from_flake8) == _ts1(pairs(from_tslint))
    # named files are checked as part of their project: Head (helpers' caller) reaches line 5
    assert ("pkg/helpers.py", 5, "TS102") in from_flake8


def test_flake8_on_one_file_whose_bug_needs_two_other_files(tmp_path):
    write_tree(tmp_path, CROSS_FILE)
    _, found, _ = _flake8_findings("--select", "TS", "pkg/model.py", cwd=tmp_path)
    assert found == {CROSS_FILE_FINDING}


def test_flake8_noqa_is_applied_once_by_flake8(project):
    model = project / "pkg" / "model.py"
    model.write_text(KWARGS_AND_TRY.replace("**kwargs):", "**kwargs):  # noqa: TS101"))
    _, found, _ = _flake8_findings("--select", "TS", "pkg/model.py", cwd=project)
    assert ("pkg/model.py", KWARGS_LINE, "TS101") not in found
    assert ("pkg/model.py", TRY_LINE, "TS102") in found
    # the plugin does not filter noqa itself: flake8's --disable-noqa shows the finding again
    _, unfiltered, _ = _flake8_findings("--select", "TS", "--disable-noqa", "pkg/model.py", cwd=project)
    assert ("pkg/model.py", KWARGS_LINE, "TS101") in unfiltered
    prefix = KWARGS_AND_TRY.replace("**kwargs):", "**kwargs):  # noqa: TS1").replace("try:", "try:  # noqa: TS2")
    model.write_text(prefix)
    _, found, _ = _flake8_findings("--select", "TS", "pkg/model.py", cwd=project)
    assert _ts1(found) == {("pkg/model.py", TRY_LINE, "TS102")}


def test_flake8_selection_on_top_of_tslint_config(project):
    _, found, _ = _flake8_findings("--select", "TS", "--extend-ignore", "TS102", ".", cwd=project)
    assert {c for _, _, c in found} == {"TS101"}
    _, found, _ = _flake8_findings("--select", "TS102", ".", cwd=project)
    assert {c for _, _, c in found} == {"TS102"}
    # [tool.tslint] decides what tslint checks, for flake8 too
    write_tree(project, {"pyproject.toml": """
        [tool.tslint]
        entry = "modules"
        ignore = ["TS101"]
        [tool.tslint.per-file-ignores]
        "helpers.py" = ["TS102"]
    """})
    _, found, _ = _flake8_findings("--select", "TS", ".", cwd=project)
    assert found == {("pkg/model.py", TRY_LINE, "TS102")}
    _, from_tslint = tslint_json(".", cwd=project)
    assert _ts1(pairs(from_tslint)) == _ts1(found)


def test_flake8_uses_entry_and_script_from_tslint_config(project):
    # only what the config names is compiled: helpers.never_compiled, not the nn.Modules
    write_tree(project, {"pyproject.toml": """
        [tool.tslint]
        entry = "explicit"
        script = ["pkg.helpers.never_compiled"]
    """})
    _, found, _ = _flake8_findings("--select", "TS", ".", cwd=project)
    _, from_tslint = tslint_json(".", cwd=project)
    assert ("pkg/helpers.py", 11, "TS101") in found and ("pkg/model.py", KWARGS_LINE, "TS101") not in found
    assert ("scripts/export.py", 5, "TS101") in found  # @torch.jit.script is a root whatever `entry` says
    assert _ts1(found) == _ts1(pairs(from_tslint))


def test_flake8_skips_what_tslint_excludes(project):
    write_tree(project, {"pyproject.toml": '[tool.tslint]\nentry = "modules"\nexclude = ["scripts/"]\n', ".gitignore": "pkg/model.py\n"})
    _, found, _ = _flake8_findings("--select", "TS", ".", cwd=project)
    _, from_tslint = tslint_json(".", cwd=project)
    assert not any(f[0].startswith("scripts/") or f[0] == "pkg/model.py" for f in found)
    assert _ts1(found) == _ts1(pairs(from_tslint)) == {("pkg/helpers.py", 5, "TS102")}


def test_flake8_other_plugins_still_run_and_syntax_errors_are_flake8s(project):
    write_tree(project, {"broken.py": "def f(:\n    pass\n"})
    _, found, _ = _flake8_findings("--select", "TS,E999,F401", ".", cwd=project)
    assert ("broken.py", 1, "E999") in found
    assert ("pkg/model.py", KWARGS_LINE, "TS101") in found
    assert any(code == "F401" for _, _, code in found)


def test_flake8_reads_stdin(project):
    code, found, out = _flake8_findings("--select", "TS", "-", cwd=project, stdin=KWARGS_AND_TRY)
    assert code == 1
    assert {(line, c) for _, line, c in found} == {(KWARGS_LINE, "TS101"), (TRY_LINE, "TS102")}
    named = flake8(FORMAT, "--select", "TS", "--stdin-display-name", "pkg/model.py", "-", cwd=project,
                   stdin=KWARGS_AND_TRY.replace("**kwargs", "scale: float = 1.0"))
    assert [line.split("|")[3] for line in named.stdout.splitlines()] == ["TS102"]  # stdin's text, not the file's


def test_flake8_plugin_never_imports_torch(project):
    script = (
        "import sys\n"
        "sys.modules['torch'] = None  # any `import torch` now raises ImportError\n"
        "from flake8.main.cli import main\n"
        "main(sys.argv[1:])\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, "--isolated", "--select", "TS", "-j", "2", "."],
                          cwd=project, capture_output=True, text=True, timeout=120)
    assert "ImportError" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert re.search(r"pkg/model\.py:6:26: TS101", proc.stdout)


def test_plugin_metadata():
    from tslint import __version__
    from tslint.flake8_plugin import TslintChecker

    assert TslintChecker.name == "tslint" and TslintChecker.version == __version__
    proc = flake8("--version", cwd=Path.cwd())
    assert "tslint" in proc.stdout
