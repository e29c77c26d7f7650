"""Lint a workflow definition before a run: the mistakes the server accepts silently.

The server runs a task of an unknown type as a worker task of that type (so ``SIMPEL`` waits for
a worker that never comes), and an expression that names a task reference or a field that does
not exist resolves to null (so ``${workflow.inpt.amount}`` quietly passes ``null``). The harness
lints each definition before running it (strict mode) and names every such place:

* ``unknown_type``: a task type that is not a Conductor task type but is spelled like one;
* ``unknown_reference``: ``${ref.output.x}`` where no task of the workflow has the reference
  ``ref`` (the tasks a dynamic fork adds at run time aside);
* ``unknown_field``: ``${workflow.inpt.x}``, ``${ref.outptu.x}``: a field the root does not have;
* ``missing_input``: ``${workflow.input.x}`` where the test's input (and the definition's
  ``inputTemplate``) has no ``x``.

Each problem names the workflow, the task reference and the field, and the nearest valid name.
"""

from __future__ import annotations

import difflib
import pickle
import re
from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, Iterator, List, Mapping, Optional, Sequence, Set, Tuple

from conductor_testkit.engine import ContentCache
from conductor_testkit.models.enums import TaskType
from conductor_testkit.testing.definition import walk_tasks
from conductor_testkit.workflow.validation import _ENV_NAME as ENV_NAME
from conductor_testkit.workflow.validation import _LOOP_SUFFIX as LOOP_SUFFIX
from conductor_testkit.workflow.validation import DefinitionProblem, iter_expressions

__all__ = ["LintProblem", "lint_definition"]

_TASK_TYPES = tuple(sorted(t.value for t in TaskType))
# the roots ${...} may start with besides task references (the server's ParametersUtils)
_SYSTEM_ROOTS = frozenset({"$"})
_WORKFLOW_FIELDS = (
    "input",
    "output",
    "status",
    "workflowId",
    "parentWorkflowId",
    "parentWorkflowTaskId",
    "workflowType",
    "version",
    "correlationId",
    "reasonForIncompletion",
    "schemaVersion",
    "variables",
    "secrets",
    "taskToDomain",
    "createTime",
    "startTime",
)
_TASK_FIELDS = (
    "input",
    "output",
    "taskType",
    "status",
    "referenceTaskName",
    "retryCount",
    "correlationId",
    "pollCount",
    "taskDefName",
    "scheduledTime",
    "startTime",
    "endTime",
    "workflowInstanceId",
    "taskId",
    "reasonForIncompletion",
    "callbackAfterSeconds",
    "workerId",
    "iteration",
)
_SEGMENT = re.compile(r"[^.\[\]]+")
_DYNAMIC_TYPES = frozenset({"FORK_JOIN_DYNAMIC", "DYNAMIC"})


@dataclass(frozen=True)
class LintProblem(DefinitionProblem):
    """One place in a definition the server accepts but that is almost surely a mistake;
    ``kind`` is one of the kinds the module docstring lists."""

    kind: str = "unknown_field"


def _nearest(name: str, choices: Sequence[str], cutoff: float = 0.6) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=cutoff)
    return f"; did you mean {close[0]!r}?" if close else ""


def _strings(value: Any, path: str) -> Iterator[Tuple[str, str]]:
    """Every string inside ``value`` with its path (``inputParameters.a.b[0]``)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def _input_keys(definition: Mapping[str, Any], input: Optional[Mapping[str, Any]]) -> Optional[Set[str]]:
    if input is None:
        return None
    keys = set(input)
    template = definition.get("inputTemplate")
    if isinstance(template, Mapping) and input:  # the server adds template keys to a non-empty input
        keys.update(template)
    return keys


class _Linter:
    def __init__(self, definition: Mapping[str, Any], input: Optional[Mapping[str, Any]]) -> None:
        self.name = str(definition.get("name"))
        self.sites = list(walk_tasks(list(definition.get("tasks") or [])))
        self.refs = {site.ref for site in self.sites}
        self.dynamic = any(site.type in _DYNAMIC_TYPES for site in self.sites)
        self.input_keys = _input_keys(definition, input)
        self.problems: List[LintProblem] = []

    def add(self, kind: str, ref: Optional[str], field: str, message: str) -> None:
        self.problems.append(LintProblem(self.name, ref, field, message, kind))

    def run(self, definition: Mapping[str, Any]) -> List[LintProblem]:
        for site in self.sites:
            declared = site.task.get("type")
            if isinstance(declared, str) and declared not in _TASK_TYPES:
                close = difflib.get_close_matches(declared.upper(), _TASK_TYPES, n=1, cutoff=0.7)
                if close:
                    self.add(
                        "unknown_type",
                        site.ref,
                        "type",
                        f"{declared!r} is not a Conductor task type (the server would run it as a worker "
                        f"task of that type); did you mean {close[0]!r}?",
                    )
            for key in ("inputParameters", "dynamicForkTasksParam", "caseValueParam"):
                for path, text in _strings(site.task.get(key), key):
                    self.expressions(site.ref, path, text)
        for path, text in _strings(definition.get("outputParameters"), "outputParameters"):
            self.expressions(None, path, text)
        return self.problems

    def expressions(self, ref: Optional[str], field: str, text: str) -> None:
        for inner in iter_expressions(text):
            if "${" in inner:
                self.expressions(ref, field, inner)  # a computed path: check what it is built from
                continue
            segments = [segment.strip().strip("'\"") for segment in _SEGMENT.findall(inner.strip())]
            if segments:
                self.expression(ref, field, "${" + inner + "}", segments)

    def expression(self, ref: Optional[str], field: str, shown: str, segments: List[str]) -> None:
        root = segments[0]
        if root in _SYSTEM_ROOTS or ENV_NAME.match(root) or root.startswith(("?", "@")):
            return  # a system parameter or an environment name
        if root == "workflow":
            if len(segments) < 2:
                return
            name = segments[1]
            if name not in _WORKFLOW_FIELDS:
                self.add(
                    "unknown_field",
                    ref,
                    field,
                    f"{shown}: workflow has no field {name!r}" + _nearest(name, _WORKFLOW_FIELDS),
                )
            elif name == "input" and len(segments) > 2 and self.input_keys is not None:
                key = segments[2]
                if key not in self.input_keys:
                    known = sorted(self.input_keys)
                    self.add(
                        "missing_input",
                        ref,
                        field,
                        f"{shown} reads input {key!r}, which this run's input does not have "
                        f"(it has: {', '.join(known) or 'nothing'})" + _nearest(key, known),
                    )
            return
        if root not in self.refs:
            if self.dynamic:
                return  # a dynamic fork or DYNAMIC task may add this reference at run time
            loop = LOOP_SUFFIX.match(root)
            if loop and loop.group("base") in self.refs:
                hint = (
                    "; a loop iteration cannot be addressed by its reference, read "
                    f"'${{<loop_ref>.output.<iteration>.{loop.group('base')}}}' instead"
                )
            else:
                hint = _nearest(root, sorted(self.refs))
            self.add("unknown_reference", ref, field, f"{shown}: no task has the reference {root!r}" + hint)
            return
        if len(segments) > 1 and segments[1] not in _TASK_FIELDS:
            self.add(
                "unknown_field",
                ref,
                field,
                f"{shown}: a task has no field {segments[1]!r}" + _nearest(segments[1], _TASK_FIELDS),
            )


def lint_definition(
    definition: Mapping[str, Any],
    input: Optional[Mapping[str, Any]] = None,
    *,
    content: Optional[bytes] = None,
) -> List[LintProblem]:
    """The problems of ``definition`` (and of the inline sub-workflow definitions it holds).

    ``input``: the workflow input of the run, to find ``${workflow.input.x}`` it lacks (None: not
    checked). Sub-workflows are checked without it: their input comes from the parent task.
    ``content``: ``definition`` pickled, when the caller has it (it keys the answers remembered).
    """
    try:  # a suite runs the same definition many times: the answer depends on its content and
        # on the names of the input's keys only
        key: Optional[Tuple[bytes, Optional[FrozenSet[str]], bool]] = (
            content if content is not None else pickle.dumps(definition, pickle.HIGHEST_PROTOCOL),
            None if input is None else frozenset(input),
            bool(input),
        )
    except Exception:  # not picklable: linted every time
        key = None
    known = _LINTED.get(key) if key is not None else None
    if known is not None:
        return list(known)
    problems = _Linter(definition, input).run(definition)
    for site in walk_tasks(list(definition.get("tasks") or [])):
        params = site.task.get("subWorkflowParam")
        inline = params.get("workflowDefinition") if isinstance(params, Mapping) else None
        if isinstance(inline, Mapping):
            problems.extend(lint_definition(inline))
    if key is not None:
        _LINTED.put(key, tuple(problems))
    return problems


_LINTED: ContentCache[Tuple[LintProblem, ...]] = ContentCache()


def problems_by_kind(problems: List[LintProblem]) -> Dict[str, List[LintProblem]]:
    out: Dict[str, List[LintProblem]] = {}
    for problem in problems:
        out.setdefault(problem.kind, []).append(problem)
    return out
