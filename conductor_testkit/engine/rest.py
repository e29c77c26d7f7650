"""The Conductor REST API answered from an in-memory :class:`Engine`.

One route table (``ROUTES``) lists every served route with the server's path, method and
response media type; each route names a handler method of :class:`RestRouter`. The router
speaks plain HTTP terms (method, path under ``/api``, query strings, raw body text) and answers
what the OSS server (3.32.x) answers: the same status codes, ``text/plain`` ids where the
server sends them, ``204`` where the server sends no content, and error bodies
``{status, message, instance, retryable}``. The in-process transport and the loopback HTTP server
(``in_process.py``) both sit on it, so a client sees the same bytes either way.

Besides the OSS routes, the Orkes route ``POST /workflow/{id}/variables`` is served, because the
engine implements it (the OSS server answers 404 there).

Event handlers (``/event``) are stored, listed, updated and removed with the server's answers and
error texts, but never run: an EVENT task or a published message does not trigger their actions
(``start_workflow``, ``complete_task``, ``fail_task``). Messages an EVENT task publishes are
recorded on the engine (``engine.published_events``); a test that relies on a handler performs
its action itself (start the workflow, or complete the task through the task API).

Definition validation errors answer 400 with the server's ``validationErrors`` list, each path
under the server's method argument (``registerWorkflowDef.arg0...``, ``updateWorkflowDef.arg0[i]...``,
``validateWorkflowDef.arg0...``, ``startWorkflow.arg0.workflowDef...`` for start, execute and
test), and no ``instance`` in the body.

Thread safety: every call runs under the engine's lock (one per engine, shared by every router
over it). Calls that wait in real time (batch poll with ``timeout``, synchronous execute, signal
sync) release the lock while waiting and wake up when another call changed the engine.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import unquote

from conductor_testkit.engine import operations
from conductor_testkit.engine.definitions import normalize_workflow_def, populate_task_definitions
from conductor_testkit.engine.run import TERMINAL, WORKFLOW_TERMINAL
from conductor_testkit.engine.search import SearchQueryError, search_workflows, workflow_summary
from conductor_testkit.engine.validation import (
    VALIDATION_MESSAGE,
    DefinitionValidationError,
    validate_workflow_def,
)
from conductor_testkit.errors import ConductorError, DefinitionError, ModelValidationError

logger = logging.getLogger(__name__)

JSON = "application/json"
TEXT = "text/plain;charset=UTF-8"

_RESULT_STATUSES = ("IN_PROGRESS", "FAILED", "FAILED_WITH_TERMINAL_ERROR", "COMPLETED", "CANCELED")


@dataclass(frozen=True)
class RestRequest:
    """One HTTP request: method, path under the API root, query values, raw body text."""

    method: str
    path: str
    query: Mapping[str, Sequence[str]] = field(default_factory=dict)
    body: Optional[str] = None


@dataclass
class RestResponse:
    """One HTTP answer: status, body text and its media type (None for an empty body)."""

    status: int
    body: str = ""
    content_type: Optional[str] = None

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class RestError(ConductorError):
    """An HTTP error the router answers itself (bad parameter, unknown route, bad body)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.http_status = status
        self.message = message


class ValidationFailed(RestError):
    """HTTP 400 "Validation failed, check below errors for detail." with ``validationErrors``.

    Each error's ``path`` starts, as on the server, with the method argument that failed bean
    validation: ``registerWorkflowDef.arg0``, ``updateWorkflowDef.arg0[i]``,
    ``validateWorkflowDef.arg0`` or ``startWorkflow.arg0.workflowDef`` (start, execute and test).
    """

    def __init__(self, errors: List[Dict[str, Any]]) -> None:
        super().__init__(400, VALIDATION_MESSAGE)
        self.validation_errors = errors


def _rebased(error: Mapping[str, Any], root: str) -> Dict[str, Any]:
    """One engine validation error with its ``workflowDef...`` path moved under ``root``."""
    path = str(error.get("path") or "")
    if path == "workflowDef" or path.startswith(("workflowDef.", "workflowDef[")):
        path = root + path[len("workflowDef") :]
    else:
        path = f"{root}.{path}" if path else root
    return {**error, "path": path}


_START_ROOT = "startWorkflow.arg0.workflowDef"


@contextmanager
def _validation_root(root: str) -> Iterator[None]:
    """Report the engine's definition validation errors under the server's argument path."""
    try:
        yield
    except DefinitionValidationError as exc:
        raise ValidationFailed([_rebased(e, root) for e in exc.validation_errors]) from exc


# -- the engine gate: one lock and one condition per engine ------------------------------------


class EngineGate:
    """The lock every call on one engine runs under, and the condition waiting calls sleep on."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)

    def touch(self) -> None:
        """Wake the calls waiting for a change (the lock must be held)."""
        self.changed.notify_all()

    def wait_until(self, ready: Callable[[], Any], timeout_seconds: float) -> Any:
        """Wait (lock held on entry and exit) until ``ready()`` is truthy or time runs out."""
        deadline = time.monotonic() + max(0.0, timeout_seconds)
        while True:
            result = ready()
            remaining = deadline - time.monotonic()
            if result or remaining <= 0:
                return result
            self.changed.wait(remaining)


_GATES: weakref.WeakKeyDictionary[Any, EngineGate] = weakref.WeakKeyDictionary()
_GATES_LOCK = threading.Lock()


def gate_for(engine: Any) -> EngineGate:
    """The one :class:`EngineGate` of ``engine`` (created on first use)."""
    with _GATES_LOCK:
        gate = _GATES.get(engine)
        if gate is None:
            gate = EngineGate()
            _GATES[engine] = gate
        return gate


# -- request parameters -------------------------------------------------------------------------


class _Call:
    """The parts of one request a handler reads, converted the way Spring converts them."""

    def __init__(self, request: RestRequest, path_params: Dict[str, str]) -> None:
        self.request = request
        self.path = path_params
        self.query = request.query

    def _raw(self, name: str) -> Optional[str]:
        values = self.query.get(name)
        if not values:
            return None
        return values[0]

    def text(self, name: str, default: Optional[str] = None) -> Optional[str]:
        value = self._raw(name)
        return default if value is None else value

    def texts(self, name: str) -> Optional[List[str]]:
        values = self.query.get(name)
        if values is None:
            return None
        # Spring splits a single comma-separated value into a list
        out: List[str] = []
        for value in values:
            out.extend(part for part in value.split(",") if part != "")
        return out

    def boolean(self, name: str, default: bool) -> bool:
        value = self._raw(name)
        if value is None or value == "":
            return default
        lowered = value.strip().lower()
        if lowered in ("true", "on", "yes", "1"):
            return True
        if lowered in ("false", "off", "no", "0"):
            return False
        raise RestError(
            500,
            f"Method parameter '{name}': Failed to convert value of type 'java.lang.String' to "
            f"required type 'boolean'; Invalid boolean value [{value}]",
        )

    def integer(self, name: str, default: Optional[int]) -> Optional[int]:
        value = self._raw(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise RestError(
                500,
                f"Method parameter '{name}': Failed to convert value of type 'java.lang.String' "
                f"to required type 'int'; For input string: \"{value}\"",
            ) from None

    def required_text(self, name: str) -> str:
        value = self._raw(name)
        if value is None:
            raise RestError(
                500, f"Required request parameter '{name}' for method parameter type String is not present"
            )
        return value

    def result_status(self, name: str = "status") -> str:
        value = self.path[name]
        if value not in _RESULT_STATUSES:
            raise RestError(
                500,
                f"Method parameter '{name}': Failed to convert value of type 'java.lang.String' to "
                f"required type 'com.netflix.conductor.common.metadata.tasks.TaskResult$Status'; "
                f"No enum constant for value [{value}]",
            )
        return value

    def body(self, kind: type = dict, required: bool = True) -> Any:
        """The JSON body; ``kind`` is the expected top-level type (dict or list)."""
        text = self.request.body
        if text is None or text.strip() == "":
            if required:
                raise RestError(500, "Required request body is missing")
            return None
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise RestError(500, f"JSON parse error: {exc}") from None
        if not isinstance(value, kind):
            expected = "an object" if kind is dict else "an array"
            raise RestError(
                500, f"JSON parse error: the request body must be {expected}, got {type(value).__name__}"
            )
        return value

    def body_text(self) -> str:
        if self.request.body is None:
            raise RestError(500, "Required request body is missing")
        return self.request.body


# -- routes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One REST route: method, path template (``{var}`` segments), handler name, media type.

    ``status`` is the success status (the server answers 204 for retry/restart); a handler that
    returns :data:`NO_CONTENT` makes a 204 as ``ResponseEntity.noContent()`` does.
    """

    method: str
    template: str
    handler: str
    produces: str = JSON
    status: int = 200

    @property
    def segments(self) -> Tuple[str, ...]:
        return tuple(s for s in self.template.split("/") if s)

    @property
    def variable_count(self) -> int:
        return sum(1 for s in self.segments if s.startswith("{"))

    def match(self, segments: Sequence[str]) -> Optional[Dict[str, str]]:
        own = self.segments
        if len(own) != len(segments):
            return None
        params: Dict[str, str] = {}
        for pattern, actual in zip(own, segments):
            if pattern.startswith("{"):
                params[pattern[1:-1]] = actual
            elif pattern != actual:
                return None
        return params


class _NoContent:
    def __repr__(self) -> str:
        return "NO_CONTENT"


NO_CONTENT: Any = _NoContent()

ROUTES: Tuple[Route, ...] = (
    # metadata: workflow definitions
    Route("POST", "/metadata/workflow", "register_workflow_def"),
    Route("POST", "/metadata/workflow/validate", "validate_workflow_def"),
    Route("PUT", "/metadata/workflow", "update_workflow_defs"),
    Route("GET", "/metadata/workflow", "get_all_workflow_defs"),
    Route("GET", "/metadata/workflow/names-and-versions", "get_workflow_names_and_versions"),
    Route("GET", "/metadata/workflow/latest-versions", "get_latest_workflow_defs"),
    Route("GET", "/metadata/workflow/{name}/versions", "get_workflow_versions"),
    Route("GET", "/metadata/workflow/{name}", "get_workflow_def"),
    Route("DELETE", "/metadata/workflow/{name}/{version}", "unregister_workflow_def"),
    # metadata: task definitions
    Route("POST", "/metadata/taskdefs", "register_task_defs"),
    Route("PUT", "/metadata/taskdefs", "update_task_def"),
    Route("GET", "/metadata/taskdefs", "get_all_task_defs"),
    Route("GET", "/metadata/taskdefs/{tasktype}", "get_task_def"),
    Route("DELETE", "/metadata/taskdefs/{tasktype}", "unregister_task_def"),
    # workflows
    Route("POST", "/workflow", "start_workflow", TEXT),
    Route("POST", "/workflow/{name}", "start_workflow_by_name", TEXT),
    Route("POST", "/workflow/execute/{name}/{version}", "execute_workflow"),
    Route("POST", "/workflow/test", "test_workflow"),
    Route("GET", "/workflow/search", "search_workflows"),
    Route("GET", "/workflow/search-v2", "search_workflows_v2"),
    Route("GET", "/workflow/running/{name}", "get_running_workflows"),
    Route("GET", "/workflow/{name}/correlated/{correlationId}", "get_correlated_workflows"),
    Route("POST", "/workflow/{name}/correlated", "get_correlated_workflows_batch"),
    Route("GET", "/workflow/{workflowId}", "get_workflow"),
    Route("GET", "/workflow/{workflowId}/status", "get_workflow_status"),
    Route("GET", "/workflow/{workflowId}/tasks", "get_workflow_tasks"),
    Route("DELETE", "/workflow/{workflowId}", "terminate_workflow"),
    Route("DELETE", "/workflow/{workflowId}/remove", "remove_workflow"),
    Route("DELETE", "/workflow/{workflowId}/terminate-remove", "terminate_remove_workflow"),
    Route("PUT", "/workflow/decide/{workflowId}", "decide"),
    Route("PUT", "/workflow/{workflowId}/pause", "pause_workflow"),
    Route("PUT", "/workflow/{workflowId}/resume", "resume_workflow"),
    Route("PUT", "/workflow/{workflowId}/skiptask/{taskReferenceName}", "skip_task"),
    Route("POST", "/workflow/{workflowId}/rerun", "rerun_workflow", TEXT),
    Route("POST", "/workflow/{workflowId}/restart", "restart_workflow", status=204),
    Route("POST", "/workflow/{workflowId}/retry", "retry_workflow", status=204),
    Route("POST", "/workflow/{workflowId}/resetcallbacks", "reset_callbacks", status=204),
    Route("POST", "/workflow/{workflowId}/variables", "update_variables"),  # Orkes
    # tasks
    Route("GET", "/tasks/poll/{tasktype}", "poll"),
    Route("GET", "/tasks/poll/batch/{tasktype}", "batch_poll"),
    Route("POST", "/tasks", "update_task", TEXT),
    Route("POST", "/tasks/update-v2", "update_task_v2"),
    Route("POST", "/tasks/{workflowId}/{taskRefName}/{status}", "update_task_by_ref_name", TEXT),
    Route("POST", "/tasks/{workflowId}/{taskRefName}/{status}/sync", "update_task_by_ref_name_sync"),
    Route("POST", "/tasks/{workflowId}/{status}/signal", "signal"),
    Route("POST", "/tasks/{workflowId}/{status}/signal/sync", "signal_sync"),
    Route("POST", "/tasks/{taskId}/log", "add_task_log"),
    Route("GET", "/tasks/{taskId}/log", "get_task_logs"),
    Route("GET", "/tasks/{taskId}", "get_task"),
    Route("GET", "/tasks/queue/sizes", "queue_sizes"),
    Route("GET", "/tasks/queue/size", "queue_size"),
    Route("GET", "/tasks/queue/all", "queue_all"),
    Route("GET", "/tasks/queue/polldata", "poll_data"),
    Route("GET", "/tasks/queue/polldata/all", "all_poll_data"),
    # event handlers
    Route("POST", "/event", "add_event_handler"),
    Route("PUT", "/event", "update_event_handler"),
    Route("GET", "/event", "get_event_handlers"),
    Route("GET", "/event/{event}", "get_event_handlers_for_event"),
    Route("DELETE", "/event/{name}", "remove_event_handler"),
)


def _error_body(status: int, message: str, extra: Optional[Dict[str, Any]] = None) -> str:
    body: Dict[str, Any] = {"status": status, "message": message, "instance": "memory", "retryable": False}
    if extra:
        if "validationErrors" in extra:
            del body["instance"]  # the server's validation error body has no instance (3.32.1)
        body.update(extra)
    return json.dumps(body, separators=(",", ":"))


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def advance_idle_clock(engine: Any) -> bool:
    """Skip virtual time when every running workflow waits only for a timer.

    External pollers (a TaskHandler's threads) cannot move the virtual clock, so a retry delay
    or a WAIT of six hours would never pass. When no worker task is in progress and none can be
    polled now, the clock jumps to the earliest timer (a delayed task, a WAIT deadline) and the
    workflows are decided. Returns True when time moved.
    """
    now = engine.clock.now_ms()
    earliest: Optional[int] = None
    running = [run for run in list(engine.store.runs.values()) if run.status == "RUNNING"]
    for run in running:
        env = None
        for task in run.non_terminal():
            handler = engine.system_handlers.get(task["taskType"])
            if handler is None:
                if task["status"] != "SCHEDULED":
                    return False  # a worker holds it: its result may change everything
                due: Optional[int] = engine.task_due_ms(task)
                if due is not None and due <= now:
                    return False  # pollable now: wait for a worker
            elif handler.is_async and task["taskType"] in engine.async_types:
                env = env or engine.env_for(run)
                due = handler.next_due_ms(task, env)
            else:
                continue
            if due is not None and due > now and (earliest is None or due < earliest):
                earliest = due
    if earliest is None:
        return False
    engine.clock.advance_to(earliest)
    for run in running:
        engine.decider.decide(run)
    return True


class RestRouter:
    """Answers Conductor REST requests from ``engine``.

    Args:
        engine: the :class:`~conductor_testkit.engine.engine.Engine` to serve.
        routes: the route table (default :data:`ROUTES`).
        time_skipping: jump the virtual clock to the next timer when every running workflow
            waits only for time (see :func:`advance_idle_clock`); on by default, so retry delays
            and WAIT durations pass at once for workers polling over the transport.
    """

    def __init__(self, engine: Any, routes: Sequence[Route] = ROUTES, *, time_skipping: bool = True) -> None:
        self.engine = engine
        self.time_skipping = time_skipping
        self.gate = gate_for(engine)
        # most specific first: fewer path variables win, as in Spring's path matching
        self._routes = sorted(routes, key=lambda r: r.variable_count)
        state = _rest_state(engine)
        self._logs: Dict[str, List[Dict[str, Any]]] = state["logs"]
        self._poll_data: Dict[Tuple[str, Optional[str]], Dict[str, Any]] = state["poll_data"]
        self._event_handlers: Dict[str, Dict[str, Any]] = state["event_handlers"]

    # -- dispatch --------------------------------------------------------------------------------

    def handle(self, request: RestRequest) -> RestResponse:
        """Answer one request; never raises for an error the server reports as a status."""
        segments = [unquote(s) for s in request.path.split("?")[0].split("/") if s]
        method = request.method.upper()
        route, params, allowed = self._find(method, segments)
        if route is None:
            if allowed:
                return RestResponse(
                    405, _error_body(405, f"Request method '{method}' is not supported"), JSON
                )
            path = "/".join(segments)
            return RestResponse(404, _error_body(404, f"No static resource api/{path}."), JSON)
        try:
            with self.gate.lock:
                result = getattr(self, route.handler)(_Call(request, params or {}))
                if method != "GET":
                    self.gate.touch()
                # serialised under the lock: some answers share dicts with the engine's state
                return self._success_response(route, result)
        except Exception as exc:  # every error becomes the server's error body
            return self._error_response(exc)

    def _find(
        self, method: str, segments: Sequence[str]
    ) -> Tuple[Optional[Route], Optional[Dict[str, str]], bool]:
        allowed = False
        for route in self._routes:
            params = route.match(segments)
            if params is None:
                continue
            if route.method == method:
                return route, params, True
            allowed = True
        return None, None, allowed

    @staticmethod
    def _success_response(route: Route, result: Any) -> RestResponse:
        if result is NO_CONTENT:
            return RestResponse(204)
        if result is None:
            return RestResponse(route.status)
        if route.produces == TEXT and isinstance(result, str):
            return RestResponse(route.status, result, TEXT if result else None)
        return RestResponse(route.status, _dumps(result), JSON)

    @staticmethod
    def _error_response(exc: Exception) -> RestResponse:
        status = getattr(exc, "http_status", None)
        extra: Optional[Dict[str, Any]] = None
        if status is None:
            if isinstance(exc, (DefinitionError, ModelValidationError, SearchQueryError)):
                status = 400
            else:
                status = 500
                if not isinstance(exc, ConductorError):
                    logger.exception("unexpected error in the in-memory REST router")
        errors = getattr(exc, "validation_errors", None)
        if errors:
            extra = {"validationErrors": list(errors)}
        message = getattr(exc, "message", None) or _plain_message(exc)
        return RestResponse(int(status), _error_body(int(status), str(message), extra), JSON)

    # -- helpers ---------------------------------------------------------------------------------

    def _now_ms(self) -> int:
        return int(self.engine.clock.now_ms())

    def _workflows(self) -> List[Dict[str, Any]]:
        """Every execution's live wire dict, in creation order: read it, never hand it out."""
        return [run.wf for run in list(self.engine.store.runs.values())]

    def _workflow(self, workflow_id: str, include_tasks: bool = True) -> Dict[str, Any]:
        return self.engine.get_workflow(workflow_id, include_tasks)  # type: ignore[no-any-return]

    # -- metadata --------------------------------------------------------------------------------

    def register_workflow_def(self, c: _Call) -> None:
        with _validation_root("registerWorkflowDef.arg0"):
            self.engine.register_workflow_def(c.body(dict), overwrite=c.boolean("overwrite", False))

    def _validation_errors(self, definition: Any, root: str) -> List[Dict[str, Any]]:
        """What the server's bean validation reports for ``definition`` (nothing registered)."""
        if not isinstance(definition, dict):
            raise RestError(
                400, f"a workflow definition must be a JSON object, got {type(definition).__name__}"
            )
        checked = normalize_workflow_def(definition)
        populate_task_definitions(checked, self.engine.lookup_task_def)
        try:
            validate_workflow_def(checked, root)
        except DefinitionValidationError as exc:
            return list(exc.validation_errors)
        return []

    def validate_workflow_def(self, c: _Call) -> None:
        errors = self._validation_errors(c.body(dict), "validateWorkflowDef.arg0")
        if errors:
            raise ValidationFailed(errors)

    def update_workflow_defs(self, c: _Call) -> Dict[str, Any]:
        definitions = c.body(list)
        # the server validates the whole list before it stores any definition
        errors: List[Dict[str, Any]] = []
        for index, definition in enumerate(definitions):
            errors.extend(self._validation_errors(definition, f"updateWorkflowDef.arg0[{index}]"))
        if errors:
            raise ValidationFailed(errors)
        names = []
        for definition in definitions:
            self.engine.register_workflow_def(definition, overwrite=True)
            names.append(definition.get("name"))
        return {"bulkErrorResults": {}, "bulkSuccessfulResults": names}

    def get_all_workflow_defs(self, c: _Call) -> Any:
        return self.engine.get_all_workflow_defs()

    def _defs_by_name(self) -> Dict[str, List[Dict[str, Any]]]:
        by_name: Dict[str, List[Dict[str, Any]]] = {}
        for definition in self.engine.get_all_workflow_defs():
            by_name.setdefault(definition["name"], []).append(definition)
        for versions in by_name.values():
            versions.sort(key=lambda d: d.get("version") or 1)
        return by_name

    def get_workflow_names_and_versions(self, c: _Call) -> Any:
        return {
            name: [
                {
                    "name": d["name"],
                    "version": d.get("version", 1),
                    "createTime": d.get("createTime", 0),
                    "updateTime": d.get("updateTime", 0),
                }
                for d in versions
            ]
            for name, versions in self._defs_by_name().items()
        }

    def get_latest_workflow_defs(self, c: _Call) -> Any:
        return [versions[-1] for versions in self._defs_by_name().values()]

    def get_workflow_versions(self, c: _Call) -> Any:
        versions = self._defs_by_name().get(c.path["name"], [])
        return [
            {"name": d["name"], "version": d.get("version", 1), "createTime": d.get("createTime", 0)}
            for d in versions
        ]

    def get_workflow_def(self, c: _Call) -> Any:
        return self.engine.get_workflow_def(c.path["name"], c.integer("version", None))

    def unregister_workflow_def(self, c: _Call) -> None:
        self.engine.unregister_workflow_def(c.path["name"], _path_int("version", c.path["version"]))

    def register_task_defs(self, c: _Call) -> None:
        for definition in c.body(list):
            self.engine.register_task_def(definition)

    def update_task_def(self, c: _Call) -> None:
        self.engine.register_task_def(c.body(dict))

    def get_all_task_defs(self, c: _Call) -> Any:
        return self.engine.get_all_task_defs()

    def get_task_def(self, c: _Call) -> Any:
        return self.engine.get_task_def(c.path["tasktype"])

    def unregister_task_def(self, c: _Call) -> None:
        self.engine.unregister_task_def(c.path["tasktype"])

    # -- starting and executing ------------------------------------------------------------------

    def start_workflow(self, c: _Call) -> str:
        with _validation_root(_START_ROOT):
            return str(self.engine.start_workflow(c.body(dict)))

    def start_workflow_by_name(self, c: _Call) -> str:
        request = {
            "name": c.path["name"],
            "version": c.integer("version", None),
            "correlationId": c.text("correlationId"),
            "priority": c.integer("priority", 0),
            "input": c.body(dict),
        }
        return str(self.engine.start_workflow({k: v for k, v in request.items() if v is not None}))

    def execute_workflow(self, c: _Call) -> Any:
        request = dict(c.body(dict))
        version = _path_int("version", c.path["version"])
        request["name"] = c.path["name"]
        request["version"] = None if version == 0 else version  # 0 means the latest, as on the server
        request = {k: v for k, v in request.items() if v is not None}
        wait_seconds = c.integer("waitForSeconds", 10) or 10
        request_id = c.text("requestId") or str(uuid.uuid4())
        refs = [r.strip() for r in (c.text("waitUntilTaskRef") or "").split(",") if r.strip()]
        with _validation_root(_START_ROOT):
            workflow_id = str(self.engine.start_workflow(request))
        self.gate.touch()  # workers waiting in a poll may have work now
        return self._await_signal_response(workflow_id, refs, request_id, wait_seconds)

    def _await_signal_response(
        self, workflow_id: str, refs: Sequence[str], request_id: str, wait_seconds: float
    ) -> Dict[str, Any]:
        """What ``WorkflowSignalResponder`` answers: when the workflow ends or blocks, or at timeout."""

        def settled() -> Optional[Dict[str, Any]]:
            if self.time_skipping and advance_idle_clock(self.engine):
                self.gate.touch()
            workflow = self._workflow(workflow_id, True)
            if workflow.get("status") in WORKFLOW_TERMINAL:
                return workflow
            return workflow if self._blocking_tasks(workflow, refs) else None

        workflow = self.gate.wait_until(settled, wait_seconds)
        timed_out = workflow is None
        if workflow is None:
            workflow = self._workflow(workflow_id, True)
        return _target_workflow_response(workflow, request_id, timed_out)

    def _blocking_tasks(self, workflow: Mapping[str, Any], refs: Sequence[str]) -> List[Dict[str, Any]]:
        found: List[Dict[str, Any]] = []
        for task in workflow.get("tasks") or []:
            terminal = task.get("status") in TERMINAL
            if task.get("taskType") == "WAIT" and not terminal and _waits_for_signal(task):
                found.append(task)
            if terminal and task.get("referenceTaskName") in refs:
                found.append(task)
            child = task.get("subWorkflowId")
            if task.get("taskType") == "SUB_WORKFLOW" and child and not terminal:
                try:
                    found.extend(self._blocking_tasks(self._workflow(child, True), refs))
                except ConductorError:
                    pass
        return found

    def test_workflow(self, c: _Call) -> Any:
        with _validation_root(_START_ROOT):  # the test endpoint validates as a start (3.32.1)
            return self.engine.test_workflow(c.body(dict))

    # -- reading workflows -----------------------------------------------------------------------

    def get_workflow(self, c: _Call) -> Any:
        return self._workflow(c.path["workflowId"], c.boolean("includeTasks", True))

    def get_workflow_status(self, c: _Call) -> Any:
        workflow = self._workflow(c.path["workflowId"], False)
        status: Dict[str, Any] = {"workflowId": workflow["workflowId"]}
        if workflow.get("correlationId") is not None:
            status["correlationId"] = workflow["correlationId"]
        if c.boolean("includeOutput", False):
            status["output"] = workflow.get("output", {})
        if c.boolean("includeVariables", False):
            status["variables"] = workflow.get("variables", {})
        status["status"] = workflow.get("status")
        return status

    def get_workflow_tasks(self, c: _Call) -> Any:
        tasks = self._workflow(c.path["workflowId"], True).get("tasks") or []
        statuses = c.texts("status")
        if statuses:
            wanted = {s.upper() for s in statuses}
            tasks = [t for t in tasks if t.get("status") in wanted]
        start = c.integer("start", 0) or 0
        count = c.integer("count", 15) or 0
        return {"totalHits": len(tasks), "results": tasks[start : start + count]}

    def search_workflows(self, c: _Call) -> Any:
        found = self._search(c)
        found["results"] = [workflow_summary(w) for w in found["results"]]
        return found

    def search_workflows_v2(self, c: _Call) -> Any:
        found = self._search(c)
        found["results"] = [self._workflow(w["workflowId"], False) for w in found["results"]]
        return found

    def _search(self, c: _Call) -> Dict[str, Any]:
        workflows = self._workflows()
        if c.boolean("topLevelOnly", False):
            workflows = [w for w in workflows if not w.get("parentWorkflowId")]
        return search_workflows(
            workflows,
            query=c.text("query"),
            free_text=c.text("freeText", "*") or "*",
            start=c.integer("start", 0) or 0,
            size=c.integer("size", 100) or 0,
            sort=c.texts("sort"),
        )

    def get_running_workflows(self, c: _Call) -> Any:
        name = c.path["name"]
        start_time = c.integer("startTime", None)
        end_time = c.integer("endTime", None)
        ids = []
        for workflow in self._workflows():
            if workflow.get("workflowName") != name or workflow.get("status") != "RUNNING":
                continue
            created = int(workflow.get("createTime") or 0)
            if start_time is not None and end_time is not None and not start_time <= created <= end_time:
                continue
            ids.append(workflow["workflowId"])
        return ids

    def _correlated(
        self, name: str, correlation_id: str, include_closed: bool, include_tasks: bool
    ) -> List[Any]:
        out = []
        for workflow in self._workflows():
            if workflow.get("workflowName") != name or workflow.get("correlationId") != correlation_id:
                continue
            if not include_closed and workflow.get("status") in WORKFLOW_TERMINAL:
                continue
            out.append(self._workflow(workflow["workflowId"], include_tasks))
        return out

    def get_correlated_workflows(self, c: _Call) -> Any:
        return self._correlated(
            c.path["name"],
            c.path["correlationId"],
            c.boolean("includeClosed", False),
            c.boolean("includeTasks", False),
        )

    def get_correlated_workflows_batch(self, c: _Call) -> Any:
        include_closed = c.boolean("includeClosed", False)
        include_tasks = c.boolean("includeTasks", False)
        result: Dict[str, Any] = {}
        for correlation_id in c.body(list):
            found = self._correlated(c.path["name"], str(correlation_id), include_closed, include_tasks)
            if found:
                result[str(correlation_id)] = found
        return result

    # -- workflow operations ---------------------------------------------------------------------

    def terminate_workflow(self, c: _Call) -> None:
        operations.terminate_workflow(
            self.engine,
            c.path["workflowId"],
            c.text("reason"),
            trigger_failure_workflow=c.boolean("triggerFailureWorkflow", False),
        )

    def remove_workflow(self, c: _Call) -> None:
        operations.remove_workflow(
            self.engine, c.path["workflowId"], archive=c.boolean("archiveWorkflow", True)
        )

    def terminate_remove_workflow(self, c: _Call) -> None:
        workflow_id = c.path["workflowId"]
        workflow = self._workflow(workflow_id, False)
        if workflow.get("status") not in WORKFLOW_TERMINAL:
            operations.terminate_workflow(self.engine, workflow_id, c.text("reason"))
        operations.remove_workflow(self.engine, workflow_id, archive=c.boolean("archiveWorkflow", True))

    def decide(self, c: _Call) -> None:
        self.engine.decide(c.path["workflowId"])

    def pause_workflow(self, c: _Call) -> None:
        operations.pause_workflow(self.engine, c.path["workflowId"])

    def resume_workflow(self, c: _Call) -> None:
        operations.resume_workflow(self.engine, c.path["workflowId"])

    def skip_task(self, c: _Call) -> None:
        # The OSS server binds SkipTaskRequest from query parameters, not from the body, and a
        # map cannot be written as a query parameter: a JSON body is ignored there, so here too.
        # (operations.skip_task honours a SkipTaskRequest for direct engine users.)
        operations.skip_task(self.engine, c.path["workflowId"], c.path["taskReferenceName"], None)

    def rerun_workflow(self, c: _Call) -> str:
        return str(operations.rerun_workflow(self.engine, c.path["workflowId"], c.body(dict)))

    def restart_workflow(self, c: _Call) -> None:
        operations.restart_workflow(
            self.engine, c.path["workflowId"], use_latest_definitions=c.boolean("useLatestDefinitions", False)
        )

    def retry_workflow(self, c: _Call) -> None:
        operations.retry_workflow(
            self.engine,
            c.path["workflowId"],
            resume_subworkflow_tasks=c.boolean("resumeSubworkflowTasks", False),
        )

    def reset_callbacks(self, c: _Call) -> None:
        operations.reset_callbacks(self.engine, c.path["workflowId"])

    def update_variables(self, c: _Call) -> Any:
        operations.update_variables(self.engine, c.path["workflowId"], c.body(dict))
        return self._workflow(c.path["workflowId"], True)

    # -- tasks -----------------------------------------------------------------------------------

    def _record_poll(self, task_type: str, worker_id: Optional[str], domain: Optional[str]) -> None:
        entry: Dict[str, Any] = {"queueName": task_type if not domain else f"{domain}:{task_type}"}
        if domain:
            entry["domain"] = domain
        if worker_id:
            entry["workerId"] = worker_id
        entry["lastPollTime"] = self._now_ms()
        self._poll_data[(task_type, domain)] = entry

    def _poll(self, task_type: str, worker_id: Optional[str], domain: Optional[str], count: int) -> List[Any]:
        self._record_poll(task_type, worker_id, domain)
        tasks = list(self.engine.poll(task_type, worker_id, domain, count))
        if not tasks and self.time_skipping and advance_idle_clock(self.engine):
            self.gate.touch()
            tasks = list(self.engine.poll(task_type, worker_id, domain, count))
        return tasks

    def poll(self, c: _Call) -> Any:
        tasks = self._poll(c.path["tasktype"], c.text("workerid"), c.text("domain"), 1)
        return tasks[0] if tasks else NO_CONTENT

    def batch_poll(self, c: _Call) -> Any:
        task_type = c.path["tasktype"]
        worker_id, domain = c.text("workerid"), c.text("domain")
        count = c.integer("count", 1) or 1
        timeout_ms = c.integer("timeout", 100) or 0
        return (
            self.gate.wait_until(lambda: self._poll(task_type, worker_id, domain, count), timeout_ms / 1000.0)
            or []
        )

    def update_task(self, c: _Call) -> str:
        result = c.body(dict)
        self.engine.update_task(result)
        return str(result.get("taskId") or "")

    def update_task_v2(self, c: _Call) -> Any:
        result = c.body(dict)
        self.engine.update_task(result)
        task = self.engine.get_task(result.get("taskId"))
        if task.get("status") not in TERMINAL:
            return NO_CONTENT
        tasks = self._poll(task.get("taskType"), result.get("workerId"), task.get("domain"), 1)
        return tasks[0] if tasks else NO_CONTENT

    def update_task_by_ref_name(self, c: _Call) -> str:
        return str(
            self.engine.update_task_by_ref_name(
                c.path["workflowId"],
                c.path["taskRefName"],
                c.result_status(),
                c.body(dict),
                worker_id=c.text("workerid"),
            )
            or ""
        )

    def update_task_by_ref_name_sync(self, c: _Call) -> Any:
        workflow_id, ref = c.path["workflowId"], c.path["taskRefName"]
        task_id = self.engine.update_task_by_ref_name(
            workflow_id, ref, c.result_status(), c.body(dict), worker_id=c.text("workerid")
        )
        if not task_id:
            raise RestError(404, f"Found no running task {ref} of workflow {workflow_id} to update")
        return self._workflow(workflow_id, True)

    def signal(self, c: _Call) -> None:
        operations.signal(self.engine, c.path["workflowId"], c.result_status(), c.body(dict))

    def signal_sync(self, c: _Call) -> Any:
        workflow_id = c.path["workflowId"]
        task_id = operations.signal(self.engine, workflow_id, c.result_status(), c.body(dict))
        if not task_id:
            raise RestError(404, f"Found no blocked task in workflow {workflow_id} to signal")
        self.gate.touch()
        wait_seconds = (c.integer("timeoutMillis", 5000) or 0) / 1000.0
        return self._await_signal_response(workflow_id, [], str(uuid.uuid4()), wait_seconds)

    def add_task_log(self, c: _Call) -> None:
        task_id = c.path["taskId"]
        self._logs.setdefault(task_id, []).append(
            {"log": c.body_text(), "taskId": task_id, "createdTime": self._now_ms()}
        )

    def get_task_logs(self, c: _Call) -> Any:
        return list(self._logs.get(c.path["taskId"], [])) or NO_CONTENT

    def get_task(self, c: _Call) -> Any:
        task_id = c.path["taskId"]
        if self.engine.store.find_task(task_id) is None:
            raise RestError(404, f"Task not found for taskId: {task_id}")  # the resource's own text
        return self.engine.get_task(task_id)

    def _queue_counts(self) -> Dict[str, int]:
        counts: Dict[str, int] = {}
        for workflow in self._workflows():
            for task in workflow.get("tasks") or []:
                if task.get("status") == "SCHEDULED" and self.engine.is_worker_task(task):
                    name = task.get("taskType")
                    domain = task.get("domain")
                    key = f"{domain}:{name}" if domain else str(name)
                    counts[key] = counts.get(key, 0) + 1
        return counts

    def queue_sizes(self, c: _Call) -> Any:
        counts = self._queue_counts()
        return {name: counts.get(name, 0) for name in c.texts("taskType") or []}

    def queue_size(self, c: _Call) -> Any:
        name = c.required_text("taskType")
        domain = c.text("domain")
        return self._queue_counts().get(f"{domain}:{name}" if domain else name, 0)

    def queue_all(self, c: _Call) -> Any:
        return self._queue_counts()

    def poll_data(self, c: _Call) -> Any:
        task_type = c.required_text("taskType")
        return [entry for (name, _), entry in self._poll_data.items() if name == task_type]

    def all_poll_data(self, c: _Call) -> Any:
        return list(self._poll_data.values())

    # -- event handlers --------------------------------------------------------------------------

    def add_event_handler(self, c: _Call) -> None:
        handler = _normalize_event_handler(c.body(dict))
        if handler["name"] in self._event_handlers:
            raise RestError(500, f"EventHandler with name {handler['name']} already exists!")
        self._event_handlers[handler["name"]] = handler

    def update_event_handler(self, c: _Call) -> None:
        handler = _normalize_event_handler(c.body(dict))
        if handler["name"] not in self._event_handlers:
            raise RestError(500, f"EventHandler with name {handler['name']} not found!")
        self._event_handlers[handler["name"]] = handler

    def get_event_handlers(self, c: _Call) -> Any:
        return list(self._event_handlers.values())

    def get_event_handlers_for_event(self, c: _Call) -> Any:
        active_only = c.boolean("activeOnly", True)
        return [
            h
            for h in self._event_handlers.values()
            if h.get("event") == c.path["event"] and (h.get("active") or not active_only)
        ]

    def remove_event_handler(self, c: _Call) -> None:
        name = c.path["name"]
        if self._event_handlers.pop(name, None) is None:
            raise RestError(500, f"EventHandler with name {name} not found!")


# -- small pure helpers -------------------------------------------------------------------------


def _rest_state(engine: Any) -> Dict[str, Any]:
    """REST-level state the engine does not model (task logs, poll data, event handlers).

    Kept per engine (not per router) so every transport over one engine sees the same.
    """
    with _GATES_LOCK:
        state = _STATES.get(engine)
        if state is None:
            state = {"logs": {}, "poll_data": {}, "event_handlers": {}}
            _STATES[engine] = state
        return state


_STATES: weakref.WeakKeyDictionary[Any, Dict[str, Any]] = weakref.WeakKeyDictionary()


def _plain_message(exc: Exception) -> str:
    # EngineError prefixes "[workflow ..., task ...] "; the server's messages have no prefix,
    # but the location helps users more than byte equality here, so it is kept.
    return str(exc) or type(exc).__name__


def _path_int(name: str, value: str) -> int:
    """A path variable that must be an integer, with Spring's conversion error otherwise."""
    try:
        return int(value)
    except ValueError:
        raise RestError(
            500,
            f"Method parameter '{name}': Failed to convert value of type 'java.lang.String' to "
            f"required type 'java.lang.Integer'; For input string: \"{value}\"",
        ) from None


def _waits_for_signal(task: Mapping[str, Any]) -> bool:
    """A WAIT task without a duration/until deadline (the server's ``waitTimeout == 0``)."""
    data = task.get("inputData") or {}
    return not data.get("duration") and not data.get("until")


def _target_workflow_response(
    workflow: Mapping[str, Any], request_id: str, timed_out: bool
) -> Dict[str, Any]:
    """``SignalResponse`` with the TARGET_WORKFLOW strategy, as the server renders it."""
    response: Dict[str, Any] = {
        "responseType": "TARGET_WORKFLOW",
        "targetWorkflowId": workflow.get("workflowId"),
        "targetWorkflowStatus": workflow.get("status"),
        "requestId": request_id,
        "workflowId": workflow.get("workflowId"),
        "correlationId": workflow.get("correlationId"),
        "input": workflow.get("input", {}),
        "output": workflow.get("output", {}),
        "signalTimeout": timed_out,
        "priority": workflow.get("priority", 0),
        "variables": workflow.get("variables", {}),
        "tasks": workflow.get("tasks", []),
        "createdBy": workflow.get("createdBy"),
        "createTime": workflow.get("createTime"),
        "status": workflow.get("status"),
        "updateTime": workflow.get("updateTime"),
        "reasonForIncompletion": workflow.get("reasonForIncompletion"),
    }
    return {k: v for k, v in response.items() if v is not None}


def _normalize_event_handler(handler: Mapping[str, Any]) -> Dict[str, Any]:
    """Store a handler as the server returns it (action defaults filled in).

    Verified on 3.32.1: ``complete_task``/``fail_task`` get ``output: {}``, ``start_workflow``
    gets ``input: {}``, ``expandInlineJSON`` defaults to false, and the key is read only in that
    spelling (the server drops ``expandInlineJson``; the wire model writes ``expandInlineJSON``).
    """
    if not handler.get("name"):
        raise RestError(400, "Missing event handler name")
    out = dict(handler)
    actions = []
    for action in handler.get("actions") or []:
        action = dict(action)
        for key, default in (
            ("complete_task", "output"),
            ("fail_task", "output"),
            ("start_workflow", "input"),
        ):
            if isinstance(action.get(key), dict):
                action[key] = {default: {}, **action[key]}
        action.pop("expandInlineJson", None)
        action["expandInlineJSON"] = bool(action.get("expandInlineJSON", False))
        actions.append(action)
    out["actions"] = actions
    out.setdefault("active", False)
    return out


__all__ = [
    "JSON",
    "NO_CONTENT",
    "ROUTES",
    "TEXT",
    "RestError",
    "RestRequest",
    "RestResponse",
    "RestRouter",
    "Route",
]
