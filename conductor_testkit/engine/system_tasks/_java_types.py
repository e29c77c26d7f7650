"""Java class names of JSON values, for messages the server builds from a Java exception."""

from __future__ import annotations

from typing import Any

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


def java_class_name(value: Any) -> str:
    """The class Jackson gives a JSON value on the server (``5`` -> ``java.lang.Integer``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "java.lang.Boolean"
    if isinstance(value, int):
        return "java.lang.Integer" if _INT_MIN <= value <= _INT_MAX else "java.lang.Long"
    if isinstance(value, float):
        return "java.lang.Double"
    if isinstance(value, str):
        return "java.lang.String"
    if isinstance(value, dict):
        return "java.util.LinkedHashMap"
    if isinstance(value, (list, tuple)):
        return "java.util.ArrayList"
    return type(value).__name__


def class_cast_message(value: Any, target: str = "java.lang.String") -> str:
    """The JDK's ClassCastException message for casting ``value`` to ``target``."""
    source = java_class_name(value)
    return (
        f"class {source} cannot be cast to class {target} ({source} and {target} are in module "
        "java.base of loader 'bootstrap')"
    )
