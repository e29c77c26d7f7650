"""LAMBDA, legacy (docs/semantics.md §4.21): ``scriptExpression`` is a function body.

Unlike INLINE, every error makes the task FAILED (retriable), never FAILED_WITH_TERMINAL_ERROR.
"""

from __future__ import annotations

from conductor_testkit.engine.javascript import ScriptError
from conductor_testkit.engine.script_warnings import ScriptOrigin
from conductor_testkit.engine.system_tasks._java_types import class_cast_message
from conductor_testkit.engine.system_tasks.base import (
    COMPLETED,
    FAILED,
    SystemTaskEnv,
    SystemTaskHandler,
    TaskDict,
)

SCRIPT_EXPRESSION = "scriptExpression"
EMPTY_SCRIPT = (
    "Empty 'scriptExpression' in Lambda task's input parameters. A non-empty String value must be provided."
)


class LambdaHandler(SystemTaskHandler):
    """The server's LambdaTaskMapper + Lambda (synchronous, runs in the decide)."""

    task_type = "LAMBDA"
    is_async = False
    uses_input_template = True

    def execute(self, task: TaskDict, env: SystemTaskEnv) -> bool:
        """Run the function body with ``$`` = the input; ``output.result`` or FAILED."""
        input_data = task.get("inputData") or {}
        script = input_data.get(SCRIPT_EXPRESSION)
        output = task.setdefault("outputData", {})
        if script is not None and not isinstance(script, str):
            # The server's cast fails inside its try block: an ordinary task failure.
            message = class_cast_message(script)
            self._fail(task, message)
            output["error"] = message
            return True
        if script is None or not script.strip():
            self._fail(task, EMPTY_SCRIPT)
            return True
        try:
            result = env.js.evaluate_lambda(script, input_data, origin=ScriptOrigin.of_task(task))
        except ScriptError as exc:
            self._fail(task, exc.message)
            output["error"] = exc.message
        else:
            output["result"] = result
            task["status"] = COMPLETED
        return True

    @staticmethod
    def _fail(task: TaskDict, reason: str) -> None:
        task["status"] = FAILED
        task["reasonForIncompletion"] = reason
