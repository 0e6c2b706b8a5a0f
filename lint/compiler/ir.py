"""The typed IR the static checker builds while it types a function, printed in the spirit of the
compiler's `graph`: one instruction per line, `%name : Type = op(%inputs)`, nested blocks for
`prim::If` / `prim::Loop`, and the source line of each instruction.

It is what the checker *believes* the compiler emits (types are the checker's, unknown ones print
as `Unknown`), so comparing it with `torch.jit.script(fn).graph` shows where they disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from .types import Type, schema_str

if TYPE_CHECKING:  # pragma: no cover
    from .infer import FunctionTypes


@dataclass
class Block:
    instrs: list["Instr"] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)


@dataclass
class Instr:
    outputs: list[tuple[str, Type]]
    op: str
    inputs: list[str]
    line: int = 0
    blocks: list[Block] = field(default_factory=list)


def _type(t: Type) -> str:
    return schema_str(t)


def format_block(block: Block, indent: int, file: str, out: list[str]) -> None:
    pad = "  " * indent
    for ins in block.instrs:
        lhs = ", ".join(f"{name} : {_type(t)}" for name, t in ins.outputs)
        text = f"{pad}{lhs + ' = ' if lhs else '= ' if ins.blocks else ''}{ins.op}({', '.join(ins.inputs)})"
        if ins.line:
            text += f"  # {file}:{ins.line}"
        out.append(text)
        for i, sub in enumerate(ins.blocks):
            out.append(f"{pad}  block{i}():")
            format_block(sub, indent + 2, file, out)
            out.append(f"{pad}    -> ({', '.join(sub.outputs)})")


def format_graph(types: "FunctionTypes", file: str, title: Optional[str] = None) -> str:
    """The function's typed IR as text."""
    lines: list[str] = []
    if title:
        lines.append(f"# {title}")
    params = [f"%{p.name} : {_type(p.type)}" for p in types.signature.params]
    if params:
        head = "graph(" + (",\n      ".join(params)) + "):"
    else:
        head = "graph():"
    lines.append(head)
    format_block(types.block, 1, file, lines)
    lines.append(f"  return ({types.return_value or ''})")
    return "\n".join(lines)
