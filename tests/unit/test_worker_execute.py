"""Worker.execute: input conversion, return values, errors, the task context, async workers."""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence

import pytest

from conductor_testkit.errors import ConductorError
from conductor_testkit.models import Task, TaskResult, TaskResultStatus
from conductor_testkit.worker import (
    NonRetryableException,
    TaskInProgress,
    Worker,
    get_task_context,
)


def make_task(**input_data: Any) -> Task:
    return Task(
        task_id="task-1",
        workflow_instance_id="wf-1",
        task_def_name="t",
        task_type="t",
        retry_count=2,
        poll_count=3,
        input_data=input_data,
    )


def run(function: Any, **input_data: Any) -> TaskResult:
    return Worker("t", function, worker_id="w-1").execute(make_task(**input_data))


@dataclass
class Address:
    street: str
    zip_code: int


@dataclass
class Customer:
    name: str
    address: Address
    tags: List[str] = field(default_factory=list)
    vip: bool = False


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


# -- inputs -----------------------------------------------------------------------------------------


def test_primitive_inputs_are_passed_by_parameter_name() -> None:
    def add(a: int, b: float, label: str, flag: bool) -> str:
        return f"{label}:{a + b}:{flag}"

    result = run(add, a=1, b=2.5, label="sum", flag=True)
    assert result.output_data == {"result": "sum:3.5:True"}


def test_int_input_is_accepted_for_a_float_parameter() -> None:
    def half(x: float) -> float:
        return x / 2

    assert run(half, x=3).output_data == {"result": 1.5}


def test_integral_float_input_is_accepted_for_an_int_parameter() -> None:
    def double(x: int) -> int:
        return x * 2

    assert run(double, x=4.0).output_data == {"result": 8}


def test_nested_dataclass_input_is_built_from_objects() -> None:
    def describe(customer: Customer) -> str:
        return f"{customer.name} {customer.address.street} {customer.address.zip_code} {customer.tags}"

    result = run(
        describe, customer={"name": "Ann", "address": {"street": "Main", "zip_code": 1}, "tags": ["a"]}
    )
    assert result.output_data == {"result": "Ann Main 1 ['a']"}


def test_dataclass_input_ignores_unknown_keys_and_uses_field_defaults() -> None:
    def vip(customer: Customer) -> bool:
        return customer.vip

    result = run(vip, customer={"name": "Ann", "address": {"street": "s", "zip_code": 2}, "extra": 1})
    assert result.output_data == {"result": False}


def test_dict_and_list_inputs_convert_their_items() -> None:
    def total(prices: Dict[str, float], addresses: List[Address]) -> Dict[str, Any]:
        return {"sum": sum(prices.values()), "streets": [a.street for a in addresses]}

    result = run(total, prices={"a": 1, "b": 2.5}, addresses=[{"street": "x", "zip_code": 1}])
    assert result.output_data == {"sum": 3.5, "streets": ["x"]}


def test_optional_parameter_accepts_null_and_values() -> None:
    def greet(name: Optional[str] = None) -> str:
        return f"hi {name}"

    assert run(greet, name=None).output_data == {"result": "hi None"}
    assert run(greet, name="Bo").output_data == {"result": "hi Bo"}


def test_missing_input_uses_the_default_else_none() -> None:
    def pair(a: str, b: str = "default") -> List[Any]:
        return [a, b]

    assert run(pair).output_data == {"result": [None, "default"]}


def test_enum_parameter_is_built_from_its_value() -> None:
    def shade(color: Color) -> str:
        return color.name

    assert run(shade, color="blue").output_data == {"result": "BLUE"}


def test_parameter_typed_task_receives_the_whole_task() -> None:
    def inspect_task(task: Task) -> Dict[str, Any]:
        return {"id": task.task_id, "input": task.input_data}

    result = run(inspect_task, x=1)
    assert result.output_data == {"id": "task-1", "input": {"x": 1}}


def test_var_keyword_parameter_receives_the_remaining_inputs() -> None:
    def collect(a: int, **rest: Any) -> Dict[str, Any]:
        return {"a": a, "rest": rest}

    assert run(collect, a=1, b=2, c=3).output_data == {"a": 1, "rest": {"b": 2, "c": 3}}


def test_wrong_primitive_type_fails_the_task_naming_the_parameter() -> None:
    def double(count: int) -> int:
        return count * 2

    result = run(double, count="five")
    assert result.status == TaskResultStatus.FAILED
    assert "'count'" in (result.reason_for_incompletion or "")
    assert "expects int" in (result.reason_for_incompletion or "")
    assert "received str 'five'" in (result.reason_for_incompletion or "")


def test_wrong_type_inside_a_dataclass_names_the_field_path() -> None:
    def describe(customer: Customer) -> str:
        return customer.name

    result = run(describe, customer={"name": "Ann", "address": {"street": "s", "zip_code": "x"}})
    assert result.status == TaskResultStatus.FAILED
    assert "'customer.address.zip_code'" in (result.reason_for_incompletion or "")


def test_missing_required_dataclass_field_fails_naming_it() -> None:
    def describe(customer: Customer) -> str:
        return customer.name

    result = run(describe, customer={"name": "Ann"})
    assert result.status == TaskResultStatus.FAILED
    assert "'customer.address'" in (result.reason_for_incompletion or "")


def test_bool_is_not_accepted_for_an_int_parameter() -> None:
    def double(count: int) -> int:
        return count * 2

    assert run(double, count=True).status == TaskResultStatus.FAILED


# -- return values -----------------------------------------------------------------------------------


def test_primitive_return_is_wrapped_under_result() -> None:
    assert run(lambda: 42).output_data == {"result": 42}


def test_list_return_is_wrapped_under_result() -> None:
    assert run(lambda: [1, 2]).output_data == {"result": [1, 2]}


def test_none_return_is_wrapped_under_result_like_the_official_sdk() -> None:
    assert run(lambda: None).output_data == {"result": None}


def test_dict_return_is_the_output_as_is() -> None:
    result = run(lambda: {"a": 1, "b": {"c": [1, 2]}})
    assert result.status == TaskResultStatus.COMPLETED
    assert result.output_data == {"a": 1, "b": {"c": [1, 2]}}


def test_dataclass_return_becomes_its_fields() -> None:
    result = run(lambda: Address(street="Main", zip_code=7))
    assert result.output_data == {"street": "Main", "zip_code": 7}


def test_values_inside_the_output_are_made_json_ready() -> None:
    result = run(lambda: {"color": Color.RED, "pair": (1, 2), "address": Address("s", 1)})
    assert result.output_data == {"color": "red", "pair": [1, 2], "address": {"street": "s", "zip_code": 1}}


def test_unserializable_return_fails_the_task_naming_the_type() -> None:
    result = run(lambda: {"lock": object()})
    assert result.status == TaskResultStatus.FAILED
    assert "object" in (result.reason_for_incompletion or "")
    assert "output.lock" in (result.reason_for_incompletion or "")


def test_task_result_return_is_used_with_ids_filled_in() -> None:
    def custom() -> TaskResult:
        return TaskResult(
            status=TaskResultStatus.FAILED, reason_for_incompletion="nope", output_data={"k": 1}
        )

    result = run(custom)
    assert result.status == TaskResultStatus.FAILED
    assert result.reason_for_incompletion == "nope"
    assert (result.task_id, result.workflow_instance_id, result.worker_id) == ("task-1", "wf-1", "w-1")
    assert result.output_data == {"k": 1}


def test_task_in_progress_return_reports_in_progress_with_a_callback() -> None:
    result = run(lambda: TaskInProgress(callback_after_seconds=30, output={"progress": 50}))
    assert result.status == TaskResultStatus.IN_PROGRESS
    assert result.callback_after_seconds == 30
    assert result.output_data == {"progress": 50}


def test_completed_result_carries_task_workflow_and_worker_ids() -> None:
    result = run(lambda: "x")
    assert (result.task_id, result.workflow_instance_id, result.worker_id) == ("task-1", "wf-1", "w-1")


# -- errors ------------------------------------------------------------------------------------------


def test_exception_fails_the_task_with_reason_and_traceback_in_logs() -> None:
    def broken() -> None:
        raise ValueError("card declined")

    result = run(broken)
    assert result.status == TaskResultStatus.FAILED
    assert result.reason_for_incompletion == "card declined"
    lines = [log.log or "" for log in result.logs or []]
    assert any("Traceback" in line and "ValueError: card declined" in line for line in lines)


def test_exception_without_message_uses_its_class_name() -> None:
    def broken() -> None:
        raise KeyError()

    assert run(broken).reason_for_incompletion == "KeyError"


def test_non_retryable_exception_fails_with_terminal_error() -> None:
    def refuse() -> None:
        raise NonRetryableException("account closed")

    result = run(refuse)
    assert result.status == TaskResultStatus.FAILED_WITH_TERMINAL_ERROR
    assert result.reason_for_incompletion == "account closed"


def test_errors_listed_in_raise_errors_propagate() -> None:
    def asserting() -> None:
        raise AssertionError("bad state")

    worker = Worker("t", asserting)
    with pytest.raises(AssertionError, match="bad state"):
        worker.execute(make_task(), raise_errors=(AssertionError,))


# -- task context ------------------------------------------------------------------------------------


def test_task_context_exposes_ids_and_counts() -> None:
    def introspect() -> Dict[str, Any]:
        ctx = get_task_context()
        return {
            "task": ctx.get_task_id(),
            "workflow": ctx.get_workflow_instance_id(),
            "retry": ctx.get_retry_count(),
            "poll": ctx.get_poll_count(),
        }

    assert run(introspect).output_data == {"task": "task-1", "workflow": "wf-1", "retry": 2, "poll": 3}


def test_task_context_logs_are_attached_to_the_result() -> None:
    def chatty() -> str:
        get_task_context().add_log("step 1")
        get_task_context().add_log("step 2")
        return "done"

    result = run(chatty)
    assert [log.log for log in result.logs or []] == ["step 1", "step 2"]
    assert all(log.task_id == "task-1" for log in result.logs or [])


def test_task_context_logs_are_kept_when_the_worker_fails() -> None:
    def chatty_failure() -> None:
        get_task_context().add_log("before the failure")
        raise RuntimeError("boom")

    logs = [log.log or "" for log in run(chatty_failure).logs or []]
    assert logs[0] == "before the failure"
    assert "RuntimeError: boom" in logs[1]


def test_task_context_callback_after_is_reported() -> None:
    def later() -> TaskResult:
        get_task_context().set_callback_after(15)
        return TaskResult(status=TaskResultStatus.IN_PROGRESS)

    result = run(later)
    assert result.status == TaskResultStatus.IN_PROGRESS
    assert result.callback_after_seconds == 15


def test_task_context_output_is_used_when_the_worker_returns_nothing() -> None:
    def quiet() -> None:
        get_task_context().set_output({"partial": True})

    assert run(quiet).output_data == {"partial": True}


def test_get_task_context_outside_an_execution_raises() -> None:
    with pytest.raises(ConductorError, match="outside a task execution"):
        get_task_context()


def test_task_context_is_cleared_after_execution() -> None:
    run(lambda: "x")
    with pytest.raises(ConductorError):
        get_task_context()


# -- async -------------------------------------------------------------------------------------------


async def async_greet(name: str) -> str:
    await asyncio.sleep(0)
    return f"Hello {name} from task {get_task_context().get_task_id()}"


def test_async_worker_is_awaited() -> None:
    assert run(async_greet, name="Ann").output_data == {"result": "Hello Ann from task task-1"}


def test_async_worker_exception_fails_the_task() -> None:
    async def broken() -> None:
        await asyncio.sleep(0)
        raise ValueError("async failure")

    result = run(broken)
    assert result.status == TaskResultStatus.FAILED
    assert result.reason_for_incompletion == "async failure"


def test_async_worker_runs_when_called_from_a_running_event_loop() -> None:
    async def drive() -> TaskResult:
        return Worker("t", async_greet).execute(make_task(name="Bo"))

    result = asyncio.run(drive())
    assert result.output_data == {"result": "Hello Bo from task task-1"}


def test_abstract_collection_annotations_convert_like_concrete_ones() -> None:
    def count(items: Sequence[Address], weights: Mapping[str, float]) -> int:
        return len(items) + len(weights)

    result = run(count, items=[{"street": "s", "zip_code": 1}], weights={"a": 1})
    assert result.output_data == {"result": 2}


def test_unresolvable_annotation_fails_only_when_that_input_arrives() -> None:
    # a class local to a function cannot be resolved from a string annotation
    class Local:
        pass

    def uses_local(item: Local, other: int = 0) -> int:  # annotations are strings here
        return other

    worker = Worker("t", uses_local)  # building the worker does not fail
    assert worker.execute(make_task(other=3)).output_data == {"result": 3}
    result = worker.execute(make_task(item={"a": 1}))
    assert result.status == TaskResultStatus.FAILED
    assert "'item'" in (result.reason_for_incompletion or "")
    assert "define the type at module level" in (result.reason_for_incompletion or "")
