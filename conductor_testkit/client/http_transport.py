"""The network transport: Conductor REST requests over one ``requests.Session``.

- Every request carries a (connect, read) timeout.
- Idempotent requests are retried with exponential backoff after a connection error, a timeout,
  a 502/503/504, or a 500 whose error body says ``"retryable": true``. Conductor answers 500 for
  deterministic errors too (``IllegalStateException``: resume a running workflow, skip an
  unknown task) with ``"retryable": false``; retrying those would only delay the same error.
- A server that cannot be reached raises :class:`ConductorConnectionError` naming the URL.
- With a key configured, a token is sent as ``X-Authorization`` and refreshed on expiry and on
  a 401 (the request is then sent once more).
- The environment (proxies, CA bundle, ``~/.netrc``) is read once, when the transport's own
  session is made, not again on every request (see :func:`tune_session`).
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional

import requests

from conductor_testkit.client.auth import TokenAuth
from conductor_testkit.client.redaction import RedactedHeaders
from conductor_testkit.client.transport import TransportRequest, TransportResponse
from conductor_testkit.errors import ConductorConnectionError, ModelValidationError

if TYPE_CHECKING:
    from conductor_testkit.client.configuration import AuthenticationSettings, Configuration

logger = logging.getLogger(__name__)

_RETRYABLE_STATUSES = (502, 503, 504)
_START_SERVER_HINT = (
    "start a server with `python -m conductor_testkit.testing.server run` "
    "(or point CONDUCTOR_SERVER_URL at a running one)"
)


def _encode_param(value: Any) -> Any:
    # Java's Boolean parser wants lowercase, and Python would send "True"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return [_encode_param(v) for v in value]
    return value


def tune_session(session: requests.Session, base_url: str, pool_maxsize: Optional[int] = None) -> None:
    """Prepare a ``requests.Session`` that sends every request to ``base_url``.

    - with ``pool_maxsize``, its connection pool keeps that many connections, so no thread waits
      for, or reopens, a connection;
    - the environment (``*_PROXY``/``NO_PROXY``, ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``,
      ``~/.netrc``) is read once, here, for the server's URL: with ``trust_env`` on, requests
      reads it again on every request (an ``os.environ`` scan and netrc lookups), which cost a
      worker more CPU than the rest of a no-op task's handling.
    """
    if pool_maxsize is not None:
        from requests.adapters import HTTPAdapter

        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_maxsize)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
    if not session.trust_env:
        return
    from requests.utils import get_netrc_auth

    settings = session.merge_environment_settings(base_url, {}, None, None, None)
    session.proxies = settings["proxies"]
    session.verify = settings["verify"]
    if session.auth is None:
        session.auth = get_netrc_auth(base_url)
    session.trust_env = False


_ACCEPT = {"Accept": "application/json, text/plain, */*"}


def _encode_json(request: TransportRequest) -> bytes:
    try:
        return json.dumps(request.json_body).encode("utf-8")
    except (TypeError, ValueError, RecursionError) as exc:
        raise ModelValidationError(
            f"{request.method} {request.path}: the request body cannot be sent as JSON "
            f"({type(exc).__name__}: {exc})"
        ) from None


class HttpTransport:
    """Sends :class:`TransportRequest` objects to ``base_url`` over HTTP(S)."""

    def __init__(
        self,
        base_url: str,
        *,
        authentication_settings: Optional[AuthenticationSettings] = None,
        auth_token_ttl_seconds: float = 45 * 60.0,
        connect_timeout_seconds: float = 10.0,
        read_timeout_seconds: float = 60.0,
        max_retries: int = 3,
        retry_backoff_seconds: float = 0.5,
        max_backoff_seconds: float = 8.0,
        session: Optional[requests.Session] = None,
        pool_maxsize: Optional[int] = None,
        sleep: Callable[[float], None] = time.sleep,
        debug: bool = False,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.connect_timeout_seconds = connect_timeout_seconds
        self.read_timeout_seconds = read_timeout_seconds
        self.max_retries = max_retries
        self.retry_backoff_seconds = retry_backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        if session is None:  # a session given is used as it is
            session = requests.Session()
            tune_session(session, self.base_url, pool_maxsize)
        self.session = session
        self._sleep = sleep
        self._debug = debug
        self._auth = (
            TokenAuth(authentication_settings, auth_token_ttl_seconds)
            if authentication_settings is not None
            else None
        )

    @classmethod
    def from_configuration(
        cls, configuration: Configuration, *, pool_maxsize: Optional[int] = None
    ) -> HttpTransport:
        """The transport a :class:`Configuration` describes (URL, key, timeouts, retries)."""
        return cls(
            configuration.host,
            authentication_settings=configuration.authentication_settings,
            auth_token_ttl_seconds=configuration.auth_token_ttl_seconds,
            connect_timeout_seconds=configuration.connect_timeout_seconds,
            read_timeout_seconds=configuration.read_timeout_seconds,
            max_retries=configuration.max_retries,
            retry_backoff_seconds=configuration.retry_backoff_seconds,
            debug=configuration.debug,
            pool_maxsize=pool_maxsize,
        )

    # -- the Transport protocol -------------------------------------------------------------

    def handle(self, request: TransportRequest) -> TransportResponse:
        """Send the request (with auth, retries and timeouts) and return the server's answer."""
        if self._auth is None:
            return self._send_with_retries(request, RedactedHeaders())
        response = self._send_with_retries(request, self._auth.headers(self._send_with_retries_plain))
        if response.status == 401:
            # the token may have expired early or been revoked: exchange again, send once more
            self._auth.invalidate()
            response = self._send_with_retries(request, self._auth.headers(self._send_with_retries_plain))
        return response

    def close(self) -> None:
        """Close the session's pooled connections."""
        self.session.close()

    # -- internals ----------------------------------------------------------------------------

    def _send_with_retries_plain(self, request: TransportRequest) -> TransportResponse:
        return self._send_with_retries(request, RedactedHeaders())

    def _send_with_retries(
        self, request: TransportRequest, extra_headers: Dict[str, str]
    ) -> TransportResponse:
        attempts = 1 + (self.max_retries if request.idempotent else 0)
        delay = self.retry_backoff_seconds
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            try:
                response = self._send_once(request, extra_headers)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if last:
                    # from None: the chained traceback would show requests' frames, whose
                    # locals hold the encoded body and headers (credentials included)
                    raise self._connection_error(request, exc) from None
                logger.debug(
                    "%s %s failed (%s); retry %d in %.2fs",
                    request.method,
                    request.path,
                    type(exc).__name__,
                    attempt,
                    delay,
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
        headers = RedactedHeaders(_ACCEPT)  # it will hold the token: never shown in a traceback
        data: Optional[bytes] = None
        if request.text_body is not None:
            headers["Content-Type"] = "text/plain"
            data = request.text_body.encode("utf-8")
        elif request.json_body is not None:
            headers["Content-Type"] = "application/json"
            data = _encode_json(request)
        headers.update(request.headers)
        headers.update(extra_headers)
        params = {k: _encode_param(v) for k, v in request.params.items() if v is not None}
        read_timeout = max(self.read_timeout_seconds, request.read_timeout_seconds or 0.0)
        try:
            response = self.session.request(
                request.method,
                self.base_url + request.path,
                params=params,
                data=data,
                headers=headers,
                timeout=(self.connect_timeout_seconds, read_timeout),
            )
        except (requests.ConnectionError, requests.Timeout):
            raise
        except requests.RequestException as exc:  # an invalid URL or header, a broken answer
            # requests quotes an invalid header's value, which may be a token: name the type only
            detail = "" if isinstance(exc, requests.exceptions.InvalidHeader) else f": {exc}"
            raise ConductorConnectionError(
                f"{request.method} {self.base_url}{request.path} failed: {type(exc).__name__}{detail}"
            ) from None
        if self._debug:
            logger.debug("%s %s -> %d", request.method, response.url, response.status_code)
        return TransportResponse(
            status=response.status_code,
            text=response.text,
            headers=dict(response.headers),
        )

    @staticmethod
    def _retryable(response: TransportResponse) -> bool:
        if response.status in _RETRYABLE_STATUSES:
            return True
        if response.status >= 500:
            body = response.json()
            return isinstance(body, dict) and body.get("retryable") is True
        return False

    def _connection_error(self, request: TransportRequest, exc: Exception) -> ConductorConnectionError:
        url = self.base_url + request.path
        if isinstance(exc, requests.Timeout):
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

    def __repr__(self) -> str:
        auth = f", key_id={self._auth.key_id!r}" if self._auth else ""
        return f"HttpTransport({self.base_url!r}{auth})"
