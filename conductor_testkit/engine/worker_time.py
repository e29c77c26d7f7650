"""Worker code sees the engine's virtual time: ``datetime.now()``, ``time.time()`` and friends.

One freezegun freezer per drive of the engine, started the first time worker code runs and
moved with the virtual clock before each worker call (never restarted per task).

Starting a freezer makes freezegun look through every loaded module for names bound to the real
``datetime``/``time`` functions (``from time import time``) so it can rebind them. freezegun does
that with ``getattr`` on every attribute of every module, which also triggers the lazy imports of
packages such as pydantic: about a second the first time in a large test session. Here the same
search reads each module's namespace directly (``vars(module)``): it finds the same bindings, with
no lazy imports, and remembers them per module until the module's namespace changes size. A later
start, when no module was loaded, removed or replaced since, searches only the modules known to
bind a time function, so it costs microseconds whatever the number of loaded modules. (A module
that rebinds such a name after it was searched, keeping its namespace's size, is not seen.)
"""

from __future__ import annotations

import sys
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
    """``freezer.start()`` with freezegun's module search replaced by a direct namespace read,
    over only the modules that can hold a binding (see :func:`_modules_to_search`)."""
    from freezegun import api

    original: Optional[Callable[[types.ModuleType], List[Tuple[str, Any]]]] = getattr(
        api, "_get_cached_module_attributes", None
    )
    real_ids = getattr(api, "_real_time_object_ids", None)
    if original is None or real_ids is None or getattr(api, "sys", None) is not sys:
        return freezer.start()  # another freezegun: its own search
    setattr(api, "_get_cached_module_attributes", _namespace_reader(frozenset(real_ids)))  # noqa: B010
    setattr(api, "sys", types.SimpleNamespace(modules=_modules_to_search()))  # noqa: B010
    try:
        factory = freezer.start()
    finally:
        setattr(api, "sys", sys)  # noqa: B010
        setattr(api, "_get_cached_module_attributes", original)  # noqa: B010
    # what freezegun's stop() treats as loaded before the freeze (it rebinds modules loaded since)
    freezer.modules_at_start = set(sys.modules)
    return factory


# module name -> (id of its namespace, its size, the real time functions bound in it); a module
# is read again only when its namespace is replaced or changes size
_bindings_by_module: Dict[str, Tuple[int, int, List[Tuple[str, Any]]]] = {}
# the modules whose namespace binds a real time function, and the loaded modules when every
# module was last searched
_binding_modules: Dict[str, types.ModuleType] = {}
_last_searched: Dict[str, Any] = {}


def _modules_to_search() -> Dict[str, Any]:
    """Every loaded module when any was loaded, removed or replaced since the last search, else
    only those that bind a real time function: the search then costs nothing per module that binds
    none (comparing the module table is one C-level pass)."""
    global _last_searched
    loaded = sys.modules
    if loaded != _last_searched:
        _last_searched = dict(loaded)
        return _last_searched
    return {name: module for name, module in list(_binding_modules.items()) if loaded.get(name) is module}


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
            _binding_modules.pop(key, None)
        else:
            bindings = [(name, value) for name, value in list(namespace.items()) if id(value) in real_ids]
            _binding_modules[key] = module
        _bindings_by_module[key] = (id(namespace), len(namespace), bindings)
        return bindings

    return time_bindings
