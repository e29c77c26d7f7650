"""Branch search: 200 Hypothesis examples of a three-switch workflow, and ``explore``.

    python benchmarks/branch_search.py [--examples 200] [--repeat 3]

* **200 examples** (design budget: 2 s): the workflow ``examples.branching.NESTED_VALUE`` has
  three value-param SWITCH tasks (two read the input, one nested in a case reads a mocked task's
  output). Each example draws inputs with ``switch_inputs`` (and an integer ``amount``, so that
  Hypothesis finds 200 distinct examples) and outcomes with ``mock_outcomes``
  and runs on the local backend, one harness for all examples, with the coverage recorder
  observing every run (what ``pytest --conductor-coverage`` adds). The same 200 examples through
  ``assert_always(workflow, ends_terminal, retries_within_limit)`` (whole scenarios: every
  task's outcome plan too) are timed beside them.
* **explore**: the kitchen sink (and the two nested-switch workflows): seconds, engine runs,
  cases written, and the coverage reached.

Wall time includes Hypothesis's own work. Figures only: nothing asserts a time.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conductor_testkit.testing import CoverageRecorder, Harness
from conductor_testkit.testing.explore import explore
from conductor_testkit.testing.properties import assert_always, ends_terminal, retries_within_limit
from conductor_testkit.testing.strategies import mock_outcomes, switch_inputs

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the examples, from any directory
from examples.branching.workflows import NESTED_SCRIPT, NESTED_VALUE
from examples.kitchen_sink.workflow import COMPENSATION_WORKFLOW, KITCHEN_SINK

PLAIN = {
    ref: [{"status": "COMPLETED", "output": {}}]
    for ref in ("approve", "review", "reject", "silver", "ship_us")
}


def switch_examples(examples: int) -> Dict[str, Any]:
    recorder = CoverageRecorder()
    # mocks for every branch, one taken: unused mocks are expected
    harness = Harness(strict={"unused_mocks": False}, observers=[recorder.observer()])

    @settings(
        max_examples=examples,
        database=None,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        inputs=switch_inputs(NESTED_VALUE, extra={"amount": st.integers(0, 10_000)}),
        outcomes=mock_outcomes(NESTED_VALUE),
    )
    def property_(inputs: Dict[str, Any], outcomes: Dict[str, List[Dict[str, Any]]]) -> None:
        harness.run(NESTED_VALUE, inputs, {**PLAIN, **outcomes}).assert_completed()

    result = timed(property_)
    return {**result, "runs": harness.runs, "recorder": recorder}


def property_examples(examples: int) -> Dict[str, Any]:
    return timed(
        lambda: assert_always(NESTED_VALUE, ends_terminal, retries_within_limit, max_examples=examples)
    )


def timed(function: Callable[[], Any]) -> Dict[str, Any]:
    """Wall seconds, and the CPU seconds of this process (less sensitive to a loaded machine)."""
    started, cpu = time.perf_counter(), time.process_time()
    value = function()
    return {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu, "value": value}


def _both(result: Dict[str, Any]) -> str:
    return f"{result['seconds']:.3f} s ({result['cpu']:.3f} s CPU)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    print(f"{args.examples} examples of {NESTED_VALUE['name']} (three SWITCH tasks), budget 2 s")
    print(f"{'repeat':>6}  {'switch_inputs + mock_outcomes':>30}  {'assert_always (whole scenarios)':>32}")
    switches, properties = [], []
    for index in range(1, args.repeat + 1):
        switches.append(switch_examples(args.examples))
        properties.append(property_examples(args.examples))
        print(f"{index:>6}  {_both(switches[-1]):>30}  {_both(properties[-1]):>32}")
    best = min(switches, key=lambda r: r["seconds"])
    best_property = min(properties, key=lambda r: r["seconds"])
    print(
        f"{'best':>6}  {_both(best):>30}  {_both(best_property):>32}"
        f"   ({1000 * best['seconds'] / max(best['runs'], 1):.2f} ms per example, branches "
        f"{best['recorder'].ratio('branches')})"
    )
    print()
    columns = ("seconds", "CPU s", "runs", "cases", "branches", "outcomes", "unreachable")
    print(f"{'explore':<26} " + " ".join(f"{c:>10}" for c in columns))
    for name, run in (
        ("kitchen_sink", lambda: explore(KITCHEN_SINK, register=[COMPENSATION_WORKFLOW])),
        ("nested_value_switches", lambda: explore(NESTED_VALUE)),
        ("nested_script_switches", lambda: explore(NESTED_SCRIPT)),
    ):
        result = timed(run)
        found = result["value"]
        cells = (
            f"{result['seconds']:.2f}",
            f"{result['cpu']:.2f}",
            found.runs,
            len(found.cases),
            found.coverage.ratio("branches"),
            found.coverage.ratio("outcomes"),
            len(found.unreachable),
        )
        print(f"{name:<26} " + " ".join(f"{str(c):>10}" for c in cells))


if __name__ == "__main__":
    main()
