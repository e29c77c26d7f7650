"""Single-task tests: run one worker (or function) on one task, with no workflow around it.

::

    env = TaskEnvironment(now=datetime(2030, 1, 1, tzinfo=timezone.utc))
    run = env.run(charge_card, {"amount": 30}, retry_count=1)
    assert run.status == "COMPLETED" and run.output == {"charged": 30}
    assert run.logs == ["charging 30"]

The worker runs exactly as a driver runs it (``Worker.execute``: the task context, input binding,
exceptions turned into FAILED results), on the environment's virtual clock: ``datetime.now()``
and ``time.time()`` inside it read ``env.clock``. An ``AssertionError`` raised by the worker's
code fails the test where it was raised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional, Union

from conductor_testkit.engine import VirtualClock, WorkerTimeFreezer, workers_by_type
from conductor_testkit.errors import DefinitionError
from conductor_testkit.models import Task, TaskResult

__all__ = ["TaskEnvironment", "TaskRun"]


@dataclass
class TaskRun:
    """What one task execution returned: the TaskResult, and its parts at hand."""

    task: Task
    result: TaskResult

    @property
    def status(self) -> str:
        return str(getattr(self.result.status, "value", self.result.status))

    @property
    def output(self) -> Dict[str, Any]:
        return dict(self.result.output_data or {})

    @property
    def reason(self) -> Optional[str]:
        return self.result.reason_for_incompletion

    @property
    def callback_after_seconds(self) -> int:
        return int(self.result.callback_after_seconds or 0)

    @property
    def logs(self) -> List[str]:
        """The log lines the worker added (``get_task_context().add_log``), in order."""
        return [str(entry.log) for entry in self.result.logs or []]


class TaskEnvironment:
    """A fake task context on a virtual clock, to run one worker at a time.

    Args:
        now: the virtual time (a datetime, or epoch milliseconds); default 2024-01-01T00:00Z.
        clock: a clock to share (instead of ``now``).
        task_defaults: Task fields every run starts from (``workflow_instance_id``,
            ``task_def_name``, ...), by their snake_case names.
    """

    def __init__(
        self,
        *,
        now: Union[datetime, int, None] = None,
        clock: Optional[VirtualClock] = None,
        task_defaults: Optional[Mapping[str, Any]] = None,
    ) -> None:
        if clock is None:
            clock = VirtualClock() if now is None else VirtualClock(now)
        self.clock = clock
        self.task_defaults = dict(task_defaults or {})
        self._runs = 0

    def run(self, worker: Any, input: Optional[Mapping[str, Any]] = None, **task_fields: Any) -> TaskRun:
        """Run ``worker`` (a ``@worker_task`` function, a ``Worker``, or a plain function) on a task
        with ``input`` and the given Task fields (``retry_count=2``, ``poll_count=3``, ...)."""
        __tracebackhide__ = True
        target = _worker_of(worker)
        self._runs += 1
        now = self.clock.now_ms()
        fields: Dict[str, Any] = {
            "task_id": f"task-{self._runs}",
            "workflow_instance_id": "workflow-1",
            "task_type": target.task_definition_name,
            "task_def_name": target.task_definition_name,
            "reference_task_name": target.task_definition_name,
            "status": "IN_PROGRESS",
            "retry_count": 0,
            "poll_count": 1,
            "scheduled_time": now,
            "start_time": now,
            "update_time": now,
            **self.task_defaults,
            **task_fields,
            "input_data": dict(input or {}),
        }
        try:
            task = Task(**fields)
        except TypeError as exc:
            raise DefinitionError(f"TaskEnvironment.run: {exc}") from None
        with WorkerTimeFreezer(self.clock) as freezer:
            freezer.move()
            result = target.execute(task, raise_errors=(AssertionError,))
        return TaskRun(task, result)


def _worker_of(worker: Any) -> Any:
    from conductor_testkit.worker import Worker

    target = getattr(worker, "worker", worker)
    if isinstance(target, Worker):
        return target
    if callable(target):
        name = getattr(target, "__name__", "task")
        return workers_by_type({name: target})[name]
    raise DefinitionError(
        f"TaskEnvironment.run: expected a @worker_task function, a Worker or a function, received {worker!r}"
    )
