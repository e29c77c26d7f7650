"""``Worker``: a task definition name bound to a Python function, executed purely.

``Worker.execute(task) -> TaskResult`` does no I/O and no polling: it converts the task's input
to the function's arguments, runs the function (``async def`` too), and turns what it returned
or raised into a result. The TaskHandler drives it by polling a server; the in-memory engine
drives the same object in-process. Neither the worker nor its function knows which.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import copy
import inspect
import socket
import traceback
from typing import Any, Callable, Optional, Tuple, Type

from conductor_testkit.errors import ConfigurationError
from conductor_testkit.models import Task, TaskDef, TaskResult, TaskResultStatus
from conductor_testkit.worker.context import TaskContext, TaskInProgress, _current
from conductor_testkit.worker.conversion import InputBinder, output_from
from conductor_testkit.worker.exceptions import NonRetryableException, WorkerInputError, WorkerOutputError

ExecuteFunction = Callable[..., Any]

DEFAULT_POLL_INTERVAL_MILLIS = 100
DEFAULT_POLL_TIMEOUT_MILLIS = 100


def _default_worker_id() -> str:
    # the official SDK identifies workers by host name; keep that so server-side views match
    return socket.gethostname()


class Worker:
    """A worker for one task type: ``Worker("greet", greet_function, thread_count=4)``.

    Polling settings (used by the TaskHandler, ignored by the engine):

    - ``poll_interval_millis``: the longest pause between polls while the queue is empty
      (``poll_interval`` is accepted as the official SDK's older spelling of the same setting);
    - ``poll_timeout``: how long the server holds a poll open waiting for a task (milliseconds);
    - ``thread_count``: how many tasks of this type run at once;
    - ``domain``: the task domain polled (None: no domain);
    - ``worker_id``: reported with polls and results (default: the host name);
    - ``register_task_def``: register a task definition (``task_def`` or a default one) on start;
    - ``lease_extend_enabled``: while a task runs longer than 80% of its responseTimeoutSeconds,
      tell the server it is still alive;
    - ``paused``: do not poll.
    """

    def __init__(
        self,
        task_definition_name: str,
        execute_function: ExecuteFunction,
        poll_interval_millis: Optional[float] = None,
        domain: Optional[str] = None,
        worker_id: Optional[str] = None,
        thread_count: int = 1,
        register_task_def: bool = False,
        poll_timeout: int = DEFAULT_POLL_TIMEOUT_MILLIS,
        lease_extend_enabled: bool = False,
        task_def: Optional[TaskDef] = None,
        paused: bool = False,
        poll_interval: Optional[float] = None,
    ) -> None:
        if not task_definition_name or not isinstance(task_definition_name, str):
            raise ConfigurationError(
                f"Worker: task_definition_name must be a non-empty string, received {task_definition_name!r}"
            )
        if not callable(execute_function):
            raise ConfigurationError(
                f"Worker {task_definition_name!r}: execute_function must be callable, "
                f"received {type(execute_function).__name__}"
            )
        if poll_interval_millis is not None and poll_interval is not None:
            raise ConfigurationError(
                f"Worker {task_definition_name!r}: give poll_interval_millis or poll_interval, not both"
            )
        if thread_count < 1:
            raise ConfigurationError(
                f"Worker {task_definition_name!r}: thread_count must be >= 1, received {thread_count}"
            )
        interval = poll_interval_millis if poll_interval_millis is not None else poll_interval
        # a @worker_task function: run the undecorated function, so an input named task_ref_name
        # cannot turn an execution into building a workflow task
        inner = getattr(execute_function, "__conductor_function__", None)
        self.task_definition_name = task_definition_name
        self.execute_function: ExecuteFunction = inner if inner is not None else execute_function
        self.poll_interval_millis = float(interval if interval is not None else DEFAULT_POLL_INTERVAL_MILLIS)
        self.domain = domain
        self.worker_id = worker_id or _default_worker_id()
        self.thread_count = int(thread_count)
        self.register_task_def = register_task_def
        self.poll_timeout = int(poll_timeout)
        self.lease_extend_enabled = lease_extend_enabled
        self.task_def = task_def
        self.paused = paused
        self._binder = InputBinder(self.execute_function, task_definition_name)

    def __getstate__(self) -> dict:
        # the input binder holds closures; rebuild it after unpickling (spawned worker processes)
        state = self.__dict__.copy()
        state.pop("_binder", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._binder = InputBinder(self.execute_function, self.task_definition_name)

    # -- identity and settings -------------------------------------------------------------------

    def get_identity(self) -> str:
        """The worker id sent with polls and results."""
        return self.worker_id

    def get_task_definition_name(self) -> str:
        return self.task_definition_name

    @property
    def poll_interval_seconds(self) -> float:
        return self.poll_interval_millis / 1000.0

    def replace(self, **changes: Any) -> Worker:
        """A copy with some settings changed (``worker.replace(domain="blue", thread_count=4)``)."""
        unknown = set(changes) - _SETTINGS
        if unknown:
            raise ConfigurationError(
                f"Worker {self.task_definition_name!r}: unknown settings {sorted(unknown)}; "
                f"known: {sorted(_SETTINGS)}"
            )
        clone = copy.copy(self)
        for name, value in changes.items():
            setattr(clone, name, value)
        if clone.thread_count < 1:
            raise ConfigurationError(
                f"Worker {self.task_definition_name!r}: thread_count must be >= 1, "
                f"received {clone.thread_count}"
            )
        return clone

    def __repr__(self) -> str:
        function = getattr(self.execute_function, "__qualname__", repr(self.execute_function))
        extras = "".join(
            f", {name}={getattr(self, name)!r}"
            for name in ("domain", "thread_count")
            if getattr(self, name) not in (None, 1)
        )
        return f"Worker({self.task_definition_name!r}, {function}{extras})"

    # -- execution -------------------------------------------------------------------------------

    def execute(self, task: Task, *, raise_errors: Tuple[Type[BaseException], ...] = ()) -> TaskResult:
        """Run the function for ``task`` and return the result to report. Never raises for
        errors of the worker's code, except those of the types in ``raise_errors`` (the engine
        passes ``(AssertionError,)`` so a failed assert in a worker ends the test instead of
        becoming a retried task failure).

        - returned value -> COMPLETED with the output (see ``conversion.output_from``);
        - ``TaskResult`` -> that result (task and workflow ids filled in);
        - ``TaskInProgress`` -> IN_PROGRESS with callbackAfterSeconds;
        - ``NonRetryableException`` -> FAILED_WITH_TERMINAL_ERROR;
        - any other exception -> FAILED, its message as reasonForIncompletion, the traceback in the logs;
        - input that does not fit the signature -> FAILED naming the parameter.
        """
        result = TaskResult(
            task_id=task.task_id,
            workflow_instance_id=task.workflow_instance_id,
            worker_id=self.worker_id,
        )
        token = _current.set(TaskContext(task, result))
        try:
            try:
                kwargs = self._binder.bind(task)
                value = self.execute_function(**kwargs)
                if inspect.isawaitable(value):
                    value = run_awaitable(value)
                return self._result_for(value, task, result)
            except raise_errors:
                raise
            except NonRetryableException as exc:
                return _failed(result, TaskResultStatus.FAILED_WITH_TERMINAL_ERROR, exc)
            except (WorkerInputError, WorkerOutputError) as exc:
                return _failed(result, TaskResultStatus.FAILED, exc, with_traceback=False)
            except Exception as exc:
                return _failed(result, TaskResultStatus.FAILED, exc)
        finally:
            _current.reset(token)

    def _result_for(self, value: Any, task: Task, context_result: TaskResult) -> TaskResult:
        if isinstance(value, TaskResult):
            value.task_id = task.task_id
            value.workflow_instance_id = task.workflow_instance_id
            if value.worker_id is None:
                value.worker_id = self.worker_id
            if value.status is None:
                value.status = TaskResultStatus.COMPLETED
            if context_result.logs:
                value.logs = list(context_result.logs) + list(value.logs or [])
            if value.callback_after_seconds is None:
                value.callback_after_seconds = context_result.callback_after_seconds
            return value
        result = context_result
        if isinstance(value, TaskInProgress):
            result.status = TaskResultStatus.IN_PROGRESS
            result.callback_after_seconds = value.callback_after_seconds
            result.output_data = output_from(value.output, self.task_definition_name)
            return result
        result.status = TaskResultStatus.COMPLETED
        if value is None and result.output_data:
            # the worker set its output through the task context and returned nothing
            return result
        result.output_data = output_from(value, self.task_definition_name)
        return result


_SETTINGS = {
    "poll_interval_millis",
    "domain",
    "worker_id",
    "thread_count",
    "register_task_def",
    "poll_timeout",
    "lease_extend_enabled",
    "task_def",
    "paused",
}


def _failed(
    result: TaskResult, status: TaskResultStatus, exc: BaseException, with_traceback: bool = True
) -> TaskResult:
    result.status = status
    result.reason_for_incompletion = str(exc) or type(exc).__name__
    result.output_data = {}
    if with_traceback:
        result.log(traceback.format_exc())
    else:
        result.log(f"{type(exc).__name__}: {exc}")
    return result


def run_awaitable(awaitable: Any) -> Any:
    """Run a coroutine to completion from synchronous code, keeping the current contextvars.

    In a thread without a running event loop this is ``asyncio.run``; when called from inside a
    running loop (an engine driven from an async test), it runs on a helper thread, because a
    loop cannot be re-entered.
    """

    async def wrap() -> Any:
        return await awaitable

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(wrap())
    context = contextvars.copy_context()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(context.run, asyncio.run, wrap()).result()


__all__ = ["DEFAULT_POLL_INTERVAL_MILLIS", "DEFAULT_POLL_TIMEOUT_MILLIS", "ExecuteFunction", "Worker"]
