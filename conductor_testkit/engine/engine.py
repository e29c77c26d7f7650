"""The in-memory Conductor engine: the server's service operations over an in-memory store.

Everything runs on a :class:`VirtualClock`; nothing reads the wall clock. Inputs may be dicts or
pydantic models of :mod:`conductor_testkit.models`; every output is a plain wire dict (the
server's camelCase JSON), a deep copy that callers may keep or change.

Public API (what the harness, ``memory://`` and users call):

* metadata: :meth:`Engine.register_workflow_def`, :meth:`get_workflow_def`,
  :meth:`get_all_workflow_defs`, :meth:`unregister_workflow_def`, :meth:`register_task_def`,
  :meth:`get_task_def`, :meth:`get_all_task_defs`, :meth:`unregister_task_def`,
  :meth:`latest_workflow_def`;
* execution: :meth:`start_workflow`, :meth:`get_workflow`, :meth:`get_task`, :meth:`decide`,
  :meth:`poll`, :meth:`update_task`, :meth:`update_task_by_ref_name`;
* drives (one loop, :mod:`conductor_testkit.engine.driver`): :meth:`run_workflow`,
  :meth:`execute`, :meth:`run_until_blocked`, :meth:`test_workflow`, :meth:`run_workers`;
  time: :meth:`next_due_ms`, :meth:`advance_to`, :meth:`skip_idle_time`;
* operations (:mod:`conductor_testkit.engine.operations`): pause, resume, terminate, retry,
  restart, rerun, skip, update variables, remove;
* shared state of outside callers: ``gate`` (the lock), ``task_logs``, ``poll_data``,
  ``event_handlers``; records of what ran: ``published_events``, ``kafka_messages``.

Internals the engine's own modules use: ``store``, ``decider``, ``mapper``, ``ids``,
``system_handlers``, :meth:`env_for`, :meth:`create_run`, :meth:`start_run`,
:meth:`prepared_definition`, :meth:`workflow_snapshot`, :meth:`task_snapshot`,
:meth:`task_result_from`, :meth:`apply_task_result`, :meth:`mark_polled`, :meth:`http_session`,
:meth:`lookup_task_def`.
"""

from __future__ import annotations

import itertools
import random
import weakref
from collections.abc import Mapping  # isinstance checks: abc is faster than typing
from typing import Any, Dict, Iterable, List, Optional, Tuple, cast

from conductor_testkit.engine.bean_validation import (
    DefinitionValidationError,
    check_task_tree,
    raise_if_invalid,
    task_def_errors,
    validate_workflow_def,
)
from conductor_testkit.engine.binding import bind_body
from conductor_testkit.engine.clock import VirtualClock
from conductor_testkit.engine.decider import Decider
from conductor_testkit.engine.deferred_snapshot import DeferredSnapshot
from conductor_testkit.engine.definitions import (
    normalize_task_def,
    normalize_workflow_def,
    populate_task_definitions,
)
from conductor_testkit.engine.driver import Drive, RunOutcome, next_due_ms, skip_idle_time
from conductor_testkit.engine.errors import (
    EngineBadRequest,
    EngineConflict,
    EngineIllegalState,
    EngineNotFound,
)
from conductor_testkit.engine.event_handlers import ConductorQueues, EventExecution
from conductor_testkit.engine.expressions import workflow_input_with_template
from conductor_testkit.engine.gate import EngineGate
from conductor_testkit.engine.gc_pause import gc_paused
from conductor_testkit.engine.ids import IdGenerator
from conductor_testkit.engine.javascript import JavaScriptEvaluator, evaluate_expression, to_bool
from conductor_testkit.engine.jq_transform import (
    DEFAULT_JQ_MEMORY_LIMIT_BYTES,
    DEFAULT_JQ_TIME_LIMIT_SECONDS,
    JqEvaluator,
)
from conductor_testkit.engine.mapping import EXECUTION_METADATA, Mapper, fresh_execution_metadata
from conductor_testkit.engine.mocks import MockSet
from conductor_testkit.engine.operators import OPERATOR_HANDLERS
from conductor_testkit.engine.poll_limits import RateLimiter, held_back, release_next
from conductor_testkit.engine.prepared import PreparedDefinition, prepare_definition, workflow_task_templates
from conductor_testkit.engine.python_evaluator import evaluate_python
from conductor_testkit.engine.run import TERMINAL, RunState, TaskDict, base_ref, json_copy
from conductor_testkit.engine.run_env import NetworkDisabledError, RunEnv, make_http_session
from conductor_testkit.engine.script_warnings import ScriptOrigin
from conductor_testkit.engine.settle import Settler, TaskSettler
from conductor_testkit.engine.store import DEFAULT_FINISHED_IN_MEMORY, Store
from conductor_testkit.engine.system_tasks.base import SystemTaskHandler
from conductor_testkit.engine.timeouts import queue_due_ms
from conductor_testkit.engine.workers import workers_by_type
from conductor_testkit.engine.workflow_test import run_workflow_test
from conductor_testkit.models import jackson

_REASON_LIMIT = 500
_SCALARS = frozenset((str, int, bool, float, type(None)))  # exact classes: a hash lookup a field


def _sdk_to_wire(value: Any) -> Any:
    """The official SDK's swagger models (snake_case attributes + ``attribute_map``) as wire JSON."""
    amap = getattr(type(value), "attribute_map", None)
    if isinstance(amap, dict) and hasattr(type(value), "swagger_types"):
        out = {}
        for attr, key in amap.items():
            item = getattr(value, attr, None)
            if item is not None:
                out[key] = _sdk_to_wire(item)
        return out
    if isinstance(value, Mapping):
        return {k: _sdk_to_wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_sdk_to_wire(v) for v in value]
    if hasattr(value, "value") and type(value).__module__.startswith("conductor."):
        return value.value  # an SDK enum
    return value


def _named_after_inline(request: Any) -> Any:
    """The request as wire JSON, named after its inline ``workflowDef`` when it has no name."""
    wire = _wire(request)
    inline = wire.get("workflowDef") if isinstance(wire, dict) else None
    if isinstance(inline, Mapping) and wire.get("name") is None:
        wire["name"] = inline.get("name")
    return wire


def _wire(value: Any) -> Any:
    """A request or definition as wire JSON: a dict from a mapping or a model; JSON values as they
    are (the binding then refuses them as the server does); anything else is refused here."""
    if value is None or isinstance(value, (Mapping, list, tuple, str, int, float, bool)):
        return dict(value) if isinstance(value, Mapping) else value
    try:
        return _as_dict(value)
    except TypeError as exc:
        raise EngineBadRequest(str(exc)) from None


def _as_dict(value: Any) -> Dict[str, Any]:
    """A wire dict from a dict, a pydantic model of conductor_testkit.models, or an official SDK model."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    if hasattr(type(value), "attribute_map") and hasattr(type(value), "swagger_types"):
        return dict(_sdk_to_wire(value))
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        result = to_dict()
        if isinstance(result, Mapping):
            return dict(result)
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dict(dump(by_alias=True, exclude_none=True))
    raise TypeError(f"expected a dict or a model, got {type(value).__name__}")


class Engine:
    """An in-memory Conductor server on a virtual clock.

    Args:
        clock: the clock to use (default: a new :class:`VirtualClock` at 2024-01-01T00:00Z).
        seed: seeds the id generator, so a run replays with the same ids.
        workers: in-process workers, run by every drive and by ``memory://``: ``Worker`` objects,
            ``@worker_task`` functions, or a mapping task name -> callable/Worker.
        network: allow HTTP tasks to reach the network (off: a clear error names the URL;
            ``responses`` mocks work either way).
        js_time_limit_seconds / js_memory_limit_bytes: limits of the JavaScript evaluator
            (wall time per evaluation; QuickJS heap).
        jq_time_limit_seconds / jq_memory_limit_bytes: limits of JSON_JQ_TRANSFORM programs
            (wall time per evaluation; memory of the sandbox process beyond its baseline).
        host_name: the ``workerId`` of async system tasks (the server's host name).
        shuffle_ready: settle ready tasks in a seeded random order (``seed``) instead of
            definition order, to explore interleavings of parallel branches reproducibly.
        task_rate_limits: hold back polled tasks beyond their TaskDef's ``rateLimitPerFrequency``
            per ``rateLimitFrequencyInSeconds``, as a Redis-backed server does. Off by default:
            the SQL-backed servers (SQLite, Postgres, MySQL; the pinned test server) ignore rate
            limits. ``concurrentExecLimit`` is always applied, as every server does.
        finished_runs_in_memory: how many finished workflow runs stay in memory; older ones are
            archived out of memory and stay readable by id (see
            :mod:`~conductor_testkit.engine.store`). ``None`` keeps every run in memory.
    """

    def __init__(
        self,
        *,
        clock: Optional[VirtualClock] = None,
        seed: int = 0,
        workers: Iterable[Any] = (),
        network: bool = False,
        js_time_limit_seconds: float = 4.0,
        js_memory_limit_bytes: int = 32 * 1024 * 1024,
        jq_time_limit_seconds: float = DEFAULT_JQ_TIME_LIMIT_SECONDS,
        jq_memory_limit_bytes: int = DEFAULT_JQ_MEMORY_LIMIT_BYTES,
        host_name: str = "conductor-testkit",
        shuffle_ready: bool = False,
        task_rate_limits: bool = False,
        finished_runs_in_memory: Optional[int] = DEFAULT_FINISHED_IN_MEMORY,
    ) -> None:
        self.clock = clock if clock is not None else VirtualClock()
        self.ids = IdGenerator(seed)
        # drives settle ready tasks in definition order, or (shuffle_ready) in a seeded random
        # order to explore other interleavings reproducibly
        self.shuffle_ready = shuffle_ready
        self.ready_rng = random.Random(seed)
        self.store = Store(finished_runs_in_memory)
        # creation order of every task (the server's task_in_progress rows, concurrentExecLimit)
        self.task_arrivals = itertools.count(1)
        self.rate_limiter: Optional[RateLimiter] = RateLimiter() if task_rate_limits else None
        self.network = network
        self.host_name = host_name
        self.js = JavaScriptEvaluator(js_time_limit_seconds, js_memory_limit_bytes)
        self.jq = JqEvaluator(jq_time_limit_seconds, jq_memory_limit_bytes)
        self._workflow_defs: Dict[str, Dict[int, Dict[str, Any]]] = {}
        self._task_defs: Dict[str, Dict[str, Any]] = {}
        # bumped on every metadata change: cached definition snapshots depend on it
        self._generation = 0
        self._snapshots: Dict[Tuple[str, Optional[int]], Tuple[int, PreparedDefinition]] = {}
        self.system_handlers: Dict[str, SystemTaskHandler] = self._load_handlers()
        self.system_task_types = frozenset(self.system_handlers)
        self.async_types = frozenset(t for t, h in self.system_handlers.items() if h.is_async)
        # the engine's parts refer back to it weakly: an engine nobody holds is freed at once with
        # its runs, not by a pass of the cyclic garbage collector (a test suite makes one per test)
        back = cast(Engine, weakref.proxy(self))
        self.mapper = Mapper(back)
        self.decider = Decider(back)
        self.published_events: List[Dict[str, Any]] = []
        # messages of conductor queues waiting for event handlers, and what handlers did
        self.conductor_queues = ConductorQueues()
        self.event_executions: List[EventExecution] = []
        self.kafka_messages: List[Dict[str, Any]] = []
        self.workers: Dict[str, Any] = {}
        self._session: Any = None
        self.add_workers(workers)
        # what outside callers share: the lock every REST call runs under, and the REST-level
        # state the engine does not model (task logs, poll data, event handlers)
        self.gate = EngineGate()
        self.task_logs: Dict[str, List[Dict[str, Any]]] = {}
        self.poll_data: Dict[Tuple[str, Optional[str]], Dict[str, Any]] = {}
        self.event_handlers: Dict[str, Dict[str, Any]] = {}

    @staticmethod
    def _load_handlers() -> Dict[str, SystemTaskHandler]:
        handlers: Dict[str, SystemTaskHandler] = {}
        try:
            from conductor_testkit.engine.system_tasks import HANDLERS

            handlers.update(HANDLERS)
        except ImportError:  # pragma: no cover - the system task package always exists
            pass
        if "NOOP" not in handlers:
            from conductor_testkit.engine.operators import ForkHandler

            class _Noop(ForkHandler):
                task_type = "NOOP"

                def prepare(self, task: TaskDict, workflow_task: Dict[str, Any], env: Any) -> None:
                    task["inputData"] = {}
                    task["status"] = "IN_PROGRESS"

                def execute(self, task: TaskDict, env: Any) -> bool:
                    task["status"] = "COMPLETED"
                    return True

            handlers["NOOP"] = _Noop()
        handlers.update(OPERATOR_HANDLERS)
        return handlers

    # ------------------------------------------------------------------------------------
    # workers
    def add_workers(self, workers: Any) -> None:
        """Register in-process workers (see the class docstring for the accepted forms)."""
        self.workers.update(workers_by_type(workers))

    # ------------------------------------------------------------------------------------
    # metadata
    def register_workflow_def(self, definition: Any, overwrite: bool = True) -> None:
        """Register (or replace) a workflow definition.

        Read and checked as the server reads a registration: a value of the wrong type raises
        :class:`~conductor_testkit.engine.binding.BindError` (the server's HTTP 500 "JSON parse
        error"), a definition that breaks the server's constraints
        :class:`DefinitionValidationError` (HTTP 400); each names the workflow, the task
        reference and the field.
        """
        bound = self.read_workflow_def(definition)
        name = bound.get("name")
        version = bound.get("version", 1)
        if not overwrite and isinstance(name, str) and self.find_workflow_def(name, version) is not None:
            # MetadataResource.create refuses an existing version before validating
            raise EngineConflict(f"Workflow with {name}.{version} already exists!")
        check_task_tree(bound)
        d = normalize_workflow_def(bound)
        checked = json_copy(d)
        populate_task_definitions(checked, self.lookup_task_def)
        validate_workflow_def(checked)
        d["version"] = version
        self._workflow_defs.setdefault(str(name), {})[version] = d
        self._generation += 1

    def find_workflow_def(self, name: str, version: Optional[int]) -> Optional[Dict[str, Any]]:
        """The registered definition (a copy), ``version`` or the latest, or None."""
        found = self._workflow_def(name, version)
        return json_copy(found) if found is not None else None

    @staticmethod
    def read_workflow_def(definition: Any) -> Dict[str, Any]:
        """A workflow definition converted as the server's JSON binding reads one."""
        bound = bind_body(_wire(definition), jackson.WORKFLOW_DEF)
        if bound is None:
            raise EngineBadRequest("a workflow definition is required, received null")
        return bound  # type: ignore[no-any-return]

    def get_workflow_def(self, name: str, version: Optional[int] = None) -> Dict[str, Any]:
        d = self._workflow_def(name, version)
        if d is None:
            shown = "null" if version is None else version
            raise EngineNotFound(f"No such workflow found by name: {name}, version: {shown}")
        return json_copy(d)  # type: ignore[no-any-return]

    def get_all_workflow_defs(self) -> List[Dict[str, Any]]:
        return [json_copy(d) for versions in self._workflow_defs.values() for d in versions.values()]

    def unregister_workflow_def(self, name: str, version: int) -> None:
        versions = self._workflow_defs.get(name, {})
        if int(version) not in versions:
            # verified on 3.32.1: HTTP 500
            raise EngineIllegalState(f"No such workflow definition: {name} version: {version}")
        del versions[int(version)]
        self._generation += 1
        if not versions:
            self._workflow_defs.pop(name, None)

    def register_task_def(self, definition: Any) -> None:
        """Register (or replace) a task definition, read and checked as the server reads one."""
        bound = bind_body(_wire(definition), jackson.TASK_DEF)
        if bound is None:
            raise EngineBadRequest("a task definition is required, received null")
        raise_if_invalid(task_def_errors(bound))
        d = normalize_task_def(bound)
        if not d.get("createTime"):
            d["createTime"] = self.clock.now_ms()
        d.setdefault("createdBy", "")
        self._task_defs[d["name"]] = d
        self._generation += 1

    def get_task_def(self, name: str) -> Dict[str, Any]:
        d = self._task_defs.get(name)
        if d is None:
            raise EngineNotFound(f"No such taskType found by name: {name}")
        return json_copy(d)  # type: ignore[no-any-return]

    def get_all_task_defs(self) -> List[Dict[str, Any]]:
        return [json_copy(d) for d in self._task_defs.values()]

    def unregister_task_def(self, name: str) -> None:
        if self._task_defs.pop(name, None) is None:
            raise EngineIllegalState("No such task definition")
        self._generation += 1

    def lookup_task_def(self, name: str) -> Optional[Dict[str, Any]]:
        """The registered TaskDef (a copy) or None."""
        d = self._task_defs.get(name)
        return json_copy(d) if d is not None else None

    def _workflow_def(self, name: str, version: Optional[int]) -> Optional[Dict[str, Any]]:
        """The registered definition (not copied): ``version`` or the latest."""
        if version is None:
            return self.latest_workflow_def(name)
        return self._workflow_defs.get(name, {}).get(int(version))

    def latest_workflow_def(self, name: str) -> Optional[Dict[str, Any]]:
        versions = self._workflow_defs.get(name)
        if not versions:
            return None
        return versions[max(versions)]

    def snapshot_definition(self, name: str, version: Optional[int], inline: Any = None) -> Dict[str, Any]:
        """The definition a new run uses: defaults, TaskDefs attached, sub-workflow versions pinned.

        Snapshots are cached (see :mod:`conductor_testkit.engine.prepared`) and shared by the runs
        that use them: treat a run's ``workflowDefinition`` as read-only.
        """
        return self.prepared_definition(name, version, inline).defn

    def prepared_definition(
        self, name: str, version: Optional[int], inline: Any = None
    ) -> PreparedDefinition:
        """:meth:`snapshot_definition` with its index and copy templates."""
        if inline is not None:
            return prepare_definition(
                _as_dict(inline),
                inline=True,
                task_def=self._task_defs.get,
                latest_version=self._latest_version,
            )
        memo_key = (name, version)
        memo = self._snapshots.get(memo_key)
        if memo is not None and memo[0] == self._generation:
            return memo[1]
        found = self._workflow_def(name, version)
        if found is None:
            shown = "null" if version is None else version
            raise EngineNotFound(f"No such workflow defined. name={name}, version={shown}")
        prepared = prepare_definition(
            found, inline=False, task_def=self._task_defs.get, latest_version=self._latest_version
        )
        self._snapshots[memo_key] = (self._generation, prepared)
        return prepared

    def _latest_version(self, name: str) -> Optional[int]:
        versions = self._workflow_defs.get(name)
        return max(versions) if versions else None

    # ------------------------------------------------------------------------------------
    # starting
    def create_run(
        self,
        request: Any,
        *,
        workflow_id: Optional[str] = None,
        parent: Optional[Tuple[str, str]] = None,
    ) -> RunState:
        """Create and store a RUNNING workflow (no decide yet). Raises like the server's start."""
        req = _as_dict(request)
        name = req.get("name")
        inline = req.get("workflowDef")
        if inline is not None:
            inline = _as_dict(inline)
            name = name or inline.get("name")
        elif not str(name or "").strip():
            # MetadataMapperService.lookupForWorkflowDefinition
            raise EngineBadRequest("Workflow name must be specified when searching for a definition")
        version = req.get("version")
        prepared = self.prepared_definition(str(name), version, inline)
        defn = prepared.defn
        if "input" in req and req["input"] is None and not req.get("externalInputPayloadStoragePath"):
            # the server's text as the message (the HTTP answer); str() names the workflow
            error = EngineBadRequest(
                "NULL input passed when starting workflow (field input)", workflow=str(name)
            )
            error.message = "NULL input passed when starting workflow"
            raise error
        now = self.clock.now_ms()
        wid = workflow_id or req.get("workflowId") or self.ids.generate()
        wf: Dict[str, Any] = {
            "ownerApp": "",
            "createTime": now,
            "updateTime": now,
            "status": "RUNNING",
            "endTime": 0,
            "workflowId": wid,
            "tasks": [],
            "input": workflow_input_with_template(req.get("input") or {}, defn.get("inputTemplate")),
            "output": {},
            "taskToDomain": dict(req.get("taskToDomain") or {}),
            "failedReferenceTaskNames": [],
            "workflowDefinition": defn,
            "priority": int(req.get("priority") or 0),
            "variables": json_copy(defn.get("variables") or {}),
            "lastRetriedTime": 0,
            "failedTaskNames": [],
            "history": [],
            "rateLimited": False,
            "startTime": now,
            "workflowName": defn["name"],
            "workflowVersion": defn.get("version", 1),
        }
        # the idempotencyKey of a start request is not kept: 3.32.1's WorkflowModel has no such
        # field, and its start applies no idempotencyStrategy (FAIL, RETURN_EXISTING and
        # FAIL_ON_RUNNING all start a new workflow)
        for key in ("correlationId", "createdBy"):
            if req.get(key) is not None:
                wf[key] = req[key]
        if parent is not None:
            wf["parentWorkflowId"], wf["parentWorkflowTaskId"] = parent
        run = RunState(wf, prepared)
        self._inherit_settler(run, parent)
        self.store.add(run)
        return run

    def _inherit_settler(self, run: RunState, parent: Optional[Tuple[str, str]]) -> None:
        """A run started inside a drive belongs to it: a sub-workflow gets the mocks of its
        parent task, a workflow a decide starts otherwise what the drive's settle step says."""
        if parent is not None:
            parent_run = self.store.runs.get(parent[0])
            settler = parent_run.settler if parent_run is not None else None
            if settler is not None:
                task = parent_run.by_id.get(parent[1]) if parent_run is not None else None
                ref = str(task["referenceTaskName"]) if task is not None else ""
                settler.for_child(ref).attach(run)
            return
        origin = self.decider.current_run()
        if origin is not None and origin.settler is not None:
            # the server starts the failure workflow once the run has ended
            started = origin.settler.for_started(failure_workflow=origin.is_terminal())
            if started is not None:
                started.adopt(run)

    def start_workflow(self, request: Any) -> str:
        """Start a workflow (StartWorkflowRequest); the first decide runs before this returns.

        The request is read and checked as the server reads it (see :meth:`read_start_request`).
        """
        return self.start_run(request).workflow_id

    def start_run(self, request: Any, settler: Optional[Settler] = None) -> RunState:
        """Start a workflow whose tasks ``settler`` settles (attached before the first decide).

        The request is read and checked as the server reads it (see :meth:`read_start_request`).
        """
        run = self.create_run(self.read_start_request(request))
        if settler is not None:
            settler.attach(run)
        try:
            self.decider.decide(run)
            # the server's first decide shares one variables map between the workflow and its
            # definition: SET_VARIABLE tasks of that decide also show in workflowDefinition
            run.definition_variables = json_copy(run.wf.get("variables") or {})
        except ValueError as exc:
            # an IllegalArgumentException escaping the first decide (e.g. a WAIT duration): 400
            self.store.remove(run.workflow_id)
            raise EngineBadRequest(str(exc)) from exc
        except Exception:
            self.store.remove(run.workflow_id)
            raise
        return run

    def read_start_request(self, request: Any, java_type: Any = None) -> Dict[str, Any]:
        """A StartWorkflowRequest (or ``java_type``) as the server reads one before starting it.

        See :func:`conductor_testkit.engine.requests_check.read_start_request`. One convenience of
        the Python API: a request with an inline ``workflowDef`` and no ``name`` takes the
        definition's name (the server's REST API requires the name; memory:// does too).
        """
        from conductor_testkit.engine.requests_check import read_start_request

        return read_start_request(_named_after_inline(request), java_type, task_def=self.lookup_task_def)

    def check_test_request(self, request: Any) -> Dict[str, Any]:
        """A WorkflowTestRequest as the server's ``POST /workflow/test`` reads it, converted.

        Raises the server's error (a :class:`~conductor_testkit.errors.ConductorError` naming the
        workflow, the task reference and the field) for a request it refuses; see
        :func:`conductor_testkit.engine.requests_check.check_test_request`. A request with an
        inline ``workflowDef`` and no ``name`` takes the definition's name, as in
        :meth:`read_start_request`.
        """
        from conductor_testkit.engine.requests_check import check_test_request

        return check_test_request(_named_after_inline(request), task_def=self.lookup_task_def)

    # ------------------------------------------------------------------------------------
    # reading
    def get_workflow(self, workflow_id: str, include_tasks: bool = True) -> Dict[str, Any]:
        """The wire Workflow JSON (a deep copy); ``tasks`` is ``[]`` without include_tasks."""
        return self.workflow_snapshot(self.store.run(workflow_id), include_tasks)

    def workflow_snapshot(self, run: RunState, include_tasks: bool = True) -> Dict[str, Any]:
        """The wire Workflow JSON of a run (a fresh deep copy)."""
        with gc_paused():
            return self._workflow_snapshot(run, include_tasks, None)

    def deferred_snapshot(self, run: RunState) -> DeferredSnapshot:
        """The wire Workflow JSON of a run with its tasks, the prepared definition's parts in it
        copied only when :meth:`DeferredSnapshot.detach` is called (engine/deferred_snapshot.py)."""
        deferred = DeferredSnapshot({})
        with gc_paused():
            deferred.shared = self._workflow_snapshot(run, True, deferred)
        return deferred

    def _workflow_snapshot(
        self, run: RunState, include_tasks: bool, deferred: Optional[DeferredSnapshot]
    ) -> Dict[str, Any]:
        out = {k: json_copy(v) for k, v in run.wf.items() if k not in ("tasks", "workflowDefinition")}
        prepared = run.prepared
        def_vars = run.definition_variables
        if prepared is not None and prepared.defn is run.defn:
            if (
                deferred is not None
                and not run.definition_overrides
                # no variables in the run's first decide nor in the definition: it is as shared
                and (def_vars is None or (def_vars == {} and run.defn.get("variables") == {}))
            ):
                deferred.share(out, "workflowDefinition", prepared.defn, prepared.frozen)
                def_vars = None
            else:
                out["workflowDefinition"] = prepared.frozen.copy()
        else:  # replaced by an operation (restart with the latest definitions)
            out["workflowDefinition"] = json_copy(run.defn)
        if run.definition_overrides:
            from conductor_testkit.engine.definitions import iter_all_tasks

            for wt in iter_all_tasks(out["workflowDefinition"].get("tasks") or []):
                override = run.definition_overrides.get(str(wt.get("taskReferenceName")))
                if override:
                    wt.update(json_copy(override))
        if def_vars is not None:
            out["workflowDefinition"]["variables"] = json_copy(def_vars)
        out["tasks"] = [self.task_snapshot(t, deferred) for t in run.tasks] if include_tasks else []
        return out

    def task_snapshot(self, task: TaskDict, deferred: Optional[DeferredSnapshot] = None) -> Dict[str, Any]:
        """The wire Task JSON of a task dict (internal fields dropped, derived ones added); with
        ``deferred``, a prepared definition's workflow task and task definition are shared in it."""
        # a shallow copy, then the few container fields replaced: a task is mostly scalars
        out = task.copy()
        for k, v in task.items():
            if v.__class__ not in _SCALARS:
                if k[0] == "_" or k == "workflowTask":
                    del out[k]
                elif v is EXECUTION_METADATA:
                    out[k] = fresh_execution_metadata()
                else:
                    out[k] = json_copy(v)
            elif k[0] == "_":
                del out[k]
        wt_obj = task.get("workflowTask")
        if wt_obj is not None:
            # a task's workflowTask is fixed once the task exists: copy it from a template
            templates = task.get("_wtCopy")
            if templates is None or templates[0] is not wt_obj:
                templates = task["_wtCopy"] = workflow_task_templates(wt_obj)
            if deferred is not None and templates[3]:
                deferred.share(out, "workflowTask", wt_obj, templates[1])
                if templates[2] is not None:
                    deferred.share(out, "taskDefinition", wt_obj["taskDefinition"], templates[2])
            else:
                out["workflowTask"] = templates[1].copy()
                if templates[2] is not None:
                    out["taskDefinition"] = templates[2].copy()
        else:
            out["workflowTask"] = {
                "name": task.get("taskDefName"),
                "taskReferenceName": task["referenceTaskName"],
            }
        out["loopOverTask"] = task.get("iteration", 0) > 0
        out["queueWaitTime"] = self._queue_wait_time(task)
        reason = out.get("reasonForIncompletion")
        if isinstance(reason, str) and len(reason) > _REASON_LIMIT:
            out["reasonForIncompletion"] = reason[:_REASON_LIMIT]
        if out.get("reasonForIncompletion") is None:
            out.pop("reasonForIncompletion", None)
        return out

    def _queue_wait_time(self, task: TaskDict) -> int:
        start = task.get("startTime") or 0
        scheduled = task.get("scheduledTime") or 0
        if start > 0 and scheduled > 0:
            update = task.get("updateTime") or 0
            callback = task.get("callbackAfterSeconds") or 0
            if update > 0 and callback > 0:
                wait = self.clock.now_ms() - (update + callback * 1000)
                return int(wait) if wait > 0 else 0
            return int(start - scheduled)
        return 0

    def get_task(self, task_id: str) -> Dict[str, Any]:
        found = self.store.find_task(task_id)
        if found is None:
            raise EngineNotFound(f"No such task found by taskId: {task_id}")
        return self.task_snapshot(found[1])

    # ------------------------------------------------------------------------------------
    # deciding, polling, updating
    def decide(self, workflow_id: str) -> None:
        """Run a decide for the workflow (PUT /workflow/decide/{id})."""
        self.decider.decide(self.store.run(workflow_id))

    def env_for(self, run: RunState) -> RunEnv:
        return RunEnv(self, run)  # not kept on the run: the run would refer back to the engine

    def is_worker_task(self, task: TaskDict) -> bool:
        return task["taskType"] not in self.system_handlers

    @staticmethod
    def task_due_ms(task: TaskDict) -> int:
        """When a SCHEDULED worker task may be polled (queue delay on the virtual clock)."""
        due = task.get("_dueMs")
        if due is not None:
            return int(due)
        return queue_due_ms(task)

    def poll(
        self, task_type: str, worker_id: Optional[str] = None, domain: Optional[str] = None, count: int = 1
    ) -> List[Dict[str, Any]]:
        """Hand out up to ``count`` SCHEDULED worker tasks of ``task_type`` that are due.

        Like the server, the poll takes ``count`` due tasks out of the queue and hands out those
        within their TaskDef's ``concurrentExecLimit`` (and rate limit, when enabled); the others
        are postponed (see :mod:`~conductor_testkit.engine.poll_limits`). Only runs that may hold
        work are walked (:meth:`Store.pollable_runs`), so a poll costs the same however many
        workflows have finished.
        """
        now = self.clock.now_ms()
        due: List[TaskDict] = []
        for run in self.store.pollable_runs():
            if run.is_terminal():
                continue
            for task in run.non_terminal():
                if len(due) >= count:
                    break
                if task["taskType"] != task_type or task["status"] != "SCHEDULED":
                    continue
                if (task.get("domain") or None) != (domain or None):
                    continue
                if self.task_due_ms(task) > now:
                    continue
                due.append(task)
        found: List[Dict[str, Any]] = []
        for task in due:
            if held_back(self, task):
                continue
            self.mark_polled(task, worker_id)
            found.append(self.task_snapshot(task))
        return found

    def mark_polled(self, task: TaskDict, worker_id: Optional[str]) -> None:
        """ExecutionService.poll: IN_PROGRESS, first startTime, pollCount, workerId."""
        now = self.clock.now_ms()
        task["status"] = "IN_PROGRESS"
        if not task.get("startTime"):
            task["startTime"] = now
        task["pollCount"] = task.get("pollCount", 0) + 1
        task["callbackAfterSeconds"] = 0
        task["updateTime"] = now
        task.pop("_dueMs", None)
        if worker_id is not None:
            task["workerId"] = worker_id
        run = self.store.runs.get(task.get("workflowInstanceId") or "")
        if run is not None:
            run.refresh_pending(task)  # IN_PROGRESS now: its response timeout runs

    def update_task(self, task_result: Any) -> str:
        """Apply a TaskResult (docs/semantics.md §2.9) and decide; returns the task id."""
        result = _as_dict(task_result)
        task_id = result.get("taskId")
        if not task_id:
            raise EngineBadRequest("Task ID cannot be null")
        found = None
        wid = result.get("workflowInstanceId")
        if wid and wid in self.store.runs:
            run = self.store.runs[wid]
            if task_id in run.by_id:
                found = (run, run.by_id[task_id])
        if found is None:
            found = self.store.find_task(task_id)
        if found is None:
            raise EngineNotFound(f"No such task found by id: {task_id}")
        run, task = found
        self.apply_task_result(run, task, result)
        return str(task_id)

    def apply_task_result(self, run: RunState, task: TaskDict, result: Mapping[str, Any]) -> None:
        """WorkflowExecutorOps.updateTask on an already found task, then a decide."""
        if task["status"] in TERMINAL or run.is_terminal():
            return
        now = self.clock.now_ms()
        status = str(result.get("status") or "COMPLETED")
        if self.is_worker_task(task) and status == "IN_PROGRESS":
            task["status"] = "SCHEDULED"
        else:
            task["status"] = status
        reason = result.get("reasonForIncompletion")
        if reason is None:
            task.pop("reasonForIncompletion", None)
        else:
            task["reasonForIncompletion"] = reason
        if result.get("workerId") is None:
            task.pop("workerId", None)
        else:
            task["workerId"] = result["workerId"]
        callback = int(result.get("callbackAfterSeconds") or 0)
        task["callbackAfterSeconds"] = callback
        output = result.get("outputData")
        task["outputData"] = dict(output) if output is not None else {}
        if result.get("subWorkflowId") is not None:
            task["subWorkflowId"] = result["subWorkflowId"]
        elif "subWorkflowId" in task and task["taskType"] != "SUB_WORKFLOW":
            task.pop("subWorkflowId", None)
        if task["status"] in TERMINAL:
            task["endTime"] = now
        else:
            task["_dueMs"] = now + callback * 1000
        task["updateTime"] = now
        run.refresh_pending(task)
        release_next(self, task)
        try:
            self.decider.decide(run, incremental=True)
        except ValueError as exc:
            # IllegalArgumentException out of the decide (e.g. a later WAIT's duration): the
            # update is kept, the call answers 400 and the workflow stays as it is
            raise EngineBadRequest(str(exc)) from exc

    def update_task_by_ref_name(
        self,
        workflow_id: str,
        task_ref_name: str,
        status: str,
        output: Optional[Mapping[str, Any]] = None,
        worker_id: Optional[str] = None,
    ) -> str:
        """POST /tasks/{wf}/{ref}/{status} (docs/semantics.md §7.8); '' when no such task is pending."""
        run = self.store.run(workflow_id)
        task = self.pending_task_by_ref(run, task_ref_name)
        if task is None:
            return ""
        result = self.task_result_from(run, task, status, output)
        if worker_id is not None:
            result["workerId"] = worker_id
        self.apply_task_result(run, task, result)
        return str(task["taskId"])

    @staticmethod
    def task_result_from(
        run: RunState, task: TaskDict, status: str, output: Optional[Mapping[str, Any]]
    ) -> Dict[str, Any]:
        """A TaskResult that keeps what the task has (reason, callback, worker) and merges ``output``
        (a copy) into its outputData: what the server builds for a by-reference update or a mock."""
        merged = dict(task.get("outputData") or {})
        merged.update(json_copy(dict(output or {})))
        return {
            "taskId": task["taskId"],
            "workflowInstanceId": run.workflow_id,
            "status": status,
            "outputData": merged,
            "reasonForIncompletion": task.get("reasonForIncompletion"),
            "callbackAfterSeconds": task.get("callbackAfterSeconds", 0),
            "workerId": task.get("workerId"),
        }

    @staticmethod
    def pending_task_by_ref(run: RunState, ref: str) -> Optional[TaskDict]:
        """ExecutionService.getPendingTaskForWorkflow: exact reference first, then the base name."""
        open_tasks = run.non_terminal()
        for t in open_tasks:
            if t["referenceTaskName"] == ref:
                return t
        for t in open_tasks:
            if base_ref(t["referenceTaskName"]) == ref:
                return t
        return None

    # ------------------------------------------------------------------------------------
    # evaluators used by mappers/operators
    def evaluate(
        self,
        evaluator_type: str,
        expression: Any,
        input: Any,
        parameters: Optional[Mapping[str, Any]] = None,
        *,
        origin: Optional[ScriptOrigin] = None,
    ) -> Any:
        """SWITCH/DECISION evaluation (value-param, javascript, graaljs, python).

        ``origin`` (the workflow run and task) gives each run its own JavaScript global state
        and names the task in warnings. ``python`` runs on the engine's safe subset of Python
        (:mod:`~conductor_testkit.engine.python_evaluator`; ``parameters``: the inputParameters
        ``input`` was resolved from): PythonError for what fails on the server too,
        PythonUnsupported for what the engine will not run.
        """
        if evaluator_type == "python":
            return evaluate_python(str(expression), json_copy(input), parameters)
        if evaluator_type in ("javascript", "graaljs"):
            return evaluate_expression(evaluator_type, str(expression), input, self.js, origin=origin)
        return evaluate_expression(evaluator_type, expression, input, self.js)

    def evaluate_condition(
        self, condition: str, input: Any, *, origin: Optional[ScriptOrigin] = None
    ) -> bool:
        """DO_WHILE loopCondition: JavaScript, truthy per the server's evalBool."""
        return to_bool(self.js.evaluate(condition, input, origin=origin))

    # ------------------------------------------------------------------------------------
    # HTTP for the HTTP task
    def http_session(self) -> Any:
        """The ``requests.Session`` HTTP tasks use (refusing connections when network is off)."""
        if self._session is None:
            self._session = make_http_session(self.network)
        return self._session

    # ------------------------------------------------------------------------------------
    # driving (engine/driver.py: the one loop; engine/settle.py: who settles tasks)
    def running_runs(self) -> List[RunState]:
        """The runs whose workflow is RUNNING, in creation order."""
        return [run for run in self.store.runs.values() if run.status == "RUNNING"]

    def _settler(
        self, mocks: Any, sub_workflow_mocks: Any, workers: Any, failure_workflow_mocks: Any
    ) -> TaskSettler:
        own = dict(self.workers)
        if workers:
            own.update(workers_by_type(workers))
        if isinstance(mocks, MockSet):
            mock_set = mocks
        else:
            mock_set = MockSet.parse(mocks, sub_workflow_mocks, failure_workflow_mocks=failure_workflow_mocks)
        return TaskSettler(mock_set, own)

    def run_workflow(
        self,
        request: Any,
        *,
        mocks: Any = None,
        sub_workflow_mocks: Optional[Mapping[str, Any]] = None,
        workers: Any = None,
        failure_workflow_mocks: Any = None,
        fire_timeouts: bool = False,
    ) -> RunOutcome:
        """Start a workflow and drive it until it ends or nothing more can happen.

        Each task the engine does not finish by itself is settled by the first of: its mocks
        (``mocks``: reference name -> attempts, in the forms of :mod:`conductor_testkit.engine.mocks`;
        ``sub_workflow_mocks``: a SUB_WORKFLOW reference -> its child's mocks), its mock function,
        the worker of its task type (``workers`` in the forms :meth:`add_workers` takes, on top of
        the engine's own). When nothing can run now the clock jumps to the next timer; with
        ``fire_timeouts`` also to the next task or workflow timeout when nothing else is due.
        The failure workflow the run starts is driven too, by ``failure_workflow_mocks`` and the
        workers.
        """
        settler = self._settler(mocks, sub_workflow_mocks, workers, failure_workflow_mocks)
        run = self.start_run(request, settler)
        return Drive(self, run, settler, fire_timeouts=fire_timeouts).run()

    def drive(
        self,
        workflow_id: str,
        settler: Optional[Settler] = None,
        *,
        fire_timeouts: bool = False,
        until_ms: Optional[int] = None,
        moves_clock: bool = True,
    ) -> RunOutcome:
        """Drive a started workflow again: with ``settler`` (e.g. a :class:`RunOutcome`'s
        ``settler``, holding the mocks left), else with the engine's workers.

        ``until_ms``: let virtual time pass up to that instant, firing every timer and timeout
        due on the way in order, and stop there (the clock ends at ``until_ms``).
        ``moves_clock=False``: settle only what is ready now (and report what blocks the run).
        """
        run = self.store.run(workflow_id)
        if settler is None:
            settler = self._settler(None, None, None, None)
        settler.include(run)
        drive = Drive(
            self, run, settler, fire_timeouts=fire_timeouts, until_ms=until_ms, moves_clock=moves_clock
        )
        return drive.run()

    def execute(
        self, request: Any, *, mocks: Any = None, workers: Any = None, fire_timeouts: bool = False
    ) -> Dict[str, Any]:
        """:meth:`run_workflow` and return the workflow JSON."""
        return self.run_workflow(request, mocks=mocks, workers=workers, fire_timeouts=fire_timeouts).workflow

    def run_until_blocked(
        self, workflow_id: str, *, fire_timeouts: bool = False, workers: Any = None
    ) -> RunOutcome:
        """Drive a started workflow with the engine's workers (and ``workers``), on the virtual clock."""
        return self.drive(workflow_id, self._settler(None, None, workers, None), fire_timeouts=fire_timeouts)

    def test_workflow(self, request: Any) -> Dict[str, Any]:
        """``POST /workflow/test`` on the virtual clock (mocks only, as on the server); the workflow JSON.

        The request is checked first (:meth:`check_test_request`); a mocked attempt the server's
        loop cannot apply fails when the loop reaches it, as on the server.
        """
        return run_workflow_test(self, self.check_test_request(request)).workflow

    def run_workers(self) -> bool:
        """Run the engine's in-process workers on every running workflow until none has a ready
        task for them (the clock does not move); True when some task was settled.

        ``memory://`` calls this after each change, so workers given to the engine run there too.
        """
        if not self.workers:
            return False
        settled = False
        for run in self.running_runs():
            if run.wf.get("parentWorkflowId") or run.settler is not None:
                continue  # a sub-workflow is driven with its parent; a run in a drive by that drive
            settler = TaskSettler(None, self.workers, moves_clock=False)
            settler.attach(run)
            drive = Drive(self, run, settler)
            drive.run()
            settled = settled or drive.settled > 0
        return settled

    def next_due_ms(self, *, include_timeouts: bool = False) -> Optional[int]:
        """The earliest future virtual time at which something becomes due in a running workflow.

        Considers delayed worker tasks (retry delays, startDelay, callbackAfterSeconds), async
        system tasks (WAIT deadlines, ...) and, with ``include_timeouts``, task/workflow timeouts.
        None when nothing is waiting on a timer.
        """
        return next_due_ms(self, self.running_runs(), include_timeouts=include_timeouts)

    def advance_to(self, ms: int) -> None:
        """Move the virtual clock to ``ms`` (if later) and decide every running workflow."""
        self.clock.advance_to(ms)
        for run in [r for r in self.store.runs.values() if not r.is_terminal()]:
            self.decider.decide(run)

    def skip_idle_time(self) -> bool:
        """Jump the clock to the next timer when every running workflow waits only for time
        (no worker task in progress or pollable now); True when time moved. For outside pollers."""
        return skip_idle_time(self)

    # ------------------------------------------------------------------------------------
    # operations
    def pause_workflow(self, workflow_id: str) -> None:
        from conductor_testkit.engine import operations

        operations.pause_workflow(self, workflow_id)

    def resume_workflow(self, workflow_id: str) -> None:
        from conductor_testkit.engine import operations

        operations.resume_workflow(self, workflow_id)

    def terminate_workflow(self, workflow_id: str, reason: Optional[str] = None, **kwargs: Any) -> None:
        from conductor_testkit.engine import operations

        operations.terminate_workflow(self, workflow_id, reason, **kwargs)

    def retry_workflow(self, workflow_id: str, resume_subworkflow_tasks: bool = False) -> None:
        from conductor_testkit.engine import operations

        operations.retry_workflow(self, workflow_id, resume_subworkflow_tasks=resume_subworkflow_tasks)

    def restart_workflow(self, workflow_id: str, use_latest_definitions: bool = False) -> None:
        from conductor_testkit.engine import operations

        operations.restart_workflow(self, workflow_id, use_latest_definitions=use_latest_definitions)

    def rerun_workflow(self, workflow_id: str, request: Any = None) -> str:
        from conductor_testkit.engine import operations

        return operations.rerun_workflow(self, workflow_id, request)

    def skip_task(self, workflow_id: str, task_reference_name: str, request: Any = None) -> None:
        from conductor_testkit.engine import operations

        operations.skip_task(self, workflow_id, task_reference_name, request)

    def update_variables(self, workflow_id: str, variables: Optional[Mapping[str, Any]] = None) -> None:
        from conductor_testkit.engine import operations

        operations.update_variables(self, workflow_id, variables)

    def remove_workflow(self, workflow_id: str) -> None:
        from conductor_testkit.engine import operations

        operations.remove_workflow(self, workflow_id)


__all__ = ["DefinitionValidationError", "Engine", "NetworkDisabledError", "RunEnv"]
