"""The contract between the engine's decide loop and the system-task handlers.

The engine (``conductor_testkit.engine.engine``) owns the workflow state, the virtual clock and the
decide loop; a :class:`SystemTaskHandler` owns what one system task type does to *its own* task
dict (the wire ``Task`` JSON): its initial status, extra input keys, how it runs and when it is
due again. Handlers mutate the task dict in place, exactly as the server changes its TaskModel,
and reach the outside world (clock, JavaScript, HTTP, published events) only through the
:class:`SystemTaskEnv` the engine passes in, so tests can drive a handler with a small real env.

Call order used by the engine (mirrors the server, docs/semantics.md §2.4 and §1.2):

1. the engine creates the task dict and resolves its input into ``task["inputData"]``;
2. :meth:`SystemTaskHandler.prepare` (the mapper part: initial status and extra keys);
3. synchronous types: :meth:`start` then, while not terminal, :meth:`execute` inside the decide;
   asynchronous types: :meth:`start` while SCHEDULED, :meth:`execute` while IN_PROGRESS, at the
   time :meth:`next_due_ms` says, each followed by a decide;
4. :meth:`cancel` when the workflow ends or the task is skipped/canceled while still running.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Optional, Protocol

from conductor_testkit.errors import ConductorError

if TYPE_CHECKING:  # pragma: no cover - typing only
    import requests

    from conductor_testkit.engine.javascript import JavaScriptEvaluator
    from conductor_testkit.engine.jq_transform import JqEvaluator

TaskDict = Dict[str, Any]
"""A wire ``Task`` JSON dict (camelCase keys) that a handler reads and mutates."""

# Task statuses as the server spells them (docs/semantics.md §2.1).
SCHEDULED = "SCHEDULED"
IN_PROGRESS = "IN_PROGRESS"
COMPLETED = "COMPLETED"
FAILED = "FAILED"
FAILED_WITH_TERMINAL_ERROR = "FAILED_WITH_TERMINAL_ERROR"
CANCELED = "CANCELED"

# Engine-private task field (not on the wire Task, the engine strips "_" keys): the WAIT
# deadline, the server's TaskModel.waitTimeout (epoch ms; 0 = wait for a signal).
WAIT_TIMEOUT_KEY = "_waitTimeout"

# The server's default system-task re-evaluation delay (systemTaskWorkerCallbackDuration, 30 s).
DEFAULT_CALLBACK_SECONDS = 30

TERMINAL_STATUSES = frozenset(
    {
        COMPLETED,
        "COMPLETED_WITH_ERRORS",
        "SKIPPED",
        FAILED,
        FAILED_WITH_TERMINAL_ERROR,
        "TIMED_OUT",
        CANCELED,
    }
)


class SystemTaskEnv(Protocol):
    """What a handler may use from the engine; implemented by the engine (and by test envs)."""

    def now_ms(self) -> int:
        """The virtual clock, epoch milliseconds."""
        ...

    @property
    def js(self) -> JavaScriptEvaluator:
        """The JavaScript evaluator (QuickJS, with the engine's time and memory limits)."""
        ...

    @property
    def jq(self) -> JqEvaluator:
        """The jq evaluator (libjq in a sandbox process, with the engine's limits)."""
        ...

    @property
    def workflow(self) -> Dict[str, Any]:
        """The wire ``Workflow`` dict the task belongs to (read-only for handlers)."""
        ...

    def http_request(
        self,
        method: str,
        url: str,
        headers: Dict[str, str],
        body: Any,
        connect_timeout_s: float,
        read_timeout_s: float,
    ) -> requests.Response:
        """Send an HTTP request (through ``requests``, so ``responses`` can mock it).

        ``body`` is the already encoded request body (``str``/``bytes``) or ``None``. Raises
        ``requests.RequestException`` on I/O errors, or a :class:`ConductorError` when the
        engine forbids network access (the handler turns either into a FAILED task).
        """
        ...

    def record_event(self, sink: str, queue: str, payload: Dict[str, Any], message_id: str = "") -> None:
        """Record a message an EVENT task published (``queue`` = the ``event_produced`` name).

        A message to a ``conductor:`` queue also waits there for the event handlers listening
        to that event (see :mod:`conductor_testkit.engine.event_handlers`).
        """
        ...

    def withdraw_event(self, message_id: str) -> None:
        """Remove a published message no handler has consumed yet (its EVENT task was cancelled)."""
        ...

    def record_kafka(self, request: Dict[str, Any]) -> None:
        """Record a KAFKA_PUBLISH request (no real Kafka is contacted)."""
        ...

    @property
    def host_name(self) -> str:
        """The "server" host name, used as ``workerId`` of async system tasks."""
        ...


class MappingTerminateError(ConductorError):
    """A mapping-time error that must end the decide, as the server's exception does.

    ``message`` is the server's own wording. ``kind`` says how the server raises it:
    ``"terminate"`` (a TerminateWorkflowException: the workflow FAILS with this reason) or
    ``"illegal_argument"`` (an IllegalArgumentException escaping the decide, e.g. an invalid WAIT
    duration: the API call that triggered the decide fails, the workflow stays as it was).
    """

    def __init__(self, message: str, *, kind: str = "terminate") -> None:
        self.message = message
        self.kind = kind
        super().__init__(message)


class SystemTaskHandler:
    """One system task type. Subclasses override what the server's task class overrides.

    Attributes:
        task_type: the workflow task ``type`` / task ``taskType`` (e.g. ``"INLINE"``).
        is_async: True when the server runs it on the background system-task worker
            (HTTP, WAIT, KAFKA_PUBLISH), False when it runs inside the decide.
        uses_input_template: whether the TaskDef ``inputTemplate`` is merged into the input
            (docs/semantics.md §5.6).
    """

    task_type: str = ""
    is_async: bool = False
    uses_input_template: bool = True

    def prepare(self, task: TaskDict, workflow_task: Dict[str, Any], env: SystemTaskEnv) -> None:
        """The mapper part, after the engine put the resolved input into ``task["inputData"]``.

        Sets the initial status (default: SCHEDULED for async, IN_PROGRESS for sync types) and
        any extra input keys. May raise :class:`MappingTerminateError` or ``ValueError`` (the
        server's IllegalArgumentException) which the engine re-raises out of the decide.
        """
        task["status"] = SCHEDULED if self.is_async else IN_PROGRESS

    def start(self, task: TaskDict, env: SystemTaskEnv) -> None:
        """The server's ``start()``: called once when the task is scheduled. Default: no-op."""

    def execute(self, task: TaskDict, env: SystemTaskEnv) -> bool:
        """The server's ``execute()``: run or re-check the task; True when its state changed."""
        return False

    def cancel(self, task: TaskDict, env: SystemTaskEnv) -> None:
        """The server's ``cancel()``: the workflow ended or the task was canceled. Default: no-op.

        The engine itself sets the CANCELED status, as the server does.
        """

    def extra_input_parameters(self, workflow_task: Dict[str, Any]) -> Dict[str, Any]:
        """Parameters the server's mapper adds to the workflow task's ``inputParameters``
        *before* resolving them (EVENT: ``sink`` and ``asyncComplete``; HTTP: ``asyncComplete``).

        The engine should merge these into ``workflow_task["inputParameters"]`` (the server
        mutates the definition's workflow task, so they show in ``workflowDefinition`` and in
        ``task.workflowTask``) and then resolve. :meth:`prepare` also applies them, unresolved,
        when the engine did not. Default: none.
        """
        return {}

    def is_async_complete(self, task: TaskDict) -> bool:
        """True when the task is completed from outside (``asyncComplete``): no response timeout.

        As the server: the ``asyncComplete`` input key when present (null is false), else the
        workflow task's ``asyncComplete`` flag.
        """
        input_data = task.get("inputData") or {}
        if "asyncComplete" in input_data:
            return input_data["asyncComplete"] is True
        return bool((task.get("workflowTask") or {}).get("asyncComplete") is True)

    def evaluation_offset_s(self, task: TaskDict, env: SystemTaskEnv) -> Optional[int]:
        """Seconds until the server's system-task worker looks at a still-running async task
        again (``getEvaluationOffset``); ``None`` means the default, 30 s. The server writes it
        into ``callbackAfterSeconds`` after each evaluation.
        """
        return None

    def next_due_ms(self, task: TaskDict, env: SystemTaskEnv) -> Optional[int]:
        """When the engine must start/execute this async task next (virtual epoch ms).

        ``None`` means never by itself (a WAIT for a signal, an asyncComplete task, a sync task).
        Default for async types: a SCHEDULED task at ``scheduledTime + callbackAfterSeconds``;
        an IN_PROGRESS one (not asyncComplete) now. Run it with
        :func:`conductor_testkit.engine.system_tasks.async_executor.run_async_task`.
        """
        if not self.is_async:
            return None
        status = task.get("status")
        if status == SCHEDULED:
            # Queued with a delay of callbackAfterSeconds (the workflow task's startDelay).
            scheduled = task.get("scheduledTime") or env.now_ms()
            return int(scheduled) + int(task.get("callbackAfterSeconds") or 0) * 1000
        if status == IN_PROGRESS and not self.is_async_complete(task):
            return env.now_ms()
        return None


def is_terminal(status: Optional[str]) -> bool:
    """Whether a task status is terminal (docs/semantics.md §2.1)."""
    return status in TERMINAL_STATUSES
