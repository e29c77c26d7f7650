"""Metrics hooks of the worker runtime: counters and timings per task type.

The TaskHandler calls a :class:`MetricsCollector`; subclass it and override what you need (every
hook is a no-op by default). Two implementations ship:

- :class:`InMemoryMetrics`: counters and timings in dicts, for tests and ad-hoc inspection;
- :class:`PrometheusMetrics`: prometheus-client counters and histograms (``pip install
  conductor-testkit[prometheus]``).

Metric names (``InMemoryMetrics.count(name, task_type)``): ``polls``, ``empty_polls``,
``poll_errors``, ``tasks_polled``, ``executions``, ``failures``, ``update_retries``,
``update_failures``, ``worker_restarts``; timings (``InMemoryMetrics.timings(name, task_type)``, seconds):
``poll_time``, ``execution_time``, ``update_time``.

With worker processes (the TaskHandler's default) each process has its own copy of the collector:
an in-memory collector is only readable with ``use_threads=True`` (except ``worker_restarts``,
which the TaskHandler's own process counts); Prometheus needs its
multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``) to aggregate processes.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any, DefaultDict, Dict, List, Optional, Tuple

from conductor_testkit.errors import ConfigurationError

_FAILED_STATUSES = ("FAILED", "FAILED_WITH_TERMINAL_ERROR")


class MetricsCollector:
    """The hooks the worker runtime calls. Every method is a no-op here."""

    def poll_completed(self, task_type: str, tasks: int, seconds: float) -> None:
        """A poll returned ``tasks`` tasks (0: an empty poll) after ``seconds``.

        A task the server hands back with a result (``/tasks/update-v2``) counts as one poll.
        """

    def poll_failed(self, task_type: str, error: BaseException) -> None:
        """A poll raised (server unreachable, HTTP error)."""

    def execution_completed(self, task_type: str, status: str, seconds: float) -> None:
        """A task was executed; ``status`` is the result's status."""

    def update_completed(self, task_type: str, seconds: float) -> None:
        """A result was accepted by the server (``seconds`` includes retries)."""

    def update_retried(self, task_type: str, error: BaseException) -> None:
        """Sending a result failed and will be retried."""

    def update_failed(self, task_type: str, error: BaseException) -> None:
        """A result could not be delivered (it cannot be serialised, the server refused it, or the
        retry window ran out); it is replaced by a FAILED result saying why."""

    def worker_restarted(self, task_type: str, reason: str) -> None:
        """The runner of a worker died (``reason``: how) and a new one was started."""


class InMemoryMetrics(MetricsCollector):
    """Counts and timings kept in memory (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: DefaultDict[Tuple[str, str], int] = defaultdict(int)
        self._timings: DefaultDict[Tuple[str, str], List[float]] = defaultdict(list)

    def _add(self, name: str, task_type: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[(name, task_type)] += amount

    def _time(self, name: str, task_type: str, seconds: float) -> None:
        with self._lock:
            self._timings[(name, task_type)].append(seconds)

    def poll_completed(self, task_type: str, tasks: int, seconds: float) -> None:
        self._add("polls", task_type)
        self._add("tasks_polled", task_type, tasks)
        if tasks == 0:
            self._add("empty_polls", task_type)
        self._time("poll_time", task_type, seconds)

    def poll_failed(self, task_type: str, error: BaseException) -> None:
        self._add("poll_errors", task_type)

    def execution_completed(self, task_type: str, status: str, seconds: float) -> None:
        self._add("executions", task_type)
        if status in _FAILED_STATUSES:
            self._add("failures", task_type)
        self._time("execution_time", task_type, seconds)

    def update_completed(self, task_type: str, seconds: float) -> None:
        self._time("update_time", task_type, seconds)

    def update_retried(self, task_type: str, error: BaseException) -> None:
        self._add("update_retries", task_type)

    def update_failed(self, task_type: str, error: BaseException) -> None:
        self._add("update_failures", task_type)

    def worker_restarted(self, task_type: str, reason: str) -> None:
        self._add("worker_restarts", task_type)

    def count(self, name: str, task_type: str) -> int:
        """A counter's value (0 when never incremented)."""
        with self._lock:
            return self._counts.get((name, task_type), 0)

    def timings(self, name: str, task_type: str) -> List[float]:
        """Every recorded duration of a timing, in seconds."""
        with self._lock:
            return list(self._timings.get((name, task_type), []))

    def snapshot(self) -> Dict[str, Dict[str, Any]]:
        """{task_type: {counter: value, timing: [seconds, ...]}}."""
        out: Dict[str, Dict[str, Any]] = defaultdict(dict)
        with self._lock:
            for (name, task_type), value in self._counts.items():
                out[task_type][name] = value
            for (name, task_type), values in self._timings.items():
                out[task_type][name] = list(values)
        return dict(out)


class PrometheusMetrics(MetricsCollector):
    """Prometheus counters and histograms labelled by ``task_type``.

    Serve them with ``prometheus_client.start_http_server(port)`` (or your framework's exporter).
    ``registry`` defaults to prometheus-client's global registry; ``namespace`` prefixes the names
    (``conductor_worker_polls_total``, ``conductor_worker_execution_seconds``, ...).
    """

    def __init__(self, registry: Optional[Any] = None, namespace: str = "conductor_worker") -> None:
        try:
            import prometheus_client as prom
        except ImportError:
            raise ConfigurationError(
                "PrometheusMetrics needs the prometheus-client package: "
                "pip install 'conductor-testkit[prometheus]'"
            ) from None
        kwargs: Dict[str, Any] = {"namespace": namespace, "labelnames": ("task_type",)}
        if registry is not None:
            kwargs["registry"] = registry
        self.polls = prom.Counter("polls", "Polls sent", **kwargs)
        self.empty_polls = prom.Counter("empty_polls", "Polls that returned no task", **kwargs)
        self.poll_errors = prom.Counter("poll_errors", "Polls that failed", **kwargs)
        self.tasks_polled = prom.Counter("tasks_polled", "Tasks received from polls", **kwargs)
        self.executions = prom.Counter("executions", "Tasks executed", **kwargs)
        self.failures = prom.Counter("failures", "Tasks that failed", **kwargs)
        self.update_retries = prom.Counter("update_retries", "Result updates retried", **kwargs)
        self.update_failures = prom.Counter(
            "update_failures", "Results that could not be delivered", **kwargs
        )
        self.worker_restarts = prom.Counter("worker_restarts", "Runners restarted after they died", **kwargs)
        self.poll_seconds = prom.Histogram("poll_seconds", "Poll duration", **kwargs)
        self.execution_seconds = prom.Histogram("execution_seconds", "Task execution duration", **kwargs)
        self.update_seconds = prom.Histogram("update_seconds", "Result update duration", **kwargs)

    def poll_completed(self, task_type: str, tasks: int, seconds: float) -> None:
        self.polls.labels(task_type).inc()
        self.tasks_polled.labels(task_type).inc(tasks)
        if tasks == 0:
            self.empty_polls.labels(task_type).inc()
        self.poll_seconds.labels(task_type).observe(seconds)

    def poll_failed(self, task_type: str, error: BaseException) -> None:
        self.poll_errors.labels(task_type).inc()

    def execution_completed(self, task_type: str, status: str, seconds: float) -> None:
        self.executions.labels(task_type).inc()
        if status in _FAILED_STATUSES:
            self.failures.labels(task_type).inc()
        self.execution_seconds.labels(task_type).observe(seconds)

    def update_completed(self, task_type: str, seconds: float) -> None:
        self.update_seconds.labels(task_type).observe(seconds)

    def update_retried(self, task_type: str, error: BaseException) -> None:
        self.update_retries.labels(task_type).inc()

    def update_failed(self, task_type: str, error: BaseException) -> None:
        self.update_failures.labels(task_type).inc()

    def worker_restarted(self, task_type: str, reason: str) -> None:
        self.worker_restarts.labels(task_type).inc()


__all__ = ["InMemoryMetrics", "MetricsCollector", "PrometheusMetrics"]
