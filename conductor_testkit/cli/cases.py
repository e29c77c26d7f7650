"""The ``capture``, ``replay`` and ``diff`` commands of ``conductor-testkit``: from production to
regression test.

::

    conductor-testkit capture WORKFLOW_ID... --server URL [--out DIR] [--pytest] [--redact PATTERN]...
    conductor-testkit capture --workflow NAME --last N [--status S]... --server URL [--out DIR] [--pytest]
    conductor-testkit replay CASE_OR_DIR... [--backend local|remote] [--server URL]
    conductor-testkit diff CASE_OR_DIR... (--definition WORKFLOW.json | --server URL)

``capture`` writes one case file per execution (``<out>/<case name>.json``; with ``--workflow``,
one per distinct path among the last N executions) and, with ``--pytest``, a test module beside
it that replays it. ``replay`` replays cases and compares them with their records. ``diff``
replays cases against another definition (a file, or the latest version on the server) and
reports, per case, where the path, statuses or output diverge and which tasks are new, removed or
unmocked.

Exit codes: 0 every case replays as recorded; 1 some case does not (``replay``) or would not under
the new definition (``diff``); 2 a usage error, an unreadable case file, or a server that cannot
be reached or refuses a request.
"""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, TextIO

from conductor_testkit.errors import ApiError, ConductorConnectionError, ConductorError

__all__ = ["add_commands"]


class CommandError(ConductorError):
    """The command cannot go on (the message says why); exit code 2."""


def _server(args: argparse.Namespace, required: bool = True) -> Optional[str]:
    url = args.server or os.environ.get("CONDUCTOR_SERVER_URL")
    if required and not url:
        raise CommandError("no server: pass --server URL (the API root, e.g. http://localhost:8080/api)")
    return url


def _load_cases(locations: List[str]) -> List[Any]:
    from conductor_testkit.testing.case import CaseError, load_cases

    try:
        cases = load_cases(*locations)
    except CaseError as exc:
        raise CommandError(str(exc)) from None
    if not cases:
        raise CommandError(f"no case files in {', '.join(locations)}")
    return cases


def _test_module(case: Any, case_file: Path) -> str:
    ident = re.sub(r"\W+", "_", case.name).strip("_").lower() or "case"
    source = case.source
    workflow = f"{case.workflow_name!r} version {case.workflow_version}"
    return f'''"""Replays the execution {source.get("workflowId")} of workflow {workflow},
captured {case.captured_at} from Conductor {case.server.get("version")}.

Written by `conductor-testkit capture --pytest`. The case file beside this module holds the
definition, the input, every task attempt as a mock and what the execution did. The test fails
when a replay on the session's backend (--conductor-backend) takes another path, ends in other
statuses or produces another output.
"""

from pathlib import Path

from conductor_testkit.testing.case import Case
from conductor_testkit.testing.replay import replay

CASE = Path(__file__).with_name({json.dumps(case_file.name)})


def test_{ident}_replays_as_captured(conductor):
    replay(Case.load(CASE), conductor).assert_matches()
'''


def _capture(args: argparse.Namespace, out: TextIO) -> int:
    from conductor_testkit.testing.capture import capture, capture_recent

    url = _server(args)
    options: Dict[str, Any] = {"redact": args.redact, "default_redaction": not args.no_default_redaction}
    if args.workflow:
        if args.workflow_ids:
            raise CommandError("give execution ids or --workflow NAME, not both")
        cases = capture_recent(args.workflow, url, last=args.last, statuses=args.status, **options)
        print(
            f"{len(cases)} distinct path(s) among the last {args.last} execution(s) of {args.workflow!r}",
            file=out,
        )
    elif args.workflow_ids:
        if args.name and len(args.workflow_ids) > 1:
            raise CommandError("--name names one case: capture one execution with it")
        cases = [capture(workflow_id, url, name=args.name, **options) for workflow_id in args.workflow_ids]
    else:
        raise CommandError("give the execution ids to capture, or --workflow NAME --last N")
    directory = Path(args.out)
    for case in cases:
        file = case.save(directory / f"{case.name}.json")
        recorded = case.recorded
        print(
            f"captured {case.source.get('workflowId')} -> {file} "
            f"({recorded.status}: {' -> '.join(recorded.path) or 'nothing ran'}; "
            f"{case.redaction.get('redacted', 0)} value(s) redacted)",
            file=out,
        )
        if args.pytest:
            test_file = directory / f"test_{re.sub(r'[^A-Za-z0-9_]+', '_', case.name)}.py"
            test_file.write_text(_test_module(case, file), encoding="utf-8")
            print(f"wrote {test_file}", file=out)
    return 0


def _harness(args: argparse.Namespace) -> Any:
    from conductor_testkit.testing import Harness, RemoteBackend

    if args.backend == "remote":
        return Harness(RemoteBackend(_server(args)))
    return Harness()


def _replay(args: argparse.Namespace, out: TextIO) -> int:
    from conductor_testkit.testing.replay import replay

    mismatches = 0
    for case in _load_cases(args.cases):
        result = replay(case, _harness(args))
        mismatches += 0 if result.ok else 1
        print(result.describe(), file=out)
    return 1 if mismatches else 0


def _definitions(args: argparse.Namespace, cases: List[Any]) -> List[Any]:
    """(definition, source) pairs: the file, or the latest version of each workflow on the server."""
    if args.definition:
        try:
            data = json.loads(Path(args.definition).read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(
                f"workflow file {args.definition!r} cannot be read: {exc.strerror or exc}"
            ) from None
        except ValueError as exc:
            raise CommandError(f"workflow file {args.definition!r} is not valid JSON: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("tasks"), list):
            raise CommandError(f"workflow file {args.definition!r} is not a workflow definition (no tasks)")
        return [(data, f"file {args.definition}")]
    from conductor_testkit.client import Configuration, OrkesClients

    url = _server(args)
    metadata = OrkesClients(Configuration(server_api_url=url)).get_metadata_client()
    names = sorted({case.workflow_name for case in cases})
    return [(metadata.get_workflow_def(name).to_dict(), f"latest version on {url}") for name in names]


def _diff(args: argparse.Namespace, out: TextIO) -> int:
    from conductor_testkit.testing.definition_diff import diff_definition

    if bool(args.definition) == bool(args.server):
        raise CommandError(
            "give the new definition as --definition WORKFLOW.json, or --server URL for the latest versions"
        )
    cases = _load_cases(args.cases)
    exit_code = 0
    for definition, source in _definitions(args, cases):
        report = diff_definition(cases, definition, source=source)
        print(report.describe(), file=out)
        exit_code = max(exit_code, report.exit_code)
    return exit_code


def _guarded(handler: Any) -> Any:
    """Exit code 2, with the message on stderr, for what keeps a command from running at all."""

    def run(args: argparse.Namespace, out: TextIO) -> int:
        import sys

        try:
            return int(handler(args, out))
        except (CommandError, ConductorConnectionError, ApiError) as exc:
            print(f"conductor-testkit {args.command}: error: {exc}", file=sys.stderr)
            return 2

    return run


def add_commands(commands: Any) -> None:
    """Add ``capture``, ``replay`` and ``diff`` to the ``conductor-testkit`` sub-command parser."""
    capture = commands.add_parser(
        "capture", help="capture executions on a server as case files (and tests) that replay them"
    )
    capture.add_argument("workflow_ids", nargs="*", metavar="WORKFLOW_ID", help="executions to capture")
    capture.add_argument(
        "--server", metavar="URL", help="the server's API root; default $CONDUCTOR_SERVER_URL"
    )
    capture.add_argument("--workflow", metavar="NAME", help="capture the last executions of this workflow")
    capture.add_argument(
        "--last", type=int, default=20, metavar="N", help="with --workflow: how many (default 20)"
    )
    capture.add_argument(
        "--status",
        action="append",
        metavar="STATUS",
        help="with --workflow: only executions in this status (repeatable)",
    )
    capture.add_argument("--out", default=".", metavar="DIR", help="where the case files go (default .)")
    capture.add_argument("--name", help="the case's name (one execution)")
    capture.add_argument(
        "--pytest", action="store_true", help="also write a test module per case that replays it"
    )
    capture.add_argument(
        "--redact",
        action="append",
        default=[],
        metavar="PATTERN",
        help="also redact values under keys matching this glob (case-insensitive; repeatable)",
    )
    capture.add_argument(
        "--no-default-redaction", action="store_true", help="redact only the --redact patterns"
    )
    capture.set_defaults(handler=_guarded(_capture))

    replay = commands.add_parser("replay", help="replay case files and compare them with their records")
    replay.add_argument("cases", nargs="+", metavar="CASE_OR_DIR", help="case files, or directories of them")
    replay.add_argument(
        "--backend", choices=("local", "remote"), default="local", help="where to replay (default local)"
    )
    replay.add_argument(
        "--server", metavar="URL", help="the server of the remote backend; default $CONDUCTOR_SERVER_URL"
    )
    replay.set_defaults(handler=_guarded(_replay))

    diff = commands.add_parser(
        "diff", help="replay case files against another definition and report the cases it affects"
    )
    diff.add_argument("cases", nargs="+", metavar="CASE_OR_DIR", help="case files, or directories of them")
    diff.add_argument("--definition", metavar="WORKFLOW.json", help="the new definition")
    diff.add_argument(
        "--server", metavar="URL", help="diff against the latest version of each workflow on this server"
    )
    diff.set_defaults(handler=_guarded(_diff))
