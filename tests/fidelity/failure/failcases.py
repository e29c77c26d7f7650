"""Failure-handling fidelity cases: loading, goldens, and running a case on the server or the engine.

Two kinds of case live in ``cases/<name>.json``:

* ``"kind": "test"`` (the default) has G's format (see ``tests/fidelity/casefiles.py``): a
  ``request`` for ``POST /api/workflow/test`` with an inline ``workflowDef`` and mocks, plus an
  optional ``registerFirst`` list of ``{"taskDef": ...}`` / ``{"workflowDef": ...}`` (retry
  settings, failure workflows). The comparison is exact after normalisation.
* ``"kind": "live"`` is for behaviour the test endpoint cannot show because it needs time to pass
  (workflow timeout, poll/response/total timeouts)::

      {"kind": "live", "request": <StartWorkflowRequest>, "engineRequest": <optional, same shape>,
       "registerFirst": [...], "engineRegisterFirst": <optional, replaces registerFirst on the engine>,
       "steps": [{"op": "poll", "taskType": T}, {"op": "poll", "taskType": T, "expect": "none"},
                 {"op": "update", "ref": R, "status": S, "reason": TEXT, "output": {...},
                  "callbackAfterSeconds": N}, {"op": "sleep", "seconds": 3,
                  "engineSeconds": 10800}, {"op": "pause"}, {"op": "decide"}]}

  On the server ``sleep`` really sleeps (seconds), on the engine it advances the virtual clock
  (``engineSeconds``, usually hours), so the two runs are compared by shape only.

A golden is ``golden/<name>.json`` = ``{"serverVersion", "workflow", "failureWorkflow"}`` where
``failureWorkflow`` is ``GET /workflow/{id}`` of the workflow named by the main workflow's
``output["conductor.failure_workflow"]`` (``null`` when none was started): the test endpoint only
returns the main workflow.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import requests

from .. import casefiles

HERE = Path(__file__).resolve().parent
CASES_DIR = HERE / "cases"
GOLDEN_DIR = HERE / "golden"
HTTP_TIMEOUT_SECONDS = 120.0
FAILURE_WORKFLOW_KEY = "conductor.failure_workflow"
WORKER_ID = "fidelity-failure"
MAX_POLLS = 20

Json = Dict[str, Any]


class CaseError(RuntimeError):
    """A case could not be run as written (bad step, task not found, HTTP error)."""


def case_names() -> List[str]:
    """Every case name, sorted."""
    return casefiles.json_names(CASES_DIR)


def load_case(name: str) -> Json:
    """The case file ``cases/<name>.json``."""
    return casefiles.read_json(CASES_DIR / f"{name}.json")


def case_kind(case: Json) -> str:
    """``"test"`` (test endpoint, exact comparison) or ``"live"`` (real time, shape comparison)."""
    kind = case.get("kind", "test")
    if kind not in ("test", "live"):
        raise CaseError(f"case kind must be 'test' or 'live', got {kind!r}")
    return str(kind)


def golden_path(name: str) -> Path:
    return GOLDEN_DIR / f"{name}.json"


def load_golden(name: str) -> Json:
    """``golden/<name>.json``: ``serverVersion``, ``workflow``, ``failureWorkflow``."""
    return casefiles.read_json(golden_path(name))


def write_golden(name: str, server_version: str, run: Json) -> Path:
    """Store a server run (``{"workflow", "failureWorkflow"}``) as the golden of ``name``."""
    return casefiles.dump_golden(golden_path(name), server_version, run)


def failure_workflow_id(workflow: Json) -> Optional[str]:
    """The id the failed workflow's output names, or None (none started, or a start error text)."""
    value = (workflow.get("output") or {}).get(FAILURE_WORKFLOW_KEY)
    if isinstance(value, str) and not value.startswith("Error workflow"):
        return value
    return None


# ---------------------------------------------------------------------------------------------
# server


def _check(response: requests.Response, what: str) -> None:
    if response.status_code >= 300:
        raise CaseError(f"{what} failed: HTTP {response.status_code}: {response.text[:2000]}")


def _server_get_workflow(session: requests.Session, api_url: str, workflow_id: str) -> Json:
    response = session.get(
        f"{api_url}/workflow/{workflow_id}", params={"includeTasks": "true"}, timeout=HTTP_TIMEOUT_SECONDS
    )
    _check(response, f"GET /workflow/{workflow_id}")
    workflow: Json = response.json()
    return workflow


def _latest_task(workflow: Json, ref: str, where: str) -> Json:
    tasks = [t for t in workflow.get("tasks") or [] if t.get("referenceTaskName") == ref]
    if not tasks:
        raise CaseError(f"{where}: workflow {workflow.get('workflowId')} has no task with reference {ref!r}")
    return max(tasks, key=lambda t: t.get("seq") or 0)


def _task_result(workflow_id: str, task_id: str, step: Json) -> Json:
    return {
        "workflowInstanceId": workflow_id,
        "taskId": task_id,
        "status": step["status"],
        "outputData": step.get("output") or {},
        "reasonForIncompletion": step.get("reason"),
        "callbackAfterSeconds": step.get("callbackAfterSeconds", 0),
        "workerId": WORKER_ID,
    }


def _check_poll(got_own_task: bool, step: Json, workflow_id: str, where: str) -> None:
    """A ``poll`` step expects the workflow's task (default) or, with ``"expect": "none"``, nothing."""
    expect_none = step.get("expect") == "none"
    if got_own_task and expect_none:
        raise CaseError(
            f"{where}: a task of workflow {workflow_id} was handed out although none should be due"
        )
    if not got_own_task and not expect_none:
        raise CaseError(f"{where}: workflow {workflow_id} has no task of type {step['taskType']!r} to poll")


def _server_poll(session: requests.Session, api_url: str, workflow_id: str, step: Json, where: str) -> None:
    """Poll the step's task type until the task of ``workflow_id`` comes out of the queue (or none).

    The queue of a case's task type is shared by every run of the case; a task left behind by an
    earlier, interrupted run may come first (it is then IN_PROGRESS and never handed out again).
    """
    got_own_task = False
    for _ in range(MAX_POLLS):
        polled = session.get(
            f"{api_url}/tasks/poll/{step['taskType']}",
            params={"workerid": WORKER_ID},
            timeout=HTTP_TIMEOUT_SECONDS,
        )
        _check(polled, where)
        if not polled.text.strip():
            break
        if polled.json().get("workflowInstanceId") == workflow_id:
            got_own_task = True
            break
    _check_poll(got_own_task, step, workflow_id, where)


def _server_live(session: requests.Session, api_url: str, case: Json) -> str:
    response = session.post(f"{api_url}/workflow", json=case["request"], timeout=HTTP_TIMEOUT_SECONDS)
    _check(response, "POST /workflow")
    workflow_id = response.text.strip().strip('"')
    for index, step in enumerate(case["steps"]):
        op = step.get("op")
        where = f"step {index} ({op})"
        if op == "sleep":
            time.sleep(float(step["seconds"]))
        elif op == "pause":
            _check(
                session.put(f"{api_url}/workflow/{workflow_id}/pause", timeout=HTTP_TIMEOUT_SECONDS), where
            )
        elif op == "decide":
            _check(
                session.put(f"{api_url}/workflow/decide/{workflow_id}", timeout=HTTP_TIMEOUT_SECONDS), where
            )
        elif op == "poll":
            _server_poll(session, api_url, workflow_id, step, where)
        elif op == "update":
            task = _latest_task(_server_get_workflow(session, api_url, workflow_id), step["ref"], where)
            result = _task_result(workflow_id, task["taskId"], step)
            _check(session.post(f"{api_url}/tasks", json=result, timeout=HTTP_TIMEOUT_SECONDS), where)
        else:
            raise CaseError(f"{where}: unknown op {op!r}")
    return workflow_id


def run_on_server(session: requests.Session, api_url: str, case: Json) -> Json:
    """Run ``case`` on the real server: ``{"workflow": ..., "failureWorkflow": ... or None}``."""
    casefiles.register_on_server(session, api_url, case)
    if case_kind(case) == "live":
        workflow_id = _server_live(session, api_url, case)
        workflow = _server_get_workflow(session, api_url, workflow_id)
        if workflow.get("status") in ("RUNNING", "PAUSED"):
            # Leave no task in the shared queues of the case's task types for the next run.
            session.delete(
                f"{api_url}/workflow/{workflow_id}",
                params={"reason": "fidelity case done"},
                timeout=HTTP_TIMEOUT_SECONDS,
            )
    else:
        workflow = casefiles.run_on_server(session, api_url, case)
    failure_id = failure_workflow_id(workflow)
    failure = _server_get_workflow(session, api_url, failure_id) if failure_id else None
    return {"workflow": workflow, "failureWorkflow": failure}


# ---------------------------------------------------------------------------------------------
# engine


def new_engine(case: Json) -> Any:
    """A fresh engine with the case's definitions registered (``engineRegisterFirst`` if given)."""
    from conductor_testkit.engine import Engine

    engine = Engine()
    entries = case.get("engineRegisterFirst")
    if entries is None:
        entries = casefiles.prerequisites(case)
    for entry in entries:
        if "taskDef" in entry:
            engine.register_task_def(copy.deepcopy(entry["taskDef"]))
        else:
            engine.register_workflow_def(copy.deepcopy(entry["workflowDef"]))
    return engine


def _engine_live(engine: Any, case: Json) -> str:
    request = copy.deepcopy(case.get("engineRequest") or case["request"])
    workflow_id: str = engine.start_workflow(request)
    for index, step in enumerate(case["steps"]):
        op = step.get("op")
        where = f"step {index} ({op})"
        if op == "sleep":
            engine.clock.advance(float(step.get("engineSeconds", step["seconds"])))
        elif op == "pause":
            engine.pause_workflow(workflow_id)
        elif op == "decide":
            engine.decide(workflow_id)
        elif op == "poll":
            polled = engine.poll(step["taskType"], worker_id=WORKER_ID)
            own = any(task.get("workflowInstanceId") == workflow_id for task in polled)
            _check_poll(own, step, workflow_id, where)
        elif op == "update":
            task = _latest_task(engine.get_workflow(workflow_id), step["ref"], where)
            engine.update_task(_task_result(workflow_id, task["taskId"], step))
        else:
            raise CaseError(f"{where}: unknown op {op!r}")
    return workflow_id


def run_on_engine(case: Json) -> Tuple[Any, Json]:
    """Run ``case`` on a fresh engine: ``(engine, {"workflow": ..., "failureWorkflow": ...})``."""
    engine = new_engine(case)
    if case_kind(case) == "live":
        workflow: Json = engine.get_workflow(_engine_live(engine, case))
    else:
        # The engine consumes the mock lists, like the server: never hand it the cached case.
        workflow = engine.test_workflow(copy.deepcopy(case["request"]))
    failure_id = failure_workflow_id(workflow)
    failure = engine.get_workflow(failure_id) if failure_id else None
    return engine, {"workflow": workflow, "failureWorkflow": failure}
