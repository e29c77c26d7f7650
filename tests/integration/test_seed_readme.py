"""Every Python code block of the official SDK's README runs with our package.

The README (shared/seed/conductor-python-README.md beside the clone, not part of the repository)
is read at test time; each block runs as a script in a fresh interpreter, as its reader would run
it, with ``conductor.client`` replaced by ``conductor_testkit`` and nothing else changed. Each
runs twice: against the in-memory engine (``CONDUCTOR_SERVER_URL=memory://``) and against the
real server.

What the README leaves to its reader is supplied around the blocks, never inside them: the
``greetings`` module that one block imports, the ``hello`` workflow that the start/execute
blocks name, and the ``wf``/``self`` objects of the elided testing snippet. The one-line method
signatures are checked against our clients' signatures.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, List

import pytest

from conductor_testkit.client.workflow_client import WorkflowClient

REPO = Path(__file__).resolve().parents[2]
SEED = REPO.parent / "shared" / "seed" / "conductor-python-README.md"
if not SEED.exists():
    pytest.skip(f"the official SDK's README is not at {SEED}", allow_module_level=True)


def _blocks() -> List[str]:
    text = SEED.read_text(encoding="utf-8")
    return [
        b.replace("conductor.client", "conductor_testkit")
        for b in re.findall(r"```python\n(.*?)```", text, re.S)
    ]


def _block(starting_with: str, containing: str = "") -> str:
    for block in _blocks():
        if block.lstrip().startswith(starting_with) and containing in block:
            return block
    raise AssertionError(
        f"the seed README has no block starting with {starting_with!r} containing {containing!r}"
    )


# A workflow the README's start/execute snippets name ('hello', version 1) without defining it.
REGISTER_HELLO = """
from conductor_testkit.configuration.configuration import Configuration as _Cfg
from conductor_testkit.orkes_clients import OrkesClients as _Clients
from conductor_testkit.http.models import WorkflowDef as _Def
_Clients(configuration=_Cfg()).get_metadata_client().register_workflow_def(_Def.from_dict({
    "name": "hello", "version": 1, "schemaVersion": 2,
    "tasks": [{"name": "say", "taskReferenceName": "say", "type": "INLINE",
               "inputParameters": {"evaluatorType": "graaljs", "expression": "'Hello ' + $.name",
                                   "name": "${workflow.input.name}"}}],
    "outputParameters": {"greeting": "${say.output.result}"}}), overwrite=True)
"""


def _run(backend_url: str, files: Dict[str, str], main: str, tmp_path: Path) -> str:
    for name, code in files.items():
        (tmp_path / name).write_text(code, encoding="utf-8")
    env = dict(os.environ)
    env["CONDUCTOR_SERVER_URL"] = backend_url
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(REPO)])
    proc = subprocess.run(
        [sys.executable, main], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180
    )
    assert proc.returncode == 0, f"{main} failed on {backend_url}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


# the server case carries its marker from collection on, so `-m "not integration"` deselects it
@pytest.fixture(params=["memory", pytest.param("server", marks=pytest.mark.integration)])
def backend_url(request: pytest.FixtureRequest) -> str:
    if request.param == "memory":
        return "memory://"
    return str(request.getfixturevalue("conductor_server_url"))


def test_hello_world_application_prints_the_greeting(backend_url: str, tmp_path: Path) -> None:
    files = {
        "greetings_workflow.py": _block(
            "from conductor_testkit.workflow.conductor_workflow", "greetings_workflow"
        ),
        "greetings_worker.py": _block("from conductor_testkit.worker.worker_task", "'greet'"),
        "helloworld.py": _block("from conductor_testkit.automator.task_handler", "register_workflow"),
    }
    out = _run(backend_url, files, "helloworld.py", tmp_path)
    assert "workflow result: Hello Orkes" in out


def test_worker_blocks_define_callable_workers(backend_url: str, tmp_path: Path) -> None:
    greetings = _block("from conductor_testkit.worker.worker_task", "'greetings'")
    order = _block("from conductor_testkit.worker.worker_task", "OrderInfo")
    check = (
        greetings + "\n" + order + "\n"
        "print(greetings(name='Ann'))\n"
        "print(process_order(order_info=OrderInfo(order_id=7, sku='x', quantity=1, sku_price=2.0)))\n"
    )
    out = _run(backend_url, {"workers.py": check}, "workers.py", tmp_path)
    assert "Hello, Ann" in out and "order: 7" in out


def test_task_handler_block_starts_and_stops_workers(backend_url: str, tmp_path: Path) -> None:
    files = {
        # the module the block imports by name ('greetings'), as the README's reader would write it
        "greetings.py": _block("from conductor_testkit.worker.worker_task", "'greetings'"),
        "main.py": _block("from conductor_testkit.automator.task_handler", "import_modules=['greetings']"),
    }
    _run(backend_url, files, "main.py", tmp_path)


def test_system_task_blocks_build_tasks(backend_url: str, tmp_path: Path) -> None:
    code = "\n".join(
        [
            _block("from conductor_testkit.workflow.task.wait_task"),
            _block("from conductor_testkit.workflow.task.http_task"),
            _block("from conductor_testkit.workflow.task.javascript_task"),
            _block("from conductor_testkit.workflow.task.json_jq_task"),
            "print(wait_for_two_sec.to_workflow_task().type, js.to_workflow_task().type, "
            "jq.to_workflow_task().type)",
        ]
    )
    out = _run(backend_url, {"tasks.py": code}, "tasks.py", tmp_path)
    assert out.split() == ["WAIT", "INLINE", "JSON_JQ_TRANSFORM"]


def test_dynamic_workflow_block_prints_the_email(backend_url: str, tmp_path: Path) -> None:
    code = _block("from conductor_testkit.automator.task_handler", "dynamic_workflow")
    out = _run(backend_url, {"dynamic_workflow.py": code}, "dynamic_workflow.py", tmp_path)
    assert "workflow output:  {'email': 'user_a@example.com'}" in out


def test_workflow_client_blocks_start_and_execute_hello(backend_url: str, tmp_path: Path) -> None:
    clients = _block("from conductor_testkit.configuration.configuration", "get_workflow_client")
    start = _block(
        "from conductor_testkit.http.models import StartWorkflowRequest", "start_workflow(request)"
    )
    execute = _block("from conductor_testkit.http.models import StartWorkflowRequest", "execute_workflow")
    code = "\n".join(
        [
            REGISTER_HELLO,
            clients,
            start,
            "print('started', bool(workflow_id))",
            execute,
            "print('run', workflow_run.status, workflow_run.output)",
        ]
    )
    out = _run(backend_url, {"client.py": code}, "client.py", tmp_path)
    assert "started True" in out
    assert "run COMPLETED {'greeting': 'Hello Orkes'}" in out


def test_task_registration_block_registers_the_definition(backend_url: str, tmp_path: Path) -> None:
    code = _block(
        "from conductor_testkit.configuration.configuration", "task_with_retries"
    ) + textwrap.dedent(
        """
        from conductor_testkit.orkes_clients import OrkesClients as _C
        from conductor_testkit.configuration.configuration import Configuration as _Cfg
        main()
        d = _C(configuration=_Cfg()).get_metadata_client().get_task_def('task_with_retries')
        print(d.retry_logic, d.retry_count, d.concurrent_exec_limit, d.response_timeout_seconds)
        """
    )
    out = _run(
        backend_url,
        {"taskdef.py": code.replace("if __name__ == '__main__':\n    main()", "")},
        "taskdef.py",
        tmp_path,
    )
    assert out.split() == ["LINEAR_BACKOFF", "3", "3", "60"]


def test_testing_block_runs_a_mocked_test(backend_url: str, tmp_path: Path) -> None:
    snippet = _block("...", "WorkflowTestRequest")
    preamble = textwrap.dedent(
        """
        import unittest
        from conductor_testkit.configuration.configuration import Configuration
        from conductor_testkit.orkes_clients import OrkesClients
        from conductor_testkit.http.models import WorkflowTestRequest, TaskMock
        from conductor_testkit.workflow.conductor_workflow import ConductorWorkflow
        from conductor_testkit.workflow.task.simple_task import SimpleTask

        workflow_client = OrkesClients(configuration=Configuration()).get_workflow_client()
        wf = ConductorWorkflow(name='seed_testing_snippet', version=1)
        wf >> SimpleTask(task_def_name='seed_step', task_reference_name='step')
        task_ref_to_mock_output = {'step': [TaskMock(status='COMPLETED', output={'ok': True})]}
        self = unittest.TestCase()
        """
    )
    out = _run(backend_url, {"testing.py": preamble + snippet}, "testing.py", tmp_path)
    assert "status: COMPLETED" in out


SIGNATURE = re.compile(r"^(\w+)\((.*)\)")


@pytest.mark.parametrize(
    "signature", [b.strip() for b in _blocks() if SIGNATURE.match(b.strip()) and "\n" not in b.strip()]
)
def test_workflow_client_has_the_documented_signature(signature: str) -> None:
    match = SIGNATURE.match(signature)
    assert match is not None
    name, params = match.group(1), match.group(2)
    top_level = re.split(r",(?![^\[]*\])", params)  # commas outside brackets: Dict[str, object]
    documented = [p.split(":")[0].split("=")[0].strip() for p in top_level if p.strip()]
    documented = [p for p in documented if p != "self"]
    ours = list(inspect.signature(getattr(WorkflowClient, name)).parameters)
    assert ours[1 : 1 + len(documented)] == documented, f"{name}: ours {ours[1:]} vs README {documented}"
