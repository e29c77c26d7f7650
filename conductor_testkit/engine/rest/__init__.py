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
error texts, and run: after every call that changed the engine, the messages EVENT tasks published
to ``conductor`` queues go to the active handlers listening to them (``start_workflow``,
``complete_task``, ``fail_task``; see ``engine/event_handlers.py``). Every published message is
also recorded on the engine (``engine.published_events``).

Bodies are read as the server's JSON binding reads them (``bodies``): a value of the wrong type
answers 500 with its "JSON parse error: ..." text, a missing body with Spring's text naming the
controller method, a body nested deeper than 1,000 levels with the nesting error. Bean validation
errors answer 400 with the server's ``validationErrors`` list, each path under the server's method
argument (``registerWorkflowDef.arg0...``, ``updateWorkflowDef.arg0[i]...``,
``validateWorkflowDef.arg0...``, ``startWorkflow.arg0...`` for start, execute and test,
``updateTask.arg0...``, ``addEventHandler.arg0...``), and no ``instance`` in the body. The
corpus in ``tests/fidelity/errors`` holds the server's answers to these.

Thread safety: every call runs under the engine's lock (``engine.gate``, shared by every router
over it). Calls that wait in real time (batch poll with ``timeout``, synchronous execute, signal
sync) release the lock while waiting and wake up when another call changed the engine.

Modules:

- ``_common``: requests, answers, errors, route records, request parameters and the helpers the
  handler groups share.
- ``bodies``: each route's body type and how it is read, converted and validated.
- ``metadata``: workflow and task definitions (``/metadata``).
- ``workflows``: workflow executions (``/workflow``, ``/workflow/bulk``); the search itself is
  ``engine/search.py``.
- ``tasks``: tasks, queues and poll data (``/tasks``).
- ``events``: event handlers (``/event``) and the default event queues (``/queue``).
- this package: the route table assembled from the parts, and the router (dispatch).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import unquote

from conductor_testkit.engine.event_handlers import deliver_events

# importable from here as before the split
from conductor_testkit.engine.gate import EngineGate as EngineGate
from conductor_testkit.engine.rest._common import (
    JSON,
    NO_CONTENT,
    TEXT,
    RestError,
    RestRequest,
    RestResponse,
    Route,
    _Call,
    _dumps,
    _error_body,
    _plain_message,
)
from conductor_testkit.engine.rest._common import ValidationFailed as ValidationFailed
from conductor_testkit.engine.rest._common import advance_idle_clock as advance_idle_clock
from conductor_testkit.engine.rest.events import EVENT_ROUTES, DefaultQueueHandlers, EventHandlers
from conductor_testkit.engine.rest.metadata import METADATA_ROUTES, MetadataHandlers
from conductor_testkit.engine.rest.tasks import TASK_ROUTES, TaskHandlers
from conductor_testkit.engine.rest.workflows import WORKFLOW_ROUTES, WorkflowHandlers
from conductor_testkit.engine.search import SearchQueryError
from conductor_testkit.errors import ConductorError, DefinitionError, ModelValidationError

logger = logging.getLogger(__name__)

ROUTES: Tuple[Route, ...] = METADATA_ROUTES + WORKFLOW_ROUTES + TASK_ROUTES + EVENT_ROUTES


class RestRouter(MetadataHandlers, WorkflowHandlers, TaskHandlers, EventHandlers, DefaultQueueHandlers):
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
        self.gate = engine.gate
        # most specific first: fewer path variables win, as in Spring's path matching
        self._routes = sorted(routes, key=lambda r: r.variable_count)
        # REST-level state the engine keeps for every transport over it
        self._logs: Dict[str, List[Dict[str, Any]]] = engine.task_logs
        self._poll_data: Dict[Tuple[str, Optional[str]], Dict[str, Any]] = engine.poll_data
        self._event_handlers: Dict[str, Dict[str, Any]] = engine.event_handlers

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
                    self._settle_background_work()
                    self.gate.touch()
                # serialised under the lock: some answers share dicts with the engine's state
                return self._success_response(route, result)
        except Exception as exc:  # every error becomes the server's error body
            return self._error_response(exc)

    def _settle_background_work(self) -> None:
        """What the server does on its own after a change: its event processor hands the
        messages EVENT tasks published to the active handlers, and the engine's in-process
        workers take the tasks made ready; each may give the other more to do."""
        while True:
            delivered = deliver_events(self.engine, self.engine.event_handlers.values())
            settled = self.engine.run_workers()
            if not delivered and not settled:
                return

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
