"""Garbage collection during the two heavy phases of a run (indexing and checking).

Both phases allocate millions of `ast` nodes that die by reference counting (a tree holds no
cycles). CPython's cyclic collector, triggered by allocation counts, meanwhile traverses every
long-lived object again and again (the project's summaries, the trees in the parse cache): measured
on transformers, that was half of the check phase and a quarter of the index phase. So a phase runs
with automatic collection off; what exists before it is frozen (never traversed, and under `fork`
its pages stay shared with the workers rather than copied when the collector writes to them); and
between files, once enough new objects have accumulated, one full collection frees the few cycles
rules do create, which bounds the memory they hold. A whole run is such a phase too (its project
model and cache tables are built once and live to the end), with the heavy phases nested in it.
"""
from __future__ import annotations

import gc
import time
from contextlib import contextmanager
from typing import Iterator

#: net new container objects (allocated minus freed) before a collection between files is considered:
#: about a hundred files' worth of cyclic garbage, and far more than one file's own allocations
COLLECT_AFTER = 200_000
#: a full collection traverses every live object (the trees in the parse cache, the checker's caches):
#: it waits until this many times its last cost has been spent on work, so collecting stays near
#: 1% of the phase however large the heap grows (rules leave few cycles: measured on transformers,
#: collecting 5 times as often held 15% less memory)
WORK_PER_COLLECTION = 100

_last = {"at": 0.0, "cost": 0.0}


@contextmanager
def phase() -> Iterator[None]:
    """Run a phase with the policy above (worker processes forked inside inherit it)."""
    enabled = gc.isenabled()
    gc.disable()
    gc.freeze()
    try:
        yield
    finally:
        # what the phase built and kept joins the oldest generation untraversed (freeze, then
        # unfreeze everything): left in the youngest, its millions of objects would all be
        # traversed by the first automatic collection after the phase
        gc.freeze()
        gc.unfreeze()
        if enabled:
            gc.enable()


def between_files() -> None:
    """Collect if enough new objects are tracked since the last collection (a cheap counter read)
    and enough work was done since (collections amortized over the phase)."""
    if gc.isenabled() or gc.get_count()[0] <= COLLECT_AFTER:
        return
    now = time.process_time()
    if now - _last["at"] < _last["cost"] * WORK_PER_COLLECTION:
        return
    gc.collect()
    _last["at"] = time.process_time()
    _last["cost"] = _last["at"] - now
