"""JSON_JQ_TRANSFORM programs on jq (jq.py, libjq) with the server's result shape (docs/semantics.md §4.17).

The server runs jackson-jq 0.0.13; the engine runs the C jq through jq.py. Results agree for
ordinary filters; the known differences:

* Numbers: integral values come back as ``int`` (the server keeps ``2.0`` from the input and
  ``1e3`` literals as doubles: ``1000.0``; equal under ``==``, different in JSON text).
* Builtins that only libjq has (``now``, ``input``, ``$__loc__``, ``getpath`` variants, ...) work
  here and fail on the server with "Function now/0 does not exist" (verified on 3.32.1).
* Compile errors: unknown functions and variables are reworded to jackson-jq's text
  ("Function nosuchfn/0 does not exist", "Undefined variable: $x"); syntax errors keep libjq's
  text (jackson-jq's parser reports "Encountered ... Was expecting one of: ...").
* Runtime errors (``string ("a") and number (1) cannot be added``, ``error("x")`` -> ``x``) read
  the same on both.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, List

import jq

from conductor_testkit.errors import ConductorError


class JqError(ConductorError):
    """A jq program failed to compile or run; ``message`` is the text for ``output.error``."""

    def __init__(self, message: str, *, query: str = "", compile_error: bool = False) -> None:
        self.message = message
        self.query = query
        self.compile_error = compile_error
        super().__init__(message)


_UNDEFINED_FUNCTION = re.compile(r"^jq: error: ([A-Za-z_][\w:]*)/(\d+) is not defined at ")
_UNDEFINED_VARIABLE = re.compile(r"^jq: error: (\$[A-Za-z_]\w*) is not defined at ")


def _compile_message(text: str) -> str:
    function = _UNDEFINED_FUNCTION.match(text)
    if function:
        return f"Function {function.group(1)}/{function.group(2)} does not exist"
    variable = _UNDEFINED_VARIABLE.match(text)
    if variable:
        return f"Undefined variable: {variable.group(1)}"
    return text


@lru_cache(maxsize=1024)
def compile_query(query: str) -> Any:
    """The compiled jq program for ``query`` (cached); raises :class:`JqError` when it does not compile."""
    try:
        return jq.compile(query)
    except ValueError as exc:
        raise JqError(_compile_message(str(exc)), query=query, compile_error=True) from None


def _normalise(value: Any) -> Any:
    """Integral floats -> int (jq.py already answers int for integral JSON numbers)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, dict):
        return {key: _normalise(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalise(item) for item in value]
    return value


def run_jq(query: str, input: Any) -> List[Any]:
    """Every value ``query`` emits for ``input`` (the JSON_JQ_TRANSFORM task's whole inputData).

    Raises :class:`JqError` with a message close to the server's (see the module docstring).
    """
    if not isinstance(query, str):
        raise JqError(f"queryExpression must be a string, got {type(query).__name__}", query=str(query))
    program = compile_query(query)
    try:
        text = json.dumps(input, allow_nan=False, default=str)
    except ValueError as exc:
        raise JqError(f"input is not JSON: {exc}", query=query) from None
    try:
        results = program.input_text(text).all()
    except ValueError as exc:
        raise JqError(str(exc), query=query) from None
    return [_normalise(value) for value in results]


def jq_task_output(query: str, input: Any) -> dict:
    """The task output the server produces: ``{"result": first or None, "resultList": [...]}``."""
    results = run_jq(query, input)
    return {"result": results[0] if results else None, "resultList": results}


__all__ = ["JqError", "compile_query", "jq_task_output", "run_jq"]
