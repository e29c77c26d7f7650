"""DYNAMIC: a worker task whose task definition name is read from the input at run time."""

from __future__ import annotations

from typing import Any

from typing_extensions import Unpack

from conductor_testkit.models import TaskType
from conductor_testkit.workflow.task.task import TaskInterface, TaskOptions


class DynamicTask(TaskInterface, wire_type="DYNAMIC"):
    """A DYNAMIC task.

    Args:
        dynamic_task: the task name, usually an expression (``'${workflow.input.task}'``).
        task_reference_name: reference of the task.
        dynamic_task_param: the input parameter holding the name.
    """

    def __init__(
        self,
        dynamic_task: Any,
        task_reference_name: str,
        dynamic_task_param: str = "taskToExecute",
        **options: Unpack[TaskOptions],
    ) -> None:
        super().__init__(
            task_reference_name=task_reference_name,
            task_type=TaskType.DYNAMIC,
            task_name="dynamic_task",
            **options,
        )
        self.input_parameters[dynamic_task_param] = dynamic_task
        self._fields["dynamicTaskNameParam"] = dynamic_task_param
