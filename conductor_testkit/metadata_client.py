"""MetadataClient at the official SDK's path.

Mirrors the official SDK's module path (conductor.client.metadata_client) so its examples run
with ``conductor.client`` replaced by ``conductor_testkit``; the code lives in
conductor_testkit.client.metadata_client.
"""

from conductor_testkit.client.metadata_client import MetadataClient

__all__ = ["MetadataClient"]
