"""From production to regression test, on the real server.

Executions of varied workflows (retries, a SWITCH, a loop, a fork with an optional task, a dynamic
fork and a DYNAMIC task, sub-workflows two levels deep, a failure workflow, WAIT and HUMAN tasks
completed through the task API) run on the server with real workers (``production_runs``). They
are captured, and each replays on the engine with results equal to the server's once normalised.
Definition changes (a SWITCH case dropped, a task reference renamed) are reported with the cases
they affect, and the README's commands run as written.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shlex
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

import pytest
from capture_workflows import EXECUTIONS
from production_runs import ProductionRuns, drive_production_runs

from conductor_testkit.cli import main
from conductor_testkit.client import Configuration, OrkesClients
from conductor_testkit.testing import Harness, LiveBackend, RemoteBackend
from conductor_testkit.testing.capture import capture, capture_recent
from conductor_testkit.testing.case import Case
from conductor_testkit.testing.definition_diff import diff_definition
from conductor_testkit.testing.redaction import REDACTED
from conductor_testkit.testing.replay import replay

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[2] / "README.md"


@dataclass
class Captured:
    runs: ProductionRuns
    cases: Dict[str, Case]
    directory: Path
    #: the orders' last executions, captured one per distinct path (before any replay on the server
    #: adds executions of its own)
    bulk: List[Case]


@pytest.fixture(scope="module")
def captured(conductor_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Captured:
    """The production runs, driven once for the module, and a case of each."""
    runs = drive_production_runs(conductor_server_url, uuid.uuid4().hex[:8])
    directory = tmp_path_factory.mktemp("cases")
    cases = {}
    for label, workflow_id in runs.ids.items():
        cases[label] = capture(workflow_id, conductor_server_url, name=label, redact=["number"])
        cases[label].save(directory / f"{label}.json")
    bulk = capture_recent(runs.name("orders"), conductor_server_url, last=20, statuses=["COMPLETED"])
    return Captured(runs, cases, directory, bulk)


def test_the_production_runs_did_what_they_were_written_to_do(captured: Captured) -> None:
    status = {label: case.recorded.status for label, case in captured.cases.items()}
    assert status == {label: "FAILED" if label == "fails" else "COMPLETED" for label in EXECUTIONS}
    retried = captured.cases["orders_us_retried"]
    assert [a["status"] for a in retried.mocks.mocks["charge"]] == ["FAILED", "FAILED", "COMPLETED"]
    assert captured.cases["fork"].mocks.mocks["audit"][0]["status"] == "FAILED"  # COMPLETED_WITH_ERRORS
    assert captured.cases["fails"].recorded.failure_workflow is not None
    assert set(captured.cases["parent"].mocks.sub_workflows["to_child"].sub_workflows) == {"to_grandchild"}
    assert retried.server["version"] == "3.32.1"


def test_secrets_never_reach_the_case_file(captured: Captured) -> None:
    text = (captured.directory / "orders_us_retried.json").read_text() + (
        captured.directory / "approval.json"
    ).read_text()
    for secret in ("hunter22", "tok_card_8899", "tok_live_123", "4111", "Bearer abcdef", "s3cr3t"):
        assert secret not in text
    assert captured.cases["orders_us_retried"].input["card"] == {"number": REDACTED, "token": REDACTED}


@pytest.mark.parametrize("label", list(EXECUTIONS))
def test_each_captured_execution_replays_on_the_engine_as_it_ran_on_the_server(
    captured: Captured, label: str
) -> None:
    result = replay(Case.load(captured.directory / f"{label}.json"))
    result.assert_matches()
    assert result.execution.backend == "local"


@pytest.mark.parametrize("label", ["orders_us_retried", "dynfork", "parent", "approval"])
def test_captured_executions_replay_on_the_server_test_endpoint_too(
    captured: Captured, conductor_server_url: str, label: str
) -> None:
    result = replay(captured.cases[label], Harness(RemoteBackend(conductor_server_url)))
    result.assert_matches()
    assert (
        result.notes[-1]
        == "reasons are not compared: the remote backend cannot give a mocked attempt a reason"
    )


def test_a_captured_execution_replays_live_with_worker_threads_and_its_reasons(
    captured: Captured, conductor_server_url: str
) -> None:
    backend = LiveBackend(conductor_server_url, timeout_seconds=90.0, poll_interval_millis=20.0)
    result = replay(captured.cases["orders_us_retried"], Harness(backend))
    result.assert_matches()
    assert [t.reason_for_incompletion for t in result.execution.attempts("charge")] == [
        "card declined (attempt 0)",
        "card declined (attempt 1)",
        None,
    ]


def test_bulk_capture_keeps_one_case_per_distinct_path(captured: Captured) -> None:
    labels = {case.source["workflowId"]: label for label, case in captured.cases.items()}
    # five executions, two of which went the same way (eu): the newer of the two is kept
    assert sorted(labels[case.source["workflowId"]] for case in captured.bulk) == [
        "orders_eu_again",
        "orders_fr",
        "orders_us",
        "orders_us_retried",
    ]


def test_a_definition_that_drops_a_switch_case_is_reported_with_the_cases_it_affects(
    captured: Captured, conductor_server_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    definition = copy.deepcopy(captured.cases["orders_eu"].definition)
    del definition["tasks"][1]["decisionCases"]["eu"]
    report = diff_definition(list(captured.cases.values()), definition)
    assert sorted(c.case.name for c in report.affected) == ["orders_eu", "orders_eu_again"]
    assert [(c.removed, c.unmocked) for c in report.affected] == [(["ship_eu"], ["ship_intl"])] * 2
    # the same through the command line, against the latest version on the server
    OrkesClients(
        Configuration(server_api_url=conductor_server_url)
    ).get_metadata_client().register_workflow_def({**definition, "version": 2})
    code = main(["diff", str(captured.directory), "--server", conductor_server_url])
    out = capsys.readouterr().out
    assert code == 1
    assert f"definition '{captured.runs.name('orders')}' version 2 (latest version on" in out
    assert re.findall(r"AFFECTED (\w+)", out) == ["orders_eu", "orders_eu_again"]


def test_a_definition_that_renames_a_task_reference_is_reported_with_the_cases_it_affects(
    captured: Captured, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    definition = copy.deepcopy(captured.cases["orders_us"].definition)
    definition["tasks"][1]["decisionCases"]["us"][0]["taskReferenceName"] = "ship_domestic"
    new_file = tmp_path / "orders_v3.json"
    new_file.write_text(json.dumps(definition))
    code = main(["diff", str(captured.directory), "--definition", str(new_file)])
    out = capsys.readouterr().out
    assert code == 1
    assert out.splitlines()[1] == (
        "  compared with the captured version 1: new tasks: ship_domestic; removed tasks: ship_us"
    )
    assert re.findall(r"AFFECTED (\w+)", out) == ["orders_us", "orders_us_retried"]
    assert out.count("removed tasks it ran: ship_us\n") == 2
    assert out.count("unmocked (the replay stopped there): ship_domestic\n") == 2
    assert len(re.findall(r"unchanged orders_", out)) == 3


def _readme_commands() -> List[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Regression tests from production") :]
    block = re.search(r"```shell\n(.*?)```", section, re.S)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_the_readme_commands_run_as_written(
    captured: Captured,
    conductor_server_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    orders = captured.runs.name("orders")
    definition = copy.deepcopy(captured.cases["orders_us"].definition)
    definition["tasks"][1]["decisionCases"]["us"][0]["taskReferenceName"] = "ship_domestic"
    (tmp_path / "orders_v2.json").write_text(json.dumps(definition))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CONDUCTOR_SERVER_URL", conductor_server_url)
    monkeypatch.setenv("EXECUTION_ID", captured.runs.ids["orders_us_retried"])
    outputs = {}
    for line in _readme_commands():
        # the same words a shell would pass; the workflow is this session's 'orders'
        words = [os.path.expandvars(word) for word in shlex.split(line)]
        words = [orders if word == "orders" else word for word in words]
        if words[0] == "conductor-testkit":  # in-process: the entry point a shell would run
            code = main(words[1:])
            out = capsys.readouterr().out
        else:  # pytest, in a process of its own as from a shell
            # with our plugin only: the other plugins installed here (hypothesis, xdist, another
            # SDK's) are no part of the command and take most of a pytest start
            env = {
                **os.environ,
                "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
                "PYTEST_PLUGINS": "pytest_conductor.plugin",
            }
            proc = subprocess.run(
                [sys.executable, "-m", *words], capture_output=True, text=True, timeout=300, env=env
            )
            code, out = proc.returncode, proc.stdout + proc.stderr
        outputs[line] = out
        assert code in ((0, 1) if words[1:2] == ["diff"] else (0,)), f"{line}\n{out}"
    capture_line, bulk_line, replay_line, pytest_line, diff_file_line, diff_server_line = _readme_commands()
    assert "wrote tests/cases/test_" in outputs[capture_line]
    assert "distinct path(s) among the last 50 execution(s)" in outputs[bulk_line]
    assert "matches the recording" in outputs[replay_line] and "divergence" not in outputs[replay_line]
    assert re.search(r"\d+ passed", outputs[pytest_line]) and "failed" not in outputs[pytest_line]
    assert "AFFECTED" in outputs[diff_file_line]
    assert outputs[diff_server_line].startswith(f"definition '{orders}' version")
