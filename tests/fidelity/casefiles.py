"""The fidelity cases and their golden files, and how to run a case on the server or the engine.

A case is ``cases/<name>.json``::

    {
      "description": "what the case shows",
      "request": {<WorkflowTestRequest JSON with an inline workflowDef>},
      "registerFirst": [{"taskDef": {...}} | {"workflowDef": {...}}, ...]   # optional
    }

Its golden is ``golden/<name>.json`` = ``{"serverVersion": "3.32.1", "workflow": <raw response>}``:
the real server's answer to ``POST /api/workflow/test`` with that request.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Type

import requests

from conductor_testkit.testing.server import ServerSession

HERE = Path(__file__).resolve().parent
CASES_DIR = HERE / "cases"
GOLDEN_DIR = HERE / "golden"
HTTP_TIMEOUT_SECONDS = 120.0


def json_names(directory: Path) -> List[str]:
    """The names (stems) of the ``.json`` files in ``directory``, sorted."""
    return sorted(p.stem for p in directory.glob("*.json"))


def read_json(path: Path) -> Dict[str, Any]:
    """A case or golden file as a dict."""
    with path.open(encoding="utf-8") as handle:
        content: Dict[str, Any] = json.load(handle)
    return content


def recorder_parser(
    description: Optional[str], check_help: Optional[str] = "diff against the goldens instead of writing them"
) -> argparse.ArgumentParser:
    """The options every recorder takes: ``--server``, ``--only NAME`` (repeatable) and, unless
    ``check_help`` is None, ``--check``."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--server",
        default=os.environ.get("CONDUCTOR_SERVER_URL"),
        help="API URL of the real server, e.g. http://127.0.0.1:18080/api (default: $CONDUCTOR_SERVER_URL)",
    )
    parser.add_argument(
        "--only", action="append", default=[], metavar="NAME", help="only this case (repeatable)"
    )
    if check_help is not None:
        parser.add_argument("--check", action="store_true", help=check_help)
    return parser


class CaseDirectory:
    """A suite's ``cases/`` and ``golden/`` folders under ``root``."""

    def __init__(self, root: Path) -> None:
        self.cases_dir = root / "cases"
        self.golden_dir = root / "golden"

    def case_names(self) -> List[str]:
        return json_names(self.cases_dir)

    def golden_names(self) -> List[str]:
        return json_names(self.golden_dir)

    def load_case(self, name: str) -> Dict[str, Any]:
        return read_json(self.cases_dir / f"{name}.json")

    def load_golden(self, name: str) -> Dict[str, Any]:
        return read_json(self.golden_dir / f"{name}.json")


def case_names() -> List[str]:
    """Every case name, sorted."""
    return json_names(CASES_DIR)


def select_cases(names: Sequence[str], only: Sequence[str]) -> Optional[List[str]]:
    """The case names a recorder's ``--only`` picks (all without it).

    None, after naming them on stderr, when ``only`` names cases that do not exist.
    """
    unknown = [n for n in only if n not in names]
    if unknown:
        print(f"unknown case(s): {', '.join(unknown)}", file=sys.stderr)
        return None
    return [n for n in names if n in only] if only else list(names)


def record_cases(
    args: argparse.Namespace,
    names: Sequence[str],
    record_one: Callable[[requests.Session, str, str], bool],
    errors: Tuple[Type[BaseException], ...] = (RuntimeError, requests.RequestException),
) -> int:
    """The loop of every recorder; its exit status.

    Checks ``--server``, picks the cases of ``--only`` among ``names`` and calls
    ``record_one(session, api_url, name)`` for each: False, or one of ``errors`` (printed), counts
    as a failure.
    """
    if not args.server:
        print("no server: pass --server or set CONDUCTOR_SERVER_URL", file=sys.stderr)
        return 2
    selected = select_cases(names, args.only)
    if selected is None:
        return 2
    failures = 0
    with ServerSession() as session:
        for name in selected:
            try:
                ok = record_one(session, args.server.rstrip("/"), name)
            except errors as exc:
                print(f"{name}: ERROR {exc}")
                ok = False
            failures += not ok
    return 1 if failures else 0


def print_difference(name: str, lines: Sequence[str]) -> bool:
    """Print whether case ``name`` came out the same as its golden, and every difference line."""
    print(f"{name}: {'same' if not lines else 'DIFFERENT'}")
    for line in lines:
        print(f"    {line}")
    return bool(lines)


def golden_names() -> List[str]:
    """Every recorded golden, sorted."""
    return json_names(GOLDEN_DIR)


def load_case(name: str) -> Dict[str, Any]:
    """The case file ``cases/<name>.json`` as a dict."""
    return read_json(CASES_DIR / f"{name}.json")


def load_golden(name: str) -> Dict[str, Any]:
    """The golden file ``golden/<name>.json`` as a dict (``serverVersion``, ``workflow``)."""
    return read_json(GOLDEN_DIR / f"{name}.json")


def write_golden(name: str, server_version: str, workflow: Dict[str, Any]) -> Path:
    """Store the server's answer for ``name``; returns the path written."""
    return dump_golden(GOLDEN_DIR / f"{name}.json", server_version, {"workflow": workflow})


def dump_golden(path: Path, server_version: str, body: Dict[str, Any]) -> Path:
    """Write ``{"serverVersion": ..., **body}`` as stable, sorted JSON (both suites' goldens)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"serverVersion": server_version, **body}
    path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def prerequisites(case: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The case's ``registerFirst`` entries, each ``{"taskDef": ...}`` or ``{"workflowDef": ...}``."""
    entries: List[Dict[str, Any]] = case.get("registerFirst") or []
    for entry in entries:
        if set(entry) not in ({"taskDef"}, {"workflowDef"}):
            raise ValueError(
                f"registerFirst entry must be {{'taskDef': ...}} or {{'workflowDef': ...}}, got {entry}"
            )
    return entries


def _check(response: requests.Response, what: str) -> None:
    if response.status_code >= 300:
        raise RuntimeError(f"{what} failed: HTTP {response.status_code}: {response.text[:2000]}")


def register_on_server(session: requests.Session, api_url: str, case: Dict[str, Any]) -> None:
    """Register the case's TaskDefs and WorkflowDefs on the server (create or overwrite)."""
    for entry in prerequisites(case):
        if "taskDef" in entry:
            response = session.post(
                f"{api_url}/metadata/taskdefs", json=[entry["taskDef"]], timeout=HTTP_TIMEOUT_SECONDS
            )
            _check(response, f"registering task definition {entry['taskDef'].get('name')!r}")
        else:
            response = session.put(
                f"{api_url}/metadata/workflow", json=[entry["workflowDef"]], timeout=HTTP_TIMEOUT_SECONDS
            )
            _check(response, f"registering workflow definition {entry['workflowDef'].get('name')!r}")


def run_on_server(session: requests.Session, api_url: str, case: Dict[str, Any]) -> Dict[str, Any]:
    """POST the case's request to the server's test endpoint; the Workflow JSON it returns.

    A run the endpoint left RUNNING (a task without a mock) is terminated afterwards: the server's
    sweeper would otherwise decide it again and again, slowing every later run.
    """
    response = session.post(f"{api_url}/workflow/test", json=case["request"], timeout=HTTP_TIMEOUT_SECONDS)
    _check(response, "POST /workflow/test")
    workflow: Dict[str, Any] = response.json()
    if workflow.get("status") in ("RUNNING", "PAUSED") and workflow.get("workflowId"):
        session.delete(
            f"{api_url}/workflow/{workflow['workflowId']}",
            params={"reason": "fidelity case done"},
            timeout=HTTP_TIMEOUT_SECONDS,
        )
    return workflow


def run_on_engine(case: Dict[str, Any]) -> Dict[str, Any]:
    """Run the case on a fresh in-memory engine (prerequisites registered first)."""
    from conductor_testkit.engine import Engine

    engine = Engine()
    for entry in prerequisites(case):
        if "taskDef" in entry:
            engine.register_task_def(copy.deepcopy(entry["taskDef"]))
        else:
            engine.register_workflow_def(copy.deepcopy(entry["workflowDef"]))
    # The engine, like the server, consumes the mock lists: never hand it the cached case.
    workflow: Dict[str, Any] = engine.test_workflow(copy.deepcopy(case["request"]))
    return workflow


def recorder_arguments(
    description: Optional[str], argv: Optional[List[str]], *, check_help: str, local: Sequence[str]
) -> argparse.Namespace:
    """The command line of a recording script: --server, --only, and --check or the local flag
    (``local``: its name and help, e.g. ``("--memory", "send to memory://, ...")``)."""
    parser = recorder_parser(description, check_help=None)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help=check_help)
    mode.add_argument(local[0], action="store_true", help=local[1])
    return parser.parse_args(argv)
