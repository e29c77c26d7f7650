"""Workflow test requests for the script cases of ``_script_facts`` and how to read their answers.

The same request goes to the engine (``Engine().test_workflow``) and to the server
(``POST /workflow/test``), so both sides run exactly what was recorded.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from _script_facts import INLINE_INPUT, SWITCH_INPUT

from conductor_testkit.engine import Engine
from conductor_testkit.engine.script_warnings import ServerDivergenceWarning

Json = Dict[str, Any]
Runner = Callable[[Json], Json]


def request(name: str, tasks: List[Json]) -> Json:
    """A WorkflowTestRequest with an inline definition and no mocks."""
    return {
        "name": name,
        "version": 1,
        "input": {},
        "taskRefToMockOutput": {},
        "workflowDef": {"name": name, "version": 1, "schemaVersion": 2, "tasks": tasks},
    }


def inline_batch(name: str, expressions: Iterable[str], *, optional: bool = True) -> Json:
    """One optional INLINE task ``t<i>`` per expression, each with INLINE_INPUT."""
    tasks = [
        {
            "name": f"t{i}",
            "taskReferenceName": f"t{i}",
            "type": "INLINE",
            "optional": optional,
            "inputParameters": {"evaluatorType": "javascript", "expression": expression, **INLINE_INPUT},
        }
        for i, expression in enumerate(expressions)
    ]
    return request(name, tasks)


def jq_batch(name: str, programs: Iterable[str]) -> Json:
    """One optional JSON_JQ_TRANSFORM task ``t<i>`` per program (input: only queryExpression)."""
    tasks = [
        {
            "name": f"t{i}",
            "taskReferenceName": f"t{i}",
            "type": "JSON_JQ_TRANSFORM",
            "optional": True,
            "inputParameters": {"queryExpression": program},
        }
        for i, program in enumerate(programs)
    ]
    return request(name, tasks)


def switch(name: str, evaluator: str, expression: str) -> Json:
    """A SWITCH on ``expression`` with SWITCH_INPUT (one case that is never chosen)."""
    never = {"name": "n", "taskReferenceName": "n", "type": "INLINE"}
    never["inputParameters"] = {"evaluatorType": "javascript", "expression": "1"}
    task = {
        "name": "sw",
        "taskReferenceName": "sw",
        "type": "SWITCH",
        "evaluatorType": evaluator,
        "expression": expression,
        "inputParameters": SWITCH_INPUT,
        "decisionCases": {"never-chosen": [never]},
        "defaultCase": [],
    }
    return request(name, [task])


def do_while(name: str, probe: str) -> Json:
    """A DO_WHILE that runs a second iteration exactly when ``probe`` is true in its condition."""
    task = {
        "name": "dw",
        "taskReferenceName": "dw",
        "type": "DO_WHILE",
        "loopCondition": f"if ($.dw['iteration'] < 2 && ({probe})) {{ true; }} else {{ false; }}",
        "inputParameters": SWITCH_INPUT,
        "loopOver": [
            {
                "name": "in",
                "taskReferenceName": "in",
                "type": "INLINE",
                "inputParameters": {"evaluatorType": "javascript", "expression": "1"},
            }
        ],
    }
    return request(name, [task])


def tasks_by_ref(workflow: Json) -> Dict[str, Json]:
    return {task["referenceTaskName"]: task for task in workflow["tasks"]}


def switch_answer(task: Json, status: str) -> Optional[str]:
    """The SWITCH task's selectedCase when ``status`` is COMPLETED, else its reason."""
    if status == "COMPLETED":
        return task["outputData"].get("selectedCase")  # type: ignore[no-any-return]
    return task.get("reasonForIncompletion")


def inline_answers(workflow: Json, expressions: List[str]) -> Dict[str, Tuple[str, Optional[str], Any]]:
    """expression -> (status, reasonForIncompletion, outputData.result) of its task."""
    by_ref = tasks_by_ref(workflow)
    answers = {}
    for i, expression in enumerate(expressions):
        task = by_ref[f"t{i}"]
        answers[expression] = (
            task["status"],
            task.get("reasonForIncompletion"),
            task["outputData"].get("result"),
        )
    return answers


def jq_answers(workflow: Json, programs: List[str]) -> Dict[str, Tuple[str, Optional[str], Json]]:
    """program -> (status, reasonForIncompletion, outputData) of its task."""
    by_ref = tasks_by_ref(workflow)
    return {
        program: (
            by_ref[f"t{i}"]["status"],
            by_ref[f"t{i}"].get("reasonForIncompletion"),
            by_ref[f"t{i}"]["outputData"],
        )
        for i, program in enumerate(programs)
    }


def run_on_engine(body: Json) -> Tuple[Json, List[str]]:
    """The engine's answer to ``body`` and the ServerDivergenceWarning texts it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        workflow = Engine().test_workflow(body)
    texts = [str(w.message) for w in caught if issubclass(w.category, ServerDivergenceWarning)]
    return workflow, texts


def warned_tasks(texts: List[str]) -> Dict[str, List[str]]:
    """task reference -> the notes warned for it (the text after ': the script ')."""
    by_task: Dict[str, List[str]] = {}
    for text in texts:
        ref = text.split("task '", 1)[1].split("'", 1)[0]
        by_task.setdefault(ref, []).append(text.split(": the script ", 1)[1])
    return by_task
