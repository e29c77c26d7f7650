"""The public names of the DSL packages, and the official SDK's module paths."""

from __future__ import annotations

import importlib
import inspect

import pytest

import conductor_testkit.workflow as workflow_pkg
import conductor_testkit.workflow.task as task_pkg


@pytest.mark.parametrize("package", [workflow_pkg, task_pkg], ids=lambda p: p.__name__)
def test_all_lists_exactly_the_public_names(package: object) -> None:
    public = {
        name
        for name, value in vars(package).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert sorted(package.__all__) == sorted(public)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("conductor_testkit.workflow.conductor_workflow", "ConductorWorkflow"),
        ("conductor_testkit.workflow.task.simple_task", "SimpleTask"),
        ("conductor_testkit.workflow.task.switch_task", "SwitchTask"),
        ("conductor_testkit.workflow.task.fork_task", "ForkTask"),
        ("conductor_testkit.workflow.task.join_task", "JoinTask"),
        ("conductor_testkit.workflow.task.dynamic_fork_task", "DynamicForkTask"),
        ("conductor_testkit.workflow.task.do_while_task", "LoopTask"),
        ("conductor_testkit.workflow.task.dynamic_task", "DynamicTask"),
        ("conductor_testkit.workflow.task.sub_workflow_task", "SubWorkflowTask"),
        ("conductor_testkit.workflow.task.start_workflow_task", "StartWorkflowTask"),
        ("conductor_testkit.workflow.task.wait_task", "WaitTask"),
        ("conductor_testkit.workflow.task.human_task", "HumanTask"),
        ("conductor_testkit.workflow.task.event_task", "SqsEventTask"),
        ("conductor_testkit.workflow.task.http_task", "HttpInput"),
        ("conductor_testkit.workflow.task.inline", "InlineTask"),
        ("conductor_testkit.workflow.task.javascript_task", "JavascriptTask"),
        ("conductor_testkit.workflow.task.json_jq_task", "JsonJQTask"),
        ("conductor_testkit.workflow.task.set_variable_task", "SetVariableTask"),
        ("conductor_testkit.workflow.task.terminate_task", "WorkflowStatus"),
        ("conductor_testkit.workflow.task.kafka_publish", "KafkaPublishTask"),
        ("conductor_testkit.workflow.task.kafka_publish_input", "KafkaPublishInput"),
        ("conductor_testkit.workflow.task.timeout_policy", "TimeoutPolicy"),
        ("conductor_testkit.workflow.task.task_type", "TaskType"),
        ("conductor_testkit.workflow.task.task", "TaskInterface"),
    ],
)
def test_official_module_paths_exist(module: str, name: str) -> None:
    assert hasattr(importlib.import_module(module), name)


def test_building_a_workflow_imports_no_client() -> None:
    # the DSL is plain data: importing it must not pull in the HTTP client
    import subprocess
    import sys

    code = (
        "import sys, conductor_testkit.workflow; print('conductor_testkit.client.api_client' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
