"""Rule documentation, generated from the rule classes: the single source for `tslint rule CODE` and
for `docs/rules/*.md`, so the two can never say different things.

    python -m tslint.docs [FOLDER]          regenerate (default: docs/rules)
    python -m tslint.docs --check [FOLDER]  exit 1 and name the stale pages, writing nothing
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional, Sequence

from .rule import Rule, all_rules

REGENERATE = "python -m tslint.docs docs/rules"

FIX_TEXT = {
    "safe": "A safe fix is available: `tslint --fix` applies it. It keeps what the code computes.",
    "unsafe": "An unsafe fix is available: `tslint --fix --unsafe-fixes` applies it. It changes where or how "
              "code runs (for example what runs when not scripted); review the diff (`--diff`).",
    "": "No automatic fix: the repair depends on what the code means.",
}

#: code prefix -> family title, in the order the index lists them (DESIGN.md "Codes")
FAMILIES = (
    ("TS1", "Syntax the compiler rejects"),
    ("TS2", "Types"),
    ("TS3", "Classes, modules and attributes"),
    ("TS4", "Calls into unsupported or non-script code"),
    ("TS5", "Trace hazards"),
    ("TS9", "The linter's own problems with a file"),
)


#: the rule pages of the checkout tslint runs from (an editable install or a source tree); a wheel
#: ships no docs folder
DOCS_FOLDER = Path(__file__).resolve().parent.parent / "docs" / "rules"


def rule_doc_url(code: str) -> Optional[str]:
    """A link to the rule's page that resolves: the page itself, when tslint runs from a checkout
    that has it, else None (there is no published site to point at; `tslint rule CODE` prints the
    page either way)."""
    page = DOCS_FOLDER / f"{code}.md"
    return page.as_uri() if page.is_file() else None


def _applies(rule: Rule) -> str:
    if rule.contexts == frozenset({"file"}):
        return "any file tslint reads (reported even when nothing in it is compiled)"
    names = {"script": "code `torch.jit.script` compiles", "trace": "code `torch.jit.trace` records"}
    return " and ".join(names.get(c, f"`{c}`") for c in sorted(rule.contexts))


def _stage(rule: Rule) -> Optional[str]:
    """Which half of the compiler rejects it: users need this to know whether a guard helps."""
    if "script" not in rule.contexts or not _checks_code(rule):
        return None
    if rule.frontend:
        return ("torch's Python frontend (`torch/jit/frontend.py`), while it builds the whole function: "
                "the construct is rejected even inside `if not torch.jit.is_scripting():` branches.")
    return ("the compiler after its Python frontend (types, attributes, calls): code in branches the compiler "
            "drops statically, such as `if not torch.jit.is_scripting():`, is not checked, and tslint does not "
            "report it there.")


def _checks_code(rule: Rule) -> bool:
    """False for pseudo-rules that only label findings made elsewhere (TS000 from --confirm)."""
    cls = type(rule)
    return bool(rule.node_types) or any(getattr(cls, hook) is not getattr(Rule, hook)
                                        for hook in ("visit", "check_function", "check_class"))


def _has_section(doc: str, title: str) -> bool:
    return any(line.strip().lower() == f"## {title}".lower() for line in doc.splitlines())


def rule_markdown(rule: Rule) -> str:
    """One rule's page: metadata, the docstring's sections, then fix safety and the compiler's words."""
    lines = [
        f"# {rule.code}: {rule.name}",
        "",
        f"**Message**: {rule.message}  ",
        f"**Applies to**: {_applies(rule)}  ",
        f"**Severity**: {rule.severity}  ",
        f"**Fix**: {rule.fix_safety or 'none'}",
    ]
    stage = _stage(rule)
    if stage:
        lines.append("")
        lines.append(f"**Rejected by**: {stage}")
    doc = rule.doc()
    if doc:
        lines += ["", doc]
    if not _has_section(doc, "Fix safety"):
        lines += ["", "## Fix safety", FIX_TEXT.get(rule.fix_safety, rule.fix_safety)]
    if rule.compiler_message:
        if rule.contexts == frozenset({"trace"}):
            lines += ["", "## What torch says", "The `TracerWarning` it predicts (torch 2.13) contains:"]
        else:
            lines += ["", "## What torch says", "The compiler error it predicts (torch 2.13) contains, on the line tslint reports:"]
        lines += ["", "```text", rule.compiler_message, "```"]
    return "\n".join(lines).rstrip() + "\n"


def _family(code: str) -> str:
    for prefix, title in FAMILIES:
        if code.startswith(prefix):
            return f"{prefix}xx: {title}"
    return "Other"


def index_markdown() -> str:
    lines = [
        "# tslint rules",
        "",
        "Generated from the rule classes by `" + REGENERATE + "`; `tslint rule CODE` prints the same page.",
        "Fix: `safe` is applied by `--fix`, `unsafe` only with `--unsafe-fixes`.",
    ]
    current = None
    for rule in all_rules():
        family = _family(rule.code)
        if family != current:
            current = family
            lines += ["", f"## {family}", "", "| Code | Name | Applies to | Message | Fix |", "|---|---|---|---|---|"]
        contexts = ", ".join(sorted(rule.contexts))
        message = rule.message.replace("|", "\\|")
        lines.append(f"| [{rule.code}]({rule.code}.md) | {rule.name} | {contexts} | {message} | {rule.fix_safety} |")
    return "\n".join(lines) + "\n"


def expected_pages() -> dict[str, str]:
    """File name -> content of every page `write_docs` writes."""
    pages = {f"{rule.code}.md": rule_markdown(rule) for rule in all_rules()}
    pages["index.md"] = index_markdown()
    return pages


def stale_pages(folder: Path) -> list[str]:
    """Pages in `folder` that differ from the generated ones, are missing, or belong to no rule."""
    pages = expected_pages()
    stale = []
    for name, text in sorted(pages.items()):
        path = folder / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    stale += sorted(p.name for p in folder.glob("*.md") if p.name not in pages)
    return stale


def write_docs(folder: Path) -> list[Path]:
    """Regenerate `docs/rules/`: one page per rule and the index; pages of removed rules go."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = expected_pages()
    for old in folder.glob("*.md"):
        if old.name not in pages:
            old.unlink()
    written = []
    for name, text in pages.items():
        path = folder / name
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        written.append(path)
    return written


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    target = Path(args[0]) if args else Path("docs/rules")
    if check:
        stale = stale_pages(target)
        for name in stale:
            print(f"stale: {target / name}")
        if stale:
            print(f"regenerate with: {REGENERATE}")
        return 1 if stale else 0
    for path in write_docs(target):
        print(path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
