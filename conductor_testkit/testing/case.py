"""A captured case: one production execution, kept as a file that replays it as a test.

A case file is JSON (``<name>.json``)::

    {
      "format": "conductor-testkit case", "formatVersion": 1,
      "name": "orders_completed_4f2a9c1e",
      "capturedAt": "2026-12-04T22:03:29Z",
      "server": {"url": "http://conductor:8080/api", "version": "3.32.1"},
      "source": {"workflowId": "4f2a9c1e-...", "status": "COMPLETED", "startTime": 1796421811216},
      "definition": {... the WorkflowDef as the execution ran it, with its version ...},
      "workflowDefinitions": [... the sub-workflows' and the failure workflow's WorkflowDefs ...],
      "taskDefinitions": [... the TaskDefs of its worker tasks (retries, timeouts) ...],
      "input": {...}, "correlationId": "...",
      "mocks": {"charge": [{"status": "FAILED", "output": {}, "reason": "card declined"},
                           {"status": "COMPLETED", "output": {"charged": 30}}], ...},
      "subWorkflowMocks": {"to_child": {"mocks": {...}, "subWorkflowMocks": {...}}},
      "failureWorkflowMocks": {"mocks": {...}, "subWorkflowMocks": {...}} or null,
      "recorded": {"path": ["charge", "route", "ship_us"], "workflow": {... normalised ...},
                   "subWorkflows": {"to_child": {...}}, "failureWorkflow": {...} or null},
      "redaction": {"patterns": ["*token*", ...], "redacted": 3},
      "notes": ["..."]
    }

The definitions are those the server kept with the executions, each task with the TaskDef the
server attached when the run started; ``taskDefinitions`` holds the registered ones as the run
had them (for a replay against another definition), audit fields (creation times, authors) left
out.

``mocks`` are the execution's task attempts in the test endpoint's shape (per reference name,
one entry per attempt, loop iterations as ``ref__N``, dynamic-fork tasks by their generated
references), plus the ``reason`` the attempt ended with. The test endpoint's mocks cannot carry a
reason, so ``reason`` is a key of the case, not of the mock: a replay on a backend that runs mock
functions (the engine) hands each worker task's attempt back as a worker would, reason included;
elsewhere the reasons are kept for the report and left out of the comparison.

``recorded`` is what a replay is compared with: the execution as
:func:`~conductor_testkit.testing.divergence.normalized_record` makes it (normalised: ids and
times masked; its input left out, the case's ``input`` is it) and, per SUB_WORKFLOW reference,
the child's record (its latest attempt), and the failure workflow's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Union

from conductor_testkit.errors import ConductorError

__all__ = [
    "CASE_FORMAT",
    "Case",
    "CaseError",
    "CaseMocks",
    "Recording",
    "case_files",
    "is_case_file",
    "load_cases",
]

CASE_FORMAT = "conductor-testkit case"
CASE_FORMAT_VERSION = 1


class CaseError(ConductorError, ValueError):
    """A case file cannot be read or does not have the case format."""


@dataclass
class CaseMocks:
    """The mocked attempts of one workflow run of a case and of the sub-workflows it started.

    ``mocks`` maps a reference name to its attempts, each ``{status, output}`` plus optional
    ``reason`` and ``executionTime``; ``sub_workflows`` maps a SUB_WORKFLOW reference to the
    child's mocks.
    """

    mocks: Dict[str, List[Dict[str, Any]]] = field(default_factory=dict)
    sub_workflows: Dict[str, CaseMocks] = field(default_factory=dict)

    def add(self, ref: str, attempt: Dict[str, Any]) -> None:
        self.mocks.setdefault(ref, []).append(attempt)

    def merge(self, other: CaseMocks) -> None:
        """Append ``other``'s attempts after this one's (a retried SUB_WORKFLOW starts a new
        child, which takes the attempts after those of the child before it)."""
        for ref, attempts in other.mocks.items():
            self.mocks.setdefault(ref, []).extend(attempts)
        for ref, sub in other.sub_workflows.items():
            self.sub_workflows.setdefault(ref, CaseMocks()).merge(sub)

    def refs(self) -> List[str]:
        """Every mocked reference, ``sub_ref/ref`` inside sub-workflows."""
        out = list(self.mocks)
        for sub_ref, sub in self.sub_workflows.items():
            out.extend(f"{sub_ref}/{ref}" for ref in sub.refs())
        return out

    def to_dict(self) -> Dict[str, Any]:
        data: Dict[str, Any] = {"mocks": self.mocks}
        if self.sub_workflows:
            data["subWorkflowMocks"] = {ref: sub.to_dict() for ref, sub in self.sub_workflows.items()}
        return data

    @classmethod
    def from_dict(cls, data: Optional[Mapping[str, Any]], where: str) -> CaseMocks:
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise CaseError(f"{where}: expected an object with 'mocks', received {type(data).__name__}")
        mocks = data.get("mocks") or {}
        if not isinstance(mocks, Mapping) or not all(isinstance(v, list) for v in mocks.values()):
            raise CaseError(
                f"{where}.mocks: expected reference name -> list of attempts, received {mocks!r:.200}"
            )
        subs = {
            str(ref): cls.from_dict(sub, f"{where}.subWorkflowMocks[{ref!r}]")
            for ref, sub in (data.get("subWorkflowMocks") or {}).items()
        }
        return cls({str(k): [dict(a) for a in v] for k, v in mocks.items()}, subs)


@dataclass
class Recording:
    """What one workflow of the captured execution did: its normalised JSON, path and children."""

    workflow: Dict[str, Any]
    path: List[str] = field(default_factory=list)
    sub_workflows: Dict[str, Recording] = field(default_factory=dict)
    failure_workflow: Optional[Recording] = None
    #: the execution's id on the server (a replay maps it to its own where mocks echo it)
    workflow_id: Optional[str] = None

    @property
    def status(self) -> str:
        return str(self.workflow.get("status"))

    def to_dict(self) -> Dict[str, Any]:
        data: Dict[str, Any] = {"workflowId": self.workflow_id, "path": self.path, "workflow": self.workflow}
        if self.sub_workflows:
            data["subWorkflows"] = {ref: sub.to_dict() for ref, sub in self.sub_workflows.items()}
        if self.failure_workflow is not None:
            data["failureWorkflow"] = self.failure_workflow.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Any, where: str) -> Recording:
        if not isinstance(data, Mapping) or not isinstance(data.get("workflow"), Mapping):
            raise CaseError(
                f"{where}: expected an object with the recorded 'workflow', received {data!r:.200}"
            )
        failure = data.get("failureWorkflow")
        return cls(
            dict(data["workflow"]),
            [str(ref) for ref in data.get("path") or []],
            {
                str(ref): cls.from_dict(sub, f"{where}.subWorkflows[{ref!r}]")
                for ref, sub in (data.get("subWorkflows") or {}).items()
            },
            cls.from_dict(failure, f"{where}.failureWorkflow") if failure is not None else None,
            data.get("workflowId"),
        )


@dataclass
class Case:
    """One captured execution: how to run it again and what it did (see the module docstring)."""

    name: str
    definition: Dict[str, Any]
    input: Dict[str, Any]
    mocks: CaseMocks
    recorded: Recording
    correlation_id: Optional[str] = None
    failure_workflow_mocks: Optional[CaseMocks] = None
    workflow_definitions: List[Dict[str, Any]] = field(default_factory=list)
    task_definitions: List[Dict[str, Any]] = field(default_factory=list)
    source: Dict[str, Any] = field(default_factory=dict)
    server: Dict[str, Any] = field(default_factory=dict)
    captured_at: str = ""
    redaction: Dict[str, Any] = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)
    #: the file the case was read from (None for a case built in memory)
    path: Optional[Path] = None

    @property
    def workflow_name(self) -> str:
        return str(self.definition.get("name"))

    @property
    def workflow_version(self) -> Any:
        return self.definition.get("version")

    def to_dict(self) -> Dict[str, Any]:
        """The case file's JSON."""
        return {
            "format": CASE_FORMAT,
            "formatVersion": CASE_FORMAT_VERSION,
            "name": self.name,
            "capturedAt": self.captured_at,
            "server": self.server,
            "source": self.source,
            "definition": self.definition,
            "workflowDefinitions": self.workflow_definitions,
            "taskDefinitions": self.task_definitions,
            "input": self.input,
            "correlationId": self.correlation_id,
            **self.mocks.to_dict(),
            "failureWorkflowMocks": (
                self.failure_workflow_mocks.to_dict() if self.failure_workflow_mocks is not None else None
            ),
            "recorded": self.recorded.to_dict(),
            "redaction": self.redaction,
            "notes": self.notes,
        }

    @classmethod
    def from_dict(cls, data: Any, where: str = "case") -> Case:
        """Read a case file's JSON; :class:`CaseError` names what is missing or malformed."""
        if not isinstance(data, Mapping) or data.get("format") != CASE_FORMAT:
            raise CaseError(
                f'{where}: not a conductor-testkit case (expected "format": {CASE_FORMAT!r}); '
                "write one with `conductor-testkit capture WORKFLOW_ID --server URL`"
            )
        version = data.get("formatVersion")
        if version != CASE_FORMAT_VERSION:
            raise CaseError(
                f"{where}: case format version {version!r} is not supported (this version reads "
                f"{CASE_FORMAT_VERSION})"
            )
        definition = data.get("definition")
        if not isinstance(definition, Mapping) or not isinstance(definition.get("tasks"), list):
            raise CaseError(f"{where}: 'definition' must be a workflow definition with tasks")
        failure = data.get("failureWorkflowMocks")
        return cls(
            name=str(data.get("name") or where),
            definition=dict(definition),
            input=dict(data.get("input") or {}),
            mocks=CaseMocks.from_dict(data, where),
            recorded=Recording.from_dict(data.get("recorded"), f"{where}.recorded"),
            correlation_id=data.get("correlationId"),
            failure_workflow_mocks=(
                CaseMocks.from_dict(failure, f"{where}.failureWorkflowMocks") if failure is not None else None
            ),
            workflow_definitions=[dict(d) for d in data.get("workflowDefinitions") or []],
            task_definitions=[dict(d) for d in data.get("taskDefinitions") or []],
            source=dict(data.get("source") or {}),
            server=dict(data.get("server") or {}),
            captured_at=str(data.get("capturedAt") or ""),
            redaction=dict(data.get("redaction") or {}),
            notes=[str(n) for n in data.get("notes") or []],
        )

    @classmethod
    def load(cls, path: Union[str, Path]) -> Case:
        """Read a case file."""
        file = Path(path)
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CaseError(f"case file {str(file)!r} cannot be read: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise CaseError(f"case file {str(file)!r} is not valid JSON: {exc}") from None
        case = cls.from_dict(data, f"case file {str(file)!r}")
        case.path = file
        return case

    def save(self, path: Union[str, Path]) -> Path:
        """Write the case file (keys in a stable order, so a re-capture diffs cleanly)."""
        file = Path(path)
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        self.path = file
        return file

    def __repr__(self) -> str:
        return f"Case({self.name!r}, workflow={self.workflow_name!r}, status={self.recorded.status})"


def is_case_file(path: Union[str, Path]) -> bool:
    """Whether ``path`` is a JSON file in the case format (read cheaply: the format key only)."""
    file = Path(path)
    if file.suffix != ".json" or not file.is_file():
        return False
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, Mapping) and data.get("format") == CASE_FORMAT


def case_files(*locations: Union[str, Path]) -> Iterator[Path]:
    """The case files among ``locations`` (files, or directories searched recursively), sorted."""
    for location in locations:
        path = Path(location)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.json") if is_case_file(p))
        elif not path.exists():
            raise CaseError(f"no case file or directory {str(path)!r}")
        else:
            yield path


def load_cases(*locations: Union[str, Path]) -> List[Case]:
    """Every case in ``locations`` (case files, or directories of them)."""
    return [Case.load(path) for path in case_files(*locations)]
