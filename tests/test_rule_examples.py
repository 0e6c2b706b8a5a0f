"""Every rule proves itself: its INVALID examples are flagged by tslint *and* rejected by the real
compiler (or make the tracer warn / the trace diverge), its VALID examples pass both."""
from __future__ import annotations

import pytest

from harness import lint_source, run_example_with_torch
from conftest import needs_torch
from tslint.rule import all_rules, expected_lines

# TS9xx (file problems) and rules reported from the compiler itself (TS000) have no constructs to exemplify
RULES = [r for r in all_rules() if not r.code.startswith("TS9") and not getattr(r, "examples_exempt", False)]
VALID = [pytest.param(r, i, id=f"{r.code}-valid-{i}") for r in RULES for i in range(len(r.VALID))]
INVALID = [pytest.param(r, i, id=f"{r.code}-invalid-{i}") for r in RULES for i in range(len(r.INVALID))]


def test_every_rule_has_examples_and_docs():
    for rule in RULES:
        assert rule.INVALID, f"{rule.code} has no INVALID example"
        assert rule.VALID, f"{rule.code} has no VALID example"
        doc = rule.doc()
        for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
            assert section in doc, f"{rule.code} docs lack {section!r}"
        assert rule.compiler_message, f"{rule.code} names no compiler message"


def _is_trace(rule) -> bool:
    return rule.contexts == frozenset({"trace"})


@pytest.mark.parametrize("rule,index", INVALID)
def test_invalid_example_is_flagged(rule, index):
    example = rule.INVALID[index]
    findings = [f for f in lint_source(example, files=rule.FILES) if f.code == rule.code]
    assert findings, f"{rule.code} did not flag:\n{example}"
    marks = expected_lines(example)
    if marks:
        assert {f.line for f in findings} & set(marks), f"{rule.code} flagged {[f.line for f in findings]}, expected {marks}"


@pytest.mark.parametrize("rule,index", VALID)
def test_valid_example_is_silent(rule, index):
    example = rule.VALID[index]
    findings = [f for f in lint_source(example, files=rule.FILES) if not f.code.startswith("TS9")]
    assert not findings, f"{rule.code} VALID example got {[(f.code, f.line, f.message) for f in findings]}"


@needs_torch
@pytest.mark.parametrize("rule,index", INVALID)
def test_invalid_example_fails_for_real(rule, index):
    example = rule.INVALID[index]
    outcome = run_example_with_torch(example, files=rule.FILES)
    marks = expected_lines(example)
    if _is_trace(rule):
        warned = [w for w in outcome.warnings if rule.compiler_message in w["message"]]
        assert outcome.ok, f"trace example crashed: {outcome.message}"
        assert warned or outcome.diverges, f"{rule.code}: no TracerWarning {rule.compiler_message!r} and no divergence; got {outcome.warnings}"
        if warned and marks:
            assert {w["line"] for w in warned} & set(marks), f"warning at {[w['line'] for w in warned]}, expected {marks}"
        return
    if getattr(rule, "divergence", False):  # silent divergence: compiles, and `diverges()` shows the difference
        assert outcome.ok, f"{rule.code}: divergence example does not compile: {outcome.message}"
        assert outcome.diverges, f"{rule.code}: divergence example does not define diverges() returning True"
        return
    assert not outcome.ok, f"{rule.code}: the compiler ACCEPTS the INVALID example:\n{example}"
    assert rule.compiler_message in outcome.full or rule.compiler_message in outcome.message, (
        f"{rule.code}: compiler said {outcome.message!r}, rule names {rule.compiler_message!r}")
    if marks and outcome.line is not None:
        assert outcome.line in marks, f"{rule.code}: compiler blamed line {outcome.line}, example marks {marks}"


@needs_torch
@pytest.mark.parametrize("rule,index", VALID)
def test_valid_example_passes_for_real(rule, index):
    outcome = run_example_with_torch(rule.VALID[index], files=rule.FILES)
    assert outcome.ok, f"{rule.code}: the compiler REJECTS the VALID example: {outcome.message}\n{outcome.full[:1500]}"
    if _is_trace(rule):
        assert not outcome.warnings, f"{rule.code}: VALID trace example warned: {outcome.warnings}"
    if _is_trace(rule) or getattr(rule, "divergence", False):
        assert not outcome.diverges, f"{rule.code}: VALID example diverges from eager"
