"""Task classes: the wire JSON each renders, their options, expressions and argument checks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict

import pytest

from conductor_testkit.errors import DefinitionError
from conductor_testkit.models import StartWorkflowRequest, TaskDef, WorkflowStatus
from conductor_testkit.workflow import (
    ConductorEventTask,
    ConductorWorkflow,
    DecisionTask,
    DoWhileTask,
    DynamicForkTask,
    DynamicTask,
    EventTask,
    ExclusiveJoin,
    ForEachTask,
    ForkTask,
    HttpInput,
    HttpMethod,
    HttpTask,
    HumanTask,
    InlineSubWorkflowTask,
    InlineTask,
    JavascriptTask,
    JoinTask,
    JsonJQTask,
    KafkaPublishInput,
    KafkaPublishTask,
    LoopTask,
    NoopTask,
    SetVariableTask,
    SimpleTask,
    SqsEventTask,
    StartWorkflowTask,
    SubWorkflowTask,
    SwitchTask,
    TaskInterface,
    TerminateTask,
    WaitTask,
)


def shape(name: str, ref: str, kind: str, inputs: Dict[str, Any], **fields: Any) -> Dict[str, Any]:
    return {"name": name, "taskReferenceName": ref, "type": kind, "inputParameters": inputs, **fields}


NOOP = shape("n", "n", "NOOP", {})

WIRE_SHAPES = [
    pytest.param(
        lambda: SimpleTask("charge", "charge_ref"), shape("charge", "charge_ref", "SIMPLE", {}), id="SIMPLE"
    ),
    pytest.param(
        lambda: SwitchTask("s", "${workflow.input.k}").switch_case("a", NoopTask("n")),
        shape(
            "s",
            "s",
            "SWITCH",
            {"switchCaseValue": "${workflow.input.k}"},
            evaluatorType="value-param",
            expression="switchCaseValue",
            decisionCases={"a": [NOOP]},
            defaultCase=[],
        ),
        id="SWITCH-value-param",
    ),
    pytest.param(
        lambda: SwitchTask("s", "$.k", use_javascript=True).default_case(NoopTask("n")),
        shape(
            "s",
            "s",
            "SWITCH",
            {},
            evaluatorType="graaljs",
            expression="$.k",
            decisionCases={},
            defaultCase=[NOOP],
        ),
        id="SWITCH-javascript",
    ),
    pytest.param(
        lambda: DecisionTask("d", case_value_param="k").switch_case("a", NoopTask("n")),
        shape("d", "d", "DECISION", {}, caseValueParam="k", decisionCases={"a": [NOOP]}, defaultCase=[]),
        id="DECISION",
    ),
    pytest.param(
        lambda: ForkTask("f", [[NoopTask("n")]]),
        shape("f", "f", "FORK_JOIN", {}, forkTasks=[[NOOP]]),
        id="FORK_JOIN",
    ),
    pytest.param(lambda: JoinTask("j", join_on=["n"]), shape("j", "j", "JOIN", {}, joinOn=["n"]), id="JOIN"),
    pytest.param(
        lambda: DynamicForkTask("df"),
        shape(
            "df",
            "df",
            "FORK_JOIN_DYNAMIC",
            {},
            dynamicForkTasksParam="dynamicTasks",
            dynamicForkTasksInputParamName="dynamicTasksInputs",
        ),
        id="FORK_JOIN_DYNAMIC",
    ),
    pytest.param(
        lambda: DoWhileTask("l", "$.l.iteration < 2", NoopTask("n")),
        shape("l", "l", "DO_WHILE", {}, loopCondition="$.l.iteration < 2", loopOver=[NOOP]),
        id="DO_WHILE",
    ),
    pytest.param(
        lambda: LoopTask("l", 3, [NoopTask("n")]),
        shape(
            "l",
            "l",
            "DO_WHILE",
            {},
            loopCondition="if ( $.l.iteration < 3 ) { true; } else { false; }",
            loopOver=[NOOP],
        ),
        id="DO_WHILE-loop",
    ),
    pytest.param(
        lambda: ForEachTask("e", [NoopTask("n")], "${workflow.input.items}"),
        shape(
            "e", "e", "DO_WHILE", {}, loopCondition="true", loopOver=[NOOP], items="${workflow.input.items}"
        ),
        id="DO_WHILE-for-each",
    ),
    pytest.param(
        lambda: DynamicTask("${workflow.input.t}", "d"),
        shape(
            "dynamic_task",
            "d",
            "DYNAMIC",
            {"taskToExecute": "${workflow.input.t}"},
            dynamicTaskNameParam="taskToExecute",
        ),
        id="DYNAMIC",
    ),
    pytest.param(
        lambda: SubWorkflowTask("c", "child", version=2, task_to_domain_map={"*": "d"}),
        shape(
            "c",
            "c",
            "SUB_WORKFLOW",
            {},
            subWorkflowParam={"name": "child", "version": 2, "taskToDomain": {"*": "d"}},
        ),
        id="SUB_WORKFLOW",
    ),
    pytest.param(
        lambda: StartWorkflowTask(
            "s", "other", StartWorkflowRequest(input={"a": 1}, correlation_id="c"), version=3
        ),
        shape(
            "s",
            "s",
            "START_WORKFLOW",
            {"startWorkflow": {"name": "other", "version": 3, "input": {"a": 1}, "correlationId": "c"}},
        ),
        id="START_WORKFLOW",
    ),
    pytest.param(
        lambda: WaitTask("w", wait_for_seconds=2),
        shape("w", "w", "WAIT", {"duration": "2s"}),
        id="WAIT-seconds",
    ),
    pytest.param(
        lambda: WaitTask("w", wait_until="2024-01-31 00:00 UTC"),
        shape("w", "w", "WAIT", {"until": "2024-01-31 00:00 UTC"}),
        id="WAIT-until",
    ),
    pytest.param(lambda: WaitTask("w"), shape("w", "w", "WAIT", {}), id="WAIT-signal"),
    pytest.param(
        lambda: HumanTask("h", display_name="Approve"),
        shape(
            "h",
            "h",
            "HUMAN",
            {
                "__humanTaskDefinition": {
                    "assignmentCompletionStrategy": "LEAVE_OPEN",
                    "displayName": "Approve",
                    "userFormTemplate": {"name": None, "version": 0},
                }
            },
        ),
        id="HUMAN",
    ),
    pytest.param(lambda: SqsEventTask("e", "q"), shape("e", "e", "EVENT", {}, sink="sqs:q"), id="EVENT-sqs"),
    pytest.param(
        lambda: ConductorEventTask("e", "q"),
        shape("e", "e", "EVENT", {}, sink="conductor:q"),
        id="EVENT-conductor",
    ),
    pytest.param(
        lambda: HttpTask(
            "h",
            HttpInput(
                method=HttpMethod.POST,
                uri="http://x",
                headers={"a": ["b"]},
                accept="text/plain",
                content_type="application/json",
                connection_time_out=1,
                read_timeout=2,
                body={"k": 1},
            ),
        ),
        shape(
            "h",
            "h",
            "HTTP",
            {
                "http_request": {
                    "uri": "http://x",
                    "method": "POST",
                    "accept": "text/plain",
                    "headers": {"a": ["b"]},
                    "contentType": "application/json",
                    "connectionTimeOut": 1,
                    "readTimeOut": 2,
                    "body": {"k": 1},
                }
            },
        ),
        id="HTTP",
    ),
    pytest.param(
        lambda: InlineTask("i", "$.a", bindings={"a": 1}),
        shape("i", "i", "INLINE", {"evaluatorType": "graaljs", "expression": "$.a", "a": 1}),
        id="INLINE",
    ),
    pytest.param(
        lambda: JavascriptTask("i", "$.a", bindings={"a": 1}).evaluator_type("javascript"),
        shape("i", "i", "INLINE", {"evaluatorType": "javascript", "expression": "$.a", "a": 1}),
        id="INLINE-javascript-task",
    ),
    pytest.param(
        lambda: JsonJQTask("j", ".a"),
        shape("j", "j", "JSON_JQ_TRANSFORM", {"queryExpression": ".a"}),
        id="JSON_JQ_TRANSFORM",
    ),
    pytest.param(
        lambda: SetVariableTask("v", input_parameters={"x": 1}),
        shape("v", "v", "SET_VARIABLE", {"x": 1}),
        id="SET_VARIABLE",
    ),
    pytest.param(
        lambda: TerminateTask("t", WorkflowStatus.FAILED, "why", workflow_output={"o": 1}),
        shape(
            "t",
            "t",
            "TERMINATE",
            {"terminationStatus": "FAILED", "terminationReason": "why", "workflowOutput": {"o": 1}},
        ),
        id="TERMINATE",
    ),
    pytest.param(
        lambda: KafkaPublishTask(
            "k", KafkaPublishInput(bootstrap_servers="b:9092", topic="t", value="v", key_serializer="S")
        ),
        shape(
            "k",
            "k",
            "KAFKA_PUBLISH",
            {
                "kafka_request": {
                    "bootStrapServers": "b:9092",
                    "keySerializer": "S",
                    "value": "v",
                    "topic": "t",
                }
            },
        ),
        id="KAFKA_PUBLISH",
    ),
    pytest.param(lambda: NoopTask("n"), NOOP, id="NOOP"),
    pytest.param(
        lambda: ExclusiveJoin("x", join_on=["a"], default_exclusive_join_task=["b"]),
        shape("x", "x", "EXCLUSIVE_JOIN", {}, joinOn=["a"], defaultExclusiveJoinTask=["b"]),
        id="EXCLUSIVE_JOIN",
    ),
]


@pytest.mark.parametrize(("build", "expected"), WIRE_SHAPES)
def test_renders_its_wire_json(build: Any, expected: Dict[str, Any]) -> None:
    assert build().to_dict() == expected


def test_inline_sub_workflow_renders_the_workflow_definition() -> None:
    child = ConductorWorkflow(name="child", version=2) >> NoopTask("n")
    rendered = InlineSubWorkflowTask("c", child).to_dict()
    assert rendered["subWorkflowParam"] == {
        "name": "child",
        "version": 2,
        "workflowDefinition": child.to_dict(),
    }


def test_simple_task_supports_the_worker_task_construction() -> None:
    # what @worker_task does when called with task_ref_name=...
    task = SimpleTask(task_def_name="greet", task_reference_name="greet_ref")
    task.input_parameters.update({"name": "${workflow.input.name}"})
    assert task.to_dict()["inputParameters"] == {"name": "${workflow.input.name}"}


def test_options_render_as_wire_fields() -> None:
    task = SimpleTask(
        "t",
        "t",
        description="d",
        optional=True,
        start_delay=5,
        async_complete=True,
        permissive=True,
        retry_count=2,
        task_definition=TaskDef(timeout_seconds=30, response_timeout_seconds=10),
    )
    rendered = task.to_dict()
    assert {
        k: rendered[k]
        for k in (
            "description",
            "optional",
            "startDelay",
            "asyncComplete",
            "permissive",
            "retryCount",
            "taskDefinition",
        )
    } == {
        "description": "d",
        "optional": True,
        "startDelay": 5,
        "asyncComplete": True,
        "permissive": True,
        "retryCount": 2,
        "taskDefinition": {"timeoutSeconds": 30, "responseTimeoutSeconds": 10},
    }


def test_options_can_be_set_after_construction() -> None:
    task = NoopTask("n")
    task.optional = True
    task.retry_count = 1
    task.task_definition = {"retryCount": 0}
    assert task.task_definition is not None and task.task_definition.retry_count == 0
    assert (task.to_dict()["optional"], task.to_dict()["retryCount"]) == (True, 1)


def test_an_option_of_the_wrong_type_names_task_option_and_value() -> None:
    with pytest.raises(DefinitionError, match=r"SimpleTask 't': retry_count must be int, received '3'"):
        SimpleTask("t", "t", retry_count="3")  # type: ignore[arg-type]


def test_a_reference_name_must_be_a_non_empty_string() -> None:
    with pytest.raises(DefinitionError, match="task_reference_name must be a non-empty string, received ''"):
        NoopTask("")


def test_output_and_input_expressions() -> None:
    task = SimpleTask("t", "t_ref")
    assert task.output("result") == "${t_ref.output.result}"
    assert task.output() == "${t_ref.output}"
    assert task.output(".a") == "${t_ref.output.a}"
    assert task.output("[0]") == "${t_ref.output[0]}"
    assert task.input("x") == "${t_ref.input.x}"


def test_input_with_key_and_value_sets_an_input_parameter() -> None:
    task = SimpleTask("t", "t")
    assert task.input(key="k", value=1) is task
    assert task.input_parameters == {"k": 1}


def test_javascript_task_output_points_into_result() -> None:
    js = JavascriptTask("js", "1")
    assert (js.output(), js.output("text")) == ("${js.output.result}", "${js.output.result.text}")


def test_javascript_task_is_an_inline_task_and_renders_like_one() -> None:
    js = JavascriptTask("js", "$.a", bindings={"a": 1})
    assert isinstance(js, InlineTask)
    assert js.to_dict() == InlineTask("js", "$.a", bindings={"a": 1}).to_dict()
    assert repr(js) == "JavascriptTask('js', '$.a', bindings={'a': 1})"


def test_javascript_task_names_itself_when_the_script_is_empty() -> None:
    with pytest.raises(DefinitionError, match="JavascriptTask 'js': script must be a non-empty JavaScript"):
        JavascriptTask("js", " ")


def test_input_objects_are_values_whose_repr_echoes_their_construction() -> None:
    request = HttpInput(uri="http://x", method="POST", read_timeout=500)
    assert request == HttpInput(uri="http://x", method="POST", read_timeout=500)
    assert request != HttpInput(uri="http://x")
    assert repr(request) == "HttpInput(method='POST', uri='http://x', read_timeout=500)"
    assert request.to_dict() == {"uri": "http://x", "method": "POST", "readTimeOut": 500}
    kafka = KafkaPublishInput(topic="t", value={"a": 1})
    assert repr(kafka) == "KafkaPublishInput(value={'a': 1}, topic='t')"
    assert kafka.to_dict() == {"value": {"a": 1}, "topic": "t"}


def test_http_task_response_expressions() -> None:
    http = HttpTask("h", {"uri": "http://x"})
    assert http.status_code() == "${h.output.response.statusCode}"
    assert http.body("id") == "${h.output.response.body.id}"
    assert http.headers() == "${h.output.response.headers}"


def test_http_input_as_a_dict_defaults_to_get() -> None:
    assert HttpTask("h", {"uri": "http://x"}).input_parameters["http_request"] == {
        "uri": "http://x",
        "method": "GET",
    }


def test_wait_accepts_a_timedelta() -> None:
    assert WaitTask("w", wait_for_seconds=timedelta(minutes=1)).input_parameters == {"duration": "60s"}


def test_wait_rejects_both_until_and_seconds() -> None:
    with pytest.raises(DefinitionError, match="give wait_until or wait_for_seconds, not both"):
        WaitTask("w", wait_until="2024-01-01", wait_for_seconds=1)


def test_wait_rejects_fractional_seconds() -> None:
    with pytest.raises(DefinitionError, match="whole seconds"):
        WaitTask("w", wait_for_seconds=timedelta(milliseconds=1500))


def test_terminate_rejects_a_status_the_server_does_not_accept() -> None:
    with pytest.raises(DefinitionError, match="status must be one of COMPLETED, FAILED, TERMINATED"):
        TerminateTask("t", "${workflow.input.status}", "x")


def test_decision_needs_exactly_one_way_to_choose() -> None:
    with pytest.raises(DefinitionError, match="give exactly one of case_value_param and case_expression"):
        DecisionTask("d")


def test_switch_case_rejects_something_that_is_not_a_task() -> None:
    with pytest.raises(DefinitionError, match=r"SwitchTask 's', case 'a': expected a task"):
        SwitchTask("s", "x").switch_case("a", "not a task")


def test_loop_needs_a_positive_iteration_count() -> None:
    with pytest.raises(DefinitionError, match="iterations must be a positive int, received 0"):
        LoopTask("l", 0, NoopTask("n"))


def test_fork_needs_branches() -> None:
    with pytest.raises(DefinitionError, match="forked_tasks must be a non-empty list"):
        ForkTask("f", [])


def test_event_task_takes_any_sink() -> None:
    assert EventTask("e", "conductor").to_dict()["sink"] == "conductor"


def test_any_wire_field_can_be_set_on_a_task() -> None:
    task = NoopTask("n").set_field("onStateChange", {"x": []})
    assert task.get_field("onStateChange") == {"x": []}
    assert task.to_dict()["onStateChange"] == {"x": []}


def test_repr_echoes_the_constructor_call() -> None:
    assert repr(WaitTask("w", wait_for_seconds=2)) == "WaitTask('w', wait_for_seconds=2)"


def test_repr_evaluates_back_to_an_equal_task() -> None:
    task = SwitchTask("s", "${workflow.input.k}", use_javascript=False)
    assert eval(repr(task), {"SwitchTask": SwitchTask}) == task


def test_tasks_are_equal_when_they_render_the_same() -> None:
    assert SimpleTask("a", "b") == SimpleTask("a", "b")
    assert SimpleTask("a", "b") != SimpleTask("a", "c")
    assert SimpleTask("a", "b") != TaskInterface("b", "SIMPLE", task_name="a")


def test_task_type_is_the_enum_when_known_and_the_string_otherwise() -> None:
    assert NoopTask("n").task_type == "NOOP"
    assert TaskInterface("x", "LLM_CHAT_COMPLETE").task_type == "LLM_CHAT_COMPLETE"
