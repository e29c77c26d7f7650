"""``TaskRunner``: drives one :class:`Worker` against a server (poll -> execute -> update).

One runner per worker, in its own thread or process (the TaskHandler decides). The loop:

- polls ``/tasks/poll/batch`` for as many tasks as it has free slots (``thread_count`` minus the
  tasks in flight), letting the server hold the poll open ``poll_timeout`` ms;
- backs off when the queue is empty (1 ms doubling up to ``poll_interval_millis``) and when polls
  fail (0.1 s doubling up to 5 s);
- executes each task (inline when ``thread_count`` is 1, else on a thread pool) and reports the
  result, retrying the update with back-off for ``update_retry_window_seconds`` so a result
  survives a server that is briefly unreachable; a 4xx answer (unknown task) is not retried;
- with several threads, pauses a random moment (0-2 ms) before each report, so the threads do
  not fall into lockstep on the server's locks;
- on stop, polls no more, finishes the tasks in flight and reports their results.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Tuple

from conductor_testkit.errors import ApiError
from conductor_testkit.models import Task, TaskDef, TaskResult, TaskResultStatus
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
# threads of one runner drift into lockstep (see _desynchronize): each waits a random share of
# the recent update latency, up to this fraction of it and never more than the cap
_DESYNC_FRACTION = 0.25
_DESYNC_MAX_SECONDS = 0.002
_LATENCY_SMOOTHING = 0.1  # weight of the newest update in the latency average


_REJECTED = object()  # marker: the result was not accepted


def _is_missing_route(error: BaseException) -> bool:
    from conductor_testkit.client.api_client import is_missing_route

    return isinstance(error, ApiError) and is_missing_route(error)


def _is_final_rejection(error: BaseException) -> bool:
    """A 4xx (except 408/429) means the server understood and refused: retrying cannot help."""
    return isinstance(error, ApiError) and 400 <= error.status < 500 and error.status not in (408, 429)


def tune_session(session: Any, base_url: str, thread_count: int) -> None:
    """:func:`~conductor_testkit.client.http_transport.tune_session` for a worker: a connection
    for every thread, plus the poller and the lease keeper."""
    from conductor_testkit.client.http_transport import tune_session as tune

    tune(session, base_url, pool_maxsize=thread_count + 2)


def build_clients(configuration: Any, thread_count: int) -> Tuple[Any, Any]:
    """(TaskClient, MetadataClient) for one runner.

    Over HTTP each runner gets its own transport (connection pool sized to its threads): after a
    fork a pool inherited from the parent would share sockets with it. In-process transports
    (``memory://``) are shared, since they are the engine itself.
    """
    from conductor_testkit.client import ApiClient, HttpTransport, MetadataClient, TaskClient

    if configuration.is_http:
        transport = HttpTransport.from_configuration(configuration, pool_maxsize=thread_count + 2)
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
    ) -> None:
        self.worker = worker
        self.configuration = configuration
        self.metrics = metrics if metrics is not None else MetricsCollector()
        self.update_retry_window_seconds = update_retry_window_seconds
        self._stop = threading.Event()
        self._in_flight = 0
        self._slots = threading.Condition()
        self._task_client: Any = None
        self._metadata_client: Any = None
        self._leases: Dict[str, Tuple[Task, float]] = {}
        self._leases_lock = threading.Lock()
        self._use_update_v2 = True
        self._update_latency = 0.0  # moving average of a successful update's round trip, seconds

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
                self._stop.wait(error_delay)
                error_delay = min(error_delay * 2, _POLL_ERROR_BACKOFF_MAX_SECONDS)
                continue
            error_delay = _POLL_ERROR_BACKOFF_START_SECONDS
            self.metrics.poll_completed(worker.task_definition_name, len(tasks), time.monotonic() - started)
            if not tasks:
                empty_polls = min(empty_polls + 1, 16)
                pause = min(
                    _EMPTY_POLL_BACKOFF_START_SECONDS * 2 ** (empty_polls - 1), worker.poll_interval_seconds
                )
                self._stop.wait(pause)
                continue
            empty_polls = 0
            for task in tasks:
                self._claim_slot()
                if pool is None:
                    self._execute_and_report(task)
                else:
                    pool.submit(self._execute_and_report, task)

    def _wait_for_free_slots(self) -> int:
        with self._slots:
            while self._in_flight >= self.worker.thread_count and not self._stop.is_set():
                self._slots.wait(timeout=0.5)
            return self.worker.thread_count - self._in_flight

    def _claim_slot(self) -> None:
        with self._slots:
            self._in_flight += 1

    def _release_slot(self) -> None:
        with self._slots:
            self._in_flight -= 1
            self._slots.notify()

    # -- one task --------------------------------------------------------------------------------

    def _execute_and_report(self, task: Task) -> None:
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
                self._desynchronize()
                current = self._report(result, take_next=True)
        except Exception:  # never let one task take the runner down
            logger.exception("unexpected error running task %s of %s", task.task_id, name)
        finally:
            self._release_slot()

    def _desynchronize(self) -> None:
        """Pause a random moment before a report when several threads report to the server.

        Threads that each do one round trip per task fall into lockstep: a stall on the server
        (a lock, a GC pause) answers them together, so they send their next updates together,
        collide again on the server's locks (a busy-wait of several ms each on a SQLite-backed
        server) and stay in step. Measured with no-op tasks and 4 threads against a SQLite-backed
        server: in lockstep, all four stalled together for 40-100 ms several times per 300 tasks
        (about 15% of the tasks/s); random pauses of 0-3 ms removed those stalls. The pause is at
        most a quarter of the recent update latency (so it scales with the server) and 2 ms.
        """
        if self.worker.thread_count > 1 and self._update_latency > 0.0:
            time.sleep(random.uniform(0.0, min(self._update_latency * _DESYNC_FRACTION, _DESYNC_MAX_SECONDS)))

    def report(self, result: TaskResult) -> bool:
        """Send a result, retrying with back-off within the retry window. True when accepted."""
        self._ensure_clients()
        return self._report(result, take_next=False) is not _REJECTED

    def _ensure_clients(self) -> None:
        # built in the thread or process that runs the runner, never inherited through a fork
        if self._task_client is None:
            self._task_client, self._metadata_client = build_clients(
                self.configuration, self.worker.thread_count
            )

    def _report(self, result: TaskResult, take_next: bool) -> Any:
        """Send ``result``; returns the next task handed back by the server, None, or _REJECTED.

        The first attempt uses ``POST /tasks/update-v2`` (the update also polls the next task of
        the same queue: one round trip per task under load) unless stopping or paused; retries use
        the plain update, so a next task can never be taken and lost with a dropped response.
        """
        name = self.worker.task_definition_name
        started = time.monotonic()
        deadline = started + self.update_retry_window_seconds
        delay = _UPDATE_BACKOFF_START_SECONDS
        first = True
        while True:
            try:
                if (
                    first
                    and take_next
                    and self._use_update_v2
                    and not (self._stop.is_set() or self.worker.paused)
                ):
                    first = False
                    sent = time.monotonic()
                    next_task = self._update_v2(result)
                    self._update_latency += _LATENCY_SMOOTHING * (
                        time.monotonic() - sent - self._update_latency
                    )
                    if next_task is not None:  # update-v2 polled it: count it like a polled task
                        self.metrics.poll_completed(name, 1, time.monotonic() - sent)
                else:
                    first = False
                    self._task_client.update_task(result)
                    next_task = None
                self.metrics.update_completed(name, time.monotonic() - started)
                return next_task
            except Exception as exc:
                if self._use_update_v2 and _is_missing_route(exc):
                    self._use_update_v2 = False  # an older server: use the plain update from now on
                    logger.info("server has no /tasks/update-v2; using /tasks")
                    continue
                if _is_final_rejection(exc):
                    self.metrics.update_failed(name, exc)
                    logger.error("server rejected the result of task %s (%s): %s", result.task_id, name, exc)
                    return _REJECTED
                if time.monotonic() + delay > deadline:
                    self.metrics.update_failed(name, exc)
                    logger.error(
                        "gave up reporting task %s (%s) after %.0fs: %s",
                        result.task_id,
                        name,
                        self.update_retry_window_seconds,
                        exc,
                    )
                    return _REJECTED
                self.metrics.update_retried(name, exc)
                logger.warning(
                    "reporting task %s (%s) failed (%s: %s); retrying in %.2fs",
                    result.task_id,
                    name,
                    type(exc).__name__,
                    exc,
                    delay,
                )
                # a plain sleep, not the stop event: a stopping runner must still deliver results
                time.sleep(delay)
                delay = min(delay * 2, _UPDATE_BACKOFF_MAX_SECONDS)

    def _update_v2(self, result: TaskResult) -> Optional[Task]:
        body = self._task_client.api_client.call_json("POST", "/tasks/update-v2", json_body=result.to_dict())
        return Task.from_dict(body) if isinstance(body, dict) and body.get("taskId") else None

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
                beat = TaskResult(
                    task_id=task.task_id,
                    workflow_instance_id=task.workflow_instance_id,
                    worker_id=self.worker.worker_id,
                    status=TaskResultStatus.IN_PROGRESS,
                    extend_lease=True,
                )
                try:
                    self._task_client.update_task(beat)
                except Exception as exc:
                    logger.warning("could not extend the lease of task %s: %s", task.task_id, exc)


__all__ = ["DEFAULT_UPDATE_RETRY_WINDOW_SECONDS", "TaskRunner", "build_clients", "tune_session"]
