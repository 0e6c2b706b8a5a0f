"""What a ruff user meets in the first hour (issue 18): typos are errors, advertised fixes exist,
many named roots stay fast, and the output says what happened."""
from __future__ import annotations

import contextlib
import io
import json
import string
import textwrap
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cliutil import CLEAN, CROSS_FILE, CROSS_FILE_FINDING, KWARGS_AND_TRY, pairs, tslint, tslint_json, write_tree
from conftest import needs_torch
from harness import lint_source, run_example_with_torch
from tslint import cli
from tslint.config import KNOWN_KEYS, Config, ConfigError, find_pyproject, load_config
from tslint.engine import RunOptions, analyse
from tslint.entrypoints import EntryOptions, _candidates, _match_qualnames, find_roots
from tslint.instances import Instance
from tslint.project.model import ClassRef, FuncRef
from tslint.finding import Finding
from tslint.fix import apply_edits
from tslint.report import FORMATS, ReportContext
from tslint.report.json_format import finding_json
from tslint.report.sarif import sarif_document
from tslint.rule import all_rules


def _main(*argv: str, cwd: Path) -> tuple[int, str, str]:
    """`tslint ARGV` in this process (fast enough to fuzz): exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


# -- no silent typos --------------------------------------------------------------------------------
@pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select"])
@pytest.mark.parametrize("code", ["XYZ", "TS9999", "TS1,TS77"])
def test_unknown_code_on_the_command_line_is_an_error_naming_it(tmp_path, option, code):
    write_tree(tmp_path, {"model.py": CLEAN})
    status, out, err = _main(option, code, "--no-cache", "model.py", cwd=tmp_path)
    assert status == 2 and out == ""
    bad = code.split(",")[-1]
    assert f"tslint: error: {option}: unknown rule code or prefix {bad!r}" in err


@pytest.mark.parametrize("prefix", ["TS", "TS1", "TS20", "TS201", "ts1"])
def test_every_prefix_of_a_code_is_valid(tmp_path, prefix):
    write_tree(tmp_path, {"model.py": CLEAN})
    status, _, err = _main("--select", prefix, "--no-cache", "--entry", "modules", "model.py", cwd=tmp_path)
    assert status == 0, err


@pytest.mark.parametrize("body,needle", [
    ('select = ["XYZ"]', "select: unknown rule code or prefix 'XYZ'"),
    ('ignore = ["TS9999"]', "ignore: unknown rule code or prefix 'TS9999'"),
    ('extend-select = ["TS1", "E501"]', "extend-select: unknown rule code or prefix 'E501'"),
    ('[tool.tslint.per-file-ignores]\n"tests/*" = ["TS5", "T5"]', "per-file-ignores.'tests/*': unknown rule code or prefix 'T5'"),
    ('confirm-timeout = "abc"', "confirm-timeout must be a positive number of seconds, not string 'abc'"),
    ("confirm-timeout = -1", "confirm-timeout must be a positive number"),
    ('unsafe-fixes = "false"', "unsafe-fixes must be true or false"),
    ("entry = 3", "entry must be one of"),
    ('per-file-ignores = ["TS1"]', "per-file-ignores must be a table"),
    ('factories = {"a:B" = 1}', "factories.'a:B' must be a string"),
    ('exclude = ["!"]', "exclude: invalid pattern '!'"),
    ("script = 3", "script must be a list of strings, not integer 3"),
    ("cache-dir = 3", "cache-dir must be a folder name, not integer 3"),
])
def test_every_config_value_is_checked(tmp_path, body, needle):
    write_tree(tmp_path, {"pyproject.toml": "[tool.tslint]\n" + body + "\n", "model.py": CLEAN})
    status, out, err = _main("--no-cache", "model.py", cwd=tmp_path)
    assert status == 2 and needle in err, err
    assert err.startswith("tslint: error: ") and "internal error" not in err


def test_malformed_tslint_table_is_an_error_with_its_line(tmp_path):
    """A pyproject.toml that does not parse was skipped, and the run went on with defaults."""
    write_tree(tmp_path, {"pyproject.toml": '[project]\nname = "x"\n\n[tool.tslint\nselect = ["TS1"]\n', "model.py": CLEAN})
    with pytest.raises(ConfigError, match="line 4"):
        find_pyproject(tmp_path)
    status, _, err = _main("--no-cache", "model.py", cwd=tmp_path)
    assert status == 2 and "pyproject.toml: invalid TOML" in err and "line 4" in err


def test_a_tslint_key_that_is_not_a_table_is_an_error(tmp_path):
    write_tree(tmp_path, {"pyproject.toml": "[tool]\ntslint = 3\n", "model.py": CLEAN})
    status, _, err = _main("--no-cache", "--config", "pyproject.toml", "model.py", cwd=tmp_path)
    assert status == 2 and "pyproject.toml: tool.tslint must be a table, not integer 3" in err


def test_broken_toml_that_is_not_tslints_is_skipped(tmp_path):
    """Another tool's broken pyproject.toml is not tslint's to judge: the one above is used."""
    write_tree(tmp_path, {"pyproject.toml": "[tool.tslint]\n", "sub/pyproject.toml": "[tool.black\n", "sub/m.py": ""})
    assert find_pyproject(tmp_path / "sub") == tmp_path / "pyproject.toml"


def test_cache_dir_from_config_is_used(tmp_path):
    write_tree(tmp_path, {"pyproject.toml": '[tool.tslint]\ncache-dir = "build/lintcache"\n', "model.py": CLEAN})
    assert load_config(tmp_path / "pyproject.toml").cache_dir == tmp_path / "build" / "lintcache"
    status, _, err = _main("model.py", cwd=tmp_path)
    assert status == 0, err
    assert (tmp_path / "build" / "lintcache").is_dir() and not (tmp_path / ".tslint_cache").exists()


@pytest.mark.parametrize("files", [{"empty/.keep": ""}, {"empty/notes.txt": "import torch\n"}])
def test_a_run_without_python_files_says_so(tmp_path, files):
    write_tree(tmp_path, files)
    proc = tslint("empty", cwd=tmp_path)
    assert proc.returncode == 0
    assert "warning: No Python files found under the given path(s)" in proc.stderr


_SCALARS = st.one_of(st.text(string.printable, max_size=8), st.integers(), st.floats(allow_nan=False),
                     st.booleans(), st.sampled_from(["TS", "TS1", "XYZ", "project", "modules", "a:b", "!", "[z-a]"]))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(st.text(string.ascii_letters, max_size=5), inner, max_size=3)),
                       max_leaves=6)


def _toml(value) -> str:
    """`value` as TOML (inline tables and arrays), for the fuzz test's generated configs."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if value == value and abs(value) != float("inf") else "0"
    if isinstance(value, str):
        return '"' + value.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{" + ", ".join(f"{_toml(k)} = {_toml(v)}" for k, v in value.items()) + "}"


def _assert_clean_exit(status: int, err: str) -> None:
    assert "internal error" not in err and "Traceback" not in err, err
    assert status in (0, 1, 2)
    if status == 2:
        assert "tslint: error: " in err, err


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=st.dictionaries(st.sampled_from(sorted(KNOWN_KEYS) + ["selcet"]), _VALUES, max_size=4))
def test_fuzzed_config_values_never_end_in_an_internal_error(tmp_path, table):
    body = "\n".join(f"{key} = {_toml(value)}" for key, value in table.items())
    write_tree(tmp_path, {"pyproject.toml": "[tool.tslint]\n" + body + "\n", "model.py": CLEAN})
    _assert_clean_exit(*_main("--no-cache", "-j", "1", "model.py", cwd=tmp_path)[::2])


VALID_TOML = '[tool.tslint]\nselect = ["TS1"]\nexclude = ["build/"]\n[tool.tslint.per-file-ignores]\n"tests/*" = ["TS5"]\n'


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, len(VALID_TOML)), junk=st.text("[]=\"'{},\n tool.slint", max_size=4))
def test_fuzzed_broken_toml_never_ends_in_an_internal_error(tmp_path, cut, junk):
    write_tree(tmp_path, {"pyproject.toml": VALID_TOML[:cut] + junk + VALID_TOML[cut + len(junk):], "model.py": CLEAN})
    _assert_clean_exit(*_main("--no-cache", "-j", "1", "model.py", cwd=tmp_path)[::2])


# -- fixes that exist --------------------------------------------------------------------------------
#: rules whose fix covers some of their cases only, and why the others have none
PARTIAL_FIXES = {
    "TS409": "only renames and dtype conversions (`.numpy()`, `.unique()`, `.grad_fn` need a rewrite by hand)",
    "TS501": "only a branch the fix can move whole into a `script_if_tracing` function",
    "TS511": "only a branch the fix can move whole into a `script_if_tracing` function",
}
FIXABLE = [pytest.param(r, id=r.code) for r in all_rules() if r.fix_safety]


@needs_torch
@pytest.mark.parametrize("rule", FIXABLE)
def test_every_declared_fix_exists_and_the_fixed_example_compiles(rule):
    """`tslint rules` marks the rule fixable: its INVALID examples get a fix, the fix silences the rule,
    and the fixed example compiles (or traces without the warning) with the real torch."""
    fixed_any = False
    for example in rule.INVALID:
        findings = [f for f in lint_source(example) if f.code == rule.code]
        assert findings, f"{rule.code} does not flag its INVALID example:\n{example}"
        fixes = [f for f in findings if f.fix]
        assert fixes or rule.code in PARTIAL_FIXES, f"{rule.code} declares a fix and gives none for:\n{example}"
        if not fixes:
            continue
        fixed_any = True
        assert {f.fix.applicability for f in fixes} <= {"safe", rule.fix_safety}, "a fix safer than declared"
        text, applied = apply_edits(textwrap.dedent(example), fixes)
        assert applied and compile(text, "fixed.py", "exec")
        assert not [f for f in lint_source(text) if f.code == rule.code], f"{rule.code} still fires after its fix:\n{text}"
        outcome = run_example_with_torch(text)
        assert outcome.ok, f"{rule.code}: the fixed example does not compile: {outcome.message}\n{text}"
        if rule.contexts == frozenset({"trace"}):
            assert not [w for w in outcome.warnings if rule.compiler_message in w["message"]], text
    assert fixed_any, f"{rule.code} declares a fix and never gives one"


def test_fix_declarations_are_what_the_rule_list_shows(tmp_path):
    status, out, _ = _main("rules", cwd=tmp_path)
    fixable = {line.split()[0] for line in out.splitlines() if line.endswith(("[*]", "[**]"))}
    assert status == 0 and fixable == {r.code for r in all_rules() if r.fix_safety}


def test_dtype_conversion_methods_are_fixed_with_to():
    source = ("import torch\n\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n"
              "    return x.bool(), x.bfloat16(), x.bool(1)\n")
    findings = [f for f in lint_source(source) if f.code == "TS409"]
    text, applied = apply_edits(source, [f for f in findings if f.fix])
    assert len(findings) == 3 and len(applied) == 2  # `x.bool(1)` is not a conversion: left alone
    assert "return x.to(torch.bool), x.to(torch.bfloat16), x.bool(1)\n" in text


@pytest.mark.parametrize("body,code,fixed", [
    ("    x //= 2\n    return x\n", "TS118", ("unsafe", "    x = x // 2\n")),  # a Tensor divides in place
    ("    n = 4\n    n //= x.dim() + 1\n    return x + n\n", "TS118", ("safe", "    n = n // (x.dim() + 1)\n")),
    ("    l = [x]\n    l[int(x.sum())] //= 2\n    return x\n", "TS118", None),  # the target calls: evaluated twice
    ("    d = {(0, 1): 2}\n    return x + d[0, 1]\n", "TS137", None),  # a tuple key in Python
    ("    return x + [[1, 2]][0, 1]\n", "TS137", ("safe", "    return x + [[1, 2]][0][1]\n")),
])
def test_fixes_say_when_they_are_unsafe_and_stay_away_when_wrong(body, code, fixed):
    source = "import torch\n\n\n@torch.jit.script\ndef f(x):\n" + body
    findings = [f for f in lint_source(source) if f.code == code]
    assert findings
    if fixed is None:
        assert not findings[0].fix
        return
    text, _ = apply_edits(source, findings)
    assert findings[0].fix.applicability == fixed[0] and fixed[1] in text


# -- named roots at any count ------------------------------------------------------------------------
def _match_qualname_before(project, pattern):
    """`_match_qualname` as it was before issue 18 (every pattern against every name): the spec."""
    out = []
    for mod, summary in project.by_module.items():
        names = [(f"{mod}.{n}", ClassRef(mod, n)) for n in summary.classes]
        names += [(f"{mod}.{n}", FuncRef(mod, n)) for n in summary.functions]
        for cname, info in summary.classes.items():
            names += [(f"{mod}.{cname}.{m}", FuncRef(mod, f"{cname}.{m}")) for m in info.methods]
        for full, ref in names:
            if full == pattern or full.endswith("." + pattern) or fnmatchcase(full, pattern) or pattern.replace(":", ".") == full:
                out.append(Instance(ref, (), mod) if isinstance(ref, ClassRef) else ref)
    return out


def test_exact_and_glob_names_match_as_before():
    examples = Path(__file__).resolve().parent.parent / "examples"
    analysis = analyse([str(examples)], Config(), RunOptions(use_cache=False, jobs=1))
    project = analysis.project
    full = [name for name, _ in _candidates(project)]
    assert len(full) > 50
    patterns = [*full, *(n.split(".", 1)[1] for n in full if "." in n), *(n.rsplit(".", 1)[-1] for n in full),
                *(n.rsplit(".", 1)[0] + ":" + n.rsplit(".", 1)[1] for n in full),
                "*", "*.forward", "seed_models.*", "*Cell*", "tinyseg.[bh]*.?*", "no.such.Name", "", "x:y:z", "*:Net*"]
    matched = _match_qualnames(project, patterns)
    for pattern in patterns:
        assert matched[pattern] == _match_qualname_before(project, pattern), pattern


def test_thousands_of_names_resolve_and_the_unmatched_are_named(tmp_path):
    write_tree(tmp_path, {"pkg/__init__.py": "", "pkg/models.py": "\n".join(
        f"class Net{i}:\n    def forward(self, x):\n        return x\n" for i in range(300))})
    names = [f"pkg.models.Net{i}" for i in range(300)] + [f"models:Missing{i}" for i in range(3000)] + ["pkg.models.Net1?"]
    analysis = analyse([str(tmp_path)], Config(), RunOptions(use_cache=False, jobs=1, entry=EntryOptions(script=names)))
    roots = find_roots(analysis.project, EntryOptions(script=names))
    assert len(roots.unmatched) == 3000 and "models:Missing7" in roots.unmatched
    assert len([r for r in roots.roots if r.origin == "config"]) == 300 + 10


# -- output that tells the truth ---------------------------------------------------------------------
def _finding(severity: str, code: str = "TS101") -> Finding:
    return Finding("m.py", 1, 0, 1, 1, code, "msg", severity=severity)  # type: ignore[arg-type]


@pytest.mark.parametrize("severities,line", [
    (["warning"], "Found 1 warning in 1 file checked."),
    (["error", "error", "warning"], "Found 2 errors and 1 warning in 1 file checked."),
    (["error"], "Found 1 error in 1 file checked."),
])
def test_errors_and_warnings_are_counted_apart(severities, line):
    out = io.StringIO()
    FORMATS["concise"]([_finding(s) for s in severities], ReportContext(files_checked=1), out)
    assert line in out.getvalue()


def test_rule_links_resolve_and_github_annotations_say_the_location_once():
    f = _finding("error")
    url = finding_json(f)["url"]
    assert url is None or Path(url.removeprefix("file://")).is_file()
    assert all("helpUri" not in r or Path(r["helpUri"].removeprefix("file://")).is_file()
               for r in sarif_document([f])["runs"][0]["tool"]["driver"]["rules"])
    out = io.StringIO()
    FORMATS["github"]([f], ReportContext(), out)
    assert out.getvalue() == "::error title=tslint (TS101),file=m.py,line=1,col=1,endLine=1,endColumn=2::TS101 msg\n"


def test_help_names_every_subcommand(tmp_path):
    proc = tslint("-h", cwd=tmp_path)
    assert proc.returncode == 0
    assert all(f"tslint {name}" in proc.stdout for name in ("rules", "rule CODE", "ir PATH", "schemas"))
    assert "--stdin-filename" in proc.stdout and "--extend-exclude" in proc.stdout and "--show-fixes" in proc.stdout


def test_stdin_is_checked_as_the_named_file_of_its_project(tmp_path):
    """An editor pipes the buffer: the finding needs the project's other files, and the piped text,
    not the disk's, is what is checked (here the disk's file is still clean)."""
    write_tree(tmp_path, CROSS_FILE)
    path, line, code = CROSS_FILE_FINDING
    piped = (tmp_path / path).read_text()
    (tmp_path / path).write_text(piped.replace("return self.refine(x, box)", "return x"))
    proc = tslint("-", "--stdin-filename", path, "--format", "json", cwd=tmp_path, stdin=piped)
    assert proc.returncode == 1, proc.stderr
    assert (path, line, code) in pairs(json.loads(proc.stdout))
    noqa = piped.replace("return self.refine(x, box)", f"return self.refine(x, box)  # noqa: {code}")
    proc = tslint("-", "--stdin-filename", path, cwd=tmp_path, stdin=noqa)
    assert proc.returncode == 0 and "(1 suppressed by noqa" in proc.stdout


def test_exclude_and_extend_exclude_on_the_command_line(tmp_path):
    write_tree(tmp_path, {"pyproject.toml": '[tool.tslint]\nentry = "modules"\nexclude = ["gen/"]\n',
                          "gen/a.py": KWARGS_AND_TRY, "build/b.py": KWARGS_AND_TRY, "src/c.py": KWARGS_AND_TRY})
    files = lambda *args: {p[0] for p in pairs(tslint_json(*args, cwd=tmp_path)[1])}  # noqa: E731
    assert files() == {"build/b.py", "src/c.py"}
    assert files("--extend-exclude", "build/") == {"src/c.py"}
    assert files("--exclude", "build/,src/") == {"gen/a.py"}  # replaces the config's
    assert tslint("--exclude", "!", cwd=tmp_path).returncode == 2


def test_show_fixes_lists_what_is_available_and_what_was_applied(tmp_path):
    write_tree(tmp_path, {"m.py": "import torch\n\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    return x.nelement() + +1\n"})
    proc = tslint("--show-fixes", "--no-cache", cwd=tmp_path)
    assert "2 fixes available:" in proc.stdout and "- m.py:6:14: TS409 Replace `.nelement` with `.numel` (`tslint --fix`)" in proc.stdout
    proc = tslint("--show-fixes", "--fix", "--no-cache", cwd=tmp_path)
    assert "Fixed 2 findings:\n- m.py:\n    1 × TS119 (unary-plus)\n    1 × TS409 (missing-tensor-method)\n" in proc.stdout
    assert "x.numel() + 1" in (tmp_path / "m.py").read_text()
