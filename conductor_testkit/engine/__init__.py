"""The in-memory Conductor engine: executes workflow definitions like the server, on a virtual clock.

The public API other layers use: :class:`Engine` (its methods), the run outcome
(:class:`RunOutcome`, :class:`Blocker`, :class:`DeferredSnapshot`), the clock, the mocks a drive consumes
(:mod:`conductor_testkit.engine.mocks`), the errors, and a few names of the server's model
(:data:`OPERATORS`, :data:`WORKFLOW_TERMINAL`, :func:`base_ref`), and the bounded
:class:`ContentCache` the layers above keep their per-definition answers in. Everything else in
this package is internal to the engine.
"""

from __future__ import annotations

from conductor_testkit.engine.bean_validation import DefinitionValidationError
from conductor_testkit.engine.clock import VirtualClock
from conductor_testkit.engine.content_cache import ContentCache
from conductor_testkit.engine.deferred_snapshot import DeferredSnapshot
from conductor_testkit.engine.driver import BlockedTask, Blocker, RunOutcome
from conductor_testkit.engine.engine import Engine, NetworkDisabledError
from conductor_testkit.engine.errors import (
    EngineBadRequest,
    EngineConflict,
    EngineIllegalState,
    EngineNotFound,
)
from conductor_testkit.engine.mocks import MockSet
from conductor_testkit.engine.run import TERMINAL, WORKFLOW_TERMINAL, base_ref
from conductor_testkit.engine.script_warnings import ServerDivergenceWarning
from conductor_testkit.engine.settle import OPERATORS
from conductor_testkit.engine.task_types import unknown_type_note
from conductor_testkit.engine.worker_time import WorkerTimeFreezer
from conductor_testkit.engine.workers import workers_by_type

__all__ = [
    "OPERATORS",
    "TERMINAL",
    "WORKFLOW_TERMINAL",
    "BlockedTask",
    "Blocker",
    "ContentCache",
    "DeferredSnapshot",
    "DefinitionValidationError",
    "Engine",
    "EngineBadRequest",
    "EngineConflict",
    "EngineIllegalState",
    "EngineNotFound",
    "MockSet",
    "NetworkDisabledError",
    "RunOutcome",
    "ServerDivergenceWarning",
    "VirtualClock",
    "WorkerTimeFreezer",
    "base_ref",
    "unknown_type_note",
    "workers_by_type",
]
