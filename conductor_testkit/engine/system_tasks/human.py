"""HUMAN (docs/semantics.md §4.13): waits, IN_PROGRESS, until a task update ends it."""

from __future__ import annotations

from conductor_testkit.engine.system_tasks.base import (
    IN_PROGRESS,
    SystemTaskEnv,
    SystemTaskHandler,
    TaskDict,
)


class HumanHandler(SystemTaskHandler):
    """The server's HumanTaskMapper + Human: synchronous, but ``execute`` never changes it.

    It ends only through a task update (the engine's update path) or cancellation.
    """

    task_type = "HUMAN"
    is_async = False
    uses_input_template = False

    def start(self, task: TaskDict, env: SystemTaskEnv) -> None:
        """IN_PROGRESS (it already is from the mapper)."""
        task["status"] = IN_PROGRESS
