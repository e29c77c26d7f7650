"""JSON_JQ_TRANSFORM programs on jq.py with the server's result shape (docs/semantics.md §4.17).

Values and messages marked "verified on 3.32.1" come from JSON_JQ_TRANSFORM tasks on the real
server (input: the task's whole inputData).
"""

from __future__ import annotations

import pytest

from conductor_testkit.engine.jq_transform import (
    SYNTAX_NOTE,
    JqError,
    jq_task_output,
    prepare_program,
    run_jq,
)
from conductor_testkit.errors import ConductorError

INPUT = {"queryExpression": "ignored", "v": {"a": 1, "l": [1, 2.5, "x"], "d": 2.0, "s": "str"}}


@pytest.mark.parametrize(
    "query, expected",
    [
        (".v.a", [1]),
        (".v.l[]", [1, 2.5, "x"]),
        ("empty", []),
        (".v.a / 2", [0.5]),
        ("{x: .v.a}", [{"x": 1}]),
        (".v | keys", [["a", "d", "l", "s"]]),
        (".v.l | map(.*2)", [[2, 5, "xx"]]),
        ("(.v.a|tostring)", ["1"]),
        ('.v.s | test("s")', [True]),
        ("[.v.l[] | numbers]", [[1, 2.5]]),
        ("10 / 3", [3.3333333333333335]),
        (".queryExpression", ["ignored"]),
    ],
)
def test_emitted_values(query, expected):
    assert run_jq(query, INPUT) == expected  # each verified on 3.32.1


def test_integral_results_are_ints():
    value = run_jq(".v.d * 3", INPUT)[0]
    assert value == 6 and type(value) is int  # the server: 6 (verified on 3.32.1)


def test_non_integral_results_are_floats():
    assert type(run_jq(".v.l[1]", INPUT)[0]) is float


def test_task_output_has_result_and_result_list():
    assert jq_task_output(".v.l[]", INPUT) == {"result": 1, "resultList": [1, 2.5, "x"]}  # verified on 3.32.1


def test_task_output_without_values_has_null_result():
    assert jq_task_output("empty", INPUT) == {"result": None, "resultList": []}  # verified on 3.32.1


def test_runtime_error_reads_like_the_server():
    with pytest.raises(JqError) as info:
        run_jq(".v.s + 1", INPUT)
    assert info.value.message == 'string ("str") and number (1) cannot be added'  # verified on 3.32.1
    assert not info.value.compile_error


def test_error_builtin_message():
    with pytest.raises(JqError) as info:
        run_jq('error("custom")', INPUT)
    assert info.value.message == "custom"  # verified on 3.32.1


def test_unknown_function_is_reworded_like_jackson_jq():
    with pytest.raises(JqError) as info:
        run_jq("nosuchfn", INPUT)
    assert info.value.message == "Function nosuchfn/0 does not exist"  # verified on 3.32.1
    assert info.value.compile_error


def test_unknown_variable_is_reworded_like_jackson_jq():
    with pytest.raises(JqError) as info:
        run_jq("$x", INPUT)
    assert info.value.message == "Undefined variable: $x"  # verified on 3.32.1


def test_syntax_error_keeps_libjq_text_with_a_note_that_the_server_words_it_differently():
    # the server (jackson-jq's parser) says 'Encountered "<EOF>" at line 1, column 6. ...'
    with pytest.raises(JqError) as info:
        run_jq(".v.a +", INPUT)
    assert "syntax error" in info.value.message
    assert "line 1," in info.value.message  # the shadow definitions' line is not counted
    assert info.value.message.endswith(SYNTAX_NOTE)
    assert info.value.compile_error


def test_programs_are_prepared_once():
    assert prepare_program(".v.a") is prepare_program(".v.a")


def test_jq_error_is_a_conductor_error():
    with pytest.raises(ConductorError):
        run_jq(".[", INPUT)


def test_non_string_query_is_an_error():
    with pytest.raises(JqError, match="queryExpression must be a string"):
        run_jq(5, INPUT)  # type: ignore[arg-type]
