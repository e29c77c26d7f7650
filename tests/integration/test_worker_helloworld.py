"""The README's hello-world app (examples/helloworld) end to end against the real server.

The app's names are fixed ('greetings', 'greet') and the server is shared, so the test renames
the workflow and runs the worker in a task domain of its own; everything else is the app's code.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path
from typing import Iterator

import pytest

from conductor_testkit.client import Configuration
from conductor_testkit.worker import TaskHandler

HELLOWORLD = Path(__file__).resolve().parents[2] / "examples" / "helloworld"


@pytest.fixture
def helloworld_on_path() -> Iterator[None]:
    sys.path.insert(0, str(HELLOWORLD))
    try:
        yield
    finally:
        sys.path.remove(str(HELLOWORLD))


@pytest.mark.integration
def test_helloworld_app_greets_orkes(conductor_server_url: str, helloworld_on_path: None) -> None:
    import greetings_worker
    import helloworld

    from conductor_testkit.workflow.executor import WorkflowExecutor

    api_config = Configuration(server_api_url=conductor_server_url)
    workflow_executor = WorkflowExecutor(configuration=api_config)
    domain = f"hello_{uuid.uuid4().hex[:10]}"

    workflow = helloworld.greetings_workflow(workflow_executor=workflow_executor)
    workflow.name = f"greetings_{uuid.uuid4().hex[:10]}"
    workflow.register(True)

    greet_worker = greetings_worker.greet.worker.replace(domain=domain)
    task_handler = TaskHandler(
        workers=[greet_worker], configuration=api_config, scan_for_annotated_workers=False
    )
    task_handler.start_processes()
    try:
        workflow_run = workflow_executor.execute(
            name=workflow.name,
            version=workflow.version,
            workflow_input={"name": "Orkes"},
            domain=domain,
            wait_for_seconds=30,
        )
    finally:
        task_handler.stop_processes()

    assert workflow_run.status == "COMPLETED"
    assert workflow_run.output["result"] == "Hello Orkes"


def test_helloworld_modules_import_and_build_the_workflow_offline() -> None:
    # the example's modules work as a script would use them (imports relative to its directory)
    code = (
        "import helloworld, greetings_worker\n"
        "from conductor_testkit.workflow.executor import WorkflowExecutor\n"
        "wf = helloworld.greetings_workflow(WorkflowExecutor())\n"
        "print(wf.to_dict()['tasks'][0]['name'], greetings_worker.greet(name='x'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=HELLOWORLD, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "greet Hello x"
