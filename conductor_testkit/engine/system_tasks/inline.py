"""INLINE (docs/semantics.md §4.16): evaluate ``expression`` with ``$`` = the whole input.

Evaluators: ``javascript`` (the default when ``evaluatorType`` is absent), ``graaljs`` (the same)
and ``value-param`` (``$[expression]``), through :mod:`conductor_testkit.engine.javascript`;
``python`` (the server's PythonEvaluator on GraalPy: every input, ``evaluatorType`` and
``expression`` included, is a global of the script) through the engine's safe subset of Python,
:mod:`conductor_testkit.engine.python_evaluator`. A python error fails the task with GraalPy's
text, FAILED_WITH_TERMINAL_ERROR as on the server (PythonEvaluator throws a
TerminateWorkflowException); a script outside the engine's subset fails it with a message that
names the task and says so.
"""

from __future__ import annotations

from typing import Any

from conductor_testkit.engine.errors import EngineIllegalState
from conductor_testkit.engine.javascript import ScriptError, evaluate_expression
from conductor_testkit.engine.python_evaluator import (
    PythonError,
    PythonUnsupported,
    evaluate_python,
    unsupported_message,
)
from conductor_testkit.engine.script_warnings import ScriptOrigin
from conductor_testkit.engine.system_tasks._java_types import class_cast_message
from conductor_testkit.engine.system_tasks.base import (
    COMPLETED,
    FAILED,
    FAILED_WITH_TERMINAL_ERROR,
    SystemTaskEnv,
    SystemTaskHandler,
    TaskDict,
)

EVALUATOR_TYPE = "evaluatorType"
EXPRESSION = "expression"
SUPPORTED_EVALUATORS = ("javascript", "graaljs", "value-param", "python")


class _TerminalError(Exception):
    """The server's TerminateWorkflowException inside Inline: FAILED_WITH_TERMINAL_ERROR."""


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _string_input(task: TaskDict, key: str) -> Any:
    """``(String) input.get(key)``: a non-string value is the server's ClassCastException, which
    escapes the task and the decide (HTTP 500 on the call that triggered it)."""
    value = (task.get("inputData") or {}).get(key)
    if value is not None and not isinstance(value, str):
        raise EngineIllegalState(
            class_cast_message(value),
            workflow=task.get("workflowInstanceId"),
            task_ref=task.get("referenceTaskName"),
        )
    return value


class InlineHandler(SystemTaskHandler):
    """The server's InlineTaskMapper + Inline (synchronous, runs in the decide)."""

    task_type = "INLINE"
    is_async = False
    uses_input_template = True

    def execute(self, task: TaskDict, env: SystemTaskEnv) -> bool:
        """Evaluate; COMPLETED with ``output.result``, or failed with ``output.error``."""
        evaluator_type = _string_input(task, EVALUATOR_TYPE)
        if evaluator_type is None:
            evaluator_type = "javascript"
        expression = _string_input(task, EXPRESSION)
        output = task.setdefault("outputData", {})
        try:
            self._check(evaluator_type, expression)
            if evaluator_type == "python":
                result = evaluate_python(
                    expression,
                    task.get("inputData") or {},
                    (task.get("workflowTask") or {}).get("inputParameters"),
                )
            else:
                result = evaluate_expression(
                    evaluator_type,
                    expression,
                    task.get("inputData") or {},
                    env.js,
                    origin=ScriptOrigin.of_task(task),
                )
        except _TerminalError as exc:
            self._fail(task, FAILED_WITH_TERMINAL_ERROR, str(exc))
        except PythonUnsupported as exc:  # the engine will not run it: say so, naming the task
            self._fail(
                task,
                FAILED_WITH_TERMINAL_ERROR,
                unsupported_message("INLINE", task.get("referenceTaskName"), exc),
            )
        except PythonError as exc:
            self._fail(task, FAILED_WITH_TERMINAL_ERROR, exc.message)
        except ScriptError as exc:
            self._fail(task, FAILED_WITH_TERMINAL_ERROR if exc.terminal else FAILED, exc.message)
        else:
            output["result"] = result
            task["status"] = COMPLETED
        return True

    @staticmethod
    def _check(evaluator_type: str, expression: Any) -> None:
        if _blank(evaluator_type):
            raise _TerminalError(
                "Empty 'evaluatorType' in INLINE task's input parameters. "
                "A non-empty String value must be provided."
            )
        if evaluator_type not in SUPPORTED_EVALUATORS:
            raise _TerminalError(f"Unknown evaluator '{evaluator_type}' in INLINE task.")
        if _blank(expression):
            raise _TerminalError(
                "Empty 'expression' in Inline task's input parameters. "
                "A non-empty String value must be provided."
            )

    @staticmethod
    def _fail(task: TaskDict, status: str, message: str) -> None:
        task["status"] = status
        task["reasonForIncompletion"] = message
        task.setdefault("outputData", {})["error"] = message
