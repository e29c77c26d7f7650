"""``BranchCoverage``: the SWITCH/DECISION cases and tasks one workflow's recorded runs reached.

The plugin records the coverage of every run by itself (``pytest --conductor-coverage``, see
:mod:`conductor_testkit.testing.coverage`); this class stays for tests that count one workflow's
branches by hand::

    coverage = BranchCoverage(workflow)
    coverage.record(run_workflow(workflow, inputs, mocks))
    coverage.assert_complete()
"""

from __future__ import annotations

from typing import Any, Dict, List, Set, Tuple

from conductor_testkit.testing.coverage.hits import cells_reached
from conductor_testkit.testing.coverage.model import (
    BRANCH,
    DEFAULT_CASE,
    SWITCHES,
    TASK,
    Cell,
    WorkflowModel,
)
from conductor_testkit.testing.execution import Execution

__all__ = ["DEFAULT_CASE", "BranchCoverage"]


class BranchCoverage:
    """Branches (SWITCH/DECISION cases, ``"<default>"`` for the default case) and tasks seen run.

    Args:
        workflow: the workflow whose branches are tracked (DSL, WorkflowDef or dict).
    """

    def __init__(self, workflow: Any) -> None:
        self._model = WorkflowModel(workflow)
        self.workflow_name = self._model.name
        self.tasks: List[str] = list(self._model.nodes)
        self.branches: Dict[str, List[str]] = {
            node.ref: [c.key for c in self._model.cells if c.kind == BRANCH and c.node == node.ref]
            for node in self._model.nodes.values()
            if node.type in SWITCHES
        }
        self._reached: Set[Cell] = set()
        self.executions = 0

    def record(self, execution: Execution) -> Execution:
        """Note the branches and tasks of one execution; returns it, so calls can be chained."""
        self.executions += 1
        self._reached |= cells_reached(execution.workflow, self._model)
        return execution

    def taken(self) -> Dict[str, Set[str]]:
        """SWITCH reference -> the branches taken so far."""
        return {
            ref: {case for case in cases if Cell(BRANCH, ref, case) in self._reached}
            for ref, cases in self.branches.items()
        }

    def missing_branches(self) -> List[Tuple[str, str]]:
        """(SWITCH reference, branch) pairs never taken, in definition order."""
        return [
            (ref, case)
            for ref, cases in self.branches.items()
            for case in cases
            if Cell(BRANCH, ref, case) not in self._reached
        ]

    def tasks_never_run(self) -> List[str]:
        """Reference names of the definition's tasks that no recorded execution ran."""
        return [ref for ref in self.tasks if Cell(TASK, ref, "") not in self._reached]

    @property
    def ratio(self) -> float:
        """Branches taken / branches (1.0 for a workflow without branches)."""
        total = sum(len(cases) for cases in self.branches.values())
        if total == 0:
            return 1.0
        return (total - len(self.missing_branches())) / total

    def report(self) -> str:
        """One line per SWITCH: the branches taken and missed."""
        lines = [
            f"branch coverage of {self.workflow_name!r} over {self.executions} execution(s): {self.ratio:.0%}"
        ]
        taken = self.taken()
        for ref, cases in self.branches.items():
            line = f"  {ref}: taken {', '.join(c for c in cases if c in taken[ref]) or '(none)'}"
            missed = [c for c in cases if c not in taken[ref]]
            if missed:
                line += f"; never taken {', '.join(missed)}"
            lines.append(line)
        return "\n".join(lines)

    def assert_complete(self, *, include_default: bool = True) -> None:
        """Fail unless every branch (and, with ``include_default``, every default) was taken."""
        __tracebackhide__ = True
        missing = [
            (ref, case) for ref, case in self.missing_branches() if include_default or case != DEFAULT_CASE
        ]
        if missing:
            raise AssertionError(
                "branches never taken: "
                + ", ".join(f"{ref}={case}" for ref, case in missing)
                + "\n"
                + self.report()
            )

    def __repr__(self) -> str:
        return f"BranchCoverage({self.workflow_name!r}, executions={self.executions}, ratio={self.ratio:.2f})"
