"""`[tool.tslint]`, the command line on top of it, `# noqa` and per-file-ignores, unit by unit."""
from __future__ import annotations

from pathlib import Path

import pytest

from cliutil import write_tree
from tslint.cli import check_parser, layered_selection, options_from
from tslint.config import Config, ConfigError, config_for, find_pyproject, load_config
from tslint.noqa import noqa_codes, per_file_ignored, suppressed
from tslint.rule import code_selected


# -- noqa ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("line,codes", [
    ("x = 1", None),
    ("x = 1  # noqa", []),
    ("x = 1  # NoQA", []),
    ("x = 1  #noqa:TS101", ["TS101"]),
    ("x = 1  # noqa: TS101,TS2", ["TS101", "TS2"]),
    ("x = 1  # noqa: TS101, TS2 E501", ["TS101", "TS2", "E501"]),
    ("x = 1  # noqa: ts1", ["TS1"]),
    ("x = 1  # type: ignore  # noqa: TS", ["TS"]),
])
def test_noqa_codes(line, codes):
    assert noqa_codes(line) == codes


def test_suppressed_by_prefix():
    assert suppressed("TS101", "def f(**kw):  # noqa: TS1")
    assert suppressed("TS101", "def f(**kw):  # noqa: TS101,TS2")
    assert suppressed("TS201", "def f(**kw):  # noqa: TS101,TS2")
    assert not suppressed("TS301", "def f(**kw):  # noqa: TS101,TS2")
    assert suppressed("TS301", "def f(**kw):  # noqa")
    assert not suppressed("TS101", "def f(**kw):  # noqa: E501")
    assert not suppressed("TS101", "def f(**kw):")


@pytest.mark.parametrize("path,pattern,ignored", [
    ("tests/test_x.py", "tests/*", True),
    ("proj/tests/test_x.py", "tests/*", True),  # a tail of the path
    ("./tests/test_x.py", "tests/*", True),
    ("src/model.py", "model.py", True),  # the file name
    ("src/model.py", "tests/*", False),
    ("src/legacy/deep/m.py", "src/legacy/**", True),
])
def test_per_file_ignored(path, pattern, ignored):
    assert per_file_ignored("TS101", path, {pattern: ["TS1"]}) is ignored
    assert not per_file_ignored("TS201", path, {pattern: ["TS1"]})


# -- config ----------------------------------------------------------------------------------------
def test_load_config_reads_every_key(tmp_path):
    write_tree(tmp_path, {"pyproject.toml": """
        [tool.tslint]
        select = ["TS1"]
        extend-select = ["TS201"]
        ignore = ["TS102"]
        extend-ignore = ["TS103"]
        exclude = ["build/"]
        extend-exclude = ["gen/"]
        entry = "explicit"
        script = ["pkg.models:Net"]
        trace = ["pkg.models:Tracer"]
        unsafe-fixes = true
        [tool.tslint.per-file-ignores]
        "tests/*" = ["TS5"]
    """})
    config = load_config(tmp_path / "pyproject.toml")
    assert config.select == ["TS1", "TS201"]
    assert config.ignore == ["TS102", "TS103"]
    assert config.exclude == ["build/", "gen/"]
    assert (config.entry, config.script, config.trace) == ("explicit", ["pkg.models:Net"], ["pkg.models:Tracer"])
    assert config.per_file_ignores == {"tests/*": ["TS5"]}
    assert config.unsafe_fixes is True
    assert config.root == tmp_path


@pytest.mark.parametrize("body,needle", [
    ('selcet = ["TS1"]', "selcet"),
    ('select = "TS1"\nentry = "all"', "entry"),
    ("select = [1]", "select"),
    ("select = [", "pyproject.toml"),
])
def test_bad_config_is_a_config_error(tmp_path, body, needle):
    write_tree(tmp_path, {"pyproject.toml": "[tool.tslint]\n" + body + "\n"})
    with pytest.raises(ConfigError, match=needle):
        load_config(tmp_path / "pyproject.toml")


def test_nearest_pyproject_with_a_tslint_table(tmp_path):
    write_tree(tmp_path, {
        "pyproject.toml": "[tool.tslint]\n",
        "sub/pyproject.toml": "[tool.black]\n",  # no [tool.tslint]: skipped
        "sub/pkg/m.py": "",
    })
    assert find_pyproject(tmp_path / "sub" / "pkg") == tmp_path / "pyproject.toml"
    assert find_pyproject(tmp_path / "sub" / "pkg" / "m.py") == tmp_path / "pyproject.toml"
    assert config_for([str(tmp_path / "sub" / "pkg" / "m.py")]).path == tmp_path / "pyproject.toml"
    with pytest.raises(ConfigError):
        config_for(["x"], tmp_path / "nope.toml")


# -- the command line on top of the config (ruff's layering) ---------------------------------------
def _enabled(code: str, config: Config, *argv: str) -> bool:
    options = options_from(check_parser().parse_args(list(argv)), config)
    return code_selected(code, options.select, options.ignore)


def test_cli_layers_on_config():
    config = Config(select=["TS"], ignore=["TS102"])
    assert not _enabled("TS102", config)
    assert _enabled("TS102", config, "--select", "TS102")  # --select replaces the config's layer
    assert _enabled("TS102", config, "--extend-select", "TS1")  # re-enables what the config ignored
    assert not _enabled("TS101", config, "--ignore", "TS1")
    assert _enabled("TS201", config, "--ignore", "TS1")
    narrow = Config(select=["TS101"])
    assert not _enabled("TS101", narrow, "--ignore", "TS1")  # a CLI ignore beats a longer config select
    assert _enabled("TS102", narrow, "--extend-select", "TS102")


def test_layered_selection_without_cli_is_the_config():
    config = Config(select=["TS1"], ignore=["TS102"])
    assert layered_selection(config, None, [], []) == (["TS1"], ["TS102"])


def test_cli_script_and_trace_extend_config():
    config = Config(script=["a.f"], trace=["b.g"], entry="explicit")
    options = options_from(check_parser().parse_args(["--script", "c.h", "--trace", "d.i"]), config)
    assert options.entry.script == ["a.f", "c.h"] and options.entry.trace == ["b.g", "d.i"]
    assert options.entry.entry == "explicit"
    assert options_from(check_parser().parse_args(["--entry", "modules"]), config).entry.entry == "modules"
