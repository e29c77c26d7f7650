"""Workflow operations with the OSS server's semantics (docs/semantics.md §7).

Each function takes the :class:`~conductor_testkit.engine.engine.Engine` first and works on its
store and decider, raising the engine's HTTP-shaped errors with the server's own messages:

===========================  =====================================================  ==========
operation                    server rule                                            error
===========================  =====================================================  ==========
pause                        terminal -> error; PAUSED -> no-op                     409
resume                       not PAUSED -> error; sets lastRetriedTime, decides     500
terminate                    COMPLETED -> error; TERMINATED -> no-op                409
retry                        not terminal -> error (404!); no retryable task        404 / 409
restart                      not terminal; non-restartable COMPLETED                409 / 404
rerun                        not terminal; unknown task id                          409 / 400
skip_task                    not RUNNING; unknown ref; ref already has a task       500
signal                       first non-terminal WAIT (sub-workflows searched)       -
update_variables (Orkes)     merges the given variables into ``variables``          -
remove                       unknown id                                             404
===========================  =====================================================  ==========

Only Orkes offers ``update_variables`` and terminate's ``trigger_failure_workflow``; they follow
Orkes' documentation (merge; start the failure workflow when asked).
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

from conductor_testkit.engine.definitions import WORKFLOW_TASK_DEFAULTS
from conductor_testkit.engine.errors import (
    EngineBadRequest,
    EngineConflict,
    EngineIllegalState,
    EngineNotFound,
)
from conductor_testkit.engine.run import TERMINAL, UNSUCCESSFUL, RunState, base_ref, json_copy
from conductor_testkit.models.base import wire

TaskDict = Dict[str, Any]

_IN_PLACE_RETRY_TYPES = frozenset({"DO_WHILE", "FORK_JOIN", "JOIN", "EXCLUSIVE_JOIN"})

# -- shared helpers -----------------------------------------------------------------------------


def _run(engine: Any, workflow_id: str) -> RunState:
    return engine.store.run(workflow_id)  # type: ignore[no-any-return]


def _now(engine: Any) -> int:
    return int(engine.clock.now_ms())


def _new_id(engine: Any) -> str:
    return str(engine.ids.generate())


def _short(run: RunState) -> str:
    """``WorkflowModel.toShortString()``: ``name.version/id``."""
    wf = run.wf
    return f"{wf.get('workflowName')}.{wf.get('workflowVersion')}/{wf.get('workflowId')}"


def _long(run: RunState) -> str:
    """``WorkflowModel.toString()``: ``name.version/id.STATUS``."""
    return f"{_short(run)}.{run.wf.get('status')}"


def _touch_workflow(engine: Any, run: RunState) -> None:
    run.wf["updateTime"] = _now(engine)


def _decide(engine: Any, run: RunState) -> None:
    engine.decider.decide(run)


def _set_task(run: RunState, task: TaskDict, **fields: Any) -> None:
    task.update(fields)
    run.refresh_pending(task)
    run.touch(task)


def _is_sync_system(engine: Any, task: Mapping[str, Any]) -> bool:
    """A system task run inside the decide (SWITCH, INLINE, ...), not by a worker or the async runner."""
    handler = engine.system_handlers.get(task.get("taskType"))
    return handler is not None and not handler.is_async


def _child_run(engine: Any, task: Mapping[str, Any]) -> Optional[RunState]:
    child_id = task.get("subWorkflowId") or (task.get("outputData") or {}).get("subWorkflowId")
    if not child_id:
        return None
    return engine.store.runs.get(child_id)  # type: ignore[no-any-return]


# -- pause / resume -----------------------------------------------------------------------------


def pause_workflow(engine: Any, workflow_id: str) -> None:
    """Pause: nothing new is scheduled until resume; running tasks may still finish."""
    run = _run(engine, workflow_id)
    if run.is_terminal():
        raise EngineConflict(f"Workflow {_short(run)} has ended, status cannot be updated.")
    if run.status == "PAUSED":
        return
    run.wf["status"] = "PAUSED"
    _touch_workflow(engine, run)


def resume_workflow(engine: Any, workflow_id: str) -> None:
    """Resume a PAUSED workflow and decide at once (what became due meanwhile is scheduled)."""
    run = _run(engine, workflow_id)
    if run.status != "PAUSED":
        raise EngineIllegalState(
            f"The workflow {workflow_id} is not PAUSED so cannot resume. Current status is {run.status}"
        )
    run.wf["status"] = "RUNNING"
    run.wf["lastRetriedTime"] = _now(engine)
    _touch_workflow(engine, run)
    _decide(engine, run)


# -- terminate / remove -------------------------------------------------------------------------


def terminate_workflow(
    engine: Any,
    workflow_id: str,
    reason: Optional[str] = None,
    *,
    trigger_failure_workflow: bool = False,
) -> None:
    """Terminate: open tasks CANCELED, status TERMINATED (also from FAILED or TIMED_OUT).

    The OSS server never starts the failure workflow here; ``trigger_failure_workflow=True``
    (an Orkes option) starts it.
    """
    run = _run(engine, workflow_id)
    if run.status == "COMPLETED":
        raise EngineConflict("Cannot terminate a COMPLETED workflow.")
    if run.status == "TERMINATED":
        return
    run.wf["status"] = "TERMINATED"
    engine.decider.terminate_workflow(
        run,
        reason,
        failure_workflow=run.defn.get("failureWorkflow") if trigger_failure_workflow else None,
        failure_workflow_version=run.defn.get("failureWorkflowVersion"),
        start_failure_workflow=trigger_failure_workflow,
    )


def remove_workflow(engine: Any, workflow_id: str, *, archive: bool = True) -> None:
    """Delete an execution and its tasks (``DELETE /workflow/{id}/remove``).

    With ``archive`` (the server's default) only a terminal workflow can be removed: the server
    archives it in its index first and refuses a running one with 400.
    """
    run = _run(engine, workflow_id)  # 404 when unknown
    if archive and not run.is_terminal():
        raise EngineBadRequest(f"Cannot archive workflow: {workflow_id} with status: {run.status}")
    engine.store.remove(workflow_id)


# -- retry --------------------------------------------------------------------------------------


def retry_workflow(engine: Any, workflow_id: str, *, resume_subworkflow_tasks: bool = False) -> None:
    """Retry the last failed tasks of a terminal workflow (docs/semantics.md §7.4).

    Failed, timed-out and canceled tasks whose reference has no later success get a new attempt
    (``retryCount`` keeps counting); JOIN, EXCLUSIVE_JOIN, DO_WHILE and FORK_JOIN are reopened in
    place. With ``resume_subworkflow_tasks`` the deepest failed sub-workflow is retried instead
    of starting a new child.
    """
    run = _run(engine, workflow_id)
    if not run.is_terminal():
        raise EngineNotFound(f"Workflow is still running.  status={run.status}")
    if not run.tasks:
        raise EngineConflict("Workflow has not started yet")
    if resume_subworkflow_tasks:
        first = next((t for t in run.tasks if t.get("status") in UNSUCCESSFUL), None)
        if first is None:
            return
        run = _last_failed_sub_workflow(engine, first, run)
    _retry_in_place(engine, run)
    _reopen_parents(engine, run)
    _decide(engine, run)


def _last_failed_sub_workflow(engine: Any, task: TaskDict, run: RunState) -> RunState:
    if task.get("status") not in UNSUCCESSFUL:
        return run
    if task.get("taskType") == "SUB_WORKFLOW":
        child = _child_run(engine, task)
        if child is None:
            return run
        failed = next((t for t in child.tasks if t.get("status") in UNSUCCESSFUL), None)
        return _last_failed_sub_workflow(engine, failed, child) if failed is not None else run
    if task.get("taskType") == "DO_WHILE":
        failed_sub = next(
            (
                t
                for t in run.tasks
                if t.get("taskType") == "SUB_WORKFLOW" and t.get("status") in UNSUCCESSFUL
            ),
            None,
        )
        return _last_failed_sub_workflow(engine, failed_sub, run) if failed_sub is not None else run
    return run


def _retry_in_place(engine: Any, run: RunState) -> None:
    """The server's private ``retry(workflow)``: pick candidates, reschedule them."""
    candidates: Dict[str, TaskDict] = {}
    for task in run.tasks:
        status = task.get("status")
        kind = task.get("taskType")
        ref = task["referenceTaskName"]
        if (
            status == "FAILED"
            and kind in ("JOIN", "EXCLUSIVE_JOIN")
            and _join_on_failed_permissive(run, task)
        ):
            _set_task(run, task, status="IN_PROGRESS")
        elif status in ("FAILED", "FAILED_WITH_TERMINAL_ERROR", "TIMED_OUT"):
            candidates[ref] = task
        elif status == "CANCELED":
            if kind in ("JOIN", "DO_WHILE"):
                _set_task(run, task, status="IN_PROGRESS")
            else:
                candidates[ref] = task
        else:
            candidates.pop(ref, None)
    if not candidates and run.status != "TIMED_OUT":
        raise EngineConflict(
            "There are no retryable tasks! Use restart if you want to attempt entire workflow "
            "execution again."
        )
    run.wf["status"] = "RUNNING"
    run.wf["lastRetriedTime"] = _now(engine)
    run.wf.pop("reasonForIncompletion", None)
    run.failed_task_id = None
    _touch_workflow(engine, run)
    new_tasks: List[TaskDict] = []
    for task in sorted(candidates.values(), key=lambda t: t.get("seq", 0)):
        if task.get("taskType") in _IN_PLACE_RETRY_TYPES:
            _set_task(
                run, task, retried=False, retryCount=int(task.get("retryCount", 0)) + 1, status="IN_PROGRESS"
            )
            continue
        attempt = engine.decider.build_retry_attempt(run, task, delay_seconds=0, for_workflow_retry=True)
        _set_task(run, task, retried=True, executed=True)
        new_tasks.append(attempt)
    if new_tasks:
        engine.decider.add_tasks(run, new_tasks)


def _join_on_failed_permissive(run: RunState, join: TaskDict) -> bool:
    for ref in (join.get("inputData") or {}).get("joinOn") or []:
        task = run.latest(ref)
        if task is None:
            continue
        workflow_task = task.get("workflowTask") or {}
        if (
            workflow_task.get("permissive")
            and not workflow_task.get("optional")
            and task.get("status") in UNSUCCESSFUL
        ):
            return True
    return False


def _reopen_parents(engine: Any, run: RunState) -> None:
    """``updateAndPushParents``: a retried/rerun child reopens its parent's SUB_WORKFLOW task."""
    while run.wf.get("parentWorkflowId"):
        parent = engine.store.runs.get(run.wf["parentWorkflowId"])
        if parent is None:
            return
        sub_task = parent.by_id.get(run.wf.get("parentWorkflowTaskId"))
        if (
            sub_task is None
            or (sub_task.get("workflowTask") or {}).get("optional")
            or sub_task.get("retried")
        ):
            return
        _set_task(parent, sub_task, status="IN_PROGRESS", subworkflowChanged=True)
        sub_task.pop("reasonForIncompletion", None)
        parent.wf.update(
            status="RUNNING",
            failedReferenceTaskNames=[],
            failedTaskNames=[],
            lastRetriedTime=_now(engine),
        )
        parent.wf.pop("reasonForIncompletion", None)
        parent.failed_task_id = None
        for task in parent.tasks:
            if task is sub_task:
                continue
            if task.get("taskType") == "SUB_WORKFLOW" and task.get("status") in UNSUCCESSFUL:
                # sibling sub-workflows that failed too are retried (or picked up if rerun already)
                child = _child_run(engine, task)
                if child is None:
                    continue
                if child.status == "RUNNING" or any(
                    t.get("status") in UNSUCCESSFUL for t in child.tasks
                ):
                    if child.status != "RUNNING":
                        _retry_in_place(engine, child)
                    _set_task(parent, task, status="IN_PROGRESS", subworkflowChanged=True)
                    task.pop("reasonForIncompletion", None)
            elif task.get("status") == "CANCELED":
                if task.get("taskType") in ("JOIN", "DO_WHILE"):
                    _set_task(parent, task, status="IN_PROGRESS")
                else:
                    _set_task(
                        parent,
                        task,
                        retryCount=int(task.get("retryCount", 0)) + 1,
                        pollCount=0,
                        scheduledTime=_now(engine),
                        startTime=0,
                        endTime=0,
                        retried=False,
                        executed=False,
                        status="SCHEDULED",
                    )
                    task.pop("reasonForIncompletion", None)
                    task.pop("workerId", None)
                    _requeue(engine, parent, task)
        _touch_workflow(engine, parent)
        _decide(engine, parent)
        run = parent


# -- restart ------------------------------------------------------------------------------------


def restart_workflow(engine: Any, workflow_id: str, *, use_latest_definitions: bool = False) -> None:
    """Start a terminal workflow again from its first task, same id and input (docs/semantics.md §7.5)."""
    run = _run(engine, workflow_id)
    if not run.is_terminal():
        raise EngineConflict(f"Workflow: {_long(run)} is not in terminal state, unable to restart.")
    if use_latest_definitions:
        _use_definition(run, engine.snapshot_definition(run.wf["workflowName"], None))
    if run.defn.get("restartable") is False and run.status == "COMPLETED":
        raise EngineNotFound(f"Workflow: {_long(run)} is non-restartable")
    now = _now(engine)
    run.remove_tasks([t["taskId"] for t in run.tasks])
    run.wf.pop("reasonForIncompletion", None)
    run.failed_task_id = None
    run.wf.update(createTime=now, startTime=now, endTime=0, lastRetriedTime=0, status="RUNNING", output={})
    _touch_workflow(engine, run)
    _decide(engine, run)
    _reopen_parents(engine, run)


def _use_definition(run: RunState, definition: Dict[str, Any]) -> None:
    from conductor_testkit.engine.definitions import DefinitionIndex

    run.wf["workflowDefinition"] = definition
    run.wf["workflowVersion"] = definition.get("version", 1)
    run.defn = definition
    run.index = DefinitionIndex(definition)


# -- rerun --------------------------------------------------------------------------------------


def rerun_workflow(engine: Any, workflow_id: str, request: Any = None) -> str:
    """Rerun a terminal workflow from the start or from a task id; its id (docs/semantics.md §7.6)."""
    body: Dict[str, Any] = wire(request) if request is not None else {}
    task_id = body.get("reRunFromTaskId")
    if not _rerun(
        engine,
        workflow_id,
        task_id,
        body.get("taskInput"),
        body.get("workflowInput"),
        body.get("correlationId"),
    ):
        raise EngineBadRequest(f"Task {task_id} not found")
    return workflow_id


def _rerun(
    engine: Any,
    workflow_id: str,
    task_id: Optional[str],
    task_input: Optional[Dict[str, Any]],
    workflow_input: Optional[Dict[str, Any]],
    correlation_id: Optional[str],
) -> bool:
    run = _run(engine, workflow_id)
    if not run.is_terminal():
        raise EngineConflict(f"Workflow: {_long(run)} is not in terminal state, unable to rerun.")
    if task_id is None:
        run.remove_tasks([t["taskId"] for t in run.tasks])
        _reset_for_rerun(engine, run, workflow_input, correlation_id)
        _decide(engine, run)
        _reopen_parents(engine, run)
        return True

    target = run.by_id.get(task_id)
    via_child = None
    if target is None:
        for task in list(run.tasks):
            if task.get("taskType") == "SUB_WORKFLOW" and task.get("subWorkflowId"):
                child = engine.store.runs.get(task["subWorkflowId"])
                if (
                    child is not None
                    and child.is_terminal()
                    and _rerun(engine, child.workflow_id, task_id, task_input, None, None)
                ):
                    via_child = task
                    break
        if via_child is None:
            return False
    _reset_for_rerun(engine, run, workflow_input, correlation_id)
    now = _now(engine)
    if via_child is not None:
        _set_task(
            run,
            via_child,
            scheduledTime=now,
            startTime=now,
            updateTime=0,
            endTime=0,
            retried=False,
            executed=False,
            pollCount=0,
            status="IN_PROGRESS",
        )
        via_child.pop("reasonForIncompletion", None)
        _decide(engine, run)
        return True

    assert target is not None
    if target.get("taskType") == "SUB_WORKFLOW":
        _rerun_sub_workflow_task(engine, run, target, now)
    elif (target.get("workflowTask") or {}).get("type") == "FORK_JOIN_DYNAMIC":
        _rerun_dynamic_fork(engine, run, target)
    else:
        _rerun_task(engine, run, target, task_input, now)
    return True


def _rerun_task(
    engine: Any, run: RunState, target: TaskDict, task_input: Optional[Dict[str, Any]], now: int
) -> None:
    """Every later task removed; the target reset (and started if a sync system task)."""
    task_id = target["taskId"]
    run.remove_tasks([t["taskId"] for t in run.tasks if t.get("seq", 0) > target.get("seq", 0)])
    target = run.by_id[task_id]
    fields = _rerun_fields(now)
    if task_input is not None:
        fields["inputData"] = dict(task_input)
    fields["status"] = "IN_PROGRESS" if _is_sync_system(engine, target) else "SCHEDULED"
    # the server keeps the target's old reasonForIncompletion (only reopened tasks lose theirs)
    _set_task(run, target, **fields)
    _requeue(engine, run, target)
    _finalize_rerun(engine, run, target, now)


def _rerun_fields(now: int) -> Dict[str, Any]:
    """How a rerun resets its target task: scheduled now, not started, no output."""
    return dict(
        scheduledTime=now,
        startTime=0,
        updateTime=0,
        endTime=0,
        outputData={},
        retried=False,
        executed=False,
        pollCount=0,
    )


def _rerun_sub_workflow_task(engine: Any, run: RunState, target: TaskDict, now: int) -> None:
    """A SUB_WORKFLOW target is reset in place (later tasks stay: a fork's other branches) and
    its child started at once: the same child when it completed (an idempotent start with the
    task's deterministic child id), else a new one."""
    _set_task(run, target, status="SCHEDULED", **_rerun_fields(now))
    target.pop("subWorkflowId", None)
    target.pop("reasonForIncompletion", None)
    engine.system_handlers["SUB_WORKFLOW"].start(target, engine.env_for(run))
    run.refresh_pending(target)
    run.touch(target)
    _finalize_rerun(engine, run, target, now)


def _rerun_dynamic_fork(engine: Any, run: RunState, target: TaskDict) -> None:
    """The FORK task of a FORK_JOIN_DYNAMIC: it goes with every later task, and the dynamic fork
    is mapped again (a new FORK, the forked tasks and the JOIN), as finalizeRerun does."""
    wt = target["workflowTask"]
    run.remove_tasks([t["taskId"] for t in run.tasks if t.get("seq", 0) >= target.get("seq", 0)])
    decider = engine.decider
    decider.add_tasks(run, decider.dedup(run, engine.mapper.tasks_to_schedule(run, wt, 0)))
    _decide(engine, run)
    _reopen_parents(engine, run)


def _finalize_rerun(engine: Any, run: RunState, target: TaskDict, now: int) -> None:
    """finalizeRerun: reopen the other terminal-unsuccessful tasks (an enclosing JOIN or
    DO_WHILE, a later task of a SUB_WORKFLOW target), then decide."""
    for task in run.tasks:
        if task is target or task["referenceTaskName"] == target["referenceTaskName"]:
            continue
        if task.get("status") in UNSUCCESSFUL:
            if task.get("taskType") == "SUB_WORKFLOW":
                task.pop("subWorkflowId", None)
                (task.get("outputData") or {}).pop("subWorkflowId", None)
            kind = task.get("taskType")
            status = (
                "IN_PROGRESS"
                if kind in ("JOIN", "DO_WHILE") or _is_sync_system(engine, task)
                else "SCHEDULED"
            )
            _set_task(run, task, status=status, executed=False, startTime=now, endTime=0)
            task.pop("reasonForIncompletion", None)
            if status == "SCHEDULED":
                _requeue(engine, run, task)
    _decide(engine, run)
    _reopen_parents(engine, run)


def _reset_for_rerun(
    engine: Any, run: RunState, workflow_input: Optional[Dict[str, Any]], correlation_id: Optional[str]
) -> None:
    run.wf["status"] = "RUNNING"
    run.wf.pop("reasonForIncompletion", None)
    run.failed_task_id = None
    run.wf["failedReferenceTaskNames"] = []
    run.wf["failedTaskNames"] = []
    run.wf["endTime"] = 0
    if correlation_id is not None:
        run.wf["correlationId"] = correlation_id
    if workflow_input is not None:
        run.wf["input"] = dict(workflow_input)
    run.reindex()  # the expression context sees the new input
    _touch_workflow(engine, run)


def _requeue(engine: Any, run: RunState, task: TaskDict) -> None:
    """Put a rescheduled task back where pollers and the async-task runner find it."""
    # the engine has no queue: a SCHEDULED task is pollable from scheduledTime + callbackAfterSeconds
    task.pop("_dueMs", None)


# -- skip ---------------------------------------------------------------------------------------


def skip_task(engine: Any, workflow_id: str, task_reference_name: str, request: Any = None) -> None:
    """Mark a future task SKIPPED so execution jumps over it when it gets there (docs/semantics.md §7.7)."""
    run = _run(engine, workflow_id)
    if run.status != "RUNNING":
        raise EngineIllegalState(
            f"The workflow {workflow_id} is not running so the task referenced by "
            f"{task_reference_name} cannot be skipped"
        )
    workflow_task = run.index.task(task_reference_name)
    if workflow_task is None:
        raise EngineIllegalState(
            f"The task referenced by {task_reference_name} does not exist in the WorkflowDefinition "
            f"{run.wf.get('workflowName')}"
        )
    if run.by_ref.get(task_reference_name):
        raise EngineIllegalState(
            f"The task referenced {task_reference_name} has already been processed, cannot be skipped"
        )
    body: Dict[str, Any] = wire(request) if request is not None else {}
    now = _now(engine)
    task: TaskDict = {
        "taskType": workflow_task.get("name"),
        "status": "SKIPPED",
        "inputData": dict(body.get("taskInput") or {}),
        "referenceTaskName": task_reference_name,
        "retryCount": 0,
        "seq": 0,
        "correlationId": run.wf.get("correlationId"),
        "pollCount": 0,
        "taskDefName": workflow_task.get("name"),
        "scheduledTime": now,
        "startTime": 0,
        "endTime": now,
        "updateTime": 0,
        "startDelayInSeconds": 0,
        "retried": False,
        "executed": False,
        "callbackFromWorker": True,
        "responseTimeoutSeconds": 0,
        "workflowInstanceId": workflow_id,
        "taskId": _new_id(engine),
        "callbackAfterSeconds": 0,
        "outputData": dict(body.get("taskOutput") or {}),
        # the server shows a bare WorkflowTask (defaults, type SIMPLE) holding name and reference
        "workflowTask": {
            "name": workflow_task.get("name"),
            "taskReferenceName": task_reference_name,
            **json_copy(WORKFLOW_TASK_DEFAULTS),
        },
        "executionMetadata": {"additionalContext": {}, "additionalContextMap": {}, "empty": True},
        "rateLimitPerFrequency": 0,
        "rateLimitFrequencyInSeconds": 0,
        "workflowPriority": run.wf.get("priority", 0),
        "iteration": 0,
        "subworkflowChanged": False,
        "firstStartTime": 0,
        "loopOverTask": False,
        "queueWaitTime": 0,
    }
    task = {k: v for k, v in task.items() if v is not None}
    run.tasks.insert(0, task)  # seq 0 sorts first, as the server's store lists it
    run.reindex()
    _touch_workflow(engine, run)
    _decide(engine, run)


def reset_callbacks(engine: Any, workflow_id: str) -> None:
    """Make delayed worker tasks pollable now (``POST /workflow/{id}/resetcallbacks``)."""
    run = _run(engine, workflow_id)
    if run.is_terminal():
        raise EngineConflict(f"Workflow is in terminal state. Status = {run.status}")
    for task in run.non_terminal():
        if (
            engine.is_worker_task(task)
            and task.get("status") == "SCHEDULED"
            and task.get("callbackAfterSeconds")
        ):
            task["callbackAfterSeconds"] = 0
            task.pop("_dueMs", None)


# -- signals and variables ----------------------------------------------------------------------


def signal(
    engine: Any, workflow_id: str, status: str, output: Optional[Mapping[str, Any]] = None
) -> Optional[str]:
    """Complete (or fail) the first waiting WAIT task of a workflow or its running sub-workflows.

    The ``/tasks/{workflowId}/{status}/signal`` route: the task's output is merged with
    ``output``; HUMAN tasks are not found by this route (use the reference name route).
    Returns the task id, or None when nothing waits.
    """
    found = _find_waiting(engine, _run(engine, workflow_id))
    if found is None:
        return None
    run, task = found
    return str(
        engine.update_task_by_ref_name(run.workflow_id, task["referenceTaskName"], status, dict(output or {}))
        or task["taskId"]
    )


def _find_waiting(engine: Any, run: RunState) -> Optional[Any]:
    # the server looks at the workflow's own WAIT tasks first, then into running sub-workflows
    for task in run.tasks:
        if task.get("taskType") == "WAIT" and task.get("status") not in TERMINAL:
            return run, task
    for task in run.tasks:
        if task.get("taskType") == "SUB_WORKFLOW" and task.get("status") not in TERMINAL:
            child = _child_run(engine, task)
            found = _find_waiting(engine, child) if child is not None else None
            if found is not None:
                return found
    return None


def complete_task_by_ref(
    engine: Any, workflow_id: str, task_reference_name: str, output: Optional[Mapping[str, Any]] = None
) -> str:
    """Complete a waiting task (WAIT, HUMAN or any) by reference name; errors if none is pending."""
    return _update_by_ref(engine, workflow_id, task_reference_name, "COMPLETED", output)


def fail_task_by_ref(
    engine: Any, workflow_id: str, task_reference_name: str, output: Optional[Mapping[str, Any]] = None
) -> str:
    """Fail a waiting task (WAIT, HUMAN or any) by reference name; errors if none is pending."""
    return _update_by_ref(engine, workflow_id, task_reference_name, "FAILED", output)


def _update_by_ref(
    engine: Any, workflow_id: str, ref: str, status: str, output: Optional[Mapping[str, Any]]
) -> str:
    run = _run(engine, workflow_id)
    task_id = engine.update_task_by_ref_name(workflow_id, ref, status, dict(output or {}))
    if not task_id:
        pending = [t["referenceTaskName"] for t in run.tasks if t.get("status") not in TERMINAL]
        raise EngineNotFound(
            f"Found no running task {ref} of workflow {workflow_id} to update "
            f"(pending tasks: {', '.join(pending) or 'none'}; loop tasks match by "
            f"{base_ref(ref)!r} too)"
        )
    return str(task_id)


def update_variables(engine: Any, workflow_id: str, variables: Optional[Mapping[str, Any]] = None) -> None:
    """Merge ``variables`` into the workflow's variables (Orkes ``POST /workflow/{id}/variables``).

    Like a SET_VARIABLE task run from outside: given keys are replaced, others kept. No decide
    runs; the new values are seen by the next expression evaluated (a loop condition, an input).
    """
    run = _run(engine, workflow_id)
    merged = dict(run.wf.get("variables") or {})
    merged.update(dict(variables or {}))
    run.wf["variables"] = merged
    run.reindex()  # the expression context sees the new variables
    _touch_workflow(engine, run)


__all__ = [
    "complete_task_by_ref",
    "fail_task_by_ref",
    "pause_workflow",
    "remove_workflow",
    "rerun_workflow",
    "reset_callbacks",
    "restart_workflow",
    "resume_workflow",
    "retry_workflow",
    "signal",
    "skip_task",
    "terminate_workflow",
    "update_variables",
]
