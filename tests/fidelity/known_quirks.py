"""Server behaviour the in-memory engine deliberately does not (or cannot) reproduce.

Every entry names a case, says why the difference is acceptable, and lists exactly which fields
differ: the part before ``": "`` of each line of
``conductor_testkit.testing.compare.diff_workflows(normalised golden, normalised engine run)``.
The fidelity test asserts that the engine's diff touches exactly these fields, so when a quirk
disappears (the engine learned it, or the golden changed) the test fails and the entry must be
removed. Only real server quirks belong here: everything else is an engine bug to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, List, Optional


@dataclass(frozen=True)
class Quirk:
    """A documented, accepted difference between the server's golden and the engine's run."""

    reason: str
    differing_fields: FrozenSet[str]


def differing_fields(diff_lines: Iterable[str]) -> FrozenSet[str]:
    """The fields named by diff lines (``"task 'jq' (retryCount 0) outputData.error"``, ...)."""
    return frozenset(line.split(": ", 1)[0] for line in diff_lines)


def assert_agrees_or_quirk(
    name: str, lines: List[str], quirk: Optional[Quirk], explanation: str, listed_in: str
) -> None:
    """Case ``name``'s engine run shows no difference (``lines``) from its golden, or exactly the
    fields of its ``quirk`` (listed in the file ``listed_in``, whose entry must go once it no
    longer matches)."""
    if quirk is None:
        assert lines == [], explanation
    else:
        assert lines and differing_fields(lines) == quirk.differing_fields, (
            f"the listed difference of {name!r} changed ({quirk.reason}); if the engine now matches "
            f"the server, remove the entry from {listed_in}.\n" + explanation
        )


_JQ_MESSAGE_FIELDS = frozenset(
    {
        "workflow.output.error",
        "workflow.reasonForIncompletion",
        "task 'jq' (retryCount 0) outputData.error",
        "task 'jq' (retryCount 0) reasonForIncompletion",
    }
)

KNOWN_QUIRKS: Dict[str, Quirk] = {
    "jq_compile_error": Quirk(
        reason=(
            "The server compiles jq programs with jackson-jq, whose JavaCC parser reports syntax "
            "errors as 'Encountered ... Was expecting one of: <token list>'. The engine uses the "
            "real jq (jq.py), which reports its own syntax error text; reproducing the JavaCC "
            "expectation lists for arbitrary programs is not feasible. Status, failure "
            "propagation and everything else match; only the message text differs."
        ),
        differing_fields=_JQ_MESSAGE_FIELDS,
    ),
    "inline_host_objects": Quirk(
        reason=(
            "GraalJS exposes the input map to scripts as a Java host object, so "
            "Object.keys($.m) lists the members of java.util.HashMap as well (35 on the server "
            "for a two-key map). The engine answers with the map's keys (2) and warns with "
            "ServerDivergenceWarning, naming the workflow and the task, that the server answers "
            "differently; copying the JVM's member list would make the keys unreadable."
        ),
        differing_fields=frozenset({"task 'keys' (retryCount 0) outputData.result"}),
    ),
    "jq_error": Quirk(
        reason=(
            "jackson-jq implements tonumber with Java's Double parsing, so a non-numeric string "
            "fails with NumberFormatException's text 'For input string: \"...\"'; libjq (jq.py) "
            "reports 'string (\"...\") cannot be parsed as a number'. Runtime error texts of two "
            "different jq implementations; status and failure propagation match."
        ),
        differing_fields=_JQ_MESSAGE_FIELDS,
    ),
    "jq_value_types": Quirk(
        reason=(
            "jackson-jq keeps JSON number types (the literal 1.0 and 1e3 stay doubles: 1.0, "
            "1000.0) and its tostring writes object keys sorted; libjq (jq.py) hands back integral "
            "numbers as integers and keeps insertion order in tostring. Libjq cannot be made to "
            "track jackson-jq's number nodes; every other value in the case (int division, sort, "
            "keys, ascii_upcase, length, tostring of a number) matches."
        ),
        differing_fields=frozenset(
            f"{prefix}{field}"
            for prefix in ("workflow.output.", "task 'jq' (retryCount 0) outputData.")
            for field in (
                "result.a",
                "result.c",
                "result.g",
                "resultList[0].a",
                "resultList[0].c",
                "resultList[0].g",
            )
        ),
    ),
}
