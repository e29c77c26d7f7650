"""Record (or re-check) the real server's answers to the failure-handling fidelity cases.

Usage (from the repository root)::

    .venv/bin/python -m tests.fidelity.failure.record --server http://127.0.0.1:18080/api
    .venv/bin/python -m tests.fidelity.failure.record --only retry_exponential --check
    .venv/bin/python -m tests.fidelity.failure.record --engine      # diff the engine against the goldens

Like ``tests/fidelity/record.py`` (whose registration and test-endpoint helpers it reuses), plus:
the failure workflow named in the output is fetched and stored, and ``live`` cases run their steps
in real time (their sleeps add up to about 20 s). ``--check`` re-runs on the server and diffs
against the goldens (exactly for test-endpoint cases, by shape for live ones); ``--engine`` runs
the engine instead of the server and prints every difference (the report for the engine author).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path
from typing import List, Optional

if __package__ in (None, ""):  # run as a plain script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    __package__ = "tests.fidelity.failure"

from conductor_testkit.testing.server import CONDUCTOR_SERVER_VERSION, ServerSession

from .. import casefiles
from . import comparison, failcases


def _parse(argv: Optional[List[str]]) -> argparse.Namespace:
    return casefiles.recorder_arguments(
        __doc__,
        argv,
        check_help="re-run on the server, diff against the goldens",
        local=("--engine", "run on the engine, diff against the goldens"),
    )


def main(argv: Optional[List[str]] = None) -> int:
    args = _parse(argv)
    if not args.engine and not args.server:
        print("no server: pass --server or set CONDUCTOR_SERVER_URL", file=sys.stderr)
        return 2
    names = casefiles.select_cases(failcases.case_names(), args.only)
    if names is None:
        return 2
    api_url = (args.server or "").rstrip("/")
    failures = 0
    with ServerSession() as session:
        for name in names:
            case = failcases.load_case(name)
            try:
                if args.engine:
                    _, run = failcases.run_on_engine(case)
                else:
                    run = failcases.run_on_server(session, api_url, case)
            except Exception as exc:  # report every case, whatever breaks
                failures += 1
                print(f"{name}: ERROR {type(exc).__name__}: {exc}")
                if args.engine:
                    print("    " + traceback.format_exc().strip().splitlines()[-3].strip())
                continue
            if args.check or args.engine:
                lines = comparison.difference(failcases.case_kind(case), failcases.load_golden(name), run)
                failures += casefiles.print_difference(name, lines)
            else:
                path = failcases.write_golden(name, CONDUCTOR_SERVER_VERSION, run)
                extra = " (+failure workflow)" if run.get("failureWorkflow") else ""
                print(f"{name}: {run['workflow'].get('status')}{extra} -> {path.name}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
