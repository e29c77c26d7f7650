"""Keep a session's long-lived objects out of the cyclic garbage collector's way.

A pytest session holds about a hundred thousand objects that live as long as it does: modules,
classes, the collected test items. Each full pass of Python's cyclic collector walks every one of
them; a suite of 500 workflow tests triggers a few such passes at some 50 ms each, half a
millisecond a test. Once collection is over, when the session has tests that use the
``conductor`` fixture, what exists is moved to the collector's permanent generation
(``gc.freeze()``): later passes walk only what the tests made, which they still collect as
before. When the session ends the objects are moved back (``gc.unfreeze()``), so the collections
the interpreter makes at exit see them again.

``conductor_gc_freeze = false`` in the ini file turns this off.
"""

from __future__ import annotations

import gc
from typing import List

import pytest

INI_NAME = "conductor_gc_freeze"
_FROZE_KEY = "_conductor_gc_frozen"


def add_ini(parser: pytest.Parser) -> None:
    parser.addini(
        INI_NAME,
        "after collection, move the session's long-lived objects out of the garbage collector's "
        "full passes when workflow tests were collected (true/false; default true)",
        default="true",
    )


def freeze_after_collection(session: pytest.Session, items: List[pytest.Item]) -> None:
    """``gc.freeze()`` when the ini allows it and a collected test uses the ``conductor`` fixture."""
    config = session.config
    if not _enabled(config) or getattr(config, _FROZE_KEY, False):
        return
    if not uses_conductor(items):
        return
    gc.freeze()
    setattr(config, _FROZE_KEY, True)


def uses_conductor(items: List[pytest.Item]) -> bool:
    """Whether a collected test uses the ``conductor`` fixture."""
    return any("conductor" in getattr(item, "fixturenames", ()) for item in items)


def unfreeze(config: pytest.Config) -> None:
    """Undo :func:`freeze_after_collection` (the session is over)."""
    if getattr(config, _FROZE_KEY, False):
        gc.unfreeze()
        setattr(config, _FROZE_KEY, False)


def _enabled(config: pytest.Config) -> bool:
    value = str(config.getini(INI_NAME)).strip().lower()
    if value in ("true", "1", "yes", "on"):
        return True
    if value in ("false", "0", "no", "off"):
        return False
    raise pytest.UsageError(f"{INI_NAME} = {value!r}: expected true or false")
