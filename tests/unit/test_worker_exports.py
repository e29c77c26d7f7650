"""The public names of conductor_testkit.worker (a refactor must not drop one silently)."""

from __future__ import annotations

import conductor_testkit.worker as worker_package


def test_worker_package_exports_exactly_its_public_api() -> None:
    assert sorted(worker_package.__all__) == [
        "InMemoryMetrics",
        "MetricsCollector",
        "NonRetryableException",
        "PrometheusMetrics",
        "TaskContext",
        "TaskHandler",
        "TaskInProgress",
        "TaskRunner",
        "Worker",
        "WorkerFunction",
        "WorkerHealth",
        "WorkerInputError",
        "WorkerOutputError",
        "WorkerTask",
        "env_variable_names",
        "get_registered_worker",
        "get_registered_worker_names",
        "get_registered_workers",
        "get_task_context",
        "register_worker",
        "unregister_worker",
        "worker_task",
    ]


def test_every_exported_name_exists() -> None:
    for name in worker_package.__all__:
        assert hasattr(worker_package, name), name
