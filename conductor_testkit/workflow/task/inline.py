"""INLINE: evaluate a JavaScript expression on the server; the value is ``output.result``."""

from __future__ import annotations

from typing import Any, Dict, Optional

from typing_extensions import Unpack

from conductor_testkit.errors import DefinitionError
from conductor_testkit.models import TaskType
from conductor_testkit.workflow.task.task import TaskInterface, TaskOptions


class InlineTask(TaskInterface, wire_type="INLINE"):
    """An INLINE task: ``script`` sees ``$`` = its inputs (``bindings`` are added to them)."""

    def __init__(
        self,
        task_ref_name: str,
        script: str,
        bindings: Optional[Dict[str, Any]] = None,
        **options: Unpack[TaskOptions],
    ) -> None:
        super().__init__(task_reference_name=task_ref_name, task_type=TaskType.INLINE, **options)
        if not isinstance(script, str) or not script.strip():
            raise DefinitionError(
                f"{type(self).__name__} {task_ref_name!r}: script must be a non-empty JavaScript "
                f"string, received {script!r}"
            )
        self.input_parameters.update({"evaluatorType": "graaljs", "expression": script})
        self.input_parameters.update(bindings or {})
