"""The DSL code blocks of the official SDK's README (the seed) run with our imports.

Blocks are taken from the README file itself, their ``conductor.client.X`` imports rewritten to
``conductor_testkit.X`` (the executor module is ``conductor_testkit.workflow.executor``), executed,
and what they built is checked against the JSON the README documents next to them.
"""

from __future__ import annotations

import ast
import json
import re
import sys
import types
from pathlib import Path
from typing import Any, Dict, List

import pytest

from conductor_testkit.workflow import ConductorWorkflow, strip_server_defaults

# the official SDK's README lies in shared/seed/ beside the clone (as for
# tests/integration/test_seed_readme.py); it is not part of the repository
README = Path(__file__).resolve().parents[3] / "shared" / "seed" / "conductor-python-README.md"
if not README.exists():
    pytest.skip(f"the official SDK's README is not at {README}", allow_module_level=True)

_IMPORT_REWRITES = [
    ("conductor.client.workflow.executor.workflow_executor", "conductor_testkit.workflow.executor"),
    ("conductor.client.", "conductor_testkit."),
]


def _blocks(language: str) -> List[str]:
    return re.findall(rf"```{language}\n(.*?)```", README.read_text(), re.S)


def _python_block(marker: str) -> str:
    matches = [block for block in _blocks("python") if marker in block]
    assert len(matches) == 1, f"expected one python block containing {marker!r}, found {len(matches)}"
    return matches[0]


def _json_block(marker: str) -> Any:
    matches = [block for block in _blocks("json") if marker in block]
    assert matches, f"no json block containing {marker!r}"
    # the README's JSON has trailing commas in places; drop them
    return json.loads(re.sub(r",(\s*[}\]])", r"\1", matches[0]))


def _run(source: str) -> Dict[str, Any]:
    """Execute a README block with our imports; ``_last`` holds a trailing expression's value."""
    for old, new in _IMPORT_REWRITES:
        source = source.replace(old, new)
    tree = ast.parse(source)
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = tree.body[-1]
        tree.body[-1] = ast.Assign(targets=[ast.Name(id="_last", ctx=ast.Store())], value=last.value)
        ast.fix_missing_locations(tree)
    namespace: Dict[str, Any] = {"__name__": "seed_readme_block"}
    exec(compile(tree, str(README), "exec"), namespace)
    return namespace


def test_wait_task_block_builds_the_three_waits() -> None:
    ns = _run(_python_block("WaitTask(task_ref_name='wait_for_2_sec'"))
    assert ns["wait_for_two_sec"].to_dict()["inputParameters"] == {"duration": "2s"}
    assert ns["wait_till_jan"].to_dict()["inputParameters"] == {"until": "2024-01-31 00:00 UTC"}
    assert ns["wait_for_signal"].to_dict()["inputParameters"] == {}


def test_wait_until_renders_the_input_of_the_readme_json() -> None:
    documented = _json_block('"type": "WAIT"')
    ns = _run(_python_block("WaitTask(task_ref_name='wait_for_2_sec'"))
    assert ns["wait_till_jan"].to_dict()["inputParameters"] == documented["inputParameters"]


def test_http_task_block_builds_a_get_request() -> None:
    ns = _run(_python_block("HttpTask(task_ref_name='call_remote_api'"))
    documented = _json_block('"type" : "HTTP"')
    request = ns["_last"].to_dict()["inputParameters"]["http_request"]
    assert request == {"uri": documented["uri"], "method": documented["method"]}


def test_javascript_block_renders_the_readme_json_inputs() -> None:
    ns = _run(_python_block("JavascriptTask(task_ref_name='hello_script'"))
    documented = _json_block('"type": "INLINE"')
    rendered = ns["js"].to_dict()
    assert rendered["type"] == documented["type"]
    assert rendered["inputParameters"] == {**documented["inputParameters"], "expression": ns["say_hello_js"]}


def test_json_jq_block_renders_the_query_expression() -> None:
    ns = _run(_python_block("JsonJQTask(task_ref_name='jq_process'"))
    documented = _json_block('"type": "JSON_JQ_TRANSFORM"')
    rendered = ns["jq"].to_dict()
    assert rendered["type"] == documented["type"]
    assert rendered["inputParameters"] == {"queryExpression": ns["jq_script"]}


@pytest.fixture
def greetings_worker_module(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """The README's greetings_worker.py, importable as ``greetings_worker``."""
    module = types.ModuleType("greetings_worker")
    module.__dict__.update(_run(_python_block("@worker_task(task_definition_name='greet')")))
    monkeypatch.setitem(sys.modules, "greetings_worker", module)
    return module


def test_greetings_workflow_block_builds_the_documented_workflow_without_an_executor(
    greetings_worker_module: types.ModuleType,
) -> None:
    ns = _run(_python_block("def greetings_workflow("))
    workflow = ns["greetings_workflow"](workflow_executor=None)
    documented = strip_server_defaults(_json_block('"name": "greetings"'))
    rendered = strip_server_defaults(workflow.to_dict())
    assert (rendered["name"], rendered["version"], rendered["tasks"]) == (
        documented["name"],
        documented["version"],
        documented["tasks"],
    )


def test_greetings_worker_stays_a_plain_function(greetings_worker_module: types.ModuleType) -> None:
    assert greetings_worker_module.greet("Orkes") == "Hello Orkes"


def test_greetings_json_block_loads_into_the_dsl_and_renders_back() -> None:
    documented = _json_block('"name": "greetings"')
    workflow = ConductorWorkflow.from_dict(documented)
    assert workflow.to_dict() == documented
    assert workflow.problems() == []
