"""The cases :func:`~conductor_testkit.testing.explore.explore` finds, kept as regression tests.

``Exploration.write_cases(folder)`` writes, for workflow ``orders``::

    folder/test_orders_explored.py      # a pytest module replaying every case
    folder/orders_explored/definitions.json
    folder/orders_explored/case_001.json ...

Each case holds the input and the exact mocks of one run, the cells it reached first, its final
status and its path. Replayed through the ``conductor`` fixture, it fails when the run no longer
ends the same way, takes another path, or no longer reaches its cells. A case replays on every
backend, except where ``local_only`` says why not: the server's test endpoint does not drive a
failure workflow, and it evaluates a fork's JOIN while the retry of a failed forked task is still
being scheduled, so such a run ends one way or another there.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, List, Mapping, Tuple, Union

from conductor_testkit.testing.scenario import Scenario

__all__ = ["ALL_BACKENDS", "ExploredCase", "load_cases", "write_cases"]

ALL_BACKENDS = ("local", "remote", "live", "both")

_MODULE = '''"""Regression cases of workflow {name!r}, found by conductor_testkit.testing.explore.

Each case is the input and the mocks of one run that reached branches or outcomes the earlier
cases did not. The replay fails when the run ends differently, takes another path, or no longer
reaches them. Explore again to refresh them.
"""

import pytest

from conductor_testkit.testing.explored_cases import load_cases

CASES = load_cases(__file__, {folder!r})


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(case, id=case.name, marks=[pytest.mark.conductor_backend(*case.backends)])
        for case in CASES
    ],
)
def test_explored_case(conductor, case):
    case.replay(conductor)
'''


@dataclass
class ExploredCase:
    """One replayable run: its scenario, the cells it reached first, its status and its path."""

    name: str
    cells: List[str]
    scenario: Scenario
    status: str
    path: List[str]
    #: the backends the case replays on (``ALL_BACKENDS`` unless ``local_only`` says why not)
    backends: Tuple[str, ...] = ()
    #: why the case replays on the local and live backends only ("" when it replays everywhere)
    local_only: str = ""
    #: the workflow and what it needs registered (set when the cases are loaded)
    definition: Dict[str, Any] = field(default_factory=dict)
    register: Tuple[Dict[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if not self.backends:
            self.backends = ("local", "live") if self.local_only else ALL_BACKENDS

    def to_dict(self) -> Dict[str, Any]:
        data: Dict[str, Any] = {
            "name": self.name,
            "cells": self.cells,
            "status": self.status,
            "path": self.path,
            **self.scenario.to_dict(),
        }
        if self.local_only:
            data["local_only"] = self.local_only
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExploredCase:
        return cls(
            name=str(data["name"]),
            cells=list(data.get("cells") or []),
            scenario=Scenario.from_dict(data),
            status=str(data["status"]),
            path=list(data.get("path") or []),
            local_only=str(data.get("local_only") or ""),
        )

    def replay(self, harness: Any) -> Any:
        """Run the case on ``harness`` (the ``conductor`` fixture) and check it: status, path and
        cells. Returns the execution."""
        __tracebackhide__ = True
        from conductor_testkit.testing.coverage import CoverageRecorder

        if self.register:
            harness.register(*self.register)
        scenario = self.scenario
        strictness = replace(
            harness.strictness, missing_inputs="off"
        )  # a reduced input lacks fields on purpose
        execution = harness.run(
            self.definition,
            scenario.input,
            scenario.mocks,
            sub_workflow_mocks=scenario.sub_workflow_mocks or None,
            failure_workflow_mocks=scenario.failure_workflow_mocks,
            strict=strictness,
        )
        execution.assert_status(self.status)
        execution.assert_path(*self.path)
        recorder = CoverageRecorder()
        recorder.record(execution)
        reached = {
            f"{coverage.title}: {cell.label}"
            for coverage in recorder.workflows.values()
            for cell in coverage.reached
        }
        lost = [cell for cell in self.cells if cell not in reached]
        if lost:
            raise AssertionError(
                execution.describe_failure(f"case {self.name}: the run no longer reaches {', '.join(lost)}")
            )
        return execution


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_") or "workflow"


def write_cases(
    folder: Path,
    workflow: str,
    definition: Mapping[str, Any],
    register: List[Dict[str, Any]],
    cases: List[ExploredCase],
) -> List[Path]:
    """Write ``cases`` of ``workflow`` and the pytest module replaying them into ``folder``."""
    slug = _slug(workflow)
    data_dir = folder / f"{slug}_explored"
    data_dir.mkdir(parents=True, exist_ok=True)
    for old in data_dir.glob("case_*.json"):
        old.unlink()
    written = [data_dir / "definitions.json"]
    written[0].write_text(_dumps({"workflow": definition, "register": register}))
    for case in cases:
        target = data_dir / f"{case.name}.json"
        target.write_text(_dumps(case.to_dict()))
        written.append(target)
    module = folder / f"test_{slug}_explored.py"
    module.write_text(_MODULE.format(name=workflow, folder=data_dir.name))
    written.append(module)
    return written


def load_cases(test_file: Union[str, Path], folder: str) -> List[ExploredCase]:
    """The cases written beside ``test_file`` in ``folder`` (what the written pytest module calls)."""
    data_dir = Path(test_file).parent / folder
    definitions = json.loads((data_dir / "definitions.json").read_text())
    cases = []
    for path in sorted(data_dir.glob("case_*.json")):
        case = ExploredCase.from_dict(json.loads(path.read_text()))
        case.definition = definitions["workflow"]
        case.register = tuple(definitions.get("register") or ())
        cases.append(case)
    return cases


def _dumps(value: Any) -> str:
    return json.dumps(value, indent=1, sort_keys=True) + "\n"
