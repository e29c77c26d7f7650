"""``explore(workflow)``: search for runs that reach every branch and outcome of a workflow.

::

    from conductor_testkit.testing.explore import explore

    result = explore(order_workflow, register=[refund_workflow])
    print(result.report())               # reached, and what no run reached with the reason
    result.write_cases("tests/explored")  # one minimal replayable case per group of cells

The search runs on the in-memory engine, which evaluates the real expressions (value-param,
javascript and graaljs switches, INLINE scripts, loop conditions). It draws scenarios (inputs and
mocked outcomes per attempt, :mod:`conductor_testkit.testing.scenario`) with Hypothesis, then, for
each outcome still missing, replays a run that reached the task with the plan that ends it that way
(retried, retries exhausted, timed out, canceled, ...), then draws again with another seed. What no
run reached is named with the reason. Each reached cell keeps the first run that reached it; runs
are cut to the mocks they used and reduced (input fields and mocked outputs that do not matter are
dropped) into cases that replay on every backend as regression tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Set, Tuple, Union

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from conductor_testkit.testing.coverage.model import (
    BRANCH,
    OUTCOME,
    SWITCHES,
    TASK,
    WORKFLOW,
    Cell,
    effective_retry_count,
)
from conductor_testkit.testing.coverage.recorder import CoverageRecorder, WorkflowCoverage
from conductor_testkit.testing.coverage.text import terminal_report
from conductor_testkit.testing.execution import Execution
from conductor_testkit.testing.explored_cases import ExploredCase, write_cases
from conductor_testkit.testing.reads import list_source, script_of
from conductor_testkit.testing.scenario import (
    Scenario,
    ScenarioSpace,
    _Scope,
    attempts_of_plan,
    numbers_around,
)

__all__ = ["Exploration", "ExploredCase", "explore"]

Key = Tuple[str, int]
Target = Tuple[Key, Cell]
_Path = Tuple[str, ...]


_RETRIED = frozenset({"FAILED", "IN_PROGRESS"})  # attempts a retry follows (IN_PROGRESS: a timeout)


class _Done(Exception):
    """Every target was reached: the search can stop."""


@dataclass
class Exploration:
    """What :func:`explore` found."""

    workflow: str
    #: every run the search made, recorded
    coverage: CoverageRecorder
    #: the minimal cases, each with the cells it reached first
    cases: List[ExploredCase]
    #: "workflow vN: cell" -> why no run reached it
    unreachable: Dict[str, str]
    runs: int
    definition: Dict[str, Any] = field(repr=False, default_factory=dict)
    register: List[Dict[str, Any]] = field(repr=False, default_factory=list)

    @property
    def reached(self) -> Dict[str, ExploredCase]:
        """ "workflow vN: cell" -> the case that reaches it."""
        return {cell: case for case in self.cases for cell in case.cells}

    def report(self) -> str:
        lines = [f"explore {self.workflow!r}: {self.runs} run(s), {len(self.cases)} case(s)"]
        lines += terminal_report(self.coverage)
        if self.unreachable:
            lines.append("unreachable:")
            lines += [f"  {cell}: {reason}" for cell, reason in self.unreachable.items()]
        return "\n".join(lines)

    def write_cases(self, folder: Union[str, Path]) -> List[Path]:
        """Write the cases and a pytest module replaying them into ``folder``; returns the files."""
        return write_cases(Path(folder), self.workflow, self.definition, self.register, self.cases)

    def assert_complete(self) -> None:
        """Fail unless every cell was reached."""
        __tracebackhide__ = True
        if self.unreachable:
            raise AssertionError(self.report())


class _Search:
    def __init__(self, space: ScenarioSpace, recorder: CoverageRecorder) -> None:
        self.space = space
        self.recorder = recorder
        self.harness = space.new_harness()
        self.scopes: Dict[Key, Tuple[_Scope, _Path]] = {}
        self._add_scope(space.scope, ())
        if space.failure_scope is not None:
            self._add_scope(space.failure_scope, ("failure",))
        self.targets: List[Target] = [
            (key, cell)
            for key, (scope, _) in self.scopes.items()
            for cell in self.recorder.workflows[key].cells
        ]
        self.first: Dict[Target, Scenario] = {}
        self.reached_by: Dict[Target, int] = {}
        self.scenarios: List[Scenario] = []
        self.results: List[Set[Target]] = []
        self.switch_values: Dict[Tuple[Key, str], List[str]] = {}
        self.switch_runs: Dict[Tuple[Key, str], int] = {}
        self.runs = 0
        #: input path -> the numbers that matter there (the literals its uses compare with, around)
        self.numbers: Dict[Tuple[str, ...], List[Any]] = {
            path: [0, *numbers_around([v for v in hints.compared if _is_number(v)])]
            for path, hints in space.input_paths().items()
        }

    def _add_scope(self, scope: _Scope, path: _Path) -> None:
        key = scope.model.key
        if key in self.scopes:
            return
        self.scopes[key] = (scope, path)
        self.recorder.add_definition(scope.definition)
        for ref, child in scope.children.items():
            self._add_scope(child, (*path, "sub", ref))

    # -- running ----------------------------------------------------------------------------------

    def run(self, scenario: Scenario) -> Tuple[Execution, Set[Target]]:
        execution = self.space.run(self.harness, scenario)
        reached = self.recorder.record(execution, visit=self._note_switches)
        self.runs += 1
        return execution, reached

    def _note_switches(self, coverage: WorkflowCoverage, execution: Execution) -> None:
        """Note the values each switch of a run's workflow evaluated to (for the reasons)."""
        key = coverage.model.key
        for node in coverage.model.nodes.values():
            if node.type in SWITCHES and execution.ran(node.ref):
                value = execution.selected_case(node.ref)
                values = self.switch_values.setdefault((key, node.ref), [])
                self.switch_runs[(key, node.ref)] = self.switch_runs.get((key, node.ref), 0) + 1
                if value is not None and value not in values and len(values) < 20:
                    values.append(value)

    def attempt(self, scenario: Scenario) -> Set[Target]:
        execution, reached = self.run(scenario)
        index = len(self.scenarios)
        new = [target for target in reached if target not in self.first]
        if new:
            self.scenarios.append(self.space.used(scenario, execution))
            self.results.append(reached)
            for target in new:
                self.first[target] = self.scenarios[index]
                self.reached_by[target] = index
        return reached

    def missing(self) -> List[Target]:
        return [target for target in self.targets if target not in self.first]

    # -- phases -----------------------------------------------------------------------------------

    def draw(self, examples: int, seed: int) -> None:
        if not self.missing():
            return

        @hypothesis_seed(seed)
        @settings(
            max_examples=examples,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            verbosity=Verbosity.quiet,
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
        )
        @given(self.space.scenarios())
        def search(scenario: Scenario) -> None:
            self.attempt(scenario)
            if not self.missing():
                raise _Done

        try:
            search()
        except _Done:
            pass

    def directed(self) -> None:
        """Each missing outcome: a run that reached its task, with the plan that ends it so."""
        for key, cell in self.missing():
            if (key, cell) in self.first:
                continue  # reached by an earlier directed run
            for scenario in self._directed(key, cell):
                if (key, cell) in self.attempt(scenario):
                    break

    def _directed(self, key: Key, cell: Cell) -> Iterator[Scenario]:
        scope, path = self.scopes[key]
        if cell.kind == BRANCH and cell.detail in ("loop", "dynamic"):
            yield from self._with_list_length(key, cell, scope, path)
        if cell.kind == OUTCOME:
            node = scope.model.nodes.get(cell.node)
            if node is None:
                return
            base = self.first.get((key, Cell(TASK, cell.node, "")))
            if base is None:
                return
            if node.type == "SUB_WORKFLOW":
                yield from self._through_child(base, scope, path, node.ref, cell.key)
                return
            plans = {
                "exhausted": ["exhausted", "terminal_error"],
                "timed_out": ["timed_out", "timed_out_exhausted"],
            }
            for plan in plans.get(cell.key, [cell.key]):
                yield _with_plan(base, path, node.ref, scope, plan)
        elif cell.kind == WORKFLOW:
            wanted = {
                "FAILED": ["terminal_error", "exhausted"],
                "TIMED_OUT": ["timed_out", "timed_out_exhausted"],
                "TERMINATED": ["canceled"],
                "failure_workflow": ["terminal_error", "timed_out", "canceled"],
                "COMPLETED": ["completed"],
            }.get(cell.key, [])
            for node in scope.mocked_nodes():
                base = self.first.get((key, Cell(TASK, node.ref, "")))
                if base is None:
                    continue
                for plan in wanted:
                    yield _with_plan(base, path, node.ref, scope, plan)

    def _with_list_length(self, key: Key, cell: Cell, scope: _Scope, path: _Path) -> Iterator[Scenario]:
        """A run that reached a loop or a dynamic fork, with the list it goes over made as long as
        ``cell`` wants (0, 1 or 2 items): in the workflow input, or in the mocked output it comes from."""
        node = scope.model.nodes[cell.node]
        source = list_source(node.task)
        base = self.first.get((key, Cell(TASK, cell.node, "")))
        if source is None or base is None or not source.path:
            return
        items = [1] * {"0": 0, "1": 1}.get(cell.key, 2)
        scenario = base.copy()
        if source.kind == "input" and not path:
            _set(scenario.input, source.path, items)
            yield scenario
        elif source.kind == "output" and source.ref in {n.ref for n in scope.mocked_nodes()}:
            mocks = _scenario_mocks(scenario, path)
            mocks[source.ref] = [{"status": "COMPLETED", "output": _set({}, source.path, items)}]
            yield scenario

    def _through_child(
        self, base: Scenario, scope: _Scope, path: _Path, ref: str, outcome: str
    ) -> Iterator[Scenario]:
        child = scope.children.get(ref)
        if child is None:
            return
        plan = {
            "exhausted": "terminal_error",
            "optional_failed": "terminal_error",
            "canceled": "canceled",
        }.get(outcome)
        if plan is None:
            return
        for node in child.mocked_nodes():
            if not node.task.get("optional"):
                yield _with_plan(base, (*path, "sub", ref), node.ref, child, plan)

    # -- results ------------------------------------------------------------------------------------

    def minimal_cases(self) -> List[ExploredCase]:
        # the failure workflow's cells get cases of their own: only they need its mocks, which
        # the server's test endpoint cannot run
        failure_key = self.space.failure_scope.model.key if self.space.failure_scope else None
        groups: Dict[Tuple[int, bool], List[Target]] = {}
        for target in self.targets:
            if target in self.reached_by:
                groups.setdefault((self.reached_by[target], target[0] == failure_key), []).append(target)
        cases: List[ExploredCase] = []
        for index, _ in sorted(groups):
            targets = set(groups[(index, _)])
            scenario, execution = self._reduce(self.scenarios[index], targets)
            cases.append(
                ExploredCase(
                    name=f"case_{len(cases) + 1:03d}",
                    cells=[_title(key, cell) for key, cell in sorted(targets, key=self.targets.index)],
                    scenario=scenario,
                    status=execution.status,
                    path=execution.path(),
                    definition=self.space.definition,
                    register=tuple(self.space.registry.all),
                    local_only=self._local_only(scenario),
                )
            )
        return cases

    def _reduce(self, scenario: Scenario, targets: Set[Target]) -> Tuple[Scenario, Execution]:
        """Drop the input fields and mocked output keys the targets do not need, one at a time."""
        best = scenario
        for step in _simplifications(scenario, self.numbers):
            for candidate in step(best):
                _, reached = self.run(candidate)
                if targets <= reached:
                    best = candidate
                    break
        execution, _ = self.run(best)
        used = self.space.used(best, execution)
        failure = self.space.failure_scope
        if failure is not None and not any(key == failure.model.key for key, _ in targets):
            # the failure workflow's own tasks are not what this case is about: without its mocks
            # it starts and waits, and the case replays on the server's test endpoint too
            used.failure_workflow_mocks = None
        return used, execution

    def _local_only(self, scenario: Scenario) -> str:
        """Why ``scenario`` cannot replay on the server's test endpoint ("" when it can)."""
        if scenario.failure_workflow_mocks is not None:
            return "it drives the failure workflow, which the server's test endpoint does not run"
        for scope, path in self.scopes.values():
            if path[:1] == ("failure",):
                continue
            mocks = _scenario_mocks(scenario.copy(), path)
            for node in scope.mocked_nodes():
                failing = any(a.get("status") in _RETRIED for a in mocks.get(node.ref) or [])
                if node.parallel and failing and effective_retry_count(node.task) > 0:
                    return (
                        f"the forked task {node.ref!r} fails and is retried: the server's test endpoint "
                        "evaluates the JOIN while the retry is being scheduled, and ends the run either way"
                    )
        return ""

    def unreachable(self) -> Dict[str, str]:
        out: Dict[str, str] = {}
        for key, cell in self.missing():
            out[_title(key, cell)] = self._reason(key, cell)
        return out

    def _reason(self, key: Key, cell: Cell) -> str:
        scope, _ = self.scopes[key]
        model = scope.model
        enclosing = model.enclosing(cell)
        if enclosing is not None and (key, enclosing) not in self.first:
            return f"it needs {enclosing.label}, which no run reached"
        if key != self.space.model.key and not any(k == key for k, _ in self.first):
            return "no run started this workflow"
        node = model.nodes.get(cell.node)
        runs = self.runs
        if cell.kind == BRANCH and node is not None and node.type in SWITCHES:
            seen = self.switch_values.get((key, node.ref), [])
            shown = ", ".join(repr(v) for v in sorted(seen)) or "nothing"
            script = script_of(node.task)
            reached = self.switch_runs.get((key, node.ref), 0)
            if script:
                evaluator = node.task.get("evaluatorType") or "javascript"
                return (
                    f"the {evaluator} expression {script!r} returned only {shown} in the "
                    f"{reached} run(s) that reached {node.ref!r}"
                )
            param = node.task.get("expression") if node.type == "SWITCH" else node.task.get("caseValueParam")
            value = (node.task.get("inputParameters") or {}).get(str(param))
            if not isinstance(value, str) or "${" not in value:
                return f"the value of {node.ref!r} is the constant {value!r}"
            return f"{value} was only {shown} in the {reached} run(s) that reached {node.ref!r}"
        if (
            cell.kind == OUTCOME
            and node is not None
            and node.type == "SUB_WORKFLOW"
            and node.ref not in scope.children
        ):
            return f"the sub-workflow of {node.ref!r} is not known to explore (pass it in register=)"
        if cell.kind == WORKFLOW and cell.key != "COMPLETED" and not scope.mocked_nodes():
            return f"no task of {model.name!r} can be mocked to end it so"
        if cell.kind == OUTCOME and node is not None and node.type == "SUB_WORKFLOW":
            child = scope.children[node.ref]
            if not any(not n.task.get("optional") for n in child.mocked_nodes()):
                return f"the sub-workflow {child.model.name!r} has no task a mock can make fail"
        return f"no run of {runs} reached it"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _title(key: Key, cell: Cell) -> str:
    return f"{key[0]} v{key[1]}: {cell.label}"


def _scenario_mocks(scenario: Scenario, path: _Path) -> Dict[str, List[Dict[str, Any]]]:
    """The mocks dict of the scope at ``path`` inside ``scenario`` (created if missing)."""
    if not path:
        return scenario.mocks
    if path[0] == "failure":
        if scenario.failure_workflow_mocks is None:
            scenario.failure_workflow_mocks = {}
        return scenario.failure_workflow_mocks
    holder: Dict[str, Any] = scenario.sub_workflow_mocks
    node: Dict[str, Any] = {}
    for index in range(0, len(path), 2):
        ref = path[index + 1]
        node = holder.setdefault(ref, {"taskRefToMockOutput": {}})
        holder = node.setdefault("subWorkflowTestRequest", {})
    if not holder:
        node.pop("subWorkflowTestRequest", None)
    mocks: Dict[str, List[Dict[str, Any]]] = node.setdefault("taskRefToMockOutput", {})
    return mocks


def _with_plan(base: Scenario, path: _Path, ref: str, scope: _Scope, plan: str) -> Scenario:
    scenario = base.copy()
    mocks = _scenario_mocks(scenario, path)
    node = scope.model.nodes[ref]
    target = f"{ref}__1" if ref in scope.loop_refs else ref
    previous = mocks.get(target) or []
    output = next((dict(a.get("output") or {}) for a in previous if a.get("status") == "COMPLETED"), {})
    if plan == "timed_out_exhausted":
        late = attempts_of_plan("timed_out", node.task, output)[0]
        mocks[target] = [dict(late) for _ in range(effective_retry_count(node.task) + 1)]
    else:
        mocks[target] = attempts_of_plan(plan, node.task, output)
    return scenario


Simplification = Callable[[Scenario], List[Scenario]]


def _simplifications(
    scenario: Scenario, numbers: Mapping[Tuple[str, ...], List[Any]]
) -> List[Simplification]:
    """One step each, giving candidates to try in order: drop one input field, bring one number
    of the input to a value that matters (``numbers``: the candidates by input path), or drop one
    key of one mocked output."""
    steps: List[Simplification] = []

    def drop_input(path: Tuple[str, ...]) -> Simplification:
        def step(current: Scenario) -> List[Scenario]:
            if not _has(current.input, path):
                return []
            candidate = current.copy()
            _drop(candidate.input, path)
            return [candidate]

        return step

    def smaller_number(path: Tuple[str, ...]) -> Simplification:
        def step(current: Scenario) -> List[Scenario]:
            value = _get(current.input, path)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return []
            out = []
            for number in sorted(numbers.get(path) or [], key=abs):
                if abs(number) < abs(value):
                    candidate = current.copy()
                    _set(candidate.input, path, number)
                    out.append(candidate)
            return out

        return step

    def drop_output(ref: str, index: int, key: str) -> Simplification:
        def step(current: Scenario) -> List[Scenario]:
            attempts = current.mocks.get(ref) or []
            if index >= len(attempts) or key not in (attempts[index].get("output") or {}):
                return []
            candidate = current.copy()
            del candidate.mocks[ref][index]["output"][key]
            return [candidate]

        return step

    for path in _leaf_paths(scenario.input):
        steps.append(drop_input(path))
        steps.append(smaller_number(path))
    for ref, attempts in scenario.mocks.items():
        for index, attempt in enumerate(attempts):
            for key in attempt.get("output") or {}:
                steps.append(drop_output(ref, index, key))
    return steps


def _get(data: Mapping[str, Any], path: Tuple[str, ...]) -> Any:
    node: Any = data
    for key in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _set(data: Dict[str, Any], path: Tuple[str, ...], value: Any) -> Dict[str, Any]:
    node = data
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    return data


def _has(data: Mapping[str, Any], path: Tuple[str, ...]) -> bool:
    node: Any = data
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return False
        node = node[key]
    return True


def _leaf_paths(data: Mapping[str, Any], prefix: Tuple[str, ...] = ()) -> List[Tuple[str, ...]]:
    out: List[Tuple[str, ...]] = []
    for key, value in data.items():
        if isinstance(value, Mapping) and value:
            out.extend(_leaf_paths(value, (*prefix, key)))
        out.append((*prefix, key))
    return out


def _drop(data: Dict[str, Any], path: Tuple[str, ...]) -> None:
    node = data
    for key in path[:-1]:
        node = node.get(key) or {}
    node.pop(path[-1], None)


def explore(
    workflow: Any,
    *,
    register: Iterable[Any] = (),
    inputs: Optional[Mapping[str, st.SearchStrategy[Any]]] = None,
    max_examples: int = 300,
    seed: int = 0,
    write_to: Union[str, Path, None] = None,
) -> Exploration:
    """Search for runs reaching every task, branch and outcome of ``workflow`` (and of the
    sub-workflows and failure workflow it starts); see the module docstring.

    Args:
        workflow: the workflow (DSL, WorkflowDef or dict).
        register: sub-workflows it starts by name, its failure workflow, TaskDefs it relies on.
        inputs: strategies for input fields (top-level key or dotted path) instead of the drawn ones.
        max_examples: Hypothesis examples per drawing round (there are two rounds).
        seed: the seed of the search (the same seed finds the same cases).
        write_to: a folder to write the cases to (see :meth:`Exploration.write_cases`).
    """
    space = ScenarioSpace(workflow, register=register, inputs=inputs)
    search = _Search(space, CoverageRecorder())
    search.attempt(Scenario())  # the plainest run first: no input, every task completed
    # a short draw, the directed runs for the outcomes it missed, then the whole budget once more
    search.draw(min(max_examples, 60), seed)
    search.directed()
    search.draw(max_examples, seed + 1)
    search.directed()
    cases = search.minimal_cases()
    result = Exploration(
        workflow=space.name,
        coverage=search.recorder,
        cases=cases,
        unreachable=search.unreachable(),
        runs=search.runs,
        definition=space.definition,
        register=list(space.registry.all),
    )
    if write_to is not None:
        result.write_cases(write_to)
    return result
