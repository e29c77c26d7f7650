"""Definitions loaded from JSON become DSL objects that render back exactly."""

from __future__ import annotations

import copy
import json
from typing import Any, Dict

import pytest

from conductor_testkit.errors import DefinitionError
from conductor_testkit.models import WorkflowDef
from conductor_testkit.workflow import (
    ConductorWorkflow,
    DoWhileTask,
    ForkTask,
    JoinTask,
    NoopTask,
    SimpleTask,
    SwitchTask,
    TaskInterface,
    task_from_dict,
)

# a definition as the server returns it: every default filled in, audit fields, a field from a
# newer server, nested switch/fork/loop/inline sub-workflow
SERVER_SHAPED: Dict[str, Any] = {
    "createTime": 1795761923168,
    "updateTime": 0,
    "name": "loaded",
    "description": "as GET returns it",
    "version": 4,
    "tasks": [
        {
            "name": "route",
            "taskReferenceName": "route",
            "inputParameters": {"switchCaseValue": "${workflow.input.kind}"},
            "type": "SWITCH",
            "decisionCases": {
                "fan": [
                    {
                        "name": "fork",
                        "taskReferenceName": "fork",
                        "type": "FORK_JOIN",
                        "inputParameters": {},
                        "forkTasks": [
                            [{"name": "a", "taskReferenceName": "a", "type": "SIMPLE", "optional": False}],
                            [{"name": "b", "taskReferenceName": "b", "type": "SIMPLE", "startDelay": 0}],
                        ],
                    },
                    {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["a", "b"]},
                ]
            },
            "defaultCase": [
                {
                    "name": "loop",
                    "taskReferenceName": "loop",
                    "type": "DO_WHILE",
                    "loopCondition": "false",
                    "loopOver": [
                        {"name": "n", "taskReferenceName": "n", "type": "NOOP", "onStateChange": {}}
                    ],
                }
            ],
            "evaluatorType": "value-param",
            "expression": "switchCaseValue",
            "someFutureTaskField": {"kept": True},
        },
        {
            "name": "child",
            "taskReferenceName": "child",
            "type": "SUB_WORKFLOW",
            "subWorkflowParam": {
                "name": "inline_child",
                "workflowDefinition": {
                    "name": "inline_child",
                    "tasks": [{"name": "c", "taskReferenceName": "c", "type": "NOOP"}],
                },
            },
        },
        {
            "name": "legacy",
            "taskReferenceName": "legacy",
            "type": "LAMBDA",
            "inputParameters": {"scriptExpression": "return 1;"},
        },
    ],
    "inputParameters": [],
    "outputParameters": {"kind": "${workflow.input.kind}"},
    "schemaVersion": 2,
    "restartable": True,
    "workflowStatusListenerEnabled": False,
    "timeoutPolicy": "ALERT_ONLY",
    "timeoutSeconds": 0,
    "variables": {},
    "inputTemplate": {},
    "enforceSchema": True,
    "metadata": {},
    "maskedFields": [],
    "someFutureWorkflowField": [1, 2],
}


def test_round_trip_from_dict_to_workflow_def_to_dict_is_lossless() -> None:
    loaded = ConductorWorkflow.from_dict(copy.deepcopy(SERVER_SHAPED))
    assert loaded.to_workflow_def().to_dict() == SERVER_SHAPED


def test_loading_does_not_keep_a_reference_to_the_input() -> None:
    data = copy.deepcopy(SERVER_SHAPED)
    loaded = ConductorWorkflow.from_dict(data)
    data["tasks"][0]["name"] = "changed"
    assert loaded.to_dict() == SERVER_SHAPED


def test_loads_from_a_workflow_def_model() -> None:
    assert ConductorWorkflow.from_dict(WorkflowDef.from_dict(SERVER_SHAPED)).to_dict() == SERVER_SHAPED


def test_loads_from_json_text() -> None:
    assert ConductorWorkflow.from_json(json.dumps(SERVER_SHAPED)).to_dict() == SERVER_SHAPED


def test_tasks_load_into_their_dsl_classes_at_every_depth() -> None:
    loaded = ConductorWorkflow.from_dict(SERVER_SHAPED)
    switch = loaded.tasks[0]
    assert isinstance(switch, SwitchTask)
    fork, join = switch.cases["fan"]
    assert isinstance(fork, ForkTask) and isinstance(join, JoinTask)
    assert isinstance(fork.branches[0][0], SimpleTask)
    assert isinstance(switch.get_field("defaultCase")[0], DoWhileTask)


def test_a_type_without_a_dsl_class_loads_as_a_plain_task() -> None:
    legacy = ConductorWorkflow.from_dict(SERVER_SHAPED).tasks[2]
    assert type(legacy) is TaskInterface
    assert legacy.task_type == "LAMBDA"


def test_a_loaded_workflow_can_be_extended_with_the_dsl() -> None:
    loaded = ConductorWorkflow.from_dict(SERVER_SHAPED) >> NoopTask("added")
    rendered = loaded.to_dict()
    assert rendered["tasks"][:3] == SERVER_SHAPED["tasks"]
    assert rendered["tasks"][3]["taskReferenceName"] == "added"


def test_loaded_tasks_can_be_edited_through_the_dsl() -> None:
    loaded = ConductorWorkflow.from_dict(SERVER_SHAPED)
    loaded.tasks[0].optional = True
    assert loaded.to_dict()["tasks"][0]["optional"] is True


def test_a_loaded_fork_renders_as_loaded_without_an_implicit_join() -> None:
    data = {
        "name": "w",
        "tasks": [
            {
                "name": "f",
                "taskReferenceName": "f",
                "type": "FORK_JOIN",
                "forkTasks": [[{"name": "a", "taskReferenceName": "a", "type": "NOOP"}]],
            }
        ],
    }
    assert ConductorWorkflow.from_dict(data).to_dict() == data


def test_dsl_and_json_definitions_are_interchangeable() -> None:
    built = ConductorWorkflow(name="w", version=1) >> [NoopTask("a"), NoopTask("b")] >> SimpleTask("t", "t")
    assert ConductorWorkflow.from_dict(built.to_dict()) == built


def test_task_from_dict_round_trips_a_single_task() -> None:
    task = SERVER_SHAPED["tasks"][0]
    assert task_from_dict(task).to_dict() == task


def test_repr_of_a_loaded_task_says_it_was_loaded() -> None:
    assert repr(task_from_dict({"name": "n", "taskReferenceName": "n", "type": "NOOP"})) == (
        "task_from_dict({'name': 'n', 'taskReferenceName': 'n', 'type': 'NOOP'})"
    )


def test_a_definition_without_a_name_is_rejected() -> None:
    with pytest.raises(DefinitionError, match="a workflow definition needs a name"):
        ConductorWorkflow.from_dict({"tasks": []})


def test_a_malformed_task_list_names_task_and_field() -> None:
    with pytest.raises(DefinitionError, match="task 's', field 'decisionCases'"):
        task_from_dict({"name": "s", "taskReferenceName": "s", "type": "SWITCH", "decisionCases": ["x"]})


def test_fork_tasks_that_are_not_a_list_of_branches_name_the_task_and_field() -> None:
    fork = {"name": "f", "taskReferenceName": "f", "type": "FORK_JOIN", "forkTasks": {"a": []}}
    with pytest.raises(DefinitionError) as info:
        task_from_dict(fork)
    assert str(info.value) == (
        "task 'f', field 'forkTasks': expected a list of branches (task lists), received {'a': []}"
    )


def test_a_value_the_server_refuses_names_workflow_task_and_field() -> None:
    definition = {"name": "typed", "tasks": [{"name": "a", "taskReferenceName": "a", "optional": "maybe"}]}
    with pytest.raises(DefinitionError) as info:
        ConductorWorkflow.from_dict(definition)
    assert str(info.value) == (
        "workflow 'typed', task 'a', field tasks[0].optional: JSON parse error: Cannot deserialize value "
        'of type `boolean` from String "maybe": only "true"/"True"/"TRUE" or "false"/"False"/"FALSE" '
        "recognized (the server refuses this definition)"
    )


@pytest.mark.parametrize("definition", [[1], "workflow", 7, None])
def test_a_definition_that_is_not_an_object_is_refused(definition: Any) -> None:
    with pytest.raises(DefinitionError, match="expected a workflow definition"):
        ConductorWorkflow.from_dict(definition)


def test_values_the_server_converts_are_no_problem() -> None:
    definition = {
        "name": "converted",
        "schemaVersion": "2",
        "tasks": [{"name": "a", "taskReferenceName": "a"}],
    }
    workflow = ConductorWorkflow.from_dict(definition).validate()
    assert workflow.to_dict()["schemaVersion"] == "2"  # rendered back as loaded


def test_a_refused_value_is_the_only_problem_reported() -> None:
    from conductor_testkit.workflow import find_problems

    (problem,) = find_problems(
        {"name": "w", "tasks": [{"name": "a", "taskReferenceName": "a", "startDelay": []}]}
    )
    assert (problem.workflow, problem.task_ref, problem.field) == ("w", "a", "tasks[0].startDelay")
    assert problem.message.startswith(
        "the server refuses it: JSON parse error: Cannot deserialize value of type `int`"
    )
