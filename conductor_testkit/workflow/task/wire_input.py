"""WireInput: the base of the DSL's structured task inputs (HttpInput, KafkaPublishInput).

Each is a plain value: its constructor arguments are snake_case attributes, ``to_dict()`` renders
the set ones under their wire (camelCase) names, and ``repr`` echoes the construction.
"""

from __future__ import annotations

from typing import Any, ClassVar, Dict

from conductor_testkit.models.base import wire


class WireInput:
    """A task input object; subclasses list ``attribute -> wire key`` in ``_WIRE_KEYS``."""

    # in rendering order
    _WIRE_KEYS: ClassVar[Dict[str, str]] = {}

    def to_dict(self) -> Dict[str, Any]:
        """The wire JSON (camelCase; unset fields omitted)."""
        fields = {wire_key: getattr(self, name) for name, wire_key in self._WIRE_KEYS.items()}
        return {key: wire(value) for key, value in fields.items() if value is not None}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WireInput):
            return NotImplemented
        return type(self) is type(other) and vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]  # mutable value

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if v is not None)
        return f"{type(self).__name__}({args})"
