"""Multi-step REST scenarios run on the real server and on the engine's REST routes, observed alike.

Some behaviour only shows across several calls and over time: polls limited by
``concurrentExecLimit``, event handlers run by an EVENT task, repeated starts with an idempotency
key, reruns. A scenario (``cases/<name>.json``) is a list of steps, each a REST call or a pause::

    {"description": "...",
     "steps": [
       {"call": "POST /metadata/taskdefs", "body": [...]},
       {"call": "POST /workflow", "body": {...}, "save": "wf"},
       {"call": "GET /tasks/poll/batch/fid_sc_t", "query": {"count": 2}, "observe": "first poll"},
       {"call": "POST /tasks", "body": {"workflowInstanceId": "@{wf}", "taskId": "@{p.0.taskId}", ...}},
       {"sleep": 61},
       {"await": "GET /workflow/@{wf}", "query": {"includeTasks": true},
        "until": {"status": "COMPLETED"}, "timeout": 150, "observe": "final"}]}

``@{run}`` is an id fresh for every run: definitions named with it (``fid_sc_t_@{run}``) keep a
run's queues apart from earlier runs on the same server. ``@{name}`` (or ``@{name.path.0.key}``)
inserts what a step saved with ``"save"`` (the response
body: parsed JSON, or the text). ``"observe"`` records the answer (status code and body) in the
scenario's observations; the golden holds the server's observations. ``sleep`` pauses the server
for real and moves the engine's virtual clock by as much. ``await`` repeats a call on the server
until the answer has the fields of ``until`` (the server runs event handlers and JOINs on its own
threads) or ``timeout`` seconds pass; the engine, which does that work within the call that
caused it, answers once.

Observations are compared after :func:`normalize_observation`: workflows and tasks keep the fields
``compare.normalize_workflow`` keeps (times, poll bookkeeping and definitions dropped), error
bodies keep status and message, and every id becomes ``<id:N>``, numbered in order of first
appearance over the whole scenario, so the same id reads the same in every observation (in map
keys too); clock readings nested in bodies (``createTime``, ``updateTime``) read ``<time>``.
"""

from __future__ import annotations

import copy
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Protocol, Tuple

import requests

from conductor_testkit.testing.compare import diff_json

Json = Dict[str, Any]

_VARIABLE = re.compile(r"@\{([A-Za-z0-9_.\-]+)\}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
HTTP_TIMEOUT_SECONDS = 120.0
# clock readings nested in bodies (a TaskDef copied into a dynamic fork's input): masked
_CLOCK_FIELDS = frozenset({"createTime", "updateTime"})
_CLOCK_READING = "<time>"
AWAIT_INTERVAL_SECONDS = 0.5

_WORKFLOW_FIELDS = (
    "workflowName",
    "workflowVersion",
    "status",
    "input",
    "output",
    "variables",
    "correlationId",
    "idempotencyKey",
    "event",
    "reasonForIncompletion",
    "failedReferenceTaskNames",
    "parentWorkflowId",
    "parentWorkflowTaskId",
)
_TASK_FIELDS = (
    "seq",
    "referenceTaskName",
    "taskType",
    "taskDefName",
    "status",
    "retryCount",
    "retried",
    "inputData",
    "outputData",
    "reasonForIncompletion",
    "subWorkflowId",
    "workflowInstanceId",
    "workerId",
)


class ScenarioError(RuntimeError):
    """A scenario step could not be run as written."""


class Api(Protocol):
    """Where a scenario runs: the server over HTTP, or the engine's REST routes."""

    def call(self, method: str, path: str, query: Mapping[str, Any], body: Any) -> Tuple[int, str]:
        """One REST call under ``/api``: (status code, body text)."""

    def sleep(self, seconds: float) -> None:
        """Let ``seconds`` pass."""

    def awaits(self) -> bool:
        """Whether ``await`` steps repeat their call until it holds (the server does)."""

    def new_id(self) -> str:
        """A fresh id (``@{run}``: names a scenario's definitions apart from earlier runs)."""


class ServerApi:
    """The real server at ``api_url`` (e.g. ``http://127.0.0.1:8080/api``)."""

    def __init__(self, session: requests.Session, api_url: str) -> None:
        self.session = session
        self.api_url = api_url.rstrip("/")

    def call(self, method: str, path: str, query: Mapping[str, Any], body: Any) -> Tuple[int, str]:
        response = self.session.request(
            method,
            self.api_url + path,
            params={k: _query_text(v) for k, v in query.items()},
            json=body,
            timeout=HTTP_TIMEOUT_SECONDS,
        )
        return response.status_code, response.text

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def awaits(self) -> bool:
        return True

    def new_id(self) -> str:
        return str(uuid.uuid4())


class EngineApi:
    """A fresh in-memory engine behind its REST router (time moves only on ``sleep``)."""

    def __init__(self) -> None:
        from conductor_testkit.engine import Engine
        from conductor_testkit.engine.rest import RestRouter

        self.engine = Engine()
        self.router = RestRouter(self.engine, time_skipping=False)

    def call(self, method: str, path: str, query: Mapping[str, Any], body: Any) -> Tuple[int, str]:
        from conductor_testkit.engine.rest import RestRequest

        request = RestRequest(
            method=method,
            path=path,
            query={k: [_query_text(v)] for k, v in query.items()},
            body=None if body is None else json.dumps(body),
        )
        response = self.router.handle(request)
        return response.status, response.body

    def sleep(self, seconds: float) -> None:
        self.engine.advance_to(self.engine.clock.now_ms() + int(seconds * 1000))

    def awaits(self) -> bool:
        return False

    def new_id(self) -> str:
        return str(self.engine.ids.generate())


def _query_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ---------------------------------------------------------------------------------------------
# running


@dataclass
class Observation:
    label: str
    status: int
    body: Any


@dataclass
class _State:
    saved: Dict[str, Any] = field(default_factory=dict)
    observations: List[Observation] = field(default_factory=list)


def _lookup(saved: Mapping[str, Any], dotted: str) -> Any:
    name, *path = dotted.split(".")
    if name not in saved:
        raise ScenarioError(f"@{{{dotted}}}: nothing was saved as {name!r}")
    value = saved[name]
    for part in path:
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise ScenarioError(f"@{{{dotted}}}: {part!r} is not in {json.dumps(value)[:300]}")
    return value


def substitute(value: Any, saved: Mapping[str, Any]) -> Any:
    """``value`` with every ``@{...}`` replaced; a string that is one reference takes its value."""
    if isinstance(value, str):
        whole = _VARIABLE.fullmatch(value)
        if whole:
            return _lookup(saved, whole.group(1))
        return _VARIABLE.sub(lambda m: str(_lookup(saved, m.group(1))), value)
    if isinstance(value, Mapping):
        return {k: substitute(v, saved) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, saved) for v in value]
    return value


def _parse(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


def _holds(body: Any, until: Mapping[str, Any]) -> bool:
    """Whether an answer shows what an ``await`` waits for: the fields of ``until`` (a map),
    or ``{"length": n}`` items (a list)."""
    if isinstance(body, list):
        return len(body) == until.get("length", len(body))
    return isinstance(body, Mapping) and all(body.get(k) == v for k, v in until.items())


def _run_call(api: Api, step: Mapping[str, Any], state: _State) -> None:
    key = "call" if "call" in step else "await"
    method, _, path = str(step[key]).partition(" ")
    path = substitute(path, state.saved)
    query = substitute(step.get("query") or {}, state.saved)
    body = substitute(copy.deepcopy(step.get("body")), state.saved)
    status, text = api.call(method, path, query, body)
    if key == "await" and api.awaits():
        deadline = time.monotonic() + float(step.get("timeout", 120))
        while not _holds(_parse(text), step.get("until") or {}) and time.monotonic() < deadline:
            api.sleep(AWAIT_INTERVAL_SECONDS)
            status, text = api.call(method, path, query, body)
    expected = step.get("expectStatus")
    if expected is not None and status != expected:
        raise ScenarioError(f"{step[key]}: HTTP {status}, expected {expected}: {text[:1000]}")
    if "save" in step:
        state.saved[str(step["save"])] = _parse(text)
    if "observe" in step:
        state.observations.append(Observation(str(step["observe"]), status, _parse(text)))


def run_scenario(api: Api, scenario: Mapping[str, Any]) -> List[Observation]:
    """Run every step of ``scenario`` on ``api``; the observations in step order."""
    state = _State()
    state.saved["run"] = api.new_id()
    for index, step in enumerate(scenario["steps"]):
        try:
            if "sleep" in step:
                api.sleep(float(step["sleep"]))
            elif "call" in step or "await" in step:
                _run_call(api, step, state)
            else:
                raise ScenarioError(f"unknown step {json.dumps(step)}")
        except ScenarioError as exc:
            raise ScenarioError(f"step {index}: {exc}") from exc
    return state.observations


# ---------------------------------------------------------------------------------------------
# normalising and comparing


def _is_workflow(value: Mapping[str, Any]) -> bool:
    return "workflowId" in value and "workflowName" in value


def _is_task(value: Mapping[str, Any]) -> bool:
    return "taskId" in value and "taskType" in value


def _view(value: Any) -> Any:
    if isinstance(value, list):
        return [_view(item) for item in value]
    if not isinstance(value, Mapping):
        return value
    if _is_workflow(value):
        out = {f: value.get(f) for f in _WORKFLOW_FIELDS}
        out["workflowId"] = value.get("workflowId")
        out["failedReferenceTaskNames"] = sorted(value.get("failedReferenceTaskNames") or [])
        tasks = sorted(value.get("tasks") or [], key=lambda t: t.get("seq") or 0)
        out["tasks"] = [_view(task) for task in tasks]
        return out
    if _is_task(value):
        out = {f: value.get(f) for f in _TASK_FIELDS}
        out["taskId"] = value.get("taskId")
        return out
    if "message" in value and "status" in value and "retryable" in value:
        return {"status": value.get("status"), "message": value.get("message")}
    return {k: _view(v) for k, v in value.items()}


class _Ids:
    def __init__(self) -> None:
        self.names: Dict[str, str] = {}

    def rewrite(self, value: Any) -> Any:
        if isinstance(value, str):
            return _UUID.sub(self._name, value)
        if isinstance(value, Mapping):
            # keys may hold ids too (a JOIN's output names forked tasks after their TaskDef)
            return {
                self.rewrite(k): _CLOCK_READING if k in _CLOCK_FIELDS else self.rewrite(value[k])
                for k in sorted(value)
            }
        if isinstance(value, list):
            return [self.rewrite(v) for v in value]
        return value

    def _name(self, match: re.Match[str]) -> str:
        text = match.group(0).lower()
        if text not in self.names:
            self.names[text] = f"<id:{len(self.names) + 1}>"
        return self.names[text]


def normalize_observations(observations: List[Observation]) -> List[Json]:
    """The comparable form of a scenario's observations (see the module docstring)."""
    ids = _Ids()
    return [{"label": o.label, "status": o.status, "body": ids.rewrite(_view(o.body))} for o in observations]


def diff_observations(expected: List[Json], actual: List[Json]) -> List[str]:
    """One line per difference between two normalised observation lists; ``[]`` when equal."""
    if [o["label"] for o in expected] != [o["label"] for o in actual]:
        return [f"labels: expected {[o['label'] for o in expected]}, got {[o['label'] for o in actual]}"]
    out: List[str] = []
    for exp, act in zip(expected, actual):
        label = f"[{exp['label']}]"
        out.extend(
            diff_json({k: exp[k] for k in ("status", "body")}, {k: act[k] for k in ("status", "body")}, label)
        )
    return out
