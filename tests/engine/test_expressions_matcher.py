"""The ``${...}`` matcher agrees with the server's Java regular expression on random strings.

The server finds expressions with a look-ahead trick whose results on unbalanced text depend on
how Java keeps captured groups between attempts; ``find_expressions`` replays it. This test runs
the very expression on a JDK (the one the pinned server needs) and compares.
"""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest

from conductor_testkit.engine.expressions import find_expressions
from conductor_testkit.testing import server as server_mod

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


def _cases() -> list:
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


def test_matcher_agrees_with_java(tmp_path: Path):
    try:
        java = server_mod.find_java()
    except Exception as exc:  # no JDK 21+: nothing to compare with
        pytest.skip(f"no JDK: {exc}")
    source = tmp_path / "ExpressionMatcher.java"
    source.write_text(JAVA_SOURCE)
    cases = _cases()
    run = subprocess.run(
        [str(java), str(source)], input="\n".join(cases) + "\n", capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    java_spans = run.stdout.split("\n")
    mismatches = [
        (case, expected, "".join(f"{a},{b};" for a, b in find_expressions(case)))
        for case, expected in zip(cases, java_spans)
        if "".join(f"{a},{b};" for a, b in find_expressions(case)) != expected
    ]
    assert mismatches == []
