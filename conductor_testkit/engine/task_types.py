"""What an unknown task type means, said where a run stops on it.

The server runs a task whose ``type`` it does not know as a worker task of that type
(USER_DEFINED), and so does the engine. A typo such as ``SWTICH`` therefore waits for a worker
that never comes; the message that names the blocking task says so.
"""

from __future__ import annotations

import difflib
from typing import Any, Mapping, Optional

from conductor_testkit.models.enums import TaskType

_KNOWN = frozenset(t.value for t in TaskType)


def unknown_type_note(task: Mapping[str, Any]) -> str:
    """'' for a known type or SIMPLE; else a sentence naming the type (and the closest known one)."""
    workflow_task = task.get("workflowTask") or {}
    declared: Optional[str] = workflow_task.get("type")
    if not declared or declared in _KNOWN:
        return ""
    note = f"; {declared!r} is not a Conductor task type, so it runs as a worker task of that type"
    close = difflib.get_close_matches(declared.upper(), sorted(_KNOWN), n=1, cutoff=0.7)
    if close:
        note += f" (did you mean {close[0]!r}?)"
    return note
