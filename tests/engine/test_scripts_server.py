"""The real server still answers the script cases as recorded in ``_script_facts``.

``test_script_fidelity.py`` holds the engine to these recordings offline; this module holds the
recordings to the server, so together they compare the engine with the server.
"""

from __future__ import annotations

import re
import uuid
from typing import Any, Dict

import pytest
import requests
from _script_facts import (
    DO_WHILE_WHOLE_OBJECT,
    INLINE_ASYNC,
    INLINE_WHOLE_OBJECT,
    JQ_POWERS,
    JQ_SYNTAX_ERRORS,
    JS_SYNTAX_ERRORS,
    REGEX_BACKTRACKING,
    REGEX_BACKTRACKING_SERVER_RESULT,
    SWITCH_WHOLE_OBJECT,
)
from _script_workflows import (
    do_while,
    inline_answers,
    inline_batch,
    jq_answers,
    jq_batch,
    switch,
    switch_answer,
    tasks_by_ref,
)

pytestmark = pytest.mark.integration


def on_server(base_url: str, body: Dict[str, Any]) -> Dict[str, Any]:
    name = f"{body['name']}_{uuid.uuid4().hex[:8]}"
    body = dict(body, name=name, workflowDef=dict(body["workflowDef"], name=name))
    response = requests.post(f"{base_url}/workflow/test", json=body, timeout=120)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_inline_whole_object_as_recorded(conductor_server_url: str) -> None:
    expressions = list(INLINE_WHOLE_OBJECT)
    workflow = on_server(conductor_server_url, inline_batch("srv_whole_object", expressions))
    answers = inline_answers(workflow, expressions)
    for expression, recorded in INLINE_WHOLE_OBJECT.items():
        assert answers[expression] == recorded, expression


@pytest.mark.parametrize("evaluator", ["javascript", "graaljs"])
def test_switch_whole_object_as_recorded(conductor_server_url: str, evaluator: str) -> None:
    for expression, (status, answer) in SWITCH_WHOLE_OBJECT.items():
        workflow = on_server(conductor_server_url, switch("srv_switch", evaluator, expression))
        task = tasks_by_ref(workflow)["sw"]
        seen = switch_answer(task, status)
        assert (task["status"], seen) == (status, answer), expression


def test_do_while_whole_object_as_recorded(conductor_server_url: str) -> None:
    for probe, iterations in DO_WHILE_WHOLE_OBJECT.items():
        workflow = on_server(conductor_server_url, do_while("srv_do_while", probe))
        assert tasks_by_ref(workflow)["dw"]["outputData"]["iteration"] == iterations, probe


def test_jq_powers_as_recorded(conductor_server_url: str) -> None:
    programs = list(JQ_POWERS)
    workflow = on_server(conductor_server_url, jq_batch("srv_jq_powers", programs))
    assert jq_answers(workflow, programs) == JQ_POWERS


def test_jq_syntax_errors_as_recorded(conductor_server_url: str) -> None:
    programs = list(JQ_SYNTAX_ERRORS)
    workflow = on_server(conductor_server_url, jq_batch("srv_jq_syntax", programs))
    answers = jq_answers(workflow, programs)
    assert {program: answers[program][1] for program in programs} == JQ_SYNTAX_ERRORS


def test_javascript_syntax_errors_as_recorded(conductor_server_url: str) -> None:
    expressions = list(JS_SYNTAX_ERRORS)
    workflow = on_server(conductor_server_url, inline_batch("srv_js_syntax", expressions))
    answers = inline_answers(workflow, expressions)
    assert {expression: answers[expression][1] for expression in expressions} == JS_SYNTAX_ERRORS
    for reason in JS_SYNTAX_ERRORS.values():
        assert re.search(r"SyntaxError: inline:\d+:\d+ ", reason)


@pytest.mark.parametrize("expression", list(INLINE_ASYNC))
def test_async_scripts_as_recorded(throwaway_server_url: str, expression: str) -> None:
    # scripts that never end: the server's evaluation threads keep spinning after the task
    # failed, so they go to a server of their own
    workflow = on_server(throwaway_server_url, inline_batch("srv_async", [expression], optional=False))
    answers = inline_answers(workflow, [expression])
    assert answers[expression] == INLINE_ASYNC[expression]


def test_regex_backtracking_is_instant_on_the_server(conductor_server_url: str) -> None:
    # the engine's QuickJS backtracks here and stops at its time limit (a known difference).
    # GraalJS's TRegex may run a new pattern on its backtracking interpreter until its automaton
    # is compiled in the background: on a loaded machine the first runs can hit the server's
    # 4 s limit ("interrupted"), so the server is asked again, a few times at most.
    body = inline_batch("srv_regex", [REGEX_BACKTRACKING], optional=False)
    for _ in range(4):
        workflow = on_server(conductor_server_url, body)
        answer = inline_answers(workflow, [REGEX_BACKTRACKING])[REGEX_BACKTRACKING]
        if not (answer[0] == "FAILED" and "interrupted" in str(answer[1])):
            break
    assert answer == ("COMPLETED", None, REGEX_BACKTRACKING_SERVER_RESULT)
