"""SET_VARIABLE: write each input parameter into the workflow's variables."""

from __future__ import annotations

from typing_extensions import Unpack

from conductor_testkit.models import TaskType
from conductor_testkit.workflow.task.task import TaskInterface, TaskOptions


class SetVariableTask(TaskInterface, wire_type="SET_VARIABLE"):
    """Set workflow variables: its input parameters (read with ``${workflow.variables.x}``)."""

    def __init__(self, task_ref_name: str, **options: Unpack[TaskOptions]) -> None:
        super().__init__(task_reference_name=task_ref_name, task_type=TaskType.SET_VARIABLE, **options)
