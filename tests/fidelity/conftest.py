"""Fixtures of the fidelity suites."""

from __future__ import annotations

from typing import Iterator

import pytest
import requests

from conductor_testkit.testing.server import ServerSession


@pytest.fixture(scope="module")
def server_session() -> Iterator[requests.Session]:
    """One HTTP session to the real server for a test module."""
    with ServerSession() as session:
        yield session
