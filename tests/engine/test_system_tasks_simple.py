"""NOOP, HUMAN and KAFKA_PUBLISH handlers, and the async evaluation step they share."""

from __future__ import annotations

import pytest
from test_system_tasks_support import NOW_MS, RecordingEnv, new_task, run_handler

from conductor_testkit.engine.system_tasks import (
    HANDLERS,
    HumanHandler,
    KafkaPublishHandler,
    NoopHandler,
    run_async_task,
)
from conductor_testkit.engine.system_tasks import kafka_publish as kp


def test_every_handled_type_is_registered_under_its_name() -> None:
    assert sorted(HANDLERS) == [
        "EVENT",
        "HTTP",
        "HUMAN",
        "INLINE",
        "JSON_JQ_TRANSFORM",
        "KAFKA_PUBLISH",
        "LAMBDA",
        "NOOP",
        "WAIT",
    ]
    assert all(name == handler.task_type for name, handler in HANDLERS.items())


def test_async_flags_match_the_server() -> None:
    assert {name for name, h in HANDLERS.items() if h.is_async} == {"HTTP", "WAIT", "KAFKA_PUBLISH"}


# ----------------------------------------------------------------------------------- NOOP


def test_noop_ignores_its_parameters_and_completes_empty() -> None:
    task = run_handler(NoopHandler(), {"a": 1})
    assert task["status"] == "COMPLETED"
    assert task["inputData"] == {}
    assert task["outputData"] == {}


# ---------------------------------------------------------------------------------- HUMAN


def test_human_stays_in_progress_through_the_decide() -> None:
    task = run_handler(HumanHandler(), {"assignee": "x"})
    assert task["status"] == "IN_PROGRESS"
    assert task["inputData"] == {"assignee": "x"}
    assert HumanHandler().next_due_ms(task, RecordingEnv()) is None


# ---------------------------------------------------------------------------------- KAFKA


def kafka(request: object, env: RecordingEnv = None, **wt: object) -> dict:  # type: ignore[assignment]
    return run_handler(KafkaPublishHandler(), {"kafka_request": request}, dict(wt), env=env)


GOOD = {"bootStrapServers": "localhost:9092", "topic": "t", "value": {"n": 1.5}, "key": "k"}


@pytest.mark.parametrize(
    "request_, reason",
    [
        (None, kp.MISSING_REQUEST),
        ({"topic": "t"}, "No boot strap servers specified"),
        ({"bootStrapServers": "b", "topic": " "}, kp.MISSING_KAFKA_TOPIC),
        ({"bootStrapServers": "b", "topic": "t"}, kp.MISSING_KAFKA_VALUE),
    ],
)
def test_kafka_validation_fails_with_the_server_message(request_: object, reason: str) -> None:
    env = RecordingEnv()
    task = kafka(request_, env)
    assert task["status"] == "FAILED"
    assert task["reasonForIncompletion"] == reason
    assert env.kafka == []


def test_kafka_publish_is_recorded_and_completes_without_output() -> None:
    env = RecordingEnv()
    task = kafka(GOOD, env)
    assert task["status"] == "COMPLETED"
    assert task["outputData"] == {}
    assert task["workerId"] == "test-host"
    (record,) = env.kafka
    assert record["topic"] == "t"
    assert record["key"] == "k"
    assert record["valueJson"] == '{"n":1.5}'
    assert record["keySerializer"] == kp.STRING_SERIALIZER


def test_kafka_long_key_serializer_converts_the_key() -> None:
    env = RecordingEnv()
    kafka({**GOOD, "key": "42", "keySerializer": kp.LONG_SERIALIZER}, env)
    assert env.kafka[0]["key"] == 42


def test_kafka_unparsable_long_key_fails_like_java() -> None:
    task = kafka({**GOOD, "key": "abc", "keySerializer": kp.LONG_SERIALIZER})
    assert task["status"] == "FAILED"
    assert task["reasonForIncompletion"] == 'Failed to invoke kafka task due to: For input string: "abc"'


def test_kafka_async_complete_stays_in_progress() -> None:
    task = kafka(GOOD, asyncComplete=True)
    assert task["status"] == "IN_PROGRESS"


def test_kafka_is_queued_after_the_start_delay() -> None:
    env = RecordingEnv()
    task, wt = new_task("KAFKA_PUBLISH", {"kafka_request": GOOD}, {"startDelay": 5}, env=env)
    handler = KafkaPublishHandler()
    handler.prepare(task, wt, env)
    assert task["status"] == "SCHEDULED"
    assert handler.next_due_ms(task, env) == NOW_MS + 5000


def test_async_evaluation_counts_a_poll_and_stamps_times() -> None:
    env = RecordingEnv()
    task, wt = new_task("KAFKA_PUBLISH", {"kafka_request": GOOD}, env=env)
    handler = KafkaPublishHandler()
    handler.prepare(task, wt, env)
    env.clock_ms += 250
    assert run_async_task(handler, task, env) is True
    assert (task["pollCount"], task["startTime"], task["endTime"]) == (1, NOW_MS + 250, NOW_MS + 250)


def test_async_complete_task_is_not_due_again() -> None:
    env = RecordingEnv()
    task = kafka(GOOD, env, asyncComplete=True)
    assert KafkaPublishHandler().next_due_ms(task, env) is None
