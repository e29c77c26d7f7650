"""Malformed requests and definitions, generated, and the entry points they are sent to.

A generated input is a valid document (a workflow definition using every kind of task, a start
request, a workflow test request with mocks and sub-workflow requests, a task result, an event
handler) with one to three mutations at random places: a value of another JSON kind, null, a
removed key, a wrapped or unwrapped list, a text that is almost a number or a status, an input
nested hundreds of levels deep. Each entry point must answer with a ``ConductorError`` (the CLI:
an exit code and a one-line message; memory://: an error body that no Python exception made).

Run as a script to count, on the same generated inputs, how many raise anything else::

    .venv/bin/python tests/engine/_malformed.py --count 2000
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import logging
import random
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

if __name__ == "__main__":  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from conductor_testkit.errors import ConductorError

# -- valid documents ------------------------------------------------------------------------------


def _simple(ref: str, **extra: Any) -> Dict[str, Any]:
    return {
        "name": f"fz_{ref}",
        "taskReferenceName": ref,
        "type": "SIMPLE",
        "inputParameters": {"a": "${workflow.input.a}", "n": 1},
        **extra,
    }


def _tasks(rnd: random.Random) -> List[Dict[str, Any]]:
    """A task list using most task types (a random selection, in a random order)."""
    pool: List[List[Dict[str, Any]]] = [
        [_simple("s1", optional=rnd.random() < 0.3)],
        [
            {
                "name": "sw",
                "taskReferenceName": "sw",
                "type": "SWITCH",
                "evaluatorType": "value-param",
                "expression": "pick",
                "inputParameters": {"pick": "${workflow.input.pick}"},
                "decisionCases": {
                    "a": [_simple("sa")],
                    "t": [
                        {
                            "name": "te",
                            "taskReferenceName": "te",
                            "type": "TERMINATE",
                            "inputParameters": {"terminationStatus": "COMPLETED"},
                        }
                    ],
                },
                "defaultCase": [_simple("sd")],
            }
        ],
        [
            {
                "name": "sj",
                "taskReferenceName": "sj",
                "type": "SWITCH",
                "evaluatorType": "javascript",
                "expression": "$.v > 1 ? 'big' : 'small'",
                "inputParameters": {"v": "${workflow.input.n}"},
                "decisionCases": {"big": [_simple("sb")]},
            }
        ],
        [
            {
                "name": "fork",
                "taskReferenceName": "fork",
                "type": "FORK_JOIN",
                "forkTasks": [[_simple("f1")], [_simple("f2")]],
            },
            {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["f1", "f2"]},
        ],
        [
            {
                "name": "loop",
                "taskReferenceName": "loop",
                "type": "DO_WHILE",
                "loopCondition": "$.loop['iteration'] < 2",
                "loopOver": [_simple("body")],
            }
        ],
        [
            {
                "name": "inl",
                "taskReferenceName": "inl",
                "type": "INLINE",
                "inputParameters": {"evaluatorType": "graaljs", "expression": "$.x + 1", "x": 2},
            }
        ],
        [
            {
                "name": "jq",
                "taskReferenceName": "jq",
                "type": "JSON_JQ_TRANSFORM",
                "inputParameters": {"queryExpression": ".a", "a": "${workflow.input.a}"},
            }
        ],
        [{"name": "sv", "taskReferenceName": "sv", "type": "SET_VARIABLE", "inputParameters": {"k": 1}}],
        [{"name": "wt", "taskReferenceName": "wt", "type": "WAIT", "inputParameters": {"duration": "1 s"}}],
        [
            {
                "name": "sub",
                "taskReferenceName": "sub",
                "type": "SUB_WORKFLOW",
                "subWorkflowParam": {
                    "name": "fz_child",
                    "workflowDefinition": {"name": "fz_child", "tasks": [_simple("c1")]},
                },
            }
        ],
        [
            {
                "name": "dyn",
                "taskReferenceName": "dyn",
                "type": "DYNAMIC",
                "dynamicTaskNameParam": "tn",
                "inputParameters": {"tn": "fz_dynamic"},
            }
        ],
        [
            {
                "name": "df",
                "taskReferenceName": "df",
                "type": "FORK_JOIN_DYNAMIC",
                "inputParameters": {"forkTaskName": "fz_each", "forkTaskInputs": [{"i": 1}, {"i": 2}]},
            },
            {"name": "dj", "taskReferenceName": "dj", "type": "JOIN"},
        ],
        [{"name": "hm", "taskReferenceName": "hm", "type": "HUMAN"}],
        [{"name": "ev", "taskReferenceName": "ev", "type": "EVENT", "sink": "conductor:fz_queue"}],
        [{"name": "noop", "taskReferenceName": "noop", "type": "NOOP"}],
        [
            {
                "name": "http",
                "taskReferenceName": "http",
                "type": "HTTP",
                "inputParameters": {"http_request": {"uri": "http://localhost:1/x", "method": "GET"}},
            }
        ],
    ]
    chosen = rnd.sample(pool, rnd.randint(1, 5))
    return [task for group in chosen for task in group]


def _refs(tasks: List[Any]) -> List[str]:
    out: List[str] = []
    for task in tasks:
        if not isinstance(task, dict):
            continue
        if isinstance(task.get("taskReferenceName"), str):
            out.append(task["taskReferenceName"])
        for case in (
            (task.get("decisionCases") or {}).values() if isinstance(task.get("decisionCases"), dict) else []
        ):
            out.extend(_refs(case if isinstance(case, list) else []))
        for key in ("defaultCase", "loopOver"):
            if isinstance(task.get(key), list):
                out.extend(_refs(task[key]))
        for branch in task.get("forkTasks") or [] if isinstance(task.get("forkTasks"), list) else []:
            out.extend(_refs(branch if isinstance(branch, list) else []))
    return out


def valid_definition(rnd: random.Random) -> Dict[str, Any]:
    definition: Dict[str, Any] = {
        "name": "fz_workflow",
        "version": 1,
        "tasks": _tasks(rnd),
        "outputParameters": {"out": "${workflow.input.a}"},
        "schemaVersion": 2,
    }
    if rnd.random() < 0.3:
        definition["timeoutSeconds"] = 60
        definition["timeoutPolicy"] = "TIME_OUT_WF"
    return definition


def _mocks(rnd: random.Random, refs: List[str]) -> Dict[str, Any]:
    statuses = ["COMPLETED", "COMPLETED", "FAILED", "IN_PROGRESS", "FAILED_WITH_TERMINAL_ERROR"]
    return {
        ref: [
            {
                "status": rnd.choice(statuses),
                "output": {"v": rnd.randint(0, 3)},
                "executionTime": rnd.randint(0, 5),
            }
            for _ in range(rnd.randint(1, 2))
        ]
        for ref in refs
        if rnd.random() < 0.8
    }


def valid_test_request(rnd: random.Random) -> Dict[str, Any]:
    definition = valid_definition(rnd)
    request: Dict[str, Any] = {
        "name": definition["name"],
        "workflowDef": definition,
        "input": {"a": rnd.choice(["x", 1, None, [1, 2]]), "pick": rnd.choice(["a", "t", "z"]), "n": 2},
        "taskRefToMockOutput": _mocks(rnd, _refs(definition["tasks"]) + ["fz_dynamic", "_fz_each_0"]),
    }
    if any(task.get("type") == "SUB_WORKFLOW" for task in definition["tasks"]):
        request["subWorkflowTestRequest"] = {
            "sub": {"name": "fz_child", "taskRefToMockOutput": _mocks(rnd, ["c1"])}
        }
    return request


def valid_start_request(rnd: random.Random) -> Dict[str, Any]:
    request = valid_test_request(rnd)
    request.pop("taskRefToMockOutput")
    request.pop("subWorkflowTestRequest", None)
    request["correlationId"] = "c"
    request["priority"] = rnd.randint(0, 99)
    return request


def valid_task_result(rnd: random.Random) -> Dict[str, Any]:
    return {
        "taskId": "t",
        "workflowInstanceId": "w",
        "status": rnd.choice(["COMPLETED", "FAILED", "IN_PROGRESS"]),
        "outputData": {"v": 1},
        "callbackAfterSeconds": 0,
        "logs": [{"log": "x", "createdTime": 1}],
    }


def valid_event_handler(rnd: random.Random) -> Dict[str, Any]:
    return {
        "name": f"fz_handler_{rnd.randint(0, 9)}",
        "event": "conductor:fz_queue",
        "active": True,
        "actions": [
            {
                "action": "complete_task",
                "complete_task": {"workflowId": "w", "taskRefName": "t", "output": {}},
            }
        ],
    }


def valid_task_defs(rnd: random.Random) -> List[Dict[str, Any]]:
    return [
        {
            "name": "fz_simple_s1",
            "retryCount": rnd.randint(0, 3),
            "timeoutSeconds": 60,
            "responseTimeoutSeconds": 30,
        }
    ]


# -- mutations ------------------------------------------------------------------------------------

_ALMOST = [
    "",
    " ",
    "7",
    "7.5",
    "true",
    "null",
    "COMPLETED",
    "completed",
    "SCHEDULED",
    "SIMPLE",
    "FORK_JOIN",
    "${",
    "${}",
    "${workflow.input}",
    "${nope.output.x}",
    "$.x",
    "value-param",
    "javascript",
    "ALERT_ONLY",
    "-1",
    "99999999999",
]


def _nested(rnd: random.Random) -> Any:
    depth = rnd.choice([50, 450, 600, 999, 1200])
    value: Any = rnd.choice([1, "x", None])
    for _ in range(depth):
        value = [value] if rnd.random() < 0.5 else {"k": value}
    return value


def random_value(rnd: random.Random, depth: int = 0) -> Any:
    roll = rnd.random()
    if roll < 0.12:
        return None
    if roll < 0.22:
        return rnd.choice([True, False])
    if roll < 0.34:
        return rnd.choice([0, -1, 1, 2**31, -(2**31) - 1, 2**63, 10**30, rnd.randint(-1000, 1000)])
    if roll < 0.40:
        return rnd.choice([1.5, -0.5, 1e300, 0.0])
    if roll < 0.62:
        return rnd.choice(_ALMOST)
    if roll < 0.64:
        return _nested(rnd)
    if depth > 2:
        return "x"
    if roll < 0.82:
        return [random_value(rnd, depth + 1) for _ in range(rnd.randint(0, 3))]
    return {
        rnd.choice(["a", "name", "type", "status", "tasks", "output"]): random_value(rnd, depth + 1)
        for _ in range(rnd.randint(0, 3))
    }


def _containers(value: Any, path: Tuple[Any, ...] = ()) -> List[Tuple[Any, ...]]:
    """Every path to a container in ``value`` (the root included), stopping at deep nesting."""
    out = [path]
    if len(path) > 40:
        return out
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(item, (dict, list)):
            out.extend(_containers(item, (*path, key)))
    return out


def _at(value: Any, path: Tuple[Any, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


def mutate(rnd: random.Random, document: Any, times: int) -> Any:
    document = copy.deepcopy(document)
    for _ in range(times):
        if not isinstance(document, (dict, list)):
            return document
        paths = _containers(document)
        path = rnd.choice(paths)
        container = _at(document, path)
        keys = list(container.keys()) if isinstance(container, dict) else list(range(len(container)))
        operation = rnd.random()
        if not keys or operation < 0.08:
            if not path:
                document = random_value(rnd)
                continue
            _at(document, path[:-1])[path[-1]] = random_value(rnd)
            continue
        key = rnd.choice(keys)
        if operation < 0.2 and isinstance(container, dict):
            del container[key]
        elif operation < 0.3:
            container[key] = [container[key]] if rnd.random() < 0.5 else None
        elif operation < 0.38 and isinstance(container[key], list) and container[key]:
            container[key] = container[key][0]
        else:
            container[key] = random_value(rnd)
    return document


def malformed(rnd: random.Random, make: Callable[[random.Random], Any]) -> Any:
    return mutate(rnd, make(rnd), rnd.choice([1, 1, 2, 3]))


def dumps(document: Any) -> str:
    """JSON text of a generated document, however deep (the recursion limit is put back after)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))
    try:
        return json.dumps(document)
    finally:
        sys.setrecursionlimit(limit)


# -- entry points ---------------------------------------------------------------------------------


def _new_engine() -> Any:
    from conductor_testkit.engine import Engine

    return Engine()


def engine_test_workflow(document: Any) -> None:
    """``Engine.test_workflow`` as a test calls it (it checks the request first)."""
    _new_engine().test_workflow(document)


def engine_start_workflow(document: Any) -> None:
    _new_engine().start_workflow(document)


def engine_register_workflow_def(document: Any) -> None:
    _new_engine().register_workflow_def(document)


def dsl_from_dict_validate(document: Any) -> None:
    from conductor_testkit.workflow import ConductorWorkflow

    ConductorWorkflow.from_dict(document).validate()


class CliEscape(Exception):
    """The CLI printed a traceback or exited with an unexpected code."""


def cli(arguments: List[str], files: Dict[str, Any]) -> None:
    """``conductor-testkit`` with ``files`` written as JSON; a traceback or a wrong exit raises."""
    from conductor_testkit import cli as cli_module

    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for name, content in files.items():
            paths[name] = str(Path(folder) / f"{name}.json")
            Path(paths[name]).write_text(dumps(content), encoding="utf-8")
        argv = [paths.get(a, a) for a in arguments]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli_module.main(argv, out=out)
            except SystemExit as exc:  # argparse
                code = int(exc.code or 0)
            except BaseException as exc:  # an escape is what this reports
                raise CliEscape(f"{type(exc).__name__}: {exc}") from exc
        text = err.getvalue()
        if code not in (0, 1, 2) or "Traceback" in text or len(text.strip().splitlines()) > 1:
            raise CliEscape(f"exit {code}: {text[:300]}")


def cli_run(definition: Any, mocks: Any) -> None:
    cli(["run", "definition", "--mocks", "mocks"], {"definition": definition, "mocks": mocks})


def cli_validate(definition: Any) -> None:
    cli(["validate", "definition"], {"definition": definition})


class RouterEscape(Exception):
    """memory:// answered with a 500 made from a Python exception."""


class _Unexpected(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: List[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def memory_route(method: str, path: str, body: Optional[str]) -> int:
    """Send one request to a fresh memory:// router; raise :class:`RouterEscape` on a Python error."""
    from conductor_testkit.engine.rest import RestRequest, RestRouter

    router = RestRouter(_new_engine())
    watcher = _Unexpected()
    logger = logging.getLogger("conductor_testkit.engine.rest")
    logger.addHandler(watcher)
    propagate, logger.propagate = logger.propagate, False  # seen here, not printed
    try:
        response = router.handle(RestRequest(method, path, {}, body))
    finally:
        logger.removeHandler(watcher)
        logger.propagate = propagate
    if watcher.records:
        record = watcher.records[0]
        detail = (
            f"{record.exc_info[0].__name__}: {record.exc_info[1]}" if record.exc_info else record.getMessage()
        )
        raise RouterEscape(f"{method} {path} -> {response.status}: {detail}")
    return response.status


ROUTES: List[Tuple[str, str, Callable[[random.Random], Any]]] = [
    ("POST", "/metadata/workflow", valid_definition),
    ("POST", "/metadata/workflow/validate", valid_definition),
    ("PUT", "/metadata/workflow", lambda rnd: [valid_definition(rnd)]),
    ("POST", "/metadata/taskdefs", valid_task_defs),
    ("POST", "/workflow", valid_start_request),
    ("POST", "/workflow/test", valid_test_request),
    ("POST", "/tasks", valid_task_result),
    ("POST", "/event", valid_event_handler),
]


def malformed_route_request(rnd: random.Random) -> Tuple[str, str, str]:
    """A route of memory:// and a body for it: malformed JSON of its type, now and then not JSON."""
    method, path, make = rnd.choice(ROUTES)
    text = dumps(malformed(rnd, make))
    if rnd.random() < 0.1 and text:
        cut = rnd.randrange(len(text))
        text = text[:cut] + rnd.choice(["", "}", ",", "'", "NaN", "\x01"]) + text[cut + 1 :]
    return method, path, text


def _cli_run_input(rnd: random.Random) -> Tuple[Any, Any]:
    definition = malformed(rnd, valid_definition) if rnd.random() < 0.6 else valid_definition(rnd)
    return definition, malformed(rnd, lambda r: valid_test_request(r)["taskRefToMockOutput"])


class EntryPoint(NamedTuple):
    """How to make one input for an entry point, and how to send it there."""

    make: Callable[[random.Random], Any]
    send: Callable[[Any], Any]


ENTRY_POINTS: Dict[str, EntryPoint] = {
    "Engine.test_workflow": EntryPoint(lambda r: malformed(r, valid_test_request), engine_test_workflow),
    "Engine.start_workflow": EntryPoint(lambda r: malformed(r, valid_start_request), engine_start_workflow),
    "Engine.register_workflow_def": EntryPoint(
        lambda r: malformed(r, valid_definition), engine_register_workflow_def
    ),
    "ConductorWorkflow.from_dict().validate()": EntryPoint(
        lambda r: malformed(r, valid_definition), dsl_from_dict_validate
    ),
    "CLI run": EntryPoint(_cli_run_input, lambda pair: cli_run(*pair)),
    "CLI validate": EntryPoint(lambda r: malformed(r, valid_definition), cli_validate),
    "memory:// routes": EntryPoint(malformed_route_request, lambda request: memory_route(*request)),
}


class StillRunning(Exception):
    """The entry point did not return within the time a count allows one input."""


def escapes(entry: EntryPoint, seed: int, seconds: int = 0) -> Optional[BaseException]:
    """The exception other than a ConductorError that ``entry`` lets out for input ``seed``
    (:class:`StillRunning` after ``seconds``, when given: counted, not waited for)."""
    document = entry.make(random.Random(seed))

    def give_up(*_: Any) -> None:
        raise StillRunning(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, give_up) if seconds else None
    signal.alarm(seconds)
    try:
        entry.send(document)
    except ConductorError:
        return None
    except Exception as exc:  # what escapes is what is counted
        return exc
    finally:
        signal.alarm(0)
        if previous is not None:
            signal.signal(signal.SIGALRM, previous)
    return None


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=500, help="inputs per entry point")
    parser.add_argument("--only", help="only the entry points whose name contains this")
    parser.add_argument("--show", type=int, default=3, help="examples of escapes to print per entry point")
    parser.add_argument("--timeout", type=int, default=30, help="seconds one input may take (0: no limit)")
    args = parser.parse_args(argv)
    for name, entry in ENTRY_POINTS.items():
        if args.only and args.only not in name:
            continue
        found: Dict[str, int] = {}
        examples: List[str] = []
        for seed in range(args.count):
            exc = escapes(entry, seed, seconds=args.timeout)
            if exc is not None:
                kind = type(exc).__name__
                found[kind] = found.get(kind, 0) + 1
                if len(examples) < args.show:
                    examples.append(f"    seed {seed}: {kind}: {str(exc)[:200]}")
        total = sum(found.values())
        print(f"{name}: {total} of {args.count} escaped {found or ''}")
        for line in examples:
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
