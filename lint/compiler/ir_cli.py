"""`tslint ir PATH[::QUALNAME] ...`: the typed IR the static checker builds for every function under
script contract, or (`--format json`) each function's parameter and result types as the compiler's
schema spells them. Like `--confirm`, it describes modules as a zero-argument construction builds
them: a constant attribute that picks a variant (`F.max_pool2d(..., return_indices=self.return_indices)`)
is taken at its `__init__` default.

What is under script contract is decided by the same run as `tslint check` (`engine.run`), so this
shows exactly the functions the TS2xx rules judge. `--real` also prints the compiler's own
`graph` for comparison (it imports torch and your code).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Sequence, TextIO

from ..config import ENTRY_POLICIES



def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tslint ir", description=__doc__.split("\n\n")[0])
    p.add_argument("targets", nargs="+", metavar="PATH[::QUALNAME]",
                   help="files or folders; `::Name.method` keeps one function")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--config", type=Path, help="pyproject.toml to read [tool.tslint] from")
    p.add_argument("--entry", choices=ENTRY_POLICIES, help="which nn.Modules are script entry points (default: modules)")
    p.add_argument("--script", action="append", default=[], metavar="QUALNAME", help="also treat this as a script root")
    p.add_argument("--jobs", "-j", type=int, default=1)
    p.add_argument("--real", action="store_true", help="also print torch.jit.script's graph (imports torch and the code)")
    return p


def main(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    args = _parser().parse_args(list(argv))
    from ..config import ConfigError, config_for
    from ..discover import MissingPath
    from ..engine import RunOptions, run
    from ..entrypoints import EntryOptions

    paths, wanted = [], []
    for target in args.targets:
        path, _, qualname = target.partition("::")
        paths.append(path)
        wanted.append((Path(path).resolve(), qualname))
    try:
        config = config_for(paths, args.config)
    except ConfigError as exc:
        err.write(f"tslint ir: error: {exc}\n")
        return 2
    # the IR of the code asked for: every module in the paths is an entry point unless told otherwise
    options = RunOptions(select=["TS999"], entry=EntryOptions(args.entry or "modules",
                                                                 list(config.script) + list(args.script), list(config.trace)),
                         jobs=args.jobs, use_cache=False)
    try:
        result = run(paths, config, options)
    except MissingPath as exc:
        err.write(f"tslint ir: error: {exc}: no such file or directory\n")
        return 2
    units = list(_script_units(result, wanted))
    if args.format == "json":
        records = [_record(unit, types) for unit, types in units]
        out.write(json.dumps(records, indent=1) + "\n")
        return 0
    from .ir import format_graph

    for (summary, qualname, _node), types in units:
        out.write(format_graph(types, summary.path, f"{summary.module}.{qualname}") + "\n\n")
    if args.real:
        out.write(_real(wanted, config))
    if not units:
        err.write("tslint ir: no function under script contract in the given paths\n")
        return 1
    return 0


def _script_units(result, wanted):
    """(summary, qualname, def node) and its types, for every function reached under script."""
    from ..project.index import function_nodes
    from .infer import Unit, run_unit
    from .infer import state_for
    from ..project.model import ClassRef

    state = state_for(result.project)
    for ref, contexts in sorted(result.reach.functions.items(), key=lambda kv: (kv[0].module, kv[0].qualname)):
        if "script" not in contexts:
            continue
        summary = result.project.by_module.get(ref.module)
        if summary is None or not _selected(summary.path, ref.qualname, wanted):
            continue
        tree = state.tree(ref.module)
        if tree is None:
            continue
        found = function_nodes(tree).get(ref.qualname)
        if found is None:
            continue
        node, class_node = found
        class_ref = ClassRef(ref.module, class_node.name) if class_node is not None else None
        types = run_unit(Unit(state, ref.module, node, class_ref, ref.qualname, defaults=True), record_ir=True)
        yield (summary, ref.qualname, node), types


def _selected(path: str, qualname: str, wanted) -> bool:
    resolved = Path(path).resolve()
    for target, name in wanted:
        inside = resolved == target or target in resolved.parents
        if inside and (not name or name == qualname):
            return True
    return False


def _record(unit, types) -> dict:
    summary, qualname, node = unit
    return {
        "qualname": qualname,
        "module": summary.module,
        "file": summary.path,
        "line": node.lineno,
        "params": [[p.name, str(p.type)] for p in types.signature.params],
        "returns": str(types.returns),
    }


def _real(wanted, config) -> str:
    """The compiler's own graph and code for the same targets (`lint.confirm.ir_real`: compiled in a
    child process, as `--confirm` does)."""
    try:
        from ..confirm.ir_real import RealIRError, real_ir
    except ImportError as exc:  # pragma: no cover - confirm ships with tslint
        return f"# --real unavailable: {exc}\n"
    chunks = []
    for path, qualname in wanted:
        if path.is_dir():
            chunks.append(f"# --real needs a file, not {path}\n")
            continue
        try:
            chunks.append("# torch.jit.script\n" + real_ir(str(path), qualname or None, config) + "\n")
        except RealIRError as exc:
            chunks.append(f"# torch.jit.script failed\n{exc}\n")
    return "".join(chunks)


__all__ = ["main"]
