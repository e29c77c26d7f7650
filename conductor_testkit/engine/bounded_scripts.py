"""Scripts that finish in bounded time and memory by their text alone, evaluated in-process.

A loop condition such as ``if ($.loop['iteration'] < 10) { true; } else { false; }`` runs on
every iteration of a DO_WHILE; a round trip to a sandbox process costs more than the rest of the
iteration. A script that cannot loop, call, allocate beyond its input or change any state needs
no process to stop it: it runs on the same QuickJS code, with the same prelude, in this process.

The test is conservative and on the text only (string literals blanked first): no function can
be called or defined (no identifier, ``)`` or ``]`` followed by ``(``, except ``if``), no
assignment, increment or decrement, no keyword other than ``if``/``else``/``typeof``/``in``, no
name other than ``$`` and the literals, no regular expression, comment or template (no ``/``,
no backtick), no access to ``constructor``/``prototype``/``__proto__``. What such a script does is
read its input and compute with operators: its time grows with its length and its input, and it
creates no globals, so one context can serve every evaluation. Anything else goes to a sandbox.
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Any, Dict, Optional

MAX_LENGTH = 2000

STRING_LITERAL = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")
_NUMBER = re.compile(r"(?<![\w$])(?:0[xXoObB][0-9a-fA-F_]+|\d[\d_]*(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)")
_ALLOWED_CHARACTERS = re.compile(r"[\w$\s.\[\]()<>=!&|+\-*%?:;,{}]*")
_COMPARISONS = re.compile(r"===|!==|==|!=|<=|>=")
_IF_PAREN = re.compile(r"(?<![\w$.])if\s*\(")  # a condition's parenthesis, not a call
_CALL = re.compile(r"[\w$\])]\s*\(")
_NAME = re.compile(r"(\.\s*)?([A-Za-z_$][\w$]*)")
_BARE_NAMES = frozenset(
    {"$", "if", "else", "true", "false", "null", "undefined", "typeof", "in", "NaN", "Infinity"}
)
_FORBIDDEN_PROPERTIES = frozenset(
    {"constructor", "prototype", "__proto__", "__defineGetter__", "__defineSetter__", "caller", "callee"}
)


@functools.lru_cache(maxsize=2048)  # called for every evaluation; a definition repeats its scripts
def is_bounded(script: str) -> bool:
    """Whether ``script`` can only read its input and compute with operators (module docstring)."""
    if len(script) > MAX_LENGTH:
        return False
    text = _NUMBER.sub("0", STRING_LITERAL.sub("0", script))  # literals as operands, their text gone
    if not _ALLOWED_CHARACTERS.fullmatch(text):
        return False
    operators = _COMPARISONS.sub(" ", text)
    if "=" in operators or "++" in operators or "--" in operators:
        return False
    if _CALL.search(_IF_PAREN.sub(";(", text)):
        return False
    for match in _NAME.finditer(text):
        is_property, name = match.group(1) is not None, match.group(2)
        if is_property:
            if name in _FORBIDDEN_PROPERTIES:
                return False
        elif name not in _BARE_NAMES:
            return False
    return True


_local = threading.local()  # QuickJS contexts belong to the thread that made them


def evaluate_in_process(
    request: Dict[str, Any], input_text: str, prelude: str, memory_limit_bytes: int
) -> bytes:
    """Answers a sandbox request for a bounded script as the sandbox child would, in this process."""
    from conductor_testkit.engine._sandbox_child import JsServer

    servers: Optional[Dict[Any, Any]] = getattr(_local, "servers", None)
    if servers is None:
        servers = _local.servers = {}
    key = (prelude, memory_limit_bytes)
    server = servers.get(key)
    if server is None:
        server = servers[key] = JsServer(
            {"prelude": prelude, "memory_limit": memory_limit_bytes, "bounded_only": True}
        )
    answer: bytes = server.handle({**request, "scope": None}, input_text)
    return answer
