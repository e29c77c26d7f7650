"""Wire JSON read into the server's models the way its JSON binding (Jackson) reads it.

The server reads every request body into Java objects before anything else looks at it. A value
of the wrong type fails there, with HTTP 500 and Jackson's text ("JSON parse error: Cannot
deserialize value of type `int` from String "abc": not a valid `int` value"); a value Jackson can
convert is converted (``"2"`` for an ``int`` is 2, ``5`` for a ``String`` is ``"5"``, ``"true"``
for a ``boolean`` is true) and the server goes on with it. :func:`bind` does the same on plain
dicts: it returns the body with those conversions applied, or raises :class:`WireTypeError` with
the server's text and, for the caller, the field path, the workflow and the task reference.

Each model is described once (:data:`WORKFLOW_DEF`, :data:`TASK_DEF`,
:data:`START_WORKFLOW_REQUEST`, :data:`WORKFLOW_TEST_REQUEST`, :data:`TASK_RESULT`,
:data:`EVENT_HANDLER`, ...) by its JSON properties and their Java types, copied from the server's
classes (``com.netflix.conductor.common.metadata...``). Unknown properties are kept, as the server
ignores them (``FAIL_ON_UNKNOWN_PROPERTIES`` is off).

The document nesting limit is Jackson's ``StreamReadConstraints`` default: 1000 levels of objects
and arrays, counted from the body's root (:func:`check_nesting`, :func:`parse_json`).
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from conductor_testkit.errors import ModelValidationError

MAX_NESTING_DEPTH = 1000
_JSON_PARSE_ERROR = "JSON parse error: "
_INT_RANGE = (-(2**31), 2**31 - 1)
_LONG_RANGE = (-(2**63), 2**63 - 1)
_INTEGER_TEXT = re.compile(r"[+-]?\d+")
_ENUM_INDEX = re.compile(r"0|[1-9][0-9]{0,8}")

__all__ = [
    "MAX_NESTING_DEPTH",
    "JavaType",
    "WireTypeError",
    "bind",
    "check_nesting",
    "ensure_recursion_headroom",
    "nesting_depth_exceeds",
    "parse_json",
]


class WireTypeError(ModelValidationError):
    """JSON the server's binding rejects (it answers HTTP 500 "JSON parse error: ...").

    ``server_text`` is the server's text; ``field`` the path of the value at fault
    (``tasks[0].inputParameters``), ``workflow`` and ``task_ref`` the workflow and the task
    reference it sits in (None when there is none). ``str()`` gives all of it.
    """

    def __init__(
        self,
        server_text: str,
        *,
        field: str = "",
        workflow: Optional[str] = None,
        task_ref: Optional[str] = None,
    ) -> None:
        where = []
        if workflow:
            where.append(f"workflow {workflow!r}")
        if task_ref:
            where.append(f"task {task_ref!r}")
        if field:
            where.append(f"field {field}")
        super().__init__(f"{', '.join(where)}: {server_text}" if where else server_text)
        self.server_text = server_text
        self.field = field
        self.workflow = workflow
        self.task_ref = task_ref


class _Mismatch(Exception):
    """Raised inside :func:`bind`; collects the path while it unwinds."""

    def __init__(self, text: str, *, from_setter: bool = False) -> None:
        super().__init__(text)
        self.text = text
        # thrown by a setter (not by Jackson's own type checks): Jackson reports no location
        self.from_setter = from_setter
        # (owner java class, field or index), innermost first, within the current conversion;
        # ``deeper`` holds those of conversions nested in it (inline sub-workflow definitions)
        self.segments: List[Tuple[str, Any]] = []
        self.deeper: List[Tuple[str, Any]] = []
        self.workflow: Optional[str] = None
        self.task_ref: Optional[str] = None


# -- Java types -----------------------------------------------------------------------------------


class JavaType:
    """How Jackson binds one Java type; ``bind_value`` returns the converted value or raises."""

    name = "java.lang.Object"

    def bind_value(self, value: Any) -> Any:
        return value


_TOKENS = (
    (bool, "Boolean value (token `JsonToken.VALUE_{}`)"),
    (int, "Integer value (token `JsonToken.VALUE_NUMBER_INT`)"),
    (float, "Floating-point value (token `JsonToken.VALUE_NUMBER_FLOAT`)"),
    (str, "String value (token `JsonToken.VALUE_STRING`)"),
    (dict, "Object value (token `JsonToken.START_OBJECT`)"),
    ((list, tuple), "Array value (token `JsonToken.START_ARRAY`)"),
)


def _token(value: Any) -> str:
    """Jackson's description of the JSON token a value starts with."""
    for kinds, text in _TOKENS:
        if isinstance(value, kinds):
            return text.format("TRUE" if value is True else "FALSE")
    return f"{type(value).__name__} value"


def _cannot_deserialize(type_name: str, value: Any) -> _Mismatch:
    return _Mismatch(f"Cannot deserialize value of type `{type_name}` from {_token(value)}")


def java_double(value: float) -> str:
    """``Double.toString``: plain between 10^-3 and 10^7, else ``1.0E300``."""
    if math.isnan(value) or math.isinf(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    magnitude = abs(value)
    if magnitude == 0 or 1e-3 <= magnitude < 1e7:
        text = repr(value)
        if "e" in text:  # repr uses exponents below 1e-4
            text = f"{value:.{17}f}".rstrip("0")
        return text if "." in text else text + ".0"
    mantissa, _, exponent = f"{value:e}".partition("e")
    digits = repr(value).replace("-", "").split("e")[0].replace(".", "").lstrip("0").rstrip("0") or "0"
    sign = "-" if value < 0 else ""
    head = digits[0] + "." + (digits[1:] or "0")
    return f"{sign}{head}E{int(exponent)}"


def _number_text(value: Any) -> str:
    """The number as the server quotes it back (the token text for integers)."""
    if isinstance(value, float):
        text = repr(value)
        return text.replace("e+", "e")
    return str(value)


class _String(JavaType):
    name = "java.lang.String"

    def bind_value(self, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return _number_text(value)
        raise _cannot_deserialize(self.name, value)


class _Integral(JavaType):
    """int, long, java.lang.Integer, java.lang.Long."""

    def __init__(self, name: str, java_range: Tuple[int, int], primitive: bool) -> None:
        self.name = name
        self.range = java_range
        self.primitive = primitive
        self.range_name = "int" if java_range == _INT_RANGE else "long"

    def _empty(self) -> Any:
        return 0 if self.primitive else None

    def _in_range(self, number: int, text: str) -> int:
        low, high = self.range
        if not low <= number <= high:
            raise _Mismatch(f"Numeric value ({text}) out of range of {self.range_name} ({low} - {high})")
        return number

    def bind_value(self, value: Any) -> Any:
        if value is None:
            return self._empty()
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise _cannot_deserialize(self.name, value)
        if isinstance(value, int):
            return self._in_range(value, str(value))
        if isinstance(value, float):
            if math.isnan(value) or math.isinf(value):
                raise _Mismatch(f"Numeric value ({_number_text(value)}) out of range of {self.range_name}")
            return self._in_range(int(value), _number_text(value))
        text = value.strip()
        if text in ("", "null"):
            return self._empty()
        if _INTEGER_TEXT.fullmatch(text):
            number = int(text)
            low, high = self.range
            if low <= number <= high:
                return number
            if self.range_name == "int":
                shown = "int" if self.primitive else f"`{self.name}`"
                raise _Mismatch(
                    f'Cannot deserialize value of type `{self.name}` from String "{value}": Overflow: '
                    f"numeric value ({text}) out of range of {shown} ({low} -{high})"
                )
        raise _Mismatch(
            f'Cannot deserialize value of type `{self.name}` from String "{value}": '
            f"not a valid `{self.name}` value"
        )


class _Boolean(JavaType):
    def __init__(self, name: str, primitive: bool) -> None:
        self.name = name
        self.primitive = primitive

    def bind_value(self, value: Any) -> Any:
        if value is None:
            return False if self.primitive else None
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value != 0
        if isinstance(value, str):
            text = value.strip()
            if text in ("true", "True", "TRUE"):
                return True
            if text in ("false", "False", "FALSE"):
                return False
            if text in ("", "null"):
                return False if self.primitive else None
            recognized = (
                '"true"/"True"/"TRUE" or "false"/"False"/"FALSE"' if self.primitive else ('"true" or "false"')
            )
            raise _Mismatch(
                f'Cannot deserialize value of type `{self.name}` from String "{value}": only {recognized} '
                "recognized"
            )
        raise _cannot_deserialize(self.name, value)


def _hash_order(names: Sequence[str]) -> List[str]:
    """The order Jackson lists an enum's values in its error text.

    Its ``CompactStringObjectMap`` of the names, filled from a ``HashMap``: both orders follow
    ``String.hashCode``, reproduced here.
    """

    def java_hash(text: str) -> int:
        h = 0
        for unit in text.encode("utf-16-be").decode("utf-16-be"):
            h = (31 * h + ord(unit)) & 0xFFFFFFFF
        return h

    buckets = 16
    while len(names) > buckets * 0.75:
        buckets *= 2
    by_bucket: Dict[int, List[str]] = {}
    for name in names:
        h = java_hash(name)
        by_bucket.setdefault((h ^ (h >> 16)) & (buckets - 1), []).append(name)
    hash_map_order = [n for b in sorted(by_bucket) for n in by_bucket[b]]
    count = len(names)
    size = 8 if count <= 5 else 16 if count <= 12 else 32
    while size < count + (count >> 2):
        size += size
    area: List[Optional[str]] = [None] * ((size + (size >> 1)) * 2)
    spill = 0
    for name in hash_map_order:
        slot = java_hash(name) & (size - 1)
        index = slot + slot
        if area[index] is not None:
            index = (size + (slot >> 1)) << 1
            if area[index] is not None:
                index = ((size + (size >> 1)) << 1) + spill
                spill += 2
                if index >= len(area):
                    area.extend([None] * 4)
        area[index] = name
    return [n for n in area[::2] if n is not None]


class _Enum(JavaType):
    def __init__(self, name: str, values: Sequence[str]) -> None:
        self.name = name
        self.values = tuple(values)
        self.listed = ", ".join(_hash_order(self.values))

    def bind_value(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            text = value.strip()
            if text in self.values:
                return text
            if _ENUM_INDEX.fullmatch(text) and int(text) < len(self.values):
                return self.values[int(text)]
            if text == "":
                raise _Mismatch(
                    f'Cannot coerce empty String ("") to `{self.name}` value (but could if coercion was '
                    "enabled using `CoercionConfig`)"
                )
            raise _Mismatch(
                f'Cannot deserialize value of type `{self.name}` from String "{value}": not one of the '
                f"values accepted for Enum class: [{self.listed}]"
            )
        if isinstance(value, int) and not isinstance(value, bool):
            if 0 <= value < len(self.values):
                return self.values[value]
            INT._in_range(value, str(value))
            raise _Mismatch(
                f"Cannot deserialize value of type `{self.name}` from number {value}: index value "
                f"outside legal index range [0..{len(self.values) - 1}]"
            )
        raise _cannot_deserialize(self.name, value)


def _empty_string_to(target: str, element: bool) -> _Mismatch:
    of = "element of " if element else ""
    suffix = "" if element else " value"
    return _Mismatch(
        f'Cannot coerce empty String ("") to {of}`{target}`{suffix} (but could if coercion was enabled '
        "using `CoercionConfig`)"
    )


def _no_creator(target: str, value: Any) -> _Mismatch:
    """A scalar where an object is expected: Jackson looks for a constructor taking it."""
    if isinstance(value, bool):
        kind, shown = "boolean/Boolean", f"boolean value ({'true' if value else 'false'})"
    elif isinstance(value, int):
        if _INT_RANGE[0] <= value <= _INT_RANGE[1]:
            kind = "int/Int"
        elif _LONG_RANGE[0] <= value <= _LONG_RANGE[1]:
            kind = "long/Long"
        else:
            kind = "BigInteger"
        shown = f"Number value ({value})"
    elif isinstance(value, float):
        kind, shown = "double/Double", f"Number value ({java_double(value)})"
    else:
        kind, shown = "String", f"String value ('{value}')"
    return _Mismatch(
        f"Cannot construct instance of `{target}` (although at least one Creator exists): no "
        f"{kind}-argument constructor/factory method to deserialize from {shown}"
    )


def _bind_entries(container: Any, entries: Iterable[Tuple[Any, Any]], bind: Any, chain_name: str) -> Any:
    """Each item of a list or map bound; a copy holding the converted items, or None when none was.

    An item that fails is named in the error's path by its index or key.
    """
    converted = None
    for key, item in entries:
        try:
            bound = bind(item)
        except _Mismatch as exc:
            exc.segments.append((chain_name, key))
            raise
        if bound is not item:  # copied only when something is converted
            if converted is None:
                converted = container.copy()
            converted[key] = bound
    return converted


class _List(JavaType):
    chain_name = "java.util.ArrayList"

    def __init__(self, element: JavaType) -> None:
        self.element = element
        self.name = f"java.util.ArrayList<{_generic_name(element)}>"
        self.of_strings = isinstance(element, _String)

    def bind_value(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, (list, tuple)):
            items = value if isinstance(value, list) else list(value)
            converted = _bind_entries(items, enumerate(items), self.element.bind_value, self.chain_name)
            return items if converted is None else converted
        if isinstance(value, str) and self.of_strings:
            if value.strip() == "":
                raise _empty_string_to(self.chain_name, element=True)
            raise _no_creator(self.chain_name, value)
        raise _cannot_deserialize(self.name, value)


class _Map(JavaType):
    chain_name = "java.util.LinkedHashMap"

    def __init__(self, value_type: JavaType) -> None:
        self.value_type = value_type
        self.name = f"java.util.LinkedHashMap<java.lang.String,{_generic_name(value_type)}>"
        self.any_value = type(value_type) is JavaType

    def bind_value(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, dict):
            if self.any_value:
                return value
            converted = _bind_entries(value, value.items(), self.value_type.bind_value, self.chain_name)
            return value if converted is None else converted
        if isinstance(value, str):
            if value.strip() == "":
                raise _empty_string_to(self.chain_name, element=True)
            raise _no_creator(self.chain_name, value)
        raise _cannot_deserialize(self.name, value)


def _generic_name(java_type: JavaType) -> str:
    if isinstance(java_type, _List):
        return f"java.util.List<{_generic_name(java_type.element)}>"
    if isinstance(java_type, _Map):
        return f"java.util.Map<java.lang.String,{_generic_name(java_type.value_type)}>"
    return java_type.name


class Pojo(JavaType):
    """A Java bean: its JSON properties, each with a :class:`JavaType` (set by :func:`_define`)."""

    def __init__(self, name: str, role: str = "", string_creator: Optional[str] = None) -> None:
        self.name = name
        # a constructor taking one String: Jackson builds the bean from a JSON string with it
        # (the property it sets)
        self.string_creator = string_creator
        self.fields: Dict[str, JavaType] = {}
        self.setters: Dict[str, Callable[[Any], Any]] = {}
        # "workflow": a workflow definition (its name is the workflow of an error inside),
        # "task": a workflow task (its reference is the task of an error inside)
        self.role = role

    def bind_value(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, dict):
            fields = self.fields
            setters = self.setters
            out: Optional[Dict[str, Any]] = None
            for key, item in value.items():
                field_type = fields.get(key)
                if field_type is None:
                    continue
                try:
                    bound = field_type.bind_value(item)
                    setter = setters.get(key)
                    if setter is not None:
                        bound = setter(bound)
                except _Mismatch as exc:
                    exc.segments.append((self.name, key))
                    self._note_location(exc, value)
                    raise
                if bound is not item:  # copied only when something is converted
                    if out is None:
                        out = dict(value)
                    out[key] = bound
            return value if out is None else out
        if isinstance(value, str) and self.string_creator is not None:
            return {self.string_creator: value}
        if isinstance(value, str) and value.strip() == "":
            raise _empty_string_to(self.name, element=False)
        if isinstance(value, (str, int, float, bool)):
            raise _no_creator(self.name, value)
        raise _cannot_deserialize(self.name, value)

    def _note_location(self, exc: _Mismatch, value: Dict[str, Any]) -> None:
        if self.role == "task" and exc.task_ref is None:
            ref = value.get("taskReferenceName")
            exc.task_ref = ref if isinstance(ref, str) and ref else None
        elif self.role == "workflow" and exc.workflow is None:
            name = value.get("name")
            exc.workflow = name if isinstance(name, str) and name else None


def _define(pojo: Pojo, fields: Dict[str, JavaType], parent: Optional[Pojo] = None) -> Pojo:
    if parent is not None:
        pojo.fields.update(parent.fields)
    pojo.fields.update(fields)
    return pojo


OBJECT = JavaType()
STRING = _String()
INT = _Integral("int", _INT_RANGE, primitive=True)
LONG = _Integral("long", _LONG_RANGE, primitive=True)
INTEGER = _Integral("java.lang.Integer", _INT_RANGE, primitive=False)
LONG_OBJECT = _Integral("java.lang.Long", _LONG_RANGE, primitive=False)
BOOL = _Boolean("boolean", primitive=True)
BOOLEAN = _Boolean("java.lang.Boolean", primitive=False)
MAP_OF_OBJECTS = _Map(OBJECT)
MAP_OF_STRINGS = _Map(STRING)
LIST_OF_STRINGS = _List(STRING)

_COMMON = "com.netflix.conductor.common.metadata"
_TASK_TYPES = (
    "SIMPLE DYNAMIC FORK_JOIN FORK_JOIN_DYNAMIC DECISION SWITCH JOIN DO_WHILE SUB_WORKFLOW "
    "START_WORKFLOW EVENT WAIT HUMAN USER_DEFINED HTTP LAMBDA INLINE EXCLUSIVE_JOIN TERMINATE "
    "KAFKA_PUBLISH JSON_JQ_TRANSFORM SET_VARIABLE NOOP LLM_TEXT_COMPLETE LLM_CHAT_COMPLETE "
    "LLM_INDEX_TEXT LLM_SEARCH_INDEX LLM_GENERATE_EMBEDDINGS LLM_STORE_EMBEDDINGS LLM_GET_EMBEDDINGS "
    "LIST_MCP_TOOLS CALL_MCP_TOOL PULL_WORKFLOW_MESSAGES AGENT GET_AGENT_CARD CANCEL_AGENT"
).split()
TASK_RESULT_STATUS = _Enum(
    f"{_COMMON}.tasks.TaskResult$Status",
    ["IN_PROGRESS", "FAILED", "FAILED_WITH_TERMINAL_ERROR", "COMPLETED", "CANCELED"],
)

AUDITABLE = _define(
    Pojo(f"{_COMMON}.Auditable"),
    {
        "ownerApp": STRING,
        "createTime": LONG_OBJECT,
        "updateTime": LONG_OBJECT,
        "createdBy": STRING,
        "updatedBy": STRING,
    },
)
SCHEMA_DEF = _define(
    Pojo(f"{_COMMON}.SchemaDef"),
    {
        "name": STRING,
        "version": INT,
        "type": _Enum(f"{_COMMON}.SchemaDef$Type", ["JSON", "AVRO", "PROTOBUF"]),
        "data": MAP_OF_OBJECTS,
        "externalRef": STRING,
    },
    AUDITABLE,
)
TASK_DEF = _define(
    Pojo(f"{_COMMON}.tasks.TaskDef", string_creator="name"),
    {
        "name": STRING,
        "description": STRING,
        "retryCount": INT,
        "timeoutSeconds": LONG,
        "inputKeys": LIST_OF_STRINGS,
        "outputKeys": LIST_OF_STRINGS,
        "runtimeMetadata": LIST_OF_STRINGS,
        "timeoutPolicy": _Enum(
            f"{_COMMON}.tasks.TaskDef$TimeoutPolicy", ["RETRY", "TIME_OUT_WF", "ALERT_ONLY"]
        ),
        "retryLogic": _Enum(
            f"{_COMMON}.tasks.TaskDef$RetryLogic", ["FIXED", "EXPONENTIAL_BACKOFF", "LINEAR_BACKOFF"]
        ),
        "retryDelaySeconds": INT,
        "responseTimeoutSeconds": LONG,
        "concurrentExecLimit": INTEGER,
        "inputTemplate": MAP_OF_OBJECTS,
        "rateLimitPerFrequency": INTEGER,
        "rateLimitFrequencyInSeconds": INTEGER,
        "isolationGroupId": STRING,
        "executionNameSpace": STRING,
        "ownerEmail": STRING,
        "pollTimeoutSeconds": INTEGER,
        "backoffScaleFactor": INTEGER,
        "maxRetryDelaySeconds": INT,
        "backoffJitterMs": INT,
        "baseType": STRING,
        "totalTimeoutSeconds": LONG,
        "taskStatusListenerEnabled": BOOL,
        "inputSchema": SCHEMA_DEF,
        "outputSchema": SCHEMA_DEF,
        "enforceSchema": BOOL,
    },
    AUDITABLE,
)
CACHE_CONFIG = _define(Pojo(f"{_COMMON}.workflow.CacheConfig"), {"key": STRING, "ttlInSecond": INT})
RATE_LIMIT_CONFIG = _define(
    Pojo(f"{_COMMON}.workflow.RateLimitConfig"),
    {
        "rateLimitKey": STRING,
        "concurrentExecLimit": INT,
        "policy": _Enum(f"{_COMMON}.workflow.RateLimitConfig$RateLimitPolicy", ["QUEUE", "REJECT"]),
    },
)
STATE_CHANGE_EVENT = _define(
    Pojo(f"{_COMMON}.workflow.StateChangeEvent"), {"type": STRING, "payload": MAP_OF_OBJECTS}
)
IDEMPOTENCY_STRATEGY = _Enum(
    f"{_COMMON}.workflow.IdempotencyStrategy", ["FAIL", "RETURN_EXISTING", "FAIL_ON_RUNNING"]
)
WORKFLOW_TASK = Pojo(f"{_COMMON}.workflow.WorkflowTask", role="task")
WORKFLOW_DEF = Pojo(f"{_COMMON}.workflow.WorkflowDef", role="workflow")
SUB_WORKFLOW_PARAMS = Pojo(f"{_COMMON}.workflow.SubWorkflowParams")
_TASK_LIST = _List(WORKFLOW_TASK)


def _task_type(value: Any) -> Any:
    """``setWorkflowTaskType(TaskType)``: the enum's name becomes ``type`` (null fails)."""
    if value is None:
        raise _Mismatch(
            f'Cannot invoke "{_COMMON}.tasks.TaskType.name()" because "type" is null', from_setter=True
        )
    return value


_define(
    WORKFLOW_TASK,
    {
        "name": STRING,
        "taskReferenceName": STRING,
        "description": STRING,
        "inputParameters": MAP_OF_OBJECTS,
        "type": STRING,
        "workflowTaskType": _Enum(f"{_COMMON}.tasks.TaskType", _TASK_TYPES),
        "dynamicTaskNameParam": STRING,
        "caseValueParam": STRING,
        "caseExpression": STRING,
        "scriptExpression": STRING,
        "decisionCases": _Map(_TASK_LIST),
        "dynamicForkJoinTasksParam": STRING,
        "dynamicForkTasksParam": STRING,
        "dynamicForkTasksInputParamName": STRING,
        "defaultCase": _TASK_LIST,
        "forkTasks": _List(_TASK_LIST),
        "startDelay": INT,
        "subWorkflowParam": SUB_WORKFLOW_PARAMS,
        "joinOn": LIST_OF_STRINGS,
        "sink": STRING,
        "optional": BOOL,
        "taskDefinition": TASK_DEF,
        "rateLimited": BOOLEAN,
        "defaultExclusiveJoinTask": LIST_OF_STRINGS,
        "asyncComplete": BOOLEAN,
        "loopCondition": STRING,
        "loopOver": _TASK_LIST,
        "items": STRING,
        "retryCount": INTEGER,
        "evaluatorType": STRING,
        "expression": STRING,
        "onStateChange": _Map(_List(STATE_CHANGE_EVENT)),
        "joinStatus": STRING,
        "cacheConfig": CACHE_CONFIG,
        "permissive": BOOL,
        "joinMode": _Enum(f"{_COMMON}.workflow.WorkflowTask$JoinMode", ["SYNC", "ASYNC"]),
        "metadata": MAP_OF_OBJECTS,
    },
)
WORKFLOW_TASK.setters["workflowTaskType"] = _task_type
_define(
    WORKFLOW_DEF,
    {
        "name": STRING,
        "description": STRING,
        "version": INT,
        "tasks": _TASK_LIST,
        "inputParameters": LIST_OF_STRINGS,
        "outputParameters": MAP_OF_OBJECTS,
        "failureWorkflow": STRING,
        "schemaVersion": INT,
        "restartable": BOOL,
        "workflowStatusListenerEnabled": BOOL,
        "ownerEmail": STRING,
        "timeoutPolicy": _Enum(
            f"{_COMMON}.workflow.WorkflowDef$TimeoutPolicy", ["TIME_OUT_WF", "ALERT_ONLY"]
        ),
        "timeoutSeconds": LONG,
        "variables": MAP_OF_OBJECTS,
        "inputTemplate": MAP_OF_OBJECTS,
        "failureWorkflowVersion": INTEGER,
        "workflowStatusListenerSink": STRING,
        "rateLimitConfig": RATE_LIMIT_CONFIG,
        "inputSchema": SCHEMA_DEF,
        "outputSchema": SCHEMA_DEF,
        "enforceSchema": BOOL,
        "metadata": MAP_OF_OBJECTS,
        "cacheConfig": CACHE_CONFIG,
        "maskedFields": LIST_OF_STRINGS,
    },
    AUDITABLE,
)


def _inline_definition(value: Any) -> Any:
    """``SubWorkflowParams.setWorkflowDefinition``: null, a ``${...}`` string or a definition.

    A definition is converted on its own (``TaskUtils.convertToWorkflowDef``), so an error in it
    reaches the server's answer with Jackson's reference chain.
    """
    if value is None:
        return None
    if isinstance(value, str):
        if not (value.startswith("${") and value.endswith("}")):
            raise _Mismatch("workflowDefinition is a string, but not a valid DSL string", from_setter=True)
        return value
    if isinstance(value, dict):
        try:
            return WORKFLOW_DEF.bind_value(value)
        except _Mismatch as exc:
            raise _chained(exc) from None
    raise _Mismatch(
        "workflowDefinition must be either null, or WorkflowDef, or a valid DSL string", from_setter=True
    )


def _chained(inner: _Mismatch) -> _Mismatch:
    """The error of a separately converted definition, as the outer conversion reports it.

    ``ObjectMapper.convertValue`` turns it into an IllegalArgumentException whose message is
    Jackson's full text: location (for Jackson's own type errors) and reference chain.
    """
    chain = "->".join(
        f'{owner}["{key}"]' if isinstance(key, str) else f"{owner}[{key}]"
        for owner, key in reversed(inner.segments)
    )
    location = "" if inner.from_setter else "\n at [Source: UNKNOWN; byte offset: #UNKNOWN]"
    outer = _Mismatch(f"{inner.text}{location} (through reference chain: {chain})", from_setter=True)
    outer.deeper = inner.deeper + inner.segments
    outer.workflow, outer.task_ref = inner.workflow, inner.task_ref
    return outer


_define(
    SUB_WORKFLOW_PARAMS,
    {
        "name": STRING,
        "version": INTEGER,
        "taskToDomain": MAP_OF_STRINGS,
        "workflowDefinition": OBJECT,
        "idempotencyKey": STRING,
        "idempotencyStrategy": IDEMPOTENCY_STRATEGY,
        "priority": OBJECT,
    },
)
SUB_WORKFLOW_PARAMS.setters["workflowDefinition"] = _inline_definition

START_WORKFLOW_REQUEST = _define(
    Pojo(f"{_COMMON}.workflow.StartWorkflowRequest"),
    {
        "name": STRING,
        "version": INTEGER,
        "correlationId": STRING,
        "input": MAP_OF_OBJECTS,
        "taskToDomain": MAP_OF_STRINGS,
        "workflowDef": WORKFLOW_DEF,
        "externalInputPayloadStoragePath": STRING,
        "priority": INTEGER,
        "createdBy": STRING,
        "idempotencyKey": STRING,
        "idempotencyStrategy": IDEMPOTENCY_STRATEGY,
    },
)
TASK_MOCK = _define(
    Pojo("com.netflix.conductor.common.run.WorkflowTestRequest$TaskMock"),
    {"status": TASK_RESULT_STATUS, "output": MAP_OF_OBJECTS, "executionTime": LONG, "queueWaitTime": LONG},
)
WORKFLOW_TEST_REQUEST = Pojo("com.netflix.conductor.common.run.WorkflowTestRequest")
_define(
    WORKFLOW_TEST_REQUEST,
    {
        "taskRefToMockOutput": _Map(_List(TASK_MOCK)),
        "subWorkflowTestRequest": _Map(WORKFLOW_TEST_REQUEST),
    },
    START_WORKFLOW_REQUEST,
)
TASK_EXEC_LOG = _define(
    Pojo(f"{_COMMON}.tasks.TaskExecLog", string_creator="log"),
    {"log": STRING, "taskId": STRING, "createdTime": LONG},
)
EXECUTION_METADATA = _define(
    Pojo(f"{_COMMON}.tasks.ExecutionMetadata"),
    {
        "serverSendTime": LONG_OBJECT,
        "clientReceiveTime": LONG_OBJECT,
        "executionStartTime": LONG_OBJECT,
        "executionEndTime": LONG_OBJECT,
        "clientSendTime": LONG_OBJECT,
        "pollNetworkLatency": LONG_OBJECT,
        "updateNetworkLatency": LONG_OBJECT,
        "additionalContext": MAP_OF_OBJECTS,
    },
)
TASK_RESULT = _define(
    Pojo(f"{_COMMON}.tasks.TaskResult"),
    {
        "workflowInstanceId": STRING,
        "taskId": STRING,
        "reasonForIncompletion": STRING,
        "callbackAfterSeconds": LONG,
        "workerId": STRING,
        "status": TASK_RESULT_STATUS,
        "outputData": MAP_OF_OBJECTS,
        "executionMetadata": EXECUTION_METADATA,
        "logs": _List(TASK_EXEC_LOG),
        "externalOutputPayloadStoragePath": STRING,
        "subWorkflowId": STRING,
        "extendLease": BOOL,
        "supportsCancellation": BOOL,
    },
)
_EVENTS = f"{_COMMON}.events.EventHandler"
_TASK_DETAILS = _define(
    Pojo(f"{_EVENTS}$TaskDetails"),
    {
        "workflowId": STRING,
        "taskRefName": STRING,
        "output": MAP_OF_OBJECTS,
        "taskId": STRING,
        "reasonForIncompletion": STRING,
    },
)
EVENT_HANDLER = _define(
    Pojo(_EVENTS),
    {
        "name": STRING,
        "event": STRING,
        "condition": STRING,
        "actions": _List(
            _define(
                Pojo(f"{_EVENTS}$Action"),
                {
                    "action": _Enum(
                        f"{_EVENTS}$Action$Type",
                        [
                            "start_workflow",
                            "complete_task",
                            "fail_task",
                            "terminate_workflow",
                            "update_workflow_variables",
                            "start_agent",
                        ],
                    ),
                    "start_workflow": _define(
                        Pojo(f"{_EVENTS}$StartWorkflow"),
                        {
                            "name": STRING,
                            "version": INTEGER,
                            "correlationId": STRING,
                            "input": MAP_OF_OBJECTS,
                            "taskToDomain": MAP_OF_STRINGS,
                        },
                    ),
                    "complete_task": _TASK_DETAILS,
                    "fail_task": _TASK_DETAILS,
                    "expandInlineJSON": BOOL,
                    "terminate_workflow": _define(
                        Pojo(f"{_EVENTS}$TerminateWorkflow"),
                        {"workflowId": STRING, "terminationReason": STRING},
                    ),
                    "update_workflow_variables": _define(
                        Pojo(f"{_EVENTS}$UpdateWorkflowVariables"),
                        {"workflowId": STRING, "variables": MAP_OF_OBJECTS, "appendArray": BOOLEAN},
                    ),
                    "start_agent": _define(
                        Pojo(f"{_EVENTS}$StartAgent"),
                        {
                            "name": STRING,
                            "version": INTEGER,
                            "prompt": STRING,
                            "sessionId": STRING,
                            "media": LIST_OF_STRINGS,
                            "context": MAP_OF_OBJECTS,
                            "idempotencyKey": STRING,
                        },
                    ),
                },
            )
        ),
        "active": BOOL,
        "evaluatorType": STRING,
    },
)
RERUN_WORKFLOW_REQUEST = _define(
    Pojo(f"{_COMMON}.workflow.RerunWorkflowRequest"),
    {
        "reRunFromWorkflowId": STRING,
        "workflowInput": MAP_OF_OBJECTS,
        "reRunFromTaskId": STRING,
        "taskInput": MAP_OF_OBJECTS,
        "correlationId": STRING,
    },
)
SKIP_TASK_REQUEST = _define(
    Pojo(f"{_COMMON}.workflow.SkipTaskRequest"), {"taskInput": MAP_OF_OBJECTS, "taskOutput": MAP_OF_OBJECTS}
)


def list_of(java_type: JavaType) -> JavaType:
    """``List<T>`` (a body that is a JSON array)."""
    return _List(java_type)


def map_of(java_type: JavaType) -> JavaType:
    """``Map<String, T>`` (a body that is a JSON object of T)."""
    return _Map(java_type)


# -- entry points ---------------------------------------------------------------------------------


def _path(segments: Iterable[Tuple[str, Any]]) -> str:
    out = ""
    for _, key in reversed(list(segments)):
        if isinstance(key, int):
            out += f"[{key}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(key)):
            out += f".{key}" if out else str(key)
        else:
            out += f"[{json.dumps(key)}]"
    return out


def bind(value: Any, java_type: JavaType, *, root: str = "", check_depth: bool = True) -> Any:
    """``value`` read as ``java_type`` the way the server reads a request body.

    Returns ``value`` itself when nothing needed converting, else a copy of the parts converted
    (the rest shared).

    Raises :class:`WireTypeError` (the server's "JSON parse error: ..." text) naming the field,
    the workflow and the task reference; a document nested deeper than the server reads fails the
    same way (see :func:`check_nesting`; ``check_depth=False`` skips that for a document
    :func:`parse_json` read).
    """
    if check_depth:
        check_nesting(value)
    try:
        return java_type.bind_value(value)
    except _Mismatch as exc:
        field = _path(exc.deeper + exc.segments)
        if root:
            field = f"{root}.{field}" if field and not field.startswith("[") else root + field
        raise WireTypeError(
            _JSON_PARSE_ERROR + exc.text, field=field, workflow=exc.workflow, task_ref=exc.task_ref
        ) from None


# -- nesting depth --------------------------------------------------------------------------------


def _nesting_error() -> _Mismatch:
    return _Mismatch(
        f"Document nesting depth ({MAX_NESTING_DEPTH + 1}) exceeds the maximum allowed "
        f"({MAX_NESTING_DEPTH}, from `StreamReadConstraints.getMaxNestingDepth()`)"
    )


_LEAVES = frozenset({str, int, float, bool, type(None)})


def nesting_depth_exceeds(value: Any, limit: int = MAX_NESTING_DEPTH) -> bool:
    """Whether ``value`` nests objects and arrays more than ``limit`` deep (the root counts 1)."""
    if type(value) in _LEAVES or not isinstance(value, (dict, list, tuple)):
        return False
    leaves = _LEAVES
    stack: List[Tuple[Any, int]] = [(value, 1)]
    push, pop = stack.append, stack.pop
    deepest = 1
    while stack:
        container, depth = pop()
        if depth > deepest:
            if depth > limit:
                return True
            deepest = depth
        for item in container.values() if isinstance(container, dict) else container:
            if type(item) not in leaves and isinstance(item, (dict, list, tuple)):
                push((item, depth + 1))
    if deepest > _SHALLOW:
        ensure_recursion_headroom()
    return False


def check_nesting(value: Any) -> None:
    """Raise the server's nesting error when ``value`` is deeper than it reads a document."""
    if nesting_depth_exceeds(value):
        raise WireTypeError(_JSON_PARSE_ERROR + _nesting_error().text)


# Data this deep may reach the engine's recursive copies and walks (two frames per level in
# places): raise the interpreter's recursion limit once so that every depth the server accepts works.
_SHALLOW = 200
_RECURSION_LIMIT = 20 * MAX_NESTING_DEPTH


def ensure_recursion_headroom() -> None:
    """Let recursive walks go as deep as the server's documents (never lowers the limit)."""
    if sys.getrecursionlimit() < _RECURSION_LIMIT:
        sys.setrecursionlimit(_RECURSION_LIMIT)


_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _text_depth(text: str, limit: int) -> int:
    """How deep ``text`` nests objects and arrays (counting stops past ``limit``)."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if depth > limit:
                    break
        elif token in ("]", "}"):
            depth -= 1
    return deepest


def _reject_constant(name: str) -> Any:
    raise _Mismatch(
        f"Non-standard token '{name}': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow"
    )


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
_VALID_VALUE = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
_SOURCE = "[Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled)"


def _char(text: str, pos: int) -> str:
    char = text[pos]
    if ord(char) < 32:
        return f"(CTRL-CHAR, code {ord(char)})"
    return f"'{char}' (code {ord(char)})"


def _open_container(text: str, pos: int) -> Optional[Tuple[str, int]]:
    """The innermost object or array still open at ``pos`` (its bracket and offset)."""
    stack: List[Tuple[str, int]] = []
    for match in _BRACKETS.finditer(text, 0, pos):
        token = match.group()
        if token in ("[", "{"):
            stack.append((token, match.start()))
        elif token in ("]", "}") and stack:
            stack.pop()
    return stack[-1] if stack else None


def _end_of_input(text: str, pos: int) -> str:
    container = _open_container(text, pos)
    if container is None:
        return "No content to map due to end-of-input"
    bracket, offset = container
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    kind = "Object" if bracket == "{" else "Array"
    return (
        f"Unexpected end-of-input: expected close marker for {kind} (start marker at {_SOURCE}; "
        f"line: {line}, column: {column}])"
    )


def _syntax_message(text: str, error: json.JSONDecodeError) -> str:
    """Jackson's text for the first syntax error of ``text`` (the common cases)."""
    pos, problem = error.pos, error.msg
    at_end = pos >= len(text)
    if problem.startswith("Unterminated string"):
        return "Unexpected end-of-input in VALUE_STRING"
    if problem.startswith("Invalid control character"):
        return (
            f"Illegal unquoted character ({_char(text, pos)}): has to be escaped using backslash to be "
            "included in string value"
        )
    if problem.startswith("Invalid \\escape") or problem.startswith("Invalid \\uXXXX"):
        escaped = text[pos + 1] if pos + 1 < len(text) else ""
        return f"Unrecognized character escape {_char(text, pos + 1) if escaped else repr(escaped)}"
    if at_end:
        return _end_of_input(text, pos)
    char = text[pos]
    previous = text[pos - 1] if pos else ""
    if problem.startswith("Expecting ',' delimiter") or problem.startswith("Expecting ':' delimiter"):
        if previous == "0" and char.isdigit():
            return "Invalid numeric value: Leading zeroes not allowed"
        if char == ".":
            following = text[pos + 1] if pos + 1 < len(text) else ""
            if following and not following.isdigit():
                return (
                    f"Unexpected character ({_char(text, pos + 1)}) in numeric value: Decimal point not "
                    "followed by a digit"
                )
    if problem.startswith("Expecting ':' delimiter"):
        separator = "a colon to separate field name and value"
        return f"Unexpected character ({_char(text, pos)}): was expecting {separator}"
    if problem.startswith("Expecting ',' delimiter"):
        container = _open_container(text, pos)
        kind = "Object entries" if container and container[0] == "{" else "Array entries"
        return f"Unexpected character ({_char(text, pos)}): was expecting comma to separate {kind}"
    if problem.startswith("Expecting property name"):
        return f"Unexpected character ({_char(text, pos)}): was expecting double-quote to start field name"
    # "Expecting value"
    if char in "]},:":
        return f"Unexpected character ({_char(text, pos)}): expected a value"
    if char == "+":
        return (
            f"Unexpected character ({_char(text, pos)}) in numeric value: JSON spec does not allow numbers "
            "to have plus signs: enable `JsonReadFeature.ALLOW_LEADING_PLUS_SIGN_FOR_NUMBERS` to allow"
        )
    if char == "-":
        after_minus = pos + 1
        if after_minus >= len(text):
            return _end_of_input(text, after_minus)
        return (
            f"Unexpected character ({_char(text, after_minus)}) in numeric value: expected digit (0-9) to "
            "follow minus sign, for valid numeric value"
        )
    if char.isalpha():
        word = re.match(r"[^\s\[\]{}:,\"]*", text[pos:])
        token = word.group() if word else char
        return f"Unrecognized token '{token}': was expecting {_VALID_VALUE}"
    return f"Unexpected character ({_char(text, pos)}): expected a valid value {_VALID_VALUE}"


def parse_json(text: str, java_type: Optional[JavaType] = None) -> Any:
    """A JSON document parsed as the server's reader parses a request body.

    Raises :class:`WireTypeError` with Jackson's text for what the server refuses: syntax errors,
    ``NaN``/``Infinity``, a document deeper than :data:`MAX_NESTING_DEPTH`, a blank body. Content
    after the first value is ignored, as the server ignores it. With ``java_type``, a body whose
    first token already cannot start that type fails with the type's error first, as the server's
    streaming reader fails. Any depth up to the limit parses, whatever the recursion limit.
    """
    start = len(text) - len(text.lstrip())
    try:
        if start == len(text):
            raise _Mismatch("No content to map due to end-of-input")
        if java_type is not None and text[start] in "[{":
            # the reader fails on the first token when it cannot start the type
            java_type.bind_value([] if text[start] == "[" else {})
        if text.count("[") + text.count("{") > _SHALLOW:
            depth = _text_depth(text, MAX_NESTING_DEPTH)
            if depth > MAX_NESTING_DEPTH:
                raise _nesting_error()
            if depth > _SHALLOW:
                ensure_recursion_headroom()
        try:
            return _decode(text, start)
        except json.JSONDecodeError as error:
            raise _Mismatch(_syntax_message(text, error)) from None
    except _Mismatch as exc:
        raise WireTypeError(_JSON_PARSE_ERROR + exc.text) from None


def _decode(text: str, start: int) -> Any:
    try:
        return _DECODER.raw_decode(text, start)[0]
    except RecursionError:
        ensure_recursion_headroom()
        return _DECODER.raw_decode(text, start)[0]
