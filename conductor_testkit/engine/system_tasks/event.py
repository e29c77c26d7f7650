"""EVENT (docs/semantics.md §4.14): publish the task's output to a queue named by ``sink``.

``start()`` builds the payload (input + workflow fields) and the queue name (``event_produced``);
``execute()`` publishes it, in the same decide: the message is recorded through
:meth:`SystemTaskEnv.record_event` for assertions and, on a ``conductor`` queue, waits for the
event handlers listening to it (:mod:`conductor_testkit.engine.event_handlers`); cancelling the
task withdraws a message not consumed yet. Like the default server, only the
``conductor`` queue type exists; any other type (``sqs:...``, ``kafka:...``) fails the task with
the server's message unless the handler is built with more ``queue_types``.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterable

from conductor_testkit.engine.javastr import as_java_hashmap
from conductor_testkit.engine.system_tasks.base import (
    COMPLETED,
    FAILED,
    IN_PROGRESS,
    SCHEDULED,
    SystemTaskEnv,
    SystemTaskHandler,
    TaskDict,
)

EVENT_PRODUCED = "event_produced"


class EventHandler(SystemTaskHandler):
    """The server's EventTaskMapper + Event (synchronous; asyncComplete keeps it IN_PROGRESS)."""

    task_type = "EVENT"
    is_async = False
    uses_input_template = False

    def __init__(self, queue_types: Iterable[str] = ("conductor",)) -> None:
        self.queue_types = frozenset(queue_types)

    def extra_input_parameters(self, workflow_task: Dict[str, Any]) -> Dict[str, Any]:
        """``sink`` (resolved like any parameter) and ``asyncComplete`` from the workflow task."""
        return {
            "sink": workflow_task.get("sink"),
            "asyncComplete": bool(workflow_task.get("asyncComplete") or False),
        }

    def prepare(self, task: TaskDict, workflow_task: Dict[str, Any], env: SystemTaskEnv) -> None:
        """SCHEDULED, with ``sink`` and ``asyncComplete`` in the input (and in the workflow task's
        ``inputParameters``, which the server mutates the same way)."""
        extra = self.extra_input_parameters(workflow_task)
        params = workflow_task.get("inputParameters")
        if params is None:
            params = workflow_task["inputParameters"] = {}
        params.update(extra)
        input_data = task.setdefault("inputData", {})
        # The engine resolves "sink" when it applied extra_input_parameters; else the raw value.
        input_data.setdefault("sink", extra["sink"])
        input_data["asyncComplete"] = extra["asyncComplete"]
        task["status"] = SCHEDULED

    def start(self, task: TaskDict, env: SystemTaskEnv) -> None:
        """IN_PROGRESS; output = input + workflow fields + ``event_produced`` (or FAILED)."""
        workflow = env.workflow
        payload = dict(task.get("inputData") or {})
        payload["workflowInstanceId"] = workflow.get("workflowId")
        payload["workflowType"] = workflow.get("workflowName")
        payload["workflowVersion"] = workflow.get("workflowVersion")
        payload["correlationId"] = workflow.get("correlationId")
        payload["taskToDomain"] = workflow.get("taskToDomain") or {}
        task["status"] = IN_PROGRESS
        task.setdefault("outputData", {}).update(payload)
        try:
            task["outputData"][EVENT_PRODUCED] = self.queue_name(workflow, task)
        except ValueError as exc:
            task["status"] = FAILED
            task["reasonForIncompletion"] = str(exc)
        # the output is a HashMap: its keys read back in HashMap order (e.g. in "${ev.output}")
        task["outputData"] = as_java_hashmap(task["outputData"])

    def execute(self, task: TaskDict, env: SystemTaskEnv) -> bool:
        """Publish (record) the output; COMPLETED unless asyncComplete. Returns what the server's
        ``execute`` returns: True only when it completed the task."""
        output = task.setdefault("outputData", {})
        queue = output.get(EVENT_PRODUCED)
        problem = self._queue_problem(queue)
        if problem is not None:
            task["status"] = FAILED
            task["reasonForIncompletion"] = (
                f"Error loading queue:{queue}, for task:{task.get('taskId')}, error: {problem}"
            )
            return False
        # The message body is the output serialised as JSON; record a plain copy of it.
        env.record_event(
            str((task.get("inputData") or {}).get("sink")),
            str(queue),
            json.loads(json.dumps(output)),
            message_id=str(task.get("taskId")),
        )
        if not self.is_async_complete(task):
            task["status"] = COMPLETED
            return True
        return False

    def cancel(self, task: TaskDict, env: SystemTaskEnv) -> None:
        """Event.cancel: the message of an unfinished EVENT task leaves its queue."""
        env.withdraw_event(str(task.get("taskId")))

    @staticmethod
    def queue_name(workflow: Dict[str, Any], task: TaskDict) -> str:
        """``event_produced``: ``conductor`` -> ``conductor:<workflow>:<taskRef>``,
        ``conductor:<q>`` -> ``conductor:<workflow>:<q>``, other values unchanged.

        Raises ValueError with the server's message for any other ``conductor...`` sink.
        """
        sink = (task.get("inputData") or {}).get("sink")
        if not isinstance(sink, str):
            # The server dereferences the null/non-string sink (NullPointerException).
            raise ValueError(f"Invalid / Unsupported sink specified: {sink}")
        if not sink.startswith("conductor"):
            return sink
        name = workflow.get("workflowName")
        if sink == "conductor":
            return f"conductor:{name}:{task.get('referenceTaskName')}"
        if sink.startswith("conductor:"):
            return f"conductor:{name}:" + sink.replace("conductor:", "")
        raise ValueError(f"Invalid / Unsupported sink specified: {sink}")

    def _queue_problem(self, queue: Any) -> Any:
        """The server's EventQueues.getQueue complaint about ``queue``, or None when it exists."""
        text = str(queue)
        index = text.find(":")
        if index == -1:
            return f"Illegal event {text}"
        queue_type = text[:index]
        if queue_type not in self.queue_types:
            return f"Unknown queue type {queue_type}"
        return None
