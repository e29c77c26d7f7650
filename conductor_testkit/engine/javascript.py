"""JavaScript for SWITCH, INLINE, DECISION, DO_WHILE and LAMBDA (docs/semantics.md §4.1, §4.16, §4.21).

The server runs scripts on GraalJS with the task input bound to ``$``; the engine runs them on
QuickJS (a real ECMAScript engine, no I/O) in sandbox processes, with ``$`` bound to a copy of
the input. The script's completion value is converted the way the server converts it (``3.0``
-> ``3``, integral numbers beyond 32 bits -> int, ``undefined`` -> ``None``, ``NaN``/``Infinity``
-> the strings the server's JSON shows, functions, dates and promises -> ``{}``), and errors
carry the server's wording: ``Error evaluating the script `<name>: <message>` at line <n>``.

Limits (:class:`JavaScriptEvaluator`): wall time per evaluation, whatever the script does
(the server's is 4 s too: "Script not evaluated within 4 seconds, interrupted.", FAILED);
promise jobs run before the evaluation returns, as on GraalJS, and never after it; each
workflow run starts from a clean global state.

On the server ``$`` is a Java map (a GraalJS host object). Where that shows and can be
reproduced exactly, the engine does (``JSON.stringify($)`` is ``{}``, ``'key' in $`` is false,
``$.list.sort()`` without a comparator fails with the host's arity error; see
:mod:`conductor_testkit.engine._js_prelude`); where it cannot (``Object.keys($)`` lists Java
method names there, ``String($.list)`` is Java's ``[1, 2]``), the engine answers with the data
and warns with :class:`~conductor_testkit.engine.script_warnings.ServerDivergenceWarning`,
naming the workflow and the task.

Known differences from the server (GraalJS), deliberate or unavoidable:

* Syntax error texts come from QuickJS (``SyntaxError: unexpected token ...``), not GraalJS's
  ``SyntaxError: inline:1:8 Expected ...`` with a source excerpt; the ``at line <n>`` part
  matches and the reason carries a note (:data:`SYNTAX_NOTE`) that the server's text differs.
* Some engine messages have no GraalJS equivalent and keep QuickJS wording (e.g. ``TypeError:
  not a function`` where GraalJS names the callee, ``o.foo is not a function``).
* Regular expressions backtrack on QuickJS (``/^(a+)+$/`` on a long non-match) where GraalJS's
  TRegex answers at once: such a script hits the time limit here.
* The memory limit is ours (the server has none); exceeding it fails like a script error.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
from typing import Any, List, Mapping, Optional, Tuple

from conductor_testkit.engine import condition_fast_path
from conductor_testkit.engine._js_prelude import JS_PRELUDE
from conductor_testkit.engine.bounded_scripts import evaluate_in_process, is_bounded
from conductor_testkit.engine.completion_expression import completion_expression
from conductor_testkit.engine.sandbox import (
    SandboxCrashed,
    SandboxMemoryLimit,
    SandboxTimeLimit,
    format_seconds,
    sandbox_pool,
)
from conductor_testkit.engine.script_warnings import ScriptOrigin, warn_server_divergence
from conductor_testkit.errors import ConductorError


class ScriptError(ConductorError):
    """A script failed. ``message`` is the server's text for ``reasonForIncompletion``.

    ``terminal`` tells whether the server would fail the task with FAILED_WITH_TERMINAL_ERROR
    (script errors) rather than FAILED (time limit, LAMBDA errors).
    """

    terminal: bool = True

    def __init__(self, message: str, *, engine_message: Optional[str] = None, line: Optional[int] = None):
        self.message = message
        self.engine_message = engine_message if engine_message is not None else message
        self.line = line
        super().__init__(message)


class ScriptTimeout(ScriptError):
    """The script ran longer than the time limit (the server: FAILED, not terminal)."""

    terminal = False


class UnknownEvaluatorError(ScriptError):
    """No evaluator for an ``evaluatorType``; :meth:`for_switch`/:meth:`for_inline` give the wordings."""

    def __init__(self, evaluator_type: str, message: Optional[str] = None) -> None:
        self.evaluator_type = evaluator_type
        super().__init__(message or f"No evaluator registered for type: {evaluator_type}")

    @property
    def switch_message(self) -> str:
        """The SWITCH/DECISION wording."""
        return f"No evaluator registered for type: {self.evaluator_type}"

    @property
    def inline_message(self) -> str:
        """The INLINE wording (verified on 3.32.1)."""
        return f"Unknown evaluator '{self.evaluator_type}' in INLINE task."


_FLOAT_MARK = "\u0000f"


def _decode_hook(obj: dict) -> Any:
    if len(obj) == 1 and _FLOAT_MARK in obj:
        return float(obj[_FLOAT_MARK])
    return obj


def _decode_result(text: bytes) -> Any:
    if b"\\u0000f" in text:
        return json.loads(text, object_hook=_decode_hook)
    return json.loads(text)


# QuickJS messages of errors the engine raises at a source location -> the GraalJS wording
_TRANSLATIONS: List[Tuple[re.Pattern[str], str]] = [
    (re.compile(r"^'(.+)' is not defined$"), r"\1 is not defined"),
    (re.compile(r"^cannot read property '(.+)' of (null|undefined)$"), r"Cannot read property '\1' of \2"),
    (re.compile(r"^cannot set property '(.+)' of (null|undefined)$"), r"Cannot set property '\1' of \2"),
    (re.compile(r"^(.+) is not a function$"), r"\1 is not a function"),
    (re.compile(r"^not a function$"), "not a function"),
    (re.compile(r"^not a constructor$"), "not a constructor"),
    (re.compile(r"^invalid array length$"), "Invalid array length"),
    (re.compile(r"^(.+) is not initialized$"), r"\1 is not initialized"),
    (re.compile(r"^'(.+)' is read-only$"), r"Cannot assign to read only property '\1'"),
]
# errors raised inside built-in functions: GraalJS reports no line for them (verified on 3.32.1)
_NATIVE_TRANSLATIONS = {
    "empty array": "Reduce of empty array with no initial value",
    "expecting hex digit": "illegal escape sequence",
    "invalid number of digits": "toFixed() fraction digits need to be in range 0-100",
}
SYNTAX_NOTE = (
    " [engine note: the server's GraalJS words syntax errors differently: "
    "'SyntaxError: inline:LINE:COLUMN <message>' followed by the source line and a caret]"
)
_LINE_RE = re.compile(r"<input>:(\d+)")
_THROW_RE = re.compile(r"\bthrow\b")


def _throw_line(script: str) -> int:
    """The line of the ``throw`` statement when the script has a single one, else 1."""
    lines = [number for number, text in enumerate(script.split("\n"), 1) if _THROW_RE.search(text)]
    return lines[0] if len(lines) == 1 else 1


def _server_message(engine_message: str, line: Optional[int]) -> str:
    text = f"Error evaluating the script `{engine_message}`"
    return f"{text} at line {line}" if line is not None else text


def _user_frames(stack: str) -> List[str]:
    """The stack frames of the script itself (those before the evaluator's own frames)."""
    frames = []
    for raw in stack.split("\n"):
        frame = raw.strip()
        if not frame:
            continue
        if frame in ("at eval (native)", "at Function (native)") or frame.startswith("at __ctk_run "):
            break
        frames.append(frame)
    return frames


def _frame_line(frame: str, line_offset: int) -> int:
    # QuickJS leaves the number out for line 1 ("at <eval> (<input>)")
    located = _LINE_RE.search(frame)
    return max(1, int(located.group(1)) - line_offset) if located else 1


def _error_from_description(description: Mapping[str, Any], script: str, line_offset: int) -> ScriptError:
    if description.get("kind") == "host":
        # an error of a host object's member (the prelude's stand-in): GraalJS reports the line
        # of the call, the first frame after the stand-in's own
        engine_message = f"{description.get('name')}: {description.get('message')}"
        frames = _user_frames(str(description.get("stack") or ""))[1:]
        line = _frame_line(frames[0], line_offset) if frames else 1
        return ScriptError(_server_message(engine_message, line), engine_message=engine_message, line=line)
    if description.get("kind") != "error":
        # a thrown non-Error value: the server reports its text and the line of the throw
        text = str(description.get("text"))
        line = _throw_line(script)
        return ScriptError(_server_message(text, line), engine_message=text, line=line)
    name = str(description.get("name"))
    message = str(description.get("message"))
    stack = str(description.get("stack") or "")
    all_frames = [line.strip() for line in stack.split("\n") if line.strip()]
    frames = _user_frames(stack)
    if frames and frames[0].startswith("at <input>"):
        if len(frames) == 1 and len(all_frames) > 1:
            # a compile error of the script itself (the next frame is eval/Function)
            line = _frame_line(frames[0], line_offset)
            engine_message = f"{name}: {message}"
            return ScriptError(
                _server_message(engine_message, line) + (SYNTAX_NOTE if name == "SyntaxError" else ""),
                engine_message=engine_message,
                line=line,
            )
        frames = frames[1:]  # a position inside parsed text (JSON.parse), not a script frame
    if name == "InternalError" and message == "stack overflow":
        name, message = "RangeError", "Maximum call stack size exceeded"
        line = _frame_line(frames[0], line_offset) if frames else 1
        engine_message = f"{name}: {message}"
        return ScriptError(_server_message(engine_message, line), engine_message=engine_message, line=line)
    first = frames[0] if frames else ""
    native = first.endswith("(native)")
    if native and not (name == "RangeError" and message == "invalid array length"):
        # raised inside a built-in function: GraalJS reports no line (verified on 3.32.1)
        engine_message = f"{name}: {_NATIVE_TRANSLATIONS.get(message, message)}"
        return ScriptError(_server_message(engine_message, None), engine_message=engine_message)
    if name in ("ReferenceError", "TypeError", "RangeError"):
        for pattern, replacement in _TRANSLATIONS:
            if pattern.match(message):
                # raised by the engine at a source location: GraalJS adds the line
                engine_message = f"{name}: {pattern.sub(replacement, message)}"
                user = [frame for frame in frames if not frame.endswith("(native)")]
                line = _frame_line(user[0], line_offset) if user else 1
                return ScriptError(
                    _server_message(engine_message, line), engine_message=engine_message, line=line
                )
    # an Error the script created and threw: GraalJS reports it without a line
    engine_message = str(description.get("text") or f"{name}: {message}")
    return ScriptError(_server_message(engine_message, None), engine_message=engine_message)


def _json_default(value: Any) -> Any:
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def _finite(value: Any) -> Any:
    """``value`` with NaN and the infinities as null (JSON has neither)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


# made once: json.dumps with options makes a JSONEncoder on every call
_STRICT_ENCODER = json.JSONEncoder(allow_nan=False, default=_json_default)
_ENCODER = json.JSONEncoder(default=_json_default)


def _to_json_text(bindings: Any) -> str:
    try:
        return _STRICT_ENCODER.encode(bindings)
    except ValueError:
        return _ENCODER.encode(_finite(bindings))


# what a script that changes built-in objects usually contains: its context is not reused
_BUILTIN_TOUCH = re.compile(
    r"prototype|__proto__|defineProperty|setPrototypeOf|globalThis|\bdelete\b"
    r"|\b(?:Object|Array|String|Number|Boolean|Function|Math|JSON|Date|RegExp|Promise|Symbol|Reflect"
    r"|Map|Set|Error|BigInt|Intl)\s*(?:\.\s*[A-Za-z_$][\w$]*|\[[^\]]*\])\s*(?:=(?!=)|[-+*/%&|^]=)"
)


@functools.lru_cache(maxsize=2048)  # called for every evaluation; a definition repeats its scripts
def _touches_builtins(script: str) -> bool:
    """Whether ``script`` may change a built-in object (a cheap, conservative look at its text)."""
    return _BUILTIN_TOUCH.search(script) is not None


class JavaScriptEvaluator:
    """Evaluates scripts on QuickJS in sandbox processes with ``$`` bound to a copy of the input.

    A script that can only read its input and compute with operators (a typical loop condition,
    :mod:`conductor_testkit.engine.bounded_scripts`) runs on the same code in this process,
    compiled once per script text (:mod:`conductor_testkit.engine.completion_expression`).
    Any other evaluation runs in a child process (:mod:`conductor_testkit.engine.sandbox`) under a
    wall-time limit that holds for everything a script does (regular expressions and promise
    jobs included: the child is killed when the limit passes) and a QuickJS memory limit.

    Global state: the server (GraalJS) gives every evaluation a new context. The engine gives
    every workflow run (``origin.workflow_id``) a new QuickJS context, made ahead of time in the
    child, and deletes the globals a script created after each evaluation; a script whose text
    may change built-in objects (``prototype``, ``__proto__``, ``defineProperty``, assignments
    to members of ``Object``, ``Array``, ``Math``, ...) is the last one its context runs. So
    nothing a script does is seen by another workflow run, and only a change to a built-in made
    in a way that text does not show is seen by a later script of the same run.
    ``fresh_context=True`` gives every evaluation a new context, as the server does (slower).
    Thread-safe: concurrent evaluations use separate child processes.
    """

    def __init__(
        self,
        time_limit_seconds: float = 4.0,
        memory_limit_bytes: int = 32 * 1024 * 1024,
        *,
        fresh_context: bool = False,
    ) -> None:
        self.time_limit_seconds = time_limit_seconds
        self.memory_limit_bytes = memory_limit_bytes
        self.fresh_context = fresh_context
        self._fresh_scopes = itertools.count()

    def _timeout_message(self) -> str:
        return f"Script not evaluated within {format_seconds(self.time_limit_seconds)} seconds, interrupted."

    def _memory_message(self) -> str:
        return f"InternalError: out of memory (limit {self.memory_limit_bytes} bytes)"

    def _scope(self, origin: Optional[ScriptOrigin]) -> Optional[str]:
        if self.fresh_context:
            return f"fresh-{id(self)}-{next(self._fresh_scopes)}"
        return origin.workflow_id if origin is not None else None

    def _call(self, script: str, input_text: str, as_function: bool, scope: Optional[str]) -> bytes:
        request = {
            "src": script,
            "fn": as_function,
            "scope": scope,
            "discard": _touches_builtins(script),
        }
        if is_bounded(script):  # nothing for a sandbox to stop: same code, this process
            if not as_function:
                request["expr"] = completion_expression(script)  # compiled once in that context
            return evaluate_in_process(request, input_text, JS_PRELUDE, self.memory_limit_bytes)
        pool = sandbox_pool("js", self.memory_limit_bytes, {"prelude": JS_PRELUDE})
        try:
            return pool.call(request, float(self.time_limit_seconds), scope, data=input_text)
        except SandboxTimeLimit:
            raise ScriptTimeout(self._timeout_message()) from None
        except SandboxMemoryLimit:
            raise ScriptError(_server_message(self._memory_message(), None)) from None
        except SandboxCrashed as exc:
            raise ScriptError(_server_message(f"InternalError: {exc}", None)) from None

    def _run(self, script: str, bindings: Any, as_function: bool, origin: Optional[ScriptOrigin]) -> Any:
        if not isinstance(script, str):
            raise ScriptError(_server_message(f"TypeError: script is not a string: {script!r}", None))
        answer = _decode_result(self._call(script, _to_json_text(bindings), as_function, self._scope(origin)))
        if "exc" in answer:
            raise self._engine_failure(str(answer["exc"]))
        result = answer["r"]
        notes = result.get("notes")
        if notes:
            warn_server_divergence(origin, notes)
        if "err" in result:
            description = result["err"]
            if description.get("name") == "InternalError" and description.get("message") == "out of memory":
                raise ScriptError(_server_message(self._memory_message(), None))
            if description.get("kind") == "value" and description.get("text") == "null":
                if not _THROW_RE.search(script):
                    # QuickJS throws null when it cannot even allocate the error object
                    raise ScriptError(_server_message(self._memory_message(), None))
            # QuickJS compiles a Function body two lines below its header
            raise _error_from_description(result["err"], script, 2 if as_function else 0)
        return result["ok"]

    def _engine_failure(self, text: str) -> ScriptError:
        """An error QuickJS raised outside the script's reach (stack, memory, interrupt)."""
        if text == "stack":
            engine_message = "RangeError: Maximum call stack size exceeded"
            return ScriptError(_server_message(engine_message, 1), engine_message=engine_message, line=1)
        if text.startswith("InternalError: interrupted"):
            return ScriptTimeout(self._timeout_message())
        engine_message = text.split("\n", 1)[0]
        # QuickJS throws null when it cannot even allocate the error object
        if "out of memory" in engine_message or engine_message == "null":
            engine_message = self._memory_message()
        return ScriptError(_server_message(engine_message, None), engine_message=engine_message)

    def evaluate(self, script: str, bindings: Any, *, origin: Optional[ScriptOrigin] = None) -> Any:
        """The completion value of ``script`` with ``$`` = ``bindings`` (docs/semantics.md §4.1).

        ``origin`` names the workflow run and task: the run selects the QuickJS context (a new
        one per run) and warnings (:class:`ServerDivergenceWarning`) name both.
        Raises :class:`ScriptError` (message as the server's) or :class:`ScriptTimeout`.
        """
        if isinstance(script, str):  # a loop condition comparing the iteration with a number
            known = condition_fast_path.answer(script, bindings)
            if known is not condition_fast_path.UNANSWERED:
                return known
        return self._run(script, bindings, False, origin)

    def evaluate_lambda(self, script: str, bindings: Any, *, origin: Optional[ScriptOrigin] = None) -> Any:
        """LAMBDA: ``script`` is the body of a function of ``$`` (so ``return`` works)."""
        return self._run(script, bindings, True, origin)


def to_bool(value: Any) -> bool:
    """The server's ``evalBool``: True only for boolean True or a number greater than 0."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value > 0
    return False


EVALUATOR_TYPES = ("value-param", "javascript", "graaljs")


def _java_class(value: Any) -> str:
    """``value.getClass()`` as Java prints it, for the JSON types (resolved lists are LinkedLists)."""
    if isinstance(value, bool):
        return "class java.lang.Boolean"
    if isinstance(value, int):
        return "class java.lang.Integer" if -(2**31) <= value < 2**31 else "class java.lang.Long"
    if isinstance(value, float):
        return "class java.lang.Double"
    if isinstance(value, str):
        return "class java.lang.String"
    if isinstance(value, (list, tuple)):
        return "class java.util.LinkedList"
    return "null" if value is None else f"class {type(value).__name__}"


def evaluate_expression(
    evaluator_type: str,
    expression: str,
    input: Any,
    js: JavaScriptEvaluator,
    *,
    origin: Optional[ScriptOrigin] = None,
) -> Any:
    """Evaluate a SWITCH/INLINE ``expression`` with the named evaluator.

    ``value-param`` answers ``input[expression]`` (a non-map input raises ScriptError "Input has
    to be a JSON object: ..."); ``javascript``/``graaljs`` run the script with ``$`` = ``input``;
    anything else raises :class:`UnknownEvaluatorError` (``python`` included: the server has a
    GraalPy evaluator, the engine does not). ``origin``: see :meth:`JavaScriptEvaluator.evaluate`.
    """
    if evaluator_type == "value-param":
        if not isinstance(input, Mapping):
            raise ScriptError(f"Input has to be a JSON object: {_java_class(input)}")
        return input.get(expression)
    if evaluator_type in ("javascript", "graaljs"):
        return js.evaluate(expression, input, origin=origin)
    raise UnknownEvaluatorError(evaluator_type)


__all__ = [
    "EVALUATOR_TYPES",
    "SYNTAX_NOTE",
    "JavaScriptEvaluator",
    "ScriptError",
    "ScriptTimeout",
    "UnknownEvaluatorError",
    "evaluate_expression",
    "to_bool",
]
