"""OrkesClients at the official SDK's path.

Mirrors the official SDK's module path (conductor.client.orkes_clients) so its examples run
with ``conductor.client`` replaced by ``conductor_testkit``; the code lives in
conductor_testkit.client.clients.
"""

from conductor_testkit.client.clients import ConductorClients, OrkesClients

__all__ = ["ConductorClients", "OrkesClients"]
