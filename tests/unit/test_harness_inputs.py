"""What the harness refuses before a run, and inputs as deep as the server reads, on the local backend."""

from __future__ import annotations

from typing import Any

import pytest

from conductor_testkit.errors import ConductorError, DefinitionError
from conductor_testkit.testing import LocalBackend, RemoteBackend, run_workflow

WORKFLOW = {
    "name": "harness_inputs",
    "version": 1,
    "schemaVersion": 2,
    "tasks": [
        {
            "name": "t",
            "taskReferenceName": "t",
            "type": "SIMPLE",
            "inputParameters": {"x": "${workflow.input.x}"},
        }
    ],
}


def nested(levels: int) -> Any:
    """A value nesting ``levels`` objects (the innermost holds a number)."""
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value


@pytest.mark.parametrize("bad_input", ["text", [1, 2], 3])
def test_an_input_that_is_not_a_dict_names_the_workflow_and_the_field(bad_input: Any) -> None:
    with pytest.raises(DefinitionError) as info:
        run_workflow(WORKFLOW, bad_input, {"t": {}})
    assert str(info.value).startswith("workflow 'harness_inputs', field input: expected a dict")
    assert type(bad_input).__name__ in str(info.value)


def test_a_malformed_mock_names_the_workflow_the_reference_and_the_attempt() -> None:
    with pytest.raises(DefinitionError) as info:
        run_workflow(WORKFLOW, {}, {"t": [None]})
    assert str(info.value) == (
        "workflow 'harness_inputs', mocks['t'][0]: "
        "expected a TaskMock, a dict or a function, received NoneType"
    )


def test_an_input_as_deep_as_the_server_reads_runs() -> None:
    execution = run_workflow(WORKFLOW, {"x": nested(990)}, {"t": {"ok": True}})
    execution.assert_completed()
    depth, value = 0, execution.task("t").input_data["x"]
    while isinstance(value, dict):
        depth, value = depth + 1, value["a"]
    assert (depth, value) == (990, 1)


def test_an_input_deeper_than_the_server_reads_fails_with_its_error() -> None:
    with pytest.raises(ConductorError) as info:
        run_workflow(WORKFLOW, {"x": nested(1000)}, {"t": {"ok": True}})
    message = str(info.value)
    assert "workflow 'harness_inputs'" in message
    assert "Document nesting depth (1001) exceeds the maximum allowed (1000" in message



@pytest.mark.integration
def test_bad_inputs_and_mocks_fail_alike_on_the_remote_backend(conductor_server_url: str) -> None:
    for bad_input, mocks in (("text", {"t": {}}), ({}, {"t": [None]})):
        messages = []
        for backend in (LocalBackend(), RemoteBackend(conductor_server_url)):
            with pytest.raises(DefinitionError) as info:
                run_workflow(WORKFLOW, bad_input, mocks, backend=backend)
            messages.append(str(info.value))
        assert messages[0] == messages[1]


@pytest.mark.integration
def test_the_server_reads_inputs_as_deep_as_the_engine_and_refuses_one_level_more(
    conductor_server_url: str,
) -> None:
    remote = RemoteBackend(conductor_server_url)
    execution = run_workflow(WORKFLOW, {"x": nested(990)}, {"t": {"ok": True}}, backend=remote)
    execution.assert_completed()
    with pytest.raises(ConductorError) as info:
        run_workflow(WORKFLOW, {"x": nested(1000)}, {"t": {"ok": True}}, backend=remote)
    assert "Document nesting depth (1001) exceeds the maximum allowed (1000" in str(info.value)
