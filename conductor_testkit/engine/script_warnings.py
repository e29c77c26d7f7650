"""Warnings for scripts whose answer on the server would differ from the engine's.

On the server, scripts see the task input as Java objects (GraalJS host objects): some
operations on them answer differently from the plain JSON the engine hands its QuickJS
scripts. Where the engine cannot give the server's answer exactly, it gives the data and warns
with :class:`ServerDivergenceWarning`, naming the workflow and the task, so the test shows that
production will answer otherwise (``pytest -W error::conductor_testkit.engine.ServerDivergenceWarning``
turns it into a failure).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional


class ServerDivergenceWarning(UserWarning):
    """The engine answered a script with the data where the real server answers differently."""


@dataclass(frozen=True)
class ScriptOrigin:
    """Where a script runs: the workflow (name and id) and the task (reference and type)."""

    workflow_name: str
    workflow_id: str
    task_ref: str
    task_type: str

    @classmethod
    def of_task(cls, task: Mapping[str, Any]) -> ScriptOrigin:
        """The origin of a task dict the engine built (its workflow fields included)."""
        return cls(
            workflow_name=str(task.get("workflowType") or "?"),
            workflow_id=str(task.get("workflowInstanceId") or "?"),
            task_ref=str(task.get("referenceTaskName") or "?"),
            task_type=str(task.get("taskType") or "?"),
        )

    def __str__(self) -> str:
        return (
            f"workflow '{self.workflow_name}' ({self.workflow_id}), task '{self.task_ref}' ({self.task_type})"
        )


_MAP_MEMBERS = (
    "the Java methods of the map (get, values, clear, ...: 35 names for the java.util.LinkedHashMap "
    "of INLINE and SWITCH scripts, 25 for the java.util.HashMap of DO_WHILE conditions)"
)
NOTE_TEXTS = {
    "keys-map": (
        "reads the keys of an input map with Object.keys/values/entries/getOwnPropertyNames/"
        f"getOwnPropertyDescriptors/assign or Reflect.ownKeys: on the server these list {_MAP_MEMBERS}, "
        "not the map's keys (for...in and {...spread} give the keys on both)"
    ),
    "keys-list": (
        "reads the keys of an input list with Object.keys/values/entries/getOwnPropertyNames/"
        "getOwnPropertyDescriptors/assign or Reflect.ownKeys: on the server these list the indexes "
        "followed by the Java methods of java.util.ArrayList"
    ),
    "string-map": (
        "turns an input map into a string: the server writes Java's '{key=value, ...}' where the "
        "engine writes '[object Object]'"
    ),
    "string-list": (
        "turns an input list into a string: the server writes Java's '[a, b]' where the engine writes 'a,b'"
    ),
}


def warn_server_divergence(origin: Optional[ScriptOrigin], notes: Iterable[str]) -> None:
    """Warn once per note that the server answers this script differently (see :data:`NOTE_TEXTS`)."""
    where = str(origin) if origin is not None else "a script evaluated outside a workflow run"
    for code in notes:
        text = NOTE_TEXTS.get(code, code)
        warnings.warn(
            ServerDivergenceWarning(
                f"{where}: the script {text}; the engine answered with the input's data, the "
                "server (GraalJS, the input a Java object) will answer differently"
            ),
            stacklevel=4,
        )


__all__ = ["NOTE_TEXTS", "ScriptOrigin", "ServerDivergenceWarning", "warn_server_divergence"]
