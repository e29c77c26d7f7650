"""Workflow test requests checked as the server's ``POST /workflow/test`` checks them.

:func:`check_test_request` runs before anything else of a test run: the request is read by the
server's JSON binding (a mock that is a string, mocks given as a list, a status that is no
TaskResult status, ... fail with its HTTP 500 "JSON parse error" text), then validated as a start
request (HTTP 400, ``startWorkflow.arg0...`` on the server), then the endpoint's own first steps
(a null ``taskToDomain`` or ``taskRefToMockOutput`` fails with the server's HTTP 500 text).
:func:`check_mock_attempt` is what the server's loop does to each mocked attempt it applies: an
attempt that is null or has no ``output`` fails there (HTTP 500).

Every error is a :class:`~conductor_testkit.errors.ConductorError` (an engine error with the
server's status) whose ``str()`` names the workflow, the task reference and the field.
"""

from __future__ import annotations

import pickle
from typing import Any, Callable, Dict, Optional, Tuple

from conductor_testkit.engine.bean_validation import (
    DefinitionValidationError,
    check_task_tree,
    raise_if_invalid,
    start_request_errors,
    validate_workflow_def,
)
from conductor_testkit.engine.binding import BindError, bind_body
from conductor_testkit.engine.content_cache import ContentCache
from conductor_testkit.engine.definitions import normalize_workflow_def, populate_task_definitions
from conductor_testkit.engine.errors import EngineBadRequest, EngineIllegalState
from conductor_testkit.models import jackson

__all__ = ["check_mock_attempt", "check_mocks", "check_test_request", "read_start_request"]

_MOCKS = jackson.map_of(jackson.list_of(jackson.TASK_MOCK))

_NULL_TASK_TO_DOMAIN = (
    'Cannot invoke "java.util.Map.put(Object, Object)" because the return value of '
    '"com.netflix.conductor.common.run.WorkflowTestRequest.getTaskToDomain()" is null'
)
_NULL_MOCKS = 'Cannot invoke "java.util.Map.containsKey(Object)" because "mockData" is null'
_NULL_ATTEMPT = (
    'Cannot invoke "com.netflix.conductor.common.run.WorkflowTestRequest$TaskMock.getExecutionTime()" '
    'because "task" is null'
)
_NULL_OUTPUT = 'Cannot invoke "java.util.Map.size()" because "m" is null'


class TestRequestError(EngineIllegalState):
    """What the server's test endpoint fails with (HTTP 500 and its text as ``message``)."""

    __test__ = False  # not a pytest test class

    def __init__(
        self, server_text: str, field: str, *, workflow: Optional[str] = None, task_ref: Optional[str] = None
    ) -> None:
        super().__init__(f"{server_text} (field {field})", workflow=workflow, task_ref=task_ref)
        self.field = field
        self.message = server_text


def read_start_request(
    request: Any,
    java_type: Optional[jackson.JavaType] = None,
    *,
    task_def: Optional[Callable[[str], Optional[Dict[str, Any]]]] = None,
) -> Dict[str, Any]:
    """A StartWorkflowRequest (or ``java_type``) as the server reads one before starting it.

    Converted by the server's JSON binding (``BindError``, HTTP 500, for a value of the wrong
    type), then checked against the request's constraints (name, priority) and, with them, those
    of an inline ``workflowDef`` (``DefinitionValidationError``, HTTP 400, paths relative to the
    request). ``task_def`` looks up registered TaskDefs for that validation.
    """
    named = request.get("name") if isinstance(request, dict) else None
    java_type = java_type or jackson.START_WORKFLOW_REQUEST
    workflow = named if isinstance(named, str) else None
    content = _inline_content(request)
    bound = _BOUND_DEFINITIONS.get((java_type.name, content)) if content is not None else None
    if bound is not None:
        # this definition was read (and its task tree checked) before: bind the rest of the
        # request around an empty one (same key order), then put a copy of the known result in
        req = bind_body({**request, "workflowDef": {}}, java_type, workflow=workflow)
        req["workflowDef"] = pickle.loads(bound)
    else:
        req = bind_body(request, java_type, workflow=workflow)
    if req is None:
        raise EngineBadRequest("a start request is required, received null")
    inline = req.get("workflowDef")
    if isinstance(inline, dict) and bound is None:
        check_task_tree(inline)
        if content is not None:
            _remember_bound_definition((java_type.name, content), inline)
    errors = start_request_errors(req)
    if errors and isinstance(inline, dict):
        defn = normalize_workflow_def(inline)
        populate_task_definitions(defn, task_def or (lambda name: None))
        try:
            validate_workflow_def(defn)
        except DefinitionValidationError as exc:
            errors.extend(exc.validation_errors)
    name = req.get("name") or (inline.get("name") if isinstance(inline, dict) else None)
    raise_if_invalid(errors, workflow=name if isinstance(name, str) else None)
    return req  # type: ignore[no-any-return]


# (request type, an inline definition's content pickled) -> that definition as bound, pickled:
# a suite starts the same definition in every test, and binding it is most of reading a request
_BOUND_DEFINITIONS: ContentCache[bytes] = ContentCache(256, max_bytes=32 * 1024 * 1024)


def _inline_content(request: Any) -> Optional[bytes]:
    """The request's inline ``workflowDef`` pickled (None: no dict there, or not picklable)."""
    inline = request.get("workflowDef") if isinstance(request, dict) else None
    if not isinstance(inline, dict):
        return None
    try:
        return pickle.dumps(inline, pickle.HIGHEST_PROTOCOL)
    except Exception:  # not JSON data: read every time
        return None


def _remember_bound_definition(key: Tuple[str, bytes], bound: Dict[str, Any]) -> None:
    try:
        value = pickle.dumps(bound, pickle.HIGHEST_PROTOCOL)
    except Exception:  # not JSON data: read every time
        return
    _BOUND_DEFINITIONS.put(key, value, size=len(key[1]) + len(value))


def check_test_request(
    body: Any, *, task_def: Optional[Callable[[str], Optional[Dict[str, Any]]]] = None
) -> Dict[str, Any]:
    """The WorkflowTestRequest ``body`` as the server reads it, or the server's error.

    Returns the request converted as the server converts it (``"executionTime": "5"`` is 5; use
    it in place of ``body``). Raises, in the server's order: ``BindError`` (HTTP 500) for a value
    of the wrong type, anywhere in the request, its mocks or its sub-workflow requests;
    ``DefinitionValidationError`` (HTTP 400) for a request without a name, a priority outside
    0..99 or an invalid inline ``workflowDef``; :class:`TestRequestError` (HTTP 500) for a null
    ``taskToDomain`` or ``taskRefToMockOutput``. ``task_def`` (``engine.lookup_task_def``) supplies
    registered TaskDefs for the inline definition's validation.
    """
    request = read_start_request(body, jackson.WORKFLOW_TEST_REQUEST, task_def=task_def)
    name = request.get("name")
    workflow = name if isinstance(name, str) else None
    if "taskToDomain" in request and request["taskToDomain"] is None:
        raise TestRequestError(_NULL_TASK_TO_DOMAIN, "taskToDomain", workflow=workflow)
    if "taskRefToMockOutput" in request and request["taskRefToMockOutput"] is None:
        raise TestRequestError(_NULL_MOCKS, "taskRefToMockOutput", workflow=workflow)
    return request


def check_mocks(mocks: Any) -> Dict[str, Any]:
    """A ``taskRefToMockOutput`` map (reference -> attempts) read as the server reads one.

    Returns it converted; raises ``BindError`` (HTTP 500 on the server) naming the reference and
    the attempt at fault, e.g. mocks given as a list, an attempt that is a string, a status that
    is no TaskResult status. For mocks checked apart from a request (the test harness's).
    """
    try:
        bound: Dict[str, Any] = jackson.bind(mocks, _MOCKS, root="taskRefToMockOutput")
    except jackson.WireTypeError as error:
        raise BindError(error) from None
    return bound


def check_mock_attempt(mock: Any, task_ref: str, attempt: int = 0, *, workflow: Optional[str] = None) -> None:
    """Fail as the server fails when its test loop applies this mocked attempt of ``task_ref``.

    A null attempt, and an attempt without ``output`` (or with ``"output": null``), make the
    server's loop throw (HTTP 500): ``{"status": "COMPLETED"}`` alone is refused there.
    """
    field = f"taskRefToMockOutput.{task_ref}[{attempt}]"
    if mock is None:
        raise TestRequestError(_NULL_ATTEMPT, field, workflow=workflow, task_ref=task_ref)
    if not isinstance(mock, dict):
        raise EngineBadRequest(
            f"a mocked attempt must be an object like {{'status': 'COMPLETED', 'output': {{...}}}}, "
            f"received {type(mock).__name__} (field {field})",
            workflow=workflow,
            task_ref=task_ref,
        )
    if mock.get("output") is None:
        raise TestRequestError(_NULL_OUTPUT, f"{field}.output", workflow=workflow, task_ref=task_ref)
