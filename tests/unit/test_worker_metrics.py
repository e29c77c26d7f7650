"""Metrics collectors: in-memory counters and timings, Prometheus export."""

from __future__ import annotations

import pytest

from conductor_testkit.worker import InMemoryMetrics, MetricsCollector, PrometheusMetrics


def test_in_memory_metrics_count_polls_and_empty_polls() -> None:
    metrics = InMemoryMetrics()
    metrics.poll_completed("charge", 3, 0.01)
    metrics.poll_completed("charge", 0, 0.1)
    assert metrics.count("polls", "charge") == 2
    assert metrics.count("empty_polls", "charge") == 1
    assert metrics.count("tasks_polled", "charge") == 3
    assert metrics.timings("poll_time", "charge") == [0.01, 0.1]


def test_in_memory_metrics_count_failures_among_executions() -> None:
    metrics = InMemoryMetrics()
    metrics.execution_completed("charge", "COMPLETED", 0.5)
    metrics.execution_completed("charge", "FAILED", 0.2)
    metrics.execution_completed("charge", "FAILED_WITH_TERMINAL_ERROR", 0.1)
    assert metrics.count("executions", "charge") == 3
    assert metrics.count("failures", "charge") == 2
    assert metrics.timings("execution_time", "charge") == [0.5, 0.2, 0.1]


def test_in_memory_metrics_keep_task_types_apart() -> None:
    metrics = InMemoryMetrics()
    metrics.update_retried("a", ConnectionError())
    metrics.update_failed("b", ConnectionError())
    assert metrics.snapshot() == {"a": {"update_retries": 1}, "b": {"update_failures": 1}}


def test_base_collector_hooks_do_nothing() -> None:
    collector = MetricsCollector()
    collector.poll_completed("a", 1, 0.1)
    collector.update_failed("a", RuntimeError())


def test_prometheus_metrics_export_counters_by_task_type() -> None:
    prometheus_client = pytest.importorskip("prometheus_client")
    registry = prometheus_client.CollectorRegistry()
    metrics = PrometheusMetrics(registry=registry)
    metrics.poll_completed("charge", 0, 0.1)
    metrics.execution_completed("charge", "FAILED", 0.2)
    text = prometheus_client.generate_latest(registry).decode()
    assert 'conductor_worker_empty_polls_total{task_type="charge"} 1.0' in text
    assert 'conductor_worker_failures_total{task_type="charge"} 1.0' in text
    assert 'conductor_worker_execution_seconds_count{task_type="charge"} 1.0' in text


def test_prometheus_metrics_without_the_package_say_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import builtins

    from conductor_testkit.errors import ConfigurationError

    real_import = builtins.__import__

    def no_prometheus(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("prometheus_client"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_prometheus)
    with pytest.raises(ConfigurationError, match=r"pip install 'conductor-testkit\[prometheus\]'"):
        PrometheusMetrics()
