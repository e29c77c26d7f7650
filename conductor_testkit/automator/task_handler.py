"""TaskHandler at the official SDK's path.

Mirrors the official SDK's module path (conductor.client.automator.task_handler) so its examples run
with ``conductor.client`` replaced by ``conductor_testkit``; the code lives in
conductor_testkit.worker.task_handler.
"""

from conductor_testkit.worker.task_handler import TaskHandler

__all__ = ["TaskHandler"]
