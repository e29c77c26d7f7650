"""HTTP handler (docs/semantics.md §4.15): requests through ``responses`` and a real local
HTTP server; the failure texts are the ones Conductor 3.32.1 produced for the same cases."""

from __future__ import annotations

import json
from typing import Any, Dict

import pytest
import requests
import responses
from test_system_tasks_support import (
    NOW_MS,
    LocalHttpServer,
    RecordingEnv,
    free_port,
    new_task,
    reply,
    run_handler,
)

from conductor_testkit.engine.system_tasks import HttpHandler

BASE = "http://api.test"


def http(input_data: Dict[str, Any], env: RecordingEnv = None, **wt: Any) -> Dict[str, Any]:  # type: ignore[assignment]
    return run_handler(HttpHandler(), input_data, dict(wt), env=env)


@pytest.fixture
def mock() -> Any:
    with responses.RequestsMock() as rsps:
        yield rsps


# ------------------------------------------------------------------------- mapping


def test_prepare_schedules_after_start_delay_with_async_complete_input() -> None:
    env = RecordingEnv()
    task, wt = new_task("HTTP", {"uri": "u", "asyncComplete": "x"}, {"startDelay": 7}, env=env)
    HttpHandler().prepare(task, wt, env)
    assert task["status"] == "SCHEDULED"
    assert task["callbackAfterSeconds"] == 7
    assert task["inputData"]["asyncComplete"] is False
    assert wt["inputParameters"]["asyncComplete"] is False


# ------------------------------------------------------------------------- requests


def test_whole_input_is_the_request_when_http_request_is_absent(mock: Any) -> None:
    mock.add(responses.GET, f"{BASE}/x", json={"ok": True})
    task = http({"uri": f"{BASE}/x", "method": "GET"})
    assert task["status"] == "COMPLETED"
    assert task["outputData"]["response"]["body"] == {"ok": True}


def test_http_request_key_wins_over_the_rest_of_the_input(mock: Any) -> None:
    mock.add(responses.POST, f"{BASE}/in", body="{}", content_type="application/json")
    task = http({"http_request": {"uri": f"{BASE}/in", "method": "POST"}, "uri": f"{BASE}/out"})
    assert task["status"] == "COMPLETED"


def test_url_is_not_a_request_field() -> None:
    task = http({"url": f"{BASE}/x", "method": "GET"})
    assert task["status"] == "FAILED"
    assert task["reasonForIncompletion"] == (
        "Missing HTTP URI.  See documentation for HttpTask for required input parameters"
    )
    assert task["outputData"] == {}


def test_method_is_required() -> None:
    task = http({"uri": f"{BASE}/x"})
    assert task["reasonForIncompletion"] == "No HTTP method specified"


def test_map_body_is_sent_as_compact_json_with_default_headers(mock: Any) -> None:
    mock.add(responses.POST, f"{BASE}/p", body="{}", content_type="application/json")
    http({"uri": f"{BASE}/p", "method": "POST", "body": {"x": 1.0, "y": [1, "é"]}})
    sent = mock.calls[0].request
    assert sent.body == '{"x":1.0,"y":[1,"é"]}'.encode()
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["Accept"] == "application/json"


def test_string_body_goes_out_raw_in_latin1_for_text(mock: Any) -> None:
    mock.add(responses.PUT, f"{BASE}/p", body="")
    http({"uri": f"{BASE}/p", "method": "PUT", "body": "é x", "contentType": "text/plain"})
    assert mock.calls[0].request.body == "é x".encode("latin-1")


def test_accept_list_and_input_headers_are_stringified(mock: Any) -> None:
    mock.add(responses.GET, f"{BASE}/h", body="")
    http(
        {
            "uri": f"{BASE}/h",
            "method": "GET",
            "accept": ["text/plain", "application/json"],
            "headers": {"X-N": 5, "X-F": 1.0, "X-B": True, "X-Null": None},
        }
    )
    headers = mock.calls[0].request.headers
    assert headers["Accept"] == "text/plain, application/json"
    assert (headers["X-N"], headers["X-F"], headers["X-B"]) == ("5", "1.0", "true")
    assert "X-Null" not in headers


def test_map_body_without_a_json_content_type_has_no_converter() -> None:
    task = http({"uri": f"{BASE}/p", "method": "POST", "body": {"a": 1}, "contentType": "text/plain"})
    assert task["status"] == "FAILED"
    assert task["outputData"]["response"] == (
        "java.lang.Exception: No HttpMessageConverter for java.util.LinkedHashMap "
        'and content type "text/plain"'
    )


def test_map_body_with_xml_content_type_is_written_as_jackson_xml(mock: Any) -> None:
    mock.add(responses.POST, f"{BASE}/x", body="")
    http(
        {
            "uri": f"{BASE}/x",
            "method": "POST",
            "body": {"a": 1, "b": [1, 2]},
            "contentType": "application/xml",
        }
    )
    assert mock.calls[0].request.body == b"<LinkedHashMap><a>1</a><b>1</b><b>2</b></LinkedHashMap>"


def test_invalid_content_type_fails_with_spring_message() -> None:
    task = http({"uri": f"{BASE}/p", "method": "GET", "contentType": "foo"})
    assert task["reasonForIncompletion"] == (
        "Failed to invoke HTTP task due to: org.springframework.http.InvalidMediaTypeException: "
        "Invalid mime type \"foo\": does not contain '/'"
    )


def test_lower_case_method_is_invalid() -> None:
    task = http({"uri": f"{BASE}/p", "method": "get"})
    assert task["reasonForIncompletion"] == (
        "Failed to invoke HTTP task due to: java.lang.IllegalArgumentException: Invalid HTTP method: get"
    )
    assert task["outputData"]["response"] == "java.lang.IllegalArgumentException: Invalid HTTP method: get"


def test_uri_is_percent_encoded_like_a_spring_uri_template(mock: Any) -> None:
    mock.add(responses.GET, f"{BASE}/a%20b", body="")
    http({"uri": f"{BASE}/a b?q=x y&r=%41", "method": "GET"})
    assert mock.calls[0].request.url == f"{BASE}/a%20b?q=x%20y&r=%2541"


def test_uri_template_variables_cannot_be_expanded() -> None:
    task = http({"uri": f"{BASE}/{{id}}", "method": "GET"})
    assert task["outputData"]["response"] == (
        "java.lang.IllegalArgumentException: Not enough variable values available to expand 'id'"
    )


def test_uri_without_scheme_fails() -> None:
    task = http({"uri": "127.0.0.1:18777/echo", "method": "GET"})
    assert task["reasonForIncompletion"] == (
        "Failed to invoke HTTP task due to: java.lang.IllegalArgumentException: "
        "Illegal character in scheme name at index 0: 127.0.0.1:"
    )


def test_timeouts_are_passed_in_seconds() -> None:
    class Env(RecordingEnv):
        def http_request(self, method, url, headers, body, connect_timeout_s, read_timeout_s):  # type: ignore[no-untyped-def]
            self.timeouts = (connect_timeout_s, read_timeout_s)
            raise requests.exceptions.ReadTimeout("x")

    env = Env()
    http({"uri": f"{BASE}/t", "method": "GET", "readTimeOut": 1500}, env)
    assert env.timeouts == (3.0, 1.5)


# ------------------------------------------------------------------------- responses


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3", 3.0),
        ("3 4", 3.0),
        ("3a", "3a"),
        ("true", "true"),
        ("null", "null"),
        ('"s"', "s"),
        ("not json", "not json"),
        ("[1, 2]", [1, 2]),
        ('{"a": 1} x', {"a": 1}),
        ("   ", ""),
    ],
)
def test_two_hundred_body_is_parsed_like_jackson(mock: Any, text: str, expected: Any) -> None:
    mock.add(responses.GET, f"{BASE}/b", body=text, content_type="text/plain")
    task = http({"uri": f"{BASE}/b", "method": "GET"})
    assert task["outputData"]["response"]["body"] == expected
    assert type(task["outputData"]["response"]["body"]) is type(expected)


def test_text_without_charset_is_read_as_latin1(mock: Any) -> None:
    mock.add(responses.GET, f"{BASE}/b", body="é".encode(), content_type="text/plain")
    task = http({"uri": f"{BASE}/b", "method": "GET"})
    assert task["outputData"]["response"]["body"] == "Ã©"


def test_empty_204_has_null_body_and_spring_reason(mock: Any) -> None:
    mock.add(responses.GET, f"{BASE}/e", status=204)
    task = http({"uri": f"{BASE}/e", "method": "GET"})
    response = task["outputData"]["response"]
    assert (task["status"], response["body"], response["statusCode"], response["reasonPhrase"]) == (
        "COMPLETED",
        None,
        204,
        "No Content",
    )


def test_not_found_fails_with_the_exception_text_as_response(mock: Any) -> None:
    mock.add(responses.GET, f"{BASE}/status/404", status=404, body="body of 404")
    task = http({"uri": f"{BASE}/status/404", "method": "GET"})
    text = f'java.lang.Exception: 404 Not Found on GET request for "{BASE}/status/404": "body of 404"'
    assert task["status"] == "FAILED"
    assert task["reasonForIncompletion"] == "Failed to invoke HTTP task due to: " + text
    assert task["outputData"] == {"response": text}


def test_server_error_without_body_says_no_body(mock: Any) -> None:
    mock.add(responses.POST, f"{BASE}/s", status=500)
    task = http({"uri": f"{BASE}/s", "method": "POST", "body": {"a": 1}})
    assert task["outputData"]["response"].endswith(
        f'500 Internal Server Error on POST request for "{BASE}/s": [no body]'
    )


def test_error_body_newlines_and_controls_are_escaped(mock: Any) -> None:
    mock.add(responses.GET, f"{BASE}/m", status=400, body="line1\nline2\ttab\r\nx")
    task = http({"uri": f"{BASE}/m", "method": "GET"})
    assert task["outputData"]["response"].endswith(': "line1<EOL>line2?tab<EOL><EOL>x"')


def test_unknown_two_hundred_code_fails_like_spring(mock: Any) -> None:
    mock.add(responses.GET, f"{BASE}/c", status=299, body="x")
    task = http({"uri": f"{BASE}/c", "method": "GET"})
    assert (
        task["outputData"]["response"] == "java.lang.IllegalArgumentException: No matching constant for [299]"
    )


def test_not_modified_fails_with_no_response_and_keeps_the_map(mock: Any) -> None:
    mock.add(responses.GET, f"{BASE}/n", status=304)
    task = http({"uri": f"{BASE}/n", "method": "GET"})
    assert task["reasonForIncompletion"] == "No response from the remote service"
    assert task["outputData"]["response"]["statusCode"] == 304
    assert task["outputData"]["response"]["body"] is None


def test_read_timeout_is_an_io_error(mock: Any) -> None:
    mock.add(responses.GET, f"{BASE}/slow", body=requests.exceptions.ReadTimeout("slow"))
    task = http({"uri": f"{BASE}/slow", "method": "GET"})
    assert (
        task["outputData"]["response"]
        == f'java.lang.Exception: I/O error on GET request for "{BASE}/slow": Read timed out'
    )


def test_unmatched_mock_keeps_the_responses_explanation(mock: Any) -> None:
    task = http({"uri": f"{BASE}/none", "method": "GET"})
    assert task["status"] == "FAILED"
    assert "Connection refused by Responses" in task["reasonForIncompletion"]


def test_async_complete_success_stays_in_progress_with_response(mock: Any) -> None:
    mock.add(responses.GET, f"{BASE}/a", body="1")
    env = RecordingEnv()
    task = http({"uri": f"{BASE}/a", "method": "GET"}, env, asyncComplete=True)
    assert task["status"] == "IN_PROGRESS"
    assert task["outputData"]["response"]["body"] == 1.0
    assert HttpHandler().next_due_ms(task, env) is None


def test_worker_id_is_the_host_name_and_one_poll_is_counted(mock: Any) -> None:
    mock.add(responses.GET, f"{BASE}/w", body="")
    env = RecordingEnv(host_name="vm")
    task = http({"uri": f"{BASE}/w", "method": "GET"}, env)
    assert (task["workerId"], task["pollCount"], task["startTime"], task["endTime"]) == (
        "vm",
        1,
        NOW_MS,
        NOW_MS,
    )


# ------------------------------------------------------------------------- a real socket


def test_response_headers_are_lists_in_received_order() -> None:
    route = reply(
        200, b'{"a": 1}', [("Content-Type", "application/json"), ("X-Multi", "a"), ("X-Multi", "b")]
    )
    with LocalHttpServer({"/echo": route}) as server:
        task = http({"uri": server.url("/echo"), "method": "GET"})
    headers = task["outputData"]["response"]["headers"]
    assert headers["X-Multi"] == ["a", "b"]
    assert headers["Content-Type"] == ["application/json"]
    assert task["outputData"]["response"]["body"] == {"a": 1}


def test_body_reaches_a_real_server_as_json() -> None:
    with LocalHttpServer({"/in": reply(201, b"")}) as server:
        task = http({"uri": server.url("/in"), "method": "POST", "body": [1, {"b": None}]})
        received = server.received[0]
    assert task["outputData"]["response"]["reasonPhrase"] == "Created"
    assert json.loads(received["body"]) == [1, {"b": None}]


def test_connection_refused_names_the_endpoint() -> None:
    port = free_port()
    task = http({"uri": f"http://127.0.0.1:{port}/x", "method": "GET"})
    assert task["outputData"]["response"] == (
        f'java.lang.Exception: I/O error on GET request for "http://127.0.0.1:{port}/x": '
        f"Connect to http://127.0.0.1:{port} failed: Connection refused"
    )


def test_decompressed_body_drops_the_encoding_headers() -> None:
    import gzip

    data = gzip.compress(b'{"z": 1}')
    route = reply(
        200,
        data,
        [
            ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"),
            ("Content-Length", str(len(data))),
        ],
    )
    with LocalHttpServer({"/gz": route}) as server:
        task = http({"uri": server.url("/gz"), "method": "GET"})
    response = task["outputData"]["response"]
    assert response["body"] == {"z": 1}
    assert "Content-Encoding" not in response["headers"]
    assert "Content-Length" not in response["headers"]


def test_accept_of_another_type_keeps_the_default(mock: Any) -> None:
    mock.add(responses.GET, f"{BASE}/a", body="")
    http({"uri": f"{BASE}/a", "method": "GET", "accept": 5})
    assert mock.calls[0].request.headers["Accept"] == "application/json"
