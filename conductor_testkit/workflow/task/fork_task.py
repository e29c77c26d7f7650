"""FORK_JOIN: run task lists in parallel; a JOIN right after it waits for them."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from typing_extensions import Unpack

from conductor_testkit.errors import DefinitionError
from conductor_testkit.models import TaskType
from conductor_testkit.workflow.task.join_task import JoinTask
from conductor_testkit.workflow.task.task import TaskInterface, TaskOptions, as_task_list


def is_join(task: Optional[TaskInterface]) -> bool:
    """Whether ``task`` is a JOIN (so a fork right before it needs no implicit one)."""
    return task is not None and task.get_field("type") == TaskType.JOIN.value


class ForkTask(TaskInterface, wire_type="FORK_JOIN"):
    """A static fork.

    When the task following the fork in its list is not a JOIN, a JOIN is rendered after it:
    ``<ref>_join`` on ``join_on`` when given, else ``join_<ref>`` on the last task of each branch
    (the official SDK's names). An explicit :class:`JoinTask` right after the fork replaces it.

    Args:
        task_ref_name: reference of the fork.
        forked_tasks: the branches, each a list of tasks (a single task is a one-task branch;
            a ConductorWorkflow becomes an inline sub-workflow).
        join_on: references the implicit JOIN waits for.
    """

    # a fork loaded from JSON renders exactly as loaded (no implicit JOIN)
    _auto_join: bool = False
    _join_on: Optional[List[str]] = None

    def __init__(
        self,
        task_ref_name: str,
        forked_tasks: Sequence[Any],
        join_on: Optional[List[str]] = None,
        **options: Unpack[TaskOptions],
    ) -> None:
        super().__init__(task_reference_name=task_ref_name, task_type=TaskType.FORK_JOIN, **options)
        if not isinstance(forked_tasks, (list, tuple)) or not forked_tasks:
            raise DefinitionError(
                f"ForkTask {task_ref_name!r}: forked_tasks must be a non-empty list of branches "
                f"(each a list of tasks), received {forked_tasks!r}"
            )
        branches = []
        for index, branch in enumerate(forked_tasks):
            tasks = as_task_list(branch, f"ForkTask {task_ref_name!r}, branch {index}")
            if not tasks:
                raise DefinitionError(f"ForkTask {task_ref_name!r}: branch {index} has no tasks")
            branches.append(tasks)
        self._fields["forkTasks"] = branches
        self._auto_join = True
        self._join_on = list(join_on) if join_on is not None else None

    @property
    def branches(self) -> List[List[TaskInterface]]:
        """The branches (live lists)."""
        return self._fields.setdefault("forkTasks", [])  # type: ignore[no-any-return]

    def implicit_join(self) -> JoinTask:
        """The JOIN rendered after this fork when none follows it."""
        if self._join_on is not None:
            return JoinTask(self.task_reference_name + "_join", join_on=self._join_on)
        last_refs = [branch[-1].task_reference_name for branch in self.branches if branch]
        return JoinTask("join_" + self.task_reference_name, join_on=last_refs)

    def render_in_list(self, following: Optional[TaskInterface]) -> List[Dict[str, Any]]:
        if not self._auto_join or is_join(following):
            return [self.to_dict()]
        return [self.to_dict(), self.implicit_join().to_dict()]
