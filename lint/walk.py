"""One walk per function under contract, shared by every rule that subscribes to a node type.

The walk skips what the compiler never reads (dead static branches, nested function and class
bodies, lambda bodies), so rules only ever see live code.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Optional, Union

from .finding import Finding, Fix, Span
from .nodes import SCOPE_TYPES, local_names, node_fields
from .project.index import ClassInfo, FunctionInfo, dotted
from .project.model import ClassRef, FuncRef, Project, Resolved
from .static_if import UNDECIDED, Decision, dead_branches, static_condition

if TYPE_CHECKING:  # pragma: no cover
    from .rule import Rule
    from .source import SourceFile


def KeywordSpan(node: ast.AST, keyword: str) -> Span:
    """Just the leading keyword of a compound statement (`try`, `for`, `while`): a block-sized caret
    would hide the point."""
    return Span(node.lineno, node.col_offset, node.lineno, node.col_offset + len(keyword))  # type: ignore[attr-defined]


@dataclass
class _Reporter:
    source: "SourceFile"
    context: str
    entry: str
    findings: list[Finding] = field(default_factory=list)

    def report(
        self,
        rule: "Rule",
        node: Any,
        message: Optional[str] = None,
        fix: Optional[Fix] = None,
        code: Optional[str] = None,
    ) -> Finding:
        line, col, end_line, end_col = self.source.span(node)
        finding = Finding(
            path=self.source.path,
            line=line,
            col=col,
            end_line=end_line,
            end_col=end_col,
            code=code or rule.code,
            message=message or rule.message,
            context=self.context,  # type: ignore[arg-type]
            entry=self.entry,
            fix=fix,
            severity=rule.severity,  # type: ignore[arg-type]
        )
        self.findings.append(finding)
        return finding


class FunctionContext(_Reporter):
    """What a rule may ask about the function being checked."""

    def __init__(self, source: "SourceFile", project: Project, module: str, info: FunctionInfo,
                 node: ast.FunctionDef, context: str, entry: str, class_node: Optional[ast.ClassDef] = None,
                 built_without_args: bool = False):
        super().__init__(source, context, entry)
        #: the method's class is scripted as built with no constructor arguments (a `modules` root):
        #: `self.x = x` holds the default of `x`, whose type the compiler takes
        self.built_without_args = built_without_args
        self.project = project
        self.module = module
        self.info = info
        self.node = node
        self.class_node = class_node
        self.parents: dict[ast.AST, ast.AST] = {}
        #: per-function facts rules compute once and reuse across nodes (keyed by the rule's choice)
        self.memo: dict[Any, Any] = {}

    @property
    def ref(self) -> FuncRef:
        return FuncRef(self.module, self.info.qualname)

    @property
    def class_ref(self) -> Optional[ClassRef]:
        return ClassRef(self.module, self.info.class_name) if self.info.class_name else None

    def qualname(self, node: ast.AST) -> Optional[str]:
        """The fully qualified dotted name an expression spells (`F.relu` → `torch.nn.functional.relu`).

        Local variables shadow module names, as in Python: a name assigned or bound as a parameter in
        this function is not a module-level reference.
        """
        name = dotted(node)
        if name is None:
            return None
        head = name.split(".", 1)[0]
        if head in self.local_names:
            return None
        return self.project.qualify(self.module, name)

    def resolve(self, node: ast.AST) -> Optional[Resolved]:
        name = dotted(node)
        if name is None or name.split(".", 1)[0] in self.local_names:
            return None
        return self.project.resolve(self.module, name)

    @cached_property
    def local_names(self) -> frozenset[str]:
        return local_names(self.node)

    def condition(self, node: Union[ast.If, ast.IfExp]) -> Decision:
        """What the compiler makes of the condition of an `if` or a ternary. Under script the type
        checker decides (it knows types, `Final` attributes and `None` checks, as `emitCondExpr`
        does); a condition it did not reach, and every condition under trace, by its syntax alone."""
        if self.context == "script":
            decided = self.types.conditions
            if node in decided:
                return decided[node]
        return static_condition(node.test, self.context)

    @cached_property
    def types(self) -> Any:
        """The static type checker's view of this function (computed on first use)."""
        from .compiler.infer import infer_function

        return infer_function(self)

    def parent(self, node: ast.AST) -> Optional[ast.AST]:
        return self.parents.get(node)

    def release(self) -> None:
        """Forget everything about the function once its check is done. Rules keep per-function
        facts on the context (`memo`, cached properties) and some refer back to it: the cycle would
        keep the context, its parent map and its file's tree alive until a garbage collection."""
        self.__dict__.clear()


class ClassContext(_Reporter):
    def __init__(self, source: "SourceFile", project: Project, module: str, info: ClassInfo,
                 node: ast.ClassDef, is_module: bool, entry: str):
        super().__init__(source, "script", entry)
        self.project = project
        self.module = module
        self.info = info
        self.node = node
        self.is_module = is_module

    @property
    def ref(self) -> ClassRef:
        return ClassRef(self.module, self.info.name)


_SCOPES = SCOPE_TYPES


class _RuleWalk(ast.NodeVisitor):
    """Dispatch every node to the rules that subscribe to its type.

    The compiler works in two stages, and so does the walk: torch's Python frontend turns the *whole*
    function into tree views first (so a `try` or a lambda is rejected even under
    `if not torch.jit.is_scripting():`), and only the IR emitter then skips statically dead branches.
    Rules marked `frontend = True` see dead branches too; all others see live code only.
    """

    def __init__(self, ctx: FunctionContext, by_type: dict[type, list["Rule"]]):
        self.ctx = ctx
        self.by_type = by_type
        self.dead = 0

    def visit(self, node: ast.AST) -> None:
        # the hot loop of the check phase: a type-keyed dispatch and a direct read of the node's
        # fields (what `ast.iter_child_nodes`/`iter_fields` do, without their generator overhead)
        cls = type(node)
        rules = self.by_type.get(cls)
        if rules:
            for rule in rules:
                if not self.dead or rule.frontend:
                    rule.visit(node, self.ctx)
        if cls in _SCOPES:
            return  # a separate scope: the compiler rejects it whole (rules report the node itself)
        values = [getattr(node, name, None) for name in node_fields(cls)]  # no `ctx` markers, no names
        parents = self.ctx.parents
        for value in values:  # every child knows its parent before any child is visited
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        parents[item] = node
            elif isinstance(value, ast.AST):
                parents[value] = node
        if cls is ast.If:
            self._visit_if(node)  # type: ignore[arg-type]
        elif cls is ast.IfExp:
            body_dead, else_dead = dead_branches(self.ctx.condition(node))  # type: ignore[arg-type]
            self.visit(node.test)  # type: ignore[attr-defined]
            self._visit_branch([node.body], body_dead)  # type: ignore[attr-defined]
            self._visit_branch([node.orelse], else_dead)  # type: ignore[attr-defined]
        else:
            for value in values:
                if type(value) is list:
                    if value and isinstance(value[0], ast.stmt):
                        self.visit_block(value)
                    else:
                        for item in value:
                            if isinstance(item, ast.AST):
                                self.visit(item)
                elif isinstance(value, ast.AST):
                    self.visit(value)

    def _visit_if(self, node: ast.If) -> None:
        body_dead, else_dead = dead_branches(self.ctx.condition(node))
        self.visit(node.test)
        self._visit_branch(node.body, body_dead, block=True)
        self._visit_branch(node.orelse, else_dead, block=True)

    def _visit_branch(self, nodes: list, dead: bool, block: bool = False) -> None:
        self.dead += dead
        if block:
            self.visit_block(nodes)
        else:
            for n in nodes:
                self.visit(n)
        self.dead -= dead

    def visit_block(self, body: list[ast.stmt]) -> None:
        """Statements in order; after a live static branch that always exits, the rest is dead (and
        after an undecided `if` with a branch that exits, the rest may be)."""
        dead_from = len(body)
        for i, stmt in enumerate(body):
            if isinstance(stmt, ast.If) and _may_exit_statically(stmt, self.ctx.condition(stmt)):
                dead_from = i + 1
                break
        for i, stmt in enumerate(body):
            self.ctx.parents.setdefault(stmt, self.ctx.node)
            self.dead += i >= dead_from
            self.visit(stmt)
            self.dead -= i >= dead_from


def _may_exit_statically(stmt: ast.If, decision: Decision) -> bool:
    """Whether the branch the compiler keeps of a static `if` (either, when UNDECIDED) ends in a
    `return` or `raise`, so that nothing after the `if` may be emitted."""
    if decision is None:
        return False
    branches = [stmt.body, stmt.orelse] if decision == UNDECIDED else [stmt.body if decision else stmt.orelse]
    return any(branch and isinstance(branch[-1], (ast.Return, ast.Raise)) for branch in branches)


def rules_by_type(rules: list["Rule"], context: str) -> dict[type, list["Rule"]]:
    table: dict[type, list["Rule"]] = {}
    for rule in rules:
        if not rule.wants(context):
            continue
        for node_type in rule.node_types:
            table.setdefault(node_type, []).append(rule)
    return table


def check_function(ctx: FunctionContext, rules: list["Rule"], by_type: dict[type, list["Rule"]]) -> list[Finding]:
    walker = _RuleWalk(ctx, by_type)
    for node in ctx.node.args.args + ctx.node.args.posonlyargs + ctx.node.args.kwonlyargs:
        ctx.parents[node] = ctx.node.args
    walker.visit_block(ctx.node.body)
    for rule in rules:
        if rule.wants(ctx.context):
            rule.check_function(ctx)
    findings = ctx.findings
    ctx.release()  # the check is done: nothing about the function outlives it
    return findings
