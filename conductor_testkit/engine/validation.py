"""Definition validation like the server's bean validation (WorkflowDef, WorkflowTask constraints).

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
from conductor_testkit.engine.errors import EngineBadRequest

VALIDATION_MESSAGE = "Validation failed, check below errors for detail."
_REQUIRED = "{field} field is required for taskType: {type} taskName: {name}"
_SPLIT = re.compile(r"(?=(?<!\$)\$\{)|(?<=\})")
_SYSTEM_PARAMETERS = frozenset({"CPEWF_TASK_ID", "NETFLIX_ENV", "NETFLIX_STACK"})
_TERMINATION_STATUSES = frozenset({"COMPLETED", "FAILED", "TERMINATED"})


class DefinitionValidationError(EngineBadRequest):
    """HTTP 400 with the server's ``validationErrors`` list (``path`` and ``message`` each)."""

    def __init__(self, errors: List[Dict[str, str]], *, workflow: Optional[str] = None) -> None:
        self.validation_errors = errors
        details = "; ".join(e["message"] for e in errors)
        super().__init__(f"{VALIDATION_MESSAGE} {details}", workflow=workflow)
        self.message = VALIDATION_MESSAGE


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

    def walk_map(m: Dict[str, Any]) -> None:
        for key, value in m.items():
            if isinstance(value, str):
                check_string(key, value)
            elif isinstance(value, dict):
                walk_map(value)
            elif isinstance(value, list):
                walk_list(key, value)

    def walk_list(key: str, values: List[Any]) -> None:
        for value in values:
            if isinstance(value, str):
                check_string(key, value)
            elif isinstance(value, dict):
                walk_map(value)
            elif isinstance(value, list):
                walk_list(key, value)

    walk_map(params)
    return out
