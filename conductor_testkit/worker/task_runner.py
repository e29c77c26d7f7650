"""``TaskRunner``: drives one :class:`Worker` against a server (poll -> execute -> update).

One runner per worker, in its own thread or process (the TaskHandler decides). The loop:

- polls ``/tasks/poll/batch`` for as many tasks as it has free slots (``thread_count`` minus the
  tasks in flight), letting the server hold the poll open ``poll_timeout`` ms;
- backs off when the queue is empty (1 ms doubling up to ``poll_interval_millis``) and when polls
  fail (0.1 s doubling up to 5 s);
- executes each task (inline when ``thread_count`` is 1, else on a thread pool) and reports the
  result, retrying the update with back-off for ``update_retry_window_seconds`` so a result
  survives a server that is briefly unreachable;
- a result that cannot be delivered (it cannot be serialised, the server refuses it, or the
  retry window ran out) is replaced by a FAILED result that says why (``delivery``), so the
  task is never left IN_PROGRESS without a word; an unknown task (404) is only logged;
- on stop, polls no more, finishes the tasks in flight and reports their results.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Tuple

from conductor_testkit.errors import ApiError
from conductor_testkit.models import Task, TaskDef, TaskResult, TaskResultStatus
from conductor_testkit.worker.delivery import (
    Undeliverable,
    failed_result,
    refusal,
    serialisation_failure,
)
from conductor_testkit.worker.health import RunnerListener
from conductor_testkit.worker.metrics import MetricsCollector
from conductor_testkit.worker.worker import Worker

logger = logging.getLogger(__name__)

DEFAULT_UPDATE_RETRY_WINDOW_SECONDS = 120.0
_POLL_ERROR_BACKOFF_START_SECONDS = 0.1
_POLL_ERROR_BACKOFF_MAX_SECONDS = 5.0
_UPDATE_BACKOFF_START_SECONDS = 0.25
_UPDATE_BACKOFF_MAX_SECONDS = 5.0
_EMPTY_POLL_BACKOFF_START_SECONDS = 0.001
_LEASE_EXTEND_FRACTION = 0.8


class _NotDelivered(Exception):
    """Internal: a result could not be delivered (carries why)."""

    def __init__(
        self, undeliverable: Undeliverable, error: BaseException, window_ran_out: bool = False
    ) -> None:
        super().__init__(undeliverable.reason)
        self.undeliverable = undeliverable
        self.error = error
        self.window_ran_out = window_ran_out


def _is_missing_route(error: BaseException) -> bool:
    from conductor_testkit.client.api_client import is_missing_route

    return isinstance(error, ApiError) and is_missing_route(error)


def tune_session(session: Any, base_url: str, thread_count: int) -> None:
    """:func:`~conductor_testkit.client.http_transport.tune_session` for a worker: a connection
    for every thread, plus the poller and the lease keeper."""
    from conductor_testkit.client.http_transport import tune_session as tune

    tune(session, base_url, pool_maxsize=thread_count + 2)


def build_clients(configuration: Any, thread_count: int) -> Tuple[Any, Any]:
    """(TaskClient, MetadataClient) for one runner.

    Over HTTP each runner gets its own transport (connection pool sized to its threads): after a
    fork a pool inherited from the parent would share sockets with it. It is the ``urllib3`` one
    unless the environment needs ``requests`` for the server's URL (see
    :func:`~conductor_testkit.client.urllib3_transport.network_transport`): polls and updates are
    nearly all a no-op worker does, and ``requests`` doubles their CPU. In-process transports
    (``memory://``) are shared, since they are the engine itself.
    """
    from conductor_testkit.client import ApiClient, MetadataClient, TaskClient
    from conductor_testkit.client.urllib3_transport import network_transport

    if configuration.is_http:
        transport = network_transport(configuration, pool_maxsize=thread_count + 2)
        api_client = ApiClient(configuration, transport=transport)
    else:
        api_client = ApiClient(configuration)
    return TaskClient(configuration, api_client=api_client), MetadataClient(
        configuration, api_client=api_client
    )


class TaskRunner:
    """Polls, executes and reports tasks for one worker until :meth:`stop` is called."""

    def __init__(
        self,
        worker: Worker,
        configuration: Any,
        metrics: Optional[MetricsCollector] = None,
        update_retry_window_seconds: float = DEFAULT_UPDATE_RETRY_WINDOW_SECONDS,
        listener: Optional[RunnerListener] = None,
    ) -> None:
        self.worker = worker
        self.configuration = configuration
        self.metrics = metrics if metrics is not None else MetricsCollector()
        self.update_retry_window_seconds = update_retry_window_seconds
        self.listener = listener if listener is not None else RunnerListener()
        self.last_error: Optional[str] = None
        self._stop = threading.Event()
        self._in_flight = 0
        self._free_slots = list(range(worker.thread_count))  # the listener's slot numbers
        self._slots = threading.Condition()
        self._task_client: Any = None
        self._metadata_client: Any = None
        self._leases: Dict[str, Tuple[Task, float]] = {}
        self._leases_lock = threading.Lock()
        self._use_update_v2 = True

    # -- control ---------------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask the runner to stop: no more polls; tasks in flight still finish and are reported."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def in_flight(self) -> int:
        with self._slots:
            return self._in_flight

    # -- the loop --------------------------------------------------------------------------------

    def run(self) -> None:
        """Run until stopped, then drain the tasks in flight. Blocks."""
        worker = self.worker
        self._ensure_clients()
        if worker.register_task_def:
            self._register_task_def()
        pool: Optional[ThreadPoolExecutor] = None
        if worker.thread_count > 1:
            pool = ThreadPoolExecutor(
                max_workers=worker.thread_count, thread_name_prefix=f"conductor-{worker.task_definition_name}"
            )
        lease_thread = None
        if worker.lease_extend_enabled:
            lease_thread = threading.Thread(
                target=self._extend_leases, name=f"conductor-lease-{worker.task_definition_name}", daemon=True
            )
            lease_thread.start()
        logger.info(
            "polling %s (domain=%s, thread_count=%d, poll_interval=%sms, poll_timeout=%dms)",
            worker.task_definition_name,
            worker.domain,
            worker.thread_count,
            worker.poll_interval_millis,
            worker.poll_timeout,
        )
        try:
            self._poll_loop(pool)
        finally:
            if pool is not None:
                pool.shutdown(wait=True)  # the drain: every task in flight finishes and is reported
            self._stop.set()
            if lease_thread is not None:
                lease_thread.join(timeout=1.0)
            logger.info("stopped polling %s", worker.task_definition_name)

    def _poll_loop(self, pool: Optional[ThreadPoolExecutor]) -> None:
        worker = self.worker
        empty_polls = 0
        error_delay = _POLL_ERROR_BACKOFF_START_SECONDS
        while not self._stop.is_set():
            free = self._wait_for_free_slots()
            if free <= 0 or self._stop.is_set():
                continue
            if worker.paused:
                self._stop.wait(worker.poll_interval_seconds)
                continue
            started = time.monotonic()
            try:
                tasks = self._task_client.batch_poll_tasks(
                    worker.task_definition_name,
                    worker_id=worker.worker_id,
                    count=free,
                    timeout_in_millisecond=worker.poll_timeout,
                    domain=worker.domain,
                )
            except Exception as exc:
                self.metrics.poll_failed(worker.task_definition_name, exc)
                logger.warning(
                    "poll of %s failed (%s: %s); next poll in %.1fs",
                    worker.task_definition_name,
                    type(exc).__name__,
                    exc,
                    error_delay,
                )
                self._note_error(f"poll failed: {type(exc).__name__}: {exc}")
                self._stop.wait(error_delay)
                error_delay = min(error_delay * 2, _POLL_ERROR_BACKOFF_MAX_SECONDS)
                continue
            error_delay = _POLL_ERROR_BACKOFF_START_SECONDS
            self._count_poll(len(tasks), time.monotonic() - started)
            if not tasks:
                empty_polls = min(empty_polls + 1, 16)
                pause = min(
                    _EMPTY_POLL_BACKOFF_START_SECONDS * 2 ** (empty_polls - 1), worker.poll_interval_seconds
                )
                self._stop.wait(pause)
                continue
            empty_polls = 0
            for task in tasks:
                slot = self._claim_slot()
                self.listener.task_started(slot, task)
                if pool is None:
                    self._execute_and_report(task, slot)
                else:
                    pool.submit(self._execute_and_report, task, slot)

    def _count_poll(self, tasks: int, seconds: float) -> None:
        # the tasks are taken now: a failing metrics hook must not lose them with the runner
        try:
            self.metrics.poll_completed(self.worker.task_definition_name, tasks, seconds)
        except Exception:
            logger.exception("metrics hook poll_completed failed")

    def _wait_for_free_slots(self) -> int:
        with self._slots:
            while self._in_flight >= self.worker.thread_count and not self._stop.is_set():
                self._slots.wait(timeout=0.5)
            return self.worker.thread_count - self._in_flight

    def _claim_slot(self) -> int:
        with self._slots:
            self._in_flight += 1
            return self._free_slots.pop() if self._free_slots else -1

    def _release_slot(self, slot: int) -> None:
        with self._slots:
            self._in_flight -= 1
            if slot >= 0:
                self._free_slots.append(slot)
            self._slots.notify()

    # -- one task --------------------------------------------------------------------------------

    def _execute_and_report(self, task: Task, slot: int) -> None:
        name = self.worker.task_definition_name
        current: Optional[Task] = task
        try:
            # the result's update may hand back the next task (update-v2): keep this slot for it
            while current is not None:
                self._track_lease(current)
                started = time.monotonic()
                try:
                    result = self.worker.execute(current)
                finally:
                    self._untrack_lease(current.task_id)
                status = str(result.status) if result.status is not None else TaskResultStatus.COMPLETED.value
                self.metrics.execution_completed(name, status, time.monotonic() - started)
                _, next_task = self._deliver(result, take_next=True)
                if next_task is None:
                    self.listener.task_finished(slot)
                else:
                    self.listener.task_started(slot, next_task)
                current = next_task
        except Exception as exc:  # never let one task take the runner down, nor lose it silently
            logger.exception("unexpected error running task %s of %s", current and current.task_id, name)
            if current is not None:
                self.fail_task(current, f"the worker runtime failed: {type(exc).__name__}: {exc}")
                self.listener.task_finished(slot)
        finally:
            self._release_slot(slot)

    def report(self, result: TaskResult) -> bool:
        """Send a result, retrying with back-off within the retry window. True when accepted.

        A result that cannot be delivered is replaced by a FAILED result saying why (see
        ``conductor_testkit.worker.delivery``); False is returned then.
        """
        self._ensure_clients()
        accepted, _ = self._deliver(result, take_next=False)
        return accepted

    def fail_task(self, task: Task, reason: str) -> bool:
        """Report ``task`` FAILED with ``reason`` (a task whose result will never come, e.g.
        because its worker process died). True when the server accepted it."""
        self._ensure_clients()
        failed = self._result_of(task, TaskResultStatus.FAILED, reason_for_incompletion=reason)
        failed.log(reason)
        return self._report_failure(failed, self.update_retry_window_seconds)

    def _result_of(self, task: Task, status: TaskResultStatus, **fields: Any) -> TaskResult:
        """A result of this worker for ``task`` that the worker's function did not produce."""
        return TaskResult(
            task_id=task.task_id,
            workflow_instance_id=task.workflow_instance_id,
            worker_id=self.worker.worker_id,
            status=status,
            **fields,
        )

    def _ensure_clients(self) -> None:
        # built in the thread or process that runs the runner, never inherited through a fork
        if self._task_client is None:
            self._task_client, self._metadata_client = build_clients(
                self.configuration, self.worker.thread_count
            )

    def _note_error(self, message: str) -> None:
        self.last_error = f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {message}"
        self.listener.error(self.last_error)

    def _deliver(self, result: TaskResult, take_next: bool) -> Tuple[bool, Optional[Task]]:
        """Send ``result``: (accepted, the next task when the server hands one back).

        A result that cannot be delivered is logged, counted and replaced by a FAILED result
        that says why (unless the server does not know the task).
        """
        name = self.worker.task_definition_name
        try:
            try:
                body = result.to_dict()
            except Exception as exc:  # an output value pydantic cannot dump, bytes not UTF-8
                raise _NotDelivered(serialisation_failure(exc), exc) from None
            return True, self._send(body, take_next, self.update_retry_window_seconds)
        except _NotDelivered as failure:
            self.metrics.update_failed(name, failure.error)
            why = failure.undeliverable
            logger.error(
                "the result of task %s (%s) cannot be delivered: %s", result.task_id, name, why.reason
            )
            self._note_error(f"result of task {result.task_id} not delivered: {why.reason}")
            if why.report_failure:
                # the server answered, so it can take the failure now: one retry window for a
                # refusal, a single attempt when it stayed unreachable for a whole window
                window = 0.0 if failure.window_ran_out else self.update_retry_window_seconds
                self._report_failure(failed_result(result, why.reason), window)
            return False, None

    def _report_failure(self, failed: TaskResult, window: float) -> bool:
        try:
            self._send(failed.to_dict(), take_next=False, window=window)
            logger.warning(
                "reported task %s (%s) FAILED: %s",
                failed.task_id,
                self.worker.task_definition_name,
                failed.reason_for_incompletion,
            )
            return True
        except _NotDelivered as failure:
            logger.error(
                "could not report task %s (%s) FAILED: %s",
                failed.task_id,
                self.worker.task_definition_name,
                failure.undeliverable.reason,
            )
            return False

    def _send(self, body: Dict[str, Any], take_next: bool, window: float) -> Optional[Task]:
        """POST a result's wire JSON; the next task handed back by update-v2, or None.

        The first attempt uses ``POST /tasks/update-v2`` (the update also polls the next task of
        the same queue: one round trip per task under load) unless stopping or paused; retries use
        the plain update, so a next task can never be taken and lost with a dropped response.
        Raises _NotDelivered when the server refuses the result or the window runs out.
        """
        name = self.worker.task_definition_name
        api = self._task_client.api_client
        started = time.monotonic()
        deadline = started + window
        delay = _UPDATE_BACKOFF_START_SECONDS
        server_failures = 0
        use_v2 = take_next and self._use_update_v2 and not (self._stop.is_set() or self.worker.paused)
        while True:
            sent = time.monotonic()
            try:
                if use_v2:
                    answer = api.call_json("POST", "/tasks/update-v2", json_body=body)
                else:
                    api.call("POST", "/tasks", json_body=body)
                    answer = None
            except Exception as exc:
                tried_v2, use_v2 = use_v2, False
                if tried_v2 and _is_missing_route(exc):
                    self._use_update_v2 = False  # an older server: use the plain update from now on
                    logger.info("server has no /tasks/update-v2; using /tasks")
                    continue
                if isinstance(exc, ApiError) and exc.status >= 500:
                    server_failures += 1
                why = refusal(exc, server_failures)
                if why is not None:
                    raise _NotDelivered(why, exc) from None
                if time.monotonic() + delay > deadline:
                    raise _NotDelivered(
                        Undeliverable(
                            f"not delivered within {window:.0f}s; the last error: {type(exc).__name__}: {exc}"
                        ),
                        exc,
                        window_ran_out=True,
                    ) from None
                self.metrics.update_retried(name, exc)
                logger.warning(
                    "reporting task %s (%s) failed (%s: %s); retrying in %.2fs",
                    body.get("taskId"),
                    name,
                    type(exc).__name__,
                    exc,
                    delay,
                )
                self._note_error(f"update failed, retrying: {type(exc).__name__}: {exc}")
                # a plain sleep, not the stop event: a stopping runner must still deliver results
                time.sleep(delay)
                delay = min(delay * 2, _UPDATE_BACKOFF_MAX_SECONDS)
                continue
            # accepted: from here on nothing may fail the update, nor lose the next task
            now = time.monotonic()
            next_task = None
            if use_v2 and isinstance(answer, dict) and answer.get("taskId"):
                next_task = Task.from_dict(answer)
                self._count_poll(1, now - sent)  # update-v2 polled it: count it like a polled task
            try:
                self.metrics.update_completed(name, now - started)
            except Exception:
                logger.exception("metrics hook update_completed failed")
            return next_task

    # -- task definition and leases --------------------------------------------------------------

    def _register_task_def(self) -> None:
        worker = self.worker
        if worker.task_def is not None:
            task_def = worker.task_def.model_copy(deep=True)
            task_def.name = worker.task_definition_name
        else:
            task_def = TaskDef(name=worker.task_definition_name)
        try:
            self._metadata_client.register_task_def(task_def)
            logger.info("registered task definition %s", worker.task_definition_name)
        except Exception as exc:  # polling still works with an existing or ad-hoc definition
            logger.error("could not register task definition %s: %s", worker.task_definition_name, exc)

    def _track_lease(self, task: Task) -> None:
        if not self.worker.lease_extend_enabled or not task.response_timeout_seconds or not task.task_id:
            return
        due = time.monotonic() + task.response_timeout_seconds * _LEASE_EXTEND_FRACTION
        with self._leases_lock:
            self._leases[task.task_id] = (task, due)

    def _untrack_lease(self, task_id: Optional[str]) -> None:
        if task_id and self.worker.lease_extend_enabled:
            with self._leases_lock:
                self._leases.pop(task_id, None)

    def _extend_leases(self) -> None:
        # checked often: a lease must be renewed within the 20% of responseTimeoutSeconds left
        while not self._stop.wait(0.2) or self.in_flight:
            now = time.monotonic()
            with self._leases_lock:
                due: List[Task] = [task for task, when in self._leases.values() if when <= now]
                for task in due:
                    timeout = task.response_timeout_seconds or 0
                    self._leases[task.task_id or ""] = (task, now + timeout * _LEASE_EXTEND_FRACTION)
            for task in due:
                beat = self._result_of(task, TaskResultStatus.IN_PROGRESS, extend_lease=True)
                try:
                    self._task_client.update_task(beat)
                except Exception as exc:
                    logger.warning("could not extend the lease of task %s: %s", task.task_id, exc)


__all__ = ["DEFAULT_UPDATE_RETRY_WINDOW_SECONDS", "TaskRunner", "build_clients", "tune_session"]
