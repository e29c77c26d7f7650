"""Shared fixtures: the real Conductor server for integration and fidelity tests.

``conductor_server_url`` uses ``CONDUCTOR_SERVER_URL`` when it is set and answers; otherwise it
starts the pinned server (conductor_testkit.testing.server) once per session and stops it after.
Either way the server's slow first calls (its first script evaluations) are made once before any
test times its own calls. Under ``CI=true`` a server that cannot be had fails the run with the
reason, and so does any skipped test; elsewhere the tests that need the server are skipped with
that reason.
"""

from __future__ import annotations

import os
import uuid
from typing import Iterator, List

import pytest

from conductor_testkit.testing import server as server_mod


def _ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


# How long a configured server may take to answer its first request (a busy one answers slowly).
CONFIGURED_SERVER_DEADLINE_SECONDS = 20.0


def _unavailable(reason: object) -> None:
    message = f"real Conductor server unavailable: {reason}"
    if _ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def conductor_server_url() -> Iterator[str]:
    """The API URL (``http://127.0.0.1:<port>/api``) of a running, warmed-up real Conductor server."""
    configured = os.environ.get("CONDUCTOR_SERVER_URL", "")
    if configured.startswith(("http://", "https://")) and server_mod.wait_until_reachable(
        configured, CONFIGURED_SERVER_DEADLINE_SECONDS
    ):
        version = server_mod.server_version(configured, timeout_seconds=CONFIGURED_SERVER_DEADLINE_SECONDS)
        if version != server_mod.CONDUCTOR_SERVER_VERSION and _ci():
            pytest.fail(
                f"CONDUCTOR_SERVER_URL={configured} runs Conductor {version}, but the tests are "
                f"pinned to {server_mod.CONDUCTOR_SERVER_VERSION}",
                pytrace=False,
            )
        try:
            server_mod.warm_up(configured)
        except server_mod.ServerUnavailable as exc:
            _unavailable(exc)
        yield configured.rstrip("/")
        return
    yield from _own_server()


def _own_server() -> Iterator[str]:
    """Starts a pinned server, warms it up, yields its API URL and stops it."""
    server = server_mod.ConductorServer()
    try:
        server.start()
        server_mod.warm_up(server.api_url)
    except server_mod.ServerUnavailable as exc:
        server.stop()
        _unavailable(exc)
    try:
        yield server.api_url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def throwaway_server_url() -> Iterator[str]:
    """A real server of the module's own, stopped after its tests: for requests that leave a
    server busy for good (GraalJS fails a script that never ends after 4 s, but its evaluation
    thread keeps spinning, and a shared server would lose a core to each for the whole session)."""
    yield from _own_server()


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> str:
    """A workflow/task name unique to this test run (tests share one server)."""
    base = request.node.name.replace("[", "_").replace("]", "").replace("-", "_")[:40]
    return f"{base}_{uuid.uuid4().hex[:8]}"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: List[pytest.Item]) -> None:
    """A test that needs the real server must carry the ``integration`` marker from collection on.

    ``-m "not integration"`` (the offline part) deselects by the markers known at collection; a
    test that reached the server without the marker would start a JVM there.
    """
    unmarked = [
        item.nodeid
        for item in items
        if {"conductor_server_url", "throwaway_server_url"} & set(getattr(item, "fixturenames", ()))
        and item.get_closest_marker("integration") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            f"{len(unmarked)} test(s) use a real-server fixture without the integration "
            "marker (mark the module, the test or the parameter): " + ", ".join(unmarked[:10])
        )


# Under CI a skipped test is a failure: the suite must run everything it has.
_skipped: List[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and _ci():
        _skipped.append(report.nodeid)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.skipped and _ci():  # a whole module skipped at collection
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _skipped and _ci():
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    if _skipped and _ci():
        terminalreporter.write_line(
            f"CI=true: {len(_skipped)} test(s) were skipped, which fails the run: "
            + ", ".join(_skipped[:20]),
            red=True,
        )
