"""The core every resource client shares: send through the transport, map errors, decode bodies.

An error answer becomes the most specific :class:`~conductor_testkit.errors.ApiError` with the
server's own message (Conductor's error body is ``{status, message, instance, retryable}``, plus
``validationErrors`` for a 400 from validation). Bodies are JSON or, for a few calls (start
workflow, rerun, update task), the plain text of an id.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Type, TypeVar
from urllib.parse import quote

from conductor_testkit.client.configuration import Configuration
from conductor_testkit.client.transport import Transport, TransportRequest, TransportResponse
from conductor_testkit.errors import ApiError, ModelValidationError, NotSupportedError, api_error_for
from conductor_testkit.models.base import WireModel, wire

M = TypeVar("M", bound=WireModel)

_IDEMPOTENT_METHODS = ("GET", "HEAD", "PUT", "DELETE")


def path_segment(value: Any) -> str:
    """One URL path segment, percent-encoded (names may hold spaces or slashes)."""
    return quote(str(value), safe="")


def _error_message(response: TransportResponse) -> str:
    body = response.json()
    if isinstance(body, dict):
        message = str(body.get("message") or body.get("error") or f"HTTP {response.status}")
        details = body.get("validationErrors")
        if isinstance(details, list) and details:
            parts = []
            for item in details:
                if isinstance(item, dict):
                    parts.append(f"{item.get('path')}: {item.get('message')}")
                else:
                    parts.append(str(item))
            message += " [" + "; ".join(parts) + "]"
        return message
    text = (response.text or "").strip()
    if not text:
        return f"HTTP {response.status} with an empty body"
    return text if len(text) <= 500 else text[:497] + "..."


def to_model(cls: Type[M], value: Any, what: str) -> M:
    """Accept a model, a wire dict (camelCase or snake_case keys) or an object with ``to_dict``."""
    if isinstance(value, cls):
        return value
    if isinstance(value, WireModel):
        return cls.from_dict(value.to_dict())
    if isinstance(value, Mapping):
        return cls.from_dict(value)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):  # e.g. the official SDK's models (snake_case keys, accepted too)
        return cls.from_dict(to_dict())
    shown = repr(value)
    raise ModelValidationError(
        f"{what}: expected a {cls.__name__} or a dict of its wire JSON, received "
        f"{type(value).__name__} {shown if len(shown) <= 80 else shown[:77] + '...'}"
    )


def to_body(cls: Type[WireModel], value: Any, what: str) -> Dict[str, Any]:
    """The wire JSON of a request body given as a model or a dict (validated, unknowns kept)."""
    return wire(to_model(cls, value, what))


class ApiClient:
    """Sends REST calls through a transport and turns answers into values or errors."""

    def __init__(
        self,
        configuration: Optional[Configuration] = None,
        transport: Optional[Transport] = None,
    ) -> None:
        self.configuration = configuration if configuration is not None else Configuration()
        self._transport = transport

    @property
    def transport(self) -> Transport:
        """The transport given to the constructor, else the configuration's (shared) one."""
        return self._transport if self._transport is not None else self.configuration.transport

    @property
    def server_url(self) -> str:
        """The API root requests go to (``Configuration.server_api_url``)."""
        return self.configuration.host

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Optional[Dict[str, Any]] = None,
        json_body: Any = None,
        text_body: Optional[str] = None,
        idempotent: Optional[bool] = None,
        read_timeout_seconds: Optional[float] = None,
    ) -> TransportResponse:
        """Send one request; an error status raises the matching :class:`ApiError`."""
        method = method.upper()
        request = TransportRequest(
            method=method,
            path=path,
            params={k: v for k, v in (params or {}).items() if v is not None},
            json_body=json_body,
            text_body=text_body,
            idempotent=method in _IDEMPOTENT_METHODS if idempotent is None else idempotent,
            read_timeout_seconds=read_timeout_seconds,
        )
        response = self.transport.handle(request)
        if not response.ok:
            raise api_error_for(response.status, method, path, _error_message(response), body=response.json())
        return response

    def get_json(self, path: str, **kwargs: Any) -> Any:
        """``call_json("GET", path, ...)``."""
        return self.call_json("GET", path, **kwargs)

    def call_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """The answer's body as JSON (None for an empty body)."""
        return self.call(method, path, **kwargs).json()

    def call_text(self, method: str, path: str, **kwargs: Any) -> str:
        """The answer's body as text (an id); a JSON string body is unquoted."""
        response = self.call(method, path, **kwargs)
        body = response.json()
        return body if isinstance(body, str) else (response.text or "")

    def call_model(self, cls: Type[M], method: str, path: str, **kwargs: Any) -> M:
        """The answer's body as a ``cls`` model (an empty body gives the empty model)."""
        return cls.from_dict(self.call(method, path, **kwargs).json() or {})

    def call_models(self, cls: Type[M], method: str, path: str, **kwargs: Any) -> List[M]:
        """The answer's body, a JSON array, as a list of ``cls`` models."""
        body = self.call(method, path, **kwargs).json() or []
        return [cls.from_dict(item) for item in body]

    def not_supported(self, error: ApiError, operation: str, detail: str = "") -> NotSupportedError:
        """The error for an Orkes-only route that this server (OSS) does not have."""
        return NotSupportedError(
            f"{operation} is an Orkes Conductor API; the OSS server at {self.server_url} does not "
            f"offer it ({error.method} {error.path} -> HTTP {error.status})"
            + (f"; {detail}" if detail else "")
        )

    def __repr__(self) -> str:
        transport = f", transport={self._transport!r}" if self._transport is not None else ""
        return f"ApiClient({self.configuration!r}{transport})"


class ResourceClient:
    """The base of the resource clients: an :class:`ApiClient` built from ``configuration``, or
    the one given (clients sharing an ApiClient share its transport)."""

    def __init__(
        self, configuration: Optional[Configuration] = None, api_client: Optional[ApiClient] = None
    ) -> None:
        self.api_client = api_client if api_client is not None else ApiClient(configuration)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.api_client.configuration!r})"


def is_missing_route(error: ApiError) -> bool:
    """Whether a 404/405 means "no such route" rather than "no such resource".

    Spring answers an unknown route with 405, or with 404 "No static resource ...".
    """
    if error.status == 405:
        return True
    return error.status == 404 and "No static resource" in (error.message or "")
