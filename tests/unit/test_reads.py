"""What a definition's expressions read, and the values that matter there."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from conductor_testkit.testing.reads import Source, definition_reads
from examples.branching.workflows import NESTED_SCRIPT, NESTED_VALUE, script_switch
from examples.kitchen_sink.workflow import KITCHEN_SINK, simple


def summary(definition: Dict[str, Any], **options: Any) -> Dict[str, Tuple[List[Any], List[str], bool]]:
    reads = definition_reads(definition, **options)
    return {
        str(source): (hints.compared or hints.literals, sorted(hints.types), hints.off_case)
        for source, hints in reads.items()
    }


def test_a_value_param_switch_compares_its_value_with_its_case_keys() -> None:
    assert summary(NESTED_VALUE, only_switches=True) == {
        "${workflow.input.tier}": (["gold", "silver"], ["string"], True),
        "${check.output.verdict}": (["approve", "review"], ["string"], True),
        "${workflow.input.country}": (["us", "de"], ["string"], True),
    }


def test_a_script_reads_fields_through_the_switch_inputs_with_the_literals_it_compares() -> None:
    assert summary(NESTED_SCRIPT, only_switches=True) == {
        "${workflow.input.order.amount}": ([100, 0], ["number"], False),
        "${workflow.input.order.country}": (["us", "ca"], ["string"], False),
    }


def test_a_script_reading_into_a_dict_parameter_extends_the_path() -> None:
    switch = script_switch(
        "tiered",
        "javascript",
        "$.order.total >= 10.5 && !$.order.vip ? 'a' : 'b'",
        {"order": "${workflow.input.order}"},
        {"a": []},
        [],
    )
    assert summary({"name": "w", "tasks": [switch]}, only_switches=True) == {
        "${workflow.input.order.total}": ([10.5], ["number"], False),
        "${workflow.input.order.vip}": ([10.5, "a", "b"], ["boolean"], False),
    }


def test_method_calls_and_membership_tests_suggest_their_types() -> None:
    expression = "$.code.toLowerCase() == 'x' || ['us','ca'].indexOf($.country) >= 0 || $.tags.length > 2"
    switch = script_switch(
        "s",
        "graaljs",
        expression,
        {
            "code": "${workflow.input.code}",
            "country": "${workflow.input.country}",
            "tags": "${workflow.input.tags}",
        },
        {},
        [],
    )
    reads = definition_reads({"name": "w", "tasks": [switch]}, only_switches=True)
    code, country, tags = (reads[Source("input", (key,))] for key in ("code", "country", "tags"))
    assert (code.compared, code.types) == (["x"], {"string"})
    assert (country.compared, "us" in country.literals, country.types) == ([], True, set())
    assert (tags.compared, tags.types) == ([2], {"list", "string"})


def test_loops_dynamic_forks_and_outputs_are_read_with_their_shapes() -> None:
    reads = summary(KITCHEN_SINK)
    assert reads["${workflow.input.items}"] == ([], ["list"], False)
    assert reads["${workflow.input.labels}"] == ([], ["list"], False)
    assert reads["${score.output.band}"] == (["high"], ["string"], True)
    assert reads["${workflow.input.order_id}"] == ([], [], False)  # passed on, never compared


def test_a_loop_condition_reads_a_body_tasks_output_directly() -> None:
    loop = {
        "name": "poll",
        "taskReferenceName": "poll",
        "type": "DO_WHILE",
        "loopCondition": "$.fetch['more'] == true && $.poll['iteration'] < $.limit",
        "inputParameters": {"limit": "${workflow.input.limit}"},
        "loopOver": [simple("fetch")],
    }
    assert summary({"name": "w", "tasks": [loop]}) == {
        "${workflow.input.limit}": ([], ["number"], False),
        "${fetch.output.more}": ([True], ["boolean"], False),
    }
