"""Budget: 200 Hypothesis examples of a workflow with a few SWITCH tasks, under 2 s.

    python benchmarks/hypothesis_branches.py [--examples 200] [--repeat 3]

The workflow has three SWITCH tasks (two read the workflow input, one reads a mocked task's
output, one is nested in another's case) and five mocked SIMPLE tasks. Each example draws inputs
with ``switch_inputs`` and mock outcomes with ``mock_outcomes``, runs the workflow on the local
backend (one harness reused across examples, as a test would) and records branch coverage. An
integer ``amount`` input makes the search space large enough for Hypothesis to run every example.
Prints the wall time of the whole ``@given`` run (Hypothesis's own overhead included) per repeat,
the best one, and the branch coverage reached. Figures only: nothing asserts a time.
"""

from __future__ import annotations

import argparse
import time
from typing import Any, Dict, List

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conductor_testkit.testing import BranchCoverage, Harness
from conductor_testkit.testing.strategies import mock_outcomes, switch_inputs
from conductor_testkit.workflow import ConductorWorkflow, SimpleTask, SwitchTask


def branchy_workflow() -> ConductorWorkflow:
    workflow = ConductorWorkflow(name="bench_branches", version=1)
    check = SimpleTask("bench_check", "check_ref").input_parameter("amount", workflow.input("amount"))
    by_verdict = SwitchTask("verdict_switch", "${check_ref.output.verdict}")
    by_verdict.switch_case("approve", [SimpleTask("bench_approve", "approve_ref")])
    by_verdict.switch_case("review", [SimpleTask("bench_review", "review_ref")])
    by_verdict.default_case([SimpleTask("bench_reject", "reject_ref")])
    by_tier = SwitchTask("tier_switch", workflow.input("tier"))
    by_tier.switch_case("gold", [by_verdict])
    by_tier.switch_case("silver", [SimpleTask("bench_silver", "silver_ref")])
    by_country = SwitchTask("country_switch", workflow.input("country"))
    by_country.switch_case("us", [SimpleTask("bench_ship_us", "ship_us_ref")])
    by_country.switch_case("de", [])
    workflow >> check >> by_tier >> by_country
    return workflow


def run_once(examples: int) -> Dict[str, Any]:
    workflow = branchy_workflow()
    definition = workflow.to_dict()  # rendered once, as a test module would keep it
    harness = Harness()
    coverage = BranchCoverage(definition)
    plain_mocks = {
        ref: [{"status": "COMPLETED", "output": {}}]
        for ref in ("approve_ref", "review_ref", "reject_ref", "silver_ref", "ship_us_ref")
    }

    @settings(
        max_examples=examples,
        database=None,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        inputs=switch_inputs(definition, extra={"amount": st.integers(0, 10_000)}),
        outcomes=mock_outcomes(definition),
    )
    def property_(inputs: Dict[str, Any], outcomes: Dict[str, List[Dict[str, Any]]]) -> None:
        execution = harness.run(definition, inputs, {**plain_mocks, **outcomes})
        coverage.record(execution)
        assert execution.status == "COMPLETED", execution.describe()

    started = time.perf_counter()
    property_()
    elapsed = time.perf_counter() - started
    return {"seconds": elapsed, "runs": len(harness.executions), "coverage": coverage}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results = [run_once(args.examples) for _ in range(args.repeat)]
    for index, result in enumerate(results, start=1):
        print(f"repeat {index}: {result['runs']} workflow runs in {result['seconds']:.3f} s")
    best = min(results, key=lambda r: r["seconds"])
    print(
        f"best: {args.examples} Hypothesis examples in {best['seconds']:.3f} s "
        f"({1000 * best['seconds'] / max(best['runs'], 1):.2f} ms per run); budget 2 s"
    )
    print(best["coverage"].report())


if __name__ == "__main__":
    main()
