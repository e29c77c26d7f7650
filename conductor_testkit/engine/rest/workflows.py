"""REST routes of workflow executions (``/workflow``): start, execute, test, read, search, operate."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Tuple

from conductor_testkit.engine import operations
from conductor_testkit.engine.requests_check import check_test_request, read_start_request
from conductor_testkit.engine.rest import bodies
from conductor_testkit.engine.rest._common import TEXT, RestError, Route, RouterBase, _Call, _path_int
from conductor_testkit.engine.run import WORKFLOW_TERMINAL
from conductor_testkit.engine.search import search_workflows, workflow_summary
from conductor_testkit.engine.validation import DefinitionValidationError
from conductor_testkit.errors import ConductorError

_START_ARGUMENT = "startWorkflow.arg0"
_BULK_LIMIT = 1000


@contextmanager
def _start_validation() -> Iterator[None]:
    """The engine's start-request validation errors under the server's argument path."""
    try:
        yield
    except DefinitionValidationError as exc:
        raise bodies.validation_failed(_START_ARGUMENT, exc.validation_errors) from exc

WORKFLOW_ROUTES: Tuple[Route, ...] = (
    Route("POST", "/workflow", "start_workflow", TEXT),
    Route("POST", "/workflow/{name}", "start_workflow_by_name", TEXT),
    Route("POST", "/workflow/execute/{name}/{version}", "execute_workflow"),
    Route("POST", "/workflow/test", "test_workflow"),
    Route("GET", "/workflow/search", "search_workflows"),
    Route("GET", "/workflow/search-v2", "search_workflows_v2"),
    Route("GET", "/workflow/running/{name}", "get_running_workflows"),
    Route("GET", "/workflow/{name}/correlated/{correlationId}", "get_correlated_workflows"),
    Route("POST", "/workflow/{name}/correlated", "get_correlated_workflows_batch"),
    Route("GET", "/workflow/{workflowId}", "get_workflow"),
    Route("GET", "/workflow/{workflowId}/status", "get_workflow_status"),
    Route("GET", "/workflow/{workflowId}/tasks", "get_workflow_tasks"),
    Route("DELETE", "/workflow/{workflowId}", "terminate_workflow"),
    Route("DELETE", "/workflow/{workflowId}/remove", "remove_workflow"),
    Route("DELETE", "/workflow/{workflowId}/terminate-remove", "terminate_remove_workflow"),
    Route("PUT", "/workflow/decide/{workflowId}", "decide"),
    Route("PUT", "/workflow/{workflowId}/pause", "pause_workflow"),
    Route("PUT", "/workflow/{workflowId}/resume", "resume_workflow"),
    Route("PUT", "/workflow/{workflowId}/skiptask/{taskReferenceName}", "skip_task"),
    Route("POST", "/workflow/{workflowId}/rerun", "rerun_workflow", TEXT),
    Route("POST", "/workflow/{workflowId}/restart", "restart_workflow", status=204),
    Route("POST", "/workflow/{workflowId}/retry", "retry_workflow", status=204),
    Route("POST", "/workflow/{workflowId}/resetcallbacks", "reset_callbacks", status=204),
    Route("POST", "/workflow/{workflowId}/variables", "update_variables"),  # Orkes
    Route("PUT", "/workflow/bulk/pause", "bulk_pause"),
    Route("PUT", "/workflow/bulk/resume", "bulk_resume"),
    Route("POST", "/workflow/bulk/restart", "bulk_restart"),
    Route("POST", "/workflow/bulk/retry", "bulk_retry"),
    Route("POST", "/workflow/bulk/terminate", "bulk_terminate"),
    Route("DELETE", "/workflow/bulk/remove", "bulk_remove"),
    Route("DELETE", "/workflow/bulk/terminate-remove", "bulk_terminate_remove"),
)

_BULK_BODIES = {
    "pauseWorkflow": bodies.bulk_ids("pauseWorkflow"),
    "resumeWorkflow": bodies.bulk_ids("resumeWorkflow"),
    "restart": bodies.bulk_ids("restart", "boolean"),
    "retry": bodies.bulk_ids("retry"),
    "terminate": bodies.bulk_ids("terminate", "java.lang.String"),
    "deleteWorkflow": bodies.bulk_ids("deleteWorkflow", "boolean"),
    "terminateRemove": bodies.bulk_ids("terminateRemove", "boolean", "java.lang.String"),
}


class WorkflowHandlers(RouterBase):
    """Handlers of the ``/workflow`` routes."""

    # -- starting and executing ------------------------------------------------------------------

    def start_workflow(self, c: _Call) -> str:
        request = bodies.read_body(c, bodies.START_REQUEST)
        with _start_validation():
            request = read_start_request(request, task_def=self.engine.lookup_task_def)
            return str(self.engine.start_workflow(request))

    def start_workflow_by_name(self, c: _Call) -> str:
        name = c.path["name"]
        version = bodies.query_number(c, "version", "Integer")
        priority = bodies.query_number(c, "priority", "int", 0)
        workflow_input = bodies.read_body(c, bodies.START_INPUT)
        if priority is not None and not 0 <= priority <= 99:  # WorkflowService's @Min/@Max
            bound = "0 is the minimum" if priority < 0 else "99 is the maximum"
            problem = {"path": "", "message": f"{bound} priority value"}
            raise bodies.validation_failed("startWorkflow.arg3", [problem])
        # WorkflowService.startWorkflow(name, version, ...) looks the definition up first
        self.engine.get_workflow_def(name, version)
        request = {
            "name": name,
            "version": version,
            "correlationId": c.text("correlationId"),
            "priority": priority,
            "input": workflow_input,
        }
        with _start_validation():
            return str(self.engine.start_workflow({k: v for k, v in request.items() if v is not None}))

    def execute_workflow(self, c: _Call) -> Any:
        version = _path_int("version", c.path["version"])
        request = dict(bodies.read_body(c, bodies.EXECUTE_REQUEST))
        request["name"] = c.path["name"]
        request["version"] = None if version == 0 else version  # 0 means the latest, as on the server
        request = {k: v for k, v in request.items() if v is not None}
        wait_seconds = bodies.query_number(c, "waitForSeconds", "Integer", 10) or 10
        request_id = c.text("requestId") or str(uuid.uuid4())
        refs = [r.strip() for r in (c.text("waitUntilTaskRef") or "").split(",") if r.strip()]
        with _start_validation():
            request = read_start_request(request, task_def=self.engine.lookup_task_def)
            workflow_id = str(self.engine.start_workflow(request))
        self.gate.touch()  # workers waiting in a poll may have work now
        return self._await_signal_response(workflow_id, refs, request_id, wait_seconds)

    def test_workflow(self, c: _Call) -> Any:
        body = bodies.read_body(c, bodies.TEST_REQUEST)
        with _start_validation():  # the test endpoint validates as a start (3.32.1)
            request = check_test_request(body, task_def=self.engine.lookup_task_def)
            return self.engine.test_workflow(request)

    # -- reading workflows -----------------------------------------------------------------------

    def get_workflow(self, c: _Call) -> Any:
        return self._workflow(c.path["workflowId"], c.boolean("includeTasks", True))

    def get_workflow_status(self, c: _Call) -> Any:
        workflow = self._workflow(c.path["workflowId"], False)
        status: Dict[str, Any] = {"workflowId": workflow["workflowId"]}
        if workflow.get("correlationId") is not None:
            status["correlationId"] = workflow["correlationId"]
        if c.boolean("includeOutput", False):
            status["output"] = workflow.get("output", {})
        if c.boolean("includeVariables", False):
            status["variables"] = workflow.get("variables", {})
        status["status"] = workflow.get("status")
        return status

    def get_workflow_tasks(self, c: _Call) -> Any:
        tasks = self._workflow(c.path["workflowId"], True).get("tasks") or []
        statuses = c.texts("status")
        if statuses:
            wanted = {s.upper() for s in statuses}
            tasks = [t for t in tasks if t.get("status") in wanted]
        start = c.integer("start", 0) or 0
        count = c.integer("count", 15) or 0
        return {"totalHits": len(tasks), "results": tasks[start : start + count]}

    def search_workflows(self, c: _Call) -> Any:
        found = self._search(c)
        found["results"] = [workflow_summary(w) for w in found["results"]]
        return found

    def search_workflows_v2(self, c: _Call) -> Any:
        found = self._search(c)
        found["results"] = [self._workflow(w["workflowId"], False) for w in found["results"]]
        return found

    def _search(self, c: _Call) -> Dict[str, Any]:
        workflows = self.engine.store.all_workflows()  # archived runs included
        if c.boolean("topLevelOnly", False):
            workflows = [w for w in workflows if not w.get("parentWorkflowId")]
        return search_workflows(
            workflows,
            query=c.text("query"),
            free_text=c.text("freeText", "*") or "*",
            start=c.integer("start", 0) or 0,
            size=c.integer("size", 100) or 0,
            sort=c.texts("sort"),
        )

    def get_running_workflows(self, c: _Call) -> Any:
        name = c.path["name"]
        start_time = c.integer("startTime", None)
        end_time = c.integer("endTime", None)
        ids = []
        for workflow in self._workflows():
            if workflow.get("workflowName") != name or workflow.get("status") != "RUNNING":
                continue
            created = int(workflow.get("createTime") or 0)
            if start_time is not None and end_time is not None and not start_time <= created <= end_time:
                continue
            ids.append(workflow["workflowId"])
        return ids

    def _correlated(
        self, name: str, correlation_id: str, include_closed: bool, include_tasks: bool
    ) -> List[Any]:
        out = []
        for workflow in self.engine.store.all_workflows():  # archived runs included
            if workflow.get("workflowName") != name or workflow.get("correlationId") != correlation_id:
                continue
            if not include_closed and workflow.get("status") in WORKFLOW_TERMINAL:
                continue
            out.append(self._workflow(workflow["workflowId"], include_tasks))
        return out

    def get_correlated_workflows(self, c: _Call) -> Any:
        return self._correlated(
            c.path["name"],
            c.path["correlationId"],
            c.boolean("includeClosed", False),
            c.boolean("includeTasks", False),
        )

    def get_correlated_workflows_batch(self, c: _Call) -> Any:
        include_closed = c.boolean("includeClosed", False)
        include_tasks = c.boolean("includeTasks", False)
        result: Dict[str, Any] = {}
        correlation_ids = bodies.read_body(c, bodies.CORRELATION_IDS)
        if any(correlation_id is None for correlation_id in correlation_ids):
            raise RestError(500, "correlationId cannot be null")
        for correlation_id in correlation_ids:
            found = self._correlated(c.path["name"], str(correlation_id), include_closed, include_tasks)
            if found:
                result[str(correlation_id)] = found
        return result

    # -- workflow operations ---------------------------------------------------------------------

    def terminate_workflow(self, c: _Call) -> None:
        operations.terminate_workflow(
            self.engine,
            c.path["workflowId"],
            c.text("reason"),
            trigger_failure_workflow=c.boolean("triggerFailureWorkflow", False),
        )

    def remove_workflow(self, c: _Call) -> None:
        operations.remove_workflow(
            self.engine, c.path["workflowId"], archive=c.boolean("archiveWorkflow", True)
        )

    def terminate_remove_workflow(self, c: _Call) -> None:
        workflow_id = c.path["workflowId"]
        workflow = self._workflow(workflow_id, False)
        if workflow.get("status") not in WORKFLOW_TERMINAL:
            operations.terminate_workflow(self.engine, workflow_id, c.text("reason"))
        operations.remove_workflow(self.engine, workflow_id, archive=c.boolean("archiveWorkflow", True))

    def decide(self, c: _Call) -> None:
        self.engine.decide(c.path["workflowId"])

    def pause_workflow(self, c: _Call) -> None:
        operations.pause_workflow(self.engine, c.path["workflowId"])

    def resume_workflow(self, c: _Call) -> None:
        operations.resume_workflow(self.engine, c.path["workflowId"])

    def skip_task(self, c: _Call) -> None:
        # The OSS server binds SkipTaskRequest from query parameters, not from the body, and a
        # map cannot be written as a query parameter: a JSON body is ignored there, so here too.
        # (operations.skip_task honours a SkipTaskRequest for direct engine users.)
        operations.skip_task(self.engine, c.path["workflowId"], c.path["taskReferenceName"], None)

    def rerun_workflow(self, c: _Call) -> str:
        request = bodies.read_body(c, bodies.RERUN_REQUEST)
        return str(operations.rerun_workflow(self.engine, c.path["workflowId"], request))

    def restart_workflow(self, c: _Call) -> None:
        operations.restart_workflow(
            self.engine, c.path["workflowId"], use_latest_definitions=c.boolean("useLatestDefinitions", False)
        )

    def retry_workflow(self, c: _Call) -> None:
        operations.retry_workflow(
            self.engine,
            c.path["workflowId"],
            resume_subworkflow_tasks=c.boolean("resumeSubworkflowTasks", False),
        )

    def reset_callbacks(self, c: _Call) -> None:
        operations.reset_callbacks(self.engine, c.path["workflowId"])

    def update_variables(self, c: _Call) -> Any:
        operations.update_variables(self.engine, c.path["workflowId"], bodies.read_body(c, bodies.VARIABLES))
        return self._workflow(c.path["workflowId"], True)

    # -- bulk operations (WorkflowBulkResource): each id on its own, failures collected ------------

    def _bulk_ids(self, c: _Call, method: str) -> List[str]:
        ids: List[str] = bodies.read_body(c, _BULK_BODIES[method])
        if not ids:
            problem = "WorkflowIds list cannot be null."
        elif len(ids) > _BULK_LIMIT:
            problem = "Cannot process more than 1000 workflows. Please use multiple requests."
        else:
            return ids
        raise bodies.validation_failed(f"{method}.arg0", [{"path": "", "message": problem}])

    def _bulk(self, c: _Call, method: str, *steps: Callable[[str], Any]) -> Dict[str, Any]:
        """WorkflowBulkServiceImpl: each step on each id, each success and failure reported."""
        failed: Dict[str, str] = {}
        succeeded: List[str] = []
        for workflow_id in self._bulk_ids(c, method):
            for step in steps:
                try:
                    step(workflow_id)
                    succeeded.append(workflow_id)
                except ConductorError as exc:
                    failed[workflow_id] = str(getattr(exc, "message", None) or exc)
        return {"bulkErrorResults": failed, "bulkSuccessfulResults": succeeded}

    def bulk_pause(self, c: _Call) -> Any:
        return self._bulk(c, "pauseWorkflow", lambda wid: operations.pause_workflow(self.engine, wid))

    def bulk_resume(self, c: _Call) -> Any:
        return self._bulk(c, "resumeWorkflow", lambda wid: operations.resume_workflow(self.engine, wid))

    def bulk_restart(self, c: _Call) -> Any:
        latest = c.boolean("useLatestDefinitions", False)
        return self._bulk(
            c,
            "restart",
            lambda wid: operations.restart_workflow(self.engine, wid, use_latest_definitions=latest),
        )

    def bulk_retry(self, c: _Call) -> Any:
        return self._bulk(c, "retry", lambda wid: operations.retry_workflow(self.engine, wid))

    def bulk_terminate(self, c: _Call) -> Any:
        reason = c.text("reason")
        return self._bulk(c, "terminate", lambda wid: operations.terminate_workflow(self.engine, wid, reason))

    def bulk_remove(self, c: _Call) -> Any:
        archive = c.boolean("archiveWorkflow", True)
        return self._bulk(
            c, "deleteWorkflow", lambda wid: operations.remove_workflow(self.engine, wid, archive=archive)
        )

    def bulk_terminate_remove(self, c: _Call) -> Any:
        archive = c.boolean("archiveWorkflow", True)
        reason = c.text("reason")
        # terminated and removed separately, each step reported (an id can appear twice)
        return self._bulk(
            c,
            "terminateRemove",
            lambda wid: operations.terminate_workflow(self.engine, wid, reason),
            lambda wid: operations.remove_workflow(self.engine, wid, archive=archive),
        )
