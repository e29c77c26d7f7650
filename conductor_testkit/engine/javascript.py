"""JavaScript for SWITCH, INLINE, DECISION, DO_WHILE and LAMBDA (docs/semantics.md §4.1, §4.16, §4.21).

The server runs scripts on GraalJS with the task input bound to ``$``; the engine runs them on
QuickJS (a real ECMAScript engine, no I/O) with ``$`` bound to a plain JSON copy of the input.
The script's completion value is converted the way the server converts it (``3.0`` -> ``3``,
integral numbers beyond 32 bits -> int, ``undefined`` -> ``None``, ``NaN``/``Infinity`` ->
the strings the server's JSON shows, functions and dates -> ``{}``), and errors carry the
server's wording: ``Error evaluating the script `<name>: <message>` at line <n>``.

Known differences from the server (GraalJS), deliberate or unavoidable:

* ``$`` is plain JSON here; on the server it is a Java map, so ``JSON.stringify($)`` gives ``{}``
  and ``Object.keys($)`` Java method names there (verified on 3.32.1). Scripts that treat ``$``
  as data behave the same.
* Syntax error texts come from QuickJS (``SyntaxError: unexpected token ...``), not GraalJS's
  ``SyntaxError: inline:1:8 Expected ...`` with a source excerpt; the ``at line <n>`` part matches.
* Some engine messages have no GraalJS equivalent and keep QuickJS wording (e.g. ``TypeError:
  not a function`` where GraalJS names the callee, ``o.foo is not a function``).
* The memory limit is ours (the server has none); exceeding it fails like a script error.
"""

from __future__ import annotations

import json
import math
import re
import threading
from typing import Any, List, Mapping, Optional, Tuple

import quickjs

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


# ----------------------------------------------------------------------------------------------
# the JavaScript side: run a script, convert its value, describe an error, clean the globals

_PRELUDE = r"""
(function () {
  var g = globalThis;
  var realEval = g.eval, stringify = JSON.stringify, parse = JSON.parse;
  var getNames = Object.getOwnPropertyNames, isArray = Array.isArray, isInteger = Number.isInteger;
  var baseline = null;
  var LONG_MAX = 9223372036854775807, LONG_MIN = -9223372036854775808;
  function num(v) {
    if (v !== v) return "NaN";
    if (v === Infinity) return "Infinity";
    if (v === -Infinity) return "-Infinity";
    if (isInteger(v)) {
      if (v === 0 && 1 / v < 0) return {"\u0000f": "-0.0"};
      // 2**63 itself does not fit a Java long: the server answers a double there
      if (v >= LONG_MIN && v < LONG_MAX) return v;
      return {"\u0000f": String(v)};
    }
    return v;
  }
  function conv(v, depth) {
    if (depth > 500) throw new RangeError("Maximum call stack size exceeded");
    if (v === null || v === undefined) return null;
    var t = typeof v;
    if (t === "number") return num(v);
    if (t === "boolean" || t === "string") return v;
    if (t === "bigint") return num(Number(v));
    if (t === "symbol" || t === "function") return {};
    if (isArray(v)) {
      var out = [];
      for (var i = 0; i < v.length; i++) out.push(conv(v[i], depth + 1));
      return out;
    }
    if (v instanceof Date) return {};
    if (v instanceof Map) {
      var m = {};
      v.forEach(function (value, key) { m[String(key)] = conv(value, depth + 1); });
      return m;
    }
    var o = {};
    var keys = Object.keys(v);
    for (var k = 0; k < keys.length; k++) o[keys[k]] = conv(v[keys[k]], depth + 1);
    return o;
  }
  function describe(e) {
    if (e instanceof Error) {
      return {kind: "error", name: String(e.name), message: String(e.message),
              text: String(e), stack: String(e.stack || "")};
    }
    var text;
    if (e === null || e === undefined || typeof e !== "object") text = String(e);
    else text = isArray(e) ? "Array" : "Error";
    return {kind: "value", text: text};
  }
  function clean() {
    var names = getNames(g), dirty = false;
    for (var i = 0; i < names.length; i++) {
      if (!baseline.has(names[i]) && !delete g[names[i]]) dirty = true;
    }
    return dirty;
  }
  g.__ctk_run = function __ctk_run(src, input, asFunction) {
    var result;
    try {
      g.$ = parse(input);
      var value;
      if (asFunction) value = (new Function("$", src))(g.$);
      else value = (0, realEval)(src);
      result = {ok: conv(value, 0)};
    } catch (e) {
      result = {err: describe(e)};
    }
    result.dirty = clean();
    return stringify(result);
  };
  baseline = new Set(getNames(g));
})();
"""

_FLOAT_MARK = "\u0000f"


def _decode_hook(obj: dict) -> Any:
    if len(obj) == 1 and _FLOAT_MARK in obj:
        return float(obj[_FLOAT_MARK])
    return obj


def _decode_result(text: str) -> Any:
    if "\\u0000f" in text:
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
                _server_message(engine_message, line), engine_message=engine_message, line=line
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


def _to_json_text(bindings: Any) -> str:
    def default(value: Any) -> Any:
        if isinstance(value, (set, frozenset, tuple)):
            return list(value)
        return str(value)

    def clean(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {str(k): clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        return value

    try:
        return json.dumps(bindings, allow_nan=False, default=default)
    except ValueError:
        return json.dumps(clean(bindings), default=default)


class JavaScriptEvaluator:
    """Evaluates scripts on QuickJS with ``$`` bound to a JSON copy of the input.

    One QuickJS context is reused (creating one costs ~100 us, evaluating a condition ~5 us):
    before each evaluation ``$`` is rebound, and after it every global the script created is
    deleted, so ``var``/``let``/``const``/functions of one evaluation are invisible to the next.
    A context whose globals could not be cleaned, or that hit a limit, is replaced. Changes a
    script makes to built-in objects (``Array.prototype.x = ...``) would survive; pass
    ``fresh_context=True`` for a new context per evaluation when that matters.
    Thread-safe (one lock per evaluator).
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
        self._context: Optional[quickjs.Context] = None
        self._lock = threading.Lock()

    def _new_context(self) -> quickjs.Context:
        context = quickjs.Context()
        context.set_memory_limit(self.memory_limit_bytes)
        context.set_max_stack_size(1024 * 1024)
        context.eval(_PRELUDE)
        context.set_time_limit(self.time_limit_seconds)
        return context

    def _timeout_message(self) -> str:
        limit = self.time_limit_seconds
        shown = str(int(limit)) if float(limit).is_integer() else f"{limit:g}"
        return f"Script not evaluated within {shown} seconds, interrupted."

    def _memory_message(self) -> str:
        return f"InternalError: out of memory (limit {self.memory_limit_bytes} bytes)"

    def _run(self, script: str, bindings: Any, as_function: bool) -> Any:
        if not isinstance(script, str):
            raise ScriptError(_server_message(f"TypeError: script is not a string: {script!r}", None))
        input_text = _to_json_text(bindings)
        with self._lock:
            context = self._context
            if context is None or self.fresh_context:
                context = self._new_context()
            self._context = None
            try:
                runner = context.get("__ctk_run")
                output = runner(script, input_text, as_function)
            except quickjs.StackOverflow:
                engine_message = "RangeError: Maximum call stack size exceeded"
                raise ScriptError(
                    _server_message(engine_message, 1), engine_message=engine_message, line=1
                ) from None
            except quickjs.JSException as exc:
                text = str(exc)
                if text.startswith("InternalError: interrupted"):
                    raise ScriptTimeout(self._timeout_message()) from None
                engine_message = text.split("\n", 1)[0]
                # QuickJS throws null when it cannot even allocate the error object
                if "out of memory" in engine_message or engine_message == "null":
                    engine_message = self._memory_message()
                raise ScriptError(
                    _server_message(engine_message, None), engine_message=engine_message
                ) from None
            result = _decode_result(output)
            if not result.pop("dirty", False):
                self._context = context
        if "err" in result:
            description = result["err"]
            if description.get("kind") == "value" and description.get("text") == "null":
                if not _THROW_RE.search(script):
                    # QuickJS throws null when it cannot even allocate the error object
                    raise ScriptError(_server_message(self._memory_message(), None))
            # QuickJS compiles a Function body two lines below its header
            raise _error_from_description(result["err"], script, 2 if as_function else 0)
        return result["ok"]

    def evaluate(self, script: str, bindings: Any) -> Any:
        """The completion value of ``script`` with ``$`` = ``bindings`` (docs/semantics.md §4.1).

        Raises :class:`ScriptError` (message as the server's) or :class:`ScriptTimeout`.
        """
        return self._run(script, bindings, False)

    def evaluate_lambda(self, script: str, bindings: Any) -> Any:
        """LAMBDA: ``script`` is the body of a function of ``$`` (so ``return`` works)."""
        return self._run(script, bindings, True)


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


def evaluate_expression(evaluator_type: str, expression: str, input: Any, js: JavaScriptEvaluator) -> Any:
    """Evaluate a SWITCH/INLINE ``expression`` with the named evaluator.

    ``value-param`` answers ``input[expression]`` (a non-map input raises ScriptError "Input has
    to be a JSON object: ..."); ``javascript``/``graaljs`` run the script with ``$`` = ``input``;
    anything else raises :class:`UnknownEvaluatorError` (``python`` included: the server has a
    GraalPy evaluator, the engine does not).
    """
    if evaluator_type == "value-param":
        if not isinstance(input, Mapping):
            raise ScriptError(f"Input has to be a JSON object: {_java_class(input)}")
        return input.get(expression)
    if evaluator_type in ("javascript", "graaljs"):
        return js.evaluate(expression, input)
    raise UnknownEvaluatorError(evaluator_type)


__all__ = [
    "EVALUATOR_TYPES",
    "JavaScriptEvaluator",
    "ScriptError",
    "ScriptTimeout",
    "UnknownEvaluatorError",
    "evaluate_expression",
    "to_bool",
]
