"""The pytest plugin against the real server: one user test file, run with either backend option."""

from __future__ import annotations

import pytest

from conductor_testkit.testing import server as server_mod

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.integration

USER_TESTS = """
import pytest

WORKFLOW = {{
    "name": "{name}",
    "version": 1,
    "tasks": [
        {{"name": "t_check", "taskReferenceName": "check", "type": "SIMPLE", "inputParameters": {{}}}},
        {{"name": "route", "taskReferenceName": "route", "type": "SWITCH", "evaluatorType": "value-param",
          "expression": "v", "inputParameters": {{"v": "${{check.output.verdict}}"}},
          "decisionCases": {{"ok": [{{"name": "t_ship", "taskReferenceName": "ship", "type": "SIMPLE"}}]}},
          "defaultCase": []}},
    ],
    "outputParameters": {{"tracking": "${{ship.output.tracking}}"}},
}}


def test_approved_orders_ship(conductor):
    execution = conductor.run(WORKFLOW, {{}}, {{"check": {{"verdict": "ok"}}, "ship": {{"tracking": "T1"}}}})
    execution.assert_completed().assert_task("ship", "COMPLETED")
    assert execution.output == {{"tracking": "T1"}}


def test_rejected_orders_do_not_ship(conductor):
    execution = conductor.run(WORKFLOW, {{}}, {{"check": {{"verdict": "no"}}}})
    execution.assert_completed().assert_not_ran("ship")


@pytest.mark.conductor_remote
def test_runs_on_the_server(conductor):
    assert conductor.backend_name == "remote"
"""


def test_the_same_test_file_passes_on_the_local_backend(
    pytester: pytest.Pytester, conductor_server_url: str, unique_name: str
) -> None:
    pytester.makepyfile(USER_TESTS.format(name=unique_name))
    result = pytester.runpytest(f"--conductor-server-url={conductor_server_url}")
    result.assert_outcomes(passed=3)
    version = server_mod.server_version(conductor_server_url)
    result.stdout.fnmatch_lines(
        [
            f"conductor: backend local (in-memory engine; Conductor {version} at {conductor_server_url}), "
            "2 workflow(s) run"
        ]
    )


def test_the_same_test_file_passes_on_the_remote_backend(
    pytester: pytest.Pytester, conductor_server_url: str, unique_name: str
) -> None:
    pytester.makepyfile(USER_TESTS.format(name=unique_name))
    result = pytester.runpytest(
        "--conductor-backend=remote", f"--conductor-server-url={conductor_server_url}"
    )
    result.assert_outcomes(passed=3)
    version = server_mod.server_version(conductor_server_url)
    result.stdout.fnmatch_lines(
        [f"conductor: backend remote (Conductor {version} at {conductor_server_url}), 2 workflow(s) run"]
    )


def test_conductor_clients_reach_the_server_on_the_remote_backend(
    pytester: pytest.Pytester, conductor_server_url: str, unique_name: str
) -> None:
    pytester.makepyfile(
        USER_TESTS.format(name=unique_name)
        + """

def test_clients_find_the_run(conductor, conductor_clients):
    execution = conductor.run(WORKFLOW, {}, {"check": {"verdict": "no"}})
    found = conductor_clients.get_workflow_client().get_workflow(execution.workflow_id)
    assert found.workflow_id == execution.workflow_id
"""
    )
    result = pytester.runpytest(
        "--conductor-backend=remote",
        f"--conductor-server-url={conductor_server_url}",
        "-k",
        "test_clients_find_the_run",
    )
    result.assert_outcomes(passed=1)
