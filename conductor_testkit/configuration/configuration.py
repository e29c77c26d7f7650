"""Configuration at the official SDK's path.

Mirrors the official SDK's module path (conductor.client.configuration.configuration) so its examples run
with ``conductor.client`` replaced by ``conductor_testkit``; the code lives in
conductor_testkit.client.configuration.
"""

from conductor_testkit.client.configuration import AuthenticationSettings, Configuration

__all__ = ["AuthenticationSettings", "Configuration"]
