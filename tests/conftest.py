"""Shared test plumbing: `needs_torch` marks a test that runs torch (the real compiler, the tracer,
`--confirm`): it is skipped where torch is not installed and carries the `torch` marker, so
`pytest -m "not torch"` is the fast subset."""
import importlib.util
from typing import Callable, TypeVar

import pytest

HAS_TORCH = importlib.util.find_spec("torch") is not None

_T = TypeVar("_T", bound=Callable)
_skip_without_torch = pytest.mark.skipif(not HAS_TORCH, reason="needs torch==2.13.0 (pip install -e '.[test]')")


def needs_torch(test: _T) -> _T:
    """Decorate a test (function or class) that needs torch."""
    return pytest.mark.torch(_skip_without_torch(test))
