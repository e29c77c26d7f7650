"""KafkaPublishInput: the ``kafka_request`` input of a KAFKA_PUBLISH task."""

from __future__ import annotations

from typing import Any, Dict, Optional

from conductor_testkit.workflow.task.task import to_wire_value


class KafkaPublishInput:
    """Where and what to publish. ``key_serializer`` is a Kafka serializer class name."""

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

    def to_dict(self) -> Dict[str, Any]:
        """The wire JSON (camelCase; unset fields omitted)."""
        fields = {
            "bootStrapServers": self.bootstrap_servers,
            "key": self.key,
            "keySerializer": self.key_serializer,
            "value": self.value,
            "requestTimeoutMs": self.request_timeout_ms,
            "maxBlockMs": self.max_block_ms,
            "headers": self.headers,
            "topic": self.topic,
        }
        return {k: to_wire_value(v) for k, v in fields.items() if v is not None}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if v is not None)
        return f"KafkaPublishInput({args})"
