"""The worker runtime against the real server: TaskHandler polling, retries, callbacks, domains.

Every test uses its own task and workflow names (the server is shared). Waiting loops have a
generous deadline only to fail instead of hanging; nothing asserts on durations.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional

import pytest

from conductor_testkit.client import Configuration, MetadataClient, WorkflowClient
from conductor_testkit.models import StartWorkflowRequest, TaskDef, Workflow
from conductor_testkit.worker import (
    InMemoryMetrics,
    NonRetryableException,
    TaskHandler,
    TaskInProgress,
    Worker,
    get_task_context,
)

pytestmark = pytest.mark.integration

TERMINAL = ("COMPLETED", "FAILED", "TERMINATED", "TIMED_OUT")


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


class Server:
    """The shared server as seen by a test: register definitions, start and await workflows."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.configuration = Configuration(server_api_url=url)
        self.metadata = MetadataClient(self.configuration)
        self.workflows = WorkflowClient(self.configuration)

    def register(
        self, workflow_name: str, task_names: Iterable[str], task_defs: Iterable[TaskDef] = ()
    ) -> None:
        defs = list(task_defs)
        if defs:
            self.metadata.register_task_def(defs)
        tasks = [
            {
                "name": name,
                "taskReferenceName": f"{name}_ref",
                "type": "SIMPLE",
                "inputParameters": {
                    "value": "${workflow.input.value}",
                    "customer": "${workflow.input.customer}",
                },
            }
            for name in task_names
        ]
        self.metadata.register_workflow_def(
            {
                "name": workflow_name,
                "version": 1,
                "schemaVersion": 2,
                "ownerEmail": "test@example.com",
                "tasks": tasks,
            },
            overwrite=True,
        )

    def start(
        self,
        workflow_name: str,
        workflow_input: Dict[str, Any],
        task_to_domain: Optional[Dict[str, str]] = None,
    ) -> str:
        request = StartWorkflowRequest(
            name=workflow_name, version=1, input=workflow_input, task_to_domain=task_to_domain
        )
        return self.workflows.start_workflow(request)

    def wait(
        self, workflow_id: str, statuses: Iterable[str] = TERMINAL, deadline_seconds: float = 60
    ) -> Workflow:
        wanted = set(statuses)
        deadline = time.monotonic() + deadline_seconds
        while True:
            workflow = self.workflows.get_workflow(workflow_id, include_tasks=True)
            if str(workflow.status) in wanted:
                return workflow
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"workflow {workflow_id} still {workflow.status} after {deadline_seconds}s: "
                    f"{[(t.reference_task_name, str(t.status)) for t in workflow.tasks]}"
                )
            time.sleep(0.2)


@pytest.fixture
def server(conductor_server_url: str) -> Server:
    return Server(conductor_server_url)


def quick_task_def(name: str, retry_count: int = 0) -> TaskDef:
    return TaskDef(
        name=name,
        retry_count=retry_count,
        retry_delay_seconds=0,
        retry_logic="FIXED",
        response_timeout_seconds=30,
        timeout_seconds=0,
        owner_email="test@example.com",
    )


def run_handler(server: Server, workers: List[Worker], **options: Any) -> TaskHandler:
    options.setdefault("use_threads", True)
    return TaskHandler(
        workers=workers, configuration=server.configuration, scan_for_annotated_workers=False, **options
    )


# -- workers used below (module level, so worker processes can run them) -------------------------


def flaky(value: int) -> Dict[str, Any]:
    ctx = get_task_context()
    if ctx.get_retry_count() < 2:
        raise RuntimeError(f"attempt {ctx.get_retry_count()} fails")
    return {"value": value, "attempt": ctx.get_retry_count()}


def refuse(value: int) -> None:
    raise NonRetryableException(f"value {value} can never be processed")


def long_running(value: int) -> Any:
    polls = get_task_context().get_poll_count()
    if polls < 3:
        return TaskInProgress(callback_after_seconds=1, output={"polls_so_far": polls})
    return {"value": value, "polls": polls}


@dataclass
class Customer:
    name: str
    age: int


def describe(customer: Customer) -> str:
    return f"{customer.name} is {customer.age}"


def double(value: int) -> int:
    return value * 2


def meet_at(barrier: threading.Barrier) -> Any:
    """A worker function that returns only once ``barrier.parties`` executions run at once."""

    def meet(value: int) -> Dict[str, Any]:
        barrier.wait()  # raises BrokenBarrierError (the task FAILS) when fewer arrive in time
        return {"value": value}

    return meet


# -- tests ----------------------------------------------------------------------------------------


def test_worker_that_fails_twice_then_succeeds_completes_on_retry_two(server: Server) -> None:
    task, workflow_name = unique("flaky"), unique("wf_flaky")
    server.register(workflow_name, [task], [quick_task_def(task, retry_count=3)])
    with run_handler(server, [Worker(task, flaky)]) as handler:
        handler.start_processes()
        workflow = server.wait(server.start(workflow_name, {"value": 7}))
    assert workflow.status == "COMPLETED"
    attempts = [t for t in workflow.tasks if t.reference_task_name == f"{task}_ref"]
    assert [str(t.status) for t in attempts] == ["FAILED", "FAILED", "COMPLETED"]
    assert attempts[-1].retry_count == 2
    assert attempts[-1].output_data == {"value": 7, "attempt": 2}
    assert attempts[0].reason_for_incompletion == "attempt 0 fails"


def test_non_retryable_exception_fails_the_workflow_without_retries(server: Server) -> None:
    task, workflow_name = unique("refuse"), unique("wf_refuse")
    server.register(workflow_name, [task], [quick_task_def(task, retry_count=3)])
    with run_handler(server, [Worker(task, refuse)]) as handler:
        handler.start_processes()
        workflow = server.wait(server.start(workflow_name, {"value": 3}))
    assert workflow.status == "FAILED"
    assert [str(t.status) for t in workflow.tasks] == ["FAILED_WITH_TERMINAL_ERROR"]
    assert workflow.tasks[0].reason_for_incompletion == "value 3 can never be processed"


def test_in_progress_worker_is_called_back_and_completes_later(server: Server) -> None:
    task, workflow_name = unique("long"), unique("wf_long")
    server.register(workflow_name, [task], [quick_task_def(task)])
    with run_handler(server, [Worker(task, long_running)]) as handler:
        handler.start_processes()
        workflow = server.wait(server.start(workflow_name, {"value": 5}))
    assert workflow.status == "COMPLETED"
    assert workflow.tasks[-1].output_data == {"value": 5, "polls": 3}
    assert workflow.tasks[-1].poll_count == 3


def test_dataclass_typed_worker_receives_its_input(server: Server) -> None:
    task, workflow_name = unique("describe"), unique("wf_describe")
    server.register(workflow_name, [task], [quick_task_def(task)])
    with run_handler(server, [Worker(task, describe)]) as handler:
        handler.start_processes()
        workflow = server.wait(server.start(workflow_name, {"customer": {"name": "Ada", "age": 36}}))
    assert workflow.status == "COMPLETED"
    assert workflow.tasks[0].output_data == {"result": "Ada is 36"}


def test_input_of_the_wrong_type_fails_the_task_and_the_worker_keeps_running(server: Server) -> None:
    task, workflow_name = unique("double"), unique("wf_double")
    server.register(workflow_name, [task], [quick_task_def(task)])
    with run_handler(server, [Worker(task, double)]) as handler:
        handler.start_processes()
        bad = server.wait(server.start(workflow_name, {"value": "seven"}))
        good = server.wait(server.start(workflow_name, {"value": 7}))
    assert bad.status == "FAILED"
    assert "'value' expects int" in (bad.tasks[0].reason_for_incompletion or "")
    assert good.status == "COMPLETED"
    assert good.tasks[0].output_data == {"result": 14}


def test_worker_in_a_domain_gets_only_that_domains_tasks(server: Server) -> None:
    task, workflow_name, domain = unique("dom"), unique("wf_dom"), unique("blue")
    server.register(workflow_name, [task], [quick_task_def(task)])
    with run_handler(server, [Worker(task, double, domain=domain)]) as handler:
        handler.start_processes()
        in_domain = server.start(workflow_name, {"value": 1}, task_to_domain={task: domain})
        no_domain = server.start(workflow_name, {"value": 2})
        completed = server.wait(in_domain)
        # the domain-less task stays scheduled: nobody polls without a domain
        waiting = server.workflows.get_workflow(no_domain, include_tasks=True)
    server.workflows.terminate_workflow(no_domain, reason="test over")
    assert completed.status == "COMPLETED"
    assert completed.tasks[0].domain == domain
    assert [str(t.status) for t in waiting.tasks] == ["SCHEDULED"]


def test_worker_processes_run_tasks_of_several_workers(server: Server) -> None:
    first, second, workflow_name = unique("proc_a"), unique("proc_b"), unique("wf_proc")
    server.register(workflow_name, [first, second], [quick_task_def(first), quick_task_def(second)])
    workers = [Worker(first, double), Worker(second, double, thread_count=2)]
    with run_handler(server, workers, use_threads=False) as handler:
        handler.start_processes()
        ids = [server.start(workflow_name, {"value": n}) for n in range(4)]
        workflows = [server.wait(i) for i in ids]
    assert [str(w.status) for w in workflows] == ["COMPLETED"] * 4
    assert [w.tasks[1].output_data for w in workflows] == [{"result": 2 * n} for n in range(4)]


def test_thread_count_tasks_of_one_worker_execute_at_the_same_time(server: Server) -> None:
    task, workflow_name = unique("together"), unique("wf_together")
    server.register(workflow_name, [task], [quick_task_def(task)])
    ids = [server.start(workflow_name, {"value": n}) for n in range(3)]
    barrier = threading.Barrier(3, timeout=30)  # only a deadline against hanging
    with run_handler(server, [Worker(task, meet_at(barrier), thread_count=3)]) as handler:
        handler.start_processes()
        workflows = [server.wait(i) for i in ids]
    assert [str(w.status) for w in workflows] == ["COMPLETED"] * 3


def test_register_task_def_on_start_registers_the_template(server: Server) -> None:
    task = unique("registered")
    template = TaskDef(
        name="ignored", retry_count=5, response_timeout_seconds=17, owner_email="test@example.com"
    )
    handler = run_handler(server, [Worker(task, double, register_task_def=True, task_def=template)])
    with handler:
        handler.start_processes()
        deadline = time.monotonic() + 30
        registered = None
        while registered is None and time.monotonic() < deadline:
            try:
                registered = server.metadata.get_task_def(task)
            except Exception:
                time.sleep(0.2)
    assert registered is not None
    assert (registered.name, registered.retry_count, registered.response_timeout_seconds) == (task, 5, 17)


def test_metrics_count_polls_executions_and_failures(server: Server) -> None:
    task, workflow_name = unique("metered"), unique("wf_metered")
    server.register(workflow_name, [task], [quick_task_def(task)])
    metrics = InMemoryMetrics()
    with run_handler(server, [Worker(task, double)], metrics=metrics) as handler:
        handler.start_processes()
        server.wait(server.start(workflow_name, {"value": 1}))
        server.wait(server.start(workflow_name, {"value": "x"}))
    assert metrics.count("executions", task) == 2
    assert metrics.count("failures", task) == 1
    assert metrics.count("polls", task) >= 2
    assert len(metrics.timings("execution_time", task)) == 2


def slow_but_alive(value: int) -> int:
    time.sleep(6)
    return value


def run_slow_task(server: Server, lease_extend_enabled: bool) -> Workflow:
    task, workflow_name = unique("lease"), unique("wf_lease")
    task_def = quick_task_def(task)
    task_def.response_timeout_seconds = 2
    server.register(workflow_name, [task], [task_def])
    worker = Worker(task, slow_but_alive, lease_extend_enabled=lease_extend_enabled)
    with run_handler(server, [worker]) as handler:
        handler.start_processes()
        return server.wait(server.start(workflow_name, {"value": 9}))


def test_lease_extension_keeps_a_slow_task_from_timing_out(server: Server) -> None:
    workflow = run_slow_task(server, lease_extend_enabled=True)
    assert workflow.status == "COMPLETED"
    assert len(workflow.tasks) == 1
    assert workflow.tasks[0].output_data == {"result": 9}


def test_without_lease_extension_the_same_slow_task_times_out(server: Server) -> None:
    # the control for the test above: the server does time out a task silent for 2 s
    workflow = run_slow_task(server, lease_extend_enabled=False)
    assert workflow.status == "TIMED_OUT"


def test_result_the_server_rejects_is_not_retried(server: Server) -> None:
    from conductor_testkit.models import TaskResult
    from conductor_testkit.worker import TaskRunner

    metrics = InMemoryMetrics()
    runner = TaskRunner(Worker("unknown_task", double), server.configuration, metrics)
    accepted = runner.report(
        TaskResult(task_id=str(uuid.uuid4()), workflow_instance_id=str(uuid.uuid4()), status="COMPLETED")
    )
    assert accepted is False
    assert metrics.count("update_failures", "unknown_task") == 1
    assert metrics.count("update_retries", "unknown_task") == 0
