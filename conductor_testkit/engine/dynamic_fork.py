"""FORK_JOIN_DYNAMIC mapping (mapper/ForkJoinDynamicTaskMapper, docs/semantics.md §4.6)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Tuple

from conductor_testkit.engine.errors import EngineIllegalState, TerminateWorkflow
from conductor_testkit.engine.javastr import java_string
from conductor_testkit.engine.mapping import new_task, synthetic_workflow_task
from conductor_testkit.engine.run import RunState, TaskDict, json_copy
from conductor_testkit.engine.system_tasks._java_types import class_cast_message

if TYPE_CHECKING:  # pragma: no cover
    from conductor_testkit.engine.mapping import Mapper

_WORKFLOW_TASK_KEYS = frozenset(
    {
        "name",
        "taskReferenceName",
        "description",
        "inputParameters",
        "type",
        "dynamicTaskNameParam",
        "caseValueParam",
        "caseExpression",
        "scriptExpression",
        "decisionCases",
        "dynamicForkJoinTasksParam",
        "dynamicForkTasksParam",
        "dynamicForkTasksInputParamName",
        "defaultCase",
        "forkTasks",
        "startDelay",
        "subWorkflowParam",
        "joinOn",
        "sink",
        "optional",
        "taskDefinition",
        "rateLimited",
        "defaultExclusiveJoinTask",
        "asyncComplete",
        "loopCondition",
        "loopOver",
        "retryCount",
        "evaluatorType",
        "expression",
        "onStateChange",
        "joinStatus",
        "cacheConfig",
        "permissive",
        "joinMode",
        "metadata",
        "items",
    }
)


def _as_string(value: Any, key: str, run: RunState, wt: Dict[str, Any]) -> Any:
    if value is None or isinstance(value, str):
        return value
    # the server casts with (String): any other JSON type is a ClassCastException, re-thrown
    # from the decide (HTTP 500 with the JDK's text; docs/semantics.md §2.8)
    error = EngineIllegalState(
        f"{class_cast_message(value)} (field inputParameters.{key})",
        workflow=str(run.wf.get("workflowName")),
        task_ref=str(wt.get("taskReferenceName")),
    )
    error.message = class_cast_message(value)
    raise error


def _simple_style(
    mapper: Mapper, run: RunState, wt: Dict[str, Any], inp: Dict[str, Any], has_previous_fork: bool
) -> Any:
    sub_name = _as_string(inp.get("forkTaskWorkflow"), "forkTaskWorkflow", run, wt)
    sub_version_text = _as_string(inp.get("forkTaskWorkflowVersion"), "forkTaskWorkflowVersion", run, wt)
    try:
        sub_version = int(sub_version_text) if sub_version_text is not None else None
    except ValueError:
        sub_version = None
    fork_type = _as_string(inp.get("forkTaskType"), "forkTaskType", run, wt)
    fork_name = _as_string(inp.get("forkTaskName"), "forkTaskName", run, wt)
    if fork_type is not None and fork_type in mapper.engine.system_task_types and fork_name is None:
        fork_name = fork_type
    if fork_name is None:
        fork_name = wt["taskReferenceName"]
    if fork_type is None:
        fork_type = "SIMPLE"
    inputs = inp.get("forkTaskInputs")
    if not isinstance(inputs, list):
        return None
    tasks: List[Dict[str, Any]] = []
    task_inputs: Dict[str, Dict[str, Any]] = {}
    for i, item in enumerate(inputs):
        base: Dict[str, Any] = {}
        if isinstance(item, dict):
            base = {k: json_copy(v) for k, v in item.items() if k in _WORKFLOW_TASK_KEYS}
        params: Dict[str, Any] = dict(item) if isinstance(item, dict) else {"input": item}
        if sub_name is not None:
            base["name"] = sub_name
            base["type"] = "SUB_WORKFLOW"
            sub_params: Dict[str, Any] = {"name": sub_name, "version": sub_version}
            if isinstance(item, dict) and item.get("taskToDomain") is not None:
                sub_params["taskToDomain"] = item["taskToDomain"]
            base["subWorkflowParam"] = sub_params
            base.pop("taskDefinition", None)
        else:
            base["name"] = fork_name
            base["type"] = fork_type
            td = mapper.engine.lookup_task_def(fork_name)
            if td is not None:
                base["taskDefinition"] = td
            else:
                base.pop("taskDefinition", None)
        if has_previous_fork:
            base["taskReferenceName"] = f"_{wt['taskReferenceName']}_{fork_name}_{i}"
        else:
            base["taskReferenceName"] = f"_{fork_name}_{i}"
        params["__index"] = i
        base["inputParameters"] = params
        if wt.get("optional"):
            base["optional"] = True
        fork_wt = synthetic_workflow_task(base)
        tasks.append(fork_wt)
        task_inputs[fork_wt["taskReferenceName"]] = params
    return tasks, task_inputs


def _param_style(mapper: Mapper, wt: Dict[str, Any], inp: Dict[str, Any]) -> Tuple[List[Dict[str, Any]], Any]:
    param = wt["dynamicForkTasksParam"]
    raw = inp.get(param)
    ok = isinstance(raw, list) and all(isinstance(t, dict) and t.get("taskReferenceName") for t in raw)
    if not ok or not isinstance(raw, list):
        raise TerminateWorkflow(
            f"Input '{param}' is invalid. "
            f"Cannot deserialize a list of Workflow Tasks from '{java_string(raw)}'"
        )
    tasks = []
    for t in raw:
        fork_wt = synthetic_workflow_task({k: v for k, v in t.items() if k in _WORKFLOW_TASK_KEYS})
        if not isinstance(fork_wt.get("taskDefinition"), dict) and fork_wt.get("name"):
            td = mapper.engine.lookup_task_def(fork_wt["name"])
            if td is not None:
                fork_wt["taskDefinition"] = td
            else:
                fork_wt.pop("taskDefinition", None)
        tasks.append(fork_wt)
    task_input = inp.get(wt.get("dynamicForkTasksInputParamName") or "")
    if not isinstance(task_input, dict):
        raise TerminateWorkflow(
            "Input to the dynamically forked tasks is not a map -> expecting a map of K,V  but found "
            + java_string(task_input)
        )
    return tasks, task_input


def _legacy_style(
    mapper: Mapper, wt: Dict[str, Any], inp: Dict[str, Any]
) -> Tuple[List[Dict[str, Any]], Any]:
    param = wt.get("dynamicForkJoinTasksParam")
    value = inp.get(param or "")
    dyn = value.get("dynamicTasks") if isinstance(value, dict) else None
    if not isinstance(value, dict):
        raise TerminateWorkflow(
            f"Dynamic tasks could not be created. The value of {param} from task's input "
            f"{java_string(inp)} has no dynamic tasks to be scheduled"
        )
    tasks = []
    inputs: Dict[str, Any] = {}
    for d in dyn or []:
        ref = d.get("referenceName")
        inputs[ref] = d.get("input")
        fork_wt = synthetic_workflow_task(
            {"taskReferenceName": ref, "name": d.get("taskName"), "type": d.get("type") or "SIMPLE"}
        )
        td = mapper.engine.lookup_task_def(d.get("taskName") or "") if d.get("taskName") else None
        if td is not None:
            fork_wt["taskDefinition"] = td
        else:
            fork_wt.pop("taskDefinition", None)
        tasks.append(fork_wt)
    return tasks, inputs


def dynamic_fork_tasks(
    mapper: Mapper,
    run: RunState,
    wt: Dict[str, Any],
    shared: Dict[str, Any],
    task_id: str,
    rc: int,
) -> List[TaskDict]:
    """The FORK task, every fork's first task and the JOIN, in one batch."""
    has_previous = any((t.get("workflowTask") or {}).get("type") == "FORK_JOIN_DYNAMIC" for t in run.tasks)
    pair = _simple_style(mapper, run, wt, shared, has_previous)
    if pair is None:
        if wt.get("dynamicForkTasksParam") is not None:
            pair = _param_style(mapper, wt, shared)
        else:
            pair = _legacy_style(mapper, wt, shared)
    fork_wts, fork_inputs = pair
    now = mapper.engine.clock.now_ms()
    fork = new_task(run, wt, task_id, now, task_type="FORK", def_name="FORK", retry_count=rc)
    fork["startTime"] = now
    fork["endTime"] = now
    fork["executed"] = True
    fork["inputData"] = dict(shared)
    fork["inputData"]["forkedTasks"] = [f["taskReferenceName"] for f in fork_wts]
    fork["inputData"]["forkedTaskDefs"] = fork_wts
    fork["status"] = "COMPLETED"
    tasks: List[TaskDict] = [fork]
    join_on: List[str] = []
    if run.latest(wt["taskReferenceName"]) is None:
        for fork_wt in fork_wts:
            extra = fork_inputs.get(fork_wt["taskReferenceName"]) if isinstance(fork_inputs, dict) else None
            if fork_wt.get("inputParameters") is None:
                fork_wt["inputParameters"] = {}
            if isinstance(extra, dict):
                fork_wt["inputParameters"].update(extra)
            forked = mapper.tasks_to_schedule(run, fork_wt, rc)
            if not forked:
                msg = (
                    f"No dynamic tasks could be created for the Workflow: {run.wf['workflowName']}."
                    f"{run.wf['workflowVersion']}/{run.workflow_id}, Dynamic Fork Task: {fork_wt}"
                )
                if run.ref_started(fork_wt["taskReferenceName"]):
                    dup = fork_wt["taskReferenceName"]
                    msg += f" attempted to create a duplicate task reference name: {dup}"
                raise TerminateWorkflow(msg)
            tasks.extend(forked)
            join_on.append(forked[-1]["referenceTaskName"])
    join_wt = run.index.next_task(wt["taskReferenceName"])
    if join_wt is None or join_wt.get("type") != "JOIN":
        raise TerminateWorkflow(
            "Dynamic join definition is not followed by a join task.  Check the workflow definition."
        )
    join = new_task(run, join_wt, mapper.engine.ids.generate(), now, task_type="JOIN", def_name="JOIN")
    join["inputData"] = dict(join_wt.get("inputParameters") or {})
    join["inputData"]["joinOn"] = join_on
    join["startTime"] = now
    join["status"] = "IN_PROGRESS"
    tasks.append(join)
    return tasks
