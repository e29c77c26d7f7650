"""A run's Workflow JSON whose definition parts are copied only when somebody is handed it.

Beside a run's own state, the Workflow JSON carries the workflow definition and, for every task,
its ``workflowTask`` and ``taskDefinition``: copies of the prepared definition's parts, shared by
every run of that definition and read-only (engine/prepared.py). Copying them is most of what a
final snapshot costs, and a test that reads the status, the output or a task's output never
looks at them.

A :class:`DeferredSnapshot` holds the JSON with those parts still being the prepared definition's
own dicts. Reading it (:attr:`DeferredSnapshot.shared`) is for code that only reads;
:meth:`DeferredSnapshot.detach` puts a fresh copy in place of every shared part and returns the
JSON, which then belongs to the caller alone as a full snapshot would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Tuple

if TYPE_CHECKING:  # pragma: no cover
    from conductor_testkit.engine.prepared import FrozenJson

__all__ = ["DeferredSnapshot"]


class DeferredSnapshot:
    """A Workflow JSON some parts of which are still shared with a prepared definition.

    Attributes:
        shared: the JSON; until :meth:`detach`, never change it nor hand it to code that might.
    """

    __slots__ = ("shared", "_pending")

    def __init__(self, workflow: Dict[str, Any]) -> None:
        self.shared = workflow
        # (the dict holding a shared part, its key, the template a copy comes from)
        self._pending: List[Tuple[Dict[str, Any], str, FrozenJson]] = []

    def share(self, holder: Dict[str, Any], key: str, value: Any, template: FrozenJson) -> None:
        """Set ``holder[key]`` to ``value``, a read-only part whose copy ``template`` makes."""
        holder[key] = value
        self._pending.append((holder, key, template))

    @property
    def detached(self) -> bool:
        """Whether nothing in :attr:`shared` is shared any more."""
        return not self._pending

    def detach(self) -> Dict[str, Any]:
        """The JSON with a fresh copy of every shared part (done once; later calls return it)."""
        pending, self._pending = self._pending, []
        for holder, key, template in pending:
            holder[key] = template.copy()
        return self.shared

    def __repr__(self) -> str:
        return f"DeferredSnapshot({self.shared.get('workflowId')!r}, shared parts={len(self._pending)})"
