"""System task handlers of the in-memory engine, one module per task type.

``HANDLERS`` maps a workflow task ``type`` to its :class:`SystemTaskHandler`: INLINE, LAMBDA,
JSON_JQ_TRANSFORM, HTTP, WAIT, HUMAN, EVENT, KAFKA_PUBLISH and NOOP. The engine owns the control
flow types (SWITCH, FORK, JOIN, DO_WHILE, SUB_WORKFLOW, ...). Asynchronous handlers are run with
:func:`run_async_task`.
"""

from __future__ import annotations

from typing import Dict

from conductor_testkit.engine.system_tasks.async_executor import run_async_task
from conductor_testkit.engine.system_tasks.base import (
    WAIT_TIMEOUT_KEY,
    MappingTerminateError,
    SystemTaskEnv,
    SystemTaskHandler,
    is_terminal,
)
from conductor_testkit.engine.system_tasks.event import EventHandler
from conductor_testkit.engine.system_tasks.http_task import HttpHandler
from conductor_testkit.engine.system_tasks.human import HumanHandler
from conductor_testkit.engine.system_tasks.inline import InlineHandler
from conductor_testkit.engine.system_tasks.json_jq import JsonJqTransformHandler
from conductor_testkit.engine.system_tasks.kafka_publish import KafkaPublishHandler
from conductor_testkit.engine.system_tasks.lambda_task import LambdaHandler
from conductor_testkit.engine.system_tasks.noop import NoopHandler
from conductor_testkit.engine.system_tasks.wait import WaitHandler


def default_handlers() -> Dict[str, SystemTaskHandler]:
    """A fresh handler per system task type (handlers hold only configuration)."""
    handlers = [
        InlineHandler(),
        LambdaHandler(),
        JsonJqTransformHandler(),
        HttpHandler(),
        WaitHandler(),
        HumanHandler(),
        EventHandler(),
        KafkaPublishHandler(),
        NoopHandler(),
    ]
    return {handler.task_type: handler for handler in handlers}


HANDLERS: Dict[str, SystemTaskHandler] = default_handlers()

__all__ = [
    "HANDLERS",
    "WAIT_TIMEOUT_KEY",
    "EventHandler",
    "HttpHandler",
    "HumanHandler",
    "InlineHandler",
    "JsonJqTransformHandler",
    "KafkaPublishHandler",
    "LambdaHandler",
    "MappingTerminateError",
    "NoopHandler",
    "SystemTaskEnv",
    "SystemTaskHandler",
    "WaitHandler",
    "default_handlers",
    "is_terminal",
    "run_async_task",
]
