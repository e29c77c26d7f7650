"""HTTP: call an HTTP endpoint from the server."""

from __future__ import annotations

from typing import Any, ClassVar, Dict, List, Optional, Union

from typing_extensions import Unpack

from conductor_testkit.errors import DefinitionError
from conductor_testkit.models import TaskType
from conductor_testkit.models.enums import WireEnum
from conductor_testkit.workflow.task.task import TaskInterface, TaskOptions
from conductor_testkit.workflow.task.wire_input import WireInput


class HttpMethod(WireEnum):
    """The HTTP method of an HTTP task."""

    GET = "GET"
    PUT = "PUT"
    POST = "POST"
    DELETE = "DELETE"
    HEAD = "HEAD"
    OPTIONS = "OPTIONS"
    PATCH = "PATCH"


class HttpInput(WireInput):
    """The ``http_request`` input of an HTTP task. Timeouts are in milliseconds (server default
    3000 each)."""

    _WIRE_KEYS: ClassVar[Dict[str, str]] = {
        "uri": "uri",
        "method": "method",
        "accept": "accept",
        "headers": "headers",
        "content_type": "contentType",
        "connection_time_out": "connectionTimeOut",
        "read_timeout": "readTimeOut",
        "body": "body",
    }

    def __init__(
        self,
        method: Union[HttpMethod, str] = HttpMethod.GET,
        uri: Optional[str] = None,
        headers: Optional[Dict[str, Any]] = None,
        accept: Optional[Union[str, List[str]]] = None,
        content_type: Optional[str] = None,
        connection_time_out: Optional[int] = None,
        read_timeout: Optional[int] = None,
        body: Any = None,
    ) -> None:
        self.method = method
        self.uri = uri
        self.headers = headers
        self.accept = accept
        self.content_type = content_type
        self.connection_time_out = connection_time_out
        self.read_timeout = read_timeout
        self.body = body


class HttpTask(TaskInterface, wire_type="HTTP"):
    """An HTTP task: ``HttpTask('call_ref', {'uri': 'https://example.com'})`` (method GET when
    not given).

    The response is at ``task.body()``, ``task.headers()``, ``task.status_code()``.
    """

    def __init__(
        self,
        task_ref_name: str,
        http_input: Union[HttpInput, Dict[str, Any]],
        **options: Unpack[TaskOptions],
    ) -> None:
        super().__init__(task_reference_name=task_ref_name, task_type=TaskType.HTTP, **options)
        if isinstance(http_input, HttpInput):
            request = http_input.to_dict()
        elif isinstance(http_input, dict):
            request = dict(http_input)
            request.setdefault("method", "GET")
        else:
            raise DefinitionError(
                f"HttpTask {task_ref_name!r}: http_input must be an HttpInput or a dict, "
                f"received {type(http_input).__name__} {http_input!r}"
            )
        self.input_parameters["http_request"] = request

    def status_code(self) -> str:
        """``${ref.output.response.statusCode}``."""
        return self.output("response.statusCode")

    def headers(self, json_path: Optional[str] = None) -> str:
        """``${ref.output.response.headers[.json_path]}``."""
        return self.output("response.headers" + (f".{json_path}" if json_path else ""))

    def body(self, json_path: Optional[str] = None) -> str:
        """``${ref.output.response.body[.json_path]}``."""
        return self.output("response.body" + (f".{json_path}" if json_path else ""))
