"""JavaScript on QuickJS, converted and reported like the server's GraalJS (docs/semantics.md §4.1).

Values and messages marked "verified on 3.32.1" come from INLINE (graaljs/javascript) and LAMBDA
tasks run on the real server through the test endpoint.
"""

from __future__ import annotations

import pytest

from conductor_testkit.engine.javascript import (
    SYNTAX_NOTE,
    JavaScriptEvaluator,
    ScriptError,
    ScriptTimeout,
    UnknownEvaluatorError,
    evaluate_expression,
    to_bool,
)
from conductor_testkit.errors import ConductorError

INPUT = {"v": {"a": 1, "l": [1, 2.5, "x"]}}


@pytest.fixture(scope="module")
def js() -> JavaScriptEvaluator:
    return JavaScriptEvaluator()


def error_of(js: JavaScriptEvaluator, script: str, bindings: object = INPUT) -> ScriptError:
    with pytest.raises(ScriptError) as info:
        js.evaluate(script, bindings)
    return info.value


# --- values and their conversion -------------------------------------------------------------


@pytest.mark.parametrize(
    "script, expected",
    [
        ("$.v.a + 1", 2),
        ("$.v.l.length", 3),
        ("$.v", {"a": 1, "l": [1, 2.5, "x"]}),
        ("'s'", "s"),
        ("true", True),
        ("$.v.a > 5", False),
        ("let x = 1; x", 1),
        ("const y = {a: 2}; y.a", 2),
        ("var s = 0; for (var i = 0; i < 10; i++) { s += i }", 45),
        ("if (true) { 'yes' } else { 'no' }", "yes"),
        ("function f(){ return 7 } f()", 7),
        ("(function(){ return $.v.l.map(x => x) })()", [1, 2.5, "x"]),
        ("$.v.a = 5; $.v", {"a": 5, "l": [1, 2.5, "x"]}),
    ],
)
def test_completion_value_of_the_script(js, script, expected):
    assert js.evaluate(script, INPUT) == expected  # each verified on 3.32.1


@pytest.mark.parametrize(
    "script, expected",
    [
        ("3.0", 3),
        ("2147483648", 2147483648),
        ("Math.pow(2,53)+2", 9007199254740994),
        ("1.5", 1.5),
        ("0.1+0.2", 0.30000000000000004),
        ("9223372036854775807", 9.223372036854776e18),
        ("1e20", 1e20),
        ("1e21", 1e21),
        ("-0", -0.0),
        ("BigInt(5)", 5),
    ],
)
def test_number_conversion(js, script, expected):
    value = js.evaluate(script, {})
    assert value == expected  # each verified on 3.32.1
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    "script, expected",
    [
        ("undefined", None),
        ("null", None),
        ("(function(){})()", None),
        ("[1,2.0,'a',null]", [1, 2, "a", None]),
        ("[1,,3]", [1, None, 3]),
        ("({a:1,b:undefined,c:[{}]})", {"a": 1, "b": None, "c": [{}]}),
        ("new Date(0)", {}),
        ("(function(){return 1})", {}),
        ("Symbol('x')", {}),
        ("new Map([[1,2]])", {"1": 2}),
        ("1/0", "Infinity"),
        ("NaN", "NaN"),
    ],
)
def test_structure_conversion(js, script, expected):
    assert js.evaluate(script, {}) == expected  # each verified on 3.32.1


def test_integral_double_in_a_list_becomes_int(js):
    value = js.evaluate("[2.0]", {})
    assert type(value[0]) is int


def test_bindings_are_copied_not_shared(js):
    bindings = {"a": {"b": 1}}
    js.evaluate("$.a.b = 2; $.a.c = 3", bindings)
    assert bindings == {"a": {"b": 1}}


def test_non_map_bindings(js):
    assert js.evaluate("$.length", [1, 2, 3]) == 3
    assert js.evaluate("$", None) is None


def test_globals_of_one_evaluation_are_gone_in_the_next(js):
    js.evaluate("var leaked = 1; function helper() {}; implicit = 2; leaked", {})
    kinds = js.evaluate("[typeof leaked, typeof helper, typeof implicit]", {})
    assert kinds == ["undefined", "undefined", "undefined"]


def test_top_level_const_may_be_declared_again_next_time(js):
    assert js.evaluate("const k = 1; k", {}) == 1
    assert js.evaluate("const k = 2; k", {}) == 2


def test_fresh_context_mode_evaluates_the_same(js):
    fresh = JavaScriptEvaluator(fresh_context=True)
    assert fresh.evaluate("$.v.a * 2", INPUT) == js.evaluate("$.v.a * 2", INPUT) == 2


# --- errors: the server's wording ------------------------------------------------------------


def test_thrown_error_has_no_line(js):
    error = error_of(js, "throw new Error('boom')")
    assert error.message == "Error evaluating the script `Error: boom`"  # verified on 3.32.1
    assert error.line is None
    assert error.terminal


def test_reference_error_names_the_variable_and_line(js):
    error = error_of(js, "undefinedVar + 1")
    # verified on 3.32.1
    assert error.message == (
        "Error evaluating the script `ReferenceError: undefinedVar is not defined` at line 1"
    )


def test_reference_error_on_a_later_line(js):
    error = error_of(js, "\n  foo()")
    assert error.message == "Error evaluating the script `ReferenceError: foo is not defined` at line 2"


def test_syntax_error_has_the_line(js):
    error = error_of(js, "x = 1;\ny = ;")
    # the server's text after "SyntaxError: " comes from GraalJS's parser and differs: noted
    assert error.message.startswith("Error evaluating the script `SyntaxError: ")
    assert error.message.endswith("` at line 2" + SYNTAX_NOTE)
    assert error.line == 2


def test_syntax_error_for_an_incomplete_function(js):
    error = error_of(js, "function(")
    assert error.message.startswith("Error evaluating the script `SyntaxError: ")
    assert error.message.endswith("at line 1" + SYNTAX_NOTE)


def test_top_level_return_is_a_syntax_error(js):
    assert error_of(js, "return 1").message.startswith("Error evaluating the script `SyntaxError: ")


@pytest.mark.parametrize(
    "script, expected",
    [
        ("null.x", "TypeError: Cannot read property 'x' of null` at line 1"),
        ("\n$.v.nope.x", "TypeError: Cannot read property 'x' of undefined` at line 2"),
        ("var u; u.x = 1", "TypeError: Cannot set property 'x' of undefined` at line 1"),
        ("function f(){ return f() } f()", "RangeError: Maximum call stack size exceeded` at line 1"),
        ("new Array(-1)", "RangeError: Invalid array length` at line 1"),
        ("[].reduce((a,b)=>a)", "TypeError: Reduce of empty array with no initial value`"),
        ("(1).toFixed(200)", "RangeError: toFixed() fraction digits need to be in range 0-100`"),
        ("decodeURIComponent('%')", "URIError: illegal escape sequence`"),
        ("\n\nthrow new TypeError('t')", "TypeError: t`"),
        ("(function(){ throw new RangeError('r'); })()", "RangeError: r`"),
        ("throw new Error()", "Error`"),
        ("var e = new Error('m'); e.name = 'Custom'; throw e", "Custom: m`"),
    ],
)
def test_engine_and_builtin_errors(js, script, expected):
    assert error_of(js, script).message == "Error evaluating the script `" + expected  # verified on 3.32.1


@pytest.mark.parametrize(
    "script, expected",
    [
        ("throw 'str'", "str` at line 1"),
        ("\n\nthrow 5", "5` at line 3"),
        ("throw null", "null` at line 1"),
        ("throw undefined", "undefined` at line 1"),
        ("throw {a:1}", "Error` at line 1"),
        ("throw [1,2]", "Array` at line 1"),
    ],
)
def test_thrown_non_error_values(js, script, expected):
    assert error_of(js, script).message == "Error evaluating the script `" + expected  # verified on 3.32.1


def test_not_a_function_keeps_the_line(js):
    # GraalJS names the callee ("o.foo is not a function"); QuickJS does not
    error = error_of(js, "var o = {}; o.foo()")
    assert error.message.startswith("Error evaluating the script `TypeError: ")
    assert error.message.endswith("not a function` at line 1")


def test_script_error_is_a_conductor_error(js):
    assert isinstance(error_of(js, "throw 1"), ConductorError)


def test_evaluator_still_works_after_an_error(js):
    error_of(js, "throw new Error('x')")
    assert js.evaluate("1 + 1", {}) == 2


# --- limits ----------------------------------------------------------------------------------


def test_endless_loop_is_interrupted():
    quick = JavaScriptEvaluator(time_limit_seconds=0.2)
    with pytest.raises(ScriptTimeout) as info:
        quick.evaluate("while(true){}", {})
    assert info.value.message == "Script not evaluated within 0.2 seconds, interrupted."
    assert not info.value.terminal


def test_timeout_message_uses_whole_seconds_like_the_server():
    assert (
        JavaScriptEvaluator(time_limit_seconds=4)._timeout_message()
        == "Script not evaluated within 4 seconds, interrupted."  # verified on 3.32.1
    )


def test_evaluator_works_after_a_timeout():
    quick = JavaScriptEvaluator(time_limit_seconds=0.2)
    with pytest.raises(ScriptTimeout):
        quick.evaluate("for(;;){}", {})
    assert quick.evaluate("$.a", {"a": 3}) == 3


def test_memory_limit_fails_the_script():
    small = JavaScriptEvaluator(memory_limit_bytes=4 * 1024 * 1024)
    with pytest.raises(ScriptError) as info:
        small.evaluate("var a = []; for (var i = 0; i < 10000000; i++) a.push('x' + i); a.length", {})
    assert "out of memory" in info.value.message
    assert small.evaluate("1", {}) == 1


# --- LAMBDA ----------------------------------------------------------------------------------


def test_lambda_body_returns_a_value(js):
    assert js.evaluate_lambda("return $.a + 1", {"a": 1}) == 2  # verified on 3.32.1


def test_lambda_converts_like_scripts(js):
    assert js.evaluate_lambda("return {b: $.a, c: [1.0]}", {"a": 1}) == {"b": 1, "c": [1]}


def test_lambda_without_return_answers_none(js):
    assert js.evaluate_lambda("var y = 2; y", {}) is None  # verified on 3.32.1


def test_lambda_error_lines_count_from_the_body(js):
    with pytest.raises(ScriptError) as info:
        js.evaluate_lambda("\nreturn x", {})
    # verified on 3.32.1
    assert info.value.message == "Error evaluating the script `ReferenceError: x is not defined` at line 2"


# --- evaluators and evalBool -----------------------------------------------------------------


def test_value_param_reads_the_input_key(js):
    assert evaluate_expression("value-param", "v", INPUT, js) == INPUT["v"]
    assert evaluate_expression("value-param", "missing", INPUT, js) is None


def test_value_param_needs_a_map(js):
    with pytest.raises(ScriptError) as info:
        evaluate_expression("value-param", "v", [1], js)
    assert info.value.message == "Input has to be a JSON object: class java.util.LinkedList"


@pytest.mark.parametrize("evaluator_type", ["javascript", "graaljs"])
def test_javascript_evaluators_run_the_script(js, evaluator_type):
    assert evaluate_expression(evaluator_type, "$.v.a * 10", INPUT, js) == 10


def test_unknown_evaluator_offers_both_server_wordings(js):
    with pytest.raises(UnknownEvaluatorError) as info:
        evaluate_expression("nope", "x", {}, js)
    assert info.value.switch_message == "No evaluator registered for type: nope"
    assert info.value.inline_message == "Unknown evaluator 'nope' in INLINE task."  # verified on 3.32.1
    assert info.value.evaluator_type == "nope"


@pytest.mark.parametrize(
    "value, expected",
    [(True, True), (False, False), (1, True), (0.5, True), (0, False), (-1, False),
     ("true", False), (None, False), ({}, False), ([1], False)],
)
def test_to_bool_like_eval_bool(value, expected):
    assert to_bool(value) is expected
