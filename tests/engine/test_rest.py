"""The REST router answers like the server: routes, status codes, media types, error bodies."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

import pytest
from _greetings import GREETINGS

from conductor_testkit.engine.engine import Engine
from conductor_testkit.engine.rest import ROUTES, RestRequest, RestResponse, RestRouter


@pytest.fixture
def router() -> RestRouter:
    router = RestRouter(Engine())
    assert call(router, "POST", "/metadata/workflow", GREETINGS).status == 200
    return router


def call(
    router: RestRouter,
    method: str,
    path: str,
    body: Any = None,
    query: Optional[Dict[str, Any]] = None,
    text: Optional[str] = None,
) -> RestResponse:
    values = {k: v if isinstance(v, list) else [str(v)] for k, v in (query or {}).items()}
    raw = text if text is not None else (json.dumps(body) if body is not None else None)
    return router.handle(RestRequest(method, path, values, raw))


def start(router: RestRouter, **fields: Any) -> str:
    answer = call(router, "POST", "/workflow", {"name": "greetings", "input": {"name": "Orkes"}, **fields})
    assert answer.status == 200, answer.body
    return answer.body


def test_route_table_has_one_handler_per_method_and_path() -> None:
    keys = [(r.method, r.template) for r in ROUTES]
    assert len(keys) == len(set(keys))
    assert all(hasattr(RestRouter, r.handler) for r in ROUTES)


def test_start_answers_the_id_as_plain_text(router: RestRouter) -> None:
    answer = call(router, "POST", "/workflow", {"name": "greetings", "input": {"name": "Orkes"}})
    assert (answer.status, answer.content_type) == (200, "text/plain;charset=UTF-8")
    assert call(router, "GET", f"/workflow/{answer.body}").json()["workflowId"] == answer.body


def test_start_by_name_takes_input_body_and_query_parameters(router: RestRouter) -> None:
    answer = call(router, "POST", "/workflow/greetings", {"name": "Q"}, {"correlationId": "c9", "version": 1})
    workflow = call(router, "GET", f"/workflow/{answer.body}").json()
    assert (workflow["correlationId"], workflow["input"]) == ("c9", {"name": "Q"})


def test_unknown_workflow_is_a_404_with_the_server_error_body(router: RestRouter) -> None:
    answer = call(router, "GET", "/workflow/nope")
    assert answer.status == 404
    body = answer.json()
    assert set(body) == {"status", "message", "instance", "retryable"}
    assert (body["status"], body["message"], body["retryable"]) == (
        404,
        "No such workflow found by id: nope",
        False,
    )


def test_unknown_path_is_a_404_naming_the_static_resource(router: RestRouter) -> None:
    answer = call(router, "GET", "/nothing/here")
    assert (answer.status, answer.json()["message"]) == (404, "No static resource api/nothing/here.")


def test_known_path_with_other_method_is_a_405(router: RestRouter) -> None:
    answer = call(router, "PATCH", "/workflow/abc")
    assert (answer.status, answer.json()["message"]) == (405, "Request method 'PATCH' is not supported")


def test_literal_segments_win_over_path_variables(router: RestRouter) -> None:
    start(router)
    answer = call(router, "GET", "/workflow/search", query={"query": "workflowType=greetings"})
    assert answer.status == 200 and answer.json()["totalHits"] == 1


def test_invalid_boolean_parameter_is_a_500_like_spring(router: RestRouter) -> None:
    workflow_id = start(router)
    answer = call(router, "GET", f"/workflow/{workflow_id}", query={"includeTasks": "maybe"})
    assert answer.status == 500
    assert "Invalid boolean value [maybe]" in answer.json()["message"]


def test_include_tasks_false_returns_an_empty_task_list(router: RestRouter) -> None:
    workflow_id = start(router)
    assert (
        call(router, "GET", f"/workflow/{workflow_id}", query={"includeTasks": "false"}).json()["tasks"] == []
    )


def test_missing_body_is_a_500(router: RestRouter) -> None:
    assert call(router, "POST", "/workflow/greetings").status == 500


def test_poll_without_work_is_a_204_and_batch_poll_an_empty_list(router: RestRouter) -> None:
    assert call(router, "GET", "/tasks/poll/greet").status == 204
    answer = call(router, "GET", "/tasks/poll/batch/greet", query={"timeout": 1})
    assert (answer.status, answer.json()) == (200, [])


def test_poll_returns_the_task_in_progress_and_records_poll_data(router: RestRouter) -> None:
    start(router)
    task = call(router, "GET", "/tasks/poll/greet", query={"workerid": "w1"}).json()
    assert (task["status"], task["inputData"]) == ("IN_PROGRESS", {"name": "Orkes"})
    poll_data = call(router, "GET", "/tasks/queue/polldata", query={"taskType": "greet"}).json()
    assert [(p["queueName"], p["workerId"]) for p in poll_data] == [("greet", "w1")]


def test_update_task_answers_the_task_id_as_text(router: RestRouter) -> None:
    start(router)
    task = call(router, "GET", "/tasks/poll/greet").json()
    result = {
        "taskId": task["taskId"],
        "workflowInstanceId": task["workflowInstanceId"],
        "status": "COMPLETED",
    }
    answer = call(router, "POST", "/tasks", result)
    assert (answer.status, answer.body, answer.content_type) == (
        200,
        task["taskId"],
        "text/plain;charset=UTF-8",
    )


def test_task_logs_are_204_until_one_is_added(router: RestRouter) -> None:
    start(router)
    task = call(router, "GET", "/tasks/poll/greet").json()
    assert call(router, "GET", f"/tasks/{task['taskId']}/log").status == 204
    assert call(router, "POST", f"/tasks/{task['taskId']}/log", text="line one").status == 200
    logs = call(router, "GET", f"/tasks/{task['taskId']}/log").json()
    assert [(log["log"], log["taskId"]) for log in logs] == [("line one", task["taskId"])]


def test_queue_sizes_count_scheduled_worker_tasks(router: RestRouter) -> None:
    start(router)
    start(router)
    call(router, "GET", "/tasks/poll/greet")
    sizes = call(router, "GET", "/tasks/queue/sizes", query={"taskType": ["greet", "other"]}).json()
    assert sizes == {"greet": 1, "other": 0}


def test_update_by_reference_with_a_bad_status_is_a_500(router: RestRouter) -> None:
    workflow_id = start(router)
    answer = call(router, "POST", f"/tasks/{workflow_id}/hold/BOGUS", {})
    assert answer.status == 500 and "BOGUS" in answer.json()["message"]


def test_retry_and_restart_answer_204(router: RestRouter) -> None:
    workflow_id = start(router)
    call(router, "DELETE", f"/workflow/{workflow_id}", query={"reason": "stop"})
    assert call(router, "POST", f"/workflow/{workflow_id}/restart").status == 204
    call(router, "DELETE", f"/workflow/{workflow_id}", query={"reason": "stop"})
    assert call(router, "POST", f"/workflow/{workflow_id}/retry").status == 204


def test_status_summary_includes_output_and_variables_on_request(router: RestRouter) -> None:
    workflow_id = start(router)
    plain = call(router, "GET", f"/workflow/{workflow_id}/status").json()
    full = call(
        router,
        "GET",
        f"/workflow/{workflow_id}/status",
        query={"includeOutput": "true", "includeVariables": "true"},
    ).json()
    assert plain == {"workflowId": workflow_id, "status": "RUNNING"}
    assert full == {"workflowId": workflow_id, "output": {}, "variables": {}, "status": "RUNNING"}


def test_search_filters_by_status_and_correlation_id(router: RestRouter) -> None:
    kept = start(router, correlationId="keep")
    start(router, correlationId="other")
    found = call(
        router,
        "GET",
        "/workflow/search",
        query={"query": "workflowType IN (greetings) AND correlationId=keep AND status=RUNNING"},
    ).json()
    assert [s["workflowId"] for s in found["results"]] == [kept]


def test_search_summary_renders_input_as_java_text_and_times_as_iso(router: RestRouter) -> None:
    start(router)
    summary = call(router, "GET", "/workflow/search", query={"query": "workflowType=greetings"}).json()[
        "results"
    ][0]
    assert summary["input"] == "{name=Orkes}"
    assert summary["startTime"].endswith("Z") and "T" in summary["startTime"]


def test_search_free_text_matches_the_summary(router: RestRouter) -> None:
    start(router, input={"name": "Needle"})
    start(router, input={"name": "Hay"})
    found = call(router, "GET", "/workflow/search", query={"freeText": "needle"}).json()
    assert [s["input"] for s in found["results"]] == ["{name=Needle}"]


def test_correlated_lists_only_running_unless_closed_included(router: RestRouter) -> None:
    running = start(router, correlationId="c")
    ended = start(router, correlationId="c")
    call(router, "DELETE", f"/workflow/{ended}")
    open_only = call(router, "GET", "/workflow/greetings/correlated/c").json()
    all_of_them = call(
        router, "POST", "/workflow/greetings/correlated", ["c", "none"], {"includeClosed": "true"}
    ).json()
    assert [w["workflowId"] for w in open_only] == [running]
    assert sorted(w["workflowId"] for w in all_of_them["c"]) == sorted([running, ended])
    assert "none" not in all_of_them


def test_signal_sync_answers_the_target_workflow(router: RestRouter) -> None:
    workflow_id = start(router)
    task = call(router, "GET", "/tasks/poll/greet").json()
    call(
        router,
        "POST",
        "/tasks",
        {"taskId": task["taskId"], "workflowInstanceId": workflow_id, "status": "COMPLETED"},
    )
    answer = call(router, "POST", f"/tasks/{workflow_id}/COMPLETED/signal/sync", {"ok": True}).json()
    assert (answer["responseType"], answer["targetWorkflowStatus"]) == ("TARGET_WORKFLOW", "COMPLETED")


def test_execute_returns_when_the_workflow_blocks_on_a_wait(router: RestRouter) -> None:
    router.engine.register_workflow_def(
        {
            "name": "only_wait",
            "version": 1,
            "tasks": [{"name": "w", "taskReferenceName": "w", "type": "WAIT"}],
        }
    )
    answer = call(
        router, "POST", "/workflow/execute/only_wait/1", {"input": {"a": 1}}, {"waitForSeconds": 5}
    ).json()
    assert (answer["status"], answer["signalTimeout"], answer["input"]) == ("RUNNING", False, {"a": 1})


def test_update_variables_merges_and_answers_the_workflow(router: RestRouter) -> None:
    workflow_id = start(router)
    call(router, "POST", f"/workflow/{workflow_id}/variables", {"a": 1})
    answer = call(router, "POST", f"/workflow/{workflow_id}/variables", {"b": 2})
    assert answer.json()["variables"] == {"a": 1, "b": 2}


def test_event_handlers_crud_with_the_server_errors(router: RestRouter) -> None:
    handler = {
        "name": "h1",
        "event": "conductor:x:y",
        "active": True,
        "actions": [{"action": "complete_task", "complete_task": {"workflowId": "a", "taskRefName": "b"}}],
    }
    assert call(router, "POST", "/event", handler).status == 200
    duplicate = call(router, "POST", "/event", handler)
    assert (duplicate.status, duplicate.json()["message"]) == (
        500,
        "EventHandler with name h1 already exists!",
    )
    listed: List[Dict[str, Any]] = call(router, "GET", "/event/conductor:x:y").json()
    assert listed[0]["actions"][0]["complete_task"]["output"] == {}
    assert call(router, "DELETE", "/event/h1").status == 200
    assert call(router, "DELETE", "/event/h1").json()["message"] == "EventHandler with name h1 not found!"


def test_event_handler_actions_get_the_servers_defaults(router: RestRouter) -> None:
    handler = {
        "name": "h2",
        "event": "conductor:x:z",
        "actions": [
            {"action": "start_workflow", "start_workflow": {"name": "greetings"}},
            {
                "action": "fail_task",
                "fail_task": {"workflowId": "a", "taskRefName": "b"},
                "expandInlineJSON": True,
            },
            # verified on 3.32.1: the server ignores this spelling (false, key dropped)
            {"action": "complete_task", "complete_task": {"taskId": "t"}, "expandInlineJson": True},
        ],
    }
    assert call(router, "POST", "/event", handler).status == 200
    stored = call(router, "GET", "/event", query={}).json()[0]
    assert stored["active"] is False
    assert stored["actions"] == [
        {
            "action": "start_workflow",
            "start_workflow": {"input": {}, "name": "greetings"},
            "expandInlineJSON": False,
        },
        {
            "action": "fail_task",
            "fail_task": {"output": {}, "workflowId": "a", "taskRefName": "b"},
            "expandInlineJSON": True,
        },
        {
            "action": "complete_task",
            "complete_task": {"output": {}, "taskId": "t"},
            "expandInlineJSON": False,
        },
    ]


def test_bulk_update_of_definitions_answers_a_bulk_response(router: RestRouter) -> None:
    answer = call(router, "PUT", "/metadata/workflow", [dict(GREETINGS, version=2)])
    assert answer.json() == {"bulkErrorResults": {}, "bulkSuccessfulResults": ["greetings"]}
    versions = call(router, "GET", "/metadata/workflow/greetings/versions").json()
    assert [v["version"] for v in versions] == [1, 2]


INVALID = {"name": "broken", "version": 1, "tasks": []}


def validation_errors(answer: RestResponse, root: str) -> List[Dict[str, Any]]:
    """The validationErrors of a 400 validation body, after checking the body's other fields."""
    body = answer.json()
    assert answer.status == 400, answer.body
    # verified on 3.32.1: no "instance" in a validation error body
    assert list(body) == ["status", "message", "retryable", "validationErrors"]
    assert (body["status"], body["message"], body["retryable"]) == (
        400,
        "Validation failed, check below errors for detail.",
        False,
    )
    assert all(error["path"].startswith(root) for error in body["validationErrors"])
    return body["validationErrors"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "method, path, body, root",
    [
        ("POST", "/metadata/workflow", INVALID, "registerWorkflowDef.arg0"),
        ("POST", "/metadata/workflow/validate", INVALID, "validateWorkflowDef.arg0"),
        ("PUT", "/metadata/workflow", [GREETINGS, INVALID], "updateWorkflowDef.arg0[1]"),
        ("POST", "/workflow", {"name": "broken", "workflowDef": INVALID}, "startWorkflow.arg0.workflowDef"),
        (
            "POST",
            "/workflow/test",
            {"name": "broken", "workflowDef": INVALID},
            "startWorkflow.arg0.workflowDef",
        ),
        (
            "POST",
            "/workflow/execute/broken/1",
            {"workflowDef": INVALID},
            "startWorkflow.arg0.workflowDef",
        ),
    ],
)
def test_invalid_definition_answers_validation_errors_under_the_servers_argument_path(
    router: RestRouter, method: str, path: str, body: Any, root: str
) -> None:
    errors = validation_errors(call(router, method, path, body), root)
    assert errors == [{"path": f"{root}.tasks", "message": "WorkflowTask list cannot be empty"}]


def test_duplicate_reference_error_sits_on_the_definition_itself(router: RestRouter) -> None:
    task = {"name": "a", "taskReferenceName": "a", "type": "SIMPLE"}
    duplicated = {"name": "dup", "version": 1, "tasks": [task, dict(task, name="b")]}
    errors = validation_errors(call(router, "POST", "/metadata/workflow", duplicated), "registerWorkflowDef")
    assert errors == [
        {
            "path": "registerWorkflowDef.arg0",
            "message": "taskReferenceName: a should be unique across tasks "
            "for a given workflowDefinition: dup",
        }
    ]


def test_bulk_update_stores_nothing_when_one_definition_is_invalid(router: RestRouter) -> None:
    answer = call(router, "PUT", "/metadata/workflow", [dict(GREETINGS, version=2), INVALID])
    assert answer.status == 400
    versions = call(router, "GET", "/metadata/workflow/greetings/versions").json()
    assert [v["version"] for v in versions] == [1]


def test_valid_definition_passes_validation_without_being_stored(router: RestRouter) -> None:
    answer = call(router, "POST", "/metadata/workflow/validate", dict(GREETINGS, name="fresh"))
    assert (answer.status, answer.body) == (200, "")
    assert call(router, "GET", "/metadata/workflow/fresh").status == 404


def test_update_v2_answers_the_next_task_of_the_same_type(router: RestRouter) -> None:
    first_workflow = start(router)
    start(router)
    task = call(router, "GET", "/tasks/poll/greet", query={"workerid": "w1"}).json()
    result = {
        "taskId": task["taskId"],
        "workflowInstanceId": first_workflow,
        "status": "COMPLETED",
        "workerId": "w1",
    }
    following = call(router, "POST", "/tasks/update-v2", result).json()
    assert following["taskType"] == "greet" and following["workflowInstanceId"] != first_workflow


def test_update_v2_of_an_in_progress_report_is_a_204(router: RestRouter) -> None:
    workflow_id = start(router)
    task = call(router, "GET", "/tasks/poll/greet").json()
    result = {"taskId": task["taskId"], "workflowInstanceId": workflow_id, "status": "IN_PROGRESS"}
    assert call(router, "POST", "/tasks/update-v2", result).status == 204


def test_a_non_numeric_version_in_the_path_is_a_500_like_spring(router: RestRouter) -> None:
    answer = call(router, "DELETE", "/metadata/workflow/greetings/one")
    assert answer.status == 500 and 'For input string: "one"' in answer.json()["message"]


def test_search_sorts_and_filters_by_start_time(router: RestRouter) -> None:
    first = start(router)
    router.engine.clock.advance(10)
    second = start(router)
    newest_first = call(router, "GET", "/workflow/search", query={"sort": "startTime:DESC"}).json()
    assert [s["workflowId"] for s in newest_first["results"]] == [second, first]
    boundary = router.engine.get_workflow(first)["createTime"]
    later = call(router, "GET", "/workflow/search", query={"query": f"startTime>{boundary}"}).json()
    assert [s["workflowId"] for s in later["results"]] == [second]


def test_search_pages_with_start_and_size(router: RestRouter) -> None:
    ids = [start(router) for _ in range(3)]
    page = call(router, "GET", "/workflow/search", query={"start": 1, "size": 1}).json()
    assert (page["totalHits"], [s["workflowId"] for s in page["results"]]) == (3, ids[1:2])


def test_a_malformed_search_condition_is_a_bad_request(router: RestRouter) -> None:
    answer = call(router, "GET", "/workflow/search", query={"query": "status"})
    assert (answer.status, answer.json()["message"]) == (400, "Incorrectly formatted query string: status")


def test_idle_time_skipping_wakes_a_retried_async_task_after_its_delay() -> None:
    # a signal WAIT failed by an update is retried as a SCHEDULED attempt queued for 60 s; only
    # its queue time says when it runs, so time skipping must count it
    from conductor_testkit.engine import Engine
    from conductor_testkit.engine.rest import advance_idle_clock

    engine = Engine()
    engine.register_task_def({"name": "hold", "retryCount": 1, "retryDelaySeconds": 60})
    definition = {
        "name": "retried_wait",
        "version": 1,
        "schemaVersion": 2,
        "tasks": [{"name": "hold", "taskReferenceName": "hold", "type": "WAIT"}],
    }
    workflow_id = engine.start_workflow({"name": "retried_wait", "version": 1, "workflowDef": definition})
    engine.update_task_by_ref_name(workflow_id, "hold", "FAILED", {})
    started_ms = engine.clock.now_ms()

    assert advance_idle_clock(engine) is True
    assert engine.clock.now_ms() - started_ms == 60_000
    assert [t["status"] for t in engine.get_workflow(workflow_id)["tasks"]] == ["FAILED", "IN_PROGRESS"]
