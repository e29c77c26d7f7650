"""``BranchCoverage``: which SWITCH branches and which tasks ran across many executions.

Feed it every :class:`Execution` of a property-based test and ask, at the end, which branches were
never taken::

    coverage = BranchCoverage(workflow)

    @given(inputs=switch_inputs(workflow))
    def test_routes(inputs):
        coverage.record(conductor.run(workflow, inputs, mocks))

    def test_every_branch_was_taken():
        coverage.assert_complete()
"""

from __future__ import annotations

from typing import Any, Dict, List, Set, Tuple

from conductor_testkit.engine import base_ref as _base_ref
from conductor_testkit.testing.definition import DEFAULT_CASE, walk_tasks, workflow_def_dict
from conductor_testkit.testing.execution import Execution

__all__ = ["DEFAULT_CASE", "BranchCoverage"]

_BRANCHING = frozenset({"SWITCH", "DECISION"})


class BranchCoverage:
    """Branches (SWITCH/DECISION cases, ``"<default>"`` for the default case) and tasks seen run.

    Args:
        workflow: the workflow whose branches are tracked (DSL, WorkflowDef or dict).
    """

    def __init__(self, workflow: Any) -> None:
        definition = workflow_def_dict(workflow)
        self.workflow_name = str(definition.get("name"))
        self.branches: Dict[str, List[str]] = {}
        self.tasks: List[str] = []
        for site in walk_tasks(list(definition.get("tasks") or [])):
            self.tasks.append(site.ref)
            if site.type in _BRANCHING:
                cases = [str(case) for case in (site.task.get("decisionCases") or {})]
                self.branches[site.ref] = [*cases, DEFAULT_CASE]
        self._taken: Dict[str, Set[str]] = {ref: set() for ref in self.branches}
        self._ran: Set[str] = set()
        self.executions = 0

    def record(self, execution: Execution) -> Execution:
        """Note the branches and tasks of one execution; returns it, so calls can be chained."""
        self.executions += 1
        for task in execution.workflow.get("tasks") or []:
            if task.get("status") == "SKIPPED":
                continue
            ref = _base_ref(str(task.get("referenceTaskName")))
            self._ran.add(ref)
            if ref in self.branches and task.get("taskType") in _BRANCHING:
                output = task.get("outputData") or {}
                selected = output.get("selectedCase")
                if selected is None:
                    cases = output.get("evaluationResult") or output.get("caseOutput") or []
                    selected = cases[0] if cases else None
                if selected is None:
                    continue
                key = str(selected)
                self._taken[ref].add(key if key in self.branches[ref][:-1] else DEFAULT_CASE)
        return execution

    def taken(self) -> Dict[str, Set[str]]:
        """SWITCH reference -> the branches taken so far."""
        return {ref: set(cases) for ref, cases in self._taken.items()}

    def missing_branches(self) -> List[Tuple[str, str]]:
        """(SWITCH reference, branch) pairs never taken, in definition order."""
        return [
            (ref, case)
            for ref, cases in self.branches.items()
            for case in cases
            if case not in self._taken[ref]
        ]

    def tasks_never_run(self) -> List[str]:
        """Reference names of the definition's tasks that no recorded execution ran."""
        return [ref for ref in self.tasks if ref not in self._ran]

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
        for ref, cases in self.branches.items():
            taken = [c for c in cases if c in self._taken[ref]]
            missed = [c for c in cases if c not in self._taken[ref]]
            line = f"  {ref}: taken {', '.join(taken) or '(none)'}"
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
