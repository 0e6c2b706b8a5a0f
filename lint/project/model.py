"""The project model: every file's summary, and name resolution across them.

Names are resolved the way Python would import them, from the summaries alone: a dotted name is
looked up in the file's import table, then the longest prefix that is a module of the run, then
attributes of that module (following re-exports). Anything that is not part of the run is
`External` with its qualified name (`torch.nn.functional.relu`), which rules classify by name.
"""
from __future__ import annotations

import builtins
import re
import sys
from dataclasses import dataclass
from pathlib import PurePath
from typing import Iterable, Iterator, Optional, Union

from ..compiler.pysigs import nn_module
from .index import ClassInfo, FunctionInfo, ModuleSummary


@dataclass(frozen=True)
class FuncRef:
    module: str
    qualname: str

    def __str__(self) -> str:
        return f"{self.module}.{self.qualname}" if self.module else self.qualname


@dataclass(frozen=True)
class ClassRef:
    module: str
    name: str

    def __str__(self) -> str:
        return f"{self.module}.{self.name}" if self.module else self.name


@dataclass(frozen=True)
class ModuleRef:
    module: str


@dataclass(frozen=True)
class External:
    qualname: str


Resolved = Union[FuncRef, ClassRef, ModuleRef, External]

#: `torch.nn.Module` when torch's own sources are linted; like an external base, it never joins
#: an MRO (its methods are Python-only, the compiler never compiles them)
TORCH_MODULE = ClassRef("torch.nn.modules.module", "Module")
NN_MODULE_ROOTS = {"torch.nn.modules.module.Module", "torch.nn.Module"}
#: external bases that are `torch.nn.Module` subclasses besides `torch.nn.X` (see
#: `external_module_kind`): `torch.jit.ScriptModule`, `torch.nn.Module` as a star import or an
#: unresolved `nn` spells it, and the one table of well-known third-party module bases that a linted
#: tree derives from without containing them (extend it here, and only with classes that are
#: `nn.Module` subclasses in every release)
MODULE_BASES = frozenset({
    *NN_MODULE_ROOTS, "nn.Module", "Module",
    "torch.jit.ScriptModule", "torch.jit._script.ScriptModule", "torch.jit.RecursiveScriptModule",
    "pytorch_lightning.LightningModule", "pytorch_lightning.core.LightningModule",
    "pytorch_lightning.core.module.LightningModule", "lightning.LightningModule", "lightning.pytorch.LightningModule",
    "lightning.pytorch.core.LightningModule", "lightning.pytorch.core.module.LightningModule",
    "transformers.PreTrainedModel", "transformers.modeling_utils.PreTrainedModel",
})
#: torch packages whose public classes are all `nn.Module` subclasses (their few mixins excepted:
#: `LazyModuleMixin`, `_LazyConvXdMixin`); their private helpers (`_functions`, named tuples) are
#: never bases of a user's class
TORCH_MODULE_PACKAGES = ("torch.nn.modules.", "torch.ao.nn.", "torch.nn.parallel.", "torch.nn.qat.",
                         "torch.nn.quantized.", "torch.nn.quantizable.", "torch.nn.intrinsic.")
CONTAINERS = {
    "torch.nn.ModuleList", "torch.nn.Sequential", "torch.nn.ModuleDict",
    "torch.nn.modules.container.ModuleList", "torch.nn.modules.container.Sequential",
    "torch.nn.modules.container.ModuleDict",
}


class Project:
    def __init__(self, summaries: Iterable[ModuleSummary]):
        self.by_module: dict[str, ModuleSummary] = {}
        self.by_path: dict[str, ModuleSummary] = {}
        for summary in summaries:
            self.by_path[summary.path] = summary
            if summary.module in self.by_module:
                summary.module = self._unique_name(summary)
            if summary.module:
                self.by_module[summary.module] = summary
        self._nn_cache: dict[ClassRef, Optional[bool]] = {}
        self._stores: Optional[tuple[frozenset[str], frozenset[str]]] = None
        # the summaries never change after construction, so class bases and MROs are computed once
        # (reach, class facts and the type checker ask for the same few hundred MROs many times)
        self._bases_cache: dict[ClassRef, tuple[Resolved, ...]] = {}
        self._mro_cache: dict[ClassRef, tuple[ClassRef, ...]] = {}
        self._method_cache: dict[tuple[ClassRef, str], Optional[FuncRef]] = {}
        self._resolve_cache: dict[tuple[str, str], Optional[Resolved]] = {}
        self._qualified_cache: dict[str, Optional[Resolved]] = {}

    def _unique_name(self, summary: ModuleSummary) -> str:
        """Two scripts outside any package can share a name (`a/export.py`, `b/export.py`): Python
        would import whichever folder is on sys.path; the model keeps both, the later one under a
        name taken from its path, so neither is silently dropped."""
        stem = re.sub(r"\W", "_", str(PurePath(summary.path).with_suffix("")).replace("/", ".").replace("\\", "."))
        name = ".".join(part for part in stem.split(".") if part) or "module"
        candidate, n = name, 2
        while candidate in self.by_module:
            candidate, n = f"{name}_{n}", n + 1
        return candidate

    def attribute_stores(self) -> tuple[frozenset[str], frozenset[str]]:
        """Union over the project of `ModuleSummary.foreign_attr_stores` / `computed_stores`."""
        if self._stores is None:
            names: set[str] = set()
            reach: set[str] = set()
            for summary in self.by_path.values():
                names |= summary.foreign_attr_stores
                reach.update(summary.computed_stores)
            self._stores = (frozenset(names), frozenset(reach))
        return self._stores

    # -- lookup ------------------------------------------------------------------------------
    def summary(self, module: str) -> Optional[ModuleSummary]:
        return self.by_module.get(module)

    def function(self, ref: FuncRef) -> Optional[FunctionInfo]:
        summary = self.by_module.get(ref.module)
        return summary.function(ref.qualname) if summary else None

    def cls(self, ref: ClassRef) -> Optional[ClassInfo]:
        summary = self.by_module.get(ref.module)
        return summary.classes.get(ref.name) if summary else None

    # -- resolution ----------------------------------------------------------------------------
    def qualify(self, module: str, name: str) -> str:
        """The fully qualified spelling of a dotted name as written in `module` (imports applied)."""
        summary = self.by_module.get(module)
        head, _, rest = name.partition(".")
        if summary and head in summary.imports:
            full = summary.imports[head]
        elif summary and (head in summary.functions or head in summary.classes or head in summary.globals):
            full = f"{module}.{head}"
        else:
            full = head
        return f"{full}.{rest}" if rest else full

    def resolve(self, module: str, name: str) -> Optional[Resolved]:
        """What the dotted `name`, written in `module`, refers to."""
        key = (module, name)
        if key not in self._resolve_cache:
            self._resolve_cache[key] = self.resolve_qualified(self.qualify(module, name))
        return self._resolve_cache[key]

    def resolve_qualified(self, qualname: str, _depth: int = 0) -> Optional[Resolved]:
        if _depth == 0:
            if qualname not in self._qualified_cache:
                self._qualified_cache[qualname] = self._resolve_qualified(qualname, 0)
            return self._qualified_cache[qualname]
        return self._resolve_qualified(qualname, _depth)

    def _resolve_qualified(self, qualname: str, _depth: int) -> Optional[Resolved]:
        if _depth > 8:
            return External(qualname)
        parts = qualname.split(".")
        for cut in range(len(parts), 0, -1):
            mod = ".".join(parts[:cut])
            summary = self.by_module.get(mod)
            if summary is None or (cut == len(parts) and self._shadowed_submodule(parts, cut)):
                continue
            rest = parts[cut:]
            if not rest:
                return ModuleRef(mod)
            head = rest[0]
            if head in summary.classes:
                if len(rest) == 1:
                    return ClassRef(mod, head)
                if len(rest) == 2 and rest[1] in summary.classes[head].methods:
                    return FuncRef(mod, f"{head}.{rest[1]}")
                return None
            if head in summary.functions:
                return FuncRef(mod, head) if len(rest) == 1 else None
            if head in summary.imports:
                target = summary.imports[head]
                if target != qualname:
                    return self.resolve_qualified(".".join([target] + rest[1:]), _depth + 1)
            if head in summary.globals:
                return None
            # not defined there: a file that merely shares a library's name (a `torch.py` in some
            # folder) must not hide the library, so the name stays external
            return External(qualname)
        return External(qualname)

    def _shadowed_submodule(self, parts: list[str], cut: int) -> bool:
        """Is submodule `parts[:cut]`, named as a whole, hidden by a name its package imports
        (`from .auto_docstring import auto_docstring` in `utils/__init__.py`: `utils.auto_docstring`
        is then the function, as in Python, where the import rebinds the package attribute; a path
        through it, `utils.auto_docstring.x`, still names the submodule's member)?"""
        if cut < 2:
            return False
        package = self.by_module.get(".".join(parts[:cut - 1]))
        target = package.imports.get(parts[cut - 1]) if package is not None else None
        return target is not None and target != ".".join(parts[:cut])

    # -- classes -------------------------------------------------------------------------------
    def class_bases(self, ref: ClassRef) -> Iterator[Resolved]:
        bases = self._bases_cache.get(ref)
        if bases is None:
            info = self.cls(ref)
            resolved = (self.resolve(ref.module, base) for base in info.bases) if info is not None else ()
            bases = self._bases_cache[ref] = tuple(r for r in resolved if r is not None)
        return iter(bases)

    def mro(self, ref: ClassRef) -> list[ClassRef]:
        """The project classes in `ref`'s method resolution order (a simple DFS, duplicates dropped)."""
        order = self._mro_cache.get(ref)
        if order is None:
            order = self._mro_cache[ref] = tuple(self._mro(ref))
        return list(order)

    def _mro(self, ref: ClassRef) -> list[ClassRef]:
        order: list[ClassRef] = []
        stack = [ref]
        while stack and len(order) < 50:
            current = stack.pop(0)
            if current in order or self.cls(current) is None:
                continue
            order.append(current)
            stack.extend(b for b in self.class_bases(current) if isinstance(b, ClassRef) and b != TORCH_MODULE)
        return order

    def find_method(self, ref: ClassRef, name: str) -> Optional[FuncRef]:
        key = (ref, name)
        if key in self._method_cache:
            return self._method_cache[key]
        found = None
        for klass in self.mro(ref):
            info = self.cls(klass)
            if info and name in info.methods:
                found = FuncRef(klass.module, f"{klass.name}.{name}")
                break
        self._method_cache[key] = found
        return found

    def replaced_at_run_time(self, ref: ClassRef, name: str) -> bool:
        """Does the class's own code replace method `name` at run time (`ClassInfo.replaced`)?"""
        return any(name in info.replaced for info in map(self.cls, self.mro(ref)) if info is not None)

    def external_bases(self, ref: ClassRef) -> list[str]:
        out = []
        for klass in self.mro(ref):
            for base in self.class_bases(klass):
                if isinstance(base, External):
                    out.append(base.qualname)
        return out

    def is_nn_module(self, ref: ClassRef) -> bool:
        """Is the class known to derive from `torch.nn.Module` (see `nn_module_kind`)?"""
        return self.nn_module_kind(ref) is True

    def nn_module_kind(self, ref: ClassRef) -> Optional[bool]:
        """True when a base along the class's MRO is a module class (`external_module_kind`, or
        `torch.nn.Module` itself when torch is linted), False when every base is known not to be
        one, None when an external base is a library class tslint cannot see. The compiler decides
        by `isinstance(obj, torch.nn.Module)`: a `forward` method proves nothing (transforms,
        decoding strategies and export backends have one), so an unknown base leaves the class
        unknown, and callers stay silent about it."""
        if ref not in self._nn_cache:
            self._nn_cache[ref] = self._nn_module_kind(ref)
        return self._nn_cache[ref]

    def _nn_module_kind(self, ref: ClassRef) -> Optional[bool]:
        mro = self.mro(ref)
        if any(str(k) in NN_MODULE_ROOTS or TORCH_MODULE in set(self.class_bases(k)) for k in mro):
            return True  # linting torch itself: nn.Module is a class of the run (kept out of MROs)
        kinds = {external_module_kind(q) for q in self.external_bases(ref)}
        if any(len(self.cls(k).bases) > len(tuple(self.class_bases(k))) for k in mro):  # type: ignore[union-attr]
            kinds.add(None)  # a base that names no class tslint can find (`Base = make_base()`)
        if True in kinds:
            return True
        return None if None in kinds else False

    def decorator_qualnames(self, module: str, decorators: Iterable[str]) -> list[str]:
        return [self.qualify(module, d) for d in decorators]


def external_module_kind(qualname: str) -> Optional[bool]:
    """Is a base the project cannot see a `torch.nn.Module` subclass? True for `MODULE_BASES`, the
    `torch.nn.X` classes torch records as modules (`tslint schemas --regenerate` records them) and
    the classes of `TORCH_MODULE_PACKAGES` (`torch.nn.modules.loss._Loss`); False for the standard
    library and builtins (`abc.ABC`, `typing.Protocol`, `object`, `Exception`); None for anything
    else: a library class, a torch class outside those packages, a `torch.nn.X` that is not a module
    (`torch.nn.Parameter`) or a `torch.nn.utils` class (`PackedSequence`)."""
    if qualname in MODULE_BASES or (qualname.count(".") == 2 and qualname.startswith("torch.nn.") and nn_module(qualname)):
        return True
    if qualname.startswith(TORCH_MODULE_PACKAGES) and not qualname.endswith("Mixin"):
        return True
    return False if is_standard_library(qualname) else None


def is_standard_library(qualname: str) -> bool:
    """Is a name outside the project a builtin (`object`, `Exception`) or from the standard library
    (`abc.ABC`, `typing.Protocol`)? Those are the only external classes whose contents tslint knows
    without seeing them: none is an nn.Module or carries TorchScript markers."""
    if "." not in qualname:
        return hasattr(builtins, qualname)
    return qualname.split(".", 1)[0] in sys.stdlib_module_names


def jit_decorator(qualnames: Iterable[str]) -> set[str]:
    """The `torch.jit` decorators among resolved decorator names: {"script", "ignore", ...}."""
    out = set()
    for q in qualnames:
        if q.startswith("torch.jit."):
            out.add(q.rsplit(".", 1)[-1])
        elif q in ("torch.no_grad", "torch.inference_mode", "torch.enable_grad"):
            out.add(q.rsplit(".", 1)[-1])
    return out
