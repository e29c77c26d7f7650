"""SIMPLE: a task executed by a worker polling for its task definition name."""

from __future__ import annotations

from typing import Any, Dict, Optional

from typing_extensions import Unpack

from conductor_testkit.models import TaskType
from conductor_testkit.workflow.task.task import TaskInterface, TaskOptions


class SimpleTask(TaskInterface, wire_type="SIMPLE"):
    """A worker task: ``SimpleTask('charge_card', 'charge_ref')``.

    Args:
        task_def_name: the task definition name workers poll for (wire ``name``).
        task_reference_name: unique reference of this task in the workflow.
    """

    def __init__(self, task_def_name: str, task_reference_name: str, **options: Unpack[TaskOptions]) -> None:
        super().__init__(
            task_reference_name=task_reference_name,
            task_type=TaskType.SIMPLE,
            task_name=task_def_name,
            **options,
        )


def simple_task(
    task_def_name: str, task_reference_name: str, inputs: Optional[Dict[str, Any]] = None
) -> SimpleTask:
    """A SimpleTask with ``inputs`` as its input parameters."""
    task = SimpleTask(task_def_name=task_def_name, task_reference_name=task_reference_name)
    task.input_parameters.update(inputs or {})
    return task
