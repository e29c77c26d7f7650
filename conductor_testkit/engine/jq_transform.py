"""JSON_JQ_TRANSFORM programs on jq (jq.py, libjq): the server's result shape and powers.

docs/semantics.md §4.17.

The server runs jackson-jq 0.0.13; the engine runs the C jq through jq.py in a sandbox child
process (:mod:`conductor_testkit.engine.sandbox`): a wall-time limit and a memory limit hold
whatever the program does (``last(range(1e12))``, ``def f: [f]; f``), and the calling process
never blocks on jq, which holds the GIL while it runs.

What the server's jq has, the engine's has; what it lacks, the engine's lacks too:

* Builtins that only libjq has (``env``, ``input``/``inputs``, ``debug``, ``stderr``,
  ``input_filename``, ``halt``/``halt_error``, ``get_search_list``, ``now``, ``getpath``,
  ``repeat``, ``round``, ... measured one by one on 3.32.1, see :data:`SERVER_MISSING_BUILTINS`)
  are shadowed by definitions that raise the server's error, ``Function env/0 does not exist``.
  jackson-jq resolves functions when they run, so the error is raised at run time and
  ``try`` catches it, as on the server; a program's own ``def env: ...;`` still wins.
* ``$ENV`` and ``$__loc__`` are renamed out of libjq's reach: the task fails with the server's
  ``Undefined variable: $ENV`` (at compile time here: ``try $ENV catch .`` fails the task where
  the server's catches the error).
* ``import``/``include`` never load a file: the shadow definitions come first and libjq only
  accepts module directives at the very start of a program; a program that starts with one
  gets jackson-jq's parse error, word for word.

Other known differences:

* Numbers: integral values come back as ``int`` (the server keeps ``2.0`` from the input and
  ``1e3`` literals as doubles: ``1000.0``; equal under ``==``, different in JSON text).
* Compile errors: unknown functions and variables are reworded to jackson-jq's text; other
  syntax errors keep libjq's text with a note that the server's differs (jackson-jq's JavaCC
  parser reports ``Encountered ... Was expecting one of: ...``).
* Runtime errors (``string ("a") and number (1) cannot be added``, ``error("x")`` -> ``x``) read
  the same on both for the common cases.
* Limits: the server's jq has none (a runaway program holds a server thread); the engine stops
  one at ``Engine(jq_time_limit_seconds=..., jq_memory_limit_bytes=...)`` and fails the task
  with the limit named.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, List, Optional

from conductor_testkit.engine.sandbox import (
    SandboxCrashed,
    SandboxMemoryLimit,
    SandboxTimeLimit,
    format_seconds,
    sandbox_pool,
)
from conductor_testkit.errors import ConductorError

DEFAULT_JQ_TIME_LIMIT_SECONDS = 4.0
DEFAULT_JQ_MEMORY_LIMIT_BYTES = 256 * 1024 * 1024

# libjq builtins (name/arity) that jackson-jq 0.0.13 lacks: each answered "Function <name>/<arity>
# does not exist" on 3.32.1 (every libjq builtin was called once in a JSON_JQ_TRANSFORM task)
SERVER_MISSING_BUILTINS = (
    "IN/1 IN/2 INDEX/1 INDEX/2 JOIN/2 JOIN/3 JOIN/4 abs/0 acos/0 acosh/0 add/1 asin/0 asinh/0 "
    "atan2/2 atanh/0 bsearch/1 builtins/0 cbrt/0 ceil/0 copysign/2 cosh/0 debug/0 debug/1 "
    "delpaths/1 drem/2 env/0 erf/0 erfc/0 error/0 exp/0 exp10/0 exp2/0 expm1/0 fabs/0 fdim/2 "
    "finites/0 fma/3 fmax/2 fmin/2 fmod/2 format/1 frexp/0 fromdate/0 fromdateiso8601/0 "
    "fromstream/1 gamma/0 get_jq_origin/0 get_prog_origin/0 get_search_list/0 getpath/1 gmtime/0 "
    "halt/0 halt_error/0 halt_error/1 have_decnum/0 have_literal_numbers/0 hypot/2 input/0 "
    "input_filename/0 input_line_number/0 inputs/0 isempty/1 isfinite/0 isnormal/0 j0/0 j1/0 "
    "jn/2 ldexp/2 lgamma/0 lgamma_r/0 localtime/0 log/0 log10/0 log1p/0 logb/0 ltrim/0 mktime/0 "
    "modf/0 modulemeta/0 nearbyint/0 nextafter/2 nexttoward/2 normals/0 now/0 path/1 pick/1 "
    "remainder/2 repeat/1 rint/0 round/0 rtrim/0 scalb/2 scalbln/2 setpath/2 significand/0 "
    "sinh/0 skip/2 stderr/0 strflocaltime/1 strftime/1 strptime/1 tan/0 tanh/0 tgamma/0 "
    "toboolean/0 todate/0 todateiso8601/0 tostream/0 trim/0 trimstr/1 trunc/0 "
    "truncate_stream/1 y0/0 y1/0 yn/2"
).split()

# variables libjq defines and jackson-jq does not ("Undefined variable: $ENV" on 3.32.1)
SERVER_MISSING_VARIABLES = ("ENV", "__loc__")
_RENAMED_VARIABLE = "__ctk_undefined_"

# jackson-jq's parse error for a module directive at the start of a program (3.32.1)
_EXPRESSION_START = (
    '    "-" ...\n    "(" ...\n    "." ...\n    ".." ...\n    "[" ...\n    "$" ...\n    "@" ...\n'
    '    "{" ...\n    "true" ...\n    "false" ...\n    "null" ...\n    <INTEGER_LITERAL> ...\n'
    '    <FLOAT_LITERAL> ...\n    "\\"" ...\n    "if" ...\n    "def" ...\n    "reduce" ...\n'
    '    "foreach" ...\n    "try" ...\n    <IDENTIFIER> ...\n    '
)
_MODULE_DIRECTIVE = re.compile(r"[ \r\n]*(import|include)(?=[ \r\n\"])")
SYNTAX_NOTE = (
    " [engine note: the server's jq (jackson-jq) words syntax errors differently: "
    "'Encountered ... at line L, column C. Was expecting one of: ...']"
)


def _shadow_definition(builtin: str) -> str:
    name, arity = builtin.rsplit("/", 1)
    params = ";".join(f"a{i}" for i in range(int(arity)))
    head = f"{name}({params})" if params else name
    return f'def {head}: error("Function {builtin} does not exist");'


# one line, so the user's program starts on line 2 (messages are shifted back by one)
JQ_PRELUDE = " ".join(_shadow_definition(builtin) for builtin in SERVER_MISSING_BUILTINS) + "\n"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*")


class JqError(ConductorError):
    """A jq program failed to compile or run; ``message`` is the text for ``output.error``."""

    def __init__(self, message: str, *, query: str = "", compile_error: bool = False) -> None:
        self.message = message
        self.query = query
        self.compile_error = compile_error
        super().__init__(message)


class JqLimitExceeded(JqError):
    """The program hit the engine's time or memory limit (the server's jq has none)."""


def _rename_variables(query: str) -> str:
    """``$ENV``/``$__loc__`` outside strings and comments renamed to names libjq does not know."""
    out: List[str] = []
    interpolations: List[int] = []  # open-paren depth inside each "\( ... )"
    in_string = False
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if in_string:
            if c == "\\" and query.startswith("\\(", i):
                interpolations.append(0)
                in_string = False
                out.append("\\(")
                i += 2
                continue
            if c == "\\":
                out.append(query[i : i + 2])
                i += 2
                continue
            in_string = c != '"'
            out.append(c)
            i += 1
            continue
        if c == '"':
            in_string = True
        elif c == "#":
            end = query.find("\n", i)
            end = n if end < 0 else end
            out.append(query[i:end])
            i = end
            continue
        elif c == "(" and interpolations:
            interpolations[-1] += 1
        elif c == ")" and interpolations:
            if interpolations[-1] == 0:
                interpolations.pop()
                in_string = True
            else:
                interpolations[-1] -= 1
        elif c == "$":
            name = _IDENTIFIER.match(query, i + 1)
            if name and name.group(0) in SERVER_MISSING_VARIABLES:
                out.append("$" + _RENAMED_VARIABLE + name.group(0))
                i = name.end()
                continue
        out.append(c)
        i += 1
    return "".join(out)


def _module_directive_error(query: str) -> Optional[str]:
    """jackson-jq's parse error when the program starts with ``import``/``include``."""
    directive = _MODULE_DIRECTIVE.match(query)
    if directive is None:
        return None
    start = directive.start(1)
    line = query.count("\n", 0, start) + 1
    column = start - (query.rfind("\n", 0, start) + 1) + 1
    word = directive.group(1)
    return (
        f'Encountered " "{word}" "{word} "" at line {line}, column {column}.\n'
        f"Was expecting one of:\n{_EXPRESSION_START}"
    )


@lru_cache(maxsize=1024)
def prepare_program(query: str) -> str:
    """``query`` as the sandbox receives it (renamed variables); the sandbox puts the shadow
    definitions (:data:`JQ_PRELUDE`, sent once per process) before it and compiles it once."""
    return _rename_variables(query)


_UNDEFINED_FUNCTION = re.compile(r"^jq: error: ([A-Za-z_][\w:]*)/(\d+) is not defined at ")
_UNDEFINED_VARIABLE = re.compile(r"^jq: error: \$([A-Za-z_]\w*) is not defined at ")
_LINE = re.compile(r"(at <top-level>, line )(\d+)")


def _compile_message(text: str) -> str:
    function = _UNDEFINED_FUNCTION.match(text)
    if function:
        return f"Function {function.group(1)}/{function.group(2)} does not exist"
    variable = _UNDEFINED_VARIABLE.match(text)
    if variable:
        name = variable.group(1)
        if name.startswith(_RENAMED_VARIABLE):
            name = name[len(_RENAMED_VARIABLE) :]
        return f"Undefined variable: ${name}"
    shifted = _LINE.sub(lambda m: f"{m.group(1)}{max(1, int(m.group(2)) - 1)}", text)
    for name in SERVER_MISSING_VARIABLES:
        shifted = shifted.replace("$" + _RENAMED_VARIABLE + name, "$" + name)
    return shifted + SYNTAX_NOTE


def _normalise(value: Any) -> Any:
    """Integral floats -> int (jq.py already answers int for integral JSON numbers)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, dict):
        return {key: _normalise(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalise(item) for item in value]
    return value


class JqEvaluator:
    """Runs jq programs in sandbox child processes under a wall-time and a memory limit."""

    def __init__(
        self,
        time_limit_seconds: float = DEFAULT_JQ_TIME_LIMIT_SECONDS,
        memory_limit_bytes: int = DEFAULT_JQ_MEMORY_LIMIT_BYTES,
    ) -> None:
        self.time_limit_seconds = float(time_limit_seconds)
        self.memory_limit_bytes = int(memory_limit_bytes)

    def run(self, query: str, input: Any) -> List[Any]:
        """Every value ``query`` emits for ``input`` (the JSON_JQ_TRANSFORM task's whole inputData).

        Raises :class:`JqError` with a message close to the server's (see the module docstring),
        :class:`JqLimitExceeded` when a limit stops the program.
        """
        if not isinstance(query, str):
            raise JqError(f"queryExpression must be a string, got {type(query).__name__}", query=str(query))
        directive = _module_directive_error(query)
        if directive is not None:
            raise JqError(directive, query=query, compile_error=True)
        try:
            text = json.dumps(input, allow_nan=False, default=str)
        except ValueError as exc:
            raise JqError(f"input is not JSON: {exc}", query=query) from None
        pool = sandbox_pool("jq", self.memory_limit_bytes, {"prelude": JQ_PRELUDE})
        request = {"program": prepare_program(query)}
        try:
            answer = json.loads(pool.call(request, self.time_limit_seconds, data=text))
        except SandboxTimeLimit:
            raise JqLimitExceeded(
                f"jq program stopped: it ran longer than the engine's time limit of "
                f"{format_seconds(self.time_limit_seconds)} s (jq_time_limit_seconds)",
                query=query,
            ) from None
        except SandboxMemoryLimit:
            raise JqLimitExceeded(
                f"jq program stopped: it needed more memory than the engine's limit of "
                f"{self.memory_limit_bytes} bytes (jq_memory_limit_bytes)",
                query=query,
            ) from None
        except SandboxCrashed as exc:
            raise JqError(f"jq program stopped: {exc}", query=query) from None
        if "error" in answer:
            if answer.get("compile"):
                raise JqError(_compile_message(answer["error"]), query=query, compile_error=True)
            raise JqError(answer["error"], query=query)
        return [_normalise(value) for value in answer["ok"]]

    def task_output(self, query: str, input: Any) -> dict:
        """The task output the server produces: ``{"result": first or None, "resultList": [...]}``."""
        results = self.run(query, input)
        return {"result": results[0] if results else None, "resultList": results}


_DEFAULT = JqEvaluator()


def run_jq(query: str, input: Any) -> List[Any]:
    """:meth:`JqEvaluator.run` with the default limits."""
    return _DEFAULT.run(query, input)


def jq_task_output(query: str, input: Any) -> dict:
    """:meth:`JqEvaluator.task_output` with the default limits."""
    return _DEFAULT.task_output(query, input)


__all__ = [
    "DEFAULT_JQ_MEMORY_LIMIT_BYTES",
    "JQ_PRELUDE",
    "DEFAULT_JQ_TIME_LIMIT_SECONDS",
    "SERVER_MISSING_BUILTINS",
    "SYNTAX_NOTE",
    "JqError",
    "JqEvaluator",
    "JqLimitExceeded",
    "jq_task_output",
    "prepare_program",
    "run_jq",
]
