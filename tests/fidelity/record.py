"""Record (or re-check) the real server's answers to the fidelity cases.

Usage (from the repository root)::

    CONDUCTOR_SERVER_URL=http://127.0.0.1:18080/api .venv/bin/python -m tests.fidelity.record
    .venv/bin/python -m tests.fidelity.record --server http://127.0.0.1:18080/api --only NAME --only NAME2
    .venv/bin/python -m tests.fidelity.record --check          # compare with the goldens, write nothing
    .venv/bin/python tests/fidelity/record.py ...              # same, as a plain script

For every case: register its ``registerFirst`` definitions, POST its request to
``/api/workflow/test`` and store ``golden/<name>.json`` (server version + raw response). With
``--check`` the answer is normalised and diffed against the existing golden instead, which is how
to find cases whose server result is not deterministic (run it a few times).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

import requests

if __package__ in (None, ""):  # run as a plain script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.fidelity import casefiles
else:
    from . import casefiles

from conductor_testkit.testing.compare import diff_workflows, normalize_workflow
from conductor_testkit.testing.server import CONDUCTOR_SERVER_VERSION


def _parse(argv: Optional[List[str]]) -> argparse.Namespace:
    return casefiles.recorder_parser(__doc__).parse_args(argv)


def _record_one(session: requests.Session, api_url: str, name: str, check: bool) -> bool:
    case = casefiles.load_case(name)
    casefiles.register_on_server(session, api_url, case)
    workflow = casefiles.run_on_server(session, api_url, case)
    if check:
        golden = casefiles.load_golden(name)
        lines = diff_workflows(normalize_workflow(golden["workflow"]), normalize_workflow(workflow))
        return not casefiles.print_difference(name, lines)
    path = casefiles.write_golden(name, CONDUCTOR_SERVER_VERSION, workflow)
    print(f"{name}: {workflow.get('status')} -> {path.name}")
    return True


def main(argv: Optional[List[str]] = None) -> int:
    args = _parse(argv)
    return casefiles.record_cases(
        args,
        casefiles.case_names(),
        lambda session, api_url, name: _record_one(session, api_url, name, args.check),
    )


if __name__ == "__main__":
    sys.exit(main())
