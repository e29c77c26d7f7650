"""``${...}`` parameter resolution: one behaviour per expression form (docs/semantics.md §5).

Cases marked "verified on 3.32.1" were run on the real server (test endpoint) and gave the value
asserted here; tests/engine/test_expressions_server.py re-checks a table of them live.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, List

import pytest

from conductor_testkit.engine.expressions import (
    ExpressionContext,
    context_key,
    expression_references,
    resolve_parameters,
    resolve_task_input,
    resolve_value,
    task_context_entry,
    workflow_context_entry,
    workflow_input_with_template,
)

WORKFLOW_INPUT: Dict[str, Any] = {
    "x": 1,
    "d": 5.0,
    "big": 1e7,
    "small": 1e-4,
    "s": "str",
    "b": True,
    "n": None,
    "list": [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}, {"a": 3}],
    "m": {"k1": {"a": 5}, "k2": {"a": 6}},
    "a.b": 7,
    "sp ace": 8,
    "my-key": 4,
    "idx": 1,
    "key": "k1",
    "nums": [3, 1, 2],
    "paths": ["a/b", "c"],
}


def make_workflow(**overrides: Any) -> Dict[str, Any]:
    workflow: Dict[str, Any] = {
        "workflowId": "wf-1",
        "workflowName": "orders",
        "workflowVersion": 3,
        "status": "RUNNING",
        "correlationId": "corr",
        "input": copy.deepcopy(WORKFLOW_INPUT),
        "output": {},
        "variables": {"v": 10},
    }
    workflow.update(overrides)
    return workflow


def make_task(ref: str, output: Any = None, iteration: int = 0, **fields: Any) -> Dict[str, Any]:
    task: Dict[str, Any] = {
        "taskId": f"id-{ref}",
        "referenceTaskName": ref,
        "taskType": "SIMPLE",
        "status": "COMPLETED",
        "inputData": {"in": ref},
        "outputData": output if output is not None else {},
        "iteration": iteration,
        "retryCount": 0,
    }
    task.update(fields)
    return task


@pytest.fixture
def ctx() -> ExpressionContext:
    return ExpressionContext(
        make_workflow(),
        [make_task("t1", {"count": 5, "items": [1, 2], "nested": {"k": "v"}})],
    )


def resolve1(value: Any, context: Any, task_id: Any = None) -> Any:
    return resolve_parameters({"p": value}, context, task_id)["p"]


# --- whole-value expressions keep the type ---------------------------------------------------


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("${workflow.input.m}", {"k1": {"a": 5}, "k2": {"a": 6}}),
        ("${workflow.input.nums}", [3, 1, 2]),
        ("${workflow.input.x}", 1),
        ("${workflow.input.d}", 5.0),
        ("${workflow.input.b}", True),
        ("${workflow.input.s}", "str"),
        ("${t1.output.count}", 5),
    ],
)
def test_whole_value_expression_keeps_the_value_type(ctx, expression, expected):
    value = resolve1(expression, ctx)
    assert value == expected
    assert type(value) is type(expected)


def test_whole_value_null_is_kept_as_explicit_none(ctx):
    assert resolve_parameters({"p": "${workflow.input.n}"}, ctx) == {"p": None}


def test_whole_value_result_is_a_copy_not_the_document(ctx):
    value = resolve1("${workflow.input.m}", ctx)
    value["k1"]["a"] = 99
    assert ctx.workflow["input"]["m"]["k1"]["a"] == 5


# --- embedded expressions become Java strings ------------------------------------------------


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("n=${workflow.input.n}", "n=null"),
        ("n=${workflow.input.x}", "n=1"),
        ("n=${workflow.input.d}", "n=5.0"),  # verified on 3.32.1
        ("${workflow.input.big} ${workflow.input.small}", "1.0E7 1.0E-4"),  # verified on 3.32.1
        ("b=${workflow.input.b}", "b=true"),
        ("m=${workflow.input.m}", "m={k1={a=5}, k2={a=6}}"),  # verified on 3.32.1
        ("l=${workflow.input.nums}", "l=[3, 1, 2]"),
        ("${workflow.input.s}${workflow.input.x}", "str1"),
    ],
)
def test_embedded_expression_renders_java_tostring(ctx, expression, expected):
    assert resolve1(expression, ctx) == expected


def test_embedded_missing_value_renders_null(ctx):
    assert resolve1("Hello ${workflow.input.name}", ctx) == "Hello null"


def test_embedded_indefinite_result_renders_as_json_smart_text(ctx):
    # verified on 3.32.1: json-smart JSON, '/' escaped
    assert resolve1("v=${workflow.input.paths[*]}", ctx) == 'v=["a\\/b","c"]'


def test_embedded_indefinite_result_of_maps_renders_json_objects(ctx):
    assert resolve1("${workflow.input.list[?(@.a > 2)]}!", ctx) == '[{"a":3}]!'


# --- nesting, escapes, odd text --------------------------------------------------------------


def test_nested_expression_is_resolved_first_and_used_as_path(ctx):
    assert resolve1("${workflow.input.m.${workflow.input.key}}", ctx) == {"a": 5}


def test_nested_expression_as_index(ctx):
    assert resolve1("${workflow.input.list[${workflow.input.idx}].b}", ctx) == "y"  # verified on 3.32.1


def test_dollar_dollar_escapes_an_expression(ctx):
    assert resolve1("$${workflow.input.x}", ctx) == "${workflow.input.x}"  # verified on 3.32.1


def test_escape_and_expression_in_one_string(ctx):
    assert resolve1("a $${x} ${workflow.input.x}", ctx) == "a ${x} 1"  # verified on 3.32.1


def test_triple_dollar_keeps_one_escape(ctx):
    assert resolve1("$$${workflow.input.x}", ctx) == "$${workflow.input.x}"  # verified on 3.32.1


def test_blank_expression_becomes_empty_string(ctx):
    assert resolve1("x${ }y", ctx) == "xy"  # verified on 3.32.1
    assert resolve1("${}", ctx) == ""


def test_unclosed_expression_is_plain_text(ctx):
    assert resolve1("${workflow.input.x", ctx) == "${workflow.input.x"


def test_unbalanced_prefix_hides_a_later_expression(ctx):
    # verified on 3.32.1: Java's matcher keeps stale look-ahead groups, so nothing matches
    assert resolve1("${a ${workflow.input.x}", ctx) == "${a ${workflow.input.x}"


def test_extra_closing_brace_stays_text(ctx):
    assert resolve1("${workflow.input.x}}", ctx) == "1}"  # verified on 3.32.1


def test_newlines_around_expressions_are_kept(ctx):
    assert resolve1("a\n${workflow.input.x}\nb", ctx) == "a\n1\nb"


# --- missing data and bad paths --------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "${workflow.input.nope}",
        "${nosuch.output.x}",
        "${t1.output.nested.k.deeper}",
        "${workflow.input.list.a}",  # property of a list (verified on 3.32.1)
        "${workflow.input.m[0]}",  # index into a map (verified on 3.32.1)
        "${workflow.input.list[5]}",
        "${workflow.input.list[-5]}",
        "${workflow.input.s.x}",
        "${workflow.name}",  # not in the workflow entry (use workflowType)
        "${workflow.createTime}",
    ],
)
def test_missing_definite_path_reads_none(ctx, expression):
    assert resolve_parameters({"p": expression}, ctx) == {"p": None}


@pytest.mark.parametrize(
    "expression",
    [
        "${ workflow.input.x }",  # leading blank: '$. workflow' (verified on 3.32.1)
        "${workflow.input.sp ace}",  # blank in a dotted name (verified on 3.32.1)
        "${workflow.input.x.}",  # trailing dot
        "${workflow.input.list[}",
        "${workflow.input.nums.nosuchfn()}",
    ],
)
def test_invalid_path_reads_none(ctx, expression):
    assert resolve1(expression, ctx) is None


def test_trailing_blank_in_path_is_trimmed(ctx):
    assert resolve1("${workflow.input.x }", ctx) == 1  # verified on 3.32.1


def test_unmatched_wildcard_reads_empty_list(ctx):
    assert resolve1("${workflow.input.missing[*]}", ctx) == []  # verified on 3.32.1


# --- JSONPath forms --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("${workflow.input.list[*].a}", [1, 2, 3]),
        ("${workflow.input.m.*.a}", [5, 6]),
        ("${workflow.input.list[?(@.a > 1)].a}", [2, 3]),
        ('${workflow.input.list[?(@.b == "x")]}', [{"a": 1, "b": "x"}]),
        ("${workflow.input.m..a}", [5, 6]),
        ("${workflow.input.list[:2].a}", [1, 2]),
        ("${workflow.input.list[-2:].a}", [2, 3]),
        ("${workflow.input.list[0,2].a}", [1, 3]),
        ("${workflow.input.list[?(@.a in [1,3])].a}", [1, 3]),
        ("${workflow.input.list[?(@.a nin [1,3])].a}", [2]),
        ("${workflow.input.list[?(@.b in ['x', 'y'])].a}", [1, 2]),
        ("${workflow.input.list[?(@.b =~ /X/i)].a}", [1]),
        ("${workflow.input.list[?(@.a > 1 && @.a < 3)].b}", ["y"]),
        ("${workflow.input.list[?(!@.b)].a}", [3]),
        ("${workflow.input.list[?(@.c)].a}", []),
        ("${workflow.input.list[*].a.length()}", [None, None, None]),
        ("${workflow.input.list[*].a.sum()}", None),
    ],
)
def test_indefinite_paths_answer_lists(ctx, expression, expected):
    assert resolve1(expression, ctx) == expected  # each verified on 3.32.1


# Jayway's `size` and `empty` filter operators (each verified on 3.32.1 with these values)
SIZED: List[Dict[str, Any]] = [
    {"k": "s0", "v": ""},
    {"k": "s2", "v": "ab"},
    {"k": "l0", "v": []},
    {"k": "l2", "v": [1, 2]},
    {"k": "n", "v": 2},
    {"k": "nul", "v": None},
    {"k": "missing"},
]
SIZED_MAPS: List[Dict[str, Any]] = [{"k": "m0", "v": {}}, {"k": "m2", "v": {"a": 1, "b": 2}}]


def resolve_sized(filter_text: str, items: List[Dict[str, Any]]) -> Any:
    context = ExpressionContext(make_workflow(input={"items": items}), [])
    return resolve1("${workflow.input.items[?(" + filter_text + ")].k}", context)


@pytest.mark.parametrize(
    "filter_text, expected",
    [
        ("@.v size 0", ["s0", "l0"]),
        ("@.v size 2", ["s2", "l2"]),
        ("@.v size 2.5", ["s2", "l2"]),  # Java intValue() truncates
        ("@.v size '2'", []),  # a non-number size never matches
        ("@.v size 2 && @.k == 'l2'", ["l2"]),
    ],
)
def test_size_filter_matches_strings_and_lists_of_that_length(filter_text, expected):
    assert resolve_sized(filter_text, SIZED) == expected


def test_size_filter_matches_a_map_only_for_minus_one():
    assert resolve_sized("@.v size 2", SIZED_MAPS) == []
    assert resolve_sized("@.v size -1", SIZED_MAPS) == ["m0", "m2"]


@pytest.mark.parametrize(
    "filter_text, expected",
    [
        ("@.v empty true", ["s0", "l0"]),
        ("@.v empty false", ["s2", "l2"]),
        ("@.v empty 'true'", []),  # a non-boolean operand never matches
        ("@.v empty true || @.k == 'n'", ["s0", "l0", "n"]),
    ],
)
def test_empty_filter_compares_emptiness_of_strings_and_lists(filter_text, expected):
    assert resolve_sized(filter_text, SIZED) == expected


def test_empty_filter_on_a_map_makes_the_whole_read_null():
    assert resolve_sized("@.v empty false", SIZED + SIZED_MAPS) is None


def test_empty_filter_short_circuits_before_reaching_a_map():
    assert resolve_sized("@.k == 'zz' && @.v empty true", SIZED_MAPS) == []


@pytest.mark.parametrize(
    "filter_text, expected",
    [
        ("@.v contains 1", ["l2"]),
        ("@.v contains 'b'", ["s2"]),  # a substring of a string
        ("@.v contains [1]", []),  # a list operand is no item
        ("@.v anyof [2, 9]", ["l2"]),
        ("@.v anyof 2", []),  # a scalar operand never matches
        ("@.v noneof [9]", ["l0", "l2"]),
        ("@.v subsetof [1, 2, 3]", ["l0", "l2"]),
        ("@.v subsetof [1]", ["l0"]),
    ],
)
def test_list_operators_compare_items_of_lists(filter_text, expected):
    assert resolve_sized(filter_text, SIZED) == expected  # each verified on 3.32.1


@pytest.mark.parametrize(
    "filter_text, expected",
    [
        ("!(@.k == 's0')", ["s2", "l0", "l2", "n", "nul", "missing"]),
        ("!(@.v size 2) && @.v", ["s0", "l0", "n", "nul"]),  # a null value exists
        ("!(@.k != 'n' && !(@.k == 'l0'))", ["l0", "n"]),
    ],
)
def test_negated_predicate_matches_what_the_predicate_does_not(filter_text, expected):
    assert resolve_sized(filter_text, SIZED) == expected  # each verified on 3.32.1


MIXED: List[Dict[str, Any]] = [
    {"k": "s1", "v": "1"},
    {"k": "s10", "v": "1.0"},
    {"k": "i1", "v": 1},
    {"k": "d1", "v": 1.0},
    {"k": "t", "v": True},
    {"k": "nul", "v": None},
    {"k": "missing"},
    {"k": "l", "v": [1, 2]},
    {"k": "big", "v": 1e20},
]


@pytest.mark.parametrize(
    "filter_text, expected",
    [
        ("@.v == 1", ["s1", "i1", "d1"]),  # a string equals a number whose text it is
        ("@.v == '1.0'", ["s10", "i1", "d1"]),  # a number equals a string that parses to it
        ("@.v == null", ["nul", "missing"]),  # a missing value is null
        ("@.v != null", ["s1", "s10", "i1", "d1", "t", "l", "big"]),
        ("@.v in [1]", ["s1", "i1", "d1"]),
        ("@.v == [1, 2]", ["l"]),
        ("@.v =~ /1/", ["s1", "i1", "l"]),  # numbers by their text; a list by any item; whole text
        ("@.v =~ /tru./", ["t"]),
        ("@.v =~ /1.0E\\+20/", ["big"]),  # a double's text is BigDecimal's
        ("@.v =~ /.*/", ["s1", "s10", "i1", "d1", "t", "nul", "missing", "l", "big"]),
        ("@.v > 0", ["i1", "d1", "big"]),
        ("@.v > '0'", ["s1", "s10"]),
    ],
)
def test_comparisons_follow_jayways_value_rules(filter_text, expected):
    assert resolve_sized(filter_text, MIXED) == expected  # each verified on 3.32.1


def test_dollar_in_a_filter_is_the_whole_document(ctx):
    # verified on 3.32.1: $ is the document with the workflow entry, not the filtered node
    assert resolve1("${workflow.input.list[?(@.a == $.workflow.input.x)].b}", ctx) == ["x"]


def test_filter_on_a_map_tests_the_map_itself(ctx):
    # verified on 3.32.1: Jayway applies the predicate to the map, not to its values
    assert resolve1("${workflow.input.m[?(@.k1)]}", ctx) == [WORKFLOW_INPUT["m"]]
    assert resolve1("${workflow.input.m[?(@.a == 5)]}", ctx) == []


def test_filter_after_a_wildcard_tests_each_map(ctx):
    assert resolve1("${workflow.input.m.*[?(@.a > 5)].a}", ctx) == [6]  # verified on 3.32.1


def test_filter_in_a_deep_scan_tests_every_map_once(ctx):
    assert resolve1("${workflow.input.list..[?(@.a)].a}", ctx) == [1, 2, 3]  # verified on 3.32.1


def test_filter_on_a_scalar_reads_null_after_a_definite_path(ctx):
    assert resolve1("${workflow.input.s[?(@ == 'str')]}", ctx) is None  # verified on 3.32.1


def test_filter_on_scalars_matches_nothing_after_an_indefinite_path(ctx):
    assert resolve1("${workflow.input.list[*].b[?(@ == 'x')]}", ctx) == []  # verified on 3.32.1


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("${workflow.input.list[-1]}", {"a": 3}),
        ("${workflow.input.list[1].b}", "y"),
        ("${workflow.input['a.b']}", 7),
        ('${workflow.input["sp ace"]}', 8),
        ("${workflow.input.my-key}", 4),
        ("${$.workflow.input.x}", 1),
        ('${workflow.input.m["k1","k2"]}', {"k1": {"a": 5}, "k2": {"a": 6}}),
        ("${workflow.input.list[ 1 ].b}", "y"),
    ],
)
def test_definite_paths_answer_the_value(ctx, expression, expected):
    assert resolve1(expression, ctx) == expected  # each verified on 3.32.1


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("${workflow.input.list.length()}", 3),
        ("${workflow.input.list.size()}", 3),
        ("${workflow.input.m.length()}", 2),
        ("${workflow.input.m.keys()}", ["k1", "k2"]),
        ("${workflow.input.nums.sum()}", 6.0),
        ("${workflow.input.nums.max()}", 3.0),
        ("${workflow.input.nums.min()}", 1.0),
        ("${workflow.input.nums.avg()}", 2.0),
        ("${workflow.input.s.length()}", None),
    ],
)
def test_jayway_functions(ctx, expression, expected):
    value = resolve1(expression, ctx)
    assert value == expected  # each verified on 3.32.1
    assert type(value) is type(expected)


def test_root_deep_scan_sees_tasks_and_workflow(ctx):
    assert sorted(resolve1("${$..count}", ctx)) == [5]


def test_root_wildcard_lists_every_entry(ctx):
    assert len(resolve1("${$.*}", ctx)) == 2


# --- the document: workflow fields and task entries ------------------------------------------


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("${workflow.workflowId}", "wf-1"),
        ("${workflow.workflowType}", "orders"),
        ("${workflow.version}", 3),
        ("${workflow.schemaVersion}", 2),
        ("${workflow.status}", "RUNNING"),
        ("${workflow.correlationId}", "corr"),
        ("${workflow.variables.v}", 10),
        ("${workflow.parentWorkflowId}", None),
        ("${workflow.output}", {}),
    ],
)
def test_workflow_fields(ctx, expression, expected):
    assert resolve1(expression, ctx) == expected


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("${t1.input.in}", "t1"),
        ("${t1.output.count}", 5),
        ("${t1.status}", "COMPLETED"),
        ("${t1.taskId}", "id-t1"),
        ("${t1.taskType}", "SIMPLE"),
        ("${t1.referenceTaskName}", "t1"),
        ("${t1.pollCount}", 0),
        ("${t1.seq}", None),  # not part of the entry
        ("${t1.inputData}", None),  # the entry says input, not inputData
    ],
)
def test_task_entry_fields(ctx, expression, expected):
    assert resolve1(expression, ctx) == expected


def test_task_without_status_has_no_status_entry():
    context = ExpressionContext(make_workflow(), [make_task("t1", status=None)])
    assert "status" not in context["t1"]
    assert resolve1("${t1.status}", context) is None


def test_whole_task_entry_has_the_server_keys(ctx):
    entry = resolve1("${t1}", ctx)
    assert set(entry) == {
        "input", "output", "taskType", "status", "referenceTaskName", "retryCount", "correlationId",
        "pollCount", "taskDefName", "scheduledTime", "startTime", "endTime", "workflowInstanceId",
        "taskId", "reasonForIncompletion", "callbackAfterSeconds", "workerId", "iteration",
    }


def test_workflow_entry_has_the_server_keys():
    assert set(workflow_context_entry(make_workflow())) == {
        "input", "output", "status", "workflowId", "parentWorkflowId", "parentWorkflowTaskId",
        "workflowType", "version", "correlationId", "reasonForIncompletion", "schemaVersion", "variables",
    }


def test_schema_version_comes_from_the_definition():
    workflow = make_workflow(workflowDefinition={"schemaVersion": 1})
    assert workflow_context_entry(workflow)["schemaVersion"] == 1


def test_task_entry_defaults_java_primitives_to_zero():
    entry = task_context_entry({"referenceTaskName": "r"})
    assert (entry["retryCount"], entry["startTime"], entry["iteration"], entry["input"]) == (0, 0, 0, {})


def test_task_cannot_be_referenced_before_it_is_added(ctx):
    assert resolve1("${t2.output}", ctx) is None
    ctx.set_task(make_task("t2", {"z": 1}))
    assert resolve1("${t2.output}", ctx) == {"z": 1}


def test_in_place_changes_of_the_wire_dicts_are_seen(ctx):
    ctx.workflow["variables"]["v"] = 11  # type: ignore[index]
    ctx.task("t1")["outputData"]["count"] = 6  # type: ignore[index]
    assert resolve1("${workflow.variables.v}", ctx) == 11
    assert resolve1("${t1.output.count}", ctx) == 6


def test_a_task_named_workflow_hides_the_workflow_entry(ctx):
    # verified on 3.32.1: the server puts tasks into the document after the workflow entry
    ctx.set_task(make_task("workflow", {"v": 1}))
    assert resolve1("${workflow.output.v}", ctx) == 1
    assert resolve1("${workflow.workflowId}", ctx) is None


def test_a_later_task_with_the_same_reference_wins(ctx):
    ctx.set_task(make_task("t1", {"count": 7}, retryCount=1))
    assert resolve1("${t1.output.count}", ctx) == 7


# --- loops -----------------------------------------------------------------------------------


def test_context_key_strips_the_iteration_suffix_for_loop_tasks():
    assert context_key("body__2", 2) == "body"
    assert context_key("body__2", 0) == "body__2"
    assert context_key("a__b__3", 3) == "a"


def loop_context() -> ExpressionContext:
    return ExpressionContext(
        make_workflow(),
        [
            make_task("loop", {"1": {"body": {"i": 1}}}, iteration=1, taskType="DO_WHILE"),
            make_task("body__1", {"i": 1}, iteration=1),
            make_task("body__2", {"i": 2}, iteration=2),
        ],
    )


def test_loop_task_is_referenced_by_its_base_name_and_latest_iteration_wins():
    assert resolve1("${body.output.i}", loop_context()) == 2


def test_loop_task_suffixed_name_is_not_a_key():
    assert resolve1("${body__1.output}", loop_context()) is None


def test_do_while_task_keeps_its_name():
    assert resolve1("${loop.output.1.body.i}", loop_context()) == 1


# --- special names ---------------------------------------------------------------------------


def test_cpewf_task_id_is_the_given_task_id(ctx):
    assert resolve1("${CPEWF_TASK_ID}", ctx, "task-9") == "task-9"
    assert resolve1("id=${CPEWF_TASK_ID}", ctx, "task-9") == "id=task-9"


def test_cpewf_task_id_stays_literal_without_a_task_id(ctx):
    assert resolve1("${CPEWF_TASK_ID}", ctx) == "${CPEWF_TASK_ID}"
    assert resolve1("id=${CPEWF_TASK_ID}", ctx) == "id=${CPEWF_TASK_ID}"


def test_netflix_env_stays_literal_when_unset(ctx):
    assert resolve1("${NETFLIX_ENV}", ctx) == "${NETFLIX_ENV}"  # verified on 3.32.1


def test_server_environment_names_resolve_from_the_environment_mapping(ctx):
    params = {"p": "${HOME}", "q": "x ${NETFLIX_STACK}"}
    resolved = resolve_parameters(params, ctx, None, environment={"HOME": "/root", "NETFLIX_STACK": "s"})
    assert resolved == {"p": "/root", "q": "x s"}


def test_secrets_stay_literal(ctx):
    assert resolve1("${workflow.secrets.token}", ctx) == "${workflow.secrets.token}"  # verified on 3.32.1
    assert resolve1("Bearer ${workflow.secrets.token}", ctx) == "Bearer ${workflow.secrets.token}"


def test_workflow_env_reads_none(ctx):
    assert resolve1("${workflow.env.HOME}", ctx) is None  # verified on 3.32.1


# --- containers ------------------------------------------------------------------------------


def test_map_keys_are_not_resolved(ctx):
    resolved = resolve1({"${workflow.input.s}": "${workflow.input.s}"}, ctx)
    assert resolved == {"${workflow.input.s}": "str"}  # verified on 3.32.1


def test_lists_and_nested_maps_are_resolved(ctx):
    value = ["${workflow.input.x}", {"a": "${workflow.input.s}"}, ["${workflow.input.b}"], 5, None]
    assert resolve1(value, ctx) == [1, {"a": "str"}, [True], 5, None]  # verified on 3.32.1


def test_non_string_scalars_are_copied_unchanged(ctx):
    assert resolve_parameters({"i": 1, "f": 2.5, "b": False, "n": None}, ctx) == {
        "i": 1, "f": 2.5, "b": False, "n": None
    }


def test_resolution_never_mutates_the_parameters(ctx):
    params = {"a": "${workflow.input.m}", "b": ["${workflow.input.x}"], "c": {"d": "${t1.output}"}}
    before = copy.deepcopy(params)
    resolve_parameters(params, ctx)
    assert params == before


def test_resolved_maps_use_java_hashmap_key_order(ctx):
    # verified on 3.32.1: the INLINE task's inputData came back in this order
    params = {k: "v" for k in ["a", "s", "e", "c", "p", "h", "env", "evaluatorType", "expression"]}
    assert list(resolve_parameters(params, ctx)) == [
        "p", "a", "evaluatorType", "s", "c", "expression", "e", "h", "env"
    ]


def test_none_or_empty_parameters_resolve_to_empty_dict(ctx):
    assert resolve_parameters(None, ctx) == {}
    assert resolve_parameters({}, ctx) == {}


def test_plain_dict_document_works_as_context():
    document = {"workflow": {"input": {"a": [10, 20]}}, "t": {"output": {"x": 1}}}
    assert resolve_parameters({"p": "${workflow.input.a[1]}", "q": "${t.output.x}"}, document) == {
        "p": 20, "q": 1
    }


def test_resolve_value_handles_a_bare_string(ctx):
    assert resolve_value("${workflow.input.x}", ctx) == 1


def test_plain_paths_do_not_materialise_the_whole_document():
    class Counting(ExpressionContext):
        calls = 0

        def document(self) -> Dict[str, Any]:
            Counting.calls += 1
            return super().document()

    context = Counting(make_workflow(), [make_task("t1", {"x": [1, 2]})])
    resolve_parameters(
        {"a": "${t1.output.x[1]}", "b": "${workflow.input.list[*].a}", "c": "x ${workflow.input.m}"},
        context,
    )
    assert Counting.calls == 0
    resolve_parameters({"d": "${$..a}"}, context)
    assert Counting.calls == 1


def test_mapping_protocol_lists_workflow_and_task_keys(ctx):
    assert list(ctx) == ["workflow", "t1"]
    assert len(ctx) == 2
    assert ctx["t1"]["output"]["count"] == 5
    with pytest.raises(KeyError):
        ctx["nope"]


def test_from_workflow_reads_the_tasks_list():
    workflow = make_workflow(tasks=[make_task("a", {"v": 1}), make_task("b", {"v": 2})])
    context = ExpressionContext.from_workflow(workflow)
    assert resolve1("${a.output.v}${b.output.v}", context) == "12"


# --- task input with a TaskDef inputTemplate (docs/semantics.md §5.6) -------------------------


def test_template_keys_are_added_when_absent(ctx):
    task_def = {"inputTemplate": {"t4": "${workflow.input.x}", "fixed": "raw"}}
    assert resolve_task_input({"a": 1}, ctx, "tid", task_def) == {"a": 1, "t4": 1, "fixed": "raw"}


def test_input_parameters_win_over_the_template(ctx):
    task_def = {"inputTemplate": {"a": "template"}}
    assert resolve_task_input({"a": "${workflow.input.s}"}, ctx, "tid", task_def) == {"a": "str"}


def test_null_result_falls_back_to_the_raw_template_value(ctx):
    # verified on 3.32.1: the template's own expression comes back unresolved
    task_def = {"inputTemplate": {"t1": "${workflow.input.missing}", "t3": "raw"}}
    params = {"t1": "${workflow.input.n}", "t3": "${workflow.input.zz}"}
    assert resolve_task_input(params, ctx, "tid", task_def) == {
        "t1": "${workflow.input.missing}",
        "t3": "raw",
    }


def test_null_result_without_template_key_stays_none(ctx):
    task_def = {"inputTemplate": {"other": 1}}
    resolved = resolve_task_input({"a": "${workflow.input.nope}"}, ctx, "tid", task_def)
    assert resolved == {"a": None, "other": 1}


def test_task_input_without_task_def_is_plain_resolution(ctx):
    assert resolve_task_input({"id": "${CPEWF_TASK_ID}"}, ctx, "tid", None) == {"id": "tid"}


def test_template_is_not_mutated(ctx):
    template = {"m": {"k": "${workflow.input.x}"}}
    task_def = {"inputTemplate": template}
    resolved = resolve_task_input({}, ctx, "tid", task_def)
    resolved["m"]["k"] = 0
    assert template == {"m": {"k": "${workflow.input.x}"}}


# --- workflow input with the WorkflowDef inputTemplate (docs/semantics.md §5.7) ---------------


def test_workflow_template_fills_absent_keys_of_non_empty_input():
    assert workflow_input_with_template({"a": 1}, {"a": 0, "b": "${x}"}) == {"a": 1, "b": "${x}"}


def test_workflow_template_is_not_applied_to_empty_input():
    assert workflow_input_with_template({}, {"b": 2}) == {}


def test_workflow_template_with_none_input_gives_empty_dict():
    assert workflow_input_with_template(None, {"b": 2}) == {}


def test_workflow_template_values_are_copies():
    template: Dict[str, Any] = {"b": {"c": [1]}}
    result = workflow_input_with_template({"a": 1}, template)
    result["b"]["c"].append(2)
    assert template == {"b": {"c": [1]}}


# --- references (for validation) -------------------------------------------------------------


def test_expression_references_lists_first_segments():
    value = {"a": "${t1.output.x} and ${workflow.input.y}", "b": ["${$.t2.output}", {"c": "${t3['k']}"}]}
    assert expression_references(value) == {"t1", "workflow", "t2", "t3"}


def test_expression_references_include_nested_and_skip_escaped():
    refs: List[str] = sorted(expression_references("${a.${b.output.k}} $${c.output}"))
    assert refs == ["a", "b"]


# --- a text that is one plain path is read directly, with the general walk's answer -------------

_WHOLE_TEXTS = [
    "${workflow.input.x}",  # shadowed by the environment below
    "${workflow.input.m}",
    "${workflow.input.missing}",
    "${workflow.input.n}",
    "${workflow.input['a.b']}",
    "${workflow.input.list[1].b}",
    "${workflow.input.list[*].a}",  # indefinite: the general walk
    "${workflow.input.nums.length()}",  # a function: the general walk
    "${t1.output.nested}",
    "${t1.output}",
    "${nope.output.x}",
    "${ workflow.input.x}",  # a leading blank does not compile: null
    "${workflow.secrets.key}",
    "${CPEWF_TASK_ID}",
    "${NETFLIX_STACK}",
    "${HOME}",  # a server-process environment name
    "${}",
    "${ }",
    "${workflow.input.${workflow.input.key}}",
    "${workflow.input.x}${workflow.input.s}",
    "${workflow.input.x} ",
    "${workflow.input.m",
    "$${workflow.input.x}",
]


@pytest.mark.parametrize("text", _WHOLE_TEXTS)
@pytest.mark.parametrize("environment", [None, {"HOME": "/root", "workflow.input.x": "shadowed"}])
def test_a_whole_plain_path_answers_as_the_general_walk(ctx, monkeypatch, text, environment):
    import conductor_testkit.engine.expressions as expressions

    direct = resolve_parameters({"p": text}, ctx, "task-id", environment=environment)
    monkeypatch.setattr(expressions, "_whole_plain_path", lambda text: None)
    walked = resolve_parameters({"p": text}, ctx, "task-id", environment=environment)
    assert direct == walked


def test_a_whole_plain_path_value_is_a_copy(ctx):
    first = resolve1("${workflow.input.m}", ctx)
    first["k1"]["a"] = 99
    assert resolve1("${workflow.input.m}", ctx) == {"k1": {"a": 5}, "k2": {"a": 6}}
