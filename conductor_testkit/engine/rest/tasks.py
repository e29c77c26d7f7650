"""REST routes of tasks (``/tasks``): poll, update, signal, logs, queues and poll data."""

from __future__ import annotations

import uuid
from typing import Any, Dict, List, Mapping, Optional, Tuple

from conductor_testkit.engine import operations
from conductor_testkit.engine.errors import EngineNotFound
from conductor_testkit.engine.rest import bodies
from conductor_testkit.engine.rest._common import (
    NO_CONTENT,
    TEXT,
    RestError,
    Route,
    RouterBase,
    _Call,
    advance_idle_clock,
)
from conductor_testkit.engine.run import TERMINAL
from conductor_testkit.engine.validation import task_result_errors

TASK_ROUTES: Tuple[Route, ...] = (
    Route("GET", "/tasks/poll/{tasktype}", "poll"),
    Route("GET", "/tasks/poll/batch/{tasktype}", "batch_poll"),
    Route("POST", "/tasks", "update_task", TEXT),
    Route("POST", "/tasks/update-v2", "update_task_v2"),
    Route("POST", "/tasks/{workflowId}/{taskRefName}/{status}", "update_task_by_ref_name", TEXT),
    Route("POST", "/tasks/{workflowId}/{taskRefName}/{status}/sync", "update_task_by_ref_name_sync"),
    Route("POST", "/tasks/{workflowId}/{status}/signal", "signal"),
    Route("POST", "/tasks/{workflowId}/{status}/signal/sync", "signal_sync"),
    Route("POST", "/tasks/{taskId}/log", "add_task_log"),
    Route("GET", "/tasks/{taskId}/log", "get_task_logs"),
    Route("GET", "/tasks/{taskId}", "get_task"),
    Route("GET", "/tasks/queue/sizes", "queue_sizes"),
    Route("GET", "/tasks/queue/size", "queue_size"),
    Route("GET", "/tasks/queue/all", "queue_all"),
    Route("GET", "/tasks/queue/polldata", "poll_data"),
    Route("GET", "/tasks/queue/polldata/all", "all_poll_data"),
)


class TaskHandlers(RouterBase):
    """Handlers of the ``/tasks`` routes."""

    def _record_poll(self, task_type: str, worker_id: Optional[str], domain: Optional[str]) -> None:
        entry: Dict[str, Any] = {"queueName": task_type if not domain else f"{domain}:{task_type}"}
        if domain:
            entry["domain"] = domain
        if worker_id:
            entry["workerId"] = worker_id
        entry["lastPollTime"] = self._now_ms()
        self._poll_data[(task_type, domain)] = entry

    def _poll(self, task_type: str, worker_id: Optional[str], domain: Optional[str], count: int) -> List[Any]:
        self._record_poll(task_type, worker_id, domain)
        tasks = list(self.engine.poll(task_type, worker_id, domain, count))
        if not tasks and self.time_skipping and advance_idle_clock(self.engine):
            self.gate.touch()
            tasks = list(self.engine.poll(task_type, worker_id, domain, count))
        return tasks

    def poll(self, c: _Call) -> Any:
        tasks = self._poll(c.path["tasktype"], c.text("workerid"), c.text("domain"), 1)
        return tasks[0] if tasks else NO_CONTENT

    def batch_poll(self, c: _Call) -> Any:
        task_type = c.path["tasktype"]
        worker_id, domain = c.text("workerid"), c.text("domain")
        count = c.integer("count", 1) or 1
        timeout_ms = c.integer("timeout", 100) or 0
        return (
            self.gate.wait_until(lambda: self._poll(task_type, worker_id, domain, count), timeout_ms / 1000.0)
            or []
        )

    def _task_result(self, c: _Call, body: bodies.Body) -> Dict[str, Any]:
        """A TaskResult body as TaskService.updateTask takes it: valid, of an existing workflow."""
        result: Dict[str, Any] = bodies.read_body(c, body)
        errors = task_result_errors(result)
        if errors and body is bodies.TASK_RESULT_V2:
            raise RestError(500, _argument_not_valid(body.method, result, errors))
        if errors:
            raise bodies.validation_failed("updateTask.arg0", errors)
        self.engine.store.run(result["workflowInstanceId"])  # 404 first, as the server's executor
        return result

    def update_task(self, c: _Call) -> str:
        result = self._task_result(c, bodies.TASK_RESULT)
        self.engine.update_task(result)
        return str(result.get("taskId") or "")

    def update_task_v2(self, c: _Call) -> Any:
        result = self._task_result(c, bodies.TASK_RESULT_V2)
        self.engine.update_task(result)
        task = self.engine.get_task(result.get("taskId"))
        if task.get("status") not in TERMINAL:
            return NO_CONTENT
        tasks = self._poll(task.get("taskType"), result.get("workerId"), task.get("domain"), 1)
        return tasks[0] if tasks else NO_CONTENT

    def _update_by_ref_name(self, c: _Call, body: bodies.Body) -> str:
        status = bodies.path_status(c)
        output = bodies.read_body(c, body)
        try:
            task_id = self.engine.update_task_by_ref_name(
                c.path["workflowId"], c.path["taskRefName"], status, output, worker_id=c.text("workerid")
            )
        except EngineNotFound:
            return ""  # no such workflow: no pending task, nothing updated (as on the server)
        return str(task_id or "")

    def update_task_by_ref_name(self, c: _Call) -> str:
        return self._update_by_ref_name(c, bodies.TASK_OUTPUT)

    def update_task_by_ref_name_sync(self, c: _Call) -> Any:
        workflow_id, ref = c.path["workflowId"], c.path["taskRefName"]
        if not self._update_by_ref_name(c, bodies.TASK_OUTPUT_SYNC):
            raise RestError(404, f"Found no running task {ref} of workflow {workflow_id} to update")
        return self._workflow(workflow_id, True)

    def signal(self, c: _Call) -> None:
        status = bodies.path_status(c)
        output = bodies.read_body(c, bodies.SIGNAL_OUTPUT)
        operations.signal(self.engine, c.path["workflowId"], status, output)

    def signal_sync(self, c: _Call) -> Any:
        workflow_id = c.path["workflowId"]
        status = bodies.path_status(c)
        output = bodies.read_body(c, bodies.SIGNAL_OUTPUT_SYNC)
        task_id = operations.signal(self.engine, workflow_id, status, output)
        if not task_id:
            raise RestError(404, f"Found no blocked task in workflow {workflow_id} to signal")
        self.gate.touch()
        wait_seconds = (c.integer("timeoutMillis", 5000) or 0) / 1000.0
        return self._await_signal_response(workflow_id, [], str(uuid.uuid4()), wait_seconds)

    def add_task_log(self, c: _Call) -> None:
        task_id = c.path["taskId"]
        self._logs.setdefault(task_id, []).append(
            {"log": bodies.read_body(c, bodies.TASK_LOG), "taskId": task_id, "createdTime": self._now_ms()}
        )

    def get_task_logs(self, c: _Call) -> Any:
        return list(self._logs.get(c.path["taskId"], [])) or NO_CONTENT

    def get_task(self, c: _Call) -> Any:
        task_id = c.path["taskId"]
        if self.engine.store.find_task(task_id) is None:
            raise RestError(404, f"Task not found for taskId: {task_id}")  # the resource's own text
        return self.engine.get_task(task_id)

    def _queue_counts(self) -> Dict[str, int]:
        counts: Dict[str, int] = {}
        for workflow in self._workflows():
            for task in workflow.get("tasks") or []:
                if task.get("status") == "SCHEDULED" and self.engine.is_worker_task(task):
                    name = task.get("taskType")
                    domain = task.get("domain")
                    key = f"{domain}:{name}" if domain else str(name)
                    counts[key] = counts.get(key, 0) + 1
        return counts

    def queue_sizes(self, c: _Call) -> Any:
        counts = self._queue_counts()
        return {name: counts.get(name, 0) for name in c.texts("taskType") or []}

    def queue_size(self, c: _Call) -> Any:
        name = c.required_text("taskType")
        domain = c.text("domain")
        return self._queue_counts().get(f"{domain}:{name}" if domain else name, 0)

    def queue_all(self, c: _Call) -> Any:
        return self._queue_counts()

    def poll_data(self, c: _Call) -> Any:
        task_type = c.required_text("taskType")
        return [entry for (name, _), entry in self._poll_data.items() if name == task_type]

    def all_poll_data(self, c: _Call) -> Any:
        return list(self._poll_data.values())


def _argument_not_valid(method: str, result: Mapping[str, Any], errors: List[Dict[str, str]]) -> str:
    """Spring's MethodArgumentNotValidException text for a TaskResult (``@Valid`` on the argument)."""
    parts = []
    for error in sorted(errors, key=lambda e: e["path"] != "workflowInstanceId"):
        field = error["path"]
        value = result.get(field)
        parts.append(
            f"[Field error in object 'taskResult' on field '{field}': rejected value "
            f"[{'null' if value is None else value}]; codes [NotEmpty.taskResult.{field},NotEmpty.{field},"
            f"NotEmpty.java.lang.String,NotEmpty]; arguments [org.springframework.context.support."
            f"DefaultMessageSourceResolvable: codes [taskResult.{field},{field}]; arguments []; default "
            f"message [{field}]]; default message [{error['message']}]] "
        )
    count = "" if len(parts) == 1 else f" with {len(parts)} errors"
    return f"Validation failed for argument [0] in {method}{count}: {''.join(parts)}"
