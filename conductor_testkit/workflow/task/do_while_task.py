"""DO_WHILE: repeat a task list while a JavaScript condition holds (or over a list of items)."""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Union

from typing_extensions import Unpack

from conductor_testkit.errors import DefinitionError
from conductor_testkit.models import TaskType
from conductor_testkit.workflow.task.task import TaskInterface, TaskOptions, as_task_list


def get_for_loop_condition(task_ref_name: str, iterations: int) -> str:
    """The loop condition that runs a loop body ``iterations`` times."""
    return f"if ( $.{task_ref_name}.iteration < {iterations} ) {{ true; }} else {{ false; }}"


class DoWhileTask(TaskInterface, wire_type="DO_WHILE"):
    """A DO_WHILE loop. The body runs once, then again while ``termination_condition`` is true.

    Args:
        task_ref_name: reference of the loop; body tasks run as ``<ref>__<iteration>``.
        termination_condition: JavaScript over ``$``: ``$.<loop_ref>.iteration`` is the counter,
            ``$.<body_ref>`` a body task's output, the loop's input parameters are there too.
        tasks: the body (a task, a workflow or a list of them).
    """

    def __init__(
        self,
        task_ref_name: str,
        termination_condition: str,
        tasks: Union[Any, Sequence[Any]],
        **options: Unpack[TaskOptions],
    ) -> None:
        super().__init__(task_reference_name=task_ref_name, task_type=TaskType.DO_WHILE, **options)
        if not isinstance(termination_condition, str) or not termination_condition.strip():
            raise DefinitionError(
                f"{type(self).__name__} {task_ref_name!r}: termination_condition must be a "
                f"JavaScript expression string, received {termination_condition!r}"
            )
        body = as_task_list(tasks, f"{type(self).__name__} {task_ref_name!r}, loop body")
        if not body:
            raise DefinitionError(f"{type(self).__name__} {task_ref_name!r}: the loop body is empty")
        self._fields["loopCondition"] = termination_condition
        self._fields["loopOver"] = body

    @property
    def loop_over(self) -> List[TaskInterface]:
        """The loop body (live list)."""
        return self._fields.setdefault("loopOver", [])  # type: ignore[no-any-return]


class LoopTask(DoWhileTask):
    """A DO_WHILE that runs its body ``iterations`` times."""

    def __init__(
        self,
        task_ref_name: str,
        iterations: int,
        tasks: Union[Any, Sequence[Any]],
        **options: Unpack[TaskOptions],
    ) -> None:
        if not isinstance(iterations, int) or isinstance(iterations, bool) or iterations < 1:
            raise DefinitionError(
                f"LoopTask {task_ref_name!r}: iterations must be a positive int, received {iterations!r}"
            )
        super().__init__(
            task_ref_name,
            get_for_loop_condition(task_ref_name, iterations),
            tasks,
            **options,
        )


class ForEachTask(DoWhileTask):
    """A DO_WHILE over a list: the body runs once per item of ``iterate_over``.

    ``iterate_over`` is an expression (``'${workflow.input.items}'``) or a literal list rendered
    as the loop's ``items``; body tasks read ``${<ref>.output.loopItem}`` and ``.loopIndex``.
    (The official SDK puts it in an ``items`` input parameter, which the server does not read.)
    """

    def __init__(
        self,
        task_ref_name: str,
        tasks: Union[Any, Sequence[Any]],
        iterate_over: Any,
        variables: Optional[List[str]] = None,
        **options: Unpack[TaskOptions],
    ) -> None:
        # the server requires a loopCondition; in list mode it also stops after the last item
        super().__init__(task_ref_name, "true", tasks, **options)
        if isinstance(iterate_over, str):
            self._fields["items"] = iterate_over
        else:
            self.input_parameters["_items"] = iterate_over
