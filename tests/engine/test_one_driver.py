"""One driver: ``Engine.execute``, ``Engine.test_workflow``, the harness and ``memory://`` agree.

Each scenario is run four ways on fresh engines and the normalised executions (status, output,
each task's reference, type, status, iteration, retries, input and output) must be equal:

* ``Engine.execute(request, mocks=..., workers=...)``;
* ``Engine.test_workflow`` (the server's test endpoint; worker tasks get the outputs the workers
  gave in the harness run, and one extra mock key keeps the loop going until the run ends);
* the harness on the local backend (``Harness(LocalBackend(engine)).run``), the workers given to
  the engine;
* ``memory://``: a client starts the workflow, the engine's own workers run in-process, and the
  test polls and completes the other tasks through the task API as an outside worker would.
"""

from __future__ import annotations

import copy
import gc
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Tuple

import pytest
from _engine_helpers import inline_sub_workflow, simple, system_task, wf

from conductor_testkit.engine import Engine
from conductor_testkit.engine.in_process import LocalConductor
from conductor_testkit.models import Task
from conductor_testkit.testing import Harness, LocalBackend
from conductor_testkit.testing.compare import diff_runs
from conductor_testkit.testing.remote import KEEP_RUNNING_REF

Mocks = Dict[str, List[Dict[str, Any]]]


def ok(**output: Any) -> Dict[str, Any]:
    return {"status": "COMPLETED", "output": output}


def fail(**output: Any) -> Dict[str, Any]:
    return {"status": "FAILED", "output": output}


@dataclass
class Scenario:
    name: str
    definition: Dict[str, Any]
    input: Dict[str, Any] = field(default_factory=dict)
    mocks: Mocks = field(default_factory=dict)
    sub_mocks: Dict[str, Mocks] = field(default_factory=dict)
    workers: Dict[str, Callable[..., Any]] = field(default_factory=dict)
    expected_status: str = "COMPLETED"

    def __str__(self) -> str:
        return self.name


def retrying(ref: str, count: int, delay: int = 0, **extra: Any) -> Dict[str, Any]:
    """A SIMPLE task with an inline TaskDef of ``count`` retries ``delay`` seconds apart."""
    task_def = {"name": f"t_{ref}", "retryCount": count, "retryDelaySeconds": delay}
    return simple(ref, taskDefinition=task_def, **extra)


def greet(name: str) -> Dict[str, Any]:
    return {"greeting": f"hello {name}"}


def shout(text: str) -> Dict[str, Any]:
    return {"loud": str(text).upper()}


def _switch(ref: str, param: str, cases: Dict[str, List[Dict[str, Any]]], default: List[Dict[str, Any]]):
    return system_task(
        ref,
        "SWITCH",
        evaluatorType="value-param",
        expression="v",
        inputParameters={"v": param},
        decisionCases=cases,
        defaultCase=default,
    )


def _fork(ref: str, branches: List[List[Dict[str, Any]]], join_ref: str) -> List[Dict[str, Any]]:
    join_on = [branch[-1]["taskReferenceName"] for branch in branches]
    return [
        system_task(ref, "FORK_JOIN", forkTasks=branches),
        system_task(join_ref, "JOIN", joinOn=join_on),
    ]


def _loop(ref: str, tasks: List[Dict[str, Any]], times: int) -> Dict[str, Any]:
    return system_task(
        ref,
        "DO_WHILE",
        loopCondition=f"if ($.{ref}['iteration'] < {times}) {{ true; }} else {{ false; }}",
        loopOver=tasks,
    )


def _dynamic_fork(ref: str, source: str) -> List[Dict[str, Any]]:
    return [
        system_task(
            ref,
            "FORK_JOIN_DYNAMIC",
            dynamicForkTasksParam="dynamicTasks",
            dynamicForkTasksInputParamName="dynamicTasksInput",
            inputParameters={
                "dynamicTasks": f"${{{source}.output.tasks}}",
                "dynamicTasksInput": f"${{{source}.output.inputs}}",
            },
        ),
        system_task(f"{ref}_join", "JOIN"),
    ]


def _dynamic_plan(*refs: str, retries: int = 0) -> Dict[str, Any]:
    task_def = {"retryCount": retries, "retryDelaySeconds": 0}
    return ok(
        tasks=[
            {
                "name": f"t_{r}",
                "taskReferenceName": r,
                "type": "SIMPLE",
                "taskDefinition": {"name": f"t_{r}", **task_def},
            }
            for r in refs
        ],
        inputs={r: {"item": r} for r in refs},
    )


child = wf("child", [simple("c1"), simple("c2", inputParameters={"x": "${c1.output.x}"})])
grandchild = wf("grandchild", [simple("g1")])
middle = wf("middle", [simple("m1"), inline_sub_workflow("to_grandchild", grandchild)])

SCENARIOS: List[Scenario] = [
    Scenario(
        "chain",
        wf("chain", [simple("a"), simple("b", inputParameters={"x": "${a.output.x}"})]),
        mocks={"a": [ok(x=1)], "b": [ok(y=2)]},
    ),
    Scenario(
        "chain_of_five",
        wf("five", [simple(r) for r in "abcde"]),
        mocks={r: [ok(n=i)] for i, r in enumerate("abcde")},
    ),
    Scenario(
        "workflow_input",
        wf(
            "wi",
            [simple("a", inputParameters={"who": "${workflow.input.who}"})],
            outputParameters={"out": "${a.output.v}"},
        ),
        input={"who": "ann"},
        mocks={"a": [ok(v="done")]},
    ),
    Scenario("retry_then_complete", wf("retry", [retrying("a", 2)]), mocks={"a": [fail(), ok(done=True)]}),
    Scenario(
        "retry_with_delay",
        wf("retry_delay", [retrying("a", 2, delay=30)]),
        mocks={"a": [fail(), fail(), ok(done=True)]},
    ),
    Scenario(
        "retries_exhausted",
        wf("exhausted", [retrying("a", 1), simple("b")]),
        mocks={"a": [fail(), fail()]},
        expected_status="FAILED",
    ),
    Scenario(
        "terminal_error",
        wf("terminal", [retrying("a", 3)]),
        mocks={"a": [{"status": "FAILED_WITH_TERMINAL_ERROR", "output": {}}]},
        expected_status="FAILED",
    ),
    Scenario(
        "optional_task_fails",
        wf("optional", [retrying("a", 0, optional=True), simple("b")]),
        mocks={"a": [fail()], "b": [ok()]},
    ),
    Scenario(
        "switch_case",
        wf("sw", [_switch("s", "${workflow.input.kind}", {"x": [simple("x1")]}, [simple("d1")])]),
        input={"kind": "x"},
        mocks={"x1": [ok(branch="x")]},
    ),
    Scenario(
        "switch_default",
        wf("swd", [_switch("s", "${workflow.input.kind}", {"x": [simple("x1")]}, [simple("d1")])]),
        input={"kind": "other"},
        mocks={"d1": [ok(branch="default")]},
    ),
    Scenario(
        "switch_on_task_output",
        wf(
            "swo",
            [
                simple("a"),
                _switch("s", "${a.output.route}", {"left": [simple("l1")], "right": [simple("r1")]}, []),
            ],
        ),
        mocks={"a": [ok(route="right")], "r1": [ok()]},
    ),
    Scenario(
        "javascript_switch",
        wf(
            "jsw",
            [
                system_task(
                    "s",
                    "SWITCH",
                    evaluatorType="javascript",
                    expression="$.n > 10 ? 'big' : 'small'",
                    inputParameters={"n": "${workflow.input.n}"},
                    decisionCases={"big": [simple("b1")], "small": [simple("s1")]},
                )
            ],
        ),
        input={"n": 42},
        mocks={"b1": [ok()]},
    ),
    Scenario(
        "fork_join",
        wf("fork", _fork("f", [[simple("a1"), simple("a2")], [simple("b1")]], "j")),
        mocks={"a1": [ok(a=1)], "a2": [ok(a=2)], "b1": [ok(b=1)]},
    ),
    Scenario(
        "nested_fork",
        wf("nfork", _fork("f", [_fork("g", [[simple("x")], [simple("y")]], "gj"), [simple("z")]], "j")),
        mocks={"x": [ok()], "y": [ok()], "z": [ok()]},
    ),
    Scenario(
        "fork_with_retry",
        wf("fretry", _fork("f", [[retrying("a", 1)], [simple("b")]], "j")),
        mocks={"a": [fail(), ok()], "b": [ok()]},
    ),
    Scenario(
        "do_while_three",
        wf("loop", [_loop("l", [simple("step")], 3)]),
        mocks={"step__1": [ok(i=1)], "step__2": [ok(i=2)], "step__3": [ok(i=3)]},
    ),
    Scenario(
        "do_while_with_switch",
        wf(
            "loopsw",
            [
                _loop(
                    "l",
                    [simple("s0"), _switch("s", "${s0.output.go}", {"yes": [simple("y")]}, [simple("n")])],
                    2,
                )
            ],
        ),
        mocks={"s0__1": [ok(go="yes")], "y__1": [ok()], "s0__2": [ok(go="no")], "n__2": [ok()]},
    ),
    Scenario(
        "dynamic_fork_two",
        wf("dyn", [simple("plan"), *_dynamic_fork("df", "plan")]),
        mocks={"plan": [_dynamic_plan("d1", "d2")], "d1": [ok(r=1)], "d2": [ok(r=2)]},
    ),
    Scenario(
        "dynamic_fork_empty",
        wf("dyn0", [simple("plan"), *_dynamic_fork("df", "plan"), simple("after")]),
        mocks={"plan": [_dynamic_plan()], "after": [ok()]},
    ),
    Scenario(
        "dynamic_fork_retry",
        wf("dynr", [simple("plan"), *_dynamic_fork("df", "plan")]),
        mocks={"plan": [_dynamic_plan("d1", retries=1)], "d1": [fail(), ok()]},
    ),
    Scenario(
        "dynamic_task",
        wf(
            "dyntask",
            [
                simple("pick"),
                system_task(
                    "dt",
                    "DYNAMIC",
                    dynamicTaskNameParam="taskToExecute",
                    inputParameters={"taskToExecute": "${pick.output.name}"},
                ),
            ],
        ),
        mocks={"pick": [ok(name="t_chosen")], "dt": [ok(ran=True)]},
    ),
    Scenario(
        "sub_workflow",
        wf("parent", [simple("p1"), inline_sub_workflow("sub", child), simple("p2")]),
        mocks={"p1": [ok()], "p2": [ok()]},
        sub_mocks={"sub": {"c1": [ok(x=5)], "c2": [ok()]}},
    ),
    Scenario(
        "nested_sub_workflows",
        wf("outer", [inline_sub_workflow("mid", middle)]),
        sub_mocks={
            "mid": {
                "taskRefToMockOutput": {"m1": [ok()]},
                "subWorkflowTestRequest": {"to_grandchild": {"taskRefToMockOutput": {"g1": [ok(deep=True)]}}},
            }
        },
    ),
    Scenario(
        "human",
        wf("human", [system_task("review", "HUMAN"), simple("after")]),
        mocks={"review": [ok(approved=True)], "after": [ok()]},
    ),
    Scenario(
        "human_then_switch",
        wf(
            "hsw",
            [
                system_task("review", "HUMAN"),
                _switch("s", "${review.output.decision}", {"yes": [simple("ship")]}, [simple("reject")]),
            ],
        ),
        mocks={"review": [ok(decision="yes")], "ship": [ok()]},
    ),
    Scenario(
        "wait_for_signal",
        wf("wait", [system_task("w", "WAIT"), simple("after")]),
        mocks={"w": [ok(signal="go")], "after": [ok()]},
    ),
    Scenario(
        "wait_with_duration_mocked",
        wf("waitd", [system_task("w", "WAIT", inputParameters={"duration": "6 hours"}), simple("after")]),
        mocks={"w": [ok()], "after": [ok()]},
    ),
    Scenario(
        "event_async_complete",
        wf("event", [system_task("e", "EVENT", sink="conductor", asyncComplete=True), simple("after")]),
        mocks={"e": [ok(acknowledged=True)], "after": [ok()]},
    ),
    Scenario(
        "inline_and_jq",
        wf(
            "scripts",
            [
                simple("a"),
                system_task(
                    "calc",
                    "INLINE",
                    inputParameters={
                        "evaluatorType": "javascript",
                        "expression": "$.v * 2",
                        "v": "${a.output.v}",
                    },
                ),
                system_task(
                    "jq",
                    "JSON_JQ_TRANSFORM",
                    inputParameters={"queryExpression": ".x + 1", "x": "${calc.output.result}"},
                ),
            ],
        ),
        mocks={"a": [ok(v=20)]},
    ),
    Scenario(
        "set_variable",
        wf(
            "vars",
            [simple("a"), system_task("sv", "SET_VARIABLE", inputParameters={"seen": "${a.output.v}"})],
            outputParameters={"seen": "${workflow.variables.seen}"},
        ),
        mocks={"a": [ok(v=7)]},
    ),
    Scenario(
        "terminate_in_branch",
        wf(
            "term",
            [
                _switch(
                    "s",
                    "${workflow.input.stop}",
                    {
                        "yes": [
                            system_task(
                                "t",
                                "TERMINATE",
                                inputParameters={
                                    "terminationStatus": "FAILED",
                                    "terminationReason": "stopped",
                                },
                            )
                        ]
                    },
                    [simple("go")],
                )
            ],
        ),
        input={"stop": "yes"},
        expected_status="FAILED",
    ),
    Scenario(
        "worker_function",
        wf("workers", [simple("g", "greet", inputParameters={"name": "${workflow.input.n}"})]),
        input={"n": "bob"},
        workers={"greet": greet},
    ),
    Scenario(
        "workers_and_mocks",
        wf(
            "mixed",
            [
                simple("a"),
                simple("g", "greet", inputParameters={"name": "${a.output.who}"}),
                simple("s", "shout", inputParameters={"text": "${g.output.greeting}"}),
            ],
        ),
        mocks={"a": [ok(who="eve")]},
        workers={"greet": greet, "shout": shout},
    ),
    Scenario(
        "workers_in_sub_workflow",
        wf(
            "wsub",
            [
                inline_sub_workflow(
                    "sub",
                    wf("wchild", [simple("g", "greet", inputParameters={"name": "${workflow.input.n}"})]),
                    inputParameters={"n": "kim"},
                )
            ],
        ),
        workers={"greet": greet},
    ),
    Scenario(
        "workers_in_fork",
        wf(
            "wfork",
            _fork(
                "f",
                [
                    [simple("g1", "greet", inputParameters={"name": "one"})],
                    [simple("g2", "greet", inputParameters={"name": "two"})],
                ],
                "j",
            ),
        ),
        workers={"greet": greet},
    ),
]


# -- the four ways ---------------------------------------------------------------------------------


def _request(s: Scenario) -> Dict[str, Any]:
    return {
        "name": s.definition["name"],
        "version": 1,
        "input": copy.deepcopy(s.input),
        "workflowDef": copy.deepcopy(s.definition),
    }


def via_execute(s: Scenario) -> Dict[str, Any]:
    engine = Engine(workers=s.workers)
    return engine.run_workflow(
        _request(s), mocks=copy.deepcopy(s.mocks), sub_workflow_mocks=copy.deepcopy(s.sub_mocks)
    ).workflow


def via_harness(s: Scenario) -> Tuple[Dict[str, Any], Engine]:
    engine = Engine(workers=s.workers)
    execution = Harness(LocalBackend(engine)).run(
        copy.deepcopy(s.definition),
        s.input,
        copy.deepcopy(s.mocks),
        sub_workflow_mocks=copy.deepcopy(s.sub_mocks),
    )
    return execution.workflow, engine


def _worker_attempts(workflow: Dict[str, Any], workers: Dict[str, Any]) -> Mocks:
    """The attempts in-process workers settled in a run, as test-endpoint mocks."""
    out: Mocks = {}
    for task in sorted(workflow.get("tasks") or [], key=lambda t: t["seq"]):
        if task["taskType"] in workers:
            out.setdefault(task["referenceTaskName"], []).append(
                {"status": task["status"], "output": task.get("outputData") or {}}
            )
    return out


def _as_test_request(sub: Dict[str, Any]) -> Dict[str, Any]:
    sub = copy.deepcopy(sub)
    return sub if "taskRefToMockOutput" in sub else {"taskRefToMockOutput": sub}


def _flat_plan(mocks: Mocks, sub_mocks: Dict[str, Any]) -> Mocks:
    """Every planned attempt by reference, sub-workflows' included (their references are unique)."""
    plan = copy.deepcopy(mocks)
    for sub in sub_mocks.values():
        sub = _as_test_request(sub)
        plan.update(_flat_plan(sub["taskRefToMockOutput"], sub.get("subWorkflowTestRequest") or {}))
    return plan


def via_test_endpoint(s: Scenario, worker_run: Dict[str, Any], engine: Engine) -> Dict[str, Any]:
    mocks = copy.deepcopy(s.mocks)
    mocks.update(_worker_attempts(worker_run, s.workers))
    mocks[KEEP_RUNNING_REF] = [ok()]
    subs: Dict[str, Any] = {ref: _as_test_request(sub) for ref, sub in s.sub_mocks.items()}
    for task in worker_run.get("tasks") or []:  # workers inside sub-workflows
        child_id = task.get("subWorkflowId")
        if task["taskType"] == "SUB_WORKFLOW" and child_id and s.workers:
            child_run = engine.get_workflow(child_id)
            sub = subs.setdefault(task["referenceTaskName"], {"taskRefToMockOutput": {}})
            sub["taskRefToMockOutput"].update(_worker_attempts(child_run, s.workers))
            sub["taskRefToMockOutput"][KEEP_RUNNING_REF] = [ok()]
    request = {**_request(s), "taskRefToMockOutput": mocks, "subWorkflowTestRequest": subs}
    return Engine().test_workflow(request)


def via_memory(s: Scenario) -> Dict[str, Any]:
    """Start over the client API; complete tasks the way an outside worker and a person would."""
    from conductor_testkit.http.models import StartWorkflowRequest, TaskResult

    conductor = LocalConductor(Engine(workers=s.workers))
    workflows = conductor.clients.get_workflow_client()
    tasks = conductor.clients.get_task_client()
    plan = _flat_plan(s.mocks, s.sub_mocks)
    request = _request(s)
    workflow_id = workflows.start_workflow(
        StartWorkflowRequest(
            name=request["name"], version=1, input=request["input"], workflow_def=request["workflowDef"]
        )
    )
    for _ in range(500):
        workflow = workflows.get_workflow(workflow_id, include_tasks=True).to_dict()
        if workflow["status"] != "RUNNING":
            return workflow
        if not _complete_one(workflow, plan, workflows, tasks) and not _poll_and_complete(
            workflow, plan, workflows, tasks, TaskResult
        ):
            return workflow  # nothing more to do: blocked
    raise AssertionError(f"{s.name}: memory:// run did not settle in 500 rounds")


def _open_tasks(workflow: Dict[str, Any], workflows: Any) -> List[Dict[str, Any]]:
    """Open tasks of the workflow and of its running sub-workflows."""
    out = []
    for task in workflow.get("tasks") or []:
        if task["status"] not in ("SCHEDULED", "IN_PROGRESS"):
            continue
        out.append({**task, "workflowInstanceId": workflow["workflowId"]})
        if task["taskType"] == "SUB_WORKFLOW" and task.get("subWorkflowId"):
            out.extend(
                _open_tasks(
                    workflows.get_workflow(task["subWorkflowId"], include_tasks=True).to_dict(), workflows
                )
            )
    return out


def _complete_one(workflow: Dict[str, Any], plan: Mocks, workflows: Any, tasks: Any) -> bool:
    """Complete an open mocked system task (HUMAN, WAIT, EVENT) by reference, as a person would."""
    for task in _open_tasks(workflow, workflows):
        attempts = plan.get(task["referenceTaskName"])
        if task["taskType"] in ("HUMAN", "WAIT", "EVENT") and attempts:
            attempt = attempts.pop(0)
            tasks.update_task_by_ref_name(
                task["workflowInstanceId"], task["referenceTaskName"], attempt["status"], attempt["output"]
            )
            return True
    return False


def _poll_and_complete(
    workflow: Dict[str, Any], plan: Mocks, workflows: Any, tasks: Any, result: Any
) -> bool:
    """Poll each worker task type once and answer with the planned attempt of the task's reference."""
    types = sorted({t["taskType"] for t in _open_tasks(workflow, workflows) if t["status"] == "SCHEDULED"})
    types = types or ["__nothing__"]  # an empty poll lets memory:// skip idle time
    progressed = False
    for task_type in types:
        for polled in tasks.batch_poll_tasks(task_type, count=10) or []:
            attempt = plan[polled.reference_task_name].pop(0)
            tasks.update_task(
                result(
                    task_id=polled.task_id,
                    workflow_instance_id=polled.workflow_instance_id,
                    status=attempt["status"],
                    output_data=attempt["output"],
                )
            )
            progressed = True
    if progressed:
        return True
    # an empty poll moved the clock if everything waited for a timer: progress when time moved
    return workflows.get_workflow(workflow["workflowId"], include_tasks=True).to_dict() != workflow


@pytest.mark.parametrize("scenario", SCENARIOS, ids=str)
def test_the_four_ways_of_running_agree(scenario: Scenario) -> None:
    executed = via_execute(scenario)
    assert executed["status"] == scenario.expected_status, executed.get("reasonForIncompletion")
    harnessed, harness_engine = via_harness(scenario)
    tested = via_test_endpoint(scenario, harnessed, harness_engine)
    on_memory = via_memory(scenario)
    for label, other in (("harness", harnessed), ("test endpoint", tested), ("memory://", on_memory)):
        differences = diff_runs(executed, other)
        if label == "test endpoint":  # it adds a random task domain, which an EVENT task's output shows
            differences = [line for line in differences if "<test-domain>" not in line]
        assert differences == [], f"Engine.execute and {label} disagree"


def test_there_are_at_least_thirty_scenarios() -> None:
    assert len(SCENARIOS) >= 30


def test_a_mocked_human_task_completes_in_the_harness() -> None:
    definition = wf(
        "review", [system_task("review", "HUMAN")], outputParameters={"ok": "${review.output.ok}"}
    )
    execution = Harness().run(definition, {}, {"review": {"ok": True}})
    execution.assert_completed()
    assert execution.output == {"ok": True}
    assert execution.unused_mocks == {}


def test_the_engine_s_workers_run_in_the_harness() -> None:
    engine = Engine(workers={"greet": greet})
    definition = wf("hello", [simple("g", "greet", inputParameters={"name": "ann"})])
    assert engine.execute(_request(Scenario("x", definition)))["status"] == "COMPLETED"
    Harness(LocalBackend(engine)).run(definition).assert_completed().assert_task(
        "g", output={"greeting": "hello ann"}
    )


def _fork_order(run: Callable[[Engine, Dict[str, Any]], Any], seed: int) -> List[str]:
    calls: List[str] = []

    def record(task: Task) -> Dict[str, Any]:
        calls.append(str(task.reference_task_name))
        return {}

    engine = Engine(seed=seed, shuffle_ready=True, workers={"step": record})
    branches = [[simple(f"{b}{i}", "step") for i in range(3)] for b in "abc"]
    run(engine, wf("shuffled", _fork("f", branches, "j")))
    return calls


def _order_via_execute(engine: Engine, definition: Dict[str, Any]) -> Any:
    return engine.execute({"workflowDef": definition})


def _order_via_harness(engine: Engine, definition: Dict[str, Any]) -> Any:
    return Harness(LocalBackend(engine)).run(definition).assert_completed()


def test_shuffled_fork_orders_follow_the_seed_in_the_harness_as_in_the_engine() -> None:
    orders = {seed: _fork_order(_order_via_harness, seed) for seed in range(8)}
    for seed, order in orders.items():
        assert order == _fork_order(_order_via_execute, seed), f"seed {seed}"
        assert order == _fork_order(_order_via_harness, seed), f"seed {seed} does not replay"
    assert len({tuple(order) for order in orders.values()}) > 1, "shuffling did not change the order"


def test_every_entry_point_reports_blockers_of_one_type() -> None:
    from conductor_testkit.engine import Blocker

    definition = wf("blocked", [simple("a")])
    engine = Engine()
    outcome = engine.run_workflow({"workflowDef": definition})
    execution = Harness().run(definition)
    tested = Engine().test_workflow({"workflowDef": definition})
    assert tested["status"] == "RUNNING"
    assert [type(b) for b in outcome.blocked] == [Blocker] == [type(b) for b in execution.blocked]
    assert outcome.blocked[0].reason == execution.blocked[0].reason


@pytest.mark.parametrize("scenario", SCENARIOS, ids=str)
def test_an_engine_nobody_holds_is_freed_at_once(scenario: Scenario) -> None:
    """No reference cycle keeps an engine alive: a suite that makes one per test frees each when
    its test ends, by reference counting, instead of leaving them all to the cyclic collector."""
    gc.disable()  # what is freed here is freed without it
    try:
        engine = Engine(workers=scenario.workers)
        outcome = engine.run_workflow(
            _request(scenario),
            mocks=copy.deepcopy(scenario.mocks),
            sub_workflow_mocks=copy.deepcopy(scenario.sub_mocks),
        )
        assert outcome.workflow["status"] == scenario.expected_status
        ran = [weakref.ref(engine), *(weakref.ref(run) for run in engine.store.runs.values())]
        del engine, outcome
        assert [ref() for ref in ran] == [None] * len(ran), "Engine.run_workflow left a cycle"

        harness = Harness(LocalBackend(Engine(workers=scenario.workers)))
        execution = harness.run(
            copy.deepcopy(scenario.definition),
            scenario.input,
            copy.deepcopy(scenario.mocks),
            sub_workflow_mocks=copy.deepcopy(scenario.sub_mocks),
        )
        engine = harness.backend.engine
        harnessed = [weakref.ref(engine), *(weakref.ref(run) for run in engine.store.runs.values())]
        del harness, execution, engine
        assert [ref() for ref in harnessed] == [None] * len(harnessed), "the harness left a cycle"
    finally:
        gc.enable()


def _scribble(value: Any) -> None:
    """Change every dict inside ``value`` (a reader that edits what it was handed)."""
    if isinstance(value, dict):
        for item in list(value.values()):
            _scribble(item)
        value["scribbled"] = True
    elif isinstance(value, list):
        for item in value:
            _scribble(item)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=str)
def test_the_json_a_drive_hands_back_is_the_full_snapshot_and_the_callers_own(scenario: Scenario) -> None:
    """A drive shares the prepared definition's parts with its JSON until somebody is handed it:
    then it is the same JSON as ``get_workflow``, and editing it changes no later snapshot."""
    engine = Engine(workers=scenario.workers)
    outcome = engine.run_workflow(
        _request(scenario),
        mocks=copy.deepcopy(scenario.mocks),
        sub_workflow_mocks=copy.deepcopy(scenario.sub_mocks),
    )
    assert not outcome.snapshot.detached  # the parts are shared until the JSON is read
    handed = outcome.workflow
    assert outcome.snapshot.detached
    assert handed == engine.get_workflow(outcome.workflow_id)
    before = copy.deepcopy(handed)
    _scribble(handed)

    again = Engine(workers=scenario.workers).run_workflow(
        _request(scenario),
        mocks=copy.deepcopy(scenario.mocks),
        sub_workflow_mocks=copy.deepcopy(scenario.sub_mocks),
    )
    assert engine.get_workflow(outcome.workflow_id) == before
    assert again.workflow == before


def test_an_execution_reads_a_shared_json_and_hands_out_its_own_copies() -> None:
    scenario = next(s for s in SCENARIOS if s.name == "chain")
    harness = Harness(LocalBackend(Engine()))
    first = harness.run(copy.deepcopy(scenario.definition), scenario.input, copy.deepcopy(scenario.mocks))
    assert first.status == "COMPLETED" and first.output == {"y": 2}
    assert first.task("b").output_data == {"y": 2}
    assert first.task("b") is first.attempts("b")[-1] is first.tasks[1]  # each model built once
    first.tasks[0].workflow_task.input_parameters["x"] = "scribbled"
    _scribble(first.workflow)
    second = harness.run(copy.deepcopy(scenario.definition), scenario.input, copy.deepcopy(scenario.mocks))
    wire = second.workflow["tasks"]
    assert [t["workflowTask"]["taskReferenceName"] for t in wire] == ["a", "b"]
    assert all("scribbled" not in t["workflowTask"] for t in wire)
    assert "scribbled" not in second.workflow["workflowDefinition"]
    assert second.tasks[1].workflow_task.input_parameters == {"x": "${a.output.x}"}
