"""Write the generated corpus and record (or re-check) the real server's answers to it.

Usage (from the repository root)::

    .venv/bin/python -m tests.fidelity.generated.record --generate      # cases from the fixed seed
    CONDUCTOR_SERVER_URL=http://127.0.0.1:18080/api .venv/bin/python -m tests.fidelity.generated.record
    .venv/bin/python -m tests.fidelity.generated.record --server URL --only gen_0007 --check

``--generate`` replaces ``cases/gen_*.json`` with the corpus drawn from ``CORPUS_SEED`` (cases
saved by ``explore --save`` are kept). Recording runs every case ``--repeat`` times (default 3) on
the server and writes the golden only when the answers agree: a case the server answers in two
ways races with the server's background worker, and the strategy must not draw it. ``--check``
compares the server's answers with the goldens instead and writes nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

import requests

if __package__ in (None, ""):  # run as a plain script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    __package__ = "tests.fidelity.generated"

from conductor_testkit.testing.server import CONDUCTOR_SERVER_VERSION

from .. import casefiles
from . import corpus


def _parse(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = casefiles.recorder_parser(__doc__)
    parser.add_argument("--generate", action="store_true", help="(re)write cases/gen_*.json first")
    parser.add_argument("--repeat", type=int, default=3, help="server runs per case when recording")
    return parser.parse_args(argv)


def generate() -> int:
    """Replace the ``gen_*`` cases with the corpus drawn from the fixed seed; how many."""
    for stale in corpus.CASES_DIR.glob("gen_*.json"):
        stale.unlink()
    cases = corpus.draw_cases(corpus.CORPUS_SIZE, corpus.CORPUS_SEED)
    for index, case in enumerate(cases, start=1):
        name = corpus.case_file_name(index)
        case = corpus.rename(case, corpus.NAME_PREFIX + name.split("_", 1)[1])
        case["seed"] = corpus.CORPUS_SEED
        corpus.write_case(name, case)
    return len(cases)


def _record_one(session: requests.Session, api_url: str, name: str, repeat: int, check: bool) -> bool:
    """Record (or check) case ``name``; False when it failed."""
    case = corpus.load_case(name)
    first = casefiles.run_on_server(session, api_url, case)
    if check:
        lines = corpus.diff_run(corpus.load_golden(name)["workflow"], first)
        return not casefiles.print_difference(name, lines)
    for _ in range(repeat - 1):
        again = casefiles.run_on_server(session, api_url, case)
        lines = corpus.diff_run(first, again)
        if lines:
            print(f"{name}: UNSTABLE (the server answered in two ways)")
            for line in lines:
                print(f"    {line}")
            return False
    engine_lines = corpus.diff_run(first, corpus.run_on_engine(case))
    path = corpus.write_golden(name, CONDUCTOR_SERVER_VERSION, first)
    agreement = "engine agrees" if not engine_lines else f"engine differs in {len(engine_lines)} field(s)"
    print(f"{name}: {first.get('status')} -> {path.name} ({agreement})")
    return True


def main(argv: Optional[List[str]] = None) -> int:
    args = _parse(argv)
    if args.generate:
        print(f"generated {generate()} cases from seed {corpus.CORPUS_SEED}")
    if not args.server and args.generate:
        return 0
    return casefiles.record_cases(
        args,
        corpus.case_names(),
        lambda session, api_url, name: _record_one(session, api_url, name, max(args.repeat, 1), args.check),
    )


if __name__ == "__main__":
    sys.exit(main())
