"""Per-worker settings overridden from environment variables (applied when a TaskHandler starts).

The names are the official Python SDK's, so a deployment configured for it works unchanged.
For a worker of task type ``<name>`` and a setting ``<prop>``, the first variable set wins:

1. ``conductor.worker.<name>.<prop>``
2. ``conductor_worker_<name>_<prop>``
3. ``CONDUCTOR_WORKER_<NAME>_<PROP>`` (upper case)
4. ``conductor.worker.all.<prop>``
5. ``CONDUCTOR_WORKER_ALL_<PROP>``
6. ``conductor_worker_<prop>``
7. ``CONDUCTOR_WORKER_<PROP>``

Settings (``<prop>``): ``poll_interval`` (milliseconds; ``polling_interval`` is accepted too),
``poll_timeout`` (milliseconds), ``thread_count``, ``domain``, ``worker_id``, ``register_task_def``,
``lease_extend_enabled``, ``paused``. Booleans read ``true/1/yes/on`` and ``false/0/no/off``.
A value that does not parse raises :class:`ConfigurationError` naming the variable.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from conductor_testkit.errors import ConfigurationError
from conductor_testkit.worker.worker import Worker


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise ValueError("expected true/false")


def _parse_str(text: str) -> Optional[str]:
    return text or None


# setting -> (Worker attribute, parser, env property names in priority order)
_SETTINGS: Dict[str, Tuple[str, Callable[[str], Any], Tuple[str, ...]]] = {
    "poll_interval": ("poll_interval_millis", float, ("poll_interval", "polling_interval")),
    "poll_timeout": ("poll_timeout", int, ("poll_timeout",)),
    "thread_count": ("thread_count", int, ("thread_count",)),
    "domain": ("domain", _parse_str, ("domain",)),
    "worker_id": ("worker_id", _parse_str, ("worker_id",)),
    "register_task_def": ("register_task_def", _parse_bool, ("register_task_def",)),
    "lease_extend_enabled": ("lease_extend_enabled", _parse_bool, ("lease_extend_enabled",)),
    "paused": ("paused", _parse_bool, ("paused",)),
}


def env_variable_names(task_definition_name: str, prop: str) -> List[str]:
    """The variables consulted for one setting of one worker, highest priority first."""
    name = task_definition_name
    return [
        f"conductor.worker.{name}.{prop}",
        f"conductor_worker_{name}_{prop}",
        f"CONDUCTOR_WORKER_{name.upper()}_{prop.upper()}",
        f"conductor.worker.all.{prop}",
        f"CONDUCTOR_WORKER_ALL_{prop.upper()}",
        f"conductor_worker_{prop}",
        f"CONDUCTOR_WORKER_{prop.upper()}",
    ]


def _lookup(name: str, props: Tuple[str, ...], environ: Mapping[str, str]) -> Optional[Tuple[str, str]]:
    # worker-specific variables of every spelling beat the global ones
    specific: List[str] = []
    general: List[str] = []
    for prop in props:
        names = env_variable_names(name, prop)
        specific.extend(names[:3])
        general.extend(names[3:])
    for variable in specific + general:
        if variable in environ:
            return variable, environ[variable]
    return None


def resolve_overrides(worker: Worker, environ: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    """The settings of ``worker`` that the environment overrides: {Worker attribute: value}."""
    env = os.environ if environ is None else environ
    overrides: Dict[str, Any] = {}
    for attribute, parse, props in _SETTINGS.values():
        found = _lookup(worker.task_definition_name, props, env)
        if found is None:
            continue
        variable, text = found
        try:
            overrides[attribute] = parse(text)
        except ValueError as exc:
            raise ConfigurationError(
                f"environment variable {variable}={text!r} (worker {worker.task_definition_name!r}): "
                f"cannot be read as {getattr(parse, '__name__', 'a value').lstrip('_')}: {exc}"
            ) from None
    return overrides


def apply_environment(worker: Worker, environ: Optional[Mapping[str, str]] = None) -> Worker:
    """``worker`` with the environment's overrides applied (the same object when there are none)."""
    overrides = resolve_overrides(worker, environ)
    return worker.replace(**overrides) if overrides else worker


__all__ = ["apply_environment", "env_variable_names", "resolve_overrides"]
