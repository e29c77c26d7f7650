"""The base of every DSL task: a plain value that renders to one wire ``WorkflowTask``.

A task keeps its state as the wire JSON it renders to (camelCase keys), with nested task lists
(``decisionCases``, ``defaultCase``, ``forkTasks``, ``loopOver``) held as task objects. So:

- rendering is a copy, deterministic, and needs no server and no executor;
- a task loaded from JSON (:func:`task_from_dict`) renders back exactly, unknown fields included;
- every field the server knows can be set, even those this DSL has no argument for.

The constructor arguments of the subclasses follow the official SDK (conductor-python); the
options every task accepts as keywords are listed in :class:`TaskOptions`.
"""

from __future__ import annotations

import copy
import functools
from typing import (
    Any,
    Callable,
    ClassVar,
    Dict,
    Generic,
    Iterable,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Type,
    TypeVar,
    Union,
    overload,
)

from typing_extensions import TypedDict

from conductor_testkit.errors import DefinitionError
from conductor_testkit.models import TaskDef, TaskType, WorkflowTask
from conductor_testkit.models.base import wire

T = TypeVar("T", bound="TaskInterface")
V = TypeVar("V")

# wire keys whose values are task lists, rendered (and loaded) recursively
_TASK_LIST_KEYS = ("defaultCase", "loopOver")


class TaskOptions(TypedDict, total=False):
    """Keyword options every task accepts (each is a field of the wire ``WorkflowTask``).

    ``start_delay`` is in seconds. ``retry_count`` overrides the task definition's retry count for
    this task only. ``task_definition`` is rendered inline as ``taskDefinition``: the server then
    uses it *instead of* the registered task definition (it is not merged), so set every field
    you rely on (timeouts, retry logic, rate limits).
    """

    description: str
    optional: bool
    input_parameters: Dict[str, Any]
    start_delay: int
    async_complete: bool
    permissive: bool
    retry_count: int
    task_definition: Union[TaskDef, Dict[str, Any]]


def _record_call(init: Callable[..., None]) -> Callable[..., None]:
    """Wrap ``__init__`` to remember the outermost constructor call, for ``repr``."""

    @functools.wraps(init)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> None:
        if "_built_with" not in self.__dict__:
            self.__dict__["_built_with"] = (args, dict(kwargs))
        init(self, *args, **kwargs)

    return wrapper


def require_non_empty_str(value: Any, param: str, owner: str) -> str:
    """``value`` when it is a non-empty string; else DefinitionError naming ``owner`` and ``param``."""
    if not isinstance(value, str) or not value.strip():
        raise DefinitionError(f"{owner}: {param} must be a non-empty string, received {value!r}")
    return value


def check_type(owner: str, param: str, value: Any, expected: Union[type, Tuple[type, ...]]) -> None:
    """Raise DefinitionError naming ``owner`` and ``param`` unless ``value`` is an ``expected``.

    A bool is refused where an int is expected (``True`` is an int in Python, not on the wire).
    """
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        name = expected.__name__ if isinstance(expected, type) else " or ".join(t.__name__ for t in expected)
        raise DefinitionError(f"{owner}: {param} must be {name}, received {value!r}")


def as_task(item: Any, where: str) -> TaskInterface:
    """``item`` as a task: tasks pass through, a ConductorWorkflow becomes an inline sub-workflow."""
    if isinstance(item, TaskInterface):
        return item
    as_task_method = getattr(item, "as_task", None)
    if callable(as_task_method):
        task = as_task_method()
        if isinstance(task, TaskInterface):
            return task
    hint = ""
    if callable(item):
        hint = " (a @worker_task function must be called with task_ref_name=... to make a task)"
    raise DefinitionError(
        f"{where}: expected a task (SimpleTask, SwitchTask, ...) or a ConductorWorkflow, "
        f"received {type(item).__name__} {item!r}{hint}"
    )


def as_task_list(items: Union[Any, Sequence[Any]], where: str) -> List[TaskInterface]:
    """A task or a list of tasks, as a list of tasks."""
    if isinstance(items, (list, tuple)):
        return [as_task(item, where) for item in items]
    return [as_task(items, where)]


def render_task_list(tasks: Sequence[TaskInterface]) -> List[Dict[str, Any]]:
    """The wire JSON of a task list, with the JOIN a fork needs added where it is missing."""
    rendered: List[Dict[str, Any]] = []
    for index, task in enumerate(tasks):
        following = tasks[index + 1] if index + 1 < len(tasks) else None
        rendered.extend(task.render_in_list(following))
    return rendered


class _Field(Generic[V]):
    """A plain optional field of the task's wire JSON: type-checked when set, ``None`` removes it."""

    def __init__(self, wire_key: str, expected: Type[V], doc: str) -> None:
        self.wire_key = wire_key
        self.expected = expected
        self.__doc__ = doc
        self.param = wire_key

    def __set_name__(self, owner: type, name: str) -> None:
        self.param = name  # errors name the Python parameter (``start_delay``), not the wire key

    @overload
    def __get__(self, task: None, owner: type) -> _Field[V]: ...

    @overload
    def __get__(self, task: TaskInterface, owner: type) -> Optional[V]: ...

    def __get__(self, task: Optional[TaskInterface], owner: type) -> Any:
        if task is None:
            return self
        return task._fields.get(self.wire_key)

    def __set__(self, task: TaskInterface, value: Optional[V]) -> None:
        task._check_type(self.param, value, self.expected)
        task._set(self.wire_key, value)


class TaskInterface:
    """A task of a workflow definition (the official SDK's base class name).

    Args:
        task_reference_name: unique name of this task within the workflow.
        task_type: the wire ``type``.
        task_name: the wire ``name`` (task definition name); defaults to the reference name.
        description, optional, input_parameters: as on the wire.
        cache_key, cache_ttl_second: rendered as ``cacheConfig`` when both are set.
        start_delay, async_complete, permissive, retry_count, task_definition: see TaskOptions.
    """

    #: wire type -> class used by :func:`task_from_dict` (filled by ``wire_type=`` on subclasses)
    _classes_by_type: ClassVar[Dict[str, Type[TaskInterface]]] = {}

    _fields: Dict[str, Any]

    def __init_subclass__(cls, wire_type: Optional[str] = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if wire_type is not None:
            TaskInterface._classes_by_type[wire_type] = cls
        if "__init__" in cls.__dict__:
            cls.__init__ = _record_call(cls.__dict__["__init__"])  # type: ignore[method-assign]

    @_record_call
    def __init__(
        self,
        task_reference_name: str,
        task_type: Union[TaskType, str],
        task_name: Optional[str] = None,
        description: Optional[str] = None,
        optional: Optional[bool] = None,
        input_parameters: Optional[Dict[str, Any]] = None,
        cache_key: Optional[str] = None,
        cache_ttl_second: int = 0,
        *,
        start_delay: Optional[int] = None,
        async_complete: Optional[bool] = None,
        permissive: Optional[bool] = None,
        retry_count: Optional[int] = None,
        task_definition: Optional[Union[TaskDef, Dict[str, Any]]] = None,
    ) -> None:
        owner = type(self).__name__
        require_non_empty_str(task_reference_name, "task_reference_name", owner)
        type_value = wire(task_type)
        require_non_empty_str(type_value, "task_type", owner)
        self._fields = {
            "name": require_non_empty_str(task_name, "task_name", owner)
            if task_name is not None
            else task_reference_name,
            "taskReferenceName": task_reference_name,
            "type": type_value,
            "inputParameters": {},
        }
        self.description = description
        self.optional = optional
        if input_parameters is not None:
            self.input_parameters = input_parameters
        if cache_key is not None and cache_ttl_second > 0:
            self.cache(cache_key, cache_ttl_second)
        self.start_delay = start_delay
        self.async_complete = async_complete
        self.permissive = permissive
        self.retry_count = retry_count
        self.task_definition = task_definition  # type: ignore[assignment]

    # -- plain fields ----------------------------------------------------------------------------

    def _set(self, key: str, value: Any) -> None:
        if value is None:
            self._fields.pop(key, None)
        else:
            self._fields[key] = value

    def _check_type(self, param: str, value: Any, expected: Union[type, Tuple[type, ...]]) -> None:
        if value is not None:  # None unsets the field
            check_type(f"{type(self).__name__} {self.task_reference_name!r}", param, value, expected)

    @property
    def task_reference_name(self) -> str:
        """The task's reference, unique in its workflow (what expressions and mocks name)."""
        return str(self._fields["taskReferenceName"])

    @task_reference_name.setter
    def task_reference_name(self, value: str) -> None:
        self._fields["taskReferenceName"] = require_non_empty_str(
            value, "task_reference_name", type(self).__name__
        )

    @property
    def name(self) -> str:
        """The wire ``name`` (task definition name)."""
        return str(self._fields.get("name", ""))

    @name.setter
    def name(self, value: str) -> None:
        self._fields["name"] = require_non_empty_str(value, "name", type(self).__name__)

    @property
    def task_type(self) -> Union[TaskType, str]:
        """The wire ``type`` as a TaskType (a plain string for types the enum lacks)."""
        value = str(self._fields.get("type", "SIMPLE"))
        try:
            return TaskType(value)
        except ValueError:
            return value

    description: _Field[str] = _Field("description", str, "Free text shown in the UI.")
    optional: _Field[bool] = _Field(
        "optional", bool, "An optional task that fails ends COMPLETED_WITH_ERRORS and the workflow goes on."
    )
    start_delay: _Field[int] = _Field(
        "startDelay", int, "Seconds after scheduling before the task can be polled."
    )
    async_complete: _Field[bool] = _Field(
        "asyncComplete", bool, "The task stays IN_PROGRESS until completed from outside (HTTP, EVENT, ...)."
    )
    permissive: _Field[bool] = _Field(
        "permissive", bool, "A failed permissive task lets later tasks run; the workflow fails at the end."
    )
    retry_count: _Field[int] = _Field(
        "retryCount", int, "Retries for this task, overriding the task definition's ``retryCount``."
    )

    @property
    def task_definition(self) -> Optional[TaskDef]:
        """The inline task definition (replaces the registered one for this task)."""
        value = self._fields.get("taskDefinition")
        if value is None or isinstance(value, TaskDef):
            return value
        model = TaskDef.from_dict(value)
        self._fields["taskDefinition"] = model  # later edits of the model are kept
        return model

    @task_definition.setter
    def task_definition(self, value: Optional[Union[TaskDef, Dict[str, Any]]]) -> None:
        self._check_type("task_definition", value, (TaskDef, dict))
        self._set("taskDefinition", value)

    @property
    def input_parameters(self) -> Dict[str, Any]:
        """The task's input (a live dict: ``task.input_parameters.update(...)`` works)."""
        params = self._fields.get("inputParameters")
        if params is None:
            params = self._fields["inputParameters"] = {}
        return params  # type: ignore[no-any-return]

    @input_parameters.setter
    def input_parameters(self, value: Optional[Mapping[str, Any]]) -> None:
        if value is None:
            self._fields["inputParameters"] = {}
            return
        if not isinstance(value, Mapping):
            raise DefinitionError(
                f"{type(self).__name__} {self.task_reference_name!r}: input_parameters must be "
                f"a dict, received {type(value).__name__} {value!r}"
            )
        self._fields["inputParameters"] = dict(value)

    def input_parameter(self: T, key: str, value: Any) -> T:
        """Set one input parameter; returns the task (fluent)."""
        require_non_empty_str(key, "key", type(self).__name__)
        self.input_parameters[key] = value
        return self

    def cache(self, cache_key: str, cache_ttl_second: int) -> None:
        """Cache the task's output under ``cache_key`` for ``cache_ttl_second`` (``cacheConfig``)."""
        self._fields["cacheConfig"] = {"key": cache_key, "ttlInSecond": cache_ttl_second}

    def set_field(self: T, wire_key: str, value: Any) -> T:
        """Set any wire field by its camelCase name (``None`` removes it); returns the task."""
        self._set(wire_key, value)
        return self

    def get_field(self, wire_key: str) -> Any:
        """Any wire field by its camelCase name (``None`` when absent)."""
        return self._fields.get(wire_key)

    # -- expressions -----------------------------------------------------------------------------

    def output(self, json_path: Optional[str] = None) -> str:
        """``${ref.output}`` or ``${ref.output.<json_path>}`` (a path starting with ``.``/``[`` is
        appended as is)."""
        return _expression(self.task_reference_name, "output", json_path)

    def input(self, json_path: Optional[str] = None, key: Optional[str] = None, value: Any = None) -> Any:
        """``${ref.input...}``; with ``key`` and ``value`` it sets that input parameter instead
        (as the official SDK does) and returns the task."""
        if key is not None and value is not None:
            return self.input_parameter(key, value)
        return _expression(self.task_reference_name, "input", json_path)

    # -- rendering -------------------------------------------------------------------------------

    def _render_fields(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        for key, value in self._fields.items():
            if key in _TASK_LIST_KEYS:
                out[key] = render_task_list(value)
            elif key == "decisionCases":
                out[key] = {case: render_task_list(tasks) for case, tasks in value.items()}
            elif key == "forkTasks":
                out[key] = [render_task_list(branch) for branch in value]
            else:
                out[key] = wire(copy.deepcopy(value))
        return out

    def to_dict(self) -> Dict[str, Any]:
        """The wire JSON of this task (camelCase)."""
        return self._render_fields()

    def to_workflow_task(self) -> WorkflowTask:
        """The wire model of this task."""
        return WorkflowTask.from_dict(self.to_dict())

    def render_in_list(self, following: Optional[TaskInterface]) -> List[Dict[str, Any]]:
        """This task's wire JSON inside a task list (forks add their JOIN here)."""
        return [self.to_dict()]

    def child_task_lists(self) -> List[List[TaskInterface]]:
        """The task lists nested in this task (switch cases, fork branches, loop body)."""
        lists: List[List[TaskInterface]] = []
        for key in _TASK_LIST_KEYS:
            if key in self._fields:
                lists.append(self._fields[key])
        lists.extend(self._fields.get("decisionCases", {}).values())
        lists.extend(self._fields.get("forkTasks", []))
        return lists

    # -- values ----------------------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TaskInterface):
            return NotImplemented
        return type(self) is type(other) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable value

    def __repr__(self) -> str:
        built = self.__dict__.get("_built_with")
        if built is None:
            return f"task_from_dict({self.to_dict()!r})"
        args, kwargs = built
        parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
        return f"{type(self).__name__}({', '.join(parts)})"


def _expression(ref: str, section: str, json_path: Optional[str]) -> str:
    if json_path is None or json_path == "":
        return "${" + f"{ref}.{section}" + "}"
    if json_path.startswith((".", "[")):
        return "${" + f"{ref}.{section}{json_path}" + "}"
    return "${" + f"{ref}.{section}.{json_path}" + "}"


def _load_task_list(items: Iterable[Any], where: str) -> List[TaskInterface]:
    if not isinstance(items, list):
        raise DefinitionError(f"{where}: expected a list of tasks, received {items!r}")
    return [task_from_dict(item) for item in items]


def task_from_dict(data: Union[Mapping[str, Any], WorkflowTask]) -> TaskInterface:
    """Load a wire ``WorkflowTask`` (JSON dict or model) into the matching DSL task class.

    The result renders back to the same JSON (unknown fields included). Types without a DSL class
    (e.g. LAMBDA) load as a plain :class:`TaskInterface`.
    """
    # importing the package registers every task class
    import conductor_testkit.workflow.task  # noqa: F401

    if not isinstance(data, (Mapping, WorkflowTask)):
        raise DefinitionError(f"a task must be a JSON object, received {data!r:.80}")
    raw = data.to_dict() if isinstance(data, WorkflowTask) else copy.deepcopy(dict(data))
    ref = raw.get("taskReferenceName", "<no taskReferenceName>")
    cls = TaskInterface._classes_by_type.get(str(raw.get("type", "SIMPLE")), TaskInterface)
    task = cls.__new__(cls)
    fields: Dict[str, Any] = {}
    for key, value in raw.items():
        where = f"task {ref!r}, field {key!r}"
        if key in _TASK_LIST_KEYS:
            fields[key] = _load_task_list(value, where)
        elif key == "decisionCases":
            if not isinstance(value, dict):
                raise DefinitionError(f"{where}: expected a map of case -> tasks, received {value!r}")
            fields[key] = {case: _load_task_list(tasks, where) for case, tasks in value.items()}
        elif key == "forkTasks":
            if not isinstance(value, list):
                raise DefinitionError(
                    f"{where}: expected a list of branches (task lists), received {value!r}"
                )
            fields[key] = [_load_task_list(branch, f"{where}[{i}]") for i, branch in enumerate(value)]
        else:
            fields[key] = value
    task._fields = fields
    return task
