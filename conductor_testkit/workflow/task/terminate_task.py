"""TERMINATE: end the workflow now with a status, a reason and an output."""

from __future__ import annotations

from typing import Any, Optional, Union

from typing_extensions import Unpack

from conductor_testkit.errors import DefinitionError
from conductor_testkit.models import TaskType, WorkflowStatus
from conductor_testkit.workflow.task.task import TaskInterface, TaskOptions

# the statuses the server accepts for terminationStatus (checked as literals at registration)
TERMINATION_STATUSES = ("COMPLETED", "FAILED", "TERMINATED")


class TerminateTask(TaskInterface, wire_type="TERMINATE"):
    """End the workflow.

    Args:
        task_ref_name: reference of the task.
        status: COMPLETED, FAILED or TERMINATED.
        termination_reason: the workflow's ``reasonForIncompletion``.
        workflow_output: the workflow's output (its ``outputParameters`` are then ignored).
    """

    def __init__(
        self,
        task_ref_name: str,
        status: Union[WorkflowStatus, str],
        termination_reason: Optional[str] = None,
        workflow_output: Any = None,
        **options: Unpack[TaskOptions],
    ) -> None:
        super().__init__(task_reference_name=task_ref_name, task_type=TaskType.TERMINATE, **options)
        value = status.value if isinstance(status, WorkflowStatus) else status
        if value not in TERMINATION_STATUSES:
            raise DefinitionError(
                f"TerminateTask {task_ref_name!r}: status must be one of "
                f"{', '.join(TERMINATION_STATUSES)} (a literal; the server rejects expressions), "
                f"received {status!r}"
            )
        self.input_parameters["terminationStatus"] = value
        if termination_reason is not None:
            self.input_parameters["terminationReason"] = termination_reason
        if workflow_output is not None:
            self.input_parameters["workflowOutput"] = workflow_output


__all__ = ["TERMINATION_STATUSES", "TerminateTask", "WorkflowStatus"]
