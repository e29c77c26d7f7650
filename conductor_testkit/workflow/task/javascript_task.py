"""JavascriptTask: an INLINE task whose ``output()`` points into ``output.result``."""

from __future__ import annotations

from typing import Any, Dict, Optional

from typing_extensions import Unpack

from conductor_testkit.models import TaskType
from conductor_testkit.workflow.task.inline import _script_inputs
from conductor_testkit.workflow.task.task import TaskInterface, TaskOptions


class JavascriptTask(TaskInterface):
    """An INLINE task running ``script`` (``$`` = its inputs, with ``bindings`` added).

    ``task.output('text')`` is ``${ref.output.result.text}``.
    """

    def __init__(
        self,
        task_ref_name: str,
        script: str,
        bindings: Optional[Dict[str, Any]] = None,
        **options: Unpack[TaskOptions],
    ) -> None:
        super().__init__(task_reference_name=task_ref_name, task_type=TaskType.INLINE, **options)
        self.input_parameters.update(_script_inputs("JavascriptTask", task_ref_name, script))
        self.input_parameters.update(bindings or {})

    def output(self, json_path: Optional[str] = None) -> str:
        if json_path is None or json_path == "":
            return super().output("result")
        if json_path.startswith((".", "[")):
            return super().output("result" + json_path)
        return super().output("result." + json_path)

    def evaluator_type(self, evaluator_type: str) -> JavascriptTask:
        """Use another evaluator (``'javascript'``, ``'graaljs'``); returns the task."""
        self.input_parameters["evaluatorType"] = evaluator_type
        return self
