"""The decide loop: DeciderService.decide plus WorkflowExecutorOps.decide (docs/semantics.md §2).

``Decider.decide(run)`` drives a workflow as far as it can go at the current virtual time: it
schedules next tasks, runs synchronous system tasks until nothing changes, evaluates asynchronous
system tasks that are due (JOIN, SUB_WORKFLOW, WAIT, HTTP, ...; see ``Engine.async_types``), applies
retries and timeouts, and ends the workflow (completion, TERMINATE, failure) exactly as the server.

Functions other engine modules (the operations, for one) may call: :meth:`Decider.decide`,
:meth:`Decider.add_tasks`, :meth:`Decider.cancel_non_terminal_tasks`,
:meth:`Decider.terminate_workflow`, :meth:`Decider.complete_workflow`,
:meth:`Decider.build_retry_attempt`, :meth:`Decider.notify_parent`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional

from conductor_testkit.engine.definitions import BUILT_IN_TYPES
from conductor_testkit.engine.errors import TerminateWorkflow
from conductor_testkit.engine.expressions import resolve_parameters, resolve_task_input
from conductor_testkit.engine.javastr import java_hashmap_order
from conductor_testkit.engine.run import (
    RETRIABLE_NOT,
    TERMINAL,
    UNSUCCESSFUL,
    RunState,
    TaskDict,
    base_ref,
)
from conductor_testkit.engine.system_tasks.async_executor import run_async_task
from conductor_testkit.engine.timeouts import (
    POLICY_TIMEOUTS,
    may_have_policy_timeouts,
    queue_due_ms,
    response_timeout_due,
    timeout_policy,
    worker_task_quiet_until,
    workflow_timeout_due,
)
from conductor_testkit.engine.timeouts import as_int as _int

if TYPE_CHECKING:  # pragma: no cover
    from conductor_testkit.engine.engine import Engine

INT_MAX = 2**31 - 1
# what a decide pass may change on an existing task (see Decider._forget_pass_changes)
_PASS_CHANGED_FIELDS = ("status", "reasonForIncompletion", "endTime", "updateTime")
_MAX_PASSES = 1_000_000


class _Outcome:
    __slots__ = ("to_schedule", "complete", "terminate_task")

    def __init__(self) -> None:
        self.to_schedule: List[TaskDict] = []
        self.complete = False
        self.terminate_task: Optional[TaskDict] = None


class Decider:
    """Runs decides for the workflows of one :class:`Engine`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # the runs whose decide is under way, innermost last (a decide may start workflows)
        self._deciding: List[RunState] = []

    def current_run(self) -> Optional[RunState]:
        """The run whose decide is under way (None outside a decide)."""
        return self._deciding[-1] if self._deciding else None

    # ------------------------------------------------------------------------------------
    # entry point
    def decide(self, run: RunState, *, incremental: bool = False) -> None:
        """One server decide (looping while synchronous tasks change state) plus due async tasks.

        ``incremental=True`` promises that every task changed since the last decide went through
        ``run.refresh_pending`` (so quiet worker tasks need not be walked again); without it,
        every pending task is walked.
        """
        if not incremental:
            run.pending.wake_all()
        if run.is_terminal():
            if run.status != "COMPLETED":
                self.cancel_non_terminal_tasks(run)
            return
        if run.deciding:
            run.redecide = True
            return
        run.deciding = True
        self._deciding.append(run)
        try:
            passes = 0
            while True:
                run.redecide = False
                try:
                    changed = self._decide_pass(run)
                except TerminateWorkflow as exc:
                    self._unpersist_pass(run)
                    self._terminate_from_exception(run, exc)
                    self._forget_pass_changes(run, keep=exc.task)
                    return
                if run.is_terminal():
                    return
                passes += 1
                if passes > _MAX_PASSES:
                    return
                if changed or run.redecide:
                    continue
                # the background worker also runs async tasks of a PAUSED workflow
                if self._run_due_async(run):
                    continue
                return
        finally:
            run.deciding = False
            self._deciding.pop()
            run.uncommitted.clear()

    # ------------------------------------------------------------------------------------
    # WorkflowExecutorOps.decide, one iteration
    def _decide_pass(self, run: RunState) -> bool:
        run.pass_marked = []
        run.pass_changes = {}
        outcome = self._decide_outcome(run)
        if outcome.complete:
            term = outcome.terminate_task
            self.end_execution(run, term)
            if term is not None and run.status in ("FAILED", "TERMINATED"):
                # terminate() saves the TERMINATE task itself (with its executed flag)
                run.pass_marked = [t for t in run.pass_marked if t is not term]
            self._unpersist_pass(run)
            self._forget_pass_changes(run, keep=None)
            return False
        new_tasks = self.dedup(run, outcome.to_schedule)
        self.set_task_domains(run, new_tasks)
        changed = self.add_tasks(run, new_tasks)
        env = self.engine.env_for(run)
        now = self.engine.clock.now_ms()
        if new_tasks or run.pass_marked:
            run.wf["updateTime"] = now
        for task in outcome.to_schedule:
            if task["taskId"] not in run.by_id or task["status"] in TERMINAL:
                continue
            handler = self.engine.system_handlers.get(task["taskType"])
            if handler is None or handler.is_async:
                continue
            if handler.execute(task, env):
                changed = True
                task["updateTime"] = now
            if task["status"] in TERMINAL:
                # EVENT/TERMINATE report a failure with False but keep the new status
                if not task.get("endTime"):
                    task["endTime"] = now
                run.refresh_pending(task)
        return changed

    @staticmethod
    def _unpersist_pass(run: RunState) -> None:
        """The server never saves the ``executed`` flags of a decide pass that ends the workflow."""
        for task in run.pass_marked:
            task["executed"] = False
            run.refresh_pending(task)
        run.pass_marked = []

    @staticmethod
    def _note_change(run: RunState, task: TaskDict, before: Dict[str, Any]) -> None:
        """Remember ``task`` as it was (``before``) when this pass first changed its status."""
        run.pass_changes.setdefault(task["taskId"], (task, before))

    @staticmethod
    def _forget_pass_changes(run: RunState, keep: Any) -> None:
        """The stored tasks after a pass that ended the workflow: its status changes are gone.

        WorkflowExecutorOps.decide returns at ``endExecution`` without saving the tasks its
        DeciderService.decide changed (a timeout, an optional failure relabelled
        COMPLETED_WITH_ERRORS); the workflow itself was ended from those in-memory statuses.
        Only the task a TerminateWorkflowException names is saved (by ``terminate``).
        """
        for task, before in run.pass_changes.values():
            if task is keep:
                continue
            for field, value in before.items():
                if value is None:
                    task.pop(field, None)
                else:
                    task[field] = value
            run.refresh_pending(task)
        run.pass_changes = {}

    def dedup(self, run: RunState, tasks: List[TaskDict]) -> List[TaskDict]:
        """WorkflowExecutorOps.dedupAndAddTasks: drop tasks whose reference and retry count exist."""
        out = []
        seen = set()
        for t in tasks:
            if t["taskId"] in run.by_id:
                continue
            key = (t["referenceTaskName"], t.get("retryCount", 0))
            if key in seen or any(e.get("retryCount", 0) == key[1] for e in run.by_ref.get(key[0], ())):
                continue
            seen.add(key)
            out.append(t)
        return out

    # ------------------------------------------------------------------------------------
    # DeciderService.decide
    def _decide_outcome(self, run: RunState) -> _Outcome:
        outcome = _Outcome()
        pre: List[TaskDict] = []
        if not run.tasks or (
            not run.pending and not any(t["status"] != "SKIPPED" and not t.get("executed") for t in run.tasks)
        ):
            pre = self._start_tasks(run)
        if run.is_terminal():
            return outcome
        self.check_workflow_timeout(run)
        if run.status == "PAUSED":
            return outcome
        for t in run.terminate_tasks:
            if t["status"] in TERMINAL and t["status"] not in UNSUCCESSFUL:
                outcome.terminate_task = t
        # refs whose executed task must not block re-scheduling (DeciderService executedTaskRefNames)
        released: set = set()
        to_schedule: Dict[str, TaskDict] = {}
        for t in pre:
            to_schedule[t["referenceTaskName"]] = t
        handlers = self.engine.system_handlers
        now = self.engine.clock.now_ms()
        for task in run.pending.to_walk(now):
            if task["taskType"] in handlers and task["status"] not in TERMINAL:
                to_schedule.setdefault(task["referenceTaskName"], task)
                released.add(task["referenceTaskName"])
            task_def = self._task_def(run, task)
            if task_def is not None and self._may_time_out(task_def, task):
                before = {field: task.get(field) for field in _PASS_CHANGED_FIELDS}
                self._check_policy_timeouts(task_def, task)
                if self._response_timed_out(task_def, task):
                    task["status"] = "TIMED_OUT"
                    task["reasonForIncompletion"] = (
                        f"responseTimeout: {task_def.get('responseTimeoutSeconds')} exceeded for the taskId: "
                        f"{task['taskId']} with Task Definition: {task.get('taskDefName')}"
                    )
                    self._stamp_end(task)
                if task["status"] != before["status"]:
                    self._note_change(run, task, before)
            if task["status"] in UNSUCCESSFUL:
                wt = task.get("workflowTask") or run.index.task(task["referenceTaskName"])
                retry = self._retry(run, task_def, wt, task)
                if retry is not None:
                    to_schedule[retry["referenceTaskName"]] = retry
                    released.add(retry["referenceTaskName"])
                    run.refresh_pending(task)
                elif not (wt and wt.get("permissive") and not wt.get("optional")):
                    self._note_change(run, task, {field: task.get(field) for field in _PASS_CHANGED_FIELDS})
                    task["status"] = "COMPLETED_WITH_ERRORS"
            if not task.get("executed") and not task.get("retried") and task["status"] in TERMINAL:
                task["executed"] = True
                run.pass_marked.append(task)
                run.refresh_pending(task)
                nxt = self.next_tasks(run, task)
                if task.get("iteration", 0) > 0 and task["taskType"] != "DO_WHILE" and nxt:
                    nxt = self._filter_loop_tasks(run, nxt, task)
                for n in nxt:
                    to_schedule.setdefault(n["referenceTaskName"], n)
            elif task["status"] not in TERMINAL and task["taskType"] not in handlers:
                # a worker task waiting for its worker: nothing to do until a timeout is due
                until = worker_task_quiet_until(task_def, task)
                if until is None or until > now:
                    run.pending.quiet(task, until)
        outcome.to_schedule = [
            t
            for t in to_schedule.values()
            if t["referenceTaskName"] in released
            or not any(e.get("executed") for e in run.by_ref.get(t["referenceTaskName"], ()))
        ]
        if outcome.terminate_task is not None or (not outcome.to_schedule and self.check_for_completion(run)):
            self._check_permissive_failures(run)
            outcome.complete = True
        return outcome

    def _check_permissive_failures(self, run: RunState) -> None:
        latest: Dict[str, TaskDict] = {}
        for t in run.tasks:
            wt = t.get("workflowTask") or {}
            if not wt.get("permissive") or wt.get("optional"):
                continue
            prev = latest.get(t["referenceTaskName"])
            if prev is None or not (prev.get("retryCount", 0) > t.get("retryCount", 0)):
                latest[t["referenceTaskName"]] = t
        # Collectors.toMap builds a HashMap: the reasons follow its key order
        ordered = [latest[ref] for ref in java_hashmap_order(latest)]
        failed = [t for t in ordered if t["status"] in UNSUCCESSFUL]
        if failed:
            raise TerminateWorkflow(
                ". ".join(
                    f"Task {t['taskId']} failed with status: {t['status']} and reason: "
                    f"'{_jstr(t.get('reasonForIncompletion'))}'"
                    for t in failed
                )
            )

    def _start_tasks(self, run: RunState) -> List[TaskDict]:
        tasks = run.defn.get("tasks") or []
        if not tasks:
            raise TerminateWorkflow("No tasks found to be executed", "COMPLETED")
        wt = self._unskipped(run, tasks[0])
        if wt is None:
            return []
        return self.engine.mapper.tasks_to_schedule(run, wt, 0)

    @staticmethod
    def _unskipped(run: RunState, wt: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
        """``wt`` or the first workflow task after it whose reference was not SKIPPED (None: none)."""
        while wt is not None:
            t = run.latest(wt["taskReferenceName"])
            if t is None or t["status"] != "SKIPPED":
                return wt
            wt = run.index.next_task(wt["taskReferenceName"])
        return None

    def next_tasks(self, run: RunState, task: TaskDict) -> List[TaskDict]:
        """DeciderService.getNextTask: the tasks that follow a task that just ended."""
        if task["taskType"] in ("SWITCH", "DECISION") and task["inputData"].get("hasChildren") is not None:
            return []
        ref = (
            base_ref(task["referenceTaskName"]) if task.get("iteration", 0) > 0 else task["referenceTaskName"]
        )
        wt = self._unskipped(run, run.index.next_task(ref))
        if wt is not None and wt.get("type") == "DO_WHILE":
            if run.by_ref.get(wt["taskReferenceName"]):
                return []
        if wt is None:
            return []
        return self.engine.mapper.tasks_to_schedule(run, wt, 0)

    def _filter_loop_tasks(
        self, run: RunState, tasks: List[TaskDict], pending: TaskDict
    ) -> List[TaskDict]:
        it = pending.get("iteration", 0)
        for t in tasks:
            t["referenceTaskName"] = f"{t['referenceTaskName']}__{it}"
            t["iteration"] = it
        return [t for t in tasks if not run.ref_started(t["referenceTaskName"])]

    def schedule_next_iteration(self, run: RunState, loop_task: TaskDict) -> None:
        """WorkflowExecutorOps.scheduleNextIteration: the first loopOver task of the new iteration."""
        loop_over = (loop_task.get("workflowTask") or {}).get("loopOver") or []
        if not loop_over:
            return
        tasks = self.engine.mapper.tasks_to_schedule(run, loop_over[0], loop_task.get("retryCount", 0))
        self.set_task_domains(run, tasks)
        for t in tasks:
            t["referenceTaskName"] = f"{t['referenceTaskName']}__{loop_task['iteration']}"
            t["iteration"] = loop_task["iteration"]
        self.add_tasks(run, tasks)

    # ------------------------------------------------------------------------------------
    # scheduling (WorkflowExecutorOps.scheduleTask)
    def add_tasks(self, run: RunState, tasks: List[TaskDict]) -> bool:
        """Number, stamp and append new tasks; start synchronous system tasks.

        Returns True when a synchronous system task was started (the decide loops again).
        """
        if not tasks:
            return False
        now = self.engine.clock.now_ms()
        arrivals = self.engine.task_arrivals
        for t in tasks:
            if not t.get("seq"):
                run.max_seq += 1
                t["seq"] = run.max_seq
            if "_arrival" not in t:
                t["_arrival"] = next(arrivals)
            if not t.get("_firstScheduledTime"):
                t["_firstScheduledTime"] = now
            if not t.get("scheduledTime"):
                t["scheduledTime"] = now
            if t["status"] in TERMINAL and not t.get("endTime"):
                t["endTime"] = now
            run.add_task(t)
        started = False
        env = self.engine.env_for(run)
        handlers = self.engine.system_handlers
        for t in tasks:
            handler = handlers.get(t["taskType"])
            if handler is None:
                continue
            if t["status"] not in TERMINAL and not t.get("startTime"):
                t["startTime"] = now
            if not handler.is_async:
                handler.start(t, env)
                started = True
                t["updateTime"] = now  # persisted through the facade after start()
                if t["status"] in TERMINAL and not t.get("endTime"):
                    t["endTime"] = now
                run.refresh_pending(t)
        return started

    def set_task_domains(self, run: RunState, tasks: List[TaskDict]) -> None:
        """WorkflowExecutorOps.setTaskDomains (no poll data: the last listed domain wins)."""
        mapping = run.wf.get("taskToDomain") or {}
        if not mapping:
            return
        handlers = self.engine.system_handlers
        star = mapping.get("*")
        for t in tasks:
            if t["taskType"] in handlers:
                continue
            if star and str(star).strip():
                t["domain"] = _pick_domain(str(star))
            specific = mapping.get(t["taskType"])
            if specific is not None:
                t["domain"] = _pick_domain(str(specific))
            if t.get("domain") is None:
                t.pop("domain", None)

    # ------------------------------------------------------------------------------------
    # asynchronous system tasks (AsyncSystemTaskExecutor)
    def _run_due_async(self, run: RunState) -> bool:
        now = self.engine.clock.now_ms()
        allowed = self.engine.async_types
        settler = run.settler
        env = self.engine.env_for(run)
        for task in run.pending.to_walk(now):  # system tasks are never quiet
            if task["status"] in TERMINAL or task["taskType"] not in allowed:
                continue
            if settler is not None and settler.claims(run, task):
                continue  # the drive's settle step completes it (a mock)
            handler = self.engine.system_handlers.get(task["taskType"])
            if handler is None or not handler.is_async:
                continue
            due = async_due_ms(handler, task, env)
            if due is None or due > now:
                continue
            if self.evaluate_async(run, task):
                # the server decides after each finished async task, before the next evaluation
                return True
            if run.is_terminal():
                return False
        return False

    def evaluate_async(self, run: RunState, task: TaskDict) -> bool:
        """One background evaluation of an async system task; True when it finished."""
        handler = self.engine.system_handlers[task["taskType"]]
        done = run_async_task(handler, task, self.engine.env_for(run))
        run.refresh_pending(task)
        return done

    # ------------------------------------------------------------------------------------
    # retries (DeciderService.retry)
    def _task_def(self, run: RunState, task: TaskDict) -> Optional[Dict[str, Any]]:
        wt = task.get("workflowTask") or {}
        td = wt.get("taskDefinition")
        if isinstance(td, dict):
            return td
        dwt = run.index.task(task["referenceTaskName"])
        if dwt is not None and isinstance(dwt.get("taskDefinition"), dict):
            return dwt["taskDefinition"]  # type: ignore[no-any-return]
        return None

    def _retry(
        self,
        run: RunState,
        task_def: Optional[Dict[str, Any]],
        wt: Optional[Dict[str, Any]],
        task: TaskDict,
    ) -> Optional[TaskDict]:
        retry_count = task.get("retryCount", 0)
        if task_def is None:
            task_def = self.engine.lookup_task_def(task.get("taskDefName") or "")
        if task_def is None:
            expected = 0
        elif wt is not None and wt.get("retryCount") is not None:
            expected = _int(wt.get("retryCount"))
        else:
            expected = _int(task_def.get("retryCount"), 3)
        if task["status"] in RETRIABLE_NOT or task["taskType"] in BUILT_IN_TYPES or expected <= retry_count:
            if wt is not None and (wt.get("optional") or wt.get("permissive")):
                return None
            status = {"CANCELED": "TERMINATED", "TIMED_OUT": "TIMED_OUT"}.get(task["status"], "FAILED")
            self.update_workflow_output(run, task)
            raise TerminateWorkflow(
                f"Task {task['taskId']} failed with status: {status} and reason: "
                f"'{_jstr(task.get('reasonForIncompletion'))}'",
                status,
                task,
            )
        assert task_def is not None
        total = _int(task_def.get("totalTimeoutSeconds"))
        first = _int(task.get("_firstScheduledTime"))
        if total > 0 and first > 0:
            elapsed = (self.engine.clock.now_ms() - first) // 1000
            if elapsed >= total:
                status = "TIMED_OUT" if task["status"] == "TIMED_OUT" else "FAILED"
                self.update_workflow_output(run, task)
                raise TerminateWorkflow(
                    f"Task {task['taskId']}/{task.get('taskDefName')} "
                    f"exceeded total timeout of {total} seconds "
                    f"(elapsed {elapsed} seconds across all attempts). No further retries will be attempted.",
                    status,
                    task,
                )
        delay = retry_delay_seconds(task_def, retry_count)
        task["retried"] = True
        return self.build_retry_attempt(run, task, delay_seconds=delay, task_def=task_def, workflow_task=wt)

    def build_retry_attempt(
        self,
        run: RunState,
        task: TaskDict,
        *,
        delay_seconds: int = 0,
        task_def: Optional[Dict[str, Any]] = None,
        workflow_task: Optional[Dict[str, Any]] = None,
        for_workflow_retry: bool = False,
    ) -> TaskDict:
        """A new attempt of ``task`` (docs/semantics.md §3.4), not yet added to the workflow.

        See :meth:`add_tasks`. ``for_workflow_retry=True`` builds the attempt of the retry
        operation (docs/semantics.md §7.4): no delay and the failure reason is not carried over.
        """
        keep_reason = not for_workflow_retry
        if for_workflow_retry:
            delay_seconds = 0
        new = {k: v for k, v in task.items() if k not in ("_dueMs", "_arrival")}
        new_id = self.engine.ids.generate()
        for key in ("subWorkflowId", "workerId", "retriedTaskId"):
            new.pop(key, None)
        new.update(
            {
                "taskId": new_id,
                "retriedTaskId": task["taskId"],
                "retryCount": task.get("retryCount", 0) + 1,
                "retried": False,
                "executed": False,
                "status": "SCHEDULED",
                "seq": 0,
                "pollCount": 0,
                "scheduledTime": 0,
                "startTime": 0,
                "endTime": 0,
                "updateTime": 0,
                "outputData": {},
                "startDelayInSeconds": delay_seconds,
                "callbackAfterSeconds": delay_seconds,
            }
        )
        if not keep_reason:
            new.pop("reasonForIncompletion", None)
        inp = dict(task.get("inputData") or {})
        inp.pop("subWorkflowId", None)
        wt = workflow_task if workflow_task is not None else task.get("workflowTask")
        if wt is not None:
            # DeciderService.retry: the old input overlaid with the re-resolved inputParameters
            td = task_def if task_def is not None else self._task_def(run, task)
            inp.update(resolve_task_input(wt.get("inputParameters") or {}, run.context, new_id, td))
        new["inputData"] = inp
        return new

    # ------------------------------------------------------------------------------------
    # timeouts (docs/semantics.md §3.5, §3.6)
    def check_workflow_timeout(self, run: RunState) -> None:
        if run.is_terminal():
            return
        defn = run.defn
        if not defn.get("timeoutSeconds"):  # unset or 0: workflow_timeout_due answers None
            return
        due = workflow_timeout_due(defn, run.wf)
        now = self.engine.clock.now_ms()
        if due is None or now < due:
            return
        policy = defn.get("timeoutPolicy") or "ALERT_ONLY"
        if policy == "TIME_OUT_WF":
            timeout = _int(defn.get("timeoutSeconds"))
            elapsed = now - (due - timeout * 1000)
            raise TerminateWorkflow(
                f"Workflow timed out after {elapsed // 1000} seconds. "
                f"Timeout configured as {timeout} seconds. "
                f"Timeout policy configured to {policy}",
                "TIMED_OUT",
            )

    def _timeout_with_policy(self, reason: str, task_def: Dict[str, Any], task: TaskDict) -> None:
        policy = timeout_policy(task_def)
        if policy == "ALERT_ONLY":
            return
        task["status"] = "TIMED_OUT"
        task["reasonForIncompletion"] = reason
        self._stamp_end(task)
        if policy == "TIME_OUT_WF":
            raise TerminateWorkflow(reason, "TIMED_OUT", task)

    def _stamp_end(self, task: TaskDict) -> None:
        now = self.engine.clock.now_ms()
        if not task.get("endTime"):
            task["endTime"] = now
        task["updateTime"] = now

    @staticmethod
    def _may_time_out(task_def: Dict[str, Any], task: TaskDict) -> bool:
        """Whether an open task has a timeout to check (a look at the fields: most tasks have none,
        and the due functions answer None for each unset or zero timeout)."""
        status = task["status"]
        if status in TERMINAL:
            return False
        return may_have_policy_timeouts(task_def) or (
            status == "IN_PROGRESS" and bool(task_def.get("responseTimeoutSeconds"))
        )

    def _check_policy_timeouts(self, task_def: Dict[str, Any], task: TaskDict) -> None:
        """Total, task and poll timeouts, each handled by the TaskDef's timeoutPolicy."""
        if not may_have_policy_timeouts(task_def):
            return
        now = self.engine.clock.now_ms()
        for due_of, reason_of in POLICY_TIMEOUTS:
            due = due_of(task_def, task)
            if due is not None and now >= due:
                self._timeout_with_policy(reason_of(task_def, task, now, due), task_def, task)

    def _response_timed_out(self, task_def: Dict[str, Any], task: TaskDict) -> bool:
        due = response_timeout_due(task_def, task)
        if due is None or self.engine.clock.now_ms() < due:
            return False
        handler = self.engine.system_handlers.get(task["taskType"])
        return handler is None or not handler.is_async_complete(task)

    # ------------------------------------------------------------------------------------
    # completion (docs/semantics.md §2.6)
    def check_for_completion(self, run: RunState) -> bool:
        """DeciderService.checkForWorkflowCompletion."""
        if not run.terminate_tasks and run.has_open_task():
            return False  # what the walk below answers at the first open task
        status_by_ref: Dict[str, str] = {}
        not_done: List[TaskDict] = []
        for t in run.tasks:
            status_by_ref[t["referenceTaskName"]] = t["status"]
            if t["status"] not in TERMINAL:
                return False
            if t["taskType"] == "TERMINATE" and t["status"] not in UNSUCCESSFUL:
                return True
            if not t.get("retried") or not t.get("executed"):
                not_done.append(t)
        if not status_by_ref:
            return False
        for wt in run.defn.get("tasks") or []:
            st = status_by_ref.get(wt["taskReferenceName"])
            if st is None or st not in TERMINAL:
                return False
        for t in not_done:
            nxt = self._unskipped(run, run.index.next_task(t["referenceTaskName"]))
            if nxt is not None and nxt["taskReferenceName"] not in status_by_ref:
                return False
        return True

    def update_workflow_output(self, run: RunState, task: Optional[TaskDict] = None) -> None:
        """DeciderService.updateWorkflowOutput."""
        tasks = run.tasks
        if not tasks:
            return
        for t in run.terminate_tasks:
            if t["status"] in TERMINAL and t["status"] not in UNSUCCESSFUL:
                run.wf["output"] = t["outputData"] if t.get("outputData") else {}
                return
        params = run.defn.get("outputParameters")
        if params:
            run.wf["output"] = resolve_parameters(params, run.context, None)
            return
        last = task if task is not None else tasks[-1]
        run.wf["output"] = last.get("outputData") or {}

    def end_execution(self, run: RunState, terminate_task: Optional[TaskDict]) -> None:
        """WorkflowExecutorOps.endExecution."""
        if terminate_task is not None:
            status = terminate_task["inputData"].get("terminationStatus")
            reason = terminate_task["inputData"].get("terminationReason")
            if not isinstance(reason, str) or not reason.strip():
                reason = f"Workflow is {status} by TERMINATE task: {terminate_task['taskId']}"
            if status in ("FAILED", "TERMINATED"):
                run.wf["status"] = status
                self._terminate_from_exception(run, TerminateWorkflow(reason, status, terminate_task))
                return
            run.wf["reasonForIncompletion"] = reason
        self.complete_workflow(run)
        self.cancel_non_terminal_tasks(run)

    def complete_workflow(self, run: RunState) -> None:
        """WorkflowExecutorOps.completeWorkflow (the parent is notified)."""
        if run.status == "COMPLETED":
            return
        self.update_workflow_output(run, None)
        run.wf["status"] = "COMPLETED"
        self._collect_failed_names(run)
        self._stamp_workflow_end(run)
        self.notify_parent(run)

    def _collect_failed_names(self, run: RunState) -> None:
        refs = run.wf.setdefault("failedReferenceTaskNames", [])
        names = run.wf.setdefault("failedTaskNames", [])
        for t in run.tasks:
            if t["status"] in ("FAILED", "FAILED_WITH_TERMINAL_ERROR"):
                if t["referenceTaskName"] not in refs:
                    refs.append(t["referenceTaskName"])
                if t.get("taskDefName") not in names:
                    names.append(t.get("taskDefName"))

    def _stamp_workflow_end(self, run: RunState) -> None:
        now = self.engine.clock.now_ms()
        run.wf["endTime"] = now
        run.wf["updateTime"] = now

    def _terminate_from_exception(self, run: RunState, exc: TerminateWorkflow) -> None:
        """WorkflowExecutorOps.terminate: status from the exception, failure workflow started."""
        if not run.is_terminal():
            run.wf["status"] = exc.status
        task = exc.task
        if isinstance(task, dict) and run.failed_task_id is None:
            run.failed_task_id = task["taskId"]
        failure = run.defn.get("failureWorkflow")
        if isinstance(failure, str) and failure.startswith("$"):
            parts = failure.split(".")
            value = (run.wf.get("input") or {}).get(parts[2]) if len(parts) > 2 else None
            failure = value if isinstance(value, str) else None
        self.terminate_workflow(
            run,
            reason=exc.reason,
            failure_workflow=failure,
            failure_workflow_version=run.defn.get("failureWorkflowVersion"),
        )

    def terminate_workflow(
        self,
        run: RunState,
        reason: Optional[str],
        *,
        failure_workflow: Optional[str] = None,
        failure_workflow_version: Optional[int] = None,
        start_failure_workflow: bool = True,
    ) -> None:
        """WorkflowExecutorOps.terminateWorkflow: end the run (status TERMINATED unless set)."""
        if not run.is_terminal():
            run.wf["status"] = "TERMINATED"
        try:
            self.update_workflow_output(run, None)
        except Exception:
            pass
        self._collect_failed_names(run)
        if reason is None:
            run.wf.pop("reasonForIncompletion", None)
        else:
            run.wf["reasonForIncompletion"] = reason
        self.cancel_non_terminal_tasks(run)
        self._stamp_workflow_end(run)
        self.notify_parent(run)
        if start_failure_workflow and failure_workflow and str(failure_workflow).strip():
            self._start_failure_workflow(run, str(failure_workflow), failure_workflow_version, reason)

    def _start_failure_workflow(
        self, run: RunState, name: str, version: Optional[int], reason: Optional[str]
    ) -> None:
        inp = dict(run.wf.get("input") or {})
        inp["workflowId"] = run.workflow_id
        inp["reason"] = reason
        inp["failureStatus"] = run.status
        if run.failed_task_id is not None:
            inp["failureTaskId"] = run.failed_task_id
        inp["failedWorkflow"] = _model_view(self.engine.workflow_snapshot(run), run)
        try:
            new_id = self.engine.start_workflow(
                {
                    "name": name,
                    "version": version,
                    "input": inp,
                    "correlationId": run.wf.get("correlationId"),
                    "taskToDomain": run.wf.get("taskToDomain"),
                }
            )
            run.wf.setdefault("output", {})
            run.wf["output"] = dict(run.wf["output"])
            run.wf["output"]["conductor.failure_workflow"] = new_id
        except Exception as exc:
            run.wf["output"] = dict(run.wf.get("output") or {})
            run.wf["output"]["conductor.failure_workflow"] = (
                f"Error workflow {name} failed to start.  reason: {getattr(exc, 'message', None) or exc}"
            )

    def cancel_non_terminal_tasks(self, run: RunState) -> None:
        """Every SCHEDULED/IN_PROGRESS task becomes CANCELED; system tasks get ``cancel()``."""
        env = self.engine.env_for(run)
        now = self.engine.clock.now_ms()
        for t in list(run.tasks):
            if t["status"] in TERMINAL:
                continue
            pending_change = run.uncommitted.pop(t["taskId"], None)
            if pending_change is not None:
                pending_change()
            t["status"] = "CANCELED"
            handler = self.engine.system_handlers.get(t["taskType"])
            if handler is not None:
                handler.cancel(t, env)
            if not t.get("endTime"):
                t["endTime"] = now
            t["updateTime"] = now
            run.refresh_pending(t)

    def notify_parent(self, run: RunState) -> None:
        """A child ended: update the parent's SUB_WORKFLOW task and decide the parent."""
        parent_id = run.wf.get("parentWorkflowId")
        task_id = run.wf.get("parentWorkflowTaskId")
        if not parent_id or not task_id:
            return
        parent = self.engine.store.runs.get(parent_id)
        if parent is None:
            return
        task = parent.by_id.get(task_id)
        if task is None or task["status"] in TERMINAL:
            return
        from conductor_testkit.engine.operators import update_from_child

        update_from_child(task, run)
        now = self.engine.clock.now_ms()
        task["updateTime"] = now
        if task["status"] in TERMINAL and not task.get("endTime"):
            task["endTime"] = now
        parent.refresh_pending(task)
        self.decide(parent, incremental=True)


_MODEL_TASK_EXTRAS = {
    "callbackAfterMs": 0,
    "waitTimeout": 0,
    "onStateChange": {},
    "idempotent": False,
    "cachedOutput": False,
    "notifications": {},
    "nonWorkflowEventTask": False,
    "asyncComplete": False,
    "idempotentExecution": False,
}


def _model_view(wf: Dict[str, Any], run: RunState) -> Dict[str, Any]:
    """The failed workflow as the server serialises its internal WorkflowModel (failure input)."""
    out = {k: v for k, v in wf.items() if k not in ("history", "rateLimited", "startTime", "updateTime")}
    out["updatedTime"] = wf.get("updateTime", 0)
    out["previousStatus"] = "RUNNING"
    if run.failed_task_id is not None:
        out["failedTaskId"] = run.failed_task_id
    tasks = []
    for live, t in zip(run.tasks, wf.get("tasks") or []):
        m = {k: v for k, v in t.items() if k not in ("executionMetadata", "firstStartTime")}
        for key, value in _MODEL_TASK_EXTRAS.items():
            m[key] = value if not isinstance(value, dict) else {}
        m["firstScheduledTime"] = live.get("_firstScheduledTime", 0)
        tasks.append(m)
    out["tasks"] = tasks
    return out


def async_due_ms(handler: Any, task: TaskDict, env: Any) -> Optional[int]:
    """When the background worker evaluates an async task: the handler's answer, or for any
    SCHEDULED async task (e.g. a retried WAIT) its queue time, as the server queues it."""
    due = handler.next_due_ms(task, env)
    if due is None and task.get("status") == "SCHEDULED":
        due = queue_due_ms(task)
    return due  # type: ignore[no-any-return]


def _java_int(value: int) -> int:
    """Java 32-bit int arithmetic: wrap modulo 2^32 into the signed range."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= (1 << 31) else value


def retry_delay_seconds(task_def: Dict[str, Any], retry_count: int) -> int:
    """The retry delay of docs/semantics.md §3.3 (FIXED, LINEAR_BACKOFF, EXPONENTIAL_BACKOFF, capped)."""
    base = _int(task_def.get("retryDelaySeconds"), 60)
    logic = task_def.get("retryLogic") or "FIXED"
    # Java int products wrap (verified on 3.32.1); only a negative result becomes MAX_VALUE
    if logic == "LINEAR_BACKOFF":
        d = _java_int(_java_int(base * _int(task_def.get("backoffScaleFactor"), 1)) * (retry_count + 1))
        d = INT_MAX if d < 0 else d
    elif logic == "EXPONENTIAL_BACKOFF":
        factor = min(int(2**retry_count), INT_MAX)  # (int) Math.pow saturates at MAX_VALUE
        d = _java_int(base * factor)
        d = INT_MAX if d < 0 else d
    else:
        d = base
    cap = _int(task_def.get("maxRetryDelaySeconds"))
    if cap > 0 and d > cap:
        d = cap
    return d


def _pick_domain(text: str) -> Optional[str]:
    domains = [d.strip() for d in text.split(",")]
    last = domains[-1]
    return None if last.upper() == "NO_DOMAIN" else last


def _jstr(value: Any) -> str:
    return "null" if value is None else str(value)
