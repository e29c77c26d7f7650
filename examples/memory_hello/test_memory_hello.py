"""The README's hello world runs unchanged on memory:// with a threaded TaskHandler."""

from __future__ import annotations

from examples.memory_hello.main import run


def test_hello_world_says_hello_orkes() -> None:
    workflow = run("memory://test_hello_1")
    assert (workflow["status"], workflow["output"]) == ("COMPLETED", {"result": "Hello Orkes"})


def test_the_greet_task_was_polled_by_a_handler_thread() -> None:
    task = run("memory://test_hello_2")["tasks"][0]
    assert (task["taskType"], task["pollCount"], task["status"]) == ("greet", 1, "COMPLETED")
    assert task["workerId"]
