"""Validation before registration: each rule, and errors that name workflow, task and field."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from conductor_testkit.errors import DefinitionError
from conductor_testkit.workflow import (
    ConductorWorkflow,
    DefinitionProblem,
    DoWhileTask,
    DynamicForkTask,
    ForkTask,
    InlineSubWorkflowTask,
    InlineTask,
    JoinTask,
    NoopTask,
    SimpleTask,
    SwitchTask,
    WorkflowDefinitionError,
    find_problems,
    validate_workflow_def,
)
from conductor_testkit.workflow.validation import expression_heads, iter_expressions


def noop(ref: str) -> Dict[str, Any]:
    return {"name": ref, "taskReferenceName": ref, "type": "NOOP"}


def problems_of(workflow: ConductorWorkflow) -> List[tuple]:
    return [(p.task_ref, p.field) for p in workflow.problems()]


def definition(*tasks: Dict[str, Any]) -> Dict[str, Any]:
    return {"name": "w", "tasks": list(tasks)}


def test_a_well_formed_workflow_has_no_problems() -> None:
    wf = ConductorWorkflow(name="w")
    first = SimpleTask("t", "first").input_parameter("x", wf.input("x"))
    (
        wf
        >> first
        >> [InlineTask("a", "1"), NoopTask("b")]
        >> SimpleTask("t", "last").input_parameter("y", first.output("y"))
    )
    wf.output_parameters({"y": "${last.output.y}"})
    assert wf.problems() == []


def test_empty_workflow() -> None:
    assert problems_of(ConductorWorkflow(name="w")) == [(None, "tasks")]


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: [NoopTask("x"), NoopTask("x")], id="top-level"),
        pytest.param(lambda: [NoopTask("x"), [NoopTask("a"), NoopTask("x")]], id="in-a-fork-branch"),
        pytest.param(
            lambda: [NoopTask("x"), SwitchTask("s", "v").switch_case("c", NoopTask("x"))],
            id="in-a-switch-case",
        ),
        pytest.param(lambda: [NoopTask("x"), DoWhileTask("l", "false", NoopTask("x"))], id="in-a-loop"),
    ],
)
def test_duplicate_reference_names(build: Any) -> None:
    wf = ConductorWorkflow(name="w")
    for item in build():
        wf >> item
    assert ("x", "taskReferenceName") in problems_of(wf)


def test_references_inside_an_inline_sub_workflow_are_its_own() -> None:
    child = ConductorWorkflow(name="child") >> NoopTask("x")
    wf = ConductorWorkflow(name="w") >> NoopTask("x") >> InlineSubWorkflowTask("sub", child)
    assert wf.problems() == []


def test_expression_naming_an_unknown_task() -> None:
    wf = ConductorWorkflow(name="w") >> SimpleTask("t", "t").input_parameter("v", "${ghost.output.v}")
    [problem] = wf.problems()
    assert (problem.task_ref, problem.field) == ("t", "inputParameters.v")
    assert "task reference 'ghost'" in problem.message and "known references: t" in problem.message


def test_expression_inside_nested_values_and_nested_tasks() -> None:
    inner = SimpleTask("t", "inner").input_parameter("deep", {"list": ["x ${ghost.output} y"]})
    wf = ConductorWorkflow(name="w") >> SwitchTask("s", "v").switch_case("c", inner)
    assert problems_of(wf) == [("inner", "inputParameters.deep.list[0]")]


def test_workflow_output_naming_an_unknown_task() -> None:
    wf = (ConductorWorkflow(name="w") >> NoopTask("n")).output_parameters({"o": "${ghost.output}"})
    assert problems_of(wf) == [(None, "outputParameters.o")]


@pytest.mark.parametrize(
    "value",
    [
        "${workflow.input.a}",
        "${workflow.variables.v}",
        "${CPEWF_TASK_ID}",
        "${NETFLIX_ENV}",
        "$${ghost.output}",
        "${n.output.list[0]}",
        "${$.n.output}",
        "${n.output.${workflow.input.key}}",
    ],
)
def test_expressions_that_are_fine(value: str) -> None:
    wf = ConductorWorkflow(name="w") >> NoopTask("n") >> SimpleTask("t", "t").input_parameter("v", value)
    assert wf.problems() == []


def test_a_loop_iteration_reference_gets_a_hint() -> None:
    loop = DoWhileTask("loop", "false", SimpleTask("t", "step"))
    wf = (
        ConductorWorkflow(name="w")
        >> loop
        >> SimpleTask("t", "after").input_parameter("v", "${step__1.output}")
    )
    [problem] = wf.problems()
    assert "loop iterations are not addressable" in problem.message


def test_dynamic_fork_references_are_not_flagged() -> None:
    fork = DynamicForkTask("df")
    wf = (
        ConductorWorkflow(name="w")
        >> fork
        >> SimpleTask("t", "t").input_parameter("v", "${_worker_0.output}")
    )
    assert wf.problems() == []


def test_join_on_a_task_outside_its_fork() -> None:
    fork = ForkTask("fork", [[NoopTask("a")], [NoopTask("b")]])
    wf = (
        ConductorWorkflow(name="w") >> NoopTask("before") >> fork >> JoinTask("join", join_on=["a", "before"])
    )
    [problem] = wf.problems()
    assert (problem.task_ref, problem.field) == ("join", "joinOn")
    assert "'before' is a task of another part of the workflow" in problem.message


def test_join_not_after_a_fork() -> None:
    wf = ConductorWorkflow(name="w") >> NoopTask("a") >> JoinTask("join", join_on=["a"])
    assert problems_of(wf) == [("join", "type")]


def test_fork_not_followed_by_a_join() -> None:
    fork = {"name": "f", "taskReferenceName": "f", "type": "FORK_JOIN", "forkTasks": [[noop("a")]]}
    [problem] = find_problems(definition(fork, noop("after")))
    assert (problem.task_ref, problem.field) == ("f", "type")
    assert "must be followed by a JOIN in the same task list, found a NOOP task" in problem.message


def test_a_task_without_a_type_after_a_fork_is_named_as_simple() -> None:
    fork = {"name": "f", "taskReferenceName": "f", "type": "FORK_JOIN", "forkTasks": [[noop("a")]]}
    untyped = {"name": "after", "taskReferenceName": "after"}  # the server reads no type as SIMPLE
    [problem] = find_problems(definition(fork, untyped))
    assert "found a SIMPLE task" in problem.message


def dynamic_fork(ref: str, **fields: Any) -> Dict[str, Any]:
    return {
        "name": ref,
        "taskReferenceName": ref,
        "type": "FORK_JOIN_DYNAMIC",
        "dynamicForkTasksParam": "tasks",
        "dynamicForkTasksInputParamName": "inputs",
        **fields,
    }


def test_dynamic_fork_not_followed_by_a_join() -> None:
    assert [(p.task_ref, p.field) for p in find_problems(definition(dynamic_fork("d")))] == [("d", "type")]


def test_dynamic_fork_without_its_parameters() -> None:
    fork = {"name": "d", "taskReferenceName": "d", "type": "FORK_JOIN_DYNAMIC"}
    problems = find_problems(definition(fork, {"name": "j", "taskReferenceName": "j", "type": "JOIN"}))
    assert [(p.task_ref, p.field) for p in problems] == [
        ("d", "dynamicForkTasksParam"),
        ("d", "dynamicForkTasksInputParamName"),
    ]


def test_dynamic_fork_with_the_legacy_and_the_new_parameters() -> None:
    fork = dynamic_fork("d", dynamicForkJoinTasksParam="legacy")
    join = {"name": "j", "taskReferenceName": "j", "type": "JOIN"}
    [problem] = find_problems(definition(fork, join))
    assert (problem.field, problem.message) == (
        "dynamicForkJoinTasksParam",
        "give dynamicForkJoinTasksParam or dynamicForkTasksParam with "
        "dynamicForkTasksInputParamName, not both",
    )


def test_schema_version_other_than_2() -> None:
    data = dict(definition(noop("a")), schemaVersion=1)
    [problem] = find_problems(data)
    assert (problem.task_ref, problem.field) == (None, "schemaVersion")
    assert problem.message == "the server supports schemaVersion 2 only, received 1; set it to 2"


def test_negative_start_delay() -> None:
    [problem] = find_problems(definition(dict(noop("a"), startDelay=-1)))
    assert (problem.task_ref, problem.field, problem.message) == (
        "a",
        "startDelay",
        "must be >= 0 seconds, received -1",
    )


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        ("JSON_JQ_TRANSFORM", "inputParameters.queryExpression"),
        ("KAFKA_PUBLISH", "inputParameters.kafka_request"),
    ],
)
def test_system_task_without_its_required_input(kind: str, field: str) -> None:
    [problem] = find_problems(definition({"name": "t", "taskReferenceName": "t", "type": kind}))
    assert (problem.task_ref, problem.field) == ("t", field)


def test_required_input_may_come_from_the_inline_task_definitions_template() -> None:
    task = {
        "name": "t",
        "taskReferenceName": "t",
        "type": "JSON_JQ_TRANSFORM",
        "taskDefinition": {"name": "t", "inputTemplate": {"queryExpression": "."}},
    }
    assert find_problems(definition(task)) == []


def test_switch_without_cases() -> None:
    wf = ConductorWorkflow(name="w") >> SwitchTask("s", "${workflow.input.k}")
    assert problems_of(wf) == [("s", "decisionCases")]


def test_value_param_switch_reading_a_missing_input() -> None:
    switch = {
        "name": "s",
        "taskReferenceName": "s",
        "type": "SWITCH",
        "evaluatorType": "value-param",
        "expression": "kind",
        "decisionCases": {"a": [noop("a")]},
    }
    assert [(p.task_ref, p.field) for p in find_problems(definition(switch))] == [("s", "expression")]


def test_do_while_without_a_loop_condition() -> None:
    loop = {"name": "l", "taskReferenceName": "l", "type": "DO_WHILE", "loopOver": [noop("n")]}
    assert [(p.task_ref, p.field) for p in find_problems(definition(loop))] == [("l", "loopCondition")]


def test_sub_workflow_without_name_or_definition() -> None:
    sub = {"name": "s", "taskReferenceName": "s", "type": "SUB_WORKFLOW", "subWorkflowParam": {"version": 1}}
    assert [(p.task_ref, p.field) for p in find_problems(definition(sub))] == [("s", "subWorkflowParam")]


def test_problems_of_an_inline_sub_workflow_name_the_path() -> None:
    child = ConductorWorkflow(name="child") >> NoopTask("x") >> NoopTask("x")
    [problem] = (ConductorWorkflow(name="parent") >> InlineSubWorkflowTask("sub", child)).problems()
    assert problem.workflow == "parent > sub (child)"


def test_terminate_with_an_expression_as_status() -> None:
    terminate = {
        "name": "t",
        "taskReferenceName": "t",
        "type": "TERMINATE",
        "inputParameters": {"terminationStatus": "${workflow.input.s}"},
    }
    assert [(p.task_ref, p.field) for p in find_problems(definition(terminate))] == [
        ("t", "inputParameters.terminationStatus")
    ]


def test_validate_raises_one_error_listing_every_problem() -> None:
    wf = (
        ConductorWorkflow(name="orders")
        >> NoopTask("x")
        >> SimpleTask("t", "x").input_parameter("v", "${ghost.output}")
    )
    with pytest.raises(WorkflowDefinitionError) as caught:
        wf.validate()
    error = caught.value
    assert isinstance(error, DefinitionError)
    assert (error.workflow, len(error.problems)) == ("orders", 2)
    assert str(error).splitlines()[0] == "workflow 'orders' is not valid (2 problems):"
    assert "workflow 'orders', task 'x', field 'inputParameters.v':" in str(error)


def test_to_workflow_def_validates_only_when_asked() -> None:
    wf = ConductorWorkflow(name="w")
    assert wf.to_workflow_def().tasks == []
    with pytest.raises(WorkflowDefinitionError):
        wf.to_workflow_def(validate=True)


def test_validate_workflow_def_accepts_json() -> None:
    with pytest.raises(WorkflowDefinitionError, match="field 'tasks'"):
        validate_workflow_def({"name": "w", "tasks": []})


def test_a_problem_reads_as_where_and_what() -> None:
    problem = DefinitionProblem("w", "t", "joinOn", "bad")
    assert str(problem) == "workflow 'w', task 't', field 'joinOn': bad"


def test_iter_expressions_handles_nesting_and_escapes() -> None:
    assert list(iter_expressions("a ${x.y} $${not} ${m[${i}]} ${unclosed")) == ["x.y", "m[${i}]"]


def test_expression_heads_include_nested_ones() -> None:
    assert list(expression_heads("${a.output.${b.output.k}}")) == ["b", "a"]
