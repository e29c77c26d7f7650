"""Token authentication: a key and secret exchanged at ``POST /token`` for a token.

The token is sent as ``X-Authorization`` and exchanged again when its time to live has passed or
when the server answers 401 (the transport then retries the request once). Without a key no
token is requested and no header is sent.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, Dict, Optional

from conductor_testkit.client.configuration import AuthenticationSettings
from conductor_testkit.client.redaction import RedactedHeaders
from conductor_testkit.client.transport import TransportRequest, TransportResponse
from conductor_testkit.errors import AuthenticationError

TOKEN_HEADER = "X-Authorization"
TOKEN_PATH = "/token"

# sends a request without authentication (the token exchange itself)
SendFn = Callable[[TransportRequest], TransportResponse]


class TokenAuth:
    """Holds the current token for one key; thread-safe."""

    def __init__(
        self,
        settings: AuthenticationSettings,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._ttl_seconds = ttl_seconds
        self._clock = clock
        self._token: Optional[str] = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    @property
    def key_id(self) -> str:
        """The application key this token belongs to (never the secret)."""
        return self._settings.key_id

    def headers(self, send: SendFn) -> Dict[str, str]:
        """The header to add to a request, exchanging the key for a token when needed."""
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at:
                self._token = self._exchange(send)
                self._expires_at = self._clock() + self._ttl_seconds
            return RedactedHeaders({TOKEN_HEADER: self._token})

    def invalidate(self) -> None:
        """Forget the token (after a 401) so the next request exchanges the key again."""
        with self._lock:
            self._token = None

    def _exchange(self, send: SendFn) -> str:
        request = TransportRequest(
            "POST",
            TOKEN_PATH,
            json_body={"keyId": self._settings.key_id, "keySecret": self._settings.key_secret},
        )
        response = send(request)
        body = response.json()
        token = body.get("token") if isinstance(body, dict) else None
        if response.ok and token:
            return str(token)
        # never echo the request (it holds the secret); the server's message is safe to show
        message = body.get("message") if isinstance(body, dict) else None
        raise AuthenticationError(
            response.status,
            "POST",
            TOKEN_PATH,
            f"could not exchange key {self._settings.key_id!r} for a token"
            + (f": {message}" if message else f" (HTTP {response.status})")
            + "; check CONDUCTOR_AUTH_KEY / CONDUCTOR_AUTH_SECRET",
        )

    def __repr__(self) -> str:
        return f"TokenAuth(key_id={self._settings.key_id!r})"
