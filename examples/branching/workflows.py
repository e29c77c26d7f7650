"""Workflows with nested switches: value-param switches steered by the input and by a task's
output, and a javascript switch with a graaljs switch inside one of its cases."""

from __future__ import annotations

import copy
from typing import Any, Dict, List

from examples.kitchen_sink.workflow import simple
from examples.kitchen_sink.workflow import switch as value_switch


def script_switch(
    ref: str,
    evaluator: str,
    expression: str,
    inputs: Dict[str, Any],
    cases: Dict[str, List[Dict[str, Any]]],
    default: List[Dict[str, Any]],
) -> Dict[str, Any]:
    """A SWITCH whose ``evaluator`` (javascript, graaljs) runs ``expression`` over ``inputs``."""
    task = value_switch(ref, "", cases, default)
    task.update(evaluatorType=evaluator, expression=expression, inputParameters=inputs)
    return task


#: three value-param switches: one on the input, one nested in it on a task's output, one more on the input
NESTED_VALUE: Dict[str, Any] = {
    "name": "nested_value_switches",
    "version": 1,
    "tasks": [
        simple("check", amount="${workflow.input.amount}"),
        value_switch(
            "tier",
            "${workflow.input.tier}",
            {
                "gold": [
                    value_switch(
                        "verdict",
                        "${check.output.verdict}",
                        {"approve": [simple("approve")], "review": [simple("review")]},
                        [simple("reject")],
                    )
                ],
                "silver": [simple("silver")],
            },
            [],
        ),
        value_switch("country", "${workflow.input.country}", {"us": [simple("ship_us")], "de": []}, []),
    ],
}

#: a javascript switch on the order's amount, with a graaljs switch on its country in one case
NESTED_SCRIPT: Dict[str, Any] = {
    "name": "nested_script_switches",
    "version": 1,
    "tasks": [
        script_switch(
            "size",
            "javascript",
            "$.amount > 100 ? 'big' : ($.amount > 0 ? 'small' : 'none')",
            {"amount": "${workflow.input.order.amount}"},
            {
                "big": [
                    script_switch(
                        "region",
                        "graaljs",
                        "$.country == 'us' ? 'domestic' : ($.country == 'ca' ? 'neighbour' : 'abroad')",
                        {"country": "${workflow.input.order.country}"},
                        {"domestic": [simple("ship_domestic")], "neighbour": [simple("ship_ca")]},
                        [simple("ship_abroad")],
                    )
                ],
                "small": [simple("pack_small")],
            },
            [],
        ),
        simple("done"),
    ],
}


def with_unreachable_case() -> Dict[str, Any]:
    """:data:`NESTED_SCRIPT` with a case its expression never returns ('huge'), and a task in it."""
    planted = copy.deepcopy(NESTED_SCRIPT)
    planted["name"] = "nested_script_switches_planted"
    planted["tasks"][0]["decisionCases"]["huge"] = [simple("call_the_bank")]
    return planted
