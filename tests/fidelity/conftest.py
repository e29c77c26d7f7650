"""Fixtures of the fidelity suites."""

from __future__ import annotations

from typing import Iterator

import pytest
import requests


@pytest.fixture(scope="module")
def server_session() -> Iterator[requests.Session]:
    """One HTTP session to the real server for a test module."""
    with requests.Session() as session:
        yield session
