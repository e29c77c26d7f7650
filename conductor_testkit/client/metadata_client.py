"""MetadataClient: workflow and task definitions (``/metadata/...``)."""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Union

from conductor_testkit.client.api_client import ResourceClient, path_segment, to_body
from conductor_testkit.models import TaskDef, WorkflowDef

WorkflowDefLike = Union[WorkflowDef, dict]
TaskDefLike = Union[TaskDef, dict]


class MetadataClient(ResourceClient):
    """Register, update, read, list and delete workflow and task definitions.

    Definitions may be given as models or as wire dicts; unknown fields are sent unchanged.
    """

    # -- workflow definitions ------------------------------------------------------------------

    def register_workflow_def(self, workflow_def: WorkflowDefLike, overwrite: Optional[bool] = True) -> None:
        """Create a workflow definition (``POST /metadata/workflow``).

        With ``overwrite=False`` an existing name and version raises ConflictError.
        """
        self.api_client.call(
            "POST",
            "/metadata/workflow",
            params={"overwrite": overwrite},
            json_body=to_body(WorkflowDef, workflow_def, "workflow_def"),
            idempotent=bool(overwrite),
        )

    def update_workflow_def(self, workflow_def: WorkflowDefLike, overwrite: Optional[bool] = True) -> None:
        """Create or replace a workflow definition (``PUT /metadata/workflow``)."""
        self.update_workflow_defs([workflow_def], overwrite=overwrite)

    def update_workflow_defs(
        self, workflow_defs: Sequence[WorkflowDefLike], overwrite: Optional[bool] = True
    ) -> None:
        """Create or replace several workflow definitions in one call."""
        self.api_client.call(
            "PUT",
            "/metadata/workflow",
            params={"overwrite": overwrite},
            json_body=[to_body(WorkflowDef, d, f"workflow_defs[{i}]") for i, d in enumerate(workflow_defs)],
        )

    def get_workflow_def(self, name: str, version: Optional[int] = None) -> WorkflowDef:
        """A workflow definition; the latest version when ``version`` is None."""
        return self.api_client.call_model(
            WorkflowDef, "GET", f"/metadata/workflow/{path_segment(name)}", params={"version": version}
        )

    def get_all_workflow_defs(self) -> List[WorkflowDef]:
        """Every version of every workflow definition."""
        return self.api_client.call_models(WorkflowDef, "GET", "/metadata/workflow")

    def unregister_workflow_def(self, workflow_name: str, version: int) -> None:
        """Delete one version of a workflow definition."""
        self.api_client.call(
            "DELETE", f"/metadata/workflow/{path_segment(workflow_name)}/{path_segment(version)}"
        )

    def validate_workflow_def(self, workflow_def: WorkflowDefLike) -> None:
        """Ask the server to validate a definition without registering it.

        Raises BadRequestError listing the server's validation errors when it is invalid.
        """
        self.api_client.call(
            "POST",
            "/metadata/workflow/validate",
            json_body=to_body(WorkflowDef, workflow_def, "workflow_def"),
            idempotent=True,
        )

    # -- task definitions ----------------------------------------------------------------------

    def register_task_def(self, task_def: Union[TaskDefLike, Sequence[TaskDefLike]]) -> None:
        """Register one task definition or a list of them (``POST /metadata/taskdefs``)."""
        defs: List[Any] = list(task_def) if isinstance(task_def, (list, tuple)) else [task_def]
        self.api_client.call(
            "POST",
            "/metadata/taskdefs",
            json_body=[to_body(TaskDef, d, f"task_def[{i}]") for i, d in enumerate(defs)],
            idempotent=True,  # registering the same definitions again has the same effect
        )

    def register_task_defs(self, task_defs: Sequence[TaskDefLike]) -> None:
        """Register several task definitions in one call."""
        self.register_task_def(list(task_defs))

    def update_task_def(self, task_def: TaskDefLike) -> None:
        """Replace a task definition (``PUT /metadata/taskdefs``)."""
        self.api_client.call("PUT", "/metadata/taskdefs", json_body=to_body(TaskDef, task_def, "task_def"))

    def get_task_def(self, task_type: str) -> TaskDef:
        """A task definition by name."""
        return self.api_client.call_model(TaskDef, "GET", f"/metadata/taskdefs/{path_segment(task_type)}")

    def get_all_task_defs(self) -> List[TaskDef]:
        """Every task definition."""
        return self.api_client.call_models(TaskDef, "GET", "/metadata/taskdefs")

    def unregister_task_def(self, task_type: str) -> None:
        """Delete a task definition."""
        self.api_client.call("DELETE", f"/metadata/taskdefs/{path_segment(task_type)}")
