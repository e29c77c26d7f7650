"""What every harness backend offers, the parts the built-in backends share, and their error."""

from __future__ import annotations

import contextlib
import copy
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ContextManager, Dict, Mapping, Optional, Protocol, Set

from conductor_testkit.errors import NotSupportedError
from conductor_testkit.testing.execution import Execution
from conductor_testkit.testing.mocks import MockSet
from conductor_testkit.testing.passthrough import server_calls_pass_through

if TYPE_CHECKING:  # pragma: no cover
    from conductor_testkit.client import Configuration

__all__ = ["Backend", "BackendNotSupportedError", "BaseBackend", "ServerBackend"]


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


class BaseBackend(ABC):
    """The built-in backends' common part: where definitions go and how a run's request starts.

    A subclass names its registry (the engine, or a server's metadata client: both take a
    definition dict, workflows with ``overwrite``) and runs the start request in :meth:`_run`.
    """

    name: str
    supports_functions: bool

    @property
    @abstractmethod
    def _registry(self) -> Any:
        """Where definitions are registered."""

    @abstractmethod
    def server_version(self) -> str:
        """What runs the workflows (a server's version, or the engine)."""

    def _calls(self) -> ContextManager[Any]:
        """The context of every call the backend makes to where workflows run (none by default)."""
        return contextlib.nullcontext()

    def register_workflow_def(self, definition: Mapping[str, Any]) -> None:
        """Register (or replace) a workflow definition."""
        with self._calls():
            self._registry.register_workflow_def(dict(definition), overwrite=True)

    def register_task_def(self, definition: Mapping[str, Any]) -> None:
        """Register a task definition."""
        with self._calls():
            self._registry.register_task_def(dict(definition))

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
        """Run ``definition`` (inline) with ``input``, settling tasks by ``mocks`` and ``workers``."""
        # every backend starts with the definition inline, as the test endpoint does
        request: Dict[str, Any] = {
            "name": definition.get("name"),
            "version": definition.get("version"),
            "input": copy.deepcopy(dict(input)),
            "workflowDef": dict(definition),
        }
        if correlation_id is not None:
            request["correlationId"] = correlation_id
        with self._calls():
            return self._run(definition, request, mocks, workers, dict(task_to_domain or {}))

    @abstractmethod
    def _run(
        self,
        definition: Mapping[str, Any],
        request: Dict[str, Any],
        mocks: MockSet,
        workers: Mapping[str, Any],
        task_to_domain: Dict[str, str],
    ) -> Execution:
        """Run the start ``request`` built from ``definition``; return its Execution."""


class ServerBackend(BaseBackend):
    """A backend on a real server: its clients, its version, definitions registered through them.

    Every call the backend makes to the server passes through a ``responses`` mock the test has
    active (see :mod:`conductor_testkit.testing.passthrough`).

    Args:
        server_url: the API root (``http://127.0.0.1:8080/api``); default ``$CONDUCTOR_SERVER_URL``.
        configuration: a ready :class:`~conductor_testkit.client.Configuration` instead of a URL.
    """

    def __init__(
        self, server_url: Optional[str] = None, *, configuration: Optional[Configuration] = None
    ) -> None:
        from conductor_testkit import client  # the HTTP client, imported by server backends only

        if configuration is None:
            # without a URL, the Configuration reads $CONDUCTOR_SERVER_URL
            configuration = client.Configuration(server_api_url=server_url or None)
        self.configuration = configuration
        self.clients = client.OrkesClients(configuration)
        self._metadata = self.clients.get_metadata_client()
        self._version: Optional[str] = None
        # task definitions the test registered itself (the live backend leaves them as they are)
        self.registered_task_defs: Set[str] = set()

    @property
    def server_url(self) -> str:
        return self.configuration.server_api_url

    @property
    def _registry(self) -> Any:
        return self._metadata

    def _calls(self) -> ContextManager[Any]:
        return server_calls_pass_through(self.server_url)

    def server_version(self) -> str:
        """What the server reports at ``/version`` ("unknown" when it does not say)."""
        if self._version is None:
            from conductor_testkit.testing.server import server_version

            with self._calls():
                self._version = server_version(self.server_url) or "unknown"
        return self._version

    def register_workflow_def(self, definition: Mapping[str, Any]) -> None:
        """Create or replace a workflow definition with ``PUT /metadata/workflow``.

        The server's ``POST`` looks the name up and then inserts, so two test processes
        registering the same definition at once can get "already exists" (HTTP 500 on the
        SQLite store); ``PUT`` inserts or replaces in one transaction.
        """
        with self._calls():
            self._metadata.update_workflow_def(dict(definition), overwrite=True)

    def register_task_def(self, definition: Mapping[str, Any]) -> None:
        super().register_task_def(definition)
        self.registered_task_defs.add(str(definition.get("name")))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.server_url!r})"
