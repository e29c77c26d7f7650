"""REST routes of workflow and task definitions (``/metadata``)."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from conductor_testkit.engine.definitions import normalize_workflow_def, populate_task_definitions
from conductor_testkit.engine.rest._common import (
    RestError,
    Route,
    RouterBase,
    ValidationFailed,
    _Call,
    _path_int,
    _validation_root,
)
from conductor_testkit.engine.validation import DefinitionValidationError, validate_workflow_def

METADATA_ROUTES: Tuple[Route, ...] = (
    # metadata: workflow definitions
    Route("POST", "/metadata/workflow", "register_workflow_def"),
    Route("POST", "/metadata/workflow/validate", "validate_workflow_def"),
    Route("PUT", "/metadata/workflow", "update_workflow_defs"),
    Route("GET", "/metadata/workflow", "get_all_workflow_defs"),
    Route("GET", "/metadata/workflow/names-and-versions", "get_workflow_names_and_versions"),
    Route("GET", "/metadata/workflow/latest-versions", "get_latest_workflow_defs"),
    Route("GET", "/metadata/workflow/{name}/versions", "get_workflow_versions"),
    Route("GET", "/metadata/workflow/{name}", "get_workflow_def"),
    Route("DELETE", "/metadata/workflow/{name}/{version}", "unregister_workflow_def"),
    # metadata: task definitions
    Route("POST", "/metadata/taskdefs", "register_task_defs"),
    Route("PUT", "/metadata/taskdefs", "update_task_def"),
    Route("GET", "/metadata/taskdefs", "get_all_task_defs"),
    Route("GET", "/metadata/taskdefs/{tasktype}", "get_task_def"),
    Route("DELETE", "/metadata/taskdefs/{tasktype}", "unregister_task_def"),
)


class MetadataHandlers(RouterBase):
    """Handlers of the ``/metadata`` routes."""

    def register_workflow_def(self, c: _Call) -> None:
        with _validation_root("registerWorkflowDef.arg0"):
            self.engine.register_workflow_def(c.body(dict), overwrite=c.boolean("overwrite", False))

    def _validation_errors(self, definition: Any, root: str) -> List[Dict[str, Any]]:
        """What the server's bean validation reports for ``definition`` (nothing registered)."""
        if not isinstance(definition, dict):
            raise RestError(
                400, f"a workflow definition must be a JSON object, got {type(definition).__name__}"
            )
        checked = normalize_workflow_def(definition)
        populate_task_definitions(checked, self.engine.lookup_task_def)
        try:
            validate_workflow_def(checked, root)
        except DefinitionValidationError as exc:
            return list(exc.validation_errors)
        return []

    def validate_workflow_def(self, c: _Call) -> None:
        errors = self._validation_errors(c.body(dict), "validateWorkflowDef.arg0")
        if errors:
            raise ValidationFailed(errors)

    def update_workflow_defs(self, c: _Call) -> Dict[str, Any]:
        definitions = c.body(list)
        # the server validates the whole list before it stores any definition
        errors: List[Dict[str, Any]] = []
        for index, definition in enumerate(definitions):
            errors.extend(self._validation_errors(definition, f"updateWorkflowDef.arg0[{index}]"))
        if errors:
            raise ValidationFailed(errors)
        names = []
        for definition in definitions:
            self.engine.register_workflow_def(definition, overwrite=True)
            names.append(definition.get("name"))
        return {"bulkErrorResults": {}, "bulkSuccessfulResults": names}

    def get_all_workflow_defs(self, c: _Call) -> Any:
        return self.engine.get_all_workflow_defs()

    def _defs_by_name(self) -> Dict[str, List[Dict[str, Any]]]:
        by_name: Dict[str, List[Dict[str, Any]]] = {}
        for definition in self.engine.get_all_workflow_defs():
            by_name.setdefault(definition["name"], []).append(definition)
        for versions in by_name.values():
            versions.sort(key=lambda d: d.get("version") or 1)
        return by_name

    def get_workflow_names_and_versions(self, c: _Call) -> Any:
        return {
            name: [
                {
                    "name": d["name"],
                    "version": d.get("version", 1),
                    "createTime": d.get("createTime", 0),
                    "updateTime": d.get("updateTime", 0),
                }
                for d in versions
            ]
            for name, versions in self._defs_by_name().items()
        }

    def get_latest_workflow_defs(self, c: _Call) -> Any:
        return [versions[-1] for versions in self._defs_by_name().values()]

    def get_workflow_versions(self, c: _Call) -> Any:
        versions = self._defs_by_name().get(c.path["name"], [])
        return [
            {"name": d["name"], "version": d.get("version", 1), "createTime": d.get("createTime", 0)}
            for d in versions
        ]

    def get_workflow_def(self, c: _Call) -> Any:
        return self.engine.get_workflow_def(c.path["name"], c.integer("version", None))

    def unregister_workflow_def(self, c: _Call) -> None:
        self.engine.unregister_workflow_def(c.path["name"], _path_int("version", c.path["version"]))

    def register_task_defs(self, c: _Call) -> None:
        for definition in c.body(list):
            self.engine.register_task_def(definition)

    def update_task_def(self, c: _Call) -> None:
        self.engine.register_task_def(c.body(dict))

    def get_all_task_defs(self, c: _Call) -> Any:
        return self.engine.get_all_task_defs()

    def get_task_def(self, c: _Call) -> Any:
        return self.engine.get_task_def(c.path["tasktype"])

    def unregister_task_def(self, c: _Call) -> None:
        self.engine.unregister_task_def(c.path["tasktype"])
