"""Validation as the server's bean validation does it (WorkflowDef, WorkflowTask, request constraints).

The server rejects invalid definitions at registration and at start (HTTP 400 "Validation
failed, check below errors for detail." with ``validationErrors``); the engine does the same so
a test suite that passes on the engine does not break on the server. Checks (texts copied from
the server's messages, verified on 3.32.1): workflow name and task list, ``schemaVersion`` 2,
every workflow task's name/reference/type requirements (WorkflowTaskTypeConstraint), unique
reference names, and ``${ref...}`` references of top-level task inputs (ConstraintParamUtil).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from conductor_testkit.engine.definitions import iter_all_tasks
from conductor_testkit.engine.errors import EngineBadRequest, EngineIllegalState

VALIDATION_MESSAGE = "Validation failed, check below errors for detail."
_REQUIRED = "{field} field is required for taskType: {type} taskName: {name}"
_SPLIT = re.compile(r"(?=(?<!\$)\$\{)|(?<=\})")
_SYSTEM_PARAMETERS = frozenset({"CPEWF_TASK_ID", "NETFLIX_ENV", "NETFLIX_STACK"})
_TERMINATION_STATUSES = frozenset({"COMPLETED", "FAILED", "TERMINATED"})


class DefinitionValidationError(EngineBadRequest):
    """HTTP 400 with the server's ``validationErrors`` list (``path`` and ``message`` each).

    ``str()`` lists every error with its path; ``message`` is the server's text.
    """

    def __init__(self, errors: List[Dict[str, str]], *, workflow: Optional[str] = None) -> None:
        self.validation_errors = errors
        details = "; ".join(f"{e['path']}: {e['message']}" if e.get("path") else e["message"] for e in errors)
        super().__init__(f"{VALIDATION_MESSAGE} {details}", workflow=workflow)
        self.message = VALIDATION_MESSAGE


HV000028 = "HV000028: Unexpected exception during isValid call."


class ConstraintValidatorFailure(EngineIllegalState):
    """A null where the server's validators walk (HTTP 500, Hibernate Validator's HV000028).

    The server's constraint validators dereference every task list of a definition; a null one
    (or a null task, or a task without a type) makes them throw, and the server answers 500
    with that text. ``field`` names the null; ``message`` is the server's text.
    """

    def __init__(self, field: str, *, workflow: Optional[str] = None) -> None:
        super().__init__(f"{HV000028} ({field} is null)", workflow=workflow)
        self.field = field
        self.message = HV000028


def null_in_task_tree(tasks: Any, path: str = "tasks") -> Optional[str]:
    """The path of the first null the server's validators would trip on (None when there is none).

    They walk ``WorkflowTask.children()``: the cases and default case of a SWITCH or DECISION,
    the branches of a FORK_JOIN, the body of a DO_WHILE, by the task's type (a null type fails).
    """
    if tasks is None:
        return path
    for index, task in enumerate(tasks):
        where = f"{path}[{index}]"
        if task is None:
            return where
        kind = task.get("type", "SIMPLE")
        if kind is None:
            return f"{where}.type"
        lists: List[Any] = []
        if kind in ("SWITCH", "DECISION"):
            cases = task.get("decisionCases", {})
            if cases is None:
                return f"{where}.decisionCases"
            lists.extend((f"{where}.decisionCases.{key}", case) for key, case in cases.items())
            lists.append((f"{where}.defaultCase", task.get("defaultCase", [])))
        elif kind == "FORK_JOIN":
            branches = task.get("forkTasks", [])
            if branches is None:
                return f"{where}.forkTasks"
            lists.extend((f"{where}.forkTasks[{i}]", branch) for i, branch in enumerate(branches))
        elif kind == "DO_WHILE":
            lists.append((f"{where}.loopOver", task.get("loopOver", [])))
        for inner_path, inner in lists:
            found = null_in_task_tree(inner, inner_path)
            if found is not None:
                return found
    return None


def check_task_tree(defn: Dict[str, Any]) -> None:
    """Raise :class:`ConstraintValidatorFailure` where the server's validators meet a null."""
    found = null_in_task_tree(defn.get("tasks"))
    if found is not None:
        name = defn.get("name")
        raise ConstraintValidatorFailure(found, workflow=name if isinstance(name, str) else None)


def raise_if_invalid(errors: List[Dict[str, str]], *, workflow: Optional[str] = None) -> None:
    """Raise :class:`DefinitionValidationError` when ``errors`` is not empty."""
    if errors:
        raise DefinitionValidationError(errors, workflow=workflow)


def start_request_errors(request: Dict[str, Any]) -> List[Dict[str, str]]:
    """StartWorkflowRequest's constraints (name, priority), paths relative to the request."""
    errors: List[Dict[str, str]] = []
    if request.get("name") is None:
        errors.append({"path": "name", "message": "Workflow name cannot be null or empty"})
    priority = request.get("priority")
    if isinstance(priority, int) and priority < 0:
        errors.append({"path": "priority", "message": f"priority: {priority} should be minimum 0"})
    if isinstance(priority, int) and priority > 99:
        errors.append({"path": "priority", "message": f"priority: {priority} should be maximum 99"})
    return errors


def _minimum(
    errors: List[Dict[str, str]], definition: Dict[str, Any], field: str, low: int, text: str
) -> None:
    value = definition.get(field)
    if isinstance(value, int) and value < low:
        errors.append({"path": field, "message": text.format(value=value, low=low)})


def task_def_errors(definition: Dict[str, Any]) -> List[Dict[str, str]]:
    """TaskDef's constraints (bean validation), paths relative to the TaskDef ("" for the class)."""
    errors: List[Dict[str, str]] = []
    if not definition.get("name"):
        errors.append({"path": "name", "message": "TaskDef name cannot be null or empty"})
    _minimum(errors, definition, "retryCount", 0, "TaskDef retryCount: {low} must be >= {low}")
    _minimum(
        errors,
        definition,
        "responseTimeoutSeconds",
        1,
        "TaskDef responseTimeoutSeconds: {value} should be minimum {low} second",
    )
    backoff = "Backoff scale factor. Applicable for LINEAR_BACKOFF"
    _minimum(errors, definition, "backoffScaleFactor", 1, backoff)
    for field in ("pollTimeoutSeconds", "maxRetryDelaySeconds", "backoffJitterMs", "totalTimeoutSeconds"):
        _minimum(errors, definition, field, 0, f"TaskDef {field}: {{low}} must be >= {{low}}")
    # TaskTimeoutConstraint (class level)
    timeout = definition.get("timeoutSeconds", 0) or 0
    response_timeout = definition.get("responseTimeoutSeconds", 3600) or 0
    total_timeout = definition.get("totalTimeoutSeconds", 0) or 0
    prefix = f"TaskDef: {definition.get('name')}"
    if timeout > 0 and response_timeout > timeout:
        text = f"responseTimeoutSeconds: {response_timeout} must be less than timeoutSeconds: {timeout}"
        errors.append({"path": "", "message": f"{prefix} {text}"})
    if timeout > 0 and total_timeout > 0 and timeout > total_timeout:
        text = f"timeoutSeconds: {timeout} must be less than or equal to totalTimeoutSeconds: {total_timeout}"
        errors.append({"path": "", "message": f"{prefix} {text}"})
    return errors


def _not_empty(document: Dict[str, Any], messages: Dict[str, str]) -> List[Dict[str, str]]:
    """``@NotEmpty`` on each field of ``messages`` (field -> the constraint's message)."""
    return [{"path": field, "message": text} for field, text in messages.items() if not document.get(field)]


def task_result_errors(result: Dict[str, Any]) -> List[Dict[str, str]]:
    """TaskResult's constraints, paths relative to the TaskResult."""
    messages = {
        "workflowInstanceId": "Workflow Id cannot be null or empty",
        "taskId": "Task ID cannot be null or empty",
    }
    return _not_empty(result, messages)


def event_handler_errors(handler: Dict[str, Any]) -> List[Dict[str, str]]:
    """EventHandler's constraints, paths relative to the handler."""
    errors = _not_empty(handler, {"name": "Missing event handler name", "event": "Missing event location"})
    actions = handler.get("actions", [])
    if actions is None:
        errors.append({"path": "actions", "message": "must not be null"})
    if not actions:
        message = "No actions specified. Please specify at-least one action"
        errors.append({"path": "actions", "message": message})
    return errors


def under(root: str, errors: List[Dict[str, str]]) -> List[Dict[str, str]]:
    """``errors`` with their relative paths put under ``root`` (a method argument: ``updateTask.arg0``)."""
    out = []
    for error in errors:
        path = error.get("path") or ""
        joined = root if not path else root + path if path.startswith("[") else f"{root}.{path}"
        out.append({**error, "path": joined})
    return out


def validate_workflow_def(defn: Dict[str, Any], path: str = "workflowDef", *, js: Any = None) -> None:
    """Raise :class:`DefinitionValidationError` listing every violation of ``defn``."""
    errors: List[Dict[str, str]] = []

    def add(where: str, message: str, invalid: Any = None) -> None:
        error = {"path": where, "message": message}
        if invalid is not None:
            error["invalidValue"] = str(invalid)  # the server's ConstraintViolation invalid value
        errors.append(error)

    if not defn.get("name"):
        add(f"{path}.name", "WorkflowDef name cannot be null or empty")
    tasks = defn.get("tasks")
    if not tasks:
        add(f"{path}.tasks", "WorkflowTask list cannot be empty")
    schema = defn.get("schemaVersion", 2)
    if schema != 2:
        add(
            f"{path}.schemaVersion",
            f"workflowDef schemaVersion: {2 if schema > 2 else 2} is only supported",
            schema,
        )
    for where, wt in _walk(tasks or [], f"{path}.tasks"):
        for field, message, invalid in _task_errors(wt, js):
            add(where + field, message, invalid)
    every_task = list(iter_all_tasks([t for t in tasks or [] if isinstance(t, dict)]))
    seen = set()
    for wt in every_task:
        ref = wt.get("taskReferenceName")
        if ref in seen:
            add(
                path,
                f"taskReferenceName: {ref} should be unique across tasks for a given workflowDefinition: "
                f"{defn.get('name')}",
            )
        seen.add(ref)
    all_refs = {wt.get("taskReferenceName") for wt in every_task}
    for wt in tasks or []:
        for message in _input_reference_errors(wt.get("inputParameters") or {}, wt.get("name"), all_refs):
            add(path, message)
    if errors:
        raise DefinitionValidationError(errors, workflow=defn.get("name"))


def _walk(tasks: List[Dict[str, Any]], path: str) -> Any:
    """(bean path, task) for every task bean validation cascades into, as the server names them.

    WorkflowTask marks ``decisionCases``, ``defaultCase`` and ``forkTasks`` ``@Valid``, not
    ``loopOver`` (verified on 3.32.1: a loopOver task without a reference name registers).
    """
    for i, wt in enumerate(tasks):
        if not isinstance(wt, dict):
            continue
        where = f"{path}[{i}]"
        yield where, wt
        for key, case in (wt.get("decisionCases") or {}).items():
            yield from _walk(case or [], f"{where}.decisionCases[{key}].<map value>")
        yield from _walk(wt.get("defaultCase") or [], f"{where}.defaultCase")
        for j, branch in enumerate(wt.get("forkTasks") or []):
            yield from _walk(branch or [], f"{where}.forkTasks[{j}].<list element>")


def _task_errors(wt: Dict[str, Any], js: Any) -> List[Any]:
    """(path suffix, message, invalid value or None) of every violation of one workflow task."""
    found: List[Any] = []
    if not wt.get("name"):
        found.append((".name", "WorkflowTask name cannot be empty or null", None))
    if not wt.get("taskReferenceName"):
        message = "WorkflowTask taskReferenceName name cannot be empty or null"
        found.append((".taskReferenceName", message, None))
    if isinstance(wt.get("startDelay"), int) and wt["startDelay"] < 0:
        found.append((".startDelay", "must be greater than or equal to 0", wt["startDelay"]))
    found.extend(("", message, None) for message in _type_errors(wt, js))
    return found


def _type_errors(wt: Dict[str, Any], js: Any) -> List[str]:
    """The class-level WorkflowTaskTypeConstraint messages (reported on the task itself)."""
    out: List[str] = []
    name = wt.get("name")
    ttype = wt.get("type") or "SIMPLE"
    params = wt.get("inputParameters") or {}

    def required(field: str, type_name: Optional[str] = None) -> None:
        out.append(_REQUIRED.format(field=field, type=type_name or ttype, name=name))

    if ttype == "EVENT" and wt.get("sink") is None:
        required("sink")
    elif ttype in ("DECISION", "SWITCH"):
        if ttype == "DECISION" and wt.get("caseValueParam") is None and wt.get("caseExpression") is None:
            required("caseValueParam or caseExpression")
        if ttype == "SWITCH":
            if wt.get("evaluatorType") is None:
                required("evaluatorType")
            elif wt.get("expression") is None:
                required("expression")
        cases = wt.get("decisionCases")
        if cases is None:
            required("decisionCases")
        elif len(cases) == 0:
            out.append(f"decisionCases should have atleast one task for taskType: {ttype} taskName: {name}")
        script = wt.get("caseExpression") if ttype == "DECISION" else None
        if ttype == "SWITCH" and wt.get("evaluatorType") == "javascript":
            script = wt.get("expression")
        if script is not None:
            problem = _syntax_error(js, str(script))
            if problem is not None:
                out.append(f"Expression is not well formatted: {problem}, taskType: {ttype} taskName {name}")
    elif ttype == "DO_WHILE":
        if wt.get("loopCondition") is None:
            required("loopCondition")
        if not wt.get("loopOver"):
            required("loopOver")
    elif ttype == "DYNAMIC" and wt.get("dynamicTaskNameParam") is None:
        required("dynamicTaskNameParam")
    elif ttype == "FORK_JOIN_DYNAMIC" and "forkTaskInputs" not in params:
        legacy = wt.get("dynamicForkJoinTasksParam")
        if legacy is not None and (
            wt.get("dynamicForkTasksParam") is not None
            or wt.get("dynamicForkTasksInputParamName") is not None
        ):
            out.append(
                "dynamicForkJoinTasksParam or combination of dynamicForkTasksInputParamName and "
                f"dynamicForkTasksParam cam be used for taskType: {ttype} taskName: {name}"
            )
        elif legacy is None:
            if wt.get("dynamicForkTasksParam") is None:
                required("dynamicForkTasksParam")
            if wt.get("dynamicForkTasksInputParamName") is None:
                required("dynamicForkTasksInputParamName")
    elif ttype == "HTTP":
        template = (wt.get("taskDefinition") or {}).get("inputTemplate") or {}
        if not (
            "http_request" in params or "uri" in params or "method" in params or "http_request" in template
        ):
            required("inputParameters.http_request or inputParameters.uri")
    elif ttype == "FORK_JOIN" and wt.get("forkTasks") is not None and len(wt["forkTasks"]) == 0:
        out.append(f"forkTasks should have atleast one task for taskType: {ttype} taskName: {name}")
    elif ttype == "TERMINATE":
        if wt.get("optional"):
            out.append(f"terminate task cannot be optional, taskName: {name}")
        status = params.get("terminationStatus")
        if status is None or str(status) not in _TERMINATION_STATUSES:
            out.append(
                "terminate task must have an terminationStatus parameter and must be set to COMPLETED or "
                f"FAILED, taskName: {name}"
            )
    elif ttype == "JSON_JQ_TRANSFORM":
        template = (wt.get("taskDefinition") or {}).get("inputTemplate") or {}
        if "queryExpression" not in params and "queryExpression" not in template:
            required("inputParameters.queryExpression")
    elif ttype == "WAIT":
        duration = "" if params.get("duration") is None else str(params.get("duration"))
        until = "" if params.get("until") is None else str(params.get("until"))
        if duration.strip() and until.strip():
            out.append("Both 'duration' and 'until' specified. Please provide only one input")
    elif ttype == "SUB_WORKFLOW" and wt.get("subWorkflowParam") is None:
        required("subWorkflowParam")
    elif ttype == "KAFKA_PUBLISH":
        template = (wt.get("taskDefinition") or {}).get("inputTemplate") or {}
        if "kafka_request" not in params and "kafka_request" not in template:
            required("inputParameters.kafka_request")
    return out


def _syntax_error(js: Any, script: str) -> Optional[str]:
    """A JavaScript syntax error message, or None (only syntax is checked, like the server).

    The script is compiled inside a function expression that is never called; QuickJS's message
    stands in for GraalJS's (the text after "Expression is not well formatted: " differs).
    """
    try:
        import quickjs
    except ImportError:  # pragma: no cover - quickjs is a dependency
        return None
    try:
        quickjs.Context().eval("(function(){\n" + script + "\n})")
    except Exception as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return first if "SyntaxError" in first else None
    return None


def _input_reference_errors(params: Dict[str, Any], task_name: Any, refs: Any) -> List[str]:
    """ConstraintParamUtil.validateInputParam: ``${x...}`` must name ``workflow`` or a known reference."""
    out: List[str] = []

    def check_string(key: str, value: str) -> None:
        for piece in _SPLIT.split(value):
            if not (piece.startswith("${") and piece.endswith("}")):
                continue
            path = piece[2:-1]
            if not path.strip():
                out.append(f"key: {key} input parameter value: {path} is not valid")
                continue
            if path in _SYSTEM_PARAMETERS:
                continue
            first = path.split(".")[0]
            if first != "workflow" and first not in refs:
                out.append(
                    f"taskReferenceName: {first} for given task: {task_name} input value: {key} of input "
                    f"parameter: {value} is not defined in workflow definition."
                )

    def walk(key: str, value: Any) -> None:
        # a string is checked under the key of the map that holds it (lists keep their key)
        if isinstance(value, str):
            check_string(key, value)
        elif isinstance(value, dict):
            for inner_key, inner in value.items():
                walk(inner_key, inner)
        elif isinstance(value, list):
            for inner in value:
                walk(key, inner)

    for key, value in params.items():
        walk(key, value)
    return out
