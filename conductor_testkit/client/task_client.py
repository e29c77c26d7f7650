"""TaskClient: poll, update and inspect tasks (``/tasks/...``); what workers talk to."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Union

from conductor_testkit.client.api_client import ResourceClient, path_segment, to_body
from conductor_testkit.models import PollData, Task, TaskExecLog, TaskResult, Workflow
from conductor_testkit.models.base import wire


def _task_status_path(workflow_id: str, task_ref_name: str, status: Any) -> str:
    # status may be a TaskResultStatus or its string
    return f"/tasks/{path_segment(workflow_id)}/{path_segment(task_ref_name)}/{path_segment(wire(status))}"


class TaskClient(ResourceClient):
    """Task operations with the official SDK's names and signatures."""

    def poll_task(
        self, task_type: str, worker_id: Optional[str] = None, domain: Optional[str] = None
    ) -> Optional[Task]:
        """Take one scheduled task of ``task_type`` (IN_PROGRESS from now on), or None."""
        body = self.api_client.call_json(
            "GET",
            f"/tasks/poll/{path_segment(task_type)}",
            params={"workerid": worker_id, "domain": domain},
            idempotent=False,  # a repeated poll could take a second task
        )
        return Task.from_dict(body) if isinstance(body, dict) and body else None

    def batch_poll_tasks(
        self,
        task_type: str,
        worker_id: Optional[str] = None,
        count: Optional[int] = 1,
        timeout_in_millisecond: Optional[int] = 100,
        domain: Optional[str] = None,
    ) -> List[Task]:
        """Take up to ``count`` tasks, waiting up to ``timeout_in_millisecond`` for them."""
        wait_seconds = (timeout_in_millisecond or 0) / 1000.0
        body = self.api_client.call_json(
            "GET",
            f"/tasks/poll/batch/{path_segment(task_type)}",
            params={
                "workerid": worker_id,
                "count": count,
                "timeout": timeout_in_millisecond,
                "domain": domain,
            },
            idempotent=False,
            read_timeout_seconds=wait_seconds + self.api_client.configuration.read_timeout_seconds,
        )
        return [Task.from_dict(item) for item in body or []]

    def get_task(self, task_id: str) -> Task:
        """A task by id."""
        return self.api_client.call_model(Task, "GET", f"/tasks/{path_segment(task_id)}")

    def update_task(self, task_result: Union[TaskResult, dict]) -> str:
        """Report a task's result; returns the task id."""
        body = to_body(TaskResult, task_result, "task_result")
        return self.api_client.call_text("POST", "/tasks", json_body=body)

    def update_task_by_ref_name(
        self,
        workflow_id: str,
        task_ref_name: str,
        status: Any,
        output: Optional[Dict[str, Any]] = None,
        worker_id: Optional[str] = None,
    ) -> str:
        """Update the pending task ``task_ref_name`` of a workflow; output is merged into its output.

        Returns the task id, or "" when no such task is pending.
        """
        return self.api_client.call_text(
            "POST",
            _task_status_path(workflow_id, task_ref_name, status),
            params={"workerid": worker_id},
            json_body=output or {},
        )

    def update_task_sync(
        self,
        workflow_id: str,
        task_ref_name: str,
        status: Any,
        output: Optional[Dict[str, Any]] = None,
        worker_id: Optional[str] = None,
    ) -> Workflow:
        """Like :meth:`update_task_by_ref_name`, returning the workflow after the update."""
        return self.api_client.call_model(
            Workflow,
            "POST",
            _task_status_path(workflow_id, task_ref_name, status) + "/sync",
            params={"workerid": worker_id},
            json_body=output or {},
        )

    def add_task_log(self, task_id: str, log_message: str) -> None:
        """Append a line to the task's execution log."""
        self.api_client.call("POST", f"/tasks/{path_segment(task_id)}/log", text_body=log_message)

    def get_task_logs(self, task_id: str) -> List[TaskExecLog]:
        """The task's execution log lines."""
        return self.api_client.call_models(TaskExecLog, "GET", f"/tasks/{path_segment(task_id)}/log")

    def get_queue_size_for_task(self, task_type: str) -> int:
        """How many tasks of ``task_type`` wait to be polled."""
        body = self.api_client.get_json("/tasks/queue/sizes", params={"taskType": task_type}) or {}
        return int(body.get(task_type, 0)) if isinstance(body, dict) else int(body)

    def get_task_poll_data(self, task_type: str) -> List[PollData]:
        """Who last polled ``task_type`` and when (per domain)."""
        return self.api_client.call_models(
            PollData, "GET", "/tasks/queue/polldata", params={"taskType": task_type}
        )
