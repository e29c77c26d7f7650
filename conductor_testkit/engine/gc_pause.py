"""Pause Python's cyclic garbage collector while the engine builds many objects at once.

The collector runs after every few hundred new objects and its older generations walk the whole
heap: a 10,000-iteration DO_WHILE or a large workflow copy spent a third of its time there. The
engine's own structures are plain acyclic dicts and lists, so nothing is lost by collecting once
afterwards instead. Not used around user code (in-process workers run with the collector on).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic collector inside the block (nested blocks are fine)."""
    was_enabled = gc.isenabled()
    if was_enabled:
        gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
