"""Scripts on the engine against what the server answered (``_script_facts``, recorded on 3.32.1).

The engine gives the server's answer, or, where it cannot (the input is a Java object there),
the data plus a ServerDivergenceWarning naming the workflow and the task. jq programs have the
server's jq's powers only; syntax errors give the server's text or a note that it differs.
"""

from __future__ import annotations

import re
import warnings

import pytest
from _script_facts import (
    DO_WHILE_WHOLE_OBJECT,
    INLINE_ASYNC,
    INLINE_WHOLE_OBJECT,
    JQ_POWERS,
    JQ_SYNTAX_ERRORS,
    JS_SYNTAX_ERRORS,
    SWITCH_WHOLE_OBJECT,
)
from _script_workflows import (
    do_while,
    inline_answers,
    inline_batch,
    jq_answers,
    jq_batch,
    run_on_engine,
    switch,
    switch_answer,
    tasks_by_ref,
    warned_tasks,
)

from conductor_testkit.engine import Engine, ServerDivergenceWarning
from conductor_testkit.engine.javascript import SYNTAX_NOTE as JS_SYNTAX_NOTE
from conductor_testkit.engine.jq_transform import SYNTAX_NOTE as JQ_SYNTAX_NOTE
from conductor_testkit.engine.script_warnings import NOTE_TEXTS

# what the engine cannot answer like the server, and the note its warning carries
INLINE_WARNED = {
    "Object.keys($).length": "keys-map",
    "Object.keys($.nested)": "keys-map",
    "Object.values($.nested).length": "keys-map",
    "Object.entries($.nested).length": "keys-map",
    "Object.getOwnPropertyNames($).length": "keys-map",
    "Reflect.ownKeys($.nested).length": "keys-map",
    "Object.keys(Object.assign({}, $)).length": "keys-map",
    "Object.keys($.list).length": "keys-list",
    "String($)": "string-map",
    "String($.list)": "string-list",
    "'' + $.elist": "string-list",
    "'x' + $.list": "string-list",
    "$.list.toString()": "string-list",
    "$.nested.toString()": "string-map",
    "String($.objs)": "string-list",
}
# differences the engine neither reproduces nor detects (rare in scripts)
INLINE_KNOWN_DIFFERENCES = {
    "$.constructor === Object": "a host object's constructor is not Object on the server",
    "(function(){var k=[];for (var x in $.list) k.push(x);return k})()": (
        "for...in over a host list yields numbers on the server, strings (as JavaScript) here"
    ),
    "Object.keys({...$.list})": "spreading a host list copies its Java members on the server",
}
SWITCH_WARNED = {
    "Object.keys($).length": "keys-map",
    "Object.keys($.m).length": "keys-map",
    "String($.list)": "string-list",
    "'' + $.m": "string-map",
}
DO_WHILE_WARNED = {
    "Object.keys($.m).length === 25": "keys-map",
    "Object.keys($).length === 25": "keys-map",
    "String($.list) === '[1, 3, 2]'": "string-list",
}
# programs libjq accepts and jackson-jq's parser refuses (the engine runs them)
JQ_ACCEPTED_BY_LIBJQ = {".a.[0]", "label $f | 1", ".[] as [$a] ?// $a | $a"}


def test_inline_whole_object_answers_like_the_server_or_warns() -> None:
    expressions = list(INLINE_WHOLE_OBJECT)
    workflow, texts = run_on_engine(inline_batch("script_whole_object", expressions))
    answers = inline_answers(workflow, expressions)
    warned = warned_tasks(texts)
    ref_of = {expression: f"t{i}" for i, expression in enumerate(expressions)}
    for expression, server in INLINE_WHOLE_OBJECT.items():
        if expression in INLINE_KNOWN_DIFFERENCES:
            continue
        notes = warned.get(ref_of[expression], [])
        if expression in INLINE_WARNED:
            assert answers[expression] != server, expression
            assert any(note.startswith(NOTE_TEXTS[INLINE_WARNED[expression]]) for note in notes), expression
        else:
            assert answers[expression] == server, expression
            assert notes == [], expression


def test_known_differences_are_still_differences() -> None:
    # when the engine learns one of these, move it out of the list
    expressions = list(INLINE_KNOWN_DIFFERENCES)
    workflow, _ = run_on_engine(inline_batch("script_known_differences", expressions))
    answers = inline_answers(workflow, expressions)
    for expression in expressions:
        assert answers[expression] != INLINE_WHOLE_OBJECT[expression], expression


def test_warnings_name_the_workflow_and_the_task() -> None:
    workflow, texts = run_on_engine(inline_batch("script_warning_names", ["Object.keys($).length"]))
    assert texts == [
        f"workflow 'script_warning_names' ({workflow['workflowId']}), task 't0' (INLINE): the script "
        f"{NOTE_TEXTS['keys-map']}; the engine answered with the input's data, the server (GraalJS, "
        "the input a Java object) will answer differently"
    ]
    assert issubclass(ServerDivergenceWarning, UserWarning)


def test_w_error_turns_the_warning_into_a_failure() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ServerDivergenceWarning)
        with pytest.raises(ServerDivergenceWarning, match="task 't0' \\(INLINE\\)"):
            Engine().test_workflow(inline_batch("script_w_error", ["String($.list)"], optional=False))


@pytest.mark.parametrize("evaluator", ["javascript", "graaljs"])
@pytest.mark.parametrize("expression", list(SWITCH_WHOLE_OBJECT))
def test_switch_whole_object_answers_like_the_server_or_warns(evaluator: str, expression: str) -> None:
    workflow, texts = run_on_engine(switch("script_switch", evaluator, expression))
    task = tasks_by_ref(workflow)["sw"]
    status, answer = SWITCH_WHOLE_OBJECT[expression]
    seen = switch_answer(task, status)
    if expression in SWITCH_WARNED:
        assert seen != answer
        assert any(NOTE_TEXTS[SWITCH_WARNED[expression]] in text for text in texts)
        assert all("task 'sw' (SWITCH)" in text for text in texts)
    else:
        assert (task["status"], seen) == (status, answer)
        assert texts == []


@pytest.mark.parametrize("probe", list(DO_WHILE_WHOLE_OBJECT))
def test_do_while_condition_whole_object_answers_like_the_server_or_warns(probe: str) -> None:
    workflow, texts = run_on_engine(do_while("script_do_while", probe))
    loop = tasks_by_ref(workflow)["dw"]
    if probe in DO_WHILE_WARNED:
        assert loop["outputData"]["iteration"] != DO_WHILE_WHOLE_OBJECT[probe]
        assert any(NOTE_TEXTS[DO_WHILE_WARNED[probe]] in text for text in texts)
        assert all("task 'dw' (DO_WHILE)" in text for text in texts)
    else:
        assert loop["outputData"]["iteration"] == DO_WHILE_WHOLE_OBJECT[probe]
        assert texts == []


def test_jq_has_the_powers_of_the_servers_jq_and_no_others() -> None:
    programs = list(JQ_POWERS)
    workflow, _ = run_on_engine(jq_batch("script_jq_powers", programs))
    assert jq_answers(workflow, programs) == JQ_POWERS


@pytest.mark.parametrize("program", sorted(set(JQ_SYNTAX_ERRORS) - JQ_ACCEPTED_BY_LIBJQ))
def test_jq_syntax_errors_give_the_servers_text_or_a_note(program: str) -> None:
    workflow, _ = run_on_engine(jq_batch("script_jq_syntax", [program]))
    status, reason, output = jq_answers(workflow, [program])[program]
    # the optional task is the workflow's last: the decide that completes the workflow does not
    # save its COMPLETED_WITH_ERRORS relabel, so the task stays FAILED (as 3.32.1 answers)
    assert status == "FAILED"
    server = JQ_SYNTAX_ERRORS[program]
    if re.match(r"\s*(import|include) ", program):
        assert reason == server
    else:
        assert reason is not None and reason.endswith(JQ_SYNTAX_NOTE) and reason != server
    assert output == {"error": reason}


@pytest.mark.parametrize("program", sorted(JQ_ACCEPTED_BY_LIBJQ))
def test_jq_programs_only_libjq_accepts_are_still_accepted(program: str) -> None:
    # a known difference: when the engine starts refusing one, drop it from the list
    workflow, _ = run_on_engine(jq_batch("script_jq_libjq_only", [program]))
    assert jq_answers(workflow, [program])[program][0] == "COMPLETED"


@pytest.mark.parametrize("expression", list(JS_SYNTAX_ERRORS))
def test_javascript_syntax_errors_keep_the_line_and_note_the_text(expression: str) -> None:
    workflow, _ = run_on_engine(inline_batch("script_js_syntax", [expression], optional=False))
    task = tasks_by_ref(workflow)["t0"]
    server = JS_SYNTAX_ERRORS[expression]
    line = re.search(r"` at line (\d+)$", server)
    assert line is not None
    assert task["status"] == "FAILED_WITH_TERMINAL_ERROR"
    assert task["reasonForIncompletion"].startswith("Error evaluating the script `SyntaxError: ")
    assert task["reasonForIncompletion"].endswith(f"` at line {line.group(1)}{JS_SYNTAX_NOTE}")


def test_an_endless_async_script_fails_the_task_as_on_the_server() -> None:
    expression = "(async function(){ await null; while(true){} })(); 1"
    workflow, _ = run_on_engine(inline_batch("script_async", [expression], optional=False))
    assert inline_answers(workflow, [expression])[expression] == INLINE_ASYNC[expression]
