"""EventClient against the real Conductor server: event handlers."""

from __future__ import annotations

import pytest

from conductor_testkit.client import Configuration, OrkesClients
from conductor_testkit.errors import ApiError, BadRequestError
from conductor_testkit.models import EventHandler, EventHandlerAction

pytestmark = pytest.mark.integration


@pytest.fixture
def events(conductor_server_url: str, unique_name: str):
    """The event client; the handlers the test registered are removed afterwards (an active
    conductor-queue handler keeps one of the server's few queue listeners busy for later tests)."""
    client = OrkesClients(Configuration(server_api_url=conductor_server_url)).get_event_client()
    yield client
    for registered in client.get_event_handlers():
        if registered.name and registered.name.startswith(unique_name):
            client.unregister_event_handler(registered.name)


def handler(name: str, active: bool = True) -> EventHandler:
    return EventHandler(
        name=name,
        event=f"conductor:{name}:done",
        active=active,
        actions=[
            EventHandlerAction(
                action="start_workflow", start_workflow={"name": f"{name}_next", "input": {"a": 1}}
            )
        ],
    )


def test_register_and_list_an_event_handler(events, unique_name) -> None:
    events.register_event_handler(handler(unique_name))
    registered = events.get_event_handler(unique_name)
    assert registered is not None
    assert (registered.event, registered.active) == (f"conductor:{unique_name}:done", True)
    action = registered.actions[0]
    assert (action.action, action.start_workflow) == (
        "start_workflow",
        {"name": f"{unique_name}_next", "input": {"a": 1}},
    )


def test_get_event_handlers_lists_every_registered_handler(events, unique_name) -> None:
    events.register_event_handler(handler(f"{unique_name}_1"))
    events.register_event_handler(handler(f"{unique_name}_2", active=False))
    names = {h.name: h.active for h in events.get_event_handlers()}
    assert (names[f"{unique_name}_1"], names[f"{unique_name}_2"]) == (True, False)


def test_handlers_for_an_event(events, unique_name) -> None:
    events.register_event_handler(handler(unique_name))
    found = events.get_event_handlers_for_event(f"conductor:{unique_name}:done")
    assert [h.name for h in found] == [unique_name]


def test_update_event_handler_deactivates_it(events, unique_name) -> None:
    events.register_event_handler(handler(unique_name))
    events.update_event_handler(handler(unique_name, active=False))
    event = f"conductor:{unique_name}:done"
    assert events.get_event_handlers_for_event(event, active_only=True) == []
    assert [h.active for h in events.get_event_handlers_for_event(event, active_only=False)] == [False]


def test_unregister_event_handler_removes_it(events, unique_name) -> None:
    events.register_event_handler(handler(unique_name))
    events.unregister_event_handler(unique_name)
    assert events.get_event_handler(unique_name) is None


def test_unregister_of_an_unknown_handler_reports_the_server_message(events, unique_name) -> None:
    with pytest.raises(ApiError, match=f"EventHandler with name {unique_name} not found"):
        events.unregister_event_handler(unique_name)


def test_a_handler_without_actions_is_rejected(events, unique_name) -> None:
    with pytest.raises(BadRequestError, match="No actions specified"):
        events.register_event_handler({"name": unique_name, "event": "conductor:x:y", "actions": []})
