"""Where the server is and how to talk to it: URL, credentials, timeouts, retries.

``Configuration()`` reads ``CONDUCTOR_SERVER_URL``, ``CONDUCTOR_AUTH_KEY`` and
``CONDUCTOR_AUTH_SECRET`` (as the official SDK does) and defaults to
``http://localhost:8080/api``. A ``memory://`` URL selects the in-process engine through the
transport scheme registry; ``transport=`` injects any :class:`Transport` directly.

The configuration owns one transport, built on first use and shared by every client made from
it: clients built from the same configuration see the same engine (``memory://``) or reuse the
same HTTP connections.
"""

from __future__ import annotations

import os
import threading
from typing import Optional
from urllib.parse import urlsplit

from conductor_testkit.client.transport import Transport, scheme_factory
from conductor_testkit.errors import ConfigurationError

DEFAULT_SERVER_API_URL = "http://localhost:8080/api"


class AuthenticationSettings:
    """An application key and its secret (Orkes style), exchanged for a token at ``/token``.

    The secret is never shown: not in ``repr``, logs or error messages.
    """

    def __init__(self, key_id: str, key_secret: str) -> None:
        if not key_id:
            raise ConfigurationError("authentication key_id is empty; pass the application key id")
        if not key_secret:
            raise ConfigurationError(
                f"authentication key_secret for key {key_id!r} is empty; pass the key's secret"
            )
        self.key_id = key_id
        self.key_secret = key_secret

    def __repr__(self) -> str:
        return f"AuthenticationSettings(key_id={self.key_id!r}, key_secret='***')"


def _authentication_from_environment() -> Optional[AuthenticationSettings]:
    # a function of its own: the secret is never a local variable of a frame that can raise
    # for another reason (a traceback printed with its locals would show it)
    key = os.environ.get("CONDUCTOR_AUTH_KEY")
    if not key:
        return None
    if not os.environ.get("CONDUCTOR_AUTH_SECRET"):
        raise ConfigurationError(
            "CONDUCTOR_AUTH_KEY is set but CONDUCTOR_AUTH_SECRET is not; set both or neither"
        )
    return AuthenticationSettings(key_id=key, key_secret=os.environ["CONDUCTOR_AUTH_SECRET"])


def _ui_host_for(api_url: str) -> str:
    # The official SDK's ui_host is the server URL without its /api suffix (the UI and the API
    # share a host on a standalone server); CONDUCTOR_UI_SERVER_URL overrides it.
    if not api_url.lower().startswith(("http://", "https://")):
        return api_url  # memory:// and other in-process schemes have no UI
    base = api_url.rstrip("/")
    if base.endswith("/api"):
        base = base[: -len("/api")]
    return base


class Configuration:
    """Connection settings for the Conductor REST API.

    Args:
        base_url: server root without ``/api`` (``http://localhost:8080``); ``/api`` is appended.
        debug: log each request (method, URL, status; never credentials) at DEBUG level.
        authentication_settings: key and secret; default from ``CONDUCTOR_AUTH_KEY`` and
            ``CONDUCTOR_AUTH_SECRET``; ``None`` (no key) means no authentication.
        server_api_url: the API root (``http://localhost:8080/api``) or ``memory://``; wins
            over ``base_url``; default ``CONDUCTOR_SERVER_URL`` or ``http://localhost:8080/api``.
        auth_token_ttl_min: minutes a token is used before it is exchanged again.
        connect_timeout_seconds: TCP connect timeout of every request.
        read_timeout_seconds: time to wait for the server's answer of every request.
        max_retries: extra attempts of an idempotent request after a connection error or a
            retryable 5xx (0 disables retries).
        retry_backoff_seconds: delay before the first retry; it doubles on each further retry.
        transport: a ready :class:`Transport` to use instead of one built from the URL.
    """

    def __init__(
        self,
        base_url: Optional[str] = None,
        debug: bool = False,
        authentication_settings: Optional[AuthenticationSettings] = None,
        server_api_url: Optional[str] = None,
        auth_token_ttl_min: int = 45,
        *,
        connect_timeout_seconds: float = 10.0,
        read_timeout_seconds: float = 60.0,
        max_retries: int = 3,
        retry_backoff_seconds: float = 0.5,
        transport: Optional[Transport] = None,
    ) -> None:
        if server_api_url:
            host = server_api_url
        elif base_url:
            host = base_url.rstrip("/") + "/api"
        else:
            host = os.environ.get("CONDUCTOR_SERVER_URL") or DEFAULT_SERVER_API_URL
        self.host = host.rstrip("/") if "://" in host and not host.endswith("://") else host
        scheme = urlsplit(self.host).scheme
        if not scheme:
            raise ConfigurationError(
                f"server_api_url {self.host!r} has no scheme; expected e.g. "
                f"'http://localhost:8080/api' or 'memory://'"
            )
        self.scheme = scheme.lower()

        if authentication_settings is None:
            authentication_settings = _authentication_from_environment()
        self.authentication_settings = authentication_settings
        self._ui_host = os.environ.get("CONDUCTOR_UI_SERVER_URL") or _ui_host_for(self.host)

        self.debug = debug
        self.auth_token_ttl_min = auth_token_ttl_min
        _require_positive("connect_timeout_seconds", connect_timeout_seconds)
        _require_positive("read_timeout_seconds", read_timeout_seconds)
        if max_retries < 0:
            raise ConfigurationError(
                f"max_retries must be >= 0 (0 disables retries), received {max_retries!r}"
            )
        if retry_backoff_seconds < 0:
            raise ConfigurationError(
                f"retry_backoff_seconds must be >= 0 seconds, received {retry_backoff_seconds!r}"
            )
        self.connect_timeout_seconds = float(connect_timeout_seconds)
        self.read_timeout_seconds = float(read_timeout_seconds)
        self.max_retries = int(max_retries)
        self.retry_backoff_seconds = float(retry_backoff_seconds)

        self._transport = transport
        self._given_transport = transport  # for repr: the transport is otherwise built on first use
        self._lock = threading.Lock()

    @property
    def is_http(self) -> bool:
        """Whether requests go over the network (http/https) rather than to an in-process engine."""
        return self.scheme in ("http", "https")

    @property
    def server_api_url(self) -> str:
        """The API root every request path is appended to."""
        return self.host

    @property
    def ui_host(self) -> str:
        """Where the Conductor UI is: ``CONDUCTOR_UI_SERVER_URL`` or the API URL without ``/api``.

        A standalone server serves its UI beside the API, so
        ``f"{configuration.ui_host}/execution/{workflow_id}"`` links to an execution.
        """
        return self._ui_host

    @property
    def auth_token_ttl_seconds(self) -> float:
        """``auth_token_ttl_min`` in seconds."""
        return self.auth_token_ttl_min * 60.0

    @property
    def transport(self) -> Transport:
        """The transport of this configuration, built on first use and then shared."""
        with self._lock:
            if self._transport is None:
                self._transport = self._build_transport()
            return self._transport

    def _build_transport(self) -> Transport:
        if self.is_http:
            from conductor_testkit.client.http_transport import HttpTransport

            return HttpTransport.from_configuration(self)
        factory = scheme_factory(self.scheme)
        if factory is None:
            raise ConfigurationError(
                f"no transport is registered for {self.scheme}:// (server_api_url {self.host!r}); "
                f"use an http(s) URL, or import the package that registers {self.scheme}:// "
                f"(conductor_testkit.engine registers memory://)"
            )
        return factory(self)

    def close(self) -> None:
        """Close the transport (its HTTP connections), if one was built."""
        with self._lock:
            if self._transport is not None:
                self._transport.close()
                self._transport = None

    def __repr__(self) -> str:
        # the URL, the key (never its secret) and debug always; other settings when not default
        parts = [
            f"server_api_url={self.host!r}",
            f"authentication_settings={self.authentication_settings!r}",
            f"debug={self.debug!r}",
        ]
        for name, default in _OPTION_DEFAULTS.items():
            value = getattr(self, name)
            if value != default:
                parts.append(f"{name}={value!r}")
        if self._given_transport is not None:
            parts.append(f"transport={self._given_transport!r}")
        return f"Configuration({', '.join(parts)})"


# keyword options of Configuration() and their defaults (repr shows those that differ)
_OPTION_DEFAULTS = {
    "auth_token_ttl_min": 45,
    "connect_timeout_seconds": 10.0,
    "read_timeout_seconds": 60.0,
    "max_retries": 3,
    "retry_backoff_seconds": 0.5,
}


def _require_positive(name: str, value: float) -> None:
    if not value or value <= 0:
        raise ConfigurationError(f"{name} must be a positive number of seconds, received {value!r}")
