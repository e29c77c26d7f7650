"""HUMAN: wait until a person (through the API) completes the task."""

from __future__ import annotations

from typing import Optional

from typing_extensions import Unpack

from conductor_testkit.models import TaskType
from conductor_testkit.models.enums import WireEnum
from conductor_testkit.workflow.task.task import TaskInterface, TaskOptions


class AssignmentCompletionStrategy(WireEnum):
    """What happens to a HUMAN task's assignment when it completes (Orkes only)."""

    LEAVE_OPEN = "LEAVE_OPEN"
    TERMINATE = "TERMINATE"


class TriggerType(WireEnum):
    """HUMAN task state changes that can trigger actions (Orkes only)."""

    ASSIGNED = "ASSIGNED"
    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    TIMED_OUT = "TIMED_OUT"
    ASSIGNEE_CHANGED = "ASSIGNEE_CHANGED"


class HumanTask(TaskInterface, wire_type="HUMAN"):
    """A HUMAN task. On the OSS server it stays IN_PROGRESS until updated through the API; the
    form settings (``__humanTaskDefinition``) are read by Orkes only and kept as input."""

    def __init__(
        self,
        task_ref_name: str,
        display_name: Optional[str] = None,
        form_template: Optional[str] = None,
        form_version: int = 0,
        assignment_completion_strategy: AssignmentCompletionStrategy = (
            AssignmentCompletionStrategy.LEAVE_OPEN
        ),
        **options: Unpack[TaskOptions],
    ) -> None:
        super().__init__(task_reference_name=task_ref_name, task_type=TaskType.HUMAN, **options)
        self.input_parameters["__humanTaskDefinition"] = {
            "assignmentCompletionStrategy": AssignmentCompletionStrategy(
                assignment_completion_strategy
            ).value,
            "displayName": display_name,
            "userFormTemplate": {"name": form_template, "version": form_version},
        }
