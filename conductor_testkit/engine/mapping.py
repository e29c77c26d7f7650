"""Task mappers: turn a workflow task of the definition into new task dicts.

Mirrors the server's ``mapper/*TaskMapper`` classes and ``DeciderService.getTasksToBeScheduled``
(docs/semantics.md §4). New tasks are not yet numbered or added to the workflow; the
decider does that (``Decider.add_tasks``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional

from conductor_testkit.engine.definitions import WORKFLOW_TASK_DEFAULTS, normalize_task_def
from conductor_testkit.engine.errors import TerminateWorkflow
from conductor_testkit.engine.expressions import resolve_parameters, resolve_task_input
from conductor_testkit.engine.javastr import java_string
from conductor_testkit.engine.python_evaluator import PythonUnsupported, unsupported_message
from conductor_testkit.engine.run import TERMINAL, RunState, TaskDict, json_copy
from conductor_testkit.engine.script_warnings import ScriptOrigin
from conductor_testkit.engine.system_tasks.base import MappingTerminateError

if TYPE_CHECKING:  # pragma: no cover
    from conductor_testkit.engine.engine import Engine

# every new task's executionMetadata: one shared dict, never changed (a snapshot copies it)
EXECUTION_METADATA = {"additionalContext": {}, "empty": True, "additionalContextMap": {}}


def fresh_execution_metadata() -> Dict[str, Any]:
    """A copy of :data:`EXECUTION_METADATA` (faster than a generic deep copy)."""
    return {"additionalContext": {}, "empty": True, "additionalContextMap": {}}


def new_task(
    run: RunState,
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
        "executionMetadata": EXECUTION_METADATA,
    }
    if wf.get("correlationId") is not None:
        task["correlationId"] = wf["correlationId"]
    prepared = run.prepared
    if prepared is not None:
        templates = prepared.task_templates.get(id(wt))
        if templates is not None and templates[0] is wt:
            task["_wtCopy"] = templates  # copies of the shared workflow task for task_snapshot
    return task


class _Call:
    """One ``getTasksToBeScheduled`` call: what every mapper of it shares."""

    __slots__ = ("run", "wt", "task_id", "retry_count", "retried_task_id", "now", "_shared")

    def __init__(
        self,
        run: RunState,
        wt: Dict[str, Any],
        task_id: str,
        retry_count: int,
        retried_task_id: Optional[str],
        now: int,
    ) -> None:
        self.run = run
        self.wt = wt
        self.task_id = task_id
        self.retry_count = retry_count
        self.retried_task_id = retried_task_id
        self.now = now
        self._shared: Optional[Dict[str, Any]] = None

    def resolve_shared(self) -> Dict[str, Any]:
        """The workflow task's inputParameters resolved (getTaskInput), once."""
        if self._shared is None:
            self._shared = resolve_parameters(self.wt.get("inputParameters") or {}, self.run.context, None)
        return self._shared

    shared = property(resolve_shared)

    def task(
        self,
        task_type: Optional[str] = None,
        def_name: Optional[str] = None,
        *,
        status: str = "SCHEDULED",
        input_data: Optional[Dict[str, Any]] = None,
        started: bool = False,
    ) -> TaskDict:
        """:func:`new_task` for this call; ``started`` stamps startTime now."""
        task = new_task(
            self.run,
            self.wt,
            self.task_id,
            self.now,
            task_type=task_type,
            def_name=def_name,
            retry_count=self.retry_count,
        )
        task["status"] = status
        if input_data is not None:
            task["inputData"] = input_data
        if started:
            task["startTime"] = self.now
        return task

    def resolved_input(self, task_def: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        """The task's inputData: inputParameters resolved for this task id, with the input template."""
        return resolve_task_input(
            self.wt.get("inputParameters") or {}, self.run.context, self.task_id, task_def
        )


class Mapper:
    """Maps workflow tasks to task dicts for one engine (needs its clock, ids and registries)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- entry point (DeciderService.getTasksToBeScheduled) -------------------------------
    def tasks_to_schedule(
        self,
        run: RunState,
        wt: Dict[str, Any],
        retry_count: int = 0,
        retried_task_id: Optional[str] = None,
    ) -> List[TaskDict]:
        """Map ``wt``; drop tasks whose reference already has an IN_PROGRESS or terminal task."""
        call = _Call(
            run, wt, self.engine.ids.generate(), retry_count, retried_task_id, self.engine.clock.now_ms()
        )
        ttype = wt.get("type") or "SIMPLE"
        mapper = _MAPPERS.get(ttype.lower())
        if mapper is None:
            # worker and handler tasks resolve the same parameters for their own input (same errors)
            if ttype in self.engine.system_handlers:
                mapped = [self._map_handler(call, ttype)]
            else:
                mapped = [self._map_worker(call, ttype, kind="user_defined")]
        else:
            if mapper is not Mapper._map_simple:
                call.resolve_shared()  # the server's getTaskInput comes first: its errors do too
            mapped = mapper(self, call)
        return [t for t in mapped if not run.ref_started(t["referenceTaskName"])]

    # -- worker tasks ----------------------------------------------------------------------
    def _map_worker(
        self, call: _Call, task_type: str, *, name: Optional[str] = None, kind: str = "simple"
    ) -> TaskDict:
        """SimpleTaskMapper / DynamicTaskMapper / UserDefinedTaskMapper (``kind``): they set
        slightly different fields (verified on 3.32.1 JSON)."""
        wt = call.wt
        task_def = wt.get("taskDefinition")
        td = task_def if isinstance(task_def, dict) else normalize_task_def({"name": wt.get("name")})
        task = call.task(task_type, name if name is not None else wt.get("name"))
        task["inputData"] = call.resolved_input(td)
        delay = int(wt.get("startDelay") or 0)
        task["callbackAfterSeconds"] = delay
        if kind != "user_defined":
            task["startDelayInSeconds"] = delay
            task["responseTimeoutSeconds"] = td.get("responseTimeoutSeconds", 0)
            if call.retried_task_id:
                task["retriedTaskId"] = call.retried_task_id
        if kind != "dynamic":
            task["rateLimitPerFrequency"] = td.get("rateLimitPerFrequency", 0)
            task["rateLimitFrequencyInSeconds"] = td.get("rateLimitFrequencyInSeconds", 0)
        return task

    def _map_simple(self, call: _Call) -> List[TaskDict]:
        return [self._map_worker(call, call.wt.get("name") or "")]

    def _map_dynamic(self, call: _Call) -> List[TaskDict]:
        wt = call.wt
        param = wt.get("dynamicTaskNameParam")
        name = call.shared.get(param) if param is not None else None
        if name is None:
            raise TerminateWorkflow(
                "Cannot map a dynamic task based on the parameter and input. "
                f"Parameter= {param}, input= {java_string(call.shared)}"
            )
        name = java_string(name)
        resolved_wt = dict(wt)
        resolved_wt["name"] = name
        # the server renames the definition's own workflow task (seen in workflowDefinition)
        call.run.definition_overrides.setdefault(wt["taskReferenceName"], {})["name"] = name
        if not isinstance(resolved_wt.get("taskDefinition"), dict):
            td = self.engine.lookup_task_def(name)
            if td is None:
                raise TerminateWorkflow(
                    f"Invalid task specified.  Cannot find task by name {name} in the task definitions"
                )
            resolved_wt["taskDefinition"] = td
        call.wt = resolved_wt
        return [self._map_worker(call, name, name=name, kind="dynamic")]

    # -- system tasks with a handler (engine.system_tasks) -----------------------------
    def _map_handler(self, call: _Call, ttype: str) -> TaskDict:
        handler = self.engine.system_handlers[ttype]
        extra = getattr(handler, "extra_input_parameters", None)
        if extra is not None:
            call.wt = _with_extra_parameters(call.run, call.wt, extra(call.wt))
        task = call.task()
        td = call.wt.get("taskDefinition") if handler.uses_input_template else None
        task["inputData"] = call.resolved_input(td)
        try:
            handler.prepare(task, call.wt, self.engine.env_for(call.run))
        except MappingTerminateError as exc:
            if exc.kind == "terminate":
                raise TerminateWorkflow(exc.message) from exc
            raise ValueError(exc.message) from exc
        return task

    # -- control flow ----------------------------------------------------------------------
    def _map_switch(self, call: _Call) -> List[TaskDict]:
        wt = call.wt
        evaluator_type = wt.get("evaluatorType")
        if evaluator_type not in ("value-param", "javascript", "graaljs", "python"):
            raise TerminateWorkflow(f"No evaluator registered for type: {evaluator_type}")
        task = call.task("SWITCH", "SWITCH", input_data=dict(call.shared), started=True)
        try:
            result = self.engine.evaluate(
                evaluator_type,
                wt.get("expression"),
                call.shared,
                wt.get("inputParameters"),
                origin=ScriptOrigin.of_task(task),
            )
            case = java_string(result)
        except PythonUnsupported as exc:  # the engine will not run it: say so, naming the task
            task["status"] = "FAILED"
            task["reasonForIncompletion"] = unsupported_message("SWITCH", wt.get("taskReferenceName"), exc)
            return [task]
        except Exception as exc:  # the server creates the SWITCH already FAILED
            task["status"] = "FAILED"
            task["reasonForIncompletion"] = _message(exc)
            return [task]
        task["inputData"]["case"] = case
        task["outputData"] = {"evaluationResult": [case], "selectedCase": case}
        task["status"] = "IN_PROGRESS"
        selected = (wt.get("decisionCases") or {}).get(case)
        if selected is None:  # an empty case list is taken as it is (3.31 and later)
            selected = wt.get("defaultCase") or []
        return self._with_case_tasks(call, task, selected)

    def _map_decision(self, call: _Call) -> List[TaskDict]:
        wt = call.wt
        expression = wt.get("caseExpression")
        if expression is not None and str(expression).strip():
            try:
                origin = ScriptOrigin(
                    str(call.run.wf.get("workflowName")),
                    call.run.workflow_id,
                    str(wt.get("taskReferenceName")),
                    "DECISION",
                )
                result = self.engine.evaluate("javascript", expression, call.shared, origin=origin)
            except Exception as exc:
                raise TerminateWorkflow(f"Error while evaluating script: {expression}") from exc
            case = "null" if result is None else java_string(result)
        else:
            case = java_string(call.shared.get(wt.get("caseValueParam") or ""))
        task = call.task(
            "DECISION", "DECISION", status="IN_PROGRESS", input_data={"case": case}, started=True
        )
        task["outputData"] = {"caseOutput": [case]}
        selected = (wt.get("decisionCases") or {}).get(case)
        if not selected:
            selected = wt.get("defaultCase") or []
        return self._with_case_tasks(call, task, selected)

    def _with_case_tasks(self, call: _Call, task: TaskDict, selected: List[Dict[str, Any]]) -> List[TaskDict]:
        """The SWITCH/DECISION task and the first task of the chosen case (a nested mapping)."""
        tasks = [task]
        if selected:
            tasks.extend(
                self.tasks_to_schedule(call.run, selected[0], call.retry_count, call.retried_task_id)
            )
            task["inputData"]["hasChildren"] = "true"
        return tasks

    def _map_fork_join(self, call: _Call) -> List[TaskDict]:
        fork = call.task("FORK", "FORK", status="COMPLETED", input_data=dict(call.shared), started=True)
        fork["endTime"] = call.now
        tasks = [fork]
        for branch in call.wt.get("forkTasks") or []:
            if branch:
                tasks.extend(self.tasks_to_schedule(call.run, branch[0], call.retry_count))
        join_wt = call.run.index.next_task(call.wt["taskReferenceName"])
        if join_wt is None or join_wt.get("type") != "JOIN":
            raise TerminateWorkflow(
                "Fork task definition is not followed by a join task.  Check the blueprint"
            )
        tasks.extend(self.tasks_to_schedule(call.run, join_wt, call.retry_count))
        return tasks

    def _map_join(self, call: _Call) -> List[TaskDict]:
        join_on = list(call.wt.get("joinOn") or [])
        return [call.task("JOIN", "JOIN", status="IN_PROGRESS", input_data={"joinOn": join_on}, started=True)]

    def _map_exclusive_join(self, call: _Call) -> List[TaskDict]:
        input_data = {
            "joinOn": list(call.wt.get("joinOn") or []),
            "defaultExclusiveJoinTask": list(call.wt.get("defaultExclusiveJoinTask") or []),
        }
        return [
            call.task(
                "EXCLUSIVE_JOIN", "EXCLUSIVE_JOIN", status="IN_PROGRESS", input_data=input_data, started=True
            )
        ]

    def _map_fork_join_dynamic(self, call: _Call) -> List[TaskDict]:
        from conductor_testkit.engine.dynamic_fork import dynamic_fork_tasks

        return dynamic_fork_tasks(self, call.run, call.wt, call.shared, call.task_id, call.retry_count)

    def _map_do_while(self, call: _Call) -> List[TaskDict]:
        wt = call.wt
        existing = call.run.latest(wt["taskReferenceName"])
        if existing is not None and existing["status"] in TERMINAL:
            return []
        loop_def = wt.get("taskDefinition") or {}
        task = call.task("DO_WHILE", status="IN_PROGRESS", started=True)
        task["rateLimitPerFrequency"] = loop_def.get("rateLimitPerFrequency", 0)
        task["rateLimitFrequencyInSeconds"] = loop_def.get("rateLimitFrequencyInSeconds", 0)
        task["inputData"] = call.resolved_input(wt.get("taskDefinition"))
        return [task]

    def _map_sub_workflow(self, call: _Call) -> List[TaskDict]:
        wt = call.wt
        params = wt.get("subWorkflowParam")
        if not isinstance(params, dict):
            raise TerminateWorkflow(
                f"Task {wt.get('name')} is defined as sub-workflow and is missing subWorkflowParams. "
                "Please check the workflow definition"
            )
        ctx = call.run.context

        def resolve(value: Any) -> Any:
            return resolve_parameters({"v": value}, ctx, None).get("v")

        inline = params.get("workflowDefinition")
        resolved_def: Any = None
        if isinstance(inline, str):
            resolved_def = resolve(inline)
        elif isinstance(inline, dict):
            resolved_def = inline
        name = resolve(params.get("name"))
        version = resolve(params.get("version"))
        task_to_domain = resolve(params.get("taskToDomain"))
        priority = resolve(params.get("priority"))
        idem_key = resolve(params.get("idempotencyKey"))
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
        input_data = {
            "subWorkflowName": name,
            "subWorkflowVersion": version,
            "priority": priority,
            "subWorkflowTaskToDomain": task_to_domain,
            "subWorkflowDefinition": resolved_def,
            "idempotencyKey": idem_key,
            "idempotencyStrategy": params.get("idempotencyStrategy"),
            "workflowInput": dict(call.shared),
        }
        task = call.task("SUB_WORKFLOW", input_data=input_data)
        task["callbackAfterSeconds"] = int(wt.get("startDelay") or 0)
        return [task]

    def _map_start_workflow(self, call: _Call) -> List[TaskDict]:
        return [call.task("START_WORKFLOW", input_data=dict(call.shared))]

    def _map_set_variable(self, call: _Call) -> List[TaskDict]:
        return [call.task("SET_VARIABLE", status="IN_PROGRESS", input_data=dict(call.shared))]

    def _map_terminate(self, call: _Call) -> List[TaskDict]:
        inputs = resolve_parameters(call.wt.get("inputParameters") or {}, call.run.context, call.task_id)
        return [call.task("TERMINATE", status="IN_PROGRESS", input_data=inputs)]


# workflow task type (lower case) -> its mapper; other system types use their handler's prepare
_MAPPERS: Dict[str, Callable[[Mapper, _Call], List[TaskDict]]] = {
    "simple": Mapper._map_simple,
    "dynamic": Mapper._map_dynamic,
    "switch": Mapper._map_switch,
    "decision": Mapper._map_decision,
    "fork_join": Mapper._map_fork_join,
    "join": Mapper._map_join,
    "exclusive_join": Mapper._map_exclusive_join,
    "fork_join_dynamic": Mapper._map_fork_join_dynamic,
    "do_while": Mapper._map_do_while,
    "sub_workflow": Mapper._map_sub_workflow,
    "start_workflow": Mapper._map_start_workflow,
    "set_variable": Mapper._map_set_variable,
    "terminate": Mapper._map_terminate,
}


def _with_extra_parameters(run: RunState, wt: Dict[str, Any], extra: Dict[str, Any]) -> Dict[str, Any]:
    """The workflow task with the parameters the server's mapper writes into its inputParameters.

    The server mutates its per-run definition; ours is shared, so the run gets a changed copy
    for its task and an override for its ``workflowDefinition``.
    """
    params = wt.get("inputParameters") or {}
    if all(key in params and params[key] == value for key, value in extra.items()):
        return wt
    merged = dict(params)
    merged.update(extra)
    run.definition_overrides.setdefault(wt["taskReferenceName"], {})["inputParameters"] = merged
    changed = dict(wt)
    changed["inputParameters"] = merged
    return changed


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
