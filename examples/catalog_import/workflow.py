"""The catalog import workflow, built with the DSL.

1. ``pages`` (DO_WHILE): ``fetch_page`` (a worker) reads one page of the supplier's feed per
   iteration, while the page says there are more.
2. ``plan`` (jq) turns every product of every page into one ``import_upsert_product`` task, marked
   optional: a product the catalog refuses must not stop the others.
3. ``upsert`` (FORK_JOIN_DYNAMIC) runs them in parallel; its JOIN ends COMPLETED_WITH_ERRORS when
   some were refused.
4. ``summary`` (jq) counts what was imported, and ``notify`` (a worker) sends the summary.
"""

from __future__ import annotations

from typing import Any, Dict

from conductor_testkit.workflow import (
    ConductorWorkflow,
    DoWhileTask,
    DynamicForkTask,
    JoinTask,
    JsonJQTask,
    SimpleTask,
)

NAME = "catalog_import"
UPSERT_TASK = "import_upsert_product"

# one optional upsert task per product of every page, and each one's input
_PLAN = """
.task as $task
| [.pages | to_entries[] | select(.key != "iteration") | .value.fetch_page.products[]] as $products
| {
    tasks: [$products[] | {name: $task, taskReferenceName: ("upsert_" + .sku), type: "SIMPLE",
                           optional: true}],
    inputs: (reduce $products[] as $p ({}; . + {("upsert_" + $p.sku): {product: $p}}))
  }
"""

_SUMMARY = """
(.planned | length) as $planned
| ([.results | to_entries[] | select(.value.upserted == true) | .key] | sort) as $imported
| {planned: $planned, imported: ($imported | length), refused: ($planned - ($imported | length)),
   importedRefs: $imported}
"""


def import_workflow() -> ConductorWorkflow:
    workflow = ConductorWorkflow(name=NAME, version=1)
    fetch = (
        SimpleTask("import_fetch_page", "fetch_page")
        .input_parameter("feed", workflow.input("feed"))
        .input_parameter("page", "${pages.output.iteration}")
    )
    pages = DoWhileTask("pages", "if ($.fetch_page['hasMore'] == true) { true; } else { false; }", [fetch])
    plan = JsonJQTask("plan", _PLAN).input_parameter("pages", pages.output())
    plan.input_parameter("task", UPSERT_TASK)
    upsert = DynamicForkTask("upsert", join_task=JoinTask("join_upsert"))
    upsert.input_parameter("dynamicTasks", plan.output("result.tasks"))
    upsert.input_parameter("dynamicTasksInputs", plan.output("result.inputs"))
    summary = JsonJQTask("summary", _SUMMARY)
    summary.input_parameter("planned", plan.output("result.tasks"))
    summary.input_parameter("results", "${join_upsert.output}")
    notify = (
        SimpleTask("import_notify", "notify")
        .input_parameter("feed", workflow.input("feed"))
        .input_parameter("summary", summary.output("result"))
    )
    workflow >> pages >> plan >> upsert >> summary >> notify
    workflow.output_parameters({"pages": pages.output("iteration"), "summary": summary.output("result")})
    return workflow


def page(*skus: str, more: bool) -> Dict[str, Any]:
    """One page of the feed, as ``fetch_page`` returns it."""
    return {
        "products": [{"sku": sku, "price": 10 + index} for index, sku in enumerate(skus)],
        "hasMore": more,
    }
