"""``LocalBackend``: run a workflow on the in-memory engine, on its virtual clock.

The run is the engine's own drive (``Engine.run_workflow``): each task the engine does not finish
by itself is settled by the first of its mocks (by reference name, one planned attempt per
attempt, applied as the server's test endpoint applies them), its mock function, the worker of
its task type (``@worker_task`` function or ``Worker``, the engine's own included), with the
virtual time visible to worker code. When nothing can run now, the clock jumps to the next due
timer (retry delay, WAIT duration, callback). A run that cannot go on without outside help stops;
its :class:`Execution` says which tasks block it and why.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Set

from conductor_testkit.engine import Engine
from conductor_testkit.testing.backend import BaseBackend
from conductor_testkit.testing.continuation import LocalRunHandle
from conductor_testkit.testing.definition import task_types_by_ref, walk_tasks
from conductor_testkit.testing.execution import Execution
from conductor_testkit.testing.mocks import MockSet

__all__ = ["LocalBackend"]


class LocalBackend(BaseBackend):
    """Runs workflows on an in-memory :class:`~conductor_testkit.engine.Engine`.

    Args:
        engine: the engine to use (default: a fresh one with a virtual clock at 2024-01-01Z).
        seed: the id seed of a fresh engine (runs replay with the same ids).
    """

    name = "local"
    supports_functions = True

    def __init__(self, engine: Optional[Engine] = None, *, seed: int = 0) -> None:
        self.engine = engine if engine is not None else Engine(seed=seed)

    @property
    def clock(self) -> Any:
        """The engine's virtual clock."""
        return self.engine.clock

    def server_version(self) -> str:
        return "in-memory engine"

    @property
    def _registry(self) -> Engine:
        return self.engine

    def task_types(self, definition: Mapping[str, Any]) -> Dict[str, str]:
        """Reference name -> type of the definition and of the registered sub-workflows it starts."""
        return _types_with_children(self.engine, definition, set())

    def _run(
        self,
        definition: Mapping[str, Any],
        request: Dict[str, Any],
        mocks: MockSet,
        workers: Mapping[str, Any],
        task_to_domain: Dict[str, str],
    ) -> Execution:
        """Start the workflow (its definition inline, as the test endpoint does) and drive it."""
        if task_to_domain:
            request["taskToDomain"] = task_to_domain
        outcome = self.engine.run_workflow(request, mocks=mocks, workers=workers)
        return LocalRunHandle(self.engine, outcome, self.name).execution(outcome)

    def __repr__(self) -> str:
        return f"LocalBackend({self.engine.clock!r})"


def _types_with_children(engine: Engine, definition: Mapping[str, Any], seen: Set[str]) -> Dict[str, str]:
    types = task_types_by_ref(definition)
    for task in _sub_workflow_tasks(definition):
        params = task.get("subWorkflowParam") or {}
        name = params.get("name")
        if not name or params.get("workflowDefinition") is not None or name in seen:
            continue
        seen.add(str(name))
        child = engine.latest_workflow_def(str(name))
        if child is not None:
            for ref, ttype in _types_with_children(engine, child, seen).items():
                types.setdefault(ref, ttype)
    return types


def _sub_workflow_tasks(definition: Mapping[str, Any]) -> List[Mapping[str, Any]]:
    return [s.task for s in walk_tasks(list(definition.get("tasks") or [])) if s.type == "SUB_WORKFLOW"]
