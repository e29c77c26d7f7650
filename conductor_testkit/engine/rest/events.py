"""REST routes of event handlers (``/event``): stored, listed, updated, removed, never run."""

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
