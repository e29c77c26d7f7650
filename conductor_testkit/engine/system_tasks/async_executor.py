"""One evaluation of an asynchronous system task, as the server's system-task worker does it.

The server's ``AsyncSystemTaskExecutor`` pops the task from its queue, counts a poll, calls
``start()`` (SCHEDULED) or ``execute()`` (IN_PROGRESS), then either ends the evaluation (terminal
or asyncComplete: the task leaves the queue and a decide follows) or postpones the task and writes
the delay into ``callbackAfterSeconds``. The engine calls :func:`run_async_task` at the time
:meth:`SystemTaskHandler.next_due_ms` gives, for tasks of running workflows only (the server
cancels the task instead when the workflow is already terminal).
"""

from __future__ import annotations

from conductor_testkit.engine.system_tasks.base import (
    DEFAULT_CALLBACK_SECONDS,
    IN_PROGRESS,
    SCHEDULED,
    SystemTaskEnv,
    SystemTaskHandler,
    TaskDict,
    is_terminal,
)


def run_async_task(handler: SystemTaskHandler, task: TaskDict, env: SystemTaskEnv) -> bool:
    """Evaluate ``task`` once; True when it finished (the engine runs a decide afterwards).

    Sets ``pollCount``, ``startTime`` (when it starts), ``updateTime``, ``endTime`` (when it ends,
    unless the handler set it) and ``callbackAfterSeconds`` (when it stays running) the way the
    server does.
    """
    status = task.get("status")
    if is_terminal(status):
        return False
    now = env.now_ms()
    async_complete = handler.is_async_complete(task)
    if status == SCHEDULED or not async_complete:
        task["pollCount"] = int(task.get("pollCount") or 0) + 1
    if status == SCHEDULED:
        task["startTime"] = now
        handler.start(task, env)
    elif status == IN_PROGRESS:
        handler.execute(task, env)
    task["updateTime"] = now
    new_status = task.get("status")
    if is_terminal(new_status):
        if not task.get("endTime"):
            task["endTime"] = now
        return True
    if async_complete and new_status != SCHEDULED:
        return True
    offset = handler.evaluation_offset_s(task, env)
    task["callbackAfterSeconds"] = DEFAULT_CALLBACK_SECONDS if offset is None else int(offset)
    return False
