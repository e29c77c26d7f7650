"""EVENT: publish the task's input as a message to a sink (``conductor:<queue>``, ``sqs:<queue>``)."""

from __future__ import annotations

from typing_extensions import Unpack

from conductor_testkit.workflow.task.task import TaskInterface, TaskOptions, require_non_empty_str


class EventTask(TaskInterface, wire_type="EVENT"):
    """An EVENT task publishing to ``sink`` (e.g. ``'conductor:my_queue'``)."""

    def __init__(self, task_ref_name: str, sink: str, **options: Unpack[TaskOptions]) -> None:
        super().__init__(task_reference_name=task_ref_name, task_type="EVENT", **options)
        self._fields["sink"] = require_non_empty_str(sink, "sink", type(self).__name__)

    @property
    def sink(self) -> str:
        """Where the message goes (``conductor:<queue>``, ``sqs:<queue>``, ...)."""
        return str(self._fields.get("sink", ""))


class EventTaskInterface(EventTask):
    """An EVENT task publishing to ``<event_prefix>:<event_suffix>``."""

    def __init__(
        self,
        task_ref_name: str,
        event_prefix: str,
        event_suffix: str,
        **options: Unpack[TaskOptions],
    ) -> None:
        super().__init__(task_ref_name, f"{event_prefix}:{event_suffix}", **options)


class SqsEventTask(EventTaskInterface):
    """Publish to the SQS queue ``queue_name`` (sink ``sqs:<queue_name>``)."""

    def __init__(self, task_ref_name: str, queue_name: str, **options: Unpack[TaskOptions]) -> None:
        super().__init__(task_ref_name, "sqs", queue_name, **options)


class ConductorEventTask(EventTaskInterface):
    """Publish to Conductor's own queue ``event_name`` (sink ``conductor:<event_name>``), which
    event handlers listen to."""

    def __init__(self, task_ref_name: str, event_name: str, **options: Unpack[TaskOptions]) -> None:
        super().__init__(task_ref_name, "conductor", event_name, **options)
