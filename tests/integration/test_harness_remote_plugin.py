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


SETTINGS_TEST = """
def test_settings(conductor):
    backend = conductor.backend
    print("settings:", backend.name, {name: getattr(backend, name, None) for name in (
        "timeout_seconds", "max_wait_seconds", "task_defaults", "settle_timeout_seconds")})
"""


def test_live_and_remote_settings_come_from_the_command_line(
    pytester: pytest.Pytester, conductor_server_url: str
) -> None:
    pytester.makepyfile(SETTINGS_TEST)
    live = pytester.runpytest(
        "-s",
        "--conductor-backend=live",
        f"--conductor-server-url={conductor_server_url}",
        "--conductor-live-timeout=7",
        "--conductor-live-max-wait=none",
        '--conductor-live-task-defaults={"retryDelaySeconds": 2}',
    )
    live.assert_outcomes(passed=1)
    live.stdout.fnmatch_lines(
        ["*settings: live {'timeout_seconds': 7.0, 'max_wait_seconds': None, "
         "'task_defaults': {'retryDelaySeconds': 2}, 'settle_timeout_seconds': None}*"]
    )  # fmt: skip
    remote = pytester.runpytest(
        "-s", "--conductor-backend=remote", f"--conductor-server-url={conductor_server_url}",
        "--conductor-remote-timeout=2.5",
    )  # fmt: skip
    remote.assert_outcomes(passed=1)
    remote.stdout.fnmatch_lines(["*settings: remote *'settle_timeout_seconds': 2.5}*"])


def test_ini_settings_apply_and_the_command_line_wins(
    pytester: pytest.Pytester, conductor_server_url: str
) -> None:
    pytester.makeini(
        """
[pytest]
conductor_live_timeout = 120
conductor_live_max_wait = 0.5
conductor_live_task_defaults = none
"""
    )
    pytester.makepyfile(SETTINGS_TEST)
    result = pytester.runpytest(
        "-s", "--conductor-backend=live", f"--conductor-server-url={conductor_server_url}",
        "--conductor-live-timeout=30",
    )  # fmt: skip
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["*settings: live {'timeout_seconds': 30.0, 'max_wait_seconds': 0.5, 'task_defaults': None, *"]
    )


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--conductor-live-timeout=soon", "--conductor-live-timeout / conductor_live_timeout: expected a "
         "number of seconds >= 0, received 'soon'"),
        ("--conductor-live-max-wait=-1", "--conductor-live-max-wait / conductor_live_max_wait: expected a "
         "number of seconds >= 0 or 'none', received '-1'"),
        ("--conductor-live-task-defaults=[1]",
         "--conductor-live-task-defaults / conductor_live_task_defaults: expected a JSON object of "
         "TaskDef fields *, received '[[]1[]]': not a JSON object"),
    ],
)  # fmt: skip
def test_a_malformed_setting_names_the_option_and_what_it_expects(
    pytester: pytest.Pytester, conductor_server_url: str, option: str, message: str
) -> None:
    pytester.makepyfile(SETTINGS_TEST)
    result = pytester.runpytest(
        "--conductor-backend=live", f"--conductor-server-url={conductor_server_url}", option
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*UsageError: {message}"])
