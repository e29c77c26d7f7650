"""REST routes of event handlers (``/event``) and of the default event queues (``/queue``).

Handlers are stored, listed, updated and removed here; they run on conductor-queue messages
(``engine/event_handlers.py``, called by the router after every changing call).

The ``/queue`` routes (QueueAdminResource) publish to the server's default event queues, which
complete or fail a waiting task. The pinned server runs with ``conductor`` as the default event
queue type, for which 3.32.1 configures no default queue: it lists none and refuses every update
with 400 "There is no queue for handling <status> status"; the engine answers the same.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Tuple

from conductor_testkit.engine.bean_validation import event_handler_errors
from conductor_testkit.engine.rest import bodies
from conductor_testkit.engine.rest._common import RestError, Route, RouterBase, _Call

EVENT_ROUTES: Tuple[Route, ...] = (
    Route("POST", "/event", "add_event_handler"),
    Route("PUT", "/event", "update_event_handler"),
    Route("GET", "/event", "get_event_handlers"),
    Route("GET", "/event/{event}", "get_event_handlers_for_event"),
    Route("DELETE", "/event/{name}", "remove_event_handler"),
    Route("GET", "/queue/size", "default_queue_sizes"),
    Route("GET", "/queue", "default_queue_names"),
    Route("POST", "/queue/update/{workflowId}/{taskRefName}/{status}", "update_by_default_queue"),
    Route("POST", "/queue/update/{workflowId}/task/{taskId}/{status}", "update_by_default_queue"),
)

# TaskModel.Status: the values the /queue/update routes accept as a path variable
_TASK_MODEL_STATUSES = (
    "IN_PROGRESS",
    "CANCELED",
    "FAILED",
    "FAILED_WITH_TERMINAL_ERROR",
    "COMPLETED",
    "COMPLETED_WITH_ERRORS",
    "SCHEDULED",
    "TIMED_OUT",
    "SKIPPED",
)


class EventHandlers(RouterBase):
    """Handlers of the ``/event`` routes."""

    def _handler(self, c: _Call, body: bodies.Body, method: str) -> Dict[str, Any]:
        handler = bodies.read_body(c, body)
        errors = event_handler_errors(handler)
        if errors:
            raise bodies.validation_failed(f"{method}.arg0", errors)
        return _normalize_event_handler(handler)

    def add_event_handler(self, c: _Call) -> None:
        handler = self._handler(c, bodies.ADD_EVENT_HANDLER, "addEventHandler")
        if handler["name"] in self._event_handlers:
            raise RestError(500, f"EventHandler with name {handler['name']} already exists!")
        self._event_handlers[handler["name"]] = handler

    def update_event_handler(self, c: _Call) -> None:
        handler = self._handler(c, bodies.UPDATE_EVENT_HANDLER, "updateEventHandler")
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


class DefaultQueueHandlers(RouterBase):
    """Handlers of the ``/queue`` routes: no default event queue exists (see the module docstring)."""

    def default_queue_sizes(self, c: _Call) -> Any:
        return {}

    def default_queue_names(self, c: _Call) -> Any:
        return {}

    def update_by_default_queue(self, c: _Call) -> None:
        status = c.path["status"]
        if status not in _TASK_MODEL_STATUSES:
            raise RestError(
                500,
                "Method parameter 'status': Failed to convert value of type 'java.lang.String' to "
                "required type 'com.netflix.conductor.model.TaskModel$Status'; Failed to convert from "
                "type [java.lang.String] to type [@org.springframework.web.bind.annotation.PathVariable "
                f"com.netflix.conductor.model.TaskModel$Status] for value [{status}]",
            )
        raise RestError(400, f"There is no queue for handling {status} status")


def _normalize_event_handler(handler: Mapping[str, Any]) -> Dict[str, Any]:
    """Store a handler as the server returns it (action defaults filled in).

    Verified on 3.32.1: ``complete_task``/``fail_task`` get ``output: {}``, ``start_workflow``
    gets ``input: {}``, ``expandInlineJSON`` defaults to false, and the key is read only in that
    spelling (the server drops ``expandInlineJson``; the wire model writes ``expandInlineJSON``).
    """
    out = dict(handler)
    actions: List[Optional[Dict[str, Any]]] = []
    for action in handler.get("actions") or []:
        if action is None:  # kept as the server keeps it
            actions.append(action)
            continue
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
