"""Snapshots of executions: the normalised run saved beside the test, compared on the next run.

A snapshot is the execution after :func:`~conductor_testkit.testing.compare.normalize_workflow`
(ids and times masked, maps in a stable order), as JSON. The engine and a server give the same
snapshot for the same test when they agree, so one snapshot serves every backend. A missing or
changed snapshot fails the test with a diff; ``--conductor-snapshot-update`` (or
``SnapshotStore(update=True)``) writes them instead.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import Any, Dict, Union

from conductor_testkit.errors import ConductorError
from conductor_testkit.testing.compare import normalize_workflow
from conductor_testkit.testing.execution import Execution

__all__ = ["SnapshotMismatch", "SnapshotStore", "snapshot_of"]

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


class SnapshotMismatch(AssertionError, ConductorError):
    """An execution differs from its saved snapshot (or has none yet)."""


def snapshot_of(execution: Execution) -> Dict[str, Any]:
    """What a snapshot keeps of an execution: its normalised workflow."""
    return normalize_workflow(execution.workflow)


def _text(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class SnapshotStore:
    """Snapshot files in ``directory``, one per key.

    Args:
        directory: where the ``<key>.json`` files live.
        update: write snapshots instead of comparing (``--conductor-snapshot-update``).
    """

    def __init__(self, directory: Union[str, Path], update: bool = False) -> None:
        self.directory = Path(directory)
        self.update = update
        self.written = 0

    def path(self, key: str) -> Path:
        return self.directory / (_UNSAFE.sub("_", key).strip("_") + ".json")

    def check(self, key: str, execution: Execution) -> None:
        """Compare ``execution`` with the snapshot ``key``; :class:`SnapshotMismatch` if they differ."""
        __tracebackhide__ = True
        path = self.path(key)
        actual = _text(snapshot_of(execution))
        if self.update:
            if not path.exists() or path.read_text(encoding="utf-8") != actual:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(actual, encoding="utf-8")
                self.written += 1
            return
        if not path.exists():
            raise SnapshotMismatch(
                f"no snapshot {path} for workflow {execution.name!r} yet; run pytest with "
                "--conductor-snapshot-update to write it"
            )
        expected = path.read_text(encoding="utf-8")
        if expected != actual:
            diff = difflib.unified_diff(
                expected.splitlines(), actual.splitlines(), "snapshot", "this run", lineterm="", n=2
            )
            raise SnapshotMismatch(
                f"workflow {execution.name!r} differs from its snapshot {path} "
                "(--conductor-snapshot-update rewrites it):\n" + "\n".join(diff)
            )
