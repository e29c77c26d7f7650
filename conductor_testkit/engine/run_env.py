"""What system task handlers get from the engine for one run (:class:`SystemTaskEnv`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict

from conductor_testkit.engine.javascript import JavaScriptEvaluator
from conductor_testkit.engine.jq_transform import JqEvaluator
from conductor_testkit.engine.run import RunState
from conductor_testkit.errors import ConductorError

if TYPE_CHECKING:  # pragma: no cover
    from conductor_testkit.engine.engine import Engine


class NetworkDisabledError(ConductorError):
    """An HTTP task tried to reach the network while the engine's network access is off."""


class RunEnv:
    """The :class:`SystemTaskEnv` of one workflow run (what system task handlers may use)."""

    def __init__(self, engine: Engine, run: RunState) -> None:
        self.engine = engine
        self.run = run

    def now_ms(self) -> int:
        return self.engine.clock.now_ms()

    @property
    def js(self) -> JavaScriptEvaluator:
        return self.engine.js

    @property
    def jq(self) -> JqEvaluator:
        return self.engine.jq

    @property
    def workflow(self) -> Dict[str, Any]:
        return self.run.wf

    @property
    def host_name(self) -> str:
        return self.engine.host_name

    def http_request(
        self,
        method: str,
        url: str,
        headers: Dict[str, str],
        body: Any,
        connect_timeout_s: float,
        read_timeout_s: float,
    ) -> Any:
        return self.engine.http_session().request(
            method, url, headers=headers, data=body, timeout=(connect_timeout_s, read_timeout_s)
        )

    def record_event(self, sink: str, queue: str, payload: Dict[str, Any], message_id: str = "") -> None:
        self.engine.published_events.append(
            {"sink": sink, "queue": queue, "payload": payload, "workflowId": self.run.workflow_id}
        )
        if queue.startswith("conductor:"):
            self.engine.conductor_queues.publish(queue, message_id, payload)

    def withdraw_event(self, message_id: str) -> None:
        self.engine.conductor_queues.ack(message_id)

    def record_kafka(self, request: Dict[str, Any]) -> None:
        self.engine.kafka_messages.append({"request": request, "workflowId": self.run.workflow_id})


def make_http_session(network: bool) -> Any:
    """A requests.Session; without network access its adapter refuses to open connections.

    The refusal sits in ``get_connection*`` (called only by the real ``send``), so the
    ``responses`` library, which replaces ``HTTPAdapter.send``, still mocks every call.
    """
    import requests
    from requests.adapters import HTTPAdapter

    session = requests.Session()
    if network:
        return session

    class _OfflineAdapter(HTTPAdapter):
        def _refuse(self, request: Any) -> Any:
            url = getattr(request, "url", request)
            raise NetworkDisabledError(
                f"HTTP task tried to reach {url} but the engine's network access is off; "
                "mock it with `responses` or create the Engine with network=True"
            )

        def get_connection_with_tls_context(self, request: Any, *args: Any, **kwargs: Any) -> Any:
            return self._refuse(request)

        def get_connection(self, url: Any, *args: Any, **kwargs: Any) -> Any:
            return self._refuse(url)

    session.mount("http://", _OfflineAdapter())
    session.mount("https://", _OfflineAdapter())
    return session
