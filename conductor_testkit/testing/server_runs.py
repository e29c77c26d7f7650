"""Reading a run on a real server: the workflow and its running sub-workflows, and their open tasks.

Both server backends read runs the same way: the root workflow with its tasks, then the running
sub-workflow of each open SUB_WORKFLOW task (recursively), so that a task waiting deep in a child
is seen and named. An open *leaf* is a task that is not a container (SUB_WORKFLOW, DO_WHILE, a
fork, a SWITCH, a JOIN): what a run that does not end actually waits for.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

from conductor_testkit.models import TaskType
from conductor_testkit.testing.execution import FAILURE_WORKFLOW_KEY

__all__ = [
    "CONTAINERS",
    "OPEN",
    "SYSTEM_TASK_TYPES",
    "FAILURE_WORKFLOW_ID_SECONDS",
    "WORKFLOW_FINAL",
    "OpenTask",
    "RunFamily",
    "expects_failure_workflow",
    "is_worker_task",
    "read_family",
    "read_failure_workflow_id",
    "timed_wait_seconds",
]

OPEN = frozenset({"SCHEDULED", "IN_PROGRESS"})
WORKFLOW_FINAL = frozenset({"COMPLETED", "FAILED", "TIMED_OUT", "TERMINATED"})
# the task types the server runs itself; any other type is a worker task of that name
SYSTEM_TASK_TYPES = frozenset(t.value for t in TaskType) - {"SIMPLE", "USER_DEFINED"}
CONTAINERS = frozenset(
    {
        "SUB_WORKFLOW",
        "DO_WHILE",
        "FORK",
        "FORK_JOIN",
        "FORK_JOIN_DYNAMIC",
        "SWITCH",
        "DECISION",
        "JOIN",
        "EXCLUSIVE_JOIN",
    }
)


def is_worker_task(task: Mapping[str, Any]) -> bool:
    """Whether a worker (not the server) settles this task: its type is not a system task type."""
    return str(task.get("taskType")) not in SYSTEM_TASK_TYPES


def timed_wait_seconds(task: Mapping[str, Any]) -> Optional[int]:
    """For a WAIT with a duration or an end date: how long it waits from its start (the server
    puts it in ``callbackAfterSeconds``); None for a WAIT that waits for a signal, or another task."""
    if task.get("taskType") != "WAIT":
        return None
    inputs = task.get("inputData") or {}
    if not (inputs.get("duration") or inputs.get("until")):
        return None
    return int(task.get("callbackAfterSeconds") or 0)


@dataclass(frozen=True)
class OpenTask:
    """An open leaf task of a run and the workflow it belongs to."""

    task: Mapping[str, Any]
    workflow: Mapping[str, Any]

    @property
    def ref(self) -> str:
        return str(self.task.get("referenceTaskName"))

    @property
    def type(self) -> str:
        return str(self.task.get("taskType"))

    @property
    def status(self) -> str:
        return str(self.task.get("status"))

    @property
    def workflow_id(self) -> str:
        return str(self.workflow.get("workflowId"))

    @property
    def state(self) -> Tuple[Any, ...]:
        """What changes when anything happens to the task (compared between two reads)."""
        return (self.task.get("taskId"), self.status, self.task.get("pollCount"), self.task.get("updateTime"))


@dataclass
class RunFamily:
    """A root workflow and its running sub-workflows (parents before children), as read."""

    workflows: List[Dict[str, Any]]

    @property
    def root(self) -> Dict[str, Any]:
        return self.workflows[0]

    @property
    def is_final(self) -> bool:
        return str(self.root.get("status")) in WORKFLOW_FINAL

    def open_leaves(self) -> List[OpenTask]:
        """Every open task that is not a container, in each workflow's task order."""
        return list(self._open_leaves())

    def _open_leaves(self) -> Iterator[OpenTask]:
        for workflow in self.workflows:
            if workflow.get("status") != "RUNNING":
                continue
            for task in workflow.get("tasks") or []:
                if task.get("status") in OPEN and task.get("taskType") not in CONTAINERS:
                    yield OpenTask(task, workflow)

    def state(self) -> Tuple[Any, ...]:
        """The statuses of the workflows and their open leaves (equal reads: nothing moved)."""
        return tuple(w.get("status") for w in self.workflows) + tuple(t.state for t in self.open_leaves())


def read_family(workflow_client: Any, root: Dict[str, Any]) -> RunFamily:
    """``root`` (as read) and the sub-workflows its open SUB_WORKFLOW tasks run, read now."""
    workflows = [root]
    index = 0
    while index < len(workflows):
        for task in workflows[index].get("tasks") or []:
            child_id = task.get("subWorkflowId")
            if task.get("taskType") == "SUB_WORKFLOW" and task.get("status") in OPEN and child_id:
                workflows.append(workflow_client.get_workflow(child_id, include_tasks=True).to_dict())
        index += 1
    return RunFamily(workflows)


# how long an ended workflow may take to show the id of the failure workflow it started
FAILURE_WORKFLOW_ID_SECONDS = 5.0


def expects_failure_workflow(workflow: Mapping[str, Any]) -> bool:
    """Whether the ended ``workflow`` starts a failure workflow: its definition names one and it
    did not complete."""
    failure_name = (workflow.get("workflowDefinition") or {}).get("failureWorkflow")
    return bool(failure_name) and workflow.get("status") != "COMPLETED"


def read_failure_workflow_id(
    workflow_client: Any, workflow: Dict[str, Any], deadline: float, poll_seconds: float
) -> Dict[str, Any]:
    """``workflow`` as read again once the server has written its failure workflow's id (or why it
    did not start) into its output, or at ``deadline`` (a ``time.monotonic()`` value).

    A failed workflow with a failure workflow is saved ended first; the server then starts the
    failure workflow and saves the output again (WorkflowExecutorOps.terminateWorkflow), so a read
    in between sees the end without the id. Nothing is awaited for a workflow that completed.
    """
    if not expects_failure_workflow(workflow):
        return workflow
    workflow_id = str(workflow.get("workflowId"))
    while FAILURE_WORKFLOW_KEY not in (workflow.get("output") or {}) and time.monotonic() < deadline:
        time.sleep(poll_seconds)
        workflow = workflow_client.get_workflow(workflow_id, include_tasks=True).to_dict()
    return workflow
