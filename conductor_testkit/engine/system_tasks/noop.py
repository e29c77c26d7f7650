"""NOOP (docs/semantics.md §4.20): completes at once; input and output stay empty."""

from __future__ import annotations

from typing import Any, Dict

from conductor_testkit.engine.system_tasks.base import (
    COMPLETED,
    IN_PROGRESS,
    SystemTaskEnv,
    SystemTaskHandler,
    TaskDict,
)


class NoopHandler(SystemTaskHandler):
    """The server's NoopTaskMapper + Noop: inputParameters are ignored, output is ``{}``."""

    task_type = "NOOP"
    is_async = False
    uses_input_template = False

    def prepare(self, task: TaskDict, workflow_task: Dict[str, Any], env: SystemTaskEnv) -> None:
        """IN_PROGRESS with an empty input (the mapper never resolves the parameters)."""
        task["inputData"] = {}
        task["status"] = IN_PROGRESS

    def execute(self, task: TaskDict, env: SystemTaskEnv) -> bool:
        """COMPLETED, always."""
        task["status"] = COMPLETED
        return True
