"""ConductorWorkflow: build a workflow definition in Python, render it, and run it.

A workflow is a plain value. Building and rendering it needs neither a server nor an executor
(the official SDK requires an executor to build one); only ``register``, ``start_workflow`` and
``execute`` do. Rendering is deterministic: generated references (forks, their joins, inline
sub-workflows) are derived from the tasks they hold, never random.

    workflow = ConductorWorkflow(name="greetings", version=1)
    workflow >> SimpleTask("greet", "greet_ref").input_parameter("name", workflow.input("name"))
    workflow.to_workflow_def()          # the wire WorkflowDef
"""

from __future__ import annotations

import copy
import json
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from conductor_testkit.errors import ConfigurationError, DefinitionError
from conductor_testkit.models import (
    IdempotencyStrategy,
    StartWorkflowRequest,
    WorkflowDef,
    WorkflowTimeoutPolicy,
)
from conductor_testkit.models.base import wire
from conductor_testkit.workflow.task.fork_task import ForkTask
from conductor_testkit.workflow.task.sub_workflow_task import InlineSubWorkflowTask
from conductor_testkit.workflow.task.task import (
    TaskInterface,
    as_task,
    check_type,
    render_task_list,
    task_from_dict,
)
from conductor_testkit.workflow.task.timeout_policy import TimeoutPolicy
from conductor_testkit.workflow.validation import (
    DefinitionProblem,
    find_problems,
    read_as_the_server,
    validate_workflow_def,
)

__all__ = ["ConductorWorkflow", "InlineSubWorkflowTask"]

_SCHEMA_VERSION = 2


def _string_keyed(owner: str, param: str, value: Any) -> Dict[str, Any]:
    check_type(owner, param, value, dict)
    for key in value:
        if not isinstance(key, str):
            raise DefinitionError(f"{owner}: keys of {param} must be strings, received {key!r}")
    return dict(value)


class ConductorWorkflow:
    """A workflow definition under construction (the official SDK's class and method names).

    Args:
        name: the workflow name.
        version: its version (``None``: the server assigns 1 on registration).
        executor: a ``WorkflowExecutor`` used by register/start/execute (optional).
        description: free text.
        timeout_seconds, timeout_policy, owner_email, failure_workflow, restartable, variables,
        input_parameters, output_parameters, input_template: as the fluent methods of the same
            names.

    Sequence with ``>>``: a task, a list (parallel branches: each element a task or a list of
    tasks, forming a FORK_JOIN and its JOIN), or another ConductorWorkflow (an inline
    sub-workflow).
    """

    def __init__(
        self,
        name: str,
        version: Optional[int] = None,
        executor: Any = None,
        description: Optional[str] = None,
        *,
        timeout_seconds: int = 60,
        timeout_policy: Optional[Union[TimeoutPolicy, WorkflowTimeoutPolicy, str]] = None,
        owner_email: Optional[str] = None,
        failure_workflow: Optional[str] = None,
        restartable: bool = True,
        variables: Optional[Dict[str, Any]] = None,
        input_parameters: Optional[List[str]] = None,
        output_parameters: Optional[Dict[str, Any]] = None,
        input_template: Optional[Dict[str, Any]] = None,
    ) -> None:
        # the defaults rendered are the official SDK's (timeoutSeconds 60, restartable, schema 2)
        self._fields: Dict[str, Any] = {
            "inputParameters": [],
            "outputParameters": {},
            "schemaVersion": _SCHEMA_VERSION,
            "restartable": True,
            "workflowStatusListenerEnabled": False,
            "timeoutSeconds": 60,
            "variables": {},
            "inputTemplate": {},
        }
        self._tasks: List[TaskInterface] = []
        self._built_with: Optional[Dict[str, Any]] = None
        self.executor = executor
        self.name = name
        self.version = version
        self.description = description
        self._built_with = {"name": name, "version": version, "description": description}
        self.timeout_seconds(timeout_seconds)
        self.restartable(restartable)
        if timeout_policy is not None:
            self.timeout_policy(timeout_policy)
        if owner_email is not None:
            self.owner_email(owner_email)
        if failure_workflow is not None:
            self.failure_workflow(failure_workflow)
        if variables is not None:
            self.variables(variables)
        if input_parameters is not None:
            self.input_parameters(input_parameters)
        if output_parameters is not None:
            self.output_parameters(output_parameters)
        if input_template is not None:
            self.input_template(input_template)

    @property
    def _owner(self) -> str:
        return f"ConductorWorkflow {self._fields.get('name')!r}"

    def _set_checked(
        self, wire_key: str, param: str, value: Any, expected: type, *, optional: bool = False
    ) -> ConductorWorkflow:
        """Set ``wire_key`` to ``value`` once it is an ``expected``; with ``optional``, None removes it."""
        if optional and value is None:
            self._fields.pop(wire_key, None)
        else:
            check_type(self._owner, param, value, expected)
            self._fields[wire_key] = value
        return self

    # -- identity --------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The workflow name (a non-empty string)."""
        return str(self._fields.get("name", ""))

    @name.setter
    def name(self, name: str) -> None:
        if not isinstance(name, str) or not name.strip():
            raise DefinitionError(f"ConductorWorkflow: name must be a non-empty string, received {name!r}")
        self._fields["name"] = name

    @property
    def version(self) -> Optional[int]:
        """The version; None leaves it to the server (1 on registration)."""
        return self._fields.get("version")

    @version.setter
    def version(self, version: Optional[int]) -> None:
        self._set_checked("version", "version", version, int, optional=True)

    @property
    def description(self) -> Optional[str]:
        """Free text shown in the UI."""
        return self._fields.get("description")

    @description.setter
    def description(self, description: Optional[str]) -> None:
        self._set_checked("description", "description", description, str, optional=True)

    @property
    def tasks(self) -> List[TaskInterface]:
        """The top-level tasks, in order (a copy; add tasks with ``>>`` or ``add``)."""
        return list(self._tasks)

    # -- fluent settings (each returns the workflow) ---------------------------------------------

    def timeout_policy(
        self, timeout_policy: Union[TimeoutPolicy, WorkflowTimeoutPolicy, str]
    ) -> ConductorWorkflow:
        """TIME_OUT_WF ends the workflow TIMED_OUT after ``timeout_seconds``; ALERT_ONLY (the
        server's default) only counts."""
        value = wire(timeout_policy)
        if value not in ("TIME_OUT_WF", "ALERT_ONLY"):
            raise DefinitionError(
                f"{self._owner}: timeout_policy must be TIME_OUT_WF or ALERT_ONLY, "
                f"received {timeout_policy!r}"
            )
        self._fields["timeoutPolicy"] = value
        return self

    def timeout_seconds(self, timeout_seconds: int) -> ConductorWorkflow:
        """The workflow's time limit in seconds (0: none)."""
        return self._set_checked("timeoutSeconds", "timeout_seconds", timeout_seconds, int)

    def owner_email(self, owner_email: str) -> ConductorWorkflow:
        """The owner's e-mail (servers configured to require one reject a definition without)."""
        return self._set_checked("ownerEmail", "owner_email", owner_email, str)

    def failure_workflow(self, failure_workflow: str) -> ConductorWorkflow:
        """Name of the workflow started when this one fails (compensation)."""
        return self._set_checked("failureWorkflow", "failure_workflow", failure_workflow, str)

    def restartable(self, restartable: bool) -> ConductorWorkflow:
        """Whether a finished run may be restarted (set False when a restart has side effects)."""
        return self._set_checked("restartable", "restartable", restartable, bool)

    def enable_status_listener(self, sink_name: str) -> ConductorWorkflow:
        """Publish the workflow's status changes to ``sink_name`` (``workflowStatusListenerSink``)."""
        self._fields["workflowStatusListenerSink"] = sink_name
        self._fields["workflowStatusListenerEnabled"] = True
        return self

    def disable_status_listener(self) -> ConductorWorkflow:
        """Stop publishing status changes."""
        self._fields.pop("workflowStatusListenerSink", None)
        self._fields["workflowStatusListenerEnabled"] = False
        return self

    def output_parameters(self, output_parameters: Optional[Dict[str, Any]]) -> ConductorWorkflow:
        """The workflow's output, built like task inputs (``{'email': task.output('result')}``)."""
        self._fields["outputParameters"] = (
            {}
            if output_parameters is None
            else _string_keyed(self._owner, "output_parameters", output_parameters)
        )
        return self

    def output_parameter(self, key: str, value: Any) -> ConductorWorkflow:
        """Set one key of the workflow's output."""
        self._fields.setdefault("outputParameters", {})[key] = value
        return self

    def input_template(self, input_template: Optional[Dict[str, Any]]) -> ConductorWorkflow:
        """Default input values, added to a non-empty start input where keys are missing."""
        self._fields["inputTemplate"] = (
            {} if input_template is None else _string_keyed(self._owner, "input_template", input_template)
        )
        return self

    def variables(self, variables: Optional[Dict[str, Any]]) -> ConductorWorkflow:
        """Initial workflow variables (changed by SET_VARIABLE tasks)."""
        self._fields["variables"] = (
            {} if variables is None else _string_keyed(self._owner, "variables", variables)
        )
        return self

    def input_parameters(self, input_parameters: Union[List[str], Dict[str, Any]]) -> ConductorWorkflow:
        """The names of the workflow's inputs (documentation only). A dict sets the input
        template instead, as in the official SDK."""
        if isinstance(input_parameters, dict):
            return self.input_template(input_parameters)
        check_type(self._owner, "input_parameters", input_parameters, list)
        for item in input_parameters:
            check_type(self._owner, "input_parameters items", item, str)
        self._fields["inputParameters"] = list(input_parameters)
        return self

    def workflow_input(self, input: Dict[str, Any]) -> ConductorWorkflow:
        """The official SDK's name for :meth:`input_template`."""
        return self.input_template(input)

    def set_field(self, wire_key: str, value: Any) -> ConductorWorkflow:
        """Set any WorkflowDef field by its camelCase name (``None`` removes it)."""
        if wire_key == "tasks":
            raise DefinitionError(f"{self._owner}: add tasks with >> or add(), not set_field('tasks')")
        if value is None:
            self._fields.pop(wire_key, None)
        else:
            self._fields[wire_key] = value
        return self

    def get_field(self, wire_key: str) -> Any:
        """Any WorkflowDef field by its camelCase name (``None`` when absent)."""
        return self._fields.get(wire_key)

    # -- building --------------------------------------------------------------------------------

    def __rshift__(self, item: Any) -> ConductorWorkflow:
        if isinstance(item, (list, tuple)):
            self._tasks.append(self._fork_of(item))
        elif isinstance(item, ConductorWorkflow):
            self._tasks.append(item.as_task(self._free_ref(f"{item.name}_subworkflow")))
        else:
            self._tasks.append(as_task(item, f"{self._owner} >>"))
        return self

    def add(self, task: Union[Any, Sequence[Any]]) -> ConductorWorkflow:
        """Append a task, or each task of a list in sequence (a list here is not a fork)."""
        items = task if isinstance(task, (list, tuple)) else [task]
        for item in items:
            if isinstance(item, ConductorWorkflow):
                self._tasks.append(item.as_task(self._free_ref(f"{item.name}_subworkflow")))
            else:
                self._tasks.append(as_task(item, f"{self._owner}.add"))
        return self

    def _fork_of(self, branches: Sequence[Any]) -> ForkTask:
        where = f"{self._owner} >> [...]"
        if not branches:
            raise DefinitionError(f"{where}: a fork needs at least one branch, received an empty list")
        converted: List[List[TaskInterface]] = []
        for position, branch in enumerate(branches):
            items = branch if isinstance(branch, (list, tuple)) else [branch]
            if not items:
                raise DefinitionError(f"{where}: branch {position} is empty")
            converted.append([self._branch_task(item, where) for item in items])
        # named after the first task it runs: stable as long as that task's reference is
        ref = self._free_ref(f"fork_{converted[0][0].task_reference_name}")
        return ForkTask(ref, converted)

    def _branch_task(self, item: Any, where: str) -> TaskInterface:
        if isinstance(item, ConductorWorkflow):
            return item.as_task()
        return as_task(item, where)

    def _free_ref(self, base: str) -> str:
        taken = {task.task_reference_name for task in self._tasks}
        if base not in taken:
            return base
        suffix = 2
        while f"{base}_{suffix}" in taken:
            suffix += 1
        return f"{base}_{suffix}"

    def as_task(self, task_ref_name: Optional[str] = None) -> InlineSubWorkflowTask:
        """This workflow as an inline SUB_WORKFLOW task (reference ``<name>_subworkflow`` by
        default); its input template becomes the task's input."""
        task = InlineSubWorkflowTask(task_ref_name or f"{self.name}_subworkflow", self)
        task.input_parameters.update(copy.deepcopy(self._fields.get("inputTemplate") or {}))
        return task

    def to_workflow_task(self) -> Any:
        """This workflow as an inline SUB_WORKFLOW ``WorkflowTask``."""
        return self.as_task().to_workflow_task()

    # -- expressions -----------------------------------------------------------------------------

    def input(self, json_path: Optional[str] = None) -> str:
        """``${workflow.input}`` or ``${workflow.input.<json_path>}``."""
        return "${workflow.input" + (f".{json_path}" if json_path else "") + "}"

    def output(self, json_path: Optional[str] = None) -> str:
        """``${workflow.output}`` or ``${workflow.output.<json_path>}``."""
        return "${workflow.output" + (f".{json_path}" if json_path else "") + "}"

    # -- rendering and loading -------------------------------------------------------------------

    def to_dict(self) -> Dict[str, Any]:
        """The wire JSON of the definition (camelCase)."""
        out = {key: wire(copy.deepcopy(value)) for key, value in self._fields.items()}
        out["tasks"] = render_task_list(self._tasks)
        return out

    def to_json(self, **kwargs: Any) -> str:
        """The definition as JSON text (``json.dumps`` keyword arguments pass through)."""
        return json.dumps(self.to_dict(), **kwargs)

    def to_workflow_def(self, validate: bool = False) -> WorkflowDef:
        """The wire model; with ``validate=True`` it first raises on any problem."""
        data = self.to_dict()
        if validate:
            validate_workflow_def(data)
        return WorkflowDef.from_dict(data)

    @classmethod
    def from_dict(
        cls, definition: Union[Mapping[str, Any], WorkflowDef], executor: Any = None
    ) -> ConductorWorkflow:
        """Load a definition (JSON dict or WorkflowDef) into DSL objects; it renders back to the
        same JSON, unknown fields included."""
        if not isinstance(definition, (Mapping, WorkflowDef)):
            raise DefinitionError(
                "expected a workflow definition (a dict or a WorkflowDef), received "
                f"{type(definition).__name__}: {definition!r:.80}"
            )
        if not isinstance(definition, WorkflowDef):
            read_as_the_server(definition)  # values of the wrong type fail here, as on the server
        data = (
            definition.to_dict() if isinstance(definition, WorkflowDef) else copy.deepcopy(dict(definition))
        )
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise DefinitionError(f"a workflow definition needs a name, received {name!r}")
        tasks = data.pop("tasks", None) or []
        if not isinstance(tasks, list):
            raise DefinitionError(f"workflow {name!r}: tasks must be a list, received {tasks!r}")
        workflow = cls.__new__(cls)
        workflow._fields = data
        workflow._tasks = [task_from_dict(task) for task in tasks]
        workflow.executor = executor
        workflow._built_with = None
        return workflow

    @classmethod
    def from_json(cls, text: str, executor: Any = None) -> ConductorWorkflow:
        """Load a definition from JSON text (see :meth:`from_dict`)."""
        return cls.from_dict(json.loads(text), executor=executor)

    # -- validation ------------------------------------------------------------------------------

    def problems(self) -> List[DefinitionProblem]:
        """Every problem of the definition (empty when valid)."""
        return find_problems(self.to_dict())

    def validate(self) -> ConductorWorkflow:
        """Raise WorkflowDefinitionError (a DefinitionError) listing every problem; returns self."""
        validate_workflow_def(self.to_dict())
        return self

    # -- running (these need an executor) --------------------------------------------------------

    def _require_executor(self, action: str) -> Any:
        if self.executor is None:
            raise ConfigurationError(
                f"{self._owner}: {action} needs an executor; pass executor=WorkflowExecutor(...) to "
                "ConductorWorkflow(...) or set workflow.executor"
            )
        return self.executor

    def register(self, overwrite: bool = False) -> Any:
        """Validate, then register the definition (``overwrite`` replaces an existing one)."""
        executor = self._require_executor("register()")
        definition = self.to_workflow_def(validate=True)
        return executor.register_workflow(definition, overwrite=overwrite)

    def start_workflow(self, start_workflow_request: StartWorkflowRequest) -> str:
        """Start a run of this definition, sent inline (no registration needed); returns its id."""
        executor = self._require_executor("start_workflow()")
        definition = self.to_workflow_def(validate=True)
        start_workflow_request.workflow_def = definition
        start_workflow_request.name = self.name
        start_workflow_request.version = self.version
        return executor.start_workflow(start_workflow_request)  # type: ignore[no-any-return]

    def start_workflow_with_input(
        self,
        workflow_input: Optional[Dict[str, Any]] = None,
        correlation_id: Optional[str] = None,
        task_to_domain: Optional[Dict[str, str]] = None,
        priority: Optional[int] = None,
        idempotency_key: Optional[str] = None,
        idempotency_strategy: Union[IdempotencyStrategy, str] = IdempotencyStrategy.FAIL,
    ) -> str:
        """Start a run with this input; returns its id."""
        request = StartWorkflowRequest(
            input=dict(workflow_input or {}),
            correlation_id=correlation_id,
            task_to_domain=task_to_domain,
            priority=priority,
            idempotency_key=idempotency_key,
            idempotency_strategy=str(idempotency_strategy) if idempotency_key is not None else None,
        )
        return self.start_workflow(request)

    def execute(
        self,
        workflow_input: Optional[Dict[str, Any]] = None,
        wait_until_task_ref: Optional[str] = None,
        wait_for_seconds: int = 10,
        request_id: Optional[str] = None,
        idempotency_key: Optional[str] = None,
        idempotency_strategy: Union[IdempotencyStrategy, str] = IdempotencyStrategy.FAIL,
        task_to_domain: Optional[Dict[str, str]] = None,
    ) -> Any:
        """Run this definition (sent inline) and wait up to ``wait_for_seconds`` for it to end
        (or reach ``wait_until_task_ref``); returns the executor's WorkflowRun."""
        executor = self._require_executor("execute()")
        request = StartWorkflowRequest(
            name=self.name,
            version=self.version,
            input=dict(workflow_input or {}),
            workflow_def=self.to_workflow_def(validate=True),
            task_to_domain=task_to_domain,
            idempotency_key=idempotency_key,
            idempotency_strategy=str(idempotency_strategy) if idempotency_key is not None else None,
        )
        return executor.execute_workflow(
            request,
            wait_until_task_ref=wait_until_task_ref or None,
            wait_for_seconds=wait_for_seconds,
            request_id=request_id,
        )

    def __call__(self, **workflow_input: Any) -> Any:
        """``workflow(name='x')`` is ``workflow.execute(workflow_input={'name': 'x'})``."""
        return self.execute(workflow_input=workflow_input)

    # -- values ----------------------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ConductorWorkflow):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable value

    def __deepcopy__(self, memo: Dict[int, Any]) -> ConductorWorkflow:
        # the executor is shared, not copied (it holds connections)
        clone = self.__class__.__new__(self.__class__)
        memo[id(self)] = clone
        for key, value in self.__dict__.items():
            setattr(clone, key, value if key == "executor" else copy.deepcopy(value, memo))
        return clone

    def __repr__(self) -> str:
        built = self._built_with
        if built is None:
            head = f"ConductorWorkflow.from_dict({{'name': {self.name!r}, ...}})"
        else:
            args = ", ".join(f"{k}={v!r}" for k, v in built.items() if v is not None)
            head = f"ConductorWorkflow({args})"
        return head + "".join(f" >> {task!r}" for task in self._tasks)
