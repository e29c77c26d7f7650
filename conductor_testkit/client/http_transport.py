"""The network transport over one ``requests.Session``.

The rules every network transport follows (timeouts, retries, authentication, errors) are in
:mod:`conductor_testkit.client.http_base`; here is how one request goes over a session:

- the environment (proxies, CA bundle, ``~/.netrc``) is read once, when the transport's own
  session is made, not again on every request (see :func:`tune_session`);
- a session given to the constructor is used as it is (its adapters, cookies, hooks), and
  ``responses`` mocks, which patch ``requests``, see every request.

Workers use :func:`~conductor_testkit.client.urllib3_transport.network_transport`, which prefers
the cheaper :class:`~conductor_testkit.client.urllib3_transport.Urllib3Transport`.
"""

from __future__ import annotations

from typing import Dict, Optional, Tuple, Union

import requests
from typing_extensions import Unpack

from conductor_testkit.client.http_base import (
    BaseHttpTransport,
    Outgoing,
    TransportOptions,
    Unreachable,
    logger,
)
from conductor_testkit.client.transport import TransportResponse


def environment_settings(
    session: requests.Session, base_url: str
) -> Tuple[Dict[str, str], Union[bool, str], Optional[Tuple[str, str]]]:
    """What the environment sets for requests to ``base_url``, as ``requests`` reads it:
    (proxies, verify: True or a CA bundle path, credentials from ``~/.netrc`` or None).

    Read from ``*_PROXY``/``NO_PROXY``, ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` and ``NETRC``
    (or ``~/.netrc``), merged with the session's own settings.
    """
    from requests.utils import get_netrc_auth

    settings = session.merge_environment_settings(base_url, {}, None, None, None)
    verify = settings["verify"]
    return dict(settings["proxies"]), True if verify is None else verify, get_netrc_auth(base_url)


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
    proxies, verify, netrc_auth = environment_settings(session, base_url)
    session.proxies = proxies
    session.verify = verify
    if session.auth is None:
        session.auth = netrc_auth
    session.trust_env = False


class HttpTransport(BaseHttpTransport):
    """Sends :class:`TransportRequest` objects to ``base_url`` over HTTP(S) with ``requests``.

    ``session``: a session to send through, used as it is (default: one of its own, tuned by
    :func:`tune_session` for ``pool_maxsize`` connections); ``options``: see
    :class:`~conductor_testkit.client.http_base.TransportOptions`.
    """

    def __init__(
        self,
        base_url: str,
        *,
        session: Optional[requests.Session] = None,
        **options: Unpack[TransportOptions],
    ) -> None:
        super().__init__(base_url, **options)
        if session is None:  # a session given is used as it is
            session = requests.Session()
            tune_session(session, self.base_url, self.pool_maxsize)
        self.session = session

    def close(self) -> None:
        """Close the session's pooled connections."""
        self.session.close()

    def _exchange(self, outgoing: Outgoing) -> TransportResponse:
        request = outgoing.request
        # the exceptions of requests are not chained (from None): their frames hold the encoded
        # body and the headers (credentials included)
        try:
            response = self.session.request(
                request.method,
                self.base_url + request.path,
                params=outgoing.params,
                data=outgoing.data,
                headers=outgoing.headers,
                timeout=(self.connect_timeout_seconds, outgoing.read_timeout),
            )
        except requests.Timeout:
            raise Unreachable(timed_out=True) from None
        except requests.ConnectionError:
            raise Unreachable(timed_out=False) from None
        except requests.RequestException as exc:  # an invalid URL or header, a broken answer
            # requests quotes an invalid header's value, which may be a token: name the type only
            detail = "" if isinstance(exc, requests.exceptions.InvalidHeader) else str(exc)
            raise self._failed(request, type(exc).__name__, detail) from None
        if self._debug:
            logger.debug("%s %s -> %d", request.method, response.url, response.status_code)
        return TransportResponse(
            status=response.status_code, text=response.text, headers=dict(response.headers)
        )
