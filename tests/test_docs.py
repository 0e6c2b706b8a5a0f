"""The rule pages in `docs/rules/` are generated from the rule classes and must not go stale;
`tslint rule CODE` prints exactly the page."""
from __future__ import annotations

import io
from pathlib import Path

from tslint.cli import main
from tslint.docs import REGENERATE, expected_pages, index_markdown, main as docs_main, rule_markdown, stale_pages, write_docs
from tslint.rule import all_rules

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules"


def test_generated_docs_are_up_to_date(tmp_path):
    write_docs(tmp_path)
    generated = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.glob("*.md")}
    committed = {p.name: p.read_text(encoding="utf-8") for p in DOCS.glob("*.md")} if DOCS.is_dir() else {}
    stale = sorted(name for name in generated.keys() | committed.keys() if generated.get(name) != committed.get(name))
    assert not stale, f"docs/rules/ is stale ({', '.join(stale)}); regenerate with: {REGENERATE}"


def test_one_page_per_rule_and_an_index():
    pages = expected_pages()
    assert set(pages) == {f"{r.code}.md" for r in all_rules()} | {"index.md"}
    index = index_markdown()
    for rule in all_rules():
        assert f"[{rule.code}]({rule.code}.md)" in index


def test_pages_carry_every_section():
    for rule in all_rules():
        page = rule_markdown(rule)
        assert page.startswith(f"# {rule.code}: {rule.name}\n")
        for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
            assert section in page, f"{rule.code}: {section}"
        if rule.compiler_message:
            assert "## What torch says" in page and rule.compiler_message in page
        if "script" in rule.contexts and rule.frontend:  # a guard does not help: the page must say so
            assert "**Rejected by**: torch's Python frontend" in page


def test_rule_command_prints_the_page(monkeypatch):
    for rule in all_rules():
        out = io.StringIO()
        monkeypatch.setattr("sys.stdout", out)
        assert main(["rule", rule.code]) == 0
        assert out.getvalue() == rule_markdown(rule)


def test_write_docs_removes_pages_of_removed_rules_and_check_mode(tmp_path, capsys):
    (tmp_path / "TS998.md").write_text("gone\n")
    assert docs_main(["--check", str(tmp_path)]) == 1
    assert REGENERATE in capsys.readouterr().out
    write_docs(tmp_path)
    assert not (tmp_path / "TS998.md").exists()
    assert stale_pages(tmp_path) == []
    assert docs_main(["--check", str(tmp_path)]) == 0
