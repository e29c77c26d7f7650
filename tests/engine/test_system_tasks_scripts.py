"""INLINE and LAMBDA handlers on real QuickJS (docs/semantics.md §4.16, §4.21).

Expected texts were observed on Conductor 3.32.1.
"""

from __future__ import annotations

import pytest
from test_system_tasks_support import RecordingEnv, run_handler

from conductor_testkit.engine.errors import EngineIllegalState
from conductor_testkit.engine.javascript import JavaScriptEvaluator
from conductor_testkit.engine.system_tasks import InlineHandler, LambdaHandler


def inline(input_data: dict, env: RecordingEnv = None) -> dict:  # type: ignore[assignment]
    return run_handler(InlineHandler(), input_data, env=env)


# --------------------------------------------------------------------------------- INLINE


def test_inline_defaults_to_javascript_and_puts_the_value_in_result() -> None:
    task = inline({"expression": "$.a + 1.5", "a": 2})
    assert task["status"] == "COMPLETED"
    assert task["outputData"] == {"result": 3.5}


def test_inline_integral_numbers_come_back_as_integers() -> None:
    task = inline({"expression": "$.a * 1.0", "a": 3})
    assert task["outputData"]["result"] == 3
    assert isinstance(task["outputData"]["result"], int)


def test_inline_dollar_is_the_whole_input_including_the_expression() -> None:
    expression = "$.evaluatorType + ':' + $.expression.length"
    task = inline({"evaluatorType": "graaljs", "expression": expression})
    assert task["outputData"]["result"] == f"graaljs:{len(expression)}"


def test_inline_value_param_returns_the_named_input() -> None:
    task = inline({"evaluatorType": "value-param", "expression": "a", "a": [1, 2]})
    assert task["status"] == "COMPLETED"
    assert task["outputData"] == {"result": [1, 2]}


def test_inline_runtime_error_is_terminal_with_the_server_text() -> None:
    task = inline({"expression": "$.a.b.c", "a": 2})
    message = "Error evaluating the script `TypeError: Cannot read property 'c' of undefined` at line 1"
    assert task["status"] == "FAILED_WITH_TERMINAL_ERROR"
    assert task["reasonForIncompletion"] == message
    assert task["outputData"] == {"error": message}


def test_inline_thrown_error_has_no_line() -> None:
    task = inline({"evaluatorType": "graaljs", "expression": 'throw new Error("boom")'})
    assert task["reasonForIncompletion"] == "Error evaluating the script `Error: boom`"


def test_inline_unknown_evaluator_is_terminal() -> None:
    task = inline({"evaluatorType": "foo", "expression": "1"})
    assert task["status"] == "FAILED_WITH_TERMINAL_ERROR"
    assert task["outputData"] == {"error": "Unknown evaluator 'foo' in INLINE task."}


def test_inline_blank_evaluator_type_is_terminal() -> None:
    task = inline({"evaluatorType": "", "expression": "1"})
    assert task["reasonForIncompletion"] == (
        "Empty 'evaluatorType' in INLINE task's input parameters. A non-empty String value must be provided."
    )


def test_inline_blank_expression_is_terminal() -> None:
    task = inline({"evaluatorType": "javascript", "expression": " "})
    assert task["status"] == "FAILED_WITH_TERMINAL_ERROR"
    assert task["reasonForIncompletion"] == (
        "Empty 'expression' in Inline task's input parameters. A non-empty String value must be provided."
    )


def test_inline_python_evaluator_sees_every_input_as_a_global() -> None:
    task = inline({"evaluatorType": "python", "expression": "return f'{evaluatorType}:{a + 1}'", "a": 2})
    assert task["status"] == "COMPLETED"
    assert task["outputData"] == {"result": "python:3"}


def test_inline_python_error_is_terminal_with_graalpys_text() -> None:
    task = inline({"evaluatorType": "python", "expression": "return zzz"})
    assert task["status"] == "FAILED_WITH_TERMINAL_ERROR"
    assert task["reasonForIncompletion"] == "NameError: name 'zzz' is not defined"
    assert task["outputData"]["error"] == task["reasonForIncompletion"]


def test_inline_python_outside_the_engines_subset_fails_naming_the_task() -> None:
    task = inline({"evaluatorType": "python", "expression": "import os\nreturn os.getcwd()"})
    assert task["status"] == "FAILED_WITH_TERMINAL_ERROR"
    reason = task["reasonForIncompletion"]
    assert reason.startswith(f"INLINE task '{task['referenceTaskName']}': ")
    assert reason.endswith("(the server runs python scripts on GraalPy)")


def test_inline_time_limit_fails_retriably() -> None:
    env = RecordingEnv(js=JavaScriptEvaluator(time_limit_seconds=0.2))
    task = inline({"expression": "while (true) {}"}, env)
    assert task["status"] == "FAILED"
    assert task["reasonForIncompletion"] == "Script not evaluated within 0.2 seconds, interrupted."
    assert task["outputData"]["error"] == task["reasonForIncompletion"]


def test_inline_non_string_expression_escapes_the_decide_like_a_class_cast() -> None:
    with pytest.raises(
        EngineIllegalState, match="java.lang.Integer cannot be cast to class java.lang.String"
    ):
        inline({"expression": 5})


def test_inline_execute_reports_a_state_change() -> None:
    env = RecordingEnv()
    handler = InlineHandler()
    task = {"inputData": {"expression": "1"}, "outputData": {}, "status": "IN_PROGRESS"}
    assert handler.execute(task, env) is True


# --------------------------------------------------------------------------------- LAMBDA


def lam(input_data: dict) -> dict:
    return run_handler(LambdaHandler(), input_data)


def test_lambda_runs_the_script_as_a_function_body() -> None:
    task = lam({"scriptExpression": "return {x: $.a * 2, y: 1.0, z: [1, 's', null, true]}", "a": 3})
    assert task["status"] == "COMPLETED"
    assert task["outputData"] == {"result": {"x": 6, "y": 1, "z": [1, "s", None, True]}}


def test_lambda_error_is_retriable_failed_with_error_output() -> None:
    task = lam({"scriptExpression": "return $.a.b.c"})
    message = "Error evaluating the script `TypeError: Cannot read property 'b' of undefined` at line 1"
    assert task["status"] == "FAILED"
    assert task["reasonForIncompletion"] == message
    assert task["outputData"] == {"error": message}


def test_lambda_thrown_string_reports_its_text_and_line() -> None:
    task = lam({"scriptExpression": 'throw "x"'})
    assert task["reasonForIncompletion"] == "Error evaluating the script `x` at line 1"


def test_lambda_blank_script_fails_without_error_output() -> None:
    task = lam({"scriptExpression": ""})
    assert task["status"] == "FAILED"
    assert task["reasonForIncompletion"] == (
        "Empty 'scriptExpression' in Lambda task's input parameters. "
        "A non-empty String value must be provided."
    )
    assert task["outputData"] == {}


def test_lambda_non_string_script_is_an_ordinary_failure() -> None:
    task = lam({"scriptExpression": 7})
    assert task["status"] == "FAILED"
    assert task["outputData"]["error"].startswith("class java.lang.Integer cannot be cast")
