"""Property tests: whatever the source, the linter returns findings or a TS9xx, never raises.

Programs come from hypothesmith (grammar-generated Python) and from random mutations of real
files; every function of each program is checked under both contracts, with every rule.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tslint.finding import Finding
from tslint.project.index import summarize
from tslint.project.model import ClassRef, FuncRef, Project
from tslint.reach import Reach
from tslint.rule import all_rules
from tslint.source import SourceError, SourceFile
from tslint.project.index import class_nodes, function_nodes
from tslint.walk import ClassContext, FunctionContext, check_function, rules_by_type

hypothesmith = pytest.importorskip("hypothesmith")
RULES = [r for r in all_rules() if not r.code.startswith("TS9")]
BY_CONTEXT = {c: rules_by_type(RULES, c) for c in ("script", "trace")}
SAMPLES = sorted((Path(__file__).parent / "fixtures").rglob("*.py")) + sorted(Path(ast.__file__).parent.glob("[a-f]*.py"))[:20]


def lint_everything(text: str) -> list[Finding]:
    """Check every function and class of `text` under both contracts (no reachability filter)."""
    try:
        source = SourceFile.from_bytes("fuzz.py", text.encode("utf-8", "surrogatepass"), "fuzz")
    except SourceError as exc:
        return [exc.finding]
    summary = summarize("fuzz.py", "fuzz", source.digest, source.tree)
    project = Project([summary])
    findings: list[Finding] = []
    for qualname, (node, class_node) in function_nodes(source.tree).items():
        info = summary.function(qualname)
        if info is None:
            continue
        for context in ("script", "trace"):
            ctx = FunctionContext(source, project, "fuzz", info, node, context, "fuzz", class_node)
            findings.extend(check_function(ctx, RULES, BY_CONTEXT[context]))
    for name, node in class_nodes(source.tree).items():
        info = summary.classes.get(name)
        if info is not None:
            ctx = ClassContext(source, project, "fuzz", info, node, True, "fuzz")
            for rule in RULES:
                rule.check_class(ctx)
            findings.extend(ctx.findings)
    for f in findings:
        assert f.line >= 1 and f.col >= 0 and f.code.startswith("TS"), f
    return findings


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
# deferred: building the grammar's parser costs seconds, paid by the process that runs the test,
# not by every process that collects it
@given(st.deferred(hypothesmith.from_grammar))
def test_generated_programs_never_crash(source: str) -> None:
    lint_everything(source)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(SAMPLES), st.data())
def test_mutated_real_files_never_crash(path: Path, data: st.DataObject) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for _ in range(data.draw(st.integers(1, 4))):
        if not lines:
            break
        i = data.draw(st.integers(0, len(lines) - 1))
        op = data.draw(st.sampled_from(["drop", "dup", "cut", "indent", "swap"]))
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "cut":
            lines[i] = lines[i][: data.draw(st.integers(0, len(lines[i])))]
        elif op == "indent":
            lines[i] = "    " + lines[i]
        else:
            j = data.draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
    lint_everything("".join(lines))


def test_fixture_files_all_lint():
    for path in SAMPLES:
        lint_everything(path.read_text(encoding="utf-8"))
