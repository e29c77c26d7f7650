"""Converting a task's inputData to a worker function's arguments, and its return value to outputData.

Input, by the function's signature (annotations resolved once, when the worker is built):

- a parameter annotated ``Task`` receives the whole task;
- ``str``, ``int``, ``float``, ``bool``: the value must already have that type; the only coercions
  are int -> float and an integral float -> int (JSON does not keep the difference);
- ``dict`` / ``Dict[K, V]``, ``list`` / ``List[T]`` / ``Set[T]`` / ``Tuple[T, ...]``: converted item by item;
- dataclasses (nested too) from objects, pydantic models through ``model_validate``, enums by value;
- ``Optional[X]`` / ``Union[...]``: the first member that accepts the value;
- unannotated or ``Any``: the value as it is;
- a ``None`` value (Conductor's null for missing data) is passed as None to any parameter, and a
  missing key gives the parameter's default, else None (as the official SDK does);
- ``**kwargs`` receives the inputs no named parameter took.

A value that does not fit raises :class:`WorkerInputError` naming the parameter and the path in it.

Output: a dict is the output as is; a dataclass becomes ``asdict``; a pydantic model its JSON dump;
any other value ``v``, None included, becomes ``{"result": v}`` (the official SDK's key and rule).
Values inside are made JSON-ready (dataclasses, models, enums, tuples, sets, dates as ISO text);
anything else raises :class:`WorkerOutputError`.

An annotation that cannot be evaluated (a class local to a function, under ``from __future__ import
annotations``) does not break the worker: a value for that parameter fails the task, saying why.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime
import enum
import inspect
import sys
import typing
from typing import Any, Callable, Dict, List, Tuple

from pydantic import BaseModel

from conductor_testkit.models import Task
from conductor_testkit.worker.exceptions import WorkerInputError, WorkerOutputError

Converter = Callable[[Any, str], Any]
"""Converts a value; the second argument is the path used in error messages."""

_NoneType = type(None)


class _Fail(Exception):
    """Internal: a value did not fit; carries the path and what was expected."""

    def __init__(self, path: str, expected: str, received: Any) -> None:
        self.path = path
        self.expected = expected
        self.received = received


def _type_name(tp: Any) -> str:
    if isinstance(tp, type):
        return tp.__name__
    return str(tp).replace("typing.", "")


def _identity(value: Any, path: str) -> Any:
    return value


def _primitive(tp: type) -> Converter:
    def convert(value: Any, path: str) -> Any:
        if tp is bool:
            if isinstance(value, bool):
                return value
        elif tp is int:
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
        elif tp is float:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return float(value)
        elif isinstance(value, tp):
            return value
        raise _Fail(path, tp.__name__, value)

    return convert


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


def _dataclass(tp: type) -> Converter:
    try:
        hints = typing.get_type_hints(tp)
    except Exception:  # unresolvable forward references: take the fields as they come
        hints = {}
    fields = [
        (
            f.name,
            converter_for(hints.get(f.name, Any)),
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
        )
        for f in dataclasses.fields(tp)
        if f.init
    ]

    def convert(value: Any, path: str) -> Any:
        if isinstance(value, tp):
            return value
        if not isinstance(value, dict):
            raise _Fail(path, f"an object for dataclass {tp.__name__}", value)
        kwargs = {}
        for name, field_converter, required in fields:
            if name in value:
                item = value[name]
                kwargs[name] = None if item is None else field_converter(item, f"{path}.{name}")
            elif required:
                raise _Fail(f"{path}.{name}", f"a value (required field of {tp.__name__})", _Missing())
        return tp(**kwargs)

    return convert


def _pydantic(tp: Any) -> Converter:
    def convert(value: Any, path: str) -> Any:
        if isinstance(value, tp):
            return value
        try:
            return tp.model_validate(value)
        except Exception as exc:
            raise _Fail(path, f"data for {tp.__name__} ({exc})", value) from None

    return convert


def _enum(tp: Any) -> Converter:
    def convert(value: Any, path: str) -> Any:
        try:
            return tp(value)
        except ValueError:
            allowed = ", ".join(repr(m.value) for m in tp)
            raise _Fail(path, f"one of {allowed} ({tp.__name__})", value) from None

    return convert


def _list(item: Converter, kind: Callable[[List[Any]], Any], name: str) -> Converter:
    def convert(value: Any, path: str) -> Any:
        if not isinstance(value, (list, tuple, set)):
            raise _Fail(path, name, value)
        return kind([None if v is None else item(v, f"{path}[{i}]") for i, v in enumerate(value)])

    return convert


def _dict(key: Converter, val: Converter) -> Converter:
    def convert(value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            raise _Fail(path, "an object (dict)", value)
        return {key(k, path): None if v is None else val(v, f"{path}.{k}") for k, v in value.items()}

    return convert


def _union(members: Tuple[Any, ...]) -> Converter:
    options = [converter_for(m) for m in members if m is not _NoneType]
    expected = " or ".join(_type_name(m) for m in members if m is not _NoneType)

    def convert(value: Any, path: str) -> Any:
        for option in options:
            try:
                return option(value, path)
            except _Fail:
                continue
        raise _Fail(path, expected, value)

    return convert


_SEQUENCES = (
    list,
    set,
    frozenset,
    tuple,
    collections.abc.Sequence,
    collections.abc.MutableSequence,
    collections.abc.Set,
    collections.abc.MutableSet,
    collections.abc.Iterable,
    collections.abc.Collection,
)
_MAPPINGS = (dict, collections.abc.Mapping, collections.abc.MutableMapping)


class _Unresolved:
    """An annotation that could not be evaluated (e.g. a class local to a function)."""

    def __init__(self, text: str, error: Exception) -> None:
        self.text = text
        self.error = error


def resolve_annotations(owner: Any, annotations: Dict[str, Any]) -> Dict[str, Any]:
    """Evaluate string annotations (``from __future__ import annotations``) one by one.

    One that cannot be evaluated becomes an :class:`_Unresolved` marker, so only a value for that
    parameter fails (with a message saying why) instead of the whole worker.
    """
    try:
        return typing.get_type_hints(owner)
    except Exception:
        pass
    module = sys.modules.get(getattr(owner, "__module__", ""), None)
    namespace = dict(getattr(inspect.unwrap(owner), "__globals__", None) or vars(module or typing))
    out: Dict[str, Any] = {}
    for name, annotation in annotations.items():
        if isinstance(annotation, str):
            try:
                annotation = eval(annotation, namespace)  # what get_type_hints does, one name at a time
            except Exception as exc:
                annotation = _Unresolved(annotation, exc)
        out[name] = annotation
    return out


def _unresolved(marker: _Unresolved) -> Converter:
    def convert(value: Any, path: str) -> Any:
        raise _Fail(
            path,
            f"{marker.text} (an annotation that cannot be evaluated: {type(marker.error).__name__}: "
            f"{marker.error}; define the type at module level)",
            value,
        )

    return convert


def converter_for(tp: Any) -> Converter:
    """A converter for values annotated ``tp`` (built once per parameter)."""
    if isinstance(tp, _Unresolved):
        return _unresolved(tp)
    if tp is Any or tp is inspect.Parameter.empty or tp is object or isinstance(tp, (str, typing.ForwardRef)):
        return _identity
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Union or (origin is not None and origin.__name__ == "UnionType"):
        return _union(args)
    if origin in _SEQUENCES or tp in (list, set, frozenset, tuple):
        container = origin or tp
        if container is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
            # fixed-length tuples: one converter per position would be overkill; accept items as given
            return _list(_identity, tuple, "an array")
        item = converter_for(args[0]) if args else _identity
        kind: Callable[[List[Any]], Any] = container if container in (set, frozenset, tuple) else list
        return _list(item, kind, "an array")
    if origin in _MAPPINGS or tp is dict:
        key = converter_for(args[0]) if args else _identity
        val = converter_for(args[1]) if len(args) > 1 else _identity
        return _dict(key, val)
    if origin is not None:  # Literal, Annotated and other special forms: accept as given
        return _identity
    if isinstance(tp, type):
        if tp in (str, int, float, bool):
            return _primitive(tp)
        if dataclasses.is_dataclass(tp):
            return _dataclass(tp)
        if issubclass(tp, BaseModel):
            return _pydantic(tp)
        if issubclass(tp, enum.Enum):
            return _enum(tp)
    return _identity


@dataclasses.dataclass(frozen=True)
class _Param:
    name: str
    convert: Converter
    default: Any
    takes_task: bool


class InputBinder:
    """Binds a task to a function's keyword arguments, by the function's signature."""

    def __init__(self, function: Callable[..., Any], worker_name: str) -> None:
        self.worker_name = worker_name
        signature = inspect.signature(function)
        hints = resolve_annotations(
            function, {name: p.annotation for name, p in signature.parameters.items()}
        )
        self._params: List[_Param] = []
        self._var_keyword = False
        for param in signature.parameters.values():
            if param.kind is inspect.Parameter.VAR_KEYWORD:
                self._var_keyword = True
                continue
            if param.kind is inspect.Parameter.VAR_POSITIONAL:
                continue
            annotation = hints.get(param.name, param.annotation)
            default = None if param.default is inspect.Parameter.empty else param.default
            self._params.append(
                _Param(param.name, converter_for(annotation), default, _is_task_type(annotation))
            )

    def bind(self, task: Task) -> Dict[str, Any]:
        """The keyword arguments for ``task``; raises :class:`WorkerInputError`."""
        data = task.input_data or {}
        kwargs: Dict[str, Any] = {}
        for param in self._params:
            if param.takes_task:
                kwargs[param.name] = task
            elif param.name in data:
                value = data[param.name]
                if value is None:
                    kwargs[param.name] = None
                else:
                    try:
                        kwargs[param.name] = param.convert(value, param.name)
                    except _Fail as fail:
                        raise WorkerInputError(
                            self.worker_name, fail.path, fail.expected, fail.received
                        ) from None
            else:
                kwargs[param.name] = param.default
        if self._var_keyword:
            for key, value in data.items():
                if key not in kwargs:
                    kwargs[key] = value
        return kwargs


def _is_task_type(annotation: Any) -> bool:
    if annotation is Task:
        return True
    if isinstance(annotation, _Unresolved):  # e.g. Task imported only under TYPE_CHECKING
        annotation = annotation.text
    return isinstance(annotation, str) and annotation.rsplit(".", 1)[-1] == "Task"


def output_from(value: Any, worker_name: str) -> Dict[str, Any]:
    """The outputData for a worker's return value (see the module docstring)."""
    if isinstance(value, dict):
        data = value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = dataclasses.asdict(value)
    elif isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    else:
        data = {"result": value}
    return {str(k): _json_ready(v, f"output.{k}", worker_name) for k, v in data.items()}


def _json_ready(value: Any, path: str, worker_name: str) -> Any:
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, dict):
        return {str(k): _json_ready(v, f"{path}.{k}", worker_name) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_json_ready(v, f"{path}[{i}]", worker_name) for i, v in enumerate(value)]
    if isinstance(value, enum.Enum):
        return _json_ready(value.value, path, worker_name)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _json_ready(dataclasses.asdict(value), path, worker_name)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    raise WorkerOutputError(
        f"worker {worker_name!r} returned a value of type {type(value).__name__} at {path}, which "
        "cannot be sent as JSON; return dicts, lists, strings, numbers, booleans, dataclasses or "
        "pydantic models"
    )


__all__ = ["InputBinder", "converter_for", "output_from"]
