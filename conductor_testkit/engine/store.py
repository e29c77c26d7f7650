"""The in-memory store of workflow runs (the server's ExecutionDAO), with finished runs archived.

Runs live in memory while they may change. Once a run has finished and more than
``finished_in_memory`` finished runs are held, the oldest finished ones move to a
:class:`~conductor_testkit.engine.archive.RunArchive` (out of memory, readable by id), the way
the server archives finished executions: a long-lived engine keeps a bounded amount of memory,
and polling and deciding never walk its history. Reading an archived run (by workflow id or by
task id) makes it a live run again, the same object while anyone still holds it.

``store.runs`` is the runs by id: ``runs[id]``, ``runs.get(id)`` and ``id in runs`` reach archived
runs too; iterating it (``values()``, ``items()``, ``len()``) covers the runs in memory, among them
every unfinished one. :meth:`Store.pollable_runs` are the runs that may hold work (a run added or
looked up since it last was seen finished), :meth:`Store.all_workflows` every run's workflow
fields, archived ones included, for search.
"""

from __future__ import annotations

import weakref
from typing import Any, Dict, Iterator, List, Optional, Tuple, cast

from conductor_testkit.engine.archive import RunArchive
from conductor_testkit.engine.errors import EngineNotFound
from conductor_testkit.engine.run import WORKFLOW_TERMINAL, RunState, TaskDict

DEFAULT_FINISHED_IN_MEMORY = 1000
# archiving is considered after this many additions at least (amortised over many starts)
_MIN_SWEEP_INTERVAL = 256


class RunTable:
    """The store's runs by id (see the module docstring for what iteration covers)."""

    def __init__(self, store: Store) -> None:
        self._store = cast(Store, weakref.proxy(store))  # the store holds the table: no cycle

    def get(self, workflow_id: Any, default: Any = None) -> Any:
        found = self._store.lookup(workflow_id) if isinstance(workflow_id, str) else None
        return default if found is None else found

    def __getitem__(self, workflow_id: Any) -> RunState:
        found = self._store.lookup(workflow_id) if isinstance(workflow_id, str) else None
        if found is None:
            raise KeyError(workflow_id)
        return found

    def __contains__(self, workflow_id: object) -> bool:
        return isinstance(workflow_id, str) and self._store.holds(workflow_id)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._store._live))

    def __len__(self) -> int:
        return len(self._store._live)

    def keys(self) -> List[str]:
        return list(self._store._live)

    def values(self) -> List[RunState]:
        return list(self._store._live.values())

    def items(self) -> List[Tuple[str, RunState]]:
        return list(self._store._live.items())


class Store:
    """Workflow runs by id, a task-id lookup across runs, and the archive of finished runs.

    Args:
        finished_in_memory: how many finished runs stay in memory before the oldest are archived
            (``None``: never archive).
    """

    def __init__(self, finished_in_memory: Optional[int] = DEFAULT_FINISHED_IN_MEMORY) -> None:
        self.finished_in_memory = finished_in_memory
        self.runs = RunTable(self)
        self._live: Dict[str, RunState] = {}
        self._seq: Dict[str, int] = {}  # creation order of the live runs (the archive keeps its own)
        self._next_seq = 0
        # runs that may hold work: added, or looked up (an operation may be about to reopen them)
        self._pollable: Dict[str, RunState] = {}
        self._owner: Dict[str, str] = {}
        self._archive = RunArchive()
        # archived runs someone still holds: handed back as the same object
        self._held: weakref.WeakValueDictionary[str, RunState] = weakref.WeakValueDictionary()
        self._next_sweep = _MIN_SWEEP_INTERVAL

    # -- adding and finding -----------------------------------------------------------------------

    def add(self, run: RunState) -> None:
        workflow_id = run.workflow_id
        if workflow_id not in self._seq:
            self._seq[workflow_id] = self._next_seq
            self._next_seq += 1
        self._live[workflow_id] = run
        self._pollable[workflow_id] = run
        if self.finished_in_memory is not None and len(self._live) >= self._next_sweep:
            self.archive_finished()

    def lookup(self, workflow_id: str) -> Optional[RunState]:
        """The run with this id (brought back from the archive when it is there), or None."""
        run = self._live.get(workflow_id)
        if run is None:
            run = self._restore(workflow_id)
            if run is None:
                return None
        self._pollable[workflow_id] = run
        return run

    def holds(self, workflow_id: str) -> bool:
        """Whether a run with this id exists (in memory or archived)."""
        return workflow_id in self._live or self._archive.contains(workflow_id)

    def run(self, workflow_id: str) -> RunState:
        """The run with this id, or EngineNotFound (the server's 404 text)."""
        run = self.lookup(workflow_id)
        if run is None:
            raise EngineNotFound(f"No such workflow found by id: {workflow_id}")
        return run

    def remove(self, workflow_id: str) -> None:
        """Forget a run (the remove operation)."""
        run = self._live.pop(workflow_id, None)
        self._pollable.pop(workflow_id, None)
        self._seq.pop(workflow_id, None)
        self._held.pop(workflow_id, None)
        self._archive.remove(workflow_id)
        if run is not None:
            for task_id in run.by_id:
                self._owner.pop(task_id, None)

    def find_task(self, task_id: str) -> Optional[Tuple[RunState, TaskDict]]:
        """The run and task dict with this task id, or None."""
        owner = self._owner.get(task_id)
        if owner is not None:
            run = self._live.get(owner)
            if run is not None and task_id in run.by_id:
                return run, run.by_id[task_id]
        for run in self._live.values():
            task = run.by_id.get(task_id)
            if task is not None:
                self._owner[task_id] = run.workflow_id
                return run, task
        archived = self._archive.owner_of(task_id)
        if archived is not None:
            run = self.lookup(archived)
            if run is not None and task_id in run.by_id:
                return run, run.by_id[task_id]
        return None

    def pollable_runs(self) -> List[RunState]:
        """The runs that may hold work (unfinished ones, and ones looked up since they finished)."""
        finished = [wid for wid, run in self._pollable.items() if run.wf["status"] in WORKFLOW_TERMINAL]
        for workflow_id in finished:
            del self._pollable[workflow_id]
        return list(self._pollable.values())

    def all_workflows(self) -> List[Dict[str, Any]]:
        """Every run's workflow dict in creation order, archived runs as their fields without
        tasks and definition: read them, never change them."""
        entries: List[Tuple[int, Dict[str, Any]]] = list(self._archive.heads())
        entries.extend((self._seq.get(wid, 0), run.wf) for wid, run in list(self._live.items()))
        entries.sort(key=lambda entry: entry[0])
        return [workflow for _, workflow in entries]

    # -- archiving --------------------------------------------------------------------------------

    @property
    def archived_count(self) -> int:
        """How many finished runs are archived (out of memory)."""
        return len(self._archive)

    def archive_finished(self, keep: Optional[int] = None) -> int:
        """Archive the oldest finished runs beyond ``keep`` (default ``finished_in_memory``).

        Returns how many were archived. Runs are archived when they are no longer pollable
        (finished and not looked up since), oldest first.
        """
        keep = self.finished_in_memory if keep is None else keep
        self.pollable_runs()  # drop the finished ones from the pollable runs
        finished = [
            (self._seq.get(wid, 0), run)
            for wid, run in self._live.items()
            if wid not in self._pollable and run.wf["status"] in WORKFLOW_TERMINAL
        ]
        self._next_sweep = len(self._live) + max(_MIN_SWEEP_INTERVAL, keep or 0)
        surplus = len(finished) - (keep or 0)
        if surplus <= 0:
            return 0
        oldest = finished[:surplus]
        archived = self._archive.put(oldest)
        for workflow_id in archived:
            run = self._live.pop(workflow_id)
            del self._seq[workflow_id]  # the archive keeps it
            self._held[workflow_id] = run
            for task_id in run.by_id:
                self._owner.pop(task_id, None)
        self._next_sweep = len(self._live) + max(_MIN_SWEEP_INTERVAL, keep or 0)
        return len(archived)

    def _restore(self, workflow_id: str) -> Optional[RunState]:
        held = self._held.get(workflow_id)
        taken = self._archive.take(workflow_id)
        if taken is None:
            return None
        seq, run = taken
        if held is not None:
            run = held  # someone still holds the object: it stays the one run
        self._seq[workflow_id] = seq
        self._live[workflow_id] = run
        return run

    def close(self) -> None:
        """Release the archive (its temporary database)."""
        self._archive.close()
