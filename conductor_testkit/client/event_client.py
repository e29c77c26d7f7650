"""EventClient: event handlers (``/event``), which act on messages from event queues."""

from __future__ import annotations

from typing import List, Optional, Union

from conductor_testkit.client.api_client import ResourceClient, path_segment, to_body
from conductor_testkit.models import EventHandler


class EventClient(ResourceClient):
    """Register, update, list and delete event handlers."""

    def register_event_handler(self, event_handler: Union[EventHandler, dict]) -> None:
        """Add a new handler (``POST /event``); an existing name is an error."""
        self.api_client.call(
            "POST", "/event", json_body=to_body(EventHandler, event_handler, "event_handler")
        )

    def update_event_handler(self, event_handler: Union[EventHandler, dict]) -> None:
        """Replace the handler of the same name (``PUT /event``)."""
        self.api_client.call("PUT", "/event", json_body=to_body(EventHandler, event_handler, "event_handler"))

    def get_event_handlers(self) -> List[EventHandler]:
        """Every registered handler."""
        return self.api_client.call_models(EventHandler, "GET", "/event")

    def get_event_handlers_for_event(self, event: str, active_only: bool = True) -> List[EventHandler]:
        """The handlers listening to ``event`` (e.g. ``conductor:my_workflow:done``)."""
        return self.api_client.call_models(
            EventHandler, "GET", f"/event/{path_segment(event)}", params={"activeOnly": active_only}
        )

    def get_event_handler(self, name: str) -> Optional[EventHandler]:
        """The handler called ``name``, or None (OSS has no route for a single handler)."""
        for handler in self.get_event_handlers():
            if handler.name == name:
                return handler
        return None

    def unregister_event_handler(self, name: str) -> None:
        """Delete the handler called ``name``."""
        self.api_client.call("DELETE", f"/event/{path_segment(name)}")
