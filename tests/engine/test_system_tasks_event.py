"""EVENT handler (docs/semantics.md §4.14): queue naming, recorded messages, failures."""

from __future__ import annotations

from test_system_tasks_support import RecordingEnv, new_task, run_handler, run_sync

from conductor_testkit.engine.system_tasks import EventHandler


def event(sink: str, input_data: dict = None, *, env: RecordingEnv = None, **wt: object) -> dict:  # type: ignore[assignment]
    workflow_task = {"sink": sink, **wt}
    return run_handler(EventHandler(), input_data or {"a": 1}, workflow_task, env=env)


def test_prepare_adds_sink_and_async_complete_to_input_and_workflow_task() -> None:
    env = RecordingEnv()
    task, wt = new_task("EVENT", {"a": 1}, {"sink": "conductor"}, env=env)
    EventHandler().prepare(task, wt, env)
    assert task["status"] == "SCHEDULED"
    assert task["inputData"] == {"a": 1, "sink": "conductor", "asyncComplete": False}
    assert wt["inputParameters"] == {"a": 1, "sink": "conductor", "asyncComplete": False}


def test_prepare_keeps_a_sink_the_engine_already_resolved() -> None:
    env = RecordingEnv()
    task, wt = new_task("EVENT", {"sink": "conductor:qq"}, {"sink": "conductor:${workflow.input.q}"}, env=env)
    EventHandler().prepare(task, wt, env)
    assert task["inputData"]["sink"] == "conductor:qq"


def test_bare_conductor_sink_names_the_queue_after_workflow_and_reference() -> None:
    task = event("conductor")
    assert task["status"] == "COMPLETED"
    assert task["outputData"]["event_produced"] == "conductor:wf_name:event_ref"


def test_output_is_the_input_plus_workflow_fields() -> None:
    env = RecordingEnv()
    env.workflow["taskToDomain"] = {"*": "d1"}
    task = event("conductor", {"a": 5}, env=env)
    assert task["outputData"] == {
        "a": 5,
        "sink": "conductor",
        "asyncComplete": False,
        "workflowInstanceId": "wf-1",
        "workflowType": "wf_name",
        "workflowVersion": 3,
        "correlationId": "corr-1",
        "taskToDomain": {"*": "d1"},
        "event_produced": "conductor:wf_name:event_ref",
    }


def test_published_message_is_recorded_with_sink_queue_and_payload() -> None:
    env = RecordingEnv()
    task = event("conductor:myq", env=env)
    assert env.events == [("conductor:myq", "conductor:wf_name:myq", task["outputData"])]
    assert task["outputData"]["event_produced"] == "conductor:wf_name:myq"


def test_recorded_payload_is_a_copy() -> None:
    env = RecordingEnv()
    task = event("conductor", env=env)
    task["outputData"]["a"] = 99
    assert env.events[0][2]["a"] == 1


def test_other_conductor_prefix_fails_at_start_without_queue_name() -> None:
    env = RecordingEnv()
    task = event("conductorx", env=env)
    assert task["status"] == "FAILED"
    assert task["reasonForIncompletion"] == "Invalid / Unsupported sink specified: conductorx"
    assert "event_produced" not in task["outputData"]
    assert task["outputData"]["workflowType"] == "wf_name"
    assert env.events == []


def test_unknown_queue_type_fails_at_publish_naming_the_task() -> None:
    env = RecordingEnv()
    task = event("sqs:abc", env=env)
    assert task["status"] == "FAILED"
    assert task["reasonForIncompletion"] == (
        f"Error loading queue:sqs:abc, for task:{task['taskId']}, error: Unknown queue type sqs"
    )
    assert task["outputData"]["event_produced"] == "sqs:abc"
    assert env.events == []


def test_sink_without_a_queue_type_is_an_illegal_event() -> None:
    task = event("nocolon")
    assert task["reasonForIncompletion"].endswith("error: Illegal event nocolon")


def test_more_queue_types_can_be_enabled() -> None:
    env = RecordingEnv()
    task = run_handler(EventHandler(queue_types=("conductor", "sqs")), {"a": 1}, {"sink": "sqs:abc"}, env=env)
    assert task["status"] == "COMPLETED"
    assert env.events[0][1] == "sqs:abc"


def test_async_complete_publishes_and_stays_in_progress() -> None:
    env = RecordingEnv()
    task = event("conductor", env=env, asyncComplete=True)
    assert task["status"] == "IN_PROGRESS"
    assert task["inputData"]["asyncComplete"] is True
    assert len(env.events) == 1
    assert EventHandler().is_async_complete(task) is True


def test_execute_returns_false_when_it_fails_like_the_server() -> None:
    env = RecordingEnv()
    handler = EventHandler()
    task, wt = new_task("EVENT", {}, {"sink": "sqs:x"}, env=env)
    handler.prepare(task, wt, env)
    handler.start(task, env)
    assert handler.execute(task, env) is False
    assert task["status"] == "FAILED"


def test_event_task_runs_within_one_decide() -> None:
    env = RecordingEnv()
    handler = EventHandler()
    task, wt = new_task("EVENT", {}, {"sink": "conductor"}, env=env)
    handler.prepare(task, wt, env)
    run_sync(handler, task, env)
    assert task["status"] == "COMPLETED"
