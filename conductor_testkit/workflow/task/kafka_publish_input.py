"""KafkaPublishInput: the ``kafka_request`` input of a KAFKA_PUBLISH task."""

from __future__ import annotations

from typing import Any, ClassVar, Dict, Optional

from conductor_testkit.workflow.task.wire_input import WireInput


class KafkaPublishInput(WireInput):
    """Where and what to publish. ``key_serializer`` is a Kafka serializer class name."""

    _WIRE_KEYS: ClassVar[Dict[str, str]] = {
        "bootstrap_servers": "bootStrapServers",
        "key": "key",
        "key_serializer": "keySerializer",
        "value": "value",
        "request_timeout_ms": "requestTimeoutMs",
        "max_block_ms": "maxBlockMs",
        "headers": "headers",
        "topic": "topic",
    }

    def __init__(
        self,
        bootstrap_servers: Optional[str] = None,
        key: Optional[str] = None,
        key_serializer: Optional[str] = None,
        value: Any = None,
        request_timeout_ms: Optional[str] = None,
        max_block_ms: Optional[str] = None,
        headers: Optional[Dict[str, Any]] = None,
        topic: Optional[str] = None,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.key = key
        self.key_serializer = key_serializer
        self.value = value
        self.request_timeout_ms = request_timeout_ms
        self.max_block_ms = max_block_ms
        self.headers = headers
        self.topic = topic
