"""Errors raised by worker code and by the worker runtime."""

from __future__ import annotations

from conductor_testkit.errors import ConductorError


class NonRetryableException(ConductorError):
    """Raise from a worker to fail its task for good: FAILED_WITH_TERMINAL_ERROR, never retried.

    The first argument (if any) becomes the task's ``reasonForIncompletion``.
    """


class WorkerInputError(ConductorError, TypeError):
    """A task's input does not fit the worker function's signature.

    The message names the worker, the parameter (with the path inside it), what was expected
    and what was received. The runtime turns it into a FAILED task; it never stops the process.
    """

    def __init__(self, worker: str, parameter: str, expected: str, received: object) -> None:
        self.worker = worker
        self.parameter = parameter
        self.expected = expected
        self.received = received
        shown = repr(received)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        super().__init__(
            f"worker {worker!r}: input parameter {parameter!r} expects {expected}, "
            f"received {type(received).__name__} {shown}"
        )


class WorkerOutputError(ConductorError, TypeError):
    """A worker returned a value that cannot be sent as JSON (names the worker and the path)."""


__all__ = ["NonRetryableException", "WorkerInputError", "WorkerOutputError"]
