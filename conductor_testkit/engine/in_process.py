"""The in-memory engine behind the client's transport seam: ``memory://`` and ``LocalConductor``.

Three ways to reach an :class:`Engine` with the ordinary clients:

- ``Configuration(server_api_url="memory://")``: the process-wide default engine, shared by
  every configuration with that URL (so a TaskHandler and a WorkflowExecutor built from two
  configurations meet on the same engine). ``memory://<name>`` gives one engine per name, for
  tests that want isolation; :func:`reset_memory_engines` forgets them all.
- ``LocalConductor()``: owns a fresh engine; ``.configuration`` and ``.clients`` are bound to it.
- ``LocalConductor().serve()``: the same REST routes on a loopback port, for clients in other
  languages (or ``curl``).

Every call goes through real JSON: the request body is serialised and parsed, and the answer is
the text the REST router produced, so a client sees what it would see over the network.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qs, urlsplit

from conductor_testkit.client.transport import (
    TransportRequest,
    TransportResponse,
    register_transport_scheme,
)
from conductor_testkit.engine.rest import RestRequest, RestResponse, RestRouter

MEMORY_SCHEME = "memory"


def _engine_class() -> Any:
    from conductor_testkit.engine.engine import Engine

    return Engine


def _query_values(value: Any) -> List[str]:
    # the same text the network transport puts on the wire (Java parses lowercase booleans)
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, (list, tuple)):
        out: List[str] = []
        for item in value:
            out.extend(_query_values(item))
        return out
    return [str(value)]


class InProcessTransport:
    """A :class:`~conductor_testkit.client.transport.Transport` answering from an engine.

    Args:
        engine: the engine to serve (any object the REST router accepts).
        time_skipping: let the virtual clock jump to the next timer when every running workflow
            waits only for time (retry delays, WAIT durations); see ``rest.advance_idle_clock``.
    """

    def __init__(self, engine: Any, *, time_skipping: bool = True) -> None:
        self.engine = engine
        self.router = RestRouter(engine, time_skipping=time_skipping)

    def handle(self, request: TransportRequest) -> TransportResponse:
        """Serialise the request as HTTP would, route it, return the router's answer."""
        query: Dict[str, List[str]] = {}
        for name, value in (request.params or {}).items():
            if value is not None:
                query[name] = _query_values(value)
        if request.text_body is not None:
            body: Optional[str] = request.text_body
        elif request.json_body is not None:
            body = json.dumps(request.json_body)
        else:
            body = None
        answer = self.router.handle(RestRequest(request.method, request.path, query, body))
        headers = {"Content-Type": answer.content_type} if answer.content_type else {}
        return TransportResponse(status=answer.status, text=answer.body, headers=headers)

    def close(self) -> None:
        """Nothing to release: the engine lives as long as its owner keeps it."""

    def __repr__(self) -> str:
        return f"InProcessTransport({self.engine!r})"


# -- the memory:// scheme ---------------------------------------------------------------------

_ENGINES: Dict[str, Any] = {}
_ENGINES_LOCK = threading.Lock()


def memory_engine(name: str = "") -> Any:
    """The engine ``memory://<name>`` reaches (``""``: the process-wide default), made on first use."""
    with _ENGINES_LOCK:
        engine = _ENGINES.get(name)
        if engine is None:
            engine = _engine_class()()
            _ENGINES[name] = engine
        return engine


def reset_memory_engines() -> None:
    """Forget every ``memory://`` engine; the next use of a URL starts a fresh one."""
    with _ENGINES_LOCK:
        _ENGINES.clear()


def _memory_transport(configuration: Any) -> InProcessTransport:
    host = getattr(configuration, "host", None) or getattr(configuration, "server_api_url", "") or ""
    name = urlsplit(host).netloc
    return InProcessTransport(memory_engine(name))


register_transport_scheme(MEMORY_SCHEME, _memory_transport)


# -- LocalConductor ---------------------------------------------------------------------------


class LocalConductor:
    """An in-memory Conductor: an engine plus clients bound to it, optionally served over HTTP.

    >>> conductor = LocalConductor()
    >>> workflow_client = conductor.clients.get_workflow_client()

    Args:
        engine: an existing engine; by default a new one built with ``engine_options``.
        time_skipping: let the virtual clock jump over idle time for workers polling through
            the clients (see :class:`InProcessTransport`).
        **engine_options: keyword arguments for :class:`Engine` (``seed``, ``workers``, ...).
    """

    def __init__(self, engine: Any = None, *, time_skipping: bool = True, **engine_options: Any) -> None:
        from conductor_testkit.client.configuration import Configuration

        self.engine = engine if engine is not None else _engine_class()(**engine_options)
        self.transport = InProcessTransport(self.engine, time_skipping=time_skipping)
        self.configuration = Configuration(server_api_url="memory://local", transport=self.transport)
        self._server: Optional[ThreadingHTTPServer] = None
        self._server_thread: Optional[threading.Thread] = None

    @property
    def lock(self) -> Any:
        """The engine's lock: hold it to call the engine directly while workers poll in threads."""
        return self.transport.router.gate.lock

    @property
    def clients(self) -> Any:
        """``OrkesClients`` over this engine (workflow, metadata, task and event clients)."""
        from conductor_testkit.client.clients import OrkesClients

        return OrkesClients(configuration=self.configuration)

    # -- loopback HTTP --------------------------------------------------------------------------

    def serve(self, port: int = 0, host: str = "127.0.0.1") -> str:
        """Serve the REST API on ``host:port`` in a daemon thread; returns ``http://host:port/api``.

        ``port=0`` picks a free port. Calling it again returns the running server's URL.
        """
        if self._server is None:
            router = self.transport.router
            server = ThreadingHTTPServer((host, port), _handler_for(router))
            server.daemon_threads = True
            thread = threading.Thread(target=server.serve_forever, name="LocalConductor-http", daemon=True)
            thread.start()
            self._server, self._server_thread = server, thread
        host_name, port_number = self._server.server_address[:2]
        return f"http://{host_name!s}:{int(port_number)}/api"

    def stop_serving(self) -> None:
        """Stop the loopback server (if one runs)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
            self._server_thread = None

    def close(self) -> None:
        self.stop_serving()

    def __enter__(self) -> LocalConductor:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        served = f", serving={self.serve()!r}" if self._server is not None else ""
        return f"LocalConductor(engine={self.engine!r}{served})"


def _handler_for(router: RestRouter) -> type:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            parts = urlsplit(self.path)
            path = parts.path
            if path == "/api" or path.startswith("/api/"):
                path = path[len("/api") :]
            else:
                self._send(
                    RestResponse(404, json.dumps({"status": 404, "message": f"No static resource {path}."}))
                )
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8") if length else None
            query = parse_qs(parts.query, keep_blank_values=True)
            self._send(router.handle(RestRequest(self.command, path, query, body)))

        def _send(self, answer: RestResponse) -> None:
            payload = answer.body.encode("utf-8")
            self.send_response(answer.status)
            if answer.content_type:
                self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if payload:
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: tests and examples print their own output

    return _Handler


__all__ = [
    "InProcessTransport",
    "LocalConductor",
    "memory_engine",
    "reset_memory_engines",
]
