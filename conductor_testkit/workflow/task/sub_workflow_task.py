"""SUB_WORKFLOW: run another workflow (registered, or defined inline) and wait for it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Optional

from typing_extensions import Unpack

from conductor_testkit.models import TaskType
from conductor_testkit.workflow.task.task import TaskInterface, TaskOptions

if TYPE_CHECKING:
    from conductor_testkit.workflow.conductor_workflow import ConductorWorkflow


class SubWorkflowTask(TaskInterface, wire_type="SUB_WORKFLOW"):
    """A sub-workflow started by name (and version; the latest when ``None``).

    Its input parameters become the child's input.
    """

    def __init__(
        self,
        task_ref_name: str,
        workflow_name: str,
        version: Optional[int] = None,
        task_to_domain_map: Optional[Dict[str, str]] = None,
        **options: Unpack[TaskOptions],
    ) -> None:
        super().__init__(task_reference_name=task_ref_name, task_type=TaskType.SUB_WORKFLOW, **options)
        params: Dict[str, Any] = {"name": workflow_name}
        if version is not None:
            params["version"] = version
        if task_to_domain_map is not None:
            params["taskToDomain"] = dict(task_to_domain_map)
        self._fields["subWorkflowParam"] = params


class InlineSubWorkflowTask(TaskInterface):
    """A sub-workflow whose definition is sent inline (nothing to register).

    The definition is rendered from ``workflow`` each time this task is rendered, so later
    changes to ``workflow`` show.
    """

    def __init__(
        self, task_ref_name: str, workflow: ConductorWorkflow, **options: Unpack[TaskOptions]
    ) -> None:
        super().__init__(task_reference_name=task_ref_name, task_type=TaskType.SUB_WORKFLOW, **options)
        self.workflow = workflow

    def to_dict(self) -> Dict[str, Any]:
        out = super().to_dict()
        params: Dict[str, Any] = {"name": self.workflow.name}
        if self.workflow.version is not None:
            params["version"] = self.workflow.version
        params["workflowDefinition"] = self.workflow.to_dict()
        out["subWorkflowParam"] = params
        return out
