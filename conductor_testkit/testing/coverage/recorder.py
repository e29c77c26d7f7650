"""``CoverageRecorder``: the cells every run reached, per workflow name and version, and by which tests.

::

    recorder = CoverageRecorder()
    harness = Harness(observers=[recorder.observer("test_orders")])
    harness.run(order_workflow, {...}, mocks)
    print(terminal_report(recorder))

A recorded run brings its sub-workflows and its failure workflow along (read through the
backend that ran it): each counts as a workflow of its own. Recorders of several processes
(pytest-xdist workers) merge through :meth:`CoverageRecorder.to_dict` and :meth:`merge`.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterable, List, Mapping, NamedTuple, Optional, Set, Tuple

from conductor_testkit.errors import ConductorError
from conductor_testkit.testing.coverage.hits import cells_reached
from conductor_testkit.testing.coverage.model import DIMENSIONS, Cell, WorkflowModel
from conductor_testkit.testing.execution import Execution

__all__ = ["FORMAT", "CoverageRecorder", "Ratio", "WorkflowCoverage"]

FORMAT = "conductor-testkit coverage 1"


class Ratio(NamedTuple):
    """(covered, total), with a percentage (100 for nothing to cover)."""

    covered: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 if self.total == 0 else 100.0 * self.covered / self.total

    def __str__(self) -> str:
        return f"{self.covered}/{self.total} {_percent(self.percent)}"


def _percent(value: float) -> str:
    # never round up to 100%: 199/200 is 99%, not 100%
    whole = int(value) if value < 100 else 100
    return f"{whole}%"


Visitor = Callable[["WorkflowCoverage", Execution], None]


class WorkflowCoverage:
    """The cells of one workflow (name and version) and the tests that reached each."""

    def __init__(self, model: WorkflowModel) -> None:
        self.model = model
        self.name = model.name
        self.version = model.version
        self.cells: List[Cell] = list(model.cells)
        self._known: Set[Cell] = set(self.cells)
        #: cell -> the tests that reached it ("" for runs outside a test)
        self.reached: Dict[Cell, Set[str]] = {}
        self.runs = 0

    @property
    def title(self) -> str:
        return f"{self.name} v{self.version}"

    def add(self, cells: Iterable[Cell], *tests: str) -> None:
        """Note cells reached by ``tests`` (cells the definition did not list are added, as reached)."""
        for cell in cells:
            if cell not in self._known:
                self._known.add(cell)
                self.cells.append(cell)
            self.reached.setdefault(cell, set()).update(tests)

    def is_covered(self, cell: Cell) -> bool:
        return cell in self.reached

    def of(self, dimension: str) -> List[Cell]:
        """The cells counted under ``dimension``: ``"tasks"``, ``"branches"`` or ``"outcomes"``."""
        kinds = DIMENSIONS[dimension]
        return [cell for cell in self.cells if cell.kind in kinds]

    def ratio(self, dimension: str) -> Ratio:
        cells = self.of(dimension)
        return Ratio(sum(1 for c in cells if c in self.reached), len(cells))

    def missing(self, dimension: str) -> List[Cell]:
        """The cells of ``dimension`` no run reached, in definition order."""
        return [cell for cell in self.of(dimension) if cell not in self.reached]

    def tests_of(self, cell: Cell) -> List[str]:
        return sorted(t for t in self.reached.get(cell, ()) if t)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "runs": self.runs,
            "summary": {dimension: list(self.ratio(dimension)) for dimension in DIMENSIONS},
            "definition": self.model.definition,
            "cells": [
                {
                    "id": cell.id,
                    "kind": cell.kind,
                    "node": cell.node,
                    "key": cell.key,
                    "detail": cell.detail,
                    "label": cell.label,
                    "covered": cell in self.reached,
                    "tests": sorted(self.reached.get(cell, ())),
                }
                for cell in self.cells
            ],
        }

    def merge_dict(self, data: Mapping[str, Any]) -> None:
        """Add what another process recorded of this workflow (its :meth:`to_dict`)."""
        self.runs += int(data.get("runs") or 0)
        for item in data.get("cells") or []:
            cell = Cell.from_id(str(item["id"]), str(item.get("detail") or ""))
            if item.get("covered"):
                self.add([cell], *(item.get("tests") or [""]))
            elif cell not in self._known:
                self._known.add(cell)
                self.cells.append(cell)

    def __repr__(self) -> str:
        return (
            f"WorkflowCoverage({self.title!r}, runs={self.runs}, branches={self.ratio('branches')}, "
            f"outcomes={self.ratio('outcomes')})"
        )


class CoverageRecorder:
    """Coverage of every workflow the recorded runs touched, keyed by (name, version)."""

    def __init__(self) -> None:
        self.workflows: Dict[Tuple[str, int], WorkflowCoverage] = {}
        self._seen: Set[Tuple[str, str]] = set()

    def observer(self, test: str = "") -> Callable[[Execution], None]:
        """A callback for ``Harness(observers=[...])`` recording each execution under ``test``."""

        def observe(execution: Execution) -> None:
            self.record(execution, test)

        return observe

    def record(
        self, execution: Execution, test: str = "", visit: Optional[Visitor] = None
    ) -> Set[Tuple[Tuple[str, int], Cell]]:
        """Record one execution, its sub-workflows and its failure workflow (as far as the backend
        that ran it can read them); returns the (workflow key, cell) pairs this run reached.
        ``visit`` is called with each workflow's coverage entry and execution on the way."""
        reached: Set[Tuple[Tuple[str, int], Cell]] = set()
        self._record(execution, test, set(), reached, visit)
        return reached

    def _record(
        self,
        execution: Execution,
        test: str,
        visited: Set[str],
        reached: Set[Tuple[Tuple[str, int], Cell]],
        visit: Optional[Visitor],
    ) -> None:
        workflow = execution.workflow
        workflow_id = execution.workflow_id
        if workflow_id in visited:
            return
        visited.add(workflow_id)
        coverage = self.workflow_of(workflow)
        if coverage is None:
            return
        if (test, workflow_id) not in self._seen:  # a continuation of a run is the same run
            self._seen.add((test, workflow_id))
            coverage.runs += 1
        cells = cells_reached(workflow, coverage.model)
        coverage.add(cells, test)
        key = coverage.model.key
        reached.update((key, cell) for cell in cells)
        if visit is not None:
            visit(coverage, execution)
        for related in _related_executions(execution):
            self._record(related, test, visited, reached, visit)

    def workflow_of(self, workflow: Mapping[str, Any]) -> Optional[WorkflowCoverage]:
        """The coverage entry of a run's workflow (created from its ``workflowDefinition``)."""
        definition = workflow.get("workflowDefinition")
        if not isinstance(definition, Mapping) or not definition.get("name"):
            return None
        key = (str(definition["name"]), int(definition.get("version") or 1))
        if key not in self.workflows:
            self.workflows[key] = WorkflowCoverage(WorkflowModel(definition))
        return self.workflows[key]

    def add_definition(self, workflow: Any) -> WorkflowCoverage:
        """Track a workflow no run has touched yet (all its cells count as missing)."""
        model = WorkflowModel(workflow)
        return self.workflows.setdefault(model.key, WorkflowCoverage(model))

    def sorted(self) -> List[WorkflowCoverage]:
        return [self.workflows[key] for key in sorted(self.workflows)]

    def ratio(self, dimension: str) -> Ratio:
        """Over every workflow: cells of ``dimension`` reached / cells of ``dimension``."""
        covered = total = 0
        for coverage in self.workflows.values():
            part = coverage.ratio(dimension)
            covered, total = covered + part.covered, total + part.total
        return Ratio(covered, total)

    def missing(self, dimension: str) -> List[Tuple[WorkflowCoverage, Cell]]:
        return [(coverage, cell) for coverage in self.sorted() for cell in coverage.missing(dimension)]

    def absorb(self, other: CoverageRecorder) -> None:
        """Add what another recorder of this process recorded."""
        for key, theirs in other.workflows.items():
            mine = self.workflows.setdefault(key, WorkflowCoverage(theirs.model))
            mine.runs += theirs.runs
            for cell, tests in theirs.reached.items():
                mine.add([cell], *tests)

    def to_dict(self) -> Dict[str, Any]:
        """The JSON report (and what pytest-xdist workers hand to the controller)."""
        return {
            "format": FORMAT,
            "summary": {dimension: list(self.ratio(dimension)) for dimension in DIMENSIONS},
            "workflows": [coverage.to_dict() for coverage in self.sorted()],
        }

    def merge(self, data: Mapping[str, Any]) -> None:
        """Add another recorder's :meth:`to_dict`."""
        if data.get("format") != FORMAT:
            raise ConductorError(
                f"coverage data: expected format {FORMAT!r}, received {data.get('format')!r}"
            )
        for item in data.get("workflows") or []:
            definition = dict(item.get("definition") or {})
            definition.setdefault("name", item["name"])
            definition.setdefault("version", item["version"])
            definition.setdefault("tasks", [])
            key = (str(item["name"]), int(item["version"]))
            if key not in self.workflows:
                self.workflows[key] = WorkflowCoverage(WorkflowModel(definition))
            self.workflows[key].merge_dict(item)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CoverageRecorder:
        recorder = cls()
        recorder.merge(data)
        return recorder

    def __repr__(self) -> str:
        return (
            f"CoverageRecorder(workflows={len(self.workflows)}, tasks={self.ratio('tasks')}, "
            f"branches={self.ratio('branches')}, outcomes={self.ratio('outcomes')})"
        )


def _related_executions(execution: Execution) -> List[Execution]:
    """The sub-workflows every SUB_WORKFLOW attempt started and the failure workflow, read
    through the backend that ran ``execution`` (none for an execution not connected to one)."""
    if not execution.connected:
        return []
    ids: List[str] = []
    for task in execution.workflow.get("tasks") or []:
        child = task.get("subWorkflowId") or (task.get("outputData") or {}).get("subWorkflowId")
        if task.get("taskType") == "SUB_WORKFLOW" and child:
            ids.append(str(child))
    if execution.failure_workflow_id:
        ids.append(execution.failure_workflow_id)
    out = []
    for workflow_id in dict.fromkeys(ids):
        try:
            out.append(execution.related(workflow_id))
        except ConductorError:  # gone from the backend (archived, removed): nothing to add
            continue
    return out
