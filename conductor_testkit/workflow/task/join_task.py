"""JOIN: wait for the branches of the fork right before it."""

from __future__ import annotations

from typing import List, Optional

from typing_extensions import Unpack

from conductor_testkit.models import TaskType
from conductor_testkit.workflow.task.task import TaskInterface, TaskOptions


class JoinTask(TaskInterface, wire_type="JOIN"):
    """A JOIN.

    Args:
        task_ref_name: reference of the JOIN.
        join_on: references of the fork's tasks to wait for (usually the last task of each
            branch). Its output maps each of them to its output.
        join_on_script: a script deciding when the join is done (Orkes only; the OSS server
            ignores it).
    """

    def __init__(
        self,
        task_ref_name: str,
        join_on: Optional[List[str]] = None,
        join_on_script: Optional[str] = None,
        **options: Unpack[TaskOptions],
    ) -> None:
        super().__init__(task_reference_name=task_ref_name, task_type=TaskType.JOIN, **options)
        if join_on is not None:
            self._fields["joinOn"] = list(join_on)
        if join_on_script is not None:
            self._fields["evaluatorType"] = "js"
            self._fields["expression"] = join_on_script

    @property
    def join_on(self) -> List[str]:
        """The references this JOIN waits for (a copy)."""
        return list(self._fields.get("joinOn") or [])
