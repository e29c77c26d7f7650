"""TaskType: the wire ``type`` values (the official SDK's module path)."""

from __future__ import annotations

from conductor_testkit.models.enums import TaskType

__all__ = ["TaskType"]
