"""ConductorWorkflow: building, rendering and the executor boundary (no server needed)."""

from __future__ import annotations

import copy
import json

import pytest

from conductor_testkit.errors import ConfigurationError, DefinitionError
from conductor_testkit.models import WorkflowDef
from conductor_testkit.workflow import (
    ConductorWorkflow,
    ForkTask,
    InlineTask,
    JoinTask,
    NoopTask,
    SimpleTask,
    SwitchTask,
    TimeoutPolicy,
    WorkflowDefinitionError,
)


def greetings() -> ConductorWorkflow:
    workflow = ConductorWorkflow(name="greetings", version=1)
    workflow >> SimpleTask("greet", "greet_ref").input_parameter("name", workflow.input("name"))
    return workflow


def refs(rendered: list) -> list:
    return [(task["taskReferenceName"], task["type"]) for task in rendered]


def test_builds_and_renders_without_an_executor() -> None:
    assert greetings().to_dict() == {
        "name": "greetings",
        "version": 1,
        "tasks": [
            {
                "name": "greet",
                "taskReferenceName": "greet_ref",
                "type": "SIMPLE",
                "inputParameters": {"name": "${workflow.input.name}"},
            }
        ],
        "inputParameters": [],
        "outputParameters": {},
        "schemaVersion": 2,
        "restartable": True,
        "workflowStatusListenerEnabled": False,
        "timeoutSeconds": 60,
        "variables": {},
        "inputTemplate": {},
    }


def test_to_workflow_def_returns_the_wire_model() -> None:
    definition = greetings().to_workflow_def()
    assert isinstance(definition, WorkflowDef)
    assert definition.tasks[0].task_reference_name == "greet_ref"


def test_rendering_twice_gives_identical_json() -> None:
    assert greetings().to_json(sort_keys=True) == greetings().to_json(sort_keys=True)


def test_workflow_input_and_output_expressions() -> None:
    workflow = ConductorWorkflow(name="w")
    assert workflow.input("name") == "${workflow.input.name}"
    assert workflow.input() == "${workflow.input}"
    assert workflow.output("a.b") == "${workflow.output.a.b}"
    assert workflow.output() == "${workflow.output}"


def test_version_is_settable_as_an_attribute() -> None:
    workflow = ConductorWorkflow(name="w")
    workflow.version = 3
    assert workflow.to_dict()["version"] == 3


def test_version_must_be_an_int() -> None:
    with pytest.raises(DefinitionError, match=r"version must be int, received '1'"):
        ConductorWorkflow(name="w").version = "1"  # type: ignore[assignment]


def test_name_must_be_a_non_empty_string() -> None:
    with pytest.raises(DefinitionError, match="name must be a non-empty string, received ''"):
        ConductorWorkflow(name="")


def test_list_forms_a_fork_and_its_join_named_after_the_first_task() -> None:
    workflow = ConductorWorkflow(name="w") >> [
        SimpleTask("a", "a1"),
        [SimpleTask("b", "b1"), SimpleTask("b", "b2")],
    ]
    rendered = workflow.to_dict()["tasks"]
    assert refs(rendered) == [("fork_a1", "FORK_JOIN"), ("join_fork_a1", "JOIN")]
    assert [[t["taskReferenceName"] for t in branch] for branch in rendered[0]["forkTasks"]] == [
        ["a1"],
        ["b1", "b2"],
    ]
    assert rendered[1]["joinOn"] == ["a1", "b2"]


def test_a_fork_at_the_end_of_the_workflow_still_gets_its_join() -> None:
    rendered = (ConductorWorkflow(name="w") >> [NoopTask("a"), NoopTask("b")]).to_dict()["tasks"]
    assert rendered[-1]["type"] == "JOIN"


def test_an_explicit_join_after_a_fork_replaces_the_implicit_one() -> None:
    fork = ForkTask("fork", [[NoopTask("a")], [NoopTask("b")]])
    rendered = (ConductorWorkflow(name="w") >> fork >> JoinTask("my_join", join_on=["a"])).to_dict()["tasks"]
    assert refs(rendered) == [("fork", "FORK_JOIN"), ("my_join", "JOIN")]


def test_a_fork_inside_a_switch_case_gets_its_join_inside_the_case() -> None:
    switch = SwitchTask("route", "${workflow.input.kind}").switch_case(
        "a", [ForkTask("fork", [[NoopTask("x")], [NoopTask("y")]]), NoopTask("after")]
    )
    case = (ConductorWorkflow(name="w") >> switch).to_dict()["tasks"][0]["decisionCases"]["a"]
    assert refs(case) == [("fork", "FORK_JOIN"), ("join_fork", "JOIN"), ("after", "NOOP")]


def test_a_workflow_in_sequence_becomes_an_inline_sub_workflow() -> None:
    child = ConductorWorkflow(name="child", input_template={"x": "${workflow.input.x}"}) >> NoopTask("n")
    rendered = (ConductorWorkflow(name="parent") >> child).to_dict()["tasks"][0]
    assert rendered["taskReferenceName"] == "child_subworkflow"
    assert rendered["type"] == "SUB_WORKFLOW"
    assert rendered["inputParameters"] == {"x": "${workflow.input.x}"}
    assert rendered["subWorkflowParam"]["workflowDefinition"] == child.to_dict()


def test_the_same_workflow_added_twice_gets_distinct_references() -> None:
    child = ConductorWorkflow(name="child") >> NoopTask("n")
    rendered = (ConductorWorkflow(name="parent") >> child >> child).to_dict()["tasks"]
    assert [t["taskReferenceName"] for t in rendered] == ["child_subworkflow", "child_subworkflow_2"]


def test_add_appends_a_list_in_sequence_not_as_a_fork() -> None:
    rendered = ConductorWorkflow(name="w").add([NoopTask("a"), NoopTask("b")]).to_dict()["tasks"]
    assert refs(rendered) == [("a", "NOOP"), ("b", "NOOP")]


def test_a_function_instead_of_a_task_is_rejected_with_a_hint() -> None:
    def greet(name: str) -> str:
        return name

    with pytest.raises(DefinitionError, match="must be called with task_ref_name="):
        ConductorWorkflow(name="w") >> greet


def test_an_empty_fork_list_is_rejected() -> None:
    with pytest.raises(DefinitionError, match="a fork needs at least one branch"):
        ConductorWorkflow(name="w") >> []


def test_settings_render_as_workflow_fields() -> None:
    workflow = (
        ConductorWorkflow(name="w", description="d")
        .timeout_policy(TimeoutPolicy.TIME_OUT_WORKFLOW)
        .timeout_seconds(30)
        .owner_email("a@b.c")
        .failure_workflow("cleanup")
        .restartable(False)
        .variables({"v": 1})
        .input_parameters(["order"])
        .input_template({"order": 0})
        .output_parameters({"o": "${workflow.input.order}"})
    )
    rendered = workflow.to_dict()
    assert {
        k: rendered[k]
        for k in (
            "description",
            "timeoutPolicy",
            "timeoutSeconds",
            "ownerEmail",
            "failureWorkflow",
            "restartable",
            "variables",
            "inputParameters",
            "inputTemplate",
            "outputParameters",
        )
    } == {
        "description": "d",
        "timeoutPolicy": "TIME_OUT_WF",
        "timeoutSeconds": 30,
        "ownerEmail": "a@b.c",
        "failureWorkflow": "cleanup",
        "restartable": False,
        "variables": {"v": 1},
        "inputParameters": ["order"],
        "inputTemplate": {"order": 0},
        "outputParameters": {"o": "${workflow.input.order}"},
    }


def test_settings_can_be_given_to_the_constructor() -> None:
    by_keywords = ConductorWorkflow(name="w", timeout_seconds=5, variables={"a": 1}, owner_email="x@y.z")
    fluent = ConductorWorkflow(name="w").timeout_seconds(5).variables({"a": 1}).owner_email("x@y.z")
    assert by_keywords == fluent


def test_an_unknown_timeout_policy_is_rejected() -> None:
    with pytest.raises(
        DefinitionError, match="timeout_policy must be TIME_OUT_WF or ALERT_ONLY, received 'NEVER'"
    ):
        ConductorWorkflow(name="w").timeout_policy("NEVER")


def test_input_parameters_given_a_dict_set_the_input_template() -> None:
    # the official SDK's behaviour, relied on by its kitchensink example
    rendered = ConductorWorkflow(name="w").input_parameters({"uri": "x"}).to_dict()
    assert (rendered["inputTemplate"], rendered["inputParameters"]) == ({"uri": "x"}, [])


def test_status_listener_settings() -> None:
    workflow = ConductorWorkflow(name="w").enable_status_listener("sink")
    assert (
        workflow.to_dict()["workflowStatusListenerEnabled"],
        workflow.to_dict()["workflowStatusListenerSink"],
    ) == (True, "sink")
    assert "workflowStatusListenerSink" not in workflow.disable_status_listener().to_dict()


def test_any_wire_field_can_be_set() -> None:
    workflow = ConductorWorkflow(name="w").set_field("failureWorkflowVersion", 2)
    assert workflow.to_dict()["failureWorkflowVersion"] == 2
    assert workflow.get_field("failureWorkflowVersion") == 2


def test_register_needs_an_executor() -> None:
    with pytest.raises(ConfigurationError, match=r"register\(\) needs an executor"):
        greetings().register(overwrite=True)


def test_execute_needs_an_executor() -> None:
    with pytest.raises(ConfigurationError, match=r"execute\(\) needs an executor"):
        greetings().execute(workflow_input={"name": "x"})


def test_calling_the_workflow_executes_it() -> None:
    with pytest.raises(ConfigurationError, match=r"execute\(\) needs an executor"):
        greetings()(name="x")


def test_register_validates_before_using_the_executor() -> None:
    broken = ConductorWorkflow(name="w", executor=object()) >> NoopTask("a") >> NoopTask("a")
    with pytest.raises(WorkflowDefinitionError, match="2 tasks use this reference"):
        broken.register(overwrite=True)


def test_equal_builds_compare_equal_and_different_ones_do_not() -> None:
    assert greetings() == greetings()
    assert greetings() != (greetings() >> NoopTask("more"))


def test_repr_echoes_how_the_workflow_was_built() -> None:
    workflow = (
        ConductorWorkflow(name="w", version=2) >> SimpleTask("greet", "greet_ref") >> InlineTask("x", "1")
    )
    assert repr(workflow) == (
        "ConductorWorkflow(name='w', version=2) >> SimpleTask('greet', 'greet_ref') >> InlineTask('x', '1')"
    )


def test_deepcopy_shares_the_executor_and_copies_the_tasks() -> None:
    executor = object()
    workflow = ConductorWorkflow(name="w", executor=executor) >> NoopTask("a")
    clone = copy.deepcopy(workflow)
    clone >> NoopTask("b")
    assert clone.executor is executor
    assert len(workflow.tasks) == 1


def test_to_json_is_the_wire_json() -> None:
    assert json.loads(greetings().to_json()) == greetings().to_dict()


def test_tasks_added_then_changed_render_their_current_state() -> None:
    task = SimpleTask("t", "t")
    workflow = ConductorWorkflow(name="w") >> task
    task.input_parameters["late"] = 1
    assert workflow.to_dict()["tasks"][0]["inputParameters"] == {"late": 1}
