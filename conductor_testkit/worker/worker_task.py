"""``@worker_task``: turn a plain function into a Conductor worker.

::

    @worker_task(task_definition_name="greet")
    def greet(name: str) -> str:
        return f"Hello {name}"

    greet(name="x")                                  # 'Hello x': still a plain function
    greet(task_ref_name="greet_ref", name="${workflow.input.name}")   # a SimpleTask for the DSL

The decorated function is registered (see ``registry``): ``TaskHandler(scan_for_annotated_workers=True)``
polls for it, and the in-memory engine runs it for tasks of that name.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Optional, Protocol, cast

from conductor_testkit.models import TaskDef
from conductor_testkit.worker.registry import register_worker
from conductor_testkit.worker.worker import DEFAULT_POLL_TIMEOUT_MILLIS, Worker


class WorkerFunction(Protocol):
    """A ``@worker_task`` function: call it to run it, or with ``task_ref_name=`` for a SimpleTask."""

    worker: Worker
    __name__: str

    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...


def worker_task(
    task_definition_name: str,
    poll_interval_millis: Optional[float] = None,
    domain: Optional[str] = None,
    worker_id: Optional[str] = None,
    thread_count: int = 1,
    register_task_def: bool = False,
    poll_timeout: int = DEFAULT_POLL_TIMEOUT_MILLIS,
    lease_extend_enabled: bool = False,
    task_def: Optional[TaskDef] = None,
    poll_interval: Optional[float] = None,
) -> Callable[[Callable[..., Any]], WorkerFunction]:
    """Register the decorated function as the worker for ``task_definition_name``.

    The settings are those of :class:`Worker` (``poll_interval`` is the official SDK's older
    spelling of ``poll_interval_millis``). Environment variables override them when a TaskHandler
    starts (see ``conductor_testkit.worker.settings``).

    Called with ``task_ref_name=...``, the function returns ``SimpleTask(task_def_name=<name>,
    task_reference_name=<ref>)`` whose input parameters are the other keyword arguments, instead
    of running; this is how workflows are written with the DSL.
    """

    def decorate(function: Callable[..., Any]) -> WorkerFunction:
        worker = Worker(
            task_definition_name,
            function,
            poll_interval_millis=poll_interval_millis,
            domain=domain,
            worker_id=worker_id,
            thread_count=thread_count,
            register_task_def=register_task_def,
            poll_timeout=poll_timeout,
            lease_extend_enabled=lease_extend_enabled,
            task_def=task_def,
            poll_interval=poll_interval,
        )
        register_worker(worker)

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if "task_ref_name" in kwargs:
                return _simple_task(task_definition_name, kwargs)
            return function(*args, **kwargs)

        wrapper.__conductor_function__ = function  # type: ignore[attr-defined]
        wrapper.worker = worker  # type: ignore[attr-defined]
        return cast(WorkerFunction, wrapper)

    return decorate


def _simple_task(task_definition_name: str, kwargs: dict) -> Any:
    # imported here: running workers does not need the DSL loaded
    from conductor_testkit.workflow.task.simple_task import SimpleTask

    inputs = dict(kwargs)
    reference = inputs.pop("task_ref_name")
    task = SimpleTask(task_def_name=task_definition_name, task_reference_name=reference)
    task.input_parameters.update(inputs)
    return task


WorkerTask = worker_task
"""The official SDK's older (CamelCase) name of :func:`worker_task`."""

__all__ = ["WorkerFunction", "WorkerTask", "worker_task"]
