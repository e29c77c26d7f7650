"""Loop conditions answered without QuickJS give QuickJS's answers, and only those are answered.

The judge is the real JavaScript engine the evaluator otherwise uses (QuickJS with the prelude
that shapes ``$`` as the server's host objects), reached through ``JavaScriptEvaluator._run``,
which the fast path does not short-cut.
"""

from __future__ import annotations

from typing import Any, Dict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conductor_testkit.engine.condition_fast_path import UNANSWERED, answer, compile_comparison
from conductor_testkit.engine.javascript import JavaScriptEvaluator

EVALUATOR = JavaScriptEvaluator()


def quickjs(script: str, bindings: Any) -> Any:
    return EVALUATOR._run(script, bindings, False, None)


OPERATORS = ["<", "<=", ">", ">=", "==", "===", "!=", "!=="]
SPACES = st.sampled_from(["", " ", "  ", "\n", "\t"])
KEYS = st.sampled_from(["loop", "iteration", "count", "a_b", "x1", "with space", "size", "get"])
VALUES = st.one_of(
    st.integers(-(2**53), 2**53),
    st.integers(min_value=2**53 + 1, max_value=2**60),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=3),
    st.none(),
    st.lists(st.integers(0, 3), max_size=2),
)


@st.composite
def access(draw: Any) -> Any:
    """A read of $ through 1 to 3 keys, in dot or bracket form, and the keys."""
    keys = draw(st.lists(KEYS, min_size=1, max_size=3))
    text = "$"
    for key in keys:
        space = draw(SPACES)
        if " " in key or draw(st.booleans()):
            quote = draw(st.sampled_from(["'", '"']))
            text += f"{space}[{quote}{key}{quote}]"
        else:
            text += f"{space}.{key}"
    return text, keys


@st.composite
def conditions(draw: Any) -> Any:
    text, keys = draw(access())
    operator = draw(st.sampled_from(OPERATORS))
    literal = draw(st.integers(-(10**15) + 1, 10**15 - 1))
    comparison = f"{text}{draw(SPACES)}{operator}{draw(SPACES)}{literal}"
    shape = draw(st.sampled_from(["bare", "semicolon", "if", "if-reversed", "if-compact"]))
    if shape == "semicolon":
        script = comparison + ";"
    elif shape == "if":
        script = f"if ({comparison}) {{ true; }} else {{ false; }}"
    elif shape == "if-reversed":
        script = f"if ({comparison}) {{ false; }} else {{ true; }}"
    elif shape == "if-compact":
        script = f"if({comparison}){{true}}else{{false}}"
    else:
        script = comparison
    return script, keys


def nest(keys: Any, leaf: Any) -> Dict[str, Any]:
    value: Any = leaf
    for key in reversed(keys):
        value = {key: value}
    return value


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(conditions(), VALUES, st.booleans())
def test_an_answered_condition_has_quickjs_s_answer(condition: Any, leaf: Any, present: bool) -> None:
    script, keys = condition
    bindings = nest(keys, leaf) if present else nest(keys[:-1], {"other": leaf})
    assert compile_comparison(script) is not None, script
    known = answer(script, bindings)
    expected = quickjs(script, bindings)
    if known is not UNANSWERED:
        assert known is expected, (script, bindings)
    if present and type(leaf) is int and abs(leaf) <= 2**53:
        assert known is not UNANSWERED, (script, bindings)  # the common case is answered
    else:
        assert known is UNANSWERED, (script, bindings)  # anything else goes to QuickJS


@pytest.mark.parametrize(
    "script",
    [
        "$.loop.iteration < 010",  # octal in sloppy JavaScript
        "$.loop.iteration < 1e3",
        "$.loop.iteration < -0",
        "$.loop['iteration'] < 10 && true",
        "($.loop.iteration) < 10",
        "10 > $.loop.iteration",
        "$.loop.iteration < 10 ;; ",
        "if ($.loop.iteration < 10;) { true; } else { false; }",
        "if ($.loop.iteration < 10) { 1; } else { 0; }",
        "if ($.loop.iteration < 10) { true; }",
        "$.loop.__proto__ < 10",
        "$.loop.constructor < 10",
        "$['it\\u0065ration'] < 10",
        "\x1c$.loop.iteration < 10",
        "$.loop.iteration\u00a0< 10",
        "$.loop[0] < 10",
        "$.loop.$iteration < 10",
    ],
)
def test_other_shapes_are_left_to_quickjs(script: str) -> None:
    assert compile_comparison(script) is None
    assert answer(script, {"loop": {"iteration": 3}}) is UNANSWERED


def test_the_usual_loop_condition_is_answered_as_quickjs_answers_it() -> None:
    script = "if ($.loop['iteration'] < 10) { true; } else { false; }"
    for iteration in (1, 9, 10, 11):
        bindings = {"loop": {"iteration": iteration, "body": {"k": iteration}}, "body": {"k": 1}}
        assert answer(script, bindings) is quickjs(script, bindings) is (iteration < 10)
        assert EVALUATOR.evaluate(script, bindings) is (iteration < 10)
