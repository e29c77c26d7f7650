"""Bounded scripts answered by their completion expression, compiled once, exactly as eval answers."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conductor_testkit.engine._js_prelude import JS_PRELUDE
from conductor_testkit.engine._sandbox_child import JsServer
from conductor_testkit.engine.bounded_scripts import is_bounded
from conductor_testkit.engine.completion_expression import completion_expression

MEMORY = 32 * 1024 * 1024
INPUT = json.dumps(
    {"loop": {"iteration": 3}, "items": [1, 2, 3], "kind": "express", "amount": 7, "nested": {}, "a": 0}
)

SCRIPTS = [
    "if ($.loop['iteration'] < 10) { true; } else { false; }",
    "if ($.loop.iteration > 10) { true; } else { false; }",
    "$.loop.iteration < $.items.length",
    "$.kind == 'express' && $.amount >= 3;",
    "if ($.a) { 'a' } else if ($.kind) { $.kind } else { null }",
    "if ($.a) 'a'; else 'b';",
    "if ($.a) { 'a' }",  # no else and a false condition: undefined, not empty
    "1; if ($.a) { 2 }",
    "1; {}",  # an empty block keeps the value before it
    "1; ;;",
    "{ 1; { 2; } } {}",
    "if ($.kind) if ($.a) 1; else 2;",  # the else belongs to the inner if
    "if ($.kind) {} else { 1 }",
    "{}",
    ";",
    "'a;} else {' + $.kind",
    "'(' + \"[\" + $.kind",
    "$.nested.deeper.value",  # throws: eval's error text and line
    "1;\n$.nested.deeper.value",
    "if ($.kind) {\n  $.nested.deeper.value;\n}",
    "1\n2",  # automatic semicolon insertion: compiled as one expression it is refused
    "$.items\n[0]",  # no semicolon inserted: a member access either way
    "1 2",  # a syntax error either way
    "if ($.a) 1\nelse 2",
    "[...$.items, 4]",
    "typeof $.missing === 'undefined' ? 'none' : $.missing",
    "'kind' in $",
    "$.items + ''",  # a list turned into a string: a note for a warning either way
    "({}).x === undefined",
    "1, 2",
]


def _server() -> JsServer:
    return JsServer({"prelude": JS_PRELUDE, "memory_limit": MEMORY, "bounded_only": True})


def _answer(server: JsServer, script: str, expression: Optional[str]) -> Dict[str, Any]:
    request: Dict[str, Any] = {"src": script, "fn": False, "scope": None, "expr": expression}
    return json.loads(server.handle(request, INPUT))  # type: ignore[no-any-return]


def _compiled(server: JsServer, script: str) -> Optional[bool]:
    assert server._context is not None
    return server._context[0].get("__ctk_compiled")(script)  # type: ignore[no-any-return]


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_compiled_expression_answers_as_eval(script: str) -> None:
    assert is_bounded(script)
    compiled, evaluated = _server(), _server()
    expression = completion_expression(script)
    for _ in range(2):  # the first evaluation compiles, the second calls the compiled function
        assert _answer(compiled, script, expression) == _answer(evaluated, script, None)


def test_a_script_is_compiled_once_and_reused() -> None:
    server = _server()
    script = "if ($.loop.iteration < $.amount && $.kind) { true; } else { false; }"
    expression = completion_expression(script)
    assert expression == "(($.loop.iteration < $.amount && $.kind) ? (true) : (false))"
    assert _answer(server, script, expression)["r"]["ok"] is True
    assert _compiled(server, script) is True
    assert _answer(server, script, expression)["r"]["ok"] is True
    assert _compiled(server, "another script") is None


def test_statements_separated_by_a_line_break_alone_go_to_eval() -> None:
    server = _server()
    script = "1\n2"
    assert _answer(server, script, completion_expression(script))["r"]["ok"] == 2
    assert _compiled(server, script) is False  # QuickJS refused "(1\n2)": eval answered


@pytest.mark.parametrize(
    "script",
    [
        "while (true) {}",  # not bounded
        "1 }",
        "(1",
        "[1)",
        "else 1",
        "if 1",
        "if ($.a) { 1 } else",
    ],
)
def test_what_the_translation_does_not_read_is_left_to_eval(script: str) -> None:
    assert completion_expression(script) is None


_EXPRESSIONS = st.sampled_from(
    [
        "$.loop.iteration < 10",
        "$.loop['iteration'] >= 3",
        "$.kind",
        "$.a",
        "null",
        "1",
        "'x;}'",
        "$.items.length",
        "$.nested.deeper.value",  # throws
        "typeof $.missing",
        "[...$.items]",
        "$.a ? 'yes' : 'no'",
    ]
)
_SPACE = st.sampled_from(["", " ", "\n", "  \n "])


def _statements(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    block = st.lists(children, max_size=3).map(lambda items: "{ " + " ".join(items) + " }")
    branch = st.one_of(children, block)
    if_statement = st.tuples(_EXPRESSIONS, branch, st.none() | branch).map(
        lambda parts: f"if ({parts[0]}) {parts[1]}" + ("" if parts[2] is None else f" else {parts[2]}")
    )
    return st.one_of(block, if_statement)


_STATEMENT = st.recursive(
    st.one_of(
        st.tuples(_EXPRESSIONS, st.sampled_from([";", "; ", ";\n"])).map("".join),
        st.just(";"),
    ),
    _statements,
    max_leaves=8,
)
_SCRIPT = st.tuples(
    st.lists(st.tuples(_STATEMENT, _SPACE), min_size=1, max_size=4), _EXPRESSIONS | st.just("")
).map(lambda parts: "".join(statement + space for statement, space in parts[0]) + parts[1])

_SERVERS: Dict[str, JsServer] = {}


@settings(max_examples=300, deadline=None)
@given(_SCRIPT)
def test_generated_statement_lists_answer_as_eval(script: str) -> None:
    compiled = _SERVERS.setdefault("compiled", _server())
    evaluated = _SERVERS.setdefault("evaluated", _server())
    assert is_bounded(script)
    assert _answer(compiled, script, completion_expression(script)) == _answer(evaluated, script, None)
    assert _compiled(compiled, script) is True  # answered by the compiled expression, not eval
