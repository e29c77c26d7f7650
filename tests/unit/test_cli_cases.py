"""``conductor-testkit capture``, ``replay`` and ``diff``: files written, text printed, exit codes.

The "server" is an in-memory engine reached through a ``memory://`` URL, as a real one would be
reached through its API URL (the integration tests use the real server).
"""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest
from capture_support import WORKFLOWS, Production

from conductor_testkit.cli import main
from conductor_testkit.engine.in_process import memory_engine, reset_memory_engines

pytest_plugins = ["pytester"]


@pytest.fixture
def server() -> Iterator[Tuple[str, Production]]:
    name = f"cli-cases-{uuid.uuid4().hex[:8]}"
    yield f"memory://{name}", Production(memory_engine(name))
    reset_memory_engines()


def run(args: List[str], capsys: pytest.CaptureFixture[str]) -> Tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_capture_writes_a_case_and_a_test_module_that_replays_it(
    server: Tuple[str, Production],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    pytester: pytest.Pytester,
) -> None:
    url, production = server
    workflow_id = production.run("orders_us_retried").workflow_id
    code, out, _ = run(
        ["capture", workflow_id, "--server", url, "--out", str(tmp_path), "--pytest", "--name", "us"], capsys
    )
    assert code == 0
    assert out.splitlines() == [
        f"captured {workflow_id} -> {tmp_path / 'us.json'} (COMPLETED: charge -> route -> ship_us; "
        "7 value(s) redacted)",
        f"wrote {tmp_path / 'test_us.py'}",
    ]
    assert json.loads((tmp_path / "us.json").read_text())["mocks"]["charge"][0]["status"] == "FAILED"
    for name in ("us.json", "test_us.py"):
        pytester.path.joinpath(name).write_text((tmp_path / name).read_text())
    pytester.runpytest("-v").assert_outcomes(passed=1)


def test_capture_of_the_last_executions_keeps_one_case_per_path(
    server: Tuple[str, Production], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, production = server
    for label in ("orders_us", "orders_eu", "orders_eu_again"):
        production.run(label)
    code, out, _ = run(
        [
            "capture",
            "--workflow",
            "u_orders",
            "--last",
            "3",
            "--status",
            "COMPLETED",
            "--server",
            url,
            "--out",
            str(tmp_path),
            "--redact",
            "tracking",
        ],
        capsys,
    )
    assert code == 0
    assert out.splitlines()[0] == "2 distinct path(s) among the last 3 execution(s) of 'u_orders'"
    assert len(list(tmp_path.glob("*.json"))) == 2
    assert "USPS-8" not in "".join(p.read_text() for p in tmp_path.glob("*.json"))


def test_replay_and_diff_exit_with_1_when_a_case_diverges(
    server: Tuple[str, Production], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, production = server
    for country in ("us", "eu"):
        run(
            [
                "capture",
                production.run(f"orders_{country}").workflow_id,
                "--server",
                url,
                "--out",
                str(tmp_path),
                "--name",
                country,
            ],
            capsys,
        )
    code, out, _ = run(["replay", str(tmp_path)], capsys)
    assert code == 0 and out.count("matches the recording") == 2

    definition = copy.deepcopy(WORKFLOWS["u_orders"])
    del definition["tasks"][1]["decisionCases"]["eu"]
    new_file = tmp_path.parent / "orders_v2.json"
    new_file.write_text(json.dumps(definition))
    code, out, _ = run(["diff", str(tmp_path), "--definition", str(new_file)], capsys)
    assert code == 1
    assert out.splitlines()[0] == (
        f"definition 'u_orders' version 1 (file {new_file}) against 2 case(s): 1 affected, 1 unchanged"
    )
    assert "  AFFECTED eu (recorded COMPLETED: charge -> route -> ship_eu)" in out

    production.harness.register({**definition, "version": 2})  # the server's latest version
    code, out, _ = run(["diff", str(tmp_path), "--server", url], capsys)
    assert code == 1 and f"(latest version on {url}) against 2 case(s): 1 affected" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["capture", "--server", "memory://x"],
            "give the execution ids to capture, or --workflow NAME --last N",
        ),
        (["replay", "missing-dir"], "no case file or directory 'missing-dir'"),
        (
            ["diff", "."],
            "give the new definition as --definition WORKFLOW.json, or --server URL for the latest versions",
        ),
    ],
)
def test_what_keeps_a_command_from_running_exits_with_2(
    args: List[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CONDUCTOR_SERVER_URL", raising=False)
    code, _, err = run(args, capsys)
    assert code == 2
    assert err.strip() == f"conductor-testkit {args[0]}: error: {message}"


def test_capture_of_an_unknown_execution_exits_with_2(
    server: Tuple[str, Production], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["capture", "no-such-id", "--server", server[0], "--out", str(tmp_path)], capsys)
    assert code == 2 and err.startswith(
        "conductor-testkit capture: error: GET /workflow/no-such-id -> HTTP 404"
    )
