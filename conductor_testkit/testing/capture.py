"""Capture: turn an execution on a server into a :class:`~conductor_testkit.testing.case.Case`.

::

    from conductor_testkit.testing.capture import capture, capture_recent

    case = capture("4f2a9c1e-...", "http://conductor:8080/api")
    case.save("tests/cases/orders_us.json")

    # the last 50 completed or failed executions of 'orders', one case per distinct path
    cases = capture_recent("orders", "http://conductor:8080/api", last=50, statuses=["COMPLETED", "FAILED"])
    for case in cases:
        case.save(f"tests/cases/{case.name}.json")

The execution is read with its tasks, and so are the sub-workflows it started (recursively) and
its failure workflow. Each task attempt that a worker, a person or the outside world settled
becomes a mocked attempt of its reference name: loop iterations keep their ``ref__N`` names, the
tasks of a dynamic fork their generated references, a DYNAMIC task its own reference, WAIT and
HUMAN tasks the output they were completed with. Tasks that run by themselves (SWITCH, INLINE,
JSON_JQ_TRANSFORM, JOIN, ...) are not mocked: a replay runs them again, which is the point.

How an attempt's status becomes a mock: COMPLETED, FAILED and FAILED_WITH_TERMINAL_ERROR stay;
COMPLETED_WITH_ERRORS (an optional task that failed) is the FAILED its worker reported; TIMED_OUT
becomes an IN_PROGRESS attempt that lasts longer than the task's timeout (the test endpoint's way
to time a task out); CANCELED and SKIPPED tasks, and tasks still open, were no attempt's outcome
and are not mocked.

Secrets are redacted (:mod:`conductor_testkit.testing.redaction`) in every part of the case that
holds data: the input, the definitions' input parameters, output parameters and templates, the
task definitions' templates, the mocks and the record.
"""

from __future__ import annotations

import copy
import datetime
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

from conductor_testkit.client import Configuration, OrkesClients
from conductor_testkit.engine import OPERATORS
from conductor_testkit.errors import ConductorError, NotFoundError
from conductor_testkit.models.enums import TaskType
from conductor_testkit.testing.case import Case, CaseMocks, Recording
from conductor_testkit.testing.definition import walk_tasks
from conductor_testkit.testing.divergence import data_slots, normalized_record, record_path
from conductor_testkit.testing.execution import FAILURE_WORKFLOW_KEY
from conductor_testkit.testing.redaction import Redactor

__all__ = [
    "Server",
    "attempt_of",
    "capture",
    "capture_recent",
    "is_worker_task_type",
    "path_signature",
    "redact_case",
]

Server = Union[str, Configuration, OrkesClients, None]

# Task types that finish by themselves in a decide: the server's test endpoint discards their
# mocks (its operators), and the other sync system tasks complete before a mock could apply.
_RUN_BY_THEMSELVES = OPERATORS | {"JSON_JQ_TRANSFORM", "NOOP", "LAMBDA", "EXCLUSIVE_JOIN"}
_SYSTEM_TYPES = frozenset(t.value for t in TaskType)
_STATUS_AS_MOCK = {
    "COMPLETED": "COMPLETED",
    "FAILED": "FAILED",
    "FAILED_WITH_TERMINAL_ERROR": "FAILED_WITH_TERMINAL_ERROR",
    "COMPLETED_WITH_ERRORS": "FAILED",
}
# definition fields that are only bookkeeping of the server: left out of the case
_AUDIT_FIELDS = ("createTime", "updateTime", "createdBy", "updatedBy")


def is_worker_task_type(task_type: str) -> bool:
    """Whether a task's wire ``taskType`` is a worker's (a SIMPLE task's type is its name)."""
    return task_type not in _SYSTEM_TYPES


def _clients(server: Server) -> OrkesClients:
    if isinstance(server, OrkesClients):
        return server
    if isinstance(server, Configuration):
        return OrkesClients(server)
    return OrkesClients(Configuration(server_api_url=server) if server else Configuration())


def _needs_mock(task: Mapping[str, Any]) -> bool:
    ttype = str(task.get("taskType"))
    if ttype in _RUN_BY_THEMSELVES:
        return False
    if ttype == "EVENT":  # publishes by itself unless it waits for an outside completion
        return bool((task.get("workflowTask") or {}).get("asyncComplete"))
    return True


def _timed_out_after_ms(task: Mapping[str, Any]) -> int:
    """How long a timed-out attempt ran: as long as it did, and at least past its timeouts."""
    definition = task.get("taskDefinition") or (task.get("workflowTask") or {}).get("taskDefinition") or {}
    seconds = max(
        int(definition.get("timeoutSeconds") or 0),
        int(task.get("responseTimeoutSeconds") or definition.get("responseTimeoutSeconds") or 0),
    )
    ran = int(task.get("endTime") or 0) - int(task.get("startTime") or 0)
    return max((seconds + 1) * 1000, ran if task.get("startTime") else 0)


def attempt_of(task: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
    """The mocked attempt that replays a task's outcome, or None when it had none to replay."""
    status = str(task.get("status"))
    output = copy.deepcopy(dict(task.get("outputData") or {}))
    if status in _STATUS_AS_MOCK:
        attempt: Dict[str, Any] = {"status": _STATUS_AS_MOCK[status], "output": output}
    elif status == "TIMED_OUT":
        attempt = {"status": "IN_PROGRESS", "output": output, "executionTime": _timed_out_after_ms(task)}
    else:  # CANCELED, SKIPPED, or still open: the server or the run's end decided, not an attempt
        return None
    if task.get("reasonForIncompletion"):
        attempt["reason"] = task["reasonForIncompletion"]
    return attempt


def _clean_definition(definition: Mapping[str, Any]) -> Dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in definition.items() if k not in _AUDIT_FIELDS}


@dataclass
class _Captured:
    """One workflow of the execution, captured: its mocks and its record."""

    mocks: CaseMocks
    recording: Recording
    raw: Dict[str, Any]


@dataclass
class _Reader:
    """Reads an execution and everything it started from one server."""

    clients: OrkesClients
    notes: List[str] = field(default_factory=list)
    workflow_defs: Dict[Tuple[str, Any], Dict[str, Any]] = field(default_factory=dict)
    task_names: Set[str] = field(default_factory=set)
    #: the registered TaskDefs as the execution ran with them (attached to its definition)
    run_task_defs: Dict[str, Dict[str, Any]] = field(default_factory=dict)

    def read(self, workflow_id: str) -> Dict[str, Any]:
        data = self.clients.get_workflow_client().get_workflow(workflow_id, include_tasks=True).to_dict()
        return data  # type: ignore[no-any-return]

    def definition_of(self, workflow: Mapping[str, Any]) -> Dict[str, Any]:
        """The definition the execution ran (the server keeps it with the execution)."""
        definition = workflow.get("workflowDefinition")
        if not definition:
            name, version = workflow.get("workflowName"), workflow.get("workflowVersion")
            metadata = self.clients.get_metadata_client()
            definition = metadata.get_workflow_def(str(name), version).to_dict()
        definition = _clean_definition(definition)
        for site in walk_tasks(list(definition.get("tasks") or [])):
            if site.type == "SIMPLE":
                self.task_names.add(str(site.task.get("name")))
            task_def = site.task.get("taskDefinition")
            if isinstance(task_def, dict):
                # the server attaches each task's TaskDef when the run starts: a registered one
                # (it has a creation time) is kept as the run had it; audit fields are dropped
                if task_def.get("createTime"):
                    self.run_task_defs.setdefault(str(task_def.get("name")), _clean_definition(task_def))
                site.task["taskDefinition"] = _clean_definition(task_def)  # type: ignore[index]
        return definition

    def keep_definition(self, workflow: Mapping[str, Any]) -> None:
        definition = self.definition_of(workflow)
        self.workflow_defs[(str(definition.get("name")), definition.get("version"))] = definition

    def capture(self, workflow: Dict[str, Any], label: str) -> _Captured:
        """Mocks and record of ``workflow`` and of the sub-workflows it started."""
        mocks = CaseMocks()
        normalised = normalized_record(workflow)
        recording = Recording(normalised, record_path(normalised), workflow_id=workflow.get("workflowId"))
        for task in sorted(workflow.get("tasks") or [], key=lambda t: t.get("seq") or 0):
            ref = str(task.get("referenceTaskName"))
            ttype = str(task.get("taskType"))
            if ttype == "SUB_WORKFLOW":
                child_id = task.get("subWorkflowId") or (task.get("outputData") or {}).get("subWorkflowId")
                if child_id:
                    child = self.read(str(child_id))
                    if (task.get("inputData") or {}).get("subWorkflowDefinition") is None:
                        self.keep_definition(child)
                    captured = self.capture(child, f"{label}/{ref}")
                    mocks.sub_workflows.setdefault(ref, CaseMocks()).merge(captured.mocks)
                    recording.sub_workflows[ref] = captured.recording  # seq order: the latest attempt wins
                    if captured.raw.get("output", {}).get(FAILURE_WORKFLOW_KEY):
                        self.notes.append(
                            f"{label}/{ref}: the sub-workflow's failure workflow is not replayed"
                        )
                continue
            if is_worker_task_type(ttype):
                self.task_names.add(str(task.get("taskDefName") or ttype))
            if not _needs_mock(task):
                continue
            attempt = attempt_of(task)
            if attempt is None:
                continue
            if "executionTime" in attempt:
                self.notes.append(
                    f"{label}: task {ref!r} timed out; its attempt is replayed as IN_PROGRESS for "
                    f"{attempt['executionTime']} ms, past its timeout"
                )
            mocks.add(ref, attempt)
        return _Captured(mocks, recording, workflow)

    def task_definitions(self) -> List[Dict[str, Any]]:
        """The TaskDefs of the worker tasks: as the run had them, else as registered now."""
        out = []
        metadata = self.clients.get_metadata_client()
        for name in sorted(self.task_names | set(self.run_task_defs)):
            if name in self.run_task_defs:
                out.append(self.run_task_defs[name])
                continue
            try:
                out.append(_clean_definition(metadata.get_task_def(name).to_dict()))
            except NotFoundError:
                continue  # ad hoc: the definition's inline taskDefinition, or the server's defaults
        return out

    def server_version(self) -> str:
        try:
            return (
                self.clients.get_workflow_client().api_client.call_text("GET", "/version").strip()
                or "unknown"
            )
        except ConductorError:
            return "unknown"


def capture(
    workflow_id: str,
    server: Server = None,
    *,
    redact: Sequence[str] = (),
    default_redaction: bool = True,
    name: Optional[str] = None,
) -> Case:
    """Capture the execution ``workflow_id`` as a :class:`Case` (see the module docstring).

    Args:
        workflow_id: the execution to capture.
        server: the server's API URL (default ``$CONDUCTOR_SERVER_URL``), a Configuration or
            OrkesClients.
        redact: key patterns to redact besides the defaults (globs, case-insensitive).
        default_redaction: whether :data:`~conductor_testkit.testing.redaction.DEFAULT_PATTERNS`
            apply.
        name: the case's name (default ``<workflow>_<status>_<first 8 characters of the id>``).
    """
    return _capture(_Reader(_clients(server)), workflow_id, redact, default_redaction, name)


def _capture(
    reader: _Reader,
    workflow_id: str,
    redact: Sequence[str],
    default_redaction: bool,
    name: Optional[str],
    workflow: Optional[Dict[str, Any]] = None,
) -> Case:
    root = workflow if workflow is not None else reader.read(workflow_id)
    definition = reader.definition_of(root)
    captured = reader.capture(root, str(root.get("workflowName")))
    failure_mocks: Optional[CaseMocks] = None
    failure_id = (root.get("output") or {}).get(FAILURE_WORKFLOW_KEY)
    if failure_id and " " not in str(failure_id):
        failure = reader.read(str(failure_id))
        reader.keep_definition(failure)
        failure_captured = reader.capture(failure, "failure workflow")
        failure_mocks = failure_captured.mocks
        captured.recording.failure_workflow = failure_captured.recording
    url = _without_credentials(reader.clients.configuration.server_api_url)
    case = Case(
        name=name or _default_name(root),
        definition=definition,
        input=copy.deepcopy(dict(root.get("input") or {})),
        mocks=captured.mocks,
        recorded=captured.recording,
        correlation_id=root.get("correlationId"),
        failure_workflow_mocks=failure_mocks,
        workflow_definitions=list(reader.workflow_defs.values()),
        task_definitions=reader.task_definitions(),
        source={
            "workflowId": root.get("workflowId"),
            "workflowName": root.get("workflowName"),
            "workflowVersion": root.get("workflowVersion"),
            "status": root.get("status"),
            "startTime": root.get("startTime") or root.get("createTime"),
            "endTime": root.get("endTime"),
        },
        server={"url": url, "version": reader.server_version()},
        captured_at=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        notes=list(reader.notes),
    )
    redactor = Redactor(redact, defaults=default_redaction)
    redact_case(case, redactor)
    case.redaction = redactor.to_dict()
    return case


def _without_credentials(url: str) -> str:
    """The server's URL as the case keeps it: without a user or password in it."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def _default_name(workflow: Mapping[str, Any]) -> str:
    status = str(workflow.get("status")).lower()
    raw = f"{workflow.get('workflowName')}_{status}_{str(workflow.get('workflowId'))[:8]}"
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", raw)


# -- redaction -----------------------------------------------------------------------------------

Slot = Tuple[Dict[str, Any], str]


def _definition_slots(definition: Dict[str, Any]) -> Iterator[Slot]:
    for key in ("inputTemplate", "outputParameters", "variables"):
        if key in definition:
            yield definition, key
    for site in walk_tasks(list(definition.get("tasks") or [])):
        task: Dict[str, Any] = site.task  # type: ignore[assignment]
        if "inputParameters" in task:
            yield task, "inputParameters"
        inline_task_def = task.get("taskDefinition")
        if isinstance(inline_task_def, dict) and "inputTemplate" in inline_task_def:
            yield inline_task_def, "inputTemplate"
        inline = (task.get("subWorkflowParam") or {}).get("workflowDefinition")
        if isinstance(inline, dict):
            yield from _definition_slots(inline)


def _mock_slots(mocks: CaseMocks) -> Iterator[Slot]:
    for attempts in mocks.mocks.values():
        for attempt in attempts:
            yield attempt, "output"
            if "reason" in attempt:
                yield attempt, "reason"
    for sub in mocks.sub_workflows.values():
        yield from _mock_slots(sub)


def redact_case(case: Case, redactor: Redactor) -> None:
    """Redact ``case`` in place: first learn the secret values from every part that holds data,
    then replace them (and the values under secret keys) everywhere."""
    slots: List[Slot] = [(case.__dict__, "input")]
    for definition in [case.definition, *case.workflow_definitions]:
        slots.extend(_definition_slots(definition))
    slots.extend(
        (task_def, "inputTemplate") for task_def in case.task_definitions if "inputTemplate" in task_def
    )
    for mocks in (case.mocks, case.failure_workflow_mocks):
        if mocks is not None:
            slots.extend(_mock_slots(mocks))
    slots.extend(data_slots(case.recorded))
    _apply(slots, redactor.learn)
    _apply(slots, redactor)
    case.notes = [redactor(note) for note in case.notes]


def _apply(slots: Iterable[Slot], function: Callable[[Any], Any]) -> None:
    for container, key in slots:
        container[key] = function(container[key])


# -- many executions --------------------------------------------------------------------------------


def path_signature(case: Case) -> Tuple[Any, ...]:
    """What makes two executions take the same path: the workflow's status and every task
    attempt's reference and status, in order, in it and in the workflows it started."""

    def of(recording: Optional[Recording]) -> Tuple[Any, ...]:
        if recording is None:
            return ()
        tasks = tuple(
            (t.get("referenceTaskName"), t.get("status")) for t in recording.workflow.get("tasks") or []
        )
        subs = tuple((ref, of(sub)) for ref, sub in sorted(recording.sub_workflows.items()))
        return (recording.status, tasks, subs, of(recording.failure_workflow))

    return of(case.recorded)


def capture_recent(
    workflow_name: str,
    server: Server = None,
    *,
    last: int = 20,
    statuses: Optional[Sequence[str]] = None,
    redact: Sequence[str] = (),
    default_redaction: bool = True,
) -> List[Case]:
    """Capture the ``last`` executions of ``workflow_name`` (newest first, found by the server's
    ``GET /workflow/search``), optionally only those in ``statuses``, and keep one case per
    distinct path (:func:`path_signature`): the newest execution of each."""
    if last < 1:
        raise ValueError(f"capture_recent: last must be >= 1, received {last}")
    reader = _Reader(_clients(server))
    query = f"workflowType IN ({workflow_name})"
    if statuses:
        query += f" AND status IN ({','.join(s.upper() for s in statuses)})"
    found = (
        reader.clients.get_workflow_client().search(size=last, query=query, sort="startTime:DESC").to_dict()
    )
    summaries = sorted(found.get("results") or [], key=lambda s: str(s.get("startTime") or ""), reverse=True)
    cases: List[Case] = []
    seen: Set[Tuple[Any, ...]] = set()
    for summary in summaries[:last]:
        case = _capture(_Reader(reader.clients), str(summary["workflowId"]), redact, default_redaction, None)
        signature = path_signature(case)
        if signature not in seen:
            seen.add(signature)
            cases.append(case)
    return cases
