"""Every example's test file passes against the real server, on the remote and the live backend.

Each backend runs the example test files in one pytest subprocess, as a user would
(``pytest examples/<name> --conductor-backend=... --conductor-server-url=...``); the JUnit report
says which tests passed, so a file whose tests were all skipped would show. On the live backend
WAITs are shortened to a second (``--conductor-live-max-wait=1``) to keep the run short.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path
from typing import Dict, List

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [
    "booking_saga",
    "loan_approval",
    "expense_review",
    "catalog_import",
    "customer_onboarding",
    "invoicing",
]
BACKEND_OPTIONS: Dict[str, List[str]] = {
    "remote": [],
    "live": ["--conductor-live-max-wait=1"],
    "both": [],
}


def outcomes(junit: Path) -> Dict[str, Counter]:
    """Example name -> how many of its tests passed, failed, were skipped."""
    out: Dict[str, Counter] = {name: Counter() for name in EXAMPLES}
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        example = str(case.get("classname")).split(".")[1]
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        out[example][kinds[0] if kinds else "passed"] += 1
    return out


def test_every_example_passes_on_the_remote_live_and_both_backends(
    conductor_server_url: str, tmp_path: Path
) -> None:
    # one subprocess per backend, side by side: the suite waits for the slower one only
    runs = {
        backend: (
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    *(f"examples/{name}" for name in EXAMPLES),
                    f"--conductor-backend={backend}",
                    f"--conductor-server-url={conductor_server_url}",
                    *options,
                    f"--junitxml={tmp_path / backend}.xml",
                    "-q",
                    "-p",
                    "no:cacheprovider",
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
        for backend, options in BACKEND_OPTIONS.items()
    }
    problems = []
    for backend, process in runs.items():
        output, _ = process.communicate(timeout=900)
        if process.returncode != 0:
            problems.append(f"--conductor-backend={backend} exited {process.returncode}:\n{output[-6000:]}")
            continue
        counts = outcomes(tmp_path / f"{backend}.xml")
        if any(not count["passed"] or count["failure"] or count["error"] for count in counts.values()):
            problems.append(f"--conductor-backend={backend}: {counts}")
    assert problems == [], "\n\n".join(problems)
