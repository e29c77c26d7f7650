"""The in-memory store of workflow runs (the server's ExecutionDAO)."""

from __future__ import annotations

from typing import Dict, Optional, Tuple

from conductor_testkit.engine.errors import EngineNotFound
from conductor_testkit.engine.run import TaskDict, WorkflowRun


class Store:
    """Workflow runs by id, and a task-id lookup across runs."""

    def __init__(self) -> None:
        self.runs: Dict[str, WorkflowRun] = {}
        self._owner: Dict[str, str] = {}

    def add(self, run: WorkflowRun) -> None:
        self.runs[run.workflow_id] = run

    def run(self, workflow_id: str) -> WorkflowRun:
        """The run with this id, or EngineNotFound (the server's 404 text)."""
        run = self.runs.get(workflow_id)
        if run is None:
            raise EngineNotFound(f"No such workflow found by id: {workflow_id}")
        return run

    def remove(self, workflow_id: str) -> None:
        """Forget a run (the remove operation)."""
        self.runs.pop(workflow_id, None)

    def find_task(self, task_id: str) -> Optional[Tuple[WorkflowRun, TaskDict]]:
        """The run and task dict with this task id, or None."""
        owner = self._owner.get(task_id)
        if owner is not None:
            run = self.runs.get(owner)
            if run is not None and task_id in run.by_id:
                return run, run.by_id[task_id]
        for run in self.runs.values():
            task = run.by_id.get(task_id)
            if task is not None:
                self._owner[task_id] = run.workflow_id
                return run, task
        return None
