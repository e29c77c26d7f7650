"""The pytest plugin seen from a user's test suite, through pytester: the exact text a user sees."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

WORKFLOW = """
WORKFLOW = {
    "name": "plugin_flow",
    "version": 1,
    "tasks": [
        {"name": "t_charge", "taskReferenceName": "charge", "type": "SIMPLE",
         "inputParameters": {"amount": "${workflow.input.amount}"}},
        {"name": "t_ship", "taskReferenceName": "ship", "type": "SIMPLE", "inputParameters": {}},
    ],
    "outputParameters": {"charged": "${charge.output.charged}"},
}
"""


@pytest.fixture(autouse=True)
def no_server_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONDUCTOR_SERVER_URL", raising=False)


def test_help_lists_the_conductor_options(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        [
            "conductor-testkit workflow tests:",
            "  --conductor-backend={local,remote,live,both}",
            "*where the 'conductor' fixture runs workflows: local*",
            "  --conductor-server-url=URL",
            "*API URL of the Conductor server for the remote*",
            "  --conductor-start-server",
            "*start the pinned Conductor server for the session*",
        ]
    )


def test_markers_are_registered_with_their_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.conductor_backend(*names): run this test only on the named conductor backends *",
            "@pytest.mark.conductor_strict(enabled=True, **checks): this test's strictness*",
            "@pytest.mark.conductor_remote: the test needs a real Conductor server;*",
        ]
    )


def test_an_unknown_backend_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--conductor-backend=cloud")
    result.stderr.fnmatch_lines(
        ["*--conductor-backend: invalid choice: 'cloud' (choose from *local*remote*)"]
    )


def test_the_conductor_fixture_runs_a_workflow_and_the_summary_counts_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        WORKFLOW
        + """
def test_charge(conductor):
    execution = conductor.run(WORKFLOW, {"amount": 5}, {"charge": {"charged": 5}, "ship": {}})
    execution.assert_completed()
    assert execution.output == {"charged": 5}
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["*- conductor -*", "conductor: backend local (in-memory engine), 1 workflow(s) run"]
    )


def test_the_report_header_names_the_backend(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(["conductor: backend=local"])


def test_a_failed_harness_assertion_shows_the_task_sequence(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        WORKFLOW
        + """
def test_blocked(conductor):
    conductor.run(WORKFLOW, {"amount": 5}, {"charge": {"charged": 5}}).assert_completed()
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E       AssertionError: workflow 'plugin_flow' is RUNNING, expected COMPLETED",
            "E       workflow 'plugin_flow' (local backend): RUNNING",
            "E       blocked on:",
            "E         - ship (t_ship, SCHEDULED): no mock, mock function or worker for it "
            "(task type 't_ship'); pass mocks={'ship': ...} or a worker for 't_ship'",
            "E       task sequence:",
            "E          1. charge  t_charge  COMPLETED",
            "E          2. ship    t_ship    SCHEDULED",
        ],
        consecutive=True,
    )


def test_a_test_pinned_to_the_other_backend_is_skipped_with_the_reason(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import pytest

@pytest.mark.conductor_backend("remote")
def test_on_server(conductor):
    pass
"""
    )
    result = pytester.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        [
            "SKIPPED [[]1] test_a_test_pinned_to_the_other_backend_is_skipped_with_the_reason.py:*: "
            "pinned to the remote conductor backend; this run uses --conductor-backend=local"
        ]
    )


def test_a_test_pinned_to_the_chosen_backend_runs(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import pytest

@pytest.mark.conductor_backend("local")
def test_here(conductor):
    assert conductor.backend_name == "local"
"""
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_a_marker_naming_an_unknown_backend_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import pytest

@pytest.mark.conductor_backend("cloud")
def test_x():
    pass
"""
    )
    result = pytester.runpytest()
    result.stderr.fnmatch_lines(
        [
            "ERROR: test_a_marker_naming_an_unknown_backend_is_a_usage_error.py::test_x: "
            "@pytest.mark.conductor_backend('cloud'): the backend must be one of 'local', 'remote', 'live', "
            "'both'"
        ]
    )


def test_a_remote_test_without_a_server_is_skipped_with_the_reason(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import pytest

@pytest.mark.conductor_remote
def test_on_server(conductor):
    pass
"""
    )
    result = pytester.runpytest("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        [
            "SKIPPED [[]1] *: needs a Conductor server (@pytest.mark.conductor_remote): no Conductor server "
            "configured: pass --conductor-server-url=URL, set CONDUCTOR_SERVER_URL, or use "
            "--conductor-start-server"
        ]
    )


def test_the_remote_backend_without_a_reachable_server_fails_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(conductor):\n    pass\n")
    result = pytester.runpytest("--conductor-backend=remote", "--conductor-server-url=http://127.0.0.1:9/api")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*--conductor-backend=remote: no Conductor server answers at http://127.0.0.1:9/api"]
    )


def test_the_summary_says_when_no_server_answered(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(conductor):\n    pass\n")
    result = pytester.runpytest("--conductor-backend=remote", "--conductor-server-url=http://127.0.0.1:9/api")
    result.stdout.fnmatch_lines(
        [
            "conductor: backend remote (no server: no Conductor server answers at "
            "http://127.0.0.1:9/api), 0 workflow(s) run"
        ]
    )


def test_conductor_engine_and_clock_belong_to_the_conductor_harness(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        WORKFLOW
        + """
def test_same_engine(conductor, conductor_engine, conductor_clock):
    before = conductor_clock.now_ms()
    wait = {"name": "nap", "taskReferenceName": "nap", "type": "WAIT",
            "inputParameters": {"duration": "1 hour"}}
    conductor.run({"name": "napper", "tasks": [wait]}).assert_completed()
    assert conductor.engine is conductor_engine
    assert conductor_clock.now_ms() - before >= 3_600_000
"""
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_conductor_clients_see_the_workflows_the_harness_ran(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        WORKFLOW
        + """
def test_clients(conductor, conductor_clients):
    execution = conductor.run(WORKFLOW, {"amount": 2}, {"charge": {"charged": 2}, "ship": {}})
    workflow = conductor_clients.get_workflow_client().get_workflow(execution.workflow_id)
    assert workflow.status == "COMPLETED"
"""
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_conductor_clock_is_skipped_on_the_remote_backend(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(conductor_clock):\n    pass\n")
    result = pytester.runpytest("-rs", "--conductor-backend=remote")
    result.stdout.fnmatch_lines(
        ["SKIPPED [[]1] *: conductor_clock needs the local backend: a real server's clock cannot be moved"]
    )


def test_each_test_gets_a_fresh_engine(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        WORKFLOW
        + """
def test_first(conductor, conductor_engine):
    conductor.run(WORKFLOW, {}, {"charge": {}, "ship": {}})
    assert len(conductor_engine.store.runs) == 1

def test_second(conductor_engine):
    assert len(conductor_engine.store.runs) == 0
"""
    )
    pytester.runpytest().assert_outcomes(passed=2)
