"""The conductor-testkit command line: the exact text a user sees, and the exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conductor_testkit.cli import main
from conductor_testkit.testing.server import CONDUCTOR_SERVER_VERSION

GREETING = {
    "name": "cli_greeting",
    "version": 1,
    "tasks": [
        {
            "name": "greet",
            "taskReferenceName": "greet_ref",
            "type": "SIMPLE",
            "inputParameters": {"name": "${workflow.input.name}"},
        },
        {
            "name": "shout",
            "taskReferenceName": "shout_ref",
            "type": "INLINE",
            "inputParameters": {
                "evaluatorType": "graaljs",
                "greeting": "${greet_ref.output.greeting}",
                "expression": "$.greeting.toUpperCase()",
            },
        },
    ],
    "outputParameters": {"loud": "${shout_ref.output.result}"},
}


def _write(tmp_path: Path, name: str, data: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


@pytest.fixture
def workflow_file(tmp_path: Path) -> str:
    return _write(tmp_path, "greeting.json", GREETING)


def test_run_prints_status_output_and_task_sequence_and_exits_0(
    workflow_file: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mocks = _write(
        tmp_path, "mocks.json", {"greet_ref": [{"status": "COMPLETED", "output": {"greeting": "hi ann"}}]}
    )

    code = main(["run", workflow_file, "--input", '{"name": "ann"}', "--mocks", mocks])

    assert code == 0
    assert capsys.readouterr().out == (
        "workflow 'cli_greeting' version 1\n"
        "status: COMPLETED\n"
        'output: {"loud": "HI ANN"}\n'
        "tasks (2):\n"
        "  1. greet_ref (SIMPLE) COMPLETED\n"
        "  2. shout_ref (INLINE) COMPLETED\n"
    )


def test_run_passes_the_input_to_the_workflow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    definition = {
        "name": "cli_echo",
        "version": 1,
        "tasks": [
            {
                "name": "echo",
                "taskReferenceName": "echo_ref",
                "type": "INLINE",
                "inputParameters": {
                    "evaluatorType": "graaljs",
                    "name": "${workflow.input.name}",
                    "expression": "$.name + '!'",
                },
            }
        ],
        "outputParameters": {"echo": "${echo_ref.output.result}"},
    }

    code = main(["run", _write(tmp_path, "echo.json", definition), "--input", '{"name": "ann"}'])

    assert code == 0
    assert 'output: {"echo": "ann!"}\n' in capsys.readouterr().out


def test_run_without_a_mock_stops_on_the_open_task_and_exits_1(
    workflow_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", workflow_file])

    assert code == 1
    assert capsys.readouterr().out == (
        "workflow 'cli_greeting' version 1\n"
        "status: RUNNING\n"
        "output: {}\n"
        "tasks (1):\n"
        "  1. greet_ref (SIMPLE) SCHEDULED\n"
        "the run stopped with open tasks: greet_ref (SCHEDULED); give each a mocked attempt in "
        "--mocks (a worker task needs one per attempt, retries included)\n"
    )


def test_run_of_a_failing_workflow_prints_the_reasons_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    definition = {
        "name": "cli_terminate",
        "version": 2,
        "tasks": [
            {
                "name": "stop",
                "taskReferenceName": "stop_ref",
                "type": "TERMINATE",
                "inputParameters": {"terminationStatus": "FAILED", "terminationReason": "no stock"},
            }
        ],
    }

    code = main(["run", _write(tmp_path, "terminate.json", definition)])

    assert code == 1
    out = capsys.readouterr().out
    assert out.startswith("workflow 'cli_terminate' version 2\nstatus: FAILED\nreason: no stock\n")
    assert "  1. stop_ref (TERMINATE) COMPLETED\n" in out


def test_run_with_input_that_is_not_an_object_is_a_usage_error(
    workflow_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", workflow_file, "--input", "[1]"])

    assert code == 2
    assert capsys.readouterr().err == (
        "conductor-testkit: error: --input must be a JSON object of workflow inputs, received an array: [1]\n"
    )


def test_run_with_input_that_is_not_json_names_the_option(
    workflow_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", workflow_file, "--input", "name=ann"])

    assert code == 2
    assert capsys.readouterr().err.startswith("conductor-testkit: error: --input is not valid JSON: ")


def test_run_with_mocks_in_the_wrong_shape_names_the_reference_and_the_expected_shape(
    workflow_file: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mocks = _write(tmp_path, "mocks.json", {"greet_ref": {"status": "COMPLETED"}})

    code = main(["run", workflow_file, "--mocks", mocks])

    assert code == 2
    assert capsys.readouterr().err == (
        f"conductor-testkit: error: mocks file {mocks!r}: taskRefToMockOutput.greet_ref: JSON parse "
        "error: Cannot deserialize value of type `java.util.ArrayList<com.netflix.conductor.common.run."
        "WorkflowTestRequest$TaskMock>` from Object value (token `JsonToken.START_OBJECT`) (the server "
        'refuses such a test request); expected a JSON object {"task_ref": [{"status": "COMPLETED", '
        '"output": {...}}, ...]}\n'
    )


def test_run_of_a_missing_file_names_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(tmp_path / "missing.json")

    code = main(["run", missing])

    assert code == 2
    assert capsys.readouterr().err == (
        f"conductor-testkit: error: workflow file {missing!r} cannot be read: No such file or directory\n"
    )


def test_run_of_a_definition_the_server_would_reject_points_to_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "bad.json", {"name": "cli_bad", "tasks": []})

    code = main(["run", path])

    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"conductor-testkit: error: workflow file {path!r} is rejected as the server would reject it: "
    )
    assert "WorkflowTask list cannot be empty" in err
    assert err.endswith(f"`conductor-testkit validate {path}` lists every problem\n")


def test_validate_of_a_valid_definition_says_so_and_exits_0(
    workflow_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["validate", workflow_file])

    assert code == 0
    assert capsys.readouterr().out == "workflow 'cli_greeting' is valid\n"


def test_validate_prints_every_problem_with_its_task_and_field_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    definition = {
        "name": "cli_invalid",
        "tasks": [
            {
                "name": "fork",
                "taskReferenceName": "fork_ref",
                "type": "FORK_JOIN",
                "forkTasks": [[{"name": "a", "taskReferenceName": "a_ref", "type": "SIMPLE"}]],
            },
            {"name": "b", "taskReferenceName": "b_ref", "inputParameters": {"x": "${nope.output.x}"}},
        ],
    }

    code = main(["validate", _write(tmp_path, "invalid.json", definition)])

    assert code == 1
    assert capsys.readouterr().out == (
        "workflow 'cli_invalid' has 2 problems:\n"
        "  - workflow 'cli_invalid', task 'fork_ref', field 'type': a FORK_JOIN must be followed by a "
        "JOIN in the same task list, found a SIMPLE task\n"
        "  - workflow 'cli_invalid', task 'b_ref', field 'inputParameters.x': '${nope.output.x}' refers "
        "to task reference 'nope', which is not in the workflow (it would resolve to null); known "
        "references: a_ref, b_ref, fork_ref\n"
    )


def test_validate_of_a_file_that_is_not_a_definition_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "list.json", [GREETING])

    code = main(["validate", path])

    assert code == 2
    assert capsys.readouterr().err.startswith(
        f"conductor-testkit: error: workflow file {path!r} must be a workflow definition (a JSON object), "
        "received an array: "
    )


def test_server_delegates_to_the_server_manager(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["server", "version"])

    assert code == 0
    assert capsys.readouterr().out == f"{CONDUCTOR_SERVER_VERSION}\n"


def test_no_command_is_an_argparse_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([])

    assert exited.value.code == 2
    assert "the following arguments are required: COMMAND" in capsys.readouterr().err


def test_the_module_runs_as_a_program(workflow_file: str) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "conductor_testkit.cli", "validate", workflow_file],
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stdout) == (0, "workflow 'cli_greeting' is valid\n")


def test_a_file_nested_deeper_than_the_server_reads_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"name": "deep", "tasks": [], "x": ' + "[" * 1200 + "]" * 1200 + "}", encoding="utf-8")

    code = main(["validate", str(path)])

    assert code == 2
    assert capsys.readouterr().err == (
        f"conductor-testkit: error: workflow file {str(path)!r} nests objects and arrays deeper than the "
        "1000 levels the server reads\n"
    )


def test_an_internal_error_is_one_line_with_its_own_exit_code(
    workflow_file: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import conductor_testkit.workflow.validation as validation

    def broken(definition: Any) -> Any:
        raise TypeError("a defect\nover two lines")

    monkeypatch.setattr(validation, "find_problems", broken)

    code = main(["validate", workflow_file])

    assert code == 3
    assert capsys.readouterr().err == (
        "conductor-testkit: error: internal error (TypeError: a defect over two lines); please report it "
        "with the input files\n"
    )
