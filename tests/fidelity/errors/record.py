"""Record (or re-check) the real server's answers to the error corpus.

Usage (from the repository root)::

    .venv/bin/python -m tests.fidelity.errors.record --server http://127.0.0.1:18080/api
    .venv/bin/python -m tests.fidelity.errors.record --only start_priority_100 --check
    .venv/bin/python -m tests.fidelity.errors.record --memory     # memory:// against the goldens

``--check`` re-sends every case to the server and prints where it now answers differently from
``golden.json``; ``--memory`` does the same with a fresh in-memory engine per case.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Dict, List, Optional

import requests

if __package__ in (None, ""):  # run as a plain script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    __package__ = "tests.fidelity.errors"

from conductor_testkit.testing.server import CONDUCTOR_SERVER_VERSION

from .. import casefiles
from . import errorcases


def _parse(argv: Optional[List[str]]) -> argparse.Namespace:
    return casefiles.recorder_arguments(
        __doc__,
        argv,
        check_help="re-send to the server, diff against the goldens",
        local=("--memory", "send to memory://, diff against the goldens"),
    )


def main(argv: Optional[List[str]] = None) -> int:
    args = _parse(argv)
    if not args.memory and not args.server:
        print("no server: pass --server or set CONDUCTOR_SERVER_URL", file=sys.stderr)
        return 2
    cases = [c for c in errorcases.load_cases() if not args.only or c["name"] in args.only]
    goldens = errorcases.load_goldens()
    answers: Dict[str, Dict] = dict(goldens)
    differences = 0
    with requests.Session() as session:
        for case in cases:
            name = case["name"]
            if args.memory:
                answer = errorcases.run_case(case, errorcases.memory_sender(errorcases.fresh_router()))
            else:
                answer = errorcases.run_case(case, errorcases.server_sender(args.server, session))
            if args.check or args.memory:
                lines = errorcases.difference(goldens.get(name, {}), answer)
                differences += bool(lines)
                print(f"{name}: {'same' if not lines else 'DIFFERENT'}")
                for line in lines:
                    print(f"    {line}")
            else:
                answers[name] = answer
                print(f"{name}: {answer['status']} {str(answer.get('message', answer.get('body')))[:150]}")
    if not (args.check or args.memory):
        errorcases.write_goldens(CONDUCTOR_SERVER_VERSION, answers)
        return 0
    print(f"{differences} of {len(cases)} differ")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
