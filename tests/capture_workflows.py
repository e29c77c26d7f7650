"""Workflows with real workers, run as "production" by the capture tests: on the real server by
the integration tests, on an in-memory engine by the unit tests.

Between them they have what a capture must handle: retries (``orders``: the charge fails twice,
then succeeds), a SWITCH, a DO_WHILE with an INLINE task, a FORK_JOIN with an optional task that
fails and a JSON_JQ_TRANSFORM, a dynamic fork and a DYNAMIC task, sub-workflows two levels deep, a
failure with its failure workflow, WAIT and HUMAN tasks completed from outside, and secrets in
inputs and outputs. Names are made by a function (``n("orders")``), so each run of the tests has
names of its own on a shared server.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List

from conductor_testkit.models import Task
from conductor_testkit.worker import NonRetryableException, Worker

Names = Callable[[str], str]


def _simple(ref: str, name: str, **inputs: Any) -> Dict[str, Any]:
    return {"name": name, "taskReferenceName": ref, "type": "SIMPLE", "inputParameters": inputs}


def _work(ref: str, n: Names, op: str, **inputs: Any) -> Dict[str, Any]:
    """A task of the generic worker type: one poller serves many steps, which keeps the server's
    load (and the test's time) down."""
    return _simple(ref, n("work"), op=op, **inputs)


def definitions(n: Names) -> Dict[str, Any]:
    """Task and workflow definitions (``n`` turns a base name into the name used)."""
    task_defs = [
        {
            "name": n("charge"),
            "retryCount": 2,
            "retryLogic": "FIXED",
            "retryDelaySeconds": 0,
            "timeoutSeconds": 60,
            "responseTimeoutSeconds": 30,
        },
        *(
            {"name": n(base), "retryCount": 0, "timeoutSeconds": 60, "responseTimeoutSeconds": 30}
            for base in ("ship", "work")
        ),
    ]
    orders = {
        "name": n("orders"),
        "version": 1,
        "schemaVersion": 2,
        "inputParameters": ["country", "amount"],
        "tasks": [
            _simple(
                "charge",
                n("charge"),
                amount="${workflow.input.amount}",
                card="${workflow.input.card}",
                fail_times="${workflow.input.fail_times}",
            ),
            {
                "name": "route",
                "taskReferenceName": "route",
                "type": "SWITCH",
                "evaluatorType": "value-param",
                "expression": "country",
                "inputParameters": {"country": "${workflow.input.country}"},
                "decisionCases": {
                    "us": [_simple("ship_us", n("ship"), carrier="usps", charge="${charge.output.charged}")],
                    "eu": [_simple("ship_eu", n("ship"), carrier="dhl", charge="${charge.output.charged}")],
                },
                "defaultCase": [
                    _simple("ship_intl", n("ship"), carrier="fedex", charge="${charge.output.charged}")
                ],
            },
        ],
        "outputParameters": {
            "charged": "${charge.output.charged}",
            "tracking": {
                "us": "${ship_us.output.tracking}",
                "eu": "${ship_eu.output.tracking}",
                "intl": "${ship_intl.output.tracking}",
            },
        },
    }
    loop = {
        "name": n("loop"),
        "version": 1,
        "tasks": [
            {
                "name": "loop",
                "taskReferenceName": "loop",
                "type": "DO_WHILE",
                "inputParameters": {"count": "${workflow.input.count}"},
                "loopCondition": "if ($.loop['iteration'] < $.count) { true; } else { false; }",
                "loopOver": [
                    _work("item", n, "item", index="${loop.output.iteration}"),
                    {
                        "name": "double",
                        "taskReferenceName": "double",
                        "type": "INLINE",
                        "inputParameters": {
                            "evaluatorType": "graaljs",
                            "value": "${item.output.value}",
                            "expression": "$.value * 2",
                        },
                    },
                ],
            }
        ],
        "outputParameters": {"last": "${double.output.result}", "iterations": "${loop.output.iteration}"},
    }
    fork = {
        "name": n("fork"),
        "version": 1,
        "tasks": [
            {
                "name": "fork",
                "taskReferenceName": "fork",
                "type": "FORK_JOIN",
                "forkTasks": [
                    [_work("left", n, "item", side="left")],
                    [
                        {**_work("audit", n, "audit", side="audit"), "optional": True},
                        {
                            "name": "shape",
                            "taskReferenceName": "shape",
                            "type": "JSON_JQ_TRANSFORM",
                            "inputParameters": {
                                "v": "${workflow.input.v}",
                                "queryExpression": "{sum: (.v + 1)}",
                            },
                        },
                    ],
                ],
            },
            {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["left", "shape"]},
        ],
        "outputParameters": {"left": "${left.output.value}", "sum": "${shape.output.result.sum}"},
    }
    dynamic = {
        "name": n("dynfork"),
        "version": 1,
        "tasks": [
            _work("prepare", n, "prepare", count="${workflow.input.count}"),
            {
                "name": "fan_out",
                "taskReferenceName": "fan_out",
                "type": "FORK_JOIN_DYNAMIC",
                "inputParameters": {"forkTaskName": n("work"), "forkTaskInputs": "${prepare.output.items}"},
            },
            {"name": "fan_in", "taskReferenceName": "fan_in", "type": "JOIN"},
            {
                "name": "pick",
                "taskReferenceName": "pick",
                "type": "DYNAMIC",
                "dynamicTaskNameParam": "taskToRun",
                "inputParameters": {
                    "taskToRun": "${workflow.input.handler}",
                    "op": "cleanup",
                    "failed": "none",
                },
            },
        ],
        "outputParameters": {"joined": "${fan_in.output}", "picked": "${pick.output}"},
    }
    grandchild = {
        "name": n("grandchild"),
        "version": 1,
        "tasks": [_work("leaf", n, "step", x="${workflow.input.x}")],
        "outputParameters": {"leaf": "${leaf.output.value}"},
    }
    child = {
        "name": n("child"),
        "version": 1,
        "tasks": [
            _work("step", n, "step", x="${workflow.input.x}"),
            {
                "name": "to_grandchild",
                "taskReferenceName": "to_grandchild",
                "type": "SUB_WORKFLOW",
                "subWorkflowParam": {"name": n("grandchild"), "version": 1},
                "inputParameters": {"x": "${step.output.value}"},
            },
        ],
        "outputParameters": {"step": "${step.output.value}", "leaf": "${to_grandchild.output.leaf}"},
    }
    parent = {
        "name": n("parent"),
        "version": 1,
        "tasks": [
            {
                "name": "to_child",
                "taskReferenceName": "to_child",
                "type": "SUB_WORKFLOW",
                "subWorkflowParam": {"name": n("child"), "version": 1},
                "inputParameters": {"x": "${workflow.input.x}"},
            },
            _work("after", n, "step", x="${to_child.output.leaf}"),
        ],
        "outputParameters": {"result": "${after.output.value}"},
    }
    cleanup = {
        "name": n("cleanup"),
        "version": 1,
        "tasks": [_work("cleanup", n, "cleanup", failed="${workflow.input.workflowId}")],
    }
    fails = {
        "name": n("fails"),
        "version": 1,
        "failureWorkflow": n("cleanup"),
        "tasks": [_work("risky", n, "risky", x="${workflow.input.x}")],
    }
    approval = {
        "name": n("approval"),
        "version": 1,
        "tasks": [
            {"name": "payment", "taskReferenceName": "payment", "type": "WAIT", "inputParameters": {}},
            {"name": "review", "taskReferenceName": "review", "type": "HUMAN", "inputParameters": {}},
            _work("publish", n, "publish", verdict="${review.output.verdict}", paid="${payment.output.paid}"),
        ],
        "outputParameters": {"published": "${publish.output.url}"},
    }
    workflows = [orders, loop, fork, dynamic, grandchild, child, parent, cleanup, fails, approval]
    return {"task_defs": task_defs, "workflows": {w["name"]: w for w in workflows}}


def workers(n: Names) -> List[Worker]:
    """The real workers of the workflows (their code, not mocks)."""

    def charge(task: Task) -> Dict[str, Any]:
        data = task.input_data or {}
        if (task.retry_count or 0) < int(data.get("fail_times") or 0):
            raise RuntimeError(f"card declined (attempt {task.retry_count})")
        return {"charged": data["amount"], "receipt": {"id": f"r-{data['amount']}", "token": "tok_live_123"}}

    def ship(carrier: str, charge: Any) -> Dict[str, Any]:
        return {"tracking": f"{carrier.upper()}-{charge}"}

    def work(task: Task) -> Dict[str, Any]:
        data = task.input_data or {}
        op = data.get("op")
        if op == "item":
            return {"value": data.get("index") or data.get("n") or 7}
        if op == "prepare":
            return {"items": [{"op": "item", "n": i + 1} for i in range(int(data["count"]))]}
        if op == "step":
            return {"value": int(data["x"]) + 1}
        if op == "audit":
            raise RuntimeError("audit service unavailable")
        if op == "risky":
            raise NonRetryableException(f"cannot process {data.get('x')}")
        if op == "cleanup":
            return {"cleaned": data.get("failed")}
        if op == "publish":
            return {
                "url": f"https://example.test/{data.get('verdict')}/{data.get('paid')}",
                "password": "s3cr3t",
            }
        raise ValueError(f"unknown op {op!r}")

    return [
        Worker(n("charge"), charge),
        Worker(n("ship"), ship),
        Worker(n("work"), work, thread_count=2),
    ]


# label -> (workflow base name, input); each label is one execution
EXECUTIONS: Dict[str, Any] = {
    "orders_us_retried": (
        "orders",
        {
            "country": "us",
            "amount": 30,
            "fail_times": 2,
            "card": {"number": "4111", "token": "tok_card_8899"},
            "password": "hunter22",
        },
    ),
    "orders_eu": ("orders", {"country": "eu", "amount": 12, "fail_times": 0, "card": {"number": "4222"}}),
    "orders_fr": ("orders", {"country": "fr", "amount": 5, "fail_times": 0, "card": {"number": "4333"}}),
    "orders_us": ("orders", {"country": "us", "amount": 8, "fail_times": 0, "card": {"number": "4444"}}),
    "orders_eu_again": (
        "orders",
        {"country": "eu", "amount": 13, "fail_times": 0, "card": {"number": "4555"}},
    ),
    "loop": ("loop", {"count": 3}),
    "fork": ("fork", {"v": 41}),
    "dynfork": ("dynfork", {"count": 3}),
    "parent": ("parent", {"x": 1}),
    "fails": ("fails", {"x": 9}),
    "approval": ("approval", {}),
}
# what the task API sends to the waiting tasks of the approval workflow
WAIT_OUTPUT = {"paid": True}
HUMAN_OUTPUT = {"verdict": "approved", "reviewer": {"name": "ana", "authorization": "Bearer abcdef"}}


def start_request(label: str, n: Names) -> Dict[str, Any]:
    """The start request of the execution ``label`` (the DYNAMIC task of dynfork runs the task
    type its input names)."""
    base, workflow_input = EXECUTIONS[label]
    data = dict(workflow_input)
    if base == "dynfork":
        data["handler"] = n("work")
    return {"name": n(base), "version": 1, "input": data, "correlationId": f"corr-{label}"}
