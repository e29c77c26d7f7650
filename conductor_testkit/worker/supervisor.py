"""Keeping a TaskHandler's runners alive: start them, watch them, restart the ones that die.

Each worker gets one :class:`RunnerSlot`: a runner in a thread, or in a process of its own. A
supervisor thread watches them. A runner that ends while the handler still runs has died (a
worker process killed, a segfault in a native library, ``os._exit`` in worker code, an error
that escaped the runner): the supervisor logs it, reports the tasks that process held as FAILED
(so the server retries them now, instead of after their response timeout, and the reason shows
in the workflow), and starts a new runner after a back-off (0.5 s doubling to 30 s; back to
0.5 s once a runner has lived 30 s). Restarts are counted in the metrics
(``MetricsCollector.worker_restarted``) and in :class:`~conductor_testkit.worker.health.WorkerHealth`.

A worker process writes the tasks it holds into memory shared with the supervisor and sends its
errors over a pipe (:class:`~conductor_testkit.worker.health.ProcessListener`); a runner in a
thread is read directly. A task the server handed out in a reply the process never read (an
update-v2 or a poll in transit when it died: at most one per thread) is known only to the
server, which gives it back after its ``responseTimeoutSeconds``, as for any worker that dies.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import signal
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

from conductor_testkit.models import Task
from conductor_testkit.worker.health import InFlightTable, ProcessListener, WorkerHealth
from conductor_testkit.worker.metrics import MetricsCollector
from conductor_testkit.worker.task_runner import TaskRunner
from conductor_testkit.worker.worker import Worker

logger = logging.getLogger(__name__)

RESTART_BACKOFF_START_SECONDS = 0.5
RESTART_BACKOFF_MAX_SECONDS = 30.0
STABLE_AFTER_SECONDS = 30.0  # a runner that lived this long starts the back-off afresh
_WATCH_INTERVAL_SECONDS = 0.2
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
# exit code of a worker process whose runner ended without being asked to stop
RUNNER_CRASHED_EXIT_CODE = 70


def run_in_process(
    worker: Worker,
    configuration: Any,
    metrics: Optional[MetricsCollector],
    update_retry_window_seconds: float,
    table: InFlightTable,
    connection: Any,
) -> None:
    """Entry point of a worker process: run one runner; SIGTERM/SIGINT stop it gracefully."""
    listener = ProcessListener(table, connection)
    runner = TaskRunner(worker, configuration, metrics, update_retry_window_seconds, listener=listener)
    requested: List[int] = []

    def on_signal(signum: int, frame: Any) -> None:
        requested.append(signum)  # only a list append: a signal handler must not take locks

    for signum in _STOP_SIGNALS:
        signal.signal(signum, on_signal)
    thread = threading.Thread(target=runner.run, name=f"conductor-runner-{worker.task_definition_name}")
    thread.start()
    while thread.is_alive():
        thread.join(timeout=0.2)
        if requested:
            runner.stop()
    if not requested:
        raise SystemExit(RUNNER_CRASHED_EXIT_CODE)


def describe_exit(exit_code: Optional[int]) -> str:
    """``exit code -9`` as people read it: killed by SIGKILL, exited with code 3, ..."""
    if exit_code is None:
        return "ended"
    if exit_code < 0:
        try:
            return f"was killed by {signal.Signals(-exit_code).name}"
        except ValueError:
            return f"was killed by signal {-exit_code}"
    if exit_code == RUNNER_CRASHED_EXIT_CODE:
        return "ended: its runner stopped on an unexpected error (see the log)"
    return f"exited with code {exit_code}"


class RunnerSlot:
    """One worker's runner (a thread or a process) and its history."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.restarts = 0
        self.last_error: Optional[str] = None
        self.started_at = 0.0
        self.restart_at: Optional[float] = None  # when a dead runner is due to start again
        self.backoff = RESTART_BACKOFF_START_SECONDS

    @property
    def name(self) -> str:
        return self.worker.task_definition_name

    def is_alive(self) -> bool:
        raise NotImplementedError

    def start(self, supervisor: Supervisor) -> None:
        raise NotImplementedError

    def collect(self) -> None:
        """Read what the runner reported since the last call."""

    def ended(self) -> Tuple[str, List[Task]]:
        """After the runner died: how it ended, and the tasks it held."""
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def join(self, timeout: float) -> bool:
        """Wait for the runner to end; whether it did."""
        raise NotImplementedError

    def health(self) -> WorkerHealth:
        raise NotImplementedError

    def _health(
        self, alive: bool, last_error: Optional[str], in_flight: int, pid: Optional[int]
    ) -> WorkerHealth:
        return WorkerHealth(
            task_type=self.name,
            domain=self.worker.domain,
            alive=alive,
            restarts=self.restarts,
            last_error=last_error,
            tasks_in_flight=in_flight,
            pid=pid,
        )


class ThreadSlot(RunnerSlot):
    """A runner in a thread of the handler's process."""

    def __init__(self, worker: Worker) -> None:
        super().__init__(worker)
        self.runner: Optional[TaskRunner] = None
        self.thread: Optional[threading.Thread] = None
        self.crash: Optional[str] = None  # why the runner's thread ended early

    def start(self, supervisor: Supervisor) -> None:
        self.runner = TaskRunner(
            self.worker, supervisor.configuration, supervisor.metrics, supervisor.update_retry_window_seconds
        )
        self.thread = threading.Thread(
            target=self._run, args=(self.runner,), name=f"conductor-runner-{self.name}", daemon=True
        )
        self.started_at = time.monotonic()
        self.thread.start()

    def _run(self, runner: TaskRunner) -> None:
        try:
            runner.run()
        except Exception as exc:  # the supervisor restarts the runner; say why it ended
            logger.exception("the runner of %s stopped on an unexpected error", self.name)
            self.crash = f"{type(exc).__name__}: {exc}"

    def is_alive(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def ended(self) -> Tuple[str, List[Task]]:
        # a runner's thread ends early only when run() raised; its pool drained the tasks first
        crash, self.crash = self.crash, None
        return f"stopped on an unexpected error ({crash or 'see the log'})", []

    def stop(self) -> None:
        if self.runner is not None:
            self.runner.stop()

    def join(self, timeout: float) -> bool:
        if self.thread is not None:
            self.thread.join(timeout=timeout)
        return not self.is_alive()

    def health(self) -> WorkerHealth:
        runner = self.runner
        errors = [e for e in (self.last_error, runner.last_error if runner else None) if e]
        return self._health(
            self.is_alive(), max(errors) if errors else None, runner.in_flight if runner else 0, None
        )


class ProcessSlot(RunnerSlot):
    """A runner in a worker process of its own, reporting its tasks over a pipe."""

    def __init__(self, worker: Worker, context: Any) -> None:
        super().__init__(worker)
        self.context = context
        self.process: Any = None
        self.connection: Any = None
        self.table = InFlightTable(context, worker.thread_count)
        self.reported_error: Optional[str] = None  # the last error the process sent

    def start(self, supervisor: Supervisor) -> None:
        reader, writer = self.context.Pipe(duplex=False)
        process = self.context.Process(
            target=run_in_process,
            args=(
                self.worker,
                supervisor.configuration,
                supervisor.metrics,
                supervisor.update_retry_window_seconds,
                self.table,
                writer,
            ),
            name=f"conductor-worker-{self.name}",
            daemon=True,
        )
        self.table.reset()
        self.started_at = time.monotonic()
        process.start()
        writer.close()  # the child holds its own end; the reader sees EOF once the child is gone
        self.process, self.connection = process, reader

    def is_alive(self) -> bool:
        return self.process is not None and self.process.is_alive()

    def collect(self) -> None:
        connection = self.connection
        if connection is None:
            return
        try:
            while connection.poll():
                self.reported_error = connection.recv()
        except (EOFError, OSError):  # the process is gone and everything it sent was read
            connection.close()
            self.connection = None

    def ended(self) -> Tuple[str, List[Task]]:
        self.collect()
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        pid = self.process.pid if self.process is not None else None
        how = f"process {pid} {describe_exit(self.process.exitcode if self.process else None)}"
        held = [
            Task(task_id=task_id, workflow_instance_id=workflow_id, task_type=self.name)
            for task_id, workflow_id in self.table.entries().items()
        ]
        self.table.reset()
        return how, held

    def stop(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.terminate()  # SIGTERM: the process's own handler stops its runner

    def join(self, timeout: float) -> bool:
        if self.process is None:
            return True
        self.process.join(timeout=timeout)
        if self.process.is_alive():
            logger.error("%s did not stop within the stop timeout; killing it", self.process.name)
            self.process.kill()
            self.process.join(timeout=5.0)
        self.collect()
        return not self.process.is_alive()

    def health(self) -> WorkerHealth:
        errors = [e for e in (self.last_error, self.reported_error) if e]
        return self._health(
            self.is_alive(),
            max(errors) if errors else None,
            len(self.table.entries()),
            self.process.pid if self.process is not None else None,
        )


class Supervisor:
    """Starts every slot's runner, restarts those that die, and stops them all."""

    def __init__(
        self,
        slots: List[RunnerSlot],
        configuration: Any,
        metrics: Optional[MetricsCollector],
        update_retry_window_seconds: float,
    ) -> None:
        self.slots = slots
        self.configuration = configuration
        self.metrics = metrics
        self.update_retry_window_seconds = update_retry_window_seconds
        self._lock = threading.Lock()  # slot state: the watcher writes, health() reads
        self._stopping = threading.Event()
        self._watcher: Optional[threading.Thread] = None
        self._reporters: Dict[str, TaskRunner] = {}
        self._reporting: List[threading.Thread] = []

    def start(self) -> None:
        for slot in self.slots:
            slot.start(self)
        self._watcher = threading.Thread(target=self._watch, name="conductor-supervisor", daemon=True)
        self._watcher.start()

    def stop(self, timeout_seconds: float) -> None:
        """Stop restarting, then stop every runner (tasks in flight finish and are reported)."""
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join()
        deadline = time.monotonic() + timeout_seconds
        for slot in self.slots:
            slot.stop()
        for slot in self.slots:
            if not slot.join(max(0.0, deadline - time.monotonic())):
                logger.error("runner of %s did not stop within %.0fs", slot.name, timeout_seconds)
        for thread in self._reporting:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def health(self) -> List[WorkerHealth]:
        with self._lock:
            return [slot.health() for slot in self.slots]

    # -- the watcher -----------------------------------------------------------------------------

    def _watch(self) -> None:
        while not self._stopping.is_set():
            waitables = [s.connection for s in self.slots if isinstance(s, ProcessSlot) and s.connection]
            if waitables:
                multiprocessing.connection.wait(waitables, timeout=_WATCH_INTERVAL_SECONDS)
            else:
                self._stopping.wait(_WATCH_INTERVAL_SECONDS)
            if self._stopping.is_set():
                return
            now = time.monotonic()
            for slot in self.slots:
                with self._lock:
                    slot.collect()
                    if slot.restart_at is None and not slot.is_alive():
                        self._on_death(slot, now)
                if slot.restart_at is not None and now >= slot.restart_at and not self._stopping.is_set():
                    self._restart(slot)

    def _on_death(self, slot: RunnerSlot, now: float) -> None:
        how, held = slot.ended()
        if now - slot.started_at >= STABLE_AFTER_SECONDS:
            slot.backoff = RESTART_BACKOFF_START_SECONDS
        delay, slot.backoff = slot.backoff, min(slot.backoff * 2, RESTART_BACKOFF_MAX_SECONDS)
        slot.restart_at = now + delay
        slot.last_error = f"{time.strftime('%Y-%m-%dT%H:%M:%S')} the worker's runner {how}"
        logger.error(
            "worker %s: %s with %d task(s) in flight%s%s; restarting it in %.1fs",
            slot.name,
            how,
            len(held),
            " (reporting them FAILED)" if held else "",
            "; a task handed out in a reply it never read comes back after its responseTimeoutSeconds"
            if isinstance(slot, ProcessSlot)
            else "",
            delay,
        )
        if held:
            reason = f"the worker's runner {how} while running this task"
            thread = threading.Thread(
                target=self._fail_tasks,
                args=(slot.worker, held, reason),
                name="conductor-fail-held",
                daemon=True,
            )
            self._reporting = [t for t in self._reporting if t.is_alive()] + [thread]
            thread.start()

    def _restart(self, slot: RunnerSlot) -> None:
        with self._lock:
            slot.restart_at = None
            slot.restarts += 1
            try:
                slot.start(self)
            except Exception as exc:  # e.g. no more processes: try again after the next back-off
                logger.exception("worker %s: could not restart its runner", slot.name)
                slot.last_error = f"{time.strftime('%Y-%m-%dT%H:%M:%S')} restart failed: {exc}"
                slot.restart_at = time.monotonic() + slot.backoff
                slot.backoff = min(slot.backoff * 2, RESTART_BACKOFF_MAX_SECONDS)
                return
        logger.warning("worker %s: runner restarted (restart %d)", slot.name, slot.restarts)
        if self.metrics is not None:
            self.metrics.worker_restarted(slot.name, slot.last_error or "")

    def _fail_tasks(self, worker: Worker, tasks: List[Task], reason: str) -> None:
        # a reporter of its own per worker: the watcher must never wait for the server
        reporter = self._reporters.get(worker.task_definition_name)
        if reporter is None:
            reporter = TaskRunner(worker, self.configuration, self.metrics, self.update_retry_window_seconds)
            self._reporters[worker.task_definition_name] = reporter
        for task in tasks:
            reporter.fail_task(task, reason)


def process_context() -> Any:
    """The multiprocessing context of worker processes."""
    # fork keeps workers defined anywhere (closures, test functions) and the configuration as is;
    # spawn would need them importable and picklable
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


__all__ = [
    "RESTART_BACKOFF_MAX_SECONDS",
    "RESTART_BACKOFF_START_SECONDS",
    "RUNNER_CRASHED_EXIT_CODE",
    "STABLE_AFTER_SECONDS",
    "ProcessSlot",
    "RunnerSlot",
    "Supervisor",
    "ThreadSlot",
    "describe_exit",
    "process_context",
    "run_in_process",
]
