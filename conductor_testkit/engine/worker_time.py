"""Worker code sees the engine's virtual time: ``datetime.now()``, ``time.time()`` and friends.

One freezegun freezer per drive of the engine, started the first time worker code runs and
moved with the virtual clock before each worker call (never restarted per task).

Starting a freezer makes freezegun look through every loaded module for names bound to the real
``datetime``/``time`` functions (``from time import time``) so it can rebind them. freezegun does
that with ``getattr`` on every attribute of every module, which also triggers the lazy imports of
packages such as pydantic: about a second the first time in a large test session. Here the same
search reads each module's namespace directly (``vars(module)``): it finds the same bindings, with
no lazy imports, and remembers them per module until the module's namespace changes size, so a
later start reads only the modules that are new or changed.
"""

from __future__ import annotations

import types
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Tuple

from conductor_testkit.engine.clock import VirtualClock


class WorkerTimeFreezer:
    """Freezes time at the virtual clock's now while worker code runs (see the module docstring).

    Use :meth:`move` before each worker call and :meth:`stop` when the drive ends (or use it as a
    context manager, which stops it).
    """

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self._freezer: Any = None
        self._factory: Any = None

    @property
    def active(self) -> bool:
        """Whether time is frozen now."""
        return self._freezer is not None

    def move(self) -> None:
        """Freeze time at the clock's now (starting the freezer the first time)."""
        now = self.clock.now()
        if self._factory is None:
            from freezegun import freeze_time

            self._freezer = freeze_time(now)
            self._factory = _start_quickly(self._freezer)
        else:
            self._factory.move_to(now)

    def stop(self) -> None:
        """Give time back to the wall clock (no-op when never started)."""
        if self._freezer is not None:
            self._freezer.stop()
            self._freezer = None
            self._factory = None

    def __enter__(self) -> WorkerTimeFreezer:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()


def _start_quickly(freezer: Any) -> Any:
    """``freezer.start()`` with freezegun's module search replaced by a direct namespace read."""
    from freezegun import api

    original: Optional[Callable[[types.ModuleType], List[Tuple[str, Any]]]] = getattr(
        api, "_get_cached_module_attributes", None
    )
    real_ids = getattr(api, "_real_time_object_ids", None)
    if original is None or real_ids is None:  # another freezegun: its own search
        return freezer.start()
    setattr(api, "_get_cached_module_attributes", _namespace_reader(frozenset(real_ids)))  # noqa: B010
    try:
        return freezer.start()
    finally:
        setattr(api, "_get_cached_module_attributes", original)  # noqa: B010


# module name -> (id of its namespace, its size, the real time functions bound in it); a module
# is read again only when its namespace is replaced or changes size
_bindings_by_module: Dict[str, Tuple[int, int, List[Tuple[str, Any]]]] = {}


def _namespace_reader(real_ids: FrozenSet[int]) -> Callable[[types.ModuleType], List[Tuple[str, Any]]]:
    def time_bindings(module: types.ModuleType) -> List[Tuple[str, Any]]:
        try:
            namespace = vars(module)
        except TypeError:
            return []
        key = getattr(module, "__name__", "")
        cached = _bindings_by_module.get(key)
        if cached is not None and cached[0] == id(namespace) and cached[1] == len(namespace):
            return cached[2]
        if real_ids.isdisjoint(map(id, list(namespace.values()))):
            bindings: List[Tuple[str, Any]] = []
        else:
            bindings = [(name, value) for name, value in list(namespace.items()) if id(value) in real_ids]
        _bindings_by_module[key] = (id(namespace), len(namespace), bindings)
        return bindings

    return time_bindings
