"""Request bodies and parameters read as the server's controllers read them.

Each route that takes a body names its Java type and the controller method Spring names when the
body is missing (``Required request body is missing: public void ...MetadataResource.create(...)``).
The body is parsed and converted by the server's JSON binding (:mod:`conductor_testkit.models.jackson`),
so a value of the wrong type answers HTTP 500 with Jackson's text, as on the server. Bean
validation errors are reported under the server's method-argument paths (:func:`validation_failed`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence

from conductor_testkit.engine.binding import parse_body
from conductor_testkit.engine.rest._common import RestError, ValidationFailed, _Call
from conductor_testkit.engine.validation import under
from conductor_testkit.models import jackson
from conductor_testkit.models.jackson import JavaType

_CONTROLLERS = "com.netflix.conductor.rest.controllers"
_MAP = "java.util.Map<java.lang.String, java.lang.Object>"
_STATUS = "com.netflix.conductor.common.metadata.tasks.TaskResult$Status"
_SIGNAL = "reactor.core.publisher.Mono<org.conductoross.conductor.model.SignalResponse>"
_BULK = "com.netflix.conductor.common.model.BulkResponse<java.lang.String>"
_IDS = "java.util.List<java.lang.String>"


@dataclass(frozen=True)
class Body:
    """The Java type of a route's body and the controller method that reads it."""

    java_type: Optional[JavaType]  # None: the raw text (a String body)
    method: str

    @property
    def missing(self) -> str:
        return f"Required request body is missing: {self.method}"


def _method(returns: str, owner: str, name: str, *params: str) -> str:
    return f"public {returns} {_CONTROLLERS}.{owner}.{name}({','.join(params)})"


_WF = "com.netflix.conductor.common.metadata.workflow"
WORKFLOW_DEF = Body(
    jackson.WORKFLOW_DEF, _method("void", "MetadataResource", "create", f"{_WF}.WorkflowDef", "boolean")
)
VALIDATE_WORKFLOW_DEF = Body(
    jackson.WORKFLOW_DEF, _method("void", "MetadataResource", "validate", f"{_WF}.WorkflowDef")
)
WORKFLOW_DEFS = Body(
    jackson.list_of(jackson.WORKFLOW_DEF),
    _method(_BULK, "MetadataResource", "update", f"java.util.List<{_WF}.WorkflowDef>"),
)
TASK_DEFS = Body(
    jackson.list_of(jackson.TASK_DEF),
    _method(
        "void",
        "MetadataResource",
        "registerTaskDef",
        "java.util.List<com.netflix.conductor.common.metadata.tasks.TaskDef>",
    ),
)
TASK_DEF = Body(
    jackson.TASK_DEF,
    _method(
        "void", "MetadataResource", "registerTaskDef", "com.netflix.conductor.common.metadata.tasks.TaskDef"
    ),
)
START_REQUEST = Body(
    jackson.START_WORKFLOW_REQUEST,
    _method("java.lang.String", "WorkflowResource", "startWorkflow", f"{_WF}.StartWorkflowRequest"),
)
START_INPUT = Body(
    jackson.MAP_OF_OBJECTS,
    _method(
        "java.lang.String",
        "WorkflowResource",
        "startWorkflow",
        "java.lang.String",
        "java.lang.Integer",
        "java.lang.String",
        "int",
        _MAP,
    ),
)
EXECUTE_REQUEST = Body(
    jackson.START_WORKFLOW_REQUEST,
    _method(
        _SIGNAL,
        "WorkflowResource",
        "executeWorkflow",
        "java.lang.String",
        "java.lang.Integer",
        "java.lang.String",
        "java.lang.String",
        "java.lang.Integer",
        "java.lang.String",
        "org.conductoross.conductor.model.WorkflowSignalReturnStrategy",
        f"{_WF}.StartWorkflowRequest",
    ),
)
CORRELATION_IDS = Body(
    jackson.LIST_OF_STRINGS,
    _method(
        "java.util.Map<java.lang.String, java.util.List<com.netflix.conductor.common.run.Workflow>>",
        "WorkflowResource",
        "getWorkflows",
        "java.lang.String",
        "boolean",
        "boolean",
        _IDS,
    ),
)
RERUN_REQUEST = Body(
    jackson.RERUN_WORKFLOW_REQUEST,
    _method(
        "java.lang.String", "WorkflowResource", "rerun", "java.lang.String", f"{_WF}.RerunWorkflowRequest"
    ),
)
TEST_REQUEST = Body(
    jackson.WORKFLOW_TEST_REQUEST,
    _method(
        "com.netflix.conductor.common.run.Workflow",
        "WorkflowResource",
        "testWorkflow",
        "com.netflix.conductor.common.run.WorkflowTestRequest",
    ),
)
VARIABLES = Body(jackson.MAP_OF_OBJECTS, "updateVariables")
TASK_RESULT = Body(
    jackson.TASK_RESULT,
    _method(
        "java.lang.String",
        "TaskResource",
        "updateTask",
        "com.netflix.conductor.common.metadata.tasks.TaskResult",
    ),
)
TASK_RESULT_V2 = Body(
    jackson.TASK_RESULT,
    _method(
        "org.springframework.http.ResponseEntity<com.netflix.conductor.common.metadata.tasks.Task>",
        "TaskResource",
        "updateTaskV2",
        "com.netflix.conductor.common.metadata.tasks.TaskResult",
    ),
)
TASK_OUTPUT = Body(
    jackson.MAP_OF_OBJECTS,
    _method(
        "java.lang.String",
        "TaskResource",
        "updateTask",
        "java.lang.String",
        "java.lang.String",
        _STATUS,
        "java.lang.String",
        _MAP,
    ),
)
TASK_OUTPUT_SYNC = Body(
    jackson.MAP_OF_OBJECTS,
    _method(
        "com.netflix.conductor.common.run.Workflow",
        "TaskResource",
        "updateTaskSync",
        "java.lang.String",
        "java.lang.String",
        _STATUS,
        "java.lang.String",
        _MAP,
    ),
)
SIGNAL_OUTPUT = Body(
    jackson.MAP_OF_OBJECTS,
    _method("void", "TaskResource", "signalWorkflowTaskAsync", "java.lang.String", _STATUS, _MAP),
)
SIGNAL_OUTPUT_SYNC = Body(
    jackson.MAP_OF_OBJECTS,
    _method(
        _SIGNAL,
        "TaskResource",
        "signalWorkflowTaskSync",
        "java.lang.String",
        _STATUS,
        "org.conductoross.conductor.model.WorkflowSignalReturnStrategy",
        "long",
        _MAP,
    ),
)
TASK_LOG = Body(None, _method("void", "TaskResource", "log", "java.lang.String", "java.lang.String"))
_EVENT = "com.netflix.conductor.common.metadata.events.EventHandler"
ADD_EVENT_HANDLER = Body(jackson.EVENT_HANDLER, _method("void", "EventResource", "addEventHandler", _EVENT))
UPDATE_EVENT_HANDLER = Body(
    jackson.EVENT_HANDLER, _method("void", "EventResource", "updateEventHandler", _EVENT)
)


def bulk_ids(name: str, *params: str) -> Body:
    """The body of a ``/workflow/bulk`` route: a list of workflow ids."""
    return Body(jackson.LIST_OF_STRINGS, _method(_BULK, "WorkflowBulkResource", name, _IDS, *params))


def read_body(c: _Call, body: Body) -> Any:
    """The route's body as the server reads it (HTTP 500 with the server's text otherwise)."""
    text = c.request.body
    if text is None or text == "":
        raise RestError(500, body.missing)
    if body.java_type is None:
        return text
    value = parse_body(text, body.java_type)
    if value is None:  # a JSON null: no body for Spring either
        raise RestError(500, body.missing)
    return value


_QUERY_TYPES = {"int": "int", "Integer": "java.lang.Integer", "long": "long", "Long": "java.lang.Long"}


def query_number(c: _Call, name: str, java_type: str, default: Optional[int] = None) -> Optional[int]:
    """A numeric request parameter converted as Spring converts it (``java_type``: int, Integer, long)."""
    values = c.query.get(name)
    value = values[0] if values else None
    if value is None or (value == "" and java_type in ("Integer", "Long")):
        return default
    try:
        return int(value.strip() if java_type in ("Integer", "Long") else value)
    except ValueError:
        raise RestError(
            500,
            f"Method parameter '{name}': Failed to convert value of type 'java.lang.String' to required "
            f"type '{_QUERY_TYPES[java_type]}'; For input string: \"{value}\"",
        ) from None


_RESULT_STATUSES = ("IN_PROGRESS", "FAILED", "FAILED_WITH_TERMINAL_ERROR", "COMPLETED", "CANCELED")


def path_status(c: _Call, name: str = "status") -> str:
    """A ``TaskResult.Status`` path variable, converted as Spring converts it."""
    value = c.path[name]
    if value not in _RESULT_STATUSES:
        raise RestError(
            500,
            f"Method parameter '{name}': Failed to convert value of type 'java.lang.String' to required type "
            f"'{_STATUS}'; Failed to convert from type [java.lang.String] to type "
            f"[@org.springframework.web.bind.annotation.PathVariable {_STATUS}] for value [{value}]",
        )
    return value


def validation_failed(root: str, errors: List[Dict[str, Any]]) -> ValidationFailed:
    """The server's 400 for bean-validation ``errors`` (relative paths) of the argument ``root``."""
    return ValidationFailed(under(root, errors))


def definition_errors(errors: Sequence[Mapping[str, Any]], root: str) -> List[Dict[str, Any]]:
    """Engine definition errors (``workflowDef...`` paths) moved under the argument ``root``."""
    out = []
    for error in errors:
        path = str(error.get("path") or "")
        if path == "workflowDef" or path.startswith(("workflowDef.", "workflowDef[")):
            path = path[len("workflowDef") :]
        elif path:
            path = "." + path
        out.append({**error, "path": root + path})
    return out
