"""Shared parts of the REST router: requests, answers, errors, route records, request parameters."""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from conductor_testkit.engine.gate import EngineGate
from conductor_testkit.engine.run import TERMINAL, WORKFLOW_TERMINAL
from conductor_testkit.engine.validation import VALIDATION_MESSAGE, DefinitionValidationError
from conductor_testkit.errors import ConductorError

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

    @cached_property  # split once: every request matches against every route
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


# -- answer bodies and idle time ----------------------------------------------------------------


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
    """Skip virtual time when every running workflow waits only for a timer (see
    ``Engine.skip_idle_time``): external pollers cannot move the virtual clock themselves."""
    return bool(engine.skip_idle_time())


# -- what every handler group shares ------------------------------------------------------------


class RouterBase:
    """The state every group of route handlers reads; :class:`RestRouter` sets it up."""

    engine: Any
    time_skipping: bool
    gate: EngineGate
    _logs: Dict[str, List[Dict[str, Any]]]
    _poll_data: Dict[Tuple[str, Optional[str]], Dict[str, Any]]
    _event_handlers: Dict[str, Dict[str, Any]]

    # -- helpers ---------------------------------------------------------------------------------

    def _now_ms(self) -> int:
        return int(self.engine.clock.now_ms())

    def _workflows(self) -> List[Dict[str, Any]]:
        """Every execution's live wire dict, in creation order: read it, never hand it out."""
        return [run.wf for run in list(self.engine.store.runs.values())]

    def _workflow(self, workflow_id: str, include_tasks: bool = True) -> Dict[str, Any]:
        return self.engine.get_workflow(workflow_id, include_tasks)  # type: ignore[no-any-return]

    # -- signal responses (execute and signal sync both answer one) ------------------------------

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


# -- small pure helpers -------------------------------------------------------------------------


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
