"""The wire models at the official SDK's path.

Mirrors the official SDK's module path (conductor.client.http.models) so its examples run
with ``conductor.client`` replaced by ``conductor_testkit``; the code lives in
conductor_testkit.models.
"""

from conductor_testkit.models import *  # noqa: F403
from conductor_testkit.models import __all__ as __all__
