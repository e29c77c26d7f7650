"""Event handlers run on the messages of ``conductor`` queues (DefaultEventProcessor, SimpleActionProcessor).

An EVENT task with a ``conductor`` sink publishes its output as a message to the queue its
``event_produced`` names (``conductor:<workflow>:<queue>``); the message id is the task id. The
server listens on the queue of every *active* event handler's ``event`` and hands each message to
every active handler of that event, in order:

* ``condition`` (evaluated on the payload with the handler's ``evaluatorType``, JavaScript when
  it has none) false: the handler is skipped for this message;
* otherwise each action runs: ``start_workflow`` (name, version, correlationId, input and
  taskToDomain resolved against the payload; the input gains ``conductor.event.messageId`` and
  ``conductor.event.name``), ``complete_task`` / ``fail_task`` (the task by ``taskId``, or by
  ``workflowId`` and ``taskRefName``, the latest iteration of a loop task; its output becomes the
  resolved ``output`` plus ``workflowId``, ``taskId``, ``taskRefName``, ``reasonForIncompletion``
  and the event's message id and name; a failure takes ``reasonForIncompletion``).

A message is consumed once handed over (whatever the handlers did); a message on a queue no active
handler listens to waits there until one does; cancelling an EVENT task with ``asyncComplete``
removes its message. The server delivers messages on its own threads, within a minute (its queue
listeners are refreshed every 60 s); the engine delivers them when :func:`deliver_events` is
called: the REST layer calls it after every call that changed the engine.

The module keeps no handler registry: :func:`deliver_events` takes the handlers to apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Optional

from conductor_testkit.engine.expressions import resolve_parameters
from conductor_testkit.engine.javascript import to_bool
from conductor_testkit.engine.run import base_ref, json_copy

if TYPE_CHECKING:  # pragma: no cover
    from conductor_testkit.engine.engine import Engine

EVENT_MESSAGE_ID = "conductor.event.messageId"
EVENT_NAME = "conductor.event.name"


@dataclass
class QueueMessage:
    """One message waiting in a conductor queue."""

    event: str
    message_id: str
    payload: Any


@dataclass
class EventExecution:
    """What one handler action did with one message (the server's EventExecution)."""

    id: str
    message_id: str
    name: str
    event: str
    action: Optional[str]
    status: str
    output: Dict[str, Any] = field(default_factory=dict)


class ConductorQueues:
    """The messages published to ``conductor`` queues and not yet consumed, in publish order."""

    def __init__(self) -> None:
        self._waiting: List[QueueMessage] = []

    def publish(self, event: str, message_id: str, payload: Any) -> None:
        """Add a message (a message id already waiting is replaced, as the queue DAO does)."""
        self.ack(message_id)
        self._waiting.append(QueueMessage(event, message_id, json_copy(payload)))

    def ack(self, message_id: str) -> None:
        """Remove the message with this id (consumed, or its EVENT task was cancelled)."""
        self._waiting = [m for m in self._waiting if m.message_id != message_id]

    def take(self, events: Iterable[str]) -> List[QueueMessage]:
        """Remove and return the waiting messages of these events, oldest first."""
        wanted = set(events)
        taken = [m for m in self._waiting if m.event in wanted]
        self._waiting = [m for m in self._waiting if m.event not in wanted]
        return taken

    def waiting(self) -> List[QueueMessage]:
        """The messages no active handler has consumed yet."""
        return list(self._waiting)


def deliver_events(engine: Engine, handlers: Iterable[Mapping[str, Any]]) -> List[EventExecution]:
    """Hand every waiting message that an active handler listens to to those handlers.

    Repeats until no message is left for them (an action may publish again, e.g. a started
    workflow with an EVENT task). Returns what was done, also appended to
    ``engine.event_executions``.
    """
    active = [h for h in handlers if h.get("active")]
    if not active:
        return []
    events = {str(h.get("event")) for h in active}
    done: List[EventExecution] = []
    while True:
        messages = engine.conductor_queues.take(events)
        if not messages:
            break
        for message in messages:
            for handler in active:
                if handler.get("event") == message.event:
                    done.extend(_handle(engine, handler, message))
    engine.event_executions.extend(done)
    return done


def _handle(engine: Engine, handler: Mapping[str, Any], message: QueueMessage) -> List[EventExecution]:
    name = str(handler.get("name"))
    condition = handler.get("condition")
    if condition and not _condition_holds(engine, str(condition), handler.get("evaluatorType"), message):
        skipped = EventExecution(
            f"{message.message_id}_0", message.message_id, name, message.event, None, "SKIPPED"
        )
        skipped.output = {"msg": message.payload, "condition": condition}
        return [skipped]
    out: List[EventExecution] = []
    for index, action in enumerate(handler.get("actions") or []):
        kind = action.get("action")
        execution = EventExecution(
            f"{message.message_id}_{index}", message.message_id, name, message.event, kind, "COMPLETED"
        )
        try:
            execution.output.update(_run_action(engine, action, message))
        except Exception as exc:  # the server records the failure and goes on
            execution.status = "FAILED"
            execution.output["exception"] = str(getattr(exc, "message", None) or exc)
        out.append(execution)
    return out


def _condition_holds(engine: Engine, condition: str, evaluator: Any, message: QueueMessage) -> bool:
    payload = json_copy(message.payload)
    if evaluator:
        return to_bool(engine.evaluate(str(evaluator), condition, payload))
    return bool(engine.evaluate_condition(condition, payload))


def _document(payload: Any) -> Mapping[str, Any]:
    return payload if isinstance(payload, Mapping) else {}


def _run_action(engine: Engine, action: Mapping[str, Any], message: QueueMessage) -> Dict[str, Any]:
    kind = action.get("action")
    if kind == "start_workflow":
        return _start_workflow(engine, action.get("start_workflow") or {}, message)
    if kind in ("complete_task", "fail_task"):
        status = "COMPLETED" if kind == "complete_task" else "FAILED"
        return _complete_task(engine, action.get(str(kind)) or {}, status, message)
    raise ValueError(f"Action not supported {kind} for event {message.event}")


def _start_workflow(engine: Engine, params: Mapping[str, Any], message: QueueMessage) -> Dict[str, Any]:
    doc = _document(message.payload)
    workflow_input = resolve_parameters(params.get("input") or {}, doc)
    replaced = resolve_parameters(
        {"taskToDomain": "${taskToDomain}", "correlationId": params.get("correlationId")}, doc
    )
    task_to_domain = params.get("taskToDomain") or replaced.get("taskToDomain")
    workflow_input[EVENT_MESSAGE_ID] = message.message_id
    workflow_input[EVENT_NAME] = message.event
    correlation = replaced.get("correlationId")
    request: Dict[str, Any] = {
        "name": params.get("name"),
        "version": params.get("version"),
        "correlationId": str(correlation) if correlation is not None else params.get("correlationId"),
        "input": workflow_input,
    }
    if isinstance(task_to_domain, Mapping) and task_to_domain:
        request["taskToDomain"] = dict(task_to_domain)
    workflow_id = engine.start_workflow(request)
    engine.store.run(workflow_id).wf["event"] = message.event
    return {"workflowId": workflow_id}


def _complete_task(
    engine: Engine, details: Mapping[str, Any], status: str, message: QueueMessage
) -> Dict[str, Any]:
    spec: Dict[str, Any] = {
        "workflowId": details.get("workflowId"),
        "taskId": details.get("taskId"),
        "taskRefName": details.get("taskRefName"),
        "reasonForIncompletion": details.get("reasonForIncompletion"),
    }
    spec.update(details.get("output") or {})
    replaced = resolve_parameters(spec, _document(message.payload))
    found = _find_task(engine, replaced)
    if found is None:
        replaced["error"] = (
            f"No task found with taskId: {_text(replaced.get('taskId'))}, reference name: "
            f"{_text(replaced.get('taskRefName'))}, workflowId: {_text(replaced.get('workflowId'))}"
        )
        return replaced
    run, task = found
    output = dict(replaced)
    output[EVENT_MESSAGE_ID] = message.message_id
    output[EVENT_NAME] = message.event
    reason = replaced.get("reasonForIncompletion")
    result = {
        "taskId": task["taskId"],
        "workflowInstanceId": run.workflow_id,
        "status": status,
        "outputData": output,
        "reasonForIncompletion": (
            str(reason) if status == "FAILED" and reason is not None else task.get("reasonForIncompletion")
        ),
        "callbackAfterSeconds": task.get("callbackAfterSeconds", 0),
        "workerId": task.get("workerId"),
    }
    engine.apply_task_result(run, task, result)
    return replaced


def _find_task(engine: Engine, spec: Mapping[str, Any]) -> Any:
    task_id = spec.get("taskId")
    if task_id:
        return engine.store.find_task(str(task_id))
    workflow_id, ref = spec.get("workflowId"), spec.get("taskRefName")
    if not workflow_id or not ref:
        return None
    run = engine.store.runs.get(str(workflow_id))
    if run is None:
        return None
    # WorkflowModel.getTaskByRefName, then the loop task of the highest iteration
    loop_tasks = [t for t in run.tasks if base_ref(t["referenceTaskName"]) == ref]
    if loop_tasks:
        return run, max(loop_tasks, key=lambda t: t.get("iteration", 0))
    return None


def _text(value: Any) -> str:
    return "null" if value is None else str(value)
