"""Jayway json-path 2.4.0 filter semantics (``[?(...)]``) on top of jsonpath-ng.

jsonpath-ng parses and evaluates the filters; this module closes the gaps, each verified on the
3.32.1 server:

* relational operators with Jayway's comparison rules (:func:`jayway_compare`: a missing value
  is null, ``1 == "1"``, a regex matches the whole text of strings, numbers and booleans, ``$``
  is the whole document): :class:`JaywayComparison` replaces jsonpath-ng's;
* operators jsonpath-ng lacks: ``in``/``nin`` (rewritten into ``==``/``!=`` chains); ``=~ /re/``,
  ``==``/``!=`` with a list, ``size``, ``empty``, ``contains``, ``anyof``, ``noneof``,
  ``subsetof`` and ``!(predicate)`` (rewritten into placeholder comparisons before parsing, then
  replaced by :class:`JaywayComparison` / :class:`JaywayOperator` / :class:`JaywayNot` nodes);
* what a filter applies to (:class:`JaywayFilter`): a list's items, but a map *itself* (not its
  values); in a deep scan (``..[?(...)]``) every map node; on a scalar it matches nothing, and
  when the path before the filter was definite Jayway throws, so the whole read is null.

:class:`ReadFailed` is raised where Jayway throws during evaluation; the caller turns it into
"the whole path reads null" (the server reads with ``SUPPRESS_EXCEPTIONS``).
"""

from __future__ import annotations

import operator
import re
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

from jsonpath_ng import Child, DatumInContext, Descendants, Index, JSONPath, Root, This
from jsonpath_ng.ext import parse as _parse
from jsonpath_ng.ext.filter import Expression, Filter

from conductor_testkit.engine.javastr import java_double_string

_IN_RE = re.compile(r"(@(?:\.[\w-]+|\[[^\]]*\])*)\s+(nin|in)\s+\[([^\]]*)\]")
_REGEX_RE = re.compile(r"(@(?:\.[\w-]+|\[[^\]]*\])*)\s*=~\s*/((?:[^/\\]|\\.)*)/([a-zA-Z]*)")
# Jayway's regex flags (PatternFlag) that Python's re has
_REGEX_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}
_OPERATORS = ("size", "empty", "contains", "anyof", "noneof", "subsetof")
_SCALAR = r"""-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|'[^']*'|"[^"]*"|true|false|null"""
# an operator of _OPERATORS with a literal right operand (scalar or list of scalars)
_OPERATOR_RE = re.compile(
    r"(@(?:\.[\w-]+|\[[^\]]*\])*)\s+(" + "|".join(_OPERATORS) + r")\s+(" + _SCALAR + r"|\[[^\]]*\])"
)
# `==` / `!=` with a list literal (jsonpath-ng parses no list operand)
_LIST_EQUALITY_RE = re.compile(r"(@(?:\.[\w-]+|\[[^\]]*\])*)\s*(==|!=)\s*(\[[^\]]*\])")
_MARKER_RE = re.compile(r"^__jayway_(" + "|".join(_OPERATORS) + r"|not|eq|ne|re)_(\d+)__$")
_NOT_RE = re.compile(r"!\s*\(")
_LIST_ITEM_RE = re.compile(r"\s*(" + _SCALAR + r")\s*(?:,|$)")


class ReadFailed(Exception):
    """Jayway threw while evaluating a filter: the server then reads the whole path as null."""


class _NotALiteral(ValueError):
    """A list operand that is not a list of literals (left to jsonpath-ng, which rejects it)."""


def _literal(text: str) -> Any:
    """The value of a filter literal (number, quoted string, true, false, null)."""
    if text in ("true", "false"):
        return text == "true"
    if text == "null":
        return None
    if text[0] in "'\"":
        return text[1:-1]
    number = float(text)
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


def _operand(text: str) -> Any:
    """A scalar literal, or a ``[...]`` list of scalar literals as a tuple."""
    if not text.startswith("["):
        return _literal(text)
    body = text[1:-1].strip()
    items: List[Any] = []
    pos = 0
    while pos < len(body):
        match = _LIST_ITEM_RE.match(body, pos)
        if match is None:
            raise _NotALiteral(text)
        items.append(_literal(match.group(1)))
        pos = match.end()
    return tuple(items)


def _java_length(text: str) -> int:
    """``String.length()`` in Java counts UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


_COMPARISON_OPS = frozenset({"==", "=", "!=", "<", "<=", ">", ">=", "=~"})
_NUMBER_TEXT_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_ORDERINGS: Dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number_text(value: Any) -> str:
    """Jayway's text of a JSON number: ``BigDecimal(Double.toString(x)).toString()`` for a double."""
    if isinstance(value, int):
        return str(value)
    return str(Decimal(java_double_string(value)))


def _json_equal(left: Any, right: Any) -> bool:
    """Java ``equals`` of parsed JSON (json-smart): ``1`` and ``1.0`` differ inside containers."""
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_json_equal(v, right[k]) for k, v in left.items())
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_json_equal(a, b) for a, b in zip(left, right))
    return type(left) is type(right) and bool(left == right)


def jayway_equal(left: Any, right: Any) -> bool:
    """Jayway's ``==`` (value nodes' ``equals``; a missing value is null).

    Verified on 3.32.1: a number equals a number of the same value (``1 == 1.0``) and a string
    that parses to it (``1 == "1.0"``); a string equals a number whose text it is (``"1" == 1``,
    ``"1.0" != 1``); null equals only null; lists and maps compare as JSON.
    """
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if _is_number(left):
        if _is_number(right):
            return bool(left == right)
        if isinstance(right, str) and _NUMBER_TEXT_RE.fullmatch(right.strip()):
            try:
                return Decimal(right.strip()) == Decimal(_number_text(left))
            except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
                return False
        return False
    if isinstance(left, str):
        if _is_number(right):
            return left == _number_text(right)
        return isinstance(right, str) and left == right
    return _json_equal(left, right)


def _regex_input(value: Any) -> str:
    """The text Jayway matches a regex against: strings, numbers, booleans; else empty."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        return _number_text(value)
    return ""


def _values(path: Any, datum: Any) -> Any:
    """What a filter operand path reads: its value, the list of values, or None when missing."""
    found = path.find(datum)
    if not found:
        return None
    return found[0].value if len(found) == 1 else [match.value for match in found]


def jayway_compare(op: str, left: Any, right: Any) -> bool:
    """Jayway's relational operators ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``=~``."""
    if op in ("==", "="):
        return jayway_equal(left, right)
    if op == "!=":
        return not jayway_equal(left, right)
    if op == "=~":
        if not isinstance(right, re.Pattern):
            return False
        # verified on 3.32.1: a list matches when one of its items does; null and maps match as ""
        inputs = [_regex_input(item) for item in left] if isinstance(left, list) else [_regex_input(left)]
        return any(right.fullmatch(text) is not None for text in inputs)  # Matcher.matches()
    ordering = _ORDERINGS[op]
    if _is_number(left) and _is_number(right):
        return ordering(left, right)
    if isinstance(left, str) and isinstance(right, str):
        return ordering(left, right)
    return False


class JaywayComparison(Expression):  # type: ignore[misc]
    """A relational filter expression with Jayway's semantics (see :func:`jayway_compare`)."""

    def find(self, datum: Any) -> List[Any]:
        wrapped = DatumInContext.wrap(datum)
        left = _values(self.target, wrapped)
        right = _values(self.value, wrapped) if isinstance(self.value, JSONPath) else self.value
        return [wrapped] if jayway_compare(str(self.op), left, right) else []


def _same(left: Any, right: Any) -> bool:
    """Jayway's value-node equality for JSON scalars: numbers by value, booleans apart from numbers."""
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return float(left) == float(right)
    return type(left) is type(right) and bool(left == right)


def _member(value: Any, values: Sequence[Any]) -> bool:
    return any(_same(value, other) for other in values)


class JaywayOperator(Expression):  # type: ignore[misc]
    """A Jayway filter operator jsonpath-ng lacks, with a literal right operand.

    Verified on 3.32.1 (any left value not named here, or a missing one, never matches):

    * ``size N``: a string of N characters or a list of N items (N truncated to an int; a
      non-number N never matches); a map only when N is -1 (Jayway's length of a non-array);
    * ``empty true|false``: the emptiness of a string or a list (a non-boolean operand never
      matches); on a map Jayway throws (it casts the map to a collection): the read is null;
    * ``contains X``: a string containing the string X, or a list with an item equal to X;
    * ``anyof [..]`` / ``noneof [..]`` / ``subsetof [..]``: a list sharing an item with the
      literal list / sharing none / all of whose items are in it (a scalar operand never matches).
    """

    def find(self, datum: Any) -> List[Any]:
        wrapped = DatumInContext.wrap(datum)
        found = self.target.find(wrapped)
        if not found:
            return []
        left = found[0].value if len(found) == 1 else [match.value for match in found]
        return [wrapped] if self._matches(left, self.value) else []

    def _matches(self, left: Any, right: Any) -> bool:
        op = self.op
        if op == "size":
            if not isinstance(right, (int, float)) or isinstance(right, bool):
                return False
            expected = int(right)  # Java Number.intValue(): truncates toward zero
            if isinstance(left, str):
                return _java_length(left) == expected
            if isinstance(left, list):
                return len(left) == expected
            return isinstance(left, Mapping) and expected == -1
        if op == "empty":
            if isinstance(left, Mapping):
                raise ReadFailed("Jayway: 'empty' applied to a map")
            if not isinstance(left, (str, list)) or not isinstance(right, bool):
                return False
            return (len(left) == 0) == right
        if op == "contains":
            if isinstance(left, str):
                return isinstance(right, str) and right in left
            return isinstance(left, list) and not isinstance(right, tuple) and _member(right, left)
        if not isinstance(left, list) or not isinstance(right, tuple):
            return False
        if op == "anyof":
            return any(_member(item, right) for item in left)
        if op == "noneof":
            return not any(_member(item, right) for item in left)
        return all(_member(item, right) for item in left)  # subsetof

    def __str__(self) -> str:
        return f"{self.target} {self.op} {self.value!r}"


class JaywayNot(JSONPath):  # type: ignore[misc]
    """``!(...)``: matches when the parenthesised predicate does not (jsonpath-ng lacks it)."""

    def __init__(self, predicate: JaywayFilter) -> None:
        self.predicate = predicate

    def find(self, datum: Any) -> List[Any]:
        wrapped = DatumInContext.wrap(datum)
        return [] if self.predicate.accepts(wrapped) else [wrapped]

    def __str__(self) -> str:
        return f"!({self.predicate})"


class JaywayFilter(Filter):  # type: ignore[misc]
    """``[?(...)]`` applied the way Jayway's PredicatePathToken applies it (see the module doc).

    ``scan``: the filter follows a deep scan (every node is visited by the scan, so a list's
    items are not tested again here). ``definite_upstream``: the path before the filter is
    definite (a scalar there makes Jayway throw).
    """

    def __init__(
        self, expressions: Sequence[Any], *, scan: bool = False, definite_upstream: bool = False
    ) -> None:
        super().__init__(expressions)
        self.scan = scan
        self.definite_upstream = definite_upstream

    def accepts(self, candidate: Any) -> bool:
        """True when every expression of the filter holds for ``candidate``."""
        return all(expression.find(candidate) for expression in self.expressions)

    def find(self, datum: Any) -> List[Any]:
        datum = DatumInContext.wrap(datum)
        value = datum.value
        if isinstance(value, dict):
            return [datum] if self.accepts(datum) else []
        if isinstance(value, list):
            if self.scan:
                return []
            candidates = (DatumInContext(item, path=Index(i), context=datum) for i, item in enumerate(value))
            return [candidate for candidate in candidates if self.accepts(candidate)]
        if self.definite_upstream:
            raise ReadFailed("Jayway: a filter applied to a scalar")
        return []


def _closing_paren(text: str, start: int) -> int:
    """Index of the ``)`` closing the ``(`` at ``start`` (quotes respected); -1 when unclosed."""
    depth = 0
    quote = ""
    for pos in range(start, len(text)):
        ch = text[pos]
        if quote:
            if ch == quote and text[pos - 1] != "\\":
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return pos
    return -1


def _translate_negations(rest: str, literals: List[Any]) -> str:
    """``!(predicate)`` -> ``@ == "__jayway_not_N__"``, the predicate parsed on its own."""
    out: List[str] = []
    pos = 0
    while True:
        match = _NOT_RE.search(rest, pos)
        if match is None:
            out.append(rest[pos:])
            return "".join(out)
        close = _closing_paren(rest, match.end() - 1)
        if close < 0:
            out.append(rest[pos:])
            return "".join(out)
        inner = rest[match.end() : close]
        parsed = _parse("$[?(" + translate_filters("[?(" + inner + ")]", literals)[3:-2] + ")]")
        predicate = install_jayway_semantics(parsed, literals).right
        literals.append(predicate)
        out.append(rest[pos : match.start()])
        out.append(f'@ == "__jayway_not_{len(literals) - 1}__"')
        pos = close + 1


def translate_filters(rest: str, literals: List[Any]) -> str:
    """Rewrite Jayway filter operators jsonpath-ng lacks into ones it parses.

    ``@.a in [1, 2]`` -> ``(@.a == 1 || @.a == 2)``, ``nin`` likewise with ``!=``/``&&``;
    ``@.a =~ /re/i``, ``@.a == [1, 2]``, ``!(predicate)`` and ``@.a size 2`` (and the other
    :class:`JaywayOperator` operators) -> ``@.a == "__jayway_size_0__"``, the operand (compiled
    pattern, list, parsed predicate, literal) appended to ``literals``, for
    :func:`install_jayway_semantics` to replace after parsing.
    """
    if "[?" not in rest:
        return rest

    def expand(match: re.Match[str]) -> str:
        operand, operator, items = match.group(1), match.group(2), match.group(3)
        values = [item.strip() for item in items.split(",") if item.strip()]
        if not values:
            return "(1 == 2)" if operator == "in" else "(1 == 1)"
        compare, join = ("==", " || ") if operator == "in" else ("!=", " && ")
        return "(" + join.join(f"{operand} {compare} {value}" for value in values) + ")"

    def regex(match: re.Match[str]) -> str:
        flags = 0
        for flag in match.group(3):
            flags |= _REGEX_FLAGS.get(flag, 0)
        literals.append(re.compile(match.group(2).replace("\\/", "/"), flags))
        return f'{match.group(1)} == "__jayway_re_{len(literals) - 1}__"'

    def named_operator(match: re.Match[str]) -> str:
        try:
            literals.append(_operand(match.group(3)))
        except _NotALiteral:
            return match.group(0)
        return f'{match.group(1)} == "__jayway_{match.group(2)}_{len(literals) - 1}__"'

    def list_equality(match: re.Match[str]) -> str:
        try:
            literals.append(list(_operand(match.group(3))))
        except _NotALiteral:
            return match.group(0)
        kind = "eq" if match.group(2) == "==" else "ne"
        return f'{match.group(1)} == "__jayway_{kind}_{len(literals) - 1}__"'

    rest = _REGEX_RE.sub(regex, rest)  # first: a pattern may hold brackets and parentheses
    rest = _translate_negations(rest, literals)
    rest = _OPERATOR_RE.sub(named_operator, _IN_RE.sub(expand, rest))
    return _LIST_EQUALITY_RE.sub(list_equality, rest)


def install_jayway_semantics(node: Any, literals: Sequence[Any]) -> Any:
    """Replace, in a parsed jsonpath-ng tree, filters by :class:`JaywayFilter` and the
    placeholder comparisons :func:`translate_filters` wrote by :class:`JaywayOperator`."""
    if isinstance(node, Expression) and node.op == "==" and isinstance(node.value, str):
        marker = _MARKER_RE.match(node.value)
        if marker and marker.group(1) == "not":
            return JaywayNot(literals[int(marker.group(2))])
        if marker and marker.group(1) in ("eq", "ne", "re"):
            target = install_jayway_semantics(node.target, literals)
            op: Any = {"eq": "==", "ne": "!=", "re": "=~"}[marker.group(1)]
            return JaywayComparison(target, op, literals[int(marker.group(2))])
        if marker:
            target = install_jayway_semantics(node.target, literals)
            named: Any = marker.group(1)  # the operator's name, not one of Expression's symbols
            return JaywayOperator(target, named, literals[int(marker.group(2))])
    if type(node) is Expression and node.op in _COMPARISON_OPS:
        target = install_jayway_semantics(node.target, literals)
        value = node.value
        if isinstance(value, JSONPath):
            value = install_jayway_semantics(value, literals)
        return JaywayComparison(target, node.op, value)
    if isinstance(node, list):
        return [install_jayway_semantics(item, literals) for item in node]
    if isinstance(node, Filter) and not isinstance(node, JaywayFilter):
        return JaywayFilter(install_jayway_semantics(node.expressions, literals))
    if isinstance(node, JSONPath):
        for name, value in list(vars(node).items()):
            if isinstance(value, (JSONPath, list)):
                setattr(node, name, install_jayway_semantics(value, literals))
        right: Optional[Any] = getattr(node, "right", None)
        if isinstance(right, JaywayFilter):
            if isinstance(node, Descendants):
                right.scan = True
            elif isinstance(node, Child) and isinstance(node.left, Root):
                right.definite_upstream = True
    return node


def _contains_root(node: Any) -> bool:
    if isinstance(node, Root):
        return True
    if isinstance(node, list):
        return any(_contains_root(item) for item in node)
    if isinstance(node, JSONPath):
        return any(_contains_root(v) for v in vars(node).values() if isinstance(v, (JSONPath, list)))
    return False


def _filters(node: Any) -> List[JaywayFilter]:
    found: List[JaywayFilter] = []
    if isinstance(node, JaywayFilter):
        found.append(node)
    if isinstance(node, list):
        for item in node:
            found.extend(_filters(item))
    elif isinstance(node, JSONPath):
        for value in vars(node).values():
            if isinstance(value, (JSONPath, list)):
                found.extend(_filters(value))
    return found


def root_in_filters(rest: Any) -> Any:
    """Prepare ``rest`` for filters that read ``$`` (Jayway: the whole document, not the node).

    Returns ``(rest, True)`` with the leading ``$`` of ``rest`` turned into ``@``, so the rest can
    be evaluated on the node wrapped in the document's context (see ``evaluate_rest``), or
    ``(rest, False)`` unchanged when no filter reads ``$``.
    """
    if not any(_contains_root(f.expressions) for f in _filters(rest)):
        return rest, False
    if isinstance(rest, Root):
        return This(), True
    node = rest
    while isinstance(getattr(node, "left", None), JSONPath):
        if isinstance(node.left, Root):
            node.left = This()
            break
        node = node.left
    return rest, True
