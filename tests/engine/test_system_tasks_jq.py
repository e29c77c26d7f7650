"""JSON_JQ_TRANSFORM handler on real jq (docs/semantics.md §4.17)."""

from __future__ import annotations

import pytest
from test_system_tasks_support import run_handler

from conductor_testkit.engine.errors import EngineIllegalState
from conductor_testkit.engine.system_tasks import JsonJqTransformHandler


def jq_task(input_data: dict) -> dict:
    return run_handler(JsonJqTransformHandler(), input_data)


def test_jq_result_is_the_first_value_and_result_list_all_of_them() -> None:
    task = jq_task({"queryExpression": ".a[] | . * 2", "a": [1, 2.5]})
    assert task["status"] == "COMPLETED"
    assert task["outputData"] == {"result": 2, "resultList": [2, 5]}


def test_jq_without_values_gives_null_result_and_empty_list() -> None:
    task = jq_task({"queryExpression": "empty"})
    assert task["outputData"] == {"result": None, "resultList": []}


def test_jq_input_is_the_whole_input_data_including_the_query() -> None:
    task = jq_task({"queryExpression": "."})
    assert task["outputData"]["result"] == {"queryExpression": "."}


def test_jq_runtime_error_fails_with_the_message_in_reason_and_output() -> None:
    task = jq_task({"queryExpression": ".a + 1", "a": "s"})
    assert task["status"] == "FAILED"
    assert task["reasonForIncompletion"] == 'string ("s") and number (1) cannot be added'
    assert task["outputData"] == {"error": 'string ("s") and number (1) cannot be added'}


def test_jq_compile_error_fails_the_task() -> None:
    task = jq_task({"queryExpression": ".a | {"})
    assert task["status"] == "FAILED"
    assert task["outputData"]["error"] == task["reasonForIncompletion"] != ""


def test_jq_missing_query_fails_without_error_output() -> None:
    task = jq_task({"q": "x"})
    assert task["status"] == "FAILED"
    assert task["reasonForIncompletion"] == "Missing 'queryExpression' in input parameters"
    assert task["outputData"] == {}


def test_jq_non_string_query_escapes_the_decide_like_a_class_cast() -> None:
    with pytest.raises(EngineIllegalState, match="cannot be cast to class java.lang.String"):
        jq_task({"queryExpression": 3})
