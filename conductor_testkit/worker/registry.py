"""The registry of ``@worker_task`` functions: what the TaskHandler scans and the engine looks up.

Keyed by (task definition name, domain), like the official SDK, so one function may serve a task
type in several domains. Registering the same key again replaces the earlier worker (a module
imported twice, or a test redefining a worker).
"""

from __future__ import annotations

import threading
from typing import Dict, List, Optional, Tuple

from conductor_testkit.worker.worker import Worker

_lock = threading.Lock()
_workers: Dict[Tuple[str, Optional[str]], Worker] = {}


def register_worker(worker: Worker) -> Worker:
    """Add ``worker`` to the registry (what ``@worker_task`` does) and return it."""
    with _lock:
        _workers[(worker.task_definition_name, worker.domain)] = worker
    return worker


def unregister_worker(task_definition_name: str, domain: Optional[str] = None) -> Optional[Worker]:
    """Remove a registered worker; returns it, or None when there was none."""
    with _lock:
        return _workers.pop((task_definition_name, domain), None)


def get_registered_workers() -> List[Worker]:
    """Every registered worker, in registration order."""
    with _lock:
        return list(_workers.values())


def get_registered_worker(task_definition_name: str, domain: Optional[str] = None) -> Optional[Worker]:
    """The worker registered for a task type (and domain), or None.

    Without an exact (name, domain) match, a worker of that name registered without a domain is
    returned: it is the one a domain-less poll would reach.
    """
    with _lock:
        worker = _workers.get((task_definition_name, domain))
        if worker is None and domain is not None:
            worker = _workers.get((task_definition_name, None))
        return worker


def get_registered_worker_names() -> List[str]:
    """The task definition names of the registered workers."""
    with _lock:
        return [name for name, _ in _workers]


__all__ = [
    "get_registered_worker",
    "get_registered_worker_names",
    "get_registered_workers",
    "register_worker",
    "unregister_worker",
]
