"""The both backend, unused mocks on the server, and going on with a run there (real server)."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from conductor_testkit.testing import (
    BackendsDisagree,
    BothBackend,
    Harness,
    LocalBackend,
    RemoteBackend,
    UnusedMocksError,
    failed,
)
from conductor_testkit.testing.backend import BackendNotSupportedError

pytestmark = pytest.mark.integration


def simple(ref: str, **inputs: Any) -> Dict[str, Any]:
    return {"name": f"t_{ref}", "taskReferenceName": ref, "type": "SIMPLE", "inputParameters": inputs}


def order(name: str) -> Dict[str, Any]:
    return {
        "name": name,
        "version": 1,
        "tasks": [
            {
                **simple("charge", amount="${workflow.input.amount}"),
                "taskDefinition": {"name": "t_charge", "retryCount": 1, "retryDelaySeconds": 0},
            },
            {
                "name": "route",
                "taskReferenceName": "route",
                "type": "SWITCH",
                "evaluatorType": "value-param",
                "expression": "v",
                "inputParameters": {"v": "${charge.output.band}"},
                "decisionCases": {"gold": [simple("gift")]},
                "defaultCase": [simple("thanks")],
            },
        ],
        "outputParameters": {"charged": "${charge.output.charged}"},
    }


def both(url: str) -> BothBackend:
    return BothBackend(LocalBackend(), RemoteBackend(url))


def test_the_engine_and_the_server_agree_and_the_summary_counts_it(
    conductor_server_url: str, unique_name: str
) -> None:
    backend = both(conductor_server_url)
    execution = Harness(backend).run(
        order(unique_name), {"amount": 5}, {"charge": [failed(), {"charged": 5, "band": "gold"}], "gift": {}}
    )
    execution.assert_completed().assert_path("charge", "gift")
    assert execution.other is not None and execution.other.backend == "remote"
    assert (backend.compared, backend.agreed) == (1, 1)


def test_a_disagreement_fails_with_a_normalised_diff(conductor_server_url: str, unique_name: str) -> None:
    # a listed quirk: jackson-jq keeps the literal 1.0 a double, libjq hands back the integer 1
    definition = {
        "name": unique_name,
        "version": 1,
        "tasks": [
            {
                "name": "jq",
                "taskReferenceName": "jq",
                "type": "JSON_JQ_TRANSFORM",
                "inputParameters": {"queryExpression": "{a: 1.0}"},
            }
        ],
    }
    backend = both(conductor_server_url)
    with pytest.raises(BackendsDisagree) as info:
        Harness(backend).run(definition, {}, {})
    lines = str(info.value).splitlines()
    assert lines[0] == f"workflow {unique_name!r}: the engine and the server disagree (4 difference(s)):"
    assert "  - task 'jq' (retryCount 0) outputData.result.a: expected 1.0, got 1" in lines
    assert "server path: jq" in lines and "engine path: jq" in lines
    assert (backend.compared, backend.agreed) == (1, 0)


def test_mock_functions_are_refused_before_the_run_on_both(
    conductor_server_url: str, unique_name: str
) -> None:
    with pytest.raises(BackendNotSupportedError, match=r"cannot call mock functions for charge"):
        Harness(both(conductor_server_url)).run(order(unique_name), {}, {"charge": lambda task_input: {}})


def test_an_unused_mock_fails_on_the_server_too(conductor_server_url: str, unique_name: str) -> None:
    harness = Harness(RemoteBackend(conductor_server_url))
    with pytest.raises(UnusedMocksError, match=r"^mocked attempts the run never used: thanks \(1 left\)"):
        harness.run(order(unique_name), {"amount": 1}, {"charge": {"band": "gold"}, "gift": {}, "thanks": {}})


def test_a_waiting_run_goes_on_on_the_server(conductor_server_url: str, unique_name: str) -> None:
    definition = {
        "name": unique_name,
        "version": 1,
        "tasks": [{"name": "approve", "taskReferenceName": "approve", "type": "HUMAN"}],
        "outputParameters": {"ok": "${approve.output.ok}"},
    }
    harness = Harness(RemoteBackend(conductor_server_url))
    waiting = harness.run(definition, {}, {})
    waiting.assert_waiting_on("approve")
    done = waiting.complete("approve", {"ok": True})
    done.assert_completed()
    assert done.output == {"ok": True}
    with pytest.raises(BackendNotSupportedError, match="whose clock cannot be moved"):
        waiting.advance(hours=1)


pytest_plugins = ["pytester"]


def test_the_both_option_runs_each_test_twice_and_counts_the_agreements(
    pytester: pytest.Pytester, conductor_server_url: str
) -> None:
    pytester.makepyfile(
        """
def test_order(conductor):
    definition = {"name": "both_summary", "version": 1, "tasks": [
        {"name": "t_a", "taskReferenceName": "a", "type": "SIMPLE"}]}
    execution = conductor.run(definition, {}, {"a": {"done": True}})
    execution.assert_completed()
    assert conductor.backend_name == "both"
"""
    )
    result = pytester.runpytest_subprocess(
        "--conductor-backend=both", f"--conductor-server-url={conductor_server_url}", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            f"conductor: backend both (Conductor 3.32.1 at {conductor_server_url}), 1 workflow(s) run, "
            "1 compared on both, 1 agreed"
        ]
    )
