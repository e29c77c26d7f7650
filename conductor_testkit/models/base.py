"""The base of every wire model: a typed view over Conductor's camelCase JSON.

- Python attributes are snake_case, the wire is camelCase (``task_ref_to_mock_output`` <->
  ``taskRefToMockOutput``); both spellings are accepted on input.
- Unknown fields (from a newer server) are kept and written back unchanged, so
  GET -> modify -> PUT loses nothing.
- Every field has a default, so ``TaskDef()`` followed by attribute assignment works as in the
  official SDK's README.
- Serialization follows the server: null properties are omitted, values inside maps are kept.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Any, Dict, Mapping, Type, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from conductor_testkit.errors import ModelValidationError

M = TypeVar("M", bound="WireModel")


def _format_validation_error(model: str, error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        path = ".".join(str(p) for p in item.get("loc", ())) or "<root>"
        received = item.get("input")
        shown = repr(received)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        parts.append(f"{path}: {item.get('msg')} (received {shown})")
    return f"invalid {model}: " + "; ".join(parts)


class WireModel(BaseModel):
    """A Conductor JSON document with typed, snake_case attribute access."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="allow",
        use_enum_values=False,
        validate_assignment=False,
        protected_namespaces=(),
    )

    @classmethod
    def from_dict(cls: Type[M], data: Mapping[str, Any]) -> M:
        """Build the model from wire JSON (camelCase); errors name the field path."""
        if isinstance(data, cls):
            return data
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ModelValidationError(_format_validation_error(cls.__name__, exc)) from None

    @classmethod
    def from_json(cls: Type[M], text: str) -> M:
        """Build the model from wire JSON text."""
        return cls.from_dict(json.loads(text))

    def to_dict(self) -> Dict[str, Any]:
        """The wire JSON (camelCase, null properties omitted, map contents kept)."""
        try:
            return self.model_dump(mode="json", by_alias=True, exclude_none=True)
        except ValueError as exc:
            if "depth" not in str(exc):
                raise
        # pydantic stops at about 255 levels; the server reads documents 1000 levels deep
        from conductor_testkit.models.jackson import ensure_recursion_headroom

        ensure_recursion_headroom()
        return _dump(self)

    def to_json(self, **kwargs: Any) -> str:
        """The wire JSON as text (``json.dumps`` keyword arguments pass through)."""
        return json.dumps(self.to_dict(), **kwargs)

    @property
    def extra_fields(self) -> Dict[str, Any]:
        """Fields this model does not know (kept for round trips)."""
        return dict(self.__pydantic_extra__ or {})


def _dump(model: BaseModel) -> Dict[str, Any]:
    """``model_dump(mode="json", by_alias=True, exclude_none=True)`` without a depth limit."""
    out: Dict[str, Any] = {}
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if value is not None:
            out[field.alias or name] = _plain(value)
    for key, value in (model.__pydantic_extra__ or {}).items():
        if value is not None:
            out[key] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _dump(value)
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def wire(value: Any) -> Any:
    """Turn models, enums, objects with ``to_dict()`` (or containers of them) into plain wire JSON;
    other values pass through.

    ``wire(TaskStatus.FAILED) == "FAILED"`` and ``wire("FAILED") == "FAILED"``: the one way to
    read a status that may be given as an enum member or as its string.
    """
    if isinstance(value, WireModel):
        return value.to_dict()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, dict):
        return {k: wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [wire(v) for v in value]
    if isinstance(value, Enum):
        return wire(value.value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):  # the DSL's tasks and task inputs, the official SDK's models
        return wire(to_dict())
    return value
