"""How the server's HTTP task (Spring RestTemplate on Apache HttpClient 5) shapes requests and
reads responses: URI encoding, media types, body conversion, response body parsing and the
messages of its exceptions. Pure functions; :mod:`http_task` uses them.

Every rule here was checked against Conductor 3.32.1 with a local HTTP endpoint unless marked
"approximate".
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote

from conductor_testkit.engine.javastr import java_double_string, java_string
from conductor_testkit.engine.system_tasks.jackson import jackson_dumps


class JavaException(Exception):
    """An exception as the server's HTTP task sees it: ``str()`` is Java's ``toString``."""

    def __init__(self, java_class: str, message: str) -> None:
        super().__init__(message)
        self.java_class = java_class
        self.message = message

    def __str__(self) -> str:
        return f"{self.java_class}: {self.message}"


def rest_client_error(message: str) -> JavaException:
    """A RestClientException: the HTTP task re-throws it as a plain ``java.lang.Exception``."""
    return JavaException("java.lang.Exception", message)


def illegal_argument(message: str) -> JavaException:
    return JavaException("java.lang.IllegalArgumentException", message)


VALID_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"})

# Spring's HttpStatus reason phrases for the codes that reach HttpTask without an exception.
SPRING_REASON_PHRASES: Dict[int, str] = {
    100: "Continue",
    101: "Switching Protocols",
    102: "Processing",
    103: "Early Hints",
    200: "OK",
    201: "Created",
    202: "Accepted",
    203: "Non-Authoritative Information",
    204: "No Content",
    205: "Reset Content",
    206: "Partial Content",
    207: "Multi-Status",
    208: "Already Reported",
    226: "IM Used",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    305: "Use Proxy",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
}


def spring_reason_phrase(status: int) -> str:
    """``HttpStatus.valueOf(status).getReasonPhrase()``; unknown codes raise like Spring."""
    try:
        return SPRING_REASON_PHRASES[status]
    except KeyError:
        raise illegal_argument(f"No matching constant for [{status}]") from None


# ---------------------------------------------------------------------------- media types


def media_type(text: str) -> str:
    """``MediaType.valueOf(text).toString()``: validated and normalised (``a/b;charset=x``)."""
    parts = [p.strip() for p in text.split(";")]
    full = parts[0]
    if full == "*":
        full = "*/*"
    slash = full.find("/")
    if slash == -1:
        raise JavaException(
            "org.springframework.http.InvalidMediaTypeException",
            f"Invalid mime type \"{text}\": does not contain '/'",
        )
    if slash == len(full) - 1:
        raise JavaException(
            "org.springframework.http.InvalidMediaTypeException",
            f"Invalid mime type \"{text}\": does not contain subtype after '/'",
        )
    rendered = full.lower()
    for param in parts[1:]:
        if param:
            rendered += ";" + param
    return rendered


def _essence(mime: str) -> Tuple[str, str]:
    main = mime.split(";", 1)[0]
    kind, _, subtype = main.partition("/")
    return kind, subtype


def media_charset(mime: Optional[str]) -> Optional[str]:
    """The ``charset`` parameter of a media type, if any."""
    if not mime:
        return None
    for param in mime.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "charset" and value:
            return value.strip().strip('"')
    return None


def is_json_type(mime: str) -> bool:
    """``application/json`` or a ``+json`` subtype (what Jackson's converter writes)."""
    kind, subtype = _essence(mime)
    return (
        (kind == "application" and subtype == "json")
        or subtype.endswith("+json")
        or (kind == "*" and subtype == "*")
    )


def is_xml_type(mime: str) -> bool:
    """``application/xml``, ``text/xml`` or a ``+xml`` subtype (Jackson XML's converter)."""
    kind, subtype = _essence(mime)
    return (kind in ("application", "text") and subtype == "xml") or subtype.endswith("+xml")


def string_charset(mime: Optional[str]) -> str:
    """The charset Spring's StringHttpMessageConverter uses: the declared one, UTF-8 for JSON,
    else ISO-8859-1."""
    declared = media_charset(mime)
    if declared:
        return declared
    if mime and is_json_type(mime) and _essence(mime) != ("*", "*"):
        return "utf-8"
    return "iso-8859-1"


# ---------------------------------------------------------------------------- URI

_URI_RE = re.compile(
    r"^(?:(?P<scheme>[^:/?#]+):)?"
    r"(?://(?P<authority>[^/?#]*))?"
    r"(?P<path>[^?#]*)"
    r"(?:\?(?P<query>[^#]*))?"
    r"(?:#(?P<fragment>.*))?$",
    re.DOTALL,
)
_TEMPLATE_VAR_RE = re.compile(r"\{([^/{}]*)\}")
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")
# RFC 3986 characters Spring leaves alone per component (HierarchicalUriComponents.Type).
_PCHAR = "-._~!$&'()*+,;=:@"
_PATH_SAFE = _PCHAR + "/"
_QUERY_PARAM_SAFE = "-._~!$'()*+,;:@/?"
_FRAGMENT_SAFE = _PCHAR + "/?"


def _encode_query(query: str) -> str:
    pieces = []
    for item in query.split("&"):
        if not item:
            continue
        name, eq, value = item.partition("=")
        encoded = quote(name, safe=_QUERY_PARAM_SAFE)
        if eq:
            encoded += "=" + quote(value, safe=_QUERY_PARAM_SAFE)
        pieces.append(encoded)
    return "&".join(pieces)


def spring_uri(uri: str) -> str:
    """The URI RestTemplate really requests for a URI *template* string.

    Template variables (``{x}``) have no values (IllegalArgumentException, as on the server);
    each component is percent-encoded, ``%`` included (so ``%20`` is sent as ``%2520``).
    A scheme that is not a valid URI scheme fails like ``java.net.URI`` (approximate wording
    beyond the observed "Illegal character in scheme name" case).
    """
    variable = _TEMPLATE_VAR_RE.search(uri)
    if variable:
        raise illegal_argument(f"Not enough variable values available to expand '{variable.group(1)}'")
    match = _URI_RE.match(uri)
    assert match is not None  # every string matches the all-optional pattern
    scheme = match.group("scheme")
    if scheme is not None and not _SCHEME_RE.match(scheme):
        bad = next(
            i for i, c in enumerate(scheme) if not (c.isalpha() if i == 0 else (c.isalnum() or c in "+.-"))
        )
        raise illegal_argument(f"Illegal character in scheme name at index {bad}: {scheme}:")
    text = ""
    if scheme is not None:
        text += scheme + ":"
    authority = match.group("authority")
    if authority is not None:
        text += "//" + authority
    text += quote(match.group("path"), safe=_PATH_SAFE)
    query = match.group("query")
    if query is not None:
        encoded = _encode_query(query)
        if encoded:
            text += "?" + encoded
    fragment = match.group("fragment")
    if fragment is not None:
        text += "#" + quote(fragment, safe=_FRAGMENT_SAFE)
    if scheme is None or authority is None:
        # Apache HttpClient cannot route a relative or opaque URI (approximate wording).
        raise illegal_argument("URI is not absolute")
    if scheme.lower() not in ("http", "https"):
        raise rest_client_error(f'I/O error on request for "{text}": {scheme} protocol is not supported')
    return text


def endpoint_of(uri: str) -> str:
    """``scheme://host:port`` of a URI, the default port filled in (HttpClient's messages)."""
    match = _URI_RE.match(uri)
    assert match is not None
    scheme = (match.group("scheme") or "http").lower()
    authority = (match.group("authority") or "").rsplit("@", 1)[-1]
    if re.search(r":\d+$", authority):
        return f"{scheme}://{authority}"
    return f"{scheme}://{authority}:{443 if scheme == 'https' else 80}"


# ---------------------------------------------------------------------------- request body


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;")


def _xml_scalar(value: Any) -> str:
    if isinstance(value, float):
        return java_double_string(value)
    return _xml_escape(java_string(value))


def _xml_element(name: str, value: Any, out: List[str]) -> None:
    if value is None:
        out.append(f"<{name}/>")
    elif isinstance(value, dict):
        out.append(f"<{name}>")
        for key, item in value.items():
            _xml_field(str(key), item, out)
        out.append(f"</{name}>")
    elif isinstance(value, list):
        out.append(f"<{name}>")
        for item in value:
            _xml_element("item", item, out)
        out.append(f"</{name}>")
    else:
        out.append(f"<{name}>{_xml_scalar(value)}</{name}>")


def _xml_field(name: str, value: Any, out: List[str]) -> None:
    # Jackson XML writes a list property as repeated elements (unwrapped).
    if isinstance(value, list):
        for item in value:
            _xml_element(name, item, out)
    else:
        _xml_element(name, value, out)


def _xml_root_name(value: Any) -> str:
    if isinstance(value, dict):
        return "LinkedHashMap"
    if isinstance(value, list):
        return "ArrayList"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer" if -(2**31) <= value < 2**31 else "Long"
    if isinstance(value, float):
        return "Double"
    return "String"


def jackson_xml(value: Any) -> str:
    """Jackson XML's rendering of a map/list body (root element named after the Java class)."""
    out: List[str] = []
    _xml_element(_xml_root_name(value), value, out)
    return "".join(out)


def encode_body(body: Any, content_type: str) -> Optional[bytes]:
    """The bytes RestTemplate sends for ``body`` with ``content_type`` (validated media type).

    Strings go out as they are (StringHttpMessageConverter, its charset rules); other values as
    JSON for JSON media types, as XML for XML ones; anything else has no converter.
    """
    if body is None:
        return None
    if isinstance(body, str):
        return body.encode(string_charset(content_type), errors="replace")
    if is_json_type(content_type):
        return jackson_dumps(body).encode("utf-8")
    if is_xml_type(content_type):
        return jackson_xml(body).encode("utf-8")
    if isinstance(body, dict):
        java_class = "java.util.LinkedHashMap"
    elif isinstance(body, list):
        java_class = "java.util.ArrayList"
    else:
        java_class = "java.lang." + _xml_root_name(body)
    raise rest_client_error(f'No HttpMessageConverter for {java_class} and content type "{content_type}"')


# ---------------------------------------------------------------------------- response body

_ID_PART = re.compile(r"[A-Za-z0-9_$]")


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def extract_body(text: str) -> Any:
    """HttpTask's ``extractBody``: Jackson ``readTree`` of the first JSON value.

    Object -> dict, array -> list, number -> float, other scalars -> their text (``"true"``,
    ``"null"``, a string's content); blank -> ``""``; not JSON -> the raw text.
    """
    stripped = text.lstrip(" \t\r\n")
    if not stripped:
        return ""
    try:
        value, end = json.JSONDecoder(parse_constant=_reject_constant).raw_decode(stripped)
    except ValueError:
        return text
    rest = stripped[end:]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # Jackson wants whitespace (or the end) after a root-level number.
        if rest and rest[0] not in " \t\r\n":
            return text
        return float(value)
    if isinstance(value, dict) or isinstance(value, list):
        return value
    if isinstance(value, str):
        return value
    # true / false / null: a following identifier character makes an unknown token.
    if rest and _ID_PART.match(rest[0]):
        return text
    return java_string(value)


def format_error_body(text: str) -> str:
    """Spring's rendering of an error body in an exception message: quoted, newlines as
    ``<EOL>``, other control characters as ``?``; ``[no body]`` when empty."""
    if not text:
        return "[no body]"
    text = re.sub(r"[\r\n]", "<EOL>", text)
    text = re.sub(r"[\x00-\x1f\x7f-\x9f]", "?", text)
    return f'"{text}"'
