"""EXCLUSIVE_JOIN: after a SWITCH/DECISION, complete with the output of the branch that ran."""

from __future__ import annotations

from typing import List, Optional

from typing_extensions import Unpack

from conductor_testkit.models import TaskType
from conductor_testkit.workflow.task.task import TaskInterface, TaskOptions


class ExclusiveJoin(TaskInterface, wire_type="EXCLUSIVE_JOIN"):
    """An EXCLUSIVE_JOIN (not in the official SDK 2.0.0).

    Args:
        task_ref_name: reference of the task.
        join_on: candidate references (the last task of each branch); the first one that ran
            gives the output.
        default_exclusive_join_task: references used when none of ``join_on`` ran.
    """

    def __init__(
        self,
        task_ref_name: str,
        join_on: Optional[List[str]] = None,
        default_exclusive_join_task: Optional[List[str]] = None,
        **options: Unpack[TaskOptions],
    ) -> None:
        super().__init__(task_reference_name=task_ref_name, task_type=TaskType.EXCLUSIVE_JOIN, **options)
        if join_on is not None:
            self._fields["joinOn"] = list(join_on)
        if default_exclusive_join_task is not None:
            self._fields["defaultExclusiveJoinTask"] = list(default_exclusive_join_task)
