"""Which results cannot be delivered, and what the task is told instead.

A runner retries a result the server could not take *yet* (unreachable, a transient 5xx). A result
the server *refuses* will be refused again, so retrying only holds the task until the server's
response timeout, and then the result is lost without a word. Such a result is replaced by a
FAILED one saying why (:func:`failed_result`), which the server does accept: the task's retries
then apply and the reason shows in the workflow.

What Conductor 3.32.1 refuses (its REST layer and Jackson's ``StreamReadConstraints``), answered
``500 {"message": "JSON parse error: ...", "retryable": false}``:

- a string value longer than 20,000,000 characters;
- a number longer than 1,000 digits;
- JSON nested deeper than 1,000 levels;
- NaN and infinities (this client sends them as null).

An output of more than 10 MiB in total (``conductor.app.maxTaskOutputPayloadSizeThreshold``) is
accepted and the server fails the task itself (FAILED_WITH_TERMINAL_ERROR, "The payload size ...
is greater than the permissible limit"), so that result is not lost either. A result the
client cannot serialise (an object pydantic cannot dump, bytes that are not UTF-8) never
reaches the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from conductor_testkit.errors import ApiError, ConductorConnectionError, ConductorError
from conductor_testkit.models import TaskResult, TaskResultStatus

# a 5xx that does not say "retryable" is taken as a refusal of this result after so many answers
SERVER_FAILURES_BEFORE_GIVING_UP = 3
_MAX_REASON_CHARS = 2000
# the server's messages for a body it could not read (Spring's HttpMessageNotReadableException)
_UNREADABLE_BODY = ("JSON parse error", "Could not read JSON", "Required request body is missing")
_SIZE_LIMIT = ("exceeds the maximum allowed", "permissible limit", "too large")


@dataclass(frozen=True)
class Undeliverable:
    """Why a result cannot be delivered, and whether the task can be told (it exists)."""

    reason: str
    report_failure: bool = True


def serialisation_failure(error: BaseException) -> Undeliverable:
    """The result cannot be turned into JSON."""
    return Undeliverable(f"serialisation error: the result cannot be sent as JSON: {_describe(error)}")


def refusal(error: BaseException, server_failures: int) -> Optional[Undeliverable]:
    """Whether ``error`` (from sending a result) means the server will never take this result.

    ``server_failures`` counts the non-retryable 5xx answers to this result so far, this one
    included. None: retry (the server is unreachable, busy or failing transiently).
    """
    if isinstance(error, ConductorConnectionError):
        return None
    if not isinstance(error, ApiError):
        if isinstance(error, ConductorError):  # the body cannot be encoded
            return serialisation_failure(error)
        return Undeliverable(f"the result could not be sent: {_describe(error)}")
    status, message = error.status, error.message or ""
    if status == 404:  # no such task or workflow (any more): there is nothing to tell
        return Undeliverable(f"the server does not know the task: {message}", report_failure=False)
    if 400 <= status < 500 and status not in (408, 429):
        return Undeliverable(_refused(status, message))
    if status >= 500 and message.startswith(_UNREADABLE_BODY):
        return Undeliverable(_refused(status, message))
    retryable = isinstance(error.body, dict) and error.body.get("retryable") is True
    if status >= 500 and not retryable and server_failures >= SERVER_FAILURES_BEFORE_GIVING_UP:
        return Undeliverable(f"{_refused(status, message)} ({server_failures} times)")
    return None


def _refused(status: int, message: str) -> str:
    kind = "size limit" if status == 413 or any(text in message for text in _SIZE_LIMIT) else "refused"
    return f"{kind}: the server refused the result (HTTP {status}): {message}"


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def failed_result(result: TaskResult, reason: str) -> TaskResult:
    """The FAILED result that replaces an undeliverable one: same task, no output, the reason."""
    status = result.status.value if isinstance(result.status, TaskResultStatus) else result.status
    text = f"the worker's result ({status or 'COMPLETED'}) was not delivered: {reason}"
    if len(text) > _MAX_REASON_CHARS:
        text = text[: _MAX_REASON_CHARS - 3] + "..."
    failed = TaskResult(
        task_id=result.task_id,
        workflow_instance_id=result.workflow_instance_id,
        worker_id=result.worker_id,
        status=TaskResultStatus.FAILED,
        reason_for_incompletion=text,
        output_data={},
    )
    failed.log(text)
    return failed


__all__ = [
    "SERVER_FAILURES_BEFORE_GIVING_UP",
    "Undeliverable",
    "failed_result",
    "refusal",
    "serialisation_failure",
]
