"""Checks a workflow definition before it is sent, with errors that say where.

The checks run on the wire JSON, so they apply alike to DSL workflows, JSON files and
``WorkflowDef`` models. They catch what the server rejects at registration (duplicate references,
a SWITCH without cases, a DO_WHILE without a condition, ...) and what it accepts but then runs
wrongly or never finishes (a FORK without its JOIN, a JOIN waiting on a task outside its fork,
an expression naming a task that does not exist, which silently resolves to null).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Mapping, Optional, Set, Union

from conductor_testkit.errors import DefinitionError
from conductor_testkit.models import WorkflowDef, jackson
from conductor_testkit.workflow.task.terminate_task import TERMINATION_STATUSES

# ${NAME} where NAME is an upper-case token: a server environment variable or system property
# (CPEWF_TASK_ID, NETFLIX_ENV, ...), resolved by the server rather than from task outputs.
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_LOOP_SUFFIX = re.compile(r"^(?P<base>.+)__\d+$")


@dataclass(frozen=True)
class DefinitionProblem:
    """One problem: in which workflow, task reference and field, and what is wrong."""

    workflow: str
    task_ref: Optional[str]
    field: str
    message: str

    def __str__(self) -> str:
        where = f"workflow {self.workflow!r}"
        if self.task_ref is not None:
            where += f", task {self.task_ref!r}"
        return f"{where}, field {self.field!r}: {self.message}"


class WorkflowDefinitionError(DefinitionError):
    """A workflow definition failed validation; ``problems`` lists every problem found."""

    def __init__(self, workflow: str, problems: List[DefinitionProblem]) -> None:
        self.workflow = workflow
        self.problems = list(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        count = len(self.problems)
        super().__init__(
            f"workflow {workflow!r} is not valid ({count} problem{'s' if count != 1 else ''}):\n{lines}"
        )


def iter_expressions(text: str) -> Iterator[str]:
    """The inner text of each top-level ``${...}`` in ``text`` (``$${`` is an escape, skipped)."""
    index = 0
    while True:
        start = text.find("${", index)
        if start < 0:
            return
        if start > 0 and text[start - 1] == "$":
            index = start + 2
            continue
        depth = 0
        for position in range(start + 1, len(text)):
            char = text[position]
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    yield text[start + 2 : position]
                    index = position + 1
                    break
        else:
            return  # unbalanced: the server leaves it as text


def expression_heads(text: str) -> Iterator[str]:
    """The first path segment of every expression in ``text``, nested ones included
    (``${a.output.x}`` -> ``a``; heads that are themselves computed are skipped)."""
    for inner in iter_expressions(text):
        if "${" in inner:
            yield from expression_heads(inner)
        path = inner.strip()
        if path.startswith("$."):
            path = path[2:]
        if not path or path.startswith(("$", "@", "[")):
            continue
        head = re.split(r"[.\[]", path, maxsplit=1)[0].strip()
        if head and "${" not in head:
            yield head


def _walk_values(value: Any, path: str) -> Iterator[tuple]:
    """(field path, string) for every string inside a JSON value (map keys are not resolved)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk_values(item, f"{path}.{key}")
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _walk_values(item, f"{path}[{position}]")


def _child_lists(task: Mapping[str, Any]) -> List[tuple]:
    """(field, task list) for each task list nested in ``task``."""
    lists: List[tuple] = []
    for case, tasks in (task.get("decisionCases") or {}).items():
        lists.append((f"decisionCases.{case}", tasks or []))
    if task.get("defaultCase"):
        lists.append(("defaultCase", task["defaultCase"]))
    for position, branch in enumerate(task.get("forkTasks") or []):
        lists.append((f"forkTasks[{position}]", branch or []))
    if task.get("loopOver"):
        lists.append(("loopOver", task["loopOver"]))
    return lists


def all_tasks(tasks: List[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    """Every task of a task list, nested ones included (inline sub-workflows excluded: their
    references are their own)."""
    for task in tasks:
        if not isinstance(task, Mapping):
            continue
        yield task
        for _, child in _child_lists(task):
            yield from all_tasks(child)


class _Checker:
    def __init__(self, definition: Mapping[str, Any], workflow_label: Optional[str] = None) -> None:
        self.definition = definition
        self.workflow = workflow_label or str(definition.get("name") or "<unnamed>")
        self.problems: List[DefinitionProblem] = []
        tasks = definition.get("tasks") or []
        self.tasks: List[Mapping[str, Any]] = list(all_tasks(tasks))
        self.refs: Set[str] = {str(t["taskReferenceName"]) for t in self.tasks if t.get("taskReferenceName")}
        self.has_dynamic_fork = any(t.get("type") == "FORK_JOIN_DYNAMIC" for t in self.tasks)

    def add(self, task_ref: Optional[str], field: str, message: str) -> None:
        self.problems.append(DefinitionProblem(self.workflow, task_ref, field, message))

    def run(self) -> List[DefinitionProblem]:
        if not self.definition.get("name"):
            self.add(None, "name", "a workflow needs a name")
        tasks = self.definition.get("tasks") or []
        if not tasks:
            self.add(None, "tasks", "the workflow has no tasks; add at least one task")
        schema_version = self.definition.get("schemaVersion", 2)
        if schema_version != 2:
            self.add(
                None,
                "schemaVersion",
                f"the server supports schemaVersion 2 only, received {schema_version!r}; set it to 2",
            )
        self._check_duplicates()
        self._check_list(tasks)
        for task in self.tasks:
            self._check_task(task)
            self._check_expressions(task)
        for path, text in _walk_values(self.definition.get("outputParameters") or {}, "outputParameters"):
            self._check_text(None, path, text)
        return self.problems

    def _check_duplicates(self) -> None:
        counts: Dict[str, int] = {}
        for task in self.tasks:
            ref = task.get("taskReferenceName")
            if ref:
                counts[ref] = counts.get(ref, 0) + 1
        for ref, count in counts.items():
            if count > 1:
                self.add(
                    ref,
                    "taskReferenceName",
                    f"{count} tasks use this reference; reference names must be unique in the "
                    "whole workflow (fork branches, switch cases and loop bodies included)",
                )

    def _check_list(self, tasks: List[Any]) -> None:
        """Checks that depend on a task's neighbours: FORK -> JOIN."""
        for position, task in enumerate(tasks):
            if not isinstance(task, Mapping):
                self.add(None, "tasks", f"a task must be a JSON object, received {task!r}")
                continue
            ref = task.get("taskReferenceName")
            kind = task.get("type", "SIMPLE")
            following = tasks[position + 1] if position + 1 < len(tasks) else None
            following_type = following.get("type", "SIMPLE") if isinstance(following, Mapping) else None
            if kind in ("FORK_JOIN", "FORK_JOIN_DYNAMIC") and following_type != "JOIN":
                found = f"a {following_type} task" if following else "the end of the task list"
                self.add(
                    ref,
                    "type",
                    f"a {kind} must be followed by a JOIN in the same task list, found {found}",
                )
            if kind == "JOIN":
                previous = tasks[position - 1] if position > 0 else None
                previous_type = previous.get("type", "SIMPLE") if isinstance(previous, Mapping) else None
                if previous_type not in ("FORK_JOIN", "FORK_JOIN_DYNAMIC"):
                    self.add(ref, "type", "a JOIN must directly follow a FORK_JOIN or FORK_JOIN_DYNAMIC")
                elif previous_type == "FORK_JOIN" and isinstance(previous, Mapping):
                    self._check_join_on(task, previous)
            for _, child in _child_lists(task):
                self._check_list(child)

    def _check_join_on(self, join: Mapping[str, Any], fork: Mapping[str, Any]) -> None:
        inside: Set[str] = set()
        for branch in fork.get("forkTasks") or []:
            inside.update(str(t.get("taskReferenceName")) for t in all_tasks(branch or []))
        for name in join.get("joinOn") or []:
            if name not in inside:
                where = "a task of another part of the workflow" if name in self.refs else "no task"
                self.add(
                    join.get("taskReferenceName"),
                    "joinOn",
                    f"{name!r} is {where}, not a task of the fork "
                    f"{fork.get('taskReferenceName')!r} this JOIN closes; the JOIN would wait forever "
                    f"(tasks of the fork: {', '.join(sorted(inside)) or 'none'})",
                )

    def _check_task(self, task: Mapping[str, Any]) -> None:
        ref = task.get("taskReferenceName")
        kind = task.get("type", "SIMPLE")
        params = task.get("inputParameters") or {}
        if not ref:
            self.add(
                None, "taskReferenceName", f"a {kind} task (name {task.get('name')!r}) has no reference name"
            )
        if not task.get("name"):
            self.add(ref, "name", "the task has no name")
        start_delay = task.get("startDelay")
        if isinstance(start_delay, int) and start_delay < 0:
            self.add(ref, "startDelay", f"must be >= 0 seconds, received {start_delay}")
        template = (task.get("taskDefinition") or {}).get("inputTemplate") or {}
        if kind == "SWITCH":
            if not task.get("evaluatorType"):
                self.add(
                    ref,
                    "evaluatorType",
                    "a SWITCH needs an evaluatorType ('value-param', 'javascript' or 'graaljs')",
                )
            if not task.get("expression"):
                self.add(ref, "expression", "a SWITCH needs an expression")
            elif task.get("evaluatorType") == "value-param" and task["expression"] not in params:
                self.add(
                    ref,
                    "expression",
                    f"value-param SWITCH reads input parameter {task['expression']!r}, which is not "
                    "among its inputParameters",
                )
            if not task.get("decisionCases"):
                self.add(ref, "decisionCases", "a SWITCH needs at least one case")
        elif kind == "DECISION":
            if not task.get("caseValueParam") and not task.get("caseExpression"):
                self.add(ref, "caseValueParam", "a DECISION needs a caseValueParam or a caseExpression")
            if not task.get("decisionCases"):
                self.add(ref, "decisionCases", "a DECISION needs at least one case")
        elif kind == "DO_WHILE":
            if not str(task.get("loopCondition") or "").strip():
                self.add(ref, "loopCondition", "a DO_WHILE needs a loopCondition (JavaScript)")
            if not task.get("loopOver"):
                self.add(ref, "loopOver", "a DO_WHILE needs at least one task in loopOver")
        elif kind == "FORK_JOIN":
            branches = task.get("forkTasks") or []
            if not branches:
                self.add(ref, "forkTasks", "a FORK_JOIN needs at least one branch")
            for position, branch in enumerate(branches):
                if not branch:
                    self.add(ref, f"forkTasks[{position}]", "a fork branch needs at least one task")
        elif kind == "SUB_WORKFLOW":
            self._check_sub_workflow(task)
        elif kind == "DYNAMIC":
            if not task.get("dynamicTaskNameParam"):
                self.add(ref, "dynamicTaskNameParam", "a DYNAMIC task needs dynamicTaskNameParam")
        elif kind == "EVENT":
            if not task.get("sink"):
                self.add(ref, "sink", "an EVENT task needs a sink (e.g. 'conductor:queue')")
        elif kind == "TERMINATE":
            status = params.get("terminationStatus")
            if status not in TERMINATION_STATUSES:
                self.add(
                    ref,
                    "inputParameters.terminationStatus",
                    f"must be one of {', '.join(TERMINATION_STATUSES)} (a literal), received {status!r}",
                )
            if task.get("optional"):
                self.add(ref, "optional", "a TERMINATE task cannot be optional")
        elif kind == "WAIT":
            if params.get("duration") and params.get("until"):
                self.add(ref, "inputParameters", "a WAIT takes 'duration' or 'until', not both")
        elif kind == "EXCLUSIVE_JOIN":
            for field in ("joinOn", "defaultExclusiveJoinTask"):
                for name in task.get(field) or []:
                    if name not in self.refs:
                        self.add(ref, field, f"{name!r} is no task reference of this workflow")
        elif kind == "HTTP":
            request = params.get("http_request", template.get("http_request", params))
            if isinstance(request, Mapping) and not request.get("uri"):
                self.add(ref, "inputParameters.http_request.uri", "an HTTP task needs a uri")
        elif kind == "FORK_JOIN_DYNAMIC":
            self._check_dynamic_fork(task)
        elif kind == "JSON_JQ_TRANSFORM":
            if "queryExpression" not in params and "queryExpression" not in template:
                self.add(
                    ref, "inputParameters.queryExpression", "a JSON_JQ_TRANSFORM needs a jq queryExpression"
                )
        elif kind == "KAFKA_PUBLISH":
            if "kafka_request" not in params and "kafka_request" not in template:
                self.add(
                    ref,
                    "inputParameters.kafka_request",
                    "a KAFKA_PUBLISH needs a kafka_request (topic, value, bootStrapServers)",
                )

    def _check_dynamic_fork(self, task: Mapping[str, Any]) -> None:
        ref = task.get("taskReferenceName")
        if "forkTaskInputs" in (task.get("inputParameters") or {}):
            return  # the list form: forkTaskName + forkTaskInputs
        legacy = task.get("dynamicForkJoinTasksParam")
        if legacy is not None:
            if task.get("dynamicForkTasksParam") is not None or task.get("dynamicForkTasksInputParamName"):
                self.add(
                    ref,
                    "dynamicForkJoinTasksParam",
                    "give dynamicForkJoinTasksParam or dynamicForkTasksParam with "
                    "dynamicForkTasksInputParamName, not both",
                )
            return
        for field in ("dynamicForkTasksParam", "dynamicForkTasksInputParamName"):
            if task.get(field) is None:
                self.add(
                    ref,
                    field,
                    f"a FORK_JOIN_DYNAMIC needs {field} (or the inputs forkTaskName and forkTaskInputs)",
                )

    def _check_sub_workflow(self, task: Mapping[str, Any]) -> None:
        ref = task.get("taskReferenceName")
        params = task.get("subWorkflowParam")
        if not isinstance(params, Mapping):
            self.add(
                ref,
                "subWorkflowParam",
                "a SUB_WORKFLOW needs subWorkflowParam (a name or an inline definition)",
            )
            return
        inline = params.get("workflowDefinition")
        if not params.get("name") and not inline:
            self.add(
                ref,
                "subWorkflowParam",
                "a SUB_WORKFLOW needs a workflow name or an inline workflowDefinition",
            )
        if isinstance(inline, Mapping):
            label = f"{self.workflow} > {ref} ({inline.get('name') or params.get('name')})"
            self.problems.extend(_Checker(inline, label).run())

    def _check_expressions(self, task: Mapping[str, Any]) -> None:
        ref = task.get("taskReferenceName")
        values: Dict[str, Any] = {"inputParameters": task.get("inputParameters") or {}}
        for field in ("items", "sink"):
            if isinstance(task.get(field), str):
                values[field] = task[field]
        params = task.get("subWorkflowParam")
        if isinstance(params, Mapping):
            values["subWorkflowParam"] = {
                k: v
                for k, v in params.items()
                if k in ("name", "version", "workflowDefinition") and isinstance(v, str)
            }
        for field, value in values.items():
            for path, text in _walk_values(value, field):
                self._check_text(ref, path, text)

    def _check_text(self, ref: Optional[str], path: str, text: str) -> None:
        for head in expression_heads(text):
            if head == "workflow" or head in self.refs or _ENV_NAME.match(head):
                continue
            if head.startswith("_") and self.has_dynamic_fork:
                continue  # tasks created by a dynamic fork: _<name>_<i>
            loop = _LOOP_SUFFIX.match(head)
            if loop and loop.group("base") in self.refs:
                hint = (
                    f"; loop iterations are not addressable this way, read "
                    f"'${{<loop_ref>.output.<iteration>.{loop.group('base')}}}' instead"
                )
            else:
                hint = f"; known references: {', '.join(sorted(self.refs)) or 'none'}"
            self.add(
                ref,
                path,
                f"{text!r} refers to task reference {head!r}, which is not in the workflow (it "
                f"would resolve to null){hint}",
            )


def _as_dict(definition: Union[WorkflowDef, Mapping[str, Any]]) -> Mapping[str, Any]:
    if isinstance(definition, WorkflowDef):
        return definition.to_dict()
    if not isinstance(definition, Mapping):
        raise DefinitionError(
            f"expected a workflow definition (WorkflowDef or dict), received {type(definition).__name__}"
        )
    return definition


def _label(name: Any) -> str:
    return name if isinstance(name, str) and name else "<unnamed>"


def read_as_the_server(definition: Mapping[str, Any]) -> Dict[str, Any]:
    """``definition`` as the server's JSON binding reads it (``"2"`` for a number is 2).

    Raises :class:`DefinitionError` naming the workflow, the task reference and the field where
    the server refuses a value of the wrong type (it answers HTTP 500 "JSON parse error: ...").
    """
    try:
        bound: Dict[str, Any] = jackson.bind(definition, jackson.WORKFLOW_DEF)
    except jackson.WireTypeError as exc:
        raise DefinitionError(f"{exc} (the server refuses this definition)") from None
    return bound


def _problems(definition: Union[WorkflowDef, Mapping[str, Any]]) -> List[DefinitionProblem]:
    data = _as_dict(definition)
    try:
        bound = jackson.bind(data, jackson.WORKFLOW_DEF)
    except jackson.WireTypeError as exc:
        workflow = exc.workflow or _label(data.get("name"))
        field = exc.field or "(the definition)"
        return [DefinitionProblem(workflow, exc.task_ref, field, f"the server refuses it: {exc.server_text}")]
    return _Checker(bound).run()


def find_problems(definition: Union[WorkflowDef, Mapping[str, Any]]) -> List[DefinitionProblem]:
    """Every problem of a workflow definition (empty when it is valid).

    The definition is first read as the server reads it, so a value the server converts
    (``"schemaVersion": "2"``) is no problem and one it refuses is the only one reported.
    """
    return _problems(definition)


def validate_workflow_def(definition: Union[WorkflowDef, Mapping[str, Any]]) -> None:
    """Raise :class:`WorkflowDefinitionError` listing every problem, if there is any."""
    problems = _problems(definition)
    if problems:
        raise WorkflowDefinitionError(_label(_as_dict(definition).get("name")), problems)
