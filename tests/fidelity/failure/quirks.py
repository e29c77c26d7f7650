"""Server behaviours the engine deliberately does not copy, with the exact difference they cause.

Each entry names a case whose golden shows the quirk. The fidelity test asserts that the engine's
difference from the golden is exactly ``expected_diff`` — no more (anything else is an engine
bug) and no less (if the difference disappears, the entry is stale). ``KNOWN_QUIRKS.md`` in this
folder explains each one at length.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Mapping, Tuple


@dataclass(frozen=True)
class Quirk:
    """A documented server quirk: why it is not copied, and the diff lines it produces."""

    why: str
    expected_diff: Tuple[str, ...]


KNOWN_QUIRKS: Dict[str, Quirk] = {
    "failure_workflow_snapshot_paths_in_first_decide": Quirk(
        why=(
            "The server hands the failure workflow its failedWorkflow input as an in-memory "
            "WorkflowModel object; JSONPath cannot walk into a Java object, so during the decide "
            "that starts the failure workflow ${workflow.input.failedWorkflow.<field>} is null. "
            "After the first persist the input is a JSON map and the same path resolves. The "
            "engine always resolves it (the value a later decide on the server sees)."
        ),
        expected_diff=(
            "failureWorkflow: task 'notify' (retryCount 0) inputData.failedId: expected null, "
            'got "<failed-workflow>"',
            "failureWorkflow: task 'notify' (retryCount 0) inputData.failedStatus: expected null, "
            'got "FAILED"',
        ),
    ),
}


# Cases whose server run can lose a race between the decider and the background JOIN evaluation.
# The golden holds the ordinary outcome; a lost race is recognised by its signature (the JOIN
# FAILED) and the integration test then runs the case again.
_JOIN_RACE = (
    "A fork branch task fails and is retried. The JOIN is evaluated by the server's background "
    "system-task worker on its own copy of the workflow; when it reads the branch's FAILED attempt "
    "before the decider has saved the retry attempt, it fails the JOIN (and the workflow) although "
    "the retry would succeed. The engine has no such race: it decides before the JOIN is evaluated."
)
SERVER_RACES: Dict[str, str] = {
    "retry_input_re_resolved": _JOIN_RACE,
    "fork_branch_retried_join_waits": _JOIN_RACE,
}


def lost_join_race(workflow: Mapping[str, Any]) -> bool:
    """Whether a server run shows the JOIN race's signature: a FAILED JOIN task."""
    return any(
        t.get("taskType") == "JOIN" and t.get("status") == "FAILED" for t in workflow.get("tasks") or []
    )
