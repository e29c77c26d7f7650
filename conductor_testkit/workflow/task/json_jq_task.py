"""JSON_JQ_TRANSFORM: transform the task's input with a jq program."""

from __future__ import annotations

from typing_extensions import Unpack

from conductor_testkit.errors import DefinitionError
from conductor_testkit.models import TaskType
from conductor_testkit.workflow.task.task import TaskInterface, TaskOptions


class JsonJQTask(TaskInterface, wire_type="JSON_JQ_TRANSFORM"):
    """A jq transform: the program ``script`` reads the whole input (add inputs with
    ``input_parameters``); ``output.result`` is its first value, ``output.resultList`` all."""

    def __init__(self, task_ref_name: str, script: str, **options: Unpack[TaskOptions]) -> None:
        super().__init__(task_reference_name=task_ref_name, task_type=TaskType.JSON_JQ_TRANSFORM, **options)
        if not isinstance(script, str) or not script.strip():
            raise DefinitionError(
                f"JsonJQTask {task_ref_name!r}: script must be a non-empty jq program, received {script!r}"
            )
        self.input_parameters["queryExpression"] = script
