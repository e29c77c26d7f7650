"""Finished workflow runs kept out of memory, readable by id (the server's archived executions).

A long-lived engine (``memory://``, ``LocalConductor.serve()``) would otherwise hold every run it
ever executed. The :class:`~conductor_testkit.engine.store.Store` moves finished runs here: each
is pickled (its definition by reference when it is a shared prepared definition) into a private
temporary SQLite database, which lives on disk and is deleted when the archive is closed or
collected; SQLite keeps only a small page cache in memory. A run read back by id becomes a live
run again. Workflow search reads the summary fields kept beside each run.
"""

from __future__ import annotations

import json
import pickle
import sqlite3
import threading
from typing import Any, Dict, Iterator, List, Optional, Tuple

from conductor_testkit.engine.prepared import PreparedDefinition
from conductor_testkit.engine.run import RunState

# what a run keeps besides its workflow dict (indexes and caches are rebuilt from it)
_STATE = (
    "definition_overrides",
    "definition_variables",
    "uncommitted",
    "failed_task_id",
)
# the workflow fields search and listing read (no tasks, no definition)
_HEAD_SKIP = ("tasks", "workflowDefinition")
_PICKLE = pickle.HIGHEST_PROTOCOL


class _Definitions:
    """The prepared definitions archived runs refer to, and their objects by position."""

    def __init__(self) -> None:
        self.by_key: Dict[int, PreparedDefinition] = {}
        self._positions: Dict[int, Dict[int, int]] = {}  # key -> id(object) -> position
        self._objects: Dict[int, List[Any]] = {}

    def register(self, prepared: PreparedDefinition) -> int:
        key = id(prepared)
        if key not in self.by_key:
            objects: List[Any] = []
            stack: List[Any] = [prepared.defn]
            while stack:
                value = stack.pop()
                objects.append(value)
                children = value.values() if isinstance(value, dict) else value
                stack.extend(v for v in children if isinstance(v, (dict, list)))
            self.by_key[key] = prepared
            self._objects[key] = objects
            self._positions[key] = {id(obj): i for i, obj in enumerate(objects)}
        return key

    def position(self, key: int, obj: Any) -> Optional[int]:
        return self._positions[key].get(id(obj))

    def resolve(self, key: int, position: int) -> Any:
        return self._objects[key][position]


class RunArchive:
    """Pickled finished runs in a private temporary SQLite database (see the module docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._db: Optional[sqlite3.Connection] = None
        self._definitions = _Definitions()
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            # "": a private temporary on-disk database, deleted when the connection closes
            db = sqlite3.connect("", check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            db.execute("CREATE TABLE runs (seq INTEGER PRIMARY KEY, id TEXT UNIQUE, head TEXT, state BLOB)")
            db.execute("CREATE TABLE tasks (id TEXT PRIMARY KEY, run TEXT)")
            self._db = db
        return self._db

    # -- writing ----------------------------------------------------------------------------------

    def _pickled(self, run: RunState) -> bytes:
        """The run's state, pickled: its definition and the workflow tasks its tasks point to are
        written as positions in a shared prepared definition when they belong to one."""
        prepared = run.prepared if run.prepared is not None and run.prepared.defn is run.defn else None
        key = self._definitions.register(prepared) if prepared is not None else None
        wf = dict(run.wf)
        tasks = []
        shared: Dict[int, int] = {}  # task index -> position of its workflowTask
        for index, task in enumerate(run.tasks):
            task.pop("_wtCopy", None)  # a cache of copies; rebuilt when needed
            position = self._definitions.position(key, task.get("workflowTask")) if key is not None else None
            if position is not None:
                task = dict(task)
                task["workflowTask"] = None
                shared[index] = position
            tasks.append(task)
        wf["tasks"] = tasks
        if key is not None:
            wf["workflowDefinition"] = None
        state = {name: getattr(run, name) for name in _STATE}
        # uncompressed: a run without its definition pickles small (1.5 KB for two tasks), and
        # compressing it cost a third of the archiving time for 40% less disk
        return pickle.dumps((wf, key, shared, state), _PICKLE)

    def put(self, runs: List[Tuple[int, RunState]]) -> List[str]:
        """Archive ``(creation sequence, run)`` pairs in one transaction; the ids archived.

        A run holding values that cannot be pickled (objects an in-process worker returned) is
        left out and stays in memory.
        """
        rows: List[Tuple[int, str, str, bytes]] = []
        task_rows: List[Tuple[str, str]] = []
        for seq, run in runs:
            try:
                state = self._pickled(run)
            except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
                continue
            head = {k: v for k, v in run.wf.items() if k not in _HEAD_SKIP}
            rows.append((seq, run.workflow_id, json.dumps(head, default=repr), state))
            task_rows.extend((task_id, run.workflow_id) for task_id in run.by_id)
        if rows:
            with self._lock:
                db = self._connection()
                db.execute("BEGIN")
                db.executemany("INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?)", rows)
                db.executemany("INSERT OR REPLACE INTO tasks VALUES (?, ?)", task_rows)
                db.execute("COMMIT")
                self._count = db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        return [row[1] for row in rows]

    # -- reading ----------------------------------------------------------------------------------

    def contains(self, workflow_id: str) -> bool:
        if self._db is None:
            return False
        with self._lock:
            return self._db.execute("SELECT 1 FROM runs WHERE id = ?", (workflow_id,)).fetchone() is not None

    def take(self, workflow_id: str) -> Optional[Tuple[int, RunState]]:
        """Remove a run from the archive and return it (with its creation sequence), or None."""
        if self._db is None:
            return None
        with self._lock:
            row = self._db.execute("SELECT seq, state FROM runs WHERE id = ?", (workflow_id,)).fetchone()
            if row is None:
                return None
            self._forget(workflow_id)
        seq, blob = row
        wf, key, shared, state = pickle.loads(blob)
        prepared = self._definitions.by_key.get(key) if key is not None else None
        if prepared is not None:
            wf["workflowDefinition"] = prepared.defn
            for index, position in shared.items():
                wf["tasks"][index]["workflowTask"] = self._definitions.resolve(key, position)
        run = RunState(wf, prepared)
        for name, value in state.items():
            setattr(run, name, value)
        return int(seq), run

    def remove(self, workflow_id: str) -> None:
        if self._db is not None:
            with self._lock:
                self._forget(workflow_id)

    def _forget(self, workflow_id: str) -> None:
        assert self._db is not None
        deleted = self._db.execute("DELETE FROM runs WHERE id = ?", (workflow_id,)).rowcount
        self._db.execute("DELETE FROM tasks WHERE run = ?", (workflow_id,))
        self._count -= max(0, deleted)

    def owner_of(self, task_id: str) -> Optional[str]:
        """The id of the archived run with this task, or None."""
        if self._db is None:
            return None
        with self._lock:
            row = self._db.execute("SELECT run FROM tasks WHERE id = ?", (task_id,)).fetchone()
        return None if row is None else str(row[0])

    def heads(self) -> Iterator[Tuple[int, Dict[str, Any]]]:
        """``(creation sequence, workflow fields without tasks and definition)`` of every run."""
        if self._db is None:
            return iter(())
        with self._lock:
            rows = self._db.execute("SELECT seq, head FROM runs ORDER BY seq").fetchall()
        return ((int(seq), json.loads(head)) for seq, head in rows)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
                self._count = 0


__all__ = ["RunArchive"]
