"""The python evaluator: GraalPy's answers on the safe subset, a clear refusal beyond it."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from conductor_testkit.engine import Engine
from conductor_testkit.engine.python_evaluator import PythonError, PythonUnsupported, evaluate_python

INPUT: Dict[str, Any] = {"a": 3, "s": "red", "m": {"x": 1}, "l": [1, 2], "n": None}


@pytest.mark.parametrize(
    "script, expected",
    [
        ("return a + 1", 4),
        ("return s.upper()", "RED"),
        ("x = a * 2\nreturn x", 6),
        ("return 10 / 4", 2.5),
        ("return 2 ** 40", 1099511627776),
        ('return "%s-%d" % (s, a)', "red-3"),
        ('return f"{s}-{a}"', "red-3"),
        ("return n is None", True),
        ("return str(m)", "java.util.HashMap"),
        ("return l", [1, 2]),
        ("a + 1", None),
        ('if a > 2:\n    return "big"\nreturn "small"', "big"),
        ('return "-".join([str(i) for i in range(3)])', "0-1-2"),
    ],
)
def test_scripts_answer_what_graalpy_answers(script: str, expected: Any) -> None:
    assert evaluate_python(script, dict(INPUT)) == expected


@pytest.mark.parametrize(
    "script, message",
    [
        ('return m["x"]', "TypeError: 'polyglot.ForeignObject' object is not subscriptable"),
        ("return [i for i in l]", "TypeError: 'polyglot.ForeignObject' object is not iterable"),
        ('return m.get("x")', "AttributeError: foreign object has no attribute 'get'"),
        ("return nope", "NameError: name 'nope' is not defined"),
        ("return a / 0", "ZeroDivisionError: division by zero"),
        ("$.k", "SyntaxError: invalid syntax (Unnamed, line 3)"),
    ],
)
def test_errors_carry_graalpy_texts(script: str, message: str) -> None:
    with pytest.raises(PythonError) as raised:
        evaluate_python(script, dict(INPUT))
    assert raised.value.message == message
    assert not isinstance(raised.value, PythonUnsupported)


@pytest.mark.parametrize(
    "script",
    [
        "import os\nreturn os.getcwd()",
        "return ().__class__.__bases__",
        "return (lambda: 1)()",
        "while True:\n    pass",
        'return "a" * 10 ** 9',
        "return 9 ** 9 ** 9",
        'x = "a" * 100000\nreturn "".join([x] * 100000)',
        "return {'k': a}",
    ],
)
def test_what_the_engine_will_not_run_is_refused(script: str) -> None:
    with pytest.raises(PythonUnsupported):
        evaluate_python(script, dict(INPUT))


def test_a_refused_switch_script_fails_the_switch_naming_it() -> None:
    workflow = Engine().execute(
        {
            "name": "py",
            "version": 1,
            "workflowDef": {
                "name": "py",
                "version": 1,
                "tasks": [
                    {
                        "name": "route",
                        "taskReferenceName": "route",
                        "type": "SWITCH",
                        "evaluatorType": "python",
                        "expression": "import os\nreturn 'x'",
                        "inputParameters": {"k": 1},
                        "decisionCases": {"x": [{"name": "n", "taskReferenceName": "n", "type": "NOOP"}]},
                    }
                ],
            },
        }
    )
    (task,) = workflow["tasks"]
    assert task["status"] == "FAILED"
    assert task["reasonForIncompletion"].startswith("SWITCH task 'route': Import (line 3) is not supported")
