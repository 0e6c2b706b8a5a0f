"""Rule documentation, generated from the rule classes (the single source for `tslint rule CODE`
and for `docs/rules/*.md`)."""
from __future__ import annotations

from pathlib import Path

from .rule import Rule, all_rules

FIX_TEXT = {
    "safe": "A safe fix is available (`--fix`).",
    "unsafe": "An unsafe fix is available (`--fix --unsafe-fixes`): it changes where or how code runs; review it.",
    "": "No automatic fix.",
}


def rule_markdown(rule: Rule) -> str:
    contexts = " and ".join(f"`{c}`" for c in sorted(rule.contexts))
    lines = [
        f"# {rule.code}: {rule.name}",
        "",
        f"**Message**: {rule.message}  ",
        f"**Applies under**: {contexts} contract{'s' if len(rule.contexts) > 1 else ''}  ",
        f"**Severity**: {rule.severity}  ",
        f"**Fix**: {FIX_TEXT.get(rule.fix_safety, rule.fix_safety)}",
    ]
    if rule.compiler_message:
        what = "TracerWarning" if rule.contexts == frozenset({"trace"}) else "compiler error"
        lines += ["", f"**The {what} it predicts** (torch 2.13): `{rule.compiler_message}`"]
    doc = rule.doc()
    if doc:
        lines += ["", doc]
    return "\n".join(lines).rstrip() + "\n"


def index_markdown() -> str:
    lines = ["# tslint rules", "", "| Code | Name | Applies under | Message | Fix |", "|---|---|---|---|---|"]
    for rule in all_rules():
        fix = {"safe": "safe", "unsafe": "unsafe"}.get(rule.fix_safety, "")
        lines.append(f"| [{rule.code}]({rule.code}.md) | {rule.name} | {', '.join(sorted(rule.contexts))} | {rule.message} | {fix} |")
    return "\n".join(lines) + "\n"


def write_docs(folder: Path) -> list[Path]:
    """Regenerate `docs/rules/` (python -m tslint.docs [FOLDER])."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    wanted = {f"{r.code}.md" for r in all_rules()} | {"index.md"}
    for stale in folder.glob("*.md"):
        if stale.name not in wanted:
            stale.unlink()
    for rule in all_rules():
        path = folder / f"{rule.code}.md"
        path.write_text(rule_markdown(rule), encoding="utf-8")
        written.append(path)
    index = folder / "index.md"
    index.write_text(index_markdown(), encoding="utf-8")
    written.append(index)
    return written


if __name__ == "__main__":  # pragma: no cover
    import sys

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/rules")
    for p in write_docs(target):
        print(p)
