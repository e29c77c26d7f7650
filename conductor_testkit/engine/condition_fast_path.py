"""Scripts that compare one integer of the input with an integer, answered without QuickJS.

Most DO_WHILE conditions are ``if ($.loop['iteration'] < 10) { true; } else { false; }`` or the
bare comparison ``$.loop.iteration < 10``, evaluated once per iteration. :func:`compile_comparison`
recognises exactly these shapes (the ``if`` wrapping two boolean literals in either order, or
none; an optional ``;``): a read of ``$`` through property names, one of ``< <= > >= == === !=
!==``, and a decimal integer literal (no leading zero: ``010`` is octal in sloppy JavaScript).
:func:`answer` follows the read through the input: when every step is an own key of a JSON
object and the value at the end is an integer JavaScript represents exactly, JavaScript's
comparison of two such numbers is Python's, and so is the script's completion value (a
boolean). In every other case (another shape, a missing key, a list, a boolean, a float, a
string, a number beyond 2**53) it answers :data:`UNANSWERED` and the script goes to QuickJS as
before. tests/engine/test_condition_fast_path.py checks its answers against QuickJS's.
"""

from __future__ import annotations

import functools
import operator
import re
from typing import Any, Callable, Dict, Optional, Tuple

UNANSWERED = object()

_MAX_EXACT = 2**53  # JavaScript numbers hold every integer up to this exactly
_WS = r"[ \t\r\n]*"  # not \s: Python's counts characters JavaScript does not
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_KEY = r"[A-Za-z0-9_ -]*"
_STEP = re.compile(rf"{_WS}(?:\.{_WS}({_NAME})|\[{_WS}(?:'({_KEY})'|\"({_KEY})\"){_WS}\])")
_COMPARISON = re.compile(
    rf"{_WS}\$(?P<path>(?:{_STEP.pattern})+){_WS}(?P<operator>===|!==|==|!=|<=|>=|<|>)"
    rf"{_WS}(?P<literal>0|-?[1-9][0-9]{{0,14}}){_WS};?{_WS}"
)
_IF_ELSE = re.compile(
    rf"{_WS}if{_WS}\((.*)\){_WS}\{{{_WS}(true|false){_WS};?{_WS}\}}{_WS}"
    rf"else{_WS}\{{{_WS}(true|false){_WS};?{_WS}\}}{_WS};?{_WS}",
    re.S,
)
_OPERATORS: Dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "===": operator.eq,
    "!=": operator.ne,
    "!==": operator.ne,
}
# keys whose read may not be the input's own value in the prelude's host objects or in JavaScript
_UNSAFE_KEYS = frozenset({"__proto__", "constructor", "prototype"})

# (the path of keys, the comparison, the literal, the completion values when true and when false)
Comparison = Tuple[Tuple[str, ...], Callable[[int, int], bool], int, bool, bool]


@functools.lru_cache(maxsize=2048)  # a definition repeats its conditions on every iteration
def compile_comparison(script: str) -> Optional[Comparison]:
    """The comparison ``script`` is, in one of the shapes the module docstring lists, or None."""
    if_true, if_false, body = True, False, script
    wrapped = _IF_ELSE.fullmatch(script)
    if wrapped is not None:  # the condition of an if may not end with ';'
        body, if_true, if_false = wrapped.group(1), wrapped.group(2) == "true", wrapped.group(3) == "true"
        if body.rstrip(" \t\r\n").endswith(";"):
            return None
    match = _COMPARISON.fullmatch(body)
    if match is None:
        return None
    path = tuple(
        next(group for group in step.groups() if group is not None)
        for step in _STEP.finditer(match.group("path"))
    )
    if any(key in _UNSAFE_KEYS for key in path):
        return None
    return path, _OPERATORS[match.group("operator")], int(match.group("literal")), if_true, if_false


def answer(script: str, bindings: Any) -> Any:
    """The completion value of ``script`` with ``$`` = ``bindings``, or :data:`UNANSWERED`."""
    compiled = compile_comparison(script)
    if compiled is None:
        return UNANSWERED
    path, compare, literal, if_true, if_false = compiled
    value = bindings
    for key in path:
        if type(value) is not dict or key not in value:
            return UNANSWERED
        value = value[key]
    if type(value) is not int or not -_MAX_EXACT <= value <= _MAX_EXACT:
        return UNANSWERED
    return if_true if compare(value, literal) else if_false
