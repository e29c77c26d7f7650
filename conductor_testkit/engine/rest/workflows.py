"""REST routes of workflow executions (``/workflow``): start, execute, test, read, search, operate."""

from __future__ import annotations

import json
import uuid
from typing import Any, Dict, List, Tuple

from conductor_testkit.engine import operations
from conductor_testkit.engine.rest._common import (
    _START_ROOT,
    TEXT,
    RestError,
    Route,
    RouterBase,
    _Call,
    _path_int,
    _validation_root,
)
from conductor_testkit.engine.run import WORKFLOW_TERMINAL
from conductor_testkit.engine.search import search_workflows, workflow_summary

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
)


class WorkflowHandlers(RouterBase):
    """Handlers of the ``/workflow`` routes."""

    # -- starting and executing ------------------------------------------------------------------

    def start_workflow(self, c: _Call) -> str:
        request = c.body(dict)
        _check_idempotency_strategy(request)
        with _validation_root(_START_ROOT):
            return str(self.engine.start_workflow(request))

    def start_workflow_by_name(self, c: _Call) -> str:
        request = {
            "name": c.path["name"],
            "version": c.integer("version", None),
            "correlationId": c.text("correlationId"),
            "priority": c.integer("priority", 0),
            "input": c.body(dict),
        }
        return str(self.engine.start_workflow({k: v for k, v in request.items() if v is not None}))

    def execute_workflow(self, c: _Call) -> Any:
        request = dict(c.body(dict))
        version = _path_int("version", c.path["version"])
        request["name"] = c.path["name"]
        request["version"] = None if version == 0 else version  # 0 means the latest, as on the server
        request = {k: v for k, v in request.items() if v is not None}
        wait_seconds = c.integer("waitForSeconds", 10) or 10
        request_id = c.text("requestId") or str(uuid.uuid4())
        refs = [r.strip() for r in (c.text("waitUntilTaskRef") or "").split(",") if r.strip()]
        with _validation_root(_START_ROOT):
            workflow_id = str(self.engine.start_workflow(request))
        self.gate.touch()  # workers waiting in a poll may have work now
        return self._await_signal_response(workflow_id, refs, request_id, wait_seconds)

    def test_workflow(self, c: _Call) -> Any:
        request = c.body(dict)
        _check_idempotency_strategy(request)
        with _validation_root(_START_ROOT):  # the test endpoint validates as a start (3.32.1)
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
        workflows = self._workflows()
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
        for workflow in self._workflows():
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
        for correlation_id in c.body(list):
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
        return str(operations.rerun_workflow(self.engine, c.path["workflowId"], c.body(dict)))

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
        operations.update_variables(self.engine, c.path["workflowId"], c.body(dict))
        return self._workflow(c.path["workflowId"], True)


# Jackson lists an enum's accepted values in this order in its error message (verified on 3.32.1)
_IDEMPOTENCY_STRATEGIES = ("FAIL_ON_RUNNING", "RETURN_EXISTING", "FAIL")


def _check_idempotency_strategy(request: Dict[str, Any]) -> None:
    """A start request's ``idempotencyStrategy`` must name an IdempotencyStrategy (else HTTP 500,
    the server's JSON parse error). 3.32.1 applies none of them on start."""
    strategy = request.get("idempotencyStrategy")
    if strategy is None or strategy in _IDEMPOTENCY_STRATEGIES:
        return
    shown = json.dumps(strategy) if isinstance(strategy, str) else str(strategy)
    raise RestError(
        500,
        "JSON parse error: Cannot deserialize value of type "
        "`com.netflix.conductor.common.metadata.workflow.IdempotencyStrategy` from String "
        f"{shown}: not one of the values accepted for Enum class: [{', '.join(_IDEMPOTENCY_STRATEGIES)}]",
    )
