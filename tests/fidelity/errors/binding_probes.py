"""Every JSON property of every wire model the server reads, given values of every JSON kind.

Each probe places one value (a string, a numeric string, a blank, an int beyond ``int``, a
float, a boolean, null, an object, an array, ...) into one property of one model, inside a body
the server reads through that model (``POST /metadata/workflow/validate`` for definitions,
``/workflow/test`` for test requests and mocks, ``/tasks`` for task results, ``PUT /event`` for
event handlers, ``/workflow/{id}/rerun`` for rerun requests). ``binding_golden.json`` records
what the server answered: Jackson's text (after "JSON parse error: ") or null when it read the
value. :mod:`conductor_testkit.models.jackson` must answer the same for each.

Record with ``python -m tests.fidelity.errors.binding_probes --server URL`` (about 3,600
requests, a minute on a local server).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, NamedTuple, Optional

import requests

if __package__ in (None, ""):  # run as a plain script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    __package__ = "tests.fidelity.errors"

from conductor_testkit.models import jackson

GOLDEN_FILE = Path(__file__).resolve().parent / "binding_golden.json"
JSON_PARSE_ERROR = "JSON parse error: "

KINDS: Dict[str, Any] = {
    "str": "abc",
    "numstr": "7",
    "emptystr": "",
    "blank": " ",
    "int": 7,
    "neg": -3,
    "bigint": 99999999999,
    "huge": 10**30,
    "float": 1.5,
    "true": True,
    "false": False,
    "null": None,
    "obj": {"a": 1},
    "emptyobj": {},
    "arr": [1],
    "emptyarr": [],
    "strarr": ["x"],
    "objarr": [{}],
    "nullarr": [None],
    "enumidx": 1,
    "boolstr": "true",
    "nullstr": "null",
}


def _task(**fields: Any) -> Dict[str, Any]:
    return {"name": "a", "taskReferenceName": "a", "type": "SIMPLE", **fields}


def _definition(**fields: Any) -> Dict[str, Any]:
    return {"name": "err_binding_probe", "tasks": [_task()], **fields}


def _test_request(**fields: Any) -> Dict[str, Any]:
    mocks = {"a": [{"status": "COMPLETED", "output": {}}]}
    return {"name": "err_binding_probe", "workflowDef": _definition(), "taskRefToMockOutput": mocks, **fields}


class Place(NamedTuple):
    """Where a model is probed: the route, the body's model and how a property goes in."""

    model: jackson.Pojo
    method: str
    path: str
    root: jackson.JavaType
    body: Callable[[str, Any], Any]


_VALIDATE = "/metadata/workflow/validate"
PLACES: List[Place] = [
    Place(jackson.WORKFLOW_DEF, "POST", _VALIDATE, jackson.WORKFLOW_DEF, lambda f, v: _definition(**{f: v})),
    Place(
        jackson.WORKFLOW_TASK,
        "POST",
        _VALIDATE,
        jackson.WORKFLOW_DEF,
        lambda f, v: _definition(tasks=[_task(**{f: v})]),
    ),
    Place(
        jackson.TASK_DEF,
        "POST",
        _VALIDATE,
        jackson.WORKFLOW_DEF,
        lambda f, v: _definition(tasks=[_task(taskDefinition={"name": "q", f: v})]),
    ),
    Place(
        jackson.SUB_WORKFLOW_PARAMS,
        "POST",
        _VALIDATE,
        jackson.WORKFLOW_DEF,
        lambda f, v: _definition(tasks=[_task(type="SUB_WORKFLOW", subWorkflowParam={"name": "x", f: v})]),
    ),
    Place(
        jackson.CACHE_CONFIG,
        "POST",
        _VALIDATE,
        jackson.WORKFLOW_DEF,
        lambda f, v: _definition(tasks=[_task(cacheConfig={f: v})]),
    ),
    Place(
        jackson.RATE_LIMIT_CONFIG,
        "POST",
        _VALIDATE,
        jackson.WORKFLOW_DEF,
        lambda f, v: _definition(rateLimitConfig={f: v}),
    ),
    Place(
        jackson.SCHEMA_DEF,
        "POST",
        _VALIDATE,
        jackson.WORKFLOW_DEF,
        lambda f, v: _definition(inputSchema={"name": "s", "type": "JSON", f: v}),
    ),
    Place(
        jackson.STATE_CHANGE_EVENT,
        "POST",
        _VALIDATE,
        jackson.WORKFLOW_DEF,
        lambda f, v: _definition(tasks=[_task(onStateChange={"x": [{f: v}]})]),
    ),
    Place(
        jackson.WORKFLOW_TEST_REQUEST,
        "POST",
        "/workflow/test",
        jackson.WORKFLOW_TEST_REQUEST,
        lambda f, v: _test_request(**{f: v}),
    ),
    Place(
        jackson.TASK_MOCK,
        "POST",
        "/workflow/test",
        jackson.WORKFLOW_TEST_REQUEST,
        lambda f, v: _test_request(taskRefToMockOutput={"a": [{f: v}]}),
    ),
    Place(
        jackson.TASK_RESULT,
        "POST",
        "/tasks",
        jackson.TASK_RESULT,
        lambda f, v: {"taskId": "err-nope", "workflowInstanceId": "err-nope", f: v},
    ),
    Place(
        jackson.EVENT_HANDLER,
        "PUT",
        "/event",
        jackson.EVENT_HANDLER,
        lambda f, v: {
            "name": "err_nope",
            "event": "conductor:x",
            "actions": [{"action": "complete_task"}],
            f: v,
        },
    ),
    Place(
        jackson.RERUN_WORKFLOW_REQUEST,
        "POST",
        "/workflow/err-nope/rerun",
        jackson.RERUN_WORKFLOW_REQUEST,
        lambda f, v: {f: v},
    ),
]


class Probe(NamedTuple):
    key: str  # Model.property
    kind: str
    place: Place
    body: Any


def model_name(place: Place) -> str:
    return place.model.name.rsplit(".", 1)[-1]


def probes() -> Iterator[Probe]:
    for place in PLACES:
        for field in place.model.fields:
            for kind, value in KINDS.items():
                yield Probe(f"{model_name(place)}.{field}", kind, place, place.body(field, value))


def engine_answer(probe: Probe) -> Optional[str]:
    """What the binding answers for a probe: Jackson's text, or None when it reads the value."""
    try:
        jackson.bind(probe.body, probe.place.root)
    except jackson.WireTypeError as error:
        return error.server_text[len(JSON_PARSE_ERROR) :]
    return None


def server_answer(session: requests.Session, api_url: str, probe: Probe) -> Optional[str]:
    response = session.request(
        probe.place.method,
        api_url.rstrip("/") + probe.place.path,
        data=json.dumps(probe.body),
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    try:
        message = str(response.json().get("message") or "")
    except (ValueError, AttributeError):
        message = ""
    if response.status_code == 500 and message.startswith(JSON_PARSE_ERROR):
        return message[len(JSON_PARSE_ERROR) :]
    return None


def load_golden() -> Dict[str, Dict[str, Optional[str]]]:
    with GOLDEN_FILE.open(encoding="utf-8") as handle:
        answers: Dict[str, Dict[str, Optional[str]]] = json.load(handle)["answers"]
    return answers


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--server", default=os.environ.get("CONDUCTOR_SERVER_URL"), help="API URL of the server"
    )
    args = parser.parse_args(argv)
    if not args.server:
        print("no server: pass --server or set CONDUCTOR_SERVER_URL", file=sys.stderr)
        return 2
    from conductor_testkit.testing.server import CONDUCTOR_SERVER_VERSION

    all_probes = list(probes())
    answers: Dict[str, Dict[str, Optional[str]]] = {}
    with requests.Session() as session, concurrent.futures.ThreadPoolExecutor(4) as pool:
        texts = pool.map(lambda p: server_answer(session, args.server, p), all_probes)
        for probe, text in zip(all_probes, texts):
            answers.setdefault(probe.key, {})[probe.kind] = text
    payload = {"serverVersion": CONDUCTOR_SERVER_VERSION, "answers": answers}
    GOLDEN_FILE.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(all_probes)} probes recorded in {GOLDEN_FILE.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
