"""Scripts evaluated in-process: which qualify, and that they answer exactly as the sandbox does."""

from __future__ import annotations

import json
from typing import Any, Dict

import pytest

from conductor_testkit.engine import Engine
from conductor_testkit.engine._js_prelude import JS_PRELUDE
from conductor_testkit.engine.bounded_scripts import evaluate_in_process, is_bounded
from conductor_testkit.engine.sandbox import sandbox_pool

MEMORY = 32 * 1024 * 1024

BOUNDED = [
    "if ($.loop['iteration'] < 10) { true; } else { false; }",
    "$.loop.iteration < $.items.length",
    "$.kind == 'express' && $.amount >= 3",
    "typeof $.missing === 'undefined' ? 'none' : $.missing",
    "$.amount * 2 + 1.5e3 > 0x10",
    "if ($.a) { 'a' } else if ($.kind) { $.kind } else { null }",
    "'kind' in $",
    "$.items + ''",  # a list turned into a string: the server writes Java's text (a note)
    "$.nested.deeper.value",  # reading a property of undefined: a TypeError
    "[...$.items, 4]",
    "({}).x === undefined",
    "$.amount / 0",  # rejected ('/'): the check is conservative
]

NOT_BOUNDED = [
    "while (true) {}",
    "for (var i = 0; i < 10; i++) {}",
    "$.items.map(function (x) { return x; })",
    "$.items.map(x => x)",
    "$.f()",
    "$['f'](1)",
    "x = 1",
    "var x = 1; x",
    "$.amount++",
    "--$.amount",
    "new Array(1e9)",
    "'ab'.repeat(1e9)",
    "/(a+)+$/.test($.text)",
    "$.text.match('(a+)+$')",
    "`${$.a}`",
    "$.constructor",
    "$.__proto__",
    "1 // a comment",
    "eval('1')",
    "this",
    "({ get x() { return 1 } }).x",
    "if ($.a) (1)",
    "$.amount" + " " * 2000,  # longer than the check reads
]

INPUT = {"loop": {"iteration": 3}, "items": [1, 2, 3], "kind": "express", "amount": 7, "nested": {}}


@pytest.mark.parametrize("script", BOUNDED[:-1])
def test_operator_only_scripts_are_bounded(script: str) -> None:
    assert is_bounded(script)


@pytest.mark.parametrize("script", NOT_BOUNDED + BOUNDED[-1:])
def test_scripts_that_could_loop_call_assign_or_match_are_not(script: str) -> None:
    assert not is_bounded(script)


@pytest.mark.parametrize("script", BOUNDED[:-1])
def test_in_process_answers_are_the_sandboxs(script: str) -> None:
    request: Dict[str, Any] = {"src": script, "fn": False, "scope": "differential", "discard": False}
    text = json.dumps(INPUT)
    here = json.loads(evaluate_in_process(request, text, JS_PRELUDE, MEMORY))
    there = json.loads(
        sandbox_pool("js", MEMORY, {"prelude": JS_PRELUDE}).call(request, 4.0, "differential", text)
    )
    assert here == there
    assert ("ok" in here["r"]) or ("err" in here["r"])


def test_a_do_while_counts_its_iterations_with_an_in_process_condition() -> None:
    definition = {
        "name": "bounded_loop",
        "version": 1,
        "schemaVersion": 2,
        "tasks": [
            {
                "name": "loop",
                "taskReferenceName": "loop",
                "type": "DO_WHILE",
                "inputParameters": {"limit": "${workflow.input.limit}"},
                "loopCondition": "if ($.loop['iteration'] < $.limit) { true; } else { false; }",
                "loopOver": [{"name": "tick", "taskReferenceName": "tick", "type": "SET_VARIABLE",
                              "inputParameters": {"seen": "${loop.output.iteration}"}}],
            }
        ],
    }  # fmt: skip
    workflow = Engine().execute({"workflowDef": definition, "input": {"limit": 4}})
    assert workflow["status"] == "COMPLETED"
    assert [t["referenceTaskName"] for t in workflow["tasks"]][1:] == [f"tick__{i}" for i in range(1, 5)]
    assert workflow["tasks"][0]["outputData"]["iteration"] == 4
