"""Python 2 style type comments, read the way `torch.jit.annotations.get_type_line` reads them.

The compiler does not use Python's parser for these: it scans the function's source text (from its
first decorator to its last line) for lines containing `# type:`, ignoring only lines that *end* in
`# type: ignore` or `# type: ignore[code]`. No such line: the signature comes from annotations
(a line like `#type: int`, with a misspelt prefix, is an error). One line: it is the signature, and
must read `# type: (T, ...) -> R` once stripped, or the C++ type-comment parser fails (`expected type
comment but found 'def' here` for a comment after `def ...:`, `... 'ident' here` for a variable's
`x = []  # type: List[int]`, even in an annotated function). Several lines: the first containing
`# type: (...) -> ` is the signature and the lines before it give the parameter types, joined in
order and put in place of every `...` of that line (PEP 484's one-comment-per-parameter form); no
such line is an error.

`signature_comment` rebuilds the compiler's signature text from Python's AST (which attaches the
per-parameter comments to the parameters) for code the compiler accepts; `type_line` follows the
compiler on the source lines and says why it fails.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Optional

TYPE_COMMENT = "# type:"
_IGNORE = re.compile(r"# type:\ ignore(\[[a-zA-Z-]+\])?$")
_WRONG_PREFIX = re.compile(r"#[\t ]*type[\t ]*(?!: ignore(\[.*\])?$):")
_SIGNATURE_LINE = "# type: (...) -> "


@dataclass(frozen=True)
class TypeLine:
    """What the compiler makes of a function's type comments: the signature text it parses (None:
    annotations only), or the error it raises and the index of the source line it concerns."""

    text: Optional[str] = None
    error: Optional[str] = None
    line: int = 0


def type_line(lines: list[str]) -> TypeLine:
    """`get_type_line` and the first check of `parse_type_comment` on a function's source lines."""
    found = [(i, line) for i, line in enumerate(lines) if TYPE_COMMENT in line and not _IGNORE.search(line)]
    if not found:
        wrong = next((i for i, line in enumerate(lines) if "type" in line and _WRONG_PREFIX.search(line)), None)
        if wrong is not None:
            return TypeLine(error="The annotation prefix in line {} is probably invalid. It must be '# type:'".format(wrong),
                            line=wrong)
        return TypeLine()
    if len(found) == 1:
        index, text = found[0][0], found[0][1].strip()
    else:
        signature = next(((i, line) for i, line in found if _SIGNATURE_LINE in line), None)
        if signature is None:
            return TypeLine(error="Return type line '# type: (...) -> ...' not found on multiline type annotation",
                            line=found[1][0])
        params = [line[line.find(TYPE_COMMENT) + len(TYPE_COMMENT):].strip() for i, line in found if i < signature[0]]
        index, text = signature[0], signature[1].replace("...", ", ".join(params)).strip()
    if not text.startswith(TYPE_COMMENT):
        word = re.match(r"\s*(\w+|\S)", text)
        kind = "ident" if word and word.group(1)[0].isalpha() and word.group(1) not in _KEYWORDS else (
            word.group(1) if word else "")
        return TypeLine(error=f"expected type comment but found '{kind}' here", line=index)
    return TypeLine(text=text[len(TYPE_COMMENT):].strip(), line=index)


#: words the compiler's lexer reads as keywords, named as themselves in its message
_KEYWORDS = frozenset({"def", "return", "if", "else", "elif", "for", "while", "with", "pass", "raise", "assert",
                       "import", "from", "class", "global", "del", "break", "continue", "and", "or", "not", "in",
                       "is", "as", "lambda", "True", "False", "None"})


def signature_comment(node: ast.FunctionDef) -> Optional[str]:
    """The signature comment the compiler reads for `node` (`(int, Tensor) -> Tensor`), from the
    AST: the function's own comment, with `...` replaced by the per-parameter comments joined in
    order when they are given that way; None without a signature comment."""
    text = node.type_comment
    if text is None:
        return None
    args = node.args.posonlyargs + node.args.args + ([node.args.vararg] if node.args.vararg else []) + \
        node.args.kwonlyargs + ([node.args.kwarg] if node.args.kwarg else [])
    per_param = [a.type_comment.strip() for a in args if a is not None and a.type_comment]
    if per_param and "..." in text:
        return text.replace("...", ", ".join(per_param))
    return text
