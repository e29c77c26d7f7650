"""The ``${...}`` matcher agrees with the server's Java regular expression on random strings.

The server finds expressions with a look-ahead trick whose results on unbalanced text depend on
how Java keeps captured groups between attempts; ``find_expressions`` replays it. Java's answers
for 3,000 random strings are recorded in ``expression_matcher_java.json`` (the offline test
compares with them); the integration test runs the very expression on a JDK (the one the pinned
server needs) and checks that it still answers as recorded. To record again::

    .venv/bin/python tests/engine/test_expressions_matcher.py --record
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import List, Tuple

import pytest

from conductor_testkit.engine.expressions import find_expressions
from conductor_testkit.testing import server as server_mod

RECORDED = Path(__file__).with_name("expression_matcher_java.json")
JAVA_TIMEOUT_SECONDS = 300

JAVA_SOURCE = r"""
import java.io.*;
import java.util.regex.*;

public class ExpressionMatcher {
    static final Pattern PATTERN = Pattern.compile(
        "(?=(?<!\\$)\\$\\{)(?:(?=.*?\\{(?!.*?\\1)(.*\\}(?!.*\\2).*))(?=.*?\\}(?!.*?\\2)(.*)).)+?.*?(?=\\1)[^{]*(?=\\2$)",
        Pattern.DOTALL);

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
        String line;
        while ((line = in.readLine()) != null) {
            Matcher m = PATTERN.matcher(line);
            StringBuilder out = new StringBuilder();
            while (m.find()) out.append(m.start()).append(',').append(m.end()).append(';');
            System.out.println(out);
        }
    }
}
"""


def _cases() -> List[str]:
    rng = random.Random(20261127)
    cases = [
        "${a ${workflow.input.x}",
        "${workflow.input.x}}",
        "${a.${b}[${c}]} and ${d}",
        "$${x} ${y}",
        "${x} ${y",
        "${{}}",
        "{{${a}",
    ]
    for _ in range(1500):
        cases.append("".join(rng.choice("${}a$${}}") for _ in range(rng.randint(1, 16))))
    pieces = ["${", "}", "{", "a", "$", " ", "${x}", "$${", "${a.${b}}"]
    for _ in range(1500):
        cases.append("".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))))
    return cases


def _spans(text: str) -> str:
    return "".join(f"{a},{b};" for a, b in find_expressions(text))


def _java_spans(cases: List[str]) -> List[str]:
    """Java's match spans (``start,end;`` ...) for each case, from the JDK the server needs."""
    java = server_mod.find_java()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "ExpressionMatcher.java"
        source.write_text(JAVA_SOURCE, encoding="utf-8")
        try:
            run = subprocess.run(
                [str(java), str(source)],
                input="\n".join(cases) + "\n",
                capture_output=True,
                text=True,
                timeout=JAVA_TIMEOUT_SECONDS,
            )
        except subprocess.TimeoutExpired as exc:
            raise AssertionError(
                f"{java} compiling and running ExpressionMatcher.java on {len(cases)} strings took "
                f"longer than {JAVA_TIMEOUT_SECONDS} s"
            ) from exc
    assert run.returncode == 0, run.stderr
    return run.stdout.split("\n")[: len(cases)]


def _recorded() -> List[Tuple[str, str]]:
    """(string, Java's spans) in the order of :func:`_cases`."""
    return [(case, spans) for case, spans in json.loads(RECORDED.read_text(encoding="utf-8"))]


def test_the_recording_covers_the_cases() -> None:
    assert [case for case, _ in _recorded()] == _cases()


def test_matcher_agrees_with_java() -> None:
    mismatches = [(case, java, _spans(case)) for case, java in _recorded() if _spans(case) != java]
    assert mismatches == []


@pytest.mark.integration
def test_java_still_answers_as_recorded() -> None:
    recorded = _recorded()
    answers = _java_spans([case for case, _ in recorded])
    changed = [(case, was, now) for (case, was), now in zip(recorded, answers) if was != now]
    assert len(answers) == len(recorded)
    assert changed == [], "Java's answers changed: record again (see the module docstring)"


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        sys.exit(__doc__)
    cases = _cases()
    pairs = [[case, spans] for case, spans in zip(cases, _java_spans(cases))]
    RECORDED.write_text("[\n" + ",\n".join(json.dumps(p) for p in pairs) + "\n]\n", encoding="utf-8")
    print(f"recorded {len(pairs)} strings in {RECORDED}")
