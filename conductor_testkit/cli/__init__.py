"""The ``conductor-testkit`` command: run or validate a workflow definition file offline.

::

    conductor-testkit run WORKFLOW.json [--input JSON] [--mocks MOCKS.json]
    conductor-testkit validate WORKFLOW.json
    conductor-testkit server fetch|run|version [--port N]
    conductor-testkit capture|replay|diff ...      (see conductor_testkit.cli.cases)

``run`` registers the definition on a fresh in-memory engine and runs it the way the server's
test endpoint (``POST /workflow/test``) does: each task reference in the mocks file gets its
mocked attempts, ``{"ref": [{"status": "COMPLETED", "output": {...}}, ...]}``, one per attempt;
system tasks (INLINE, SWITCH, JSON_JQ_TRANSFORM, ...) really run. It prints the status, the output
and the tasks in the order they were scheduled, and exits 1 unless the workflow COMPLETED.

``validate`` uses the DSL's checks (:func:`conductor_testkit.workflow.find_problems`, what
``ConductorWorkflow.from_dict(d).validate()`` runs) rather than the engine's copy of the server's
bean validation: they report every problem with its workflow, task reference and field, also
catch what the server accepts but then runs wrongly (a FORK without its JOIN, a JOIN waiting on a
task outside its fork, an expression naming a missing task), and need no engine.

Exit codes: 0 success; 1 the workflow did not complete, or ``validate`` found problems, or the
engine refused the run as the server would; 2 a usage error (a file that cannot be read, JSON
that does not parse or has the wrong shape, a definition or mocks the server would reject); 3 an
internal error of conductor-testkit (reported on one line, to be reported to us). Errors are one
line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Dict, List, Mapping, Optional, TextIO

from conductor_testkit.errors import ConductorError

PROG = "conductor-testkit"


class UsageError(ConductorError, ValueError):
    """A command-line argument or input file is unusable; the message says which and why."""


def _read_json_file(path: str, what: str) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise UsageError(f"{what} {path!r} cannot be read: {exc.strerror or exc}") from None
    return _parse_json(text, f"{what} {path!r}")


def _parse_json(text: str, what: str) -> Any:
    from conductor_testkit.models import jackson

    if text.count("[") + text.count("{") > 200:
        jackson.ensure_recursion_headroom()  # any depth the server reads parses
    try:
        value = json.loads(text)
    except RecursionError:
        value = None  # deeper than the interpreter can go: deeper than the server reads too
    except ValueError as exc:
        raise UsageError(f"{what} is not valid JSON: {exc}") from None
    if value is None and text.strip() != "null" or jackson.nesting_depth_exceeds(value):
        limit = jackson.MAX_NESTING_DEPTH
        raise UsageError(f"{what} nests objects and arrays deeper than the {limit} levels the server reads")
    return value


_JSON_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean"}


def _require_object(value: Any, what: str, expected: str) -> Dict[str, Any]:
    if not isinstance(value, dict):
        kind = "null" if value is None else _JSON_KINDS.get(type(value), type(value).__name__)
        raise UsageError(f"{what} must be {expected}, received {kind}: {json.dumps(value)[:80]}")
    return value


def _load_definition(path: str) -> Dict[str, Any]:
    data = _read_json_file(path, "workflow file")
    return _require_object(data, f"workflow file {path!r}", "a workflow definition (a JSON object)")


_MOCKS_SHAPE = 'a JSON object {"task_ref": [{"status": "COMPLETED", "output": {...}}, ...]}'


# -- run ---------------------------------------------------------------------------------------


def _task_line(position: int, task: Mapping[str, Any]) -> str:
    # the wire taskType of a SIMPLE task is its definition name; the workflow task has the type
    kind = (task.get("workflowTask") or {}).get("type") or task.get("taskType")
    line = f"  {position}. {task.get('referenceTaskName')} ({kind}) {task.get('status')}"
    reason = task.get("reasonForIncompletion")
    return f"{line}: {reason}" if reason else line


def _print_run(workflow: Mapping[str, Any], out: TextIO) -> None:
    print(f"workflow {workflow.get('workflowName')!r} version {workflow.get('workflowVersion')}", file=out)
    print(f"status: {workflow.get('status')}", file=out)
    if workflow.get("reasonForIncompletion"):
        print(f"reason: {workflow['reasonForIncompletion']}", file=out)
    print(f"output: {json.dumps(workflow.get('output') or {})}", file=out)
    tasks: List[Mapping[str, Any]] = workflow.get("tasks") or []
    print(f"tasks ({len(tasks)}):", file=out)
    for position, task in enumerate(tasks, start=1):
        print(_task_line(position, task), file=out)
    if workflow.get("status") == "RUNNING":
        open_refs = [
            f"{t.get('referenceTaskName')} ({t.get('status')})"
            for t in tasks
            if t.get("status") in ("SCHEDULED", "IN_PROGRESS")
        ]
        print(
            f"the run stopped with open tasks: {', '.join(open_refs) or 'none'}; give each a mocked "
            "attempt in --mocks (a worker task needs one per attempt, retries included)",
            file=out,
        )


def _run(args: argparse.Namespace, out: TextIO) -> int:
    definition = _load_definition(args.workflow)
    workflow_input = _require_object(
        _parse_json(args.input, "--input"), "--input", "a JSON object of workflow inputs"
    )
    mocks: Dict[str, Any] = {}
    if args.mocks is not None:
        mocks = _require_object(
            _read_json_file(args.mocks, "mocks file"), f"mocks file {args.mocks!r}", _MOCKS_SHAPE
        )
    from conductor_testkit.engine import Engine  # the engine is loaded only to run

    engine = Engine()
    try:
        engine.register_workflow_def(definition)
        registered = Engine.read_workflow_def(definition)  # as the server read it (converted)
    except ConductorError as exc:
        raise UsageError(
            f"workflow file {args.workflow!r} is rejected as the server would reject it: {exc}; "
            f"`{PROG} validate {args.workflow}` lists every problem"
        ) from None
    request = {
        "name": registered["name"],
        "version": registered.get("version", 1),
        "input": workflow_input,
        "taskRefToMockOutput": mocks,
    }
    try:
        # read as the server reads a test request: the mocks' shape, and the path at fault
        request = engine.check_test_request(request)
    except ConductorError as exc:
        field = getattr(exc, "field", "")
        problem = f"{field}: {getattr(exc, 'message', exc)}" if field else str(exc)
        raise UsageError(
            f"mocks file {args.mocks!r}: {problem} (the server refuses such a test request); "
            f"expected {_MOCKS_SHAPE}"
        ) from None
    workflow = engine.test_workflow(request)
    _print_run(workflow, out)
    return 0 if workflow.get("status") == "COMPLETED" else 1


# -- validate ----------------------------------------------------------------------------------


def _validate(args: argparse.Namespace, out: TextIO) -> int:
    from conductor_testkit.workflow.validation import find_problems

    definition = _load_definition(args.workflow)
    name = definition.get("name") or "<unnamed>"
    problems = find_problems(definition)
    if not problems:
        print(f"workflow {name!r} is valid", file=out)
        return 0
    count = len(problems)
    print(f"workflow {name!r} has {count} problem{'s' if count != 1 else ''}:", file=out)
    for problem in problems:
        print(f"  - {problem}", file=out)
    return 1


# -- server ----------------------------------------------------------------------------------------


def _server(server_args: List[str]) -> int:
    from conductor_testkit.testing import server

    return server.main(server_args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Run and validate Conductor workflow definitions offline; fetch or run the real server.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    run = commands.add_parser(
        "run", help="run a workflow definition file on the in-memory engine with mocked tasks"
    )
    run.add_argument("workflow", metavar="WORKFLOW.json", help="a workflow definition (JSON)")
    run.add_argument("--input", default="{}", metavar="JSON", help="the workflow input, a JSON object")
    run.add_argument(
        "--mocks",
        metavar="MOCKS.json",
        help='mocked task attempts: {"task_ref": [{"status": "COMPLETED", "output": {...}}, ...]}',
    )
    run.set_defaults(handler=_run)

    validate = commands.add_parser("validate", help="list the problems of a workflow definition file")
    validate.add_argument("workflow", metavar="WORKFLOW.json", help="a workflow definition (JSON)")
    validate.set_defaults(handler=_validate)

    from conductor_testkit.cli.cases import add_commands

    add_commands(commands)

    # listed for --help only: main() hands `server ...` to the server's own parser
    commands.add_parser(
        "server", help="fetch or run the pinned real Conductor server (fetch | run [--port N] | version)"
    )
    return parser


def main(argv: Optional[List[str]] = None, out: Optional[TextIO] = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit code.

    Reports go to ``out`` (default stdout); usage errors to stderr, with exit code 2.
    """
    stream = out if out is not None else sys.stdout
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["server"]:
        return _server(arguments[1:])
    args = _parser().parse_args(arguments)
    try:
        return int(args.handler(args, stream))
    except UsageError as exc:
        _error(exc)
        return 2
    except ConductorError as exc:  # the engine refused the run (the server would answer 4xx/5xx)
        _error(exc)
        return 1
    except Exception as exc:  # a defect of ours: one line and its own exit code, no traceback
        _error(f"internal error ({type(exc).__name__}: {exc}); please report it with the input files")
        return INTERNAL_ERROR


INTERNAL_ERROR = 3


def _error(message: object) -> None:
    """One line on stderr, whatever the message holds."""
    print(f"{PROG}: error: {' '.join(str(message).split())}", file=sys.stderr)

