"""register / start_workflow / execute of a DSL workflow through a WorkflowExecutor and the real
server (only sync system tasks, so no worker is needed)."""

from __future__ import annotations

import pytest

from conductor_testkit.client.configuration import Configuration
from conductor_testkit.errors import ConflictError
from conductor_testkit.models import StartWorkflowRequest
from conductor_testkit.workflow import ConductorWorkflow, InlineTask, SetVariableTask, WorkflowDefinitionError
from conductor_testkit.workflow.executor import WorkflowExecutor

pytestmark = pytest.mark.integration


@pytest.fixture
def executor(conductor_server_url: str) -> WorkflowExecutor:
    return WorkflowExecutor(configuration=Configuration(server_api_url=conductor_server_url))


def doubling(name: str, executor: object) -> ConductorWorkflow:
    workflow = ConductorWorkflow(name=name, version=1, executor=executor)
    double = InlineTask("double", "$.n * 2", bindings={"n": workflow.input("n")})
    workflow >> double >> SetVariableTask("remember", input_parameters={"last": double.output("result")})
    workflow.output_parameters({"doubled": double.output("result")})
    return workflow


def test_register_then_execute_by_name(executor, unique_name: str) -> None:  # type: ignore[no-untyped-def]
    workflow = doubling(unique_name, executor)
    workflow.register(overwrite=True)
    run = executor.execute(name=workflow.name, version=workflow.version, workflow_input={"n": 21})
    assert (run.status, run.output) == ("COMPLETED", {"doubled": 42})


def test_register_without_overwrite_refuses_an_existing_definition(executor, unique_name: str) -> None:  # type: ignore[no-untyped-def]
    workflow = doubling(unique_name, executor)
    workflow.register(overwrite=True)
    with pytest.raises(ConflictError):
        workflow.register(overwrite=False)


def test_execute_sends_the_definition_inline(executor, unique_name: str) -> None:  # type: ignore[no-untyped-def]
    run = doubling(unique_name, executor).execute(workflow_input={"n": 4}, wait_for_seconds=10)
    assert (run.status, run.output) == ("COMPLETED", {"doubled": 8})


def test_start_workflow_with_input_returns_the_run_id(executor, unique_name: str) -> None:  # type: ignore[no-untyped-def]
    workflow_id = doubling(unique_name, executor).start_workflow_with_input({"n": 1}, correlation_id="dsl")
    run = executor.get_workflow(workflow_id)
    assert (run.workflow_name, run.correlation_id) == (unique_name, "dsl")


def test_start_workflow_fills_in_the_request(executor, unique_name: str) -> None:  # type: ignore[no-untyped-def]
    workflow_id = doubling(unique_name, executor).start_workflow(StartWorkflowRequest(input={"n": 2}))
    assert executor.get_workflow(workflow_id).input == {"n": 2}


def test_an_invalid_workflow_is_not_sent(executor, unique_name: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(WorkflowDefinitionError):
        ConductorWorkflow(name=unique_name, version=1, executor=executor).register(overwrite=True)
