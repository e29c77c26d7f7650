"""Scenario cases (``cases/<name>.json``) and their goldens (``golden/<name>.json``).

A golden is ``{"serverVersion": "3.32.1", "observations": [{"label", "status", "body"}, ...]}``:
what the real server answered at each observed step, with the definitions it echoes
(``workflowDefinition``, ``workflowTask``, ``taskDefinition``) left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

from .. import casefiles
from .scenario import Observation

HERE = Path(__file__).resolve().parent
CASES_DIR = HERE / "cases"
GOLDEN_DIR = HERE / "golden"
_ECHOES = frozenset({"workflowDefinition", "workflowTask", "taskDefinition"})

Json = Dict[str, Any]


_DIRECTORY = casefiles.CaseDirectory(HERE)
case_names = _DIRECTORY.case_names
golden_names = _DIRECTORY.golden_names
load_case = _DIRECTORY.load_case
load_golden = _DIRECTORY.load_golden


def golden_observations(name: str) -> List[Observation]:
    return [Observation(o["label"], o["status"], o["body"]) for o in load_golden(name)["observations"]]


def _without_echoes(value: Any) -> Any:
    if isinstance(value, dict):
        # only a workflow's or a task's own copies of definitions; data that holds definitions
        # (a dynamic fork's forkedTaskDefs) stays
        echo = ("workflowId" in value and "workflowName" in value) or (
            "taskId" in value and "taskType" in value
        )
        return {k: _without_echoes(v) for k, v in value.items() if not (echo and k in _ECHOES)}
    if isinstance(value, list):
        return [_without_echoes(v) for v in value]
    return value


def write_golden(name: str, server_version: str, observations: List[Observation]) -> Path:
    body = {
        "observations": [
            {"label": o.label, "status": o.status, "body": _without_echoes(o.body)} for o in observations
        ]
    }
    return casefiles.dump_golden(GOLDEN_DIR / f"{name}.json", server_version, body)
