"""The network transport over ``urllib3`` directly: what workers poll and report through.

``requests`` spends about as much CPU preparing a request and wrapping its answer (settings
merged per request, hooks, cookies, a ``Response`` object) as ``urllib3`` spends sending it; a
worker that does nothing but poll and report pays that on every task. :class:`Urllib3Transport`
sends the same requests through a ``urllib3.PoolManager`` and follows the same rules as
:class:`~conductor_testkit.client.http_transport.HttpTransport` (they share
:mod:`conductor_testkit.client.http_base`): timeouts, retries, token authentication, the same
:class:`~conductor_testkit.errors.ConductorConnectionError` messages, credentials masked.

It reads from the environment what ``requests`` would for the server's URL: the CA bundle
(``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``, else certifi's). What it does not do, because
``requests`` does it and a worker rarely needs it: proxies, credentials from ``~/.netrc`` or the
URL, cookies, and being seen by ``responses`` mocks. :func:`network_transport` picks
``HttpTransport`` when the environment sets a proxy or credentials for the server's URL.

Redirects are followed as urllib3 follows them: a 303 becomes a GET, while ``requests`` turns a
POST answered by a 301 or 302 into a GET too; HTTP allows both.
"""

from __future__ import annotations

import os
from http.client import HTTPException
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple, Union
from urllib.parse import urlencode, urlsplit

import requests
import urllib3
from requests.exceptions import InvalidHeader
from requests.utils import (
    DEFAULT_ACCEPT_ENCODING,
    DEFAULT_CA_BUNDLE_PATH,
    check_header_validity,
    get_encoding_from_headers,
    select_proxy,
)
from typing_extensions import Unpack
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    HTTPError,
    LocationValueError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.util.retry import Retry

from conductor_testkit.client.http_base import (
    BaseHttpTransport,
    Failed,
    Outgoing,
    TransportOptions,
    Unreachable,
    configuration_options,
    logger,
)
from conductor_testkit.client.http_transport import HttpTransport, environment_settings
from conductor_testkit.client.redaction import RedactedHeaders
from conductor_testkit.client.transport import Transport, TransportRequest, TransportResponse

if TYPE_CHECKING:
    from conductor_testkit.client.configuration import Configuration

_MAX_REDIRECTS = 30  # requests' Session.max_redirects
_DEFAULT_POOL_MAXSIZE = 10  # requests' HTTPAdapter default
# what requests sends unless told otherwise (its default Accept is replaced by the transport's)
_DEFAULT_HEADERS = (("Accept-Encoding", DEFAULT_ACCEPT_ENCODING),)
# what sending a request or reading its answer can raise (anything else is a bug, and propagates)
_EXCHANGE_ERRORS = (HTTPError, OSError, HTTPException, ValueError)


def _tls_options(verify: Union[bool, str]) -> Dict[str, Any]:
    """PoolManager options for ``requests``' ``verify``: True (certifi's bundle), a bundle file or
    directory, or False (no verification)."""
    if verify is False:
        return {"cert_reqs": "CERT_NONE"}
    if verify is True:
        verify = DEFAULT_CA_BUNDLE_PATH
    if os.path.isdir(verify):
        return {"cert_reqs": "CERT_REQUIRED", "ca_cert_dir": verify}
    return {"cert_reqs": "CERT_REQUIRED", "ca_certs": verify}


def _query(params: List[Tuple[str, Any]]) -> str:
    # what requests makes of the same parameters: a list value repeats its key
    pairs: List[Tuple[str, Any]] = []
    for key, value in params:
        if isinstance(value, list):
            pairs.extend((key, item) for item in value if item is not None)
        else:
            pairs.append((key, value))
    return urlencode(pairs)


def _decoded(body: bytes, headers: Any) -> str:
    # as requests' Response.text, except that a body of no declared charset is read as UTF-8 (the
    # server's) instead of guessed
    if not body:
        return ""
    encoding = get_encoding_from_headers(headers) or "utf-8"
    try:
        return str(body, encoding, errors="replace")
    except (LookupError, TypeError):
        return str(body, errors="replace")


class Urllib3Transport(BaseHttpTransport):
    """Sends :class:`TransportRequest` objects to ``base_url`` over HTTP(S) with ``urllib3``.

    ``verify`` is what ``requests`` takes: True, a CA bundle file or directory, or False; None
    reads it from the environment as ``requests`` does. ``options``: see
    :class:`~conductor_testkit.client.http_base.TransportOptions` (``pool_maxsize`` connections
    are kept per host; 10 by default, as ``requests`` keeps).
    """

    def __init__(
        self, base_url: str, *, verify: Union[bool, str, None] = None, **options: Unpack[TransportOptions]
    ) -> None:
        super().__init__(base_url, **options)
        if verify is None:
            verify = _read_environment(self.base_url)[1]
        self._manager = urllib3.PoolManager(
            maxsize=self.pool_maxsize or _DEFAULT_POOL_MAXSIZE, block=False, **_tls_options(verify)
        )
        # errors come back as they are (the retry loop of the base class decides), redirects are
        # followed as requests follows them
        self._retries = Retry(total=None, connect=False, read=False, redirect=_MAX_REDIRECTS, other=0)

    def close(self) -> None:
        """Close the pooled connections."""
        self._manager.clear()

    def _exchange(self, outgoing: Outgoing) -> TransportResponse:
        request, headers = outgoing.request, outgoing.headers
        url = self.base_url + request.path
        if outgoing.params:
            url += ("&" if "?" in url else "?") + _query(outgoing.params)
        self._check_headers(request, headers)
        for name, value in _DEFAULT_HEADERS:
            headers.setdefault(name, value)
        # the exceptions of urllib3 are not chained (from None): their frames and messages hold
        # the encoded body and the headers (credentials included)
        try:
            response = self._manager.urlopen(
                request.method,
                url,
                body=outgoing.data,
                headers=headers,
                retries=self._retries,
                timeout=urllib3.Timeout(connect=self.connect_timeout_seconds, read=outgoing.read_timeout),
                preload_content=False,
            )
        except _EXCHANGE_ERRORS as exc:
            raise self._sending_failure(request, exc) from None
        try:
            body = response.read()
        except _EXCHANGE_ERRORS as exc:
            raise self._reading_failure(request, exc) from None
        finally:
            response.release_conn()
        if self._debug:
            logger.debug("%s %s -> %d", request.method, url, response.status)
        return TransportResponse(
            status=response.status, text=_decoded(body, response.headers), headers=dict(response.headers)
        )

    def _check_headers(self, request: TransportRequest, headers: RedactedHeaders) -> None:
        # requests refuses a header value with a line break or leading whitespace before sending;
        # its message quotes the value, which may be a token: name the type only
        try:
            for item in headers.items():
                check_header_validity(item)
        except InvalidHeader:
            raise self._failed(request, "InvalidHeader") from None

    def _sending_failure(self, request: TransportRequest, exc: Exception) -> Union[Failed, Unreachable]:
        """What an exception of ``urlopen`` means, as requests' HTTPAdapter reads it."""
        if isinstance(exc, MaxRetryError):
            reason = exc.reason
            if isinstance(reason, ResponseError):  # the redirects ran out
                return self._failed(request, "TooManyRedirects", f"Exceeded {_MAX_REDIRECTS} redirects.")
            timed_out = isinstance(reason, ConnectTimeoutError) and not isinstance(reason, NewConnectionError)
            return Unreachable(timed_out=timed_out)
        if isinstance(exc, ReadTimeoutError):
            return Unreachable(timed_out=True)
        if isinstance(exc, LocationValueError):
            return self._failed(request, "InvalidURL", str(exc))
        if isinstance(exc, (OSError, HTTPError, HTTPException)):
            # refused, reset, closed before the answer, TLS failure, proxy failure
            return Unreachable(timed_out=False)
        # a ValueError of http.client: its message may quote what was being sent
        return self._failed(request, type(exc).__name__)

    def _reading_failure(self, request: TransportRequest, exc: Exception) -> Union[Failed, Unreachable]:
        """What an exception while reading the body means, as requests reads it."""
        if isinstance(exc, ProtocolError):  # the answer was cut off
            return self._failed(request, "ChunkedEncodingError", str(exc))
        if isinstance(exc, DecodeError):
            return self._failed(request, "ContentDecodingError", str(exc))
        if isinstance(exc, (ReadTimeoutError, OSError, HTTPError, HTTPException)):
            # requests reports a read timeout within the body as a connection error too
            return Unreachable(timed_out=False)
        return self._failed(request, type(exc).__name__)


def _read_environment(base_url: str) -> Tuple[Dict[str, str], Union[bool, str], Optional[Tuple[str, str]]]:
    return environment_settings(requests.Session(), base_url)


def _needs_requests(
    base_url: str, proxies: Dict[str, str], netrc_auth: Optional[Tuple[str, str]]
) -> Optional[str]:
    """Why requests to ``base_url`` need ``requests``, or None."""
    try:
        requests.PreparedRequest().prepare_url(base_url, None)
    except requests.RequestException:
        return "the URL is invalid"  # HttpTransport says how, on the first request
    if urlsplit(base_url).username is not None:
        return "the URL holds credentials"
    if select_proxy(base_url, proxies):
        return "a proxy is set for the URL"
    if netrc_auth:
        return "~/.netrc holds credentials for the host"
    return None


def network_transport(configuration: Configuration, *, pool_maxsize: Optional[int] = None) -> Transport:
    """The cheapest transport that does for ``configuration``'s URL what ``requests`` would.

    :class:`Urllib3Transport`, unless the environment sets a proxy or credentials (``~/.netrc``)
    for the URL, or the URL holds credentials or is invalid: then
    :class:`~conductor_testkit.client.http_transport.HttpTransport` (with its session tuned for
    ``pool_maxsize`` connections). The environment is read once, here.
    """
    proxies, verify, netrc_auth = _read_environment(configuration.host)
    reason = _needs_requests(configuration.host, proxies, netrc_auth)
    if reason is None:
        return Urllib3Transport(
            configuration.host,
            verify=verify,
            **configuration_options(configuration, pool_maxsize),
        )
    logger.debug("requests to %s go through requests: %s", configuration.host, reason)
    return HttpTransport.from_configuration(configuration, pool_maxsize=pool_maxsize)


__all__ = ["Urllib3Transport", "network_transport"]
