"""JSON_JQ_TRANSFORM (docs/semantics.md §4.17): run the jq program ``queryExpression``.

The program's input is the whole inputData (``queryExpression`` included); ``output.result``
is the first value emitted (None when none), ``output.resultList`` all of them. Any error FAILS
the task with the message in ``reasonForIncompletion`` and ``output.error``. jq runs on libjq in
a sandbox process through :mod:`conductor_testkit.engine.jq_transform` (see its notes on
differences from the server's jackson-jq and on the engine's time and memory limits).
"""

from __future__ import annotations

from conductor_testkit.engine.errors import EngineIllegalState
from conductor_testkit.engine.jq_transform import JqError
from conductor_testkit.engine.system_tasks._java_types import class_cast_message
from conductor_testkit.engine.system_tasks.base import (
    COMPLETED,
    FAILED,
    SystemTaskEnv,
    SystemTaskHandler,
    TaskDict,
)

QUERY_EXPRESSION = "queryExpression"
MISSING_QUERY = "Missing 'queryExpression' in input parameters"


class JsonJqTransformHandler(SystemTaskHandler):
    """The server's JsonJQTransformTaskMapper + JsonJqTransform (runs in ``start``)."""

    task_type = "JSON_JQ_TRANSFORM"
    is_async = False
    uses_input_template = True

    def start(self, task: TaskDict, env: SystemTaskEnv) -> None:
        """Run the program; COMPLETED with ``result``/``resultList`` or FAILED with ``error``."""
        input_data = task.get("inputData") or {}
        query = input_data.get(QUERY_EXPRESSION)
        if query is None:
            task["reasonForIncompletion"] = MISSING_QUERY
            task["status"] = FAILED
            return
        if not isinstance(query, str):
            # The server's (String) cast fails outside its try block: the decide fails (HTTP 500).
            raise EngineIllegalState(
                class_cast_message(query),
                workflow=task.get("workflowInstanceId"),
                task_ref=task.get("referenceTaskName"),
            )
        output = task.setdefault("outputData", {})
        try:
            result = env.jq.task_output(query, input_data)
        except JqError as exc:
            task["status"] = FAILED
            task["reasonForIncompletion"] = exc.message
            output["error"] = exc.message
            return
        task["status"] = COMPLETED
        output.update(result)

    def execute(self, task: TaskDict, env: SystemTaskEnv) -> bool:
        """The server runs ``start`` again and reports a change."""
        self.start(task, env)
        return True
