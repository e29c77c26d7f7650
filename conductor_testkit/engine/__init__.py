"""The in-memory Conductor engine: executes workflow definitions like the server, on a virtual clock."""

from __future__ import annotations

from conductor_testkit.engine.clock import VirtualClock
from conductor_testkit.engine.driver import BlockedTask, RunOutcome
from conductor_testkit.engine.engine import Engine, NetworkDisabledError
from conductor_testkit.engine.errors import (
    EngineBadRequest,
    EngineConflict,
    EngineIllegalState,
    EngineNotFound,
)
from conductor_testkit.engine.script_warnings import ServerDivergenceWarning
from conductor_testkit.engine.validation import DefinitionValidationError

__all__ = [
    "BlockedTask",
    "DefinitionValidationError",
    "Engine",
    "EngineBadRequest",
    "EngineConflict",
    "EngineIllegalState",
    "EngineNotFound",
    "NetworkDisabledError",
    "RunOutcome",
    "ServerDivergenceWarning",
    "VirtualClock",
]

try:
    from conductor_testkit.engine import in_process as _in_process  # noqa: F401  (registers memory://)
except ImportError:  # pragma: no cover - helper H's module not written yet
    pass
