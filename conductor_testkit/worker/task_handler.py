"""``TaskHandler``: runs workers against a Conductor server until stopped.

::

    with TaskHandler(configuration=Configuration()) as handler:   # every @worker_task function
        handler.start_processes()
        ...
    # leaving the block stops the workers; tasks in flight finish and are reported first

Each worker gets a :class:`TaskRunner` in its own process (the default, as in the official SDK)
or thread (``use_threads=True``; always for an in-process ``memory://`` configuration, which
cannot cross processes). Settings come from the worker and are overridden by environment
variables (``conductor_testkit.worker.settings``).

Stopping: ``stop_processes()``, leaving the ``with`` block, or SIGTERM/SIGINT (handlers are
installed by ``start_processes`` in the main thread unless ``handle_signals=False``). Runners stop
polling, finish the tasks in flight, report them (retrying while the server is unreachable) and
exit; whatever is still running after ``stop_timeout_seconds`` is killed. After a signal the
previous handler runs (so SIGINT still raises KeyboardInterrupt and SIGTERM still ends the process).

Supervision: until it is stopped, the handler restarts a worker whose process (or thread) dies,
after a back-off, logging it and counting it (``MetricsCollector.worker_restarted``); the tasks
that process held are reported FAILED with the reason, so the server retries them at once
(``conductor_testkit.worker.supervisor``). :meth:`TaskHandler.health` tells, per worker, whether
it is alive, how often it was restarted, its last error and its tasks in flight.
"""

from __future__ import annotations

import importlib
import logging
import signal
import sys
import threading
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

from conductor_testkit.errors import ConfigurationError
from conductor_testkit.worker.health import WorkerHealth
from conductor_testkit.worker.metrics import MetricsCollector
from conductor_testkit.worker.registry import get_registered_workers
from conductor_testkit.worker.settings import apply_environment
from conductor_testkit.worker.supervisor import (
    ProcessSlot,
    RunnerSlot,
    Supervisor,
    ThreadSlot,
    process_context,
)
from conductor_testkit.worker.task_runner import DEFAULT_UPDATE_RETRY_WINDOW_SECONDS
from conductor_testkit.worker.worker import Worker

logger = logging.getLogger(__name__)

WorkerLike = Union[Worker, Callable[..., Any]]

_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _as_worker(item: WorkerLike) -> Worker:
    if isinstance(item, Worker):
        return item
    worker = getattr(item, "worker", None)  # a @worker_task function
    if isinstance(worker, Worker):
        return worker
    raise ConfigurationError(
        f"TaskHandler: workers must be Worker objects or @worker_task functions, received {item!r}"
    )


class TaskHandler:
    """Starts, stops and supervises the runners of a set of workers.

    Args:
        workers: Worker objects (or @worker_task functions) to run, besides the scanned ones.
        configuration: where the server is (default ``Configuration()``: ``CONDUCTOR_SERVER_URL``).
        scan_for_annotated_workers: also run every registered ``@worker_task`` function.
        import_modules: modules to import first (so their ``@worker_task`` functions register).
        metrics: hooks called with counters and timings per task type.
        use_threads: run workers as threads of this process instead of one process each.
        update_retry_window_seconds: how long a result is retried while the server is unreachable.
        stop_timeout_seconds: how long a stop waits for tasks in flight before killing runners.
        handle_signals: stop gracefully on SIGTERM/SIGINT (main thread only).
    """

    def __init__(
        self,
        workers: Optional[Union[WorkerLike, Iterable[WorkerLike]]] = None,
        configuration: Optional[Any] = None,
        scan_for_annotated_workers: bool = True,
        import_modules: Optional[List[str]] = None,
        metrics: Optional[MetricsCollector] = None,
        use_threads: bool = False,
        update_retry_window_seconds: float = DEFAULT_UPDATE_RETRY_WINDOW_SECONDS,
        stop_timeout_seconds: float = 30.0,
        handle_signals: bool = True,
    ) -> None:
        if configuration is None:
            from conductor_testkit.client import Configuration

            configuration = Configuration()
        self.configuration = configuration
        for module in import_modules or []:
            importlib.import_module(module)

        if workers is None:
            given: List[WorkerLike] = []
        elif isinstance(workers, Worker) or callable(workers):
            given = [workers]  # type: ignore[list-item]
        else:
            given = list(workers)
        chosen: Dict[Tuple[str, Optional[str]], Worker] = {}
        for item in given:
            worker = _as_worker(item)
            key = (worker.task_definition_name, worker.domain)
            if key in chosen:
                raise ConfigurationError(
                    f"TaskHandler: two workers for task {key[0]!r} in domain {key[1]!r}; give one"
                )
            chosen[key] = worker
        if scan_for_annotated_workers:
            for worker in get_registered_workers():
                chosen.setdefault((worker.task_definition_name, worker.domain), worker)
        self.workers: List[Worker] = [apply_environment(w) for w in chosen.values()]

        in_process_transport = not configuration.is_http
        self.use_threads = use_threads or in_process_transport
        self.metrics = metrics
        self.update_retry_window_seconds = update_retry_window_seconds
        self.stop_timeout_seconds = stop_timeout_seconds
        self.handle_signals = handle_signals
        self._supervisor: Optional[Supervisor] = None
        self._previous_handlers: Dict[int, Any] = {}
        self._started = False
        self._stopped = threading.Event()
        self._lock = threading.RLock()

    # -- lifecycle -------------------------------------------------------------------------------

    def start_processes(self) -> None:
        """Start one runner per worker (processes, or threads with ``use_threads``) and the
        supervisor that restarts the ones that die."""
        with self._lock:
            if self._started:
                logger.warning("TaskHandler.start_processes called twice; workers already run")
                return
            self._started = True
            self._stopped.clear()
            if not self.workers:
                logger.warning(
                    "TaskHandler has no workers to run: pass workers=, or decorate functions with "
                    "@worker_task and import their modules (import_modules=[...])"
                )
            slots: List[RunnerSlot]
            if self.use_threads:
                slots = [ThreadSlot(worker) for worker in self.workers]
            else:
                context = process_context()
                slots = [ProcessSlot(worker, context) for worker in self.workers]
            self._supervisor = Supervisor(
                slots, self.configuration, self.metrics, self.update_retry_window_seconds
            )
            self._supervisor.start()
            if self.handle_signals:
                self._install_signal_handlers()
            logger.info(
                "started %d worker(s) in %s",
                len(self.workers),
                "threads" if self.use_threads else "processes",
            )

    def stop_processes(self) -> None:
        """Stop every runner gracefully: tasks in flight finish and are reported, then runners exit."""
        with self._lock:
            if not self._started:
                return
            self._started = False
            if self._supervisor is not None:
                self._supervisor.stop(self.stop_timeout_seconds)
            self._restore_signal_handlers()
            self._stopped.set()
            logger.info("stopped worker(s)")

    def join_processes(self) -> None:
        """Block until the workers are stopped (``stop_processes``, a signal, another thread).

        A worker that dies meanwhile is restarted, so this does not return on a crash.
        """
        while self._started:
            self._stopped.wait(timeout=0.5)

    def health(self) -> List[WorkerHealth]:
        """The state of each worker, in the order of :attr:`workers` (empty before the start).

        Each :class:`~conductor_testkit.worker.health.WorkerHealth` tells whether the worker's
        runner is alive, how often it was restarted, its last error (with its time) and how many
        tasks it holds. With worker processes the figures are those each process last sent
        (they are at most a fraction of a second old).
        """
        supervisor = self._supervisor
        return supervisor.health() if supervisor is not None else []

    def __enter__(self) -> TaskHandler:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop_processes()

    # -- signals ---------------------------------------------------------------------------------

    def _install_signal_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in _STOP_SIGNALS:
            try:
                self._previous_handlers[signum] = signal.signal(signum, self._on_signal)
            except (ValueError, OSError):  # not allowed here (embedded interpreter)
                continue

    def _restore_signal_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum, previous in self._previous_handlers.items():
            try:
                signal.signal(signum, previous)
            except (ValueError, OSError, TypeError):
                continue
        self._previous_handlers.clear()

    def _on_signal(self, signum: int, frame: Any) -> None:
        previous = self._previous_handlers.get(signum, signal.SIG_DFL)
        logger.info("received %s: stopping workers after the tasks in flight", signal.Signals(signum).name)
        self.stop_processes()
        if callable(previous):
            previous(signum, frame)
        elif previous == signal.SIG_DFL:
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            sys.exit(128 + signum)

    def __repr__(self) -> str:
        names = ", ".join(w.task_definition_name for w in self.workers)
        mode = "threads" if self.use_threads else "processes"
        return f"TaskHandler(workers=[{names}], {mode})"


__all__ = ["TaskHandler"]
