"""``BothBackend``: run each workflow on the engine and on a real server, and fail where they differ.

The same definition, input and mocks go to a :class:`LocalBackend` and a :class:`RemoteBackend`
(the server's test endpoint). Both executions are normalised (ids and times masked) and compared:
status, output, reason, the path, and each task's status, input and output. A difference fails
the run with a readable diff; the local execution is returned, with the server's as
``execution.other``. Mock functions and workers cannot run on the server, so they are refused
before the run.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Mapping, Optional

from conductor_testkit.errors import ConductorError
from conductor_testkit.testing.backend import BackendNotSupportedError
from conductor_testkit.testing.compare import diff_runs
from conductor_testkit.testing.execution import Execution
from conductor_testkit.testing.local import LocalBackend
from conductor_testkit.testing.mocks import MockSet
from conductor_testkit.testing.remote import RemoteBackend

__all__ = ["BackendsDisagree", "BothBackend"]


class BackendsDisagree(AssertionError, ConductorError):
    """The engine and the server ran the same test differently."""


class BothBackend:
    """Runs each workflow locally and on a server's test endpoint and compares the two.

    Args:
        local: the engine's backend.
        remote: the server's backend.

    Attributes:
        compared: how many runs were compared; ``agreed`` how many of them agreed.
    """

    name = "both"
    supports_functions = False

    def __init__(self, local: LocalBackend, remote: RemoteBackend) -> None:
        self.local = local
        self.remote = remote
        self.compared = 0
        self.agreed = 0

    @property
    def engine(self) -> Any:
        return self.local.engine

    def server_version(self) -> str:
        return self.remote.server_version()

    def register_workflow_def(self, definition: Mapping[str, Any]) -> None:
        self.local.register_workflow_def(definition)
        self.remote.register_workflow_def(definition)

    def register_task_def(self, definition: Mapping[str, Any]) -> None:
        self.local.register_task_def(definition)
        self.remote.register_task_def(definition)

    def run(
        self,
        definition: Mapping[str, Any],
        input: Mapping[str, Any],
        mocks: MockSet,
        workers: Mapping[str, Any],
        *,
        correlation_id: Optional[str] = None,
        task_to_domain: Optional[Mapping[str, str]] = None,
    ) -> Execution:
        name = definition.get("name")
        functions = mocks.refs_with_functions()
        if functions or workers:
            what = f"mock functions for {', '.join(functions)}" if functions else "workers"
            raise BackendNotSupportedError(
                f"workflow {name!r}: the both backend also runs the test on the server's test endpoint, "
                f"which cannot call {what}; mock with data, or pin the test with "
                "@pytest.mark.conductor_backend('local')"
            )
        server_mocks = copy.deepcopy(mocks)
        options: Dict[str, Any] = {"correlation_id": correlation_id, "task_to_domain": task_to_domain}
        local = self.local.run(definition, input, mocks, workers, **options)
        remote = self.remote.run(definition, input, server_mocks, workers, **options)
        self.compared += 1
        differences = diff_runs(remote.workflow, local.workflow)
        if differences:
            raise BackendsDisagree(_report(str(name), differences, local, remote))
        self.agreed += 1
        local.other = remote
        return local

    def __repr__(self) -> str:
        return f"BothBackend({self.local!r}, {self.remote!r})"


def _report(name: str, differences: List[str], local: Execution, remote: Execution) -> str:
    lines = [f"workflow {name!r}: the engine and the server disagree ({len(differences)} difference(s)):"]
    lines += [f"  - {line}" for line in differences[:40]]
    if len(differences) > 40:
        lines.append(f"  ... and {len(differences) - 40} more")
    lines.append(f"server path: {' -> '.join(remote.path()) or '(nothing ran)'}")
    lines.append(f"engine path: {' -> '.join(local.path()) or '(nothing ran)'}")
    lines.append("on the server:")
    lines.append(_indent(remote.describe()))
    lines.append("on the engine:")
    lines.append(_indent(local.describe()))
    return "\n".join(lines)


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
