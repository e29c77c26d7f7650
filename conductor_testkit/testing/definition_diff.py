"""Definition diff: which captured executions would take another path under a new definition.

::

    from conductor_testkit.testing.case import load_cases
    from conductor_testkit.testing.definition_diff import diff_definition

    report = diff_definition(load_cases("tests/cases"), new_definition)
    print(report.describe())
    assert not report.affected

Each case of the definition's workflow is replayed (:func:`~conductor_testkit.testing.replay.replay`,
on a fresh engine unless told otherwise) with the new definition instead of the captured one and
compared with its record. Per case the report gives the divergences (path, statuses, output,
inputs, ...), the tasks it ran that the definition no longer has, the tasks new on its path (new in
the definition, or on a branch the captured run did not take), and the tasks the replay stopped
at for want of a mock (a new task, or a branch the captured run never took). For the definition as
a whole it lists the task references new in it and removed from it, against each captured version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from conductor_testkit.engine import base_ref
from conductor_testkit.errors import ConductorError
from conductor_testkit.testing.case import Case
from conductor_testkit.testing.definition import task_types_by_ref, workflow_def_dict
from conductor_testkit.testing.harness import Harness
from conductor_testkit.testing.replay import ReplayResult, replay

__all__ = ["CaseDiff", "DefinitionDiff", "diff_definition"]


@dataclass
class CaseDiff:
    """How one captured case fares under the new definition."""

    case: Case
    result: Optional[ReplayResult] = None
    #: references the captured run ran that the new definition no longer has
    removed: List[str] = field(default_factory=list)
    #: references the replay ran that the captured run did not (new tasks, or another branch)
    new_on_path: List[str] = field(default_factory=list)
    #: tasks the replay stopped at for want of a mock
    unmocked: List[str] = field(default_factory=list)
    #: the replay could not run (the message says why)
    error: Optional[str] = None

    @property
    def affected(self) -> bool:
        """Whether the case would not run as recorded under the new definition."""
        return self.error is not None or (self.result is not None and not self.result.ok)

    def describe(self) -> List[str]:
        recorded = self.case.recorded
        head = (
            f"{'AFFECTED' if self.affected else 'unchanged'} {self.case.name} "
            f"(recorded {recorded.status}: {' -> '.join(recorded.path) or '(nothing ran)'})"
        )
        lines = [head]
        if self.error is not None:
            lines.append(f"    the replay could not run: {self.error}")
        if self.removed:
            lines.append(f"    removed tasks it ran: {', '.join(self.removed)}")
        if self.new_on_path:
            lines.append(f"    tasks new on its path: {', '.join(self.new_on_path)}")
        if self.unmocked:
            lines.append(f"    unmocked (the replay stopped there): {', '.join(self.unmocked)}")
        if self.result is not None:
            # the tasks it stopped at are listed as unmocked above
            lines.extend(f"    - {d}" for d in self.result.divergences if d.kind != "blocked")
        return lines


@dataclass
class DefinitionDiff:
    """The replay of captured cases against one definition (see the module docstring)."""

    definition: Dict[str, Any]
    source: str
    cases: List[CaseDiff]
    #: captured (name, version) -> (references new in the definition, references removed from it)
    structure: Dict[Tuple[str, Any], Tuple[List[str], List[str]]] = field(default_factory=dict)
    #: cases of other workflows, left out
    skipped: List[str] = field(default_factory=list)

    @property
    def affected(self) -> List[CaseDiff]:
        return [c for c in self.cases if c.affected]

    @property
    def exit_code(self) -> int:
        """0 when every case runs as recorded, 1 when some would not (for CI)."""
        return 1 if self.affected else 0

    def describe(self) -> str:
        """The report as text: the definition, its structural changes, then each case."""
        name, version = self.definition.get("name"), self.definition.get("version")
        affected = len(self.affected)
        lines = [
            f"definition {name!r} version {version} ({self.source}) against {len(self.cases)} case(s): "
            f"{affected} affected, {len(self.cases) - affected} unchanged"
        ]
        for (_, captured_version), (new, removed) in sorted(self.structure.items(), key=str):
            lines.append(
                f"  compared with the captured version {captured_version}: "
                f"new tasks: {', '.join(new) or 'none'}; removed tasks: {', '.join(removed) or 'none'}"
            )
        for case_diff in self.cases:
            lines.extend("  " + line for line in case_diff.describe())
        if self.skipped:
            lines.append(f"  cases of other workflows, not replayed: {', '.join(self.skipped)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        name = self.definition.get("name")
        return f"DefinitionDiff({name!r}, cases={len(self.cases)}, affected={len(self.affected)})"


def _refs(definition: Mapping[str, Any]) -> List[str]:
    return list(task_types_by_ref(definition))


def _ran(path: Sequence[str]) -> List[str]:
    return list(dict.fromkeys(base_ref(ref) for ref in path))


def _diff_case(case: Case, definition: Dict[str, Any], harness: Harness) -> CaseDiff:
    captured_refs = set(_refs(case.definition))
    new_refs = set(_refs(definition))
    out = CaseDiff(case)
    out.removed = [ref for ref in _ran(case.recorded.path) if ref in captured_refs and ref not in new_refs]
    try:
        result = replay(case, harness, definition=definition)
    except ConductorError as exc:
        out.error = str(exc)
        return out
    out.result = result
    recorded = set(_ran(case.recorded.path))
    out.new_on_path = [ref for ref in _ran(result.execution.path(control_flow=True)) if ref not in recorded]
    out.unmocked = [b.reference_task_name for b in result.execution.blocked if b.reference_task_name]
    return out


def diff_definition(
    cases: Sequence[Case],
    definition: Any,
    *,
    source: str = "",
    harness_factory: Callable[[], Harness] = Harness,
) -> DefinitionDiff:
    """Replay ``cases`` against ``definition`` and report where they diverge.

    Args:
        cases: captured cases; those of other workflows (by name) are skipped.
        definition: the new definition (a DSL workflow, a WorkflowDef or a dict).
        source: where the definition comes from, for the report (a file, the server).
        harness_factory: makes the harness of each replay (default: a fresh in-memory engine).
    """
    new_definition = workflow_def_dict(definition)
    name = new_definition.get("name")
    report = DefinitionDiff(new_definition, source or "given definition", [])
    new_refs = _refs(new_definition)
    for case in cases:
        if case.workflow_name != name:
            report.skipped.append(case.name)
            continue
        key = (case.workflow_name, case.workflow_version)
        if key not in report.structure:
            captured_refs = _refs(case.definition)
            report.structure[key] = (
                [ref for ref in new_refs if ref not in captured_refs],
                [ref for ref in captured_refs if ref not in new_refs],
            )
        report.cases.append(_diff_case(case, new_definition, harness_factory()))
    return report
