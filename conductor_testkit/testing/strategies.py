"""Hypothesis strategies drawn from a workflow definition, for property-based tests.

The definition says which values matter (:mod:`conductor_testkit.testing.reads`): a value-param
SWITCH or DECISION compares its value with its case keys; a javascript or graaljs SWITCH (or a
DECISION's ``caseExpression``) compares the fields it reads with literals. The strategies draw
those values, and values that match nothing (so default branches run too); the engine evaluates
the real expressions when the workflow runs::

    from hypothesis import given
    from conductor_testkit.testing.strategies import mock_outcomes, switch_inputs

    @given(inputs=switch_inputs(workflow), mocks=mock_outcomes(workflow))
    def test_every_route_ends(inputs, mocks):
        run_workflow(workflow, inputs, mocks).assert_completed()

* :func:`switch_inputs`: workflow inputs for every SWITCH/DECISION that reads the workflow input;
* :func:`mock_outcomes`: one mocked attempt per task whose output a SWITCH/DECISION reads;
* :func:`workflow_inputs`: every input field any expression reads, with types inferred;
* :func:`attempt_outcomes`: an outcome plan per attempt (completed, retried, retries exhausted,
  timed out, canceled, ...) for every task a mock can settle;
* :func:`scenarios`: whole runs (input, mocks, sub-workflow and failure-workflow mocks), what
  :func:`~conductor_testkit.testing.properties.assert_always` and
  :func:`~conductor_testkit.testing.explore.explore` use.

Tasks that run by themselves (SWITCH, INLINE, SUB_WORKFLOW, ...) cannot be mocked (the server's
test endpoint discards their mocks): their outputs follow from the inputs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from hypothesis import strategies as st

from conductor_testkit.errors import DefinitionError
from conductor_testkit.testing.coverage.model import is_mockable
from conductor_testkit.testing.definition import task_types_by_ref, walk_tasks, workflow_def_dict
from conductor_testkit.testing.reads import definition_reads
from conductor_testkit.testing.scenario import (
    OFF_CASE_VALUES,
    Scenario,
    ScenarioSpace,
    nested,
    source_strategy,
)

__all__ = [
    "OFF_CASE_VALUES",
    "SwitchDriver",
    "attempt_outcomes",
    "mock_outcomes",
    "scenarios",
    "switch_drivers",
    "switch_inputs",
    "workflow_inputs",
]

_WORKFLOW_INPUT = re.compile(r"^\$\{workflow\.input\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)\}$")
_TASK_OUTPUT = re.compile(r"^\$\{([A-Za-z0-9_\-]+)\.output\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)\}$")


@dataclass(frozen=True)
class SwitchDriver:
    """Where a value-param SWITCH's value comes from.

    ``source`` is ``"input"`` (a workflow input path) or ``"output"`` (``task_ref``'s output path);
    ``path`` is the key path; ``cases`` the case keys of the SWITCH.
    """

    switch_ref: str
    source: str
    path: Tuple[str, ...]
    cases: Tuple[str, ...]
    task_ref: Optional[str] = None


def switch_drivers(workflow: Any) -> List[SwitchDriver]:
    """Every value-param SWITCH/DECISION whose value is a plain workflow-input or task-output reference."""
    definition = workflow_def_dict(workflow)
    out: List[SwitchDriver] = []
    for site in walk_tasks(list(definition.get("tasks") or [])):
        task = site.task
        if site.type == "SWITCH" and (task.get("evaluatorType") or "value-param") == "value-param":
            param = task.get("expression")
        elif site.type == "DECISION" and task.get("caseValueParam"):
            param = task.get("caseValueParam")
        else:
            continue
        value = (task.get("inputParameters") or {}).get(str(param))
        if not isinstance(value, str):
            continue
        cases = tuple(str(case) for case in (task.get("decisionCases") or {}))
        found = _WORKFLOW_INPUT.match(value)
        if found:
            out.append(SwitchDriver(site.ref, "input", tuple(found.group(1).split(".")), cases))
            continue
        found = _TASK_OUTPUT.match(value)
        if found:
            out.append(
                SwitchDriver(
                    site.ref, "output", tuple(found.group(2).split(".")), cases, task_ref=found.group(1)
                )
            )
    return out


def switch_inputs(
    workflow: Any,
    *,
    off_case_values: Sequence[Any] = OFF_CASE_VALUES,
    extra: Optional[Mapping[str, st.SearchStrategy[Any]]] = None,
    base: Optional[Mapping[str, Any]] = None,
) -> st.SearchStrategy[Dict[str, Any]]:
    """Workflow inputs that steer every SWITCH/DECISION reading the workflow input.

    A value-param SWITCH's input key is drawn from its case keys or ``off_case_values``; a field a
    javascript/graaljs expression reads (through the SWITCH's inputParameters) from the literals
    it is compared with, their neighbours, and values of the type its use suggests. ``extra``
    adds strategies for other input keys; ``base`` is merged under every drawn input.
    """
    definition = workflow_def_dict(workflow)
    reads = definition_reads(definition, only_switches=True)
    paths = {
        source.path: source_strategy(hints, off_case_values)
        for source, hints in reads.items()
        if source.kind == "input" and source.path
    }
    if not paths and not extra:
        raise DefinitionError(
            f"switch_inputs: no SWITCH or DECISION of workflow {definition.get('name')!r} reads the "
            "workflow input; pass extra={'<key>': <strategy>} to draw inputs yourself"
        )
    drawn = nested(paths)
    extras = st.fixed_dictionaries(dict(extra or {}))
    fixed = dict(base or {})

    def combine(parts: Tuple[Dict[str, Any], Dict[str, Any]]) -> Dict[str, Any]:
        out = dict(fixed)
        out.update(parts[1])
        for key, value in parts[0].items():
            if isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = {**out[key], **value}
            else:
                out[key] = value
        return out

    return st.tuples(drawn, extras).map(combine)


def _refuse_unmockable(definition: Mapping[str, Any], refs: Iterable[str]) -> None:
    types = task_types_by_ref(definition)
    for ref in refs:
        task_type = types.get(ref)
        if task_type is None:
            raise DefinitionError(
                f"mock_outcomes: workflow {definition.get('name')!r} has no task {ref!r}; its tasks are: "
                + ", ".join(sorted(types))
            )
        if not is_mockable(task_type):
            raise DefinitionError(
                f"mock_outcomes: task {ref!r} of workflow {definition.get('name')!r} is of type {task_type}, "
                "which runs by itself and cannot be mocked; draw the inputs it reads instead (switch_inputs, "
                "workflow_inputs)"
            )


def mock_outcomes(
    workflow: Any,
    refs: Optional[Sequence[str]] = None,
    *,
    statuses: Sequence[str] = ("COMPLETED",),
    off_case_values: Sequence[Any] = OFF_CASE_VALUES,
    outputs: Optional[Mapping[str, st.SearchStrategy[Dict[str, Any]]]] = None,
) -> st.SearchStrategy[Dict[str, List[Dict[str, Any]]]]:
    """Mocks (one attempt per task) whose outputs steer the SWITCHes that read task outputs.

    Args:
        workflow: the workflow (DSL, WorkflowDef or dict).
        refs: the task references to mock (default: every mockable task whose output a
            SWITCH/DECISION reads). A task that cannot be mocked (INLINE, SUB_WORKFLOW, ...) is
            refused.
        statuses: the statuses to draw for each attempt (``"FAILED_WITH_TERMINAL_ERROR"`` fails
            without retries; a plain ``"FAILED"`` of a task with retries left needs more attempts:
            see :func:`attempt_outcomes`).
        off_case_values: drawn besides the case keys, to reach the default branches.
        outputs: extra output strategies per reference, merged under the drawn switch values.
    """
    definition = workflow_def_dict(workflow)
    reads = definition_reads(definition, only_switches=True)
    types = task_types_by_ref(definition)
    steered = [s.ref for s in reads if s.kind == "output" and is_mockable(types.get(s.ref, "SIMPLE"))]
    chosen = list(refs) if refs is not None else list(dict.fromkeys(steered))
    if not chosen:
        raise DefinitionError(
            f"mock_outcomes: no SWITCH or DECISION of workflow {definition.get('name')!r} reads the output "
            "of a task a mock can settle; name the tasks to mock with refs=[...]"
        )
    _refuse_unmockable(definition, chosen)
    if not statuses:
        raise DefinitionError("mock_outcomes: statuses must name at least one status")
    per_ref: Dict[str, st.SearchStrategy[List[Dict[str, Any]]]] = {}
    for ref in chosen:
        paths = {
            source.path: source_strategy(hints, off_case_values)
            for source, hints in reads.items()
            if source.kind == "output" and source.ref == ref and source.path
        }
        extra_output = (outputs or {}).get(ref, st.just({}))
        per_ref[ref] = st.tuples(st.sampled_from(list(statuses)), nested(paths), extra_output).map(
            lambda parts: [{"status": parts[0], "output": {**parts[2], **parts[1]}}]
        )
    return st.fixed_dictionaries(per_ref)


def workflow_inputs(
    workflow: Any, *, inputs: Optional[Mapping[str, st.SearchStrategy[Any]]] = None
) -> st.SearchStrategy[Dict[str, Any]]:
    """Workflow inputs with every field an expression of the workflow reads (types inferred from
    the uses; ``inputs`` overrides fields by top-level key or dotted path)."""
    return ScenarioSpace(workflow, inputs=inputs).inputs()


def attempt_outcomes(
    workflow: Any, *, register: Iterable[Any] = ()
) -> st.SearchStrategy[Dict[str, List[Dict[str, Any]]]]:
    """Mocks for every task a mock can settle: per task an outcome plan over its attempts
    (completed at once; failed then retried; failed until its retries are exhausted; a terminal
    error; timed out, when its definition has a timeout; canceled, on a fork branch), with outputs
    for the fields later expressions read. Loop iterations get ``ref__1``, ``ref__2``, ... ."""
    return ScenarioSpace(workflow, register=register).mocks()


def scenarios(
    workflow: Any,
    *,
    register: Iterable[Any] = (),
    inputs: Optional[Mapping[str, st.SearchStrategy[Any]]] = None,
) -> st.SearchStrategy[Scenario]:
    """Whole runs: a :class:`~conductor_testkit.testing.scenario.Scenario` (input, mocks,
    sub-workflow and failure-workflow mocks). Run one with ``ScenarioSpace(...).run(harness, s)``."""
    return ScenarioSpace(workflow, register=register, inputs=inputs).scenarios()
