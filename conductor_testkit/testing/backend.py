"""What every harness backend offers, and the error a backend raises for what it cannot do."""

from __future__ import annotations

from typing import Any, Mapping, Optional, Protocol

from conductor_testkit.errors import NotSupportedError
from conductor_testkit.testing.execution import Execution
from conductor_testkit.testing.mocks import MockSet

__all__ = ["Backend", "BackendNotSupportedError"]


class BackendNotSupportedError(NotSupportedError, ValueError):
    """The chosen backend cannot run what the test asks for (e.g. a mock function on a server)."""


class Backend(Protocol):
    """Runs one workflow and returns its :class:`Execution` (see LocalBackend, RemoteBackend)."""

    name: str
    supports_functions: bool

    def server_version(self) -> str: ...

    def register_workflow_def(self, definition: Mapping[str, Any]) -> None: ...

    def register_task_def(self, definition: Mapping[str, Any]) -> None: ...

    def run(
        self,
        definition: Mapping[str, Any],
        input: Mapping[str, Any],
        mocks: MockSet,
        workers: Mapping[str, Any],
        *,
        correlation_id: Optional[str] = None,
        task_to_domain: Optional[Mapping[str, str]] = None,
    ) -> Execution: ...
