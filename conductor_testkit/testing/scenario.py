"""Scenarios drawn from a workflow definition: an input and mocked outcomes, per attempt.

A :class:`Scenario` is what one test passes the harness: the workflow input, the mocks (one list
of attempts per task reference; a loop's iterations as ``ref__1``, ``ref__2``, ...), the mocks of
the sub-workflows it starts and of its failure workflow. :class:`ScenarioSpace` draws them with
Hypothesis from the definition:

* inputs for every field the expressions read (:mod:`conductor_testkit.testing.reads`), from the
  values that matter (case keys, the literals a script compares with and their neighbours, values
  matching no case) and with the types the uses suggest;
* for each task a mock settles (not SWITCH, INLINE, SUB_WORKFLOW, ... which run by themselves), an
  outcome plan per attempt: completed, failed then retried, retries exhausted (or, for an optional
  task, failed), a terminal error, timed out (when its definition has a timeout), canceled (on a
  fork branch); completed attempts carry outputs for the fields later expressions read.

Plans shrink towards "completed at the first attempt" and inputs towards the first case key, so a
failing property shrinks to the plainest run that fails. Tasks the space does not know (the tasks
a dynamic fork adds, loop iterations past the ones drawn) complete with an empty output, through
in-process workers: running a scenario needs the local backend. :meth:`ScenarioSpace.used` gives
the exact mocks of one run, which replay on every backend.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from hypothesis import strategies as st

from conductor_testkit.errors import DefinitionError
from conductor_testkit.testing.coverage.model import (
    WorkflowModel,
    effective_retry_count,
    is_mockable,
    timeout_policy,
)
from conductor_testkit.testing.definition import walk_tasks, workflow_def_dict
from conductor_testkit.testing.execution import Execution
from conductor_testkit.testing.reads import Hints, definition_reads

__all__ = [
    "OFF_CASE_VALUES",
    "PLANS",
    "Scenario",
    "ScenarioSpace",
    "attempts_of_plan",
    "nested",
    "numbers_around",
    "source_strategy",
    "value_strategy",
]

OFF_CASE_VALUES: Tuple[Any, ...] = (None, "__no_such_case__")
"""Values that match no case key of a SWITCH (``None`` reads as the key ``"null"``)."""

#: the outcome plans of a mocked task, in the order they shrink to
PLANS = ("completed", "retried", "exhausted", "optional_failed", "terminal_error", "timed_out", "canceled")
DYNAMIC_TASK_NAME = "explored_dynamic_task"
_LOOP_ITERATIONS = 3


@dataclass
class Scenario:
    """One run's input and mocks (see the module docstring); JSON-friendly."""

    input: Dict[str, Any] = field(default_factory=dict)
    mocks: Dict[str, List[Dict[str, Any]]] = field(default_factory=dict)
    sub_workflow_mocks: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    failure_workflow_mocks: Optional[Dict[str, List[Dict[str, Any]]]] = None

    def to_dict(self) -> Dict[str, Any]:
        data: Dict[str, Any] = {"input": self.input, "mocks": self.mocks}
        if self.sub_workflow_mocks:
            data["sub_workflow_mocks"] = self.sub_workflow_mocks
        if self.failure_workflow_mocks is not None:
            data["failure_workflow_mocks"] = self.failure_workflow_mocks
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scenario:
        return cls(
            dict(data.get("input") or {}),
            {str(k): list(v) for k, v in (data.get("mocks") or {}).items()},
            dict(data.get("sub_workflow_mocks") or {}),
            data.get("failure_workflow_mocks"),
        )

    def copy(self) -> Scenario:
        return Scenario.from_dict(copy.deepcopy(self.to_dict()))


def _cut(
    mocks: Mapping[str, List[Dict[str, Any]]],
    left: Mapping[str, int],
    prefix: str,
    execution: Execution,
    worker_types: Set[str],
) -> Dict[str, List[Dict[str, Any]]]:
    """The attempts of ``mocks`` the run used, plus an empty completed attempt for each task the
    in-process workers completed."""
    out: Dict[str, List[Dict[str, Any]]] = {}
    for ref, attempts in mocks.items():
        keep = len(attempts) - int(left.get(prefix + ref, 0))
        if keep > 0:
            out[ref] = copy.deepcopy(attempts[:keep])
    for task in execution.workflow.get("tasks") or []:
        ref = str(task.get("referenceTaskName"))
        if ref in mocks:
            continue
        if task.get("taskType") in worker_types and task.get("status") == "COMPLETED":
            out.setdefault(ref, []).append(
                {"status": "COMPLETED", "output": dict(task.get("outputData") or {})}
            )
        elif task.get("status") == "CANCELED" and is_mockable(str(task.get("taskType"))):
            # canceled while it waited: no attempt, but the server's test endpoint stops at an
            # open task whose reference has no mock entry at all, so it gets an empty one
            out.setdefault(ref, [])
    return out


def _children_used(
    subs: Mapping[str, Any],
    left: Mapping[str, int],
    prefix: str,
    execution: Execution,
    worker_types: Set[str],
) -> Dict[str, Dict[str, Any]]:
    """The nested sub-workflow mocks the children of ``execution`` used."""
    out: Dict[str, Dict[str, Any]] = {}
    refs = {
        str(t.get("referenceTaskName"))
        for t in execution.workflow.get("tasks") or []
        if t.get("taskType") == "SUB_WORKFLOW"
    }
    for ref in sorted(refs):
        try:
            child = execution.sub_workflow(ref)
        except AssertionError:  # it started none
            continue
        given = subs.get(ref) or {}
        mocks = _cut(given.get("taskRefToMockOutput") or {}, left, f"{prefix}{ref}/", child, worker_types)
        grandchildren = _children_used(
            given.get("subWorkflowTestRequest") or {}, left, f"{prefix}{ref}/", child, worker_types
        )
        if mocks or grandchildren:
            out[ref] = {"taskRefToMockOutput": mocks}
            if grandchildren:
                out[ref]["subWorkflowTestRequest"] = grandchildren
    return out


def numbers_around(values: Sequence[Any]) -> List[Any]:
    """Each value and its neighbours (the two sides of a comparison with it), smallest first."""
    out: Set[Any] = set()
    for value in values:
        step = 1 if isinstance(value, int) else 0.5
        out.update((value - step, value, value + step))
    return sorted(out, key=lambda number: (abs(number), number))


def value_strategy(hints: Hints) -> st.SearchStrategy[Any]:
    """Values for one source: those that matter first (they are what Hypothesis shrinks to)."""
    numbers = [
        v for v in hints.compared + hints.literals if isinstance(v, (int, float)) and not isinstance(v, bool)
    ]
    strings = [v for v in hints.compared + hints.literals if isinstance(v, str)]
    types = set(hints.types)
    if not types:
        types = {"string"} if strings and not numbers else {"number"} if numbers and not strings else {"any"}
    parts: List[st.SearchStrategy[Any]] = []
    if "string" in types or ("any" in types and strings):
        parts.append(st.sampled_from(list(dict.fromkeys(strings + ["", "other"]))))
    if "number" in types or ("any" in types and numbers):
        around = numbers_around(hints.compared or numbers)
        parts.append(st.sampled_from(around) | st.integers(-1000, 1000) if around else st.integers(0, 4))
    if "boolean" in types:
        parts.append(st.booleans())
    if "list" in types:
        parts.append(st.lists(st.integers(0, 9), max_size=3))
    if "tasks" in types:
        parts.append(st.integers(0, 3).map(_dynamic_tasks))
    if "dict" in types:
        parts.append(st.just({}))
    if not parts:
        parts.append(st.sampled_from([1, "a"]))
    strategy = st.one_of(*parts) if len(parts) > 1 else parts[0]
    if hints.off_case:
        strategy = strategy | st.sampled_from(list(OFF_CASE_VALUES))
    return strategy


def _dynamic_tasks(count: int) -> List[Dict[str, Any]]:
    return [
        {"name": DYNAMIC_TASK_NAME, "taskReferenceName": f"{DYNAMIC_TASK_NAME}_{i}", "type": "SIMPLE"}
        for i in range(count)
    ]


def nested(paths: Mapping[Tuple[str, ...], st.SearchStrategy[Any]]) -> st.SearchStrategy[Dict[str, Any]]:
    """A dict strategy placing each path's drawn value at that key path (a path that is the
    prefix of another is dropped: its value is the dict of the longer one)."""
    keep = {
        path: strategy
        for path, strategy in paths.items()
        if path and not any(other[: len(path)] == path and other != path for other in paths)
    }
    keyed = {"\x1f".join(path): strategy for path, strategy in keep.items()}

    def build(values: Dict[str, Any]) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        for joined, value in values.items():
            *parents, leaf = joined.split("\x1f")
            node = out
            for key in parents:
                node = node.setdefault(key, {})
            node[leaf] = value
        return out

    return st.fixed_dictionaries(keyed).map(build)


def attempts_of_plan(plan: str, task: Mapping[str, Any], output: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """The mocked attempts that make ``task`` end by ``plan`` (one of :data:`PLANS`)."""
    retries = effective_retry_count(task)
    done = {"status": "COMPLETED", "output": dict(output)}
    fail = {"status": "FAILED", "output": {}}
    if plan == "completed":
        return [done]
    if plan == "retried":
        return [fail, done]
    if plan in ("exhausted", "optional_failed"):
        return [dict(fail) for _ in range(retries + 1)]
    if plan == "terminal_error":
        return [{"status": "FAILED_WITH_TERMINAL_ERROR", "output": {}}]
    if plan == "canceled":
        return [{"status": "CANCELED", "output": {}}]
    if plan == "timed_out":
        seconds = int((task.get("taskDefinition") or {}).get("timeoutSeconds") or 0)
        late = {"status": "IN_PROGRESS", "output": {}, "executionTime": (seconds + 1) * 1000}
        if timeout_policy(task) == "RETRY":
            return [late, done] if retries else [late]
        return [late]
    raise DefinitionError(f"unknown outcome plan {plan!r}; the plans are {', '.join(PLANS)}")


def plans_for(task: Mapping[str, Any], parallel: bool) -> List[str]:
    """The plans that make sense for ``task`` (a mocked task): see :data:`PLANS`."""
    optional = bool(task.get("optional"))
    plans = ["completed"]
    if effective_retry_count(task) > 0:
        plans.append("retried")
    plans.append("optional_failed" if optional else "exhausted")
    if not optional:
        plans.append("terminal_error")
    if timeout_policy(task) in ("TIME_OUT_WF", "RETRY"):
        plans.append("timed_out")
    if parallel:
        plans.append("canceled")
    return plans


class _Scope:
    """The mocked tasks of one workflow definition (and of the sub-workflows it starts)."""

    def __init__(self, definition: Dict[str, Any], registry: _Registry, seen: Tuple[str, ...] = ()) -> None:
        self.definition = registry.populate(definition)
        self.model = WorkflowModel(self.definition)
        self.reads = definition_reads(self.definition)
        self.loop_refs: Set[str] = set()
        for site in walk_tasks(list(self.definition.get("tasks") or [])):
            if any(branch == "loop" for _, branch in site.path):
                self.loop_refs.add(site.ref)
        self.children: Dict[str, _Scope] = {}
        for node in self.model.nodes.values():
            if node.type != "SUB_WORKFLOW":
                continue
            child = registry.child_definition(node.task)
            if child is not None and str(child.get("name")) not in seen:
                self.children[node.ref] = _Scope(child, registry, (*seen, str(self.definition.get("name"))))

    def mocked_nodes(self) -> List[Any]:
        return [n for n in self.model.nodes.values() if is_mockable(n.type)]

    def task_names(self) -> Set[str]:
        names = {str(n.task.get("name")) for n in self.mocked_nodes() if n.type == "SIMPLE"}
        for node in self.model.nodes.values():
            if node.type == "FORK_JOIN_DYNAMIC":
                fork_name = (node.task.get("inputParameters") or {}).get("forkTaskName")
                names.add(
                    str(fork_name) if isinstance(fork_name, str) and "${" not in fork_name else node.ref
                )
        for child in self.children.values():
            names |= child.task_names()
        return names

    def output_strategy(self, ref: str) -> st.SearchStrategy[Dict[str, Any]]:
        paths: Dict[Tuple[str, ...], st.SearchStrategy[Any]] = {}
        for source, hints in self.reads.items():
            if source.kind == "output" and source.ref == ref and source.path:
                paths[source.path] = source_strategy(hints)
        return nested(paths)

    def attempts_strategy(self, node: Any) -> st.SearchStrategy[List[Dict[str, Any]]]:
        plans = plans_for(node.task, node.parallel)
        # the plain outcome about as often as all the others together: deep paths stay reachable
        weighted = ["completed"] * max(1, len(plans) - 1) + plans[1:]
        return st.tuples(st.sampled_from(weighted), self.output_strategy(node.ref)).map(
            lambda drawn: attempts_of_plan(drawn[0], node.task, drawn[1])
        )

    def mocks_strategy(self, iterations: int) -> st.SearchStrategy[Dict[str, List[Dict[str, Any]]]]:
        per_ref: Dict[str, st.SearchStrategy[List[Dict[str, Any]]]] = {}
        for node in self.mocked_nodes():
            if node.ref in self.loop_refs:
                for i in range(1, iterations + 1):
                    per_ref[f"{node.ref}__{i}"] = self.attempts_strategy(node)
            else:
                per_ref[node.ref] = self.attempts_strategy(node)
        completed = st.just([{"status": "COMPLETED", "output": {}}])
        for ref in self.dynamic_refs(iterations):
            per_ref.setdefault(ref, completed)
        return st.fixed_dictionaries(per_ref)

    def dynamic_refs(self, count: int) -> List[str]:
        """The references the dynamic forks give the tasks they add (as the server names them),
        for the first ``count`` branches: they get mocks, which saves running workers."""
        refs: List[str] = []
        for node in self.model.nodes.values():
            if node.type != "FORK_JOIN_DYNAMIC":
                continue
            fork_name = (node.task.get("inputParameters") or {}).get("forkTaskName")
            names = [DYNAMIC_TASK_NAME] if node.task.get("dynamicForkTasksParam") else []
            if isinstance(fork_name, str) and "${" not in fork_name:
                refs += [f"_{fork_name}_{i}" for i in range(count)]
                refs += [f"_{node.ref}_{fork_name}_{i}" for i in range(count)]
            refs += [f"{name}_{i}" for name in names for i in range(count)]
        return refs

    def nested_strategy(self, iterations: int) -> st.SearchStrategy[Dict[str, Any]]:
        """This scope as the test endpoint's nested sub-workflow mocks."""
        parts: Dict[str, st.SearchStrategy[Any]] = {"taskRefToMockOutput": self.mocks_strategy(iterations)}
        if self.children:
            parts["subWorkflowTestRequest"] = self.children_strategy(iterations)
        return st.fixed_dictionaries(parts)

    def children_strategy(self, iterations: int) -> st.SearchStrategy[Dict[str, Any]]:
        return st.fixed_dictionaries(
            {ref: child.nested_strategy(iterations) for ref, child in self.children.items()}
        )


def source_strategy(hints: Hints, off_case_values: Sequence[Any] = OFF_CASE_VALUES) -> st.SearchStrategy[Any]:
    """Values for one source: a value-param SWITCH's case keys then ``off_case_values`` (values
    matching no case); otherwise :func:`value_strategy`."""
    if hints.off_case and not hints.compared and hints.types <= {"string"}:
        ordered = list(dict.fromkeys(str(v) for v in hints.literals))
        ordered += [v for v in off_case_values if v not in ordered]
        if not ordered:
            raise DefinitionError("a SWITCH without case keys and no off_case_values leaves nothing to draw")
        return st.sampled_from(ordered)
    return value_strategy(hints)


class _Registry:
    """Definitions registered besides the workflow: sub-workflows, the failure workflow, TaskDefs."""

    def __init__(self, definitions: Iterable[Any]) -> None:
        self.workflows: Dict[str, Dict[str, Any]] = {}
        self.task_defs: Dict[str, Dict[str, Any]] = {}
        self.all: List[Dict[str, Any]] = []
        for definition in definitions:
            data = definition.to_dict() if hasattr(definition, "to_dict") else dict(definition)
            self.all.append(data)
            if "tasks" in data:
                known = self.workflows.get(str(data["name"]))
                if known is None or int(data.get("version") or 1) >= int(known.get("version") or 1):
                    self.workflows[str(data["name"])] = data
            else:
                self.task_defs[str(data.get("name"))] = data

    def populate(self, definition: Mapping[str, Any]) -> Dict[str, Any]:
        """A copy whose tasks carry their registered TaskDef (as the server attaches it at start)."""
        data = copy.deepcopy(dict(definition))
        for site in walk_tasks(list(data.get("tasks") or [])):
            task = site.task
            name = str(task.get("name"))
            if not task.get("taskDefinition") and name in self.task_defs and isinstance(task, dict):
                task["taskDefinition"] = copy.deepcopy(self.task_defs[name])
        return data

    def child_definition(self, task: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
        params = task.get("subWorkflowParam") or {}
        inline = params.get("workflowDefinition")
        if isinstance(inline, Mapping):
            return workflow_def_dict(inline)
        name = params.get("name")
        return self.workflows.get(str(name)) if name else None


class ScenarioSpace:
    """The scenarios of one workflow, drawn with Hypothesis (see the module docstring).

    Args:
        workflow: the workflow (DSL, WorkflowDef or dict).
        register: definitions it needs: sub-workflows it starts by name, its failure workflow,
            TaskDefs whose retry and timeout settings matter.
        inputs: strategies for input fields, by top-level key or dotted path, instead of the drawn ones.
        loop_iterations: how many iterations of each loop get their own drawn mocks.
    """

    def __init__(
        self,
        workflow: Any,
        *,
        register: Iterable[Any] = (),
        inputs: Optional[Mapping[str, st.SearchStrategy[Any]]] = None,
        loop_iterations: int = _LOOP_ITERATIONS,
    ) -> None:
        self.registry = _Registry(register)
        self.definition = workflow_def_dict(workflow)
        self.scope = _Scope(self.definition, self.registry)
        self.model = self.scope.model
        self.loop_iterations = loop_iterations
        self.input_overrides = dict(inputs or {})
        failure_name = self.definition.get("failureWorkflow")
        failure = self.registry.workflows.get(str(failure_name)) if failure_name else None
        self.failure_scope = _Scope(failure, self.registry) if failure is not None else None
        self._workers: Optional[Dict[str, Callable[[], Dict[str, Any]]]] = None

    @property
    def name(self) -> str:
        return str(self.definition.get("name"))

    def input_paths(self) -> Dict[Tuple[str, ...], Hints]:
        """The workflow input paths the expressions read, with their hints."""
        return {s.path: h for s, h in self.scope.reads.items() if s.kind == "input" and s.path}

    def inputs(self) -> st.SearchStrategy[Dict[str, Any]]:
        """Workflow inputs: every field the expressions read."""
        paths: Dict[Tuple[str, ...], st.SearchStrategy[Any]] = {
            path: source_strategy(hints) for path, hints in self.input_paths().items()
        }
        for key, strategy in self.input_overrides.items():
            path = tuple(key.split("."))
            paths = {p: s for p, s in paths.items() if p[: len(path)] != path}
            paths[path] = strategy
        return nested(paths)

    def mocks(self) -> st.SearchStrategy[Dict[str, List[Dict[str, Any]]]]:
        """Mocked attempts for every task a mock settles, an outcome plan each."""
        return self.scope.mocks_strategy(self.loop_iterations)

    def scenarios(self) -> st.SearchStrategy[Scenario]:
        """Whole scenarios: input, mocks, sub-workflow and failure-workflow mocks."""
        failure: st.SearchStrategy[Any] = (
            self.failure_scope.mocks_strategy(self.loop_iterations) if self.failure_scope else st.none()
        )
        return st.builds(
            Scenario,
            self.inputs(),
            self.mocks(),
            self.scope.children_strategy(self.loop_iterations),
            failure,
        )

    def fallback_workers(self) -> Dict[str, Callable[[], Dict[str, Any]]]:
        """In-process workers completing, with an empty output, the tasks no drawn mock settles."""
        if self._workers is None:
            names = self.scope.task_names() | {DYNAMIC_TASK_NAME}
            if self.failure_scope is not None:
                names |= self.failure_scope.task_names()
            self._workers = {name: _empty_output for name in sorted(names)}
        return dict(self._workers)

    def used(self, scenario: Scenario, execution: Execution) -> Scenario:
        """``scenario`` cut to the mocked attempts ``execution`` used, plus an empty completed
        attempt for each task the in-process workers completed: the exact mocks of that run,
        which replay on every backend (the failure workflow's: on the local and live ones)."""
        left = dict(execution.unused_mocks or {})
        workers = set(self.fallback_workers())
        used = Scenario(copy.deepcopy(scenario.input))
        used.mocks = _cut(scenario.mocks, left, "", execution, workers)
        used.sub_workflow_mocks = _children_used(scenario.sub_workflow_mocks, left, "", execution, workers)
        failure = execution.failure_workflow
        if failure is not None and (
            scenario.failure_workflow_mocks is not None or self.failure_scope is not None
        ):
            prefix = "<failure workflow>/"
            used.failure_workflow_mocks = _cut(
                scenario.failure_workflow_mocks or {}, left, prefix, failure, workers
            )
        return used

    def run(self, harness: Any, scenario: Scenario) -> Execution:
        """Run ``scenario`` on ``harness`` (a local backend) with the fallback workers, leniently."""
        return harness.run(  # type: ignore[no-any-return]
            self.definition,
            scenario.input,
            scenario.mocks,
            self.fallback_workers(),
            sub_workflow_mocks=scenario.sub_workflow_mocks or None,
            failure_workflow_mocks=scenario.failure_workflow_mocks,
            strict=False,
        )

    def new_harness(self, observers: Iterable[Callable[[Execution], None]] = ()) -> Any:
        """A harness on a fresh engine with the registered definitions."""
        from conductor_testkit.testing.harness import Harness

        harness = Harness(strict=False, observers=observers)
        if self.registry.all:
            harness.register(*self.registry.all)
        return harness


def _empty_output() -> Dict[str, Any]:
    return {}
