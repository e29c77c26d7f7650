"""``LiveBackend``: run a workflow on a real server with real workers polling it, on wall time.

The workflow is started normally (its definition inline) with a task domain of its own, so only
this run's workers get its tasks, even on a server other tests (or other pytest-xdist workers)
use at the same time. Every worker task the run schedules, in the workflow, its sub-workflows
and its failure workflow, is served: types of the definitions are polled from the start, types
that appear at run time (dynamic forks, DYNAMIC tasks) as soon as they are seen. Each task is
settled like on the local backend (see :mod:`conductor_testkit.testing.live_workers`); mocked
WAIT and HUMAN tasks are completed through the task API. System tasks (INLINE, HTTP,
JSON_JQ_TRANSFORM, ...) run on the server for real, so they cannot be mocked here; neither can a
mock's ``executionTime``: such tests are refused before anything starts.

Time is real, within limits a test can set:

* ``timeout_seconds``: the longest a run may take; then it is stopped (terminated on the server)
  and its :class:`Execution` names what it still waited for.
* ``max_wait_seconds``: a WAIT with a duration or an end date longer than this is completed by the
  harness once it has waited this long; the Execution's ``notes`` say which, and how long it
  would have waited. ``None`` lets every WAIT take its full time.
* ``task_defaults``: the server retries a failed attempt of a worker task whose TaskDef is not
  registered after 60 s. For this run only, each worker task of the definition (and of the
  sub-workflow definitions it carries inline) whose type has no TaskDef on the server and no
  inline ``taskDefinition`` gets one inline with these fields (default: ``retryDelaySeconds`` 0).
  Nothing is registered on the server: other tests on the same server, on other backends, see it
  as it was. The tasks of registered sub-workflows, failure workflows and dynamic forks keep the
  server's defaults. ``None`` adds nothing.

A run that cannot go on (a task with no mock and no worker) stops at once; its Execution says why.
Results are read when the workflow is final and, when it failed and has a failure workflow, when
that one is final too (its id is in the output as ``conductor.failure_workflow``).
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from typing import Any, Dict, Iterator, List, Mapping, Optional, Set, Tuple

from conductor_testkit.client import Configuration
from conductor_testkit.engine import unknown_type_note
from conductor_testkit.errors import ConflictError, NotFoundError
from conductor_testkit.testing.backend import BackendNotSupportedError, ServerBackend
from conductor_testkit.testing.definition import walk_tasks
from conductor_testkit.testing.execution import FAILURE_WORKFLOW_KEY, Blocker, Execution
from conductor_testkit.testing.live_workers import WORKER_ID, LiveRun, Scopes
from conductor_testkit.testing.mocks import MockSet
from conductor_testkit.testing.server_runs import (
    FAILURE_WORKFLOW_ID_SECONDS,
    SYSTEM_TASK_TYPES,
    OpenTask,
    RunFamily,
    expects_failure_workflow,
    is_worker_task,
    read_failure_workflow_id,
    read_family,
    timed_wait_seconds,
)

__all__ = ["DEFAULT_TASK_DEFAULTS", "LiveBackend"]

DEFAULT_TASK_DEFAULTS: Mapping[str, Any] = {"retryDelaySeconds": 0}
_LEAF_WAITS = frozenset({"WAIT", "HUMAN"})


class LiveBackend(ServerBackend):
    """Runs workflows on a real server with in-process worker threads (wall-clock time).

    Args:
        server_url: the API root; default ``$CONDUCTOR_SERVER_URL``.
        configuration: a ready Configuration instead of a URL.
        timeout_seconds: the longest a run (with its failure workflow) may take before it is
            stopped and reported blocked.
        poll_interval_millis: how often the workers poll and the run is checked.
        max_wait_seconds: the longest a WAIT with a duration or end date really waits (longer
            ones are completed after this long, and the Execution's notes say so); None: no limit.
        task_defaults: the TaskDef fields given inline, for this run, to worker tasks without a
            TaskDef (see the module docstring); None adds nothing.
    """

    name = "live"
    supports_functions = True

    def __init__(
        self,
        server_url: Optional[str] = None,
        *,
        configuration: Optional[Configuration] = None,
        timeout_seconds: float = 60.0,
        poll_interval_millis: float = 50.0,
        max_wait_seconds: Optional[float] = 5.0,
        task_defaults: Optional[Mapping[str, Any]] = DEFAULT_TASK_DEFAULTS,
    ) -> None:
        super().__init__(server_url, configuration=configuration)
        self.timeout_seconds = timeout_seconds
        self.poll_interval_millis = poll_interval_millis
        self.max_wait_seconds = max_wait_seconds
        self.task_defaults = dict(task_defaults) if task_defaults is not None else None

    # -- the run ---------------------------------------------------------------------------------

    def _run(
        self,
        definition: Mapping[str, Any],
        request: Dict[str, Any],
        mocks: MockSet,
        workers: Mapping[str, Any],
        task_to_domain: Dict[str, str],
    ) -> Execution:
        """Start the workflow, serve its tasks until it (and its failure workflow) ends or cannot go
        on, and return its Execution."""
        definitions = self._definitions(definition)
        _check_supported(definition, definitions, mocks)
        worker_types, _ = _worker_types(definitions.values())
        request["workflowDef"] = self._with_task_defaults(definition)
        domain = f"testkit-{uuid.uuid4().hex[:12]}"
        scopes = Scopes(mocks, self.clients, threading.Lock())
        run = LiveRun(scopes, workers, domain, self.configuration, self.poll_interval_millis)
        request["taskToDomain"] = {"*": domain, **task_to_domain}
        watch = _Watch(self, run)
        run.serve(worker_types | set(workers))
        try:
            workflow_id = self.clients.get_workflow_client().start_workflow(
                {k: v for k, v in request.items() if v is not None}
            )
            scopes.set_root(workflow_id)
            watch.root_id = workflow_id
            family = watch.follow(workflow_id)
            if family.is_final:
                family = watch.follow_failure_workflow(family)
        finally:
            run.stop()
        blockers: List[Blocker] = []
        if not family.is_final:
            blockers = watch.blockers(family)
            family = watch.stop(family)
            if family.is_final:  # it ended while being stopped: report how
                blockers = []
        if run.assertion is not None:
            raise run.assertion
        return Execution(
            family.root, backend=self.name, blocked=blockers, unused_mocks=mocks.unused(), notes=watch.notes
        )

    # -- before the run --------------------------------------------------------------------------

    def _definitions(self, definition: Mapping[str, Any]) -> Dict[str, Mapping[str, Any]]:
        """The definition, the sub-workflows it starts (inline or registered) and its failure
        workflow, by name (those the server does not know are left out)."""
        found: Dict[str, Mapping[str, Any]] = {str(definition.get("name")): definition}
        queue = [definition]
        while queue:
            current = queue.pop()
            wanted: List[Tuple[str, Optional[int], Optional[Mapping[str, Any]]]] = []
            for site in walk_tasks(list(current.get("tasks") or [])):
                params = site.task.get("subWorkflowParam")
                if site.type == "SUB_WORKFLOW" and isinstance(params, Mapping) and params.get("name"):
                    wanted.append(
                        (str(params["name"]), params.get("version"), params.get("workflowDefinition"))
                    )
            failure = current.get("failureWorkflow")
            if failure and not str(failure).startswith("$"):
                wanted.append((str(failure), current.get("failureWorkflowVersion"), None))
            for name, version, inline in wanted:
                if name in found:
                    continue
                child = inline if isinstance(inline, Mapping) else self._registered_workflow(name, version)
                if child is not None:
                    found[name] = child
                    queue.append(child)
        return found

    def _registered_workflow(self, name: str, version: Optional[int]) -> Optional[Mapping[str, Any]]:
        try:
            return self._metadata.get_workflow_def(name, version).to_dict()  # type: ignore[no-any-return]
        except NotFoundError:
            return None

    def _with_task_defaults(self, definition: Mapping[str, Any]) -> Dict[str, Any]:
        """A copy of ``definition`` whose worker tasks without a TaskDef (on the server, or inline)
        carry ``task_defaults`` inline, in inline sub-workflows too."""
        out = copy.deepcopy(dict(definition))
        if self.task_defaults is None:
            return out
        known: Dict[str, bool] = {}
        for site in _worker_sites(out):
            task = site.task
            task_type = str(task.get("name")) if site.type == "SIMPLE" else site.type
            if task.get("taskDefinition") or task_type in self.registered_task_defs:
                continue
            if task_type not in known:
                known[task_type] = self._has_task_def(task_type)
            if not known[task_type]:
                task["taskDefinition"] = {"name": task_type, **self.task_defaults}  # type: ignore[index]
        return out

    def _has_task_def(self, name: str) -> bool:
        try:
            self._metadata.get_task_def(name)
        except NotFoundError:
            return False
        return True


def _worker_sites(definition: Mapping[str, Any]) -> Iterator[Any]:
    """The worker tasks of ``definition`` and of the sub-workflow definitions it carries inline."""
    for site in walk_tasks(list(definition.get("tasks") or [])):
        if site.type == "SIMPLE" or site.type not in SYSTEM_TASK_TYPES:
            yield site
        params = site.task.get("subWorkflowParam")
        inline = params.get("workflowDefinition") if isinstance(params, Mapping) else None
        if isinstance(inline, Mapping):
            yield from _worker_sites(inline)


def _worker_types(definitions: Any) -> Tuple[Set[str], Set[str]]:
    """(the worker task types of ``definitions``, those of them with an inline TaskDef)."""
    types: Set[str] = set()
    inline: Set[str] = set()
    for definition in definitions:
        for site in walk_tasks(list(definition.get("tasks") or [])):
            if site.type == "SIMPLE" or site.type not in SYSTEM_TASK_TYPES:
                task_type = str(site.task.get("name")) if site.type == "SIMPLE" else site.type
                types.add(task_type)
                if site.task.get("taskDefinition"):
                    inline.add(task_type)
    return types, inline


def _check_supported(
    definition: Mapping[str, Any], definitions: Mapping[str, Mapping[str, Any]], mocks: MockSet
) -> None:
    """Refuse, before anything starts, mocks only the local and remote backends can apply."""
    name = definition.get("name")
    types: Dict[str, str] = {}
    children: Dict[str, Optional[Mapping[str, Any]]] = {}
    for site in walk_tasks(list(definition.get("tasks") or [])):
        types[site.ref] = site.type
        params = site.task.get("subWorkflowParam")
        if site.type == "SUB_WORKFLOW" and isinstance(params, Mapping):
            children[site.ref] = definitions.get(str(params.get("name")))
    for ref, planned in mocks.by_ref.items():
        ttype = types.get(ref) or types.get(ref.split("__")[0])
        if any(
            a.mock is not None and (a.mock["executionTime"] or a.mock["queueWaitTime"])
            for a in planned.attempts
        ):
            raise BackendNotSupportedError(
                f"workflow {name!r}: the live backend runs on wall time; mocks[{ref!r}] sets "
                "executionTime or queueWaitTime, which only the local and remote backends can simulate"
            )
        if ttype in _LEAF_WAITS and planned.has_functions:
            raise BackendNotSupportedError(
                f"workflow {name!r}: {ttype} task {ref!r} can be mocked with data only on the live backend "
                "(the harness completes it through the task API)"
            )
        if ttype is not None and ttype in SYSTEM_TASK_TYPES and ttype not in _LEAF_WAITS | {"DYNAMIC"}:
            raise BackendNotSupportedError(
                f"workflow {name!r}: task {ref!r} is a {ttype}, which the server runs by itself on the live "
                "backend; run this test on the local or remote backend to mock it"
            )
    for ref, sub in mocks.sub_workflows.items():
        child = children.get(ref)
        if child is not None:
            _check_supported(child, definitions, sub)


# -- watching a run ------------------------------------------------------------------------------


class _Watch:
    """Follows a live run on the server: serves new task types, completes mocked WAIT and HUMAN
    tasks, ends long WAITs, and decides when the run is over."""

    def __init__(self, backend: LiveBackend, run: LiveRun) -> None:
        self.backend = backend
        self.run = run
        self.workflows = backend.clients.get_workflow_client()
        self.tasks = backend.clients.get_task_client()
        self.deadline = time.monotonic() + backend.timeout_seconds
        self.notes: List[str] = []
        self.root_id = ""
        self._wait_seen: Dict[str, float] = {}

    def follow(self, workflow_id: str) -> RunFamily:
        """Read the run until it is final, cannot go on (two reads agree), or the deadline passes."""
        stuck_on: Optional[Tuple[Any, ...]] = None
        while True:
            root = self.workflows.get_workflow(workflow_id, include_tasks=True).to_dict()
            family = read_family(self.workflows, root)
            if family.is_final or time.monotonic() > self.deadline:
                return family
            self.run.scopes.learn(family)
            moved = self._step(family)
            # a worker may take a mock between the read and this check: a run is stuck only when two
            # reads in a row see the same open tasks and both judge them stuck
            state = family.state()
            if moved or not self._stuck(family):
                stuck_on = None
            elif stuck_on == state:
                return family
            else:
                stuck_on = state
            time.sleep(self.backend.poll_interval_millis / 1000.0)

    def follow_failure_workflow(self, family: RunFamily) -> RunFamily:
        """When the workflow failed and has a failure workflow: follow that one too, then read the
        workflow again (the server writes the failure workflow's id into its output last)."""
        root = family.root
        if not expects_failure_workflow(root):
            return family
        workflow_id = str(root.get("workflowId"))
        deadline = min(self.deadline, time.monotonic() + FAILURE_WORKFLOW_ID_SECONDS)
        poll_seconds = self.backend.poll_interval_millis / 1000.0
        root = read_failure_workflow_id(self.workflows, root, deadline, poll_seconds)
        failure_id = (root.get("output") or {}).get(FAILURE_WORKFLOW_KEY)
        if not failure_id or " " in str(failure_id):  # not started: the output says why
            return RunFamily([root])
        self.run.scopes.set_unmocked(str(failure_id))
        failure = self.follow(str(failure_id))
        if not failure.is_final:
            reasons = "; ".join(str(b) for b in self.blockers(failure))
            self.stop(failure)
            self.notes.append(
                f"the failure workflow {failure.root.get('workflowName')!r} ({failure_id}) could not "
                f"finish and was terminated: {reasons}"
            )
        return RunFamily([self.workflows.get_workflow(workflow_id, include_tasks=True).to_dict()])

    def stop(self, family: RunFamily) -> RunFamily:
        """Terminate a run that did not end; the run as read after (it may have ended meanwhile)."""
        workflow_id = str(family.root.get("workflowId"))
        try:
            self.workflows.terminate_workflow(workflow_id, reason="conductor-testkit: the live run stopped")
        except ConflictError:  # it ended in the meantime
            root = self.workflows.get_workflow(workflow_id, include_tasks=True).to_dict()
            return read_family(self.workflows, root)
        return family

    # -- one step ----------------------------------------------------------------------------------

    def _step(self, family: RunFamily) -> bool:
        """Serve new task types, settle mocked WAIT/HUMAN tasks, end long WAITs; True if one ended."""
        moved = False
        for task in family.open_leaves():
            if is_worker_task(task.task):
                self.run.serve([task.type])
            elif task.type in _LEAF_WAITS and task.status == "IN_PROGRESS":
                moved = self._settle_wait(task) or moved
        return moved

    def _settle_wait(self, task: OpenTask) -> bool:
        attempt = self.run.next_attempt(task.workflow_id, task.ref)
        if attempt is not None and attempt.mock is not None:
            self.tasks.update_task_by_ref_name(
                task.workflow_id, task.ref, attempt.mock["status"], attempt.mock["output"], WORKER_ID
            )
            return True
        waits = timed_wait_seconds(task.task)
        limit = self.backend.max_wait_seconds
        if waits is None or limit is None or waits <= limit:
            return False
        first_seen = self._wait_seen.setdefault(str(task.task.get("taskId")), time.monotonic())
        if time.monotonic() - first_seen < limit:
            return False
        self.tasks.update_task_by_ref_name(task.workflow_id, task.ref, "COMPLETED", {}, WORKER_ID)
        self.notes.append(
            f"WAIT {task.ref!r} of workflow {task.workflow.get('workflowName')!r} would have waited "
            f"{waits} s; the harness completed it after {limit:g} s (max_wait_seconds)"
        )
        return True

    # -- why a run does not go on --------------------------------------------------------------------

    def _stuck(self, family: RunFamily) -> bool:
        """Whether every open leaf task is one no mock, worker or timer will ever settle."""
        leaves = family.open_leaves()
        return bool(leaves) and all(self._why_stuck(t, family) is not None for t in leaves)

    def _why_stuck(self, task: OpenTask, family: RunFamily) -> Optional[str]:
        ref = task.ref
        planned = self.run.scopes.of(task.workflow_id).by_ref.get(ref)
        exhausted = planned is not None and planned.exhausted
        used_up = (
            f"its {planned.given} mocked attempt(s) are used up; add more to mocks[{ref!r}]"
            if planned
            else ""
        )
        if task.type in _LEAF_WAITS:
            if timed_wait_seconds(task.task) is not None:
                return None  # ends by itself (or by max_wait_seconds)
            if planned is None:
                return f"the {task.type} task waits to be completed; mock it: mocks={{{ref!r}: {{}}}}"
            return used_up if exhausted else None
        if not is_worker_task(task.task) or task.type in self.run.workers:
            return None  # the server runs it, or a real worker will
        if planned is None:
            return _nobody_for(task, self.root_id) + unknown_type_note(task.task)
        # the last planned attempt may be in flight (IN_PROGRESS): only a queued or parked task is stuck
        if exhausted and (task.status == "SCHEDULED" or str(task.task.get("taskId")) in self.run.parked):
            return used_up
        return None

    @property
    def _stopped_after(self) -> str:
        return f"the run stopped after {self.backend.timeout_seconds:g} s"

    def blockers(self, family: RunFamily) -> List[Blocker]:
        out: List[Blocker] = []
        for task in family.open_leaves():
            reason = self._why_stuck(task, family)
            if reason is None:
                waits = timed_wait_seconds(task.task)
                reason = f"still {task.status} when {self._stopped_after}"
                if waits is not None:
                    reason += f" (the WAIT lasts {waits} s; lower max_wait_seconds or raise the timeout)"
            out.append(Blocker(task.ref, task.type, task.status, reason, task.workflow_id))
        if not out:
            root = family.root
            out.append(
                Blocker(
                    "",
                    "",
                    str(root.get("status")),
                    f"still {root.get('status')} when {self._stopped_after}",
                    str(root.get("workflowId")),
                )
            )
        return out


def _nobody_for(task: OpenTask, root_id: str) -> str:
    ref, ttype = task.ref, task.type
    nobody = f"no mock, mock function or worker for it (task type {ttype!r}"
    if task.workflow_id == root_id:
        return f"{nobody}); pass mocks={{{ref!r}: ...}} or a worker for {ttype!r}"
    where = f"{nobody}, in workflow {task.workflow.get('workflowName')!r}); pass a worker for {ttype!r}"
    if task.workflow.get("parentWorkflowId"):
        return (
            f"{where}, or mock it with sub_workflow_mocks of the SUB_WORKFLOW task that starts that workflow"
        )
    return f"{where} (the tasks of a failure workflow cannot be mocked)"
