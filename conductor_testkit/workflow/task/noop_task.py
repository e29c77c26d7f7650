"""NOOP: does nothing and completes at once (its input parameters are ignored)."""

from __future__ import annotations

from typing_extensions import Unpack

from conductor_testkit.models import TaskType
from conductor_testkit.workflow.task.task import TaskInterface, TaskOptions


class NoopTask(TaskInterface, wire_type="NOOP"):
    """A NOOP task (not in the official SDK 2.0.0)."""

    def __init__(self, task_ref_name: str, **options: Unpack[TaskOptions]) -> None:
        super().__init__(task_reference_name=task_ref_name, task_type=TaskType.NOOP, **options)
