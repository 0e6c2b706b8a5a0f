"""TS3xx: classes, modules, attributes and globals as the compiler sees them.

Module attributes are typed from the runtime object after `__init__` (`torch/jit/_recursive.py`),
script-class attributes from the compiled `__init__`; class-body values, Python globals and
container indexing follow rules of their own. Every rule here stays silent unless the class
hierarchy is entirely in the project and nothing creates attributes dynamically (see `_classfacts`).
"""
from __future__ import annotations

import ast
import re
import weakref
from typing import Callable, Iterator, Optional

from tslint.entrypoints import Instance, target_of
from tslint.finding import Finding
from tslint.neutralize import node_at, replace_expression, stub_statement
from tslint.project.index import Value, dotted, member_key
from tslint.project.model import ClassRef, External, FuncRef, Project
from tslint.rule import Rule
from tslint.walk import ClassContext, FunctionContext

from ._classfacts import (
    NN_MODULE_HIDDEN, NN_MODULE_UNCOMPILABLE, Assignment, ClassFacts, absent_by_default, class_def, class_facts, const_type, externally_assigned, self_attr,
    self_name, str_literal,
)

# -- shared helpers --------------------------------------------------------------------------------
_SUBCLASSES: "weakref.WeakKeyDictionary[Project, dict[ClassRef, list[ClassRef]]]" = weakref.WeakKeyDictionary()


def project_subclasses(project: Project, ref: ClassRef) -> list[ClassRef]:
    """Project classes that have `ref` in their MRO (itself included)."""
    table = _SUBCLASSES.get(project)
    if table is None:
        table = {}
        for module, summary in project.by_module.items():
            for name in summary.classes:
                klass = ClassRef(module, name)
                for base in project.mro(klass):
                    table.setdefault(base, []).append(klass)
        _SUBCLASSES[project] = table
    return table.get(ref, [ref])


_CLASS_LEVEL: "weakref.WeakKeyDictionary[Project, frozenset[str]]" = weakref.WeakKeyDictionary()


def class_level_names(project: Project) -> frozenset[str]:
    """Every name bound in some project class body: a cheap pre-test before class facts are built."""
    names = _CLASS_LEVEL.get(project)
    if names is None:
        names = frozenset(n for summary in project.by_module.values() for info in summary.classes.values()
                          for n in info.class_values)
        _CLASS_LEVEL[project] = names
    return names


def method_self(ctx: FunctionContext) -> Optional[str]:
    return self_name(ctx.node) if ctx.info.class_name else None


def instance_facts(ctx: FunctionContext) -> list[ClassFacts]:
    """Facts for every project class whose instances run this method (its class and subclasses);
    empty when any of them is unknown, so callers can require a property of all of them."""
    ref = ctx.class_ref
    if ref is None:
        return []
    out = []
    for klass in project_subclasses(ctx.project, ref):
        facts = class_facts(ctx.project, klass)
        if facts is None:
            return []
        out.append(facts)
    return out


def for_all(ctx: FunctionContext, test: Callable[[ClassFacts], bool]) -> bool:
    """Does `test` hold for the facts of every class whose instances run this method (none unknown)?
    Stops at the first class that fails: a method of a base with thousands of subclasses
    (`PreTrainedModel`) must not build facts for all of them to learn that the first one fails."""
    ref = ctx.class_ref
    if ref is None:
        return False
    for klass in project_subclasses(ctx.project, ref):
        facts = class_facts(ctx.project, klass)
        if facts is None or not test(facts):
            return False
    return True


def probes_attribute(ctx: FunctionContext, me: str, name: str) -> bool:
    """Does the function test for the attribute (`hasattr(self, "name")`, `getattr(self, "name", d)`)?
    `hasattr` is a static condition for the compiler, so uses it guards (enclosing `if`, or an early
    `return` before them) are never compiled."""
    probes = ctx.memo.get("attribute-probes")
    if probes is None:  # one walk per function, however many attributes are asked about
        probes = ctx.memo["attribute-probes"] = {
            (sub.args[0].id, str_literal(sub.args[1]))
            for sub in ast.walk(ctx.node)
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id in ("hasattr", "getattr")
            and len(sub.args) >= 2 and isinstance(sub.args[0], ast.Name)
        }
    return (me, name) in probes


def in_annotation(ctx: FunctionContext, node: ast.AST) -> bool:
    """Is `node` part of a type expression (an annotation, `torch.jit.annotate`'s type, `isinstance`'s
    class)? Names there are types, not values."""
    current = node
    parent = ctx.parent(current)
    while parent is not None:
        if isinstance(parent, ast.AnnAssign) and current is parent.annotation:
            return True
        if isinstance(parent, ast.Call) and parent.args and current is parent.args[0]:
            name = dotted(parent.func) or ""
            if name.endswith("annotate") or name.endswith("cast"):
                return True
        if isinstance(parent, ast.Call) and len(parent.args) > 1 and current is parent.args[1]:
            if isinstance(parent.func, ast.Name) and parent.func.id in ("isinstance", "issubclass"):
                return True
        if isinstance(parent, ast.stmt):
            return False
        current, parent = parent, ctx.parent(parent)
    return False


_DATACLASS = {"dataclasses.dataclass"}
_DATACLASS_TRANSFORM = {"typing.dataclass_transform", "typing_extensions.dataclass_transform"}
_SCRIPT_CLASS = {"torch.jit.script", "torch.jit._script.script", "torch.jit.interface"}
_GENERATED = (("init", "__init__"), ("repr", "__repr__"), ("eq", "__eq__"))


def _transform_marked(project: Project, module: str, decorators: tuple[str, ...]) -> bool:
    return any(q in _DATACLASS_TRANSFORM for q in project.decorator_qualnames(module, decorators))


def dataclass_like(project: Project, ref: ClassRef) -> Optional[str]:
    """Why the project class `ref` has methods the dataclass machinery generates (no source), else None.

    A dataclass, or a class that PEP 681 makes dataclass-like: decorated by a function marked
    `@dataclass_transform`, or derived from a class so marked. TorchScript compiles such a class only
    when asked to explicitly: compiled implicitly (an annotation, an attribute's value, a call), it
    needs the source of every method and fails with `Failed to get source for <function C.__init__>`.
    """
    info = project.cls(ref)
    node = class_def(project, ref)
    if info is None or node is None:
        return None
    if any(q in _SCRIPT_CLASS for q in project.decorator_qualnames(ref.module, info.decorators)):
        return None
    for dec in node.decorator_list:
        name = dotted(dec.func if isinstance(dec, ast.Call) else dec)
        qual = project.qualify(ref.module, name) if name else ""
        if qual in _DATACLASS:
            flags = {k.arg: k.value for k in dec.keywords} if isinstance(dec, ast.Call) else {}
            generated = [meth for flag, meth in _GENERATED if meth not in info.methods
                         and not (isinstance(flags.get(flag), ast.Constant) and flags[flag].value is False)]
            if generated:
                return "a dataclass"
            return None
        target = project.resolve(ref.module, name) if name else None
        if isinstance(target, FuncRef):
            fn = project.function(target)
            if fn is not None and _transform_marked(project, target.module, fn.decorators) and "__init__" not in info.methods:
                return f"dataclass-like (through `@{name}`)"
    if "__init__" in info.methods:
        return None
    for base in project.mro(ref)[1:]:
        base_info = project.cls(base)
        if base_info is not None and _transform_marked(project, base.module, base_info.decorators):
            return f"dataclass-like (a subclass of `{base.name}`)"
    return None


#: a tiny dataclass for the rule examples
_DATACLASS_CONFIG = ("from dataclasses import dataclass\nfrom typing import Optional\n\n\n@dataclass\nclass Config:\n"
                     "    scale: float = 2.0\n")


def expression_at(source: str, finding: Finding) -> Optional[ast.expr]:
    """The outermost expression spanning exactly the finding (ASCII columns), else None."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):  # breadth first: outer expressions come first
        if isinstance(node, ast.expr) and (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset) == (
                finding.line, finding.col, finding.end_line, finding.end_col):
            return node
    return None


def is_self_store(node: ast.AST, me: Optional[str]) -> Optional[str]:
    if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
        return self_attr(node, me)
    return None


def _container(ctx: FunctionContext, node: ast.AST, me: Optional[str]) -> Optional[str]:
    """The container kind of `self.<name>` for every class running this method, else None."""
    name = self_attr(node, me)
    if not name:
        return None
    kinds = {f.container_kind(name, ctx.project) for f in instance_facts(ctx)}
    if len(kinds) != 1:
        return None
    kind = kinds.pop()
    return kind if kind and not externally_assigned(ctx.project, name) else None


MODULE_HEADER = "import torch\nfrom torch import nn\n"


# ==================================================================================================
class ScriptClassInheritance(Rule):
    """
    ## What it does
    Flags classes compiled as TorchScript classes (`@torch.jit.script class B(A)` or
    `torch.jit.script(B)`) that inherit from anything other than `object`.

    ## Why is this bad?
    `torch.jit.script` refuses the class before compiling anything: `TorchScript classes does not
    support inheritance yet. Please directly inherit from 'object'.` This includes `NamedTuple` and
    `Exception` bases (`Enum` subclasses are fine). When the class is compiled implicitly (constructed
    in scripted code) the base is silently ignored instead, and any inherited method is missing.

    ## Example
    ```python
    class Base:
        def __init__(self):
            self.a = 1

    @torch.jit.script
    class Box(Base):
        def __init__(self):
            self.a = 2
    ```

    ## Use instead
    Copy the shared members into the class (or use composition: keep a `Base` instance in an
    attribute), and inherit from `object`.
    """

    code = "TS301"
    name = "script-class-inheritance"
    message = "TorchScript classes cannot inherit; inherit from `object` and copy or compose the base's members"
    compiler_message = "TorchScript classes does not support inheritance yet"
    VALID = [
        MODULE_HEADER + "\n\n@torch.jit.script\nclass Box:\n    def __init__(self):\n        self.a = 2\n",
        # nn.Module inheritance is fine
        MODULE_HEADER + "\n\nclass Base(nn.Module):\n    def helper(self, x):\n        return x + 1\n\n\n"
        "class Net(Base):\n    def forward(self, x):\n        return self.helper(x)\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\nclass Base:\n    def __init__(self):\n        self.a = 1\n\n\n@torch.jit.script  # error (Python blames the decorator)\n"
        "class Box(Base):  # error\n    def __init__(self):\n        self.a = 2\n",
        MODULE_HEADER + "from typing import NamedTuple\n\n\n@torch.jit.script  # error\nclass Pair(NamedTuple):  # error\n    a: int\n",
        MODULE_HEADER + "\n\nclass Base:\n    def __init__(self):\n        self.a = 1\n\n\nclass Box(Base):  # error\n"
        "    def __init__(self):\n        self.a = 2\n\n\nscripted = torch.jit.script(Box)  # error\n",
    ]

    def check_class(self, ctx: ClassContext) -> None:
        if ctx.is_module or not ctx.node.bases or not _explicitly_scripted(ctx):
            return
        for base in ctx.node.bases:
            name = dotted(base)
            qual = ctx.project.qualify(ctx.module, name) if name else None
            if qual in ("object", "builtins.object"):
                continue
            if qual and qual.startswith("enum."):
                return  # torch.jit.script returns Enum classes untouched
            label = name or ast.unparse(base)
            ctx.report(self, base, f"TorchScript classes cannot inherit (`{ctx.node.name}({label})`): the compiler "
                                   f"says 'does not support inheritance yet'; inherit from `object` and copy or "
                                   f"compose `{label}`'s members")
            return


def _explicitly_scripted(ctx: ClassContext) -> bool:
    decorators = ctx.project.decorator_qualnames(ctx.module, ctx.info.decorators)
    if any(d in ("torch.jit.script", "torch.jit._script.script") for d in decorators):
        return True
    return ctx.ref in _scripted_by_call(ctx.project)


_SCRIPTED_BY_CALL: "weakref.WeakKeyDictionary[Project, frozenset[ClassRef]]" = weakref.WeakKeyDictionary()


def _scripted_by_call(project: Project) -> frozenset[ClassRef]:
    """Classes some `torch.jit.script(Cls)` call names, found once per project (not once per class)."""
    found = _SCRIPTED_BY_CALL.get(project)
    if found is None:
        classes = set()
        for module, summary in project.by_module.items():
            for site in summary.call_sites:
                if site.kind != "script":
                    continue
                target = target_of(project, module, site.target)
                if isinstance(target, Instance) and site.target[0] in ("name", "attr"):
                    classes.add(target.cls)
        found = _SCRIPTED_BY_CALL[project] = frozenset(classes)
    return found


# ==================================================================================================
_PLAIN_KINDS = (ast.Constant, ast.Tuple, ast.List, ast.Dict, ast.UnaryOp)


def _plain_value(node: Optional[ast.AST]) -> bool:
    if isinstance(node, ast.Constant):
        return not isinstance(node.value, bytes)
    if isinstance(node, ast.UnaryOp):
        return const_type(node) is not None
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(_plain_value(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is not None and _plain_value(k) and _plain_value(v) for k, v in zip(node.keys, node.values))
    return False


class ClassAttribute(Rule):
    """
    ## What it does
    Flags `self.K` in compiled code when `K` is only a class-body value (`K = 3`) of a TorchScript
    class or of an `nn.Module` (unless listed in `__constants__` or annotated `Final`).

    ## Why is this bad?
    The compiler sees instance attributes only. On a script class it fails with `'K' is defined as a
    class attribute which currently is not supported`; on an `nn.Module` the class value is not
    copied into the compiled module at all, and the error is `Module 'M' has no attribute 'K'`.

    ## Example
    ```python
    class Net(nn.Module):
        scale = 2.0

        def forward(self, x):
            return x * self.scale
    ```

    ## Use instead
    ```python
    class Net(nn.Module):
        scale: Final[float] = 2.0     # or __constants__ = ["scale"], or self.scale = 2.0 in __init__
    ```
    """

    code = "TS302"
    name = "class-attribute"
    message = "class-level attribute is invisible to TorchScript"
    compiler_message = "has no attribute"
    node_types = (ast.Attribute,)
    VALID = [
        MODULE_HEADER + "from typing import Final\n\n\nclass Net(nn.Module):\n    scale: Final[float] = 2.0\n\n"
        "    def forward(self, x):\n        return x * self.scale\n",
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    __constants__ = [\"scale\"]\n    scale = 2.0\n\n"
        "    def forward(self, x):\n        return x * self.scale\n",
        # overridden by an instance attribute in __init__
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    scale = 2.0\n\n    def __init__(self):\n        super().__init__()\n"
        "        self.scale = 3.0\n\n    def forward(self, x):\n        return x * self.scale\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    scale = 2.0\n\n    def forward(self, x):\n"
        "        return x * self.scale  # error\n",
        MODULE_HEADER + "\n\n@torch.jit.script\nclass Box:\n    K = 3\n\n    def __init__(self):\n        self.a = 1\n\n"
        "    def total(self) -> int:\n        return self.a + self.K  # error\n",
        # inherited from a project base class: still only a class value
        MODULE_HEADER + "\n\nclass Base(nn.Module):\n    mode = \"fast\"\n\n\nclass Net(Base):\n    def forward(self, x):\n"
        "        if self.mode == \"fast\":  # error\n            return x\n        return x + 1\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        me = method_self(ctx)
        name = self_attr(node, me)
        if not name or not isinstance(node.ctx, ast.Load) or name not in class_level_names(ctx.project) \
                or externally_assigned(ctx.project, name):  # type: ignore[attr-defined]
            return

        def bad(f: ClassFacts) -> bool:
            return (f.complete and name in f.class_values and name not in f.constants
                    and _plain_value(f.class_values[name]) and name not in f.assigned and name not in f.registered
                    and name not in f.all_methods and name not in f.nested and not f.builtin(name))

        if not for_all(ctx, bad):
            return
        if ctx.project.is_nn_module(ctx.class_ref):  # type: ignore[arg-type]
            msg = (f"`{name}` is a class-level value, which TorchScript does not copy into the module "
                   f"('Module has no attribute {name!r}'); add it to `__constants__`, annotate it "
                   f"`{name}: Final[...]`, or assign `self.{name}` in `__init__`")
        else:
            msg = (f"`{name}` is a class attribute, which TorchScript classes do not support; assign "
                   f"`self.{name}` in `__init__` instead")
        ctx.report(self, node, msg)


# ==================================================================================================
class AttributeOutsideInit(Rule):
    """
    ## What it does
    Flags `self.x = ...` in compiled methods when `x` does not exist after `__init__`.

    ## Why is this bad?
    A compiled module's (or script class's) attributes are fixed when it is compiled; assignment
    cannot create one: `Tried to set nonexistent attribute: x. Did you forget to initialize it in
    __init__()?`

    ## Example
    ```python
    def forward(self, x):
        self.cache = x
        return x
    ```

    ## Use instead
    Declare it in `__init__` with its type: `self.cache = torch.zeros(0)`, or for an optional value
    `cache: Optional[torch.Tensor]` in the class body and `self.cache = None` in `__init__`.
    """

    code = "TS303"
    name = "attribute-outside-init"
    message = "attribute does not exist after __init__; compiled code cannot create attributes"
    compiler_message = "Tried to set nonexistent attribute"
    node_types = (ast.Assign,)
    VALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.cache = torch.zeros(1)\n\n    def forward(self, x):\n        self.cache = x\n        return x\n",
        # created by a helper that __init__ calls
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.reset()\n\n"
        "    def reset(self):\n        self.cache = torch.zeros(1)\n\n    def forward(self, x):\n        self.cache = x\n        return x\n",
        # self.training exists on every module
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def forward(self, x):\n        self.training = False\n        return x\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def forward(self, x):\n        self.cache = x  # error\n        return x\n",
        MODULE_HEADER + "\n\n@torch.jit.script\nclass Counter:\n    def __init__(self):\n        self.a = 1\n\n"
        "    def bump(self) -> int:\n        self.b = 2  # error\n        return self.a\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        if ctx.info.name == "__init__":
            return
        me = method_self(ctx)
        for target in node.targets:  # type: ignore[attr-defined]
            name = is_self_store(target, me)
            if not name or externally_assigned(ctx.project, name):
                continue

            def bad(f: ClassFacts) -> bool:
                return (f.complete and f.init_complete and not f.defined_at_init(name) and not f.declared_in_class(name)
                        and name not in f.constants)

            if for_all(ctx, bad):
                ctx.report(self, target, f"`self.{name}` does not exist after `__init__`: compiled code cannot create "
                                         f"attributes ('Tried to set nonexistent attribute'); initialize it in `__init__` "
                                         f"with a value of the type assigned here")


class ConstantAttributeAssignment(Rule):
    """
    ## What it does
    Flags assignments in compiled methods to attributes listed in `__constants__` or annotated
    `Final`.

    ## Why is this bad?
    Constants are baked into the compiled module; they are not attributes any more, and the
    compiler's message is the misleading `Tried to set nonexistent attribute: k`.

    ## Example
    ```python
    class Net(nn.Module):
        __constants__ = ["k"]
        def forward(self, x):
            self.k = 3
            return x
    ```

    ## Use instead
    Use a plain attribute (drop it from `__constants__` / remove `Final`) if it must change, or a local
    variable.
    """

    code = "TS304"
    name = "constant-attribute-assignment"
    message = "assignment to a `__constants__`/`Final` attribute"
    compiler_message = "Tried to set nonexistent attribute"
    node_types = (ast.Assign, ast.AugAssign)
    VALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    __constants__ = [\"k\"]\n\n    def __init__(self):\n"
        "        super().__init__()\n        self.k = 2\n\n    def forward(self, x):\n        k = self.k + 1\n        return x * k\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    __constants__ = [\"k\"]\n\n    def __init__(self):\n"
        "        super().__init__()\n        self.k = 2\n\n    def forward(self, x):\n        self.k = 3  # error\n        return x\n",
        MODULE_HEADER + "from typing import Final\n\n\nclass Net(nn.Module):\n    k: Final[int]\n\n    def __init__(self):\n"
        "        super().__init__()\n        self.k = 2\n\n    def forward(self, x):\n        self.k = 3  # error\n        return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        if ctx.info.name == "__init__":
            return
        me = method_self(ctx)
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]  # type: ignore[attr-defined]
        for target in targets:
            name = is_self_store(target, me)
            if name and for_all(ctx, lambda f: f.is_module and name in f.constants):
                ctx.report(self, target, f"`{name}` is a constant (`__constants__`/`Final`), baked into the compiled "
                                         f"module; assigning it fails with 'Tried to set nonexistent attribute'. Make it a "
                                         f"plain attribute or use a local variable")


# ==================================================================================================
class SuperCall(Rule):
    """
    ## What it does
    Flags `super()` in compiled code (a module's `forward`, any script-class method including
    `__init__`).

    ## Why is this bad?
    TorchScript has no `super()`. The errors are misleading: `'Tensor' object has no attribute or
    method 'forward'` (or `'__init__'`), and `Python type cannot be used as a value` for
    `super(Cls, self)`.

    ## Example
    ```python
    class Net(Base):
        def forward(self, x):
            return super().forward(x) + 1
    ```

    ## Use instead
    Call the parent's logic through a differently named method (`self.base_forward(x)` defined on
    the base class), which compiles as an ordinary method.
    """

    code = "TS305"
    name = "super-call"
    message = "`super()` is not supported in TorchScript"
    compiler_message = "object has no attribute or method"
    node_types = (ast.Call,)
    VALID = [
        MODULE_HEADER + "\n\nclass Base(nn.Module):\n    def base_forward(self, x):\n        return x * 2\n\n\n"
        "class Net(Base):\n    def __init__(self):\n        super().__init__()\n\n    def forward(self, x):\n"
        "        return self.base_forward(x) + 1\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\nclass Base(nn.Module):\n    def forward(self, x):\n        return x * 2\n\n\nclass Net(Base):\n"
        "    def forward(self, x):\n        return super().forward(x) + 1  # error\n",
        MODULE_HEADER + "\n\n@torch.jit.script\nclass Box:\n    def __init__(self):\n        super().__init__()  # error\n"
        "        self.a = 1\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        if isinstance(node.func, ast.Name) and node.func.id == "super" and ctx.qualname(node.func) == "super":  # type: ignore[attr-defined]
            parent = ctx.parent(node)
            what = f"`super().{parent.attr}`" if isinstance(parent, ast.Attribute) else "`super()`"
            ctx.report(self, node, f"{what} is not supported in TorchScript (the compiler's message is a misleading "
                                   f"'has no attribute or method'); call a differently named method of the base instead")


# ==================================================================================================
def _is_literal_index(node: ast.AST, string: bool) -> bool:
    if string:
        return str_literal(node) is not None
    return const_type(node) == "int"


def _constant_index(ctx: FunctionContext, node: ast.AST, me: Optional[str]) -> bool:
    """`self.k` with `k` a `Final`/`__constants__` int: a compile-time literal."""
    name = self_attr(node, me)
    return bool(name) and for_all(ctx, lambda f: name in f.constants)


def _suspicious_index(node: ast.AST) -> bool:
    """An index the compiler cannot turn into a literal: it names a variable or calls something."""
    return any(isinstance(sub, (ast.Name, ast.Call, ast.Attribute, ast.Subscript, ast.JoinedStr)) for sub in ast.walk(node))


class ModuleListVariableIndex(Rule):
    """
    ## What it does
    Flags `self.layers[i]` where `self.layers` is an `nn.ModuleList` or `nn.Sequential` and `i` is
    not an integer literal (a variable, `len(...) - 1`, a loop index, even inside
    `for i, m in enumerate(self.other)`).

    ## Why is this bad?
    Submodules have different types, so the compiler must know which one is meant at compile time:
    `Expected integer literal for index but got a variable or non-integer. ModuleList/Sequential
    indexing is only supported with integer literals.` Literal indices (also negative ones such as
    `self.layers[-1]`) and `Final[int]` / `__constants__` attributes work.

    ## Example
    ```python
    for i in range(len(self.layers)):
        x = self.layers[i](x)
    ```

    ## Use instead
    ```python
    for layer in self.layers:            # or: for i, layer in enumerate(self.layers)
        x = layer(x)
    ```
    To pair two lists, iterate them together: `for layer, norm in zip(self.layers, self.norms)`.
    """

    code = "TS306"
    name = "modulelist-variable-index"
    message = "ModuleList/Sequential indexed by a non-literal"
    compiler_message = "Expected integer literal for index but got a variable or non-integer"
    node_types = (ast.Subscript,)
    fix_safety = ""
    VALID = [
        MODULE_HEADER + "from typing import Final\n\n\nclass Net(nn.Module):\n    idx: Final[int]\n\n    def __init__(self):\n"
        "        super().__init__()\n        self.idx = 1\n        self.layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])\n\n"
        "    def forward(self, x):\n        x = self.layers[-1](x)\n        x = self.layers[0](x)\n        return self.layers[self.idx](x)\n",
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])\n        self.norms = nn.ModuleList([nn.Identity(), nn.Identity()])\n\n"
        "    def forward(self, x):\n        for layer, norm in zip(self.layers, self.norms):\n            x = norm(layer(x))\n"
        "        for i, layer in enumerate(self.layers):\n            x = layer(x) + i\n        return x + len(self.layers)\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])\n\n    def forward(self, x):\n"
        "        for i in range(len(self.layers)):\n            x = self.layers[i](x)  # error\n        return x\n",
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])\n        self.norms = nn.ModuleList([nn.Identity(), nn.Identity()])\n\n"
        "    def forward(self, x):\n        for i, layer in enumerate(self.layers):\n            x = self.norms[i](layer(x))  # error\n        return x\n",
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.body = nn.Sequential(nn.Linear(2, 2), nn.ReLU())\n\n    def forward(self, x):\n"
        "        return self.body[len(self.body) - 1](x)  # error\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        me = method_self(ctx)
        index = node.slice  # type: ignore[attr-defined]
        if isinstance(index, (ast.Slice, ast.Tuple)) or not isinstance(node.ctx, ast.Load):  # type: ignore[attr-defined]
            return
        if _is_literal_index(index, False) or not _suspicious_index(index) or _constant_index(ctx, index, me):
            return
        if _container(ctx, node.value, me) not in ("ModuleList", "Sequential"):  # type: ignore[attr-defined]
            return
        owner = ast.unparse(node.value)  # type: ignore[attr-defined]
        ctx.report(self, index, f"`{owner}` can only be indexed by an integer literal (or a `Final[int]` attribute); "
                                f"iterate it instead: `for m in {owner}` / `enumerate({owner})` / `zip({owner}, ...)`")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = expression_at(source, finding)
        return replace_expression(source, node, "0") if node is not None else None


class ModuleDictVariableKey(Rule):
    """
    ## What it does
    Flags `self.heads[key]` where `self.heads` is an `nn.ModuleDict` and `key` is not a string
    literal.

    ## Why is this bad?
    As with ModuleLists, the compiler needs the submodule at compile time: `Unable to extract
    string literal index. ModuleDict indexing is only supported with string literals.` Even keys
    from `for k, m in self.heads.items()` do not count as literals.

    ## Example
    ```python
    def forward(self, x, task: str):
        return self.heads[task](x)
    ```

    ## Use instead
    ```python
    def forward(self, x, task: str):
        for name, head in self.heads.items():
            if name == task:
                x = head(x)
        return x
    ```
    """

    code = "TS307"
    name = "moduledict-variable-key"
    message = "ModuleDict indexed by a non-literal"
    compiler_message = "ModuleDict indexing is only supported with string literals"
    node_types = (ast.Subscript,)
    VALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.heads = nn.ModuleDict({\"a\": nn.Linear(2, 2)})\n\n    def forward(self, x, task: str):\n"
        "        x = self.heads[\"a\"](x)\n        for name, head in self.heads.items():\n            if name == task:\n"
        "                x = head(x)\n        return x\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.heads = nn.ModuleDict({\"a\": nn.Linear(2, 2)})\n\n    def forward(self, x, task: str):\n"
        "        return self.heads[task](x)  # error\n",
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.heads = nn.ModuleDict({\"a\": nn.Linear(2, 2)})\n        self.norms = nn.ModuleDict({\"a\": nn.Identity()})\n\n"
        "    def forward(self, x):\n        for k, head in self.heads.items():\n            x = self.norms[k](head(x))  # error\n"
        "        return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        me = method_self(ctx)
        index = node.slice  # type: ignore[attr-defined]
        if isinstance(index, ast.Slice) or not isinstance(node.ctx, ast.Load) or _is_literal_index(index, True):  # type: ignore[attr-defined]
            return
        if not _suspicious_index(index) or _container(ctx, node.value, me) != "ModuleDict":  # type: ignore[attr-defined]
            return
        owner = ast.unparse(node.value)  # type: ignore[attr-defined]
        ctx.report(self, index, f"`{owner}` can only be indexed by a string literal; iterate "
                                f"`{owner}.items()` and compare the key instead")


def _slice_of_container(ctx: FunctionContext, node: ast.AST) -> Optional[str]:
    me = method_self(ctx)
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        kind = _container(ctx, node.value, me)
        if kind in ("ModuleList", "Sequential"):
            return kind
    return None


class ModuleListSliceIteration(Rule):
    """
    ## What it does
    Flags loops over a slice of an `nn.ModuleList` / `nn.Sequential` (`for m in self.layers[1:]`)
    whose body calls the submodule.

    ## Why is this bad?
    A slice is compiled into a tuple whose elements cannot be called; the message is misleading:
    `'__torch__...Linear' object has no attribute or method '__call__'`.

    ## Example
    ```python
    for layer in self.layers[1:]:
        x = layer(x)
    ```

    ## Use instead
    ```python
    for i, layer in enumerate(self.layers):
        if i >= 1:
            x = layer(x)
    ```
    or keep the sliced part as its own `nn.ModuleList` built in `__init__`.
    """

    code = "TS308"
    name = "modulelist-slice-iteration"
    message = "calling modules from a sliced ModuleList/Sequential"
    compiler_message = "object has no attribute or method '__call__'"
    node_types = (ast.For,)
    VALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])\n\n    def forward(self, x):\n"
        "        for i, layer in enumerate(self.layers):\n            if i >= 1:\n                x = layer(x)\n        return x\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])\n\n    def forward(self, x):\n"
        "        for layer in self.layers[1:]:\n            x = layer(x)  # error\n        return x\n",
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.body = nn.Sequential(nn.Linear(2, 2), nn.ReLU())\n\n    def forward(self, x):\n"
        "        for i, layer in enumerate(self.body[:1]):\n            x = layer(x)  # error\n        return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        source = node.iter  # type: ignore[attr-defined]
        target = node.target  # type: ignore[attr-defined]
        if isinstance(source, ast.Call) and isinstance(source.func, ast.Name) and source.func.id == "enumerate" and source.args:
            source = source.args[0]
            target = target.elts[1] if isinstance(target, ast.Tuple) and len(target.elts) == 2 else None
        if not isinstance(target, ast.Name) or _slice_of_container(ctx, source) is None:
            return
        for stmt in node.body:  # type: ignore[attr-defined]
            for sub in ast.walk(stmt):
                if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id == target.id:
                    owner = ast.unparse(source)
                    ctx.report(self, sub, f"modules taken from the slice `{owner}` cannot be called in TorchScript "
                                          f"(\"no attribute or method '__call__'\"); iterate the whole container with "
                                          f"`enumerate` and skip by index, or build the slice as its own ModuleList in `__init__`")
                    return


class SequentialSliceCall(Rule):
    """
    ## What it does
    Flags calling a slice of an `nn.Sequential` / `nn.ModuleList` directly: `self.features[:4](x)`.

    ## Why is this bad?
    The slice is compiled into a tuple of modules, not a Sequential: `cannot call a value of type
    'Tuple[...]'`.

    ## Example
    ```python
    def forward(self, x):
        return self.features[:2](x)
    ```

    ## Use instead
    Build the prefix once in `__init__` (`self.stem = self.features[:2]`, itself an `nn.Sequential`)
    and call `self.stem(x)`.
    """

    code = "TS309"
    name = "sequential-slice-call"
    message = "calling a slice of a Sequential/ModuleList"
    compiler_message = "cannot call a value of type 'Tuple["
    node_types = (ast.Call,)
    VALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.features = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2))\n        self.stem = self.features[:2]\n\n"
        "    def forward(self, x):\n        return self.stem(x)\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.features = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2))\n\n    def forward(self, x):\n"
        "        return self.features[:2](x)  # error\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        if _slice_of_container(ctx, node.func) is not None:  # type: ignore[attr-defined]
            owner = ast.unparse(node.func)  # type: ignore[attr-defined]
            ctx.report(self, node.func, f"`{owner}` compiles to a tuple of modules, which cannot be called; "  # type: ignore[attr-defined]
                                        f"store the slice as an attribute in `__init__` and call that")


# ==================================================================================================
def _unrolled_iterable(ctx: FunctionContext, node: ast.AST) -> Optional[str]:
    """A description of `node` when the compiler unrolls a loop over it (modules, tuples), else None."""
    me = method_self(ctx)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("enumerate", "zip") \
            and ctx.qualname(node.func) == node.func.id:
        for arg in node.args:
            found = _unrolled_iterable(ctx, arg)
            if found:
                return found
        return None
    if isinstance(node, ast.Tuple):
        return "a tuple"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("items", "values", "keys") \
            and not node.args and _container(ctx, node.func.value, me) == "ModuleDict":
        return f"`{ast.unparse(node.func.value)}` (a ModuleDict)"
    kind = _container(ctx, node, me)
    if kind:
        return f"`{ast.unparse(node)}` (a {kind})"
    name = self_attr(node, me)
    if name and for_all(ctx, lambda f: f.is_module and name in f.constants):
        return f"`{ast.unparse(node)}` (a constant, unrolled)"
    if isinstance(node, ast.Name) and node.id in ctx.info.params:
        arg = next((a for a in ctx.node.args.posonlyargs + ctx.node.args.args + ctx.node.args.kwonlyargs if a.arg == node.id), None)
        if arg is not None and arg.annotation is not None and _tuple_annotation(arg.annotation) and \
                node.id not in _stored_names(ctx.node):
            return f"`{node.id}` (a tuple)"
    return None


def _tuple_annotation(annotation: ast.expr) -> bool:
    base = annotation.value if isinstance(annotation, ast.Subscript) else annotation
    name = dotted(base) or ""
    return name.rsplit(".", 1)[-1] in ("Tuple", "tuple")


def _stored_names(fn: ast.FunctionDef) -> set[str]:
    return {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del))}


class BreakInUnrolledLoop(Rule):
    """
    ## What it does
    Flags `break` and `continue` directly inside a loop over an `nn.ModuleList`, `nn.Sequential`,
    `nn.ModuleDict` (or its `.items()`/`.values()`), a tuple, a `__constants__` list, or
    `enumerate`/`zip` of those.

    ## Why is this bad?
    These loops are unrolled at compile time, one copy of the body per element: `Because we emit
    iteration over modulelists or tuples as unrolled loops, we do not support break or continue
    inside the body of these loops`.

    ## Example
    ```python
    for layer in self.layers:
        x = layer(x)
        if x.abs().max() > 10:
            break
    ```

    ## Use instead
    Guard the body with a flag instead:
    ```python
    done = False
    for layer in self.layers:
        if not done:
            x = layer(x)
            done = bool(x.abs().max() > 10)
    ```
    """

    code = "TS310"
    name = "break-in-unrolled-loop"
    message = "break/continue inside a loop the compiler unrolls"
    compiler_message = "we do not support break or continue inside the body of these loops"
    node_types = (ast.Break, ast.Continue)
    fix_safety = ""
    VALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])\n\n    def forward(self, x):\n"
        "        for layer in self.layers:\n            for j in range(3):\n                if j == 1:\n                    break\n"
        "                x = layer(x)\n        return x\n",
        MODULE_HEADER + "from typing import List\n\n\n@torch.jit.script\ndef f(x, ks: List[int]):\n    for k in ks:\n"
        "        if k == 2:\n            break\n        x = x + k\n    return x\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])\n\n    def forward(self, x):\n"
        "        for layer in self.layers:\n            x = layer(x)\n            if x.sum() > 0:\n                break  # error\n        return x\n",
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])\n\n    def forward(self, x):\n"
        "        for i, layer in enumerate(self.layers):\n            if i == 0:\n                continue  # error\n            x = layer(x)\n"
        "        return x\n",
        MODULE_HEADER + "\n\n@torch.jit.script\ndef f(x):\n    for k in (1, 2, 3):\n        if k == 2:\n            break  # error\n"
        "        x = x + k\n    return x\n",
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.heads = nn.ModuleDict({\"a\": nn.Linear(2, 2)})\n\n    def forward(self, x):\n"
        "        for head in self.heads.values():\n            x = head(x)\n            continue  # error\n        return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        loop = ctx.parent(node)
        while loop is not None and not isinstance(loop, (ast.For, ast.While, ast.FunctionDef)):
            loop = ctx.parent(loop)
        if not isinstance(loop, ast.For) or _in_orelse(ctx, node, loop):
            return
        what = _unrolled_iterable(ctx, loop.iter)
        if what:
            word = "break" if isinstance(node, ast.Break) else "continue"
            ctx.report(self, node, f"`{word}` inside a loop over {what}, which the compiler unrolls; guard the "
                                   f"loop body with a flag instead")

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, finding, (ast.Break, ast.Continue))
        return stub_statement(source, node, "pass") if isinstance(node, ast.stmt) else None


def _in_orelse(ctx: FunctionContext, node: ast.AST, loop: ast.For) -> bool:
    current = node
    while current is not None and ctx.parent(current) is not loop:
        current = ctx.parent(current)
    return current in loop.orelse


# ==================================================================================================
_TORCH_NN_CLASS = re.compile(r"^torch\.nn\.(?:modules\.\w+\.|parameter\.)?[A-Z]\w*$")


class ModuleConstructedInForward(Rule):
    """
    ## What it does
    Flags construction of `nn.Module`s (and `nn.Parameter`) inside compiled code, e.g.
    `nn.ReLU()(x)` in `forward`.

    ## Why is this bad?
    Modules are compiled from instances that exist when `torch.jit.script` runs; compiled code
    cannot create one: `Cannot instantiate class 'ReLU' in a script function` (for a project module
    whose type the compiler has already seen: `Class A does not have an __init__ function defined`). In eager mode it also creates fresh,
    untrained parameters on every call.

    ## Example
    ```python
    def forward(self, x):
        return nn.ReLU()(x)
    ```

    ## Use instead
    Create it in `__init__` (`self.act = nn.ReLU()`) or call the functional form (`F.relu(x)`).
    """

    code = "TS311"
    name = "module-in-forward"
    message = "nn.Module constructed in compiled code"
    compiler_message = "Cannot instantiate class"
    node_types = (ast.Call,)
    VALID = [
        MODULE_HEADER + "import torch.nn.functional as F\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.act = nn.ReLU()\n\n    def forward(self, x):\n        return self.act(x) + F.relu(x)\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def forward(self, x):\n        return nn.ReLU()(x)  # error\n",
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def forward(self, x):\n        w = torch.nn.Parameter(x)  # error\n"
        "        return w\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        resolved = ctx.resolve(node.func)  # type: ignore[attr-defined]
        if isinstance(resolved, External) and _TORCH_NN_CLASS.match(resolved.qualname):
            short = resolved.qualname.rsplit(".", 1)[-1]
            fix = "F.<op>(...)" if short != "Parameter" else "a Parameter created in `__init__`"
            ctx.report(self, node, f"`{short}(...)` built in compiled code: TorchScript cannot instantiate modules "
                                   f"('Cannot instantiate class {short!r}'); create it in `__init__` or use {fix}")
        elif isinstance(resolved, ClassRef) and ctx.project.is_nn_module(resolved):
            ctx.report(self, node, f"`{resolved.name}(...)` built in compiled code: TorchScript cannot construct "
                                   f"modules ('Cannot instantiate class {resolved.name!r}', or 'Class {resolved.name} "
                                   f"does not have an __init__ function defined'); create it in `__init__` and store it "
                                   f"as an attribute")


class RegisterInForward(Rule):
    """
    ## What it does
    Flags `self.register_buffer(...)`, `self.register_parameter(...)`, `self.add_module(...)` and
    `self.register_module(...)` in compiled methods.

    ## Why is this bad?
    A compiled module's attributes are fixed; these methods are not compiled. The messages are
    misleading: `Unknown type name 'torch.jit.ScriptModule'` (register_buffer, pytorch#58122),
    `Module 'M' has no attribute '__dict__'` (register_parameter), `Unknown type name 'Module'`
    (add_module).

    ## Example
    ```python
    def forward(self, x):
        self.register_buffer("last", x)
        return x
    ```

    ## Use instead
    Register in `__init__` (`self.register_buffer("last", torch.zeros(0))`) and assign the new value
    in `forward` (`self.last = x`).
    """

    code = "TS312"
    name = "register-in-forward"
    message = "registering buffers/parameters/submodules in compiled code"
    compiler_message = "Unknown type name 'torch.jit.ScriptModule'"
    node_types = (ast.Call,)
    VALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.register_buffer(\"last\", torch.zeros(2))\n\n    def forward(self, x):\n        self.last = x\n        return x\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def forward(self, x):\n        self.register_buffer(\"last\", x)  # error\n"
        "        return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        me = method_self(ctx)
        func = node.func  # type: ignore[attr-defined]
        if not (isinstance(func, ast.Attribute) and func.attr in ("register_buffer", "register_parameter", "add_module",
                                                                     "register_module")):
            return
        if self_attr(func, me) and ctx.class_ref is not None and ctx.project.is_nn_module(ctx.class_ref) \
                and not any(func.attr in f.all_methods for f in instance_facts(ctx)):
            ctx.report(self, node, f"`self.{func.attr}(...)` cannot run in compiled code; register it in `__init__` "
                                   f"and only assign the new value here")


# ==================================================================================================
_NUMPY_MAKERS = re.compile(r"^numpy\.(?:random\.\w+|array|asarray|ones|zeros|empty|full|arange|linspace|eye|"
                           r"identity|float\d*|int\d*|uint\d*|load|ones_like|zeros_like|stack|concatenate)$")


#: calls whose result is an object the compiler never converts (a class it cannot compile: no Python
#: source for its methods, so `can_compile_class` is False and the attribute is dropped)
_UNCONVERTIBLE_CALLS = {
    "functools.partial": "a `functools.partial` object",
}


def _untypable(ctx: FunctionContext, facts: ClassFacts, value: Optional[ast.expr], module: str,
               method: Optional[str] = None) -> Optional[str]:
    """Why the module attribute's runtime value has no TorchScript type, or None if it has one."""
    if isinstance(value, ast.List) and not value.elts:
        return "an empty list"
    if isinstance(value, ast.Dict) and not value.keys:
        return "an empty dict"
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and not value.args and not value.keywords:
        if value.func.id in ("list", "dict") and ctx.project.qualify(module, value.func.id) == value.func.id:
            return f"an empty {value.func.id}"
        if value.func.id == "set" and ctx.project.qualify(module, "set") == "set":
            return "a set"
    if isinstance(value, (ast.Set, ast.SetComp)):
        return "a set"
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in ("set", "frozenset") \
            and ctx.project.qualify(module, value.func.id) == value.func.id:
        return "a set"
    if isinstance(value, ast.Lambda):
        return "a lambda"
    if isinstance(value, (ast.List, ast.Dict)):
        # the compiler infers one element type (one key and one value type for a dict) from the
        # items and gives up when they differ; keys of a dict literal are checked like its values
        groups = [(value.elts, "")] if isinstance(value, ast.List) else [(value.keys, " with keys"), (value.values, "")]
        for items, what in groups:
            kinds = {const_type(e) for e in items}
            if None not in kinds and "NoneType" not in kinds and len(kinds) > 1:
                return (f"a {'list' if isinstance(value, ast.List) else 'dict'}{what} mixing "
                        f"{' and '.join(sorted(k for k in kinds if k))}")
    if isinstance(value, ast.Call):
        callee = dotted(value.func)
        qualified = ctx.project.qualify(module, callee) if callee else ""
        if _NUMPY_MAKERS.match(qualified):
            return "a numpy value"
        if qualified in _UNCONVERTIBLE_CALLS:
            return _UNCONVERTIBLE_CALLS[qualified]
        made = ctx.project.resolve(module, callee) if callee else None
        detail = _uncompilable_class(ctx.project, made) if isinstance(made, ClassRef) else None
        if detail:
            return f"a `{made.name}` instance ({detail})"  # type: ignore[union-attr]
    if isinstance(value, ast.Name) and method is not None:  # `self.config = config`, `config: BertConfig`
        ann = _param_annotation(facts, method, value.id, unchanged=True)
        name = dotted(ann) if ann is not None else None
        made = ctx.project.resolve(module, name) if name else None
        if isinstance(made, ClassRef) and not ctx.project.is_nn_module(made):
            detail = _uncompilable_class(ctx.project, made)
            if detail:
                return f"a `{made.name}` instance (the parameter `{value.id}: {name}`; {detail})"
    if isinstance(value, ast.IfExp) and method is not None:  # `cfg if cfg is not None else Config()`
        for made, other in ((value.orelse, value.body), (value.body, value.orelse)):
            why = _untypable(ctx, facts, made, module)
            if why and isinstance(made, ast.Call) and _defaulted_param(facts, method, value.test, other, made.func):
                return why
    return None


def _uncompilable_class(project: Project, ref: ClassRef) -> Optional[str]:
    """Why the compiler cannot compile the project class `ref` implicitly, or None."""
    why = dataclass_like(project, ref)
    if why:
        return f"{why}, which TorchScript cannot compile implicitly"
    method = _frontend_rejected_method(project, ref)
    if method:
        return (f"its method `{method}` takes `*args`, `**kwargs` or keyword-only arguments with defaults, so "
                f"TorchScript cannot compile the class")
    return None


def _frontend_rejected_method(project: Project, ref: ClassRef) -> Optional[str]:
    """A method of the plain class `ref` whose signature the compiler's frontend rejects, if any.

    An attribute holding an instance of a plain class is typed by compiling the class
    (`tryToInferType` -> `_recursive_compile_class`), which builds every method defined in the
    class's own body except static ones (`frontend.get_jit_class_def`); a signature with `*args`,
    `**kwargs` or keyword-only defaults fails there (`build_param_list`), the failure is swallowed
    and the attribute dropped. Only undecorated methods of an undecorated class whose bases (all
    the way up) are project classes or `object` are judged: anything else may change what is
    compiled, or how the value is typed (a `NamedTuple` is a tuple)."""
    info = project.cls(ref)
    node = class_def(project, ref)
    if info is None or node is None or node.decorator_list or node.keywords or project.is_nn_module(ref):
        return None
    for klass in project.mro(ref):  # a tuple, list or exception base changes how the value is typed
        base_node = class_def(project, klass)
        for base in base_node.bases if base_node is not None else [ast.Constant(None)]:
            name = dotted(base)
            if name != "object" and not isinstance(project.resolve(klass.module, name) if name else None, ClassRef):
                return None
    for stmt in node.body:
        if isinstance(stmt, ast.FunctionDef) and not stmt.decorator_list:
            args = stmt.args
            if args.vararg is not None or args.kwarg is not None or any(d is not None for d in args.kw_defaults):
                return stmt.name
    return None


def _defaulted_param(facts: ClassFacts, method: str, test: ast.expr, branch: ast.expr, cls: ast.expr) -> bool:
    """Is `branch` a parameter of `method` annotated `cls` / `Optional[cls]` that `test` compares with
    None (`cfg if cfg is not None else Config()`)? Then both branches hold a `cls` instance."""
    if not (isinstance(branch, ast.Name) and isinstance(test, ast.Compare) and len(test.ops) == 1
            and isinstance(test.ops[0], (ast.Is, ast.IsNot)) and isinstance(test.left, ast.Name)
            and test.left.id == branch.id and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value is None):
        return False
    want = dotted(cls)
    ann = _param_annotation(facts, method, branch.id)
    if ann is None:
        return False
    if isinstance(ann, ast.Subscript) and dotted(ann.value) in ("Optional", "typing.Optional"):
        ann = ann.slice
    elif isinstance(ann, ast.BinOp) and isinstance(ann.op, ast.BitOr):
        ann = ann.left if isinstance(ann.right, ast.Constant) and ann.right.value is None else ann.right
    return want is not None and dotted(ann) == want


def _param_annotation(facts: ClassFacts, method: str, param: str, unchanged: bool = False) -> Optional[ast.expr]:
    """The annotation of parameter `param` of `method` (a qualname in the class's hierarchy); with
    `unchanged`, only when the method never rebinds the parameter."""
    for fn in _method_defs(facts, method):
        if unchanged and param in _stored_names(fn):
            return None
        for arg in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs:
            if arg.arg == param:
                return arg.annotation
    return None


def _method_defs(facts: ClassFacts, method: str) -> Iterator[ast.FunctionDef]:
    """The definitions of `method` (a qualname `Class.name` in the class's hierarchy)."""
    return (fn for klass, fn in facts.all_methods.get(method.rpartition(".")[2], ())
            if f"{klass.name}.{member_key(fn)}" == method)


def _annotated_class(ctx: ClassContext, annotation: ast.expr) -> Optional[ClassRef]:
    """The project class an annotation names: `C`, `"C"`, `Optional[C]`, `C | None`."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return None
    if isinstance(annotation, ast.Subscript) and ctx.project.qualify(ctx.module, dotted(annotation.value) or "") in (
            "typing.Optional", "Optional"):
        annotation = annotation.slice
    elif isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        sides = [annotation.left, annotation.right]
        rest = [x for x in sides if not (isinstance(x, ast.Constant) and x.value is None)]
        if len(rest) != 1:
            return None
        annotation = rest[0]
    name = dotted(annotation)
    resolved = ctx.project.resolve(ctx.module, name) if name else None
    return resolved if isinstance(resolved, ClassRef) else None


class AnnotatedDataclassAttribute(Rule):
    """
    ## What it does
    Flags a class-body annotation on an `nn.Module` (`config: BertConfig`) that names a dataclass, or a
    class PEP 681 makes dataclass-like (`@dataclass_transform`), when instances hold that attribute.

    ## Why is this bad?
    The compiler types module attributes from class-body annotations, so it must compile the
    annotated class as a TorchScript class. Compiled implicitly, a dataclass fails before any method
    of the module is read, with no source location: `OSError: Failed to get source for <function
    BertConfig.__init__> using inspect.getsource` (the dataclass machinery generates `__init__`,
    `__repr__`, `__eq__` without source).

    ## Example
    ```python
    @dataclass
    class Config:
        scale: float = 2.0

    class Net(nn.Module):
        config: Config

        def __init__(self, config: Config):
            super().__init__()
            self.config = config
    ```

    ## Use instead
    Copy the fields compiled code needs into plain attributes in `__init__` (`self.scale =
    config.scale`) and drop the annotation, or list the attribute in `__jit_ignored_attributes__`
    (`__jit_ignored_attributes__ = ["config"]`) so the compiler skips it.
    """

    code = "TS318"
    name = "annotated-dataclass-attribute"
    message = "module attribute annotated with a dataclass TorchScript cannot compile"
    compiler_message = "Failed to get source for"
    node_types = ()
    VALID = [
        MODULE_HEADER + _DATACLASS_CONFIG + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.config = Config()\n        self.scale = self.config.scale\n\n"
        "    def forward(self, x):\n        return x * self.scale\n",
        # ignored attributes are never typed
        MODULE_HEADER + _DATACLASS_CONFIG + "\n\nclass Net(nn.Module):\n    config: Config\n"
        "    __jit_ignored_attributes__ = [\"config\"]\n\n    def __init__(self):\n        super().__init__()\n"
        "        self.config = Config()\n\n    def forward(self, x):\n        return x\n",
    ]
    INVALID = [
        MODULE_HEADER + _DATACLASS_CONFIG + "\n\nclass Net(nn.Module):\n    config: Config  # error\n\n"
        "    def __init__(self):\n        super().__init__()\n        self.config = Config()\n\n"
        "    def forward(self, x):\n        return x\n",
    ]

    def check_class(self, ctx: ClassContext) -> None:
        if not ctx.is_module:
            return
        facts = class_facts(ctx.project, ctx.ref)
        ignored = _ignored_attributes(ctx.project, ctx.ref)
        if facts is None or ignored is None:
            return
        for stmt in ctx.node.body:
            if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
                continue
            name = stmt.target.id
            if name in ignored or not (facts.init_assignments(name) or name in facts.registered):
                continue  # the annotation is read only for attributes instances hold
            target = _annotated_class(ctx, stmt.annotation)
            why = dataclass_like(ctx.project, target) if target is not None and not ctx.project.is_nn_module(target) else None
            if why:
                ctx.report(self, stmt, f"`{name}: {ast.unparse(stmt.annotation)}` makes TorchScript compile "  # type: ignore[union-attr]
                                       f"`{target.name}`, {why} whose generated methods have no source: scripting "
                                       f"fails ('Failed to get source for {target.name}.__init__'); list `{name}` in "
                                       f"`__jit_ignored_attributes__` or copy the fields compiled code needs into "
                                       f"plain attributes")


def _ignored_attributes(project: Project, ref: ClassRef) -> Optional[set[str]]:
    """`__jit_ignored_attributes__` of the class (inherited through the project MRO); None when it is
    not a literal list."""
    for klass in project.mro(ref):
        node = class_def(project, klass)
        for stmt in node.body if node is not None else ():
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                if any(isinstance(t, ast.Name) and t.id == "__jit_ignored_attributes__" for t in targets):
                    value = stmt.value
                    if not isinstance(value, (ast.List, ast.Tuple)) or not all(str_literal(e) for e in value.elts):
                        return None
                    return {str_literal(e) for e in value.elts}  # type: ignore[misc]
    return set()


class RaisingProperty(Rule):
    """
    ## What it does
    Flags a property of a scripted `nn.Module` whose getter raises an exception other than
    `AttributeError` whenever it is read, e.g. `raise RuntimeError("not supported")` as its body.

    ## Why is this bad?
    Before compiling anything, `torch.jit.script` reads every attribute of the module's class with
    `getattr(module, name, None)` (`torch.jit._recursive.get_overload_annotations`), which runs each
    property getter. `getattr` with a default swallows only `AttributeError`: any other exception
    escapes and `torch.jit.script` fails with the getter's own message, at the `raise` (even for a
    property named in `__jit_unused_properties__` or with an `@torch.jit.unused` getter).

    ## Example
    ```python
    class Net(nn.Module):
        @property
        def matrix(self) -> Optional[torch.Tensor]:
            raise RuntimeError("matrices are not supported")
    ```

    ## Use instead
    Raise `AttributeError` (what `getattr` treats as a missing attribute), or name the property in
    `__jit_ignored_attributes__` (`__jit_ignored_attributes__ = ["matrix"]`), which the compiler skips.
    """

    code = "TS319"
    name = "raising-property"
    message = "property getter raises when torch.jit.script reads it"
    compiler_message = "not supported"
    VALID = [
        MODULE_HEADER + "from typing import Optional\n\n\nclass Net(nn.Module):\n    def forward(self, x):\n        return x\n\n"
        "    @property\n    def matrix(self) -> Optional[torch.Tensor]:\n        raise AttributeError(\"matrices are not supported\")\n",
        MODULE_HEADER + "from typing import Optional\n\n\nclass Net(nn.Module):\n    __jit_ignored_attributes__ = [\"matrix\"]\n\n"
        "    def forward(self, x):\n        return x\n\n"
        "    @property\n    def matrix(self) -> Optional[torch.Tensor]:\n        raise RuntimeError(\"matrices are not supported\")\n",
        MODULE_HEADER + "from typing import Optional\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.ready = True\n\n    def forward(self, x):\n        return x\n\n"
        "    @property\n    def matrix(self) -> Optional[torch.Tensor]:\n        if not self.ready:\n"
        "            raise RuntimeError(\"matrices are not supported\")\n        return None\n",
    ]
    INVALID = [
        MODULE_HEADER + "from typing import Optional\n\n\nclass Net(nn.Module):\n    def forward(self, x):\n        return x\n\n"
        "    @property\n    def matrix(self) -> Optional[torch.Tensor]:\n        \"\"\"The transformation matrix.\"\"\"\n"
        "        raise RuntimeError(\"matrices are not supported\")  # error\n",
        MODULE_HEADER + "from typing import Optional\n\n\nclass Base(nn.Module):\n    @property\n    def matrix(self) -> Optional[torch.Tensor]:\n"
        "        raise NotImplementedError(\"matrices are not supported\")  # error\n\n\n"
        "class Net(Base):\n    def forward(self, x):\n        return x\n",
    ]

    def check_function(self, ctx: FunctionContext) -> None:
        if not ctx.info.class_name or ctx.context != "script":
            return
        decorators = set(ctx.project.decorator_qualnames(ctx.module, ctx.info.decorators))
        if not decorators & {"property", "builtins.property"}:
            return
        cls = ClassRef(ctx.module, ctx.info.class_name)
        ignored = _ignored_attributes(ctx.project, cls) if ctx.project.is_nn_module(cls) else None
        if ignored is None or ctx.info.name in ignored:
            return  # not a module, or the compiler skips the name (or which names it skips is unknown)
        body = ctx.node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]  # the docstring
        stmt = body[0] if body else None
        if not isinstance(stmt, ast.Raise) or stmt.exc is None:
            return
        exc = dotted(stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc)
        resolved = ctx.project.resolve(ctx.module, exc) if exc else None
        if exc not in _NOT_ATTRIBUTE_ERRORS or not (resolved is None or (
                isinstance(resolved, External) and resolved.qualname in (exc, f"builtins.{exc}"))):
            return  # AttributeError, or a name bound to something else (a project class may derive from it)
        ctx.report(self, stmt, f"property `{ctx.info.name}` raises {exc} whenever it is read, and torch.jit.script "
                               f"reads every property of the module first (`getattr(module, name, None)` lets only "
                               f"AttributeError through), so scripting fails with this exception; raise AttributeError, "
                               f"or list it in `__jit_ignored_attributes__`")


#: builtin exceptions that are not `AttributeError`: what `getattr(obj, name, default)` lets escape
_NOT_ATTRIBUTE_ERRORS = frozenset({
    "Exception", "RuntimeError", "NotImplementedError", "ValueError", "TypeError", "KeyError", "IndexError",
    "AssertionError", "LookupError", "ArithmeticError", "ZeroDivisionError", "OSError", "IOError", "ImportError",
})


class UntypableAttribute(Rule):
    """
    ## What it does
    Flags uses in compiled code of module attributes whose `__init__` value has no TorchScript type:
    an empty list or dict without a class-level annotation, a list or dict mixing element (or key)
    types, a numpy array or scalar, a set, a lambda, a `functools.partial` object, an instance of a
    dataclass (which the compiler cannot compile implicitly: its generated methods have no source), or
    an instance of a plain class with a method whose signature the compiler rejects (`*args`,
    `**kwargs`): the compiler types such an attribute by compiling its class, and when that fails
    it drops the attribute without a word. An annotation written in `__init__`
    (`self.names: List[str] = []`) does not help: the compiler ignores it for modules.

    ## Why is this bad?
    Module attributes are typed from their runtime value; when that fails the attribute is dropped,
    and the first use fails: `Module 'M' has no attribute 'names' (This attribute exists on the
    Python module, but we failed to convert Python type: 'list' to a TorchScript type. ...)`.
    (Unused attributes are fine.)

    ## Example
    ```python
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.names: List[str] = []
        def forward(self, x):
            return x + len(self.names)
    ```

    ## Use instead
    ```python
    class Net(nn.Module):
        names: List[str]            # the class-body annotation is what the compiler reads
        def __init__(self):
            super().__init__()
            self.names = []
    ```
    Convert numpy values to tensors (`torch.from_numpy(...)` in `__init__`, registered as a buffer),
    sets to lists, lambdas and `functools.partial` objects to methods.
    """

    code = "TS313"
    name = "untypable-attribute"
    message = "module attribute whose value has no TorchScript type"
    compiler_message = "to a TorchScript type"
    node_types = (ast.Attribute,)
    VALID = [
        MODULE_HEADER + "from typing import List\n\n\nclass Net(nn.Module):\n    names: List[str]\n\n    def __init__(self):\n"
        "        super().__init__()\n        self.names = []\n\n    def forward(self, x):\n        return x + len(self.names)\n",
        # unused: the failed attribute is only reported when used
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.cfg = [1, \"a\"]\n\n"
        "    def forward(self, x):\n        return x\n",
        # a plain class that compiles: the attribute is an object of a TorchScript class
        MODULE_HEADER + "\n\nclass Helper:\n    def __init__(self, k: int = 2):\n        self.k = k\n\n"
        "    def run(self, x):\n        return x * self.k\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.helper = Helper()\n\n    def forward(self, x):\n"
        "        return self.helper.run(x)\n",
        # a function stored as an attribute is compiled as one
        MODULE_HEADER + "import torch.nn.functional as F\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.act = F.relu\n\n    def forward(self, x):\n        return self.act(x)\n",
        # filled in __init__: the runtime value is a non-empty list of str
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.names = []\n"
        "        self.names.append(\"a\")\n\n    def forward(self, x):\n        return x + len(self.names)\n",
        # a dataclass read only in __init__: the untypable attribute is never used by compiled code
        MODULE_HEADER + _DATACLASS_CONFIG + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.config = Config()\n        self.scale = self.config.scale\n\n"
        "    def forward(self, x):\n        return x * self.scale\n",
    ]
    INVALID = [
        MODULE_HEADER + "from typing import List\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.names: List[str] = []\n\n    def forward(self, x):\n        return x + len(self.names)  # error\n",
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.cfg = [1, \"a\"]\n\n"
        "    def forward(self, x):\n        return x + len(self.cfg)  # error\n",
        MODULE_HEADER + "import numpy as np\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.w = np.ones(3)\n\n    def forward(self, x):\n        return x + self.w[0]  # error\n",
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.keys = {\"a\"}\n\n"
        "    def forward(self, x):\n        if \"a\" in self.keys:  # error\n            return x\n        return x + 1\n",
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.ids = {\"a\": 1, 2: 3}\n\n"
        "    def forward(self, x):\n        return x + len(self.ids)  # error\n",
        # a plain class whose own method the compiler's frontend rejects: the class does not compile
        MODULE_HEADER + "\n\nclass Helper:\n    def __init__(self, k: int = 2):\n        self.k = k\n\n"
        "    def run(self, x, **kw):\n        return x * self.k\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.helper = Helper()\n\n    def forward(self, x):\n"
        "        return x * self.helper.k  # error\n",
        # a C-implemented callable object: the compiler cannot compile its class
        MODULE_HEADER + "import functools\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.act = functools.partial(torch.clamp, min=0.0)\n\n    def forward(self, x):\n        return self.act(x)  # error\n",
        # a dataclass instance: implicitly compiling the dataclass fails, so the attribute is dropped
        MODULE_HEADER + _DATACLASS_CONFIG + "\n\nclass Net(nn.Module):\n    def __init__(self, config: Optional[Config] = None):\n"
        "        super().__init__()\n        self.config = config if config is not None else Config()\n\n"
        "    def forward(self, x):\n        return x * self.config.scale  # error\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        me = method_self(ctx)
        name = self_attr(node, me)
        if not name or not isinstance(node.ctx, ast.Load) or externally_assigned(ctx.project, name, overwrite_only=True):  # type: ignore[attr-defined]
            return
        current = ctx.info.qualname
        reasons: set[str] = set()
        annotated = conditional = False

        def bad(f: ClassFacts) -> bool:
            nonlocal annotated, conditional
            if not (f.is_module and f.hierarchy_complete and f.init_complete) or name in f.annotations \
                    or name in f.registered:
                return False
            if f.other_assignments(name, current) or (f.mutated.get(name, set()) - {current}):
                return False
            assigns = f.init_assignments(name)
            if not assigns:
                return False
            for a in assigns:
                why = _untypable(ctx, f, a.value, f.methods_module(a.method), a.method)
                if why is None:
                    return False
                reasons.add(why)
                annotated |= a.annotated
                conditional |= not _runs_always(f, a)
            return True

        if not for_all(ctx, bad) or not reasons:
            return
        why = " / ".join(sorted(reasons))
        if annotated:
            hint = (f"the annotation on `self.{name}` in `__init__` is ignored for modules; move it to the class "
                    f"body (`{name}: <type>`)")
        elif any(r.startswith("an empty") for r in reasons):
            hint = f"annotate it in the class body (`{name}: List[str]` / `Dict[str, int]`)"
        else:
            hint = "store a value TorchScript can type (a tensor, a homogeneous list/dict, a tuple, a method)"
        absent = (" (when `__init__` sets it at all; where it does not, the attribute is missing: 'has no "
                  "attribute')") if conditional else ""
        ctx.report(self, node, f"`self.{name}` is {why} after `__init__`{absent}, which TorchScript cannot type, so the "
                               f"attribute is dropped and this use fails; {hint}")


def _runs_always(facts: ClassFacts, assignment: Assignment) -> bool:
    """Is the assignment a statement of its method's own body (not under an `if`, a loop, a `try`)?"""
    fn = next(_method_defs(facts, assignment.method), None)
    return fn is not None and assignment.node in fn.body


class UndefinedAttribute(Rule):
    """
    ## What it does
    Flags `self.x` in compiled code when no `x` exists anywhere: not assigned in any method of the
    class hierarchy, not registered, not declared in a class body, not an `nn.Module` member. It
    stays silent when the hierarchy leaves the project or anything creates attributes dynamically
    (`setattr` with a computed name, `__getattr__`, `self.__dict__`, attributes set from outside).
    Where a root module is scripted as a zero-argument construction builds it, it also flags
    `self.x` when the class's own `__init__` sets `x` only under conditions that its default
    arguments make false (`if act: self.prelu = ...` with `act=False`), and nothing else provides it;
    and reads of nn.Module's bookkeeping (`self._modules`, `self._parameters`, `self._buffers`, the
    hook dicts), which the compiler leaves out of a scripted module.

    ## Why is this bad?
    `Module 'M' has no attribute 'x'` (eager Python would raise `AttributeError` at the same place,
    unless the branch is never taken there). The compiler types module attributes from the instance
    after `__init__` (`infer_concrete_type_builder`), and compiles a branch tested on a plain
    attribute (`if self.act:`) whatever its value, so a member `__init__` skipped is missing there.

    ## Example
    ```python
    def forward(self, x):
        return x * self.scale      # never assigned
    ```

    ## Use instead
    Assign it in `__init__`, or guard optional members with `if hasattr(self, "scale"):` (a static
    condition for the compiler).
    """

    code = "TS314"
    name = "undefined-attribute"
    message = "attribute is never defined"
    compiler_message = "has no attribute"
    node_types = (ast.Attribute,)
    VALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.register_buffer(\"scale\", torch.ones(1))\n\n    def forward(self, x):\n"
        "        if hasattr(self, \"shift\"):\n            x = x + self.shift\n        return x * self.scale\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def forward(self, x):\n        return x * self.scale  # error\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        me = method_self(ctx)
        name = self_attr(node, me)
        if not name or isinstance(node.ctx, ast.Del) or externally_assigned(ctx.project, name):  # type: ignore[attr-defined]
            return
        if isinstance(node.ctx, ast.Store) and not isinstance(ctx.parent(node), ast.AugAssign):  # type: ignore[attr-defined]
            return
        if probes_attribute(ctx, me or "self", name):
            return

        def bad(f: ClassFacts) -> bool:
            return (f.complete and f.init_complete and "<self>" not in f.mutated and not f.defined_anywhere(name)
                    and not name.startswith("__"))

        if for_all(ctx, bad):
            ctx.report(self, node, f"`self.{name}` is never defined on this class or its bases "
                                   f"('has no attribute {name!r}'); assign it in `__init__`")
            return

        def hidden(f: ClassFacts) -> bool:
            return (f.is_module and name in NN_MODULE_HIDDEN and not f.declared_in_class(name)
                    and name not in f.assigned and name not in f.registered
                    and (f.complete or _plain_torch_nn_hierarchy(ctx.project, f)))

        if for_all(ctx, hidden):
            ctx.report(self, node, f"`self.{name}` is nn.Module bookkeeping, which a scripted module does not carry "
                                   f"('has no attribute {name!r}'); use the public API the compiler supports "
                                   f"(`self.children()`, `self.named_modules()`, a `ModuleList`)")
            return
        conditions: list[ast.expr] = []

        def absent(f: ClassFacts) -> bool:
            found = absent_by_default(f, name) if f.complete and f.init_complete and "<self>" not in f.mutated else None
            conditions.extend([found] if found is not None else [])
            return found is not None

        if ctx.built_without_args and for_all(ctx, absent):
            ctx.report(self, node, f"`self.{name}` is set in `__init__` only when `{ast.unparse(conditions[0])}`, "
                                   f"which is false with the constructor's default arguments: a module built so has "
                                   f"no `{name}`, yet TorchScript compiles this line ('has no attribute {name!r}'); "
                                   f"assign it in every branch (an optional layer: `nn.Identity()`)")


def _assigned_type(ctx: FunctionContext, value: ast.expr) -> Optional[str]:
    """A type name for values whose type is certain: literals, and (for None checks) anything that
    is provably not None."""
    kind = const_type(value)
    if kind:
        return kind
    if isinstance(value, (ast.List, ast.Tuple, ast.Dict, ast.ListComp, ast.DictComp, ast.BinOp, ast.JoinedStr)):
        return "not-None"
    if isinstance(value, ast.Name) and value.id in ctx.info.params and value.id not in _stored_names(ctx.node):
        arg = next((a for a in ctx.node.args.posonlyargs + ctx.node.args.args + ctx.node.args.kwonlyargs
                    if a.arg == value.id), None)
        if arg is not None and arg.annotation is None and not _has_none_default(ctx.node, value.id):
            return "Tensor"  # an unannotated parameter is a Tensor
        simple = dotted(arg.annotation) if arg is not None and arg.annotation is not None else None
        if simple in ("int", "float", "str", "bool"):
            return simple
        if simple in ("Tensor", "torch.Tensor"):
            return "Tensor"
    if isinstance(value, ast.Call):
        qual = ctx.qualname(value.func) or ""
        if qual.startswith("torch.") and qual.split(".")[1] in {"zeros", "ones", "empty", "full", "rand", "randn",
                                                                 "arange", "tensor", "cat", "stack", "zeros_like",
                                                                 "ones_like"}:
            return "Tensor"
    return None


def _checked_type(ctx: FunctionContext, value: ast.expr) -> Optional[str]:
    """What the type checker knows of a value `_assigned_type` cannot read from its syntax (`x.detach()`,
    a submodule's result): its type name for a Tensor or a scalar, "not-None" for any other fully
    known type that is not Optional (an attribute typed NoneType rejects it all the same)."""
    t = ctx.types.type_of(value)
    if not t.known or t.kind in ("Optional", "NoneType", "Any", "Union"):
        return None
    return t.kind if t.kind in ("Tensor", "int", "float", "bool", "str") else "not-None"


def _inferred_module_attribute(project: Project, f: ClassFacts, name: str) -> bool:
    """Is `name` a plain attribute of a module whose TorchScript type can only come from its runtime value
    after `__init__` (no class-level annotation anywhere, not a constant, parameter, buffer or submodule
    registration, not `torch.jit.Attribute`), with every class of the hierarchy visible or in torch.nn?"""
    if not f.is_module or name in f.annotations or name in f.constants or name in f.registered or f.builtin(name):
        return False
    if name in f.all_methods or any(m in f.all_methods for m in ("__setattr__", "__getattr__", "__getattribute__")):
        return False
    assigns = f.init_assignments(name)
    if not assigns:
        return False
    for a in assigns:
        callee = dotted(a.value.func) if isinstance(a.value, ast.Call) else None
        if callee and project.qualify(f.methods_module(a.method), callee) in ("torch.jit.Attribute", "torch.jit.annotate"):
            return False
    return _plain_torch_nn_hierarchy(project, f)


def _plain_torch_nn_hierarchy(project: Project, f: ClassFacts) -> bool:
    """Is every class of the hierarchy visible without a metaclass or class decorator (which could
    declare names), every base outside the project in torch.nn (or `object`)?"""
    for klass in project.mro(f.ref):
        node = class_def(project, klass)
        if node is None or node.keywords or any(
                project.qualify(klass.module, dotted(d.func if isinstance(d, ast.Call) else d) or "") not in _SCRIPT_CLASS
                for d in node.decorator_list):
            return False
    return all(q.startswith("torch.nn.") or q in ("object", "builtins.object") for q in project.external_bases(f.ref))


def _has_none_default(fn: ast.FunctionDef, name: str) -> bool:
    args = fn.args.posonlyargs + fn.args.args
    defaults = [None] * (len(args) - len(fn.args.defaults)) + list(fn.args.defaults)
    for arg, default in list(zip(args, defaults)) + list(zip(fn.args.kwonlyargs, fn.args.kw_defaults)):
        if arg.arg == name:
            return default is not None
    return False


class AttributeTypeChange(Rule):
    """
    ## What it does
    Flags assignments in compiled code that change an attribute's type from the one `__init__`
    gave it: most often an attribute initialized to `None` (even when annotated
    `self.x: Optional[T] = None` in `__init__`, which modules and script classes ignore), or an int
    attribute assigned a float; and `Optional` values stored in a module attribute without a
    class-level annotation (typed from its runtime value, which is never `Optional`), for example in
    a property setter, which is compiled with the module.

    ## Why is this bad?
    The attribute's type is fixed at compile time from its `__init__` value: `Wrong type for
    attribute assignment. Expected NoneType but got Tensor`.

    ## Example
    ```python
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.last = None
        def forward(self, x):
            self.last = x
            return x
    ```

    ## Use instead
    Declare the type in the class body: `last: Optional[torch.Tensor]` (modules), or in a script
    class assign `torch.jit.annotate(Optional[torch.Tensor], None)` in `__init__`. Keep numeric
    attributes one type (`self.scale = 1.0`).
    """

    code = "TS315"
    name = "attribute-type-change"
    message = "attribute assigned a value of another type than its __init__ value"
    compiler_message = "Wrong type for attribute assignment"
    node_types = (ast.Assign,)
    VALID = [
        MODULE_HEADER + "from typing import Optional\n\n\nclass Net(nn.Module):\n    last: Optional[torch.Tensor]\n\n"
        "    def __init__(self):\n        super().__init__()\n        self.last = None\n        self.count = 0\n\n"
        "    def forward(self, x):\n        self.last = x\n        self.count += 1\n        return x\n",
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.rows = 0\n\n"
        "    def forward(self, x):\n        self.rows = x.size(0)\n        return x\n",
        MODULE_HEADER + "from typing import Optional\n\n\nclass Net(nn.Module):\n    _keep: Optional[bool]\n\n"
        "    def __init__(self, keep: Optional[bool] = None):\n        super().__init__()\n        self._keep = keep\n\n"
        "    @property\n    def keep(self) -> Optional[bool]:\n        return self._keep\n\n    @keep.setter\n"
        "    def keep(self, keep: Optional[bool]) -> None:\n        self._keep = keep\n\n    def forward(self, x):\n"
        "        return x\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.last = None\n\n"
        "    def forward(self, x):\n        self.last = x  # error\n        return x\n",
        # a value whose type only the type checker knows (a method's result)
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(4, 4)\n        self.last = None\n\n    def forward(self, x):\n        y = self.fc(x)\n"
        "        self.last = y.detach()  # error\n        return y\n",
        MODULE_HEADER + "from typing import Optional\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.last: Optional[torch.Tensor] = None\n\n    def forward(self, x):\n        self.last = x  # error\n        return x\n",
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.scale = 1\n\n"
        "    def forward(self, x):\n        self.scale = 0.5  # error\n        return x\n",
        MODULE_HEADER + "from typing import Optional\n\n\n@torch.jit.script\nclass Box:\n    def __init__(self):\n"
        "        self.v: Optional[int] = None\n\n    def put(self, k: int):\n        self.v = k  # error\n",
        # an Optional value into an attribute typed from its runtime value (bool here), via a property
        # setter, which the compiler compiles with the module whether or not forward uses it
        MODULE_HEADER + "from typing import Optional\n\n\nclass Net(nn.Module):\n    def __init__(self, keep: Optional[bool] = True):\n"
        "        super().__init__()\n        self._keep = keep\n\n    @property\n    def keep(self) -> Optional[bool]:\n"
        "        return self._keep\n\n    @keep.setter\n    def keep(self, keep: Optional[bool]) -> None:\n"
        "        self._keep = keep  # error\n\n    def forward(self, x):\n        return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        if ctx.info.name == "__init__":
            return
        me = method_self(ctx)
        if not any(is_self_store(t, me) for t in node.targets):  # type: ignore[attr-defined]
            return  # only `self.x = ...` can change an attribute's type: skip the type look-ups
        value = node.value  # type: ignore[attr-defined]
        new = _assigned_type(ctx, value) or _checked_type(ctx, value)
        if new is None:
            self._optional_value(node, ctx, me, value)
            return
        if new == "NoneType":
            return
        for target in node.targets:  # type: ignore[attr-defined]
            name = is_self_store(target, me)
            if not name or externally_assigned(ctx.project, name, overwrite_only=True):
                continue
            old_types: set[str] = set()
            annotated = False
            current = ctx.info.qualname

            def bad(f: ClassFacts) -> bool:
                nonlocal annotated
                if not (f.hierarchy_complete and f.init_complete) or name in f.registered or name in f.constants:
                    return False
                if f.is_module and name in f.annotations:
                    return False
                if f.other_assignments(name, current) or f.mutated.get(name, set()) - {current}:
                    return False
                assigns = f.init_assignments(name)
                if not assigns:
                    return False
                for a in assigns:
                    old = const_type(a.value)
                    if old is None:
                        return False
                    old_types.add(old)
                    annotated |= a.annotated
                return len(old_types) == 1

            if not for_all(ctx, bad):
                continue
            old = old_types.pop()
            if old == new or (new == "not-None" and old != "NoneType") or (old, new) == ("int", "bool"):
                continue
            if old == "NoneType":
                hint = (f"declare `{name}: Optional[...]` in the class body" if ctx.project.is_nn_module(ctx.class_ref)  # type: ignore[arg-type]
                        else "assign `torch.jit.annotate(Optional[...], None)` in `__init__`")
                extra = " (the annotation in `__init__` is ignored)" if annotated else ""
                msg = (f"`self.{name}` is None after `__init__`, so TorchScript types it NoneType{extra} and this "
                       f"assignment fails ('Wrong type for attribute assignment'); {hint}")
            else:
                shown = "a Tensor" if new == "Tensor" else f"a {new}"
                msg = (f"`self.{name}` is {old} after `__init__` but is assigned {shown} here ('Wrong type for attribute "
                       f"assignment'); give it one type (e.g. initialize it as {new})")
            ctx.report(self, target, msg)



    def _optional_value(self, node: ast.AST, ctx: FunctionContext, me: Optional[str], value: ast.expr) -> None:
        """A value typed `Optional[T]` stored in a module attribute the compiler types from its runtime
        value: inference gives NoneType or T, never Optional, so the assignment fails either way."""
        t = ctx.types.type_of(value)
        if t.kind != "Optional" or not t.known:
            return
        for target in node.targets:  # type: ignore[attr-defined]
            name = is_self_store(target, me)
            if not name or externally_assigned(ctx.project, name, overwrite_only=True):
                continue
            if for_all(ctx, lambda f: _inferred_module_attribute(ctx.project, f, name)):  # noqa: B023
                ctx.report(self, target, f"`self.{name}` has no class-level annotation, so TorchScript types it from "
                                         f"its value after `__init__` (None or a concrete value, never Optional), and "
                                         f"this `{t}` cannot be stored in it ('Wrong type for attribute assignment'); "
                                         f"declare `{name}: {t}` in the class body")
# ==================================================================================================
_DTYPES = frozenset("""bfloat16 bool cdouble cfloat chalf complex128 complex32 complex64 double float float16 float32
float64 half int int16 int32 int64 int8 long short uint8 uint16 uint32 uint64 qint8 quint8 qint32""".split())
_TENSOR_MAKERS = frozenset("tensor ones zeros full empty rand randn arange linspace eye as_tensor".split())


def _global_value(project: Project, module: str, name: str, depth: int = 0) -> Optional[tuple[str, Value]]:
    """(module, value) of a module-level variable named `name` in `module` (following imports)."""
    summary = project.summary(module)
    if summary is None or depth > 4:
        return None
    if name in summary.imports:
        target = summary.imports[name]
        owner, _, attr = target.rpartition(".")
        if owner and attr and owner in project.by_module:
            return _global_value(project, owner, attr, depth + 1)
        return None
    if name in summary.functions or name in summary.classes or name not in summary.globals:
        return None
    return module, summary.globals[name]


#: builtins whose result is always a plain Python value (the type the compiler names), when unshadowed
_PLAIN_BUILTINS = {
    "set": "set", "frozenset": "frozenset", "tuple": "tuple", "list": "list", "dict": "dict", "int": "int",
    "float": "float", "str": "str", "bool": "bool", "len": "int", "sorted": "list",
}
#: module-level expressions whose value is plain whatever their operands are
_PLAIN_EXPRESSIONS = {"Set": "set", "SetComp": "set", "DictComp": "dict", "JoinedStr": "str", "Compare": "bool"}
#: callees whose results may be first-class in TorchScript (script functions, enum members, custom
#: classes, operators) or types: a global holding one of them is not judged by its position
_OPAQUE_RESULTS = ("torch.jit.", "torch.classes.", "torch.ops.", "torch._ops.", "enum.", "typing.",
                   "typing_extensions.", "collections.", "functools.", "dataclasses.", "types.")


def _unshadowed_builtin(project: Project, module: str, name: str) -> bool:
    summary = project.summary(module)
    defined = summary is not None and (name in summary.functions or name in summary.classes or name in summary.globals)
    return not defined and project.qualify(module, name) == name


def _plain_kind(project: Project, module: str, value: Value) -> Optional[str]:
    """The Python type the compiler would report for a plain global value, or None."""
    kind = value[0] if value else ""
    if kind == "const":
        return value[1] if value[1] not in ("None", "bytes", "ellipsis") else None
    if kind == "other" and value[1] in _PLAIN_EXPRESSIONS:
        return _PLAIN_EXPRESSIONS[value[1]]
    if kind == "listcomp":
        return "list"
    if kind == "call" and value[1] in _PLAIN_BUILTINS and _unshadowed_builtin(project, module, value[1]):
        return _PLAIN_BUILTINS[value[1]]
    if kind in ("tuple", "list"):
        return kind if all(_plain_kind(project, module, v) for v in value[1]) else None
    if kind == "dict":
        return "dict" if all(_plain_kind(project, module, k) and _plain_kind(project, module, v) for k, v in value[1]) else None
    if kind == "attr":
        qual = project.qualify(module, value[1])
        if qual.startswith("torch.") and qual.count(".") == 1 and qual.split(".")[1] in _DTYPES:
            return "dtype"
    if kind == "call" and value[1]:
        qual = project.qualify(module, value[1])
        if qual.startswith("torch.") and qual.count(".") == 1 and qual.split(".")[1] in _TENSOR_MAKERS:
            return "Tensor"
    return None


def _call_result_of(project: Project, module: str, value: Value) -> Optional[str]:
    """The callee of a global set from a call whose result cannot be first-class in TorchScript (not a
    script function, operator, enum member, custom class or type), else None."""
    if value[0] != "call" or not value[1]:
        return None
    qual = project.qualify(module, value[1])
    if qual.startswith(_OPAQUE_RESULTS):
        return None
    resolved = project.resolve(module, value[1])
    if isinstance(resolved, ClassRef) and any(q.startswith("enum.") for q in project.external_bases(resolved)):
        return None
    return value[1]


def _forces_value(ctx: FunctionContext, node: ast.AST) -> bool:
    """Is the name read where only a first-class value can stand: an operand of `and`/`or`/`not`/
    arithmetic, a condition, the container of `in`, an f-string field? There, whatever a global holds
    (bool, str, module, function, None) is rejected; only an enum member could pass, and none fits
    these positions."""
    parent = ctx.parent(node)
    if isinstance(parent, (ast.BoolOp, ast.UnaryOp, ast.BinOp, ast.FormattedValue)):
        return True
    if isinstance(parent, (ast.If, ast.While, ast.IfExp, ast.Assert)):
        return parent.test is node
    if isinstance(parent, ast.Compare):
        return any(c is node and isinstance(op, (ast.In, ast.NotIn)) for op, c in zip(parent.ops, parent.comparators))
    return False


class GlobalValue(Rule):
    """
    ## What it does
    Flags module-level variables holding plain values (numbers, strings, bools, tuples, lists,
    dicts, sets, dtypes, tensors) read by bare name in compiled code, including ones imported from
    another project module (`from .consts import EPS`), and globals set from a call
    (`HAS_MKLDNN = torch.backends.mkldnn.is_available()`) where they are read as values: in `and`,
    `or`, `not`, arithmetic, a condition, the container of `in`, an f-string.

    ## Why is this bad?
    TorchScript does not capture Python globals: `python value of type 'float' cannot be used as a
    value. Perhaps it is a closed over global variable?` (`Final` at module level does not help.)

    ## Example
    ```python
    EPS = 1e-5

    @torch.jit.script
    def normalize(x):
        return x / (x.norm() + EPS)
    ```

    ## Use instead
    Pass it as an argument with a default (`eps: float = 1e-5`), make it a module constant
    (`__constants__` / `Final`), or read it as a module attribute (`consts.EPS`, which the compiler
    folds into a constant).
    """

    code = "TS316"
    name = "global-value"
    message = "module-level variable read by bare name"
    compiler_message = "cannot be used as a value. Perhaps it is a closed over global variable?"
    node_types = (ast.Name,)
    VALID = [
        MODULE_HEADER + "import math\nimport torch.nn.functional as F\n\nact = F.relu\n\n\n@torch.jit.script\n"
        "def f(x, eps: float = 1e-5):\n    return act(x) / (x.norm() + eps) * math.pi\n",
        # a global set from a call, used as a callee: a script function is first-class
        MODULE_HEADER + "\n\ndef _double(x: torch.Tensor) -> torch.Tensor:\n    return x * 2\n\n\n"
        "double = torch.jit.script(_double)\n\n\nclass Net(nn.Module):\n    def forward(self, x):\n"
        "        return double(x)\n",
    ]
    INVALID = [
        MODULE_HEADER + "\nEPS = 1e-5\n\n\n@torch.jit.script\ndef f(x):\n    return x / (x.norm() + EPS)  # error\n",
        MODULE_HEADER + "\nDTYPE = torch.float32\n\n\nclass Net(nn.Module):\n    def forward(self, x):\n"
        "        return x.to(DTYPE)  # error\n",
        MODULE_HEADER + "\nSIZES = (1, 2)\n\n\n@torch.jit.script\ndef f(x):\n    return x + SIZES[0]  # error\n",
        MODULE_HEADER + "\nMODES = {\"reflect\", \"constant\"}\n\n\n@torch.jit.script\ndef f(x, mode: str):\n"
        "    if mode in MODES:  # error\n        return x\n    return -x\n",
        # a capability flag computed at import: whatever the call returns, it is a Python global
        MODULE_HEADER + "\nHAS_MKLDNN = torch.backends.mkldnn.is_available()\n\n\nclass Net(nn.Module):\n"
        "    def forward(self, x):\n        if HAS_MKLDNN and x.is_contiguous():  # error\n            return x\n"
        "        return x + 1\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        name = node.id  # type: ignore[attr-defined]
        if not isinstance(node.ctx, ast.Load) or name in ctx.local_names or in_annotation(ctx, node):  # type: ignore[attr-defined]
            return
        found = _global_value(ctx.project, ctx.module, name)
        if found is None:
            return
        kind = _plain_kind(ctx.project, found[0], found[1])
        if kind:
            ctx.report(self, node, f"global `{name}` ({kind}) cannot be read in TorchScript ('python value of type "
                                   f"{kind!r} cannot be used as a value'); pass it as an argument with a default, "
                                   f"make it a `Final`/`__constants__` attribute, or read it as `module.{name}`")
            return
        callee = _call_result_of(ctx.project, found[0], found[1])
        if callee and _forces_value(ctx, node):
            ctx.report(self, node, f"global `{name}` holds the result of `{callee}(...)`, a Python value TorchScript "
                                   f"cannot read here ('... cannot be used as a value'); pass it as an argument, or "
                                   f"store it on the module in `__init__`")


class GlobalInstance(Rule):
    """
    ## What it does
    Flags attribute reads on a module-level instance of a project class (`CFG.k` where
    `CFG = Config()`), including `NamedTuple` instances, in compiled code.

    ## Why is this bad?
    Global objects are not captured: `attribute lookup is not defined on python value of type
    'Config'`.

    ## Example
    ```python
    CFG = Config()

    @torch.jit.script
    def f(x):
        return x * CFG.scale
    ```

    ## Use instead
    Pass the needed values as arguments, or copy them into module attributes in `__init__`.
    """

    code = "TS317"
    name = "global-instance"
    message = "attribute of a global Python object read in compiled code"
    compiler_message = "attribute lookup is not defined on python value of type"
    node_types = (ast.Attribute,)
    VALID = [
        MODULE_HEADER + "\n\nclass Config:\n    def __init__(self):\n        self.scale = 2.0\n\n\nCFG = Config()\n\n\n"
        "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.scale = CFG.scale\n\n"
        "    def forward(self, x):\n        return x * self.scale\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\nclass Config:\n    def __init__(self):\n        self.scale = 2.0\n\n\nCFG = Config()\n\n\n"
        "@torch.jit.script\ndef f(x):\n    return x * CFG.scale  # error\n",
        MODULE_HEADER + "from typing import NamedTuple\n\n\nclass Config(NamedTuple):\n    scale: float\n\n\nCFG = Config(2.0)\n\n\n"
        "@torch.jit.script\ndef f(x):\n    return x * CFG.scale  # error\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        base = node.value  # type: ignore[attr-defined]
        if not isinstance(base, ast.Name) or base.id in ctx.local_names or not isinstance(node.ctx, ast.Load):  # type: ignore[attr-defined]
            return
        found = _global_value(ctx.project, ctx.module, base.id)
        if found is None or found[1][0] != "call" or not found[1][1]:
            return
        resolved = ctx.project.resolve(found[0], found[1][1])
        if not isinstance(resolved, ClassRef) or ctx.project.is_nn_module(resolved):
            return
        externals = ctx.project.external_bases(resolved)
        if any(q.startswith("enum.") for q in externals):
            return
        ctx.report(self, node, f"`{base.id}` is a global `{resolved.name}` instance; TorchScript cannot read attributes "
                               f"of global Python objects ('attribute lookup is not defined on python value of type "
                               f"{resolved.name!r}'); pass `{ast.unparse(node)}` in as an argument or copy it into an "
                               f"attribute in `__init__`")


# ==================================================================================================
#: type kinds the compiler holds as plain values, never as objects with settable attributes
_NON_CLASS_KINDS = frozenset({"Tensor", "int", "float", "bool", "str", "List", "Dict", "Tuple"})


class AttributeStoreOnValue(Rule):
    """
    ## What it does
    Flags an attribute assignment in compiled code whose object is a Tensor or another value type
    (int, float, bool, str, list, dict, tuple): `x.requires_grad = True`, `self.weight.requires_grad =
    False`, `y.grad = None`.

    ## Why is this bad?
    In TorchScript only objects of a class (a module, a TorchScript class) have attributes that can be
    assigned; the compiler rejects a store on any other value while it compiles the function
    (`SimpleValue::setAttr`): `Tried to set an attribute: requires_grad on a non-class: Tensor`.

    ## Example
    ```python
    def forward(self, x):
        x.requires_grad = True
        return x * 2
    ```

    ## Use instead
    Call the in-place method (`x.requires_grad_(True)`), or set the flag once in `__init__` (which is
    not compiled), or move the code into a `@torch.jit.unused` / `@torch.jit.ignore` method.
    """

    code = "TS320"
    name = "attribute-store-on-value"
    message = "attribute assigned on a Tensor or other value"
    compiler_message = "Tried to set an attribute"
    node_types = (ast.Assign, ast.AugAssign, ast.AnnAssign)
    VALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.count = 0\n"
        "        self.w = nn.Parameter(torch.ones(2))\n        self.w.requires_grad = False\n\n"
        "    def forward(self, x):\n        self.count += 1\n        return x * self.w\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def forward(self, x):\n        x.requires_grad = True  # error\n"
        "        return x * 2\n",
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.w = nn.Parameter(torch.ones(2))\n\n    def forward(self, x):\n"
        "        self.w.requires_grad = False  # error\n        return x * self.w\n",
        MODULE_HEADER + "\n\n@torch.jit.script\ndef f(x: torch.Tensor):\n    y = x * 2\n    y.grad = None  # error\n    return y\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]  # type: ignore[attr-defined]
        value = node.value  # type: ignore[attr-defined]
        for target in targets:
            if not isinstance(target, ast.Attribute) or dotted(target.value) is None:
                continue  # a subscript or call as the object may fail first, with its own message
            t = ctx.types.type_of(target.value)
            # an unannotated parameter (`Tensor (inferred)`) whose other members the function reads
            # is an object of some class the author did not annotate: that read fails first
            scope = ctx.node if getattr(t, "inferred", False) else value
            if t.known and t.kind in _NON_CLASS_KINDS and not self._reads_unknown_member(ctx, target.value, scope):
                ctx.report(self, target, f"`{ast.unparse(target)}` assigns attribute `{target.attr}` of a {t}: in "
                                         f"TorchScript only objects of a class have assignable attributes ('Tried to "
                                         f"set an attribute: {target.attr} on a non-class: {t}')"
                                         + ("; use `.requires_grad_(...)`" if target.attr == "requires_grad" else ""))

    @staticmethod
    def _reads_unknown_member(ctx: FunctionContext, obj: ast.expr, scope: Optional[ast.AST]) -> bool:
        """Does `scope` (the value, or the whole function) read a member of the same object that the
        type checker does not know (`batch.x = f(batch.x)` on a Tensor)? The compiler fails there
        first, with another message ('object has no attribute or method')."""
        spelled = ast.dump(obj)
        return scope is not None and any(
            isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Load) and ast.dump(sub.value) == spelled
            and not ctx.types.type_of(sub).known for sub in ast.walk(scope))

    def neutralize(self, source: str, finding: Finding) -> Optional[str]:
        node = node_at(source, finding, (ast.Assign, ast.AugAssign, ast.AnnAssign))
        return stub_statement(source, node, "pass") if isinstance(node, ast.stmt) else None


class ModulePythonMethod(Rule):
    """
    ## What it does
    Flags `self.train`, `self.eval()`, `self.parameters()`, `self.cuda()`, `self.to(...)`,
    `self.state_dict()` and the other methods `nn.Module` itself defines in Python, used in compiled
    code of a module that does not define them itself (`self.training`, `self.children()`,
    `self.modules()` and `self.named_modules()` are fine).

    ## Why is this bad?
    The compiler finds the attribute on the module's class and compiles torch's own source for it,
    which uses what TorchScript does not support: `Unknown type name 'Self'` (`train`, `eval`,
    `requires_grad_`), `Lambda aren't supported` (`cuda`, `float`, `named_parameters`), `Yield aren't
    supported` (`parameters`, `buffers`). A common slip is `if self.train:` for `if self.training:`.

    ## Example
    ```python
    def forward(self, x):
        if self.train:
            x = x + torch.randn_like(x)
        return x
    ```

    ## Use instead
    `self.training` for the mode; move device, dtype and parameter handling out of the scripted code.
    """

    code = "TS321"
    name = "module-python-method"
    message = "a method nn.Module defines in Python used in compiled code"
    compiler_message = "Unknown type name 'Self'"
    node_types = (ast.Attribute,)
    VALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def forward(self, x):\n        if self.training:\n"
        "            x = x + 1\n        return x\n",
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def half(self) -> int:\n        return 2\n\n"
        "    def forward(self, x):\n        return x * self.half()\n",
    ]
    INVALID = [
        MODULE_HEADER + "\n\nclass Net(nn.Module):\n    def forward(self, x):\n        if self.train:  # error\n"
        "            x = x + 1\n        return x\n",
    ]

    def visit(self, node: ast.AST, ctx: FunctionContext) -> None:
        name = self_attr(node, method_self(ctx))
        if not name or name not in NN_MODULE_UNCOMPILABLE or not isinstance(node.ctx, ast.Load):  # type: ignore[attr-defined]
            return
        if for_all(ctx, lambda f: f.is_module and f.complete and not f.declared_in_class(name)
                   and name not in f.assigned and name not in f.registered):
            ctx.report(self, node, f"`self.{name}` is nn.Module's own Python method, which TorchScript compiles from "
                                   f"torch's source and cannot (unsupported Python there)"
                                   + ("; for the mode, read `self.training`" if name in ("train", "eval") else
                                      "; do this outside the scripted code"))

