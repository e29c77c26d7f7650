"""FORK_JOIN_DYNAMIC: fork into tasks listed in the input at run time."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from typing_extensions import Unpack

from conductor_testkit.models import TaskType
from conductor_testkit.workflow.task.fork_task import is_join
from conductor_testkit.workflow.task.join_task import JoinTask
from conductor_testkit.workflow.task.task import TaskInterface, TaskOptions


class DynamicForkTask(TaskInterface, wire_type="FORK_JOIN_DYNAMIC"):
    """A dynamic fork: the input parameter ``tasks_param`` holds the WorkflowTask list to run and
    ``tasks_input_param_name`` a map reference -> input. Set both with ``input_parameters``.

    The JOIN the server needs after it is ``join_task`` when given; otherwise, when the next task
    in the list is not a JOIN, ``join_<ref>`` is rendered.
    """

    _auto_join: bool = False
    _join_task: Optional[JoinTask] = None

    def __init__(
        self,
        task_ref_name: str,
        tasks_param: str = "dynamicTasks",
        tasks_input_param_name: str = "dynamicTasksInputs",
        join_task: Optional[JoinTask] = None,
        **options: Unpack[TaskOptions],
    ) -> None:
        super().__init__(task_reference_name=task_ref_name, task_type=TaskType.FORK_JOIN_DYNAMIC, **options)
        self._fields["dynamicForkTasksParam"] = tasks_param
        self._fields["dynamicForkTasksInputParamName"] = tasks_input_param_name
        self._auto_join = True
        self._join_task = join_task

    def render_in_list(self, following: Optional[TaskInterface]) -> List[Dict[str, Any]]:
        if self._join_task is not None:
            return [self.to_dict(), self._join_task.to_dict()]
        if not self._auto_join or is_join(following):
            return [self.to_dict()]
        return [self.to_dict(), JoinTask("join_" + self.task_reference_name).to_dict()]
