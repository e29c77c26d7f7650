"""Record (or re-check) the real server's observations of the REST scenarios.

Usage (from the repository root)::

    CONDUCTOR_SERVER_URL=http://127.0.0.1:18080/api .venv/bin/python -m tests.fidelity.scenarios.record
    .venv/bin/python -m tests.fidelity.scenarios.record --server URL --only NAME --check

Recording runs the scenario on the server and writes ``golden/<name>.json``; it also runs it on
the engine and says whether the engine agrees. ``--check`` compares a fresh server run with the
golden instead and writes nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

import requests

if __package__ in (None, ""):  # run as a plain script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    __package__ = "tests.fidelity.scenarios"

from conductor_testkit.testing.server import CONDUCTOR_SERVER_VERSION

from .. import casefiles as fidelity_casefiles
from . import casefiles
from .scenario import (
    EngineApi,
    ScenarioError,
    ServerApi,
    diff_observations,
    normalize_observations,
    run_scenario,
)


def _parse(argv: Optional[List[str]]) -> argparse.Namespace:
    return fidelity_casefiles.recorder_parser(__doc__).parse_args(argv)


def _record_one(session: requests.Session, api_url: str, name: str, check: bool) -> bool:
    case = casefiles.load_case(name)
    observed = run_scenario(ServerApi(session, api_url), case)
    if check:
        lines = diff_observations(
            normalize_observations(casefiles.golden_observations(name)),
            normalize_observations(observed),
        )
        return not fidelity_casefiles.print_difference(name, lines)
    path = casefiles.write_golden(name, CONDUCTOR_SERVER_VERSION, observed)
    print(f"{name}: {len(observed)} observation(s) -> {path.name}")
    try:
        engine_lines = diff_observations(
            normalize_observations(observed), normalize_observations(run_scenario(EngineApi(), case))
        )
    except ScenarioError as exc:
        engine_lines = [f"the engine could not run the scenario: {exc}"]
    for line in engine_lines:
        print(f"    engine differs: {line}")
    return True


def main(argv: Optional[List[str]] = None) -> int:
    args = _parse(argv)
    return fidelity_casefiles.record_cases(
        args,
        casefiles.case_names(),
        lambda session, api_url, name: _record_one(session, api_url, name, args.check),
        errors=(ScenarioError, requests.RequestException),
    )


if __name__ == "__main__":
    sys.exit(main())
