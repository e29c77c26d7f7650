"""The ``python`` evaluator of SWITCH (and INLINE) on a safe subset of Python.

The server (PythonEvaluator, GraalPy) binds every input key as a global variable, wraps the
expression as the body of ``def evaluate():`` (``global`` declarations first) and answers what
``evaluate()`` returns; a script without ``return`` answers null. GraalPy sees the input's maps
and lists as foreign Java objects: they can be passed around, returned and compared with None,
and ``str()`` gives their Java class (``java.util.HashMap``, ``java.util.LinkedList``), but they
cannot be indexed, iterated or have attributes (TypeError/AttributeError). Errors fail the task
with GraalPy's text, ``<ExceptionType>: <message>`` (``SyntaxError: invalid syntax (Unnamed, line
3)``).

The engine never hands user code to Python's own ``exec``: :func:`evaluate_python` walks the
syntax tree itself and runs only what it knows to be harmless, within step and size limits:
assignments, ``if``/``elif``/``else``, ``for`` over a string, list or ``range``, ``while``,
``return``; arithmetic, comparisons, boolean logic, conditional expressions, f-strings and
``%`` formatting; list, tuple and dict displays, list comprehensions, indexing and slicing of the
script's own values;
the builtins ``len str int float bool abs min max round sum sorted range`` and the common string
methods. Anything else (imports, attribute access beyond those methods, function or class
definitions, lambdas, generators...) raises
:class:`PythonUnsupported`, whose message says the engine does not run it. A script that returns
a list or dict it built makes the server fail the request (its payload cannot be stored); the
engine refuses it the same way, with :class:`PythonUnsupported`.
"""

from __future__ import annotations

import ast
import operator
import re
from typing import Any, Callable, Dict, List, Mapping, Optional

MAX_STEPS = 200_000
MAX_SEQUENCE = 100_000
MAX_INT_BITS = 4_096
_FOREIGN_TYPE = "polyglot.ForeignObject"


class PythonError(Exception):
    """The script failed as it would on the server: ``message`` is GraalPy's text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PythonUnsupported(PythonError):
    """The script uses something the engine's safe evaluator does not run."""


_WHOLE_EXPRESSION = re.compile(r"^\$\{[^{}]*\}$")


class Foreign:
    """A map or list of the input, as GraalPy shows a Java object to the script.

    Its Java class depends on where it came from: a value a ``${...}`` expression found (the
    workflow input, a task's output: parsed JSON) is a LinkedHashMap or ArrayList, a map or list
    written in the inputParameters is rebuilt as a HashMap or LinkedList.
    """

    __slots__ = ("value", "java_class")

    def __init__(self, value: Any, found: bool) -> None:
        self.value = value
        if isinstance(value, Mapping):
            self.java_class = "java.util.LinkedHashMap" if found else "java.util.HashMap"
        else:
            self.java_class = "java.util.ArrayList" if found else "java.util.LinkedList"


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value


def _wrapped(expression: str, names: List[str]) -> str:
    """PythonEvaluator's source: the script as the body of ``evaluate()``, built the same way
    (without inputs its ``global`` line loses its last two characters: ``globa``)."""
    declaration = "def evaluate():\n    global " + "".join(f"{name}, " for name in names)
    source = declaration[:-2] + "\n"
    for line in expression.split("\n"):
        source += "    " + line + "\n"
    return source + "\nresult = evaluate()"


def evaluate_python(expression: str, input: Any, parameters: Optional[Mapping[str, Any]] = None) -> Any:
    """Run ``expression`` like the server's python evaluator; the JSON value it returns.

    ``input`` holds the resolved inputs, ``parameters`` the inputParameters they were resolved
    from (telling which maps and lists a ``${...}`` expression found; see :class:`Foreign`).
    Raises :class:`PythonError` for what fails on the server too, :class:`PythonUnsupported` for
    what the engine will not run.
    """
    if not isinstance(input, Mapping):
        return None
    names = [str(k) for k in input]
    try:
        tree = ast.parse(_wrapped(expression, names), filename="Unnamed")
    except SyntaxError as exc:
        raise PythonError(f"SyntaxError: {exc.msg} (Unnamed, line {exc.lineno})") from None
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef)
    raw = parameters or {}
    variables = {str(k): _to_python(v, _found(raw.get(k))) for k, v in input.items()}
    interpreter = _Interpreter(variables)
    try:
        interpreter.block(function.body)
        result = None
    except _Return as returned:
        result = returned.value
    except PythonError:
        raise
    except RecursionError:
        raise PythonUnsupported("the script nests too deeply for the engine's python evaluator") from None
    except (ArithmeticError, TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
        raise PythonError(f"{type(exc).__name__}: {exc}") from None
    return _to_json(result)


def _found(parameter: Any) -> bool:
    return isinstance(parameter, str) and bool(_WHOLE_EXPRESSION.match(parameter))


def _to_python(value: Any, found: bool) -> Any:
    return Foreign(value, found) if isinstance(value, (Mapping, list)) else value


def _to_json(value: Any) -> Any:
    if isinstance(value, Foreign):
        return value.value
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise PythonUnsupported(
        f"the script returns a Python {type(value).__name__}; the server cannot store such a result "
        "(the request fails with HTTP 500): return a string, a number, a boolean, None or an input value"
    )


_BINARY: Dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_COMPARE: Dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in _iterable(b),
    ast.NotIn: lambda a, b: a not in _iterable(b),
}
_STRING_METHODS = frozenset(
    {
        "upper",
        "lower",
        "strip",
        "lstrip",
        "rstrip",
        "startswith",
        "endswith",
        "replace",
        "split",
        "join",
        "title",
        "capitalize",
        "count",
        "find",
        "isdigit",
        "isalpha",
        "zfill",
    }
)
_PERCENT_WIDTH = re.compile(r"%[-+ #0]*(\*|\d+)")


def _iterable(value: Any) -> Any:
    if isinstance(value, Foreign):
        raise TypeError(f"'{_FOREIGN_TYPE}' object is not iterable")
    return value


def _too_long() -> PythonUnsupported:
    return PythonUnsupported(f"a value longer than {MAX_SEQUENCE} in the engine's python evaluator")


def _length(value: Any, budget: int = MAX_SEQUENCE) -> int:
    """A bound on the text length of ``value`` (stops counting once beyond ``budget``)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (list, tuple, dict)):
        total = 2
        for item in value.items() if isinstance(value, dict) else value:
            total += _length(item, budget) + 2
            if total > budget:
                return total
        return total
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() // 3 + 2
    return 32


def _str(value: Any = "") -> str:
    if isinstance(value, Foreign):
        return value.java_class
    if isinstance(value, (list, tuple, dict)):
        if _length(value) > MAX_SEQUENCE:
            raise _too_long()
        text = repr(value)
        if "Foreign" in text:
            raise PythonUnsupported("str() of a container that holds input maps or lists")
        return text
    return str(value)


def _string_method(owner: str, name: str) -> Callable[..., Any]:
    """A string method whose result stays within the size limit (checked before it is built)."""
    method = getattr(owner, name)

    def call(*args: Any) -> Any:
        if name == "join":
            items = [_str(a) if isinstance(a, Foreign) else a for a in _iterable(args[0])] if args else []
            if _length(items) + len(owner) * len(items) > MAX_SEQUENCE:
                raise _too_long()
            args = (items,)
        elif name == "replace" and len(args) >= 2 and isinstance(args[1], str):
            if len(owner) * max(len(args[1]), 1) + len(args[1]) > MAX_SEQUENCE:
                raise _too_long()
        elif name == "zfill" and args and isinstance(args[0], int) and args[0] > MAX_SEQUENCE:
            raise _too_long()
        return method(*args)

    return call


def _checked(value: Any) -> Any:
    """Keep values within the evaluator's size limits."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise PythonUnsupported(f"an integer beyond {MAX_INT_BITS} bits in the engine's python evaluator")
    if isinstance(value, (str, list, tuple, dict)) and len(value) > MAX_SEQUENCE:
        raise _too_long()
    return value


def _range(*args: Any) -> range:
    r = range(*args)
    if len(r) > MAX_SEQUENCE:
        raise PythonUnsupported(f"a range longer than {MAX_SEQUENCE} in the engine's python evaluator")
    return r


_BUILTINS: Dict[str, Callable[..., Any]] = {
    "len": lambda v: len(_iterable(v)),
    "str": _str,
    "int": int,
    "float": float,
    "bool": bool,
    "abs": abs,
    "min": lambda *a: min(*[_iterable(x) for x in a]),
    "max": lambda *a: max(*[_iterable(x) for x in a]),
    "round": round,
    "sum": lambda v, *rest: sum(_iterable(v), *rest),
    "sorted": lambda v: sorted(_iterable(v)),
    "range": _range,
}


class _Interpreter:
    """Walks statements and expressions of the supported subset."""

    def __init__(self, variables: Dict[str, Any]) -> None:
        self.variables = variables
        self.steps = 0

    def _step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise PythonUnsupported(
                f"the script ran more than {MAX_STEPS} steps in the engine's python evaluator"
            )

    @staticmethod
    def _unsupported(node: ast.AST) -> PythonUnsupported:
        return PythonUnsupported(
            f"{type(node).__name__} (line {getattr(node, 'lineno', '?')}) is not supported by the "
            "engine's python evaluator, which runs a safe subset of Python"
        )

    # -- statements -----------------------------------------------------------------------------
    def block(self, statements: List[ast.stmt]) -> None:
        for statement in statements:
            self.statement(statement)

    def statement(self, node: ast.stmt) -> None:
        self._step()
        if isinstance(node, ast.Return):
            raise _Return(self.expr(node.value) if node.value is not None else None)
        if isinstance(node, ast.Assign):
            value = self.expr(node.value)
            for target in node.targets:
                self._assign(target, value)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            current = self._name(node.target.id)
            self.variables[node.target.id] = self._binary(node.op, current, self.expr(node.value), node)
        elif isinstance(node, ast.If):
            self.block(node.body if self._truth(self.expr(node.test)) else node.orelse)
        elif isinstance(node, ast.For) and not node.orelse:
            for item in _iterable(self.expr(node.iter)):
                self._step()
                self._assign(node.target, item)
                self.block(node.body)
        elif isinstance(node, ast.While) and not node.orelse:
            while self._truth(self.expr(node.test)):
                self._step()
                self.block(node.body)
        elif isinstance(node, ast.Expr):
            self.expr(node.value)
        elif not isinstance(node, (ast.Pass, ast.Global)):
            raise self._unsupported(node)

    def _assign(self, target: ast.expr, value: Any) -> None:
        if isinstance(target, ast.Name):
            self.variables[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            items = list(_iterable(value))
            if len(items) != len(target.elts):
                raise ValueError(f"expected {len(target.elts)} values to unpack, got {len(items)}")
            for sub, item in zip(target.elts, items):
                self._assign(sub, item)
        else:
            raise self._unsupported(target)

    # -- expressions ----------------------------------------------------------------------------
    def expr(self, node: ast.expr) -> Any:
        self._step()
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise self._unsupported(node)
        return method(node)

    def _name(self, name: str) -> Any:
        if name in self.variables:
            return self.variables[name]
        if name in _BUILTINS:
            return _BUILTINS[name]
        raise NameError(f"name '{name}' is not defined")

    @staticmethod
    def _truth(value: Any) -> bool:
        return True if isinstance(value, Foreign) else bool(value)

    def _Constant(self, node: ast.Constant) -> Any:
        if isinstance(node.value, (bytes, complex)) or node.value is Ellipsis:
            raise self._unsupported(node)
        return node.value

    def _Name(self, node: ast.Name) -> Any:
        try:
            return self._name(node.id)
        except NameError as exc:
            raise PythonError(f"NameError: {exc}") from None

    def _binary(self, op: ast.operator, left: Any, right: Any, node: ast.AST) -> Any:
        function = _BINARY.get(type(op))
        if function is None:
            raise self._unsupported(op)
        if isinstance(left, Foreign) or isinstance(right, Foreign):
            raise TypeError(f"unsupported operand type(s) for {type(op).__name__}: foreign object")
        if (
            isinstance(op, ast.Pow)
            and isinstance(left, int)
            and isinstance(right, int)
            and max(left.bit_length(), 1) * abs(right) > MAX_INT_BITS
        ):
            raise PythonUnsupported(f"an integer beyond {MAX_INT_BITS} bits in the engine's python evaluator")
        if isinstance(op, ast.Mult) and (
            isinstance(left, (str, list, tuple)) or isinstance(right, (str, list, tuple))
        ):
            count = right if isinstance(left, (str, list, tuple)) else left
            size = len(left) if isinstance(left, (str, list, tuple)) else len(right)
            if isinstance(count, int) and count * size > MAX_SEQUENCE:
                raise _too_long()
        if isinstance(op, ast.Mod) and isinstance(left, str):
            return _checked(self._percent(left, right))
        return _checked(function(left, right))

    @staticmethod
    def _percent(template: str, values: Any) -> str:
        for width in _PERCENT_WIDTH.findall(template):
            if width == "*" or int(width) > 10_000:
                raise PythonUnsupported("a %-format width beyond 10000 in the engine's python evaluator")
        parts = values if isinstance(values, tuple) else (values,)
        if len(template) + sum(_length(_str(v)) for v in parts) > MAX_SEQUENCE:
            raise _too_long()
        if any(isinstance(v, Foreign) for v in parts):
            values = tuple(_str(v) for v in parts) if isinstance(values, tuple) else _str(values)
        return template % values

    def _BinOp(self, node: ast.BinOp) -> Any:
        return self._binary(node.op, self.expr(node.left), self.expr(node.right), node)

    def _UnaryOp(self, node: ast.UnaryOp) -> Any:
        value = self.expr(node.operand)
        if isinstance(node.op, ast.Not):
            return not self._truth(value)
        if isinstance(value, Foreign):
            raise TypeError("bad operand type for unary operator: foreign object")
        if isinstance(node.op, ast.USub):
            return -value
        if isinstance(node.op, ast.UAdd):
            return +value
        raise self._unsupported(node.op)

    def _BoolOp(self, node: ast.BoolOp) -> Any:
        value: Any = None
        for operand in node.values:
            value = self.expr(operand)
            if isinstance(node.op, ast.And) and not self._truth(value):
                return value
            if isinstance(node.op, ast.Or) and self._truth(value):
                return value
        return value

    def _Compare(self, node: ast.Compare) -> Any:
        left = self.expr(node.left)
        for op, right_node in zip(node.ops, node.comparators):
            right = self.expr(right_node)
            if isinstance(left, Foreign) or isinstance(right, Foreign):
                if not isinstance(op, (ast.Is, ast.IsNot, ast.Eq, ast.NotEq)):
                    raise TypeError(f"'{_FOREIGN_TYPE}' object does not support this comparison")
                same = left is right
                result = same if isinstance(op, (ast.Is, ast.Eq)) else not same
            else:
                result = _COMPARE[type(op)](left, right)
            if not result:
                return False
            left = right
        return True

    def _IfExp(self, node: ast.IfExp) -> Any:
        return self.expr(node.body) if self._truth(self.expr(node.test)) else self.expr(node.orelse)

    def _JoinedStr(self, node: ast.JoinedStr) -> str:
        # an f-string: its constant parts and FormattedValue parts, each evaluated
        return str(_checked("".join(str(self.expr(part)) for part in node.values)))

    def _FormattedValue(self, node: ast.FormattedValue) -> str:
        if node.conversion not in (-1, None) or node.format_spec is not None:
            raise self._unsupported(node)
        return _str(self.expr(node.value))

    def _ListComp(self, node: ast.ListComp) -> List[Any]:
        if len(node.generators) != 1 or node.generators[0].is_async:
            raise self._unsupported(node)
        generator = node.generators[0]
        saved = dict(self.variables)  # the loop variable stays inside the comprehension
        out: List[Any] = []
        try:
            for item in _iterable(self.expr(generator.iter)):
                self._step()
                self._assign(generator.target, item)
                if all(self._truth(self.expr(test)) for test in generator.ifs):
                    out.append(self.expr(node.elt))
        finally:
            self.variables = saved
        return _checked(out)

    def _List(self, node: ast.List) -> List[Any]:
        return _checked([self.expr(e) for e in node.elts])

    def _Tuple(self, node: ast.Tuple) -> Any:
        return tuple(self.expr(e) for e in node.elts)

    def _Dict(self, node: ast.Dict) -> Dict[Any, Any]:
        if any(k is None for k in node.keys):
            raise self._unsupported(node)
        return {self.expr(k): self.expr(v) for k, v in zip(node.keys, node.values)}  # type: ignore[arg-type]

    def _Subscript(self, node: ast.Subscript) -> Any:
        container = self.expr(node.value)
        if isinstance(container, Foreign):
            raise TypeError(f"'{_FOREIGN_TYPE}' object is not subscriptable")
        index = node.slice
        if isinstance(index, ast.Slice):
            bounds = [self.expr(b) if b is not None else None for b in (index.lower, index.upper, index.step)]
            return container[slice(*bounds)]
        return container[self.expr(index)]

    def _Attribute(self, node: ast.Attribute) -> Any:
        owner = self.expr(node.value)
        if isinstance(owner, Foreign):
            raise AttributeError(f"foreign object has no attribute '{node.attr}'")
        if isinstance(owner, str) and node.attr in _STRING_METHODS:
            return _string_method(owner, node.attr)
        raise self._unsupported(node)

    def _Call(self, node: ast.Call) -> Any:
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise self._unsupported(node)
        function = self.expr(node.func)
        if not callable(function) or isinstance(function, Foreign):
            raise TypeError(f"'{type(function).__name__}' object is not callable")
        return _checked(function(*[self.expr(a) for a in node.args]))


def unsupported_message(task_type: str, reference: Optional[str], error: PythonUnsupported) -> str:
    """The reason a task fails with when its python script is outside the engine's subset."""
    return f"{task_type} task '{reference}': {error.message} (the server runs python scripts on GraalPy)"
