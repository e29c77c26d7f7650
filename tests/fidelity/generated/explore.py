"""Long differential runs: draw cases with a random seed, run each on the engine and the server.

Usage (from the repository root)::

    CONDUCTOR_SERVER_URL=http://127.0.0.1:18080/api \
        .venv/bin/python -m tests.fidelity.generated.explore --examples 2000
    .venv/bin/python -m tests.fidelity.generated.explore --server URL --seed 42 --examples 500 --save

Prints the seed, then every disagreement (the case's description and the difference lines) as it
is found, and a summary. A disagreement is run on the server twice more: when the server answers
differently itself, the case races with the server's background worker (a gap in the strategy's
rules, not an engine bug) and is reported as such. ``--save`` writes each stable disagreement to
``cases/found_<seed>_<n>.json``; record it with ``record --only NAME``, then fix the engine or
list the case in ``quirks.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import requests

if __package__ in (None, ""):  # run as a plain script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    __package__ = "tests.fidelity.generated"

from conductor_testkit.testing.server import ServerSession

from .. import casefiles
from . import corpus

Json = Dict[str, Any]


def _parse(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server", default=os.environ.get("CONDUCTOR_SERVER_URL"), help="API URL")
    parser.add_argument("--examples", type=int, default=1000, help="cases to draw (default 1000)")
    parser.add_argument("--seed", type=int, default=None, help="seed (default: a random one)")
    parser.add_argument("--save", action="store_true", help="write disagreements to cases/found_*.json")
    return parser.parse_args(argv)


class _Explorer:
    def __init__(self, session: requests.Session, api_url: str, seed_value: int, save: bool) -> None:
        self.session = session
        self.api_url = api_url
        self.seed = seed_value
        self.save = save
        self.runs = 0
        self.disagreements = 0
        self.races = 0
        self.errors = 0

    def run(self, drawn: Json) -> None:
        self.runs += 1
        case = corpus.rename(drawn, f"{corpus.NAME_PREFIX}x{self.seed}_{self.runs}")
        try:
            server = casefiles.run_on_server(self.session, self.api_url, case)
        except (RuntimeError, requests.RequestException) as exc:
            self.errors += 1
            print(f"#{self.runs}: the server refused the case ({exc})")
            print(json.dumps(case["request"]))
            return
        lines = corpus.diff_run(server, corpus.run_on_engine(case))
        if not lines:
            return
        try:
            again = [
                corpus.diff_run(server, casefiles.run_on_server(self.session, self.api_url, case))
                for _ in range(2)
            ]
        except (RuntimeError, requests.RequestException) as exc:
            again = [[f"the server failed a re-run: {exc}"]]
        race = any(again)
        self.races += race
        self.disagreements += not race
        kind = "SERVER RACE (answers differ between runs)" if race else "DISAGREEMENT"
        print(f"#{self.runs} {kind}: {case['description']}")
        for line in lines:
            print(f"    {line}")
        if self.save and not race:
            name = f"found_{self.seed}_{self.runs}"
            corpus.write_case(name, dict(corpus.rename(drawn, corpus.NAME_PREFIX + name), seed=self.seed))
            print(f"    saved as cases/{name}.json")
        else:
            print("    " + json.dumps(case["request"]))


def main(argv: Optional[List[str]] = None) -> int:
    args = _parse(argv)
    if not args.server:
        print("no server: pass --server or set CONDUCTOR_SERVER_URL", file=sys.stderr)
        return 2
    seed_value = args.seed if args.seed is not None else random.randrange(2**31)
    print(f"seed {seed_value}, {args.examples} cases")
    started = time.monotonic()
    with ServerSession() as session:
        explorer = _Explorer(session, args.server.rstrip("/"), seed_value, args.save)
        corpus.draw_cases(args.examples, seed_value, explorer.run)
    print(
        f"{explorer.runs} cases in {time.monotonic() - started:.0f} s: {explorer.disagreements} "
        f"disagreement(s), {explorer.races} server race(s), {explorer.errors} refused"
    )
    return 1 if explorer.disagreements or explorer.errors else 0


if __name__ == "__main__":
    sys.exit(main())
