"""Wire compatibility of the DSL with the real server (3.32.1), one workflow per task type.

Each workflow is rendered by the DSL, registered (``POST /metadata/workflow``), read back
(``GET``), compared with what was sent after :func:`strip_server_defaults` on both sides, and
run with ``POST /workflow/test`` (mocks only for tasks a worker or an external system would
complete). Tasks the server finishes on its background workers (JOIN, WAIT, HTTP,
SUB_WORKFLOW, START_WORKFLOW) are followed with ``GET /workflow/{id}`` until the run ends.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest

from conductor_testkit.models import StartWorkflowRequest, TaskDef, WorkflowStatus
from conductor_testkit.testing.server import ServerSession
from conductor_testkit.workflow import (
    ConductorEventTask,
    ConductorWorkflow,
    DecisionTask,
    DoWhileTask,
    DynamicForkTask,
    DynamicTask,
    ExclusiveJoin,
    ForEachTask,
    ForkTask,
    HttpInput,
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
    TerminateTask,
    TimeoutPolicy,
    WaitTask,
    strip_server_defaults,
)

pytestmark = pytest.mark.integration

HTTP_TIMEOUT_SECONDS = 30
RUN_DEADLINE_SECONDS = 90


def done(output: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
    """A test-endpoint mock list: one COMPLETED attempt with ``output``."""
    return [{"status": "COMPLETED", "output": output or {}}]


@dataclass
class Case:
    workflow: ConductorWorkflow
    expected_status: str
    mocks: Dict[str, List[Dict[str, Any]]] = field(default_factory=dict)
    workflow_input: Dict[str, Any] = field(default_factory=dict)
    # extra workflows the case needs registered first (sub-workflows, started workflows)
    needs: List[ConductorWorkflow] = field(default_factory=list)
    check: Optional[Callable[[Dict[str, Any]], None]] = None


def _tasks_by_ref(run: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    return {task["referenceTaskName"]: task for task in run.get("tasks", [])}


def _new(name: str) -> ConductorWorkflow:
    return ConductorWorkflow(name=name, version=1)


def _inline_child(name: str) -> ConductorWorkflow:
    child = _new(name)
    child >> InlineTask("double", "$.n * 2", bindings={"n": child.input("n")})
    child.output_parameters({"doubled": "${double.output.result}"})
    return child


# -- one builder per task type: name -> Case -----------------------------------------------------


def simple(name: str) -> Case:
    wf = _new(name)
    wf >> SimpleTask(f"{name}_worker", "work").input_parameter("who", wf.input("who"))
    wf.output_parameters({"greeting": "${work.output.greeting}"})
    return Case(
        wf,
        "COMPLETED",
        {"work": done({"greeting": "hi"})},
        {"who": "x"},
        check=lambda run: _expect(run["output"], {"greeting": "hi"}),
    )


def switch_value_param(name: str) -> Case:
    wf = _new(name)
    switch = SwitchTask("route", wf.input("kind"))
    switch.switch_case("a", SimpleTask(f"{name}_a", "a1")).default_case(SimpleTask(f"{name}_b", "b1"))
    wf >> switch
    return Case(
        wf,
        "COMPLETED",
        {"a1": done()},
        {"kind": "a"},
        check=lambda run: _expect(_tasks_by_ref(run)["route"]["outputData"]["selectedCase"], "a"),
    )


def switch_javascript(name: str) -> Case:
    switch = SwitchTask("route", "$.n > 1 ? 'big' : 'small'", use_javascript=True)
    switch.input_parameters["n"] = "${workflow.input.n}"
    switch.switch_case("big", NoopTask("big")).switch_case("small", NoopTask("small"))
    return Case(
        _new(name) >> switch,
        "COMPLETED",
        workflow_input={"n": 5},
        check=lambda run: _expect("big" in _tasks_by_ref(run), True),
    )


def decision(name: str) -> Case:
    decide = DecisionTask("decide", case_value_param="kind")
    decide.input_parameters["kind"] = "${workflow.input.kind}"
    decide.switch_case("x", NoopTask("x_branch")).default_case(NoopTask("other_branch"))
    return Case(
        _new(name) >> decide,
        "COMPLETED",
        workflow_input={"kind": "x"},
        check=lambda run: _expect("x_branch" in _tasks_by_ref(run), True),
    )


def fork_from_list(name: str) -> Case:
    wf = _new(name)
    wf >> [[SimpleTask(f"{name}_a", "a1"), SimpleTask(f"{name}_a", "a2")], SimpleTask(f"{name}_b", "b1")]
    wf >> NoopTask("after")
    return Case(
        wf,
        "COMPLETED",
        {"a1": done(), "a2": done({"v": 2}), "b1": done({"v": 1})},
        check=lambda run: _expect(
            _tasks_by_ref(run)["join_fork_a1"]["outputData"], {"a2": {"v": 2}, "b1": {"v": 1}}
        ),
    )


def fork_with_join_task(name: str) -> Case:
    fork = ForkTask("fork", [[NoopTask("left")], [InlineTask("right", "1 + 1")]])
    return Case(_new(name) >> fork >> JoinTask("join", join_on=["left", "right"]), "COMPLETED")


def dynamic_fork(name: str) -> Case:
    fork = DynamicForkTask("fan_out")
    fork.input_parameters.update(
        {"dynamicTasks": "${workflow.input.tasks}", "dynamicTasksInputs": "${workflow.input.inputs}"}
    )
    tasks = [{"name": f"{name}_w", "taskReferenceName": f"w{i}", "type": "SIMPLE"} for i in range(2)]
    return Case(
        _new(name) >> fork,
        "COMPLETED",
        {"w0": done(), "w1": done()},
        {"tasks": tasks, "inputs": {"w0": {"i": 0}, "w1": {"i": 1}}},
    )


def do_while(name: str) -> Case:
    loop = DoWhileTask("loop", "$.loop['iteration'] < $.times", [SimpleTask(f"{name}_step", "step")])
    loop.input_parameters["times"] = "${workflow.input.times}"
    return Case(
        _new(name) >> loop,
        "COMPLETED",
        {"step__1": done(), "step__2": done()},
        {"times": 2},
        check=lambda run: _expect(_tasks_by_ref(run)["loop"]["outputData"]["iteration"], 2),
    )


def loop(name: str) -> Case:
    return Case(
        _new(name) >> LoopTask("three", 3, NoopTask("tick")),
        "COMPLETED",
        check=lambda run: _expect(_tasks_by_ref(run)["three"]["outputData"]["iteration"], 3),
    )


def for_each(name: str) -> Case:
    each = ForEachTask(
        "each",
        [InlineTask("square", "$.x * $.x", bindings={"x": "${each.output.loopItem}"})],
        iterate_over="${workflow.input.items}",
    )
    return Case(
        _new(name) >> each,
        "COMPLETED",
        workflow_input={"items": [1, 2, 3]},
        check=lambda run: _expect(_tasks_by_ref(run)["square__3"]["outputData"]["result"], 9),
    )


def dynamic(name: str) -> Case:
    return Case(
        _new(name) >> DynamicTask("${workflow.input.task}", "dyn"),
        "COMPLETED",
        {"dyn": done()},
        {"task": f"{name}_resolved"},
        check=lambda run: _expect(_tasks_by_ref(run)["dyn"]["taskType"], f"{name}_resolved"),
    )


def sub_workflow_by_name(name: str) -> Case:
    child = _inline_child(f"{name}_child")
    sub = SubWorkflowTask("child", workflow_name=child.name, version=1)
    sub.input_parameters["n"] = "${workflow.input.n}"
    return Case(
        _new(name) >> sub,
        "COMPLETED",
        workflow_input={"n": 4},
        needs=[child],
        check=lambda run: _expect(_tasks_by_ref(run)["child"]["outputData"]["doubled"], 8),
    )


def sub_workflow_inline(name: str) -> Case:
    sub = InlineSubWorkflowTask("child", _inline_child(f"{name}_inline"))
    sub.input_parameters["n"] = "${workflow.input.n}"
    return Case(
        _new(name) >> sub,
        "COMPLETED",
        workflow_input={"n": 5},
        check=lambda run: _expect(_tasks_by_ref(run)["child"]["outputData"]["doubled"], 10),
    )


def start_workflow(name: str) -> Case:
    other = _inline_child(f"{name}_started")
    request = StartWorkflowRequest(input={"n": 1}, correlation_id="dsl-test")
    start = StartWorkflowTask("start", other.name, request, version=1)
    return Case(
        _new(name) >> start,
        "COMPLETED",
        needs=[other],
        check=lambda run: _expect(bool(_tasks_by_ref(run)["start"]["outputData"].get("workflowId")), True),
    )


def wait_for_seconds(name: str) -> Case:
    return Case(_new(name) >> WaitTask("pause", wait_for_seconds=1), "COMPLETED")


def wait_until(name: str) -> Case:
    return Case(_new(name) >> WaitTask("until_past", wait_until="2020-01-31 00:00 UTC"), "COMPLETED")


def wait_for_signal(name: str) -> Case:
    return Case(_new(name) >> WaitTask("signal"), "COMPLETED", {"signal": done({"approved": True})})


def human(name: str) -> Case:
    return Case(_new(name) >> HumanTask("approve", display_name="Approve"), "COMPLETED", {"approve": done()})


def conductor_event(name: str) -> Case:
    return Case(
        _new(name) >> ConductorEventTask("notify", f"{name}_queue"),
        "COMPLETED",
        check=lambda run: _expect(
            _tasks_by_ref(run)["notify"]["outputData"]["event_produced"], f"conductor:{name}:{name}_queue"
        ),
    )


def sqs_event(name: str) -> Case:
    # the OSS server ships no SQS module: the task registers and runs, and fails on publishing
    return Case(
        _new(name) >> SqsEventTask("to_sqs", "orders"),
        "FAILED",
        check=lambda run: _expect("Unknown queue type sqs" in run["reasonForIncompletion"], True),
    )


def http(name: str, api_url: str) -> Case:
    # the server calls its own API: a real endpoint within reach
    call = HttpTask(
        "call",
        HttpInput(
            uri=f"{api_url}/metadata/workflow/{name}?version=1",
            accept="application/json",
            connection_time_out=5000,
            read_timeout=5000,
        ),
    )
    wf = _new(name) >> call
    return Case(
        wf,
        "COMPLETED",
        check=lambda run: _expect(_tasks_by_ref(run)["call"]["outputData"]["response"]["body"]["name"], name),
    )


def inline(name: str) -> Case:
    return Case(
        _new(name) >> InlineTask("sum", "$.a + $.b", bindings={"a": 2, "b": 3}),
        "COMPLETED",
        check=lambda run: _expect(_tasks_by_ref(run)["sum"]["outputData"]["result"], 5),
    )


def javascript(name: str) -> Case:
    js = JavascriptTask(
        "hello",
        "(function(){ return {text: 'hello ' + $.name}; })()",
        bindings={"name": "${workflow.input.name}"},
    )
    wf = _new(name) >> js
    wf.output_parameters({"text": js.output("text")})
    return Case(
        wf,
        "COMPLETED",
        workflow_input={"name": "Orkes"},
        check=lambda run: _expect(run["output"], {"text": "hello Orkes"}),
    )


def json_jq(name: str) -> Case:
    jq = JsonJQTask("jq", "{ key3: (.key1.value1 + .key2.value2) }")
    jq.input_parameters.update({"key1": {"value1": ["a"]}, "key2": {"value2": ["b"]}})
    return Case(
        _new(name) >> jq,
        "COMPLETED",
        check=lambda run: _expect(_tasks_by_ref(run)["jq"]["outputData"]["result"], {"key3": ["a", "b"]}),
    )


def set_variable(name: str) -> Case:
    wf = _new(name).variables({"stage": "start"})
    wf >> SetVariableTask("remember", input_parameters={"stage": "done"})
    return Case(wf, "COMPLETED", check=lambda run: _expect(run["variables"], {"stage": "done"}))


def terminate(name: str) -> Case:
    stop = TerminateTask("stop", WorkflowStatus.FAILED, "no stock", workflow_output={"why": "stock"})
    return Case(
        _new(name) >> stop >> NoopTask("never"),
        "FAILED",
        check=lambda run: _expect(
            (run["reasonForIncompletion"], run["output"]), ("no stock", {"why": "stock"})
        ),
    )


def kafka_publish(name: str) -> Case:
    publish = KafkaPublishTask(
        "publish", KafkaPublishInput(bootstrap_servers="127.0.0.1:9092", topic="orders", value="v")
    )
    return Case(_new(name) >> publish, "COMPLETED", {"publish": done()})


def noop(name: str) -> Case:
    return Case(_new(name) >> NoopTask("nothing"), "COMPLETED")


def exclusive_join(name: str) -> Case:
    switch = SwitchTask("route", "${workflow.input.kind}")
    switch.switch_case("a", SimpleTask(f"{name}_a", "a1")).default_case(SimpleTask(f"{name}_b", "b1"))
    wf = _new(name) >> switch >> ExclusiveJoin("pick", join_on=["a1"], default_exclusive_join_task=["b1"])
    return Case(
        wf,
        "COMPLETED",
        {"b1": done({"from": "b"})},
        {"kind": "other"},
        check=lambda run: _expect(_tasks_by_ref(run)["pick"]["outputData"], {"from": "b"}),
    )


def task_options(name: str) -> Case:
    work = SimpleTask(
        f"{name}_worker",
        "work",
        description="retried once",
        optional=True,
        start_delay=0,
        retry_count=1,
        task_definition=TaskDef(timeout_seconds=30, response_timeout_seconds=10, retry_delay_seconds=0),
        permissive=False,
        async_complete=False,
    )
    return Case(
        _new(name) >> work,
        "COMPLETED",
        {"work": [{"status": "FAILED", "output": {}}] + done()},
        check=lambda run: _expect([t["status"] for t in run["tasks"]], ["FAILED", "COMPLETED"]),
    )


def workflow_settings(name: str) -> Case:
    wf = ConductorWorkflow(
        name=name,
        version=1,
        description="settings",
        timeout_seconds=300,
        timeout_policy=TimeoutPolicy.TIME_OUT_WORKFLOW,
        owner_email="dsl@example.com",
        restartable=False,
        variables={"v": 1},
        input_parameters=["a"],
        input_template={"a": "default"},
    )
    wf >> InlineTask("echo", "$.a", bindings={"a": "${workflow.input.a}"})
    wf.output_parameters({"a": "${echo.output.result}"})
    return Case(
        wf, "COMPLETED", workflow_input={"b": 1}, check=lambda run: _expect(run["output"], {"a": "default"})
    )


def _expect(actual: Any, expected: Any) -> None:
    assert actual == expected


CASES: List[Callable[..., Case]] = [
    simple,
    switch_value_param,
    switch_javascript,
    decision,
    fork_from_list,
    fork_with_join_task,
    dynamic_fork,
    do_while,
    loop,
    for_each,
    dynamic,
    sub_workflow_by_name,
    sub_workflow_inline,
    start_workflow,
    wait_for_seconds,
    wait_until,
    wait_for_signal,
    human,
    conductor_event,
    sqs_event,
    http,
    inline,
    javascript,
    json_jq,
    set_variable,
    terminate,
    kafka_publish,
    noop,
    exclusive_join,
    task_options,
    workflow_settings,
]


# -- the server side ------------------------------------------------------------------------------


class Server:
    def __init__(self, api_url: str) -> None:
        self.api_url = api_url
        self.registered: List[ConductorWorkflow] = []
        self.http = ServerSession()

    def register(self, workflow: ConductorWorkflow) -> Dict[str, Any]:
        sent = workflow.validate().to_dict()
        url = f"{self.api_url}/metadata/workflow"
        response = self.http.post(url, json=sent, timeout=HTTP_TIMEOUT_SECONDS)
        assert response.status_code == 200, response.text
        self.registered.append(workflow)
        return sent

    def read(self, workflow: ConductorWorkflow) -> Dict[str, Any]:
        response = self.http.get(
            f"{self.api_url}/metadata/workflow/{workflow.name}",
            params={"version": workflow.version},
            timeout=HTTP_TIMEOUT_SECONDS,
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def run(self, case: Case) -> Dict[str, Any]:
        body = {
            "name": case.workflow.name,
            "version": case.workflow.version,
            "input": case.workflow_input,
            "taskRefToMockOutput": case.mocks,
        }
        response = self.http.post(f"{self.api_url}/workflow/test", json=body, timeout=HTTP_TIMEOUT_SECONDS)
        assert response.status_code == 200, response.text
        run = response.json()
        deadline = time.monotonic() + RUN_DEADLINE_SECONDS
        # JOIN, WAIT, HTTP, SUB_WORKFLOW and START_WORKFLOW finish on the server's own workers
        while run["status"] == "RUNNING":
            assert time.monotonic() < deadline, (
                f"{case.workflow.name} still RUNNING {RUN_DEADLINE_SECONDS}s after the test endpoint answered"
            )
            time.sleep(0.2)
            run = self.http.get(
                f"{self.api_url}/workflow/{run['workflowId']}", timeout=HTTP_TIMEOUT_SECONDS
            ).json()
        return run  # type: ignore[no-any-return]

    def cleanup(self) -> None:
        for workflow in self.registered:
            self.http.delete(
                f"{self.api_url}/metadata/workflow/{workflow.name}/{workflow.version}",
                timeout=HTTP_TIMEOUT_SECONDS,
            )


@pytest.fixture
def server(conductor_server_url: str) -> Iterator[Server]:
    handle = Server(conductor_server_url)
    yield handle
    handle.cleanup()


def _build(builder: Callable[..., Case], name: str, api_url: str) -> Case:
    return builder(name, api_url) if builder is http else builder(name)


@pytest.mark.parametrize("builder", CASES, ids=[c.__name__ for c in CASES])
def test_server_returns_the_registered_definition_unchanged(
    builder: Callable[..., Case], server: Server, unique_name: str
) -> None:
    case = _build(builder, unique_name, server.api_url)
    for needed in case.needs:
        server.register(needed)
    sent = server.register(case.workflow)
    assert strip_server_defaults(server.read(case.workflow)) == strip_server_defaults(sent)


@pytest.mark.parametrize("builder", CASES, ids=[c.__name__ for c in CASES])
def test_registered_workflow_runs_on_the_server(
    builder: Callable[..., Case], server: Server, unique_name: str
) -> None:
    case = _build(builder, unique_name, server.api_url)
    for needed in case.needs:
        server.register(needed)
    server.register(case.workflow)
    run = server.run(case)
    assert run["status"] == case.expected_status, run.get("reasonForIncompletion")
    if case.check is not None:
        case.check(run)


def test_definition_loaded_back_from_the_server_renders_what_the_server_holds(
    server: Server, unique_name: str
) -> None:
    case = fork_from_list(unique_name)
    server.register(case.workflow)
    held = server.read(case.workflow)
    assert ConductorWorkflow.from_dict(held).to_dict() == held
