"""Two parallel branches (INLINE JavaScript on QuickJS, JSON_JQ_TRANSFORM on jq) and a JOIN."""

from __future__ import annotations

from conductor_testkit.workflow.conductor_workflow import ConductorWorkflow
from conductor_testkit.workflow.task.fork_task import ForkTask
from conductor_testkit.workflow.task.javascript_task import JavascriptTask
from conductor_testkit.workflow.task.json_jq_task import JsonJQTask

NAME = "order_report"

TOTALS_JS = """
(function () {
  var lines = $.lines;
  var total = 0;
  for (var i = 0; i < lines.length; i++) { total += lines[i].qty * lines[i].price; }
  return { total: total, count: lines.length };
})()
"""

BY_CATEGORY_JQ = (
    "[.lines[] | {category, qty}] | group_by(.category) | map({(.[0].category): (map(.qty) | add)}) | add"
)


def report_workflow() -> ConductorWorkflow:
    workflow = ConductorWorkflow(name=NAME, version=1)
    totals = JavascriptTask("totals", TOTALS_JS, bindings={"lines": workflow.input("lines")})
    by_category = JsonJQTask("by_category", BY_CATEGORY_JQ).input_parameter("lines", workflow.input("lines"))
    workflow >> ForkTask("fan_out", [[totals], [by_category]])
    workflow.output_parameters(
        {
            "total": totals.output("total"),
            "lines": totals.output("count"),
            "quantities": by_category.output("result"),
        }
    )
    return workflow


LINES = [
    {"sku": "tea", "category": "drinks", "qty": 3, "price": 4.5},
    {"sku": "mug", "category": "kitchen", "qty": 1, "price": 9.0},
    {"sku": "coffee", "category": "drinks", "qty": 2, "price": 7.25},
]
