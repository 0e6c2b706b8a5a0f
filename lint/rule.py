"""The rule contract, and discovery of every rule in `tslint.rules`.

A rule is a class, as in Fixit: its docstring is its documentation in ruff's shape ("What it does",
"Why is this bad?", "Example", "Use instead", "Fix safety"), and it carries the examples that prove it.
The test suite runs every example through the linter *and* the real compiler, so a rule can only claim
what torch agrees with.

Examples are complete modules, written the way users put code under a contract:
- script rules: a `@torch.jit.script` function, or an `nn.Module` subclass (the tests build every
  `nn.Module` subclass of the example with no arguments and script it), or a `torch.jit.script(...)`
  call at module level;
- trace rules: a `torch.jit.trace(...)` call at module level, with example inputs.
In an INVALID example, the line that ends with the comment `# error` is where the finding (and the
compiler's error) must be; without such a comment any line will do.

Rules subscribe to node types (`node_types`) and share one walk per function (see `engine`); rules
that need the whole function (the type checker) implement `check_function`, and rules about a class
(inheritance, attributes) implement `check_class`.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar, Iterable, Optional

from .finding import Finding

if TYPE_CHECKING:  # pragma: no cover
    from .walk import ClassContext, FunctionContext

DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")


class Rule:
    """Base class of every rule; subclasses set the class attributes below."""

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    #: one-line summary, also the default finding message
    message: ClassVar[str] = ""
    #: a substring of the first line of the compiler's error (script rules) or of the TracerWarning
    #: (trace rules) that this rule predicts; tests check INVALID examples against it
    compiler_message: ClassVar[str] = ""
    #: the contracts under which the rule applies
    contexts: ClassVar[frozenset[str]] = frozenset({"script"})
    #: ast node classes the rule wants to see during the shared walk
    node_types: ClassVar[tuple[type[ast.AST], ...]] = ()
    severity: ClassVar[str] = "error"
    #: True for constructs torch's Python frontend rejects while building the tree, before any
    #: static `if` is evaluated: such rules also see branches the compiler would not emit
    frontend: ClassVar[bool] = False
    #: "safe", "unsafe" or "" (no fix)
    fix_safety: ClassVar[str] = ""
    VALID: ClassVar[list[str]] = []
    INVALID: ClassVar[list[str]] = []
    #: other modules the examples import, by file name, written beside each example (for rules
    #: about what crosses modules, such as the globals a decorator's module provides)
    FILES: ClassVar[dict[str, str]] = {}

    def visit(self, node: ast.AST, ctx: "FunctionContext") -> None:
        """Called for each node of `node_types` in live code of a function under contract."""

    def check_function(self, ctx: "FunctionContext") -> None:
        """Called once per function under contract (after the walk)."""

    def check_class(self, ctx: "ClassContext") -> None:
        """Called once per class under script contract."""

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        """Return `source` with this finding's construct replaced by something the compiler accepts.

        Used by `--confirm` to compile each finding alone. None means the rule cannot neutralize.
        """
        return None

    # -- documentation ---------------------------------------------------------------------
    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def url(cls) -> str:
        return f"docs/rules/{cls.code}.md"

    @classmethod
    def wants(cls, context: str) -> bool:
        return context in cls.contexts


class Example(str):
    """An example module; a plain `str` subclass so rules may list bare strings too."""


EXPECT_MARK = re.compile(r"#\s*error\b")


def expected_lines(example: str) -> list[int]:
    """1-based lines of an INVALID example that carry the `# error` mark."""
    return [i for i, line in enumerate(example.splitlines(), 1) if EXPECT_MARK.search(line)]


@lru_cache(maxsize=1)
def all_rules() -> tuple[Rule, ...]:
    """Instances of every rule class in `tslint.rules`, sorted by code (discovered, never listed)."""
    import tslint.rules as package

    found: dict[str, Rule] = {}
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        module = importlib.import_module(info.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, Rule) and obj.code and obj.__module__ == module.__name__:
                if obj.code in found and type(found[obj.code]) is not obj:
                    raise RuntimeError(f"duplicate rule code {obj.code}")
                found[obj.code] = obj()
    return tuple(found[code] for code in sorted(found))


def rule_by_code(code: str) -> Optional[Rule]:
    for rule in all_rules():
        if rule.code == code:
            return rule
    return None


def select_rules(select: Iterable[str], ignore: Iterable[str]) -> tuple[Rule, ...]:
    """Rules whose code matches a selected prefix and no ignored prefix (the longer prefix wins)."""
    select, ignore = list(select), list(ignore)
    return tuple(rule for rule in all_rules() if code_selected(rule.code, select, ignore))


def code_selected(code: str, select: Iterable[str], ignore: Iterable[str]) -> bool:
    s = max((len(p) for p in select if code.startswith(p)), default=-1)
    i = max((len(p) for p in ignore if code.startswith(p)), default=-1)
    return s >= 0 and s > i
