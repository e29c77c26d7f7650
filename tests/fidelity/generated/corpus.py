"""The generated fidelity corpus: drawing cases from the strategy, storing them, comparing runs.

``cases/gen_NNNN.json`` holds one case drawn by :func:`~.strategy.fidelity_cases` (the same
format as ``tests/fidelity/cases``: ``description`` and ``request``, plus the ``seed`` it was drawn
with); ``golden/gen_NNNN.json`` the real server's answer, trimmed of what only echoes the request
(the workflow's definition, each task's ``workflowTask``/``taskDefinition``): the comparison never
reads those, and the corpus stays small.

A run is compared with :func:`diff_run`: ``normalize_workflow`` of both sides plus each task's
retry timing (``callbackAfterSeconds``, ``startDelayInSeconds``), as the failure suite does.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from hypothesis import HealthCheck, Phase, given, seed, settings

from conductor_testkit.testing.compare import diff_workflows

from .. import casefiles
from ..failure.comparison import normalize_main
from .strategy import fidelity_cases

HERE = Path(__file__).resolve().parent
CASES_DIR = HERE / "cases"
GOLDEN_DIR = HERE / "golden"

# The seed and size of the corpus the suite replays; `record --generate` writes it.
CORPUS_SEED = 20_251_204
CORPUS_SIZE = 320
NAME_PREFIX = "fid_gen_"
PLACEHOLDER_NAME = "fid_gen_case"
_ECHO_FIELDS = ("workflowTask", "taskDefinition")

Json = Dict[str, Any]


def case_file_name(index: int) -> str:
    """``gen_0007`` for the 7th case of the corpus."""
    return f"gen_{index:04d}"


def rename(case: Json, workflow_name: str) -> Json:
    """``case`` with its workflow (and child workflow) names derived from ``workflow_name``."""
    text = json.dumps(case).replace(PLACEHOLDER_NAME, workflow_name)
    renamed: Json = json.loads(text)
    return renamed


def draw_cases(
    count: int,
    seed_value: Optional[int],
    on_case: Optional[Callable[[Json], None]] = None,
) -> List[Json]:
    """``count`` distinct cases drawn with Hypothesis (``seed_value`` None: a random seed).

    Generation only (no shrinking, no example database): the same seed and Hypothesis version
    draw the same cases. ``on_case`` sees each new case as it is drawn.
    """
    drawn: List[Json] = []
    seen: set = set()

    @settings(
        max_examples=count * 3,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    @given(fidelity_cases(PLACEHOLDER_NAME))
    def collect(case: Json) -> None:
        if len(drawn) >= count:
            return
        key = json.dumps(case, sort_keys=True)
        if key in seen:
            return
        seen.add(key)
        drawn.append(case)
        if on_case is not None:
            on_case(case)

    if seed_value is not None:
        collect = seed(seed_value)(collect)
    collect()
    return drawn


# ---------------------------------------------------------------------------------------------
# files


_DIRECTORY = casefiles.CaseDirectory(HERE)
case_names = _DIRECTORY.case_names
golden_names = _DIRECTORY.golden_names
load_case = _DIRECTORY.load_case
load_golden = _DIRECTORY.load_golden


def write_case(name: str, case: Json) -> Path:
    path = CASES_DIR / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(case, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def trim(workflow: Json) -> Json:
    """The server's answer without the parts that echo the request's definitions."""
    out = copy.deepcopy(workflow)
    out.pop("workflowDefinition", None)
    for task in out.get("tasks") or []:
        for field in _ECHO_FIELDS:
            task.pop(field, None)
    return out


def write_golden(name: str, server_version: str, workflow: Json) -> Path:
    return casefiles.dump_golden(GOLDEN_DIR / f"{name}.json", server_version, {"workflow": trim(workflow)})


# ---------------------------------------------------------------------------------------------
# comparing


def diff_run(expected: Json, actual: Json) -> List[str]:
    """Difference lines between two Workflow JSONs (the server's first), ``[]`` when equal."""
    return diff_workflows(normalize_main(expected), normalize_main(actual))


def run_on_engine(case: Json) -> Json:
    return casefiles.run_on_engine(case)
