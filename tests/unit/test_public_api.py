"""The curated top-level API of conductor_testkit: pinned, resolvable, and cheap to import."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import conductor_testkit

EXPECTED_EXPORTS = [
    "__version__",
    # Connecting to a server (or to the engine with memory://)
    "AuthenticationSettings",
    "Configuration",
    "ConductorClients",
    "OrkesClients",
    "MetadataClient",
    "WorkflowClient",
    "TaskClient",
    "EventClient",
    "WorkflowExecutor",
    # Defining workflows
    "ConductorWorkflow",
    "DecisionTask",
    "DoWhileTask",
    "DynamicForkTask",
    "DynamicTask",
    "EventTask",
    "ExclusiveJoin",
    "ForEachTask",
    "ForkTask",
    "HttpInput",
    "HttpTask",
    "HumanTask",
    "InlineTask",
    "JavascriptTask",
    "JoinTask",
    "JsonJQTask",
    "KafkaPublishTask",
    "LoopTask",
    "NoopTask",
    "SetVariableTask",
    "SimpleTask",
    "StartWorkflowTask",
    "SubWorkflowTask",
    "SwitchTask",
    "TerminateTask",
    "WaitForDurationTask",
    "WaitTask",
    "WaitUntilTask",
    # Writing workers
    "NonRetryableException",
    "TaskContext",
    "TaskHandler",
    "Worker",
    "get_task_context",
    "worker_task",
    # Running offline
    "Engine",
    "LocalConductor",
    "VirtualClock",
    "Execution",
    "Harness",
    "run_workflow",
    # Wire models
    "RerunWorkflowRequest",
    "StartWorkflowRequest",
    "Task",
    "TaskDef",
    "TaskMock",
    "TaskResult",
    "TaskResultStatus",
    "TaskStatus",
    "Workflow",
    "WorkflowDef",
    "WorkflowRun",
    "WorkflowStatus",
    "WorkflowTask",
    "WorkflowTestRequest",
    # Errors
    "ApiError",
    "ConductorConnectionError",
    "ConductorError",
    "ConfigurationError",
    "ConflictError",
    "DefinitionError",
    "EngineError",
    "NotFoundError",
]


def test_export_list_is_pinned() -> None:
    assert conductor_testkit.__all__ == EXPECTED_EXPORTS


def test_every_lazily_loaded_name_is_exported() -> None:
    assert sorted(conductor_testkit._EXPORTS) == sorted(set(EXPECTED_EXPORTS) - {"__version__"})


@pytest.mark.parametrize("name", EXPECTED_EXPORTS)
def test_every_exported_name_resolves(name: str) -> None:
    assert getattr(conductor_testkit, name) is not None


@pytest.mark.parametrize(
    ("name", "module"),
    [
        ("Configuration", "conductor_testkit.client"),
        ("OrkesClients", "conductor_testkit.client"),
        ("WorkflowExecutor", "conductor_testkit.workflow.executor"),
        ("WorkflowExecutor", "conductor_testkit.client"),
        ("ConductorWorkflow", "conductor_testkit.workflow"),
        ("SimpleTask", "conductor_testkit.workflow"),
        ("worker_task", "conductor_testkit.worker"),
        ("TaskHandler", "conductor_testkit.worker"),
        ("Engine", "conductor_testkit.engine"),
        ("run_workflow", "conductor_testkit.testing"),
        ("WorkflowDef", "conductor_testkit.models"),
        ("ConductorError", "conductor_testkit.errors"),
    ],
)
def test_a_top_level_name_is_the_same_object_as_in_its_subpackage(name: str, module: str) -> None:
    subpackage = __import__(module, fromlist=[name])
    assert getattr(conductor_testkit, name) is getattr(subpackage, name)


def test_every_exported_error_derives_from_the_one_root() -> None:
    errors = ["ApiError", "ConductorConnectionError", "ConfigurationError", "ConflictError"]
    errors += ["DefinitionError", "EngineError", "NotFoundError"]
    for name in errors:
        assert issubclass(getattr(conductor_testkit, name), conductor_testkit.ConductorError), name


def test_an_unknown_name_raises_attribute_error_naming_it() -> None:
    with pytest.raises(AttributeError, match="'NoSuchThing'"):
        conductor_testkit.NoSuchThing  # noqa: B018


def test_dir_lists_the_exports_before_they_are_loaded() -> None:
    assert set(EXPECTED_EXPORTS) <= set(dir(conductor_testkit))


def _modules_loaded_by(code: str) -> set:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return set(out.split())


def test_importing_the_package_loads_neither_the_engine_nor_requests_nor_pydantic() -> None:
    loaded = _modules_loaded_by("import conductor_testkit")
    assert "conductor_testkit.engine" not in loaded
    assert "requests" not in loaded
    assert "pydantic" not in loaded
    assert "quickjs" not in loaded


def test_using_the_dsl_does_not_load_the_engine() -> None:
    loaded = _modules_loaded_by(
        "import conductor_testkit as ct\n"
        "wf = ct.ConductorWorkflow(name='w')\n"
        "wf >> ct.SimpleTask('t', 't_ref')\n"
        "wf.to_dict()"
    )
    assert "conductor_testkit.engine" not in loaded
    assert "quickjs" not in loaded


def test_the_example_in_the_package_docstring_runs() -> None:
    after = (conductor_testkit.__doc__ or "").split("::\n", 1)[1].splitlines()
    code_lines = []
    for line in after[1:]:  # the indented block up to the next paragraph
        if line and not line.startswith("    "):
            break
        code_lines.append(line[4:])
    code = "\n".join(code_lines)
    namespace: dict = {}
    exec(compile(code, "conductor_testkit.__doc__", "exec"), namespace)
    assert namespace["workflow"].name == "greetings"


def test_a_local_harness_run_loads_neither_the_http_client_nor_requests() -> None:
    loaded = _modules_loaded_by(
        "from conductor_testkit.testing import run_workflow\n"
        "workflow = {'name': 'w', 'version': 1, 'schemaVersion': 2, 'tasks': [\n"
        "    {'name': 't', 'taskReferenceName': 't', 'type': 'SIMPLE'}]}\n"
        "run_workflow(workflow, {}, {'t': {'ok': True}}).assert_completed()"
    )
    assert "conductor_testkit.engine" in loaded  # the run did happen on the engine
    assert "conductor_testkit.client" not in loaded
    assert "requests" not in loaded


def test_a_local_test_through_the_pytest_plugin_loads_neither_the_http_client_nor_requests(
    tmp_path: Path,
) -> None:
    (tmp_path / "test_local.py").write_text(
        "import sys\n"
        "WORKFLOW = {'name': 'w', 'version': 1, 'schemaVersion': 2, 'tasks': [\n"
        "    {'name': 't', 'taskReferenceName': 't', 'type': 'SIMPLE'}]}\n"
        "def test_run(conductor):\n"
        "    conductor.run(WORKFLOW, {}, {'t': {'ok': True}}).assert_completed()\n"
        "    assert 'conductor_testkit.engine' in sys.modules\n"
        "    assert 'conductor_testkit.client' not in sys.modules\n"
        "    assert 'requests' not in sys.modules\n"
    )
    # only this package's plugin: another installed plugin may import requests for itself
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "pytest_conductor.plugin",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
