"""The `tslint` command as a new user meets it: real files in a temp folder, the real command in a
subprocess, its output and exit code (issue 2's done-when list)."""
from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pytest

from cliutil import CLEAN, CROSS_FILE, CROSS_FILE_FINDING, KWARGS_AND_TRY, KWARGS_LINE, TRY_LINE, pairs, tslint, tslint_json, write_tree
from tslint import cli
from tslint.engine import RunResult
from tslint.finding import Edit, Finding, Fix
from tslint.fix import apply_edits, fix_file, unified_diff, write_atomically


# -- findings, exit codes ----------------------------------------------------------------------
def test_kwargs_and_try_reported_at_their_lines_as_json(tmp_path):
    write_tree(tmp_path, {"model.py": KWARGS_AND_TRY})
    code, found = tslint_json("model.py", cwd=tmp_path)
    assert code == 1
    assert {("model.py", KWARGS_LINE, "TS101"), ("model.py", TRY_LINE, "TS102")} <= pairs(found)
    kwargs = next(f for f in found if f["code"] == "TS101")
    assert kwargs["location"]["column"] == 26  # 1-based, at `**kwargs`
    assert kwargs["context"] == "script" and kwargs["entry"].endswith("Net.forward")


def test_clean_file_exits_zero(tmp_path):
    write_tree(tmp_path, {"model.py": CLEAN})
    proc = tslint("model.py", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "All checks passed!" in proc.stdout
    assert proc.stderr == ""


def test_default_path_is_the_current_folder(tmp_path):
    write_tree(tmp_path, {"pkg/model.py": KWARGS_AND_TRY})
    code, found = tslint_json(cwd=tmp_path)
    assert code == 1
    assert ("pkg/model.py", KWARGS_LINE, "TS101") in pairs(found)


def test_missing_path_exits_2_with_a_clear_message(tmp_path):
    write_tree(tmp_path, {"model.py": CLEAN})
    proc = tslint("model.py", "no_such_dir", cwd=tmp_path)
    assert proc.returncode == 2
    assert "no_such_dir" in proc.stderr and "no such file or directory" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_option_exits_2(tmp_path):
    proc = tslint("--no-such-option", cwd=tmp_path)
    assert proc.returncode == 2
    assert "unrecognized arguments" in proc.stderr


def test_syntax_error_and_binary_files_are_reported_and_the_run_goes_on(tmp_path):
    write_tree(tmp_path, {
        "broken.py": "def f(:\n    pass\n",
        "blob.py": b"\x00\x01\x02\xff\xfe binary",
        "model.py": KWARGS_AND_TRY,
    })
    code, found = tslint_json(".", cwd=tmp_path)
    assert code == 1
    got = pairs(found)
    assert ("broken.py", 1, "TS901") in got
    assert any(f == "blob.py" and c == "TS902" for f, _, c in got)
    assert ("model.py", KWARGS_LINE, "TS101") in got  # the other files were still checked
    text = tslint(".", cwd=tmp_path)
    assert "\x00" not in text.stdout  # a binary file's bytes are never echoed to the terminal


# -- noqa and per-file-ignores -----------------------------------------------------------------
def _forward(signature_comment: str = "", try_comment: str = "") -> str:
    return KWARGS_AND_TRY.replace("**kwargs):", "**kwargs):" + signature_comment).replace(
        "        try:", "        try:" + try_comment)


@pytest.mark.parametrize("comment,silenced", [
    ("  # noqa: TS", {"TS101"}),
    ("  # noqa", {"TS101"}),
    ("  # noqa: TS101,TS2", {"TS101"}),
    ("  # noqa:TS1", {"TS101"}),
    ("  # NOQA: ts101", {"TS101"}),
    ("  # noqa: TS2", set()),
    ("  # noqa: E501", set()),
])
def test_noqa_on_the_finding_line(tmp_path, comment, silenced):
    write_tree(tmp_path, {"model.py": _forward(signature_comment=comment)})
    _, found = tslint_json("model.py", cwd=tmp_path)
    codes = {f["code"] for f in found}
    assert "TS102" in codes  # another line is never silenced
    assert ("TS101" in codes) == ("TS101" not in silenced)


def test_noqa_prefix_list_covers_several_codes(tmp_path):
    write_tree(tmp_path, {"model.py": _forward("  # noqa: TS101,TS2", "  # noqa: TS2, TS10")})
    code, found = tslint_json("model.py", cwd=tmp_path)
    assert [f for f in found if f["code"] in ("TS101", "TS102")] == []
    text = tslint("model.py", cwd=tmp_path)
    assert "suppressed" in text.stdout


def test_per_file_ignores(tmp_path):
    write_tree(tmp_path, {
        "pyproject.toml": """
            [tool.tslint]
            entry = "modules"
            [tool.tslint.per-file-ignores]
            "legacy/*" = ["TS1"]
            "other.py" = ["TS102"]
        """,
        "legacy/old.py": KWARGS_AND_TRY,
        "other.py": KWARGS_AND_TRY,
        "model.py": KWARGS_AND_TRY,
    })
    _, found = tslint_json(".", cwd=tmp_path)
    got = {(f, c) for f, _, c in pairs(found)}
    assert not any(f.startswith("legacy/") for f, _ in got)
    assert ("other.py", "TS101") in got and ("other.py", "TS102") not in got
    assert {("model.py", "TS101"), ("model.py", "TS102")} <= got


# -- selection: CLI and [tool.tslint] ------------------------------------------------------------
def _codes(*args: str, cwd: Path) -> set[str]:
    _, found = tslint_json(*args, cwd=cwd)
    return {f["code"] for f in found}


def test_select_ignore_extend_select(tmp_path):
    write_tree(tmp_path, {"model.py": KWARGS_AND_TRY})
    assert _codes("--select", "TS102", "model.py", cwd=tmp_path) == {"TS102"}
    assert _codes("--select", "TS1", "--ignore", "TS101", "model.py", cwd=tmp_path) == {"TS102"}
    assert _codes("--select", "TS101", "--extend-select", "TS102", "model.py", cwd=tmp_path) == {"TS101", "TS102"}
    assert _codes("--select", "ts101", "model.py", cwd=tmp_path) == {"TS101"}  # case-insensitive
    # the longer prefix wins within one layer
    assert _codes("--select", "TS101", "--ignore", "TS1", "model.py", cwd=tmp_path) == {"TS101"}


def test_config_selection_and_cli_override(tmp_path):
    write_tree(tmp_path, {
        "pyproject.toml": """
            [tool.tslint]
            entry = "modules"
            ignore = ["TS102"]
        """,
        "model.py": KWARGS_AND_TRY,
    })
    base = _codes("model.py", cwd=tmp_path)
    assert "TS101" in base and "TS102" not in base
    # --select on the command line replaces the config's selection, its ignores included (as ruff)
    assert _codes("--select", "TS102", "model.py", cwd=tmp_path) == {"TS102"}
    # --extend-select re-enables what the config ignores
    assert "TS102" in _codes("--extend-select", "TS102", "model.py", cwd=tmp_path)
    # --ignore adds to the config's
    assert not {"TS101", "TS102"} & _codes("--ignore", "TS101", "model.py", cwd=tmp_path)


def test_config_select_and_explicit_config_file(tmp_path):
    write_tree(tmp_path, {
        "pyproject.toml": '[tool.tslint]\nentry = "modules"\nselect = ["TS102"]\n',
        "alt/pyproject.toml": '[tool.tslint]\nentry = "modules"\nselect = ["TS101"]\n',
        "model.py": KWARGS_AND_TRY,
    })
    assert _codes("model.py", cwd=tmp_path) == {"TS102"}
    assert _codes("--config", "alt/pyproject.toml", "model.py", cwd=tmp_path) == {"TS101"}


def test_bad_config_exits_2(tmp_path):
    write_tree(tmp_path, {"pyproject.toml": '[tool.tslint]\nentry = "modules"\nselcet = ["TS1"]\n', "model.py": CLEAN})
    proc = tslint("model.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert "selcet" in proc.stderr
    proc = tslint("--config", "missing.toml", "model.py", cwd=tmp_path)
    assert proc.returncode == 2 and "missing.toml" in proc.stderr


# -- output options --------------------------------------------------------------------------------
def test_statistics(tmp_path):
    write_tree(tmp_path, {"a.py": KWARGS_AND_TRY, "b.py": KWARGS_AND_TRY})
    proc = tslint("--statistics", "--select", "TS101,TS102", ".", cwd=tmp_path)
    assert proc.returncode == 1
    rows = [line.split("\t") for line in proc.stdout.splitlines() if "\t" in line]
    assert [(r[0].strip(), r[1]) for r in rows] == [("2", "TS101"), ("2", "TS102")]
    assert "compiled functions can't take" in rows[0][2]  # the rule's summary, not one finding's text
    assert "a.py:6:" not in proc.stdout  # the counts replace the list, as in ruff


def test_quiet_prints_findings_only(tmp_path):
    write_tree(tmp_path, {"model.py": KWARGS_AND_TRY})
    proc = tslint("--quiet", "--select", "TS101,TS102", "model.py", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        f"model.py:{KWARGS_LINE}:26: TS101 `**kwargs`: compiled functions can't take `*args`, `**kwargs` or "
        "keyword-only arguments with defaults",
        f"model.py:{TRY_LINE}:9: TS102 try blocks aren't supported in TorchScript",
    ]
    write_tree(tmp_path, {"clean.py": CLEAN})
    quiet_clean = tslint("--quiet", "clean.py", cwd=tmp_path)
    assert quiet_clean.returncode == 0 and quiet_clean.stdout == ""


def test_output_file_and_exit_zero(tmp_path):
    write_tree(tmp_path, {"model.py": KWARGS_AND_TRY})
    proc = tslint("--format", "json", "--output-file", "reports/out.json", "--exit-zero", "model.py", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout == ""
    found = json.loads((tmp_path / "reports" / "out.json").read_text())
    assert {f["code"] for f in found} >= {"TS101", "TS102"}
    text = tslint("--output-file", "out.txt", "--color", "auto", "model.py", cwd=tmp_path)
    assert text.returncode == 1
    assert "\033[" not in (tmp_path / "out.txt").read_text()


def test_color_always(tmp_path):
    write_tree(tmp_path, {"model.py": KWARGS_AND_TRY})
    assert "\033[" in tslint("--color", "always", "model.py", cwd=tmp_path).stdout
    assert "\033[" not in tslint("--color", "never", "model.py", cwd=tmp_path).stdout


# -- cache -----------------------------------------------------------------------------------------
def test_cache_is_reused_with_identical_output(tmp_path):
    write_tree(tmp_path, {"model.py": KWARGS_AND_TRY, "clean.py": CLEAN})
    first = tslint(".", cwd=tmp_path)
    cache = tmp_path / ".tslint_cache"
    assert cache.is_dir() and any(cache.rglob("*"))
    entries = sorted(p for p in cache.rglob("*") if p.is_file())
    mtimes = {p: p.stat().st_mtime_ns for p in entries}
    second = tslint(".", cwd=tmp_path)
    assert (second.returncode, second.stdout, second.stderr) == (first.returncode, first.stdout, first.stderr)
    assert sorted(p for p in cache.rglob("*") if p.is_file()) == entries  # nothing new computed
    assert all(p.stat().st_mtime_ns == mtimes[p] for p in entries)
    # an edit is seen
    (tmp_path / "model.py").write_text(CLEAN)
    third = tslint(".", cwd=tmp_path)
    assert third.returncode == 0


def test_no_cache_writes_nothing(tmp_path):
    write_tree(tmp_path, {"model.py": KWARGS_AND_TRY})
    cached_run = tslint("--no-cache", "model.py", cwd=tmp_path)
    assert cached_run.returncode == 1
    assert not (tmp_path / ".tslint_cache").exists()
    assert tslint("model.py", cwd=tmp_path).stdout == cached_run.stdout


def test_corrupt_cache_is_a_miss(tmp_path):
    write_tree(tmp_path, {"model.py": KWARGS_AND_TRY})
    first = tslint("model.py", cwd=tmp_path)
    for entry in (tmp_path / ".tslint_cache").rglob("*"):
        if entry.is_file() and entry.name != ".gitignore":
            entry.write_bytes(b"garbage")
    again = tslint("model.py", cwd=tmp_path)
    assert (again.returncode, again.stdout) == (first.returncode, first.stdout)


def test_parallel_run_matches_serial(tmp_path):
    files = {f"pkg/m{i}.py": KWARGS_AND_TRY for i in range(20)}
    write_tree(tmp_path, {**files, "pkg/__init__.py": ""})
    serial = tslint("--no-cache", "-j", "1", "--format", "json", ".", cwd=tmp_path)
    parallel = tslint("--no-cache", "-j", "2", "--format", "json", ".", cwd=tmp_path)
    assert serial.stdout == parallel.stdout
    assert len(json.loads(serial.stdout)) >= 40


def test_force_exclude_applies_exclude_to_named_files(tmp_path):
    write_tree(tmp_path, {
        "pyproject.toml": '[tool.tslint]\nentry = "modules"\nexclude = ["generated/"]\n',
        "generated/gen_model.py": KWARGS_AND_TRY,
        "model.py": KWARGS_AND_TRY,
    })
    named = tslint_json("generated/gen_model.py", "model.py", cwd=tmp_path)[1]
    assert {f for f, _, _ in pairs(named)} == {"generated/gen_model.py", "model.py"}  # named: always linted
    forced = tslint_json("--force-exclude", "generated/gen_model.py", "model.py", cwd=tmp_path)[1]
    assert {f for f, _, _ in pairs(forced)} == {"model.py"}
    walked = tslint_json(".", cwd=tmp_path)[1]
    assert {f for f, _, _ in pairs(walked)} == {"model.py"}
    only_excluded = tslint("--force-exclude", "generated/gen_model.py", cwd=tmp_path)  # pre-commit, excluded files only
    assert only_excluded.returncode == 0 and "0 files checked" in only_excluded.stdout


# -- documentation commands ------------------------------------------------------------------------
def test_rules_and_rule(tmp_path):
    rules = tslint("rules", cwd=tmp_path)
    assert rules.returncode == 0
    assert any(line.startswith("TS101  variadic-parameters") for line in rules.stdout.splitlines())
    as_json = json.loads(tslint("rules", "--format", "json", cwd=tmp_path).stdout)
    assert {"TS101", "TS102", "TS901"} <= {r["code"] for r in as_json}
    page = tslint("rule", "TS101", cwd=tmp_path)
    assert page.returncode == 0
    assert page.stdout.startswith("# TS101: variadic-parameters")
    assert "## Why is this bad?" in page.stdout
    assert tslint("rule", "ts101", cwd=tmp_path).stdout == page.stdout
    unknown = tslint("rule", "TS999", cwd=tmp_path)
    assert unknown.returncode == 2 and "unknown rule" in unknown.stderr


def test_version(tmp_path):
    proc = tslint("--version", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("tslint ")


# -- fixes: the machinery, with synthetic findings (lint/fix.py) ------------------------------------
SOURCE = "import torch\n\n\ndef f(x, **kwargs):\n    return x\n"


def _finding(path: str, line: int, col: int, end_col: int, content: str, applicability: str = "safe") -> Finding:
    edit = Edit(line, col, line, end_col, content)
    return Finding(path, line, col, line, end_col, "TS101", "synthetic", fix=Fix("rename", (edit,), applicability))  # type: ignore[arg-type]


def test_fix_writes_atomically_and_keeps_mode(tmp_path):
    path = tmp_path / "m.py"
    path.write_text(SOURCE)
    os.chmod(path, 0o751)
    outcome = fix_file(str(path), [_finding(str(path), 4, 9, 17, "scale: float = 1.0")])
    assert outcome.error == "" and len(outcome.applied) == 1
    write_atomically(str(path), outcome.new_text, outcome.encoding, outcome.bom)
    assert path.read_text() == "import torch\n\n\ndef f(x, scale: float = 1.0):\n    return x\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    assert [p.name for p in tmp_path.iterdir()] == ["m.py"]  # no temporary file left behind


def test_fix_keeps_crlf_bom_and_counts_lines_as_python(tmp_path):
    path = tmp_path / "m.py"
    # a form feed and U+2028 inside a string are not line breaks for Python (nor for edit positions)
    text = 'import torch\r\ns = "a\x0cb\u2028c"\r\ndef f(x, **kwargs):\r\n    return x\r\n'
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    outcome = fix_file(str(path), [_finding(str(path), 3, 9, 17, "y=None")])
    assert outcome.error == ""
    write_atomically(str(path), outcome.new_text, outcome.encoding, outcome.bom)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig") == text.replace("**kwargs", "y=None")
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")


def test_fix_inserted_newlines_follow_the_file(tmp_path):
    text, applied = apply_edits("a = 1\r\nb = 2\r\n", [_finding("m.py", 2, 0, 0, "c = 3\n")])
    assert text == "a = 1\r\nc = 3\r\nb = 2\r\n" and len(applied) == 1


def test_fix_that_would_not_parse_is_refused(tmp_path):
    path = tmp_path / "m.py"
    path.write_text(SOURCE)
    outcome = fix_file(str(path), [_finding(str(path), 4, 9, 17, "**")])
    assert outcome.applied == [] and "would not parse" in outcome.error
    assert path.read_text() == SOURCE


def test_fix_is_idempotent_and_overlaps_are_skipped(tmp_path):
    path = tmp_path / "m.py"
    path.write_text(SOURCE)
    fix = _finding(str(path), 4, 9, 17, "y=None")
    first = fix_file(str(path), [fix, _finding(str(path), 4, 11, 13, "zz")])  # overlapping: second skipped
    assert len(first.applied) == 1
    write_atomically(str(path), first.new_text)
    fixed = path.read_text()
    # the fixed text carries the replacement already: applying the same content again changes nothing
    again = fix_file(str(path), [_finding(str(path), 4, 9, 15, "y=None")])
    assert again.applied == [] and again.error == "" and path.read_text() == fixed


def test_fix_through_a_symlink_keeps_the_link(tmp_path):
    real = tmp_path / "real.py"
    real.write_text(SOURCE)
    link = tmp_path / "link.py"
    link.symlink_to(real)
    outcome = fix_file(str(link), [_finding(str(link), 4, 9, 17, "y=None")])
    write_atomically(str(link), outcome.new_text)
    assert link.is_symlink() and "y=None" in real.read_text()


def test_fix_keeps_a_latin1_file_latin1(tmp_path):
    path = tmp_path / "m.py"
    source = "# -*- coding: latin-1 -*-\nname = 'caf\xe9'\ndef f(x, **kwargs):\n    return x\n"
    path.write_bytes(source.encode("latin-1"))
    outcome = fix_file(str(path), [_finding(str(path), 3, 9, 17, "y=None")])
    write_atomically(str(path), outcome.new_text, outcome.encoding, outcome.bom)
    assert path.read_bytes() == source.replace("**kwargs", "y=None").encode("latin-1")


def test_diff_shows_the_fix_and_writes_nothing(tmp_path):
    path = tmp_path / "m.py"
    path.write_text(SOURCE)
    outcome = fix_file(str(path), [_finding(str(path), 4, 9, 17, "y=None")])
    diff = unified_diff(outcome)
    assert "-def f(x, **kwargs):" in diff and "+def f(x, y=None):" in diff
    assert path.read_text() == SOURCE


def _fake_run(findings: list[Finding]):
    def fake(paths, config, options):
        return RunResult(list(findings), [], roots=[])
    return fake


@pytest.mark.parametrize("flags,expect_code,expect_written", [
    (["--diff"], 1, False),
    (["--fix"], 0, True),
    (["--fix", "--diff"], 1, False),
])
def test_cli_fix_and_diff_wiring(tmp_path, monkeypatch, flags, expect_code, expect_written):
    path = tmp_path / "m.py"
    path.write_text(SOURCE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "run", _fake_run([_finding("m.py", 4, 9, 17, "y=None")]))
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(cli.sys, "stdout", out)
    monkeypatch.setattr(cli.sys, "stderr", err)
    code = cli.main([*flags, "m.py"])
    assert code == expect_code, err.getvalue()
    assert ("y=None" in path.read_text()) == expect_written
    if "--diff" in flags:
        assert "+def f(x, y=None):" in out.getvalue()
    else:
        assert "Fixed 1 finding." in out.getvalue()


def test_cli_unsafe_fix_needs_the_flag(tmp_path, monkeypatch):
    path = tmp_path / "m.py"
    path.write_text(SOURCE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "run", _fake_run([_finding("m.py", 4, 9, 17, "y=None", "unsafe")]))
    monkeypatch.setattr(cli.sys, "stdout", io.StringIO())
    assert cli.main(["--diff", "m.py"]) == 0  # nothing safe to apply
    assert cli.main(["--fix", "m.py"]) == 1 and path.read_text() == SOURCE
    assert cli.main(["--fix", "--unsafe-fixes", "m.py"]) == 0 and "y=None" in path.read_text()


def test_a_named_file_is_checked_as_part_of_its_project(tmp_path):
    """`tslint pkg/model.py` (an editor, a hook) reports what the whole-tree run reports for that
    file, though the finding needs `pkg/layers.py` and the `export.py` that scripts the model."""
    write_tree(tmp_path, CROSS_FILE)
    _, whole = tslint_json(".", cwd=tmp_path)
    _, named = tslint_json("pkg/model.py", cwd=tmp_path)
    assert pairs(named) == pairs(whole) == {CROSS_FILE_FINDING}
    _, other = tslint_json("pkg/layers.py", cwd=tmp_path)
    assert other == []  # only the named file is reported
