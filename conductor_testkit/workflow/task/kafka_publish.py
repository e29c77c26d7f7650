"""KAFKA_PUBLISH: publish a message to a Kafka topic from the server."""

from __future__ import annotations

from typing import Optional

from typing_extensions import Unpack

from conductor_testkit.models import TaskType
from conductor_testkit.workflow.task.kafka_publish_input import KafkaPublishInput
from conductor_testkit.workflow.task.task import TaskInterface, TaskOptions


class KafkaPublishTask(TaskInterface, wire_type="KAFKA_PUBLISH"):
    """Publish ``kafka_publish_input.value`` to ``kafka_publish_input.topic``."""

    def __init__(
        self,
        task_ref_name: str,
        kafka_publish_input: Optional[KafkaPublishInput] = None,
        **options: Unpack[TaskOptions],
    ) -> None:
        super().__init__(task_reference_name=task_ref_name, task_type=TaskType.KAFKA_PUBLISH, **options)
        self.input_parameters["kafka_request"] = (
            kafka_publish_input.to_dict() if kafka_publish_input is not None else {}
        )
