"""The worker runtime: ``@worker_task`` functions, pure ``Worker`` objects and the polling ``TaskHandler``.

``Worker.execute(task) -> TaskResult`` does no I/O. Two drivers call it: the :class:`TaskHandler`
(polling a server) and the in-memory engine (in-process, looking workers up with
:func:`get_registered_worker`).
"""

from conductor_testkit.worker.context import TaskContext, TaskInProgress, get_task_context
from conductor_testkit.worker.exceptions import NonRetryableException, WorkerInputError, WorkerOutputError
from conductor_testkit.worker.health import WorkerHealth
from conductor_testkit.worker.metrics import InMemoryMetrics, MetricsCollector, PrometheusMetrics
from conductor_testkit.worker.registry import (
    get_registered_worker,
    get_registered_worker_names,
    get_registered_workers,
    register_worker,
    unregister_worker,
)
from conductor_testkit.worker.settings import env_variable_names
from conductor_testkit.worker.task_handler import TaskHandler
from conductor_testkit.worker.task_runner import TaskRunner
from conductor_testkit.worker.worker import Worker
from conductor_testkit.worker.worker_task import WorkerFunction, WorkerTask, worker_task

__all__ = [
    # Primary types
    "TaskHandler",
    "Worker",
    "worker_task",
    # Inside a worker function
    "NonRetryableException",
    "TaskContext",
    "TaskInProgress",
    "get_task_context",
    # The registry of @worker_task functions (what the engine looks up)
    "get_registered_worker",
    "get_registered_worker_names",
    "get_registered_workers",
    "register_worker",
    "unregister_worker",
    # Health and metrics
    "WorkerHealth",
    "InMemoryMetrics",
    "MetricsCollector",
    "PrometheusMetrics",
    # Advanced
    "TaskRunner",
    "WorkerInputError",
    "WorkerFunction",
    "WorkerOutputError",
    "WorkerTask",
    "env_variable_names",
]
