"""Properties of a workflow, checked in one line over generated inputs and outcomes.

::

    from conductor_testkit.testing.properties import (
        assert_always, ends_terminal, output_has, retries_within_limit,
    )

    def test_every_order_ends_well():
        assert_always(order_workflow, ends_terminal, output_has("receipt", when="COMPLETED"),
                      retries_within_limit)

Each example is a scenario drawn from the definition (:mod:`conductor_testkit.testing.scenario`):
the inputs its expressions read and an outcome plan per attempt of each mocked task. The runs are
on the in-memory engine. When a property fails, Hypothesis shrinks the scenario to the smallest
one that still fails (the plainest outcomes, the first case keys, the smallest numbers), and the
error shows that scenario and the run's trace.

A property is a :class:`Property` (a description and a check), or any function of the
:class:`~conductor_testkit.testing.Execution` that returns ``False`` or a text saying what is
wrong (``None``/``True`` when it holds), or raises ``AssertionError``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Union

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conductor_testkit.engine import WORKFLOW_TERMINAL
from conductor_testkit.errors import DefinitionError
from conductor_testkit.testing.coverage.model import effective_retry_count
from conductor_testkit.testing.execution import Execution
from conductor_testkit.testing.scenario import Scenario, ScenarioSpace

__all__ = [
    "Property",
    "assert_always",
    "ends_terminal",
    "never_fails",
    "output_has",
    "retries_within_limit",
]

Check = Callable[[Execution], Any]


@dataclass(frozen=True)
class Property:
    """A property of every run: ``check(execution)`` returns None when it holds, else what is wrong."""

    description: str
    check: Callable[[Execution], Optional[str]]

    def problem(self, execution: Execution) -> Optional[str]:
        return self.check(execution)

    def __str__(self) -> str:
        return self.description


def _property_of(value: Union[Property, Check]) -> Property:
    if isinstance(value, Property):
        return value
    if not callable(value):
        raise DefinitionError(f"assert_always: a property is a Property or a function, received {value!r}")
    function = value

    def check(execution: Execution) -> Optional[str]:
        result = function(execution)
        if result is None or result is True:
            return None
        return "it returned False" if result is False else str(result)

    name = getattr(function, "__name__", repr(function))
    description = (getattr(function, "__doc__", None) or name).strip().splitlines()[0]
    return Property(description, check)


def _ends_terminal(execution: Execution) -> Optional[str]:
    if execution.is_terminal:
        return None
    blocked = "; ".join(str(b) for b in execution.blocked) or "nothing more could run"
    return f"the run stopped {execution.status} ({blocked})"


ends_terminal = Property(
    f"always ends in a terminal status ({', '.join(sorted(WORKFLOW_TERMINAL))})", _ends_terminal
)


def _never_fails(execution: Execution) -> Optional[str]:
    if execution.status in ("FAILED", "TIMED_OUT", "TERMINATED"):
        return f"the run ended {execution.status}: {execution.reason}"
    return None


never_fails = Property("never ends FAILED, TIMED_OUT or TERMINATED", _never_fails)


def output_has(*keys: str, when: Optional[str] = "COMPLETED") -> Property:
    """The workflow output has each of ``keys`` (not null) whenever the run ends ``when``
    (None: whatever the status)."""

    def check(execution: Execution) -> Optional[str]:
        if when is not None and execution.status != when:
            return None
        missing = [key for key in keys if execution.output.get(key) is None]
        if not missing:
            return None
        has = ", ".join(sorted(k for k, v in execution.output.items() if v is not None)) or "nothing"
        return f"the output has no {', '.join(map(repr, missing))} (it has: {has})"

    condition = f" when {when}" if when else ""
    return Property(f"output has {', '.join(map(repr, keys))}{condition}", check)


def _all_runs(execution: Execution) -> Iterator[Execution]:
    """The run and, depth first, the sub-workflows its SUB_WORKFLOW tasks started."""
    yield execution
    refs = {t.reference_task_name for t in execution.tasks if str(t.task_type) == "SUB_WORKFLOW"}
    for ref in sorted(str(r) for r in refs):
        try:
            child = execution.sub_workflow(ref)
        except AssertionError:  # it started none
            continue
        yield from _all_runs(child)


def _retries_within_limit(execution: Execution) -> Optional[str]:
    problems: List[str] = []
    for run in _all_runs(execution):
        most: Dict[str, int] = {}
        limits: Dict[str, int] = {}
        for task in run.workflow.get("tasks") or []:
            ref = str(task.get("referenceTaskName"))
            most[ref] = max(most.get(ref, 0), int(task.get("retryCount") or 0))
            workflow_task = task.get("workflowTask")
            if isinstance(workflow_task, Mapping):
                limits[ref] = effective_retry_count(workflow_task)
        for ref, retries in most.items():
            if ref in limits and retries > limits[ref]:
                problems.append(
                    f"{run.name}/{ref} was retried {retries} time(s), its retryCount is {limits[ref]}"
                )
    return "; ".join(problems) or None


retries_within_limit = Property("no task is retried more than its retryCount", _retries_within_limit)


def _scenario_text(scenario: Scenario) -> str:
    return "\n".join(
        f"  {key}: {json.dumps(value, sort_keys=True)}" for key, value in scenario.to_dict().items()
    )


def assert_always(
    workflow: Any,
    *properties: Union[Property, Check],
    register: Iterable[Any] = (),
    inputs: Optional[Mapping[str, st.SearchStrategy[Any]]] = None,
    max_examples: int = 200,
    derandomize: bool = True,
) -> None:
    """Fail unless every property holds for every drawn scenario of ``workflow``.

    Args:
        workflow: the workflow (DSL, WorkflowDef or dict).
        properties: :class:`Property` objects or functions of the execution (see the module docstring).
        register: sub-workflows it starts by name, its failure workflow, TaskDefs it relies on.
        inputs: strategies for input fields (top-level key or dotted path) instead of the drawn ones.
        max_examples: how many scenarios to try.
        derandomize: the same scenarios on every run (reproducible in CI); False draws new ones.

    Raises:
        AssertionError: for the smallest failing scenario: the property, what is wrong, the
            scenario and the run's trace.
    """
    __tracebackhide__ = True
    if not properties:
        raise DefinitionError("assert_always: name at least one property (e.g. ends_terminal)")
    checks = [_property_of(p) for p in properties]
    space = ScenarioSpace(workflow, register=register, inputs=inputs)
    harness = space.new_harness()

    @settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        derandomize=derandomize,
        suppress_health_check=list(HealthCheck),
    )
    @given(space.scenarios())
    def holds(scenario: Scenario) -> None:
        __tracebackhide__ = True
        execution = space.run(harness, scenario)
        for prop in checks:
            try:
                problem = prop.problem(execution)
            except AssertionError as exc:
                problem = str(exc).splitlines()[0] if str(exc) else "an assertion failed"
            if problem is not None:
                raise AssertionError(
                    f"workflow {space.name!r}: property {prop.description!r} does not hold: {problem}\n"
                    f"scenario (the smallest failing one, after shrinking):\n{_scenario_text(scenario)}\n"
                    + execution.describe()
                )

    holds()
