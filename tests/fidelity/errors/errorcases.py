"""The error corpus: invalid requests sent through the REST routes, and the server's answers.

``cases.json`` is a list of cases::

    {
      "name": "start_priority_above_99",
      "description": "what the case shows",
      "setup": [{"method": "POST", "path": "/metadata/workflow", "body": {...}}, ...],   # optional
      "request": {"method": "POST", "path": "/workflow", "query": {"k": "v"}, "body": {...}}
    }

A request (or setup step) gives its body as ``body`` (JSON) or ``bodyText`` (raw text, e.g. JSON
that does not parse; ``<<nest:N>>`` stands for N nested empty arrays). A setup step may ``save``
values of its answer for later paths and bodies: ``{"save": {"wf": ""}}`` keeps the whole answer
text (a workflow id), ``{"save": {"task": "tasks.0.taskId"}}`` a field of its JSON; ``{wf}`` in a
later path, query or body is replaced by it; ``"anyStatus": true`` lets a step fail (a clean-up
before the case). Names registered on the server start with ``err_``.

``golden.json`` maps each case name to the server's answer: ``status``, ``message`` and, for
bean-validation errors, ``validationErrors``, with saved values put back as ``{name}``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

HERE = Path(__file__).resolve().parent
CASES_FILE = HERE / "cases.json"
GOLDEN_FILE = HERE / "golden.json"
NAME_PREFIX = "err_"

# (method, path, query, body text or None) -> (status, body text)
Send = Callable[[str, str, Mapping[str, str], Optional[str]], Tuple[int, str]]

_NEST = re.compile(r"<<nest:(\d+)>>")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def load_cases() -> List[Dict[str, Any]]:
    """Every case of ``cases.json``, in file order."""
    with CASES_FILE.open(encoding="utf-8") as handle:
        cases: List[Dict[str, Any]] = json.load(handle)
    return cases


def case_names() -> List[str]:
    return [case["name"] for case in load_cases()]


def load_goldens() -> Dict[str, Dict[str, Any]]:
    """The recorded answers by case name (``{}`` before the first recording)."""
    if not GOLDEN_FILE.exists():
        return {}
    with GOLDEN_FILE.open(encoding="utf-8") as handle:
        payload: Dict[str, Any] = json.load(handle)
    answers: Dict[str, Dict[str, Any]] = payload["answers"]
    return answers


def write_goldens(server_version: str, answers: Mapping[str, Dict[str, Any]]) -> None:
    payload = {"serverVersion": server_version, "answers": dict(sorted(answers.items()))}
    GOLDEN_FILE.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _fill(text: str, saved: Mapping[str, str]) -> str:
    for key, value in saved.items():
        text = text.replace("{" + key + "}", value)
    return text


def _body_text(step: Mapping[str, Any], saved: Mapping[str, str]) -> Optional[str]:
    if "bodyText" in step:
        raw = _NEST.sub(lambda m: "[" * int(m.group(1)) + "]" * int(m.group(1)), step["bodyText"])
        return _fill(raw, saved)
    if "body" in step:
        return _fill(json.dumps(step["body"]), saved)
    return None


def request_body_text(case: Mapping[str, Any]) -> str:
    """The request body of ``case`` as JSON text (for a case without setup values)."""
    text = _body_text(case["request"], {})
    if text is None:
        raise ValueError(f"{case['name']}: the request has no body")
    return text


def _pick(text: str, path: str) -> str:
    if not path:
        return text
    value: Any = json.loads(text)
    for part in path.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return str(value)


def _send_step(send: Send, step: Mapping[str, Any], saved: Dict[str, str]) -> Tuple[int, str]:
    query = {k: _fill(str(v), saved) for k, v in (step.get("query") or {}).items()}
    return send(step["method"], _fill(step["path"], saved), query, _body_text(step, saved))


def answer_of(status: int, text: str, saved: Mapping[str, str]) -> Dict[str, Any]:
    """The parts of an error answer the corpus compares, saved values put back as ``{name}``."""
    for key, value in saved.items():
        if value:
            text = text.replace(value, "{" + key + "}")
    text = _UUID.sub("<id>", text)  # ids the server and the engine generate differ
    answer: Dict[str, Any] = {"status": status}
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = text
    if isinstance(body, dict) and "message" in body:
        answer["message"] = _field_errors_sorted(str(body["message"]))
        if body.get("validationErrors"):
            answer["validationErrors"] = sorted(
                ({"path": e.get("path"), "message": e.get("message")} for e in body["validationErrors"]),
                key=lambda e: (str(e["path"]), str(e["message"])),
            )
    else:
        answer["body"] = body
    return answer


_FIELD_ERROR = re.compile(r"\[Field error .*?; default message \[[^\]]*\]\] ")


def _field_errors_sorted(message: str) -> str:
    """Spring lists the field errors of one argument in no fixed order: sort them."""
    head, marker, rest = message.partition(" errors: ")
    if not marker:
        return message
    return head + marker + "".join(sorted(_FIELD_ERROR.findall(rest)))


def run_case(case: Mapping[str, Any], send: Send) -> Dict[str, Any]:
    """Run the setup steps (each must succeed) and the request; the request's answer."""
    saved: Dict[str, str] = {}
    for step in case.get("setup") or []:
        status, text = _send_step(send, step, saved)
        if status >= 300 and not step.get("anyStatus"):
            raise RuntimeError(
                f"{case['name']}: setup {step['method']} {step['path']} -> {status}: {text[:500]}"
            )
        for key, path in (step.get("save") or {}).items():
            saved[key] = _pick(text, path)
    status, text = _send_step(send, case["request"], saved)
    return answer_of(status, text, saved)


def server_sender(api_url: str, session: Any, timeout_seconds: float = 60.0) -> Send:
    """A :data:`Send` over HTTP to a real server."""

    def send(method: str, path: str, query: Mapping[str, str], body: Optional[str]) -> Tuple[int, str]:
        headers = {"Content-Type": "application/json"}
        response = session.request(
            method,
            api_url.rstrip("/") + path,
            params=dict(query),
            data=body.encode("utf-8") if body is not None else None,
            headers=headers,
            timeout=timeout_seconds,
        )
        return response.status_code, response.text

    return send


def memory_sender(router: Any) -> Send:
    """A :data:`Send` to an in-memory router (what memory:// answers)."""
    from conductor_testkit.engine.rest import RestRequest

    def send(method: str, path: str, query: Mapping[str, str], body: Optional[str]) -> Tuple[int, str]:
        response = router.handle(RestRequest(method, path, {k: [v] for k, v in query.items()}, body))
        return response.status, response.body

    return send


def difference(
    expected: Mapping[str, Any], actual: Mapping[str, Any], labels: Tuple[str, str] = ("server", "memory://")
) -> List[str]:
    """Lines that say how ``actual`` differs from the ``expected`` answer (empty when they agree)."""
    lines = []
    for key in sorted(set(expected) | set(actual)):
        if expected.get(key) != actual.get(key):
            lines.append(f"{key}: {labels[0]} {expected.get(key)!r}, {labels[1]} {actual.get(key)!r}")
    return lines


def fresh_router() -> Any:
    """A router over a new in-memory engine: what a fresh memory:// client talks to."""
    from conductor_testkit.engine import Engine
    from conductor_testkit.engine.rest import RestRouter

    return RestRouter(Engine())
