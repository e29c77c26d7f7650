"""KAFKA_PUBLISH (docs/semantics.md §4.22): validated and recorded, no Kafka is contacted.

The server's KafkaPublishTask checks the ``kafka_request`` input, builds the record (key converted
by the key serializer, value serialised as JSON) and sends it. The engine records the request
through :meth:`SystemTaskEnv.record_kafka` instead and completes the task, as a send that
succeeded would.
"""

from __future__ import annotations

import json
from typing import Any, Dict

from conductor_testkit.engine.javastr import java_string
from conductor_testkit.engine.system_tasks.base import (
    COMPLETED,
    FAILED,
    IN_PROGRESS,
    SystemTaskEnv,
    SystemTaskHandler,
    TaskDict,
)
from conductor_testkit.engine.system_tasks.jackson import jackson_dumps

REQUEST_PARAMETER = "kafka_request"
STRING_SERIALIZER = "org.apache.kafka.common.serialization.StringSerializer"
LONG_SERIALIZER = "org.apache.kafka.common.serialization.LongSerializer"
INTEGER_SERIALIZER = "org.apache.kafka.common.serialization.IntegerSerializer"

# The server's own messages (KafkaPublishTask).
MISSING_REQUEST = (
    "Missing Kafka request. Task input MUST have a 'kafka_request' key with KafkaTask.Input as "
    "value. See documentation for KafkaTask for required input parameters"
)
MISSING_BOOT_STRAP_SERVERS = "No boot strap servers specified"
MISSING_KAFKA_TOPIC = "Missing Kafka topic. See documentation for KafkaTask for required input parameters"
MISSING_KAFKA_VALUE = "Missing Kafka value.  See documentation for KafkaTask for required input parameters"
FAILED_TO_INVOKE = "Failed to invoke kafka task due to: "

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1


class _NumberFormatError(ValueError):
    """Java's NumberFormatException, with its message."""


def _parse_java_integer(text: str, low: int, high: int) -> int:
    """``Long.parseLong`` / ``Integer.parseInt``: optional sign and ASCII digits, in range."""
    body = text[1:] if text[:1] in "+-" else text
    if not body or not all("0" <= c <= "9" for c in body):
        raise _NumberFormatError(f'For input string: "{text}"')
    value = int(text)
    if not low <= value <= high:
        raise _NumberFormatError(f'For input string: "{text}"')
    return value


def _record_key(key: Any, serializer: str) -> Any:
    """The record key as the server's ``getKey`` converts it (String.valueOf first)."""
    text = java_string(key)
    if serializer == LONG_SERIALIZER:
        return _parse_java_integer(text, _LONG_MIN, _LONG_MAX)
    if serializer == INTEGER_SERIALIZER:
        return _parse_java_integer(text, _INT_MIN, _INT_MAX)
    return text


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class KafkaPublishHandler(SystemTaskHandler):
    """The server's KafkaPublishTaskMapper + KafkaPublishTask (asynchronous)."""

    task_type = "KAFKA_PUBLISH"
    is_async = True
    uses_input_template = True

    def prepare(self, task: TaskDict, workflow_task: Dict[str, Any], env: SystemTaskEnv) -> None:
        """SCHEDULED, queued after the workflow task's ``startDelay``."""
        task["status"] = "SCHEDULED"
        task["callbackAfterSeconds"] = int(workflow_task.get("startDelay") or 0)

    def start(self, task: TaskDict, env: SystemTaskEnv) -> None:
        """Validate ``kafka_request``, record it, then COMPLETED (IN_PROGRESS if asyncComplete)."""
        task["workerId"] = env.host_name
        request = (task.get("inputData") or {}).get(REQUEST_PARAMETER)
        if not isinstance(request, dict):
            # A non-map request cannot become the server's Input either; treated as missing.
            self._fail(task, MISSING_REQUEST)
            return
        if _blank(request.get("bootStrapServers")):
            self._fail(task, MISSING_BOOT_STRAP_SERVERS)
            return
        if _blank(request.get("topic")):
            self._fail(task, MISSING_KAFKA_TOPIC)
            return
        if request.get("value") is None:
            self._fail(task, MISSING_KAFKA_VALUE)
            return
        serializer = request.get("keySerializer") or STRING_SERIALIZER
        try:
            key = _record_key(request.get("key"), serializer)
        except _NumberFormatError as exc:
            self._fail(task, FAILED_TO_INVOKE + str(exc))
            return
        headers = request.get("headers") or {}
        env.record_kafka(
            {
                "bootStrapServers": request.get("bootStrapServers"),
                "topic": request.get("topic"),
                "key": key,
                "keySerializer": serializer,
                "value": json.loads(json.dumps(request.get("value"))),
                "valueJson": jackson_dumps(request.get("value")),
                "headers": {name: java_string(v) for name, v in headers.items()},
                "requestTimeoutMs": request.get("requestTimeoutMs"),
                "maxBlockMs": request.get("maxBlockMs"),
                "taskId": task.get("taskId"),
                "referenceTaskName": task.get("referenceTaskName"),
                "workflowInstanceId": task.get("workflowInstanceId"),
            }
        )
        task["status"] = IN_PROGRESS if self.is_async_complete(task) else COMPLETED

    def cancel(self, task: TaskDict, env: SystemTaskEnv) -> None:
        """CANCELED, as the server's cancel does."""
        task["status"] = "CANCELED"

    @staticmethod
    def _fail(task: TaskDict, reason: str) -> None:
        task["reasonForIncompletion"] = reason
        task["status"] = FAILED
