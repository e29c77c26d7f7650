"""Task mappers: turn a workflow task of the definition into new task dicts.

Mirrors the server's ``mapper/*TaskMapper`` classes and ``DeciderService.getTasksToBeScheduled``
(CONDUCTOR_SEMANTICS.md §3). New tasks are not yet numbered or added to the workflow; the
decider does that (``Decider.add_tasks``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional

from conductor_testkit.engine.definitions import WORKFLOW_TASK_DEFAULTS, normalize_task_def
from conductor_testkit.engine.errors import TerminateWorkflow
from conductor_testkit.engine.expressions import resolve_parameters, resolve_task_input
from conductor_testkit.engine.javastr import java_string
from conductor_testkit.engine.run import TaskDict, WorkflowRun, json_copy
from conductor_testkit.engine.system_tasks.base import MappingTerminateError

if TYPE_CHECKING:  # pragma: no cover
    from conductor_testkit.engine.engine import Engine

_EXECUTION_METADATA = {"additionalContext": {}, "empty": True, "additionalContextMap": {}}


def new_task(
    run: WorkflowRun,
    wt: Dict[str, Any],
    task_id: str,
    now: int,
    *,
    task_type: Optional[str] = None,
    def_name: Optional[str] = None,
    retry_count: int = 0,
) -> TaskDict:
    """TaskMapperContext.createTaskModel: the fields every mapped task starts with."""
    wf = run.wf
    task: TaskDict = {
        "taskType": task_type if task_type is not None else wt.get("type") or "SIMPLE",
        "status": "SCHEDULED",
        "inputData": {},
        "referenceTaskName": wt.get("taskReferenceName"),
        "retryCount": retry_count,
        "seq": 0,
        "pollCount": 0,
        "taskDefName": def_name if def_name is not None else wt.get("name"),
        "scheduledTime": now,
        "startTime": 0,
        "endTime": 0,
        "updateTime": 0,
        "startDelayInSeconds": 0,
        "retried": False,
        "executed": False,
        "callbackFromWorker": True,
        "responseTimeoutSeconds": 0,
        "workflowInstanceId": wf["workflowId"],
        "workflowType": wf["workflowName"],
        "taskId": task_id,
        "callbackAfterSeconds": 0,
        "outputData": {},
        "workflowTask": wt,
        "rateLimitPerFrequency": 0,
        "rateLimitFrequencyInSeconds": 0,
        "workflowPriority": wf.get("priority", 0),
        "iteration": 0,
        "subworkflowChanged": False,
        "firstStartTime": 0,
        "executionMetadata": _EXECUTION_METADATA,
    }
    if wf.get("correlationId") is not None:
        task["correlationId"] = wf["correlationId"]
    return task


class Mapper:
    """Maps workflow tasks to task dicts for one engine (needs its clock, ids and registries)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- entry point (DeciderService.getTasksToBeScheduled) -------------------------------
    def tasks_to_schedule(
        self,
        run: WorkflowRun,
        wt: Dict[str, Any],
        retry_count: int = 0,
        retried_task_id: Optional[str] = None,
    ) -> List[TaskDict]:
        """Map ``wt``; drop tasks whose reference already has an IN_PROGRESS or terminal task."""
        shared_input = resolve_parameters(wt.get("inputParameters") or {}, run.context, None)
        task_id = self.engine.ids.generate()
        mapped = self._map(run, wt, shared_input, task_id, retry_count, retried_task_id)
        return [t for t in mapped if not run.ref_started(t["referenceTaskName"])]

    def _map(
        self,
        run: WorkflowRun,
        wt: Dict[str, Any],
        shared_input: Dict[str, Any],
        task_id: str,
        retry_count: int,
        retried_task_id: Optional[str],
    ) -> List[TaskDict]:
        ttype = wt.get("type") or "SIMPLE"
        method = getattr(self, "_map_" + ttype.lower(), None)
        if ttype in self.engine.system_handlers and method is None:
            return [self._map_handler(run, wt, task_id, retry_count, ttype)]
        if method is None:
            return [
                self._map_worker(run, wt, task_id, retry_count, retried_task_id, ttype, kind="user_defined")
            ]
        result: List[TaskDict] = method(run, wt, shared_input, task_id, retry_count, retried_task_id)
        return result

    # -- worker tasks ----------------------------------------------------------------------
    def _map_worker(
        self,
        run: WorkflowRun,
        wt: Dict[str, Any],
        task_id: str,
        retry_count: int,
        retried_task_id: Optional[str],
        task_type: str,
        name: Optional[str] = None,
        kind: str = "simple",
    ) -> TaskDict:
        """SimpleTaskMapper / DynamicTaskMapper / UserDefinedTaskMapper (``kind``): they set
        slightly different fields (verified on 3.32.1 JSON)."""
        now = self.engine.clock.now_ms()
        task_def = wt.get("taskDefinition")
        td = task_def if isinstance(task_def, dict) else normalize_task_def({"name": wt.get("name")})
        task = new_task(
            run,
            wt,
            task_id,
            now,
            task_type=task_type,
            def_name=name if name is not None else wt.get("name"),
            retry_count=retry_count,
        )
        task["inputData"] = resolve_task_input(wt.get("inputParameters") or {}, run.context, task_id, td)
        delay = int(wt.get("startDelay") or 0)
        task["callbackAfterSeconds"] = delay
        if kind != "user_defined":
            task["startDelayInSeconds"] = delay
            task["responseTimeoutSeconds"] = td.get("responseTimeoutSeconds", 0)
            if retried_task_id:
                task["retriedTaskId"] = retried_task_id
        if kind != "dynamic":
            task["rateLimitPerFrequency"] = td.get("rateLimitPerFrequency", 0)
            task["rateLimitFrequencyInSeconds"] = td.get("rateLimitFrequencyInSeconds", 0)
        return task

    def _map_simple(
        self,
        run: WorkflowRun,
        wt: Dict[str, Any],
        shared: Dict[str, Any],
        task_id: str,
        rc: int,
        rid: Optional[str],
    ) -> List[TaskDict]:
        return [self._map_worker(run, wt, task_id, rc, rid, wt.get("name") or "")]

    def _map_dynamic(
        self,
        run: WorkflowRun,
        wt: Dict[str, Any],
        shared: Dict[str, Any],
        task_id: str,
        rc: int,
        rid: Optional[str],
    ) -> List[TaskDict]:
        param = wt.get("dynamicTaskNameParam")
        name = shared.get(param) if param is not None else None
        if name is None:
            raise TerminateWorkflow(
                "Cannot map a dynamic task based on the parameter and input. "
                f"Parameter= {param}, input= {java_string(shared)}"
            )
        name = java_string(name)
        resolved_wt = dict(wt)
        resolved_wt["name"] = name
        # the server renames the definition's own workflow task (seen in workflowDefinition)
        run.definition_overrides[wt["taskReferenceName"]] = {"name": name}
        if not isinstance(resolved_wt.get("taskDefinition"), dict):
            td = self.engine.lookup_task_def(name)
            if td is None:
                raise TerminateWorkflow(
                    f"Invalid task specified.  Cannot find task by name {name} in the task definitions"
                )
            resolved_wt["taskDefinition"] = td
        return [self._map_worker(run, resolved_wt, task_id, rc, rid, name, name=name, kind="dynamic")]

    # -- handler-backed system tasks (helper F) ------------------------------------------
    def _map_handler(
        self, run: WorkflowRun, wt: Dict[str, Any], task_id: str, rc: int, ttype: str
    ) -> TaskDict:
        handler = self.engine.system_handlers[ttype]
        now = self.engine.clock.now_ms()
        task = new_task(run, wt, task_id, now, retry_count=rc)
        extra = getattr(handler, "extra_input_parameters", None)
        if extra is not None:
            # the server writes these into the workflow task's inputParameters before resolving
            wt.setdefault("inputParameters", {}).update(extra(wt))
            run.__dict__.pop("_defn_text", None)  # the definition snapshot text is stale now
        td = wt.get("taskDefinition") if handler.uses_input_template else None
        task["inputData"] = resolve_task_input(wt.get("inputParameters") or {}, run.context, task_id, td)
        try:
            handler.prepare(task, wt, self.engine.env_for(run))
        except MappingTerminateError as exc:
            if exc.kind == "terminate":
                raise TerminateWorkflow(exc.message) from exc
            raise ValueError(exc.message) from exc
        return task

    # -- control flow ----------------------------------------------------------------------
    def _map_switch(
        self,
        run: WorkflowRun,
        wt: Dict[str, Any],
        shared: Dict[str, Any],
        task_id: str,
        rc: int,
        rid: Optional[str],
    ) -> List[TaskDict]:
        evaluator_type = wt.get("evaluatorType")
        if evaluator_type not in ("value-param", "javascript", "graaljs"):
            raise TerminateWorkflow(f"No evaluator registered for type: {evaluator_type}")
        now = self.engine.clock.now_ms()
        task = new_task(run, wt, task_id, now, task_type="SWITCH", def_name="SWITCH", retry_count=rc)
        task["inputData"].update(shared)
        task["startTime"] = now
        try:
            result = self.engine.evaluate(evaluator_type, wt.get("expression"), shared)
            case = java_string(result)
        except Exception as exc:  # the server creates the SWITCH already FAILED
            task["status"] = "FAILED"
            task["reasonForIncompletion"] = _message(exc)
            return [task]
        task["inputData"]["case"] = case
        task["outputData"] = {"evaluationResult": [case], "selectedCase": case}
        task["status"] = "IN_PROGRESS"
        cases = wt.get("decisionCases") or {}
        selected = cases.get(case)
        if selected is None:
            selected = wt.get("defaultCase") or []
        tasks = [task]
        if selected:
            tasks.extend(self.tasks_to_schedule_unfiltered(run, selected[0], rc, rid))
            task["inputData"]["hasChildren"] = "true"
        return tasks

    def _map_decision(
        self,
        run: WorkflowRun,
        wt: Dict[str, Any],
        shared: Dict[str, Any],
        task_id: str,
        rc: int,
        rid: Optional[str],
    ) -> List[TaskDict]:
        expression = wt.get("caseExpression")
        if expression is not None and str(expression).strip():
            try:
                result = self.engine.evaluate("javascript", expression, shared)
            except Exception as exc:
                raise TerminateWorkflow(f"Error while evaluating script: {expression}") from exc
            case = "null" if result is None else java_string(result)
        else:
            case = java_string(shared.get(wt.get("caseValueParam") or ""))
        now = self.engine.clock.now_ms()
        task = new_task(run, wt, task_id, now, task_type="DECISION", def_name="DECISION", retry_count=rc)
        task["inputData"] = {"case": case}
        task["outputData"] = {"caseOutput": [case]}
        task["status"] = "IN_PROGRESS"
        task["startTime"] = now
        selected = (wt.get("decisionCases") or {}).get(case)
        if not selected:
            selected = wt.get("defaultCase") or []
        tasks = [task]
        if selected:
            tasks.extend(self.tasks_to_schedule_unfiltered(run, selected[0], rc, rid))
            task["inputData"]["hasChildren"] = "true"
        return tasks

    def tasks_to_schedule_unfiltered(
        self, run: WorkflowRun, wt: Dict[str, Any], rc: int, rid: Optional[str]
    ) -> List[TaskDict]:
        """Nested mapping as the server's recursive ``getTasksToBeScheduled`` call."""
        return self.tasks_to_schedule(run, wt, rc, rid)

    def _map_fork_join(
        self,
        run: WorkflowRun,
        wt: Dict[str, Any],
        shared: Dict[str, Any],
        task_id: str,
        rc: int,
        rid: Optional[str],
    ) -> List[TaskDict]:
        now = self.engine.clock.now_ms()
        fork = new_task(run, wt, task_id, now, task_type="FORK", def_name="FORK", retry_count=rc)
        fork["inputData"] = dict(shared)
        fork["startTime"] = now
        fork["endTime"] = now
        fork["status"] = "COMPLETED"
        tasks = [fork]
        for branch in wt.get("forkTasks") or []:
            if not branch:
                continue
            tasks.extend(self.tasks_to_schedule(run, branch[0], rc))
        join_wt = run.index.next_task(wt["taskReferenceName"])
        if join_wt is None or join_wt.get("type") != "JOIN":
            raise TerminateWorkflow(
                "Fork task definition is not followed by a join task.  Check the blueprint"
            )
        tasks.extend(self.tasks_to_schedule(run, join_wt, rc))
        return tasks

    def _map_join(
        self,
        run: WorkflowRun,
        wt: Dict[str, Any],
        shared: Dict[str, Any],
        task_id: str,
        rc: int,
        rid: Optional[str],
    ) -> List[TaskDict]:
        now = self.engine.clock.now_ms()
        task = new_task(run, wt, task_id, now, task_type="JOIN", def_name="JOIN", retry_count=rc)
        task["inputData"] = {"joinOn": list(wt.get("joinOn") or [])}
        task["status"] = "IN_PROGRESS"
        task["startTime"] = now
        return [task]

    def _map_exclusive_join(
        self,
        run: WorkflowRun,
        wt: Dict[str, Any],
        shared: Dict[str, Any],
        task_id: str,
        rc: int,
        rid: Optional[str],
    ) -> List[TaskDict]:
        now = self.engine.clock.now_ms()
        task = new_task(
            run, wt, task_id, now, task_type="EXCLUSIVE_JOIN", def_name="EXCLUSIVE_JOIN", retry_count=rc
        )
        task["inputData"] = {
            "joinOn": list(wt.get("joinOn") or []),
            "defaultExclusiveJoinTask": list(wt.get("defaultExclusiveJoinTask") or []),
        }
        task["status"] = "IN_PROGRESS"
        task["startTime"] = now
        return [task]

    def _map_fork_join_dynamic(
        self,
        run: WorkflowRun,
        wt: Dict[str, Any],
        shared: Dict[str, Any],
        task_id: str,
        rc: int,
        rid: Optional[str],
    ) -> List[TaskDict]:
        from conductor_testkit.engine.dynamic_fork import dynamic_fork_tasks

        return dynamic_fork_tasks(self, run, wt, shared, task_id, rc)

    def _map_do_while(
        self,
        run: WorkflowRun,
        wt: Dict[str, Any],
        shared: Dict[str, Any],
        task_id: str,
        rc: int,
        rid: Optional[str],
    ) -> List[TaskDict]:
        existing = run.latest(wt["taskReferenceName"])
        if existing is not None and existing["status"] in (
            "COMPLETED",
            "COMPLETED_WITH_ERRORS",
            "SKIPPED",
            "FAILED",
            "FAILED_WITH_TERMINAL_ERROR",
            "TIMED_OUT",
            "CANCELED",
        ):
            return []
        now = self.engine.clock.now_ms()
        task = new_task(run, wt, task_id, now, task_type="DO_WHILE", retry_count=rc)
        loop_def = wt.get("taskDefinition") or {}
        task["rateLimitPerFrequency"] = loop_def.get("rateLimitPerFrequency", 0)
        task["rateLimitFrequencyInSeconds"] = loop_def.get("rateLimitFrequencyInSeconds", 0)
        task["inputData"] = resolve_task_input(
            wt.get("inputParameters") or {}, run.context, task_id, wt.get("taskDefinition")
        )
        task["status"] = "IN_PROGRESS"
        task["startTime"] = now
        return [task]

    def _map_sub_workflow(
        self,
        run: WorkflowRun,
        wt: Dict[str, Any],
        shared: Dict[str, Any],
        task_id: str,
        rc: int,
        rid: Optional[str],
    ) -> List[TaskDict]:
        params = wt.get("subWorkflowParam")
        if not isinstance(params, dict):
            raise TerminateWorkflow(
                f"Task {wt.get('name')} is defined as sub-workflow and is missing subWorkflowParams. "
                "Please check the workflow definition"
            )
        ctx = run.context
        inline = params.get("workflowDefinition")
        resolved_def: Any = None
        if isinstance(inline, str):
            resolved_def = resolve_parameters({"d": inline}, ctx, None).get("d")
        elif isinstance(inline, dict):
            resolved_def = inline
        name = resolve_parameters({"n": params.get("name")}, ctx, None).get("n")
        version = resolve_parameters({"v": params.get("version")}, ctx, None).get("v")
        task_to_domain = resolve_parameters({"t": params.get("taskToDomain")}, ctx, None).get("t")
        priority = resolve_parameters({"p": params.get("priority")}, ctx, None).get("p")
        idem_key = resolve_parameters({"k": params.get("idempotencyKey")}, ctx, None).get("k")
        idem_strategy = params.get("idempotencyStrategy")
        if resolved_def is None:
            if version is not None:
                try:
                    version = int(version)
                except (TypeError, ValueError):
                    version = None
            if version is None:
                latest = self.engine.latest_workflow_def(java_string(name))
                if latest is None:
                    raise TerminateWorkflow(
                        f"The Task {java_string(name)} defined as a sub-workflow "
                        "has no workflow definition available "
                    )
                version = latest["version"]
        else:
            version = None
        now = self.engine.clock.now_ms()
        task = new_task(run, wt, task_id, now, task_type="SUB_WORKFLOW", retry_count=rc)
        task["inputData"] = {
            "subWorkflowName": name,
            "subWorkflowVersion": version,
            "priority": priority,
            "subWorkflowTaskToDomain": task_to_domain,
            "subWorkflowDefinition": resolved_def,
            "idempotencyKey": idem_key,
            "idempotencyStrategy": idem_strategy,
            "workflowInput": dict(shared),
        }
        delay = int(wt.get("startDelay") or 0)
        task["callbackAfterSeconds"] = delay
        task["status"] = "SCHEDULED"
        return [task]

    def _map_start_workflow(
        self,
        run: WorkflowRun,
        wt: Dict[str, Any],
        shared: Dict[str, Any],
        task_id: str,
        rc: int,
        rid: Optional[str],
    ) -> List[TaskDict]:
        now = self.engine.clock.now_ms()
        task = new_task(run, wt, task_id, now, task_type="START_WORKFLOW", retry_count=rc)
        task["inputData"] = dict(shared)
        task["status"] = "SCHEDULED"
        return [task]

    def _map_set_variable(
        self,
        run: WorkflowRun,
        wt: Dict[str, Any],
        shared: Dict[str, Any],
        task_id: str,
        rc: int,
        rid: Optional[str],
    ) -> List[TaskDict]:
        now = self.engine.clock.now_ms()
        task = new_task(run, wt, task_id, now, task_type="SET_VARIABLE", retry_count=rc)
        task["inputData"] = dict(shared)
        task["status"] = "IN_PROGRESS"
        return [task]

    def _map_terminate(
        self,
        run: WorkflowRun,
        wt: Dict[str, Any],
        shared: Dict[str, Any],
        task_id: str,
        rc: int,
        rid: Optional[str],
    ) -> List[TaskDict]:
        now = self.engine.clock.now_ms()
        task = new_task(run, wt, task_id, now, task_type="TERMINATE", retry_count=rc)
        task["inputData"] = resolve_parameters(wt.get("inputParameters") or {}, run.context, task_id)
        task["status"] = "IN_PROGRESS"
        return [task]


def synthetic_workflow_task(d: Dict[str, Any]) -> Dict[str, Any]:
    """A workflow task built from runtime input (dynamic forks) with the server's defaults."""
    out = json_copy(d)
    for key, value in WORKFLOW_TASK_DEFAULTS.items():
        if out.get(key) is None:
            out[key] = json_copy(value)
    return out


def _message(exc: BaseException) -> str:
    msg = getattr(exc, "message", None)
    if isinstance(msg, str):
        return msg
    return str(exc)
