"""A workflow with one of everything the coverage counts, as plain JSON.

Branches: a value-param SWITCH (with a TERMINATE case), a javascript SWITCH, a DECISION inside
one of its cases, a FORK, a DO_WHILE over a list, a dynamic fork and a sub-workflow with a SWITCH
of its own. Failure handling: retries, a timeout that retries and one that times the workflow out,
an optional task, parallel tasks that can be canceled, and a failure workflow.
"""

from __future__ import annotations

from typing import Any, Dict, List

NAME = "kitchen_sink"
COMPENSATION = "kitchen_sink_compensation"


def simple(ref: str, *, retries: int = 0, **inputs: Any) -> Dict[str, Any]:
    """A worker task whose TaskDef travels with it (retries without delay)."""
    return {
        "name": ref,
        "taskReferenceName": ref,
        "type": "SIMPLE",
        "inputParameters": inputs,
        "taskDefinition": {"name": ref, "retryCount": retries, "retryDelaySeconds": 0},
    }


def timed(ref: str, seconds: int, policy: str, *, retries: int = 0) -> Dict[str, Any]:
    """A worker task that times out after ``seconds`` by ``policy``."""
    task = simple(ref, retries=retries)
    task["taskDefinition"].update(
        {"timeoutSeconds": seconds, "responseTimeoutSeconds": seconds, "timeoutPolicy": policy}
    )
    return task


def switch(
    ref: str, value: str, cases: Dict[str, List[Dict[str, Any]]], default: List[Dict[str, Any]]
) -> Dict[str, Any]:
    return {
        "name": ref,
        "taskReferenceName": ref,
        "type": "SWITCH",
        "evaluatorType": "value-param",
        "expression": "value",
        "inputParameters": {"value": value},
        "decisionCases": cases,
        "defaultCase": default,
    }


ARCHIVE: Dict[str, Any] = {
    "name": "kitchen_sink_archive",
    "version": 1,
    "tasks": [
        simple("store", order="${workflow.input.order}"),
        switch("stored", "${store.output.result}", {"ok": []}, [simple("alert")]),
    ],
}

KITCHEN_SINK: Dict[str, Any] = {
    "name": NAME,
    "version": 1,
    "failureWorkflow": COMPENSATION,
    "tasks": [
        timed("validate", 60, "RETRY", retries=1),
        switch(
            "route",
            "${workflow.input.country}",
            {
                "us": [simple("ship_domestic")],
                "embargoed": [
                    {
                        "name": "stop",
                        "taskReferenceName": "stop",
                        "type": "TERMINATE",
                        "inputParameters": {"terminationStatus": "FAILED", "terminationReason": "embargoed"},
                    }
                ],
            },
            [simple("ship_abroad", retries=2)],
        ),
        {
            "name": "risk",
            "taskReferenceName": "risk",
            "type": "SWITCH",
            "evaluatorType": "javascript",
            "expression": "$.amount > 1000 ? 'manual' : ($.amount > 100 ? 'scored' : 'none')",
            "inputParameters": {"amount": "${workflow.input.amount}"},
            "decisionCases": {
                "manual": [timed("manual_review", 3600, "TIME_OUT_WF")],
                "scored": [
                    {**simple("score"), "optional": True},
                    {
                        "name": "band",
                        "taskReferenceName": "band",
                        "type": "DECISION",
                        "caseValueParam": "band",
                        "inputParameters": {"band": "${score.output.band}"},
                        "decisionCases": {"high": [simple("flag")]},
                        "defaultCase": [],
                    },
                ],
            },
            "defaultCase": [],
        },
        {
            "name": "parallel",
            "taskReferenceName": "parallel",
            "type": "FORK_JOIN",
            "forkTasks": [[simple("invoice", retries=1)], [simple("notify")]],
        },
        {
            "name": "parallel_join",
            "taskReferenceName": "parallel_join",
            "type": "JOIN",
            "joinOn": ["invoice", "notify"],
        },
        {
            "name": "packing",
            "taskReferenceName": "packing",
            "type": "DO_WHILE",
            "items": "${workflow.input.items}",
            "loopCondition": "true",
            "loopOver": [simple("pack", item="${packing.output.loopItem}")],
        },
        {
            "name": "labels",
            "taskReferenceName": "labels",
            "type": "FORK_JOIN_DYNAMIC",
            "inputParameters": {"forkTaskName": "print_label", "forkTaskInputs": "${workflow.input.labels}"},
        },
        {"name": "labels_join", "taskReferenceName": "labels_join", "type": "JOIN"},
        {
            "name": "archive",
            "taskReferenceName": "archive",
            "type": "SUB_WORKFLOW",
            "inputParameters": {"order": "${workflow.input.order_id}"},
            "subWorkflowParam": {"name": ARCHIVE["name"], "version": 1, "workflowDefinition": ARCHIVE},
        },
        {
            "name": "summary",
            "taskReferenceName": "summary",
            "type": "INLINE",
            "inputParameters": {
                "evaluatorType": "graaljs",
                "expression": "({order: $.order, route: $.route})",
                "order": "${workflow.input.order_id}",
                "route": "${route.output.selectedCase}",
            },
        },
    ],
    "outputParameters": {"summary": "${summary.output.result}"},
}

COMPENSATION_WORKFLOW: Dict[str, Any] = {
    "name": COMPENSATION,
    "version": 1,
    "tasks": [simple("undo", order="${workflow.input.order_id}")],
}
