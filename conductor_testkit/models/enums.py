"""Status and policy enums of the Conductor wire format.

They are ``str`` enums, so ``run.status == "COMPLETED"`` holds as in the official SDK.
"""

from __future__ import annotations

from enum import Enum


class WireEnum(str, Enum):
    """A ``str`` enum whose ``str()`` is its wire value (``str(TaskStatus.FAILED) == "FAILED"``).

    The base of every enum of this package, the DSL's included.
    """

    def __str__(self) -> str:
        return str(self.value)


class WorkflowStatus(WireEnum):
    """The status of a workflow execution."""

    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"
    TERMINATED = "TERMINATED"
    PAUSED = "PAUSED"

    @property
    def is_terminal(self) -> bool:
        """Whether the execution has ended (neither RUNNING nor PAUSED)."""
        return self not in (WorkflowStatus.RUNNING, WorkflowStatus.PAUSED)

    @property
    def is_successful(self) -> bool:
        """COMPLETED, or PAUSED (nothing has failed), as the server's ``isSuccessful``."""
        return self in (WorkflowStatus.COMPLETED, WorkflowStatus.PAUSED)


class TaskStatus(WireEnum):
    """The status of one attempt of a task."""

    SCHEDULED = "SCHEDULED"
    IN_PROGRESS = "IN_PROGRESS"
    CANCELED = "CANCELED"
    FAILED = "FAILED"
    FAILED_WITH_TERMINAL_ERROR = "FAILED_WITH_TERMINAL_ERROR"
    COMPLETED = "COMPLETED"
    COMPLETED_WITH_ERRORS = "COMPLETED_WITH_ERRORS"
    TIMED_OUT = "TIMED_OUT"
    SKIPPED = "SKIPPED"

    @property
    def is_terminal(self) -> bool:
        """Whether the attempt has ended (neither SCHEDULED nor IN_PROGRESS)."""
        return self not in (TaskStatus.SCHEDULED, TaskStatus.IN_PROGRESS)

    @property
    def is_successful(self) -> bool:
        """Whether the attempt did not fail, time out or get canceled (SKIPPED counts as success)."""
        return self not in (
            TaskStatus.FAILED,
            TaskStatus.FAILED_WITH_TERMINAL_ERROR,
            TaskStatus.TIMED_OUT,
            TaskStatus.CANCELED,
        )

    @property
    def is_retriable(self) -> bool:
        """Whether a failure in this status may be retried (not a terminal error, cancel or skip)."""
        return self not in (
            TaskStatus.FAILED_WITH_TERMINAL_ERROR,
            TaskStatus.CANCELED,
            TaskStatus.SKIPPED,
        )


class TaskResultStatus(WireEnum):
    """What a worker (or a mock) may report for a task."""

    IN_PROGRESS = "IN_PROGRESS"
    FAILED = "FAILED"
    FAILED_WITH_TERMINAL_ERROR = "FAILED_WITH_TERMINAL_ERROR"
    COMPLETED = "COMPLETED"
    CANCELED = "CANCELED"


class TimeoutPolicy(WireEnum):
    """TaskDef.timeoutPolicy."""

    RETRY = "RETRY"
    TIME_OUT_WF = "TIME_OUT_WF"
    ALERT_ONLY = "ALERT_ONLY"


class WorkflowTimeoutPolicy(WireEnum):
    """WorkflowDef.timeoutPolicy (server default ALERT_ONLY)."""

    TIME_OUT_WF = "TIME_OUT_WF"
    ALERT_ONLY = "ALERT_ONLY"


class RetryLogic(WireEnum):
    """TaskDef.retryLogic: how the delay between retries grows."""

    FIXED = "FIXED"
    LINEAR_BACKOFF = "LINEAR_BACKOFF"
    EXPONENTIAL_BACKOFF = "EXPONENTIAL_BACKOFF"


class TaskType(WireEnum):
    """The wire ``type`` of a workflow task."""

    SIMPLE = "SIMPLE"
    DYNAMIC = "DYNAMIC"
    FORK_JOIN = "FORK_JOIN"
    FORK_JOIN_DYNAMIC = "FORK_JOIN_DYNAMIC"
    DECISION = "DECISION"
    SWITCH = "SWITCH"
    JOIN = "JOIN"
    DO_WHILE = "DO_WHILE"
    SUB_WORKFLOW = "SUB_WORKFLOW"
    START_WORKFLOW = "START_WORKFLOW"
    EVENT = "EVENT"
    WAIT = "WAIT"
    HUMAN = "HUMAN"
    USER_DEFINED = "USER_DEFINED"
    HTTP = "HTTP"
    LAMBDA = "LAMBDA"
    INLINE = "INLINE"
    EXCLUSIVE_JOIN = "EXCLUSIVE_JOIN"
    TERMINATE = "TERMINATE"
    KAFKA_PUBLISH = "KAFKA_PUBLISH"
    JSON_JQ_TRANSFORM = "JSON_JQ_TRANSFORM"
    SET_VARIABLE = "SET_VARIABLE"
    NOOP = "NOOP"
    FORK = "FORK"


class IdempotencyStrategy(WireEnum):
    """What a start with an idempotency key already used does: fail, or return the existing run."""

    FAIL = "FAIL"
    RETURN_EXISTING = "RETURN_EXISTING"
