"""REST routes of workflow and task definitions (``/metadata``)."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from conductor_testkit.engine.definitions import normalize_workflow_def, populate_task_definitions
from conductor_testkit.engine.errors import EngineConflict, EngineIllegalState, EngineNotFound
from conductor_testkit.engine.rest import bodies
from conductor_testkit.engine.rest._common import Route, RouterBase, ValidationFailed, _Call, _path_int
from conductor_testkit.engine.validation import (
    DefinitionValidationError,
    check_task_tree,
    task_def_errors,
    under,
    validate_workflow_def,
)

_NULL_TASK_DEF = (
    'Cannot invoke "com.netflix.conductor.common.metadata.tasks.TaskDef.setCreatedBy(String)" because '
    '"taskDefinition" is null'
)

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
        definition = bodies.read_body(c, bodies.WORKFLOW_DEF)
        overwrite = c.boolean("overwrite", False)
        # MetadataResource.create: an existing name and version is a conflict (before any
        # validation) or, with overwrite, an update (validated as updateWorkflowDef)
        root = "registerWorkflowDef.arg0"
        name = definition.get("name")
        if isinstance(name, str) and name.strip():
            version = definition.get("version", 1)
            if self.engine.find_workflow_def(name, version) is not None:
                if not overwrite:
                    raise EngineConflict(f"Workflow with {name}.{version} already exists!")
                root = "updateWorkflowDef.arg0"
        errors = self._validation_errors(definition, root)
        if errors:
            raise ValidationFailed(errors)
        self.engine.register_workflow_def(definition, overwrite=overwrite)

    def _validation_errors(self, definition: Any, root: str) -> List[Dict[str, Any]]:
        """What the server's bean validation reports for ``definition`` (nothing registered)."""
        if definition is None:
            return [{"path": f"{root}.<list element>", "message": "WorkflowDef cannot be null"}]
        check_task_tree(definition)
        checked = normalize_workflow_def(definition)
        populate_task_definitions(checked, self.engine.lookup_task_def)
        try:
            validate_workflow_def(checked)
        except DefinitionValidationError as exc:
            return bodies.definition_errors(exc.validation_errors, root)
        return []

    def validate_workflow_def(self, c: _Call) -> None:
        errors = self._validation_errors(
            bodies.read_body(c, bodies.VALIDATE_WORKFLOW_DEF), "validateWorkflowDef.arg0"
        )
        if errors:
            raise ValidationFailed(errors)

    def update_workflow_defs(self, c: _Call) -> Dict[str, Any]:
        definitions = bodies.read_body(c, bodies.WORKFLOW_DEFS)
        # the server validates the whole list before it stores any definition
        errors: List[Dict[str, Any]] = []
        if not definitions:
            errors.append({"path": "updateWorkflowDef.arg0", "message": "WorkflowDefList is empty"})
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
        return self.engine.get_workflow_def(c.path["name"], bodies.query_number(c, "version", "Integer"))

    def unregister_workflow_def(self, c: _Call) -> None:
        self.engine.unregister_workflow_def(c.path["name"], _path_int("version", c.path["version"]))

    def register_task_defs(self, c: _Call) -> None:
        definitions = bodies.read_body(c, bodies.TASK_DEFS)
        errors: List[Dict[str, Any]] = []
        if not definitions:
            errors.append({"path": "registerTaskDef.arg0", "message": "TaskDefList is empty"})
        for index, definition in enumerate(definitions):
            if definition is not None:
                errors.extend(under(f"registerTaskDef.arg0[{index}]", task_def_errors(definition)))
        if errors:
            raise ValidationFailed(errors)
        for definition in definitions:
            if definition is None:
                raise EngineIllegalState(_NULL_TASK_DEF)
            self.engine.register_task_def(definition)

    def update_task_def(self, c: _Call) -> None:
        definition = bodies.read_body(c, bodies.TASK_DEF)
        errors = task_def_errors(definition)
        if errors:
            raise bodies.validation_failed("updateTaskDef.arg0", errors)
        if self.engine.lookup_task_def(definition["name"]) is None:
            raise EngineNotFound(f"No such task by name {definition['name']}")
        self.engine.register_task_def(definition)

    def get_all_task_defs(self, c: _Call) -> Any:
        return self.engine.get_all_task_defs()

    def get_task_def(self, c: _Call) -> Any:
        return self.engine.get_task_def(c.path["tasktype"])

    def unregister_task_def(self, c: _Call) -> None:
        self.engine.unregister_task_def(c.path["tasktype"])
