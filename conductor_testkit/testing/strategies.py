"""Hypothesis strategies that drive a workflow's SWITCH branches, for property-based tests.

A ``value-param`` SWITCH (or a DECISION) picks its branch from one input parameter. When that
parameter is a plain reference to the workflow input (``${workflow.input.country}``) or to a
task's output (``${check_ref.output.verdict}``), the case keys tell which values take which
branch. :func:`switch_inputs` draws workflow inputs from those keys, plus values that match no case
(so the default branch runs too); :func:`mock_outcomes` draws mocked task outcomes the same way::

    from hypothesis import given
    from conductor_testkit.testing.strategies import mock_outcomes, switch_inputs

    @given(inputs=switch_inputs(workflow), mocks=mock_outcomes(workflow))
    def test_every_route_ends(inputs, mocks):
        run_workflow(workflow, inputs, mocks).assert_completed()

JavaScript switches cannot be read this way: give their inputs with ``extra=`` (a dict of input
key -> strategy). Record what ran with :class:`~conductor_testkit.testing.BranchCoverage`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from hypothesis import strategies as st

from conductor_testkit.errors import DefinitionError
from conductor_testkit.testing.definition import walk_tasks, workflow_def_dict

__all__ = ["OFF_CASE_VALUES", "SwitchDriver", "mock_outcomes", "switch_drivers", "switch_inputs"]

OFF_CASE_VALUES: Tuple[Any, ...] = (None, "__no_such_case__")
"""Values that match no case key of a SWITCH (``None`` reads as the key ``"null"``)."""

_WORKFLOW_INPUT = re.compile(r"^\$\{workflow\.input\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)\}$")
_TASK_OUTPUT = re.compile(r"^\$\{([A-Za-z0-9_\-]+)\.output\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)\}$")


@dataclass(frozen=True)
class SwitchDriver:
    """Where a SWITCH's value comes from.

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


def _value_strategy(cases: Sequence[str], off_case_values: Sequence[Any]) -> st.SearchStrategy[Any]:
    # case keys first: Hypothesis shrinks sampled_from towards the first element
    ordered = list(dict.fromkeys(cases)) + [v for v in off_case_values if v not in cases]
    if not ordered:
        raise DefinitionError("a SWITCH without case keys and no off_case_values leaves nothing to draw")
    return st.sampled_from(ordered)


def _nested(paths: Mapping[Tuple[str, ...], st.SearchStrategy[Any]]) -> st.SearchStrategy[Dict[str, Any]]:
    """A dict strategy placing each path's drawn value at that (dotted) key path."""
    keyed = {".".join(path): strategy for path, strategy in paths.items()}

    def build(values: Dict[str, Any]) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        for dotted, value in values.items():
            *parents, leaf = dotted.split(".")
            node = out
            for key in parents:
                node = node.setdefault(key, {})
            node[leaf] = value
        return out

    return st.fixed_dictionaries(keyed).map(build)


def _merge_cases(drivers: Sequence[SwitchDriver]) -> Dict[Tuple[str, ...], List[str]]:
    cases: Dict[Tuple[str, ...], List[str]] = {}
    for driver in drivers:
        cases.setdefault(driver.path, []).extend(driver.cases)
    return cases


def switch_inputs(
    workflow: Any,
    *,
    off_case_values: Sequence[Any] = OFF_CASE_VALUES,
    extra: Optional[Mapping[str, st.SearchStrategy[Any]]] = None,
    base: Optional[Mapping[str, Any]] = None,
) -> st.SearchStrategy[Dict[str, Any]]:
    """Workflow inputs that steer every value-param SWITCH reading the workflow input.

    Each such input key is drawn from the case keys of the SWITCHes that read it, or from
    ``off_case_values`` (the default branch). ``extra`` adds strategies for other input keys
    (e.g. the inputs of a JavaScript SWITCH); ``base`` is merged under every drawn input.
    """
    drivers = [d for d in switch_drivers(workflow) if d.source == "input"]
    if not drivers and not extra:
        name = workflow_def_dict(workflow).get("name")
        raise DefinitionError(
            f"switch_inputs: no value-param SWITCH of workflow {name!r} reads a plain "
            "${workflow.input.<key>}; pass extra={'<key>': <strategy>} to draw inputs yourself"
        )
    paths = {path: _value_strategy(cases, off_case_values) for path, cases in _merge_cases(drivers).items()}
    drawn = _nested(paths)
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
        refs: the task references to mock (default: every task a value-param SWITCH reads).
        statuses: the statuses to draw for each attempt (``"FAILED_WITH_TERMINAL_ERROR"`` fails
            without retries; a plain ``"FAILED"`` of a task with retries left needs more attempts).
        off_case_values: drawn besides the case keys, to reach the default branches.
        outputs: extra output strategies per reference, merged under the drawn switch values.
    """
    drivers = [d for d in switch_drivers(workflow) if d.source == "output"]
    chosen = list(refs) if refs is not None else list(dict.fromkeys(str(d.task_ref) for d in drivers))
    if not chosen:
        name = workflow_def_dict(workflow).get("name")
        raise DefinitionError(
            f"mock_outcomes: no value-param SWITCH of workflow {name!r} reads a task output; "
            "name the tasks to mock with refs=[...]"
        )
    if not statuses:
        raise DefinitionError("mock_outcomes: statuses must name at least one status")
    per_ref: Dict[str, st.SearchStrategy[List[Dict[str, Any]]]] = {}
    for ref in chosen:
        mine = [d for d in drivers if d.task_ref == ref]
        paths = {path: _value_strategy(cases, off_case_values) for path, cases in _merge_cases(mine).items()}
        extra_output = (outputs or {}).get(ref, st.just({}))
        per_ref[ref] = st.tuples(st.sampled_from(list(statuses)), _nested(paths), extra_output).map(
            lambda parts: [{"status": parts[0], "output": {**parts[2], **parts[1]}}]
        )
    return st.fixed_dictionaries(per_ref)
