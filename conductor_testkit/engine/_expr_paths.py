"""JSON paths with the semantics of Jayway json-path 2.4.0 as the server configures it.

The server reads every ``${...}`` path with ``Option.SUPPRESS_EXCEPTIONS``: a *definite* path
(only names and single indexes) that finds nothing reads as ``None``; an *indefinite* path
(wildcard, deep scan, filter, slice, several indexes) reads as the list of what it found, empty
when nothing; a path that does not compile reads as ``None``.

Each path text is compiled once (cached). A path is split into a definite *prefix* of names and
indexes, walked here directly (fast, and without building the whole document), and an optional
indefinite *rest* evaluated with jsonpath-ng on the node the prefix reached (filters with Jayway's
semantics, see ``_jayway_filters``). A trailing Jayway
function (``length()``, ``size()``, ``keys()``, ``min()``, ``max()``, ``avg()``, ``sum()``,
``stddev()``) is applied to the result.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any, Callable, List, Mapping, Optional, Sequence, Tuple, Union

from jsonpath_ng import DatumInContext, This
from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
from jsonpath_ng.ext import parse as _jsonpath_parse

from conductor_testkit.engine._jayway_filters import (
    ReadFailed,
    install_jayway_semantics,
    root_in_filters,
    translate_filters,
)

# A prefix token: a property name, an index, or several property names (Jayway ['a','b']).
Token = Union[str, int, Tuple[str, ...]]

MISSING = object()
"""Marker for "the definite path found nothing" (distinct from a JSON null)."""


class PathSyntaxError(ValueError):
    """The path does not compile (the server then reads the value as null)."""


class CompiledPath:
    """A compiled Jayway path: definite prefix tokens, optional jsonpath-ng rest, optional function."""

    __slots__ = ("function", "needs_root", "prefix", "rest", "text")

    def __init__(
        self,
        text: str,
        prefix: Tuple[Token, ...],
        rest: Optional[Any],
        function: Optional[str],
        needs_root: bool = False,
    ) -> None:
        self.text = text
        self.prefix = prefix
        self.rest = rest
        self.function = function
        # a filter of the rest reads ``$``: evaluate the rest with the whole document as context
        self.needs_root = needs_root

    @property
    def definite(self) -> bool:
        """True when the path can match at most one node (then "nothing" reads as null)."""
        return self.rest is None

    def __repr__(self) -> str:
        return f"CompiledPath({self.text!r})"


_FUNCTION_RE = re.compile(r"\.([A-Za-z]+)\(\s*\)\s*$")
_INDEX_RE = re.compile(r"^\s*(-?\d+)\s*$")
_QUOTED_RE = re.compile(r"""^\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*$""")
_FUNCTIONS = ("length", "size", "keys", "min", "max", "avg", "sum", "stddev")


def _split_quoted_list(content: str) -> Optional[List[str]]:
    """``'a', "b"`` -> ``['a', 'b']``; None when the content is not a list of quoted names."""
    names: List[str] = []
    pos = 0
    while pos < len(content):
        while pos < len(content) and content[pos] in " \t":
            pos += 1
        if pos >= len(content) or content[pos] not in "'\"":
            return None
        quote = content[pos]
        end = pos + 1
        buf = []
        while end < len(content) and content[end] != quote:
            if content[end] == "\\" and end + 1 < len(content):
                end += 1
            buf.append(content[end])
            end += 1
        if end >= len(content):
            return None
        names.append("".join(buf))
        pos = end + 1
        while pos < len(content) and content[pos] in " \t":
            pos += 1
        if pos < len(content):
            if content[pos] != ",":
                return None
            pos += 1
    return names or None


def _matching_bracket(text: str, start: int) -> int:
    """Index of the ``]`` closing the ``[`` at ``start`` (quotes and nesting respected)."""
    depth = 0
    quote = ""
    pos = start
    while pos < len(text):
        ch = text[pos]
        if quote:
            if ch == "\\":
                pos += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "/" and text[:pos].rstrip().endswith("=~"):
            quote = "/"  # a regex literal: its brackets do not count
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return pos
        pos += 1
    raise PathSyntaxError(f"unclosed '[' in path {text!r}")


@lru_cache(maxsize=4096)
def compile_path(path: str) -> CompiledPath:
    """Compile a ``${...}`` path (without the braces) the way the server reads it.

    A path not starting with ``$`` or ``@`` gets ``$.`` in front, before trimming, so a leading
    blank makes it invalid (verified on 3.32.1: ``${ workflow.input.x }`` reads null).
    Raises :class:`PathSyntaxError` when the path does not compile.
    """
    text = path if path.startswith(("$", "@")) else "$." + path
    text = text.strip()
    function: Optional[str] = None
    fn = _FUNCTION_RE.search(text)
    if fn:
        if fn.group(1) not in _FUNCTIONS:
            raise PathSyntaxError(f"unknown function {fn.group(1)}() in path {path!r}")
        function = fn.group(1)
        text = text[: fn.start()]
    body = text[1:]
    if body.endswith("."):
        raise PathSyntaxError(f"path must not end with a '.': {path!r}")
    prefix: List[Token] = []
    pos = 0
    while pos < len(body):
        ch = body[pos]
        if ch == "." and body.startswith("..", pos):
            break  # deep scan: indefinite from here
        if ch == ".":
            end = pos + 1
            while end < len(body) and body[end] not in ".[(":
                if body[end] == " ":
                    raise PathSyntaxError(f"use bracket notation for names with blanks: {path!r}")
                end += 1
            name = body[pos + 1 : end]
            if name == "*":
                break
            if not name or end < len(body) and body[end] == "(":
                raise PathSyntaxError(f"invalid path {path!r}")
            prefix.append(name)
            pos = end
            continue
        if ch == "[":
            close = _matching_bracket(body, pos)
            content = body[pos + 1 : close]
            index = _INDEX_RE.match(content)
            if index:
                prefix.append(int(index.group(1)))
                pos = close + 1
                continue
            names = _split_quoted_list(content)
            if names is None:
                break  # wildcard, slice, filter, several indexes: indefinite from here
            prefix.append(names[0] if len(names) == 1 else tuple(names))
            pos = close + 1
            continue
        raise PathSyntaxError(f"unexpected {ch!r} in path {path!r}")
    rest: Optional[Any] = None
    if pos < len(body):
        literals: List[Any] = []
        try:
            rest = _jsonpath_parse("$" + translate_filters(body[pos:], literals))
        except (JsonPathParserError, JsonPathLexerError, Exception) as exc:
            raise PathSyntaxError(f"invalid path {path!r}: {exc}") from exc
        rest, needs_root = root_in_filters(install_jayway_semantics(rest, literals))
        return CompiledPath(path, tuple(prefix), rest, function, needs_root)
    return CompiledPath(path, tuple(prefix), rest, function)


def step(node: Any, token: Token) -> Any:
    """One definite step; :data:`MISSING` when it finds nothing (Jayway: PathNotFound)."""
    if isinstance(token, str):
        # dict first: isinstance against typing.Mapping costs ~10x more, on every step
        if isinstance(node, (dict, Mapping)):
            return node.get(token, MISSING)
        return MISSING
    if isinstance(token, int):
        if isinstance(node, list):
            index = token + len(node) if token < 0 else token
            if 0 <= index < len(node):
                return node[index]
        return MISSING
    # several names: Jayway returns a map of those present
    if isinstance(node, Mapping):
        return {name: node[name] for name in token if name in node}
    return MISSING


def walk(node: Any, tokens: Sequence[Token]) -> Any:
    """Follow definite tokens from ``node``; :data:`MISSING` when any step finds nothing."""
    for token in tokens:
        node = step(node, token)
        if node is MISSING:
            return MISSING
    return node


def evaluate_rest(compiled: CompiledPath, node: Any, document: Optional[Callable[[], Any]] = None) -> Any:
    """The values the indefinite rest of the path matches under ``node`` (in document order).

    ``document`` gives the whole document, read only when a filter refers to ``$``
    (``compiled.needs_root``). :data:`MISSING` when Jayway would throw while evaluating a filter
    (the whole read is null).
    """
    if node is MISSING or compiled.rest is None:
        return []
    start: Any = node
    if compiled.needs_root and document is not None:
        start = DatumInContext(node, path=This(), context=DatumInContext(document()))
    try:
        return [match.value for match in compiled.rest.find(start)]
    except ReadFailed:
        return MISSING
    except Exception:  # jsonpath-ng raises on odd data (e.g. comparing str with int); Jayway: no match
        return []


def _numbers(value: Any) -> List[float]:
    if not isinstance(value, list):
        raise TypeError("aggregation function applied to a non-list")
    numbers = [float(v) for v in value if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if not numbers:
        raise ValueError("aggregation function applied to a list without numbers")
    return numbers


def _stddev(value: Any) -> float:
    numbers = _numbers(value)
    mean = sum(numbers) / len(numbers)
    return math.sqrt(sum((n - mean) ** 2 for n in numbers) / len(numbers))


def _length(value: Any) -> int:
    if isinstance(value, (list, Mapping)):
        return len(value)
    raise TypeError("length() of a non-container")  # verified on 3.32.1: length() of a string is null


def _keys(value: Any) -> List[str]:
    if isinstance(value, Mapping):
        return list(value.keys())
    raise TypeError("keys() of a non-map")


_FUNCTION_IMPLS: Mapping[str, Callable[[Any], Any]] = {
    "length": _length,
    "size": _length,
    "keys": _keys,
    # Jayway's numeric aggregations answer doubles (verified on 3.32.1: [3, 1, 2].sum() -> 6.0)
    "min": lambda v: min(_numbers(v)),
    "max": lambda v: max(_numbers(v)),
    "sum": lambda v: float(sum(_numbers(v))),
    "avg": lambda v: sum(_numbers(v)) / len(_numbers(v)),
    "stddev": _stddev,
}


def apply_function(name: str, value: Any, indefinite: bool = False) -> Any:
    """Apply a trailing Jayway function; ``MISSING`` when it does not apply (read as null).

    After an indefinite path Jayway applies the function to each match: ``length()`` of a match
    that is no container gives null for that match, any other failure makes the whole read null
    (verified on 3.32.1: ``list[*].a.length()`` -> ``[null, null, null]``, ``list[*].a.sum()`` -> null).
    """
    if value is MISSING:
        return MISSING
    if indefinite:
        results = []
        for item in value:
            result = apply_function(name, item)
            if result is MISSING:
                if name not in ("length", "size"):
                    return MISSING
                result = None
            results.append(result)
        return results
    try:
        return _FUNCTION_IMPLS[name](value)
    except (TypeError, ValueError):
        return MISSING
