"""The real server the integration tests run against is the pinned Conductor OSS version."""

from __future__ import annotations

import pytest

from conductor_testkit.testing import server as server_mod


@pytest.mark.integration
def test_server_reports_the_pinned_version(conductor_server_url: str) -> None:
    assert server_mod.server_version(conductor_server_url) == server_mod.CONDUCTOR_SERVER_VERSION


def test_free_port_is_on_loopback_and_bindable() -> None:
    import socket

    port = server_mod.free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
