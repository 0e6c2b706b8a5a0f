"""Reading one file: bytes to text to `ast`, with every failure turned into a per-file finding.

The analysis runs on Python's own `ast` because that is what TorchScript's frontend reads
(`torch/jit/frontend.py` rejects node classes by their `ast` name), and because `ast.parse` is several
times faster than LibCST's parse. LibCST is used only where code is rewritten (`fix`).
"""
from __future__ import annotations

import ast
import hashlib
import io
import re
import tokenize
import warnings
from dataclasses import dataclass, field
from collections import OrderedDict
from functools import cached_property, lru_cache
from typing import Optional, Union

from .finding import Finding


class SourceError(Exception):
    """A file that cannot be analysed; carries the TS9xx finding that says why."""

    def __init__(self, finding: Finding):
        super().__init__(finding.message)
        self.finding = finding


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def decode_source(path: str, data: bytes) -> str:
    """Decode as Python does (PEP 263 cookie, BOM), or raise SourceError(TS902)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        raise SourceError(
            Finding(path, 1, 0, 1, 0, "TS902", f"cannot decode file: {exc}", context="file")
        ) from None
    if "\x00" in text:
        raise SourceError(
            Finding(path, 1, 0, 1, 0, "TS902", "cannot decode file: it contains NUL bytes (binary?)", context="file")
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


#: the start of a type comment (`# type: int`), as the tokenizer recognises one
_TYPE_COMMENT = re.compile(r"#\s*type\s*:")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # the parser's line breaks


def _disarm_type_comment(text: str, lineno: int) -> Optional[str]:
    """`text` with the last `# type:` comment of line `lineno` made a plain comment (same length, so
    every position stays), or None when that line has none."""
    starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]
    if not 0 < lineno <= len(starts):
        return None
    start = starts[lineno - 1]
    end = starts[lineno] if lineno < len(starts) else len(text)
    found = list(_TYPE_COMMENT.finditer(text, start, end))
    if not found:
        return None
    colon = found[-1].end() - 1
    return text[:colon] + " " + text[colon + 1:]


def _parse(path: str, text: str) -> ast.Module:
    """`ast.parse` keeping type comments where Python allows them (signatures read them).

    With `type_comments=True` the parser rejects a `# type:` comment where none may stand (after a
    call, inside brackets), though Python compiles the file: such comments are made plain ones, one
    by one, and the parse retried; the file's own text is untouched. A real syntax error raises.
    """
    try:
        return ast.parse(text, filename=path, type_comments=True)
    except SyntaxError:
        plain = ast.parse(text, filename=path)  # raises when the file is not Python
    for _ in range(len(_TYPE_COMMENT.findall(text))):
        try:
            return ast.parse(text, filename=path, type_comments=True)
        except SyntaxError as exc:
            disarmed = _disarm_type_comment(text, exc.lineno or 0)
            if disarmed is None:
                break
            text = disarmed
    return plain


def parse_source(path: str, text: str) -> ast.Module:
    """Parse, or raise SourceError(TS901) with the parser's own line and message."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes etc. is not ours
            return _parse(path, text)
    except SyntaxError as exc:
        line = exc.lineno or 1
        col = max((exc.offset or 1) - 1, 0)
        raise SourceError(
            Finding(path, line, col, line, col, "TS901", f"syntax error: {exc.msg}", context="file")
        ) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise SourceError(
            Finding(path, 1, 0, 1, 0, "TS901", f"cannot parse file: {type(exc).__name__}: {exc}", context="file")
        ) from None


@dataclass
class SourceFile:
    """One parsed file and the helpers that map `ast` positions to what users see."""

    path: str
    text: str
    tree: ast.Module
    digest: str = ""
    module: str = ""  # dotted module name, "" when the file is not under a package root
    _ascii_lines: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_bytes(cls, path: str, data: bytes, module: str = "") -> "SourceFile":
        text = decode_source(path, data)
        return cls(path, text, parse_source(path, text), content_hash(data), module)

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    def line_text(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    def char_col(self, line: int, byte_col: int) -> int:
        """`ast` columns count UTF-8 bytes; findings count characters."""
        text = self.line_text(line)
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))

    def span(self, node: Union[ast.AST, tuple]) -> tuple[int, int, int, int]:
        """(line, col, end_line, end_col) of a node, in characters."""
        line = getattr(node, "lineno", 1)
        col = getattr(node, "col_offset", 0)
        end_line = getattr(node, "end_lineno", None) or line
        end_col = getattr(node, "end_col_offset", None)
        if end_col is None:
            end_col = col
        return line, self.char_col(line, col), end_line, self.char_col(end_line, end_col)

    def segment(self, node: ast.AST) -> Optional[str]:
        return source_segment(self.text, node)


@lru_cache(maxsize=4)
def _segment_lines(text: str) -> list[str]:
    """`text` split as `ast.get_source_segment` splits it (only on \\r\\n, \\n and \\r, keeping the
    ends), kept for the last few texts: the `ast` helper splits the whole file on every call, which
    costs a tenth of a second per message on a 10,000-line file."""
    return re.findall(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$", text)


def source_segment(text: str, node: ast.AST) -> Optional[str]:
    """The source text of `node`, as `ast.get_source_segment(text, node)` returns it."""
    try:
        if node.end_lineno is None or node.end_col_offset is None:
            return None
        line, end_line = node.lineno - 1, node.end_lineno - 1
        col, end_col = node.col_offset, node.end_col_offset
    except AttributeError:
        return None
    lines = _segment_lines(text)
    if end_line >= len(lines):
        return None
    if line == end_line:
        return lines[line].encode()[col:end_col].decode()
    first = lines[line].encode()[col:].decode()
    last = lines[end_line].encode()[:end_col].decode()
    return "".join([first, *lines[line + 1:end_line], last])


class _ParseCache:
    """The most recently used parsed files, bounded by their total number of lines (an `ast` tree
    costs about a kilobyte per line, whatever the number of files: a handful of huge generated files
    must not hold as much as hundreds of small ones)."""

    def __init__(self, max_lines: int):
        self.max_lines = max_lines
        self.lines = 0
        self.hits = self.misses = 0
        self._entries: "OrderedDict[tuple, tuple[SourceFile, int]]" = OrderedDict()

    def __call__(self, path: str, digest: str, module: str = "") -> "SourceFile":
        key = (path, digest, module)
        found = self._get(key)
        if found is not None:
            return found
        with open(path, "rb") as handle:
            source = SourceFile.from_bytes(path, handle.read(), module)
        return self._put(key, source, source.text.count("\n") + 1)

    def peek(self, path: str, digest: str, module: str = "") -> Optional["SourceFile"]:
        """The whole file's parse when it is cached (never parses)."""
        return self._get((path, digest, module))

    def lines_of(self, path: str, digest: str, module: str, start: int, end: int) -> "SourceFile":
        """Lines `start`..`end` of a file parsed alone, every position as in the whole file (the lines
        before are blank): the one definition another module's check asks for, without parsing the
        thousands of lines around it. The caller knows the lines hold whole statements at column 0."""
        key = (path, digest, module, start, end)
        found = self._get(key)
        if found is not None:
            return found
        with open(path, "rb") as handle:
            text = decode_source(path, handle.read())
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")  # the parser's line breaks
        segment = "\n" * (start - 1) + "\n".join(lines[start - 1:end]) + "\n"
        return self._put(key, SourceFile(path, segment, parse_source(path, segment), digest, module), end - start + 1)

    def _get(self, key: tuple) -> Optional["SourceFile"]:
        entry = self._entries.get(key)
        if entry is None:
            return None
        self.hits += 1
        self._entries.move_to_end(key)
        return entry[0]

    def _put(self, key: tuple, source: "SourceFile", size: int) -> "SourceFile":
        self.misses += 1
        self._entries[key] = (source, size)
        self.lines += size
        while self.lines > self.max_lines and len(self._entries) > 1:
            _, (_, evicted) = self._entries.popitem(last=False)
            self.lines -= evicted
        return source

    def cache_clear(self) -> None:
        self._entries.clear()
        self.lines = 0

    def cache_info(self) -> str:
        return f"hits={self.hits} misses={self.misses} files={len(self._entries)} lines={self.lines}"


#: One parse per file and process, shared by the check of the file itself and by every rule or
#: type look-up that needs another module's tree (`digest` keys the entry, so an edited file is
#: parsed again). Raises SourceError like `SourceFile.from_bytes`. About 150 MB of trees at most:
#: the modules a large project's files lean on (its base classes, configs, utilities) stay parsed.
parsed_file = _ParseCache(max_lines=150_000)
