"""The engine's own system tasks: control flow and workflow-level operators.

SWITCH, DECISION, FORK, JOIN, EXCLUSIVE_JOIN, DO_WHILE, SUB_WORKFLOW, START_WORKFLOW, TERMINATE and
SET_VARIABLE need the workflow state and the engine (scheduling, child workflows), so they live
here rather than with the self-contained handlers of :mod:`conductor_testkit.engine.system_tasks`.
Each follows the server's task class of the same name (core/.../execution/tasks/*.java,
docs/semantics.md §4).
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any, Dict, List, Optional

from conductor_testkit.engine.errors import EngineError, EngineIllegalState
from conductor_testkit.engine.expressions import resolve_task_input
from conductor_testkit.engine.run import TERMINAL, UNSUCCESSFUL, RunState, TaskDict, base_ref
from conductor_testkit.engine.script_warnings import ScriptOrigin
from conductor_testkit.engine.system_tasks.base import SystemTaskHandler
from conductor_testkit.engine.timeouts import queue_due_ms


def _successful(status: str) -> bool:
    return status not in UNSUCCESSFUL


def _jstr(value: Any) -> str:
    return "null" if value is None else str(value)


def _wt(task: TaskDict) -> Dict[str, Any]:
    return task.get("workflowTask") or {}


def _join_refs(task: TaskDict) -> List[str]:
    """The references a (EXCLUSIVE_)JOIN waits for, with its loop iteration's suffix."""
    join_on: List[str] = list(task["inputData"].get("joinOn") or [])
    if task.get("iteration", 0) > 0:
        join_on = [f"{r}__{task['iteration']}" for r in join_on]
    return join_on


class SwitchHandler(SystemTaskHandler):
    """SWITCH/DECISION: evaluated by the mapper; ``execute`` just completes the task."""

    task_type = "SWITCH"

    def prepare(self, task: TaskDict, workflow_task: Dict[str, Any], env: Any) -> None:
        pass

    def execute(self, task: TaskDict, env: Any) -> bool:
        task["status"] = "COMPLETED"
        return True


class DecisionHandler(SwitchHandler):
    task_type = "DECISION"


class ForkHandler(SystemTaskHandler):
    """FORK: created COMPLETED by its mapper; nothing to run."""

    task_type = "FORK"

    def prepare(self, task: TaskDict, workflow_task: Dict[str, Any], env: Any) -> None:
        pass


class JoinHandler(SystemTaskHandler):
    """JOIN (tasks/Join): async; completes when every joinOn task is terminal."""

    task_type = "JOIN"
    is_async = True

    def prepare(self, task: TaskDict, workflow_task: Dict[str, Any], env: Any) -> None:
        pass

    def is_async_complete(self, task: TaskDict) -> bool:
        return False

    def next_due_ms(self, task: TaskDict, env: Any) -> Optional[int]:
        return int(env.now_ms()) if task.get("status") == "IN_PROGRESS" else None

    def evaluation_offset_s(self, task: TaskDict, env: Any) -> Optional[int]:
        return 0  # re-evaluated at once (the server: every poll for the first 200 evaluations)

    def execute(self, task: TaskDict, env: Any) -> bool:
        run = env.run
        join_on = _join_refs(task)
        # runs on every decide while the fork is open: plain lookups, no calls per branch
        by_ref = run.by_ref
        joined = [lst[-1] if lst else None for lst in map(by_ref.get, join_on)]
        all_terminal = all(t is not None and t["status"] in TERMINAL for t in joined)
        optional_failures = ""
        output = task["outputData"]
        for ref, forked in zip(join_on, joined):
            if forked is None:
                continue
            forked_output = forked.get("outputData")
            if forked_output:
                output[ref] = forked_output
            status = forked["status"]
            if status not in UNSUCCESSFUL and status != "COMPLETED_WITH_ERRORS":
                continue  # nothing below applies to a successful or open branch
            fwt = _wt(forked)
            optional = fwt.get("optional")
            if status in UNSUCCESSFUL and not optional and (not fwt.get("permissive") or all_terminal):
                # 3.32.1 joins null reasons as "null" (no null filter yet)
                reasons = [
                    _jstr(t.get("reasonForIncompletion"))
                    for t in joined
                    if t is not None and not _successful(t["status"])
                ]
                task["reasonForIncompletion"] = " ".join(reasons)
                non_canceled = any(
                    t is not None
                    and t["status"] in TERMINAL
                    and not _successful(t["status"])
                    and not _wt(t).get("optional")
                    and t["status"] != "CANCELED"
                    for t in joined
                )
                task["status"] = "FAILED" if non_canceled else "CANCELED"
                return True
            if optional and status == "COMPLETED_WITH_ERRORS":
                optional_failures += f"{forked.get('taskDefName')}/{forked['taskId']} "
        if all_terminal:
            if optional_failures:
                task["status"] = "COMPLETED_WITH_ERRORS"
                task["reasonForIncompletion"] = optional_failures + "completed with errors"
            else:
                task["status"] = "COMPLETED"
            return True
        return False


class ExclusiveJoinHandler(SystemTaskHandler):
    """EXCLUSIVE_JOIN (tasks/ExclusiveJoin): sync, re-checked on every decide."""

    task_type = "EXCLUSIVE_JOIN"

    def prepare(self, task: TaskDict, workflow_task: Dict[str, Any], env: Any) -> None:
        pass

    def execute(self, task: TaskDict, env: Any) -> bool:
        run = env.run
        join_on = _join_refs(task)
        found = False
        failures = False
        reason = ""
        chosen: Optional[TaskDict] = None
        for ref in join_on:
            chosen = run.latest(ref)
            if chosen is None or chosen["status"] == "SKIPPED":
                continue
            found = chosen["status"] in TERMINAL
            others = [run.latest(r) for r in join_on]
            failures = not _successful(chosen["status"]) and (
                not _wt(chosen).get("permissive")
                or all(o is not None and o["status"] in TERMINAL for o in others)
            )
            if failures:
                reason += " ".join(
                    str(o.get("reasonForIncompletion"))
                    for o in others
                    if o is not None and not _successful(o["status"])
                )
            break
        if not found:
            for ref in task["inputData"].get("defaultExclusiveJoinTask") or []:
                chosen = run.latest(ref)
                if chosen is None or chosen["status"] == "SKIPPED":
                    continue
                found = chosen["status"] in TERMINAL
                failures = not _successful(chosen["status"])
                if failures:
                    reason += f"{chosen.get('reasonForIncompletion')} "
                break
        if found or failures:
            if failures:
                task["reasonForIncompletion"] = reason
                task["status"] = "FAILED"
            else:
                assert chosen is not None
                task["outputData"] = chosen["outputData"]
                task["status"] = "COMPLETED"
            return True
        return False


class TerminateHandler(SystemTaskHandler):
    """TERMINATE (tasks/Terminate): COMPLETED with the workflow output; the decider ends the run."""

    task_type = "TERMINATE"
    uses_input_template = False

    def prepare(self, task: TaskDict, workflow_task: Dict[str, Any], env: Any) -> None:
        pass

    def execute(self, task: TaskDict, env: Any) -> bool:
        status = task["inputData"].get("terminationStatus")
        if status in ("COMPLETED", "FAILED", "TERMINATED"):
            out = task["inputData"].get("workflowOutput")
            if out is None:
                task["outputData"] = {}
            elif isinstance(out, dict):
                task["outputData"] = dict(out)
            else:
                task["outputData"] = {"output": out}
            task["status"] = "COMPLETED"
            return True
        task["reasonForIncompletion"] = "given termination status is not valid"
        task["status"] = "FAILED"
        return False


VARIABLES_LIMIT_BYTES = 256 * 1024


class SetVariableHandler(SystemTaskHandler):
    """SET_VARIABLE (tasks/SetVariable): shallow merge into ``workflow.variables`` (256 KB cap)."""

    task_type = "SET_VARIABLE"
    uses_input_template = False

    def prepare(self, task: TaskDict, workflow_task: Dict[str, Any], env: Any) -> None:
        pass

    def execute(self, task: TaskDict, env: Any) -> bool:
        wf = env.run.wf
        variables = wf.setdefault("variables", {})
        inp = task.get("inputData") or {}
        if inp:
            previous = {k: variables[k] for k in inp if k in variables}
            new_keys = [k for k in inp if k not in variables]
            variables.update(inp)
            size = len(json.dumps(variables, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
            if size > VARIABLES_LIMIT_BYTES:
                variables.update(previous)
                for k in new_keys:
                    variables.pop(k, None)
                task["reasonForIncompletion"] = (
                    f"The variables payload size: {size} of workflow: {wf['workflowId']} is greater than "
                    "the permissible limit: 256 kilobytes"
                )
                task["status"] = "FAILED_WITH_TERMINAL_ERROR"
                return True
        task["status"] = "COMPLETED"
        return True


_NULL_LOOP_REFERENCE = (
    'Cannot invoke "String.equals(Object)" because the return value of '
    '"com.netflix.conductor.common.metadata.workflow.WorkflowTask.getTaskReferenceName()" is null'
)


class DoWhileHandler(SystemTaskHandler):
    """DO_WHILE (tasks/DoWhile): iterates its ``loopOver`` tasks while the condition holds."""

    task_type = "DO_WHILE"

    def prepare(self, task: TaskDict, workflow_task: Dict[str, Any], env: Any) -> None:
        pass

    def cancel(self, task: TaskDict, env: Any) -> None:
        task["status"] = "CANCELED"

    def execute(self, task: TaskDict, env: Any) -> bool:
        run = env.run
        engine = env.engine
        ref = task["referenceTaskName"]
        loop_ref = _wt(task).get("taskReferenceName") or base_ref(ref)
        body = _wt(task).get("loopOver") or []
        if any(isinstance(t, dict) and t.get("taskReferenceName") is None for t in body):
            # validation does not look into loopOver; the server's DoWhile then fails on it (HTTP 500)
            workflow = run.wf.get("workflowName")
            error = EngineIllegalState(_NULL_LOOP_REFERENCE, workflow=workflow, task_ref=loop_ref)
            error.message = _NULL_LOOP_REFERENCE  # the server's text, without the location prefix
            raise error
        iteration = task.get("iteration", 0)
        relevant: Dict[str, TaskDict] = {}
        if iteration > 0:
            inside = run.index.inside(loop_ref)
            for t in run.by_iteration.get(iteration, ()):
                if t["referenceTaskName"] == ref:
                    continue
                if base_ref(t["referenceTaskName"]) not in inside:
                    continue
                prev = relevant.get(t["referenceTaskName"])
                if prev is None or t.get("retryCount", 0) > prev.get("retryCount", 0):
                    relevant[t["referenceTaskName"]] = t
        if not relevant:
            if _is_list_mode(task):
                items = _items(engine, run, task)
                if not items:
                    task["outputData"]["iteration"] = 0
                    task["status"] = "COMPLETED"
                    return True
            task["iteration"] = 1
            task["outputData"]["iteration"] = 1
            _inject_loop_variables(engine, run, task)
            engine.decider.schedule_next_iteration(run, task)
            return True
        failures = False
        reason = ""
        output: Dict[str, Any] = {}
        for t in relevant.values():
            failures = not _successful(t["status"])
            if failures:
                reason += f"{t.get('reasonForIncompletion')} "
            output[base_ref(t["referenceTaskName"])] = t["outputData"]
            if failures:
                break
        # the server persists execute()'s changes only when it returns True
        pending_output = {str(iteration): output}
        keep = (_wt(task).get("inputParameters") or {}).get("keepLastN")
        drop_keys: List[str] = []
        if isinstance(keep, int) and not isinstance(keep, bool) and iteration > keep:
            drop_keys = [str(i) for i in range(1, iteration - keep + 1)]
            _remove_iterations(run, task, loop_ref, iteration - keep)

        def commit() -> None:
            task["outputData"].update(pending_output)
            for key in drop_keys:
                task["outputData"].pop(key, None)

        if failures:
            commit()
            task["reasonForIncompletion"] = reason
            task["status"] = "FAILED"
            return True
        if not _iteration_complete(run, task, loop_ref, relevant):
            # kept in memory only: saved if the task is persisted later in this decide (cancel)
            run.uncommitted[task["taskId"]] = commit
            return False
        commit()
        try:
            go_on = _evaluate_condition(engine, run, task, loop_ref)
        except Exception as exc:
            task["reasonForIncompletion"] = (
                f"Unable to evaluate condition {_wt(task).get('loopCondition')}, exception {_message(exc)}"
            )
            task["status"] = "FAILED_WITH_TERMINAL_ERROR"
            return True
        if go_on:
            task["iteration"] = iteration + 1
            task["outputData"]["iteration"] = iteration + 1
            _inject_loop_variables(engine, run, task)
            engine.decider.schedule_next_iteration(run, task)
            return True
        task["status"] = "COMPLETED"
        return True


def _message(exc: BaseException) -> str:
    msg = getattr(exc, "message", None)
    return msg if isinstance(msg, str) else str(exc)


def _is_list_mode(task: TaskDict) -> bool:
    wt = _wt(task)
    items = wt.get("items")
    if isinstance(items, str) and items.strip():
        return True
    params = wt.get("inputParameters") or {}
    if "_items" in params:
        v = params["_items"]
        return (isinstance(v, str) and bool(v.strip())) or isinstance(v, list)
    return False


def _items(engine: Any, run: RunState, task: TaskDict) -> List[Any]:
    wt = _wt(task)
    td = wt.get("taskDefinition")
    value: Any = None
    items = wt.get("items")
    if isinstance(items, str) and items.strip():
        value = resolve_task_input({"items": items}, run.context, task["taskId"], td).get("items")
    if value is None:
        resolved = resolve_task_input(wt.get("inputParameters") or {}, run.context, task["taskId"], td)
        value = resolved.get("_items")
    if isinstance(value, list):
        return value
    if value is None:
        return []
    return [value]


def _inject_loop_variables(engine: Any, run: RunState, task: TaskDict) -> None:
    if not _is_list_mode(task):
        return
    items = _items(engine, run, task)
    index = task["iteration"] - 1
    task["outputData"]["loopIndex"] = index
    if 0 <= index < len(items):
        task["outputData"]["loopItem"] = items[index]


def _remove_iterations(run: RunState, task: TaskDict, loop_ref: str, upto: int) -> None:
    drop = [
        t["taskId"]
        for i in range(1, upto + 1)
        for t in run.by_iteration.get(i, ())
        if t["referenceTaskName"] != task["referenceTaskName"]
        and run.index.contains(loop_ref, base_ref(t["referenceTaskName"]))
    ]
    if drop:
        run.remove_tasks(drop)


def _iteration_complete(
    run: RunState, task: TaskDict, loop_ref: str, relevant: Dict[str, TaskDict]
) -> bool:
    iteration = task["iteration"]
    for wt in _wt(task).get("loopOver") or []:
        t = relevant.get(f"{wt['taskReferenceName']}__{iteration}")
        if t is None or t["status"] not in TERMINAL:
            return False
    if any(t["status"] not in TERMINAL for t in relevant.values()):
        return False
    for t in relevant.values():
        nxt = run.index.next_task(base_ref(t["referenceTaskName"]))
        if nxt is None or nxt.get("taskReferenceName") == loop_ref:
            continue
        if not run.index.contains(loop_ref, nxt["taskReferenceName"]):
            continue
        if f"{nxt['taskReferenceName']}__{iteration}" not in relevant:
            return False
    return True


_SAFE_LOOP_KEYS = frozenset({"iteration", "loopIndex", "loopItem"})
_DOLLAR_ACCESS = re.compile(r"""\$\s*(?:\.\s*([A-Za-z_$][\w$]*)|\[\s*(['"])(.*?)\2\s*\])""")
_PROPERTY = re.compile(r"""\s*(?:\.\s*([A-Za-z_$][\w$]*)|\[\s*(['"])(.*?)\2\s*\])""")


def _loop_output_view(condition: Any, task: TaskDict) -> Dict[str, Any]:
    """The DO_WHILE output as the condition sees it.

    The whole output (every iteration's outputs) is what the server binds; serialising it on
    every iteration makes long loops quadratic. When the script provably reads only
    ``iteration``/``loopIndex``/``loopItem`` of it (static ``$.ref.x`` / ``$['ref']['x']`` access,
    no other use of ``$``), a view with just those keys gives the same result.
    """
    output: Dict[str, Any] = task["outputData"]
    if not isinstance(condition, str) or len(output) <= 4:
        return output
    if not _reads_only_loop_keys(condition, task["referenceTaskName"]):
        return output
    return {k: output[k] for k in _SAFE_LOOP_KEYS if k in output}


@functools.lru_cache(maxsize=2048)  # read on every iteration; the answer depends on the text only
def _reads_only_loop_keys(condition: str, ref: str) -> bool:
    """Whether ``condition`` reads nothing of ``$[ref]`` but the keys of :data:`_SAFE_LOOP_KEYS`."""
    matches = list(_DOLLAR_ACCESS.finditer(condition))
    if len(matches) != condition.count("$"):
        return False
    for m in matches:
        root = m.group(1) if m.group(1) is not None else m.group(3)
        if root != ref:
            continue
        prop = _PROPERTY.match(condition, m.end())
        if prop is None:
            return False
        key = prop.group(1) if prop.group(1) is not None else prop.group(3)
        if key not in _SAFE_LOOP_KEYS:
            return False
    return True


def _evaluate_condition(engine: Any, run: RunState, task: TaskDict, loop_ref: str) -> bool:
    wt = _wt(task)
    cond_input = resolve_task_input(
        wt.get("inputParameters") or {}, run.context, task["taskId"], wt.get("taskDefinition")
    )
    cond_input[task["referenceTaskName"]] = _loop_output_view(wt.get("loopCondition"), task)
    inside = run.index.inside(loop_ref)
    for base, t in run.latest_by_base.items():
        if base in inside and t["referenceTaskName"] != task["referenceTaskName"]:
            cond_input[base] = t["outputData"]
    condition = wt.get("loopCondition")
    if _is_list_mode(task):
        items = _items(engine, run, task)
        index = task["iteration"] - 1
        cond_input["loopIndex"] = index
        if 0 <= index < len(items):
            cond_input["loopItem"] = items[index]
        more = index < len(items) - 1
        if condition is not None and str(condition).strip():
            return more and engine.evaluate_condition(
                condition, cond_input, origin=ScriptOrigin.of_task(task)
            )
        return more
    if condition is None:
        return False
    return bool(engine.evaluate_condition(condition, cond_input, origin=ScriptOrigin.of_task(task)))


class SubWorkflowHandler(SystemTaskHandler):
    """SUB_WORKFLOW (tasks/SubWorkflow): starts a child run and mirrors its end state."""

    task_type = "SUB_WORKFLOW"
    is_async = True
    uses_input_template = False

    def prepare(self, task: TaskDict, workflow_task: Dict[str, Any], env: Any) -> None:
        pass

    def is_async_complete(self, task: TaskDict) -> bool:
        return True

    def next_due_ms(self, task: TaskDict, env: Any) -> Optional[int]:
        if task.get("status") == "SCHEDULED":
            return queue_due_ms(task)
        return None

    def start(self, task: TaskDict, env: Any) -> None:
        if task["status"] != "SCHEDULED":
            return
        engine = env.engine
        run = env.run
        inp = task["inputData"]
        version = inp.get("subWorkflowVersion")
        version = (
            int(version) if isinstance(version, (int, float)) and not isinstance(version, bool) else None
        )
        if version == 0:
            version = None
        definition = inp.get("subWorkflowDefinition")
        name = definition.get("name") if isinstance(definition, dict) else inp.get("subWorkflowName")
        task_to_domain = run.wf.get("taskToDomain")
        if isinstance(inp.get("subWorkflowTaskToDomain"), dict):
            task_to_domain = inp["subWorkflowTaskToDomain"]
        wf_input = inp.get("workflowInput")
        if not wf_input:
            wf_input = inp
        if isinstance(definition, dict):
            wf_input = dict(wf_input)
            meta = (
                dict(wf_input["_systemMetadata"]) if isinstance(wf_input.get("_systemMetadata"), dict) else {}
            )
            meta["dynamic"] = True
            wf_input["_systemMetadata"] = meta
        priority = inp.get("priority")
        priority = (
            int(priority) if isinstance(priority, (int, float)) and not isinstance(priority, bool) else None
        )
        child_id = engine.ids.name_based(
            f"subworkflow:{run.workflow_id}:{task['taskId']}:{task['retryCount']}"
        )
        existing = engine.store.runs.get(child_id)
        if existing is not None and existing.is_terminal() and existing.status != "COMPLETED":
            child_id = engine.ids.generate()
        elif existing is not None:
            # startWorkflowIdempotent: the deterministic child already exists, attach to it
            task.pop("reasonForIncompletion", None)
            task["subWorkflowId"] = existing.workflow_id
            task["outputData"]["subWorkflowId"] = existing.workflow_id
            update_from_child(task, existing)
            return
        try:
            if name is None:
                raise EngineError("SubWorkflow name is null and no workflowDefinition supplied")
            child = engine.create_run(
                {
                    "name": name,
                    "version": version,
                    "workflowDef": definition if isinstance(definition, dict) else None,
                    "input": wf_input,
                    "correlationId": run.wf.get("correlationId"),
                    "taskToDomain": task_to_domain,
                    "priority": priority,
                },
                workflow_id=child_id,
                parent=(run.workflow_id, task["taskId"]),
            )
        except Exception as exc:
            task["status"] = "FAILED"
            task["reasonForIncompletion"] = _message(exc)
            return
        task.pop("reasonForIncompletion", None)
        task["subWorkflowId"] = child.workflow_id
        task["outputData"]["subWorkflowId"] = child.workflow_id
        task["status"] = "IN_PROGRESS"
        engine.decider.decide(child)
        # the child may have ended already (notify_parent updated this task)

    def execute(self, task: TaskDict, env: Any) -> bool:
        engine = env.engine
        child_id = task.get("subWorkflowId")
        if not child_id:
            if task["status"] == "SCHEDULED":
                self.start(task, env)
                return bool(task.get("subWorkflowId")) or task["status"] in TERMINAL
            return False
        child = engine.store.runs.get(child_id)
        if child is None or not child.is_terminal():
            return False
        update_from_child(task, child)
        return True

    def cancel(self, task: TaskDict, env: Any) -> None:
        engine = env.engine
        child_id = task.get("subWorkflowId")
        child = engine.store.runs.get(child_id) if child_id else None
        if child is None or child.is_terminal():
            return
        parent = env.run.wf
        reason = parent.get("reasonForIncompletion")
        text = (
            f"Parent workflow has been terminated with status {parent['status']}"
            if not reason
            else f"Parent workflow has been terminated with reason: {reason}"
        )
        child.wf["status"] = "TERMINATED"
        engine.decider.terminate_workflow(child, reason=text, start_failure_workflow=False)


_CHILD_TO_TASK = {
    "RUNNING": "IN_PROGRESS",
    "PAUSED": "IN_PROGRESS",
    "COMPLETED": "COMPLETED",
    "FAILED": "FAILED",
    "TERMINATED": "CANCELED",
    "TIMED_OUT": "TIMED_OUT",
}


def update_from_child(task: TaskDict, child: RunState) -> None:
    """SubWorkflow.updateTaskStatus: copy the child's status, output and reason."""
    status = child.status
    task["status"] = _CHILD_TO_TASK[status]
    if child.is_terminal():
        task["outputData"].update(child.wf.get("output") or {})
        if status != "COMPLETED":
            wf = child.wf
            task["reasonForIncompletion"] = (
                f"Sub workflow {wf['workflowName']}.{wf['workflowVersion']}/{wf['workflowId']} "
                f"failure reason: {wf.get('reasonForIncompletion')}"
            )


class StartWorkflowHandler(SystemTaskHandler):
    """START_WORKFLOW (tasks/StartWorkflow): fire-and-forget start of another workflow."""

    task_type = "START_WORKFLOW"
    is_async = True
    uses_input_template = False

    def prepare(self, task: TaskDict, workflow_task: Dict[str, Any], env: Any) -> None:
        pass

    def start(self, task: TaskDict, env: Any) -> None:
        engine = env.engine
        run = env.run
        raw = task["inputData"].get("startWorkflow")
        if raw is None:
            task["status"] = "FAILED"
            task["reasonForIncompletion"] = "Missing 'startWorkflow' in input data."
            return
        if not isinstance(raw, dict):
            task["status"] = "FAILED"
            task["reasonForIncompletion"] = f"Error reading StartWorkflowRequest. Cannot convert {raw!r}"
            return
        if not raw.get("name"):
            task["status"] = "FAILED"
            task["reasonForIncompletion"] = (
                "startWorkflow validation failed. 'name' -> Workflow name cannot be null or empty. "
            )
            return
        request = dict(raw)
        if not request.get("taskToDomain"):
            request["taskToDomain"] = dict(run.wf.get("taskToDomain") or {})
        if not (request.get("correlationId") or "").strip():
            request["correlationId"] = run.wf.get("correlationId")
        try:
            new_id = engine.start_workflow(request)
        except Exception as exc:
            task["status"] = "FAILED"
            task["reasonForIncompletion"] = _message(exc)
            return
        task["outputData"]["workflowId"] = new_id
        task["status"] = "COMPLETED"


OPERATOR_HANDLERS: Dict[str, SystemTaskHandler] = {
    h.task_type: h
    for h in (
        SwitchHandler(),
        DecisionHandler(),
        ForkHandler(),
        JoinHandler(),
        ExclusiveJoinHandler(),
        TerminateHandler(),
        SetVariableHandler(),
        DoWhileHandler(),
        SubWorkflowHandler(),
        StartWorkflowHandler(),
    )
}
