"""The one exception hierarchy of conductor-testkit.

Every error raised on purpose by this package derives from :class:`ConductorError`, so
``except ConductorError`` catches them all. Messages say where the problem is (workflow,
task reference, field or expression), what was received and what was expected.

::

    ConductorError
    ├── ModelValidationError (ValueError)       wire JSON that does not fit a model
    ├── DefinitionError (ValueError)            an invalid workflow or task definition
    ├── ConfigurationError (ValueError)         a bad or missing setting
    ├── ConductorConnectionError (ConnectionError)  the server cannot be reached
    ├── NotSupportedError                       an Orkes-only API on an OSS server
    ├── ApiError                                the server answered with an error status
    │   ├── BadRequestError                     400
    │   ├── AuthenticationError                 401, 403
    │   ├── NotFoundError                       404
    │   ├── ConflictError                       409
    │   └── ServerError                         5xx
    └── EngineError                             the in-memory engine refused an operation
        (EngineNotFound, EngineConflict, EngineBadRequest and EngineIllegalState are also
        NotFoundError, ConflictError, BadRequestError and ServerError)

Subpackages derive their own classes from these (``conductor_testkit.engine.errors``,
``conductor_testkit.worker.exceptions``, ``WorkflowDefinitionError`` of the DSL).
"""

from __future__ import annotations

from typing import Any, Optional


class ConductorError(Exception):
    """Root of every error this package raises on purpose."""


class ModelValidationError(ConductorError, ValueError):
    """A wire document (JSON) does not fit a model; the message names the field path."""


class DefinitionError(ConductorError, ValueError):
    """A workflow or task definition is invalid (names the workflow, task reference and field)."""


class ConfigurationError(ConductorError, ValueError):
    """A configuration value is invalid or missing."""


class ConductorConnectionError(ConductorError, ConnectionError):
    """The server could not be reached at all (refused, DNS, timeout)."""


class NotSupportedError(ConductorError):
    """The operation exists on other Conductor servers (Orkes) but not on this one."""


class ApiError(ConductorError):
    """The server answered an HTTP request with an error status.

    ``status`` is the HTTP status, ``method`` and ``path`` the request, ``message`` the server's
    own message (from its ``{status, message, ...}`` error body when it sent one).
    """

    def __init__(
        self,
        status: int,
        method: str,
        path: str,
        message: str,
        body: Any = None,
    ) -> None:
        self.status = status
        self.method = method
        self.path = path
        self.message = message
        self.body = body
        super().__init__(f"{method} {path} -> HTTP {status}: {message}")


class BadRequestError(ApiError):
    """HTTP 400: the server rejected the request's content."""


class AuthenticationError(ApiError):
    """HTTP 401/403: missing, wrong or expired credentials."""


class NotFoundError(ApiError):
    """HTTP 404: no such workflow, task or definition (also 'still running' on retry)."""


class ConflictError(ApiError):
    """HTTP 409: the resource is in a state that forbids the operation."""


class ServerError(ApiError):
    """HTTP 5xx: the server failed (Conductor also answers 500 for IllegalStateException)."""


def api_error_for(status: int, method: str, path: str, message: str, body: Any = None) -> ApiError:
    """The most specific :class:`ApiError` subclass for an HTTP status."""
    cls: type[ApiError]
    if status == 400:
        cls = BadRequestError
    elif status in (401, 403):
        cls = AuthenticationError
    elif status == 404:
        cls = NotFoundError
    elif status == 409:
        cls = ConflictError
    elif status >= 500:
        cls = ServerError
    else:
        cls = ApiError
    return cls(status, method, path, message, body)


class EngineError(ConductorError):
    """An error of the in-memory engine (bad operation, unknown workflow, ...).

    The engine's refusals that the server answers with an HTTP status are also the client's
    classes for that status (``conductor_testkit.engine.errors``): ``EngineNotFound`` is a
    :class:`NotFoundError`, ``EngineConflict`` a :class:`ConflictError`, and so on, so one
    ``except NotFoundError`` works on the engine, on ``memory://`` and on a real server. Their
    ``status`` is that HTTP status, ``message`` the text, ``method`` and ``path`` empty.
    """

    http_status = 500

    def __init__(
        self,
        message: str,
        *,
        workflow: Optional[str] = None,
        task_ref: Optional[str] = None,
    ) -> None:
        self.workflow = workflow
        self.task_ref = task_ref
        where = []
        if workflow:
            where.append(f"workflow {workflow!r}")
        if task_ref:
            where.append(f"task {task_ref!r}")
        prefix = f"[{', '.join(where)}] " if where else ""
        # the ApiError fields, for the subclasses that are ApiErrors too
        self.status = self.http_status
        self.method = ""
        self.path = ""
        self.message = prefix + message
        self.body: Any = None
        Exception.__init__(self, prefix + message)


__all__ = [
    "ApiError",
    "AuthenticationError",
    "BadRequestError",
    "ConductorConnectionError",
    "ConductorError",
    "ConfigurationError",
    "ConflictError",
    "DefinitionError",
    "EngineError",
    "ModelValidationError",
    "NotFoundError",
    "NotSupportedError",
    "ServerError",
    "api_error_for",
]
