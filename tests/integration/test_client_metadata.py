"""MetadataClient against the real Conductor server: workflow and task definitions."""

from __future__ import annotations

import pytest

from conductor_testkit.client import Configuration, OrkesClients
from conductor_testkit.errors import ApiError, BadRequestError, ConflictError, NotFoundError
from conductor_testkit.models import TaskDef, WorkflowDef, WorkflowTask

pytestmark = pytest.mark.integration


@pytest.fixture
def metadata(conductor_server_url: str):
    return OrkesClients(Configuration(server_api_url=conductor_server_url)).get_metadata_client()


def definition(name: str, version: int = 1, description: str = "first") -> WorkflowDef:
    workflow = WorkflowDef()
    workflow.name = name
    workflow.version = version
    workflow.description = description
    workflow.schema_version = 2
    workflow.tasks = [
        WorkflowTask(
            name="set", task_reference_name="set_ref", type="SET_VARIABLE", input_parameters={"a": 1}
        )
    ]
    return workflow


def test_register_and_get_a_workflow_definition(metadata, unique_name) -> None:
    metadata.register_workflow_def(definition(unique_name))
    fetched = metadata.get_workflow_def(unique_name, version=1)
    assert (fetched.name, fetched.version, fetched.description) == (unique_name, 1, "first")
    assert [t.task_reference_name for t in fetched.tasks] == ["set_ref"]


def test_register_without_overwrite_of_an_existing_version_is_a_conflict(metadata, unique_name) -> None:
    metadata.register_workflow_def(definition(unique_name))
    with pytest.raises(ConflictError, match=f"Workflow with {unique_name}.1 already exists"):
        metadata.register_workflow_def(definition(unique_name), overwrite=False)


def test_update_replaces_the_definition(metadata, unique_name) -> None:
    metadata.register_workflow_def(definition(unique_name))
    metadata.update_workflow_def(definition(unique_name, description="second"))
    assert metadata.get_workflow_def(unique_name).description == "second"


def test_update_workflow_defs_creates_and_replaces_several_in_one_call(metadata, unique_name) -> None:
    metadata.register_workflow_def(definition(f"{unique_name}_a"))
    metadata.update_workflow_defs(
        [definition(f"{unique_name}_a", description="replaced"), definition(f"{unique_name}_b")]
    )
    assert metadata.get_workflow_def(f"{unique_name}_a").description == "replaced"
    assert metadata.get_workflow_def(f"{unique_name}_b").description == "first"


def test_get_without_version_returns_the_latest(metadata, unique_name) -> None:
    metadata.register_workflow_def(definition(unique_name, version=1))
    metadata.register_workflow_def(definition(unique_name, version=2))
    assert metadata.get_workflow_def(unique_name).version == 2
    assert metadata.get_workflow_def(unique_name, version=1).version == 1


def test_get_all_workflow_defs_lists_every_version(metadata, unique_name) -> None:
    metadata.register_workflow_def(definition(unique_name, version=1))
    metadata.register_workflow_def(definition(unique_name, version=2))
    versions = sorted(d.version for d in metadata.get_all_workflow_defs() if d.name == unique_name)
    assert versions == [1, 2]


def test_unregister_deletes_one_version(metadata, unique_name) -> None:
    metadata.register_workflow_def(definition(unique_name))
    metadata.unregister_workflow_def(unique_name, 1)
    with pytest.raises(NotFoundError):
        metadata.get_workflow_def(unique_name, version=1)


def test_unregister_of_an_unknown_definition_reports_the_server_message(metadata, unique_name) -> None:
    # the OSS server answers 500 here (it throws a plain exception), with a clear message
    with pytest.raises(ApiError, match=f"No such workflow definition: {unique_name} version: 1"):
        metadata.unregister_workflow_def(unique_name, 1)


def test_validate_accepts_a_valid_definition(metadata, unique_name) -> None:
    metadata.validate_workflow_def(definition(unique_name))
    with pytest.raises(NotFoundError):  # validation does not register
        metadata.get_workflow_def(unique_name)


def test_validate_rejects_an_invalid_definition_with_the_servers_reasons(metadata, unique_name) -> None:
    with pytest.raises(BadRequestError, match="WorkflowTask list cannot be empty"):
        metadata.validate_workflow_def({"name": unique_name, "version": 1, "tasks": []})


def test_register_and_get_a_task_definition(metadata, unique_name) -> None:
    task_def = TaskDef()
    task_def.name = unique_name
    task_def.retry_count = 3
    task_def.retry_logic = "LINEAR_BACKOFF"
    task_def.retry_delay_seconds = 1
    task_def.concurrent_exec_limit = 3
    task_def.poll_timeout_seconds = 60
    task_def.timeout_seconds = 120
    task_def.response_timeout_seconds = 60
    task_def.rate_limit_per_frequency = 100
    task_def.rate_limit_frequency_in_seconds = 10
    metadata.register_task_def(task_def=task_def)
    fetched = metadata.get_task_def(unique_name)
    assert (fetched.retry_count, str(fetched.retry_logic), fetched.retry_delay_seconds) == (
        3,
        "LINEAR_BACKOFF",
        1,
    )
    assert (fetched.concurrent_exec_limit, fetched.rate_limit_per_frequency) == (3, 100)


def test_register_several_task_definitions_at_once(metadata, unique_name) -> None:
    metadata.register_task_def([TaskDef(name=f"{unique_name}_1"), {"name": f"{unique_name}_2"}])
    names = {d.name for d in metadata.get_all_task_defs()}
    assert {f"{unique_name}_1", f"{unique_name}_2"} <= names


def test_register_task_defs_registers_each_definition(metadata, unique_name) -> None:
    metadata.register_task_defs(
        [TaskDef(name=f"{unique_name}_1", retry_count=1), {"name": f"{unique_name}_2"}]
    )
    assert metadata.get_task_def(f"{unique_name}_1").retry_count == 1
    assert metadata.get_task_def(f"{unique_name}_2").name == f"{unique_name}_2"


def test_update_task_def_replaces_it(metadata, unique_name) -> None:
    metadata.register_task_def(TaskDef(name=unique_name, retry_count=1))
    current = metadata.get_task_def(unique_name)
    current.retry_count = 5
    metadata.update_task_def(current)
    assert metadata.get_task_def(unique_name).retry_count == 5


def test_unregister_task_def_deletes_it(metadata, unique_name) -> None:
    metadata.register_task_def(TaskDef(name=unique_name))
    metadata.unregister_task_def(unique_name)
    with pytest.raises(NotFoundError, match=f"No such taskType found by name: {unique_name}"):
        metadata.get_task_def(unique_name)
