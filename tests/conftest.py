"""Shared fixtures: the real Conductor server for integration and fidelity tests.

``conductor_server_url`` uses ``CONDUCTOR_SERVER_URL`` when it is set and answers; otherwise it
starts the pinned server (conductor_testkit.testing.server) once per session and stops it after.
Under ``CI=true`` a server that cannot be had fails the run with the reason; elsewhere the tests
that need it are skipped with that reason.
"""

from __future__ import annotations

import os
import uuid
from typing import Iterator

import pytest

from conductor_testkit.testing import server as server_mod


def _ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def conductor_server_url() -> Iterator[str]:
    """The API URL (``http://127.0.0.1:<port>/api``) of a running real Conductor server."""
    configured = os.environ.get("CONDUCTOR_SERVER_URL")
    if configured and server_mod.is_reachable(configured):
        yield configured.rstrip("/")
        return
    try:
        server = server_mod.ConductorServer().start()
    except server_mod.ServerUnavailable as exc:
        message = f"real Conductor server unavailable: {exc}"
        if _ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    try:
        yield server.api_url
    finally:
        server.stop()


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> str:
    """A workflow/task name unique to this test run (tests share one server)."""
    base = request.node.name.replace("[", "_").replace("]", "").replace("-", "_")[:40]
    return f"{base}_{uuid.uuid4().hex[:8]}"
