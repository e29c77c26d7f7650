"""DECISION (legacy SWITCH): cases chosen by an input value or a JavaScript expression.

Unlike SWITCH, an empty matched case falls back to the default case on the server.
"""

from __future__ import annotations

from typing import Optional

from typing_extensions import Unpack

from conductor_testkit.errors import DefinitionError
from conductor_testkit.models import TaskType
from conductor_testkit.workflow.task.switch_task import BranchingTask
from conductor_testkit.workflow.task.task import TaskOptions


class DecisionTask(BranchingTask, wire_type="DECISION"):
    """A legacy DECISION task.

    Args:
        task_ref_name: reference of the DECISION.
        case_value_param: name of the input parameter whose value selects the case.
        case_expression: a JavaScript expression over ``$`` (the inputs) selecting the case.
            Give exactly one of the two.
    """

    def __init__(
        self,
        task_ref_name: str,
        case_value_param: Optional[str] = None,
        case_expression: Optional[str] = None,
        **options: Unpack[TaskOptions],
    ) -> None:
        super().__init__(task_reference_name=task_ref_name, task_type=TaskType.DECISION, **options)
        if (case_value_param is None) == (case_expression is None):
            raise DefinitionError(
                f"DecisionTask {task_ref_name!r}: give exactly one of case_value_param and "
                f"case_expression, received case_value_param={case_value_param!r}, "
                f"case_expression={case_expression!r}"
            )
        if case_value_param is not None:
            self._fields["caseValueParam"] = case_value_param
        else:
            self._fields["caseExpression"] = case_expression
        self._fields["decisionCases"] = {}
        self._fields["defaultCase"] = []
