"""SWITCH: run the branch whose case matches a value or a script's result."""

from __future__ import annotations

from typing import Any, Dict, List, Sequence, TypeVar, Union

from typing_extensions import Unpack

from conductor_testkit.errors import DefinitionError
from conductor_testkit.models import TaskType
from conductor_testkit.models.enums import WireEnum
from conductor_testkit.workflow.task.task import TaskInterface, TaskOptions, as_task_list

B = TypeVar("B", bound="BranchingTask")


class EvaluatorType(WireEnum):
    """How a SWITCH evaluates its ``expression``."""

    JAVASCRIPT = "javascript"
    ECMASCRIPT = "graaljs"
    VALUE_PARAM = "value-param"


class BranchingTask(TaskInterface):
    """Shared by SWITCH and DECISION: named cases and a default case, each a task list."""

    def switch_case(self: B, case_name: str, tasks: Union[Any, Sequence[Any]]) -> B:
        """Run ``tasks`` (a task, a workflow or a list of them) when the case is ``case_name``."""
        if not isinstance(case_name, str):
            raise DefinitionError(
                f"{type(self).__name__} {self.task_reference_name!r}: case_name must be a string "
                f"(cases are matched against the string form of the value), received {case_name!r}"
            )
        where = f"{type(self).__name__} {self.task_reference_name!r}, case {case_name!r}"
        self._fields.setdefault("decisionCases", {})[case_name] = as_task_list(tasks, where)
        return self

    def default_case(self: B, tasks: Union[Any, Sequence[Any]]) -> B:
        """Run ``tasks`` when no case matches."""
        where = f"{type(self).__name__} {self.task_reference_name!r}, default case"
        self._fields["defaultCase"] = as_task_list(tasks, where)
        return self

    @property
    def cases(self) -> Dict[str, List[TaskInterface]]:
        """The cases (live: case name -> task list)."""
        return self._fields.setdefault("decisionCases", {})  # type: ignore[no-any-return]


class SwitchTask(BranchingTask, wire_type="SWITCH"):
    """A SWITCH on a value (``value-param``) or on a JavaScript expression.

    Args:
        task_ref_name: reference of the SWITCH.
        case_expression: with ``use_javascript=False`` the value to switch on (usually an
            expression such as ``workflow.input('country')``; it becomes the input parameter
            ``switchCaseValue``); with ``use_javascript=True`` a script over ``$`` (the inputs).
        use_javascript: evaluate ``case_expression`` as JavaScript (evaluator ``graaljs``).
    """

    def __init__(
        self,
        task_ref_name: str,
        case_expression: Any,
        use_javascript: bool = False,
        **options: Unpack[TaskOptions],
    ) -> None:
        super().__init__(task_reference_name=task_ref_name, task_type=TaskType.SWITCH, **options)
        if use_javascript:
            if not isinstance(case_expression, str) or not case_expression.strip():
                raise DefinitionError(
                    f"SwitchTask {task_ref_name!r}: case_expression must be a JavaScript "
                    f"expression string when use_javascript=True, received {case_expression!r}"
                )
            self._fields["evaluatorType"] = EvaluatorType.ECMASCRIPT.value
            self._fields["expression"] = case_expression
        else:
            self.input_parameters["switchCaseValue"] = case_expression
            self._fields["evaluatorType"] = EvaluatorType.VALUE_PARAM.value
            self._fields["expression"] = "switchCaseValue"
        self._fields["decisionCases"] = {}
        self._fields["defaultCase"] = []
