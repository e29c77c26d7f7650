"""HTTP (docs/semantics.md §4.15): call an HTTP endpoint from the "server".

The request goes through :meth:`SystemTaskEnv.http_request` (``requests``, so tests can mock it
with ``responses``); everything around it copies the server's HttpTask on Spring RestTemplate:
the request is ``inputData.http_request`` or, without it, the whole input; ``uri`` (``url`` is
not a field) and ``method`` are required; the response becomes ``output.response`` =
``{body, headers (name -> list), statusCode, reasonPhrase}``; a 4xx/5xx answer or an I/O error
FAILS the task with the server's exception text, and ``output.response`` is that *string*.

Known differences: a header given twice (an input header repeating ``Content-Type``/``Accept``,
or two spellings of one name) is sent once, first value wins (the server sends both lines);
messages for DNS failures and connect timeouts are approximate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional

from conductor_testkit.engine.javastr import java_string

if TYPE_CHECKING:  # pragma: no cover
    import requests

from conductor_testkit.engine.system_tasks.base import (
    COMPLETED,
    FAILED,
    IN_PROGRESS,
    SCHEDULED,
    SystemTaskEnv,
    SystemTaskHandler,
    TaskDict,
)
from conductor_testkit.engine.system_tasks.http_wire import (
    VALID_METHODS,
    JavaException,
    encode_body,
    endpoint_of,
    extract_body,
    format_error_body,
    illegal_argument,
    media_charset,
    media_type,
    rest_client_error,
    spring_reason_phrase,
    spring_uri,
    string_charset,
)
from conductor_testkit.errors import ConductorError

REQUEST_PARAMETER = "http_request"
MISSING_URI = "Missing HTTP URI.  See documentation for HttpTask for required input parameters"
MISSING_METHOD = "No HTTP method specified"
NO_RESPONSE = "No response from the remote service"
DEFAULT_TIMEOUT_MS = 3000
APPLICATION_JSON = "application/json"


_DECOMPRESSED_ENCODINGS = frozenset({"gzip", "x-gzip", "deflate"})
# Headers HttpClient drops after it decompressed a body (verified with a gzip response).
_DROPPED_WHEN_DECOMPRESSED = frozenset({"content-length", "content-encoding", "content-md5"})


def _header_lists(response: requests.Response) -> Dict[str, List[str]]:
    """Response headers as name -> list of values, in the order received."""
    raw_headers = getattr(getattr(response, "raw", None), "headers", None)
    if raw_headers is not None and hasattr(raw_headers, "getlist"):
        headers = {name: list(raw_headers.getlist(name)) for name in raw_headers.keys()}
    else:
        headers = {name: [value] for name, value in response.headers.items()}
    encodings = [
        v.strip().lower() for k, vs in headers.items() if k.lower() == "content-encoding" for v in vs
    ]
    if encodings and all(e in _DECOMPRESSED_ENCODINGS for e in encodings):
        headers = {k: v for k, v in headers.items() if k.lower() not in _DROPPED_WHEN_DECOMPRESSED}
    return headers


def _content_type(headers: Dict[str, List[str]]) -> Optional[str]:
    for name, values in headers.items():
        if name.lower() == "content-type" and values:
            return values[0]
    return None


def _decode(content: bytes, charset: str) -> str:
    try:
        return content.decode(charset, errors="replace")
    except LookupError:  # an unknown charset name
        return content.decode("utf-8", errors="replace")


def _timeout_seconds(value: Any) -> float:
    if value is None:
        return DEFAULT_TIMEOUT_MS / 1000.0
    return int(float(java_string(value))) / 1000.0


class HttpHandler(SystemTaskHandler):
    """The server's HTTPTaskMapper + HttpTask (asynchronous; all the work is in ``start``)."""

    task_type = "HTTP"
    is_async = True
    uses_input_template = True

    def extra_input_parameters(self, workflow_task: Dict[str, Any]) -> Dict[str, Any]:
        """``asyncComplete`` from the workflow task (it overrides an input of that name)."""
        return {"asyncComplete": bool(workflow_task.get("asyncComplete") or False)}

    def prepare(self, task: TaskDict, workflow_task: Dict[str, Any], env: SystemTaskEnv) -> None:
        """SCHEDULED after ``startDelay``; ``asyncComplete`` in the input (and, as the server
        mutates it, in the workflow task's ``inputParameters``)."""
        extra = self.extra_input_parameters(workflow_task)
        params = workflow_task.get("inputParameters")
        if params is None:
            params = workflow_task["inputParameters"] = {}
        params.update(extra)
        task.setdefault("inputData", {})["asyncComplete"] = extra["asyncComplete"]
        task["status"] = SCHEDULED
        task["callbackAfterSeconds"] = int(workflow_task.get("startDelay") or 0)

    def start(self, task: TaskDict, env: SystemTaskEnv) -> None:
        """Make the call and set status, reason and ``output.response`` like the server."""
        input_data = task.get("inputData") or {}
        request = input_data.get(REQUEST_PARAMETER)
        if request is None:
            request = input_data
        if not isinstance(request, dict):
            # The server cannot convert a non-map request either (it never leaves SCHEDULED
            # there); the engine fails it as a missing URI instead of looping.
            request = {}
        task["workerId"] = env.host_name
        if request.get("uri") is None:
            self._fail(task, MISSING_URI)
            return
        if request.get("method") is None:
            self._fail(task, MISSING_METHOD)
            return
        output = task.setdefault("outputData", {})
        try:
            response = self._call(request, env)
        except JavaException as exc:
            self._fail(task, f"Failed to invoke HTTP task due to: {exc}")
            output["response"] = str(exc)
            return
        status_code = int(response["statusCode"])
        if 200 <= status_code < 300:
            task["status"] = IN_PROGRESS if self.is_async_complete(task) else COMPLETED
        else:
            self._fail(task, NO_RESPONSE)
        output["response"] = response

    def cancel(self, task: TaskDict, env: SystemTaskEnv) -> None:
        """CANCELED, as the server's cancel does."""
        task["status"] = "CANCELED"

    # ------------------------------------------------------------------ the call

    def _call(self, request: Dict[str, Any], env: SystemTaskEnv) -> Dict[str, Any]:
        """One exchange; returns the response map or raises :class:`JavaException`."""
        content_type = media_type(java_string(request.get("contentType") or APPLICATION_JSON))
        accept_value = request.get("accept")
        if isinstance(accept_value, list):
            accepts = [java_string(a) for a in accept_value]
        elif isinstance(accept_value, str):
            accepts = [accept_value]
        else:  # the server's setter ignores null and anything but a string or a list
            accepts = [APPLICATION_JSON]
        accept = ", ".join(media_type(a) for a in accepts)
        headers: Dict[str, str] = {"Content-Type": content_type, "Accept": accept}
        seen = {name.lower() for name in headers}
        for name, value in (request.get("headers") or {}).items():
            if value is not None and str(name).lower() not in seen:
                headers[str(name)] = java_string(value)
                seen.add(str(name).lower())

        uri = spring_uri(java_string(request.get("uri")))
        method = java_string(request.get("method"))
        if method not in VALID_METHODS:
            raise illegal_argument(f"Invalid HTTP method: {method}")
        body = encode_body(request.get("body"), content_type)
        connect_s = _timeout_seconds(request.get("connectionTimeOut"))
        read_s = _timeout_seconds(request.get("readTimeOut"))
        import requests  # only when a workflow makes an HTTP call: local runs import no HTTP stack

        try:
            response = env.http_request(method, uri, headers, body, connect_s, read_s)
        except requests.RequestException as exc:
            raise rest_client_error(
                f'I/O error on {method} request for "{uri}": {self._io_message(exc, uri)}'
            ) from None
        except ConductorError as exc:  # e.g. the engine's network switch is off
            raise rest_client_error(f'I/O error on {method} request for "{uri}": {exc}') from None

        status = int(response.status_code)
        response_headers = _header_lists(response)
        if 400 <= status < 600:
            # Spring decodes an error body with its declared charset, else UTF-8.
            charset = media_charset(_content_type(response_headers)) or "utf-8"
            text = _decode(response.content or b"", charset)
            raise rest_client_error(
                f'{status} {response.reason or ""} on {method} request for "{uri}": {format_error_body(text)}'
            )
        body_value: Any = None
        if 200 <= status < 300 and response.content:
            text = _decode(response.content, string_charset(_content_type(response_headers)))
            body_value = extract_body(text)
        return {
            "body": body_value,
            "headers": response_headers,
            "statusCode": status,
            "reasonPhrase": spring_reason_phrase(status),
        }

    @staticmethod
    def _io_message(exc: requests.RequestException, uri: str) -> str:
        """Apache HttpClient's message for an I/O failure (refused and read-timeout verified)."""
        import requests

        text = str(exc)
        if "by Responses" in text:
            # The `responses` mock library refusing an unregistered call: keep its explanation.
            return text
        if isinstance(exc, requests.exceptions.ReadTimeout):
            return "Read timed out"
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return f"Connect to {endpoint_of(uri)} failed: Connect timed out"
        if "Connection refused" in text or "Errno 111" in text:
            return f"Connect to {endpoint_of(uri)} failed: Connection refused"
        if "Name or service not known" in text or "NameResolutionError" in text:
            host = endpoint_of(uri).split("://", 1)[1].rsplit(":", 1)[0]
            return f"{host}: Name or service not known"
        return text

    @staticmethod
    def _fail(task: TaskDict, reason: str) -> None:
        task["reasonForIncompletion"] = reason
        task["status"] = FAILED
