"""Fixtures shared by the unit tests."""

from __future__ import annotations

from typing import Iterator

import pytest
import responses


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    """``responses`` intercepting every HTTP call of the test (an unused mocked response fails it)."""
    with responses.RequestsMock() as rsps:
        yield rsps
