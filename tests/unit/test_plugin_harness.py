"""The plugin's harness features as a user sees them: strictness settings, snapshots, the failure
report section, several pinned backends and the summary under pytest-xdist (through pytester)."""

from __future__ import annotations

import json

import pytest

pytest_plugins = ["pytester"]

WORKFLOW = """
def simple(ref, **inputs):
    return {"name": "t_" + ref, "taskReferenceName": ref, "type": "SIMPLE", "inputParameters": inputs}

ORDER = {
    "name": "order",
    "version": 1,
    "tasks": [
        simple("charge", amount="${workflow.input.amount}"),
        simple("ship", paid="${charge.output.paid}"),
    ],
}
"""


@pytest.fixture(autouse=True)
def no_server_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONDUCTOR_SERVER_URL", raising=False)


def test_an_unused_mock_fails_the_test_by_default(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        WORKFLOW
        + """
def test_order(conductor):
    conductor.run(ORDER, {"amount": 1}, {"charge": {}, "ship": [{}, {}]})
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E   *UnusedMocksError: mocked attempts the run never used: ship (1 left)*"])


def test_the_marker_turns_one_check_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        WORKFLOW
        + """
import pytest

@pytest.mark.conductor_strict(unused_mocks=False)
def test_order(conductor):
    conductor.run(ORDER, {"amount": 1}, {"charge": {}, "ship": [{}, {}]}).assert_completed()
"""
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_the_marker_turns_every_check_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        WORKFLOW
        + """
import pytest

@pytest.mark.conductor_strict(False)
def test_order(conductor):
    execution = conductor.run(ORDER, {"amount": 1}, {"charge": {"outputs": 1}, "ship": [{}, {}]})
    assert execution.task("charge").output_data == {"outputs": 1}
"""
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_a_marker_with_an_unknown_check_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import pytest

@pytest.mark.conductor_strict(unused=False)
def test_order(conductor):
    pass
"""
    )
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(
        [
            "*@pytest.mark.conductor_strict: unknown check(s) unused; the checks are unused_mocks, "
            "mock_keys, lint, missing_inputs"
        ]
    )


def test_the_ini_file_sets_the_checks_for_the_suite(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nconductor_strict = false\n")
    pytester.makepyfile(
        WORKFLOW
        + """
def test_order(conductor):
    conductor.run(ORDER, {"amount": 1}, {"charge": {}, "ship": [{}, {}]}).assert_completed()
"""
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_the_ini_file_turns_missing_inputs_into_errors(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nconductor_missing_inputs = error\n")
    pytester.makepyfile(
        WORKFLOW
        + """
def test_order(conductor):
    conductor.run(ORDER, {"amuont": 1}, {"charge": {}, "ship": {}})
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*reads input 'amount', which this run's input does not have*"])


def test_a_failing_test_gets_the_execution_report_section(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        WORKFLOW
        + """
def test_order(conductor):
    execution = conductor.run(ORDER, {"amount": 4}, {"charge": {"paid": True}, "ship": {}})
    execution.assert_path("charge", "refund")
"""
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- conductor execution -*",
            "workflow 'order' (local backend): COMPLETED",
            "path taken:    charge -> ship",
            "path expected: charge -> refund",
            "- charge (t_charge): COMPLETED, attempt 1",
            '    input:  {"amount": 4}',
            '    output: {"paid": true}',
            "- ship (t_ship): COMPLETED, attempt 1",
            '    input:  {"paid": true}',
            "    output: {}",
        ],
        consecutive=True,
    )


def test_snapshots_are_written_on_request_then_compared(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    test_file = pytester.makepyfile(
        test_snap=WORKFLOW
        + """
import os

def test_order(conductor):
    amount = int(os.environ.get("AMOUNT", "4"))
    execution = conductor.run(ORDER, {"amount": amount}, {"charge": {"paid": True}, "ship": {}})
    conductor.assert_snapshot(execution)
"""
    )
    missing = pytester.runpytest()
    missing.assert_outcomes(failed=1)
    missing.stdout.fnmatch_lines(
        ["*SnapshotMismatch: no snapshot *test_order.json for workflow 'order' yet;*"]
    )
    written = pytester.runpytest("--conductor-snapshot-update")
    written.assert_outcomes(passed=1)
    written.stdout.fnmatch_lines(
        ["conductor: backend local (in-memory engine), 1 workflow(s) run, 1 snapshot(s) written"]
    )
    snapshot = test_file.parent / "__snapshots__" / "test_snap" / "test_order.json"
    assert json.loads(snapshot.read_text())["tasks"][0]["inputData"] == {"amount": 4}
    pytester.runpytest().assert_outcomes(passed=1)
    monkeypatch.setenv("AMOUNT", "5")
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*SnapshotMismatch: workflow 'order' differs from its snapshot *",
            '*-*"amount": 4*',
            '*+*"amount": 5*',
        ]
    )


def test_a_test_pinned_to_several_backends_runs_on_each_of_them(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import pytest

@pytest.mark.conductor_backend("local", "live")
def test_here(conductor):
    assert conductor.backend_name == "local"
"""
    )
    pytester.runpytest().assert_outcomes(passed=1)
    result = pytester.runpytest("-rs", "--conductor-backend=remote")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        ["*pinned to the local or live conductor backend; this run uses --conductor-backend=remote"]
    )


def test_the_summary_counts_the_runs_of_every_xdist_worker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        WORKFLOW
        + """
import pytest

@pytest.mark.parametrize("amount", range(6))
def test_order(conductor, amount):
    conductor.run(ORDER, {"amount": amount}, {"charge": {}, "ship": {}}).assert_completed()
"""
    )
    result = pytester.runpytest("-n", "2", "-p", "xdist")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["conductor: backend local (in-memory engine), 6 workflow(s) run"])


def test_a_finished_test_keeps_no_engine_alive(pytester: pytest.Pytester) -> None:
    """A suite of a thousand tests would otherwise hold a thousand engines and all their runs
    until the session ends (and pay to free them at exit). Freed as soon as the test ends, by
    reference counting: the collector is off in this session, so nothing may wait for it."""
    pytester.makeconftest(
        """
import gc
import weakref

ENGINES = []


def pytest_sessionstart(session):
    gc.disable()


def pytest_runtest_teardown(item):
    harness = item.funcargs.get("conductor")
    if harness is not None:
        ENGINES.append(weakref.ref(harness.backend.engine))


def pytest_sessionfinish(session):
    alive = sum(ref() is not None for ref in ENGINES)
    gc.enable()
    print(f"\\nengines recorded: {len(ENGINES)}, alive at the end: {alive}")
"""
    )
    pytester.makepyfile(
        WORKFLOW
        + """
import pytest


@pytest.mark.parametrize("amount", range(4))
def test_order(conductor, amount):
    conductor.run(ORDER, {"amount": amount}, {"charge": {"paid": True}, "ship": {}}).assert_completed()


WAITING = {
    "name": "approval",
    "version": 1,
    "tasks": [{"name": "approve", "taskReferenceName": "approve", "type": "HUMAN"}, simple("ship")],
}


def test_a_continued_order(conductor):
    waiting = conductor.run(WAITING, {}, {"ship": {}})
    waiting.complete("approve").assert_completed()
"""
    )
    result = pytester.runpytest("-s")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(["engines recorded: 5, alive at the end: 0"])


FROZEN_CHECKS = """
import gc


def test_with_a_workflow(conductor):
    print()
    print(f"frozen during a workflow test: {gc.get_freeze_count() > 0}")


def test_without(request):
    print()
    print(f"frozen during a plain test: {gc.get_freeze_count() > 0}")
"""


@pytest.mark.parametrize(
    "ini, expected",
    [("", "True"), ("[pytest]\nconductor_gc_freeze = false\n", "False")],
    ids=["default", "turned-off"],
)
def test_a_session_with_workflow_tests_freezes_what_collection_made(
    pytester: pytest.Pytester, ini: str, expected: str
) -> None:
    if ini:
        pytester.makefile(".ini", pytest=ini)
    pytester.makeconftest(
        """
import gc

import pytest


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    print(f"frozen after the session: {gc.get_freeze_count() > 0}")
"""
    )
    pytester.makepyfile(FROZEN_CHECKS)
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            f"*frozen during a workflow test: {expected}",
            f"*frozen during a plain test: {expected}",
            "*frozen after the session: False",
        ]
    )


def test_the_harness_is_imported_with_collection_when_a_test_uses_the_fixture(
    pytester: pytest.Pytester,
) -> None:
    """Before the freeze, so the first test does not pay for it and its modules are frozen too."""
    pytester.makeconftest(
        """
import sys

import pytest


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    print(f"harness loaded after collection: {'conductor_testkit.testing.harness' in sys.modules}")
"""
    )
    pytester.makepyfile(FROZEN_CHECKS)  # which imports nothing of conductor_testkit
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*harness loaded after collection: True"])


def test_a_session_without_workflow_tests_is_left_alone(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import gc


def test_plain():
    assert gc.get_freeze_count() == 0
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_a_bad_gc_freeze_setting_is_refused(pytester: pytest.Pytester) -> None:
    pytester.makefile(".ini", pytest="[pytest]\nconductor_gc_freeze = sometimes\n")
    pytester.makepyfile(FROZEN_CHECKS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.stderr.fnmatch_lines(["*conductor_gc_freeze = 'sometimes': expected true or false*"])
