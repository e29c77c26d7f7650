"""The transport seam: resource clients talk to ``Transport.handle(request) -> response``.

One transport sends requests over the network; the engine plugs in an in-process transport
that answers the same REST routes. Resource clients never import ``requests`` themselves.

Paths are relative to the API root (``/workflow/{id}``, not ``/api/workflow/{id}``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Mapping, Optional, Protocol


@dataclass
class TransportRequest:
    """One REST call: method, path under the API root, query parameters and a JSON body."""

    method: str
    path: str
    params: Dict[str, Any] = field(default_factory=dict)
    json_body: Any = None
    headers: Dict[str, str] = field(default_factory=dict)
    # text/plain bodies (e.g. a task log line) go here instead of json_body
    text_body: Optional[str] = None
    # whether a retry is safe (GET/PUT/DELETE and explicitly idempotent POSTs)
    idempotent: bool = False
    # a longer read timeout for this call (long polls); None uses the transport's default
    read_timeout_seconds: Optional[float] = None


@dataclass
class TransportResponse:
    """The answer: status, headers and the raw body (text)."""

    status: int
    text: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the status is 2xx."""
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body parsed as JSON; an empty body is None; a non-JSON body is the text itself."""
        if not self.text:
            return None
        try:
            return json.loads(self.text)
        except ValueError:
            return self.text


class Transport(Protocol):
    """Anything that answers Conductor REST requests."""

    def handle(self, request: TransportRequest) -> TransportResponse:
        """Answer one request (an error status is an answer, not an exception)."""
        ...

    def close(self) -> None:
        """Release connections; the transport is not used afterwards."""
        ...


# URL schemes served in-process (e.g. "memory"): scheme -> factory(configuration) -> Transport.
# The engine's in_process module registers "memory" when it is imported; see ``scheme_factory``.
_SCHEME_FACTORIES: Dict[str, Callable[[Any], Transport]] = {}


def register_transport_scheme(scheme: str, factory: Callable[[Any], Transport]) -> None:
    """Serve URLs of ``scheme://`` with transports built by ``factory(configuration)``."""
    _SCHEME_FACTORIES[scheme] = factory


def scheme_factory(scheme: str) -> Optional[Callable[[Any], Transport]]:
    """The factory registered for ``scheme``, or None."""
    if scheme not in _SCHEME_FACTORIES and scheme == "memory":
        # the engine registers itself on import; import it lazily so the client layer
        # does not depend on the engine
        import importlib

        importlib.import_module("conductor_testkit.engine.in_process")
    return _SCHEME_FACTORIES.get(scheme)
