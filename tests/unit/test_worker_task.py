"""@worker_task: plain calls, DSL tasks, the registry, Worker construction and settings."""

from __future__ import annotations

import pickle
import uuid
from typing import Iterator

import pytest

from conductor_testkit.errors import ConfigurationError
from conductor_testkit.models import Task, TaskDef, TaskResultStatus
from conductor_testkit.worker import (
    Worker,
    get_registered_worker,
    get_registered_worker_names,
    get_registered_workers,
    unregister_worker,
    worker_task,
)


@pytest.fixture
def task_name() -> Iterator[str]:
    """A fresh task definition name, unregistered after the test."""
    name = f"unit_{uuid.uuid4().hex[:8]}"
    yield name
    unregister_worker(name)
    unregister_worker(name, "blue")


def test_decorated_function_stays_callable_as_plain_python(task_name: str) -> None:
    @worker_task(task_definition_name=task_name)
    def greet(name: str) -> str:
        return f"Hello {name}"

    assert greet(name="x") == "Hello x"
    assert greet("y") == "Hello y"
    assert greet.__name__ == "greet"


def test_call_with_task_ref_name_builds_a_simple_task(task_name: str) -> None:
    from conductor_testkit.workflow.task.simple_task import SimpleTask

    @worker_task(task_definition_name=task_name)
    def greet(name: str) -> str:
        return f"Hello {name}"

    task = greet(task_ref_name="greet_ref", name="${workflow.input.name}")
    assert isinstance(task, SimpleTask)
    assert task.task_reference_name == "greet_ref"
    assert task.name == task_name
    assert task.input_parameters == {"name": "${workflow.input.name}"}


def test_decorated_function_is_registered_by_task_definition_name(task_name: str) -> None:
    @worker_task(task_definition_name=task_name, thread_count=3, poll_interval_millis=250)
    def work() -> str:
        return "ok"

    worker = get_registered_worker(task_name)
    assert worker is not None
    assert worker.thread_count == 3
    assert worker.poll_interval_millis == 250
    assert task_name in get_registered_worker_names()
    assert worker in get_registered_workers()
    assert work.worker is worker


def test_registered_worker_executes_the_undecorated_function(task_name: str) -> None:
    @worker_task(task_definition_name=task_name)
    def echo(task_ref_name: str) -> str:
        # an input that happens to be called task_ref_name must not turn into a DSL task
        return f"echo {task_ref_name}"

    worker = get_registered_worker(task_name)
    assert worker is not None
    result = worker.execute(Task(task_id="t1", input_data={"task_ref_name": "r"}))
    assert result.output_data == {"result": "echo r"}


def test_registry_lookup_by_domain_falls_back_to_the_domainless_worker(task_name: str) -> None:
    @worker_task(task_definition_name=task_name)
    def plain() -> str:
        return "plain"

    @worker_task(task_definition_name=task_name, domain="blue")
    def blue() -> str:
        return "blue"

    assert get_registered_worker(task_name, "blue").execute_function is blue.__wrapped__  # type: ignore
    assert get_registered_worker(task_name, "green").execute_function is plain.__wrapped__  # type: ignore


def test_legacy_poll_interval_spelling_is_accepted(task_name: str) -> None:
    @worker_task(task_definition_name=task_name, poll_interval=500)
    def work() -> None:
        return None

    assert get_registered_worker(task_name).poll_interval_millis == 500  # type: ignore[union-attr]


def test_worker_rejects_a_non_callable_function() -> None:
    with pytest.raises(ConfigurationError, match="execute_function must be callable"):
        Worker("t", "not a function")  # type: ignore[arg-type]


def test_worker_rejects_a_thread_count_below_one() -> None:
    with pytest.raises(ConfigurationError, match="thread_count must be >= 1, received 0"):
        Worker("t", lambda: None, thread_count=0)


def test_worker_replace_changes_settings_on_a_copy() -> None:
    worker = Worker("t", lambda: None, domain="a")
    other = worker.replace(domain="b", thread_count=4)
    assert (worker.domain, worker.thread_count) == ("a", 1)
    assert (other.domain, other.thread_count) == ("b", 4)


def test_worker_replace_rejects_unknown_settings() -> None:
    with pytest.raises(ConfigurationError, match="unknown settings \\['colour'\\]"):
        Worker("t", lambda: None).replace(colour="red")


def module_level_double(x: int) -> int:
    return x * 2


def test_worker_survives_pickling_for_spawned_processes() -> None:
    worker = Worker("t", module_level_double, task_def=TaskDef(name="t", retry_count=1))
    clone = pickle.loads(pickle.dumps(worker))
    result = clone.execute(Task(task_id="1", input_data={"x": 4}))
    assert result.status == TaskResultStatus.COMPLETED
    assert result.output_data == {"result": 8}


def test_worker_repr_names_the_task_and_function() -> None:
    assert repr(Worker("charge", module_level_double, thread_count=2)) == (
        "Worker('charge', module_level_double, thread_count=2)"
    )
