"""Task mocks in the test endpoint's shape, plus Python functions as mocks (local backend only).

The shape is the server's (``POST /workflow/test``): per task reference name, a list of
``{status, output, executionTime, queueWaitTime}``, consumed one per attempt. What a test may
write for one reference name:

* a list of attempts, each a :class:`~conductor_testkit.models.TaskMock`, a dict in that shape,
  or a function (one attempt each);
* one :class:`TaskMock` or one dict in the mock shape (``{"status": "FAILED"}``): one attempt;
* any other dict: the output of one COMPLETED attempt (``{"amount": 5}``);
* a function ``f(task_input: dict)``: called for *every* attempt (local backend only). It returns
  the output dict (COMPLETED), ``None`` (COMPLETED, empty output), a ``TaskResult`` or a
  ``TaskMock`` (for another status); an exception it raises fails the attempt with the
  exception's text, except ``AssertionError``, which ends the test where it was raised.

A dict counts as the mock shape when every key is one of ``status``, ``output``,
``executionTime``, ``queueWaitTime`` and it has ``status`` or ``output``. Strict parsing (the
harness's default) also reads as a mock any dict that has one of those keys or a near spelling of
one (``outputs``, ``outputData``, ``execution_time``), and rejects its unknown keys, so a typo
fails before the run instead of becoming an output. To mock an output that itself looks like a
mock, wrap it: ``completed({"status": "shipped"})``.

Statuses are the server's ``TaskResult`` statuses: COMPLETED, FAILED, FAILED_WITH_TERMINAL_ERROR,
IN_PROGRESS and CANCELED.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Mapping  # isinstance checks: abc is faster than typing
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from conductor_testkit.errors import DefinitionError
from conductor_testkit.models import TaskMock, TaskResult

__all__ = [
    "MockFunction",
    "MockSet",
    "MockSpec",
    "TaskMocks",
    "completed",
    "failed",
    "in_progress",
    "mock",
    "outcome_of_function",
    "sub_workflow",
]

MockFunction = Callable[[Dict[str, Any]], Any]
MockSpec = Union[TaskMock, Mapping[str, Any], MockFunction, Sequence[Any]]

_MOCK_KEYS = ("status", "output", "executionTime", "queueWaitTime")
_MOCK_KEY_SET = frozenset(_MOCK_KEYS)
# TaskMock.status is a TaskResult.Status on the server: other values answer HTTP 400
_STATUSES = ("COMPLETED", "FAILED", "FAILED_WITH_TERMINAL_ERROR", "IN_PROGRESS", "CANCELED")
# keys written for a mock key often enough to be read as one in strict mode (else: close spellings)
_MISTAKEN_KEYS = {
    "outputs": "output",
    "outputData": "output",
    "output_data": "output",
    "execution_time": "executionTime",
    "executionTimeMs": "executionTime",
    "execution_time_ms": "executionTime",
    "queue_wait_time": "queueWaitTime",
    "queueWaitTimeMs": "queueWaitTime",
}


def mock(
    status: str = "COMPLETED",
    output: Optional[Mapping[str, Any]] = None,
    *,
    execution_time_ms: int = 0,
    queue_wait_time_ms: int = 0,
) -> TaskMock:
    """One mocked attempt. ``execution_time_ms``/``queue_wait_time_ms`` set the attempt's timing,
    which is how the server's test endpoint simulates a task timeout (``IN_PROGRESS`` for longer
    than ``timeoutSeconds``)."""
    if str(status) not in _STATUSES:
        raise DefinitionError(f"mock: status must be one of {', '.join(_STATUSES)}, received {status!r}")
    return TaskMock(
        status=str(status),
        output=dict(output or {}),
        execution_time=int(execution_time_ms),
        queue_wait_time=int(queue_wait_time_ms),
    )


def completed(output: Optional[Mapping[str, Any]] = None, **timing: int) -> TaskMock:
    """A COMPLETED attempt with ``output``."""
    return mock("COMPLETED", output, **timing)


def failed(output: Optional[Mapping[str, Any]] = None, **timing: int) -> TaskMock:
    """A FAILED attempt (retried when the task has retries left)."""
    return mock("FAILED", output, **timing)


def in_progress(output: Optional[Mapping[str, Any]] = None, **timing: int) -> TaskMock:
    """An IN_PROGRESS attempt: a worker task goes back to the queue, a WAIT/HUMAN stays open."""
    return mock("IN_PROGRESS", output, **timing)


def _is_mock_shape(value: Mapping[str, Any]) -> bool:
    keys = value.keys()
    return bool(keys) and keys <= _MOCK_KEY_SET and ("status" in keys or "output" in keys)


def _meant_mock_key(key: Any) -> Optional[str]:
    """The mock key ``key`` looks like a spelling of (strict mode), or None."""
    if not isinstance(key, str):
        return None
    return _meant_mock_key_of_text(key)


@functools.lru_cache(maxsize=4096)  # output keys repeat across tests; difflib is slow
def _meant_mock_key_of_text(key: str) -> Optional[str]:
    if key in _MOCK_KEYS:
        return key
    if key in _MISTAKEN_KEYS:
        return _MISTAKEN_KEYS[key]
    close = difflib.get_close_matches(key, _MOCK_KEYS, n=1, cutoff=0.85)
    return close[0] if close else None


def _looks_like_mock(value: Mapping[str, Any]) -> bool:
    """Strict mode: a dict with a mock key, or a near spelling of one, is read as a mock, so a
    misspelled key is an error instead of a COMPLETED attempt whose output is the whole dict."""
    return any(_meant_mock_key(key) is not None for key in value)


def _wire_mock(value: Any, where: str, strict: bool = False) -> Dict[str, Any]:
    """A mock entry as the test endpoint's JSON (status, output, executionTime, queueWaitTime)."""
    if isinstance(value, TaskMock):
        data = value.to_dict()
    elif isinstance(value, Mapping):
        if _is_mock_shape(value) or (strict and _looks_like_mock(value)):
            data = dict(value)
        else:  # an output: a COMPLETED attempt, nothing in it to check
            return {"status": "COMPLETED", "output": dict(value), "executionTime": 0, "queueWaitTime": 0}
    else:
        raise DefinitionError(
            f"{where}: expected a TaskMock, a dict or a function, received {type(value).__name__}"
        )
    for key in data:
        if key not in _MOCK_KEYS:
            meant = _meant_mock_key(key)
            hint = f"; did you mean {meant!r}?" if meant and meant != key else ""
            raise DefinitionError(
                f"{where}: unknown mock key {key!r}{hint} A mocked attempt has the keys "
                f"{', '.join(_MOCK_KEYS)}; to mock an output with such keys, wrap it: completed({{...}})"
            )
    status = data.get("status")
    status = "COMPLETED" if status is None else getattr(status, "value", status)
    if status not in _STATUSES:
        close = difflib.get_close_matches(str(status).upper(), _STATUSES, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise DefinitionError(
            f"{where}: status must be one of {', '.join(_STATUSES)} (the server's TaskResult "
            f"statuses), received {status!r}{hint}"
        )
    output = data.get("output")
    if output is not None and not isinstance(output, Mapping):
        raise DefinitionError(
            f"{where}: output must be a dict, received {type(output).__name__} {output!r:.100}"
        )
    timing = {}
    for key in ("executionTime", "queueWaitTime"):
        number = data.get(key) or 0
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            raise DefinitionError(
                f"{where}: {key} must be a whole number of milliseconds >= 0, received {number!r}"
            )
        timing[key] = number
    return {"status": status, "output": dict(output or {}), **timing}


class Attempt:
    """One planned attempt: a wire mock or a function to call."""

    __slots__ = ("mock", "function")

    def __init__(
        self, mock: Optional[Dict[str, Any]] = None, function: Optional[MockFunction] = None
    ) -> None:
        self.mock = mock
        self.function = function

    def __repr__(self) -> str:
        if self.function is not None:
            return f"<function {getattr(self.function, '__name__', self.function)!r}>"
        return repr(self.mock)


class TaskMocks:
    """The planned attempts of one task reference: a queue, or one function for every attempt."""

    def __init__(
        self, ref: str, attempts: List[Attempt], every_attempt: Optional[MockFunction] = None
    ) -> None:
        self.ref = ref
        self.attempts = attempts
        self.every_attempt = every_attempt
        self.given = len(attempts)
        self.used = 0

    @classmethod
    def parse(cls, ref: str, spec: Any, where: str, strict: bool = False) -> TaskMocks:
        if callable(spec) and not isinstance(spec, (TaskMock, Mapping)):
            return cls(ref, [], every_attempt=spec)
        if isinstance(spec, (list, tuple)):
            attempts: List[Attempt] = []
            for index, item in enumerate(spec):
                item_where = f"{where}[{index}]"
                if callable(item) and not isinstance(item, (TaskMock, Mapping)):
                    attempts.append(Attempt(function=item))
                else:
                    attempts.append(Attempt(mock=_wire_mock(item, item_where, strict)))
            return cls(ref, attempts)
        return cls(ref, [Attempt(mock=_wire_mock(spec, where, strict))])

    @property
    def has_functions(self) -> bool:
        return self.every_attempt is not None or any(a.function is not None for a in self.attempts)

    @property
    def left(self) -> int:
        """Planned attempts not used yet (a function for every attempt, never called: 1)."""
        if self.every_attempt is not None:
            return 0 if self.used else 1
        return len(self.attempts)

    @property
    def exhausted(self) -> bool:
        return self.every_attempt is None and not self.attempts

    @property
    def next_is_function(self) -> bool:
        """Whether the next attempt calls a function (rather than applying a wire mock)."""
        if self.every_attempt is not None:
            return True
        return bool(self.attempts) and self.attempts[0].function is not None

    def take(self) -> Optional[Attempt]:
        """The next attempt (removed from the queue), or None when none is left."""
        if self.every_attempt is not None:
            self.used += 1
            return Attempt(function=self.every_attempt)
        if not self.attempts:
            return None
        self.used += 1
        return self.attempts.pop(0)

    def wire(self) -> List[Dict[str, Any]]:
        """The attempts as the test endpoint's list (no functions allowed)."""
        return [a.mock for a in self.attempts if a.mock is not None]


class MockSet:
    """The mocks of one workflow run (per reference name) and of its sub-workflows.

    ``sub_workflows`` maps a SUB_WORKFLOW task's reference name to the mocks of the child it starts
    (the test endpoint's ``subWorkflowTestRequest``); ``failure_workflow`` holds the mocks of the
    failure workflow the run starts when it fails (None: it is not driven).
    """

    def __init__(
        self,
        by_ref: Dict[str, TaskMocks],
        sub_workflows: Dict[str, MockSet],
        failure_workflow: Optional[MockSet] = None,
    ) -> None:
        self.by_ref = by_ref
        self.sub_workflows = sub_workflows
        self.failure_workflow = failure_workflow

    @classmethod
    def parse(
        cls,
        mocks: Optional[Mapping[str, Any]],
        sub_workflow_mocks: Optional[Mapping[str, Any]] = None,
        where: str = "mocks",
        *,
        strict: bool = False,
        failure_workflow_mocks: Union[Mapping[str, Any], MockSet, None] = None,
    ) -> MockSet:
        """Build from the forms the module docstring lists; errors name the reference and index.

        ``strict`` reads a dict with a mock key, or a near spelling of one (``outputs``), as a
        mock, so that a misspelled key is an error rather than an output.
        """
        if mocks is not None and not isinstance(mocks, Mapping):
            raise DefinitionError(
                f"{where}: expected a dict of task reference name -> mock(s), received {type(mocks).__name__}"
            )
        by_ref = {
            str(ref): TaskMocks.parse(str(ref), spec, f"{where}[{ref!r}]", strict)
            for ref, spec in (mocks or {}).items()
        }
        subs: Dict[str, MockSet] = {}
        for ref, sub in (sub_workflow_mocks or {}).items():
            if isinstance(sub, MockSet):
                subs[str(ref)] = sub
                continue
            sub_where = f"{_sub_where(where)}[{ref!r}]"
            if not isinstance(sub, Mapping):
                raise DefinitionError(f"{sub_where}: expected the child's mocks as a dict, received {sub!r}")
            if "taskRefToMockOutput" in sub:  # the test endpoint's subWorkflowTestRequest, nested
                subs[str(ref)] = cls.parse(
                    sub.get("taskRefToMockOutput") or {},
                    sub.get("subWorkflowTestRequest"),
                    sub_where,
                    strict=strict,
                )
            else:
                subs[str(ref)] = cls.parse(sub, None, sub_where, strict=strict)
        failure: Optional[MockSet] = None
        if isinstance(failure_workflow_mocks, MockSet):
            failure = failure_workflow_mocks
        elif failure_workflow_mocks is not None:
            failure = cls.parse(failure_workflow_mocks, None, "failure_workflow_mocks", strict=strict)
        return cls(by_ref, subs, failure)

    def refs_with_functions(self, prefix: str = "") -> List[str]:
        """Reference names mocked with functions (``sub_ref/ref`` inside sub-workflows)."""
        out = [prefix + ref for ref, m in self.by_ref.items() if m.has_functions]
        for sub_ref, sub in self.sub_workflows.items():
            out.extend(sub.refs_with_functions(f"{prefix}{sub_ref}/"))
        return out

    def unused(self, prefix: str = "") -> Dict[str, int]:
        """Reference name -> number of planned attempts never used (a mock function for every
        attempt that was never called counts as one)."""
        out = {prefix + ref: m.left for ref, m in self.by_ref.items() if m.left}
        for sub_ref, sub in self.sub_workflows.items():
            out.update(sub.unused(f"{prefix}{sub_ref}/"))
        if self.failure_workflow is not None:
            out.update(self.failure_workflow.unused(f"{prefix}<failure workflow>/"))
        return out

    def all_refs(self) -> List[str]:
        refs = list(self.by_ref)
        for sub in self.sub_workflows.values():
            refs.extend(sub.all_refs())
        return refs

    def to_test_request(self) -> Tuple[Dict[str, List[Dict[str, Any]]], Dict[str, Dict[str, Any]]]:
        """``taskRefToMockOutput`` and ``subWorkflowTestRequest`` of a WorkflowTestRequest."""
        mocks = {ref: m.wire() for ref, m in self.by_ref.items()}
        subs: Dict[str, Dict[str, Any]] = {}
        for ref, sub in self.sub_workflows.items():
            sub_mocks, sub_subs = sub.to_test_request()
            body: Dict[str, Any] = {"taskRefToMockOutput": sub_mocks}
            if sub_subs:
                body["subWorkflowTestRequest"] = sub_subs
            subs[ref] = body
        return mocks, subs

    def __repr__(self) -> str:
        return f"MockSet(refs={sorted(self.by_ref)}, sub_workflows={sorted(self.sub_workflows)})"


def sub_workflow(
    mocks: Optional[Mapping[str, Any]] = None, sub_workflow_mocks: Optional[Mapping[str, Any]] = None
) -> MockSet:
    """The mocks of a sub-workflow that itself starts sub-workflows, for ``sub_workflow_mocks``::

        sub_workflow_mocks={"to_middle": sub_workflow({"m1": {...}}, {"to_inner": {"i1": {...}}})}
    """
    return MockSet.parse(mocks, sub_workflow_mocks, "sub_workflow")


def _sub_where(where: str) -> str:
    """Where the sub-workflow mocks of the mocks at ``where`` are (for error messages)."""
    return "sub_workflow_mocks" if where == "mocks" else f"{where}.sub_workflow_mocks"


def outcome_of_function(value: Any) -> Tuple[str, Dict[str, Any], Optional[str], int]:
    """(status, output, reason, callbackAfterSeconds) from what a mock function returned."""
    if value is None:
        return "COMPLETED", {}, None, 0
    if isinstance(value, TaskResult):
        return (
            str(value.status or "COMPLETED"),
            dict(value.output_data or {}),
            value.reason_for_incompletion,
            int(value.callback_after_seconds or 0),
        )
    if isinstance(value, TaskMock):
        wire = _wire_mock(value, "mock function result")
        return wire["status"], wire["output"], None, 0
    if isinstance(value, Mapping):
        return "COMPLETED", dict(value), None, 0
    return "COMPLETED", {"result": value}, None, 0
