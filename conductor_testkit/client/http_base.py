"""What the network transports share: retries, back-off, authentication, timeouts and errors.

:class:`~conductor_testkit.client.http_transport.HttpTransport` (over ``requests``) and
:class:`~conductor_testkit.client.urllib3_transport.Urllib3Transport` (over ``urllib3``) differ
only in how one request goes over the wire (``_exchange``). The rules are here, once:

- Every request carries a (connect, read) timeout; a long poll extends the read timeout.
- Idempotent requests are retried with exponential backoff after a connection error, a timeout,
  a 502/503/504, or a 500 whose error body says ``"retryable": true``. Conductor answers 500 for
  deterministic errors too (``IllegalStateException``: resume a running workflow, skip an
  unknown task) with ``"retryable": false``; retrying those would only delay the same error.
- A server that cannot be reached raises :class:`ConductorConnectionError` naming the URL; a
  request that cannot be sent or an answer that cannot be read raises it naming what failed
  (the name of the ``requests`` exception for the same failure, whichever transport met it).
- With a key configured, a token is sent as ``X-Authorization`` and refreshed on expiry and on
  a 401 (the request is then sent once more).
- Credentials never reach a ``repr`` or a traceback: headers are :class:`RedactedHeaders`, and
  errors are raised without the library's exception chained (its frames hold the encoded body).
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, List, NamedTuple, Optional, Tuple, Type, TypeVar

from typing_extensions import TypedDict, Unpack

from conductor_testkit.client.auth import TokenAuth
from conductor_testkit.client.redaction import RedactedHeaders
from conductor_testkit.client.transport import TransportRequest, TransportResponse
from conductor_testkit.errors import ConductorConnectionError, ModelValidationError

if TYPE_CHECKING:
    from conductor_testkit.client.configuration import AuthenticationSettings, Configuration

# the name the network transport has always logged under (logging configurations name it)
logger = logging.getLogger("conductor_testkit.client.http_transport")

_RETRYABLE_STATUSES = (502, 503, 504)
_START_SERVER_HINT = (
    "start a server with `python -m conductor_testkit.testing.server run` "
    "(or point CONDUCTOR_SERVER_URL at a running one)"
)
ACCEPT = {"Accept": "application/json, text/plain, */*"}


class Unreachable(Exception):
    """Raised by ``_exchange``: the server was not reached, or did not answer in time.

    The retry loop retries it (idempotent requests) and turns the last one into a
    :class:`ConductorConnectionError`. It carries no detail of the library's exception.
    """

    def __init__(self, timed_out: bool) -> None:
        super().__init__("timeout" if timed_out else "unreachable")
        self.timed_out = timed_out


class Failed(Exception):
    """Raised by ``_exchange``: the request could not be sent or the answer not read.

    The retry loop raises the :class:`ConductorConnectionError` it carries from its own frame, so
    that the traceback shows no frame holding the encoded body.
    """

    def __init__(self, error: ConductorConnectionError) -> None:
        super().__init__(str(error))
        self.error = error


def encode_param(value: Any) -> Any:
    """A query parameter's value as the server reads it."""
    # Java's Boolean parser wants lowercase, and Python would send "True"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return [encode_param(v) for v in value]
    return value


def encode_json(request: TransportRequest) -> bytes:
    """The request's JSON body as UTF-8 bytes."""
    try:
        return json.dumps(request.json_body).encode("utf-8")
    except (TypeError, ValueError, RecursionError) as exc:
        raise ModelValidationError(
            f"{request.method} {request.path}: the request body cannot be sent as JSON "
            f"({type(exc).__name__}: {exc})"
        ) from None


class Outgoing(NamedTuple):
    """One request ready to go out: the query parameters encoded for the server, the body
    encoded, every header (the token's too) and the read timeout.

    Its ``repr`` shows no credential: the headers are redacted and the body is only counted.
    """

    request: TransportRequest
    params: List[Tuple[str, Any]]
    data: Optional[bytes]
    headers: RedactedHeaders
    read_timeout: float

    def __repr__(self) -> str:
        data = "None" if self.data is None else f"<{len(self.data)} bytes>"
        return f"Outgoing({self.request!r}, data={data}, headers={self.headers!r})"


class TransportOptions(TypedDict, total=False):
    """The settings of a network transport, all optional (default in brackets).

    - ``authentication_settings``: a key and secret exchanged for a token (None: no token);
    - ``auth_token_ttl_seconds``: how long a token is used before it is exchanged again (2700);
    - ``connect_timeout_seconds`` (10) and ``read_timeout_seconds`` (60): every request's
      timeouts; a long poll's own read timeout extends the latter;
    - ``max_retries`` (3): extra attempts of an idempotent request;
    - ``retry_backoff_seconds`` (0.5): the first delay, doubled on each retry up to
      ``max_backoff_seconds`` (8);
    - ``pool_maxsize``: connections kept to the server (None: the library's default, 10);
    - ``sleep``: how to wait between attempts (``time.sleep``);
    - ``debug``: log each request (method, URL, status; never credentials) at DEBUG level.
    """

    authentication_settings: Optional[AuthenticationSettings]
    auth_token_ttl_seconds: float
    connect_timeout_seconds: float
    read_timeout_seconds: float
    max_retries: int
    retry_backoff_seconds: float
    max_backoff_seconds: float
    pool_maxsize: Optional[int]
    sleep: Callable[[float], None]
    debug: bool


def configuration_options(
    configuration: Configuration, pool_maxsize: Optional[int] = None
) -> TransportOptions:
    """The options of a transport for a :class:`Configuration`, keeping ``pool_maxsize`` connections."""
    return TransportOptions(
        pool_maxsize=pool_maxsize,
        authentication_settings=configuration.authentication_settings,
        auth_token_ttl_seconds=configuration.auth_token_ttl_seconds,
        connect_timeout_seconds=configuration.connect_timeout_seconds,
        read_timeout_seconds=configuration.read_timeout_seconds,
        max_retries=configuration.max_retries,
        retry_backoff_seconds=configuration.retry_backoff_seconds,
        debug=configuration.debug,
    )


_OPTION_NAMES = frozenset(TransportOptions.__annotations__)
T = TypeVar("T", bound="BaseHttpTransport")


class BaseHttpTransport:
    """Sends :class:`TransportRequest` objects to ``base_url``; subclasses implement ``_exchange``.

    ``options``: see :class:`TransportOptions`.
    """

    def __init__(self, base_url: str, **options: Unpack[TransportOptions]) -> None:
        unknown = sorted(set(options) - _OPTION_NAMES)
        if unknown:  # as a signature would: a misspelt option must not pass unnoticed
            raise TypeError(
                f"{type(self).__name__}() got unexpected keyword argument(s): {', '.join(unknown)}"
            )
        self.base_url = base_url.rstrip("/")
        self.connect_timeout_seconds = options.get("connect_timeout_seconds", 10.0)
        self.read_timeout_seconds = options.get("read_timeout_seconds", 60.0)
        self.max_retries = options.get("max_retries", 3)
        self.retry_backoff_seconds = options.get("retry_backoff_seconds", 0.5)
        self.max_backoff_seconds = options.get("max_backoff_seconds", 8.0)
        self.pool_maxsize = options.get("pool_maxsize")
        self._sleep = options.get("sleep", time.sleep)
        self._debug = options.get("debug", False)
        settings = options.get("authentication_settings")
        self._auth = (
            TokenAuth(settings, options.get("auth_token_ttl_seconds", 45 * 60.0))
            if settings is not None
            else None
        )

    @classmethod
    def from_configuration(
        cls: Type[T], configuration: Configuration, *, pool_maxsize: Optional[int] = None
    ) -> T:
        """The transport a :class:`Configuration` describes (URL, key, timeouts, retries), keeping
        ``pool_maxsize`` connections."""
        return cls(configuration.host, **configuration_options(configuration, pool_maxsize))

    # -- the Transport protocol -------------------------------------------------------------

    def handle(self, request: TransportRequest) -> TransportResponse:
        """Send the request (with auth, retries and timeouts) and return the server's answer."""
        if self._auth is None:
            return self._send_with_retries(request, _NO_HEADERS)
        response = self._send_with_retries(request, self._auth.headers(self._send_with_retries_plain))
        if response.status == 401:
            # the token may have expired early or been revoked: exchange again, send once more
            self._auth.invalidate()
            response = self._send_with_retries(request, self._auth.headers(self._send_with_retries_plain))
        return response

    def close(self) -> None:
        """Release the pooled connections."""
        raise NotImplementedError

    # -- what a subclass implements ---------------------------------------------------------

    def _exchange(self, outgoing: Outgoing) -> TransportResponse:
        """Send one request once; the answer, whatever its status.

        Raises :class:`Unreachable` when the server was not reached or did not answer in time,
        and :class:`Failed` (made by :meth:`_failed`) when the request could not be sent or the
        answer not read.
        """
        raise NotImplementedError

    # -- internals ----------------------------------------------------------------------------

    def _send_with_retries_plain(self, request: TransportRequest) -> TransportResponse:
        return self._send_with_retries(request, _NO_HEADERS)

    def _send_with_retries(
        self, request: TransportRequest, extra_headers: Dict[str, str]
    ) -> TransportResponse:
        attempts = 1 + (self.max_retries if request.idempotent else 0)
        delay = self.retry_backoff_seconds
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            try:
                response = self._send_once(request, extra_headers)
            except Failed as exc:
                raise exc.error from None
            except Unreachable as exc:
                if last:
                    raise self._connection_error(request, exc.timed_out) from None
                logger.debug(
                    "%s %s failed (%s); retry %d in %.2fs", request.method, request.path, exc, attempt, delay
                )
            else:
                if last or not self._retryable(response):
                    return response
                logger.debug(
                    "%s %s -> %d; retry %d in %.2fs",
                    request.method,
                    request.path,
                    response.status,
                    attempt,
                    delay,
                )
            self._sleep(delay)
            delay = min(delay * 2, self.max_backoff_seconds)
        raise AssertionError("unreachable")  # pragma: no cover

    def _send_once(self, request: TransportRequest, extra_headers: Dict[str, str]) -> TransportResponse:
        headers = RedactedHeaders(ACCEPT)  # it will hold the token: never shown in a traceback
        data: Optional[bytes] = None
        if request.text_body is not None:
            headers["Content-Type"] = "text/plain"
            data = request.text_body.encode("utf-8")
        elif request.json_body is not None:
            headers["Content-Type"] = "application/json"
            data = encode_json(request)
        if request.headers:
            headers.update(request.headers)
        if extra_headers:
            headers.update(extra_headers)
        params = [(k, encode_param(v)) for k, v in request.params.items() if v is not None]
        read_timeout = self.read_timeout_seconds
        if request.read_timeout_seconds is not None and request.read_timeout_seconds > read_timeout:
            read_timeout = request.read_timeout_seconds
        return self._exchange(Outgoing(request, params, data, headers, read_timeout))

    @staticmethod
    def _retryable(response: TransportResponse) -> bool:
        if response.status in _RETRYABLE_STATUSES:
            return True
        if response.status >= 500:
            body = response.json()
            return isinstance(body, dict) and body.get("retryable") is True
        return False

    def _connection_error(self, request: TransportRequest, timed_out: bool) -> ConductorConnectionError:
        url = self.base_url + request.path
        if timed_out:
            what = (
                f"no answer within {self.connect_timeout_seconds:g}s (connect) / "
                f"{max(self.read_timeout_seconds, request.read_timeout_seconds or 0.0):g}s (read)"
            )
        else:
            what = "connection refused or host unreachable"
        return ConductorConnectionError(
            f"cannot reach the Conductor server at {self.base_url} ({request.method} {url}): {what}; "
            + _START_SERVER_HINT
        )

    def _failed(self, request: TransportRequest, what: str, detail: str = "") -> Failed:
        """What ``_exchange`` raises when the request could not be sent or the answer not read.

        ``what`` names the failure (``InvalidHeader``, ``ChunkedEncodingError``, ...); ``detail``
        must not hold a header's value (it may be a token).
        """
        return Failed(
            ConductorConnectionError(
                f"{request.method} {self.base_url}{request.path} failed: {what}"
                + (f": {detail}" if detail else "")
            )
        )

    def __repr__(self) -> str:
        auth = f", key_id={self._auth.key_id!r}" if self._auth else ""
        return f"{type(self).__name__}({self.base_url!r}{auth})"


_NO_HEADERS: Dict[str, str] = RedactedHeaders()

__all__ = [
    "ACCEPT",
    "BaseHttpTransport",
    "Failed",
    "Outgoing",
    "TransportOptions",
    "Unreachable",
    "configuration_options",
    "encode_json",
    "encode_param",
]
