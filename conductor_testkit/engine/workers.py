"""In-process workers by task type, from the forms users pass them in."""

from __future__ import annotations

from typing import Any, Dict

from conductor_testkit.errors import DefinitionError

__all__ = ["workers_by_type"]


def workers_by_type(workers: Any) -> Dict[str, Any]:
    """Task type -> worker from ``@worker_task`` functions, ``Worker`` objects, or a mapping
    ``{task_type: function_or_worker}`` (the way to use a plain function as a worker)."""
    from conductor_testkit.worker import Worker

    out: Dict[str, Any] = {}
    if workers is None:
        return out
    if isinstance(workers, dict) or hasattr(workers, "items"):
        for name, target in workers.items():
            worker = getattr(target, "worker", target)
            out[str(name)] = worker if hasattr(worker, "execute") else Worker(str(name), target)
        return out
    for item in workers:
        worker = getattr(item, "worker", item)
        name = getattr(worker, "task_definition_name", None)
        if not name or not hasattr(worker, "execute"):
            raise DefinitionError(
                f"workers: {item!r} is neither a @worker_task function nor a Worker; pass "
                "{'task_name': function} to use a plain function as the worker of a task type"
            )
        out[str(name)] = worker
    return out
