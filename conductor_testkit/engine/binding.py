"""Request bodies read as the server reads them, for the engine's entry points and its REST routes.

The binding itself (Java types, conversions, Jackson's error texts) is
:mod:`conductor_testkit.models.jackson`; here its refusals become the engine's error: the server
answers them with HTTP 500 "JSON parse error: ...", so :class:`BindError` is an
:class:`~conductor_testkit.engine.errors.EngineIllegalState` whose ``message`` is that text, while
``str()`` adds the workflow, the task reference and the field.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from conductor_testkit.engine.errors import EngineIllegalState
from conductor_testkit.models import jackson
from conductor_testkit.models.jackson import JavaType, WireTypeError

# the task reference in the path of a mocked attempt's field (taskRefToMockOutput.t1[0].status)
_MOCKED_REF = re.compile(r"(?:^|\.)taskRefToMockOutput\.([^.\[]+)")


class BindError(EngineIllegalState):
    """A body the server's JSON binding refuses (HTTP 500 "JSON parse error: ...").

    ``message`` is the server's text, ``field`` the path of the value at fault (from the
    :class:`~conductor_testkit.models.jackson.WireTypeError` it wraps).
    """

    def __init__(
        self, error: WireTypeError, *, workflow: Optional[str] = None, task_ref: Optional[str] = None
    ) -> None:
        where = f" (field {error.field})" if error.field else ""
        mocked = _MOCKED_REF.search(error.field) if task_ref is None else None
        if mocked is not None:
            task_ref = mocked.group(1)
        super().__init__(
            error.server_text + where,
            workflow=error.workflow or workflow,
            task_ref=error.task_ref or task_ref,
        )
        self.field = error.field
        self.message = error.server_text


def bind_body(
    value: Any,
    java_type: JavaType,
    *,
    check_depth: bool = True,
    workflow: Optional[str] = None,
    task_ref: Optional[str] = None,
) -> Any:
    """``value`` converted as the server converts a body of ``java_type``, or :class:`BindError`
    (naming ``workflow`` and ``task_ref`` when the value at fault sits in no named part)."""
    try:
        return jackson.bind(value, java_type, check_depth=check_depth)
    except WireTypeError as error:
        raise BindError(error, workflow=workflow, task_ref=task_ref) from None


def parse_body(text: str, java_type: JavaType) -> Any:
    """A JSON body parsed and converted as the server does it, or :class:`BindError`."""
    try:
        return jackson.bind(jackson.parse_json(text, java_type), java_type, check_depth=False)
    except WireTypeError as error:
        raise BindError(error) from None


__all__ = ["BindError", "bind_body", "parse_body"]
