"""Helpers shared by the worker integration tests (imported by test_worker_*.py)."""

from __future__ import annotations

import time
import uuid
from typing import Any, Callable, Optional

from conductor_testkit.client import Configuration, MetadataClient
from conductor_testkit.models import TaskDef


def unique(prefix: str) -> str:
    """A name no other test run uses (the server is shared by every test)."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def register_one_task_workflow(
    url: str, workflow_name: str, task: str, task_def: Optional[TaskDef] = None
) -> None:
    """The task definition (default: no retries, 120 s response timeout) and a workflow of one
    SIMPLE task ``work`` taking ``${workflow.input.value}``."""
    metadata = MetadataClient(Configuration(server_api_url=url))
    metadata.register_task_def(
        task_def
        or TaskDef(name=task, retry_count=0, response_timeout_seconds=120, owner_email="test@example.com")
    )
    metadata.register_workflow_def(
        {
            "name": workflow_name,
            "version": 1,
            "schemaVersion": 2,
            "ownerEmail": "test@example.com",
            "tasks": [
                {
                    "name": task,
                    "taskReferenceName": "work",
                    "type": "SIMPLE",
                    "inputParameters": {"value": "${workflow.input.value}"},
                }
            ],
        },
        overwrite=True,
    )


def wait_until(condition: Callable[[], Any], what: str, deadline_seconds: float = 60) -> Any:
    """``condition()``'s first truthy value; an AssertionError naming ``what`` after the deadline."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {deadline_seconds}s waiting for {what}")
        time.sleep(0.05)
