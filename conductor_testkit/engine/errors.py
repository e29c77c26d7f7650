"""Engine errors that mirror the server's HTTP answers (the REST layer maps ``http_status``).

Each is also the client's error class for its status, so ``except NotFoundError`` (or
``ConflictError``, ``BadRequestError``, ``ServerError``) catches the engine's refusal as it
catches the server's.
"""

from __future__ import annotations

from conductor_testkit.errors import (
    BadRequestError,
    ConflictError,
    EngineError,
    NotFoundError,
    ServerError,
)


class EngineNotFound(EngineError, NotFoundError):
    """What the server answers with HTTP 404 (unknown workflow, task or definition)."""

    http_status = 404


class EngineConflict(EngineError, ConflictError):
    """What the server answers with HTTP 409 (state forbids the operation)."""

    http_status = 409


class EngineBadRequest(EngineError, BadRequestError):
    """What the server answers with HTTP 400 (invalid request content)."""

    http_status = 400


class EngineIllegalState(EngineError, ServerError):
    """What the server answers with HTTP 500 (IllegalStateException and other runtime errors)."""

    http_status = 500


class TerminateWorkflow(Exception):
    """Raised inside a decide to end the workflow (the server's TerminateWorkflowException)."""

    def __init__(self, reason: str, status: str = "FAILED", task: object = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.task = task


__all__ = [
    "EngineBadRequest",
    "EngineConflict",
    "EngineIllegalState",
    "EngineNotFound",
    "TerminateWorkflow",
]
