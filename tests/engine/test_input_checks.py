"""Bad input, read as the server reads it: conversions, refusals that name where, deep documents."""

from __future__ import annotations

import json
from typing import Any

import pytest
from _engine_helpers import simple, wf

from conductor_testkit.engine import Engine
from conductor_testkit.engine.bean_validation import ConstraintValidatorFailure, DefinitionValidationError
from conductor_testkit.engine.binding import BindError
from conductor_testkit.engine.requests_check import TestRequestError, check_mock_attempt, check_test_request
from conductor_testkit.errors import ServerError
from conductor_testkit.models import StartWorkflowRequest, jackson


def _nested(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"k": value}
    return value


def _test_request(**extra: Any) -> dict:
    return {"name": "checks", "workflowDef": wf("checks", [simple("a")]), **extra}


def test_values_the_server_converts_are_converted() -> None:
    engine = Engine()
    engine.register_workflow_def(
        {"name": "conv", "schemaVersion": "2", "version": "3", "tasks": [simple("a", optional="true")]}
    )
    registered = engine.get_workflow_def("conv", 3)
    assert registered["schemaVersion"] == 2
    assert registered["tasks"][0]["optional"] is True


def test_a_value_of_the_wrong_type_names_workflow_task_and_field() -> None:
    with pytest.raises(BindError) as caught:
        Engine().register_workflow_def({"name": "w", "tasks": [simple("a", startDelay="soon")]})
    error = caught.value
    assert isinstance(error, ServerError) and error.status == 500
    assert error.message == (
        'JSON parse error: Cannot deserialize value of type `int` from String "soon": not a valid `int` '
        "value"
    )
    assert error.field == "tasks[0].startDelay"
    assert str(error).startswith("[workflow 'w', task 'a'] JSON parse error")


def test_a_null_task_list_fails_as_the_servers_validators_do() -> None:
    with pytest.raises(ConstraintValidatorFailure) as caught:
        Engine().register_workflow_def(
            {
                "name": "w",
                "tasks": [
                    {
                        "name": "s",
                        "taskReferenceName": "s",
                        "type": "SWITCH",
                        "evaluatorType": "value-param",
                        "expression": "x",
                        "decisionCases": {"a": None},
                    }
                ],
            }
        )
    assert caught.value.message == "HV000028: Unexpected exception during isValid call."
    assert "tasks[0].decisionCases.a is null" in str(caught.value)


def test_a_start_request_is_checked_like_the_servers() -> None:
    engine = Engine()
    engine.register_workflow_def(wf("checks", [simple("a")]))
    with pytest.raises(DefinitionValidationError) as caught:
        engine.start_workflow({"name": "checks", "priority": 100})
    assert caught.value.validation_errors == [
        {"path": "priority", "message": "priority: 100 should be maximum 99"}
    ]
    with pytest.raises(BindError, match="field input"):
        engine.start_workflow({"name": "checks", "input": "not a map"})


@pytest.mark.parametrize("depth", [500, 998])
def test_inputs_as_deep_as_the_server_reads_run(depth: int) -> None:
    # the request is the root (1), input (2), "x" (3...): the server reads up to 1000 levels
    request = _test_request(input={"x": _nested(depth - 2)}, taskRefToMockOutput={"a": [{"output": {}}]})
    engine = Engine()
    workflow = engine.test_workflow(check_test_request(request))
    assert workflow["status"] == "COMPLETED"
    assert json.dumps(workflow["input"]).count("{") == depth - 1


def test_deeper_inputs_fail_with_the_servers_nesting_error() -> None:
    request = _test_request(input={"x": _nested(999)})
    with pytest.raises(BindError) as caught:
        check_test_request(request)
    assert caught.value.message == (
        "JSON parse error: Document nesting depth (1001) exceeds the maximum allowed (1000, from "
        "`StreamReadConstraints.getMaxNestingDepth()`)"
    )


def test_a_json_body_as_deep_as_the_server_reads_parses() -> None:
    text = '{"a":' + "[" * 998 + "]" * 998 + "}"
    assert jackson.nesting_depth_exceeds(jackson.parse_json(text), 998)
    with pytest.raises(jackson.WireTypeError, match="nesting depth"):
        jackson.parse_json('{"a":' + "[" * 1000 + "]" * 1000 + "}")


def test_models_serialize_documents_deeper_than_pydantic_does() -> None:
    request = StartWorkflowRequest.from_dict({"name": "x", "input": _nested(600)})
    assert json.dumps(request.to_dict()).count("{") == 601  # the request, then 600 levels of input


@pytest.mark.parametrize(
    "mocks, message",
    [
        ([], "from Array value"),
        (
            {"a": ["COMPLETED"]},
            "no String-argument constructor/factory method to deserialize from String value ('COMPLETED')",
        ),
        (
            {"a": [{"status": "SCHEDULED", "output": {}}]},
            'from String "SCHEDULED": not one of the values accepted',
        ),
        ({"a": [{"executionTime": "long", "output": {}}]}, 'from String "long": not a valid `long` value'),
    ],
)
def test_malformed_mocks_are_refused_with_the_servers_text(mocks: Any, message: str) -> None:
    with pytest.raises(BindError) as caught:
        check_test_request(_test_request(taskRefToMockOutput=mocks))
    assert message in caught.value.message
    assert caught.value.field.startswith("taskRefToMockOutput")


def test_a_null_task_to_domain_fails_as_on_the_server() -> None:
    with pytest.raises(TestRequestError) as caught:
        check_test_request(_test_request(taskToDomain=None))
    assert caught.value.message.startswith('Cannot invoke "java.util.Map.put(Object, Object)"')


def test_a_test_request_without_a_name_is_refused() -> None:
    with pytest.raises(DefinitionValidationError) as caught:
        check_test_request({"workflowDef": wf("checks", [simple("a")])})
    assert caught.value.validation_errors == [
        {"path": "name", "message": "Workflow name cannot be null or empty"}
    ]


def test_converted_mock_values_are_returned() -> None:
    request = check_test_request(
        _test_request(taskRefToMockOutput={"a": [{"status": "FAILED", "output": {}, "executionTime": "5"}]})
    )
    assert request["taskRefToMockOutput"]["a"][0]["executionTime"] == 5


@pytest.mark.parametrize(
    "mock, text",
    [
        (None, "TaskMock.getExecutionTime()"),
        ({"status": "COMPLETED"}, 'Cannot invoke "java.util.Map.size()" because "m" is null'),
        ({"status": "COMPLETED", "output": None}, 'Cannot invoke "java.util.Map.size()" because "m" is null'),
    ],
)
def test_an_applied_attempt_without_output_fails_as_on_the_server(mock: Any, text: str) -> None:
    with pytest.raises(TestRequestError) as caught:
        check_mock_attempt(mock, "a", 0, workflow="w")
    assert text in caught.value.message
    assert caught.value.task_ref == "a"


def test_an_attempt_with_output_is_applied() -> None:
    check_mock_attempt({"status": "COMPLETED", "output": {}}, "a")


def test_a_loop_body_task_without_reference_fails_as_on_the_server() -> None:
    body = {"name": "b", "type": "SIMPLE"}
    loop = {
        "name": "loop",
        "taskReferenceName": "loop",
        "type": "DO_WHILE",
        "loopCondition": "false",
        "loopOver": [body],
    }
    engine = Engine()
    with pytest.raises(ServerError) as caught:
        engine.start_workflow({"workflowDef": wf("loops", [loop])})
    assert 'getTaskReferenceName()" is null' in caught.value.message


def test_a_dynamic_fork_task_name_that_is_not_a_string_fails_as_on_the_server() -> None:
    fork = {
        "name": "df",
        "taskReferenceName": "df",
        "type": "FORK_JOIN_DYNAMIC",
        "inputParameters": {"forkTaskName": 0, "forkTaskInputs": [{}]},
    }
    join = {"name": "dj", "taskReferenceName": "dj", "type": "JOIN"}
    with pytest.raises(ServerError) as caught:
        Engine().start_workflow({"workflowDef": wf("forks", [fork, join])})
    assert caught.value.message == (
        "class java.lang.Integer cannot be cast to class java.lang.String (java.lang.Integer and "
        "java.lang.String are in module java.base of loader 'bootstrap')"
    )


def test_a_task_def_is_checked_like_the_servers() -> None:
    with pytest.raises(DefinitionValidationError) as caught:
        Engine().register_task_def(
            {"name": "t", "retryCount": -1, "timeoutSeconds": 10, "responseTimeoutSeconds": 20}
        )
    assert caught.value.validation_errors == [
        {"path": "retryCount", "message": "TaskDef retryCount: 0 must be >= 0"},
        {"path": "", "message": "TaskDef: t responseTimeoutSeconds: 20 must be less than timeoutSeconds: 10"},
    ]


def test_the_enum_values_are_listed_in_the_servers_order() -> None:
    with pytest.raises(jackson.WireTypeError) as caught:
        jackson.bind({"status": "DONE"}, jackson.TASK_RESULT)
    assert (
        "[CANCELED, COMPLETED, FAILED_WITH_TERMINAL_ERROR, FAILED, IN_PROGRESS]" in caught.value.server_text
    )


@pytest.mark.parametrize(
    "value, text", [(1.5, "1.5"), (1e300, "1.0E300"), (1e-5, "1.0E-5"), (123456789.0, "1.23456789E8")]
)
def test_doubles_are_written_as_java_writes_them(value: float, text: str) -> None:
    assert jackson.java_double(value) == text


def test_mocks_checked_apart_name_the_reference_and_attempt() -> None:
    from conductor_testkit.engine.requests_check import check_mocks

    assert check_mocks({"a": [{"status": "FAILED", "executionTime": "5", "output": {}}]}) == {
        "a": [{"status": "FAILED", "executionTime": 5, "output": {}}]
    }
    with pytest.raises(BindError) as caught:
        check_mocks({"a": [{"output": {}}, "COMPLETED"]})
    assert caught.value.field == "taskRefToMockOutput.a[1]"


def test_a_definition_read_before_is_read_the_same_again() -> None:
    """The second read of an inline definition comes from what the first one bound."""
    engine = Engine()
    definition = wf("again", [simple("a", optional="true", startDelay="2")])
    request = {"name": "again", "workflowDef": definition, "input": {"n": 1}, "priority": "3"}
    first = engine.read_start_request(request)
    second = engine.read_start_request(request)
    assert second == first
    assert list(second) == list(first)
    assert second["workflowDef"]["tasks"][0]["optional"] is True  # converted as bound the first time
    assert second["priority"] == 3
    second["workflowDef"]["tasks"][0]["name"] = "changed"  # the caller's own copy
    assert engine.read_start_request(request) == first


def test_the_rest_of_a_request_is_read_every_time() -> None:
    engine = Engine()
    request = {"name": "rest", "workflowDef": wf("rest", [simple("a")]), "input": {"n": 1}}
    engine.read_start_request(request)
    with pytest.raises(BindError) as caught:
        engine.read_start_request({**request, "priority": "high"})
    assert caught.value.field == "priority"
    with pytest.raises(BindError) as caught:
        engine.read_start_request({**request, "input": [1]})
    assert caught.value.field == "input"


def test_a_definition_changed_after_a_read_is_read_again() -> None:
    engine = Engine()
    definition = wf("changed", [simple("a")])
    engine.read_start_request({"name": "changed", "workflowDef": definition})
    definition["tasks"][0]["startDelay"] = "soon"
    with pytest.raises(BindError) as caught:
        engine.read_start_request({"name": "changed", "workflowDef": definition})
    assert caught.value.field == "workflowDef.tasks[0].startDelay"


def test_the_bound_definitions_kept_are_bounded_in_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    from conductor_testkit.engine import ContentCache, requests_check

    limit = 20_000
    kept: ContentCache[bytes] = ContentCache(256, max_bytes=limit)
    monkeypatch.setattr(requests_check, "_BOUND_DEFINITIONS", kept)
    engine = Engine()
    big = wf("big", [simple(f"t{i}") for i in range(300)])  # over a quarter of the limit
    engine.read_start_request({"name": "big", "workflowDef": big})
    assert len(kept) == 0  # read every time rather than held
    for i in range(100):
        engine.read_start_request({"name": f"w{i}", "workflowDef": wf(f"w{i}", [simple("a")])})
        assert 0 < kept.bytes <= limit
    assert 0 < len(kept) < 100
